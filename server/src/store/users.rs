//! The organization's users as the user-management page lists them, one user as their page shows
//! them, and changes to a member's name and organization role.

use std::collections::HashMap;

use roster_model::{
    member_change_problem, name_problem, org_role_change_problem, AccountAccess, InvitationInfo,
    InvitedAccount, MemberChange, OrgRole, Page, Relation, RoleSet, SortDir, SortField, Timestamp,
    UserChange, UserDetail, UserFilters, UserIds, UserSummary, UserView, ViewCounts,
};
use sqlx::any::AnyRow;
use sqlx::Row;
use tokio::sync::mpsc;

use super::audit::Actor;
use super::builder::QueryBuilder;
use super::keyset::{Cursor, Direction, Keyset, Tally, Total};
use super::rows::{
    account_access, import_info, invitation_info, parse_org_role, parse_status, role_set, sort_key,
    two_factor, user_summary,
};
use super::sql::{
    has_trigram, pairs_can_narrow, push_user_filters, push_user_search, push_user_view_from,
    search_text, sort_name, Matching, ViewReads, IMPORTER_JOIN, INVITATION_COLUMNS, MEMBER_COLUMNS,
    NO_INVITATION_COLUMNS, NO_MEMBER_COLUMNS, SENDER_JOIN,
};
use super::{manage, tokens, Backend, Store, StoreResult, UpdateOutcome};
use roster_model::{display_name, COUNT_CAP};

/// The largest tab whose searches count their matches in the pass that finds them, cut at the
/// cap (see `Store::searched_users_page`).
const WALK_WITHIN: u64 = 10 * COUNT_CAP;

/// How many users of a list's order PostgreSQL tests for each row of a searched page before it
/// sorts every match instead (see `Store::ordered_matches`): 5,200 for a page of 25, so the walk
/// fills a page where one user in 200 holds the term.
const WALK_ROWS_PER_ROW: u64 = 200;
/// How many members `Store::pairs_narrow` tests a term on.
const PAIRS_SAMPLE: u64 = 2000;
/// Below one holder in this many of the sample, the index of pairs of characters reads a term's
/// matches (`Store::pairs_narrow`).
const PAIRS_AT_MOST_ONE_IN: u64 = 25;

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
    pub filters: UserFilters,
}

impl Store {
    /// How many users each tab lists under `filters`: without filters the counts the database
    /// maintains (one row, at any size); under filters each counted up to `COUNT_CAP`.
    pub async fn view_counts(
        &self,
        org_id: i64,
        filters: &UserFilters,
        now: Timestamp,
    ) -> StoreResult<ViewCounts> {
        if filters.is_empty() {
            return self.maintained_view_counts(org_id).await;
        }
        let count = |view| async move {
            let mut query = Total::capped_count();
            push_user_view_from(&mut query, view, org_id, ViewReads::Own);
            push_user_filters(&mut query, view, org_id, filters, now);
            self.total(Total::UpToCap(query)).await
        };
        // The tabs are counted at once, each on a connection of its own: the answer waits for
        // the slowest count rather than for all four in turn.
        let (managed, external, invited, imported) = tokio::try_join!(
            count(UserView::Managed),
            count(UserView::External),
            count(UserView::Invited),
            count(UserView::Imported),
        )?;
        let mut counts = ViewCounts::default();
        for (view, tally) in [
            (UserView::Managed, managed),
            (UserView::External, external),
            (UserView::Invited, invited),
            (UserView::Imported, imported),
        ] {
            counts.set(view, tally.count, tally.capped);
        }
        Ok(counts)
    }

