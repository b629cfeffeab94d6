//! Users as the organization sees them: the tabs of the user-management page, one user's page, and
//! the rules for changing a name.

use serde::{Deserialize, Serialize};

use crate::named::named_enum;
use crate::roles::{OrgRole, RoleSet};
use crate::{AccountId, SortDir, SortField, Timestamp, UserFilters, UserId, DEFAULT_PAGE_SIZE};

named_enum! {
    /// The four tabs of the user-management page: Managed, External, Invited and Imported.
    #[derive(Default)]
    pub enum UserView {
        #[default]
        Managed = "managed",
        External = "external",
        Invited = "invited",
        Imported = "imported",
    }
}

impl UserView {
    pub fn label(self) -> &'static str {
        match self {
            UserView::Managed => "Managed",
            UserView::External => "External",
            UserView::Invited => "Invited",
            UserView::Imported => "Imported",
        }
    }

    /// One line under the tabs that says who is listed.
    pub fn description(self) -> &'static str {
        match self {
            UserView::Managed => "Members of the organization. The organization controls their whole lifecycle.",
            UserView::External => "People outside the organization with access to one or more of its managed accounts.",
            UserView::Invited => "People invited to the organization who have not accepted yet.",
            UserView::Imported => "Existing users on a verified domain brought into the organization by import.",
        }
    }

    /// The order a tab opens in: by name, but the Invited tab by email, as it shows no name (most
    /// people invited have none yet).
    pub fn default_sort(self) -> SortField {
        match self {
            UserView::Invited => SortField::Email,
            UserView::Managed | UserView::External | UserView::Imported => SortField::Name,
        }
    }

    /// `sort` on this tab, where it has a column to show it in: else the tab's own order (an
    /// order by name on the Invited tab would look like none).
    pub fn sort_shown(self, sort: SortField) -> SortField {
        match (self, sort) {
            (UserView::Invited, SortField::Name) => self.default_sort(),
            _ => sort,
        }
    }
}

named_enum! {
    pub enum UserStatus {
        /// Signs in normally.
        Active = "active",
        /// Created by an invitation and not yet accepted: has no password yet.
        Invited = "invited",
        /// Suspended by the organization: cannot sign in, keeps accounts and roles.
        Disabled = "disabled",
    }
}

impl UserStatus {
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Active => "Active",
            UserStatus::Invited => "Invited",
            UserStatus::Disabled => "Suspended",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TwoFactor {
    /// The user has a confirmed TOTP authenticator.
    pub enrolled: bool,
    /// The organization requires two-factor sign-in of this user.
    pub required: bool,
}

impl TwoFactor {
    pub fn label(self) -> &'static str {
        match (self.enrolled, self.required) {
            (true, _) => "Enabled",
            (false, true) => "Required, not set up",
            (false, false) => "Off",
        }
    }
}

/// How a user relates to the organization being viewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Managed,
    External,
    Invited,
}

