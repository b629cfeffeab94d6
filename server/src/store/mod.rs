//! All of Roster's SQL, behind one type. Queries use only syntax SQLite and PostgreSQL share
//! (row values, QueryBuilder binds, CAST(NULL AS ...), LIKE ... ESCAPE); SQLite-only pieces say
//! what stands in for them on PostgreSQL.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use roster_model::{
    display_name, member_change_problem, name_problem, org_role_change_problem, AccountAccess,
    AccountRef, AccountStatus, AccountSummary, AuditEntry, ImportInfo, InvitationInfo,
    InvitedAccount, MemberChange, OrgFeatures, OrgRole, Organization, Page, Relation, RoleSet,
    SortDir, SortField, Timestamp, TwoFactor, UserChange, UserDetail, UserRef, UserStatus,
    UserSummary, UserView, ViewCounts,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::cursor::{Cursor, Direction, SortKey};
use crate::dataset::{Dataset, IdBase};
use crate::secrets::{SecretKey, SecretKeyError};

mod accounts;
mod domains;
mod import;
mod invitations;
mod maintenance;
mod manage;
mod password_resets;
mod secrets;
mod sessions;
mod tokens;
pub use accounts::*;
pub use domains::*;
pub use import::*;
pub use invitations::*;
pub use maintenance::*;
pub use password_resets::*;
pub use sessions::*;
pub use tokens::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Another writer held the database longer than the busy timeout (or every connection was in
    /// use that long): the request can be tried again.
    #[error("the database is busy")]
    Busy,
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    SecretKey(#[from] SecretKeyError),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (BUSY_SNAPSHOT is 517).
        let busy = match &error {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(db) => db
                .code()
                .and_then(|code| code.parse::<i64>().ok())
                .is_some_and(|code| matches!(code & 0xff, 5 | 6)),
            _ => false,
        };
        if busy {
            StoreError::Busy
        } else {
            StoreError::Database(error)
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What the user list is asked for, already validated.
#[derive(Debug, Clone)]
pub struct UserListParams {
    pub view: UserView,
    /// Lower-cased text to find anywhere in the name or email.
    pub search: Option<String>,
    pub sort: SortField,
    pub dir: SortDir,
    pub cursor: Option<Cursor>,
    pub limit: u32,
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

#[derive(Debug, Clone)]
pub struct AccountListParams {
    pub search: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Encrypts TOTP secrets and keys recovery-code digests on their way in and out.
    key: SecretKey,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Store {
    /// Opens (creating when missing) the database at `url`, brings its schema up to date, checks
    /// that `key` is the key its secrets were written with, and protects any secrets still stored
    /// in the clear from before.
    pub async fn open(url: &str, key: SecretKey) -> StoreResult<Store> {
        Store::open_with_busy_timeout(url, key, Duration::from_secs(5)).await
    }

    /// As [`Store::open`], waiting at most `busy_timeout` for another writer before a change
    /// gives up with [`StoreError::Busy`].
    pub async fn open_with_busy_timeout(
        url: &str,
        key: SecretKey,
        busy_timeout: Duration,
    ) -> StoreResult<Store> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(busy_timeout.max(Duration::from_secs(5)))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let store = Store { pool, key };
        store.check_secret_key().await?;
        store.protect_plain_secrets().await?;
        Ok(store)
    }

    /// The organization this server instance shows: the first one created.
    /// Starts a transaction that holds the write lock from its first statement. Changes here read
    /// and then write; a deferred transaction would fail (SQLITE_BUSY_SNAPSHOT) when another
    /// writer committed in between, where this one waits its turn. (PostgreSQL: plain BEGIN.)
    async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub async fn primary_org_id(&self) -> StoreResult<Option<i64>> {
        let id = sqlx::query_scalar("SELECT id FROM organizations ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(id)
    }

    pub async fn organization(&self, org_id: i64) -> StoreResult<Option<Organization>> {
        let row =
            sqlx::query("SELECT id, name, bulk_import_enabled FROM organizations WHERE id = ?")
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(Organization {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                features: OrgFeatures {
                    bulk_import: row.try_get::<i64, _>("bulk_import_enabled")? != 0,
                },
            })
        })
        .transpose()
    }

    pub async fn view_counts(&self, org_id: i64) -> StoreResult<ViewCounts> {
        let mut counts = ViewCounts::default();
        for view in UserView::ALL {
            let mut query = QueryBuilder::new("SELECT COUNT(*) ");
            push_user_view_from(&mut query, view, org_id, false);
            let total: i64 = query.build_query_scalar().fetch_one(&self.pool).await?;
            let total = u64::try_from(total).unwrap_or_default();
            match view {
                UserView::Managed => counts.managed = total,
                UserView::External => counts.external = total,
                UserView::Invited => counts.invited = total,
                UserView::Imported => counts.imported = total,
            }
        }
        Ok(counts)
    }

    pub async fn list_users(
        &self,
        org_id: i64,
        params: &UserListParams,
        now: Timestamp,
    ) -> StoreResult<Page<UserSummary>> {
        let key_expr = match (params.sort, params.view) {
            (SortField::Name, _) => "u.sort_name",
            (SortField::Email, _) => "u.email",
            (SortField::Date, UserView::Managed | UserView::Imported) => "u.joined_at",
            (SortField::Date, UserView::External) => "u.created_at",
            (SortField::Date, UserView::Invited) => "i.sent_at",
        };

        let mut count = QueryBuilder::new("SELECT COUNT(*) ");
        push_user_view_from(&mut count, params.view, org_id, false);
        push_user_search(&mut count, params.search.as_deref());
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut query =
            QueryBuilder::new("SELECT u.id, u.email, u.given_name, u.family_name, u.status, ");
        query.push("u.totp_enrolled, u.two_factor_required, u.created_at, u.last_sign_in_at, ");
        query.push("(SELECT COUNT(*) FROM account_access aa JOIN accounts a ON a.id = aa.account_id WHERE aa.user_id = u.id AND a.org_id = ");
        query.push_bind(org_id);
        query.push(") AS account_count, ");
        query.push(match params.view {
            UserView::Managed | UserView::Imported => MEMBER_COLUMNS,
            UserView::External => NO_MEMBER_COLUMNS,
            UserView::Invited => NO_MEMBER_COLUMNS,
        });
        query.push(match params.view {
            UserView::Invited => INVITATION_COLUMNS,
            _ => NO_INVITATION_COLUMNS,
        });
        query.push(format_args!("{key_expr} AS sort_key "));
        push_user_view_from(&mut query, params.view, org_id, true);
        push_user_search(&mut query, params.search.as_deref());
        let keyset = Keyset {
            key_expr,
            id_expr: "u.id",
            field: params.sort,
            dir: params.dir,
            cursor: params.cursor.as_ref(),
            limit: params.limit,
        };
        keyset.push_tail(&mut query);

        let rows = query.build().fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(|row| {
                Ok((
                    sort_key(row, params.sort)?,
                    row.try_get("id")?,
                    user_summary(row, now)?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let invitations: Vec<&mut InvitationInfo> = items
            .iter_mut()
            .filter_map(|(_, _, user)| user.invitation.as_mut())
            .collect();
        self.fill_invited_accounts(invitations).await?;
        if params.view == UserView::External {
            self.fill_external_access(org_id, items.iter_mut().map(|(_, _, user)| user).collect())
                .await?;
        }
        Ok(keyset.page(items, total))
    }

    /// Adds each external user's access to the organization's accounts, with one query for the page.
    async fn fill_external_access(
        &self,
        org_id: i64,
        users: Vec<&mut UserSummary>,
    ) -> StoreResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT aa.user_id, a.id, a.sid, a.name, aa.roles, a.owner_id FROM account_access aa \
             JOIN accounts a ON a.id = aa.account_id WHERE a.org_id = ",
        );
        query.push_bind(org_id).push(" AND aa.user_id IN (");
        let mut list = query.separated(", ");
        for user in &users {
            list.push_bind(user.id);
        }
        query.push(") ORDER BY a.name, a.id");
        let mut access: HashMap<i64, Vec<AccountAccess>> = HashMap::new();
        for row in query.build().fetch_all(&self.pool).await? {
            let user_id: i64 = row.try_get("user_id")?;
            access
                .entry(user_id)
                .or_default()
                .push(account_access(&row, user_id)?);
        }
        for user in users {
            user.access = access.remove(&user.id).unwrap_or_default();
        }
        Ok(())
    }

    /// A user as this organization sees them, or None when the user is not related to it
    /// (another organization's users are never visible).
    /// The ids of the users a list view and search match, by id, at most `limit` of them, and
    /// how many match in all.
    pub async fn user_ids(
        &self,
        org_id: i64,
        view: UserView,
        search: Option<&str>,
        limit: usize,
    ) -> StoreResult<(Vec<i64>, u64)> {
        self.ids_and_total(limit, |query| {
            push_user_view_from(query, view, org_id, false);
            push_user_search(query, search);
        })
        .await
    }

    /// The ids of the users `from` selects (as `u`), at most `limit` in id order, and how many
    /// it selects in all: "select all matching".
    async fn ids_and_total(
        &self,
        limit: usize,
        from: impl Fn(&mut QueryBuilder<'_, Sqlite>),
    ) -> StoreResult<(Vec<i64>, u64)> {
        let mut count = QueryBuilder::new("SELECT COUNT(*) ");
        from(&mut count);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut query = QueryBuilder::new("SELECT u.id ");
        from(&mut query);
        query.push(" ORDER BY u.id LIMIT ");
        query.push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let ids = query.build_query_scalar().fetch_all(&self.pool).await?;
        Ok((ids, u64::try_from(total).unwrap_or_default()))
    }

    pub async fn user_detail(
        &self,
        org_id: i64,
        user_id: i64,
        now: Timestamp,
    ) -> StoreResult<Option<UserDetail>> {
        let Some(row) = sqlx::query(
            "SELECT u.id, u.email, u.given_name, u.family_name, u.status, u.totp_enrolled, \
             u.two_factor_required, u.created_at, u.last_sign_in_at, u.org_id, u.org_role, \
             u.joined_at, u.member_source, u.version, imp.id AS imp_id, imp.given_name AS imp_given, \
             imp.family_name AS imp_family, imp.email AS imp_email \
             FROM users u LEFT JOIN users imp ON imp.id = u.imported_by WHERE u.id = ?",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };

        let is_member = row.try_get::<Option<i64>, _>("org_id")? == Some(org_id);
        let invitation = self.pending_invitation(org_id, user_id, now).await?;
        let accounts = self.account_access_of(org_id, user_id).await?;
        let relation = if is_member {
            Relation::Managed
        } else if invitation.is_some() {
            Relation::Invited
        } else if !accounts.is_empty() {
            Relation::External
        } else {
            return Ok(None);
        };

        let imported = if is_member { import_info(&row)? } else { None };
        Ok(Some(UserDetail {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            given_name: row.try_get("given_name")?,
            family_name: row.try_get("family_name")?,
            status: parse_status(&row)?,
            relation: Some(relation),
            org_role: if is_member {
                parse_org_role(&row)?
            } else {
                None
            },
            two_factor: two_factor(&row)?,
            created_at: row.try_get("created_at")?,
            joined_at: if is_member {
                row.try_get("joined_at")?
            } else {
                None
            },
            last_sign_in_at: row.try_get("last_sign_in_at")?,
            accounts,
            invitation,
            imported,
            version: row.try_get("version")?,
        }))
    }

    /// Changes a managed user's name and organization role if `expected_version` is still
    /// current, under the organization-role rules, with its audit event, in one transaction.
    pub async fn update_user(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected_version: i64,
        change: &UserChange,
    ) -> StoreResult<UpdateOutcome> {
        let mut tx = self.begin().await?;
        let Some(row) = sqlx::query(
            "SELECT email, given_name, family_name, org_role, version FROM users WHERE id = ? AND org_id = ?",
        )
        .bind(user_id)
        .bind(actor.org_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(UpdateOutcome::NotFound);
        };
        if row.try_get::<i64, _>("version")? != expected_version {
            return Ok(UpdateOutcome::Stale);
        }
        let email: String = row.try_get("email")?;
        let before_given: String = row.try_get("given_name")?;
        let before_family: String = row.try_get("family_name")?;
        let before_role = parse_org_role(&row)?.unwrap_or(OrgRole::Member);
        let given = change
            .given_name
            .as_deref()
            .map_or(before_given.as_str(), str::trim);
        let family = change
            .family_name
            .as_deref()
            .map_or(before_family.as_str(), str::trim);
        let role = change.org_role.unwrap_or(before_role);
        if let Some((field, problem)) = name_problem(given, family) {
            return Ok(UpdateOutcome::Invalid(field, problem));
        }
        let owners = manage::owner_count(&mut tx, actor.org_id).await?;
        let is_self = actor.user_id == user_id;
        if let Some(problem) =
            org_role_change_problem(actor.role, is_self, before_role, role, owners)
        {
            return Ok(UpdateOutcome::Invalid("org_role", problem.to_owned()));
        }
        let change = MemberChange::Edit;
        if let Some(problem) =
            member_change_problem(actor.role, is_self, before_role, owners, change)
        {
            return Ok(UpdateOutcome::Refused(problem));
        }
        if before_role == OrgRole::Owner && role != OrgRole::Owner {
            // A demoted Owner's tokens end with their Ownership; a later promotion revives none.
            tokens::revoke_tokens_of(&mut tx, user_id, actor.at).await?;
        }
        sqlx::query(
            "UPDATE users SET given_name = ?, family_name = ?, sort_name = ?, search_text = ?, org_role = ?, \
             version = version + 1 WHERE id = ?",
        )
        .bind(given)
        .bind(family)
        .bind(sort_name(given, family, &email))
        .bind(search_text(given, family, &email))
        .bind(role.as_str())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let label = display_name(given, family, &email);
        actor
            .event(
                "user.updated",
                Some(user_id),
                Some(&label),
                serde_json::json!({
                    "before": { "given_name": before_given, "family_name": before_family, "org_role": before_role },
                    "after": { "given_name": given, "family_name": family, "org_role": role },
                }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    async fn pending_invitation(
        &self,
        org_id: i64,
        user_id: i64,
        now: Timestamp,
    ) -> StoreResult<Option<InvitationInfo>> {
        let mut query = QueryBuilder::new("SELECT ");
        query.push(INVITATION_COLUMNS);
        query.push("NULL AS unused FROM invitations i LEFT JOIN users inv_by ON inv_by.id = i.invited_by WHERE i.state = 'pending' AND i.account_id IS NULL AND i.org_id = ");
        query.push_bind(org_id);
        query.push(" AND i.user_id = ");
        query.push_bind(user_id);
        let row = query.build().fetch_optional(&self.pool).await?;
        let mut info = row
            .map(|row| invitation_info(&row, now))
            .transpose()?
            .flatten();
        self.fill_invited_accounts(info.iter_mut().collect())
            .await?;
        Ok(info)
    }

    /// Adds what each invitation grants, with one query for all of them.
    async fn fill_invited_accounts(
        &self,
        invitations: Vec<&mut InvitationInfo>,
    ) -> StoreResult<()> {
        if invitations.is_empty() {
            return Ok(());
        }
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT ia.invitation_id, a.name, ia.roles FROM invitation_accounts ia \
             JOIN accounts a ON a.id = ia.account_id WHERE ia.invitation_id IN (",
        );
        let mut list = query.separated(", ");
        for invitation in &invitations {
            list.push_bind(invitation.id);
        }
        query.push(") ORDER BY a.name, a.id");
        let mut granted: HashMap<i64, Vec<InvitedAccount>> = HashMap::new();
        for row in query.build().fetch_all(&self.pool).await? {
            granted
                .entry(row.try_get("invitation_id")?)
                .or_default()
                .push(InvitedAccount {
                    name: row.try_get("name")?,
                    roles: role_set(row.try_get("roles")?),
                });
        }
        for invitation in invitations {
            invitation.accounts = granted.remove(&invitation.id).unwrap_or_default();
        }
        Ok(())
    }

    /// The organization's accounts the user can access or owns, by name.
    async fn account_access_of(
        &self,
        org_id: i64,
        user_id: i64,
    ) -> StoreResult<Vec<AccountAccess>> {
        let rows = sqlx::query(
            "SELECT a.id, a.sid, a.name, COALESCE(aa.roles, 0) AS roles, a.owner_id \
             FROM accounts a LEFT JOIN account_access aa ON aa.account_id = a.id AND aa.user_id = ? \
             WHERE a.org_id = ? AND (aa.user_id IS NOT NULL OR a.owner_id = ?) \
             ORDER BY a.name, a.id",
        )
        .bind(user_id)
        .bind(org_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| account_access(row, user_id))
            .collect()
    }

    pub async fn list_accounts(
        &self,
        org_id: i64,
        params: &AccountListParams,
    ) -> StoreResult<Page<AccountSummary>> {
        let mut count = QueryBuilder::new("SELECT COUNT(*) ");
        push_account_from(&mut count, org_id, params.search.as_deref());
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut query = QueryBuilder::new(
            "SELECT a.id, a.sid, a.name, a.status, o.id AS owner_id, o.given_name AS owner_given, \
             o.family_name AS owner_family, o.email AS owner_email, \
             (SELECT COUNT(*) FROM account_access aa WHERE aa.account_id = a.id) AS user_count, \
             a.name AS sort_key ",
        );
        push_account_from(&mut query, org_id, params.search.as_deref());
        let keyset = Keyset {
            key_expr: "a.name",
            id_expr: "a.id",
            field: SortField::Name,
            dir: SortDir::Asc,
            cursor: params.cursor.as_ref(),
            limit: params.limit,
        };
        keyset.push_tail(&mut query);
        let rows = query.build().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|row| {
                let summary = account_summary(row)?;
                Ok((SortKey::Text(row.try_get("sort_key")?), summary.id, summary))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(keyset.page(items, total))
    }
}

impl Store {
    /// The first free id of every table the generator fills.
    pub async fn next_ids(&self) -> StoreResult<IdBase> {
        let next = |table: &'static str| {
            let pool = self.pool.clone();
            async move {
                let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table}"))
                    .fetch_one(&pool)
                    .await?;
                Ok::<i64, StoreError>(max.unwrap_or(0) + 1)
            }
        };
        Ok(IdBase {
            org: next("organizations").await?,
            user: next("users").await?,
            account: next("accounts").await?,
            domain: next("domains").await?,
            invitation: next("invitations").await?,
        })
    }

    /// Writes a generated dataset in one transaction, with multi-row inserts so that 100,000 users
    /// take seconds, not minutes.
    pub async fn insert_dataset(&self, data: &Dataset) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for chunk in data.orgs.chunks(INSERT_CHUNK) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO organizations (id, name, bulk_import_enabled, created_at) ",
            )
            .push_values(chunk, |mut row, org| {
                row.push_bind(org.id)
                    .push_bind(&org.name)
                    .push_bind(i64::from(org.bulk_import))
                    .push_bind(org.created_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.users.chunks(INSERT_CHUNK) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO users (id, email, given_name, family_name, sort_name, search_text, status, \
                 totp_enrolled, two_factor_required, created_at, last_sign_in_at, org_id, org_role, \
                 joined_at, member_source, imported_by, password_hash, totp_secret) ",
            )
            .push_values(chunk, |mut row, user| {
                let membership = user.membership.as_ref();
                row.push_bind(user.id)
                    .push_bind(&user.email)
                    .push_bind(&user.given_name)
                    .push_bind(&user.family_name)
                    .push_bind(sort_name(&user.given_name, &user.family_name, &user.email))
                    .push_bind(search_text(&user.given_name, &user.family_name, &user.email))
                    .push_bind(user.status.as_str())
                    .push_bind(i64::from(user.totp_secret.is_some()))
                    .push_bind(i64::from(user.two_factor_required))
                    .push_bind(user.created_at)
                    .push_bind(user.last_sign_in_at)
                    .push_bind(membership.map(|m| m.org_id))
                    .push_bind(membership.map(|m| m.role.as_str()))
                    .push_bind(membership.map(|m| m.joined_at))
                    .push_bind(membership.map(|m| if m.imported_by.is_some() { "imported" } else { "invited" }))
                    .push_bind(membership.and_then(|m| m.imported_by))
                    .push_bind(&user.password_hash)
                    .push_bind(user.totp_secret.as_deref().map(|s| self.key.encrypt(s)));
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.accounts.chunks(INSERT_CHUNK) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO accounts (id, sid, org_id, name, status, owner_id, created_at) ",
            )
            .push_values(chunk, |mut row, account| {
                row.push_bind(account.id)
                    .push_bind(&account.sid)
                    .push_bind(account.org_id)
                    .push_bind(&account.name)
                    .push_bind(account.status.as_str())
                    .push_bind(account.owner_id)
                    .push_bind(account.created_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.access.chunks(INSERT_CHUNK) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO account_access (account_id, user_id, roles, granted_at) ",
            )
            .push_values(chunk, |mut row, access| {
                row.push_bind(access.account_id)
                    .push_bind(access.user_id)
                    .push_bind(i64::from(access.roles.bits()))
                    .push_bind(access.granted_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.domains.chunks(INSERT_CHUNK) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO domains (id, org_id, name, state, token, created_at, verified_at, last_checked_at) ",
            )
            .push_values(chunk, |mut row, domain| {
                row.push_bind(domain.id)
                    .push_bind(domain.org_id)
                    .push_bind(&domain.name)
                    .push_bind(domain.state.as_str())
                    .push_bind(&domain.token)
                    .push_bind(domain.created_at)
                    .push_bind(domain.verified_at)
                    .push_bind(domain.last_checked_at);
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        for chunk in data.invitations.chunks(INSERT_CHUNK) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO invitations (id, org_id, user_id, invited_by, state, sent_at, last_sent_at, expires_at, token_hash) ",
            )
            .push_values(chunk, |mut row, invitation| {
                row.push_bind(invitation.id)
                    .push_bind(invitation.org_id)
                    .push_bind(invitation.user_id)
                    .push_bind(invitation.invited_by)
                    .push_bind("pending")
                    .push_bind(invitation.sent_at)
                    .push_bind(invitation.last_sent_at)
                    .push_bind(invitation.expires_at)
                    .push_bind(
                        invitation
                            .demo_token
                            .as_deref()
                            .map(crate::auth::token_hash),
                    );
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        let invitation_accounts: Vec<(i64, i64, RoleSet)> = data
            .invitations
            .iter()
            .flat_map(|i| {
                i.accounts
                    .iter()
                    .map(|(account, roles)| (i.id, *account, *roles))
            })
            .collect();
        for chunk in invitation_accounts.chunks(INSERT_CHUNK) {
            QueryBuilder::<Sqlite>::new(
                "INSERT INTO invitation_accounts (invitation_id, account_id, roles) ",
            )
            .push_values(chunk, |mut row, (invitation, account, roles)| {
                row.push_bind(*invitation)
                    .push_bind(*account)
                    .push_bind(i64::from(roles.bits()));
            })
            .build()
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// What became of a change to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    Updated,
    NotFound,
    /// Someone changed the user since the version the change was based on.
    Stale,
    /// A rule forbids it; the message says which.
    Refused(&'static str),
    /// The field's new value is not acceptable, for this reason.
    Invalid(&'static str, String),
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
    async fn insert(&self, tx: &mut sqlx::Transaction<'_, Sqlite>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (org_id, actor_id, actor_label, action, target_id, target_label, details, client_addr, at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        let mut count = QueryBuilder::new("SELECT COUNT(*) ");
        push_audit_from(&mut count, org_id, params);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut query = QueryBuilder::new(
            "SELECT e.id, e.at, e.actor_id, e.actor_label, e.action, e.target_id, e.target_label, e.client_addr ",
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
        keyset.push_tail(&mut query);
        let rows = query.build().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|row| {
                let entry = AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor_id: row.try_get("actor_id")?,
                    actor: row
                        .try_get::<Option<String>, _>("actor_label")?
                        .unwrap_or_default(),
                    action: row.try_get("action")?,
                    target_id: row.try_get("target_id")?,
                    target: row.try_get("target_label")?,
                    client_addr: row.try_get("client_addr")?,
                };
                Ok((SortKey::Int(entry.id), entry.id, entry))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(keyset.page(items, total))
    }
}

/// Rows per multi-row INSERT: 18 columns × 1,000 rows stays under SQLite's 32,766 bound parameters.
const INSERT_CHUNK: usize = 1000;

/// The "name" sort key: family name first, then given name, then email for people with no name yet.
pub fn sort_name(given: &str, family: &str, email: &str) -> String {
    format!("{} {} {}", family.trim(), given.trim(), email)
        .trim()
        .to_lowercase()
}

/// What substring search matches against: the name in both orders' natural form, and the email.
pub fn search_text(given: &str, family: &str, email: &str) -> String {
    format!("{} {} {}", given.trim(), family.trim(), email).to_lowercase()
}

/// Organization-membership columns, for the views whose rows are members.
const MEMBER_COLUMNS: &str = "u.org_role AS org_role, u.joined_at AS joined_at, \
    u.member_source AS member_source, imp.id AS imp_id, imp.given_name AS imp_given, \
    imp.family_name AS imp_family, imp.email AS imp_email, ";
const NO_MEMBER_COLUMNS: &str =
    "CAST(NULL AS TEXT) AS org_role, CAST(NULL AS BIGINT) AS joined_at, \
    CAST(NULL AS TEXT) AS member_source, CAST(NULL AS BIGINT) AS imp_id, \
    CAST(NULL AS TEXT) AS imp_given, CAST(NULL AS TEXT) AS imp_family, \
    CAST(NULL AS TEXT) AS imp_email, ";
/// The pending invitation (`i`) and who sent it (`inv_by`).
const INVITATION_COLUMNS: &str = "i.id AS inv_id, i.sent_at AS inv_sent_at, \
    i.last_sent_at AS inv_last_sent_at, i.expires_at AS inv_expires_at, inv_by.id AS by_id, \
    inv_by.given_name AS by_given, inv_by.family_name AS by_family, inv_by.email AS by_email, ";
const NO_INVITATION_COLUMNS: &str = "CAST(NULL AS BIGINT) AS inv_id, CAST(NULL AS BIGINT) AS inv_sent_at, \
    CAST(NULL AS BIGINT) AS inv_last_sent_at, CAST(NULL AS BIGINT) AS inv_expires_at, \
    CAST(NULL AS BIGINT) AS by_id, CAST(NULL AS TEXT) AS by_given, CAST(NULL AS TEXT) AS by_family, \
    CAST(NULL AS TEXT) AS by_email, ";

/// FROM and WHERE of one tab of the user-management page.
/// Invited rows are pending invitations, expired ones included (the list marks them).
/// `for_rows` adds the joins only the row columns need; counting without them reads the index alone.
fn push_user_view_from(
    query: &mut QueryBuilder<'_, Sqlite>,
    view: UserView,
    org_id: i64,
    for_rows: bool,
) {
    match view {
        UserView::Managed | UserView::Imported => {
            query.push("FROM users u ");
            if for_rows {
                query.push("LEFT JOIN users imp ON imp.id = u.imported_by ");
            }
            query.push("WHERE u.org_id = ");
            query.push_bind(org_id);
            if view == UserView::Imported {
                query.push(" AND u.member_source = 'imported'");
            }
        }
        UserView::External => {
            query.push("FROM users u WHERE (u.org_id IS NULL OR u.org_id <> ");
            query.push_bind(org_id);
            query.push(") AND EXISTS (SELECT 1 FROM account_access aa JOIN accounts a ON a.id = aa.account_id WHERE aa.user_id = u.id AND a.org_id = ");
            query.push_bind(org_id);
            query.push(")");
        }
        UserView::Invited => {
            query.push("FROM invitations i JOIN users u ON u.id = i.user_id ");
            if for_rows {
                query.push("LEFT JOIN users inv_by ON inv_by.id = i.invited_by ");
            }
            query.push("WHERE i.state = 'pending' AND i.account_id IS NULL AND i.org_id = ");
            query.push_bind(org_id);
        }
    }
}

fn push_audit_from(query: &mut QueryBuilder<'_, Sqlite>, org_id: i64, params: &AuditParams) {
    query.push("FROM audit_events e WHERE e.org_id = ");
    query.push_bind(org_id);
    if let Some(actor) = &params.actor {
        query.push(" AND LOWER(e.actor_label) LIKE ");
        query.push_bind(like_pattern(actor));
        query.push(" ESCAPE '\\'");
    }
    if let Some(target) = &params.target {
        query.push(" AND LOWER(e.target_label) LIKE ");
        query.push_bind(like_pattern(target));
        query.push(" ESCAPE '\\'");
    }
    if let Some(action) = &params.action {
        query.push(" AND e.action = ");
        query.push_bind(action.clone());
    }
}

fn push_account_from(query: &mut QueryBuilder<'_, Sqlite>, org_id: i64, search: Option<&str>) {
    query.push("FROM accounts a JOIN users o ON o.id = a.owner_id WHERE a.org_id = ");
    query.push_bind(org_id);
    if let Some(search) = search {
        let pattern = like_pattern(search);
        query.push(" AND (LOWER(a.name) LIKE ");
        query.push_bind(pattern.clone());
        query.push(" ESCAPE '\\' OR LOWER(a.sid) LIKE ");
        query.push_bind(pattern);
        query.push(" ESCAPE '\\')");
    }
}

/// Substring search on users. The trigram index narrows the rows to candidates (it cannot use LIKE's
/// ESCAPE, so a `%` or `_` typed by the admin acts as a wildcard there and matches a superset); the
/// escaped LIKE on those candidates then keeps exactly the users whose name or email holds the text.
fn push_user_search(query: &mut QueryBuilder<'_, Sqlite>, search: Option<&str>) {
    if let Some(search) = search {
        query.push(" AND u.id IN (SELECT rowid FROM users_search WHERE search_text LIKE ");
        query.push_bind(format!("%{search}%"));
        query.push(") AND u.search_text LIKE ");
        query.push_bind(like_pattern(search));
        query.push(" ESCAPE '\\'");
    }
}

/// `%text%` with LIKE's wildcards in `text` escaped, so a search for "50%" finds exactly that.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Keyset pagination over `(key_expr, id_expr)`: the WHERE condition, ORDER BY and LIMIT, and the
/// cursors of the resulting page.
struct Keyset<'a> {
    key_expr: &'static str,
    id_expr: &'static str,
    field: SortField,
    dir: SortDir,
    cursor: Option<&'a Cursor>,
    limit: u32,
}

impl Keyset<'_> {
    /// The order rows are read in: the asked order, or its reverse when paging backwards.
    fn scan_dir(&self) -> SortDir {
        match self.cursor {
            Some(Cursor {
                direction: Direction::Before,
                ..
            }) => self.dir.reversed(),
            _ => self.dir,
        }
    }

    fn push_tail(&self, query: &mut QueryBuilder<'_, Sqlite>) {
        let scan = self.scan_dir();
        if let Some(cursor) = self.cursor {
            let op = match scan {
                SortDir::Asc => ">",
                SortDir::Desc => "<",
            };
            query.push(format_args!(
                " AND ({}, {}) {op} (",
                self.key_expr, self.id_expr
            ));
            match &cursor.key {
                SortKey::Int(value) => query.push_bind(*value),
                SortKey::Text(value) => query.push_bind(value.clone()),
            };
            query.push(", ");
            query.push_bind(cursor.id);
            query.push(")");
        }
        let order = match scan {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        query.push(format_args!(
            " ORDER BY {key} {order}, {id} {order} LIMIT ",
            key = self.key_expr,
            id = self.id_expr
        ));
        // One row more than asked tells whether another page follows.
        query.push_bind(i64::from(self.limit) + 1);
    }

    fn page<T>(&self, mut rows: Vec<(SortKey, i64, T)>, total: i64) -> Page<T> {
        let limit = self.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let backwards = matches!(
            self.cursor,
            Some(Cursor {
                direction: Direction::Before,
                ..
            })
        );
        if backwards {
            rows.reverse();
        }
        let boundary = |row: Option<&(SortKey, i64, T)>, direction| {
            row.map(|(key, id, _)| {
                Cursor::new(key.clone(), *id, direction, self.field, self.dir).encode()
            })
        };
        // Going forwards, "more" means a next page and any cursor means we came from a previous one;
        // going backwards it is the other way round.
        let (has_prev, has_next) = if backwards {
            (more, true)
        } else {
            (self.cursor.is_some(), more)
        };
        let prev_cursor = if has_prev {
            boundary(rows.first(), Direction::Before)
        } else {
            None
        };
        let next_cursor = if has_next {
            boundary(rows.last(), Direction::After)
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(|(_, _, item)| item).collect(),
            total: u64::try_from(total).unwrap_or_default(),
            next_cursor,
            prev_cursor,
        }
    }
}

fn sort_key(row: &SqliteRow, field: SortField) -> StoreResult<SortKey> {
    Ok(match field {
        SortField::Date => SortKey::Int(row.try_get("sort_key")?),
        SortField::Name | SortField::Email => SortKey::Text(row.try_get("sort_key")?),
    })
}

fn user_summary(row: &SqliteRow, now: Timestamp) -> StoreResult<UserSummary> {
    Ok(UserSummary {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        status: parse_status(row)?,
        org_role: parse_org_role(row)?,
        two_factor: two_factor(row)?,
        account_count: count_u32(row.try_get("account_count")?),
        created_at: row.try_get("created_at")?,
        joined_at: row.try_get("joined_at")?,
        last_sign_in_at: row.try_get("last_sign_in_at")?,
        invitation: invitation_info(row, now)?,
        imported: import_info(row)?,
        access: Vec::new(),
    })
}

fn invitation_info(row: &SqliteRow, now: Timestamp) -> StoreResult<Option<InvitationInfo>> {
    let Some(id) = row.try_get::<Option<i64>, _>("inv_id")? else {
        return Ok(None);
    };
    let expires_at: i64 = row.try_get("inv_expires_at")?;
    Ok(Some(InvitationInfo {
        id,
        invited_by: user_ref(row, "by_id", "by_given", "by_family", "by_email")?,
        sent_at: row.try_get("inv_sent_at")?,
        last_sent_at: row.try_get("inv_last_sent_at")?,
        expires_at,
        expired: expires_at <= now,
        accounts: Vec::new(),
    }))
}

fn import_info(row: &SqliteRow) -> StoreResult<Option<ImportInfo>> {
    if row
        .try_get::<Option<String>, _>("member_source")?
        .as_deref()
        != Some("imported")
    {
        return Ok(None);
    }
    Ok(Some(ImportInfo {
        imported_at: row
            .try_get::<Option<i64>, _>("joined_at")?
            .unwrap_or_default(),
        imported_by: user_ref(row, "imp_id", "imp_given", "imp_family", "imp_email")?,
    }))
}

/// `user_id`'s access to the account of the row (`id`, `sid`, `name`, `roles`, `owner_id`).
fn account_access(row: &SqliteRow, user_id: i64) -> StoreResult<AccountAccess> {
    Ok(AccountAccess {
        account: AccountRef {
            id: row.try_get("id")?,
            sid: row.try_get("sid")?,
            name: row.try_get("name")?,
        },
        roles: role_set(row.try_get("roles")?),
        owner: row.try_get::<i64, _>("owner_id")? == user_id,
    })
}

/// An account row with its owner (`owner_*`) and `user_count`.
fn account_summary(row: &SqliteRow) -> StoreResult<AccountSummary> {
    Ok(AccountSummary {
        id: row.try_get("id")?,
        sid: row.try_get("sid")?,
        name: row.try_get("name")?,
        status: parse_enum(row, "status", AccountStatus::parse)?,
        owner: user_ref(
            row,
            "owner_id",
            "owner_given",
            "owner_family",
            "owner_email",
        )?,
        user_count: count_u32(row.try_get("user_count")?),
    })
}

fn user_ref(
    row: &SqliteRow,
    id: &str,
    given: &str,
    family: &str,
    email: &str,
) -> StoreResult<Option<UserRef>> {
    let Some(id) = row.try_get::<Option<i64>, _>(id)? else {
        return Ok(None);
    };
    let given: String = row.try_get(given)?;
    let family: String = row.try_get(family)?;
    let email: String = row.try_get(email)?;
    Ok(Some(UserRef {
        id,
        name: display_name(&given, &family, &email),
        email,
    }))
}

/// "Given Family" of the row's `given_name` and `family_name`, or `email` when both are empty.
fn person_name(row: &SqliteRow, email: &str) -> StoreResult<String> {
    let given: String = row.try_get("given_name")?;
    let family: String = row.try_get("family_name")?;
    Ok(display_name(&given, &family, email))
}

fn two_factor(row: &SqliteRow) -> StoreResult<TwoFactor> {
    Ok(TwoFactor {
        enrolled: row.try_get::<i64, _>("totp_enrolled")? != 0,
        required: row.try_get::<i64, _>("two_factor_required")? != 0,
    })
}

fn parse_status(row: &SqliteRow) -> StoreResult<UserStatus> {
    parse_enum(row, "status", UserStatus::parse)
}

fn parse_org_role(row: &SqliteRow) -> StoreResult<Option<OrgRole>> {
    row.try_get::<Option<String>, _>("org_role")?
        .map(|role| {
            OrgRole::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("org role {role:?}")))
        })
        .transpose()
}

fn parse_enum<T>(row: &SqliteRow, column: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{column} {text:?}")))
}

fn role_set(bits: i64) -> RoleSet {
    RoleSet::from_bits(u8::try_from(bits & 0xff).unwrap_or_default())
}

fn count_u32(count: i64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("ann"), "%ann%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
