//! Finding things in the tree this mount of Roster lives in: the page's document when standalone,
//! a host element's shadow root when embedded (where `document` sees only the host element).

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, Node, ShadowRoot};

/// The element Roster is mounted on, given in context by whoever mounts it.
#[derive(Clone)]
pub struct MountPoint(pub SendWrapper<Node>);

/// The element with focus in the tree `node` belongs to.
pub fn active_element_near(node: &Node) -> Option<Element> {
    match node.get_root_node().dyn_ref::<ShadowRoot>() {
        Some(shadow) => shadow.active_element(),
        None => web_sys::window()?.document()?.active_element(),
    }
}

/// The element with `id` in the tree `node` belongs to.
pub fn element_by_id_near(node: &Node, id: &str) -> Option<HtmlElement> {
    let found = match node.get_root_node().dyn_ref::<ShadowRoot>() {
        Some(shadow) => shadow.get_element_by_id(id),
        None => web_sys::window()?.document()?.get_element_by_id(id),
    };
    found?.dyn_into().ok()
}

/// The element with `id` in this mount's tree (call while the app's owner is current).
pub fn element_by_id(id: &str) -> Option<HtmlElement> {
    match use_context::<MountPoint>() {
        Some(MountPoint(node)) => element_by_id_near(&node, id),
        None => web_sys::window()?
            .document()?
            .get_element_by_id(id)?
            .dyn_into()
            .ok(),
    }
}
