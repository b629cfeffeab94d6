//! `/users`: the tabs of the user-management page (Managed, External, Invited, Imported) with
//! their filters, their counts, "select all matching", CSV export, and one user's page.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use roster_model::{
    version_tag, AccountRole, LastSignIn, OrgRole, Page, SortDir, SortField, TwoFactorState,
    UserDetail, UserFilter, UserFilters, UserIds, UserStatus, UserSummary, UserView, ViewCounts,
    MAX_SELECT_ALL,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{self, Json, Query, UserId};
use super::openapi::Errors;
use crate::authz::Manager;
use crate::error::AppResult;
use crate::ops::{export, user_filters};
use crate::state::AppState;
use crate::store::UserListParams;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(counts))
        .routes(routes!(ids))
        .routes(routes!(export))
}

/// Declares a query of the user lists: the fields given, then the filters every list query
/// takes (serde's `flatten` cannot be combined with refusing unknown parameters).
macro_rules! user_list_query {
    ($(#[$doc:meta])* struct $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Deserialize, IntoParams)]
        #[into_params(parameter_in = Query)]
        #[serde(deny_unknown_fields)]
        struct $name {
            $($(#[$field_meta])* $field: $ty,)*
            /// Organization role of members: owner, administrator or member (nobody on the External and Invited tabs).
            #[param(value_type = Option<OrgRole>)]
            role: Option<String>,
            /// The id of one of the organization's accounts: people who can access it (own it or hold a role on it); on the Invited tab, whose invitation grants it.
            #[param(value_type = Option<i64>, minimum = 1)]
            account: Option<String>,
            /// A role held on `account`, or on any of the organization's accounts: administrator, developer, billing_manager or support (as held, not as implied by Administrator).
            #[param(value_type = Option<AccountRole>)]
            account_role: Option<String>,
            /// Two-factor sign-in: enrolled, pending (required, not set up) or off.
            #[param(value_type = Option<TwoFactorState>)]
            two_factor: Option<String>,
            /// active, disabled (suspended) or invited (has not chosen a password yet).
            #[param(value_type = Option<UserStatus>)]
            status: Option<String>,
            /// never, 30d or 90d (not signed in for 30 or 90 days, never included).
            #[param(value_type = Option<LastSignIn>)]
            last_sign_in: Option<String>,
        }

        impl $name {
            /// The filters asked for, each one checked.
            async fn filters(&self, state: &AppState, org_id: i64) -> AppResult<UserFilters> {
                let texts = [
                    (UserFilter::Role, &self.role),
                    (UserFilter::Account, &self.account),
                    (UserFilter::AccountRole, &self.account_role),
                    (UserFilter::TwoFactor, &self.two_factor),
                    (UserFilter::Status, &self.status),
                    (UserFilter::LastSignIn, &self.last_sign_in),
                ];
                user_filters::checked_filters(state, org_id, texts.map(|(f, t)| (f, t.as_deref()))).await
            }
        }
    };
}

user_list_query! {
    /// One page of a tab of the user-management page.
    struct UserListQuery {
        /// The tab: managed (default), external, invited or imported.
        #[param(value_type = Option<UserView>)]
        view: Option<String>,
        /// Text to find in names and emails (case does not matter; `Name <address>` looks for the address).
        #[param(max_length = 200)]
        q: Option<String>,
        /// name (default), email or date.
        #[param(value_type = Option<SortField>)]
        sort: Option<String>,
        /// asc (default) or desc.
        #[param(value_type = Option<SortDir>)]
        dir: Option<String>,
        /// A page's `next_cursor` or `prev_cursor`, under the same sort.
        #[param(pattern = "^[A-Za-z0-9_-]*$")]
        cursor: Option<String>,
        /// Rows per page, 1 to 200 (default 25).
        #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
        limit: Option<String>,
    }
}

user_list_query! {
    /// What "select all matching" selects.
    struct UserIdsQuery {
        /// The tab: managed (default), external, invited or imported.
        #[param(value_type = Option<UserView>)]
        view: Option<String>,
        /// Text to find in names and emails (`Name <address>` looks for the address).
        #[param(max_length = 200)]
        q: Option<String>,
    }
}

user_list_query! {
    /// The filters the tab counts are under.
    struct CountsQuery {}
}

user_list_query! {
    /// Everything a tab lists under its search, filters and sort.
    struct ExportQuery {
        /// The tab: managed (default), external, invited or imported.
        #[param(value_type = Option<UserView>)]
        view: Option<String>,
        /// Text to find in names and emails (`Name <address>` looks for the address).
        #[param(max_length = 200)]
        q: Option<String>,
        /// name (default), email or date.
        #[param(value_type = Option<SortField>)]
        sort: Option<String>,
        /// asc (default) or desc.
        #[param(value_type = Option<SortDir>)]
        dir: Option<String>,
    }
}

/// One page of a tab of the user-management page.
#[utoipa::path(get, path = "/users", tag = "users",
    params(UserListQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Page<UserSummary>), Errors))]