impl Relation {
    pub fn label(self) -> &'static str {
        match self {
            Relation::Managed => "Managed user",
            Relation::External => "External user",
            Relation::Invited => "Invited user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserRef {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InvitationInfo {
    pub id: i64,
    pub invited_by: Option<UserRef>,
    pub sent_at: Timestamp,
    pub last_sent_at: Option<Timestamp>,
    pub expires_at: Timestamp,
    pub expired: bool,
    /// The accounts and roles the invitation grants on acceptance.
    #[serde(default)]
    pub accounts: Vec<crate::invitations::InvitedAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportInfo {
    pub imported_at: Timestamp,
    pub imported_by: Option<UserRef>,
}

/// One row of the user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub status: UserStatus,
    pub org_role: Option<OrgRole>,
    pub two_factor: TwoFactor,
    /// How many of the organization's accounts the user can access.
    pub account_count: u32,
    /// When the user was created in the system.
    pub created_at: Timestamp,
    pub joined_at: Option<Timestamp>,
    pub last_sign_in_at: Option<Timestamp>,
    pub invitation: Option<InvitationInfo>,
    pub imported: Option<ImportInfo>,
    /// External tab only: the organization's accounts the user can access, with the roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<AccountAccess>,
}

/// "Given Family", or the email when the user has not given a name yet (invited users).
pub fn display_name(given: &str, family: &str, email: &str) -> String {
    let name = format!("{} {}", given.trim(), family.trim());
    let name = name.trim();
    if name.is_empty() {
        email.to_owned()
    } else {
        name.to_owned()
    }
}

/// A person as a message names them to someone who may not know them: "Maya Chen
/// (maya.chen@example.com)". Names are not unique, and anyone who manages users may take
/// another's; the email is theirs alone.
pub fn name_and_email(name: &str, email: &str) -> String {
    if name == email {
        email.to_owned()
    } else {
        format!("{name} ({email})")
    }
}

impl UserSummary {
    pub fn display_name(&self) -> String {
        display_name(&self.given_name, &self.family_name, &self.email)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountRef {
    pub id: AccountId,
    pub sid: String,
    pub name: String,
}

/// One account a user can access, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountAccess {
    pub account: AccountRef,
    pub roles: RoleSet,
    /// The user is this account's owner.
    pub owner: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserDetail {
    pub id: UserId,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub status: UserStatus,
    /// None when the user is not related to this organization at all.
    pub relation: Option<Relation>,
    pub org_role: Option<OrgRole>,
    pub two_factor: TwoFactor,
    pub created_at: Timestamp,
    pub joined_at: Option<Timestamp>,
    pub last_sign_in_at: Option<Timestamp>,
    /// The organization's accounts this user can access, by account name.
    pub accounts: Vec<AccountAccess>,
    pub invitation: Option<InvitationInfo>,
    pub imported: Option<ImportInfo>,
    /// Bumped by every change; send it back as `If-Match: "v<version>"` with a change.
    #[serde(default)]
    pub version: i64,
}

/// `PATCH /users/{id}`: the fields to change; absent ones stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(max_length = 100))]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(max_length = 100))]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_role: Option<OrgRole>,
}

/// Longest given or family name accepted.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a name cannot be saved, or None: at least one part, neither too long, and no characters
/// that could forge lines in mail headers and the audit log or reorder what people read.
pub fn name_problem(given: &str, family: &str) -> Option<(&'static str, String)> {
    // The joiners (allowed within a name) show nothing on their own either.
    let blank = |part: &str| {
        part.chars()
            .all(|c| c.is_whitespace() || matches!(c, '\u{200C}' | '\u{200D}'))
    };
    if blank(given) && blank(family) {
        return Some((
            "given_name",
            "Enter a given name, a family name or both.".to_owned(),
        ));
    }
    name_part_problem("given_name", given).or_else(|| name_part_problem("family_name", family))
}

/// Why a name an identity provider sends cannot be saved: as [`name_problem`], except that a
/// person may have no name (Roster shows their email), as an invited person has none yet.
pub fn provisioned_name_problem(given: &str, family: &str) -> Option<(&'static str, String)> {
    name_part_problem("given_name", given).or_else(|| name_part_problem("family_name", family))
}

/// Why one part of a name, as sent, cannot be saved: too long (counted as sent, as the published
/// limit counts), or with hidden characters or an encoded word (see [`crate::text::name_text_problem`]).
fn name_part_problem(field: &'static str, value: &str) -> Option<(&'static str, String)> {
    if value.chars().count() > MAX_NAME_CHARS {
        return Some((
            field,
            format!("A name is at most {MAX_NAME_CHARS} characters."),
        ));
    }
    crate::text::name_text_problem(value).map(|problem| (field, problem.to_owned()))
}

impl UserChange {
    /// What is wrong with the change as sent, before it meets the user it changes.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let given = self.given_name.as_deref().unwrap_or_default();
        let family = self.family_name.as_deref().unwrap_or_default();
        name_part_problem("given_name", given).or_else(|| name_part_problem("family_name", family))
    }
}

/// The ETag of version `version` of a resource.
pub fn version_tag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version an If-Match header names (`"v3"`, also weak `W/"v3"`), if it names one.
pub fn parse_version_tag(tag: &str) -> Option<i64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let digits = tag.strip_prefix("\"v")?.strip_suffix('"')?;
    // Digits only (no sign), as the published pattern says; at most 18 always fit an i64.
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl UserDetail {
    pub fn display_name(&self) -> String {
        display_name(&self.given_name, &self.family_name, &self.email)
    }
}

/// How many users each tab lists, for the counts beside the tab names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ViewCounts {
    pub managed: u64,
    pub external: u64,
    pub invited: u64,
    pub imported: u64,
    /// The tabs whose count stopped at `COUNT_CAP` (counted under filters): more than that match.
    #[serde(default)]
    pub capped: Vec<UserView>,
}

