//! Invitations: what the invite wizard sends, what the server answers per address, and the pure
//! rules both sides apply to the addresses an admin types, pastes or uploads.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::email::{email_domain, normalize_email};
use crate::roles::RoleSet;
use crate::Timestamp;

/// The source document: "Select 10 accounts to invite users to".
pub const MAX_INVITE_ACCOUNTS: usize = 10;
/// Addresses one request may carry; the app sends larger lists in batches of this size or less.
pub const MAX_INVITE_EMAILS: usize = 1000;
/// Invitations expire after this many days unless the server is configured otherwise.
pub const DEFAULT_INVITATION_DAYS: i64 = 7;

/// Roles on one account, as an invitation grants them on acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountGrant {
    #[serde(deserialize_with = "crate::whole_number::one")]
    pub account_id: i64,
    pub roles: RoleSet,
}

/// `POST /invitations`: invite every address in `emails` with the same account roles. No
/// account at all is allowed: organization membership only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NewInvitations {
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_items = 10))]
    pub accounts: Vec<AccountGrant>,
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 1000))]
    pub emails: Vec<String>,
}

/// Why one address cannot be invited. Stable codes; [`InviteProblem::message`] explains each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InviteProblem {
    InvalidEmail,
    Duplicate,
    DomainNotVerified,
    AlreadyMember,
    AlreadyInvited,
    /// A member of another organization: a user belongs to one organization at a time.
    OtherOrganization,
}

impl InviteProblem {
    pub fn message(self) -> &'static str {
        match self {
            InviteProblem::InvalidEmail => "This is not an email address.",
            InviteProblem::Duplicate => "This address is already in the list.",
            InviteProblem::DomainNotVerified => {
                "Its domain is not a verified domain of this organization, so this person cannot \
                 be invited to the organization. To give them access anyway, invite them to \
                 specific accounts from an account's User access page: they become an external \
                 user of those accounts."
            }
            InviteProblem::AlreadyMember => "Already a member of this organization.",
            InviteProblem::AlreadyInvited => {
                "Already invited and the invitation has not expired. Use Resend on the Invited tab \
                 to send it again."
            }
            InviteProblem::OtherOrganization => {
                "This person is a member of another organization; they must leave it before they \
                 can join this one."
            }
        }
    }
}

/// What happened to one address of a [`NewInvitations`] request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InviteOutcome {
    /// A new invitation was sent.
    Invited,
    /// Their earlier invitation had expired; it was replaced by this one and sent again.
    Reinvited,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InviteResult {
    /// The address as given (normalised when it is valid).
    pub email: String,
    pub outcome: InviteOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<InviteProblem>,
    /// The problem in words, for scripts and provisioning clients as much as for the console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For people who already have a user: they join when they accept.
    #[serde(default)]
    pub existing_user: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InviteResponse {
    pub results: Vec<InviteResult>,
}

/// `POST /invitations/check`: the server's view of addresses being typed in the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CheckAddresses {
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 1000))]
    pub emails: Vec<String>,
}

/// One address as the wizard shows it before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AddressCheck {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<InviteProblem>,
    /// The problem in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub existing_user: bool,
    /// An expired invitation that sending will replace.
    #[serde(default)]
    pub reinvite: bool,
}

/// `POST /invitations/resend` and `/invitations/revoke`: act on several invitations at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationIds {
    #[serde(deserialize_with = "crate::whole_number::many")]
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 1000))]
    pub ids: Vec<i64>,
}

/// The answer for one invitation of a bulk resend or revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationActionResult {
    pub id: i64,
    pub email: Option<String>,
    pub ok: bool,
    /// Why it failed (not found, cooldown, …); None when it worked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationActionResponse {
    pub results: Vec<InvitationActionResult>,
}

/// Where an invitation link stands, for the public accept page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Pending,
    Expired,
    Accepted,
    Revoked,
}

/// One account an invitation grants access to, as the accept page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitedAccount {
    pub name: String,
    pub roles: RoleSet,
}

