//! Outgoing mail: the messages Roster sends (rendered here, with every value escaped in the HTML
//! part) and their delivery. Messages are queued in the store's outbox in the transaction of the
//! change they announce; [`run_delivery`] sends them afterwards — over SMTP, or as .eml files in a
//! folder when no mail server is configured (the demo) — and retries failures with backoff.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use roster_model::{InvitedAccount, Timestamp};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::store::{OutgoingMail, QueuedMail, Store};

/// Where mail goes.
#[derive(Clone)]
pub enum MailTransport {
    /// Each message becomes an .eml file in this folder (no mail server needed).
    Files(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    transport: MailTransport,
    from: Mailbox,
    /// Wakes the delivery loop when new mail is queued.
    queued: Arc<Notify>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("the sender address {0:?} is not a valid mailbox")]
    From(String),
    #[error("the SMTP URL is not valid: {0}")]
    Smtp(String),
}

impl Mailer {
    pub fn new(transport: MailTransport, from: &str) -> Result<Self, MailConfigError> {
        Ok(Mailer {
            transport,
            from: from
                .parse()
                .map_err(|_| MailConfigError::From(from.to_owned()))?,
            queued: Arc::new(Notify::new()),
        })
    }

    /// An SMTP relay from a URL: `smtp://host:port` (plain, for a relay on the same host or
    /// network), `smtp://host?tls=required` (STARTTLS) or `smtps://host` (TLS), with optional
    /// `user:password@`.
    pub fn smtp(url: &str) -> Result<MailTransport, MailConfigError> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map(|builder| MailTransport::Smtp(builder.build()))
            .map_err(|e| MailConfigError::Smtp(e.to_string()))
    }

    /// Tells the delivery loop that mail is waiting.
    pub fn wake(&self) {
        self.queued.notify_one();
    }

    /// Sends one message; answers the file it was written to, when mail goes to files.
    async fn send(&self, mail: &QueuedMail) -> Result<Option<PathBuf>, String> {
        let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(plain_subject(&mail.subject))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html.clone()),
                    ),
            )
            .map_err(|e| e.to_string())?;
        match &self.transport {
            MailTransport::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| e.to_string())?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map(|id| Some(dir.join(format!("{id}.eml"))))
                    .map_err(|e| e.to_string())
            }
            MailTransport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| None)
                .map_err(|e| e.to_string()),
        }
    }
}

/// Messages claimed at a time; how long a claimed message waits before another delivery attempt
/// when its claimer records no outcome (it stopped); and how long one message may take to send.
/// Each message's claim is taken again for a whole lease just before it is sent, and sending it
/// ends well inside that lease, so nobody else claims a message while it is being sent.
const CLAIM_BATCH: i64 = 5;
const DELIVERY_LEASE_SECONDS: i64 = 10 * 60;
const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends what is due in the outbox; answers how many were delivered. Replicas sharing a database
/// each send other messages.
pub async fn deliver_due(store: &Store, mailer: &Mailer, clock: &Clock) -> usize {
    let due = match store
        .claim_due_mail(clock.now(), CLAIM_BATCH, DELIVERY_LEASE_SECONDS)
        .await
    {
        Ok(due) => due,
        Err(error) => {
            tracing::error!(%error, "could not read the mail outbox");
            return 0;
        }
    };
    let mut delivered = 0;
    for mut mail in due {
        // A relay that stalled on an earlier message of the batch can outlast the claim on this
        // one: another replica may have claimed it meanwhile, and sends it.
        match store
            .renew_mail_claim(&mut mail, clock.now(), DELIVERY_LEASE_SECONDS)
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::error!(%error, "could not renew a mail claim");
                continue;
            }
        }
        let result = match tokio::time::timeout(SEND_TIMEOUT, mailer.send(&mail)).await {
            Ok(result) => result,
            Err(_) => Err("the mail server did not answer in time".to_owned()),
        };
        if let Ok(Some(file)) = &result {
            // The demo has no mail server: say where the message is. Its body is not logged: it
            // may hold a single-use link, and logs travel further than mail.
            tracing::info!(to = %mail.to, subject = %mail.subject, file = %file.display(), "mail written");
        }
        let now = clock.now();
        let recorded = match &result {
            Ok(_) => store.mail_sent(&mail, now).await,
            Err(error) => {
                tracing::warn!(to = %mail.to, %error, attempt = mail.attempts + 1, "mail delivery failed; will retry");
                store
                    .mail_failed(&mail, now + retry_delay(mail.attempts), error)
                    .await
            }
        };
        if let Err(error) = recorded {
            tracing::error!(%error, "could not record a mail delivery");
        }
        delivered += usize::from(result.is_ok());
    }
    delivered
}

