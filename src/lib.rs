//! Roster's console: a Leptos client-side app. `main.rs` mounts it on the standalone page;
//! hosts that embed it call [`mount`] with their own element and configuration.

pub mod api;
pub mod components;
pub mod config;
pub mod dom;
pub mod draft;
pub mod events;
pub mod form;
pub mod format;
pub mod list;
pub mod pages;
pub mod reactive;
pub mod router;
pub mod session;
pub mod split;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::api::ApiClient;
use crate::components::{MemberNotice, Shell};
pub use crate::config::AppConfig;
use crate::events::HostEvents;
use crate::pages::{LoginPage, NotFound, UserRedirect, UsersRoute};
use crate::reactive::{effect, local_action, local_resource};
use crate::router::{NavigateOptions, Redirect, Router, Routes};
use crate::session::{Access, SessionState};
use crate::split::lazy_page;
use roster_model::OrgRole;

/// The whole console. All it depends on arrives in `config` and `router` (started for this
/// mount by [`Router::start`]); nothing is global.
#[component]
pub fn App(config: AppConfig, router: Router) -> impl IntoView {
    provide_context(router);
    // The host hears where the console starts once it is in place; later moves as they happen.
    effect(move || router.announce_place());
    // The server's first paint shows the Managed list: anywhere else, the app shows at once.
    effect(move || {
        if !router
            .with_place(|place| matches!(place.path.as_str(), "/" | "/users" | "/users/managed"))
        {
            dom::end_first_paint();
        }
    });
    let session = SessionState::new();
    provide_context(session);
    let events = HostEvents::of_this_mount();
    provide_context(events.clone());
    let api = ApiClient::new(config.api_base.clone())
        .with_tokens(config.get_token.clone())
        .on_unauthorized(Callback::new(move |()| session.session_ended()));
    provide_context(api);
    provide_context(config.clone());
    let bulk_runs = crate::components::BulkRuns::new();
    provide_context(bulk_runs);
    // Bulk runs outlive their pages, not their person: another one signed in (or nobody) ends
    // them. A session that ended and is taken up again by the same person keeps them.
    let person = Memo::new(move |_| session.me().map(|me| (me.user.id, me.organization.id)));
    Effect::new(move |before: Option<Option<(i64, i64)>>| {
        let now = person.get();
        if before.flatten().is_some_and(|before| Some(before) != now) {
            bulk_runs.end_all();
        }
        now
    });
    let check = local_resource(move || async move { api.session().await });
    effect(move || match check.get() {
        Some(Ok(me)) => {
            if !me.manages_users
                || me.must_enrol_two_factor
                || !dom::first_paint_is_for(me.user.id, me.organization.id)
            {
                dom::end_first_paint();
            }
            session.signed_in(me);
        }
        Some(Err(_)) => {
            session.signed_out();
            dom::end_first_paint();
        }
        None => {}
    });
    // The host hears once each time its person is found signed out: at the first check, or when
    // its tokens stop being accepted.
    if config.host_signs_in() {
        let signed_out = Memo::new(move |_| session.access() == Access::SignedOut);
        effect(move || {
            if signed_out.get() {
                events.emit("signed-out", &[]);
            }
        });
    }

    view! { <Console /> }
}

/// Roster's pages, one for each path pattern of [`ROUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Login,
    Accept,
    PasswordReset,
    Home,
    Users,
    UserList,
    Invite,
    InviteStep,
    UserRedirect,
    Accounts,
    AccountAccess,
    Import,
    Domains,
    Audit,
    Tokens,
    Provisioning,
    TwoFactor,
    ChangePassword,
}

const ROUTES: &[(&str, Route)] = &[
    ("/login", Route::Login),
    ("/accept/:token", Route::Accept),
    ("/password/:token", Route::PasswordReset),
    ("/", Route::Home),
    ("/users", Route::Users),
    ("/users/:key", Route::UserList),
    ("/invite", Route::Invite),
    ("/invite/:step", Route::InviteStep),
    ("/user/:id", Route::UserRedirect),
    ("/accounts", Route::Accounts),
    ("/accounts/:id", Route::AccountAccess),
    ("/import", Route::Import),
    ("/domains", Route::Domains),
    ("/audit", Route::Audit),
    ("/tokens", Route::Tokens),
    ("/provisioning", Route::Provisioning),
    ("/account/two-factor", Route::TwoFactor),
    ("/account/password", Route::ChangePassword),
];

