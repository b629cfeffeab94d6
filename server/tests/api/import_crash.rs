//! Importing 10,000 users against the real server binary, killed half-way (SIGKILL): every user
//! is then either fully imported (member, audit event, mail queued) or not at all, and sending
//! the same batches again finishes the rest without importing anyone twice. The server's peak
//! memory stays bounded, as each request carries one batch.

use roster_model::{BulkResponse, UserIds, MAX_BULK_BATCH};
use sqlx::{AnyConnection, Connection};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = env!("CARGO_BIN_EXE_roster-server");
const OWNER: &str = "owner@org1.example";
const PASSWORD: &str = "import crash test";
const TO_IMPORT: usize = 10_000;

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(database: &str, mail_dir: &std::path::Path, key: &std::path::Path) -> Server {
        let mut child = Command::new(SERVER)
            .env("ROSTER_SECRET_KEY_FILE", key)
            .args([
                "--database",
                database,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--mail-dir",
            ])
            .arg(mail_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = lines
            .by_ref()
            .take(20)
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("Roster is running at http://")
                    .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            })
            .expect("the server says where it listens");
        // The server logs to stdout: keep reading it (and show it), or its writes would fail.
        std::thread::spawn(move || {
            lines
                .map_while(Result::ok)
                .for_each(|line| eprintln!("server: {line}"))
        });
        Server { child, addr }
    }

    /// Peak resident memory of the server process, in KiB (Linux). It counts the database pages
    /// SQLite reads through its memory map too: a few MB here.
    fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn kill(self) {}
}

