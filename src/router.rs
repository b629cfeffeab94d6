//! Which page a mount shows, and how it moves: a place (path and query under the router base)
//! held in the browser's URL (path routing) or in the console alone (memory routing, for a host
//! that keeps its URL to itself). Every move is announced to the host as `roster:navigate` first,
//! and one the console starts itself (a link, a button) is called off when the host cancels it.
//!
//! Roster's own rather than leptos_router's: leptos_router 0.8's `<Router>` always routes on the
//! browser's URL (`BrowserUrl` is fixed in it) and follows links from a listener on `window`, so
//! two consoles on a page share one route and neither can keep its route to itself.

use leptos::ev;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::config::AppConfig;
use crate::dom::MountPoint;
use crate::events::HostEvents;
use crate::reactive::effect;

/// Where a console starts when it is not told: the list of managed users.
const HOME: &str = "/users/managed";

/// Where a mount keeps its place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Routing {
    /// In the browser's URL, under the router base: places can be shared, and Back and Forward work.
    #[default]
    Path,
    /// In the console alone: the host's URL stays as it is.
    Memory,
}

/// A place in the console: a path under the router base and its query (without the `?`). The
/// empty path is nowhere: a path-routed console whose URL is not under its base.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub query: String,
}

impl Place {
    /// `/users/managed?q=chen#top` as a place; a fragment is not part of one, and a path is
    /// absolute and has no trailing slash.
    pub fn parse(href: &str) -> Place {
        let href = href.split('#').next().unwrap_or_default();
        let (path, query) = href.split_once('?').unwrap_or((href, ""));
        Place {
            path: format!("/{}", path.trim_matches('/')),
            query: query.to_owned(),
        }
    }

    /// The place as an app href: `path?query`.
    pub fn href(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

/// How a move is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavigateOptions {
    /// In place of the current place (no new history entry): a search typed, a redirect.
    pub replace: bool,
    /// Bring the top of the console into view.
    pub scroll: bool,
}

impl Default for NavigateOptions {
    fn default() -> Self {
        NavigateOptions {
            replace: false,
            scroll: true,
        }
    }
}

/// Values by name: a route's `:name` segments, or a query's pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamsMap(Vec<(String, String)>);

impl ParamsMap {
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

/// One mount's router; everything it listens to ends with the owner it was started under.
#[derive(Clone, Copy)]
pub struct Router {
    place: RwSignal<Place>,
    base: StoredValue<String>,
    routing: Routing,
    host: StoredValue<HostEvents>,
    mount_point: StoredValue<Option<MountPoint>>,
    /// The place of the page the current one was moved to from (see [`Router::came_from`]).
    came_from: StoredValue<Option<Place>>,
}

impl Router {
    /// The router of the mount being set up: its first place (path routing: the browser's URL,
    /// or `initial_path` when that is not under the base or is the base itself), Back and Forward
    /// (path routing), and the console's links followed in place.
    pub fn start(config: &AppConfig) -> Router {
        let base = config.router_base.clone();
        let initial = || Place::parse(config.initial_path.as_deref().unwrap_or(HOME));
        let first = match config.routing {
            Routing::Memory => initial(),
            Routing::Path => match (browser_place(&base), &config.initial_path) {
                (Some(place), None) => place,
                (Some(place), Some(_)) if place.path != "/" => place,
                (_, Some(_)) => {
                    let place = initial();
                    set_browser_url(&format!("{base}{}", place.href()), true, None);
                    place
                }
                // Mounted where it was not told to be: shown as a page not found, and the
                // host's URL left alone.
                (None, None) => Place::default(),
            },
        };
        // A reload keeps what the page was moved to from: its history entry says.
        let came_from = match config.routing {
            Routing::Path => browser_came_from().flatten(),
            Routing::Memory => None,
        };
        let router = Router {
            place: RwSignal::new(first),
            base: StoredValue::new(base),
            routing: config.routing,
            host: StoredValue::new(HostEvents::of_this_mount()),
            mount_point: StoredValue::new(use_context::<MountPoint>()),
            came_from: StoredValue::new(came_from),
        };
        if router.routing == Routing::Path {
            let popstate = window_event_listener(ev::popstate, move |_| router.follow_browser());
            on_cleanup(move || popstate.remove());
        }
        router.follow_links();
        router
    }

    /// The current place (tracked).
    pub fn place(self) -> Place {
        self.place.get()
    }

    /// Reads the current place (tracked) without cloning it.
    pub fn with_place<T>(self, read: impl FnOnce(&Place) -> T) -> T {
        self.place.with(read)
    }

