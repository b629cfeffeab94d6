//! Upkeep: what has expired is pruned.

use crate::common::*;
use axum::http::StatusCode;
use roster_server::store::Job;

#[tokio::test]
async fn expired_rows_are_pruned() {
    let mut server = demo_server().await;
    server
        .another_client()
        .post_sign_in("nobody@northwind.example", "guess")
        .await;
    let (status, _, body) = server
        .send_json(
            "POST",
            "/api/v1/invitations",
            &[("idempotency-key", "k1")],
            Some(serde_json::json!({"emails": ["new.person@northwind.example"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = server
        .act(
            "POST",
            id_of(MEMBER),
            "reset-password",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    roster_server::mail::deliver_due(
        &server.state.store,
        &server.state.mailer,
        &server.state.clock,
    )
    .await;

    // Within its day the key replays; a day later it is free for a new request.
    server.advance(roster_server::store::IDEMPOTENCY_KEY_SECONDS + 1);
    server.sign_in_as(OWNER).await;
    let (status, headers, body) = server
        .send_json(
            "POST",
            "/api/v1/invitations",
            &[("idempotency-key", "k1")],
            Some(serde_json::json!({"emails": ["other.person@northwind.example"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a stale key is no conflict: {body}");
    assert!(!headers.contains_key("idempotent-replayed"));

    server.advance(8 * 24 * 60 * 60);
    let pruned = server.state.store.prune(server.now()).await.expect("prune");
    // The pruning job's other half runs on either backend.
    server
        .state
        .store
        .refresh_statistics()
        .await
        .expect("statistics");
    assert!(pruned.failures >= 1, "{pruned:?}");
    assert!(pruned.sessions >= 1, "{pruned:?}");
    assert!(pruned.idempotency_keys >= 1, "{pruned:?}");
    assert!(pruned.password_resets >= 1, "{pruned:?}");
    assert!(pruned.mail >= 1, "{pruned:?}");
    let mut db = database(&server).await;
    for table in [
        "sign_in_failures",
        "sessions",
        "idempotency_keys",
        "password_resets",
    ] {
        assert_eq!(
            scalar(&mut db, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        scalar(
            &mut db,
            "SELECT COUNT(*) FROM outbound_mail WHERE sent_at IS NOT NULL"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_replicas_taking_a_jobs_turn_at_once_one_gets_it_until_it_is_due_again() {
    let server = anonymous_demo_server().await;
    let other = server.other_replica().await;
    let take = |store: roster_server::store::Store, now: i64| {
        tokio::spawn(async move { store.take_turn(Job::Prune, now, 3600).await.expect("turn") })
    };
    let race = |now: i64| {
        let takers: Vec<_> = (0..20)
            .map(|i| {
                let replica = if i % 2 == 0 { &server } else { &other };
                take(replica.state.store.clone(), now)
            })
            .collect();
        async move {
            let mut taken = 0;
            for taker in takers {
                taken += usize::from(taker.await.expect("taker"));
            }
            taken
        }
    };
    assert_eq!(race(server.now()).await, 1, "one replica runs it");
    assert_eq!(
        race(server.now() + 3599).await,
        0,
        "not due again within its turn"
    );
    assert_eq!(race(server.now() + 3600).await, 1, "due again after it");
    // A turn a clock far ahead took does not stop the job until then.
    assert!(server
        .state
        .store
        .take_turn(Job::Prune, server.now() + 86_400 * 365, 3600)
        .await
        .expect("turn"));
    assert_eq!(race(server.now() + 7200).await, 1, "taken back");
    // Another job has turns of its own.
    assert!(server
        .state
        .store
        .take_turn(Job::DomainRecheck, server.now(), 3600)
        .await
        .expect("turn"));
}
