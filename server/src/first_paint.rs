//! The first paint: for a signed-in admin's page load of the Managed list, the list's first page
//! written into the page itself (`templates/first_paint.html`), so the rows are painted as soon as
//! the HTML and the stylesheet arrive, while the app downloads. It is a picture of the app's own
//! page in its places (the same elements and classes, no ids, `inert`): the app mounts behind it,
//! hidden, and takes it away once it has the same to show (`end_first_paint` in src/dom.rs).

use std::collections::BTreeSet;

use askama::Template;
use axum::http::{header, HeaderMap};
use cookie::Cookie;
use roster_model::human_format::{calendar_date, count_at_least, tally};
use roster_model::view_settings::{
    hidden_columns, user_table_class, utc_offset_minutes, HIDDEN_COLUMNS_KEY, THEME_KEY,
    UTC_OFFSET_KEY,
};
use roster_model::{
    FirstRead, OrgRole, Page, Theme, Timestamp, UserFilters, UserListRequest, UserStatus,
    UserSummary, UserView, ViewCounts,
};
use serde::Serialize;

use crate::authz::Caller;
use crate::error::AppResult;
use crate::ops;
use crate::state::AppState;
use crate::store::UserListParams;

/// How the admin's browser shows the console: the view settings the app keeps in cookies on its
/// own page (`roster_model::view_settings`); the defaults where there are none (UTC for dates).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ViewSettings {
    theme: Theme,
    hidden_columns: BTreeSet<String>,
    utc_offset_minutes: i32,
}

impl ViewSettings {
    /// The settings in a request's cookies; a value not known is left at its default.
    pub fn of_request(headers: &HeaderMap) -> Self {
        let mut settings = ViewSettings::default();
        let cookies = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok);
        for cookie in cookies {
            match cookie.name() {
                THEME_KEY => settings.theme = Theme::from_name(cookie.value()).unwrap_or_default(),
                HIDDEN_COLUMNS_KEY => settings.hidden_columns = hidden_columns(cookie.value()),
                UTC_OFFSET_KEY => {
                    settings.utc_offset_minutes = utc_offset_minutes(cookie.value()).unwrap_or(0);
                }
                _ => {}
            }
        }
        settings
    }
}

/// The Managed list's first page for `caller` (an Owner or Administrator), drawn with the admin's
/// view settings, to go at the start of the page's body.
pub async fn managed_list(
    state: &AppState,
    caller: &Caller,
    settings: &ViewSettings,
) -> AppResult<String> {
    let first = UserListRequest::first_page(UserView::Managed);
    let params = UserListParams {
        view: first.view,
        search: None,
        sort: first.sort,
        dir: first.dir,
        cursor: None,
        limit: first.limit,
        filters: UserFilters::default(),
    };
    let now = state.clock.now();
    let no_filters = UserFilters::default();
    let (organization, page, counts) = tokio::try_join!(
        ops::organization(state, caller.org_id),
        async { Ok(state.store.list_users(caller.org_id, &params, now).await?) },
        async {
            Ok(state
                .store
                .view_counts(caller.org_id, &no_filters, now)
                .await?)
        },
    )?;
    let painted = ManagedListPage::new(
        &organization.name,
        caller,
        settings,
        &page,
        &counts,
        first.limit,
    );
    // Rendering values into a template cannot fail; if it ever did, the page goes without.
    Ok(painted.render().unwrap_or_default())
}

#[derive(Template)]
#[template(path = "first_paint.html")]
struct ManagedListPage<'a> {
    theme: &'static str,
    themes: [(&'static str, &'static str, bool); 3],
    table_class: String,
    org_name: &'a str,
    /// Who it is drawn for, in which organization: the app takes nothing from it for anyone else
    /// (`FirstRead::FOR_ATTRIBUTE`).
    drawn_for: String,
    user_name: &'a str,
    is_owner: bool,
    tabs: Vec<TabCount>,
    description: &'static str,
    summary: String,
    rows: Vec<Row>,
    pages: String,
    next_href: Option<String>,
    /// The answers of the list's first reads, each with its name, as JSON fit to stand in a
    /// `<script>` element: the app takes them instead of asking (`dom::take_first_read`).
    first_reads: Vec<(&'static str, String)>,
}

struct TabCount {
    label: &'static str,
    href: String,
    count: String,
    selected: bool,
}

/// A row of the Managed tab, as `cells` in src/components/user_table.rs writes it.
struct Row {
    name: String,
    href: String,
    suspended: Option<&'static str>,
    email: String,
    role: &'static str,
    two_factor: &'static str,
    accounts: u32,
    joined: String,
    last_sign_in: String,
}

