//! The mail outbox: invitation mail delivered over a real SMTP conversation, and retried when the
//! mail server is down.

use crate::common::*;
use crate::invitations::invite;
use roster_server::mail::{self, Mailer};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// An SMTP server on loopback that accepts every message and keeps what it was sent.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink.localhost ESMTP\r\n").await;
                let mut in_data = false;
                let mut message = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            if let Ok(mut all) = store.lock() {
                                all.push(std::mem::take(&mut message));
                            }
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink.localhost\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 end with <CRLF>.<CRLF>\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, received)
}

#[tokio::test]
async fn invitation_mail_goes_through_a_real_smtp_conversation() {
    let server = demo_server().await;
    invite(
        &server,
        serde_json::json!({"emails": ["smtp.check@northwind.example"]}),
        None,
    )
    .await;
    let (port, received) = smtp_sink().await;
    let transport = Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).expect("smtp url");
    let mailer = Mailer::new(transport, "Roster <roster@northwind.example>").expect("mailer");
    let delivered = mail::deliver_due(&server.state.store, &mailer, &server.state.clock).await;
    assert_eq!(delivered, 1);
    let messages = received.lock().map(|m| m.clone()).unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let message = messages[0].replace("=\n", "");
    assert!(
        message.contains("To: smtp.check@northwind.example"),
        "{message}"
    );
    // Named by email too (names are not unique); a long subject is folded onto a second line.
    let unfolded = message.replace("\n ", " ");
    assert!(
        unfolded.contains("Subject: Maya Chen (maya.chen@northwind.example) invited you to Northwind Labs on Roster"),
        "{message}"
    );
    assert!(message.contains("text/plain") && message.contains("text/html"));
    assert!(link_in(&message, "/accept/").is_some_and(|token| token.len() >= 40));
    // Delivered once: nothing is due any more.
    assert_eq!(
        mail::deliver_due(&server.state.store, &mailer, &server.state.clock).await,
        0
    );
}

