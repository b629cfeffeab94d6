//! Passwords, session tokens and the session cookie. Pure helpers: the store keeps the state and
//! `api` decides who may do what.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, SameSite};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

pub const SESSION_COOKIE: &str = "roster_session";
/// The session cookie's name over https: the browser keeps a `__Host-` cookie Secure, on this host
/// alone and on every path, so a sibling domain (or a plain-http answer) cannot set one the server
/// would read in its place and have an admin work in another session unawares.
pub const HTTPS_SESSION_COOKIE: &str = "__Host-roster_session";

/// The session cookie's name for a client that reached the server over https or not (plain
/// http is for loopback and development, where no `__Host-` cookie can be set).
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        HTTPS_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
/// A session ends after this long without a request…
pub const SESSION_IDLE_SECONDS: i64 = 30 * 60;
/// …and in any case this long after sign-in.
pub const SESSION_MAX_SECONDS: i64 = 12 * 60 * 60;
/// Failed attempts at a password or code count towards a pause for this long.
pub const FAILURE_WINDOW_SECONDS: i64 = 60 * 60;
/// Failures one account (email) may have from one client address before each further attempt from
/// there waits (attempts from elsewhere do not: a guesser cannot keep its owner out)…
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 5;
/// …from all addresses together (guessing spread over many addresses)…
pub const FREE_FAILURES_PER_ACCOUNT_EVERYWHERE: i64 = 50;
/// …and one client address at any account (it may be guessing many accounts, or be a NAT many
/// people share).
pub const FREE_FAILURES_PER_ADDRESS: i64 = 20;
/// The first pause, doubled with every further failure…
const FIRST_PAUSE_SECONDS: i64 = 2;
/// …up to this.
pub const LONGEST_PAUSE_SECONDS: i64 = 15 * 60;
/// Argon2 runs queued behind each hashing thread before further ones are turned away (503).
const QUEUED_HASHES_PER_THREAD: usize = 8;

/// The client address attempts are counted under: an IPv6 client by its /64 (a host or a home
/// gets a whole /64, so each of its addresses is the same guesser), any other as it is.
pub fn throttle_address(addr: &str) -> String {
    match addr.parse::<std::net::Ipv6Addr>() {
        Ok(v6) if v6.to_ipv4_mapped().is_none() => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        _ => addr.to_owned(),
    }
}

/// The failed attempts of one account or one address within [`FAILURE_WINDOW_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureHistory {
    pub failures: i64,
    pub last_at: Option<i64>,
}

/// The failures an attempt at an account from a client address is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptHistory {
    /// The account's failures from this address.
    pub account_here: FailureHistory,
    /// The account's failures from every address.
    pub account: FailureHistory,
    /// This address's failures at every account.
    pub address: FailureHistory,
}

/// Seconds to wait before another attempt, given the failures of the account (from this address,
/// and from all) and of the address. Pauses grow with each failure instead of locking: the right
/// password works again within minutes, at once from an address that did not guess, and
/// guessing stays slow.
pub fn wait_before_attempt(history: AttemptHistory, now: i64) -> i64 {
    [
        pause(history.account_here, FREE_FAILURES_PER_ACCOUNT, now),
        pause(history.account, FREE_FAILURES_PER_ACCOUNT_EVERYWHERE, now),
        pause(history.address, FREE_FAILURES_PER_ADDRESS, now),
    ]
    .into_iter()
    .max()
    .unwrap_or_default()
}

fn pause(history: FailureHistory, free: i64, now: i64) -> i64 {
    let Some(last_at) = history.last_at else {
        return 0;
    };
    if history.failures < free {
        return 0;
    }
    let doublings = u32::try_from((history.failures - free).min(16)).unwrap_or(16);
    let length = (FIRST_PAUSE_SECONDS << doublings).min(LONGEST_PAUSE_SECONDS);
    (last_at + length - now).max(0)
}

/// Argon2 takes tens of milliseconds of CPU and 19 MiB of memory per run: runs are bounded to one
/// per core, with a short queue; past it the server answers 503 rather than run out of memory.
#[derive(Clone)]
pub struct PasswordHashing {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

/// Every hashing thread is busy and the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingBusy;

impl PasswordHashing {
    /// `threads` runs at a time, and `threads` × 8 waiting at most.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        PasswordHashing {
            running: Arc::new(Semaphore::new(threads)),
            admitted: Arc::new(Semaphore::new(threads * (1 + QUEUED_HASHES_PER_THREAD))),
        }
    }

    /// One run at a time per core of this machine.
    pub fn for_this_machine() -> Self {
        PasswordHashing::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashingBusy> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashingBusy)?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashingBusy)?;
        // The permits go with the work: a client that gives up does not free a slot early.
        tokio::task::spawn_blocking(move || {
            let _held = (admitted, running);
            work()
        })
        .await
        .map_err(|_| HashingBusy)
    }

    /// Whether `password` matches `stored`; with nothing stored, the same work is spent and the
    /// answer is no (an unknown email answers as slowly as a wrong password).
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashingBusy> {
        self.run(move || match stored {
            Some(stored) => verify_password(&password, &stored),
            None => {
                verify_against_nothing(&password);
                false
            }
        })
        .await
    }

    pub async fn hash(&self, password: String) -> Result<Result<String, HashError>, HashingBusy> {
        self.run(move || hash_password(&password)).await
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// An Argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of one verification, so an unknown email answers as slowly as a wrong password.
fn verify_against_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default());
    let _ = verify_password(password, dummy);
}

