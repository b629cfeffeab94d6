//! The audit log: who did what to whom, when, from where.

use serde::{Deserialize, Serialize};

use crate::{Timestamp, UserId};

/// One line of the audit log: who did what to whom, when, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    /// Who acted, as they were named then (kept after the user is deleted).
    pub actor: String,
    /// The actor's email then: names are not unique. None for a provisioning token, and for
    /// entries recorded before emails were of someone no longer a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_email: Option<String>,
    /// A stable machine name such as `session.signed_in`.
    pub action: String,
    pub target_id: Option<UserId>,
    pub target: Option<String>,
    /// The target user's email then, when the target is a user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_email: Option<String>,
    pub client_addr: Option<String>,
}

/// The words the console shows for an audit action; unknown actions show their machine name.
pub fn audit_action_label(action: &str) -> &str {
    match action {
        "session.signed_in" => "Signed in",
        "session.sign_in_failed" => "Failed sign-in",
        "session.signed_out" => "Signed out",
        "user.password_changed" => "Changed password",
        "user.password_set" => "Set a new password after a reset",
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
        "user.two_factor_reset" => "Reset two-factor",
        "user.suspended" => "Suspended",
        "user.restored" => "Restored after a suspension",
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
    "user.password_set",
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
    "user.two_factor_reset",
    "user.suspended",
    "user.restored",
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