/// `GET /invitations/token/{token}`: what an invitation link offers, shown before accepting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub state: InvitationState,
    /// What the invitation offers, only while it can be accepted: a used, withdrawn or expired
    /// link shows nobody's details to whoever holds it, nor a pending one to join whose address
    /// is no longer on a verified domain of the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<InvitationOffer>,
}

/// The details of a pending invitation, as its accept page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationOffer {
    pub email: String,
    pub organization: String,
    /// Who invited them, by name and email (names are not unique).
    pub invited_by: Option<String>,
    pub accounts: Vec<InvitedAccount>,
    pub expires_at: Timestamp,
    /// The person already has a user and signs in with it to accept; otherwise they choose a
    /// name and password.
    pub existing_user: bool,
    /// An invitation to accounts only: accepting gives access as an external user, without
    /// joining the organization (and answers [`crate::ExternalAccess`], not a session).
    #[serde(default)]
    pub account_only: bool,
}

/// `POST /invitations/accept`. A new person gives a name and a new password; an existing user
/// gives their password (and a two-factor code when enrolled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AcceptInvitation {
    pub token: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The answer to `POST /invitations/accept`: for an invitation to the organization, the new
/// session's [`crate::Me`] (the person joined and is signed in); for an invitation to accounts
/// alone, the access it gave (no session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AcceptedInvitation {
    Member(crate::Me),
    External(crate::ExternalAccess),
}

/// Splits what an admin typed or pasted into address candidates: commas, semicolons, spaces and
/// newlines separate them. As an email program copies them, `"Doe, Jane" <jane@example.com>` gives
/// the address in brackets (the name beside it, quoted or not, commas and all, is left out, but
/// not an address written beside it), `jane@example.com (Jane Doe)` the address without its
/// comment, and `mailto:jane@example.com` the address without the scheme. A quote, bracket or
/// parenthesis that nothing closes on its line is plain text: it swallows nothing after it.
pub fn split_addresses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in address_entries(text) {
        let named = entry
            .iter()
            .any(|part| matches!(part, EntryPart::Bracketed(_)));
        for part in entry {
            let words = match part {
                EntryPart::Bracketed(address) => {
                    out.extend(address_of(&address));
                    continue;
                }
                // Beside a bracketed address a quoted text is its person's name.
                EntryPart::Quoted(_) if named => continue,
                EntryPart::Quoted(text) | EntryPart::Plain(text) => text,
            };
            out.extend(
                words
                    .split(char::is_whitespace)
                    // Beside a bracketed address, words without an @ are its person's name.
                    .filter(|word| !named || word.contains('@'))
                    .filter_map(|word| {
                        address_of(word.trim_matches(|c: char| c == '"' || c == '\''))
                    }),
            );
        }
    }
    out
}

/// A piece of one entry of a pasted list.
enum EntryPart {
    Plain(String),
    Quoted(String),
    Bracketed(String),
}

/// The entries of a pasted list (between commas, semicolons and newlines, outside quotes and
/// brackets), each in its pieces; parenthesised comments are left out. Only what closes on its
/// own line opens a quote, bracket or comment.
fn address_entries(text: &str) -> Vec<Vec<EntryPart>> {
    let mut entries = Vec::new();
    for line in text.split('\n') {
        let chars: Vec<char> = line.chars().collect();
        let mut entry = Vec::new();
        let mut plain = String::new();
        let mut at = 0;
        while let Some(&c) = chars.get(at) {
            let closing = match c {
                '"' => chars[at + 1..].iter().position(|&d| d == '"'),
                '<' => chars[at + 1..].iter().position(|&d| d == '>'),
                '(' => comment_length(&chars[at + 1..]),
                _ => None,
            };
            let Some(length) = closing else {
                if matches!(c, ',' | ';') {
                    end_entry(&mut entries, &mut entry, &mut plain);
                } else {
                    plain.push(c);
                }
                at += 1;
                continue;
            };
            let inside: String = chars[at + 1..at + 1 + length].iter().collect();
            if c != '(' {
                entry.push(EntryPart::Plain(std::mem::take(&mut plain)));
                entry.push(match c {
                    '"' => EntryPart::Quoted(inside),
                    _ => EntryPart::Bracketed(inside),
                });
            } else {
                // A comment separates what is around it, like a space.
                plain.push(' ');
            }
            at += length + 2;
        }
        end_entry(&mut entries, &mut entry, &mut plain);
    }
    entries
}

