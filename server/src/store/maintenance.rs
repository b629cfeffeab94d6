//! Upkeep: pruning what has served its time, so no table grows without bound, and keeping the
//! members' search rows in name order on disk.

use std::time::Duration;

use roster_model::{Timestamp, PASSWORD_RESET_SECONDS};

use super::{Backend, Store, StoreError, StoreResult};
use crate::auth::{FAILURE_WINDOW_SECONDS, SESSION_IDLE_SECONDS};

/// How long an Idempotency-Key replays its first answer.
pub const IDEMPOTENCY_KEY_SECONDS: i64 = 24 * 60 * 60;
/// Delivered mail rows outlive the outside-mail quota's day by this much (their bodies are gone already).
const SENT_MAIL_SECONDS: i64 = 7 * 24 * 60 * 60;

/// Work one replica of those on a database does at a time, in turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Pruning expired rows and refreshing the planner's statistics.
    Prune,
    /// Re-checking verified domains' DNS records.
    DomainRecheck,
    /// Keeping `member_search` in name order on disk (`Store::order_member_search`).
    MemberSearchOrder,
}

impl Job {
    /// Its name in `job_turns`.
    fn name(self) -> &'static str {
        match self {
            Job::Prune => "prune",
            Job::DomainRecheck => "domain_recheck",
            Job::MemberSearchOrder => "member_search_order",
        }
    }
}

/// A `member_search` partition is rewritten in name order once more than one row in this many
/// sorts before the row stored ahead of it (about one in 250 rows written out of place).
const OUT_OF_ORDER_ONE_IN: i64 = 500;
/// Past this many rows a `member_search` partition is left in the order it is in: rewriting it
/// holds back searches of the Managed tab and every change (behind a change to a member) for
/// about a second per 100,000 rows here.
const MAX_ORDERED_PARTITION_ROWS: i64 = 300_000;
/// How long the rewrite of a partition waits for the queries under way to let go of it: while it
/// waits, every query that comes after it waits too.
const ORDER_LOCK_WAIT_MILLIS: u64 = 1000;
/// How long one statement of a partition's rewrite may take before it is given up: what it holds
/// back must be answered within its own lock timeout (5 s).
const ORDER_STATEMENT_MILLIS: u64 = 3000;

/// How many rows one pruning removed, per kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub failures: u64,
    pub sessions: u64,
    pub idempotency_keys: u64,
    pub password_resets: u64,
    pub mail: u64,
}

impl Store {
    /// Takes `job`'s turn when it is due: answers true to the one caller (of every replica on the
    /// database) that may run it now, and makes it not due again for `seconds`. Replicas' clocks
    /// must agree to well within a turn.
    pub async fn take_turn(&self, job: Job, now: Timestamp, seconds: i64) -> StoreResult<bool> {
        // Of two replicas upserting at once, the second sees the first's next_at and changes
        // nothing, so it gets no row back. A turn ending further off than two turns from now was
        // taken by a clock far ahead: it is taken back rather than stopping the job until then.
        let taken: Option<String> = sqlx::query_scalar(
            "INSERT INTO job_turns (job, next_at) VALUES ($1, $2) \
             ON CONFLICT (job) DO UPDATE SET next_at = excluded.next_at \
             WHERE job_turns.next_at <= $3 OR job_turns.next_at > $4 RETURNING job",
        )
        .bind(job.name())
        .bind(now + seconds)
        .bind(now)
        .bind(now + 2 * seconds)
        .fetch_optional(&self.pool)
        .await?;
        Ok(taken.is_some())
    }

