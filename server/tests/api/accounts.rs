//! Accounts: the list, an account's User access page (people, roles, invitations to the account
//! alone, external users), and the daily allowance of mail to outside addresses.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{
    AccountInvitation, AccountInviteOutcome, AccountInviteResult, AccountSummary, AccountUser,
    AuditEntry, Domain, ExternalAccess, Page, Relation, UserDetail, UserSummary, ViewCounts,
};
use roster_server::store::Dataset;

/// The demo's first Northwind account, its owner, a member without access to it, and one with.
struct Scene {
    account: i64,
    owner: i64,
    member_without: (i64, String),
    member_with: i64,
}

fn scene(demo: &Dataset) -> Scene {
    let account = demo
        .accounts
        .iter()
        .find(|a| a.org_id == 1)
        .expect("account");
    let has_access = |user: i64| {
        demo.access
            .iter()
            .any(|g| g.account_id == account.id && g.user_id == user)
    };
    let members = || {
        demo.users.iter().filter(|u| {
            u.membership.as_ref().is_some_and(|m| m.org_id == 1) && u.id != account.owner_id
        })
    };
    let without = members()
        .find(|u| !has_access(u.id))
        .expect("a member without access");
    let with = members()
        .find(|u| has_access(u.id))
        .expect("a member with access");
    Scene {
        account: account.id,
        owner: account.owner_id,
        member_without: (without.id, without.email.clone()),
        member_with: with.id,
    }
}

impl TestServer {
    async fn account_users(&self, account: i64, query: &str) -> Page<AccountUser> {
        self.get(&format!("/api/v1/accounts/{account}/users?{query}"))
            .await
    }

