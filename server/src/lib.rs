//! Roster's API server: axum over sqlx (SQLite or PostgreSQL), serving the JSON API and the built app.

pub mod api;
pub mod app;
pub mod auth;
pub mod authz;
pub mod clock;
pub mod dataset;
pub mod dns;
pub mod error;
pub mod first_paint;
pub mod hex;
pub mod host_sign_in;
pub mod mail;
pub mod ops;
pub mod scim;
pub mod secrets;
pub mod state;
pub mod store;
pub mod two_factor;
pub mod web_policy;