    /// Brings the query planner's statistics up to date where the tables changed much since
    /// they were gathered (SQLite's advice for long-lived connections; PostgreSQL's autovacuum
    /// does this by itself).
    pub async fn refresh_statistics(&self) -> StoreResult<()> {
        if self.backend() == Backend::Sqlite {
            sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// PostgreSQL: rewrites each partition of `member_search` whose rows strayed from name order
    /// (each organization's members by name, `OUT_OF_ORDER_ONE_IN`) back into it, so that a
    /// search that sorts every match of a family name reads few pages (see the README). A
    /// partition past `MAX_ORDERED_PARTITION_ROWS`, one the queries under way hold past
    /// `ORDER_LOCK_WAIT_MILLIS`, or one whose rewrite outlasts `ORDER_STATEMENT_MILLIS` is left as
    /// it is; `pause` between two rewrites lets what waited go through. The order's index is
    /// built for the rewrite and dropped with it: kept, the planner walked it for searches
    /// sorted by name, testing members until a page was full ("chen": 0.17 s instead of 12 ms).
    /// Answers how many partitions were rewritten (none on SQLite, whose search index is its
    /// own).
    pub async fn order_member_search(&self, pause: Duration) -> StoreResult<u32> {
        if self.backend() == Backend::Sqlite {
            return Ok(0);
        }
        // The planner's row estimate spares sorting a partition too large to rewrite.
        let partitions: Vec<(String, f64)> = sqlx::query_as(
            "SELECT CAST(c.oid::regclass AS TEXT), CAST(c.reltuples AS DOUBLE PRECISION) \
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = CAST('member_search' AS regclass) ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut rewritten = 0;
        for (partition, estimate) in partitions {
            if estimate > MAX_ORDERED_PARTITION_ROWS as f64 {
                tracing::warn!(partition, estimate, "too large to put in name order");
                continue;
            }
            let (rows, out_of_order): (i64, i64) = sqlx::query_as(&format!(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE (org_id, sort_name, id) < (ahead_org, ahead_name, ahead_id)) \
                 FROM (SELECT org_id, sort_name, id, lag(org_id) OVER stored AS ahead_org, \
                 lag(sort_name) OVER stored AS ahead_name, lag(id) OVER stored AS ahead_id \
                 FROM {partition} WINDOW stored AS (ORDER BY ctid)) rows_stored"
            ))
            .fetch_one(&self.pool)
            .await?;
            if rows > MAX_ORDERED_PARTITION_ROWS || out_of_order * OUT_OF_ORDER_ONE_IN <= rows {
                continue;
            }
            if rewritten > 0 {
                tokio::time::sleep(pause).await;
            }
            let mut tx = self.pool.begin().await?;
            let rewrite = async {
                for statement in [
                    format!("SET LOCAL lock_timeout = {ORDER_LOCK_WAIT_MILLIS}"),
                    format!("SET LOCAL statement_timeout = {ORDER_STATEMENT_MILLIS}"),
                    "SET LOCAL maintenance_work_mem = '256MB'".to_owned(),
                    format!("LOCK TABLE {partition} IN ACCESS EXCLUSIVE MODE"),
                    format!("CREATE INDEX member_search_in_order ON {partition} (org_id, sort_name, id)"),
                    format!("CLUSTER {partition} USING member_search_in_order"),
                    "DROP INDEX member_search_in_order".to_owned(),
                ] {
                    sqlx::query(&statement).execute(&mut *tx).await?;
                }
                Ok::<(), sqlx::Error>(())
            };
            match rewrite.await {
                Ok(()) => {
                    tx.commit().await?;
                    rewritten += 1;
                }
                // lock_not_available, query_canceled: in use, or too slow to rewrite now.
                Err(sqlx::Error::Database(error))
                    if matches!(error.code().as_deref(), Some("55P03" | "57014")) =>
                {
                    tx.rollback().await?;
                    tracing::warn!(partition, %error, "left out of name order until the next turn");
                }
                Err(error) => return Err(StoreError::from(error)),
            }
        }
        Ok(rewritten)
    }

    /// Deletes failed sign-ins past the throttle's window, ended sessions, idempotency keys past
    /// their day, set-password links well past their expiry, and delivered mail past its week.
    pub async fn prune(&self, now: Timestamp) -> StoreResult<Pruned> {
        let run = |sql: &'static str, before: Timestamp| {
            let pool = self.pool.clone();
            async move {
                Ok::<u64, super::StoreError>(
                    sqlx::query(sql)
                        .bind(before)
                        .execute(&pool)
                        .await?
                        .rows_affected(),
                )
            }
        };
        Ok(Pruned {
            failures: run(
                "DELETE FROM sign_in_failures WHERE at <= $1",
                now - FAILURE_WINDOW_SECONDS,
            )
            .await?,
            sessions: sqlx::query(
                "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
            )
            .bind(now)
            .bind(now - SESSION_IDLE_SECONDS)
            .execute(&self.pool)
            .await?
            .rows_affected(),
            idempotency_keys: run(
                "DELETE FROM idempotency_keys WHERE created_at <= $1",
                now - IDEMPOTENCY_KEY_SECONDS,
            )
            .await?,
            // Kept a while past expiry, so an old link still says "expired" rather than "unknown".
            password_resets: run(
                "DELETE FROM password_resets WHERE expires_at <= $1",
                now - PASSWORD_RESET_SECONDS,
            )
            .await?,
            mail: run(
                "DELETE FROM outbound_mail WHERE sent_at IS NOT NULL AND sent_at <= $1",
                now - SENT_MAIL_SECONDS,
            )
            .await?,
        })
    }
}
