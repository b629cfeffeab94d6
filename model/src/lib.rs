//! Types and pure rules shared by the Roster app (wasm) and the API server (native).
//! Nothing here performs I/O, so every rule can be unit-tested and used on both sides.

pub mod accounts;
pub mod domains;
pub mod email;
pub mod error;
pub mod import;
pub mod invitations;
pub mod manage;
pub mod roles;
pub mod text;
pub mod types;

pub use accounts::*;
pub use domains::*;
pub use email::{
    normalize_domain, normalize_email, sign_in_email, DomainError, EmailError, MAX_EMAIL_LEN,
};
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use import::*;
pub use invitations::*;
pub use manage::*;
pub use roles::{
    member_change_problem, org_role_change_problem, AccountRole, MemberChange, OrgRole, RoleSet,
};
pub use text::hidden_character_problem;
pub use types::*;