/// The length of a parenthesised comment's text up to its closing parenthesis (comments nest),
/// if it closes in `rest`.
fn comment_length(rest: &[char]) -> Option<usize> {
    let mut depth = 1usize;
    for (at, &c) in rest.iter().enumerate() {
        match c {
            '(' => depth += 1,
            ')' if depth == 1 => return Some(at),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn end_entry(entries: &mut Vec<Vec<EntryPart>>, entry: &mut Vec<EntryPart>, plain: &mut String) {
    entry.push(EntryPart::Plain(std::mem::take(plain)));
    entries.push(std::mem::take(entry));
}

/// A candidate as the admin meant it: trimmed, without a `mailto:` scheme or its `?subject=…`.
fn address_of(candidate: &str) -> Option<String> {
    let candidate = candidate.trim();
    let candidate = match candidate.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => {
            let address = &candidate[7..];
            address.split('?').next().unwrap_or(address).trim()
        }
        _ => candidate,
    };
    (!candidate.is_empty()).then(|| candidate.to_owned())
}

/// An address of a CSV file and the line it is on (from 1, the header counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvAddress {
    pub line: usize,
    pub address: String,
}

/// What a CSV file holds: its addresses, and the lines with none (blank lines and the header aside).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsvAddresses {
    pub found: Vec<CsvAddress>,
    pub lines_without_address: Vec<usize>,
}

impl CsvAddresses {
    pub fn addresses(&self) -> Vec<String> {
        self.found.iter().map(|a| a.address.clone()).collect()
    }
}

/// The addresses of a CSV file: the column headed "email" (any case) when there is one, otherwise
/// every cell that holds an "@". Quoted cells, quoted line breaks and `;` as the separator (as some
/// spreadsheets write it) are understood. A row is on the line where it starts.
pub fn addresses_from_csv(text: &str) -> CsvAddresses {
    let rows: Vec<(usize, Vec<String>)> = csv_rows(text)
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    let header_column = rows.first().and_then(|(_, header)| {
        header
            .iter()
            .position(|cell| cell.trim().eq_ignore_ascii_case("email"))
    });
    let mut result = CsvAddresses::default();
    // A header row names the columns: with an "email" column it is that one; without, a first
    // row that holds no address is taken for a header too.
    let bare_header = header_column.is_none()
        && rows
            .first()
            .is_some_and(|(_, row)| !row.iter().any(|cell| cell.contains('@')));
    let skip = usize::from(header_column.is_some() || bare_header);
    for (line, row) in rows.iter().skip(skip) {
        let cells: Vec<String> = match header_column {
            Some(column) => row
                .get(column)
                .map(|cell| cell.trim().to_owned())
                .filter(|cell| !cell.is_empty())
                .into_iter()
                .collect(),
            None => row
                .iter()
                .filter(|cell| cell.contains('@'))
                .map(|cell| cell.trim().to_owned())
                .collect(),
        };
        if cells.is_empty() {
            result.lines_without_address.push(*line);
        }
        result
            .found
            .extend(cells.into_iter().map(|address| CsvAddress {
                line: *line,
                address,
            }));
    }
    result
}