fn page(route: Route) -> AnyView {
    match route {
        Route::Login => view! { <LoginPage /> }.into_any(),
        Route::Accept => lazy_page(pages::accept_page).into_any(),
        Route::PasswordReset => lazy_page(pages::password_reset_page).into_any(),
        Route::Home | Route::Users => view! { <Redirect path="/users/managed" /> }.into_any(),
        Route::UserList => view! { <Protected><UsersRoute /></Protected> }.into_any(),
        Route::Invite => view! { <Redirect path="/invite/accounts" /> }.into_any(),
        Route::InviteStep => {
            view! { <Protected>{lazy_page(pages::invite_page)}</Protected> }.into_any()
        }
        Route::UserRedirect => view! { <UserRedirect /> }.into_any(),
        Route::Accounts => {
            view! { <Protected>{lazy_page(pages::accounts_page)}</Protected> }.into_any()
        }
        Route::AccountAccess => {
            view! { <Protected>{lazy_page(pages::account_access_page)}</Protected> }.into_any()
        }
        Route::Import => {
            view! { <Protected>{lazy_page(pages::import_page)}</Protected> }.into_any()
        }
        Route::Domains => {
            view! { <Protected>{lazy_page(pages::domains_page)}</Protected> }.into_any()
        }
        Route::Audit => view! { <Protected>{lazy_page(pages::audit_page)}</Protected> }.into_any(),
        Route::Tokens => {
            view! { <Protected>{lazy_page(pages::tokens_page)}</Protected> }.into_any()
        }
        Route::Provisioning => {
            view! { <Protected>{lazy_page(pages::scim_page)}</Protected> }.into_any()
        }
        Route::TwoFactor => {
            view! { <Protected members=true>{lazy_page(pages::two_factor_page)}</Protected> }
                .into_any()
        }
        Route::ChangePassword => {
            view! { <Protected members=true>{lazy_page(pages::change_password_page)}</Protected> }
                .into_any()
        }
    }
}

/// The shell and the routes.
#[component]
fn Console() -> impl IntoView {
    let session = expect_context::<SessionState>();
    let api = expect_context::<ApiClient>();
    let config = expect_context::<AppConfig>();
    let host_signs_in = config.host_signs_in();
    let standalone = config.standalone;
    let initial_theme = config.theme;
    let router = expect_context::<Router>();
    let sign_out = local_action(move |()| async move { api.sign_out().await });
    let sign_out_failure = RwSignal::new(None::<String>);
    effect(move || match sign_out.result() {
        Some(Ok(())) => {
            sign_out_failure.set(None);
            draft::clear_drafts(&config);
            session.signed_out();
            router.show("/login", NavigateOptions::default());
        }
        // The session may still be live on the server (offline, a server error): showing the
        // sign-in page would leave it to the next person at this computer.
        Some(Err(failure)) => sign_out_failure.set(Some(format!(
            "You are still signed in: {}",
            failure.message()
        ))),
        None => {}
    });
    let theme = RwSignal::new(if standalone {
        config::stored_theme().unwrap_or(initial_theme)
    } else {
        initial_theme
    });
    if standalone {
        effect(move || config::store_theme(theme.get()));
        config::store_utc_offset();
    }
    let org_name = Signal::derive(move || session.me().map(|me| me.organization.name));
    let user_name = Signal::derive(move || session.me().map(|me| me.user.name));
    let show_nav = Signal::derive(move || session.access() == Access::Manager);
    let checking = Memo::new(move |_| session.access() == Access::Checking);
    // A host that signs people in owns their account controls; API tokens are made in Roster's own
    // console only (the server refuses them to a host's sign-in).
    let is_owner = Signal::derive(move || {
        !host_signs_in
            && session
                .me()
                .is_some_and(|me| me.role == OrgRole::Owner && !me.must_enrol_two_factor)
    });
    let on_sign_out = (!host_signs_in).then(|| {
        Callback::new(move |()| {
            sign_out.dispatch(());
        })
    });

    view! {
        <Shell org_name=org_name user_name=user_name show_nav=show_nav is_owner=is_owner on_sign_out=on_sign_out sign_out_failure=sign_out_failure theme=theme theme_switch=standalone checking=checking>
            <Routes routes=ROUTES page=page fallback=|| view! { <NotFound /> }.into_any() />
        </Shell>
    }
}

