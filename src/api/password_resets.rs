//! Set-password links an administrator's reset mails (no session needed).

use super::{decode, ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{CompletePasswordReset, Me, PasswordResetPreview};

impl ApiClient {
    /// What a set-password link opens (no session needed).
    pub async fn password_reset(&self, token: &str) -> Result<PasswordResetPreview, ApiFailure> {
        let path = format!(
            "/password-resets/{}",
            String::from(js_sys::encode_uri_component(token))
        );
        let request = Request::get(&self.url(&path)?)
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
            Self::changing(Request::post(&self.url("/password-resets/complete")?)).json(complete);
        decode(Self::send(request).await?).await
    }
}
