use leptos::prelude::*;
use roster_model::{AccountRef, UserSummary};

use crate::api::ApiClient;
use crate::components::{external_removal_key, Dialog};
use crate::reactive::{effect, local_action};

/// Confirms and takes away an external user's access to one account, or to all of the
/// organization's accounts (account None). `on_done` gets the sentence to announce, and the focus
/// key of the control that asked ([`external_removal_key`]).
#[component]
pub fn RemoveExternalAccessDialog(
    removing: RwSignal<Option<(UserSummary, Option<AccountRef>)>>,
    on_done: Callback<(String, String)>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let error = RwSignal::new(None::<String>);
    let remove = local_action(move |(user, account): &(UserSummary, Option<AccountRef>)| {
        let (user, account) = (user.clone(), account.clone());
        async move {
            let result = match &account {
                Some(account) => api.remove_account_access(account.id, user.id).await,
                None => api.remove_external_access(user.id).await,
            };
            let done = match &account {
                Some(account) => format!(
                    "{} no longer has access to {}.",
                    user.display_name(),
                    account.name
                ),
                None => format!(
                    "{} no longer has access to any of the organization's accounts.",
                    user.display_name()
                ),
            };
            let focus_key = external_removal_key(user.id, account.as_ref().map(|a| a.id));
            result.map(|()| (done, focus_key))
        }
    });
    effect(move || match remove.result() {
        Some(Ok(done)) => {
            removing.set(None);
            error.set(None);
            on_done.run(done);
        }
        Some(Err(failure)) => error.set(Some(failure.message())),
        None => {}
    });
    let open = Signal::derive(move || removing.with(Option::is_some));
    let close = Callback::new(move |()| {
        removing.set(None);
        error.set(None);
    });
    view! {
        <Dialog id="roster-external-remove" title="Remove access" open=open on_close=close>
            {move || removing.get().map(|(user, account)| {
                let question = match &account {
                    Some(account) => format!("{} will no longer be able to use {}.", user.display_name(), account.name),
                    None => format!(
                        "{} will no longer be able to use any of the organization's accounts ({}), and leaves the External list. Invitations to its accounts still waiting for them are withdrawn.",
                        user.display_name(),
                        user.access.iter().map(|a| a.account.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                };
                let target = (user.clone(), account.clone());
                view! {
                    <p>{question}</p>
                    <p class="roster-error" role="alert">{move || error.get()}</p>
                    <div class="roster-form__actions">
                        <button type="button" class="roster-button roster-button--danger" disabled=move || remove.pending().get()
                            on:click=move |_| { remove.dispatch(target.clone()); }>"Remove access"</button>
                        <button type="button" class="roster-button roster-button--quiet" on:click=move |_| close.run(())>"Cancel"</button>
                    </div>
                }
            })}
        </Dialog>
    }
}
