//! The signed-in person's own session: signing in, their password, their two-factor enrolment.

mod login;
mod password;
mod two_factor;

pub use login::LoginPage;
pub use password::ChangePasswordPage;
pub use two_factor::TwoFactorPage;