/// 1, 2, 4 … minutes after each failed attempt, at most an hour.
fn retry_delay(attempts: i64) -> i64 {
    (60 * (1i64 << attempts.clamp(0, 6))).min(3600)
}

/// Delivers queued mail until the server stops: whenever mail is queued, and every 30 seconds
/// for retries.
pub async fn run_delivery(store: Store, mailer: Mailer, clock: Clock) {
    loop {
        while deliver_due(&store, &mailer, &clock).await > 0 {}
        let _ = tokio::time::timeout(Duration::from_secs(30), mailer.queued.notified()).await;
    }
}

/// The plain-text and HTML parts of a message, from its two templates in `templates/mail/`; the
/// HTML one escapes every value. Rendering plain values cannot fail, so a failure leaves the part
/// empty rather than the change undone.
fn parts(text: impl askama::Template, html: impl askama::Template) -> (String, String) {
    (
        text.render().unwrap_or_default(),
        html.render().unwrap_or_default(),
    )
}

/// What an invitation says: who invites to what, the link, and when it expires.
#[derive(Clone, Copy)]
pub struct InvitationMail<'a> {
    pub to: &'a str,
    pub organization: &'a str,
    pub invited_by: &'a str,
    pub accounts: &'a [InvitedAccount],
    pub link: &'a str,
    pub expires_at: Timestamp,
    /// To accounts only: the person gets access as an external user and does not join.
    pub account_only: bool,
}

/// The values an invitation's templates read.
/// `subject` as mail programs will show it: an RFC 2047 encoded word ("=?charset?b?…?=") is
/// decoded wherever it stands, so text that spells one (a name stored before names were kept
/// from holding "=?") would show the recipient whatever it encodes, line breaks included. A word
/// joiner (U+2060, invisible) between "=" and "?" spells none, and makes the mail library encode
/// that word itself.
fn plain_subject(subject: &str) -> String {
    subject.replace("=?", "=\u{2060}?")
}

#[derive(askama::Template)]
#[template(path = "mail/invitation.txt", escape = "none")]
struct InvitationText<'a> {
    organization: &'a str,
    invited_by: &'a str,
    accounts: Vec<String>,
    link: &'a str,
    expires: String,
    account_only: bool,
}

#[derive(askama::Template)]
#[template(path = "mail/invitation.html")]
struct InvitationHtml<'a> {
    organization: &'a str,
    invited_by: &'a str,
    accounts: Vec<String>,
    link: &'a str,
    expires: String,
    account_only: bool,
}

impl InvitationMail<'_> {
    pub fn render(&self) -> OutgoingMail {
        let accounts: Vec<String> = self
            .accounts
            .iter()
            .map(|a| format!("{} ({})", a.name, a.roles.describe()))
            .collect();
        let expires = format_date(self.expires_at);
        let (text, html) = parts(
            InvitationText {
                organization: self.organization,
                invited_by: self.invited_by,
                accounts: accounts.clone(),
                link: self.link,
                expires: expires.clone(),
                account_only: self.account_only,
            },
            InvitationHtml {
                organization: self.organization,
                invited_by: self.invited_by,
                accounts,
                link: self.link,
                expires,
                account_only: self.account_only,
            },
        );
        OutgoingMail {
            to: self.to.to_owned(),
            subject: format!(
                "{} invited you to {} on Roster",
                self.invited_by, self.organization
            ),
            text,
            html,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "mail/password_reset.txt", escape = "none")]
