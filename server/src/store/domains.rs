//! The organization's domains: claiming one, recording each DNS check, removal.

use roster_model::{
    domain_after_check, verification_record, DnsCheck, Domain, DomainState, Timestamp,
    DOMAIN_RECHECK_SECONDS,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{parse_enum, Actor, AuditEvent, Store, StoreResult};

/// What the checks of one domain need.
#[derive(Debug, Clone)]
pub struct DomainRecord {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub token: String,
}

pub enum ClaimOutcome {
    Added(Domain),
    /// The organization has this domain already.
    AlreadyClaimed,
}

/// Who runs a check: an admin pressing "Verify now", or the daily re-check.
pub enum Checker<'a> {
    Admin(&'a Actor<'a>),
    Daily,
}

/// The label the audit log shows for the daily re-check.
const DAILY_CHECK: &str = "Roster (daily DNS check)";

const DOMAIN_COLUMNS: &str =
    "id, org_id, name, state, token, created_at, verified_at, last_checked_at, last_error, lapsed_at";

fn domain(row: &AnyRow) -> StoreResult<Domain> {
    let name: String = row.try_get("name")?;
    let token: String = row.try_get("token")?;
    let (txt_host, txt_value) = verification_record(&name, &token);
    Ok(Domain {
        id: row.try_get("id")?,
        name,
        state: parse_enum(row, "state", DomainState::parse)?,
        txt_host,
        txt_value,
        created_at: row.try_get("created_at")?,
        verified_at: row.try_get("verified_at")?,
        last_checked_at: row.try_get("last_checked_at")?,
        last_error: row.try_get("last_error")?,
        lapsed_at: row.try_get("lapsed_at")?,
    })
}

fn record(row: &AnyRow) -> StoreResult<DomainRecord> {
    Ok(DomainRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: row.try_get("name")?,
        token: row.try_get("token")?,
    })
}

async fn verified_elsewhere(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    name: &str,
) -> StoreResult<bool> {
    let holder: Option<i64> = sqlx::query_scalar(
        "SELECT org_id FROM domains WHERE name = $1 AND state = 'verified' AND org_id <> $2",
    )
    .bind(name)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(holder.is_some())
}

