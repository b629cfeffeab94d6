//! Filters of the user lists beside search: organization role, account and account role,
//! two-factor state, status and last sign-in. The API takes them as query parameters and the app
//! keeps them in its URL, under the same names, read by the same code.

use crate::named::named_enum;
use crate::roles::{AccountRole, OrgRole};
use crate::users::{TwoFactor, UserStatus, UserView};
use crate::{AccountId, Timestamp};

named_enum! {
    /// Where a user stands with two-factor sign-in.
    pub enum TwoFactorState {
        /// Has a confirmed authenticator.
        Enrolled = "enrolled",
        /// Required by the organization, not set up yet.
        Pending = "pending",
        /// Neither required nor set up.
        Off = "off",
    }
}

impl TwoFactorState {
    pub fn of(two_factor: TwoFactor) -> Self {
        match (two_factor.enrolled, two_factor.required) {
            (true, _) => TwoFactorState::Enrolled,
            (false, true) => TwoFactorState::Pending,
            (false, false) => TwoFactorState::Off,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TwoFactorState::Enrolled => "Enabled",
            TwoFactorState::Pending => "Required, not set up",
            TwoFactorState::Off => "Off",
        }
    }
}

named_enum! {
    /// When a user last signed in.
    pub enum LastSignIn {
        Never = "never",
        /// Not in the last 30 days, never included.
        #[serde(rename = "30d")]
        Over30Days = "30d",
        /// Not in the last 90 days, never included.
        #[serde(rename = "90d")]
        Over90Days = "90d",
    }
}

impl LastSignIn {
    pub fn label(self) -> &'static str {
        match self {
            LastSignIn::Never => "Never signed in",
            LastSignIn::Over30Days => "Not in the last 30 days",
            LastSignIn::Over90Days => "Not in the last 90 days",
        }
    }

    /// Users who signed in before this moment (or never) match; None when only "never" does.
    pub fn before(self, now: Timestamp) -> Option<Timestamp> {
        const DAY: Timestamp = 24 * 60 * 60;
        match self {
            LastSignIn::Never => None,
            LastSignIn::Over30Days => Some(now - 30 * DAY),
            LastSignIn::Over90Days => Some(now - 90 * DAY),
        }
    }
}

/// The filters of a user list; each one set narrows it, all of them together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserFilters {
    pub role: Option<OrgRole>,
    /// An account of the organization the user can access (for invitations: that they grant).
    pub account: Option<AccountId>,
    /// A role held on `account`, or on any of the organization's accounts when none is chosen.
    pub account_role: Option<AccountRole>,
    pub two_factor: Option<TwoFactorState>,
    pub status: Option<UserStatus>,
    pub last_sign_in: Option<LastSignIn>,
}

/// One filter, by its name in the API and the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserFilter {
    Role,
    Account,
    AccountRole,
    TwoFactor,
    Status,
    LastSignIn,
}

impl UserFilter {
    pub const ALL: [UserFilter; 6] = [
        UserFilter::Role,
        UserFilter::Account,
        UserFilter::AccountRole,
        UserFilter::TwoFactor,
        UserFilter::Status,
        UserFilter::LastSignIn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            UserFilter::Role => "role",
            UserFilter::Account => "account",
            UserFilter::AccountRole => "account_role",
            UserFilter::TwoFactor => "two_factor",
            UserFilter::Status => "status",
            UserFilter::LastSignIn => "last_sign_in",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserFilter::Role => "Organization role",
            UserFilter::Account => "Account",
            UserFilter::AccountRole => "Account role",
            UserFilter::TwoFactor => "Two-factor",
            UserFilter::Status => "Status",
            UserFilter::LastSignIn => "Last sign-in",
        }
    }

    /// Whether the tab `view` offers this filter: only members have an organization role (the
    /// API finds nobody on the other tabs by it).
    pub fn offered_on(self, view: UserView) -> bool {
        self != UserFilter::Role || matches!(view, UserView::Managed | UserView::Imported)
    }

    /// What an unknown value of this filter is told.
    fn expected(self) -> &'static str {
        match self {
            UserFilter::Role => "role is one of owner, administrator or member.",
            UserFilter::Account => "account is the id of one of the organization's accounts.",
            UserFilter::AccountRole => {
                "account_role is one of administrator, developer, billing_manager or support."
            }
            UserFilter::TwoFactor => "two_factor is one of enrolled, pending or off.",
            UserFilter::Status => "status is one of active, disabled or invited.",
            UserFilter::LastSignIn => "last_sign_in is one of never, 30d or 90d.",
        }
    }
}

impl UserFilters {
    pub fn is_empty(&self) -> bool {
        *self == UserFilters::default()
    }

