//! Filters of the user lists: each narrows every tab, its count and "select all matching" the same
//! way, combines with search, and an unknown parameter or value is refused (400) with its name,
//! never ignored. Another organization's account is no account at all (422, like a missing one).

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{
    LastSignIn, OrgRole, TwoFactorState, UserIds, UserStatus, UserView, ViewCounts,
};

async fn account_ids(server: &TestServer) -> Vec<i64> {
    let page: roster_model::Page<roster_model::AccountSummary> =
        server.get("/api/v1/accounts?limit=200").await;
    page.items.iter().map(|a| a.id).collect()
}

#[tokio::test]
async fn each_filter_narrows_the_list_its_count_and_select_all_alike() {
    let owner = demo_server().await;
    let everyone = owner.users("view=managed&limit=200").await;

    let owners = owner.users("view=managed&role=owner&limit=200").await;
    assert!(owners.total >= 1);
    assert!(owners
        .items
        .iter()
        .all(|u| u.org_role == Some(OrgRole::Owner)));
    let expected = everyone
        .items
        .iter()
        .filter(|u| u.org_role == Some(OrgRole::Owner))
        .count();
    assert_eq!(owners.total as usize, expected);

    // Only members have an organization role here: another organization's Owner is no match.
    let counts: ViewCounts = owner.get("/api/v1/users/counts?role=owner").await;
    assert_eq!(counts.managed, owners.total);
    assert_eq!((counts.external, counts.invited), (0, 0));
    let selected: UserIds = owner.get("/api/v1/users/ids?view=managed&role=owner").await;
    assert_eq!(selected.total, owners.total);

    for state in TwoFactorState::ALL {
        let page = owner
            .users(&format!(
                "view=managed&two_factor={}&limit=200",
                state.as_str()
            ))
            .await;
        assert!(page
            .items
            .iter()
            .all(|u| TwoFactorState::of(u.two_factor) == state));
        let expected = everyone
            .items
            .iter()
            .filter(|u| TwoFactorState::of(u.two_factor) == state)
            .count();
        assert_eq!(page.total as usize, expected, "{state:?}");
    }

    let never = owner
        .users("view=managed&last_sign_in=never&limit=200")
        .await;
    assert!(never.items.iter().all(|u| u.last_sign_in_at.is_none()));
    let stale = owner.users("view=managed&last_sign_in=90d&limit=200").await;
    assert!(stale.total >= never.total);
    assert!(stale.items.iter().all(|u| u
        .last_sign_in_at
        .is_none_or(|at| at < owner.now() - 90 * 86_400)));

    // Status: suspend someone, and only they are "disabled".
    owner
        .act("POST", id_of(MEMBER), "suspend", serde_json::json!(null))
        .await;
    let suspended = owner.users("view=managed&status=disabled").await;
    assert_eq!(suspended.total, 1);
    assert_eq!(suspended.items[0].email, MEMBER);
    assert_eq!(suspended.items[0].status, UserStatus::Disabled);
    let active = owner.users("view=managed&status=active&limit=200").await;
    assert_eq!(active.total + 1, everyone.total);

    // Combined with search and with each other.
    let combined = owner
        .users("view=managed&status=disabled&q=sam&role=member")
        .await;
    assert_eq!(combined.total, 1);
    let none = owner.users("view=managed&status=disabled&q=maya").await;
    assert_eq!(none.total, 0);
}

#[tokio::test]
async fn account_filters_find_who_can_access_an_account_and_with_which_role() {
    let owner = demo_server().await;
    for account in account_ids(&owner).await.into_iter().take(3) {
        let people: roster_model::Page<roster_model::AccountUser> = owner
            .get(&format!("/api/v1/accounts/{account}/users?limit=200"))
            .await;
        let managed = owner
            .users(&format!("view=managed&account={account}&limit=200"))
            .await;
        let external = owner
            .users(&format!("view=external&account={account}&limit=200"))
            .await;
        assert_eq!(
            managed.total + external.total,
            people.total,
            "account {account}: the tabs together list its User access page"
        );
        let developers = owner
            .users(&format!(
                "view=managed&account={account}&account_role=developer&limit=200"
            ))
            .await;
        for user in &developers.items {
            let (detail, _) = owner.detail(user.id).await;
            let access = detail
                .accounts
                .iter()
                .find(|a| a.account.id == account)
                .expect("access to the account");
            assert!(access.roles.contains(roster_model::AccountRole::Developer));
        }
    }
    let anywhere = owner
        .users("view=managed&account_role=support&limit=200")
        .await;
    assert!(anywhere.total > 0);
}