impl Drop for Server {
    /// SIGKILL: no graceful shutdown, as in a crash (and no server left behind by a failed test).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on its own connection: status, the session cookie if set, and the body.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&serde_json::Value>,
) -> std::io::Result<(u16, Option<String>, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = body.map(ToString::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nx-roster-csrf: 1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    stream.write_all(format!("{head}\r\n{body}").as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let cookie = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("set-cookie").then(|| {
            value
                .trim()
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    });
    Ok((status, cookie, body.to_owned()))
}

fn sign_in(addr: SocketAddr) -> String {
    let credentials = serde_json::json!({"email": OWNER, "password": PASSWORD});
    let (status, cookie, body) =
        request(addr, "POST", "/api/v1/session", None, Some(&credentials)).expect("sign in");
    assert_eq!(status, 200, "{body}");
    cookie.expect("a session cookie")
}

fn import_batch(addr: SocketAddr, cookie: &str, ids: &[i64]) -> std::io::Result<BulkResponse> {
    let body = serde_json::json!({ "ids": ids });
    let (status, _, text) = request(addr, "POST", "/api/v1/import", Some(cookie), Some(&body))?;
    // No status at all: the server died during the request.
    if status != 200 {
        return Err(std::io::Error::other(format!("{status}: {text}")));
    }
    serde_json::from_str(&text).map_err(std::io::Error::other)
}

/// What the database holds about the import: imported members, their audit events, queued mail,
/// and how many of each do not match a counterpart.
async fn import_state(database: &str, since: i64) -> [i64; 5] {
    sqlx::any::install_default_drivers();
    let mut db = AnyConnection::connect(database)
        .await
        .expect("open the database");
    let mut counts = [0i64; 5];
    for (count, sql) in counts.iter_mut().zip([
        "SELECT COUNT(*) FROM users WHERE member_source = 'imported' AND joined_at >= $1",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'user.imported'",
        "SELECT COUNT(*) FROM outbound_mail WHERE subject = 'You are now a managed user of Generated Organization 1'",
        // Imported users without their audit event, and audit events without their member.
        "SELECT COUNT(*) FROM users u WHERE u.member_source = 'imported' AND u.joined_at >= $1 \
         AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'user.imported' AND e.target_id = u.id)",
        "SELECT COUNT(*) FROM audit_events e WHERE e.action = 'user.imported' AND NOT EXISTS \
         (SELECT 1 FROM users u WHERE u.id = e.target_id AND u.org_id IS NOT NULL)",
    ]) {
        let query = sqlx::query_scalar(sql);
        let query = if sql.contains("$1") {
            query.bind(since)
        } else {
            query
        };
        *count = query
            .fetch_one(&mut db)
            .await
            .expect("count");
    }
    db.close().await.ok();
    counts
}

#[test]
fn an_import_killed_half_way_leaves_each_user_all_or_nothing_and_a_retry_finishes_it() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let database = runtime.block_on(crate::common::new_database_url(&dir));
    let mail = dir.path().join("mail");
    let key = dir.path().join("secret.key");
    roster_server::secrets::SecretKey::create(&key).expect("secret key");
    let seeded = Command::new(SERVER)
        .env("ROSTER_SECRET_KEY_FILE", &key)
        .args([
            "--database",
            &database,
            "seed",
            "--users",
            "200",
            "--importable",
        ])
        .arg(TO_IMPORT.to_string())
        .args(["--owner-password", PASSWORD])
        .env("RUST_LOG", "warn")
        .output()
        .expect("seed");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    // The generated organization's own imported members joined before this moment.
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let already = {
        let [everyone, ..] = runtime.block_on(import_state(&database, 0));
        everyone
    };

    let server = Server::start(&database, &mail, &key);
    let cookie = sign_in(server.addr);
    let (status, _, text) = request(
        server.addr,
        "GET",
        "/api/v1/import/candidates/ids",
        Some(&cookie),
        None,
    )
    .expect("ids");
    assert_eq!(status, 200, "{text}");
    let ids: UserIds = serde_json::from_str(&text).expect("ids");
    assert_eq!(ids.ids.len(), TO_IMPORT);
    let batches: Vec<Vec<i64>> = ids
        .ids
        .chunks(MAX_BULK_BATCH)
        .map(<[i64]>::to_vec)
        .collect();

    // Import in the background; kill the server once a good part is done.
    let importer = {
        let (addr, cookie, batches) = (server.addr, cookie.clone(), batches.clone());
        std::thread::spawn(move || {
            for batch in &batches {
                if import_batch(addr, &cookie, batch).is_err() {
                    return;
                }
            }
        })
    };
    // Progress is read through the API: the database belongs to the server while it runs.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (_, _, counts) = request(
            server.addr,
            "GET",
            "/api/v1/users/counts",
            Some(&cookie),
            None,
        )
        .expect("counts");
        let counts: roster_model::ViewCounts = serde_json::from_str(&counts).expect("counts");
        if counts.imported as i64 - already >= 1_000 {
            break;
        }
        assert!(!importer.is_finished(), "the importer stopped early");
        assert!(Instant::now() < deadline, "the import makes no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    importer.join().expect("the importer stops with the server");

    let [members, events, mails, without_event, without_member] =
        runtime.block_on(import_state(&database, since));
    let imported = members;
    assert!(
        (1_000..TO_IMPORT as i64).contains(&imported),
        "killed half-way: {imported} imported"
    );
    assert_eq!(
        (events, mails),
        (imported, imported),
        "each imported user has one event and one mail"
    );
    assert_eq!((without_event, without_member), (0, 0));

    // Start again and send every batch again: the rest is imported, nobody twice.
    let server = Server::start(&database, &mail, &key);
    let cookie = sign_in(server.addr);
    let mut newly = 0;
    let mut already_members = 0;
    for batch in &batches {
        let answer = import_batch(server.addr, &cookie, batch).expect("import");
        newly += answer.results.iter().filter(|r| r.ok).count() as i64;
        already_members += answer
            .results
            .iter()
            .filter(|r| r.message.as_deref() == Some("Already a member of the organization."))
            .count() as i64;
    }
    assert_eq!(newly, TO_IMPORT as i64 - imported);
    assert_eq!(already_members, imported);
    let peak = server.peak_memory_kib();
    server.kill();
    let [members, events, mails, without_event, without_member] =
        runtime.block_on(import_state(&database, since));
    assert_eq!(members, TO_IMPORT as i64);
    assert_eq!((events, mails), (TO_IMPORT as i64, TO_IMPORT as i64));
    assert_eq!((without_event, without_member), (0, 0));
    if let Some(peak) = peak {
        assert!(
            peak < 256 * 1024,
            "the server peaked at {peak} KiB importing 10,000 users"
        );
    }
}