    /// The size of each tab, as the triggers of migration 0016 (SQLite) / 0003 (PostgreSQL) keep it.
    pub(super) async fn maintained_view_counts(&self, org_id: i64) -> StoreResult<ViewCounts> {
        let row = sqlx::query(
            "SELECT managed, imported, invited, external FROM org_user_counts WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(ViewCounts::default());
        };
        let count = |column: &str| -> StoreResult<u64> {
            Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or_default())
        };
        Ok(ViewCounts {
            managed: count("managed")?,
            imported: count("imported")?,
            invited: count("invited")?,
            external: count("external")?,
            capped: Vec::new(),
        })
    }

    /// The tab's maintained size when no search or filter narrows it; else None (the caller
    /// counts up to the cap).
    async fn unnarrowed_view_count(
        &self,
        org_id: i64,
        params: &UserListParams,
    ) -> StoreResult<Option<u64>> {
        if params.search.is_some() || !params.filters.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            self.maintained_view_counts(org_id).await?.get(params.view),
        ))
    }

    pub async fn list_users(
        &self,
        org_id: i64,
        params: &UserListParams,
        now: Timestamp,
    ) -> StoreResult<Page<UserSummary>> {
        let matching = self.search_matching(org_id, params).await?;
        let total = match self.unnarrowed_view_count(org_id, params).await? {
            Some(count) => Total::Known(count),
            None => {
                let mut count = Total::capped_count();
                push_user_list_from(
                    &mut count,
                    self.backend(),
                    org_id,
                    params,
                    now,
                    ViewReads::Own,
                    matching,
                );
                Total::UpToCap(count)
            }
        };

        let mut page = match total {
            Total::UpToCap(count) if params.search.is_some() => {
                self.searched_users_page(org_id, params, now, count, matching)
                    .await?
            }
            total => {
                self.sorted_users_page(org_id, params, now, total, matching)
                    .await?
            }
        };
        let invitations: Vec<&mut InvitationInfo> = page
            .items
            .iter_mut()
            .filter_map(|user| user.invitation.as_mut())
            .collect();
        self.fill_invited_accounts(invitations).await?;
        if params.view == UserView::External {
            self.fill_external_access(org_id, page.items.iter_mut().collect())
                .await?;
        }
        Ok(page)
    }

    /// The page of a list in its sort order, whose rows `matching` finds, `total` of them.
    async fn sorted_users_page(
        &self,
        org_id: i64,
        params: &UserListParams,
        now: Timestamp,
        total: Total<'_>,
        matching: Matching,
    ) -> StoreResult<Page<UserSummary>> {
        let (query, key_expr, id_expr) = user_rows(self.backend(), org_id, params, now, matching);
        let keyset = Keyset {
            key_expr,
            id_expr,
            field: params.sort,
            dir: params.dir,
            cursor: params.cursor.as_ref(),
            limit: params.limit,
        };
        self.keyset_page(total, query, &keyset, |row| user_summary(row, now))
            .await
    }

    /// A searched page. The matches' ids and sort keys alone are ordered and cut to the page;
    /// only then are the columns of the page's rows read, where reading every match's columns
    /// to sort them would cost as much again (and on PostgreSQL, walking the name order would
    /// read the table for each user passed over rather than the index alone). On a tab of up to
    /// `WALK_WITHIN` users the same pass counts the matches (a window count) over at most one
    /// more than the cap of them, where a count of its own would find them a second time
    /// (PostgreSQL, 100,000 users, "chen": 224–290 searches a second against 119–191, on the
    /// database alone). A term more users hold than the cap (the first letters typed, the
    /// organization's domain) is then read again: on SQLite in sort order, each user tested
    /// until the page is full, where listing and sorting all of them took 0.1–0.25 s at 100,000
    /// users; on PostgreSQL by a bounded walk of that order, else every match sorted or, on the
    /// Managed tab, the planner's walk (`Store::ordered_matches`). On a larger tab SQLite counts
    /// every match in the same pass, as it reads them all to sort them anyway; PostgreSQL reads
    /// the page as
    /// `ordered_matches` does, then counts up to the cap apart after a walk, or takes the count
    /// of the pass that sorted every match, where a count apart would read them again (1,000,000
    /// users under load, "yilmaz" by name: 27 searches a second became 35). A term without a
    /// trigram (fewer than three letters or digits in a row) PostgreSQL counts within the cap
    /// in the pass that finds its matches on any tab: a pair of letters few users hold is then
    /// found in one read of the tab, where a count and a walk of the list's order each read all
    /// of it (1,000,000 users, "zq" by date: 0.35 s instead of 1.5), at the price of a little
    /// more for a pair most users hold ("ma": 35 ms instead of 26); when few members hold it,
    /// its matches are read through the index of pairs of characters, not by testing every user:
    /// `matching`, as `Store::search_matching` chose it for the request. `count` counts, found
    /// the same way.
    async fn searched_users_page(
        &self,
        org_id: i64,
        params: &UserListParams,
        now: Timestamp,
        count: QueryBuilder<'_>,
        matching: Matching,
    ) -> StoreResult<Page<UserSummary>> {
        let sqlite = self.backend() == Backend::Sqlite;
        // The matches are counted in the pass that finds them, cut at the cap, on a tab of up to
        // `WALK_WITHIN` users, and on PostgreSQL for a term without a trigram on any tab, whose
        // size is then not even read.
        let unindexed = |term: &str| !has_trigram(self.backend(), term);
        let tab_size = match !sqlite && params.search.as_deref().is_some_and(unindexed) {
            true => None,
            false => Some(self.maintained_view_counts(org_id).await?.get(params.view)),
        };
        let counted_within_cap = tab_size.is_none_or(|size| size <= WALK_WITHIN);
        // (A term without a trigram never takes this branch on PostgreSQL: its tab size is not
        // read.)
        if !sqlite && !counted_within_cap {
            let (rows, keyset, reading) = self
                .ordered_matches(org_id, params, now, tab_size, matching)
                .await?;
            // Sorting every match read them all, and counted them; a walk counted none.
            let total = match (reading, rows.first()) {
                (MatchReading::Every, Some(row)) => Tally::up_to_cap(matches_of(row)?),
                (MatchReading::Every, None) if params.cursor.is_none() => Tally::exact(0),
                _ => self.total(Total::UpToCap(count)).await?,
            };
            return keyset.page_of_rows(&rows, total, |row| user_summary(row, now));
        }
        let (rows, keyset) = self
            .searched_matches(
                org_id,
                params,
                now,
                match counted_within_cap {
                    true => MatchReading::CutAt(COUNT_CAP + 1),
                    false => MatchReading::Every,
                },
                matching,
            )
            .await?;
        let total = match rows.first() {
            Some(row) => Tally::up_to_cap(matches_of(row)?),
            None if params.cursor.is_none() => Tally::exact(0),
            // A cursor beyond the last match leaves no row to tell.
            None => self.total(Total::UpToCap(count)).await?,
        };
        if !(counted_within_cap && total.capped) {
            return keyset.page_of_rows(&rows, total, |row| user_summary(row, now));
        }
        // The matches were cut at the cap before they were sorted: this page may not hold the
        // first of them. SQLite walks the list's order instead: that costs at worst a test of
        // every user on the tab, where the matches are many but bunched at its far end (a family
        // name held by more users than the cap); on a tab of up to ten times the cap, no more
        // than sorting every match of a term all of them hold.
        if sqlite {
            return self
                .sorted_users_page(org_id, params, now, Total::MoreThanCap, Matching::Scanned)
                .await;
        }
        let (rows, keyset, _) = self
            .ordered_matches(org_id, params, now, tab_size, matching)
            .await?;
        keyset.page_of_rows(&rows, total, |row| user_summary(row, now))
    }

    /// A searched page in sort order on PostgreSQL, and how it was read: by walking the list's
    /// next users (`WALK_ROWS_PER_ROW` for the page's each row and one more) when they hold a
    /// page of matches or are the last of the list, else by sorting every match, counted in the
    /// same pass (or, where no index narrows the term, by the planner's walk:
    /// `reading_past_a_walk`). The walk finds a term most users hold at once, where sorting every
    /// match would read them all (1,000,000 users, "example": 8 ms instead of 0.58 s); a term few
    /// users hold, or many who sit together in the order (a family name in name order), costs it
    /// a bounded read or two more (1 to 5 ms for a page of 25). Left to itself, the planner
    /// walked the whole order for such a name at its far end (0.13 to 0.30 s); where an index
    /// narrows the term, sorting its matches is bounded by them. `tab_size` is the tab's
    /// maintained size, when read.
    async fn ordered_matches<'p>(
        &self,
        org_id: i64,
        params: &'p UserListParams,
        now: Timestamp,
        tab_size: Option<u64>,
        matching: Matching,
    ) -> StoreResult<(Vec<AnyRow>, Keyset<'p>, MatchReading)> {
        let users = WALK_ROWS_PER_ROW * (u64::from(params.limit) + 1);
        let walk = MatchReading::Walk(users);
        let (rows, keyset) = self
            .searched_matches(org_id, params, now, walk, matching)
            .await?;
        // A page and one row more are the first matches after the cursor; fewer are all of them
        // when the walk reached the end of the list (the last page, or paging back to the
        // first). From the start of an unfiltered tab larger than the walk, it did not.
        let goes_on = params.cursor.is_none()
            && params.filters.is_empty()
            && tab_size.is_some_and(|size| size > users);
        if rows.len() > params.limit as usize
            || !(goes_on || self.users_beyond(org_id, params, now, users).await?)
        {
            return Ok((rows, keyset, walk));
        }
        let reading = reading_past_a_walk(self.backend(), params, matching);
        let (rows, keyset) = self
            .searched_matches(org_id, params, now, reading, matching)
            .await?;
        Ok((rows, keyset, reading))
    }

    /// Whether the list, unsearched, goes on past its next `users` users after the cursor (read
    /// past them in the order, as the walk read them: its index alone for an unfiltered tab of
    /// members). A separate read from the walk's: a list that changes in between can end a page
    /// early, as any page read after the list changed would.
    async fn users_beyond(
        &self,
        org_id: i64,
        params: &UserListParams,
        now: Timestamp,
        users: u64,
    ) -> StoreResult<bool> {
        let mut query = QueryBuilder::new("SELECT 1 AS beyond ");
        push_unsearched_stretch(&mut query, org_id, params, now, 1);
        query.push(" OFFSET ");
        query.push_bind(i64::try_from(users).unwrap_or(i64::MAX));
        Ok(query.build().fetch_optional(&self.pool).await?.is_some())
    }

    /// How every read of one request for a searched list finds the search's candidates (its page,
    /// count, ids or export): through the index of pairs where the members' sample says few hold
    /// the term (`pairs_narrow`), else as `push_user_search` does by default. Reads nothing unless
    /// the pairs could narrow the term; only the member tabs take the members' sample.
    async fn search_matching(&self, org_id: i64, params: &UserListParams) -> StoreResult<Matching> {
        Ok(match params.search.as_deref() {
            Some(term)
                if matches!(params.view, UserView::Managed | UserView::Imported)
                    && pairs_can_narrow(self.backend(), term)
                    && self.pairs_narrow(org_id, term).await? =>
            {
                Matching::Pairs
            }
            _ => Matching::Indexed,
        })
    }

    /// Whether few enough of the organization's members hold `term`, a term without a trigram,
    /// that PostgreSQL finds its matches sooner through its index of pairs of characters
    /// (`Matching::Pairs`) than by testing each user of the tab until the cap: fewer than one in
    /// `PAIRS_AT_MOST_ONE_IN` of the `PAIRS_SAMPLE` who joined first (an index-only read of
    /// the date order, about 1 ms). 1,000,000 users: "zq" (nobody) 0.43 s became 5 ms, "jo" (2 %)
    /// 0.74 s became 0.12; a pair many hold is still found by testing users, as listing every
    /// holder through the index costs more than testing users until the cap's worth are found
    /// ("a.", 38 %: counted to the cap in 13 ms tested, 93 through the index).
    async fn pairs_narrow(&self, org_id: i64, term: &str) -> StoreResult<bool> {
        let mut query = QueryBuilder::new(format!(
            "SELECT COUNT(*) AS sampled, COALESCE(SUM(CASE WHEN {}(s.search_text, ",
            self.backend().position_function()
        ));
        query.push_bind(term.to_owned());
        query.push(") > 0 THEN 1 ELSE 0 END), 0) AS holders FROM (SELECT u.search_text FROM users u WHERE u.org_id = ");
        query.push_bind(org_id);
        query.push(" ORDER BY u.joined_at, u.id LIMIT ");
        query.push_bind(i64::try_from(PAIRS_SAMPLE).unwrap_or(i64::MAX));
        query.push(") s");
        let row = query.build().fetch_one(&self.pool).await?;
        let (sampled, holders): (i64, i64) = (row.try_get("sampled")?, row.try_get("holders")?);
        let (sampled, holders) = (sampled.unsigned_abs(), holders.unsigned_abs());
        Ok(holders.saturating_mul(PAIRS_AT_MOST_ONE_IN) < sampled)
    }

    /// The page of a search's matches in sort order, read as `reading` says (every match, or
    /// the first of them, found as `matching` says), each row with the count of the matches read
    /// (`matches`; 0 in a walk, which counts none).
    async fn searched_matches<'p>(
        &self,
        org_id: i64,
        params: &'p UserListParams,
        now: Timestamp,
        reading: MatchReading,
        matching: Matching,
    ) -> StoreResult<(Vec<AnyRow>, Keyset<'p>)> {
        let (mut query, keyset) =
            searched_matches_query(self.backend(), org_id, params, now, reading, matching);
        let rows = query.build().fetch_all(&self.pool).await?;
        Ok((rows, keyset))
    }

    /// Every user of a list view under its search, filters and sort, in order, sent to `rows`
    /// with the organization's accounts they can access (on the Invited tab: that their
    /// invitation grants). Read a page at a time with short queries, so a slow download holds
    /// neither a connection nor a read snapshot; never all in memory. Stops when nobody receives
    /// the rows any more.
    pub async fn export_users(
        &self,
        org_id: i64,
        params: &UserListParams,
        now: Timestamp,
        rows: mpsc::Sender<(UserSummary, Vec<ExportedAccount>)>,
    ) -> StoreResult<()> {
        let mut matching = self.search_matching(org_id, params).await?;
        let mut cursor: Option<Cursor> = None;
        loop {
            let (mut query, key_expr, id_expr) =
                user_rows(self.backend(), org_id, params, now, matching);
            let keyset = Keyset {
                key_expr,
                id_expr,
                field: params.sort,
                dir: params.dir,
                cursor: cursor.as_ref(),
                limit: EXPORT_PAGE,
            };
            keyset.push_tail(&mut query);
            let mut page = query.build().fetch_all(&self.pool).await?;
            // The page asks for one row more than it takes, to know whether another follows.
            let more = page.len() > EXPORT_PAGE as usize;
            page.truncate(EXPORT_PAGE as usize);
            // Through the pairs, each page would read every holder again: past a full page,
            // the holders are many (or the sample missed them), and the rest is read by testing
            // each user, once.
            matching = Matching::Indexed;
            if let Some(last) = page.last() {
                cursor = Some(Cursor::new(
                    sort_key(last, params.sort)?,
                    last.try_get("id")?,
                    Direction::After,
                    params.sort,
                    params.dir,
                ));
            }
            let users = page
                .iter()
                .map(|row| user_summary(row, now))
                .collect::<StoreResult<Vec<_>>>()?;
            let mut accounts = self.exported_accounts(org_id, params.view, &users).await?;
            for user in users {
                let held = accounts.remove(&user.id).unwrap_or_default();
                if rows.send((user, held)).await.is_err() {
                    return Ok(());
                }
            }
            if !more {
                return Ok(());
            }
        }
    }

    /// The accounts of each user of an export's page, by name: the organization's accounts they
    /// hold a role on or own, or (invited) those their invitation grants; one query for the page.
    async fn exported_accounts(
        &self,
        org_id: i64,
        view: UserView,
        users: &[UserSummary],
    ) -> StoreResult<HashMap<i64, Vec<ExportedAccount>>> {
        let mut held: HashMap<i64, Vec<ExportedAccount>> = HashMap::new();
        if users.is_empty() {
            return Ok(held);
        }
        let mut query = QueryBuilder::new("");
        if view == UserView::Invited {
            let invitees: HashMap<i64, i64> = users
                .iter()
                .filter_map(|u| u.invitation.as_ref().map(|i| (i.id, u.id)))
                .collect();
            query.push(
                "SELECT g.invitation_id AS holder, a.name, g.roles, 0 AS owner FROM invitation_accounts g \
                 JOIN accounts a ON a.id = g.account_id WHERE a.org_id = ",
            );
            query.push_bind(org_id).push(" AND g.invitation_id IN (");
            let mut list = query.separated(", ");
            for invitation in invitees.keys() {
                list.push_bind(*invitation);
            }
            query.push(") ORDER BY a.name, a.id");
            for row in query.build().fetch_all(&self.pool).await? {
                let invitation: i64 = row.try_get("holder")?;
                if let Some(user) = invitees.get(&invitation) {
                    held.entry(*user).or_default().push(exported_account(&row)?);
                }
            }
            return Ok(held);
        }
        // Roles held, with whether the holder owns the account; then owned accounts they hold
        // no role on.
        query.push(
            "SELECT holder, name, roles, owner FROM (\
             SELECT g.user_id AS holder, a.name, a.id, g.roles, \
             CASE WHEN a.owner_id = g.user_id THEN 1 ELSE 0 END AS owner \
             FROM account_access g JOIN accounts a ON a.id = g.account_id WHERE a.org_id = ",
        );
        query.push_bind(org_id).push(" AND g.user_id IN (");
        let mut list = query.separated(", ");
        for user in users {
            list.push_bind(user.id);
        }
        query.push(
            ") UNION ALL SELECT a.owner_id, a.name, a.id, 0, 1 FROM accounts a WHERE a.org_id = ",
        );
        query.push_bind(org_id).push(" AND a.owner_id IN (");
        let mut list = query.separated(", ");
        for user in users {
            list.push_bind(user.id);
        }
        query.push(
            ") AND NOT EXISTS (SELECT 1 FROM account_access x WHERE x.account_id = a.id AND x.user_id = a.owner_id)\
             ) held ORDER BY name, id",
        );
        for row in query.build().fetch_all(&self.pool).await? {
            held.entry(row.try_get("holder")?)
                .or_default()
                .push(exported_account(&row)?);
        }
        Ok(held)
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
        let mut query = QueryBuilder::new(
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

    /// The ids of the users a list view, search and filters match, by id, at most `limit` of
    /// them, and how many match in all.
    pub async fn user_ids(
        &self,
        org_id: i64,
        params: &UserListParams,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<UserIds> {
        let matching = self.search_matching(org_id, params).await?;
        let from = |query: &mut QueryBuilder<'_>| {
            push_user_list_from(
                query,
                self.backend(),
                org_id,
                params,
                now,
                ViewReads::Users,
                matching,
            );
        };
        let known = self.unnarrowed_view_count(org_id, params).await?;
        if params.view != UserView::Invited {
            let (ids, total) = self.ids_and_total(limit, known, from).await?;
            return Ok(UserIds {
                ids,
                total: total.count,
                total_capped: total.capped,
                invitation_ids: Vec::new(),
            });
        }
        // Invited: each user's pending invitation too, for resend and revoke.
        let (rows, total) = self
            .rows_and_total(limit, "u.id, i.id AS invitation_id", known, from)
            .await?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut invitation_ids = Vec::with_capacity(rows.len());
        for row in rows {
            ids.push(row.try_get("id")?);
            invitation_ids.push(row.try_get("invitation_id")?);
        }
        Ok(UserIds {
            ids,
            total: total.count,
            total_capped: total.capped,
            invitation_ids,
        })
    }

    /// The ids of the users `from` selects (as `u`), at most `limit` in id order, and how many
    /// it selects in all (`known`, or counted up to `COUNT_CAP`): "select all matching".
    pub(super) async fn ids_and_total(
        &self,
        limit: usize,
        known: Option<u64>,
        from: impl Fn(&mut QueryBuilder<'_>),
    ) -> StoreResult<(Vec<i64>, Tally)> {
        let (rows, total) = self.rows_and_total(limit, "u.id", known, from).await?;
        let ids = rows
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
        Ok((ids, total))
    }

    /// `columns` of the rows `from` selects, at most `limit` in user id order, and how many it
    /// selects in all (`known`, or counted up to `COUNT_CAP`).
    async fn rows_and_total(
        &self,
        limit: usize,
        columns: &'static str,
        known: Option<u64>,
        from: impl Fn(&mut QueryBuilder<'_>),
    ) -> StoreResult<(Vec<AnyRow>, Tally)> {
        let total = match known {
            Some(count) => Total::Known(count),
            None => {
                let mut count = Total::capped_count();
                from(&mut count);
                Total::UpToCap(count)
            }
        };
        let total = self.total(total).await?;
        let mut query = QueryBuilder::new(format!("SELECT {columns} "));
        from(&mut query);
        query.push(" ORDER BY u.id LIMIT ");
        query.push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let rows = query.build().fetch_all(&self.pool).await?;
        Ok((rows, total))
    }

    /// A user as this organization sees them, or None when the user is not related to it
    /// (another organization's users are never visible).
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
             FROM users u LEFT JOIN users imp ON imp.id = u.imported_by WHERE u.id = $1",
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
        let mut tx = self.begin_as(actor).await?;
        let Some(row) = sqlx::query(
            "SELECT email, given_name, family_name, org_role, version FROM users WHERE id = $1 AND org_id = $2",
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
        // Checked when it changes: a name stored under older rules does not stop other changes.
        let renamed = given != before_given || family != before_family;
        if let Some((field, problem)) = renamed.then(|| name_problem(given, family)).flatten() {
            return Ok(UpdateOutcome::Invalid(field, problem));
        }
        let owners = manage::other_owners(&mut tx, actor.org_id, user_id).await?;
        let is_self = actor.member_id() == Some(user_id);
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
            "UPDATE users SET given_name = $1, family_name = $2, sort_name = $3, search_text = $4, org_role = $5, \
             version = version + 1, modified_at = $6 WHERE id = $7",
        )
        .bind(given)
        .bind(family)
        .bind(sort_name(given, family, &email))
        .bind(search_text(given, family, &email))
        .bind(role.as_str())
        .bind(actor.at)
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
        let mut query = QueryBuilder::new(
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
             FROM accounts a LEFT JOIN account_access aa ON aa.account_id = a.id AND aa.user_id = $1 \
             WHERE a.org_id = $2 AND (aa.user_id IS NOT NULL OR a.owner_id = $3) \
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
}

/// The expressions a list view sorts by: the key, then the id that breaks ties. External and
/// Invited rows sort by the copies of the user's keys kept beside them, which their indexes hold
/// in order (each user is on those tabs once, so their id breaks ties).
fn sort_exprs(sort: SortField, view: UserView) -> (&'static str, &'static str) {
    match (sort, view) {
        (SortField::Name, UserView::Managed | UserView::Imported) => ("u.sort_name", "u.id"),
        (SortField::Email, UserView::Managed | UserView::Imported) => ("u.email", "u.id"),
        (SortField::Date, UserView::Managed | UserView::Imported) => ("u.joined_at", "u.id"),
        (SortField::Name, UserView::External) => ("x.sort_name", "x.user_id"),
        (SortField::Email, UserView::External) => ("x.email", "x.user_id"),
        (SortField::Date, UserView::External) => ("x.created_at", "x.user_id"),
        (SortField::Name, UserView::Invited) => ("i.invitee_sort_name", "i.user_id"),
        (SortField::Email, UserView::Invited) => ("i.invitee_email", "i.user_id"),
        (SortField::Date, UserView::Invited) => ("i.sent_at", "i.user_id"),
    }
}

/// The columns `user_summary` reads, of the user `u` (with the importer `imp` on the member
/// tabs, the pending invitation `i` and its sender `inv_by` on the Invited tab), each followed
/// by a comma.
fn push_user_columns(query: &mut QueryBuilder<'_>, view: UserView, org_id: i64) {
    query.push("u.id, u.email, u.given_name, u.family_name, u.status, ");
    query.push("u.totp_enrolled, u.two_factor_required, u.created_at, u.last_sign_in_at, ");
    query.push("(SELECT COUNT(*) FROM account_access aa JOIN accounts a ON a.id = aa.account_id WHERE aa.user_id = u.id AND a.org_id = ");
    query.push_bind(org_id);
    query.push(") AS account_count, ");
    query.push(match view {
        UserView::Managed | UserView::Imported => MEMBER_COLUMNS,
        UserView::External | UserView::Invited => NO_MEMBER_COLUMNS,
    });
    query.push(match view {
        UserView::Invited => INVITATION_COLUMNS,
        _ => NO_INVITATION_COLUMNS,
    });
}
/// The `matches` column of a searched page's row (see `Store::searched_matches`).
fn matches_of(row: &AnyRow) -> StoreResult<u64> {
    Ok(u64::try_from(row.try_get::<i64, _>("matches")?).unwrap_or_default())
}

/// How a searched page reads the matches it sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatchReading {
    /// The first this many matches found, in no order, counted (the caller reads the list again
    /// when they are more).
    CutAt(u64),
    /// Every match, counted in the same pass.
    Every,
    /// The page of matches after the cursor, in the list's order, uncounted, read as the planner
    /// chooses (PostgreSQL; see `Store::ordered_matches`).
    InOrder,
    /// The list's next this many users after the cursor, in its order, each tested: the page
    /// when they hold enough matches to fill it, or are the last (PostgreSQL; see
    /// `Store::ordered_matches`).
    Walk(u64),
}

/// How PostgreSQL reads a searched page a walk could not fill. Where no index narrows the term,
/// sorting every match reads the whole tab; on the unfiltered Managed tab, whose order indexes hold
/// the search text, the planner's own walk of the order, with no bound, reads at most the same
/// users through a narrower index, and stops at the page (1,000,000 users, on the database: "k",
/// which 215,000 hold from the 8,619th member by name on, 395 ms sorted against 2 ms walked; "q",
/// first held by the 395,573rd, 415 against 66). Elsewhere the indexes that walk an order do not
/// hold the search text or the tab's own test (an import, an access, an invitation), so each user
/// walked past would cost a read of its rows, where sorting reads the matches alone.
fn reading_past_a_walk(
    backend: Backend,
    params: &UserListParams,
    matching: Matching,
) -> MatchReading {
    match params.search.as_deref() {
        Some(term)
            if params.view == UserView::Managed
                && params.filters.is_empty()
                && matching != Matching::Pairs
                && !has_trigram(backend, term) =>
        {
            MatchReading::InOrder
        }
        _ => MatchReading::Every,
    }
}

/// FROM the list (its view and filters, not its search) to the LIMIT of its next `rows` users
/// after the cursor, in its order: what a walk reads (`MatchReading::Walk`), and what
/// `Store::users_beyond` reads past.
fn push_unsearched_stretch(
    query: &mut QueryBuilder<'_>,
    org_id: i64,
    params: &UserListParams,
    now: Timestamp,
    rows: u64,
) {
    let (key_expr, id_expr) = sort_exprs(params.sort, params.view);
    push_user_view_from(query, params.view, org_id, ViewReads::Users);
    push_user_filters(query, params.view, org_id, &params.filters, now);
    let stretch = Keyset {
        key_expr,
        id_expr,
        field: params.sort,
        dir: params.dir,
        cursor: params.cursor.as_ref(),
        // `push_tail` reads one row more than its limit.
        limit: u32::try_from(rows.saturating_sub(1)).unwrap_or(u32::MAX),
    };
    stretch.push_tail(query);
}

/// The query of `Store::searched_matches`, and the keyset that reads its page.
fn searched_matches_query<'p>(
    backend: Backend,
    org_id: i64,
    params: &'p UserListParams,
    now: Timestamp,
    reading: MatchReading,
    matching: Matching,
) -> (QueryBuilder<'p>, Keyset<'p>) {
    let (key_expr, id_expr) = sort_exprs(params.sort, params.view);
    let mut query = QueryBuilder::new("SELECT m.matches, ");
    push_user_columns(&mut query, params.view, org_id);
    query.push("m.sort_key AS sort_key FROM (SELECT * FROM (SELECT *, ");
    query.push(match reading {
        MatchReading::CutAt(_) | MatchReading::Every => "COUNT(*) OVER () AS matches",
        MatchReading::Walk(_) | MatchReading::InOrder => "CAST(0 AS BIGINT) AS matches",
    });
    query.push(" FROM (SELECT ");
    if let MatchReading::Walk(_) = reading {
        query.push("id, sort_key");
        if params.view == UserView::Invited {
            query.push(", invitation_id");
        }
        query.push(" FROM (SELECT ");
    }
    query.push(format_args!("{id_expr} AS id, {key_expr} AS sort_key"));
    if params.view == UserView::Invited {
        query.push(", i.id AS invitation_id");
    }
    query.push(" ");
    match reading {
        MatchReading::Walk(rows) => {
            // The walk reads the list as a page of it would, and tests the term on what it read.
            query.push(", u.search_text AS search_text ");
            push_unsearched_stretch(&mut query, org_id, params, now, rows);
            // Named `u`, as the search's test reads `u.search_text`.
            query.push(") u WHERE 1 = 1");
            push_user_search(
                &mut query,
                backend,
                params.search.as_deref(),
                Matching::Scanned,
            );
        }
        MatchReading::CutAt(_) | MatchReading::Every | MatchReading::InOrder => {
            push_user_list_from(
                &mut query,
                backend,
                org_id,
                params,
                now,
                ViewReads::Users,
                matching,
            )
        }
    }
    match reading {
        MatchReading::CutAt(cut_at) => {
            if backend == Backend::Sqlite
                && params.view == UserView::Managed
                && params.filters.is_empty()
            {
                // Which matches are cut does not matter (a cut list is read again in sort
                // order), but reading the members in id order reads their rows in table
                // order: SQLite would otherwise read them in the order of the family-name
                // index, row by scattered row (100,000 users: "ma" 146 ms instead of 26).
                query.push(" ORDER BY u.id");
            }
            query.push(" LIMIT ");
            query.push_bind(i64::try_from(cut_at).unwrap_or(i64::MAX));
        }
        MatchReading::Every if backend == Backend::Postgres => {
            // Every match is sorted: the planner must not walk the list's order instead, testing
            // each user in turn until the page is full, with no bound. It takes matches to be
            // spread evenly, where a family name's holders sit together: a name at the far end
            // of the order was found after walking the whole tab (1,000,000 users, "yilmaz" by
            // name: 0.13 to 0.30 s, sorted in 32 ms on the database). OFFSET 0 keeps the
            // subquery apart from the ORDER BY.
            query.push(" OFFSET 0");
        }
        MatchReading::Every | MatchReading::Walk(_) | MatchReading::InOrder => {}
    }
    query.push(") limited) matched WHERE 1 = 1");
    let keyset = Keyset {
        key_expr: "sort_key",
        id_expr: "id",
        field: params.sort,
        dir: params.dir,
        cursor: params.cursor.as_ref(),
        limit: params.limit,
    };
    // The cursor, order and limit apply to the matches: the window counts them before the
    // cursor.
    keyset.push_tail(&mut query);
    query.push(") m JOIN users u ON u.id = m.id ");
    match params.view {
        UserView::Managed | UserView::Imported => {
            query.push(IMPORTER_JOIN);
        }
        UserView::Invited => {
            query.push("JOIN invitations i ON i.id = m.invitation_id ");
            query.push(SENDER_JOIN);
        }
        UserView::External => {}
    }
    keyset.push_order(&mut query, "m.sort_key", "m.id");
    (query, keyset)
}

/// The rows of a list view under its search and filters, unordered, and the expressions it sorts
/// by (the key, then the id that breaks ties).
fn user_rows<'a>(
    backend: Backend,
    org_id: i64,
    params: &'a UserListParams,
    now: Timestamp,
    matching: Matching,
) -> (QueryBuilder<'a>, &'static str, &'static str) {
    let (key_expr, id_expr) = sort_exprs(params.sort, params.view);
    let mut query = QueryBuilder::new("SELECT ");
    push_user_columns(&mut query, params.view, org_id);
    query.push(format_args!("{key_expr} AS sort_key "));
    push_user_list_from(
        &mut query,
        backend,
        org_id,
        params,
        now,
        ViewReads::Rows,
        matching,
    );
    (query, key_expr, id_expr)
}

/// FROM and WHERE of a list view under its search and filters, reading what `reads` says and,
/// under a search, the users whose text it tests.
fn push_user_list_from(
    query: &mut QueryBuilder<'_>,
    backend: Backend,
    org_id: i64,
    params: &UserListParams,
    now: Timestamp,
    reads: ViewReads,
    matching: Matching,
) {
    if reads_member_search(backend, params, reads, matching) {
        query.push("FROM member_search u WHERE u.org_id = ");
        query.push_bind(org_id);
        push_user_search(query, backend, params.search.as_deref(), matching);
        return;
    }
    let reads = if params.search.is_some() {
        reads.max(ViewReads::Users)
    } else {
        reads
    };
    push_user_view_from(query, params.view, org_id, reads);
    push_user_search(query, backend, params.search.as_deref(), matching);
    push_user_filters(query, params.view, org_id, &params.filters, now);
}

/// Whether PostgreSQL reads the members a list selects from `member_search` (as `u`), which holds
/// their ids, sort keys (`sort_exprs`) and search text alone, rather than from `users`: an
/// unfiltered search of the Managed tab, narrowed through the trigram index, that reads no other
/// column (its count, its matches' ids and sort keys, "select all matching").
fn reads_member_search(
    backend: Backend,
    params: &UserListParams,
    reads: ViewReads,
    matching: Matching,
) -> bool {
    backend == Backend::Postgres
        && params.view == UserView::Managed
        && params.filters.is_empty()
        && reads != ViewReads::Rows
        && matching != Matching::Scanned
        && params
            .search
            .as_deref()
            .is_some_and(|term| has_trigram(backend, term))
}

/// One account of an exported user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedAccount {
    pub name: String,
    pub roles: RoleSet,
    /// The user owns it.
    pub owner: bool,
}