impl<'a> ManagedListPage<'a> {
    fn new(
        org_name: &'a str,
        caller: &'a Caller,
        settings: &ViewSettings,
        page: &Page<UserSummary>,
        counts: &ViewCounts,
        page_size: u32,
    ) -> Self {
        let tabs = UserView::ALL
            .into_iter()
            .map(|view| TabCount {
                label: view.label(),
                href: format!("/users/{}", view.as_str()),
                count: tally(counts.get(view), counts.at_least(view)),
                selected: view == UserView::Managed,
            })
            .collect();
        let rows = page
            .items
            .iter()
            .map(|user| Row {
                name: user.display_name(),
                href: format!("/users/{}", user.id),
                suspended: (user.status == UserStatus::Disabled)
                    .then(|| UserStatus::Disabled.label()),
                email: user.email.clone(),
                role: user.org_role.map(OrgRole::label).unwrap_or("—"),
                two_factor: user.two_factor.label(),
                accounts: user.account_count,
                joined: optional_date(user.joined_at, settings.utc_offset_minutes),
                last_sign_in: optional_date(user.last_sign_in_at, settings.utc_offset_minutes),
            })
            .collect();
        let pages = page.total.div_ceil(u64::from(page_size)).max(1);
        Self {
            theme: settings.theme.name(),
            themes: Theme::ALL.map(|theme| (theme.name(), theme.label(), theme == settings.theme)),
            table_class: user_table_class(&settings.hidden_columns),
            org_name,
            drawn_for: FirstRead::drawn_for(caller.user_id, caller.org_id),
            user_name: &caller.name,
            is_owner: caller.role == OrgRole::Owner,
            tabs,
            description: UserView::Managed.description(),
            summary: count_at_least(page.total, page.total_capped, "user", "users"),
            rows,
            pages: tally(pages, page.total_capped),
            next_href: page
                .next_cursor
                .as_ref()
                .map(|cursor| format!("/users/managed?cursor={cursor}&page=2")),
            first_reads: vec![
                (FirstRead::Users.name(), script_json(page)),
                (FirstRead::Counts.name(), script_json(counts)),
            ],
        }
    }
}

/// `value` as the API answers it (JSON), to stand as the text of a `<script>` element: a `<` only
/// occurs inside a string there, where `\u003c` means the same, so no `</script>` or `<!--` in a
/// name can end the element or change how it is read.
fn script_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}

/// A date as the app spells it, in the browser's time zone as its offset from UTC is now (a date
/// on the other side of a daylight-saving change may be an hour off; the app writes its own a
/// moment later).
fn optional_date(at: Option<Timestamp>, utc_offset_minutes: i32) -> String {
    let local = at.map(|at| at - i64::from(utc_offset_minutes) * 60);
    let Some(date) = local.and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok()) else {
        return "—".to_owned();
    };
    calendar_date(
        date.year(),
        u32::from(u8::from(date.month())) - 1,
        u32::from(date.day()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn view_settings_come_from_the_cookies_the_app_keeps() {
        let mut headers = HeaderMap::new();
        assert_eq!(ViewSettings::of_request(&headers), ViewSettings::default());
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("roster_session=x; roster-theme=dark"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static(
                "roster-hidden-columns=joined.<b>.accounts; roster-utc-offset=480",
            ),
        );
        let settings = ViewSettings::of_request(&headers);
        assert_eq!(settings.theme, Theme::Dark);
        assert_eq!(settings.utc_offset_minutes, 480);
        assert_eq!(
            settings
                .hidden_columns
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["accounts", "joined"]
        );
        let mut unknown = HeaderMap::new();
        unknown.insert(
            header::COOKIE,
            HeaderValue::from_static("roster-theme=\"><x; roster-utc-offset=99999"),
        );
        assert_eq!(ViewSettings::of_request(&unknown), ViewSettings::default());
    }

    #[test]
    fn dates_are_spelled_in_the_browsers_time_zone() {
        // 2026-11-26 03:30 UTC: still the 25th in California (UTC-8), the 26th in India (UTC+5:30).
        let at = Some(1_795_663_800);
        assert_eq!(optional_date(at, 0), "Nov 26, 2026");
        assert_eq!(optional_date(at, 480), "Nov 25, 2026");
        assert_eq!(optional_date(at, -330), "Nov 26, 2026");
        assert_eq!(optional_date(None, 480), "—");
    }
}