/// The rows of CSV `text`, each a list of cells with the line it starts on. The separator is `;`
/// when the text has semicolons and no commas, otherwise `,`.
fn csv_rows(text: &str) -> Vec<(usize, Vec<String>)> {
    let delimiter = if text.contains(';') && !text.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut input = text.as_bytes();
    // Cells never grow when parsed, so buffers the size of the input never fill up.
    let mut output = vec![0u8; text.len() + 1];
    let mut ends = vec![0usize; text.len() + 1];
    let (mut written, mut fields) = (0, 0);
    let mut rows = Vec::new();
    // Where the record being read began (after the last one), on which line, and how far the
    // reading has come (a record may take more than one call).
    let (mut line, mut record_start, mut consumed) = (1, 0, 0);
    loop {
        let (result, read, wrote, ended) =
            reader.read_record(input, &mut output[written..], &mut ends[fields..]);
        input = &input[read..];
        consumed += read;
        // Field ends count from the start of the record, across calls.
        written += wrote;
        fields += ended;
        match result {
            // The input is all here: the next call (with nothing left) tells the reader it ended.
            csv_core::ReadRecordResult::InputEmpty => {}
            csv_core::ReadRecordResult::Record => {
                let mut start = 0;
                // Blank lines before a record are skipped by the reader: it starts on its first
                // line with text.
                let skipped = &text.as_bytes()[record_start..consumed];
                record_start = consumed;
                let blank = skipped
                    .iter()
                    .take_while(|b| matches!(b, b'\r' | b'\n'))
                    .filter(|b| **b == b'\n')
                    .count();
                let record_line = line + blank;
                line += skipped.iter().filter(|b| **b == b'\n').count();
                rows.push((
                    record_line,
                    ends[..fields]
                        .iter()
                        .map(|&end| {
                            let cell = String::from_utf8_lossy(&output[start..end]).into_owned();
                            start = end;
                            cell
                        })
                        .collect(),
                ));
                (written, fields) = (0, 0);
            }
            csv_core::ReadRecordResult::End
            | csv_core::ReadRecordResult::OutputFull
            | csv_core::ReadRecordResult::OutputEndsFull => return rows,
        }
    }
}