fn exported_account(row: &AnyRow) -> StoreResult<ExportedAccount> {
    Ok(ExportedAccount {
        name: row.try_get("name")?,
        roles: role_set(row.try_get("roles")?),
        owner: row.try_get::<i64, _>("owner")? != 0,
    })
}

/// Rows read per query of an export.
const EXPORT_PAGE: u32 = 1000;

#[cfg(test)]
mod tests {
    use roster_model::{OrgRole, SortDir, SortField, UserFilters, UserView};

    use super::{
        push_user_list_from, reading_past_a_walk, searched_matches_query, Backend, MatchReading,
        Matching, QueryBuilder, UserListParams, ViewReads,
    };

    /// The first page of the Managed tab by name, searched for `term`.
    fn managed_by_name_searched(term: &str) -> UserListParams {
        UserListParams {
            view: UserView::Managed,
            search: Some(term.to_owned()),
            sort: SortField::Name,
            dir: SortDir::Asc,
            cursor: None,
            limit: 25,
            filters: UserFilters::default(),
        }
    }

    /// PostgreSQL reads `member_search` for an unfiltered search of the Managed tab narrowed
    /// through the trigram index, in any order, and only when nothing but the members' ids, sort
    /// keys and search text is read: `users` otherwise, and always on SQLite.
    #[test]
    fn only_an_unfiltered_managed_search_by_trigram_reads_the_members_search_rows() {
        let from = |backend, params: &UserListParams, reads, matching| {
            let mut query = QueryBuilder::new("SELECT 1 ");
            push_user_list_from(&mut query, backend, 1, params, 0, reads, matching);
            query.sql().to_owned()
        };
        let searched = managed_by_name_searched("chen");
        let by_email_desc = UserListParams {
            sort: SortField::Email,
            dir: SortDir::Desc,
            ..searched.clone()
        };
        let filtered = UserListParams {
            filters: UserFilters {
                role: Some(OrgRole::Member),
                ..UserFilters::default()
            },
            ..searched.clone()
        };
        let imported = UserListParams {
            view: UserView::Imported,
            ..searched.clone()
        };
        let unsearched = UserListParams {
            search: None,
            ..searched.clone()
        };
        for (backend, params, reads, matching, narrow) in [
            (
                Backend::Postgres,
                &searched,
                ViewReads::Own,
                Matching::Indexed,
                true,
            ),
            (
                Backend::Postgres,
                &searched,
                ViewReads::Users,
                Matching::Indexed,
                true,
            ),
            (
                Backend::Postgres,
                &by_email_desc,
                ViewReads::Users,
                Matching::Indexed,
                true,
            ),
            (
                Backend::Postgres,
                &searched,
                ViewReads::Rows,
                Matching::Indexed,
                false,
            ),
            (
                Backend::Postgres,
                &searched,
                ViewReads::Users,
                Matching::Scanned,
                false,
            ),
            (
                Backend::Postgres,
                &filtered,
                ViewReads::Users,
                Matching::Indexed,
                false,
            ),
            (
                Backend::Postgres,
                &imported,
                ViewReads::Users,
                Matching::Indexed,
                false,
            ),
            (
                Backend::Postgres,
                &unsearched,
                ViewReads::Own,
                Matching::Indexed,
                false,
            ),
            (
                Backend::Postgres,
                &managed_by_name_searched("ma"),
                ViewReads::Users,
                Matching::Pairs,
                false,
            ),
            (
                Backend::Sqlite,
                &searched,
                ViewReads::Users,
                Matching::Indexed,
                false,
            ),
        ] {
            let sql = from(backend, params, reads, matching);
            let case = format!("{backend:?} {reads:?} {matching:?} {sql}");
            assert_eq!(sql.contains("FROM member_search u"), narrow, "{case}");
            assert_eq!(sql.contains("FROM users u"), !narrow, "{case}");
        }
    }