impl Store {
    pub async fn list_domains(&self, org_id: i64) -> StoreResult<Vec<Domain>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOMAIN_COLUMNS} FROM domains WHERE org_id = $1 ORDER BY name, id"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(domain).collect()
    }

    async fn domain_row(&self, org_id: i64, id: i64) -> StoreResult<Option<AnyRow>> {
        Ok(sqlx::query(&format!(
            "SELECT {DOMAIN_COLUMNS} FROM domains WHERE id = $1 AND org_id = $2"
        ))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn domain(&self, org_id: i64, id: i64) -> StoreResult<Option<Domain>> {
        self.domain_row(org_id, id)
            .await?
            .as_ref()
            .map(domain)
            .transpose()
    }

    pub async fn domain_record(&self, org_id: i64, id: i64) -> StoreResult<Option<DomainRecord>> {
        self.domain_row(org_id, id)
            .await?
            .as_ref()
            .map(record)
            .transpose()
    }

    /// Claims `name` (already normalised and allowed) with a fresh verification token.
    pub async fn claim_domain(
        &self,
        actor: &Actor<'_>,
        name: &str,
        token: &str,
    ) -> StoreResult<ClaimOutcome> {
        let mut tx = self.begin_as(actor).await?;
        let claimed: Option<i64> =
            sqlx::query_scalar("SELECT id FROM domains WHERE org_id = $1 AND name = $2")
                .bind(actor.org_id)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        if claimed.is_some() {
            return Ok(ClaimOutcome::AlreadyClaimed);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO domains (org_id, name, state, token, created_at) VALUES ($1, $2, 'pending', $3, $4) RETURNING id",
        )
        .bind(actor.org_id)
        .bind(name)
        .bind(token)
        .bind(actor.at)
        .fetch_one(&mut *tx)
        .await?;
        actor
            .event(
                "domain.added",
                None,
                Some(name),
                serde_json::json!({ "domain_id": id }),
            )
            .insert(&mut tx)
            .await?;
        let row = sqlx::query(&format!(
            "SELECT {DOMAIN_COLUMNS} FROM domains WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let added = domain(&row)?;
        tx.commit().await?;
        Ok(ClaimOutcome::Added(added))
    }

    /// Records what a DNS check found, moving the domain to its next state (removing it when it
    /// has been lapsed for the whole grace period), with an audit event when the state changes.
    /// Answers false when the domain no longer exists.
    pub async fn record_domain_check(
        &self,
        checked: &DomainRecord,
        check: &DnsCheck,
        checker: Checker<'_>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = match checker {
            Checker::Admin(actor) => self.begin_as(actor).await?,
            Checker::Daily => self.begin().await?,
        };
        let Some(row) = sqlx::query("SELECT state, lapsed_at FROM domains WHERE id = $1")
            .bind(checked.id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let before = parse_enum(&row, "state", DomainState::parse)?;
        let lapsed_at: Option<Timestamp> = row.try_get("lapsed_at")?;
        let taken;
        let check = if *check == DnsCheck::Found
            && verified_elsewhere(&mut tx, checked.org_id, &checked.name).await?
        {
            taken = DnsCheck::Missing(
                "Another organization has verified this domain; only one organization can hold it."
                    .to_owned(),
            );
            &taken
        } else {
            check
        };
        let next = domain_after_check(before, lapsed_at, check, now);
        let error = match check {
            DnsCheck::Found => None,
            DnsCheck::Missing(why) | DnsCheck::Unanswered(why) => Some(why.as_str()),
        };
        if next.remove {
            sqlx::query("DELETE FROM domains WHERE id = $1")
                .bind(checked.id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "UPDATE domains SET state = $1, lapsed_at = $2, last_error = $3, last_checked_at = $4, \
                 verified_at = CASE WHEN $5 = 'verified' AND state <> 'verified' THEN $6 ELSE verified_at END \
                 WHERE id = $7",
            )
            .bind(next.state.as_str())
            .bind(next.lapsed_at)
            .bind(error)
            .bind(now)
            .bind(next.state.as_str())
            .bind(now)
            .bind(checked.id)
            .execute(&mut *tx)
            .await?;
        }
        let action = match (next.remove, next.state) {
            (true, _) => Some("domain.removed"),
            (false, state) if state == before => None,
            (false, DomainState::Verified) => Some("domain.verified"),
            (false, DomainState::Lapsed) => Some("domain.lapsed"),
            (false, _) => Some("domain.verification_failed"),
        };
        // An admin's failed attempt is worth a line even when the state stays "failed".
        let action = match (&checker, action, next.state) {
            (Checker::Admin(_), None, DomainState::Failed) => Some("domain.verification_failed"),
            (_, action, _) => action,
        };
        if let Some(action) = action {
            let details = serde_json::json!({ "domain_id": checked.id, "problem": error });
            let event = match checker {
                Checker::Admin(actor) => actor.event(action, None, Some(&checked.name), details),
                Checker::Daily => AuditEvent {
                    org_id: Some(checked.org_id),
                    actor_id: None,
                    actor_label: DAILY_CHECK,
                    action,
                    target_id: None,
                    target_label: Some(&checked.name),
                    details,
                    client_addr: "",
                    at: now,
                },
            };
            event.insert(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Removes a domain the organization claimed. Members on it stay members; new invitations to
    /// addresses on it are refused from now on.
    pub async fn remove_domain(&self, actor: &Actor<'_>, id: i64) -> StoreResult<bool> {
        let mut tx = self.begin_as(actor).await?;
        let name: Option<String> =
            sqlx::query_scalar("DELETE FROM domains WHERE id = $1 AND org_id = $2 RETURNING name")
                .bind(id)
                .bind(actor.org_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(name) = name else {
            return Ok(false);
        };
        actor
            .event(
                "domain.removed",
                None,
                Some(&name),
                serde_json::json!({ "domain_id": id }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes a due domain's daily re-check for this runner, marking it checked now, unless another
    /// runner took it since it was listed (a second replica's re-check, started when a long run
    /// outlasted its turn): answers whether to look it up. A lookup that then fails, or a runner that
    /// stops, leaves the domain to the next day's re-check.
    pub async fn take_domain_recheck(&self, id: i64, now: Timestamp) -> StoreResult<bool> {
        let taken = sqlx::query(&format!(
            "UPDATE domains SET last_checked_at = $1 WHERE id = $2 AND {}",
            due_for_recheck("$3")
        ))
        .bind(now)
        .bind(id)
        .bind(now - DOMAIN_RECHECK_SECONDS)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Verified and lapsed domains whose last check is a day old or more, oldest check first.
    pub async fn domains_due_for_recheck(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<DomainRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOMAIN_COLUMNS} FROM domains WHERE {} \
             ORDER BY last_checked_at NULLS FIRST, id LIMIT $2",
            due_for_recheck("$1")
        ))
        .bind(now - DOMAIN_RECHECK_SECONDS)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }
}

/// SQL that holds for a domain due for its daily re-check: verified or lapsed, and last checked
/// no later than `cutoff` (an SQL expression), for listing due domains and taking one alike.
fn due_for_recheck(cutoff: &str) -> String {
    format!("state IN ('verified', 'lapsed') AND COALESCE(last_checked_at, 0) <= {cutoff}")
}
