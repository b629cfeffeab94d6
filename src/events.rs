//! Events an embedded Roster sends its host: `CustomEvent`s named `roster:…` that bubble out of the
//! shadow root (`composed`) from the element Roster is mounted on. Standalone, nobody listens.

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

    /// Sends `roster:{name}` with `detail` (names and string values).
    pub fn emit(&self, name: &str, detail: &[(&str, &str)]) {
        let Some(MountPoint(node)) = &self.0 else {
            return;
        };
        let object = js_sys::Object::new();
        for (key, value) in detail {
            let _ = js_sys::Reflect::set(&object, &(*key).into(), &(*value).into());
        }
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&JsValue::from(object));
        let name = format!("roster:{name}");
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(&name, &init) {
            let _ = node.dispatch_event(&event);
        }
    }
}
