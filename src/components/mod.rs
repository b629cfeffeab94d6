//! Presentational components: they take props and callbacks and never fetch.

mod bulk_bar;
mod copy_button;
mod dead_end;
mod dialog;
mod domain_card;
mod error_panel;
mod invitation_table;
mod leave_fields;
mod member_notice;
mod paged_table;
mod pager;
mod role_picker;
mod search_box;
mod shell;
mod tabs;
mod text_field;
mod user_filters;
mod user_table;

pub use bulk_bar::{selection_count, BulkActions, BulkProgress, BulkRun, BulkRuns, SelectionBar};
pub use copy_button::CopyButton;
pub use dead_end::{DeadEnd, SignInLink};
pub use dialog::Dialog;
pub use domain_card::DomainCard;
pub use error_panel::{ErrorPanel, FailureBoundary};
pub use invitation_table::{expiry, InvitationAction, InvitationTable};
pub use leave_fields::{ConsequenceChecklist, LeaveHint, OwnerSelect};
pub use member_notice::MemberNotice;
pub use paged_table::{PagedTable, TableHeader};
pub use pager::Pager;
pub use role_picker::{role_input_id, use_missing_role, RolePicker};
pub use search_box::SearchBox;
pub use shell::Shell;
pub use tabs::{Tab, TabList};
pub use text_field::TextField;
pub use user_filters::{
    ColumnPicker, UserFilterBar, COLUMN_PANEL_ID, FILTERS_BUTTON_ID, FILTER_PANEL_ID,
};
pub use user_table::{external_removal_key, SortState, UserTable};

/// Escape in an inline question (revoke, remove, import) answers Cancel, as it closes a dialog.
pub fn cancel_on_escape(cancel: impl Fn() + 'static) -> impl Fn(leptos::ev::KeyboardEvent) {
    move |ev| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            cancel();
        }
    }
}

/// How long after an inline question appears a key press on its Confirm is still taken for the
/// hurried second press of the one that asked (a double Enter), not for an answer.
pub const CONFIRM_SETTLE_MS: f64 = 400.0;

/// The click handler of an inline question's Confirm, made when the question is drawn: a click
/// from the keyboard (`detail` 0) sooner than [`CONFIRM_SETTLE_MS`] after is ignored, so that
/// pressing Enter twice on "Suspend" does not answer the question focus moved to; a pointer's
/// click always answers.
pub fn deliberate_confirm(confirm: impl Fn() + 'static) -> impl Fn(leptos::ev::MouseEvent) {
    let shown = js_sys::Date::now();
    move |ev| {
        if ev.detail() != 0 || js_sys::Date::now() - shown >= CONFIRM_SETTLE_MS {
            confirm();
        }
    }
}
