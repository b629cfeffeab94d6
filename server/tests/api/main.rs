//! Roster's API, tested through the whole router over a real SQLite database (and, for the crash
//! test, the real server binary), one module per feature.

mod common;

mod accounts;
mod authorization;
mod domains;
mod export;
mod host_sign_in;
mod import;
mod import_crash;
mod invitations;
mod mail;
mod maintenance;
mod manage;
mod password_resets;
mod replicas;
mod scim;
mod seed;
mod session;
mod tokens;
mod two_factor;
mod user_filters;
mod users;
mod web;