#[tokio::test]
async fn failed_delivery_is_retried_later() {
    let server = demo_server().await;
    invite(
        &server,
        serde_json::json!({"emails": ["retry.me@northwind.example"]}),
        None,
    )
    .await;
    // Nothing listens on this port (bound, then dropped).
    let port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        socket.local_addr().expect("addr").port()
    };
    let down = Mailer::new(
        Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).expect("url"),
        "Roster <roster@northwind.example>",
    )
    .expect("mailer");
    assert_eq!(
        mail::deliver_due(&server.state.store, &down, &server.state.clock).await,
        0
    );
    // Not due again at once; due after the backoff, and then it goes.
    assert_eq!(
        mail::deliver_due(
            &server.state.store,
            &server.state.mailer,
            &server.state.clock
        )
        .await,
        0
    );
    server.advance(61);
    assert_eq!(
        mail::deliver_due(
            &server.state.store,
            &server.state.mailer,
            &server.state.clock
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_outcome_recorded_after_the_lease_ran_out_leaves_the_next_claim_alone() {
    let server = demo_server().await;
    invite(
        &server,
        serde_json::json!({"emails": ["slow.relay@northwind.example"]}),
        None,
    )
    .await;
    let store = &server.state.store;
    let lease = 600;
    let first = store
        .claim_due_mail(server.now(), 5, lease)
        .await
        .expect("claim");
    assert_eq!(first.len(), 1);
    // The first claimer stalls past its lease; another claims the message and is still at it
    // when the first records its failure.
    server.advance(lease + 1);
    let second = store
        .claim_due_mail(server.now(), 5, lease)
        .await
        .expect("claim again");
    assert_eq!(second.len(), 1);
    store
        .mail_failed(&first[0], server.now() + 60, "timed out")
        .await
        .expect("late outcome");
    server.advance(61);
    assert!(
        store
            .claim_due_mail(server.now(), 5, lease)
            .await
            .expect("claim")
            .is_empty(),
        "the second claim still holds"
    );
    store
        .mail_sent(&second[0], server.now())
        .await
        .expect("sent");
    // The first claimer's delivery went through after all: the record made first stays.
    store
        .mail_sent(&first[0], server.now() + 5)
        .await
        .expect("sent late");
    let mut db = database(&server).await;
    let recorded = scalar(
        &mut db,
        &format!(
            "SELECT attempts * 10000000000 + sent_at FROM outbound_mail WHERE id = {}",
            first[0].id
        ),
    )
    .await;
    assert_eq!(
        recorded,
        10_000_000_000 + server.now(),
        "one attempt, sent when first recorded"
    );
    server.advance(lease + 1);
    assert!(store
        .claim_due_mail(server.now(), 5, lease)
        .await
        .expect("claim")
        .is_empty());
}

/// A claimer whose relay stalled past its lease must not go on to send the rest of its batch:
/// another replica claimed those messages when the lease ran out, and sends them.
#[tokio::test]
async fn a_batch_whose_lease_ran_out_sends_none_of_what_another_replica_claimed_since() {
    let server = demo_server().await;
    invite(
        &server,
        serde_json::json!({"emails": ["stalled.one@northwind.example", "stalled.two@northwind.example"]}),
        None,
    )
    .await;
    let store = &server.state.store;
    let lease = 600;
    let mut batch = store
        .claim_due_mail(server.now(), 5, lease)
        .await
        .expect("claim");
    assert_eq!(batch.len(), 2);
    // The first message is sent; the claimer stalls (a hung relay, a paused process) past the
    // lease before it records that, and another replica claims what is due.
    assert!(store
        .renew_mail_claim(&mut batch[0], server.now(), lease)
        .await
        .expect("renew"));
    server.advance(lease + 1);
    let mut taken_over = store
        .claim_due_mail(server.now(), 5, lease)
        .await
        .expect("claim again");
    assert_eq!(taken_over.len(), 2, "both claims ran out");
    store
        .mail_sent(&batch[0], server.now())
        .await
        .expect("sent late");
    assert!(
        !store
            .renew_mail_claim(&mut batch[1], server.now(), lease)
            .await
            .expect("renew"),
        "the stalled claimer leaves the second message to the replica that claimed it"
    );
    // The other replica sends the second, and finds the first delivered already.
    assert!(store
        .renew_mail_claim(&mut taken_over[1], server.now(), lease)
        .await
        .expect("renew"));
    assert!(!store
        .renew_mail_claim(&mut taken_over[0], server.now(), lease)
        .await
        .expect("renew"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_polling_at_once_deliver_each_message_exactly_once() {
    let server = demo_server().await;
    let addresses: Vec<String> = (0..30)
        .map(|i| format!("queued.{i}@northwind.example"))
        .collect();
    invite(&server, serde_json::json!({ "emails": addresses }), None).await;
    // A second server process on the same database: a store of its own.
    let other_replica = roster_server::store::Store::open(&server.database_url, server.key.clone())
        .await
        .expect("second replica");
    let (port, received) = smtp_sink().await;
    let transport = Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).expect("smtp url");
    let mailer =
        Arc::new(Mailer::new(transport, "Roster <roster@northwind.example>").expect("mailer"));
    let pollers: Vec<_> = (0..20)
        .map(|i| {
            let store = if i % 2 == 0 {
                server.state.store.clone()
            } else {
                other_replica.clone()
            };
            let (mailer, clock) = (mailer.clone(), server.state.clock.clone());
            tokio::spawn(async move { mail::deliver_due(&store, &mailer, &clock).await })
        })
        .collect();
    let mut delivered = 0;
    for poller in pollers {
        delivered += poller.await.expect("poller");
    }
    assert_eq!(delivered, 30, "every message went, none twice");
    let messages = received.lock().map(|m| m.clone()).unwrap_or_default();
    let mut recipients: Vec<String> = messages
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("To: ")).map(str::to_owned))
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!((messages.len(), recipients.len()), (30, 30));
    assert_eq!(
        mail::deliver_due(&server.state.store, &mailer, &server.state.clock).await,
        0
    );
}