    /// The place, query and all, of the page the console moved to this one from (None when it
    /// started here; with path routing, a reload or Back and Forward find it in the history
    /// entry): where a "back" link returns to as the admin left it.
    pub fn came_from(self) -> Option<Place> {
        self.came_from.try_get_value().flatten()
    }

    /// What `place` is moved to from: the current place when it is another page; a move within
    /// a page, to another query of the same path, keeps what the page came from.
    fn came_from_for(self, place: &Place) -> Option<Place> {
        self.place
            .try_with_untracked(|current| (current.path != place.path).then(|| current.clone()))
            .flatten()
            .or_else(|| self.came_from())
    }

    /// Makes `place` the current one, moved to from `came_from`.
    fn arrive(self, place: Place, came_from: Option<Place>) {
        self.came_from.set_value(came_from);
        self.place.set(place);
    }

    /// The href of an app place (`/accounts`) on this page: under the router base.
    pub fn href(self, app_href: &str) -> String {
        self.base
            .try_with_value(|base| format!("{base}{app_href}"))
            .unwrap_or_default()
    }

    /// Goes to `to` (an app href such as `/users/managed?q=chen`, or `?page=2` on this path), once
    /// the host has heard of it and, for a move to another page, not cancelled it.
    pub fn navigate(self, to: &str, options: NavigateOptions) {
        let place = if to.starts_with('?') {
            let Some(path) = self.place.try_with_untracked(|place| place.path.clone()) else {
                return;
            };
            Place::parse(&format!("{path}{to}"))
        } else {
            Place::parse(to)
        };
        self.go(place, options, true);
    }

    /// Goes to `to` as the host or a redirect asks: announced, not cancellable.
    pub fn show(self, to: &str, options: NavigateOptions) {
        self.go(Place::parse(to), options, false);
    }

    /// Moves to `place`. Only a move to another page is the host's to cancel: a new search,
    /// filter or page of the same list stays on its page, and a cancelled one would leave the
    /// controls showing what the list does not.
    fn go(self, place: Place, options: NavigateOptions, cancelable: bool) {
        let Some(Some(current_path)) = self
            .place
            .try_with_untracked(|current| (*current != place).then(|| current.path.clone()))
        else {
            return;
        };
        let cancelable = cancelable && current_path != place.path;
        // A host may also remove the console while it hears of the move: then nothing is left
        // to move.
        if !self.announce(&place, cancelable) || self.place.is_disposed() {
            return;
        }
        let came_from = self.came_from_for(&place);
        if self.routing == Routing::Path {
            set_browser_url(
                &self.href(&place.href()),
                options.replace,
                came_from.as_ref(),
            );
        }
        self.arrive(place, came_from);
        if options.scroll && !options.replace {
            self.scroll_to_top();
        }
    }

    /// Tells the host where the console is (once mounted: where it starts), unless it is
    /// nowhere (see [`Place`]).
    pub fn announce_place(self) {
        if let Some(place) = self.place.try_get_untracked() {
            if !place.path.is_empty() {
                self.announce(&place, false);
            }
        }
    }

    /// Sends `roster:navigate` with `{ path }`; false when the host cancelled it.
    fn announce(self, place: &Place, cancelable: bool) -> bool {
        let path = JsValue::from_str(&place.href());
        self.host
            .try_with_value(|host| host.dispatch("navigate", &[("path", path)], cancelable))
            .unwrap_or(false)
    }

    /// Back or Forward in the browser: the console follows while the URL is under its base.
    fn follow_browser(self) {
        let Some(place) = self
            .base
            .try_with_value(|base| browser_place(base))
            .flatten()
        else {
            return;
        };
        if self.place.try_with_untracked(|current| *current != place) == Some(true) {
            self.announce(&place, false);
            // An entry the console made says what its page was moved to from; for one it did
            // not make (the host's, or the first), the page left is taken.
            let came_from = browser_came_from().unwrap_or_else(|| self.came_from_for(&place));
            self.arrive(place, came_from);
        }
    }

    /// Follows clicks on the console's links to its own places without a reload. One listener
    /// on the mount's element (on the document standalone), so no link carries a handler, and
    /// nothing outside the console is touched.
    fn follow_links(self) {
        let target: Option<web_sys::EventTarget> = match self.mount_point.get_value() {
            Some(MountPoint(node)) => Some(node.take().into()),
            None => web_sys::window()
                .and_then(|window| window.document())
                .map(Into::into),
        };
        let Some(target) = target else {
            return;
        };
        let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |event| {
            self.follow_link(&event);
        });
        if target
            .add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())
            .is_err()
        {
            return;
        }
        let held = SendWrapper::new((target, on_click));
        on_cleanup(move || {
            let (target, on_click) = held.take();
            let _ = target
                .remove_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        });
    }