impl ViewCounts {
    /// Whether the count of `view` is a lower bound (counting stopped at `COUNT_CAP`).
    pub fn at_least(&self, view: UserView) -> bool {
        self.capped.contains(&view)
    }

    pub fn get(&self, view: UserView) -> u64 {
        match view {
            UserView::Managed => self.managed,
            UserView::External => self.external,
            UserView::Invited => self.invited,
            UserView::Imported => self.imported,
        }
    }

    /// Sets the count of `view`, a lower bound when `at_least`.
    pub fn set(&mut self, view: UserView, count: u64, at_least: bool) {
        let slot = match view {
            UserView::Managed => &mut self.managed,
            UserView::External => &mut self.external,
            UserView::Invited => &mut self.invited,
            UserView::Imported => &mut self.imported,
        };
        *slot = count;
        self.capped.retain(|capped| *capped != view);
        if at_least {
            self.capped.push(view);
        }
    }
}

/// The reads the Managed list makes as it first opens, whose answers the server's first paint of
/// the list carries for a signed-in admin's page load (each in a `<script type="application/json"
/// data-roster-read="NAME">`), so that the app takes them from the page instead of asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstRead {
    /// `GET /users` of the Managed tab's first page ([`UserListRequest::first_page`]).
    Users,
    /// `GET /users/counts` without filters.
    Counts,
}

impl FirstRead {
    pub const ALL: [FirstRead; 2] = [FirstRead::Users, FirstRead::Counts];
    /// The attribute of the element holding an answer, naming its read.
    pub const ATTRIBUTE: &'static str = "data-roster-read";
    /// The attribute of the first paint naming whom it was drawn for ([`FirstRead::drawn_for`]):
    /// the app takes nothing from a first paint drawn for another user or organization than its
    /// session check finds, as when another admin signed in in another tab while the page
    /// loaded, or the admin was moved to another organization.
    pub const FOR_ATTRIBUTE: &'static str = "data-roster-for";

    /// The value of [`FirstRead::FOR_ATTRIBUTE`] for `user` in organization `org_id`.
    pub fn drawn_for(user: UserId, org_id: i64) -> String {
        format!("{user}@{org_id}")
    }

    pub fn name(self) -> &'static str {
        match self {
            FirstRead::Users => "users",
            FirstRead::Counts => "counts",
        }
    }
}

/// What a tab of the user list is asked for (`GET /users`); the app's URL holds the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListRequest {
    pub view: UserView,
    pub search: String,
    pub sort: SortField,
    pub dir: SortDir,
    pub cursor: Option<String>,
    pub limit: u32,
    pub filters: UserFilters,
}

impl UserListRequest {
    /// A tab as it first opens: no search or filters, in its own order, the first page.
    pub fn first_page(view: UserView) -> Self {
        UserListRequest {
            view,
            search: String::new(),
            sort: view.default_sort(),
            dir: SortDir::default(),
            cursor: None,
            limit: DEFAULT_PAGE_SIZE,
            filters: UserFilters::default(),
        }
    }

