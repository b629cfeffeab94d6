//! The audit log: every change writes its event in the change's own transaction.

use roster_model::{AuditEntry, OrgRole, Page, SortDir, SortField, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};
use tokio::sync::mpsc;

use super::builder::QueryBuilder;
use super::keyset::{Cursor, Keyset, Total};
use super::sql::push_any_holds;
use super::{Store, StoreResult};

/// What a member's request was signed in with: a change checks it is still live (a session not
/// ended, a token not revoked) when it runs, as a request may wait for the write lock meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// Roster's own session cookie, by its token's hash.
    Session { token_hash: String },
    /// An API token, acting as the Owner who created it, by its hash.
    ApiToken { token_hash: String },
    /// A short-lived token from the issuer an embedding host signs people in with, which Roster
    /// cannot end before it expires.
    HostToken,
}

/// Who makes a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting<'a> {
    /// A member of the organization: signed in, or through an API token or a host's token.
    Member {
        user_id: i64,
        credential: &'a Credential,
    },
    /// An identity provider with one of the organization's provisioning (SCIM) tokens.
    ScimToken(i64),
}

/// Who is acting, for the audit events a bulk change writes (one per item).
pub struct Actor<'a> {
    pub org_id: i64,
    pub acting: Acting<'a>,
    /// Their role in the organization, which decides what they may change (a provisioning token
    /// has an Owner's).
    pub role: OrgRole,
    pub label: &'a str,
    pub client_addr: &'a str,
    pub at: Timestamp,
}

impl<'a> Actor<'a> {
    /// The member acting, unless a provisioning token is.
    pub fn member_id(&self) -> Option<i64> {
        match self.acting {
            Acting::Member { user_id, .. } => Some(user_id),
            Acting::ScimToken(_) => None,
        }
    }

    /// The event of `action`; one a provisioning token made names the token in its details.
    pub fn event(
        &self,
        action: &'a str,
        target_id: Option<i64>,
        target_label: Option<&'a str>,
        mut details: serde_json::Value,
    ) -> AuditEvent<'a> {
        if let (Acting::ScimToken(token_id), Some(details)) = (self.acting, details.as_object_mut())
        {
            details.insert("scim_token_id".to_owned(), token_id.into());
        }
        AuditEvent {
            org_id: Some(self.org_id),
            actor_id: self.member_id(),
            actor_label: self.label,
            action,
            target_id,
            target_label,
            details,
            client_addr: self.client_addr,
            at: self.at,
        }
    }
}

/// Filters of the audit log; text filters are lower-cased substrings.
#[derive(Debug, Clone)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub action: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

/// One line of the audit log, written in the transaction of the change it records.
#[derive(Clone)]
pub struct AuditEvent<'a> {
    pub org_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub target_id: Option<i64>,
    pub target_label: Option<&'a str>,
    pub details: serde_json::Value,
    pub client_addr: &'a str,
    pub at: Timestamp,
}

impl AuditEvent<'_> {
    pub(super) async fn insert(&self, tx: &mut sqlx::Transaction<'_, Any>) -> StoreResult<()> {
        sqlx::query(
            // The actor's and the target's emails as they are at this moment, beside their names:
            // names are not unique, and a member could take another's to act under it in the log.
            "INSERT INTO audit_events (org_id, actor_id, actor_label, action, target_id, target_label, details, client_addr, at, \
             actor_email, target_email) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             (SELECT email FROM users WHERE id = $2), (SELECT email FROM users WHERE id = $5))",
        )
        .bind(self.org_id)
        .bind(self.actor_id)
        .bind(self.actor_label)
        .bind(self.action)
        .bind(self.target_id)
        .bind(self.target_label)
        .bind(self.details.to_string())
        .bind(self.client_addr)
        .bind(self.at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

impl Store {
    /// The audit log of an organization, newest first, filtered by actor and target (substrings of
    /// their names) and action (exact).
    pub async fn audit_log(
        &self,
        org_id: i64,
        params: &AuditParams,
    ) -> StoreResult<Page<AuditEntry>> {
        // Counted up to the cap, as the user lists are: a log grows without end, and a count of
        // all of it under a name filter would read every event on every page.
        let mut count = Total::capped_count();
        push_audit_from(&mut count, org_id, params);
        let mut query = QueryBuilder::new(
            "SELECT e.id, e.at, e.actor_id, e.actor_label, e.actor_email, e.action, e.target_id, \
             e.target_label, e.target_email, e.client_addr, e.id AS sort_key ",
        );
        push_audit_from(&mut query, org_id, params);
        let keyset = Keyset {
            key_expr: "e.id",
            id_expr: "e.id",
            field: SortField::Date,
            dir: SortDir::Desc,
            cursor: params.cursor.as_ref(),
            limit: params.limit,
        };
        self.keyset_page(Total::UpToCap(count), query, &keyset, audit_entry)
            .await
    }

    /// The whole audit log under `params`' filters, newest first, sent to `entries`, read a
    /// page at a time with short queries (see [`Store::export_users`]). Stops when nobody
    /// receives them any more.
    pub async fn export_audit(
        &self,
        org_id: i64,
        params: &AuditParams,
        entries: mpsc::Sender<AuditEntry>,
    ) -> StoreResult<()> {
        const PAGE: i64 = 1000;
        let mut before: Option<i64> = None;
        loop {
            let mut query = QueryBuilder::new(
                "SELECT e.id, e.at, e.actor_id, e.actor_label, e.actor_email, e.action, e.target_id, \
                 e.target_label, e.target_email, e.client_addr ",
            );
            push_audit_from(&mut query, org_id, params);
            if let Some(before) = before {
                query.push(" AND e.id < ").push_bind(before);
            }
            query.push(" ORDER BY e.id DESC LIMIT ").push_bind(PAGE);
            let page = query.build().fetch_all(&self.pool).await?;
            let full = page.len() as i64 == PAGE;
            for row in &page {
                let entry = audit_entry(row)?;
                before = Some(entry.id);
                if entries.send(entry).await.is_err() {
                    return Ok(());
                }
            }
            if !full {
                return Ok(());
            }
        }
    }
}

fn audit_entry(row: &AnyRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor: row
            .try_get::<Option<String>, _>("actor_label")?
            .unwrap_or_default(),
        actor_email: row.try_get("actor_email")?,
        action: row.try_get("action")?,
        target_id: row.try_get("target_id")?,
        target: row.try_get("target_label")?,
        target_email: row.try_get("target_email")?,
        client_addr: row.try_get("client_addr")?,
    })
}

fn push_audit_from(query: &mut QueryBuilder<'_>, org_id: i64, params: &AuditParams) {
    query.push("FROM audit_events e WHERE e.org_id = ");
    query.push_bind(org_id);
    // A name or an email: the same text is tested against both.
    if let Some(actor) = &params.actor {
        push_any_holds(query, &["e.actor_label", "e.actor_email"], actor);
    }
    if let Some(target) = &params.target {
        push_any_holds(query, &["e.target_label", "e.target_email"], target);
    }
    if let Some(action) = &params.action {
        query.push(" AND e.action = ");
        query.push_bind(action.clone());
    }
}
