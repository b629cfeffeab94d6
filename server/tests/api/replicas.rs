//! Two replicas of the server on one database, as a deployment behind a load balancer runs them:
//! whatever one replica knows, the other does too. (Mail queued while both poll goes out once:
//! mail.rs.) `make unit-postgres` runs these on PostgreSQL, where replicas are how Roster scales.

use axum::http::StatusCode;

use crate::common::*;

#[tokio::test]
async fn a_session_made_on_one_replica_works_on_the_other_and_signing_out_ends_it_on_both() {
    let first = demo_server().await;
    let mut second = first.other_replica().await;
    second.cookie = first.cookie.clone();
    assert_eq!(second.get_raw("/api/v1/users").await.0, StatusCode::OK);

    let (status, _, _) = second
        .send_json("DELETE", "/api/v1/session", &[], None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        first.get_raw("/api/v1/users").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        second.get_raw("/api/v1/users").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_spread_over_both_replicas_get_no_more_tries_than_one_at_a_time() {
    let first = anonymous_demo_server().await;
    let second = first.other_replica().await;
    let statuses = in_parallel(60, |i| {
        let client = if i % 2 == 0 {
            first.another_client()
        } else {
            second.another_client()
        };
        async move { client.post_sign_in(OWNER, "a wrong guess").await.0 }
    })
    .await;
    assert_throttled(&statuses, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_two_owners_demoting_each_other_through_both_replicas_leave_one_owner() {
    let owner = demo_server().await;
    let other_owner = roster_server::dataset::DEMO_TWO_FACTOR_EMAIL;
    owner.promote(other_owner).await;
    let mut second = owner.other_replica().await;
    second.sign_in_as(other_owner).await;
    let (maya, daniel) = (id_of(OWNER), id_of(other_owner));
    let demote = |server: TestServer, id: i64, tag: String| async move {
        server
            .send_json(
                "PATCH",
                &format!("/api/v1/users/{id}"),
                &[("if-match", &tag)],
                Some(serde_json::json!({"org_role": "member"})),
            )
            .await
            .0
    };
    let mut db = database(&owner).await;
    // A race is won or lost by timing: several rounds, the one left an Owner each time making the
    // other an Owner again.
    for round in 0..5 {
        let (_, maya_tag) = owner.detail(maya).await;
        let (_, daniel_tag) = owner.detail(daniel).await;
        // Each demotes the other at the same moment, through a different replica.
        let (by_maya, by_daniel) = tokio::join!(
            tokio::spawn(demote(owner.clone_signed_in(), daniel, daniel_tag)),
            tokio::spawn(demote(second.clone_signed_in(), maya, maya_tag)),
        );
        let statuses = [by_maya.expect("maya"), by_daniel.expect("daniel")];
        assert_eq!(
            count(&statuses, StatusCode::OK),
            1,
            "round {round}: {statuses:?}"
        );
        assert_eq!(
            scalar(
                &mut db,
                "SELECT COUNT(*) FROM users u JOIN organizations o ON o.id = u.org_id \
                 WHERE u.org_role = 'owner' AND o.name = 'Northwind Labs'"
            )
            .await,
            1,
            "round {round}: exactly one Owner is left"
        );
        if statuses[0] == StatusCode::OK {
            owner.promote(other_owner).await;
        } else {
            second.promote(OWNER).await;
        }
    }
}

/// Replicas' clocks differ by a little: a request to one whose clock runs behind must not move a
/// session's last use back, which would end it that much before its idle timeout.
#[tokio::test]
async fn a_replica_whose_clock_runs_behind_does_not_move_a_session_s_last_use_back() {
    let server = demo_server().await;
    let mut db = database(&server).await;
    let session = scalar(&mut db, "SELECT MAX(id) FROM sessions").await;
    let store = &server.state.store;
    let ahead = server.now() + 100;
    store.touch_session(session, ahead).await.expect("touch");
    store
        .touch_session(session, ahead - 5)
        .await
        .expect("touch from behind");
    let last_seen = scalar(
        &mut db,
        &format!("SELECT last_seen_at FROM sessions WHERE id = {session}"),
    )
    .await;
    assert_eq!(last_seen, ahead);
}