    async fn invite_to_account(
        &self,
        account: i64,
        emails: &[&str],
        roles: &[&str],
    ) -> Vec<AccountInviteResult> {
        let (status, body) = self
            .post_json(
                &format!("/api/v1/accounts/{account}/invitations"),
                serde_json::json!({ "emails": emails, "roles": roles }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("results")
    }
}

#[tokio::test]
async fn the_user_access_list_shows_members_and_external_users_with_their_roles() {
    let server = demo_server().await;
    let s = scene(&demo_as_inserted());
    let mut everyone = Vec::new();
    let mut page = server.account_users(s.account, "limit=5").await;
    loop {
        everyone.extend(page.items.clone());
        let Some(cursor) = page.next_cursor.clone() else {
            break;
        };
        assert!(everyone.len() < 500, "paging does not end");
        page = server
            .account_users(s.account, &format!("limit=5&cursor={cursor}"))
            .await;
    }
    assert_eq!(everyone.len() as u64, page.total);
    let mut ids: Vec<i64> = everyone.iter().map(|u| u.user.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), everyone.len(), "paging repeats no one");
    let owner = everyone
        .iter()
        .find(|u| u.user.id == s.owner)
        .expect("owner listed");
    assert!(owner.owner && owner.relation == Relation::Managed);
    assert!(everyone.iter().all(|u| !u.roles.is_empty()));
    let demo = demo_as_inserted();
    for user in &everyone {
        let member = demo
            .users
            .iter()
            .find(|u| u.id == user.user.id)
            .and_then(|u| u.membership.as_ref())
            .is_some_and(|m| m.org_id == 1);
        assert_eq!(
            user.relation == Relation::Managed,
            member,
            "{}",
            user.user.email
        );
    }
    // Search narrows the list; another organization's account is not there.
    let first = &everyone[0].user.email;
    let found = server
        .account_users(
            s.account,
            &format!("q={}", &first[..first.find('@').unwrap_or(3)]),
        )
        .await;
    assert!(found.items.iter().any(|u| &u.user.email == first));
    // A term without a trigram is tested on each user's text: every holder and nobody else.
    for term in ["ch", "a", "_"] {
        let mut holders: Vec<i64> = everyone
            .iter()
            .filter(|u| {
                format!("{} {}", u.user.name, u.user.email)
                    .to_lowercase()
                    .contains(term)
            })
            .map(|u| u.user.id)
            .collect();
        let found = server
            .account_users(s.account, &format!("limit=200&q={term}"))
            .await;
        let mut found: Vec<i64> = found.items.iter().map(|u| u.user.id).collect();
        holders.sort_unstable();
        found.sort_unstable();
        assert_eq!(found, holders, "{term}");
    }
    let globex_account = demo.accounts.iter().find(|a| a.org_id == 2).map(|a| a.id);
    let (status, _) = server
        .get_error(&format!(
            "/api/v1/accounts/{}/users",
            globex_account.unwrap_or(0)
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_change_and_access_is_removed_but_never_the_owners() {
    let server = demo_server().await;
    let s = scene(&demo_as_inserted());
    let user_path = format!("/api/v1/accounts/{}/users/{}", s.account, s.member_with);
    let before: UserDetail = server
        .get(&format!("/api/v1/users/{}", s.member_with))
        .await;

    // Administrator holds Developer's permissions: the stored set is canonical.
    let (status, _, body) = server
        .send_json(
            "PUT",
            &user_path,
            &[],
            Some(serde_json::json!({"roles": ["developer", "administrator", "support"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let listed = server.account_users(s.account, "limit=200").await;
    let row = listed
        .items
        .iter()
        .find(|u| u.user.id == s.member_with)
        .expect("row");
    assert_eq!(row.roles.describe(), "Administrator, Support");
    let after: UserDetail = server
        .get(&format!("/api/v1/users/{}", s.member_with))
        .await;
    assert!(
        after.version > before.version,
        "the user's page sees the change"
    );

    let (status, _, body) = server
        .send_json(
            "PUT",
            &user_path,
            &[],
            Some(serde_json::json!({"roles": []})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "roles");

    let owner_path = format!("/api/v1/accounts/{}/users/{}", s.account, s.owner);
    let (status, _, body) = server.send_json("DELETE", &owner_path, &[], None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("owner"));

    let (status, _, _) = server.send_json("DELETE", &user_path, &[], None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let listed = server.account_users(s.account, "limit=200").await;
    assert!(listed.items.iter().all(|u| u.user.id != s.member_with));
    let (status, _, _) = server.send_json("DELETE", &user_path, &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=account.access_removed")
        .await;
    assert_eq!(log.items.len(), 1);
    let log: Page<AuditEntry> = server
        .get("/api/v1/audit?action=account.roles_changed")
        .await;
    assert_eq!(log.items.len(), 1);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn inviting_gives_members_access_at_once_and_makes_others_external_users_on_acceptance() {
    let server = demo_server().await;
    let s = scene(&demo_as_inserted());
    let counts_before: ViewCounts = server.get("/api/v1/users/counts").await;
    let outsider = "contractor@agency.example";
    let results = server
        .invite_to_account(
            s.account,
            &[
                &s.member_without.1,
                outsider,
                "Contractor@Agency.example",
                "not an address",
            ],
            &["developer"],
        )
        .await;
    let outcomes: Vec<_> = results.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            AccountInviteOutcome::Granted,
            AccountInviteOutcome::Invited,
            AccountInviteOutcome::Failed,
            AccountInviteOutcome::Failed,
        ]
    );
    assert!(results[2]
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("twice"));
    let listed = server.account_users(s.account, "limit=200").await;
    let member = listed
        .items
        .iter()
        .find(|u| u.user.id == s.member_without.0);
    assert_eq!(
        member.map(|m| m.roles.describe()).as_deref(),
        Some("Developer")
    );

    // Inviting the same people again: both refused with the reason.
    let again = server
        .invite_to_account(s.account, &[&s.member_without.1, outsider], &["support"])
        .await;
    assert!(again
        .iter()
        .all(|r| r.outcome == AccountInviteOutcome::Failed));
    assert!(again[0]
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("Already has access"));
    assert!(again[1]
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("Already invited"));

    // The pending invitation shows on the account, not on the Invited tab.
    let pending: Vec<AccountInvitation> = server
        .get(&format!("/api/v1/accounts/{}/invitations", s.account))
        .await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].email, outsider);
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(counts.invited, counts_before.invited);

    // The mail says what it is; the new person accepts and gets access, not membership.
    let token = delivered_links(&server, outsider).await.remove(0);
    let preview: serde_json::Value = server
        .get(&format!("/api/v1/invitations/token/{token}"))
        .await;
    assert_eq!(preview["offer"]["account_only"], true);
    let visitor = server.another_client();
    let (status, headers, body) = visitor
        .send_json(
            "POST",
            "/api/v1/invitations/accept",
            &[],
            Some(serde_json::json!({
                "token": token, "given_name": "Casey", "family_name": "Contractor",
                "password": "a long enough passphrase"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers.get("set-cookie").is_none(),
        "no console session for an external user"
    );
    let access: ExternalAccess = serde_json::from_value(body).expect("access");
    assert_eq!(access.organization, "Northwind Labs");
    assert_eq!(access.accounts[0].roles.describe(), "Developer");

    let external: Page<UserSummary> = server
        .get(&format!("/api/v1/users?view=external&q={outsider}"))
        .await;
    let casey = external.items.first().expect("listed under External");
    assert_eq!(casey.display_name(), "Casey Contractor");
    assert_eq!(casey.access.len(), 1);
    assert_eq!(casey.access[0].account.id, s.account);
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(counts.external, counts_before.external + 1);
    assert_eq!(counts.managed, counts_before.managed);
    let pending: Vec<AccountInvitation> = server
        .get(&format!("/api/v1/accounts/{}/invitations", s.account))
        .await;
    assert!(pending.is_empty());

    // Their access to all of the organization's accounts goes in one step; members refuse it.
    let (status, _, _) = server
        .send_json(
            "DELETE",
            &format!("/api/v1/users/{}/access", casey.id),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(counts.external, counts_before.external);
    let (status, _, body) = server
        .send_json(
            "DELETE",
            &format!("/api/v1/users/{}/access", s.member_with),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_counts_kept(&server).await;
}

/// Taking an external user's access to every account away withdraws the invitations still waiting
/// for them to the organization's accounts: accepted afterwards, one gave back what was just
/// taken (an attacker's pass: the person vanished from the list, and came back as Administrator).
#[tokio::test]
async fn removing_an_external_users_access_withdraws_their_waiting_invitations() {
    let server = demo_server().await;
    let accounts = demo_org_accounts(2);
    let contractor = "contractor.two@studio.example";
    server
        .invite_to_account(accounts[0], &[contractor], &["support"])
        .await;
    server
        .invite_to_account(accounts[1], &[contractor], &["administrator"])
        .await;
    let tokens = delivered_links(&server, contractor).await;
    assert_eq!(tokens.len(), 2);
    let visitor = server.another_client();
    let casey_contractor = Some(("Casey", "Contractor"));
    let (status, body) = visitor
        .accept_invitation(&tokens[0], casey_contractor)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let casey = server
        .external_user_id(contractor)
        .await
        .expect("listed under External");

    let (status, _, body) = server
        .send_json(
            "DELETE",
            &format!("/api/v1/users/{casey}/access"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let waiting: Vec<AccountInvitation> = server
        .get(&format!("/api/v1/accounts/{}/invitations", accounts[1]))
        .await;
    assert!(waiting.iter().all(|i| i.email != contractor), "{waiting:?}");
    let (status, body) = visitor
        .accept_invitation(&tokens[1], casey_contractor)
        .await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert_eq!(server.external_user_id(contractor).await, None);
    let mut db = database(&server).await;
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'account.access_removed'",
    )
    .fetch_one(&mut db)
    .await
    .expect("audit event");
    let details: serde_json::Value = serde_json::from_str(&details).expect("details");
    assert_eq!(details["invitations_withdrawn"], 1, "{details}");
}

/// Taking an external user's access to one account away withdraws an invitation to that account
/// still waiting for them (one sent before they got the access another way), and nothing else.
#[tokio::test]
async fn removing_access_to_one_account_withdraws_its_waiting_invitation() {
    let server = demo_server().await;
    let accounts = demo_org_accounts(2);
    let contractor = "contractor.three@studio.example";
    for account in &accounts {
        server
            .invite_to_account(*account, &[contractor], &["support"])
            .await;
    }
    let visitor = server.another_client();
    for (i, token) in delivered_links(&server, contractor)
        .await
        .iter()
        .enumerate()
    {
        let new_user_name = (i == 0).then_some(("Casey", "Contractor"));
        let (status, body) = visitor.accept_invitation(token, new_user_name).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let casey = server
        .external_user_id(contractor)
        .await
        .expect("listed under External");
    let mut db = database(&server).await;
    insert_waiting_account_invitation(&mut db, &server, casey, accounts[0], "waiting-for-casey")
        .await;

    let (status, _, body) = server
        .send_json(
            "DELETE",
            &format!("/api/v1/accounts/{}/users/{casey}", accounts[0]),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let waiting = scalar(
        &mut db,
        &format!("SELECT COUNT(*) FROM invitations WHERE user_id = {casey} AND state = 'pending'"),
    )
    .await;
    assert_eq!(waiting, 0, "the invitation to the account is withdrawn");
    let external: Page<UserSummary> = server
        .get(&format!("/api/v1/users?view=external&q={contractor}"))
        .await;
    let access: Vec<i64> = external
        .items
        .iter()
        .flat_map(|u| u.access.iter().map(|a| a.account.id))
        .collect();
    assert_eq!(
        access,
        vec![accounts[1]],
        "the other account's access stays"
    );
}

#[tokio::test]
async fn someone_on_a_verified_domain_is_invited_to_join_with_access_to_the_account() {
    let server = demo_server().await;
    let s = scene(&demo_as_inserted());
    let account: AccountSummary = server.get(&format!("/api/v1/accounts/{}", s.account)).await;
    let invited: Page<UserSummary> = server.get("/api/v1/users?view=invited&limit=200").await;
    let pending = invited
        .items
        .iter()
        .find(|u| u.invitation.as_ref().is_some_and(|i| !i.expired))
        .expect("a pending invitation to the organization");
    let colleague = "new.colleague@northwind.example";
    let outsider = "freelancer@studio.example";
    let results = server
        .invite_to_account(
            s.account,
            &[colleague, outsider, &pending.email, &s.member_without.1],
            &["developer"],
        )
        .await;
    let outcomes: Vec<_> = results
        .iter()
        .map(|r| (r.email.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            (colleague, AccountInviteOutcome::InvitedToOrganization),
            (outsider, AccountInviteOutcome::Invited),
            (pending.email.as_str(), AccountInviteOutcome::Failed),
            (s.member_without.1.as_str(), AccountInviteOutcome::Granted),
        ]
    );
    assert!(results[2]
        .message
        .as_deref()
        .unwrap_or_default()
        .contains("Already invited to join the organization"));

    // The colleague's invitation is to the organization, on the Invited tab, granting this account.
    let listed: Page<UserSummary> = server
        .get("/api/v1/users?view=invited&q=new.colleague")
        .await;
    let granted = listed.items[0]
        .invitation
        .as_ref()
        .map(|i| i.accounts.clone())
        .unwrap_or_default();
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].name, account.name);
    assert_eq!(granted[0].roles.describe(), "Developer");
    // It is not one of the account's own (external) invitations.
    let own: Vec<AccountInvitation> = server
        .get(&format!("/api/v1/accounts/{}/invitations", s.account))
        .await;
    assert!(own.iter().all(|i| i.email != colleague));

    // Accepting makes them a managed user with access to the account.
    let token = delivered_links(&server, colleague).await.remove(0);
    let visitor = server.another_client();
    let (status, _, body) = visitor
        .send_json(
            "POST",
            "/api/v1/invitations/accept",
            &[],
            Some(serde_json::json!({"token": token, "given_name": "New", "family_name": "Colleague", "password": "a long enough passphrase"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let people = server.account_users(s.account, "q=new.colleague").await;
    assert_eq!(people.items.len(), 1);
    assert_eq!(people.items[0].relation, Relation::Managed);
    assert_eq!(people.items[0].roles.describe(), "Developer");
}

#[tokio::test]
async fn a_member_of_another_organization_becomes_an_external_user_and_stays_where_they_are() {
    let server = demo_server().await;
    let s = scene(&demo_as_inserted());
    let hank = "hank.scorpio@globex.example";
    let results = server
        .invite_to_account(s.account, &[hank], &["billing_manager"])
        .await;
    assert_eq!(results[0].outcome, AccountInviteOutcome::Invited);
    let token = delivered_links(&server, hank).await.remove(0);
    // An existing user proves who they are.
    let visitor = server.another_client();
    let (status, _, body) = visitor
        .send_json(
            "POST",
            "/api/v1/invitations/accept",
            &[],
            Some(serde_json::json!({"token": token, "password": "wrong"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = visitor
        .send_json(
            "POST",
            "/api/v1/invitations/accept",
            &[],
            Some(serde_json::json!({"token": token, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let external: Page<UserSummary> = server
        .get(&format!("/api/v1/users?view=external&q={hank}"))
        .await;
    assert_eq!(external.items.len(), 1);
    // Still Globex's Owner.
    let mut globex = server.another_client();
    globex.sign_in_as(hank).await;
    let me: serde_json::Value = globex.get("/api/v1/session").await;
    assert_eq!(me["organization"]["name"], "Globex Corporation");
    assert_eq!(me["role"], "owner");
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn accounts_and_domains() {
    let server = demo_server().await;
    let accounts: Page<AccountSummary> = server.get("/api/v1/accounts?limit=5").await;
    assert_eq!(accounts.total, 12);
    assert_eq!(accounts.items.len(), 5);
    assert!(accounts
        .items
        .iter()
        .all(|a| a.owner.is_some() && a.user_count >= 1 && a.sid.starts_with("AC")));
    let next: Page<AccountSummary> = server
        .get(&format!(
            "/api/v1/accounts?limit=5&cursor={}",
            accounts.next_cursor.clone().expect("more accounts")
        ))
        .await;
    assert!(next.items.iter().all(|a| a.name > accounts.items[4].name));
    let search: Page<AccountSummary> = server.get("/api/v1/accounts?q=production").await;
    assert_eq!(search.total, 3);

    let domains: Vec<Domain> = server.get("/api/v1/domains").await;
    assert_eq!(domains.len(), 4);
    assert!(domains
        .iter()
        .all(|d| d.txt_host == format!("_roster.{}", d.name)));
}

/// The answer to sending invitation `id` again `seconds` later, as the Owner signed in afresh.
async fn resend_later(owner: &mut TestServer, seconds: i64, id: i64) -> serde_json::Value {
    owner.advance(seconds);
    owner.sign_in_as(OWNER).await;
    owner
        .post_json(
            "/api/v1/invitations/resend",
            serde_json::json!({"ids": [id]}),
        )
        .await
        .1
}

#[tokio::test]
async fn invitations_to_outside_addresses_have_a_daily_quota() {
    let owner = demo_server()
        .await
        .with_settings(|s| s.outside_mail_per_day = 3);
    let emails: Vec<String> = (0..5)
        .map(|i| format!("contractor{i}@outside.example"))
        .collect();
    let (status, body) = owner
        .post_json(
            "/api/v1/accounts/1/invitations",
            serde_json::json!({"emails": emails, "roles": ["support"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcomes: Vec<&str> = body
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        outcomes,
        ["invited", "invited", "invited", "failed", "failed"]
    );
    assert!(body[3]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("as many invitations to people outside it"));

    // Sending one again later the same day counts too.
    let invitations: Vec<roster_model::AccountInvitation> =
        owner.get("/api/v1/accounts/1/invitations").await;
    let id = invitations.first().expect("an invitation").id;
    let mut owner = owner;
    let cooldown = owner.state.settings.resend_cooldown_seconds;
    let body = resend_later(&mut owner, cooldown + 1, id).await;
    assert_eq!(body["results"][0]["ok"], false, "{body}");
    let body = resend_later(&mut owner, 24 * 60 * 60, id).await;
    assert_eq!(
        body["results"][0]["ok"], true,
        "a new day, a new allowance: {body}"
    );
}

#[tokio::test]
async fn one_outside_mailbox_gets_at_most_ten_invitations_a_day() {
    let owner = demo_server().await;
    let accounts: Page<AccountSummary> = owner.get("/api/v1/accounts?limit=100").await;
    assert!(accounts.items.len() > 10);
    let invite = |account: i64, email: &'static str| {
        let owner = &owner;
        async move {
            let (status, body) = owner
                .post_json(
                    &format!("/api/v1/accounts/{account}/invitations"),
                    serde_json::json!({"emails": [email], "roles": ["support"]}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body[0].clone()
        }
    };
    // Sub-addresses (RFC 5233) count with their mailbox.
    for (n, account) in accounts.items[..10].iter().enumerate() {
        let to = ["pat@outside.example", "pat+work@outside.example"][n % 2];
        let result = invite(account.id, to).await;
        assert_eq!(result["outcome"], "invited", "{result}");
    }
    let eleventh = invite(accounts.items[10].id, "pat@outside.example").await;
    assert_eq!(eleventh["outcome"], "failed", "{eleventh}");
    assert!(eleventh["message"]
        .as_str()
        .is_some_and(|m| m.contains("as one person may get in a day")));
    // A sub-address reaches the same mailbox.
    let tagged = invite(accounts.items[10].id, "pat+again@outside.example").await;
    assert_eq!(tagged["outcome"], "failed", "{tagged}");
    // The cap is one mailbox's: another outside address is still invited.
    let other = invite(accounts.items[10].id, "lee@outside.example").await;
    assert_eq!(other["outcome"], "invited", "{other}");
    let state = &owner.state;
    for _ in 0..10 {
        if roster_server::mail::deliver_due(&state.store, &state.mailer, &state.clock).await == 0 {
            break;
        }
    }
    for to in ["pat@outside.example", "pat+work@outside.example"] {
        assert_eq!(delivered_links(&owner, to).await.len(), 5, "{to}");
    }

    // Sending one of them again counts too.
    let first = accounts.items[0].id;
    let invitations: Vec<roster_model::AccountInvitation> = owner
        .get(&format!("/api/v1/accounts/{first}/invitations"))
        .await;
    let id = invitations.first().expect("pat's invitation").id;
    let mut owner = owner;
    let cooldown = owner.state.settings.resend_cooldown_seconds;
    let body = resend_later(&mut owner, cooldown + 1, id).await;
    assert_eq!(body["results"][0]["ok"], false, "{body}");
    assert!(body["results"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("as one person may get in a day")));
}