    /// Only a search whose every match PostgreSQL sorts keeps them apart from the list's order:
    /// a cut list is a subquery of its own already, and SQLite plans it as written. A walk tests
    /// the term on the users it read, not through the index, and counts nothing.
    #[test]
    fn postgresql_sorts_every_match_apart_from_the_order_or_walks_a_bounded_stretch_of_it() {
        let params = managed_by_name_searched("yilmaz");
        for (backend, reading, apart, walked) in [
            (Backend::Postgres, MatchReading::Every, true, false),
            (Backend::Postgres, MatchReading::CutAt(10_001), false, false),
            (Backend::Postgres, MatchReading::Walk(5_000), false, true),
            (Backend::Sqlite, MatchReading::Every, false, false),
            (Backend::Sqlite, MatchReading::CutAt(10_001), false, false),
        ] {
            let (query, _) =
                searched_matches_query(backend, 1, &params, 0, reading, Matching::Indexed);
            let sql = query.sql();
            // What it read is counted in the same pass, but for a walk's stretch.
            assert_eq!(
                sql.contains("COUNT(*) OVER ()"),
                !walked,
                "{backend:?} {reading:?}"
            );
            assert_eq!(
                sql.contains(" OFFSET 0) limited"),
                apart,
                "{backend:?} {reading:?}"
            );
            assert_eq!(
                sql.contains(") u WHERE 1 = 1 AND u.search_text LIKE"),
                walked,
                "{backend:?} {reading:?}"
            );
            assert!(
                sql.contains("u.search_text LIKE"),
                "{backend:?} {reading:?}"
            );
        }
    }

