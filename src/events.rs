//! Events an embedded Roster sends its host: `CustomEvent`s named `roster:…` that bubble out of the
//! shadow root (`composed`) from the element Roster is mounted on. Standalone, nobody listens.
//! Each is sent once the change it reports has been made (the server answered it).

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::dom::MountPoint;

/// Where this mount's events start: taken from context while the app is set up, so that events
/// sent later (after a request returns) still know their element.
#[derive(Clone)]
pub struct HostEvents(Option<MountPoint>);

impl HostEvents {
    pub fn of_this_mount() -> Self {
        HostEvents(use_context::<MountPoint>())
    }

    /// Sends `roster:{name}` with `detail` (names and values).
    pub fn emit(&self, name: &str, detail: &[(&str, JsValue)]) {
        self.dispatch(name, detail, false);
    }

    /// Sends `roster:{name}`, cancellable when `cancelable`; false when the host cancelled it.
    pub fn dispatch(&self, name: &str, detail: &[(&str, JsValue)], cancelable: bool) -> bool {
        let Some(MountPoint(node)) = &self.0 else {
            return true;
        };
        let object = js_sys::Object::new();
        for (key, value) in detail {
            let _ = js_sys::Reflect::set(&object, &(*key).into(), value);
        }
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_cancelable(cancelable);
        init.set_detail(&JsValue::from(object));
        let name = format!("roster:{name}");
        match web_sys::CustomEvent::new_with_event_init_dict(&name, &init) {
            Ok(event) => node.dispatch_event(&event).unwrap_or(true),
            Err(_) => true,
        }
    }
}

/// What happened to a user, as `roster:user-changed` names it in `change`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChanged {
    /// Name or organization role.
    Edited,
    PasswordReset,
    TwoFactorRequired,
    TwoFactorNotRequired,
    TwoFactorReset,
    AccessChanged,
    Suspended,
    Restored,
    Removed,
    Deleted,
}

impl UserChanged {
    /// What a bulk action did to each user it succeeded for.
    pub fn of_bulk(action: roster_model::BulkAction) -> Self {
        use roster_model::BulkAction;
        match action {
            BulkAction::RequireTwoFactor => UserChanged::TwoFactorRequired,
            BulkAction::ResetPassword => UserChanged::PasswordReset,
            BulkAction::Remove => UserChanged::Removed,
            BulkAction::Suspend => UserChanged::Suspended,
            BulkAction::Restore => UserChanged::Restored,
        }
    }

    fn name(self) -> &'static str {
        match self {
            UserChanged::Edited => "edited",
            UserChanged::PasswordReset => "password_reset",
            UserChanged::TwoFactorRequired => "two_factor_required",
            UserChanged::TwoFactorNotRequired => "two_factor_not_required",
            UserChanged::TwoFactorReset => "two_factor_reset",
            UserChanged::AccessChanged => "access_changed",
            UserChanged::Suspended => "suspended",
            UserChanged::Restored => "restored",
            UserChanged::Removed => "removed",
            UserChanged::Deleted => "deleted",
        }
    }
}

impl HostEvents {
    /// `roster:invitations-sent` with `{ invited, failed }` (how many of the addresses sent).
    pub fn invitations_sent(&self, invited: usize, failed: usize) {
        self.emit(
            "invitations-sent",
            &[
                ("invited", JsValue::from_f64(invited as f64)),
                ("failed", JsValue::from_f64(failed as f64)),
            ],
        );
    }

    /// `roster:user-changed` with `{ id, change }`.
    pub fn user_changed(&self, id: i64, change: UserChanged) {
        // Ids are far below 2^53: a JavaScript number holds them exactly.
        self.emit(
            "user-changed",
            &[
                ("id", JsValue::from_f64(id as f64)),
                ("change", JsValue::from_str(change.name())),
            ],
        );
    }
}
