//! The resources of the JSON API, exactly as they travel. Timestamps are Unix seconds (UTC).

use serde::{Deserialize, Serialize};

use crate::roles::{OrgRole, RoleSet};

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;
pub type UserId = i64;
pub type AccountId = i64;

/// The four tabs of the user-management page (rule 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UserView {
    #[default]
    Managed,
    External,
    Invited,
    Imported,
}

impl UserView {
    pub const ALL: [UserView; 4] = [
        UserView::Managed,
        UserView::External,
        UserView::Invited,
        UserView::Imported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserView::Managed => "managed",
            UserView::External => "external",
            UserView::Invited => "invited",
            UserView::Imported => "imported",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|view| view.as_str() == s)
    }

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    #[default]
    Name,
    Email,
    /// When the user joined the organization (Managed, Imported), was invited (Invited) or was created.
    Date,
}

impl SortField {
    pub const ALL: [SortField; 3] = [SortField::Name, SortField::Email, SortField::Date];

    pub fn as_str(self) -> &'static str {
        match self {
            SortField::Name => "name",
            SortField::Email => "email",
            SortField::Date => "date",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "asc" => Some(SortDir::Asc),
            "desc" => Some(SortDir::Desc),
            _ => None,
        }
    }

    pub fn reversed(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// Page sizes the API accepts; the list endpoints default to the first.
pub const DEFAULT_PAGE_SIZE: u32 = 25;
pub const MAX_PAGE_SIZE: u32 = 200;
/// Longest search text accepted, so a pasted paragraph cannot become an expensive query.
pub const MAX_SEARCH_LEN: usize = 200;

/// One page of a keyset-paginated list. Cursors are opaque; pass one back as `cursor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match the whole query, across every page.
    pub total: u64,
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Signs in normally.
    Active,
    /// Created by an invitation and not yet accepted: has no password yet.
    Invited,
    /// Cannot sign in.
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Invited => "invited",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            UserStatus::Active,
            UserStatus::Invited,
            UserStatus::Disabled,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Active => "Active",
            UserStatus::Invited => "Invited",
            UserStatus::Disabled => "Disabled",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct UserRef {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct ImportInfo {
    pub imported_at: Timestamp,
    pub imported_by: Option<UserRef>,
}

/// One row of the user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

impl UserSummary {
    pub fn display_name(&self) -> String {
        display_name(&self.given_name, &self.family_name, &self.email)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    pub id: AccountId,
    pub sid: String,
    pub name: String,
}

/// One account a user can access, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountAccess {
    pub account: AccountRef,
    pub roles: RoleSet,
    /// The user is this account's owner.
    pub owner: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct UserChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_role: Option<OrgRole>,
}

/// Longest given or family name accepted.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a name cannot be saved, or None: at least one part, neither too long, and no characters
/// that could forge lines in mail headers and the audit log or reorder what people read.
pub fn name_problem(given: &str, family: &str) -> Option<(&'static str, String)> {
    if given.trim().is_empty() && family.trim().is_empty() {
        return Some((
            "given_name",
            "Enter a given name, a family name or both.".to_owned(),
        ));
    }
    for (field, value) in [("given_name", given), ("family_name", family)] {
        if value.trim().chars().count() > MAX_NAME_CHARS {
            return Some((
                field,
                format!("A name is at most {MAX_NAME_CHARS} characters."),
            ));
        }
        if let Some(problem) = crate::text::hidden_character_problem(value) {
            return Some((field, problem.to_owned()));
        }
    }
    None
}

/// The ETag of version `version` of a resource.
pub fn version_tag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version an If-Match header names (`"v3"`, also weak `W/"v3"`), if it names one.
pub fn parse_version_tag(tag: &str) -> Option<i64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix("\"v")?.strip_suffix('"')?.parse().ok()
}

impl UserDetail {
    pub fn display_name(&self) -> String {
        display_name(&self.given_name, &self.family_name, &self.email)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Suspended,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AccountStatus::Active,
            AccountStatus::Suspended,
            AccountStatus::Closed,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::Suspended => "Suspended",
            AccountStatus::Closed => "Closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: AccountId,
    pub sid: String,
    pub name: String,
    pub status: AccountStatus,
    pub owner: Option<UserRef>,
    /// How many users can access the account.
    pub user_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainState {
    Pending,
    Verified,
    Failed,
    /// Was verified, and the record has since disappeared.
    Lapsed,
}

impl DomainState {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainState::Pending => "pending",
            DomainState::Verified => "verified",
            DomainState::Failed => "failed",
            DomainState::Lapsed => "lapsed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            DomainState::Pending,
            DomainState::Verified,
            DomainState::Failed,
            DomainState::Lapsed,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            DomainState::Pending => "Pending verification",
            DomainState::Verified => "Verified",
            DomainState::Failed => "Verification failed",
            DomainState::Lapsed => "Lapsed",
        }
    }
}

/// Host and value of the TXT record that proves control of a domain.
pub fn verification_record(domain: &str, token: &str) -> (String, String) {
    (
        format!("_roster.{domain}"),
        format!("roster-domain-verification={token}"),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub id: i64,
    pub name: String,
    pub state: DomainState,
    pub txt_host: String,
    pub txt_value: String,
    pub created_at: Timestamp,
    pub verified_at: Option<Timestamp>,
    pub last_checked_at: Option<Timestamp>,
    /// What the last check found wrong, for the admin.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When a lapsed domain's record was first found missing; it is removed 30 days later.
    #[serde(default)]
    pub lapsed_at: Option<Timestamp>,
}

/// One line of the audit log: who did what to whom, when, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    /// Who acted, as they were named then (kept after the user is deleted).
    pub actor: String,
    /// A stable machine name such as `session.signed_in`.
    pub action: String,
    pub target_id: Option<UserId>,
    pub target: Option<String>,
    pub client_addr: Option<String>,
}

/// The words the console shows for an audit action; unknown actions show their machine name.
pub fn audit_action_label(action: &str) -> &str {
    match action {
        "session.signed_in" => "Signed in",
        "session.sign_in_failed" => "Failed sign-in",
        "session.signed_out" => "Signed out",
        "user.password_changed" => "Changed password",
        "token.created" => "Created an API token",
        "token.revoked" => "Revoked an API token",
        "user.two_factor_enrolled" => "Set up two-factor",
        "invitation.sent" => "Sent an invitation",
        "invitation.reinvited" => "Invited again (the earlier invitation had expired)",
        "invitation.resent" => "Re-sent an invitation",
        "invitation.revoked" => "Revoked an invitation",
        "invitation.accepted" => "Accepted an invitation",
        "user.updated" => "Changed a user",
        "user.password_reset" => "Reset a password",
        "user.two_factor_required" => "Required two-factor",
        "user.two_factor_not_required" => "Stopped requiring two-factor",
        "user.access_changed" => "Changed account access",
        "user.removed" => "Removed from the organization",
        "user.deleted" => "Deleted a user",
        "session.recovery_code_used" => "Signed in with a recovery code",
        "domain.added" => "Added a domain",
        "domain.verified" => "Verified a domain",
        "domain.verification_failed" => "Domain verification failed",
        "domain.lapsed" => "Domain verification lapsed",
        "domain.removed" => "Removed a domain",
        "account.access_granted" => "Gave access to an account",
        "account.roles_changed" => "Changed roles on an account",
        "account.access_removed" => "Removed access to an account",
        "account.invitation_sent" => "Invited to an account",
        "user.imported" => "Imported a user",
        other => other,
    }
}

/// The actions the audit log can be filtered by, in the order the filter offers them.
pub const AUDIT_ACTIONS: &[&str] = &[
    "session.signed_in",
    "session.sign_in_failed",
    "session.signed_out",
    "session.recovery_code_used",
    "user.password_changed",
    "user.two_factor_enrolled",
    "invitation.sent",
    "invitation.reinvited",
    "invitation.resent",
    "invitation.revoked",
    "invitation.accepted",
    "user.updated",
    "user.password_reset",
    "user.two_factor_required",
    "user.two_factor_not_required",
    "user.access_changed",
    "user.removed",
    "user.deleted",
    "token.created",
    "token.revoked",
    "domain.added",
    "domain.verified",
    "domain.verification_failed",
    "domain.lapsed",
    "domain.removed",
    "account.access_granted",
    "account.roles_changed",
    "account.access_removed",
    "account.invitation_sent",
    "user.imported",
];

/// `POST /tokens`: create a bearer API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub name: String,
    /// Days until the token stops working: 1 to [`MAX_TOKEN_DAYS`], [`DEFAULT_TOKEN_DAYS`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

/// How long a token lives unless its creator chooses otherwise…
pub const DEFAULT_TOKEN_DAYS: u32 = 90;
/// …and at most.
pub const MAX_TOKEN_DAYS: u32 = 365;
/// The lifetimes the app offers.
pub const TOKEN_DAY_CHOICES: [u32; 4] = [7, 30, 90, 365];

/// Why a token cannot be created with this name and lifetime, as (field, message); None when it can.
pub fn new_token_problem(
    name: &str,
    expires_in_days: Option<u32>,
) -> Option<(&'static str, String)> {
    let name = name.trim();
    if name.is_empty() {
        return Some(("name", "Name the token after what will use it.".to_owned()));
    }
    if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Some((
            "name",
            format!("A token name is at most {MAX_TOKEN_NAME_CHARS} characters."),
        ));
    }
    if let Some(problem) = crate::text::hidden_character_problem(name) {
        return Some(("name", problem.to_owned()));
    }
    if expires_in_days.is_some_and(|days| !(1..=MAX_TOKEN_DAYS).contains(&days)) {
        return Some((
            "expires_in_days",
            format!("A token lives 1 to {MAX_TOKEN_DAYS} days."),
        ));
    }
    None
}

