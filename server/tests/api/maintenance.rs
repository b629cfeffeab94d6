//! Upkeep: what has expired is pruned.

use crate::common::*;
use axum::http::StatusCode;

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
    roster_server::mail::deliver_due(&server.state.store, &server.state.mailer, server.now()).await;

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
