//! Mail as the tests read it: delivered to the mail folder, with the links it carries.

use super::*;

/// Delivers the outbox to the mail folder; answers the invitation links of the messages to `to`,
/// oldest first.
pub async fn delivered_links(server: &TestServer, to: &str) -> Vec<String> {
    delivered_links_to(server, to, "/accept/").await
}

/// Delivers the outbox to the mail folder; answers the tokens of the links under `path` (such as
/// "/accept/" or "/password/") in the messages to `to`, oldest first.
pub async fn delivered_links_to(server: &TestServer, to: &str, path: &str) -> Vec<String> {
    delivered_messages(server, to)
        .await
        .iter()
        .filter_map(|text| link_in(text, path))
        .collect()
}

/// Delivers the outbox to the mail folder; answers the messages to `to` (headers and parts, soft
/// line breaks joined), oldest first.
pub async fn delivered_messages(server: &TestServer, to: &str) -> Vec<String> {
    roster_server::mail::deliver_due(
        &server.state.store,
        &server.state.mailer,
        &server.state.clock,
    )
    .await;
    let dir = server._dir.path().join("mail");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|text| text.replace("=\r\n", ""))
        .filter(|text| text.contains(&format!("To: {to}")))
        .collect()
}

pub fn link_in(text: &str, path: &str) -> Option<String> {
    let start = text.find(path)? + path.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(token)
}