/// A bearer API token as listed; the secret itself is only in [`CreatedApiToken`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_by: Option<UserRef>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// When it stops working by itself…
    pub expires_at: Timestamp,
    /// …and whether that time has come.
    #[serde(default)]
    pub expired: bool,
}

/// The answer to creating a token: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Longest token name accepted.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// `POST /session`: sign in with a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
    /// The second factor of a user enrolled in two-factor: a 6-digit authenticator code or one of
    /// their recovery codes. Sign-in without it answers `two_factor_code_required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Who is signed in, and in which organization with which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user: UserRef,
    pub organization: Organization,
    pub role: OrgRole,
    /// Owners and Administrators manage users; Members see no management pages.
    pub manages_users: bool,
    /// Two-factor is required for this user and they have not enrolled: nothing else works until
    /// they do.
    #[serde(default)]
    pub must_enrol_two_factor: bool,
    #[serde(default)]
    pub two_factor_enrolled: bool,
}

/// `POST /session/two-factor/setup`: a new TOTP secret for the signed-in user to add to an
/// authenticator app. It only takes effect once confirmed with a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorSetup {
    /// Base32, as authenticator apps take it when typed in.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub otpauth_uri: String,
    /// The QR code as an SVG `data:` URI, rendered by the server (no outside service).
    pub qr_code: String,
}

