//! Accounts: the organization's list, and one account's User access.

mod access;
mod list;

pub use access::AccountAccessPage;
pub use list::AccountsPage;
