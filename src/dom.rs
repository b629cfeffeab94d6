//! Finding things in the tree this mount of Roster lives in: the page's document when standalone,
//! a host element's shadow root when embedded (where `document` sees only the host element).

use crate::reactive::effect;
use leptos::prelude::*;
use roster_model::{FirstRead, UserId};
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
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

/// Whether focus fell to the document's body (the focused control was disabled or removed): where
/// it lands from inside a shadow root too, whose own active element is also none while focus is
/// on the host's page.
pub fn focus_fell() -> bool {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return false;
    };
    let body: Option<Node> = document.body().map(Into::into);
    document
        .active_element()
        .is_none_or(|active| active.is_same_node(body.as_ref()))
}

/// Focuses `element` when focus fell ([`focus_fell`]), never taking it from where the person put
/// it (in Roster or in the host's page).
pub fn focus_if_fell(element: &HtmlElement) {
    if focus_fell() {
        let _ = element.focus();
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
    let revoke = Closure::once_into_js(move || {
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

/// The attribute naming a control that a page draws again with each answer (a pager's link, a
/// sort header), so that focus can follow it to the one drawn in its place; where several carry
/// the key (a question's Confirm and Cancel in place of its action), the first takes focus.
pub const FOCUS_KEY: &str = "data-focus-key";

/// After the console moves to another page (`path` changes), focus that fell with the link or
/// button that led there goes to the new page's heading, which a screen reader then reads: the
/// admin is told where they are, and Tab goes on from the page's top. It waits two frames, so that
/// a page that puts focus somewhere itself (the invite wizard's step) does so first, and a few
/// more for a page whose code is still downloading; then the `main` region takes it.
pub fn focus_new_page_heading(path: Memo<String>, main: NodeRef<leptos::html::Main>) {
    Effect::new(move |shown: Option<String>| {
        let now = path.get();
        if shown.is_some_and(|shown| shown != now) {
            request_animation_frame(move || {
                request_animation_frame(move || focus_heading_when_drawn(main, HEADING_FRAMES));
            });
        }
        now
    });
}

/// Frames a moved-to page's heading is waited for (about half a second).
const HEADING_FRAMES: u32 = 30;

fn focus_heading_when_drawn(region: NodeRef<leptos::html::Main>, frames_left: u32) {
    if !focus_fell() {
        return;
    }
    let Some(main) = region.try_get_untracked().flatten() else {
        return;
    };
    let heading = main
        .query_selector("h1")
        .ok()
        .flatten()
        .and_then(|heading| heading.dyn_into::<HtmlElement>().ok());
    match heading {
        Some(heading) => focus_by_script(&heading),
        None if frames_left > 0 => {
            request_animation_frame(move || focus_heading_when_drawn(region, frames_left - 1));
        }
        None => {
            let _ = main.focus();
        }
    }
}

/// Where an error panel stood when its "Try again" was pressed: the element holding it, and the
/// node just before it, after which its answer is drawn.
pub struct RetriedAt {
    holder: Element,
    before: Option<Node>,
}

impl RetriedAt {
    pub fn of(panel: &Element) -> Option<Self> {
        Some(Self {
            holder: panel.parent_element()?,
            before: panel.previous_sibling(),
        })
    }
}

/// Frames a retried section's answer is waited for (about ten seconds).
const RETRY_FRAMES: u32 = 600;

/// Once an error panel whose "Try again" was pressed has gone, focus that fell with its button
/// goes to what took its place: the "Try again" of a panel that failed again, else the first
/// element drawn where the panel stood, or, where what stood before it went too (a page drawn
/// anew), the heading of what holds it. What is drawn in the meantime (nothing yet, a loading
/// line) is waited out, for at most `RETRY_FRAMES`. Focus the admin moved meanwhile, or a window
/// that lost focus, is left alone.
pub fn focus_after_retry(at: RetriedAt) {
    request_animation_frame(move || focus_where_retried(at, RETRY_FRAMES));
}

fn focus_where_retried(at: RetriedAt, frames_left: u32) {
    let window_has_focus = web_sys::window()
        .and_then(|window| window.document())
        .is_some_and(|document| document.has_focus().unwrap_or(false));
    if !window_has_focus || !focus_fell() || !at.holder.is_connected() {
        return;
    }
    let drawn = match at.before.as_ref() {
        Some(before) if before.is_connected() => element_after(before),
        _ => at.holder.first_element_child().map(|first| {
            at.holder
                .query_selector("h1, h2, h3")
                .ok()
                .flatten()
                .unwrap_or(first)
        }),
    };
    match drawn {
        Some(drawn) if !drawn.matches(".roster-loading").unwrap_or(false) => focus_drawn(drawn),
        _ if frames_left > 0 => {
            request_animation_frame(move || focus_where_retried(at, frames_left - 1));
        }
        _ => {}
    }
}

/// Focuses what a retry drew: a panel's "Try again", else the element itself.
fn focus_drawn(drawn: Element) {
    let target = match drawn.matches(".roster-error").unwrap_or(false) {
        true => drawn.query_selector("button").ok().flatten(),
        false => Some(drawn),
    };
    if let Some(target) = target.and_then(|target| target.dyn_into::<HtmlElement>().ok()) {
        focus_by_script(&target);
    }
}

/// Focuses `element`, first made focusable by script alone (not by Tab) where it is not a control
/// and has no tabindex of its own: a heading, a summary, a region.
fn focus_by_script(element: &HtmlElement) {
    let control = matches!(
        element.tag_name().as_str(),
        "A" | "BUTTON" | "INPUT" | "SELECT" | "TEXTAREA"
    );
    if !control && !element.has_attribute("tabindex") {
        let _ = element.set_attribute("tabindex", "-1");
    }
    let _ = element.focus();
}

/// After `element` lost focus: once the page has settled, `then` runs if `element` is still in
/// the page (the admin moved focus elsewhere: in Roster, to the host's page, out of the window),
/// not when a redraw took it away with the focus.
pub fn if_focus_left(element: Element, then: impl FnOnce() + 'static) {
    let check = Closure::once_into_js(move || {
        if element.is_connected() {
            then();
        }
    });
    if let Some(window) = web_sys::window() {
        let _ =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(check.unchecked_ref(), 0);
    }
}

/// The first element after `node` among its siblings.
fn element_after(node: &Node) -> Option<Element> {
    let mut next = node.next_sibling();
    while let Some(sibling) = next {
        match sibling.dyn_into::<Element>() {
            Ok(element) => return Some(element),
            Err(sibling) => next = sibling.next_sibling(),
        }
    }
    None
}

/// Keeps keyboard focus on controls that a redraw replaces: when the focused element carrying
/// [`FOCUS_KEY`] leaves `region` and focus fell to the document with it, focus moves to the new
/// element with the same key. A keyboard user who pages on with "Next page" or sorts by a column
/// stays there, where focus went back to the top of the document. Focus the admin moved
/// elsewhere meanwhile (another control, a click on the page's text, the host's page) is left
/// alone. Watches `region` until the calling component goes.
pub fn keep_focus_across_redraws(region: NodeRef<leptos::html::Main>) {
    let kept: StoredValue<Option<(String, SendWrapper<Element>)>> = StoredValue::new(None);
    effect(move || {
        let Some(main) = region.get() else {
            return;
        };
        let main: Element = main.into();
        let watched = main.clone();
        let on_focus =
            Closure::<dyn Fn(web_sys::FocusEvent)>::new(move |event: web_sys::FocusEvent| {
                let target = event
                    .target()
                    .and_then(|target| target.dyn_into::<Element>().ok());
                // try_: a focus event queued while the page went away finds the value gone.
                kept.try_set_value(target.and_then(|element| {
                    Some((element.get_attribute(FOCUS_KEY)?, SendWrapper::new(element)))
                }));
            });
        let on_blur =
            Closure::<dyn Fn(web_sys::FocusEvent)>::new(move |event: web_sys::FocusEvent| {
                if let Some(target) = event
                    .target()
                    .and_then(|target| target.dyn_into::<Element>().ok())
                {
                    forget_if_left(kept, target);
                }
            });
        let on_redraw = Closure::<dyn Fn()>::new(move || refocus_twin(&watched, kept));
        let Ok(observer) = web_sys::MutationObserver::new(on_redraw.as_ref().unchecked_ref())
        else {
            return;
        };
        let options = web_sys::MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        let listening = |event: &str, listener: &Closure<dyn Fn(web_sys::FocusEvent)>| {
            main.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref())
                .is_ok()
        };
        if observer.observe_with_options(&main, &options).is_err()
            || !listening("focusin", &on_focus)
            || !listening("focusout", &on_blur)
        {
            observer.disconnect();
            return;
        }
        let held = SendWrapper::new((main, on_focus, on_blur, observer, on_redraw));
        on_cleanup(move || {
            let (main, on_focus, on_blur, observer, _on_redraw) = held.take();
            observer.disconnect();
            for (event, listener) in [("focusin", &on_focus), ("focusout", &on_blur)] {
                let _ = main
                    .remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            }
        });
    });
}

/// After the kept control lost focus: once the page has settled, it is forgotten if it is still
/// there (the admin moved focus away) rather than replaced by a redraw, which `refocus_twin`
/// follows.
fn forget_if_left(kept: StoredValue<Option<(String, SendWrapper<Element>)>>, target: Element) {
    let left = target.clone();
    if_focus_left(target, move || {
        let still_kept = kept.try_with_value(|kept| {
            kept.as_ref()
                .is_some_and(|(_, element)| element.is_same_node(Some(&left)))
        });
        if still_kept == Some(true) {
            kept.try_set_value(None);
        }
    });
}

/// After `region` changed: focus the twin of the kept control if that control is gone and focus
/// fell with it (to the document's body, which is also where it lands inside a shadow root).
fn refocus_twin(region: &Element, kept: StoredValue<Option<(String, SendWrapper<Element>)>>) {
    let Some(key) = kept
        .try_with_value(|kept| {
            kept.as_ref()
                .filter(|(_, element)| !element.is_connected())
                .map(|(key, _)| key.clone())
        })
        .flatten()
    else {
        return;
    };
    if !focus_fell() {
        // The admin moved on: nothing to follow.
        kept.try_set_value(None);
        return;
    }
    // Not drawn yet: the next change of the region tries again.
    let twin = region
        .query_selector(&format!("[{FOCUS_KEY}=\"{key}\"]"))
        .ok()
        .flatten()
        .and_then(|twin| twin.dyn_into::<HtmlElement>().ok());
    if let Some(twin) = twin {
        let _ = twin.focus();
    }
}