async fn list(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<UserListQuery>,
) -> AppResult<Json<Page<UserSummary>>> {
    let (sort, dir) = extract::sort(query.sort.as_deref(), query.dir.as_deref())?;
    let params = UserListParams {
        view: extract::view(query.view.as_deref())?,
        search: extract::search(query.q.as_deref())?,
        sort,
        dir,
        cursor: extract::cursor(query.cursor.as_deref(), sort, dir)?,
        limit: extract::limit(query.limit.as_deref())?,
        filters: query.filters(&state, caller.org_id).await?,
    };
    Ok(Json(
        state
            .store
            .list_users(caller.org_id, &params, state.clock.now())
            .await?,
    ))
}

/// How many users each tab lists, under the filters given: exact without filters (kept up to date
/// with every change); under filters each count stops at 10,000 and `capped` names the tabs where it
/// did.
#[utoipa::path(get, path = "/users/counts", tag = "users",
    params(CountsQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = ViewCounts), Errors))]
async fn counts(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<CountsQuery>,
) -> AppResult<Json<ViewCounts>> {
    let filters = query.filters(&state, caller.org_id).await?;
    let now = state.clock.now();
    Ok(Json(
        state
            .store
            .view_counts(caller.org_id, &filters, now)
            .await?,
    ))
}

/// Every user the view, search and filters match, up to 10,000: "select all matching" for bulk actions (on the Invited tab with their pending invitations, for resend and revoke).
#[utoipa::path(get, path = "/users/ids", tag = "users",
    params(UserIdsQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = UserIds), Errors))]
async fn ids(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<UserIdsQuery>,
) -> AppResult<Json<UserIds>> {
    let params = UserListParams {
        view: extract::view(query.view.as_deref())?,
        search: extract::search(query.q.as_deref())?,
        sort: SortField::Name,
        dir: SortDir::Asc,
        cursor: None,
        limit: 1,
        filters: query.filters(&state, caller.org_id).await?,
    };
    let now = state.clock.now();
    Ok(Json(
        state
            .store
            .user_ids(caller.org_id, &params, now, MAX_SELECT_ALL)
            .await?,
    ))
}

/// Everything a tab lists under its search, filters and sort, as CSV (streamed; cells that a spreadsheet would run as a formula are escaped).
#[utoipa::path(get, path = "/users/export", tag = "users",
    params(ExportQuery),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String, headers(("Content-Disposition" = String, description = "attachment; filename=\"roster-managed-users-2026-11-30.csv\""))), Errors))]
async fn export(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Query(query): Query<ExportQuery>,
) -> AppResult<Response> {
    let (sort, dir) = extract::sort(query.sort.as_deref(), query.dir.as_deref())?;
    let params = UserListParams {
        view: extract::view(query.view.as_deref())?,
        search: extract::search(query.q.as_deref())?,
        sort,
        dir,
        cursor: None,
        limit: 1,
        filters: query.filters(&state, caller.org_id).await?,
    };
    Ok(export::users(&state, caller.org_id, params))
}

/// A user's page, with its version as the ETag a change sends back in If-Match.
#[utoipa::path(get, path = "/users/{user_id}", tag = "users",
    params(("user_id" = i64, Path, description = "The user")),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = UserDetail, headers(("ETag" = String, description = "The user's version, for If-Match"))), Errors))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Manager(caller): Manager,
    UserId(id): UserId,
) -> AppResult<Response> {
    Ok(with_etag(
        state
            .store
            .user_detail(caller.org_id, id, state.clock.now())
            .await?
            .ok_or_else(UserId::not_found)?,
    ))
}

/// A user's page as the answer, with its version as the ETag.
pub(super) fn with_etag(detail: UserDetail) -> Response {
    let tag = version_tag(detail.version);
    ([(header::ETAG, tag)], Json(detail)).into_response()
}
