//! The demo dataset, as the tests look its people up.

use roster_server::dataset;
use roster_server::store::{self};

use super::*;

/// The id of the demo user with this email (0 when there is none).
pub fn id_of(email: &str) -> i64 {
    demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == email)
        .map(|u| u.id)
        .unwrap_or_default()
}

/// Whether `user`'s name or email holds `term` (lower-case), as a search is to find them: the
/// plain substring test searches are checked against.
pub fn holds(user: &roster_model::UserSummary, term: &str) -> bool {
    format!("{} {} {}", user.given_name, user.family_name, user.email)
        .to_lowercase()
        .contains(term)
}

/// The organization the demo user with this email is a member of (0 when none).
pub fn org_of(email: &str) -> i64 {
    demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == email)
        .and_then(|u| u.membership.as_ref())
        .map(|m| m.org_id)
        .unwrap_or_default()
}

/// The keys that confirm every one of `consequences`.
pub fn acknowledged(consequences: &[roster_model::Consequence]) -> Vec<&'static str> {
    consequences.iter().map(|c| c.key).collect()
}

/// The demo dataset exactly as a fresh database receives it (ids from 1), to look people up by kind.
pub fn demo_as_inserted() -> store::Dataset {
    let first = store::IdBase {
        org: 1,
        user: 1,
        account: 1,
        domain: 1,
        invitation: 1,
    };
    dataset::demo(first, NOW, "unused")
}

/// The first `n` accounts of the demo organization.
pub fn demo_org_accounts(n: usize) -> Vec<i64> {
    demo_as_inserted()
        .accounts
        .iter()
        .filter(|a| a.org_id == 1)
        .map(|a| a.id)
        .take(n)
        .collect()
}

/// A member of the demo organization who is required to use two-factor and has not enrolled.
pub fn member_owing_enrolment() -> String {
    demo_as_inserted()
        .users
        .into_iter()
        .find(|u| {
            u.two_factor_required
                && u.totp_secret.is_none()
                && u.membership.as_ref().is_some_and(|m| m.org_id == 1)
        })
        .map(|u| u.email)
        .expect("a member required to enrol")
}