/// Shows its page to Owners and Administrators (and to Members too with `members`); sends everyone
/// else to sign in (and back here after), or tells a Member why there is nothing for them. A
/// required two-factor enrolment comes before any page.
#[component]
fn Protected(#[prop(optional)] members: bool, children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<SessionState>();
    let host_signs_in = use_context::<AppConfig>().is_some_and(|config| config.host_signs_in());
    let router = expect_context::<Router>();
    let access = Memo::new(move |_| session.access());
    move || {
        match access.get() {
        // The host signs people in: Roster's sign-in page is not theirs to use.
        Access::SignedOut if host_signs_in => view! {
            <div class="roster-panel" role="alert">
                <h1>"Signed out"</h1>
                <p>"You are signed out of the console around Roster. Sign in there, then come back to this page."</p>
            </div>
        }
        .into_any(),
        // The shell says the session is being checked, and shows no page until it is.
        Access::Checking => ().into_any(),
        Access::SignedOut => {
            let here = untrack(|| router.place());
            if here.path.starts_with("/login") {
                // Already on the way to sign-in (signing out navigates there itself).
                return ().into_any();
            }
            let here = here.href();
            let mut target = format!(
                "/login?next={}",
                String::from(js_sys::encode_uri_component(&here))
            );
            if session.ended() {
                target.push_str("&expired=1");
            }
            view! { <Redirect path=target /> }.into_any()
        }
        Access::MustEnrolTwoFactor => lazy_page(pages::required_two_factor_page).into_any(),
        Access::Member if members => children().into_any(),
        Access::Member => {
            let org = session
                .me()
                .map(|me| me.organization.name)
                .unwrap_or_default();
            view! { <MemberNotice org_name=org /> }.into_any()
        }
        Access::Manager => children().into_any(),
    }
    }
}

/// A mounted instance; `unmount()` removes it and releases everything it held.
#[wasm_bindgen]
pub struct MountHandle {
    mounted: Option<Box<dyn std::any::Any>>,
    /// The owner above the mount's own, which holds the router and its listeners: cleaned up
    /// explicitly, as nothing else would.
    owner: Option<Owner>,
    router: Option<Router>,
}

#[wasm_bindgen]
impl MountHandle {
    pub fn unmount(&mut self) {
        // Dropping Leptos's UnmountHandle removes the view; cleaning the owner ends the rest.
        self.router.take();
        self.mounted.take();
        if let Some(owner) = self.owner.take() {
            owner.cleanup();
        }
    }

    /// Shows `path` (an app path such as "/users/invited"); announced as `roster:navigate`.
    pub fn navigate(&self, path: &str) {
        if let Some(router) = self.router {
            router.show(path, router::NavigateOptions::default());
        }
    }
}

/// Mounts Roster into `element`. `config` is `{ apiBase, routerBase, routing, initialPath,
/// manageTitle, theme, getToken }`; missing keys take the standalone defaults. `routing` is
/// "path" (the route in the browser's URL under `routerBase`) or "memory" (in the console alone,
/// starting at `initialPath`). `getToken` (a function answering a Promise of a bearer token) makes
/// the host the one who signs people in. Each call is independent: the same page may mount
/// Roster twice.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, config: JsValue) -> Result<MountHandle, JsError> {
    let mut parsed: AppConfig = if config.is_undefined() || config.is_null() {
        AppConfig::default()
    } else {
        serde_wasm_bindgen::from_value(config.clone())
            .map_err(|e| JsError::new(&format!("Roster configuration: {e}")))?
    };
    if config.is_object() {
        let get_token = js_sys::Reflect::get(&config, &"getToken".into()).unwrap_or_default();
        if !get_token.is_undefined() && !get_token.is_null() {
            let function = get_token
                .dyn_into::<js_sys::Function>()
                .map_err(|_| JsError::new("Roster configuration: getToken must be a function"))?;
            parsed.get_token = Some(config::TokenSource::new(function));
        }
    }
    let config = parsed;
    let config = config.normalized();
    let point = dom::MountPoint(send_wrapper::SendWrapper::new(element.clone().into()));
    let owner = Owner::new();
    let (handle, router) = owner.with(|| {
        provide_context(point);
        let router = Router::start(&config);
        let handle = leptos::mount::mount_to(
            element,
            move || view! { <App config=config router=router /> },
        );
        (handle, router)
    });
    Ok(MountHandle {
        mounted: Some(Box::new(handle)),
        owner: Some(owner),
        router: Some(router),
    })
}
