//! API tokens (Owners).

use super::{ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{ApiToken, CreatedApiToken, NewApiToken};

impl ApiClient {
    pub async fn tokens(&self) -> Result<Vec<ApiToken>, ApiFailure> {
        self.get("/tokens", &[]).await
    }

    pub async fn create_token(&self, token: &NewApiToken) -> Result<CreatedApiToken, ApiFailure> {
        let body = token;
        let request = Self::changing(Request::post(&self.url("/tokens")?)).json(&body);
        self.change(request).await
    }

    pub async fn revoke_token(&self, id: i64) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(&self.url(&format!("/tokens/{id}"))?)).build();
        self.change_empty(request).await
    }
}