#[tokio::test]
async fn unknown_filters_and_values_are_refused_by_name() {
    let owner = demo_server().await;
    for (query, field) in [
        ("role=king", "role"),
        ("account=abc", "account"),
        ("account=-4", "account"),
        ("account_role=root", "account_role"),
        ("two_factor=maybe", "two_factor"),
        ("status=gone", "status"),
        ("last_sign_in=7d", "last_sign_in"),
    ] {
        for path in [
            "/api/v1/users",
            "/api/v1/users/counts",
            "/api/v1/users/ids",
            "/api/v1/users/export",
        ] {
            let (status, error) = owner.get_error(&format!("{path}?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}?{query}");
            assert_eq!(error.error.field.as_deref(), Some(field), "{path}?{query}");
        }
    }
    let (status, _) = owner.get_error("/api/v1/users?rol=owner").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn another_organizations_account_is_no_account() {
    let owner = demo_server().await;
    let mut globex = owner.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let theirs = account_ids(&globex).await;
    assert!(!theirs.is_empty());
    for account in theirs {
        for path in [
            "/api/v1/users",
            "/api/v1/users/counts",
            "/api/v1/users/ids",
            "/api/v1/users/export",
        ] {
            let (status, error) = owner.get_error(&format!("{path}?account={account}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(error.error.field.as_deref(), Some("account"));
        }
    }
    let (status, error) = owner.get_error("/api/v1/users?account=999999").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.error.message, "The organization has no such account.");
}

#[tokio::test]
async fn select_all_on_the_invited_tab_answers_each_pending_invitation() {
    let owner = demo_server().await;
    let page = owner.users("view=invited&limit=200").await;
    let selected: UserIds = owner.get("/api/v1/users/ids?view=invited").await;
    assert_eq!(selected.total, page.total);
    assert_eq!(selected.invitation_ids.len(), selected.ids.len());
    for (user, invitation) in selected.ids.iter().zip(&selected.invitation_ids) {
        let listed = page
            .items
            .iter()
            .find(|u| u.id == *user)
            .and_then(|u| u.invitation.as_ref())
            .map(|i| i.id);
        assert_eq!(listed, Some(*invitation));
    }
    // Elsewhere there are none: user ids are what those tabs act on.
    let managed: UserIds = owner.get("/api/v1/users/ids?view=managed").await;
    assert!(managed.invitation_ids.is_empty());
}

#[tokio::test]
async fn select_all_matching_selects_exactly_the_listed_users_of_this_organization() {
    let owner = demo_server().await;
    let mut globex = owner.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let ids = |page: roster_model::Page<roster_model::UserSummary>| {
        page.items
            .iter()
            .map(|u| u.id)
            .collect::<std::collections::BTreeSet<i64>>()
    };
    let their_members = ids(globex.users("view=managed&limit=200").await);
    assert!(!their_members.is_empty());
    // Searches that match people of both organizations, and filters.
    for view in ["managed", "external", "invited", "imported"] {
        for narrowing in [
            "",
            "&q=a",
            "&q=e",
            "&q=example",
            "&two_factor=off",
            "&q=e&status=active",
            "&account_role=developer",
            "&q=e&account_role=administrator",
        ] {
            let query = format!("view={view}{narrowing}");
            let listed = owner.users(&format!("{query}&limit=200")).await;
            assert!(listed.next_cursor.is_none(), "{query}: one page holds them");
            let total = listed.total;
            let listed = ids(listed);
            let selected: UserIds = owner.get(&format!("/api/v1/users/ids?{query}")).await;
            assert_eq!(selected.total, total, "{query}");
            assert!(!selected.total_capped, "{query}");
            assert_eq!(selected.ids.len(), listed.len(), "{query}: no one twice");
            assert_eq!(
                selected
                    .ids
                    .iter()
                    .copied()
                    .collect::<std::collections::BTreeSet<_>>(),
                listed,
                "{query}"
            );
            // Globex's members hold nothing of this organization's: on no tab here.
            assert!(listed.is_disjoint(&their_members), "{query}");
        }
    }
}

/// A filter's query, and whether a listed user passes it.
type StateFilter = (String, Box<dyn Fn(&roster_model::UserSummary) -> bool>);

/// Every filter of the state a user is in, checked on a tab against the tab's whole list
/// filtered here, and against the tab counts.
async fn assert_state_filters_hold(owner: &TestServer, view: &str) {
    let everyone = owner.users(&format!("view={view}&limit=200")).await;
    assert!(everyone.total > 0, "{view}: someone to filter");
    let mut filters: Vec<StateFilter> = Vec::new();
    for state in TwoFactorState::ALL {
        filters.push((
            format!("two_factor={}", state.as_str()),
            Box::new(move |u| TwoFactorState::of(u.two_factor) == state),
        ));
    }
    for status in UserStatus::ALL {
        filters.push((
            format!("status={}", status.as_str()),
            Box::new(move |u| u.status == status),
        ));
    }
    for last in LastSignIn::ALL {
        let before = last.before(owner.now());
        filters.push((
            format!("last_sign_in={}", last.as_str()),
            Box::new(move |u| match (u.last_sign_in_at, before) {
                (None, _) => true,
                (Some(at), Some(before)) => at < before,
                (Some(_), None) => false,
            }),
        ));
    }
    // At least one filter must keep some users and leave out others, or this proves little.
    let mut narrowed = false;
    for (filter, holds) in &filters {
        let page = owner
            .users(&format!("view={view}&{filter}&limit=200"))
            .await;
        let expected: Vec<i64> = everyone
            .items
            .iter()
            .filter(|u| holds(u))
            .map(|u| u.id)
            .collect();
        let listed: Vec<i64> = page.items.iter().map(|u| u.id).collect();
        assert_eq!(listed, expected, "{view}, {filter}");
        narrowed |= !expected.is_empty() && expected.len() < everyone.items.len();
        assert_eq!(page.total as usize, expected.len(), "{view}, {filter}");
        let counts: ViewCounts = owner.get(&format!("/api/v1/users/counts?{filter}")).await;
        let view = UserView::parse(view).expect("a tab");
        assert_eq!(
            counts.get(view) as usize,
            expected.len(),
            "{view:?} count, {filter}"
        );
    }
    assert!(narrowed, "{view}: some filter narrows the tab");
}

#[tokio::test]
async fn the_external_and_invited_tabs_filter_by_each_users_state_as_it_is_now() {
    let owner = demo_server().await;
    assert_state_filters_hold(&owner, "external").await;
    assert_state_filters_hold(&owner, "invited").await;

    // Users outside the organization change elsewhere (their own organization suspends one, and
    // requires two-factor of another, who resets theirs and signs in there): the tabs follow what each user is
    // now, not what they were when their access or invitation began.
    let external = owner.users("view=external&last_sign_in=30d&limit=1").await;
    let external = external.items[0].id;
    let invited = owner.users("view=invited&status=active&limit=1").await;
    let invited = invited.items[0].id;
    let pending = owner.users("view=invited&two_factor=pending").await;
    assert!(pending.items.iter().all(|u| u.id != invited));
    let disabled = owner.users("view=external&status=disabled").await;
    assert_eq!(disabled.total, 0);
    let mut db = database(&owner).await;
    for change in [
        format!("UPDATE users SET status = 'disabled' WHERE id = {external}"),
        format!(
            "UPDATE users SET totp_secret = NULL, totp_enrolled = 0, two_factor_required = 1, \
             last_sign_in_at = {} WHERE id = {invited}",
            owner.now()
        ),
        format!(
            "UPDATE users SET last_sign_in_at = {} WHERE id = {external}",
            owner.now()
        ),
    ] {
        sqlx::query(&change).execute(&mut db).await.expect(&change);
    }
    let disabled = owner.users("view=external&status=disabled").await;
    assert_eq!(
        disabled.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        [external]
    );
    let pending = owner.users("view=invited&two_factor=pending").await;
    assert!(pending.items.iter().any(|u| u.id == invited));
    let stale = owner
        .users("view=external&last_sign_in=30d&limit=200")
        .await;
    assert!(stale.items.iter().all(|u| u.id != external));
    assert_state_filters_hold(&owner, "external").await;
    assert_state_filters_hold(&owner, "invited").await;

    // A member's own access rows are not kept in step (no tab reads them) until they become an
    // external user's: a suspended member who leaves the organization with their access (the
    // triggers' own path, which the console's removal never takes: it takes the access too) is
    // listed as suspended on the External tab at once.
    owner
        .act("POST", id_of(MEMBER), "suspend", serde_json::json!(null))
        .await;
    let leave = format!(
        "UPDATE users SET org_id = NULL, org_role = NULL, joined_at = NULL, member_source = NULL \
         WHERE id = {}",
        id_of(MEMBER)
    );
    sqlx::query(&leave).execute(&mut db).await.expect(&leave);
    let disabled = owner.users("view=external&status=disabled").await;
    assert!(disabled.items.iter().any(|u| u.email == MEMBER));
    assert_state_filters_hold(&owner, "external").await;
    assert_counts_kept(&owner).await;
}

/// The users each tab lists under `account_role` alone (any account of the organization) match
/// who holds that role on one of its accounts now, or whose invitation grants it, as the grants
/// themselves say.
async fn assert_role_filters_hold(owner: &TestServer) {
    let mut db = database(owner).await;
    let org = org_of(OWNER);
    let mut narrowed = false;
    for role in roster_model::AccountRole::ALL {
        let bit = roster_model::RoleSet::from_roles([role]).bits();
        let holders = format!(
            "SELECT DISTINCT g.user_id FROM account_access g JOIN accounts a ON a.id = g.account_id \
             JOIN users u ON u.id = g.user_id WHERE a.org_id = {org} AND (g.roles & {bit}) <> 0"
        );
        for (view, truth) in [
            ("managed", format!("{holders} AND u.org_id = {org}")),
            (
                "imported",
                format!("{holders} AND u.org_id = {org} AND u.member_source = 'imported'"),
            ),
            (
                "external",
                format!("{holders} AND (u.org_id IS NULL OR u.org_id <> {org})"),
            ),
            (
                "invited",
                format!(
                    "SELECT i.user_id FROM invitations i WHERE i.org_id = {org} \
                     AND i.state = 'pending' AND i.account_id IS NULL AND EXISTS (\
                     SELECT 1 FROM invitation_accounts g JOIN accounts a ON a.id = g.account_id \
                     WHERE g.invitation_id = i.id AND a.org_id = {org} AND (g.roles & {bit}) <> 0)"
                ),
            ),
        ] {
            let mut expected: Vec<i64> = sqlx::query_scalar(&truth)
                .fetch_all(&mut db)
                .await
                .expect(&truth);
            expected.sort_unstable();
            let everyone = owner.users(&format!("view={view}&limit=200")).await;
            let page = owner
                .users(&format!(
                    "view={view}&account_role={}&limit=200",
                    role.as_str()
                ))
                .await;
            assert!(everyone.total <= 200, "{view}: one page holds the tab");
            let mut listed: Vec<i64> = page.items.iter().map(|u| u.id).collect();
            listed.sort_unstable();
            assert_eq!(listed, expected, "{view}, {role:?}");
            assert_eq!(page.total as usize, expected.len(), "{view}, {role:?}");
            let counts: ViewCounts = owner
                .get(&format!(
                    "/api/v1/users/counts?account_role={}",
                    role.as_str()
                ))
                .await;
            let view = UserView::parse(view).expect("a tab");
            assert_eq!(counts.get(view) as usize, expected.len(), "{view:?} count");
            narrowed |= !expected.is_empty() && expected.len() < everyone.items.len();
        }
    }
    assert!(narrowed, "some role narrows some tab");
}

#[tokio::test]
async fn a_role_on_any_account_follows_every_grant_and_account_that_changes() {
    let owner = demo_server().await;
    assert_role_filters_hold(&owner).await;
    let mut db = database(&owner).await;
    let org = org_of(OWNER);
    // A grant that alone gives its holder a role in the organization (`bit`), and the grant,
    // account or invitation account it is: changing it changes what the filter must find.
    let sole = |bit: u8, of: &str| {
        format!(
            "SELECT g.account_id, g.{of} FROM {table} g JOIN accounts a ON a.id = g.account_id \
             WHERE a.org_id = {org} AND (g.roles & {bit}) <> 0 AND NOT EXISTS (\
             SELECT 1 FROM {table} h JOIN accounts b ON b.id = h.account_id \
             WHERE h.{of} = g.{of} AND b.org_id = {org} AND h.account_id <> g.account_id \
             AND (h.roles & {bit}) <> 0) ORDER BY g.account_id, g.{of} LIMIT 1",
            table = if of == "user_id" {
                "account_access"
            } else {
                "invitation_accounts"
            }
        )
    };
    let mut grant = async |sql: String| -> (i64, i64) {
        sqlx::query_as(&sql).fetch_one(&mut db).await.expect(&sql)
    };
    let (account, user) = grant(sole(2, "user_id")).await;
    let (gone, gone_holder) = grant(sole(1, "user_id")).await;
    let (invited_account, invitation) = grant(sole(4, "invitation_id")).await;
    for change in [
        // A Developer made Support: no longer a developer anywhere.
        format!("UPDATE account_access SET roles = 8 WHERE account_id = {account} AND user_id = {user}"),
        // Access taken.
        format!(
            "DELETE FROM account_access WHERE (account_id, user_id) IN \
             (SELECT g.account_id, g.user_id FROM account_access g JOIN accounts a ON a.id = g.account_id \
              JOIN users u ON u.id = g.user_id WHERE a.org_id = {org} AND u.org_id IS NULL \
              ORDER BY g.account_id, g.user_id LIMIT 1)"
        ),
        // An invitation no longer grants an account.
        format!(
            "DELETE FROM invitation_accounts WHERE invitation_id = {invitation} \
             AND account_id = {invited_account}"
        ),
        // An account deleted, with its grants and invitation accounts: its Administrators who
        // were one there alone are no longer.
        format!("DELETE FROM accounts WHERE id = {gone}"),
    ] {
        sqlx::query(&change).execute(&mut db).await.expect(&change);
        assert_role_filters_hold(&owner).await;
    }
    for view in ["managed", "external"] {
        let admins = owner
            .users(&format!("view={view}&account_role=administrator&limit=200"))
            .await;
        assert!(admins.items.iter().all(|u| u.id != gone_holder), "{view}");
    }

    // Through the console: the member's access set to Support on one account alone.
    let accounts: roster_model::Page<roster_model::AccountSummary> =
        owner.get("/api/v1/accounts?limit=200").await;
    let (status, answer) = owner
        .act(
            "PUT",
            id_of(MEMBER),
            "access",
            serde_json::json!({"accounts": [
                {"account_id": accounts.items[0].id, "roles": ["support"]},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_role_filters_hold(&owner).await;

    // An account that leaves the organization with its owner takes the roles it gave along.
    let priya = id_of(roster_server::dataset::DEMO_ADMIN_EMAIL);
    let owned: Vec<_> = accounts
        .items
        .into_iter()
        .filter(|a| a.owner.as_ref().is_some_and(|o| o.id == priya))
        .map(|a| a.id)
        .collect();
    let new_owners: Vec<_> = owned
        .iter()
        .map(|account| serde_json::json!({"account_id": account, "new_owner_id": priya}))
        .collect();
    let (status, answer) = owner
        .act(
            "POST",
            priya,
            "remove",
            serde_json::json!({
                "acknowledged": acknowledged(&roster_model::REMOVE_CONSEQUENCES),
                "new_owners": new_owners,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert_role_filters_hold(&owner).await;
    assert_counts_kept(&owner).await;
}