/// `POST /session/two-factor`: confirm the set-up secret with a code from the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmTwoFactor {
    pub code: String,
}

/// The answer to a confirmed enrolment: one-time recovery codes, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorEnrolled {
    pub recovery_codes: Vec<String>,
    pub me: Me,
}

/// How many recovery codes an enrolment yields.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// `POST /session/password`: replace the signed-in user's password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Where a single-use link (an invitation or a set-password link) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Pending,
    Used,
    Expired,
}

/// `GET /password-resets/{token}` (no session): what a set-password link opens. Only a link
/// that still works says whose password it sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordResetPreview {
    pub state: LinkState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The person signs in with a second factor: the form asks for a code too.
    #[serde(default)]
    pub two_factor: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// `POST /password-resets/complete` (no session): sets the new password with the link's token
/// and signs in (with a second-factor code when the person is enrolled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletePasswordReset {
    pub token: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// How long a set-password link works after an administrator's reset.
pub const PASSWORD_RESET_SECONDS: i64 = 3 * 24 * 60 * 60;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a new password is refused, or None when it is acceptable.
pub fn new_password_problem(new: &str, current: &str, email: &str) -> Option<String> {
    let chars = new.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    if new == current {
        return Some("Choose a password different from the current one.".to_owned());
    }
    if new.trim().eq_ignore_ascii_case(email.trim()) {
        return Some("Your email address is not a good password.".to_owned());
    }
    None
}

/// Header every state-changing request must carry (with value "1"): a page on another site cannot
/// set it without a CORS preflight, which Roster never allows.
pub const CSRF_HEADER: &str = "x-roster-csrf";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OrgFeatures {
    /// Bulk import of existing users on a verified domain (rule 5); off for some organizations.
    pub bulk_import: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub features: OrgFeatures,
}

/// How many users each tab lists, for the counts beside the tab names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ViewCounts {
    pub managed: u64,
    pub external: u64,
    pub invited: u64,
    pub imported: u64,
}

impl ViewCounts {
    pub fn get(&self, view: UserView) -> u64 {
        match view {
            UserView::Managed => self.managed,
            UserView::External => self.external,
            UserView::Invited => self.invited,
            UserView::Imported => self.imported,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn verification_record_names_host_and_value() {
        let (host, value) = verification_record("example.com", "abc123");
        assert_eq!(host, "_roster.example.com");
        assert_eq!(value, "roster-domain-verification=abc123");
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

    #[test]
    fn new_passwords_are_long_and_new() {
        assert!(new_password_problem("short", "old", "a@x.io").is_some());
        assert!(new_password_problem("the same password", "the same password", "a@x.io").is_some());
        assert!(
            new_password_problem("averylong@example.com", "old", "AveryLong@example.com").is_some()
        );
        assert!(new_password_problem(&"x".repeat(257), "old", "a@x.io").is_some());
        assert_eq!(
            new_password_problem("correct horse battery", "old", "a@x.io"),
            None
        );
    }

    #[test]
    fn sort_options_parse() {
        assert_eq!(SortField::parse("email"), Some(SortField::Email));
        assert_eq!(SortDir::parse("desc"), Some(SortDir::Desc));
        assert_eq!(SortDir::Asc.reversed(), SortDir::Desc);
        assert_eq!(SortField::parse("password"), None);
    }
}
