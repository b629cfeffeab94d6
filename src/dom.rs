//! Finding things in the tree this mount of Roster lives in: the page's document when standalone,
//! a host element's shadow root when embedded (where `document` sees only the host element).

use leptos::prelude::*;
use roster_model::{FirstRead, UserId};
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
    element_in(use_context::<MountPoint>().as_ref(), id)
}

fn element_in(mount: Option<&MountPoint>, id: &str) -> Option<HtmlElement> {
    match mount {
        Some(MountPoint(node)) => element_by_id_near(node, id),
        None => web_sys::window()?
            .document()?
            .get_element_by_id(id)?
            .dyn_into()
            .ok(),
    }
}

/// Moves focus to the element with an id in this mount's tree, from an event handler, where no
/// owner is current to find the tree by: made while the component runs.
pub fn use_focus_by_id() -> impl Fn(&str) + Copy + 'static {
    let mount = StoredValue::new(use_context::<MountPoint>());
    move |id: &str| {
        if let Some(Some(element)) = mount.try_with_value(|mount| element_in(mount.as_ref(), id)) {
            let _ = element.focus();
        }
    }
}

/// Hands a downloaded file to the browser to save under its name; when the browser refuses, what
/// to tell the admin.
pub fn save_download(download: &crate::api::Download) -> Result<(), &'static str> {
    const REFUSED: &str = "The browser did not save the file.";
    let url = web_sys::Url::create_object_url_with_blob(&download.blob).map_err(|_| REFUSED)?;
    let link = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.create_element("a").ok())
        .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or(REFUSED)?;
    link.set_href(&url);
    link.set_download(&download.filename);
    // A link need not be in the page to be clicked; the object URL is let go once the browser
    // has had time to start saving from it.
    link.click();
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
    Ok(())
}

/// The server's first paint: the Managed list's first page as plain HTML, which the server puts in
/// Roster's own page for a signed-in admin, to be seen while the app downloads (a host's page
/// never has one). The app stays hidden behind it (style/roster.css) until it is taken away. It
/// also carries the answers of the list's first reads, for the app to take instead of asking.
const FIRST_PAINT: &str = "body > .roster-first-paint";

/// The answer the first paint carries for one of the list's first reads (`read`, one of
/// [`FirstRead`]), as JSON, taken once: asked again, the app asks the server. Gone
/// with the first paint, which goes as soon as the app finds the session over or another user's
/// than it was drawn for, or shows anything else, so nobody who signs in next on this page, or
/// elsewhere in this browser, is handed it.
pub fn take_first_read(read: FirstRead) -> Option<String> {
    if !crate::config::AppConfig::is_standalone_page() {
        return None;
    }
    let selector = format!(
        "{FIRST_PAINT} > script[{}=\"{}\"]",
        FirstRead::ATTRIBUTE,
        read.name()
    );
    let answer = web_sys::window()?
        .document()?
        .query_selector(&selector)
        .ok()??;
    answer.remove();
    answer.text_content()
}

/// Whether the page has a first paint and it was drawn for `user` in organization `org_id`: one
/// drawn for someone else (who had signed in when the page was served, before another admin
/// signed in elsewhere in this browser) or for another organization must go, with the answers it
/// carries, before the list can take them.
pub fn first_paint_is_for(user: UserId, org_id: i64) -> bool {
    let drawn_for = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.query_selector(FIRST_PAINT).ok().flatten())
        .and_then(|first_paint| first_paint.get_attribute(FirstRead::FOR_ATTRIBUTE));
    drawn_for.is_some_and(|drawn_for| drawn_for == FirstRead::drawn_for(user, org_id))
}

/// Takes the first paint away, if the page has one, so the app's own page shows in its place: once
/// the list has what the first paint showed, as soon as the app will show something else, or when
/// the app panics.
pub fn end_first_paint() {
    if !crate::config::AppConfig::is_standalone_page() {
        return;
    }
    let first_paint = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.query_selector(FIRST_PAINT).ok().flatten());
    if let Some(first_paint) = first_paint {
        first_paint.remove();
    }
}