/// The checks that need no server: a real address, not already in the list, on one of
/// `verified_domains`. Answers each candidate (normalised when valid) with its problem.
pub fn check_addresses_locally(
    candidates: &[String],
    verified_domains: &HashSet<String>,
) -> Vec<(String, Option<InviteProblem>)> {
    let mut seen = HashSet::new();
    candidates
        .iter()
        .map(|raw| match normalize_email(raw) {
            Err(_) => (raw.trim().to_owned(), Some(InviteProblem::InvalidEmail)),
            Ok(email) => {
                let problem = if !seen.insert(email.clone()) {
                    Some(InviteProblem::Duplicate)
                } else if !email_domain(&email)
                    .is_some_and(|domain| verified_domains.contains(domain))
                {
                    Some(InviteProblem::DomainNotVerified)
                } else {
                    None
                };
                (email, problem)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lists_split_on_any_separator_and_take_bracketed_addresses() {
        assert_eq!(
            split_addresses("a@x.example, b@x.example;c@x.example\n d@x.example\te@x.example"),
            vec![
                "a@x.example",
                "b@x.example",
                "c@x.example",
                "d@x.example",
                "e@x.example"
            ]
        );
        assert_eq!(
            split_addresses(
                "Ada Lovelace <ada@x.example>, \"Bob\" <bob@x.example>; carol@x.example"
            ),
            vec!["ada@x.example", "bob@x.example", "carol@x.example"]
        );
        assert!(split_addresses("  ,, ;\n").is_empty());
    }

    #[test]
    fn addresses_copied_from_an_email_program_lose_their_names_comments_and_scheme() {
        assert_eq!(
            split_addresses(
                "\"Doe, Jane\" <jane@x.example>; \"O'Hara; Kim\" <kim@x.example>,\n\
                 lee@x.example (Lee, at home), mailto:max@x.example, <MAILTO:ann@x.example>\n\
                 mailto:sue@x.example?subject=Welcome"
            ),
            vec![
                "jane@x.example",
                "kim@x.example",
                "lee@x.example",
                "max@x.example",
                "ann@x.example",
                "sue@x.example"
            ]
        );
        // A name and its bracketed address, then a plain address in the same entry.
        assert_eq!(
            split_addresses("Ada Lovelace <ada@x.example> bob@x.example"),
            vec!["ada@x.example", "bob@x.example"]
        );
        // What is not an address stays, to be shown as such.
        assert_eq!(
            split_addresses("\"Jane Doe\", jane@x.example"),
            vec!["Jane", "Doe", "jane@x.example"]
        );
        // A quote, bracket or parenthesis nothing closes on its line swallows none of what
        // follows; beside a bracketed address only words with an @ are kept.
        for (typed, expected) in [
            (
                "a@x.example (note, b@x.example",
                vec!["a@x.example", "(note", "b@x.example"],
            ),
            (
                "a@x.example (note, b@x.example, c@x.example (home)",
                vec!["a@x.example", "(note", "b@x.example", "c@x.example"],
            ),
            (
                "a\"@x.example, b@x.example",
                vec!["a\"@x.example", "b@x.example"],
            ),
            (
                "<a@x.example, b@x.example",
                vec!["<a@x.example", "b@x.example"],
            ),
            (
                "\"Jane, a@x.example\nBob <b@x.example>",
                vec!["Jane", "a@x.example", "b@x.example"],
            ),
            (
                "a@x.example b@x.example Carol <c@x.example>",
                vec!["a@x.example", "b@x.example", "c@x.example"],
            ),
            ("\"a <b\" <c@x.example>", vec!["c@x.example"]),
            (
                "a@x.example (J (home), w), b@x.example",
                vec!["a@x.example", "b@x.example"],
            ),
        ] {
            assert_eq!(split_addresses(typed), expected, "{typed}");
        }
    }

    #[test]
    fn csv_uses_the_email_column_or_cells_with_an_at() {
        let csv = "Name,Email,Team\n\"Lovelace, Ada\",ada@x.example,R&D\nBob,bob@x.example,\n";
        assert_eq!(
            addresses_from_csv(csv).addresses(),
            vec!["ada@x.example", "bob@x.example"]
        );
        let bare = "ada@x.example\r\nbob@x.example;Bob\n\n";
        assert_eq!(
            addresses_from_csv(bare).addresses(),
            vec!["ada@x.example", "bob@x.example"]
        );
        let quoted = "email\n\"say \"\"hi\"\"@x.example\"\n";
        assert_eq!(
            addresses_from_csv(quoted).addresses(),
            vec!["say \"hi\"@x.example"]
        );
        let semicolons = "Name;Email\nAda;ada@x.example\n";
        assert_eq!(
            addresses_from_csv(semicolons).addresses(),
            vec!["ada@x.example"]
        );
    }

    #[test]
    fn csv_addresses_keep_their_line_and_lines_without_one_are_named() {
        // A quoted cell may hold a line break: the row is on the line it starts on, and the next
        // row's line counts it.
        let text = "Name,Email\n\"Ada\nLovelace\",ada@x.example\n\nBob,\n\"Carol, C.\",carol@x\r\n";
        let found = addresses_from_csv(text);
        let lines: Vec<(usize, &str)> = found
            .found
            .iter()
            .map(|a| (a.line, a.address.as_str()))
            .collect();
        assert_eq!(lines, vec![(2, "ada@x.example"), (6, "carol@x")]);
        assert_eq!(found.lines_without_address, vec![5]);
        let bare = "\n\nada@x.example\nno address here\n";
        let found = addresses_from_csv(bare);
        assert_eq!(found.found[0].line, 3);
        assert_eq!(found.lines_without_address, vec![4]);
        // Blank lines before a last record without a line break, and a header without "email".
        let found = addresses_from_csv("Name;Address\nada@x.example\n\n\nbob@x.example");
        let lines: Vec<usize> = found.found.iter().map(|a| a.line).collect();
        assert_eq!(lines, vec![2, 5]);
        assert!(found.lines_without_address.is_empty());
    }

    #[test]
    fn local_checks_find_bad_duplicate_and_unverified_addresses() {
        let verified: HashSet<String> = ["northwind.example".to_owned()].into();
        let candidates: Vec<String> = [
            "Ada@Northwind.example",
            "ada@northwind.example",
            "not an address",
            "bob@gmail.example",
            "carol@northwind.example",
        ]
        .map(str::to_owned)
        .to_vec();
        let checked = check_addresses_locally(&candidates, &verified);
        let problems: Vec<Option<InviteProblem>> = checked.iter().map(|(_, p)| *p).collect();
        assert_eq!(
            problems,
            vec![
                None,
                Some(InviteProblem::Duplicate),
                Some(InviteProblem::InvalidEmail),
                Some(InviteProblem::DomainNotVerified),
                None
            ]
        );
        assert_eq!(checked[0].0, "ada@northwind.example");
        assert!(InviteProblem::DomainNotVerified
            .message()
            .contains("external user"));
    }
}