    fn follow_link(self, event: &web_sys::MouseEvent) {
        if event.default_prevented()
            || event.button() != 0
            || event.meta_key()
            || event.ctrl_key()
            || event.shift_key()
            || event.alt_key()
        {
            return;
        }
        let Some(anchor) = clicked_anchor(event) else {
            return;
        };
        let opens_elsewhere = !matches!(anchor.target().as_str(), "" | "_self")
            || anchor.has_attribute("download")
            || anchor.rel().split_whitespace().any(|rel| rel == "external");
        if opens_elsewhere {
            return;
        }
        // A fragment of the console ("Skip to content") is found in the console's own tree (the
        // browser cannot see into a shadow root) and gets focus; the page's URL is left alone,
        // as in memory routing it is not the console's place at all.
        if let Some(id) = anchor
            .get_attribute("href")
            .and_then(|href| href.strip_prefix('#').map(str::to_owned))
        {
            event.prevent_default();
            if let Some(target) = crate::dom::element_by_id_near(&anchor, &id) {
                target.scroll_into_view();
                let _ = target.focus();
            }
            return;
        }
        let (Ok(url), Some(origin)) = (
            web_sys::Url::new(&anchor.href()),
            web_sys::window().and_then(|window| window.location().origin().ok()),
        ) else {
            return;
        };
        if url.origin() != origin {
            return;
        }
        let Some(path) = self
            .base
            .try_with_value(|base| under_base(&url.pathname(), base))
            .flatten()
        else {
            return;
        };
        let place = Place {
            path,
            query: url.search().trim_start_matches('?').to_owned(),
        };
        event.prevent_default();
        self.go(place, NavigateOptions::default(), true);
    }

    /// After a move to another page: standalone the window's top, embedded the console's top
    /// when the host has scrolled past it.
    fn scroll_to_top(self) {
        let Some(mount_point) = self.mount_point.try_get_value() else {
            return;
        };
        match mount_point {
            Some(MountPoint(node)) => {
                if let Ok(element) = node.take().dyn_into::<web_sys::Element>() {
                    if element.get_bounding_client_rect().top() < 0.0 {
                        element.scroll_into_view();
                    }
                }
            }
            None => {
                if let Some(window) = web_sys::window() {
                    window.scroll_to_with_x_and_y(0.0, 0.0);
                }
            }
        }
    }
}

