//! The mail outbox: messages are queued in the transaction of the change they announce and
//! delivered afterwards by `mail::run_delivery`.

use roster_model::Timestamp;
use sqlx::{Row, Sqlite};

use super::{Store, StoreResult};

/// A message to queue: plain-text and HTML parts of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A queued message due for delivery.
pub struct QueuedMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attempts: i64,
}

/// Whose daily allowance of mail to people outside it a message uses, if anyone's. Invitations to
/// an account reach any address, so they are capped: Roster must not become a way to mail strangers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailQuota {
    Unlimited,
    OutsideOf { org_id: i64, per_day: u32 },
}

/// The refusal when an organization has used its daily allowance of mail to outside addresses.
pub const OUTSIDE_MAIL_QUOTA_REACHED: &str = "Your organization has sent as many invitations to people outside it as it may today. Try again tomorrow, or invite them from an address on a verified domain.";

/// Queues a message in the change's transaction. Answers false, queueing nothing, when `quota`
/// is used up for the day.
pub(super) async fn queue_mail(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    mail: &OutgoingMail,
    quota: MailQuota,
    now: Timestamp,
) -> StoreResult<bool> {
    let quota_org = match quota {
        MailQuota::Unlimited => None,
        MailQuota::OutsideOf { org_id, per_day } => {
            let sent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbound_mail WHERE quota_org_id = ? AND created_at > ?",
            )
            .bind(org_id)
            .bind(now - 24 * 60 * 60)
            .fetch_one(&mut **tx)
            .await?;
            if sent >= i64::from(per_day) {
                return Ok(false);
            }
            Some(org_id)
        }
    };
    sqlx::query(
        "INSERT INTO outbound_mail (to_address, subject, text_body, html_body, created_at, next_attempt_at, quota_org_id) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(now)
    .bind(now)
    .bind(quota_org)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

impl Store {
    /// Mail due for a delivery attempt, oldest first.
    pub async fn due_mail(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<QueuedMail>> {
        let rows = sqlx::query(
            "SELECT id, to_address, subject, text_body, html_body, attempts FROM outbound_mail \
             WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(QueuedMail {
                    id: row.try_get("id")?,
                    to: row.try_get("to_address")?,
                    subject: row.try_get("subject")?,
                    text: row
                        .try_get::<Option<String>, _>("text_body")?
                        .unwrap_or_default(),
                    html: row
                        .try_get::<Option<String>, _>("html_body")?
                        .unwrap_or_default(),
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Marks mail delivered and drops its bodies (they may hold single-use links).
    pub async fn mail_sent(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbound_mail SET sent_at = ?, attempts = attempts + 1, text_body = NULL, html_body = NULL, \
             last_error = NULL WHERE id = ?",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn mail_failed(&self, id: i64, retry_at: Timestamp, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbound_mail SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
        )
        .bind(retry_at)
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
