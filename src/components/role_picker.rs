use crate::reactive::effect;
use leptos::prelude::*;
use roster_model::{AccountRole, RoleSet};

/// The id of `role`'s checkbox in the picker whose ids start with `picker`.
pub fn role_input_id(picker: &str, role: AccountRole) -> String {
    format!("{picker}-{}", role.label().to_lowercase().replace(' ', "-"))
}

/// What an editor of account access says once a Next or Save was refused (`asked`) for accounts
/// without a role: "Choose at least one role on X and Y, or remove them." of those still without
/// one (`without_role` answers their names), nothing once none lacks one. `asked` is then taken
/// back, so that an account added later is not told before it is asked again.
pub fn use_missing_role(
    asked: RwSignal<bool>,
    without_role: impl Fn() -> Vec<String> + Copy + 'static,
) -> impl Fn() -> Option<String> + Copy + 'static {
    effect(move || {
        if asked.get() && without_role().is_empty() {
            asked.set(false);
        }
    });
    move || {
        let names = asked.get().then(without_role).unwrap_or_default();
        let them = if names.len() == 1 { "it" } else { "them" };
        (!names.is_empty()).then(|| {
            format!(
                "Choose at least one role on {}, or remove {them}.",
                roster_model::human_format::and_list(&names)
            )
        })
    }
}

/// The account roles of one account as checkboxes. Roles combine, except that ticking
/// Administrator clears Developer and Billing Manager — it already holds their permissions — and
/// the picker says so while it is ticked.
#[component]
pub fn RolePicker(
    /// Unique prefix for the inputs' ids.
    #[prop(into)]
    id: String,
    /// What the roles are for, e.g. the account's name.
    #[prop(into)]
    legend: String,
    #[prop(into)] roles: Signal<RoleSet>,
    on_change: Callback<RoleSet>,
) -> impl IntoView {
    let note_id = format!("{id}-note");
    let boxes = AccountRole::ALL
        .into_iter()
        .map(|role| {
            let input_id = role_input_id(&id, role);
            let implied =
                move || role.implied_by_administrator() && roles.get().contains(AccountRole::Administrator);
            let described_by = role.implied_by_administrator().then(|| note_id.clone());
            view! {
                <span class="roster-role">
                    <input type="checkbox" id=input_id.clone() class="roster-checkbox"
                        prop:checked=move || roles.get().contains(role)
                        disabled=implied
                        aria-describedby=described_by
                        on:change=move |ev| on_change.run(roles.get_untracked().with(role, event_target_checked(&ev))) />
                    <label for=input_id>{role.label()}</label>
                </span>
            }
        })
        .collect_view();
    view! {
        <fieldset class="roster-role-picker">
            <legend>{legend}</legend>
            <div class="roster-role-picker__roles">{boxes}</div>
            <p id=note_id class="roster-muted roster-role-picker__note">
                {move || roles.get().contains(AccountRole::Administrator).then_some(
                    "Administrator already includes every permission of Developer and Billing Manager, so those are cleared."
                )}
            </p>
        </fieldset>
    }
}
