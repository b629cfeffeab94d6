//! Text an admin is typing into a form, kept in the tab's sessionStorage: when their session ends
//! mid-form, the detour through sign-in (or a reload) brings them back to the form as they left it.
//! Drafts are per mount (router base) and per user, and signing out clears them.

use leptos::prelude::*;

use crate::config::AppConfig;
use crate::reactive::effect;
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
    let Some(key) = draft_key(form) else {
        return RwSignal::new(String::new());
    };
    let saved = storage()
        .and_then(|storage| storage.get_item(&key).ok().flatten())
        .unwrap_or_default();
    let value = RwSignal::new(saved);
    effect(move || {
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

/// Where the draft of `form` of the signed-in user is kept (call while the app's owner is current).
fn draft_key(form: &'static str) -> Option<String> {
    let config = use_context::<AppConfig>().unwrap_or_default();
    let user = use_context::<SessionState>()?.me_untracked()?.user.id;
    Some(format!("{}{user}:{form}", mount_prefix(&config)))
}

/// What drops the draft of `form` later, once the page that kept it may be gone (work it started
/// ended), if the draft still holds `text`: one written since stays.
pub fn draft_dropper(form: &'static str) -> impl Fn(&str) + 'static {
    let key = draft_key(form);
    move |text: &str| {
        let (Some(key), Some(storage)) = (&key, storage()) else {
            return;
        };
        if storage.get_item(key).ok().flatten().as_deref() == Some(text) {
            let _ = storage.remove_item(key);
        }
    }
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
