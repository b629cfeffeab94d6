//! Domains: claiming one (normalised, public mailbox providers and public suffixes refused;
//! another organization's domain says so only to whoever proves control of its DNS) and verifying it through a real DNS server on loopback, then the daily re-check that
//! lapses a domain whose record went away and removes it after 30 days.

use crate::common::*;
use axum::http::StatusCode;
use roster_model::{
    AuditEntry, Domain, DomainState, InvitationPreview, InvitationState, Page, UserSummary,
    DOMAIN_LAPSE_GRACE_SECONDS, DOMAIN_RECHECK_SECONDS,
};
use roster_server::ops::domains::recheck_due;
use roster_testkit::DnsFixture;

const DAY: i64 = 24 * 60 * 60;

async fn server_and_dns() -> (TestServer, DnsFixture) {
    let dns = DnsFixture::start().await.expect("dns fixture");
    let server = demo_server().await.with_nameserver(dns.addr());
    (server, dns)
}

impl TestServer {
    async fn add_domain(&self, name: &str) -> (StatusCode, serde_json::Value) {
        self.post_json("/api/v1/domains", serde_json::json!({ "name": name }))
            .await
    }

    async fn verify(&self, id: i64) -> Domain {
        let (status, body) = self
            .post_json(
                &format!("/api/v1/domains/{id}/verify"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("domain")
    }

    /// Moves the clock and runs the daily re-check; signs in again, as sessions end meanwhile.
    async fn next_recheck(&mut self, seconds: i64) -> usize {
        self.advance(seconds);
        let checked = recheck_due(&self.state).await.expect("recheck");
        self.sign_in_as(OWNER).await;
        checked
    }

    async fn remove_domain(&self, id: i64) -> StatusCode {
        let (status, _, _) = self
            .send_json("DELETE", &format!("/api/v1/domains/{id}"), &[], None)
            .await;
        status
    }

    async fn domain_named(&self, name: &str) -> Option<Domain> {
        let domains: Vec<Domain> = self.get("/api/v1/domains").await;
        domains.into_iter().find(|d| d.name == name)
    }

    async fn invite_check(&self, email: &str) -> serde_json::Value {
        let (status, body) = self
            .post_json(
                "/api/v1/invitations/check",
                serde_json::json!({ "emails": [email] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body[0].clone()
    }
}

#[tokio::test]
async fn a_claimed_domain_is_normalised_and_bad_claims_get_a_reason() {
    let (server, _dns) = server_and_dns().await;
    let (status, body) = server.add_domain("  Bücher-Northwind.Example. ").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let added: Domain = serde_json::from_value(body).expect("domain");
    assert_eq!(added.name, "xn--bcher-northwind-zvb.example");
    assert_eq!(added.state, DomainState::Pending);
    assert_eq!(added.txt_host, "_roster.xn--bcher-northwind-zvb.example");
    assert!(added.txt_value.starts_with("roster-domain-verification="));
    assert!(added.txt_value.len() > "roster-domain-verification=".len() + 40);

    for (name, says) in [
        ("GMAIL.com", "public mailbox provider"),
        ("outlook.com", "public mailbox provider"),
        ("bad_name.example", "letters, digits and hyphens"),
        ("localhost", "at least two parts"),
        ("northwind.example", "claimed northwind.example already"),
        ("co.uk", "public suffix"),
        ("github.io", "public suffix"),
    ] {
        let (status, body) = server.add_domain(name).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["field"], "name");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{name}: {message}");
    }
    let log: Page<AuditEntry> = server.get("/api/v1/audit?action=domain.added").await;
    assert_eq!(log.items.len(), 1);
}

#[tokio::test]
async fn another_organizations_domain_is_named_only_to_whoever_controls_its_dns() {
    let (server, dns) = server_and_dns().await;
    // Globex holds globex.example verified. Claiming it says nothing of that…
    let (status, body) = server.add_domain("globex.example").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(!body.to_string().contains("Another organization"), "{body}");
    let domain: Domain = serde_json::from_value(body).expect("domain");
    assert_eq!(domain.state, DomainState::Pending);
    // …nor does a check without the record: the answer anyone gets for a missing record…
    let failed = server.verify(domain.id).await;
    assert_eq!(failed.state, DomainState::Failed);
    let reason = failed.last_error.unwrap_or_default();
    assert!(!reason.contains("Another organization"), "{reason}");
    // …but whoever can publish the record learns why it cannot be theirs.
    dns.set_txt(&domain.txt_host, &[&domain.txt_value]);
    let refused = server.verify(domain.id).await;
    assert_eq!(refused.state, DomainState::Failed);
    assert!(refused
        .last_error
        .unwrap_or_default()
        .contains("Another organization has verified this domain"));
}

#[tokio::test]
async fn a_domain_is_verified_over_dns_and_then_admits_invitations() {
    let (server, dns) = server_and_dns().await;
    let (_, body) = server.add_domain("acme-northwind.example").await;
    let domain: Domain = serde_json::from_value(body).expect("domain");
    let check = server.invite_check("ada@acme-northwind.example").await;
    assert_eq!(check["problem"], "domain_not_verified");
    assert_eq!(
        check["message"],
        roster_model::InviteProblem::DomainNotVerified.message()
    );

    // No record yet: failed, with the reason.
    let failed = server.verify(domain.id).await;
    assert_eq!(failed.state, DomainState::Failed);
    let reason = failed.last_error.unwrap_or_default();
    assert!(
        reason.contains("no TXT record at _roster.acme-northwind.example"),
        "{reason}"
    );
    assert_eq!(failed.last_checked_at, Some(server.now()));

    // A record with another value: still failed, and the message shows what was found.
    dns.set_txt(
        &domain.txt_host,
        &["v=spf1 -all", "roster-domain-verification=wrong"],
    );
    let wrong = server.verify(domain.id).await;
    assert_eq!(wrong.state, DomainState::Failed);
    assert!(wrong
        .last_error
        .unwrap_or_default()
        .contains("found: v=spf1 -all"));

    // The right record among others: verified.
    dns.set_txt(&domain.txt_host, &["v=spf1 -all", &domain.txt_value]);
    let verified = server.verify(domain.id).await;
    assert_eq!(verified.state, DomainState::Verified);
    assert_eq!(verified.verified_at, Some(server.now()));
    assert_eq!(verified.last_error, None);
    assert_eq!(
        server.invite_check("ada@acme-northwind.example").await["problem"],
        serde_json::Value::Null
    );

    let log: Page<AuditEntry> = server.get("/api/v1/audit?action=domain.verified").await;
    assert_eq!(log.items.len(), 1);
    assert_eq!(
        log.items[0].target.as_deref(),
        Some("acme-northwind.example")
    );
    let failures: Page<AuditEntry> = server
        .get("/api/v1/audit?action=domain.verification_failed")
        .await;
    assert_eq!(failures.items.len(), 2);
}

#[tokio::test]
async fn a_verified_domain_lapses_when_its_record_goes_and_is_removed_after_30_days() {
    let (mut server, dns) = server_and_dns().await;
    let (_, body) = server.add_domain("lapsing.example").await;
    let domain: Domain = serde_json::from_value(body).expect("domain");
    dns.set_txt(&domain.txt_host, &[&domain.txt_value]);
    assert_eq!(server.verify(domain.id).await.state, DomainState::Verified);

    // Within a day nothing is due (the demo's domains were checked recently too).
    assert_eq!(server.next_recheck(DAY / 4).await, 0);

    // The record disappears; the daily check lapses the domain and invitations stop.
    dns.remove(&domain.txt_host);
    assert!(server.next_recheck(DOMAIN_RECHECK_SECONDS).await >= 1);
    let lapsed = server
        .domain_named("lapsing.example")
        .await
        .expect("still listed");
    assert_eq!(lapsed.state, DomainState::Lapsed);
    let lapsed_at = lapsed.lapsed_at.expect("lapsed_at");
    assert_eq!(
        server.invite_check("bo@lapsing.example").await["problem"],
        "domain_not_verified"
    );

    // The record comes back: verified again at the next daily check.
    dns.set_txt(&domain.txt_host, &[&domain.txt_value]);
    server.next_recheck(DAY).await;
    let restored = server
        .domain_named("lapsing.example")
        .await
        .expect("listed");
    assert_eq!(
        (restored.state, restored.lapsed_at),
        (DomainState::Verified, None)
    );

    // Gone again, and for good: lapsed through 29 days of daily checks, removed on the 30th.
    dns.remove(&domain.txt_host);
    server.next_recheck(DAY).await;
    let lapsed_at = server
        .domain_named("lapsing.example")
        .await
        .and_then(|d| d.lapsed_at)
        .filter(|at| *at > lapsed_at)
        .expect("lapsed again");
    while server.now() + DAY - lapsed_at < DOMAIN_LAPSE_GRACE_SECONDS {
        server.next_recheck(DAY).await;
    }
    let last_day = server
        .domain_named("lapsing.example")
        .await
        .expect("listed");
    assert_eq!(last_day.state, DomainState::Lapsed);
    server.next_recheck(DAY).await;
    assert!(server.domain_named("lapsing.example").await.is_none());

    // The demo's own domains have no record in this DNS either: they went the same way.
    let about = |page: Page<AuditEntry>| -> Vec<AuditEntry> {
        page.items
            .into_iter()
            .filter(|e| e.target.as_deref() == Some("lapsing.example"))
            .collect()
    };
    let removed = about(server.get("/api/v1/audit?action=domain.removed").await);
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].actor, "Roster (daily DNS check)");
    let lapses = about(server.get("/api/v1/audit?action=domain.lapsed").await);
    assert_eq!(lapses.len(), 2);
}

#[tokio::test]
async fn a_lookup_without_answer_keeps_a_domain_verified() {
    // A nameserver that is not there: the lookup times out or is refused.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("socket");
    let addr = silent.local_addr().expect("addr");
    drop(silent);
    let (server, dns) = server_and_dns().await;
    let (_, body) = server.add_domain("steady.example").await;
    let domain: Domain = serde_json::from_value(body).expect("domain");
    dns.set_txt(&domain.txt_host, &[&domain.txt_value]);
    assert_eq!(server.verify(domain.id).await.state, DomainState::Verified);

    let server = server.with_nameserver(addr);
    let after = server.verify(domain.id).await;
    assert_eq!(after.state, DomainState::Verified);
    assert!(after
        .last_error
        .unwrap_or_default()
        .contains("got no answer"));
}

/// Removing a domain stops invitations to it, and those sent before to join the organization:
/// their links offer nothing and cannot be accepted, nor sent again, while another organization
/// holds it, until it is verified again (an attacker's pass accepted one after the domain had gone
/// to another organization).
#[tokio::test]
async fn removing_a_domain_stops_invitations_to_it() {
    let (mut server, dns) = server_and_dns().await;
    let person = "new.person@northwindlabs.example";
    let (status, body) = server
        .post_json(
            "/api/v1/invitations",
            serde_json::json!({"emails": [person]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = delivered_links(&server, person).await.remove(0);
    let domain = server
        .domain_named("northwindlabs.example")
        .await
        .expect("demo domain");
    assert_eq!(
        server.remove_domain(domain.id).await,
        StatusCode::NO_CONTENT
    );
    assert!(server.domain_named("northwindlabs.example").await.is_none());
    assert_eq!(
        server.invite_check(person).await["problem"],
        "domain_not_verified"
    );
    let log: Page<AuditEntry> = server.get("/api/v1/audit?action=domain.removed").await;
    assert_eq!(log.items[0].actor, "Maya Chen");

    // Another organization verifies the domain.
    let mut globex = server.another_client();
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let (status, body) = globex.add_domain("northwindlabs.example").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let taken: Domain = serde_json::from_value(body).expect("domain");
    dns.set_txt(&taken.txt_host, &[&taken.txt_value]);
    assert_eq!(globex.verify(taken.id).await.state, DomainState::Verified);

    // The link mailed before offers nothing and does not let the person join Northwind…
    let visitor = server.another_client();
    let link = format!("/api/v1/invitations/token/{token}");
    let preview: InvitationPreview = visitor.get(&link).await;
    assert_eq!(preview.state, InvitationState::Pending);
    assert_eq!(preview.offer, None);
    let accept = serde_json::json!({"token": token, "given_name": "New", "family_name": "Person",
        "password": "a long enough passphrase"});
    let (status, body) = visitor
        .post_json("/api/v1/invitations/accept", accept.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("no longer has your address's domain verified"));
    let managed = format!("/api/v1/users?view=managed&q={person}");
    assert!(server
        .get::<Page<UserSummary>>(&managed)
        .await
        .items
        .is_empty());

    // …nor is it sent again, past the cooldown.
    server.advance(DAY);
    server.sign_in_as(OWNER).await;
    globex.sign_in_as("hank.scorpio@globex.example").await;
    let invited: Page<UserSummary> = server
        .get(&format!("/api/v1/users?view=invited&q={person}"))
        .await;
    let id = invited.items[0]
        .invitation
        .as_ref()
        .map(|i| i.id)
        .expect("pending invitation");
    let (status, answer) = server
        .post_json(
            "/api/v1/invitations/resend",
            serde_json::json!({"ids": [id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["results"][0]["ok"], false, "{answer}");
    assert!(answer["results"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("northwindlabs.example is no longer a verified domain"));
    assert_eq!(
        delivered_links(&server, person).await.len(),
        1,
        "no new link"
    );

    // Verified by Northwind again (once Globex lets it go), the same link lets them join.
    assert_eq!(globex.remove_domain(taken.id).await, StatusCode::NO_CONTENT);
    let (status, body) = server.add_domain("northwindlabs.example").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let domain: Domain = serde_json::from_value(body).expect("domain");
    dns.set_txt(&domain.txt_host, &[&domain.txt_value]);
    assert_eq!(server.verify(domain.id).await.state, DomainState::Verified);
    assert!(visitor
        .get::<InvitationPreview>(&link)
        .await
        .offer
        .is_some());
    let (status, body) = visitor
        .post_json("/api/v1/invitations/accept", accept)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        server.get::<Page<UserSummary>>(&managed).await.items.len(),
        1
    );
    assert_counts_kept(&server).await;
}

/// Replicas take the re-check in hourly turns; a run that outlasts its turn (slow nameservers,
/// many domains) meets the next replica's, and each domain is still looked up once.
#[tokio::test]
async fn overlapping_daily_rechecks_look_each_domain_up_once() {
    let (server, _dns) = server_and_dns().await;
    server.advance(DOMAIN_RECHECK_SECONDS + DAY);
    let store = &server.state.store;
    let due = store
        .domains_due_for_recheck(server.now(), 100)
        .await
        .expect("due");
    assert!(due.len() >= 2, "the demo's verified domains are due");
    // The first run took the first domain; the second run listed it before that.
    assert!(store
        .take_domain_recheck(due[0].id, server.now())
        .await
        .expect("take"));
    assert!(!store
        .take_domain_recheck(due[0].id, server.now())
        .await
        .expect("take again"));
    assert_eq!(
        recheck_due(&server.state).await.expect("recheck"),
        due.len() - 1,
        "the second run looks up the others only"
    );
}
