//! Text an admin is typing into a form, kept in the tab's sessionStorage: when their session ends
//! mid-form, the detour through sign-in (or a reload) brings them back to the form as they left it.
//! Drafts are per mount (router base) and per user, and signing out clears them.

use leptos::prelude::*;

use crate::config::AppConfig;
use crate::session::SessionState;

const PREFIX: &str = "roster-draft:";

fn storage() -> Option<web_sys::Storage> {
    // Storage can be refused (privacy settings, sandboxed frames): then drafts live in memory only.
    web_sys::window()?.session_storage().ok().flatten()
}

fn mount_prefix(config: &AppConfig) -> String {
    format!("{PREFIX}{}:", config.router_base)
}

/// A signal for the field `form` of the signed-in user, starting from their saved draft and
/// saving every change; setting it to "" (after a successful submit) drops the draft.
pub fn use_draft(form: &'static str) -> RwSignal<String> {
    let config = use_context::<AppConfig>().unwrap_or_default();
    let user = use_context::<SessionState>()
        .and_then(|session| session.me_untracked())
        .map(|me| me.user.id);
    let Some(user) = user else {
        return RwSignal::new(String::new());
    };
    let key = format!("{}{user}:{form}", mount_prefix(&config));
    let saved = storage()
        .and_then(|storage| storage.get_item(&key).ok().flatten())
        .unwrap_or_default();
    let value = RwSignal::new(saved);
    Effect::new(move |_| {
        let text = value.get();
        if let Some(storage) = storage() {
            let _ = if text.is_empty() {
                storage.remove_item(&key)
            } else {
                storage.set_item(&key, &text)
            };
        }
    });
    value
}

/// Forgets every draft of this mount (on sign-out: the next person at this browser must not see them).
pub fn clear_drafts(config: &AppConfig) {
    let Some(storage) = storage() else {
        return;
    };
    let prefix = mount_prefix(config);
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|index| storage.key(index).ok().flatten())
        .filter(|key| key.starts_with(&prefix))
        .collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
}
