//! Accounts and their User access.

use super::{ApiClient, ApiFailure};
use gloo_net::http::Request;
use roster_model::{
    AccountInvitation, AccountInvite, AccountInviteResult, AccountRoles, AccountSummary,
    AccountUser, Page, RoleSet,
};

impl ApiClient {
    pub async fn accounts(
        &self,
        search: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AccountSummary>, ApiFailure> {
        self.get_page("/accounts", search, cursor, limit).await
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
            &self.url(&format!("/accounts/{id}/invitations"))?,
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
            &self.url(&format!("/accounts/{account}/users/{user}"))?,
        ))
        .json(&AccountRoles { roles });
        self.change_empty(request).await
    }

    pub async fn remove_account_access(&self, account: i64, user: i64) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(
            &self.url(&format!("/accounts/{account}/users/{user}"))?,
        ))
        .build();
        self.change_empty(request).await
    }

    /// An external user loses access to every account of the organization.
    pub async fn remove_external_access(&self, user: i64) -> Result<(), ApiFailure> {
        let request = Self::changing(Request::delete(
            &self.url(&format!("/users/{user}/access"))?,
        ))
        .build();
        self.change_empty(request).await
    }
}
