//! TOTP two-factor (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew each way)
//! and recovery codes. Pure helpers: the store keeps secrets and used steps, `api` decides.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use qrcode::render::svg;
use qrcode::QrCode;
use rand::seq::SliceRandom;
use rand::RngCore;
use roster_model::{Timestamp, TwoFactorSetup, RECOVERY_CODE_COUNT};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

const ISSUER: &str = "Roster";
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// 160 bits, the size RFC 4226 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;
/// Recovery codes avoid letters and digits that read alike (0/o, 1/l/i).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_HALF_LEN: usize = 5;

/// A fresh random secret, base32-encoded as authenticator apps show and take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    encode(&bytes)
}

/// A fixed secret derived from the email, for generated demo and benchmark users only: their
/// codes can be computed by whoever knows the email, which is fine for data that is not real.
pub fn demo_secret(email: &str) -> String {
    let digest = Sha256::digest(format!("roster demo totp {email}").as_bytes());
    encode(&digest[..SECRET_BYTES])
}

fn encode(bytes: &[u8]) -> String {
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => String::new(),
    }
}

fn totp(secret: &str, email: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    // The account name may not contain ':' (it separates issuer and account in the URI).
    let account = email.replace(':', "");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_owned()),
        account,
    )
    .ok()
}

/// What the enrolment page shows: the secret, its `otpauth://` URI and a QR code of that URI.
pub fn setup(secret: &str, email: &str) -> Option<TwoFactorSetup> {
    let otpauth_uri = totp(secret, email)?.get_url();
    let svg = QrCode::new(otpauth_uri.as_bytes())
        .ok()?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Some(TwoFactorSetup {
        secret: secret.to_owned(),
        otpauth_uri,
        qr_code: format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg)),
    })
}

/// The time step a 6-digit `code` is valid for at `now` (allowing one step of skew), if it is
/// valid and later than `last_step` — a code is never accepted twice.
pub fn matching_step(
    secret: &str,
    email: &str,
    code: &str,
    now: Timestamp,
    last_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, email)?;
    let current = now.max(0) / STEP_SECONDS as i64;
    (current - 1..=current + 1)
        .filter(|&step| step >= 0 && last_step.is_none_or(|last| step > last))
        .find(|&step| {
            let expected = totp.generate(step as u64 * STEP_SECONDS);
            bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
        })
}

/// Whether the text has the shape of a recovery code rather than an authenticator code.
pub fn looks_like_recovery_code(code: &str) -> bool {
    normalize_recovery_code(code).len() == 2 * RECOVERY_HALF_LEN
}

/// New one-time recovery codes, like `k7xqm-2vp9d`.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::thread_rng();
    let mut half = || -> String {
        (0..RECOVERY_HALF_LEN)
            .filter_map(|_| RECOVERY_ALPHABET.choose(&mut rng).map(|&b| char::from(b)))
            .collect()
    };
    (0..RECOVERY_CODE_COUNT)
        .map(|_| format!("{}-{}", half(), half()))
        .collect()
}

/// Case, spaces and dashes do not matter when a recovery code is typed back.
fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The unkeyed digest of a recovery code, as typed back in any case or spacing; the store keeps
/// only a keyed digest of it (see `secrets`).
pub fn recovery_code_hash(code: &str) -> String {
    crate::hex::encode(&Sha256::digest(normalize_recovery_code(code).as_bytes()))
}

/// The code an authenticator app shows at `at` (for tests and the demo's instructions).
pub fn code_at(secret: &str, email: &str, at: Timestamp) -> Option<String> {
    Some(totp(secret, email)?.generate(at.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B: the ASCII secret "12345678901234567890", T = 59 → 94287082 (8 digits);
        // its last 6 digits are what a 6-digit authenticator shows.
        let secret = encode(b"12345678901234567890");
        assert_eq!(
            code_at(&secret, "a@b.example", 59).as_deref(),
            Some("287082")
        );
        assert_eq!(
            code_at(&secret, "a@b.example", 1_111_111_109).as_deref(),
            Some("081804")
        );
    }

    #[test]
    fn codes_match_within_one_step_and_never_twice() {
        let secret = new_secret();
        let email = "maya@northwind.example";
        let now = 1_800_000_000;
        let code = code_at(&secret, email, now).unwrap_or_default();
        let step = now / 30;
        assert_eq!(matching_step(&secret, email, &code, now, None), Some(step));
        assert_eq!(
            matching_step(&secret, email, &code, now + 30, None),
            Some(step)
        );
        assert_eq!(matching_step(&secret, email, &code, now + 90, None), None);
        assert_eq!(matching_step(&secret, email, &code, now, Some(step)), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(
            matching_step(&secret, email, &spaced, now, None),
            Some(step)
        );
        assert_eq!(matching_step(&secret, email, "12345", now, None), None);
        assert_eq!(matching_step(&secret, email, "abcdef", now, None), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
        let code = &codes[0];
        assert!(looks_like_recovery_code(code));
        assert!(!looks_like_recovery_code("123456"));
        assert_eq!(
            recovery_code_hash(code),
            recovery_code_hash(&format!(" {} ", code.to_uppercase().replace('-', " ")))
        );
    }

    #[test]
    fn setup_gives_an_svg_qr_code_of_the_otpauth_uri() {
        let secret = new_secret();
        let setup = setup(&secret, "maya@northwind.example").unwrap_or_else(|| panic!("setup"));
        assert!(setup.otpauth_uri.starts_with("otpauth://totp/Roster:"));
        assert!(setup.otpauth_uri.contains(&secret));
        assert!(setup.qr_code.starts_with("data:image/svg+xml;base64,"));
        assert_eq!(demo_secret("a@b.example"), demo_secret("a@b.example"));
        assert_ne!(demo_secret("a@b.example"), demo_secret("c@b.example"));
    }
}