/// The anchor a click landed on (inside a shadow root too).
fn clicked_anchor(event: &web_sys::MouseEvent) -> Option<web_sys::HtmlAnchorElement> {
    event
        .composed_path()
        .iter()
        .find_map(|target| target.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .filter(|anchor| anchor.has_attribute("href"))
}

/// The app path of a page path under `base` ("/settings/users/accounts" → "/accounts").
fn under_base(pathname: &str, base: &str) -> Option<String> {
    let rest = pathname.strip_prefix(base)?;
    if rest.is_empty() || rest.starts_with('/') {
        Some(Place::parse(rest).path)
    } else {
        None
    }
}

/// The browser's URL as a place of a console under `base`, if it is under it.
fn browser_place(base: &str) -> Option<Place> {
    let location = web_sys::window()?.location();
    let path = under_base(&location.pathname().ok()?, base)?;
    let search = location.search().ok()?;
    Some(Place {
        path,
        query: search.trim_start_matches('?').to_owned(),
    })
}

/// The key under which the state of each history entry the console makes holds the app href of
/// the page its page was moved to from (null when none). The state is an object, as hosts'
/// routers expect, and an entry the console replaces keeps the host's keys in it.
const CAME_FROM_STATE: &str = "rosterCameFrom";

/// What the current history entry's page was moved to from, when the console made the entry
/// (`Some(None)`: it was moved to from nowhere the console knows).
fn browser_came_from() -> Option<Option<Place>> {
    let state = web_sys::window()?.history().ok()?.state().ok()?;
    if !state.is_object() {
        return None;
    }
    let key = JsValue::from_str(CAME_FROM_STATE);
    if !js_sys::Reflect::has(&state, &key).ok()? {
        return None;
    }
    let href = js_sys::Reflect::get(&state, &key).ok()?.as_string();
    Some(href.map(|href| Place::parse(&href)))
}

/// Moves the browser to `url`, in a new history entry or in place of the current one, which
/// keeps what its page was moved to from (`came_from`) for Back, Forward and a reload.
fn set_browser_url(url: &str, replace: bool, came_from: Option<&Place>) {
    let Some(history) = web_sys::window().and_then(|window| window.history().ok()) else {
        return;
    };
    let state = js_sys::Object::new();
    if replace {
        if let Ok(current) = history.state() {
            if current.is_object() {
                js_sys::Object::assign(&state, &js_sys::Object::from(current));
            }
        }
    }
    let came_from = came_from.map_or(JsValue::NULL, |place| JsValue::from_str(&place.href()));
    let _ = js_sys::Reflect::set(&state, &JsValue::from_str(CAME_FROM_STATE), &came_from);
    let _ = if replace {
        history.replace_state_with_url(&state, "", Some(url))
    } else {
        history.push_state_with_url(&state, "", Some(url))
    };
}

/// Which of a route's patterns `path` matches, with the values of its `:name` segments.
fn match_pattern(pattern: &str, path: &str) -> Option<ParamsMap> {
    if !path.starts_with('/') {
        return None;
    }
    let mut segments = path.split('/').filter(|segment| !segment.is_empty());
    let mut params = Vec::new();
    for part in pattern.split('/').filter(|part| !part.is_empty()) {
        let segment = segments.next()?;
        match part.strip_prefix(':') {
            Some(name) => {
                let value = percent_encoding::percent_decode_str(segment)
                    .decode_utf8_lossy()
                    .into_owned();
                params.push((name.to_owned(), value));
            }
            None if part == segment => {}
            None => return None,
        }
    }
    segments.next().is_none().then_some(ParamsMap(params))
}

/// This mount's router.
pub fn use_router() -> Router {
    expect_context::<Router>()
}

/// Goes to an app href (see [`Router::navigate`]).
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone + 'static {
    let router = use_router();
    move |to, options| router.navigate(to, options)
}

/// The matched route's `:name` values.
#[derive(Clone, Copy)]
struct RouteParams(Memo<ParamsMap>);

/// The `:name` values of the page's route.
pub fn use_params_map() -> Memo<ParamsMap> {
    expect_context::<RouteParams>().0
}

/// A query with only the first of the pairs that share a name (a query typed or pasted by hand
/// may repeat one; read as a struct, a repeated name would otherwise lose the whole query).
fn first_of_each_name(query: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && seen.insert(pair.split('=').next().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query's pairs, percent-decoded; of a name given twice, the first value.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(&first_of_each_name(query)).unwrap_or_default()
}

/// A query as `T`. A value `T` does not take (a hand-edited or old link) loses only itself: the
/// pairs are then taken one at a time, each kept if the query still reads with it.
fn typed_query<T: DeserializeOwned + Default>(query: &str) -> T {
    let query = first_of_each_name(query);
    if let Ok(typed) = serde_urlencoded::from_str(&query) {
        return typed;
    }
    let mut kept: Vec<&str> = Vec::new();
    for pair in query.split('&') {
        kept.push(pair);
        if serde_urlencoded::from_str::<T>(&kept.join("&")).is_err() {
            kept.pop();
        }
    }
    serde_urlencoded::from_str(&kept.join("&")).unwrap_or_default()
}

/// The query's names and values.
pub fn use_query_map() -> Memo<ParamsMap> {
    let router = use_router();
    Memo::new(move |_| router.with_place(|place| ParamsMap(query_pairs(&place.query))))
}

/// The query as `T`; of a malformed query, what `T` takes.
pub fn use_typed_query<T>() -> Memo<T>
where
    T: DeserializeOwned + Default + Clone + PartialEq + Send + Sync + 'static,
{
    let router = use_router();
    Memo::new(move |_| router.with_place(|place| typed_query(&place.query)))
}

/// The page of the first of `routes` (path patterns such as `/users/:key`) that the place
/// matches, or `fallback`. A page stays while only its `:name` values change.
#[component]
pub fn Routes<R>(
    routes: &'static [(&'static str, R)],
    page: fn(R) -> AnyView,
    fallback: fn() -> AnyView,
) -> impl IntoView
where
    R: Copy + PartialEq + Send + Sync + 'static,
{
    let router = use_router();
    let matched = Memo::new(move |_| {
        router.with_place(|place| {
            routes.iter().find_map(|(pattern, route)| {
                match_pattern(pattern, &place.path).map(|params| (*route, params))
            })
        })
    });
    let route =
        Memo::new(move |_| matched.with(|matched| matched.as_ref().map(|(route, _)| *route)));
    let params = Memo::new(move |_| {
        matched.with(|matched| {
            matched
                .as_ref()
                .map(|(_, params)| params.clone())
                .unwrap_or_default()
        })
    });
    provide_context(RouteParams(params));
    move || match route.get() {
        Some(route) => page(route),
        None => fallback(),
    }
}

