//! Pruning what has served its time, so no table grows without bound.

use roster_model::{Timestamp, PASSWORD_RESET_SECONDS};

use super::{Backend, Store, StoreResult};
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
}

impl Job {
    /// Its name in `job_turns`.
    fn name(self) -> &'static str {
        match self {
            Job::Prune => "prune",
            Job::DomainRecheck => "domain_recheck",
        }
    }
}

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
