//! Bearer API tokens: each acts as the Owner who created it, until it expires, is revoked, or its
//! creator's credentials or standing change.

use roster_model::{ApiToken, Timestamp};
use sqlx::{Any, Row};

use super::sessions::owes_enrolment;
use super::{person_name, user_ref, Actor, AuditEvent, Store, StoreResult};

/// The Owner a live token acts as.
pub struct TokenOwner {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub org_id: i64,
    pub token_name: String,
    /// Two-factor is required of the creator, who has not set it up: as their sessions, the
    /// token does nothing until they do.
    pub must_enrol_two_factor: bool,
}

impl Store {
    /// The Owner a live token acts as: the token is unexpired and not revoked and its creator is
    /// still an active Owner of the token's organization. Marks the token used (at most once a minute).
    pub async fn token_owner(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<TokenOwner>> {
        let row = sqlx::query(
            "SELECT t.id, t.name, t.last_used_at, u.id AS user_id, u.email, u.given_name, u.family_name, t.org_id, \
             u.two_factor_required, u.totp_enrolled \
             FROM api_tokens t JOIN users u ON u.id = t.created_by \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 \
             AND u.org_id = t.org_id AND u.org_role = 'owner' AND u.status = 'active'",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let must_enrol_two_factor = creator_owes_enrolment(&row)?;
        // A token refused for its creator's enrolment was not used.
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if !must_enrol_two_factor && last_used.is_none_or(|at| now - at >= 60) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND COALESCE(last_used_at, 0) < $1")
                .bind(now)
                .bind(row.try_get::<i64, _>("id")?)
                .execute(&self.pool)
                .await?;
        }
        let email: String = row.try_get("email")?;
        Ok(Some(TokenOwner {
            must_enrol_two_factor,
            user_id: row.try_get("user_id")?,
            name: person_name(&row, &email)?,
            email,
            org_id: row.try_get("org_id")?,
            token_name: row.try_get("name")?,
        }))
    }

    /// A new API token of `actor`'s organization, held by `created_by`.
    pub async fn create_api_token(
        &self,
        actor: &Actor<'_>,
        name: &str,
        token_hash: &str,
        created_by: i64,
        expires_at: Timestamp,
        event: &AuditEvent<'_>,
    ) -> StoreResult<i64> {
        let org_id = actor.org_id;
        let mut tx = self.begin_as(actor).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (org_id, name, token_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(org_id)
        .bind(name)
        .bind(token_hash)
        .bind(created_by)
        .bind(event.at)
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await?;
        AuditEvent {
            details: serde_json::json!({ "token_id": id, "name": name, "expires_at": expires_at }),
            ..event.clone()
        }
        .insert(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn api_tokens(&self, org_id: i64, now: Timestamp) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.created_at, t.last_used_at, t.revoked_at, t.expires_at, u.id AS by_id, \
             u.given_name AS by_given, u.family_name AS by_family, u.email AS by_email, \
             u.two_factor_required, u.totp_enrolled \
             FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by WHERE t.org_id = $1 ORDER BY t.id DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let revoked_at: Option<Timestamp> = row.try_get("revoked_at")?;
                let expired = row.try_get::<Timestamp, _>("expires_at")? <= now;
                let live = revoked_at.is_none() && !expired;
                Ok(ApiToken {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_by: user_ref(row, "by_id", "by_given", "by_family", "by_email")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    revoked_at,
                    expires_at: row.try_get("expires_at")?,
                    expired,
                    awaits_two_factor: live && creator_owes_enrolment(row)?,
                })
            })
            .collect()
    }

    /// Revokes a live token of the organization; false when there is no such live token.
    pub async fn revoke_api_token(
        &self,
        actor: &Actor<'_>,
        token_id: i64,
        event: &AuditEvent<'_>,
    ) -> StoreResult<bool> {
        let org_id = actor.org_id;
        let mut tx = self.begin_as(actor).await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL RETURNING name",
        )
        .bind(event.at)
        .bind(token_id)
        .bind(org_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(name) = name else {
            return Ok(false);
        };
        AuditEvent {
            target_label: Some(&name),
            details: serde_json::json!({ "token_id": token_id, "name": name }),
            ..event.clone()
        }
        .insert(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Revokes every live token `user_id` created, API and provisioning tokens alike: their password
/// changed or was reset, they were suspended, or they are no longer an Owner, a member, or a
/// user. A provisioning token acts with an Owner's authority: kept, it let a suspended Owner
/// restore themselves and a demoted one go on as an Owner (an attacker's pass). A later promotion
/// brings none of them back. Answers how many were revoked.
pub(super) async fn revoke_tokens_of(
    tx: &mut sqlx::Transaction<'_, Any>,
    user_id: i64,
    now: Timestamp,
) -> StoreResult<u64> {
    let mut revoked = 0;
    for table in ["api_tokens", "scim_tokens"] {
        revoked += sqlx::query(&format!(
            "UPDATE {table} SET revoked_at = $1 WHERE created_by = $2 AND revoked_at IS NULL"
        ))
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(revoked)
}

/// Whether two-factor sign-in is required of a token's creator, who has not set it up (their
/// `two_factor_required` and `totp_enrolled`, read through the token's join).
fn creator_owes_enrolment(row: &sqlx::any::AnyRow) -> StoreResult<bool> {
    Ok(owes_enrolment(
        row.try_get("two_factor_required")?,
        row.try_get("totp_enrolled")?,
    ))
}
