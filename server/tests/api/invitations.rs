//! Invitations end to end through the API: per-address results, idempotency, mail with a
//! single-use link (delivered to files and over a real SMTP conversation), acceptance by a new
//! person and by an existing user, expiry, resend cooldown, revocation, and their audit events.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{
    AccountSummary, AuditEntry, InvitationPreview, InvitationState, InviteOutcome, InviteProblem,
    InviteResponse, Me, Page, Relation, UserDetail, UserStatus, UserSummary, ViewCounts,
};
use roster_server::store::Dataset;
use roster_server::two_factor;
use std::collections::HashSet;

const DAY: i64 = 24 * 60 * 60;

/// People of the demo by what an invitation would meet.
struct Cast {
    /// Users of the system on a verified domain, not members and not invited.
    outsiders: Vec<String>,
    /// Existing users with a pending invitation that has not expired…
    invited: String,
    /// …and one whose invitation expired.
    expired: String,
}

fn cast(demo: &Dataset) -> Cast {
    let invited_users: HashSet<i64> = demo.invitations.iter().map(|i| i.user_id).collect();
    let outsiders = demo
        .users
        .iter()
        .filter(|u| {
            u.membership.is_none()
                && u.status == UserStatus::Active
                && u.email.ends_with("@northwind.example")
                && !invited_users.contains(&u.id)
        })
        .map(|u| u.email.clone())
        .collect();
    let email_of = |id: i64| {
        demo.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.email.clone())
            .unwrap_or_default()
    };
    let existing = |expired: bool| {
        demo.invitations
            .iter()
            .filter(|i| {
                demo.users
                    .iter()
                    .any(|u| u.id == i.user_id && u.password_hash.is_some())
            })
            .find(|i| (i.expires_at <= NOW) == expired)
            .map(|i| email_of(i.user_id))
            .unwrap_or_default()
    };
    Cast {
        outsiders,
        invited: existing(false),
        expired: existing(true),
    }
}

async fn first_accounts(server: &TestServer, n: usize) -> Vec<AccountSummary> {
    let page: Page<AccountSummary> = server.get("/api/v1/accounts?limit=50").await;
    page.items.into_iter().take(n).collect()
}

pub(crate) async fn invite(
    server: &TestServer,
    body: serde_json::Value,
    key: Option<&str>,
) -> (StatusCode, serde_json::Value, bool) {
    let headers: Vec<(&str, &str)> = key
        .map(|key| ("idempotency-key", key))
        .into_iter()
        .collect();
    let (status, response_headers, body) = server
        .send_json("POST", "/api/v1/invitations", &headers, Some(body))
        .await;
    (
        status,
        body,
        response_headers.contains_key("idempotent-replayed"),
    )
}

