//! Provisioning tokens for identity providers (Owners).

use super::{ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{CreatedScimToken, NewScimToken, ScimTokens};

impl ApiClient {
    pub async fn scim_tokens(&self) -> Result<ScimTokens, ApiFailure> {
        self.get("/scim-tokens", &[]).await
    }

    pub async fn create_scim_token(
        &self,
        token: &NewScimToken,
    ) -> Result<CreatedScimToken, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/scim-tokens")?)).json(token);
        self.change(request).await
    }

    pub async fn revoke_scim_token(&self, id: i64) -> Result<(), ApiFailure> {
        let request =
            Self::changing(Request::delete(&self.url(&format!("/scim-tokens/{id}"))?)).build();
        self.change_empty(request).await
    }
}