struct PasswordResetText<'a> {
    organization: &'a str,
    link: &'a str,
    expires: &'a str,
}

#[derive(askama::Template)]
#[template(path = "mail/password_reset.html")]
struct PasswordResetHtml<'a> {
    organization: &'a str,
    link: &'a str,
    expires: &'a str,
}

/// Tells a user that an administrator reset their password, with the single-use link that sets
/// a new one.
pub fn password_reset_mail(
    to: &str,
    organization: &str,
    link: &str,
    expires_at: Timestamp,
) -> OutgoingMail {
    let expires = format_date(expires_at);
    let (text, html) = parts(
        PasswordResetText {
            organization,
            link,
            expires: &expires,
        },
        PasswordResetHtml {
            organization,
            link,
            expires: &expires,
        },
    );
    OutgoingMail {
        to: to.to_owned(),
        subject: format!("Choose a new Roster password for {organization}"),
        text,
        html,
    }
}

#[derive(askama::Template)]
#[template(path = "mail/two_factor_reset.txt", escape = "none")]
struct TwoFactorResetText<'a> {
    organization: &'a str,
    reset_by: &'a str,
}

#[derive(askama::Template)]
#[template(path = "mail/two_factor_reset.html")]
struct TwoFactorResetHtml<'a> {
    organization: &'a str,
    reset_by: &'a str,
}

/// Tells a user that an administrator (`reset_by`) reset their two-factor sign-in: were it not
/// their lost phone, they hear of it at once.
pub fn two_factor_reset_mail(to: &str, organization: &str, reset_by: &str) -> OutgoingMail {
    let (text, html) = parts(
        TwoFactorResetText {
            organization,
            reset_by,
        },
        TwoFactorResetHtml {
            organization,
            reset_by,
        },
    );
    OutgoingMail {
        to: to.to_owned(),
        subject: format!("Your Roster two-factor sign-in for {organization} was reset"),
        text,
        html,
    }
}

#[derive(askama::Template)]
#[template(path = "mail/welcome.txt", escape = "none")]
struct WelcomeText<'a> {
    organization: &'a str,
    email: &'a str,
    link: &'a str,
    expires: &'a str,
}

#[derive(askama::Template)]
#[template(path = "mail/welcome.html")]
struct WelcomeHtml<'a> {
    organization: &'a str,
    email: &'a str,
    link: &'a str,
    expires: &'a str,
}

/// Welcomes a person an identity provider created a user for, with the single-use link that sets
/// their first password.
pub fn welcome_mail(
    to: &str,
    organization: &str,
    link: &str,
    expires_at: Timestamp,
) -> OutgoingMail {
    let expires = format_date(expires_at);
    let (text, html) = parts(
        WelcomeText {
            organization,
            email: to,
            link,
            expires: &expires,
        },
        WelcomeHtml {
            organization,
            email: to,
            link,
            expires: &expires,
        },
    );
    OutgoingMail {
        to: to.to_owned(),
        subject: format!("Your Roster user at {organization}"),
        text,
        html,
    }
}

#[derive(askama::Template)]
#[template(path = "mail/imported.txt", escape = "none")]
struct ImportedText<'a> {
    organization: &'a str,
    imported_by: &'a str,
    link: &'a str,
}

#[derive(askama::Template)]
#[template(path = "mail/imported.html")]
struct ImportedHtml<'a> {
    organization: &'a str,
    imported_by: &'a str,
    link: &'a str,
}

