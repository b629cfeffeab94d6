//! Flows between the HTTP handlers and the store: what one operation does, step by step, under
//! the rules of `roster-model`. Handlers parse and answer; the store reads and writes.

pub mod maintenance;
pub mod password_reset;
pub mod sign_in;
