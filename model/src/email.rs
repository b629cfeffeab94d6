//! Normalisation and validation of email addresses and domain names.
//!
//! Emails are unique case-insensitively, so the whole address is lower-cased. Internationalised
//! domain names are stored in their ASCII (punycode) form, the one DNS and mail servers use.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("Enter a domain name.")]
    Empty,
    #[error("A domain name is at most 253 characters long.")]
    TooLong,
    #[error("A domain name needs at least two parts, like example.com.")]
    SingleLabel,
    #[error("Each part of a domain name is 1 to 63 characters long.")]
    BadLabelLength,
    #[error("A domain name uses only letters, digits and hyphens, and no part starts or ends with a hyphen.")]
    BadCharacter,
    #[error("The last part of a domain name cannot be all digits.")]
    NumericTld,
    #[error("This internationalised domain name is not valid.")]
    BadInternationalName,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("An email address has exactly one @, like name@example.com.")]
    MissingAt,
    #[error("An email address is at most 254 characters long.")]
    TooLong,
    #[error("The part before the @ is missing.")]
    EmptyLocalPart,
    #[error("The part before the @ is at most 64 characters long.")]
    LocalPartTooLong,
    #[error("The part before the @ has a character that is not allowed in an email address.")]
    BadLocalCharacter,
    #[error("The part before the @ cannot start or end with a dot or have two dots in a row.")]
    BadDots,
    #[error("The domain after the @ is not valid: {0}")]
    Domain(DomainError),
}

/// Lower-cases, trims and strips one trailing dot, turns an internationalised name into punycode
/// (IDNA 2008 / UTS 46); then checks the name against RFC 1035/1123 rules.
pub fn normalize_domain(input: &str) -> Result<String, DomainError> {
    let trimmed = input.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(DomainError::Empty);
    }
    let domain = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(trimmed).map_err(|_| DomainError::BadInternationalName)?
    };
    if domain.len() > 253 {
        return Err(DomainError::TooLong);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(DomainError::SingleLabel);
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return Err(DomainError::BadLabelLength);
        }
        let valid_chars = label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars || label.starts_with('-') || label.ends_with('-') {
            return Err(DomainError::BadCharacter);
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(DomainError::NumericTld);
    }
    Ok(domain)
}

/// Characters allowed unquoted in the local part (RFC 5322 `atext` plus dots).
fn is_local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b)
}

/// Longest email address accepted anywhere.
pub const MAX_EMAIL_LEN: usize = 254;

/// Trims and lower-cases an address and checks it. Quoted local parts and IP-literal domains are
/// refused: no organisation invites people at such addresses.
pub fn normalize_email(input: &str) -> Result<String, EmailError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(EmailError::Empty);
    }
    // RFC 5321's limit on a forward path; checked first, so an oversized input costs nothing more.
    if trimmed.len() > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong);
    }
    let (local, domain) = match trimmed.split_once('@') {
        Some((local, domain)) if !domain.contains('@') => (local, domain),
        _ => return Err(EmailError::MissingAt),
    };
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.len() > 64 {
        return Err(EmailError::LocalPartTooLong);
    }
    if !local.bytes().all(is_local_char) {
        return Err(EmailError::BadLocalCharacter);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::BadDots);
    }
    let domain = normalize_domain(domain).map_err(EmailError::Domain)?;
    Ok(format!("{}@{}", local.to_ascii_lowercase(), domain))
}

/// The form sign-in looks an address up by: normalised like every stored address, or — for text
/// that is no valid address, and so belongs to nobody — trimmed and lower-cased.
pub fn sign_in_email(input: &str) -> String {
    normalize_email(input).unwrap_or_else(|_| input.trim().to_lowercase())
}

/// The domain part of an already normalised address.
pub fn email_domain(email: &str) -> Option<&str> {
    email.rsplit_once('@').map(|(_, domain)| domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("  Ada.Lovelace@Example.COM ").unwrap(),
            "ada.lovelace@example.com"
        );
        assert_eq!(
            normalize_email("o'brien+tag@mail.example.co.uk").unwrap(),
            "o'brien+tag@mail.example.co.uk"
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        assert_eq!(normalize_email(""), Err(EmailError::Empty));
        assert_eq!(normalize_email("ada"), Err(EmailError::MissingAt));
        assert_eq!(normalize_email("a@b@c.com"), Err(EmailError::MissingAt));
        assert_eq!(
            normalize_email("@example.com"),
            Err(EmailError::EmptyLocalPart)
        );
        assert_eq!(
            normalize_email("a b@example.com"),
            Err(EmailError::BadLocalCharacter)
        );
        assert_eq!(
            normalize_email("a..b@example.com"),
            Err(EmailError::BadDots)
        );
        assert_eq!(
            normalize_email(&format!("{}@example.com", "a".repeat(65))),
            Err(EmailError::LocalPartTooLong)
        );
        assert_eq!(
            normalize_email(&format!("{}@example.com", "a.".repeat(200))),
            Err(EmailError::TooLong)
        );
        assert_eq!(
            normalize_email("ada@localhost"),
            Err(EmailError::Domain(DomainError::SingleLabel))
        );
    }

    #[test]
    fn sign_in_finds_addresses_as_they_were_stored() {
        assert_eq!(sign_in_email(" Anna@Bücher.DE "), "anna@xn--bcher-kva.de");
        assert_eq!(sign_in_email(" Not An Address "), "not an address");
    }

    #[test]
    fn domains_are_normalised() {
        assert_eq!(normalize_domain("Example.COM.").unwrap(), "example.com");
        assert_eq!(
            normalize_domain(" a-b.example.org ").unwrap(),
            "a-b.example.org"
        );
    }

    #[test]
    fn international_names_become_punycode() {
        assert_eq!(normalize_domain("Bücher.DE").unwrap(), "xn--bcher-kva.de");
        assert_eq!(
            normalize_domain("例え.テスト").unwrap(),
            "xn--r8jz45g.xn--zckzah"
        );
        assert_eq!(
            normalize_email("Anna@Bücher.de").unwrap(),
            "anna@xn--bcher-kva.de"
        );
    }

    #[test]
    fn bad_domains_are_refused() {
        assert_eq!(normalize_domain(" "), Err(DomainError::Empty));
        assert_eq!(normalize_domain("com"), Err(DomainError::SingleLabel));
        assert_eq!(normalize_domain("a..com"), Err(DomainError::BadLabelLength));
        assert_eq!(normalize_domain("-a.com"), Err(DomainError::BadCharacter));
        assert_eq!(normalize_domain("a_b.com"), Err(DomainError::BadCharacter));
        assert_eq!(
            normalize_domain("a\u{200b}\u{5d0}b.com"),
            Err(DomainError::BadInternationalName)
        );
        assert_eq!(normalize_domain("10.0.0.1"), Err(DomainError::NumericTld));
        let long = format!("{}.com", vec!["a".repeat(63); 4].join("."));
        assert_eq!(normalize_domain(&long), Err(DomainError::TooLong));
        let long_label = format!("{}.com", "a".repeat(64));
        assert_eq!(
            normalize_domain(&long_label),
            Err(DomainError::BadLabelLength)
        );
    }

    #[test]
    fn email_domain_is_the_part_after_the_at() {
        assert_eq!(email_domain("ada@example.com"), Some("example.com"));
        assert_eq!(email_domain("nope"), None);
    }
}
