//! The mail outbox: messages are queued in the transaction of the change they announce and
//! delivered afterwards by `mail::run_delivery`.

use roster_model::Timestamp;
use sqlx::{Any, Row};

use super::sql::like_escaped;
use super::{Backend, Store, StoreResult};

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
    /// The end of this claim's lease: a failure is recorded only until the mail is claimed
    /// again (a later claim owns its outcome).
    pub claimed_until: Timestamp,
}

/// Whose daily allowance of mail to people outside it a message uses, if anyone's. Invitations to
/// an account reach any address, so they are capped: Roster must not become a way to mail strangers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailQuota {
    Unlimited,
    OutsideOf { org_id: i64, per_day: u32 },
}

/// How many invitations one outside mailbox may get from one organization in a day, within the
/// organization's allowance: otherwise one mailbox could get the whole allowance (an invitation
/// to each account, then each sent again).
pub const OUTSIDE_MAIL_PER_MAILBOX_PER_DAY: i64 = 10;

/// The mailbox an address delivers to, as far as Roster can tell: without a `+tag` (RFC 5233
/// sub-addressing), which most mail services deliver to the same mailbox. Dots in the local
/// part are not dropped: only some services ignore them.
fn mailbox(address: &str) -> (&str, &str) {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let local = local.split_once('+').map_or(local, |(mailbox, _)| mailbox);
    (local, domain)
}

/// Which daily allowance of mail to outside addresses stopped a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaReached {
    /// The organization's, for every outside address together.
    Organization,
    /// One mailbox's.
    Mailbox,
}

impl QuotaReached {
    /// The refusal, saying what to do instead.
    pub fn message(self) -> &'static str {
        match self {
            QuotaReached::Organization => "Your organization has sent as many invitations to people outside it as it may today. Try again tomorrow, or invite them from an address on a verified domain.",
            QuotaReached::Mailbox => "This address has been sent as many invitations from your organization as one person may get in a day (name+tag@ addresses count as name@). Try again tomorrow: the limit counts the last 24 hours.",
        }
    }
}

/// Queues a message in the change's transaction. Answers the allowance that stopped it, queueing
/// nothing, when `quota` is used up for the day.
pub(super) async fn queue_mail(
    tx: &mut sqlx::Transaction<'_, Any>,
    mail: &OutgoingMail,
    quota: MailQuota,
    now: Timestamp,
) -> StoreResult<Option<QuotaReached>> {
    let quota_org = match quota {
        MailQuota::Unlimited => None,
        MailQuota::OutsideOf { org_id, per_day } => {
            // Both in one read of the organization's day of outside mail (at most `per_day`
            // messages, through its index): the mailbox's own address, or any sub-address of it.
            let (local, domain) = mailbox(&mail.to);
            let (sent, to_mailbox): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN to_address = $3 \
                 OR to_address LIKE $4 ESCAPE '\\' THEN 1 ELSE 0 END), 0) \
                 FROM outbound_mail WHERE quota_org_id = $1 AND created_at > $2",
            )
            .bind(org_id)
            .bind(now - 24 * 60 * 60)
            .bind(format!("{local}@{domain}"))
            .bind(format!(
                "{}+%@{}",
                like_escaped(local),
                like_escaped(domain)
            ))
            .fetch_one(&mut **tx)
            .await?;
            if sent >= i64::from(per_day) {
                return Ok(Some(QuotaReached::Organization));
            }
            if to_mailbox >= OUTSIDE_MAIL_PER_MAILBOX_PER_DAY {
                return Ok(Some(QuotaReached::Mailbox));
            }
            Some(org_id)
        }
    };
    sqlx::query(
        "INSERT INTO outbound_mail (to_address, subject, text_body, html_body, created_at, next_attempt_at, quota_org_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
    Ok(None)
}

impl Store {
    /// Claims mail due for a delivery attempt, oldest first: a claimed message is not due again
    /// for `lease` seconds, so replicas that poll at the same moment each deliver other messages.
    /// Delivery records its outcome before then; a replica that stops half-way leaves its claims
    /// to be retried when the lease runs out.
    pub async fn claim_due_mail(
        &self,
        now: Timestamp,
        limit: i64,
        lease: i64,
    ) -> StoreResult<Vec<QueuedMail>> {
        // On PostgreSQL two claimers skip each other's rows instead of claiming them twice; on
        // SQLite the statement runs alone.
        let skip_locked = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let mut rows = sqlx::query(&format!(
            "UPDATE outbound_mail SET next_attempt_at = $1 WHERE id IN (\
             SELECT id FROM outbound_mail WHERE sent_at IS NULL AND next_attempt_at <= $2 \
             ORDER BY id LIMIT $3{skip_locked}) \
             RETURNING id, to_address, subject, text_body, html_body, attempts"
        ))
        .bind(now + lease)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.sort_by_key(|row| row.try_get::<i64, _>("id").unwrap_or_default());
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
                    claimed_until: now + lease,
                })
            })
            .collect()
    }

    /// Takes the claim on `mail` again for `lease` from `now` just before it is sent, unless
    /// another claimer holds it (this claim's lease ran out while earlier messages of the batch
    /// were sent, and another replica claimed it since): it is then theirs to send, and this
    /// claimer leaves it. Answers whether the claim holds, with its new end in `mail`.
    pub async fn renew_mail_claim(
        &self,
        mail: &mut QueuedMail,
        now: Timestamp,
        lease: i64,
    ) -> StoreResult<bool> {
        let renewed = sqlx::query(
            "UPDATE outbound_mail SET next_attempt_at = $1 \
             WHERE id = $2 AND sent_at IS NULL AND next_attempt_at = $3",
        )
        .bind(now + lease)
        .bind(mail.id)
        .bind(mail.claimed_until)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if renewed {
            mail.claimed_until = now + lease;
        }
        Ok(renewed)
    }

    /// Marks mail delivered and drops its bodies (they may hold single-use links), unless a
    /// delivery of it was recorded already (a replica that claimed it once this claim's lease
    /// ran out): the first record stays.
    pub async fn mail_sent(&self, mail: &QueuedMail, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbound_mail SET sent_at = $1, attempts = attempts + 1, text_body = NULL, html_body = NULL, \
             last_error = NULL WHERE id = $2 AND sent_at IS NULL",
        )
        .bind(now)
        .bind(mail.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again, unless the mail was claimed again since
    /// (this claim's lease ran out): it is then the later claimer's, whose outcome this must not
    /// undo.
    pub async fn mail_failed(
        &self,
        mail: &QueuedMail,
        retry_at: Timestamp,
        error: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbound_mail SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 \
             WHERE id = $3 AND sent_at IS NULL AND next_attempt_at = $4",
        )
        .bind(retry_at)
        .bind(error)
        .bind(mail.id)
        .bind(mail.claimed_until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::mailbox;

    #[test]
    fn a_sub_address_is_its_mailbox() {
        let pat = mailbox("pat@outside.example");
        assert_eq!(mailbox("pat+a@outside.example"), pat);
        assert_eq!(mailbox("pat+@outside.example"), pat);
        assert_eq!(mailbox("pat+a+b@outside.example"), pat);
        assert_ne!(mailbox("p.at@outside.example"), pat);
        assert_ne!(mailbox("pat@other.example"), pat);
        assert_ne!(mailbox("pa@outside.example"), pat);
    }
}