/// A new random session token (256 bits) for the cookie.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: its SHA-256, so a leaked database opens no session.
pub fn token_hash(token: &str) -> String {
    crate::hex::encode(&Sha256::digest(token.as_bytes()))
}

/// The Set-Cookie value that starts a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    Cookie::build((session_cookie_name(secure), token.to_owned()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(SESSION_MAX_SECONDS))
        .build()
        .to_string()
}

/// The Set-Cookie value that ends it in the browser.
pub fn expired_session_cookie(secure: bool) -> String {
    Cookie::build((session_cookie_name(secure), ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The session token in a Cookie header of a client that came over https or not, if any: over
/// https only the `__Host-` cookie counts.
pub fn token_from_cookie_header(header: &str, https: bool) -> Option<String> {
    let name = session_cookie_name(https);
    Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("Correct horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_behind_https() {
        let cookie = session_cookie("tok", true);
        assert!(cookie.starts_with("__Host-roster_session=tok"), "{cookie}");
        assert!(!cookie.contains("Domain"), "{cookie}");
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!session_cookie("tok", false).contains("Secure"));
        assert!(expired_session_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        assert_eq!(
            throttle_address("2001:db8:1:2:aaaa::1"),
            throttle_address("2001:db8:1:2:bbbb::7")
        );
        assert_eq!(
            throttle_address("2001:db8:1:2:aaaa::1"),
            "2001:db8:1:2::/64"
        );
        assert_ne!(
            throttle_address("2001:db8:1:2::1"),
            throttle_address("2001:db8:1:3::1")
        );
        assert_eq!(throttle_address("203.0.113.7"), "203.0.113.7");
        assert_eq!(throttle_address("::ffff:203.0.113.7"), "::ffff:203.0.113.7");
    }

    #[test]
    fn pauses_grow_with_failures_and_end() {
        let now = 1_000;
        let history = |failures, last_at| FailureHistory {
            failures,
            last_at: Some(last_at),
        };
        // An account's failures from one address, which count from everywhere too.
        let here = |failures, last_at| AttemptHistory {
            account_here: history(failures, last_at),
            account: history(failures, last_at),
            ..AttemptHistory::default()
        };
        assert_eq!(wait_before_attempt(here(4, now), now), 0);
        assert_eq!(wait_before_attempt(here(5, now), now), 2);
        assert_eq!(wait_before_attempt(here(6, now), now), 4);
        assert_eq!(wait_before_attempt(here(6, now - 3), now), 1);
        assert_eq!(wait_before_attempt(here(6, now - 4), now), 0);
        assert_eq!(
            wait_before_attempt(here(60, now), now),
            LONGEST_PAUSE_SECONDS
        );
        // Failures at an account from elsewhere hold back an attempt from here only when many.
        let elsewhere = |failures| AttemptHistory {
            account: history(failures, now),
            ..AttemptHistory::default()
        };
        assert_eq!(wait_before_attempt(elsewhere(49), now), 0);
        assert_eq!(wait_before_attempt(elsewhere(50), now), 2);
        // A shared address pauses only after many more failures than one account.
        let address = |failures| AttemptHistory {
            address: history(failures, now),
            ..AttemptHistory::default()
        };
        assert_eq!(wait_before_attempt(address(19), now), 0);
        assert_eq!(wait_before_attempt(address(20), now), 2);
    }

    #[tokio::test]
    async fn hashing_runs_are_bounded_and_the_rest_turned_away() {
        let hashing = PasswordHashing::new(1);
        let started = std::sync::Arc::new(std::sync::Barrier::new(2));
        let gate = started.clone();
        // One run holds the only thread; nine more fill the queue; the next is refused.
        let holder = tokio::spawn({
            let hashing = hashing.clone();
            async move {
                hashing
                    .run(move || {
                        gate.wait();
                    })
                    .await
            }
        });
        let mut queued = Vec::new();
        while hashing.admitted.available_permits() > 0 {
            let hashing = hashing.clone();
            queued.push(tokio::spawn(async move { hashing.run(|| ()).await }));
            tokio::task::yield_now().await;
        }
        assert_eq!(hashing.run(|| ()).await, Err(HashingBusy));
        started.wait();
        assert_eq!(holder.await.unwrap(), Ok(()));
        for run in queued {
            assert_eq!(run.await.unwrap(), Ok(()));
        }
        assert!(hashing.verify("x".to_owned(), None).await == Ok(false));
    }

    #[test]
    fn the_token_is_read_from_the_cookie_header() {
        assert_eq!(
            token_from_cookie_header("theme=dark; roster_session=abc; other=1", false).as_deref(),
            Some("abc")
        );
        assert_eq!(token_from_cookie_header("roster_session=", false), None);
        assert_eq!(token_from_cookie_header("nothing", false), None);
        // Over https only the `__Host-` cookie, which no other site can set: a plain one tossed
        // in from a sibling domain, even first, is not read.
        let tossed = "roster_session=theirs; __Host-roster_session=mine";
        assert_eq!(
            token_from_cookie_header(tossed, true).as_deref(),
            Some("mine")
        );
        assert_eq!(
            token_from_cookie_header("roster_session=theirs", true),
            None
        );
        assert_eq!(
            token_from_cookie_header("__Host-roster_session=mine", false),
            None
        );
    }
}
