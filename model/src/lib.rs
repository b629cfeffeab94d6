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
pub mod types;

pub use accounts::*;
pub use domains::*;
pub use email::{normalize_domain, normalize_email, DomainError, EmailError};
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use import::*;
pub use invitations::*;
pub use manage::*;
pub use roles::{org_role_change_problem, AccountRole, OrgRole, RoleSet};
pub use types::*;
