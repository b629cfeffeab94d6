//! `sqlx::migrate!` embeds the files of `migrations/`, which cargo does not watch by itself: a new
//! or changed migration must rebuild the server, even when no Rust file changed with it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