/// Tells a user that an organization imported them: it manages their user from now on.
pub fn imported_mail(
    to: &str,
    organization: &str,
    imported_by: &str,
    sign_in_link: &str,
) -> OutgoingMail {
    let (text, html) = parts(
        ImportedText {
            organization,
            imported_by,
            link: sign_in_link,
        },
        ImportedHtml {
            organization,
            imported_by,
            link: sign_in_link,
        },
    );
    OutgoingMail {
        to: to.to_owned(),
        subject: format!("You are now a managed user of {organization}"),
        text,
        html,
    }
}

/// "2026-12-03 14:05 UTC".
fn format_date(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|at| {
            at.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_model::{AccountRole, RoleSet};

    #[test]
    fn invitation_mail_escapes_what_people_typed() {
        let accounts = [InvitedAccount {
            name: "Acme <Prod> & \"Co\"".to_owned(),
            roles: RoleSet::from_roles([AccountRole::Developer, AccountRole::Support]),
        }];
        let mail = InvitationMail {
            to: "ada@northwind.example",
            organization: "Northwind <script>alert(1)</script>",
            invited_by: "Maya O'Chen",
            accounts: &accounts,
            link: "http://127.0.0.1:8080/accept/abc",
            expires_at: 1_800_000_000,
            account_only: false,
        }
        .render();
        assert!(mail
            .html
            .contains("Northwind &#60;script&#62;alert(1)&#60;/script&#62;"));
        assert!(mail
            .html
            .contains("Acme &#60;Prod&#62; &#38; &#34;Co&#34; (Developer, Support)"));
        assert!(mail.html.contains("Maya O&#39;Chen"));
        assert!(!mail.html.contains("<script>"));
        assert!(mail.text.contains("http://127.0.0.1:8080/accept/abc"));
        assert!(mail
            .text
            .contains("Acme <Prod> & \"Co\" (Developer, Support)"));
        assert!(mail.text.contains("2027-01-15 08:00 UTC"));
        assert_eq!(
            mail.subject,
            "Maya O'Chen invited you to Northwind <script>alert(1)</script> on Roster"
        );
    }

    #[test]
    fn a_subject_spelling_an_encoded_word_goes_out_as_the_text_it_is() {
        let spelled = "=?utf-8?b?4oCuSVQgU2VjdXJpdHkgVGVhbQ0KWC1TcG9vZmVkOiAx?= invited you";
        let message = Message::builder()
            .from("roster@example.com".parse().expect("from"))
            .to("ada@example.com".parse().expect("to"))
            .subject(plain_subject(spelled))
            .body(String::new())
            .expect("message");
        let formatted = String::from_utf8(message.formatted()).expect("text");
        // The header as sent, unfolded: encoded words the library wrote, and none of the name's.
        let words: Vec<&str> = formatted
            .lines()
            .skip_while(|line| !line.starts_with("Subject:"))
            .take_while(|line| line.starts_with("Subject:") || line.starts_with(' '))
            .flat_map(str::split_whitespace)
            .skip(1)
            .collect();
        assert!(!words.iter().any(|word| word.contains("4oCu")), "{words:?}");
        // What a mail program shows: the text as it was, with an invisible joiner after "=".
        use base64::Engine;
        let shown: String = words
            .iter()
            .map(|word| match word.strip_prefix("=?utf-8?b?") {
                Some(encoded) => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(encoded.trim_end_matches("?="))
                        .expect("base64");
                    String::from_utf8(bytes).expect("utf-8")
                }
                None => format!(" {word}"),
            })
            .collect();
        assert_eq!(shown.replace('\u{2060}', ""), spelled);
    }

    #[test]
    fn dates_are_gregorian() {
        assert_eq!(format_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_date(1_800_000_000), "2027-01-15 08:00 UTC");
    }

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(retry_delay(0), 60);
        assert_eq!(retry_delay(3), 480);
        assert_eq!(retry_delay(20), 3600);
    }
}