    /// Sets `filter` from its text in a URL or query; empty text clears it. An unknown value
    /// leaves the filters as they were and answers what the filter takes.
    pub fn set(&mut self, filter: UserFilter, text: &str) -> Result<(), &'static str> {
        let text = text.trim();
        let empty = text.is_empty();
        let bad = || filter.expected();
        match filter {
            UserFilter::Role => {
                self.role = if empty {
                    None
                } else {
                    Some(OrgRole::parse(text).ok_or_else(bad)?)
                }
            }
            UserFilter::Account => {
                self.account = if empty {
                    None
                } else {
                    // Ids are positive whole numbers, as the API hands them out.
                    Some(
                        text.parse::<AccountId>()
                            .ok()
                            .filter(|id| *id > 0 && text.bytes().all(|b| b.is_ascii_digit()))
                            .ok_or_else(bad)?,
                    )
                }
            }
            UserFilter::AccountRole => {
                self.account_role = if empty {
                    None
                } else {
                    Some(AccountRole::parse(text).ok_or_else(bad)?)
                }
            }
            UserFilter::TwoFactor => {
                self.two_factor = if empty {
                    None
                } else {
                    Some(TwoFactorState::parse(text).ok_or_else(bad)?)
                }
            }
            UserFilter::Status => {
                self.status = if empty {
                    None
                } else {
                    Some(UserStatus::parse(text).ok_or_else(bad)?)
                }
            }
            UserFilter::LastSignIn => {
                self.last_sign_in = if empty {
                    None
                } else {
                    Some(LastSignIn::parse(text).ok_or_else(bad)?)
                }
            }
        }
        Ok(())
    }

    /// These filters but those the tab `view` does not offer: what a list of that tab is
    /// narrowed by when the admin comes to it from another.
    pub fn offered_on(self, view: UserView) -> Self {
        UserFilter::ALL
            .into_iter()
            .filter(|filter| !filter.offered_on(view))
            .fold(self, |filters, filter| filters.without(filter))
    }

    /// The text of `filter` in a URL or query, if it is set.
    pub fn get(&self, filter: UserFilter) -> Option<String> {
        match filter {
            UserFilter::Role => self.role.map(|v| v.as_str().to_owned()),
            UserFilter::Account => self.account.map(|v| v.to_string()),
            UserFilter::AccountRole => self.account_role.map(|v| v.as_str().to_owned()),
            UserFilter::TwoFactor => self.two_factor.map(|v| v.as_str().to_owned()),
            UserFilter::Status => self.status.map(|v| v.as_str().to_owned()),
            UserFilter::LastSignIn => self.last_sign_in.map(|v| v.as_str().to_owned()),
        }
    }

    /// The filters without `filter`.
    pub fn without(mut self, filter: UserFilter) -> Self {
        // Clearing cannot fail.
        let _ = self.set(filter, "");
        self
    }

    /// `(name, value)` of every filter set, in a fixed order, for a query string.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        UserFilter::ALL
            .into_iter()
            .filter_map(|filter| self.get(filter).map(|value| (filter.name(), value)))
            .collect()
    }

    /// The value of a set filter in words (the account by its id: its name is the caller's to find).
    pub fn value_label(&self, filter: UserFilter) -> Option<String> {
        match filter {
            UserFilter::Role => self.role.map(|v| v.label().to_owned()),
            UserFilter::Account => self.account.map(|id| format!("account {id}")),
            UserFilter::AccountRole => self.account_role.map(|v| v.label().to_owned()),
            UserFilter::TwoFactor => self.two_factor.map(|v| v.label().to_owned()),
            UserFilter::Status => self.status.map(|v| v.label().to_owned()),
            UserFilter::LastSignIn => self.last_sign_in.map(|v| v.label().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_their_query_names() {
        let mut filters = UserFilters::default();
        for (filter, text) in [
            (UserFilter::Role, "owner"),
            (UserFilter::Account, "42"),
            (UserFilter::AccountRole, "billing_manager"),
            (UserFilter::TwoFactor, "pending"),
            (UserFilter::Status, "disabled"),
            (UserFilter::LastSignIn, "90d"),
        ] {
            filters.set(filter, text).unwrap();
            assert_eq!(filters.get(filter).as_deref(), Some(text));
        }
        let mut again = UserFilters::default();
        for (name, value) in filters.pairs() {
            let filter = UserFilter::ALL
                .into_iter()
                .find(|f| f.name() == name)
                .unwrap();
            again.set(filter, &value).unwrap();
        }
        assert_eq!(again, filters);
        assert!(filters.without(UserFilter::Role).role.is_none());
        assert!(!filters.is_empty());
    }

    #[test]
    fn a_tab_keeps_the_filters_it_offers_and_only_members_have_an_organization_role() {
        let mut filters = UserFilters::default();
        filters.set(UserFilter::Role, "member").unwrap();
        filters.set(UserFilter::TwoFactor, "off").unwrap();
        for view in [UserView::Managed, UserView::Imported] {
            assert_eq!(filters.offered_on(view), filters);
        }
        for view in [UserView::External, UserView::Invited] {
            assert!(!UserFilter::Role.offered_on(view));
            assert_eq!(filters.offered_on(view), filters.without(UserFilter::Role));
        }
    }

    #[test]
    fn unknown_values_are_refused_and_change_nothing() {
        let mut filters = UserFilters::default();
        filters.set(UserFilter::Role, "member").unwrap();
        assert!(filters
            .set(UserFilter::Role, "king")
            .unwrap_err()
            .contains("owner"));
        assert_eq!(filters.role, Some(OrgRole::Member));
        for bad in ["-1", "0", "+3", "1e3", "x"] {
            assert!(filters.set(UserFilter::Account, bad).is_err(), "{bad}");
        }
        filters.set(UserFilter::Role, " ").unwrap();
        assert!(filters.is_empty());
    }

    #[test]
    fn last_sign_in_cutoffs() {
        assert_eq!(LastSignIn::Never.before(100 * 86_400), None);
        assert_eq!(
            LastSignIn::Over30Days.before(100 * 86_400),
            Some(70 * 86_400)
        );
    }
}
