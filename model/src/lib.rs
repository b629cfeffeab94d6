//! Types and pure rules shared by the Roster app (wasm) and the API server (native).
//! Nothing here performs I/O, so every rule can be unit-tested and used on both sides.

pub mod accounts;
pub mod audit;
pub mod domains;
pub mod email;
pub mod error;
pub mod human_format;
pub mod import;
pub mod invitations;
pub mod list;
pub mod manage;
mod named;
pub mod password_resets;
pub mod roles;
pub mod scim;
pub mod session;
pub mod text;
pub mod tokens;
pub mod user_filters;
pub mod users;
pub mod view_settings;
mod whole_number;

pub use accounts::*;
pub use audit::*;
pub use domains::*;
pub use email::{
    email_domain, normalize_domain, normalize_email, sign_in_email, DomainError, EmailError,
    MAX_EMAIL_LEN,
};
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use import::*;
pub use invitations::*;
pub use list::*;
pub use manage::*;
pub use named::UnknownName;
pub use password_resets::*;
pub use roles::{
    member_change_problem, org_role_change_problem, owner_role_problem, AccountRole, MemberChange,
    OrgRole, RoleSet,
};
pub use scim::*;
pub use session::*;
pub use text::name_text_problem;
pub use tokens::*;
pub use user_filters::*;
pub use users::*;
pub use view_settings::Theme;

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;
pub type UserId = i64;
pub type AccountId = i64;
