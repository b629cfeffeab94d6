//! Bulk import: the users an organization may import, and importing one user — in a transaction
//! of its own, so an import cut short leaves every user fully imported or not at all.

use roster_model::{OrgRole, Page, SortDir, SortField, Timestamp, UserSummary};

use super::builder::QueryBuilder;
use super::invitations::end_invitations_to_join;
use super::OutgoingMail;
use super::{
    push_user_search, user_summary, Actor, Backend, Keyset, Matching, Store, StoreResult, Total,
    NO_INVITATION_COLUMNS, NO_MEMBER_COLUMNS,
};
use super::{queue_mail, MailQuota};
use super::{Cursor, Tally};

/// What importing one user did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Imported,
    /// A member already (imported by an earlier, interrupted run, or joined meanwhile).
    AlreadyMember,
    /// No such user, in another organization, not active, or not on a verified domain of the
    /// organization: one answer for all, which says nothing about anyone the caller may not see.
    NotImportable,
}

/// The email domains whose users import offers.
#[derive(Clone, Copy)]
enum ImportDomains<'a> {
    /// Every verified domain of the organization.
    VerifiedOf(i64),
    /// One of them, already read from `domains`.
    One(&'a str),
}

/// Active users on `domains` who belong to no organization.
fn push_importable_from(
    query: &mut QueryBuilder<'_>,
    backend: Backend,
    domains: ImportDomains<'_>,
    search: Option<&str>,
) {
    query.push("FROM users u WHERE u.org_id IS NULL AND u.status = 'active' AND u.email_domain ");
    match domains {
        ImportDomains::VerifiedOf(org_id) => {
            query.push("IN (SELECT name FROM domains WHERE state = 'verified' AND org_id = ");
            query.push_bind(org_id);
            query.push(")");
        }
        ImportDomains::One(domain) => {
            query.push("= ");
            query.push_bind(domain.to_owned());
        }
    }
    push_user_search(query, backend, search, Matching::Indexed);
}

/// The most verified domains whose importable users are read one domain at a time and merged:
/// each is a query of its own to plan (and SQLite allows 500 in one compound SELECT).
const MERGED_DOMAINS: usize = 20;

/// The columns `user_summary` reads, of an importable user `u`, and its name sort key.
fn push_importable_columns(query: &mut QueryBuilder<'_>) {
    query.push(
        "SELECT u.id, u.email, u.given_name, u.family_name, u.status, u.totp_enrolled, \
         u.two_factor_required, u.created_at, u.last_sign_in_at, 0 AS account_count, ",
    );
    query.push(NO_MEMBER_COLUMNS);
    query.push(NO_INVITATION_COLUMNS);
    query.push("u.sort_name AS sort_key ");
}

impl Store {
    /// The users import offers, by name, and how many (counted up to `COUNT_CAP`).
    pub async fn importable_users(
        &self,
        org_id: i64,
        search: Option<&str>,
        cursor: Option<&Cursor>,
        limit: u32,
        now: Timestamp,
    ) -> StoreResult<Page<UserSummary>> {
        // Counted up to the cap, as the lists are: the page reads at most a cap's worth of the
        // importable users however many the domains hold.
        let mut count = Total::capped_count();
        let verified = ImportDomains::VerifiedOf(org_id);
        push_importable_from(&mut count, self.backend(), verified, search);
        // Unsearched, the page is read domain by domain, each in name order from its own index,
        // and merged: listing every importable user of the domains to sort them took 0.1 s at
        // 40,000 of them. A search is read in one query instead, narrowed through the trigram
        // index where its term has a trigram, and so are more domains than `MERGED_DOMAINS`,
        // however many there are.
        let domains: Vec<String> = if search.is_none() {
            sqlx::query_scalar(
                "SELECT name FROM domains WHERE state = 'verified' AND org_id = $1 \
                 ORDER BY name LIMIT $2",
            )
            .bind(org_id)
            .bind(i64::try_from(MERGED_DOMAINS + 1).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?
        } else {
            Vec::new()
        };
        let mut query = QueryBuilder::new("SELECT * FROM (");
        if domains.is_empty() || domains.len() > MERGED_DOMAINS {
            push_importable_columns(&mut query);
            push_importable_from(&mut query, self.backend(), verified, search);
        } else {
            for (index, domain) in domains.iter().enumerate() {
                if index > 0 {
                    query.push(" UNION ALL ");
                }
                push_importable_columns(&mut query);
                let domain = ImportDomains::One(domain);
                push_importable_from(&mut query, self.backend(), domain, None);
            }
        }
        query.push(") importable WHERE 1 = 1");
        let keyset = Keyset {
            key_expr: "sort_key",
            id_expr: "id",
            field: SortField::Name,
            dir: SortDir::Asc,
            cursor,
            limit,
        };
        self.keyset_page(Total::UpToCap(count), query, &keyset, |row| {
            user_summary(row, now)
        })
        .await
    }

    /// The ids of every importable user the search matches, at most `limit`, and how many match
    /// (counted up to `COUNT_CAP`).
    pub async fn importable_ids(
        &self,
        org_id: i64,
        search: Option<&str>,
        limit: usize,
    ) -> StoreResult<(Vec<i64>, Tally)> {
        self.ids_and_total(limit, None, |query| {
            push_importable_from(
                query,
                self.backend(),
                ImportDomains::VerifiedOf(org_id),
                search,
            )
        })
        .await
    }

    /// Imports one user: they become a managed Member (any pending invitation of theirs to the
    /// organization is superseded), with the audit event and the mail telling them, all in one
    /// transaction. `mail` is built only when the user is imported. Answers the user's name only
    /// when they are the organization's now.
    pub async fn import_user(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        mail: impl FnOnce(&str) -> OutgoingMail,
    ) -> StoreResult<(ImportOutcome, Option<String>)> {
        let mut tx = self.begin_as(actor).await?;
        let row: Option<(String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT email, given_name, family_name, org_id FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((email, given, family, member_of)) = row else {
            return Ok((ImportOutcome::NotImportable, None));
        };
        let label = roster_model::display_name(&given, &family, &email);
        match member_of {
            // The caller's own member: theirs to see.
            Some(org) if org == actor.org_id => {
                return Ok((ImportOutcome::AlreadyMember, Some(label)))
            }
            Some(_) => return Ok((ImportOutcome::NotImportable, None)),
            None => {}
        }
        let joined = sqlx::query(
            "UPDATE users SET org_id = $1, org_role = $2, joined_at = $3, member_source = 'imported', \
             imported_by = $4, version = version + 1, modified_at = $5 \
             WHERE id = $6 AND org_id IS NULL AND status = 'active' AND email_domain IN \
             (SELECT name FROM domains WHERE state = 'verified' AND org_id = $7)",
        )
        .bind(actor.org_id)
        .bind(OrgRole::Member.as_str())
        .bind(actor.at)
        .bind(actor.member_id())
        .bind(actor.at)
        .bind(user_id)
        .bind(actor.org_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !joined {
            return Ok((ImportOutcome::NotImportable, None));
        }
        end_invitations_to_join(&mut tx, actor, user_id).await?;
        actor
            .event(
                "user.imported",
                Some(user_id),
                Some(&label),
                serde_json::json!({}),
            )
            .insert(&mut tx)
            .await?;
        queue_mail(&mut tx, &mail(&email), MailQuota::Unlimited, actor.at).await?;
        tx.commit().await?;
        Ok((ImportOutcome::Imported, Some(label)))
    }
}