/// Goes to `path` in place of this page.
#[component]
pub fn Redirect(#[prop(into)] path: String) -> impl IntoView {
    let router = use_router();
    effect(move || {
        router.show(
            &path,
            NavigateOptions {
                replace: true,
                scroll: false,
            },
        )
    });
}

/// A link to an app place (`href` such as "/accounts", under the router base on the page). It is
/// the current page (`aria-current`) where the console is at `href` or below it, unless `href`
/// has a query (a page of a list is not a page of its own).
#[component]
pub fn A(#[prop(into)] href: Signal<String>, children: Children) -> impl IntoView {
    let router = use_router();
    // Read with try_: a link in content that outlives its page for a moment (a Suspend's rows
    // while the route changes) still hears the move, after its href has been disposed.
    let current = move || {
        href.try_with(|href| {
            !href.contains('?')
                && router.place.try_with(|place| {
                    place
                        .path
                        .strip_prefix(href.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                }) == Some(true)
        })
        .unwrap_or(false)
        .then_some("page")
    };
    view! { <a href=move || href.try_with(|href| router.href(href)) aria-current=current>{children()}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_absolute_without_fragment_or_trailing_slash() {
        assert_eq!(
            Place::parse("/users/managed/?q=chen#top"),
            Place {
                path: "/users/managed".into(),
                query: "q=chen".into()
            }
        );
        assert_eq!(Place::parse("").path, "/");
        assert_eq!(Place::parse("accounts").href(), "/accounts");
        assert_eq!(Place::parse("/audit?actor=x").href(), "/audit?actor=x");
    }

    #[test]
    fn only_paths_under_the_base_are_the_consoles() {
        assert_eq!(
            under_base("/settings/users/accounts", "/settings/users").as_deref(),
            Some("/accounts")
        );
        assert_eq!(
            under_base("/settings/users", "/settings/users").as_deref(),
            Some("/")
        );
        assert_eq!(
            under_base("/settings/users/", "/settings/users").as_deref(),
            Some("/")
        );
        assert_eq!(
            under_base("/settings/usersx/accounts", "/settings/users"),
            None
        );
        assert_eq!(under_base("/billing", "/settings/users"), None);
        assert_eq!(under_base("/users/7", "").as_deref(), Some("/users/7"));
    }

    #[derive(serde::Deserialize, Debug, Default, PartialEq)]
    struct Query {
        q: Option<String>,
        page: Option<u32>,
    }

    #[test]
    fn queries_read_typed_with_the_first_of_repeated_names() {
        assert_eq!(
            typed_query::<Query>("q=ma+ya%20c&page=2"),
            Query {
                q: Some("ma ya c".into()),
                page: Some(2)
            }
        );
        assert_eq!(
            typed_query::<Query>("q=a&q=b&page=3&page=4&other=x"),
            Query {
                q: Some("a".into()),
                page: Some(3)
            }
        );
        // A value the query does not take loses only itself.
        assert_eq!(
            typed_query::<Query>("q=a&page=x"),
            Query {
                q: Some("a".into()),
                page: None
            }
        );
        assert_eq!(
            typed_query::<Query>("page=-1&q=chen"),
            Query {
                q: Some("chen".into()),
                page: None
            }
        );
        assert_eq!(
            query_pairs("next=%2Fusers%3Fq%3Dx")
                .first()
                .map(|p| p.1.as_str()),
            Some("/users?q=x")
        );
    }

    #[test]
    fn patterns_match_whole_paths_and_name_their_segments() {
        let params = match_pattern("/accept/:token", "/accept/a%2Fb").unwrap();
        assert_eq!(params.get("token").as_deref(), Some("a/b"));
        assert_eq!(params.get("id"), None);
        assert!(match_pattern("/users", "/users").is_some());
        assert!(match_pattern("/", "/").is_some());
        assert!(match_pattern("/users/:key", "/users").is_none());
        assert!(match_pattern("/users/:key", "/users/7/more").is_none());
        assert!(match_pattern("/invite", "/import").is_none());
        assert!(
            match_pattern("/", &Place::default().path).is_none(),
            "nowhere is no route"
        );
    }
}
