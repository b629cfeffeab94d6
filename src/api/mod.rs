//! The only code in the app that does HTTP: a typed client for Roster's JSON API.

use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::{Callable, Callback};
use roster_model::{
    version_tag, AcceptInvitation, AccessChange, AccountInvitation, AccountInvite,
    AccountInviteResult, AccountRoles, AccountSummary, AccountUser, AddressCheck, ApiError,
    ApiToken, AuditEntry, BulkRequest, BulkResponse, ChangePassword, CheckAddresses,
    CompletePasswordReset, ConfirmTwoFactor, CreatedApiToken, Domain, ErrorBody, ErrorCode,
    ExternalAccess, ImportRequest, InvitationActionResponse, InvitationIds, InvitationPreview,
    InviteResponse, LeaveRequest, Me, NewApiToken, NewDomain, NewInvitations, Organization, Page,
    PasswordResetPreview, RoleSet, SignIn, SortDir, SortField, TwoFactorEnrolled,
    TwoFactorRequirement, TwoFactorSetup, UserChange, UserDetail, UserIds, UserSummary, UserView,
    ViewCounts, CSRF_HEADER,
};
use serde::de::DeserializeOwned;

/// Why an API call failed, in terms the UI can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// The server could not be reached (offline, server down, blocked).
    Network,
    /// The server answered with Roster's error shape.
    Api { status: u16, error: ApiError },
    /// The server answered with something that is not Roster's API (a proxy error page, say).
    Unexpected { status: u16 },
}

impl ApiFailure {
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Network => {
                "Roster could not reach its server. Check your connection, then try again."
                    .to_owned()
            }
            ApiFailure::Api { error, .. } => error.message.clone(),
            ApiFailure::Unexpected { status } => {
                format!(
                    "The server gave an unexpected answer (HTTP {status}). Try again in a moment."
                )
            }
        }
    }

    /// The request field the failure is about, so a form can show it there.
    pub fn field(&self) -> Option<String> {
        match self {
            ApiFailure::Api { error, .. } => error.field.clone(),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiFailure::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }
}

/// What the user list is asked for; mirrors the page's URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserListRequest {
    pub view: UserView,
    pub search: String,
    pub sort: SortField,
    pub dir: SortDir,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Filters of the audit log, as the page's URL holds them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFilters {
    pub actor: String,
    pub target: String,
    pub action: String,
}

#[derive(Clone)]
pub struct ApiClient {
    base: String,
    /// Told when the server says the session has ended, so the app can ask the admin to sign in again.
    on_unauthorized: Option<Callback<()>>,
}

impl ApiClient {
    pub fn new(base: impl Into<String>) -> Self {
        ApiClient {
            base: base.into(),
            on_unauthorized: None,
        }
    }

    pub fn on_unauthorized(mut self, hook: Callback<()>) -> Self {
        self.on_unauthorized = Some(hook);
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiFailure> {
        request
            .map_err(|_| ApiFailure::Network)?
            .send()
            .await
            .map_err(|_| ApiFailure::Network)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ApiFailure> {
        let request = Request::get(&self.url(path))
            .query(query.iter().copied())
            .header("Accept", "application/json")
            .build();
        self.noticed(decode(Self::send(request).await?).await)
    }

    /// One page of a searchable list: `?limit=&q=&cursor=`, empty ones left out.
    async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
        search: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<T>, ApiFailure> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        if !search.trim().is_empty() {
            query.push(("q", search));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        self.get(path, &query).await
    }

    /// Passes `result` on, first telling the app when it says the session has ended.
    fn noticed<T>(&self, result: Result<T, ApiFailure>) -> Result<T, ApiFailure> {
        if let (Err(failure), Some(hook)) = (&result, &self.on_unauthorized) {
            if failure.code() == Some(ErrorCode::Unauthorized) {
                hook.run(());
            }
        }
        result
    }

    /// Sends a state-changing request of a signed-in user and decodes its answer.
    async fn change<T: DeserializeOwned>(
        &self,
        request: Result<Request, gloo_net::Error>,
    ) -> Result<T, ApiFailure> {
        self.noticed(decode(Self::send(request).await?).await)
    }

    /// Like [`Self::change`], for answers without a body (204).
    async fn change_empty(
        &self,
        request: Result<Request, gloo_net::Error>,
    ) -> Result<(), ApiFailure> {
        let response = Self::send(request).await?;
        if response.ok() {
            Ok(())
        } else {
            self.noticed(decode::<()>(response).await)
        }
    }

    /// A state-changing request: it carries the anti-forgery header the server requires.
    fn changing(builder: RequestBuilder) -> RequestBuilder {
        builder
            .header("Accept", "application/json")
            .header(CSRF_HEADER, "1")
    }

    /// Who is signed in; `Unauthorized` when nobody is (an answer here, not a session that ended).
    pub async fn session(&self) -> Result<Me, ApiFailure> {
        let request = Request::get(&self.url("/session"))
            .header("Accept", "application/json")
            .build();
        decode(Self::send(request).await?).await
    }

    pub async fn sign_in(&self, credentials: &SignIn) -> Result<Me, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/session"))).json(credentials);
        decode(Self::send(request).await?).await
    }

    pub async fn change_password(&self, change: &ChangePassword) -> Result<Me, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/session/password"))).json(change);
        decode(Self::send(request).await?).await
    }

