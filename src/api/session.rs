//! Signing in and out, one's password, two-factor enrolment, and the organization signed in to.

use super::{decode, ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{
    BeginTwoFactorSetup, ChangePassword, ConfirmTwoFactor, Me, Organization, SignIn,
    TwoFactorEnrolled, TwoFactorSetup,
};

impl ApiClient {
    /// Who is signed in; `Unauthorized` when nobody is (an answer here, not a session that ended).
    pub async fn session(&self) -> Result<Me, ApiFailure> {
        let request = Request::get(&self.url("/session")?)
            .header("Accept", "application/json")
            .build();
        decode(self.send_signed(request).await?).await
    }

    pub async fn sign_in(&self, credentials: &SignIn) -> Result<Me, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/session")?)).json(credentials);
        decode(Self::send(request).await?).await
    }

    pub async fn change_password(&self, change: &ChangePassword) -> Result<Me, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/session/password")?)).json(change);
        decode(Self::send(request).await?).await
    }

    /// Starts two-factor set-up with the signed-in person's password: a new secret and its QR
    /// code, waiting for a confirming code.
    pub async fn begin_two_factor_setup(
        &self,
        current_password: &str,
    ) -> Result<TwoFactorSetup, ApiFailure> {
        let body = BeginTwoFactorSetup {
            current_password: current_password.to_owned(),
        };
        let request =
            Self::changing(Request::post(&self.url("/session/two-factor/setup")?)).json(&body);
        self.change(request).await
    }

    pub async fn confirm_two_factor(&self, code: &str) -> Result<TwoFactorEnrolled, ApiFailure> {
        let body = ConfirmTwoFactor {
            code: code.to_owned(),
        };
        let request = Self::changing(Request::post(&self.url("/session/two-factor")?)).json(&body);
        self.change(request).await
    }

    pub async fn sign_out(&self) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(&self.url("/session")?)).build();
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
}
