use leptos::prelude::*;

use crate::config::Theme;
use crate::router::{use_router, A};

/// The console frame: a skip link, the header with the organization's name, the main navigation,
/// and the page in a <main> landmark.
#[component]
pub fn Shell(
    /// The organization's name once known.
    #[prop(into)]
    org_name: Signal<Option<String>>,
    /// Who is signed in; None shows no account controls.
    #[prop(into)]
    user_name: Signal<Option<String>>,
    /// Whether to offer the management pages (Owners and Administrators only).
    #[prop(into)]
    show_nav: Signal<bool>,
    /// Whether to offer the Owners' pages (API tokens, Provisioning).
    #[prop(into)]
    is_owner: Signal<bool>,
    /// Signing out, and the account's own pages, when Roster signs people in itself. None when an
    /// embedding host does: its own controls do that.
    on_sign_out: Option<Callback<()>>,
    /// Why the last sign-out did not happen, shown beside its button.
    #[prop(into)]
    sign_out_failure: Signal<Option<String>>,
    /// The colours in use.
    theme: RwSignal<Theme>,
    /// Whether to offer the theme switch (Roster's own page; a host sets the theme itself).
    theme_switch: bool,
    /// While the session is being checked, the header and page wait, to appear together in their
    /// final places (nothing the admin sees moves as they arrive).
    #[prop(into)]
    checking: Signal<bool>,
    children: ChildrenFn,
) -> impl IntoView {
    let router = use_router();
    let users_current =
        Memo::new(move |_| router.with_place(|place| place.path.starts_with("/users/")));
    let main = NodeRef::<leptos::html::Main>::new();
    crate::dom::keep_focus_across_redraws(main);
    let path = Memo::new(move |_| router.with_place(|place| place.path.clone()));
    crate::dom::focus_new_page_heading(path, main);
    view! {
        <div class="roster-shell" class:roster-shell--checking=move || checking.get() data-theme=move || theme.get().name()>
            <a class="roster-skip-link" href="#roster-main">"Skip to content"</a>
            <header class="roster-header" part="header">
                <div class="roster-header__brand">
                    <span class="roster-header__product">"Roster"</span>
                    <span class="roster-header__org">{move || org_name.get().unwrap_or_default()}</span>
                </div>
                <Show when=move || show_nav.get()>
                    <nav class="roster-nav" part="nav" aria-label="Main">
                        // Not <A>: "Users" is current on the lists (/users/...) and on a user (/user/...),
                        // which no single href prefix covers. The router still handles the click.
                        <a href=router.href("/users/managed")
                            aria-current=move || users_current.get().then_some("page")>"Users"</a>
                        <A href="/accounts">"Accounts"</A>
                        <A href="/domains">"Domains"</A>
                        <A href="/audit">"Audit log"</A>
                        <Show when=move || is_owner.get()>
                            <A href="/tokens">"API tokens"</A>
                            <A href="/provisioning">"Provisioning"</A>
                        </Show>
                    </nav>
                </Show>
                {move || user_name.get().map(|name| view! {
                    <div class="roster-account">
                        <span class="roster-account__name">{name}</span>
                        {on_sign_out.map(|on_sign_out| view! {
                            <A href="/account/password">"Password"</A>
                            <A href="/account/two-factor">"Two-factor"</A>
                            <button type="button" class="roster-button roster-button--quiet" on:click=move |_| on_sign_out.run(())>
                                "Sign out"
                            </button>
                            {move || sign_out_failure.get().map(|message| view! { <span class="roster-error" role="alert">{message}</span> })}
                        })}
                    </div>
                })}
                {theme_switch.then(|| view! {
                    <label class="roster-theme">
                        "Theme "
                        <select on:change=move |ev| {
                            if let Some(chosen) = Theme::from_name(&event_target_value(&ev)) {
                                theme.set(chosen);
                            }
                        }>
                            {Theme::ALL.into_iter().map(|option| view! {
                                <option value=option.name() selected=move || theme.get() == option>{option.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
            </header>
            {move || checking.get().then(|| view! {
                <p class="roster-loading roster-loading--session" role="status">"Checking your session…"</p>
            })}
            <main id="roster-main" class="roster-main" part="main" tabindex="-1" node_ref=main>
                <Show when=move || !checking.get()>{children()}</Show>
            </main>
        </div>
    }
}