    /// A page no walk filled is read in order, uncounted, on the unfiltered Managed tab where no
    /// index narrows the term; otherwise every match is sorted.
    #[test]
    fn a_page_past_a_walk_is_read_in_order_only_where_no_index_narrows_the_term() {
        let filtered = UserListParams {
            filters: UserFilters {
                role: Some(OrgRole::Member),
                ..UserFilters::default()
            },
            ..managed_by_name_searched("k")
        };
        for (params, matching, expected) in [
            (
                managed_by_name_searched("k"),
                Matching::Indexed,
                MatchReading::InOrder,
            ),
            (
                managed_by_name_searched("a."),
                Matching::Indexed,
                MatchReading::InOrder,
            ),
            (
                managed_by_name_searched("zq"),
                Matching::Pairs,
                MatchReading::Every,
            ),
            (
                managed_by_name_searched("chen"),
                Matching::Indexed,
                MatchReading::Every,
            ),
            (filtered, Matching::Indexed, MatchReading::Every),
        ]
        .into_iter()
        .chain(
            [UserView::External, UserView::Invited, UserView::Imported].map(|view| {
                let params = UserListParams {
                    view,
                    ..managed_by_name_searched("k")
                };
                (params, Matching::Indexed, MatchReading::Every)
            }),
        ) {
            assert_eq!(
                reading_past_a_walk(Backend::Postgres, &params, matching),
                expected,
                "{:?} {matching:?}",
                params.search
            );
        }
        // Its query neither counts nor keeps the matches apart from the order: the planner
        // walks it.
        let one_letter = managed_by_name_searched("k");
        let (query, _) = searched_matches_query(
            Backend::Postgres,
            1,
            &one_letter,
            0,
            MatchReading::InOrder,
            Matching::Indexed,
        );
        let sql = query.sql();
        assert!(
            !sql.contains("COUNT(*) OVER ()") && !sql.contains("OFFSET 0"),
            "{sql}"
        );
        assert!(sql.contains("strpos"), "{sql}");
    }

    /// A term few hold is found through the index of pairs when the matches are read, and tested
    /// on each user a walk read.
    #[test]
    fn pairs_narrow_what_postgresql_reads_of_the_matches_and_not_a_walk() {
        let params = managed_by_name_searched("zq");
        for (reading, pairs) in [
            (MatchReading::Every, true),
            (MatchReading::CutAt(10_001), true),
            (MatchReading::Walk(5_000), false),
        ] {
            let (query, _) =
                searched_matches_query(Backend::Postgres, 1, &params, 0, reading, Matching::Pairs);
            assert_eq!(query.sql().contains("search_pairs"), pairs, "{reading:?}");
            assert!(query.sql().contains("strpos"), "{reading:?}");
        }
    }
}