    /// Tab, search, sort and filters as query parameters (no page).
    pub fn view_query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("view", self.view.as_str().to_owned()),
            ("sort", self.sort.as_str().to_owned()),
            ("dir", self.dir.as_str().to_owned()),
        ];
        if !self.search.trim().is_empty() {
            query.push(("q", self.search.clone()));
        }
        query.extend(self.filters.pairs());
        query
    }

    /// The whole query of the page asked for, in the order the app sends it.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = self.view_query();
        query.push(("limit", self.limit.to_string()));
        if let Some(cursor) = &self.cursor {
            query.push(("cursor", cursor.clone()));
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_opens_in_an_order_it_shows() {
        assert_eq!(UserView::Invited.default_sort(), SortField::Email);
        for view in UserView::ALL {
            assert_eq!(view.sort_shown(view.default_sort()), view.default_sort());
            assert_eq!(view.sort_shown(SortField::Date), SortField::Date);
        }
        assert_eq!(
            UserView::Invited.sort_shown(SortField::Name),
            SortField::Email
        );
        assert_eq!(
            UserView::Managed.sort_shown(SortField::Name),
            SortField::Name
        );
    }

    #[test]
    fn a_count_set_is_the_count_got_and_says_whether_it_is_a_lower_bound() {
        let mut counts = ViewCounts::default();
        for (n, view) in UserView::ALL.into_iter().enumerate() {
            counts.set(view, n as u64 + 1, view == UserView::External);
        }
        for (n, view) in UserView::ALL.into_iter().enumerate() {
            assert_eq!(counts.get(view), n as u64 + 1);
            assert_eq!(counts.at_least(view), view == UserView::External);
        }
        counts.set(UserView::External, 3, false);
        assert!(!counts.at_least(UserView::External));
        assert!(counts.capped.is_empty());
    }

    #[test]
    fn a_list_request_names_its_query_in_one_order() {
        let pairs = |request: &UserListRequest| {
            request
                .query()
                .into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        let first = UserListRequest::first_page(UserView::Managed);
        assert_eq!(pairs(&first), "view=managed&sort=name&dir=asc&limit=25");
        let mut filters = UserFilters::default();
        filters
            .set(crate::UserFilter::TwoFactor, "pending")
            .expect("a filter value");
        let searched = UserListRequest {
            view: UserView::External,
            search: "chen".to_owned(),
            dir: SortDir::Desc,
            cursor: Some("abc".to_owned()),
            filters,
            ..first
        };
        assert_eq!(
            pairs(&searched),
            "view=external&sort=name&dir=desc&q=chen&two_factor=pending&limit=25&cursor=abc"
        );
        // Blank search is no search; the page (limit, cursor) is not part of the view.
        let blank = UserListRequest {
            search: "  ".to_owned(),
            ..UserListRequest::first_page(UserView::Invited)
        };
        assert_eq!(
            blank.view_query(),
            [
                ("view", "invited".to_owned()),
                ("sort", "email".to_owned()),
                ("dir", "asc".to_owned())
            ]
        );
    }

    #[test]
    fn views_round_trip_through_their_url_names() {
        for view in UserView::ALL {
            assert_eq!(UserView::parse(view.as_str()), Some(view));
        }
        assert_eq!(UserView::parse("deleted"), None);
    }

    #[test]
    fn display_name_falls_back_to_email() {
        assert_eq!(display_name("Ada", "Lovelace", "a@x.io"), "Ada Lovelace");
        assert_eq!(display_name(" ", "", "a@x.io"), "a@x.io");
        assert_eq!(display_name("Cher", "", "c@x.io"), "Cher");
    }

    #[test]
    fn two_factor_labels() {
        let off = TwoFactor {
            enrolled: false,
            required: false,
        };
        let pending = TwoFactor {
            enrolled: false,
            required: true,
        };
        let on = TwoFactor {
            enrolled: true,
            required: true,
        };
        assert_eq!(off.label(), "Off");
        assert_eq!(pending.label(), "Required, not set up");
        assert_eq!(on.label(), "Enabled");
    }
}
