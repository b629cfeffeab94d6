//! Upkeep: what has expired is pruned, and members' search rows are kept in name order.

use crate::common::*;
use axum::http::StatusCode;
use roster_server::dataset;
use roster_server::store::{Backend, Job};
use serde_json::json;
use std::time::{Duration, Instant};

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

/// PostgreSQL: each partition of `member_search` with how many of its rows are stored after a
/// row they sort before (each organization's members by name).
async fn search_rows_out_of_order(server: &TestServer) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT CAST(tableoid::regclass AS TEXT) AS part, COUNT(*) FILTER (WHERE behind) \
         FROM (SELECT tableoid, (org_id, sort_name, id) < (lag(org_id) OVER stored, \
         lag(sort_name) OVER stored, lag(id) OVER stored) AS behind FROM member_search \
         WINDOW stored AS (PARTITION BY tableoid ORDER BY ctid)) rows_stored GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&mut database(server).await)
    .await
    .expect("rows out of order")
}

/// The ids a search of the Managed tab finds, in its order, every page of them.
async fn found(server: &TestServer, term: &str) -> Vec<i64> {
    server
        .walk_forward_ids(&format!("view=managed&q={term}&limit=100"))
        .await
}

/// Renames each of `ids` to a family name of `stem` and a number, the numbers in no order.
async fn rename_all(server: &TestServer, ids: &[i64], stem: &str) {
    for (i, id) in ids.iter().enumerate() {
        let family = format!("{stem}{:03}", (i * 7919) % 1000);
        let (status, body) = server
            .patch_as_read(*id, json!({ "family_name": family }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_search_rows_are_put_back_in_name_order_and_searches_find_the_same() {
    let mut server = server_with(
        |ids| dataset::organization_of_size(ids, 3000, 0, NOW, Some(password_hash())),
        None,
    )
    .await;
    server.sign_in_as("owner@org1.example").await;
    let store = server.state.store.clone();
    let order = |store: roster_server::store::Store| async move {
        store
            .order_member_search(Duration::ZERO)
            .await
            .expect("order")
    };
    if store.backend() == Backend::Sqlite {
        // Its search index is its own: nothing to put in order.
        assert_eq!(order(store).await, 0);
        return;
    }
    // A seed writes them in order, near enough (a row may take the room left on an earlier page).
    let seeded = search_rows_out_of_order(&server).await;
    assert!(seeded.iter().all(|(_, rows)| *rows <= 2), "{seeded:?}");

    // Renamed members' rows are written anew where there is room (at the end), out of order.
    let members = server
        .walk_forward_ids("view=managed&sort=email&limit=200")
        .await;
    let renamed: Vec<i64> = members.iter().copied().step_by(9).take(200).collect();
    rename_all(&server, &renamed, "Quorn").await;
    let strayed = search_rows_out_of_order(&server).await;
    assert!(strayed.iter().all(|(_, rows)| *rows > 0), "{strayed:?}");
    let before = (found(&server, "quorn").await, found(&server, "emma").await);
    assert_eq!(before.0.len(), renamed.len());

    // A partition a query holds is left for a later turn, after a second's wait; the rest are
    // rewritten in order, and searches find what they found.
    let mut holder = database(&server).await;
    let mut held = sqlx::Connection::begin(&mut holder).await.expect("begin");
    sqlx::query("SELECT COUNT(*) FROM member_search_0")
        .fetch_one(&mut *held)
        .await
        .expect("held");
    let started = Instant::now();
    assert_eq!(order(store.clone()).await as usize, strayed.len() - 1);
    assert!(started.elapsed() < Duration::from_secs(4));
    let after = search_rows_out_of_order(&server).await;
    assert!(after[0].1 > 0, "{after:?}");
    assert!(after[1..].iter().all(|(_, rows)| *rows == 0), "{after:?}");
    held.rollback().await.expect("rollback");
    assert_eq!(order(store.clone()).await, 1);
    let after = search_rows_out_of_order(&server).await;
    assert!(after.iter().all(|(_, rows)| *rows == 0), "{after:?}");
    assert_eq!(
        (found(&server, "quorn").await, found(&server, "emma").await),
        before
    );

    // The rewrite runs while members are renamed: each change waits for it, and is kept.
    let more: Vec<i64> = members
        .iter()
        .copied()
        .skip(4)
        .step_by(9)
        .take(200)
        .collect();
    rename_all(&server, &more, "Quill").await;
    let racing = more[..20].to_vec();
    let rewrite = tokio::spawn(order(store.clone()));
    let statuses = in_parallel(racing.len(), |i| {
        let (client, id) = (server.clone_signed_in(), racing[i]);
        async move {
            client
                .patch_as_read(id, json!({ "family_name": format!("Zestor{i:02}") }))
                .await
                .0
        }
    })
    .await;
    assert_eq!(
        count(&statuses, StatusCode::OK),
        racing.len(),
        "{statuses:?}"
    );
    assert!(rewrite.await.expect("rewrite") >= 1);
    assert_counts_kept(&server).await;
    let mut zestors = found(&server, "zestor").await;
    zestors.sort_unstable();
    let mut expected = racing.clone();
    expected.sort_unstable();
    assert_eq!(zestors, expected);
    assert_eq!(
        found(&server, "quill").await.len(),
        more.len() - racing.len()
    );
    assert_eq!(found(&server, "quorn").await, before.0);

    // Once a partition the race left past the threshold is rewritten, nothing is left to do.
    order(store.clone()).await;
    assert_eq!(order(store).await, 0);
}
