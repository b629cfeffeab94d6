//! Invitations: the wizard that sends them, and the page a mailed invitation opens.

mod accept;
mod invite;

pub use accept::AcceptPage;
pub use invite::InvitePage;
