//! Invitations to the organization, and accepting one.

use super::{decode, ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{
    AcceptInvitation, AcceptedInvitation, AddressCheck, CheckAddresses, InvitationActionResponse,
    InvitationIds, InvitationPreview, InviteResponse, NewInvitations,
};

impl ApiClient {
    /// How each address would fare if invited now (the wizard's live check).
    pub async fn check_addresses(
        &self,
        emails: &[String],
    ) -> Result<Vec<AddressCheck>, ApiFailure> {
        let body = CheckAddresses {
            emails: emails.to_vec(),
        };
        let request = Self::changing(Request::post(&self.url("/invitations/check")?)).json(&body);
        self.change(request).await
    }

    /// Invites a batch of addresses. The same `idempotency_key` with the same batch replays the
    /// first answer, so a batch whose answer was lost can be sent again safely.
    pub async fn invite(
        &self,
        batch: &NewInvitations,
        idempotency_key: &str,
    ) -> Result<InviteResponse, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/invitations")?))
            .header("Idempotency-Key", idempotency_key)
            .json(batch);
        self.change(request).await
    }

    pub async fn resend_invitations(
        &self,
        ids: &[i64],
    ) -> Result<InvitationActionResponse, ApiFailure> {
        let body = InvitationIds { ids: ids.to_vec() };
        let request = Self::changing(Request::post(&self.url("/invitations/resend")?)).json(&body);
        self.change(request).await
    }

    pub async fn revoke_invitations(
        &self,
        ids: &[i64],
    ) -> Result<InvitationActionResponse, ApiFailure> {
        let body = InvitationIds { ids: ids.to_vec() };
        let request = Self::changing(Request::post(&self.url("/invitations/revoke")?)).json(&body);
        self.change(request).await
    }

    /// What an invitation link offers (no session needed).
    pub async fn invitation(&self, token: &str) -> Result<InvitationPreview, ApiFailure> {
        let path = format!(
            "/invitations/token/{}",
            String::from(js_sys::encode_uri_component(token))
        );
        let request = Request::get(&self.url(&path)?)
            .header("Accept", "application/json")
            .build();
        decode(Self::send(request).await?).await
    }

    /// Accepts an invitation: membership and a session, or (for an invitation to accounts only,
    /// as its preview says) access as an external user and no session.
    pub async fn accept_invitation(
        &self,
        accept: &AcceptInvitation,
    ) -> Result<AcceptedInvitation, ApiFailure> {
        let request = Self::changing(Request::post(&self.url("/invitations/accept")?)).json(accept);
        decode(Self::send(request).await?).await
    }
}