    /// What a set-password link opens (no session needed).
    pub async fn password_reset(&self, token: &str) -> Result<PasswordResetPreview, ApiFailure> {
        let path = format!(
            "/password-resets/{}",
            String::from(js_sys::encode_uri_component(token))
        );
        let request = Request::get(&self.url(&path))
            .header("Accept", "application/json")
            .build();
        decode(Self::send(request).await?).await
    }

    /// Sets the new password with a link's token; the answer is the new session.
    pub async fn complete_password_reset(
        &self,
        complete: &CompletePasswordReset,
    ) -> Result<Me, ApiFailure> {
        let request =
            Self::changing(Request::post(&self.url("/password-resets/complete"))).json(complete);
        decode(Self::send(request).await?).await
    }

    pub async fn tokens(&self) -> Result<Vec<ApiToken>, ApiFailure> {
        self.get("/tokens", &[]).await
    }

    pub async fn create_token(&self, token: &NewApiToken) -> Result<CreatedApiToken, ApiFailure> {
        let body = token;
        let request = Self::changing(Request::post(&self.url("/tokens"))).json(&body);
        self.change(request).await
    }

    pub async fn revoke_token(&self, id: i64) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(&self.url(&format!("/tokens/{id}")))).build();
        self.change_empty(request).await
    }

    /// How each address would fare if invited now (the wizard's live check).
    pub async fn check_addresses(
        &self,
        emails: &[String],
    ) -> Result<Vec<AddressCheck>, ApiFailure> {
        let body = CheckAddresses {
            emails: emails.to_vec(),
        };
        let request = Self::changing(Request::post(&self.url("/invitations/check"))).json(&body);
        self.change(request).await
    }

    /// Invites a batch of addresses. The same `idempotency_key` with the same batch replays the
    /// first answer, so a batch whose answer was lost can be sent again safely.
    pub async fn invite(
        &self,
        batch: &NewInvitations,
        idempotency_key: &str,
    ) -> Result<InviteResponse, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/invitations")))
            .header("Idempotency-Key", idempotency_key)
            .json(batch);
        self.change(request).await
    }

    pub async fn resend_invitations(
        &self,
        ids: &[i64],
    ) -> Result<InvitationActionResponse, ApiFailure> {
        let body = InvitationIds { ids: ids.to_vec() };
        let request = Self::changing(Request::post(&self.url("/invitations/resend"))).json(&body);
        self.change(request).await
    }

    pub async fn revoke_invitations(
        &self,
        ids: &[i64],
    ) -> Result<InvitationActionResponse, ApiFailure> {
        let body = InvitationIds { ids: ids.to_vec() };
        let request = Self::changing(Request::post(&self.url("/invitations/revoke"))).json(&body);
        self.change(request).await
    }

    /// What an invitation link offers (no session needed).
    pub async fn invitation(&self, token: &str) -> Result<InvitationPreview, ApiFailure> {
        let path = format!(
            "/invitations/token/{}",
            String::from(js_sys::encode_uri_component(token))
        );
        let request = Request::get(&self.url(&path))
            .header("Accept", "application/json")
            .build();
        decode(Self::send(request).await?).await
    }

    /// Accepts an invitation; the answer is the new session.
    pub async fn accept_invitation(&self, accept: &AcceptInvitation) -> Result<Me, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/invitations/accept"))).json(accept);
        decode(Self::send(request).await?).await
    }

    /// Accepts an invitation to accounts only (its preview says `account_only`): access as an
    /// external user, and no session.
    pub async fn accept_account_invitation(
        &self,
        accept: &AcceptInvitation,
    ) -> Result<ExternalAccess, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/invitations/accept"))).json(accept);
        decode(Self::send(request).await?).await
    }

    /// Starts two-factor set-up: a new secret and its QR code, waiting for a confirming code.
    pub async fn begin_two_factor_setup(&self) -> Result<TwoFactorSetup, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/session/two-factor/setup"))).build();
        self.change(request).await
    }

    pub async fn confirm_two_factor(&self, code: &str) -> Result<TwoFactorEnrolled, ApiFailure> {
        let body = ConfirmTwoFactor {
            code: code.to_owned(),
        };
        let request = Self::changing(Request::post(&self.url("/session/two-factor"))).json(&body);
        self.change(request).await
    }

    pub async fn sign_out(&self) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(&self.url("/session"))).build();
        let response = Self::send(request).await?;
        // A session that had already ended is signed out all the same.
        if response.ok() || response.status() == 401 {
            Ok(())
        } else {
            decode::<()>(response).await
        }
    }

    pub async fn organization(&self) -> Result<Organization, ApiFailure> {
        self.get("/organization", &[]).await
    }

    pub async fn view_counts(&self) -> Result<ViewCounts, ApiFailure> {
        self.get("/users/counts", &[]).await
    }

    pub async fn users(&self, request: &UserListRequest) -> Result<Page<UserSummary>, ApiFailure> {
        let limit = request.limit.to_string();
        let mut query = vec![
            ("view", request.view.as_str()),
            ("sort", request.sort.as_str()),
            ("dir", request.dir.as_str()),
            ("limit", limit.as_str()),
        ];
        if !request.search.trim().is_empty() {
            query.push(("q", request.search.as_str()));
        }
        if let Some(cursor) = &request.cursor {
            query.push(("cursor", cursor.as_str()));
        }
        self.get("/users", &query).await
    }

    /// Every user a view and search match ("select all matching"), up to the server's limit.
    pub async fn user_ids(&self, view: UserView, search: &str) -> Result<UserIds, ApiFailure> {
        let mut query = vec![("view", view.as_str())];
        if !search.trim().is_empty() {
            query.push(("q", search));
        }
        self.get("/users/ids", &query).await
    }

    /// One batch of a bulk action.
    pub async fn bulk(&self, batch: &BulkRequest) -> Result<BulkResponse, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/users/bulk"))).json(batch);
        self.change(request).await
    }

    pub async fn user(&self, id: i64) -> Result<UserDetail, ApiFailure> {
        self.get(&format!("/users/{id}"), &[]).await
    }

    async fn user_action<B: serde::Serialize>(
        &self,
        request: RequestBuilder,
        version: i64,
        body: &B,
    ) -> Result<UserDetail, ApiFailure> {
        let request = Self::changing(request)
            .header("If-Match", &version_tag(version))
            .json(body);
        self.change(request).await
    }

    /// Forces a new password at the user's next sign-in and ends their sessions.
    pub async fn reset_password(&self, id: i64, version: i64) -> Result<UserDetail, ApiFailure> {
        let request = Request::post(&self.url(&format!("/users/{id}/reset-password")));
        self.user_action(request, version, &serde_json::json!({}))
            .await
    }

    pub async fn set_two_factor_required(
        &self,
        id: i64,
        version: i64,
        required: bool,
    ) -> Result<UserDetail, ApiFailure> {
        let request = Request::put(&self.url(&format!("/users/{id}/two-factor")));
        self.user_action(request, version, &TwoFactorRequirement { required })
            .await
    }

    pub async fn set_access(
        &self,
        id: i64,
        version: i64,
        change: &AccessChange,
    ) -> Result<UserDetail, ApiFailure> {
        let request = Request::put(&self.url(&format!("/users/{id}/access")));
        self.user_action(request, version, change).await
    }

    /// Removal from the organization: the user leaves it (answers nothing: they are no longer its user).
    pub async fn remove_user(
        &self,
        id: i64,
        version: i64,
        request: &LeaveRequest,
    ) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::post(&self.url(&format!("/users/{id}/remove"))))
            .header("If-Match", &version_tag(version))
            .json(request);
        self.change_empty(request).await
    }

    /// Deletion: the user is removed from the system.
    pub async fn delete_user(
        &self,
        id: i64,
        version: i64,
        request: &LeaveRequest,
    ) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::post(&self.url(&format!("/users/{id}/delete"))))
            .header("If-Match", &version_tag(version))
            .json(request);
        self.change_empty(request).await
    }

    /// Changes a user, based on `version` (a change to a user someone else changed since fails
    /// with `StaleVersion`). Answers the user as changed.
    pub async fn update_user(
        &self,
        id: i64,
        version: i64,
        change: &UserChange,
    ) -> Result<UserDetail, ApiFailure> {
        let request = Request::patch(&self.url(&format!("/users/{id}")));
        self.user_action(request, version, change).await
    }

    pub async fn accounts(
        &self,
        search: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AccountSummary>, ApiFailure> {
        self.get_page("/accounts", search, cursor, limit).await
    }

    /// The audit log, newest first; empty filters are left out.
    pub async fn audit(
        &self,
        filters: &AuditFilters,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AuditEntry>, ApiFailure> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        for (key, value) in [
            ("actor", &filters.actor),
            ("target", &filters.target),
            ("action", &filters.action),
        ] {
            if !value.trim().is_empty() {
                query.push((key, value.as_str()));
            }
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        self.get("/audit", &query).await
    }

    pub async fn account(&self, id: i64) -> Result<AccountSummary, ApiFailure> {
        self.get(&format!("/accounts/{id}"), &[]).await
    }

    /// Everyone with access to an account, by name.
    pub async fn account_users(
        &self,
        id: i64,
        search: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AccountUser>, ApiFailure> {
        self.get_page(&format!("/accounts/{id}/users"), search, cursor, limit)
            .await
    }

    pub async fn account_invitations(&self, id: i64) -> Result<Vec<AccountInvitation>, ApiFailure> {
        self.get(&format!("/accounts/{id}/invitations"), &[]).await
    }

    /// Members get access at once; everyone else an invitation to this account alone.
    pub async fn invite_to_account(
        &self,
        id: i64,
        invite: &AccountInvite,
    ) -> Result<Vec<AccountInviteResult>, ApiFailure> {
        let request = Self::changing(Request::post(
            &self.url(&format!("/accounts/{id}/invitations")),
        ))
        .json(invite);
        self.change(request).await
    }

    pub async fn set_account_roles(
        &self,
        account: i64,
        user: i64,
        roles: RoleSet,
    ) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::put(
            &self.url(&format!("/accounts/{account}/users/{user}")),
        ))
        .json(&AccountRoles { roles });
        self.change_empty(request).await
    }

    pub async fn remove_account_access(&self, account: i64, user: i64) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(
            &self.url(&format!("/accounts/{account}/users/{user}")),
        ))
        .build();
        self.change_empty(request).await
    }

    /// An external user loses access to every account of the organization.
    pub async fn remove_external_access(&self, user: i64) -> Result<(), ApiFailure> {
        let request =
            Self::changing(Request::delete(&self.url(&format!("/users/{user}/access")))).build();
        self.change_empty(request).await
    }

    /// Existing users bulk import offers, by name.
    pub async fn import_candidates(
        &self,
        search: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<UserSummary>, ApiFailure> {
        self.get_page("/import/candidates", search, cursor, limit)
            .await
    }

    /// Every user import offers for this search ("select all matching").
    pub async fn import_candidate_ids(&self, search: &str) -> Result<UserIds, ApiFailure> {
        let mut query = Vec::new();
        if !search.trim().is_empty() {
            query.push(("q", search));
        }
        self.get("/import/candidates/ids", &query).await
    }

    /// Imports one batch (at most 200); a result per user.
    pub async fn import_users(&self, ids: &[i64]) -> Result<BulkResponse, ApiFailure> {
        let body = ImportRequest { ids: ids.to_vec() };
        let request = Self::changing(Request::post(&self.url("/import"))).json(&body);
        self.change(request).await
    }

    pub async fn domains(&self) -> Result<Vec<Domain>, ApiFailure> {
        self.get("/domains", &[]).await
    }

    pub async fn add_domain(&self, name: &str) -> Result<Domain, ApiFailure> {
        let body = NewDomain {
            name: name.to_owned(),
        };
        let request = Self::changing(Request::post(&self.url("/domains"))).json(&body);
        self.change(request).await
    }

    /// Looks the domain's TXT record up now; answers the domain as it is after the check.
    pub async fn verify_domain(&self, id: i64) -> Result<Domain, ApiFailure> {
        let request =
            Self::changing(Request::post(&self.url(&format!("/domains/{id}/verify")))).build();
        self.change(request).await
    }

    pub async fn remove_domain(&self, id: i64) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(&self.url(&format!("/domains/{id}")))).build();
        self.change_empty(request).await
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| ApiFailure::Unexpected { status });
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Api {
            status,
            error: body.error,
        }),
        Err(_) => Err(ApiFailure::Unexpected { status }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_explain_themselves() {
        assert!(ApiFailure::Network.message().contains("could not reach"));
        let api = ApiFailure::Api {
            status: 404,
            error: ApiError::new(ErrorCode::NotFound, "No such user."),
        };
        assert_eq!(api.message(), "No such user.");
        assert_eq!(api.code(), Some(ErrorCode::NotFound));
        assert!(ApiFailure::Unexpected { status: 502 }
            .message()
            .contains("502"));
    }
}
