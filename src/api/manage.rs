//! Changes to a member (suspension among them), each based on the version read, and bulk actions.

use super::{ApiClient, ApiFailure};
use gloo_net::http::{Request, RequestBuilder};
use roster_model::{
    version_tag, AccessChange, BulkRequest, BulkResponse, LeaveRequest, TwoFactorRequirement,
    UserChange, UserDetail,
};

impl ApiClient {
    /// One batch of a bulk action.
    pub async fn bulk(&self, batch: &BulkRequest) -> Result<BulkResponse, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/users/bulk")?)).json(batch);
        self.change(request).await
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
        let request = Request::post(&self.url(&format!("/users/{id}/reset-password"))?);
        self.user_action(request, version, &serde_json::json!({}))
            .await
    }

    /// Forgets the user's two-factor app and recovery codes (a lost phone) and ends their sessions.
    pub async fn reset_two_factor(&self, id: i64, version: i64) -> Result<UserDetail, ApiFailure> {
        let request = Request::post(&self.url(&format!("/users/{id}/reset-two-factor"))?);
        self.user_action(request, version, &serde_json::json!({}))
            .await
    }

    pub async fn set_two_factor_required(
        &self,
        id: i64,
        version: i64,
        required: bool,
    ) -> Result<UserDetail, ApiFailure> {
        let request = Request::put(&self.url(&format!("/users/{id}/two-factor"))?);
        self.user_action(request, version, &TwoFactorRequirement { required })
            .await
    }

    /// Suspends a member (`suspended`: they cannot sign in, keep their access) or restores them.
    pub async fn set_suspended(
        &self,
        id: i64,
        version: i64,
        suspended: bool,
    ) -> Result<UserDetail, ApiFailure> {
        let action = if suspended { "suspend" } else { "restore" };
        let request = Request::post(&self.url(&format!("/users/{id}/{action}"))?);
        self.user_action(request, version, &serde_json::json!({}))
            .await
    }

    pub async fn set_access(
        &self,
        id: i64,
        version: i64,
        change: &AccessChange,
    ) -> Result<UserDetail, ApiFailure> {
        let request = Request::put(&self.url(&format!("/users/{id}/access"))?);
        self.user_action(request, version, change).await
    }

    /// Removal from the organization: the user leaves it (answers nothing: they are no longer its user).
    pub async fn remove_user(
        &self,
        id: i64,
        version: i64,
        request: &LeaveRequest,
    ) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::post(&self.url(&format!("/users/{id}/remove"))?))
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
        let request = Self::changing(Request::post(&self.url(&format!("/users/{id}/delete"))?))
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
        let request = Request::patch(&self.url(&format!("/users/{id}"))?);
        self.user_action(request, version, change).await
    }
}