#[tokio::test]
async fn each_address_gets_its_own_result_and_good_ones_are_invited() {
    let server = demo_server().await;
    let demo = demo_as_inserted();
    let cast = cast(&demo);
    let accounts = first_accounts(&server, 2).await;
    let before: ViewCounts = server.get("/api/v1/users/counts").await;
    let body = serde_json::json!({
        "accounts": [
            {"account_id": accounts[0].id, "roles": ["developer", "billing_manager"]},
            {"account_id": accounts[1].id, "roles": ["support"]},
        ],
        "emails": [
            "new.person@northwind.example",
            cast.outsiders[0],
            "New.Person@Northwind.example",
            "not an address",
            "someone@gmail.example",
            OWNER,
            cast.invited,
            cast.expired,
        ],
    });
    let (status, answer, _) = invite(&server, body, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer: InviteResponse = serde_json::from_value(answer).expect("answer");
    let outcomes: Vec<(InviteOutcome, Option<InviteProblem>)> = answer
        .results
        .iter()
        .map(|r| (r.outcome, r.problem))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (InviteOutcome::Invited, None),
            (InviteOutcome::Invited, None),
            (InviteOutcome::Failed, Some(InviteProblem::Duplicate)),
            (InviteOutcome::Failed, Some(InviteProblem::InvalidEmail)),
            (
                InviteOutcome::Failed,
                Some(InviteProblem::DomainNotVerified)
            ),
            (InviteOutcome::Failed, Some(InviteProblem::AlreadyMember)),
            (InviteOutcome::Failed, Some(InviteProblem::AlreadyInvited)),
            (InviteOutcome::Reinvited, None),
        ]
    );
    assert!(!answer.results[0].existing_user);
    assert!(answer.results[1].existing_user);
    // Every problem comes with its words, not only its code.
    for result in &answer.results {
        assert_eq!(
            result.message.as_deref(),
            result.problem.map(InviteProblem::message),
            "{}",
            result.email
        );
    }

    // Two new invitations; the re-invitation replaced an expired one.
    let after: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(after.invited, before.invited + 2);
    assert_eq!(after.managed, before.managed);
    let invited: Page<UserSummary> = server.get("/api/v1/users?view=invited&q=new.person").await;
    assert_eq!(invited.items.len(), 1);
    let invitation = invited.items[0].invitation.as_ref().expect("invitation");
    assert_eq!(invitation.expires_at, NOW + 7 * DAY);
    assert_eq!(
        invitation.invited_by.as_ref().map(|u| u.name.as_str()),
        Some("Maya Chen")
    );

    // Every invitation wrote its audit event.
    let sent: Page<AuditEntry> = server.get("/api/v1/audit?action=invitation.sent").await;
    assert_eq!(sent.items.len(), 2);
    let again: Page<AuditEntry> = server
        .get("/api/v1/audit?action=invitation.reinvited")
        .await;
    assert_eq!(again.items.len(), 1);
    assert_eq!(
        again.items[0].target.as_deref(),
        Some(cast.expired.as_str())
    );

    // A bad request as a whole is refused with the field it is about.
    let eleven: Vec<serde_json::Value> = (1..=11)
        .map(|id| serde_json::json!({"account_id": id, "roles": ["support"]}))
        .collect();
    let (status, error, _) = invite(
        &server,
        serde_json::json!({"accounts": eleven, "emails": ["x@northwind.example"]}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"]["field"], "accounts");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("at most 10"));
    let (status, error, _) = invite(
        &server,
        serde_json::json!({"accounts": [{"account_id": accounts[0].id, "roles": []}], "emails": ["x@northwind.example"]}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let globex_account = demo
        .accounts
        .iter()
        .find(|a| a.org_id != 1)
        .map(|a| a.id)
        .expect("a Globex account");
    let (status, _, _) = invite(
        &server,
        serde_json::json!({"accounts": [{"account_id": globex_account, "roles": ["support"]}], "emails": ["x@northwind.example"]}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_same_idempotency_key_replays_the_first_answer() {
    let server = demo_server().await;
    let body = serde_json::json!({"emails": ["once@northwind.example", "twice@northwind.example"]});
    let (status, first, replayed) = invite(&server, body.clone(), Some("key-1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!replayed);
    let counts: ViewCounts = server.get("/api/v1/users/counts").await;

    let (status, second, replayed) = invite(&server, body, Some("key-1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(replayed);
    assert_eq!(first, second, "the first answer, not 'already invited'");
    let again: ViewCounts = server.get("/api/v1/users/counts").await;
    assert_eq!(again, counts);

    let (status, error, _) = invite(
        &server,
        serde_json::json!({"emails": ["other@northwind.example"]}),
        Some("key-1"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("different request"));
}

/// Clients choose their keys without knowing each other's: one admin's key is not another's, who
/// gets neither the first's recorded answer nor a refusal for "a different request".
#[tokio::test]
async fn an_idempotency_key_is_the_caller_s_own() {
    let owner = demo_server().await;
    let mut admin = owner.another_client();
    admin
        .sign_in_as(roster_server::dataset::DEMO_ADMIN_EMAIL)
        .await;
    let owners_body = serde_json::json!({"emails": ["owners.pick@northwind.example"]});
    let (status, owners_answer, replayed) =
        invite(&owner, owners_body.clone(), Some("batch-1")).await;
    assert_eq!(
        (status, replayed),
        (StatusCode::OK, false),
        "{owners_answer}"
    );

    let admins_body = serde_json::json!({"emails": ["admins.pick@northwind.example"]});
    let (status, admins_answer, replayed) =
        invite(&admin, admins_body.clone(), Some("batch-1")).await;
    assert_eq!(
        (status, replayed),
        (StatusCode::OK, false),
        "{admins_answer}"
    );
    assert_eq!(
        admins_answer["results"][0]["email"], "admins.pick@northwind.example",
        "the admin's own request was answered, not the Owner's"
    );
    let invited = invited_emails(&owner, "pick").await;
    assert!(invited.contains("owners.pick@northwind.example"));
    assert!(invited.contains("admins.pick@northwind.example"));

    // Each still replays their own first answer.
    let (_, again, replayed) = invite(&admin, admins_body, Some("batch-1")).await;
    assert!(replayed);
    assert_eq!(again, admins_answer);
    let (_, again, replayed) = invite(&owner, owners_body, Some("batch-1")).await;
    assert!(replayed);
    assert_eq!(again, owners_answer);
}

async fn invited_emails(server: &TestServer, term: &str) -> HashSet<String> {
    let page: Page<UserSummary> = server
        .get(&format!("/api/v1/users?view=invited&q={term}&limit=50"))
        .await;
    page.items.into_iter().map(|user| user.email).collect()
}

/// An invitation request checks its addresses before its transaction takes the writer's lock: a
/// domain another replica removed in between, or a user who joined an organization, leaves the
/// whole batch unwritten (no user, no invitation, no mail), as for an address invited meanwhile.
#[tokio::test]
async fn invitations_checked_before_their_domain_went_or_their_user_joined_are_not_written() {
    use roster_server::store::{Acting, Actor, Credential, OutgoingMail, PlannedInvitation};
    let server = demo_server().await;
    let credential = Credential::HostToken;
    let actor = Actor {
        org_id: 1,
        acting: Acting::Member {
            user_id: id_of(OWNER),
            credential: &credential,
        },
        role: roster_model::OrgRole::Owner,
        label: "Maya Chen",
        client_addr: "127.0.0.1",
        at: server.now(),
    };
    let planned = |email: &str, user_id: Option<i64>| PlannedInvitation {
        email: email.to_owned(),
        user_id,
        replaces: None,
        token_hash: format!("hash of {email}"),
        expires_at: server.now() + DAY,
        mail: OutgoingMail {
            to: email.to_owned(),
            subject: "Invitation".to_owned(),
            text: String::new(),
            html: String::new(),
        },
    };
    let store = &server.state.store;
    let mut db = database(&server).await;
    let queued = "SELECT COUNT(*) FROM outbound_mail";
    let before = scalar(&mut db, queued).await;

    let domains: Vec<roster_model::Domain> = server.get("/api/v1/domains").await;
    let labs = domains
        .iter()
        .find(|d| d.name == "northwindlabs.example")
        .expect("a verified demo domain");
    let (status, _, body) = server
        .send_json("DELETE", &format!("/api/v1/domains/{}", labs.id), &[], None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let written = store
        .create_invitations(
            &actor,
            &[],
            &[
                planned("checked.before@northwind.example", None),
                planned("checked.before@northwindlabs.example", None),
            ],
            None,
        )
        .await
        .expect("store");
    assert!(!written, "one address's domain went: nothing is written");
    let invited = invited_emails(&server, "checked.before").await;
    assert!(invited.is_empty(), "{invited:?}");

    // A member's address (they joined since the request looked).
    let written = store
        .create_invitations(&actor, &[], &[planned(MEMBER, Some(id_of(MEMBER)))], None)
        .await
        .expect("store");
    assert!(
        !written,
        "the user joined an organization: nothing is written"
    );
    assert_eq!(scalar(&mut db, queued).await, before, "no mail queued");

    // Where the checks still hold, it is written.
    let written = store
        .create_invitations(
            &actor,
            &[],
            &[planned("checked.before@northwind.example", None)],
            None,
        )
        .await
        .expect("store");
    assert!(written);
    assert_eq!(scalar(&mut db, queued).await, before + 1);
}

#[tokio::test]
async fn a_new_person_accepts_once_and_becomes_a_managed_user_with_the_invited_roles() {
    let mut server = demo_server().await;
    let accounts = first_accounts(&server, 2).await;
    let email = "ada.new@northwind.example";
    let (status, _, _) = invite(
        &server,
        serde_json::json!({
            "accounts": [
                {"account_id": accounts[0].id, "roles": ["administrator", "developer"]},
                {"account_id": accounts[1].id, "roles": ["support"]},
            ],
            "emails": [email],
        }),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let links = delivered_links(&server, email).await;
    assert_eq!(links.len(), 1, "one message with a link");
    let token = &links[0];

    let visitor = server.another_client();
    let preview: InvitationPreview = visitor
        .get(&format!("/api/v1/invitations/token/{token}"))
        .await;
    assert_eq!(preview.state, InvitationState::Pending);
    let offer = preview.offer.expect("a pending invitation shows its offer");
    assert_eq!(offer.organization, "Northwind Labs");
    assert_eq!(
        offer.invited_by.as_deref(),
        Some("Maya Chen (maya.chen@northwind.example)")
    );
    assert!(!offer.existing_user);
    assert_eq!(offer.accounts.len(), 2);

    let (status, error) = visitor
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": token, "given_name": "Ada", "family_name": "New", "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"]["field"], "password");
    let (status, me) = visitor
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": token, "given_name": "Ada", "family_name": "New", "password": "a long enough passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let me: Me = serde_json::from_value(me).expect("me");
    assert_eq!(me.user.name, "Ada New");
    assert_eq!(me.role, roster_model::OrgRole::Member);

    // Used: the link does nothing more.
    let (status, _) = visitor
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": token, "given_name": "Eve", "password": "another long passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let preview: InvitationPreview = visitor
        .get(&format!("/api/v1/invitations/token/{token}"))
        .await;
    assert_eq!(preview.state, InvitationState::Accepted);
    // A used link tells whoever holds it nothing about the invitation or the person.
    assert_eq!(preview.offer, None);

    // Managed now, with the roles; gone from Invited; and she can sign in.
    let managed: Page<UserSummary> = server.get("/api/v1/users?view=managed&q=ada.new").await;
    assert_eq!(managed.items.len(), 1);
    let detail: UserDetail = server
        .get(&format!("/api/v1/users/{}", managed.items[0].id))
        .await;
    assert_eq!(detail.relation, Some(Relation::Managed));
    let roles: Vec<String> = detail
        .accounts
        .iter()
        .map(|a| format!("{}: {}", a.account.name, a.roles.describe()))
        .collect();
    assert!(
        roles.contains(&format!("{}: Administrator", accounts[0].name)),
        "{roles:?}"
    );
    assert!(
        roles.contains(&format!("{}: Support", accounts[1].name)),
        "{roles:?}"
    );
    let invited: Page<UserSummary> = server.get("/api/v1/users?view=invited&q=ada.new").await;
    assert!(invited.items.is_empty());
    let (status, _, _) = server.post_sign_in(email, "a long enough passphrase").await;
    assert_eq!(status, StatusCode::OK);
    server.sign_in_as(OWNER).await;
    let accepted: Page<AuditEntry> = server.get("/api/v1/audit?action=invitation.accepted").await;
    assert_eq!(accepted.items.len(), 1);
    assert_eq!(accepted.items[0].actor, "Ada New");
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn an_existing_user_proves_who_they_are_to_accept() {
    let server = demo_server().await;
    let cast = cast(&demo_as_inserted());
    let email = cast.outsiders[1].clone();
    invite(&server, serde_json::json!({"emails": [email]}), None).await;
    let token = delivered_links(&server, &email).await.remove(0);
    let visitor = server.another_client();
    let preview: InvitationPreview = visitor
        .get(&format!("/api/v1/invitations/token/{token}"))
        .await;
    assert!(preview.offer.expect("pending").existing_user);
    let (status, error) = visitor
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": token, "password": "not theirs"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["error"]["field"], "password");
    // Enrolled in two-factor: the code is part of proving it.
    let code = demo_as_inserted()
        .users
        .iter()
        .find(|u| u.email == email)
        .and_then(|u| u.totp_secret.clone())
        .and_then(|secret| two_factor::code_at(&secret, &email, server.now()));
    let (status, me) = visitor
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": token, "password": PASSWORD, "code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let managed: Page<UserSummary> = server
        .get(&format!("/api/v1/users?view=managed&q={email}"))
        .await;
    assert_eq!(managed.items.len(), 1);
    assert_counts_kept(&server).await;
}

#[tokio::test]
async fn links_expire_resending_renews_them_after_a_cooldown_and_revoking_kills_them() {
    let mut server = demo_server().await;
    let email = "slow.responder@northwind.example";
    invite(&server, serde_json::json!({"emails": [email]}), None).await;
    let first = delivered_links(&server, email).await.remove(0);
    let invited: Page<UserSummary> = server
        .get("/api/v1/users?view=invited&q=slow.responder")
        .await;
    let id = invited.items[0]
        .invitation
        .as_ref()
        .map(|i| i.id)
        .expect("id");

    // Too soon to send again.
    let (status, answer) = server
        .post_json(
            "/api/v1/invitations/resend",
            serde_json::json!({"ids": [id, 999_999]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["results"][0]["ok"], false);
    assert!(answer["results"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("minutes"));
    assert_eq!(answer["results"][1]["ok"], false);

    // A week later the link has expired…
    server.advance(7 * DAY + 1);
    server.sign_in_as(OWNER).await;
    let preview: InvitationPreview = server
        .get(&format!("/api/v1/invitations/token/{first}"))
        .await;
    assert_eq!(preview.state, InvitationState::Expired);
    assert_eq!(preview.offer, None);
    let (status, _) = server
        .another_client()
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": first, "given_name": "Slow", "password": "a long enough passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let listed: Page<UserSummary> = server
        .get("/api/v1/users?view=invited&q=slow.responder")
        .await;
    assert!(listed.items[0]
        .invitation
        .as_ref()
        .is_some_and(|i| i.expired));

    // …resending sends a new link and the old one stops working.
    let (_, answer) = server
        .post_json(
            "/api/v1/invitations/resend",
            serde_json::json!({"ids": [id]}),
        )
        .await;
    assert_eq!(answer["results"][0]["ok"], true, "{answer}");
    let links = delivered_links(&server, email).await;
    assert_eq!(links.len(), 2);
    let second = links[1].clone();
    assert_ne!(first, second);
    let (status, _) = server
        .get_error(&format!("/api/v1/invitations/token/{first}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let preview: InvitationPreview = server
        .get(&format!("/api/v1/invitations/token/{second}"))
        .await;
    assert_eq!(preview.state, InvitationState::Pending);
    let listed: Page<UserSummary> = server
        .get("/api/v1/users?view=invited&q=slow.responder")
        .await;
    let info = listed.items[0].invitation.clone().expect("invitation");
    assert_eq!(info.last_sent_at, Some(server.now()));
    assert!(!info.expired);

    // Revoked: the page says so and accepting fails; it leaves the Invited tab.
    let (_, answer) = server
        .post_json(
            "/api/v1/invitations/revoke",
            serde_json::json!({"ids": [id]}),
        )
        .await;
    assert_eq!(answer["results"][0]["ok"], true);
    let preview: InvitationPreview = server
        .get(&format!("/api/v1/invitations/token/{second}"))
        .await;
    assert_eq!(preview.state, InvitationState::Revoked);
    assert_eq!(preview.offer, None);
    let (status, _) = server
        .another_client()
        .post_json(
            "/api/v1/invitations/accept",
            serde_json::json!({"token": second, "given_name": "Slow", "password": "a long enough passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let listed: Page<UserSummary> = server
        .get("/api/v1/users?view=invited&q=slow.responder")
        .await;
    assert!(listed.items.is_empty());
    for action in ["invitation.resent", "invitation.revoked"] {
        let log: Page<AuditEntry> = server.get(&format!("/api/v1/audit?action={action}")).await;
        assert_eq!(log.items.len(), 1, "{action}");
    }
    assert_counts_kept(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_invitations_of_one_new_address_invite_it_once_and_never_fail() {
    let server = demo_server().await;
    let body = serde_json::json!({"emails": ["racer@northwind.example"]});
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let mut client = server.another_client();
        client.cookie = server.cookie.clone();
        let body = body.clone();
        racers.spawn(async move { invite(&client, body, None).await });
    }
    let answers = racers.join_all().await;
    let mut invited = 0;
    for (status, answer, _) in &answers {
        match *status {
            StatusCode::OK => {
                let answer: InviteResponse =
                    serde_json::from_value(answer.clone()).expect("answer");
                match answer.results[0].outcome {
                    InviteOutcome::Invited => invited += 1,
                    _ => assert_eq!(
                        answer.results[0].problem,
                        Some(InviteProblem::AlreadyInvited)
                    ),
                }
            }
            // Checked before the winner wrote, refused after: nothing written, a clear answer.
            StatusCode::CONFLICT => assert!(answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("a moment ago")),
            other => panic!("{other}: {answer}"),
        }
    }
    assert_eq!(invited, 1, "{answers:?}");
    assert_counts_kept(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_on_an_invitation_are_throttled() {
    let owner = demo_server().await;
    // An existing user outside every organization, on Northwind's verified domain.
    let demo = demo_as_inserted();
    let invited: std::collections::HashSet<i64> =
        demo.invitations.iter().map(|i| i.user_id).collect();
    let person = demo
        .users
        .iter()
        .find(|u| {
            u.membership.is_none()
                && u.password_hash.is_some()
                && u.email.ends_with("@northwind.example")
                && !invited.contains(&u.id)
        })
        .map(|u| u.email.clone())
        .expect("an existing user to invite");
    let (status, body) = owner
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": [person]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = delivered_links(&owner, &person).await.remove(0);
    let statuses = in_parallel(25, |i| {
        let client = owner.another_client();
        let token = token.clone();
        async move {
            client
                .post_json(
                    "/api/v1/invitations/accept",
                    serde_json::json!({"token": token, "password": format!("guess {i}")}),
                )
                .await
                .0
        }
    })
    .await;
    assert_throttled(&statuses, StatusCode::UNAUTHORIZED);
}

/// Re-inviting someone whose invitation expired, sent 20 times at once (two tabs, a double
/// click, two replicas): one replaces it and the others are told they were invited a moment ago
/// or already are; none fails with a server error (an attacker's pass found 500s where each
/// replaced the same expired invitation), and one invitation is left pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinviting_an_expired_invitation_many_times_at_once_sends_it_once() {
    let mut server = demo_server().await;
    server.sign_in_as(OWNER).await;
    let email = cast(&demo_as_inserted()).expired;
    assert!(!email.is_empty(), "the demo has an expired invitation");
    let statuses = in_parallel(20, |_| {
        let client = server.clone_signed_in();
        let body = serde_json::json!({"emails": [email]});
        async move { client.post_json("/api/v1/invitations", body).await.0 }
    })
    .await;
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let mut db = database(&server).await;
    let user = id_of(&email);
    let pending = format!(
        "SELECT COUNT(*) FROM invitations WHERE user_id = {user} AND state = 'pending' AND account_id IS NULL"
    );
    assert_eq!(scalar(&mut db, &pending).await, 1);
    let reinvited = format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.reinvited' AND target_id = {user}"
    );
    assert_eq!(scalar(&mut db, &reinvited).await, 1);
    assert_counts_kept(&server).await;
}

/// A re-invite planned while someone's invitation had expired, that waited behind another admin
/// sending that invitation again, leaves the renewed invitation and its link alone (409): it
/// replaces only an invitation still expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reinvite_queued_behind_a_resend_of_the_same_invitation_leaves_it() {
    let mut server = demo_server().await;
    server.sign_in_as(OWNER).await;
    let email = cast(&demo_as_inserted()).expired;
    let user = id_of(&email);
    let mut db = database(&server).await;
    let expired = format!(
        "SELECT id FROM invitations WHERE user_id = {user} AND state = 'pending' AND account_id IS NULL"
    );
    let id = scalar(&mut db, &expired).await;
    let (status, body) = post_queued_behind(
        &server,
        &[&format!(
            "UPDATE invitations SET expires_at = {}, last_sent_at = {} WHERE id = {id}",
            server.now() + 7 * DAY,
            server.now()
        )],
        server.clone_signed_in(),
        "/api/v1/invitations",
        serde_json::json!({"emails": [email]}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        scalar(&mut db, &expired).await,
        id,
        "the renewed invitation stays"
    );
}
