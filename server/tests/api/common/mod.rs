//! What every test module shares, by concern.
// Each module uses a different part of it.
#![allow(dead_code)]

mod auth;
mod database;
mod fixtures;
mod mail;
mod parallel;
mod requests;
mod server;

pub use auth::*;
pub use database::*;
pub use fixtures::*;
pub use mail::*;
pub use parallel::*;
pub use requests::*;
pub use server::*;
