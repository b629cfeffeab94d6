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

use crate::state::Clock;
use crate::store::{QueuedMail, Store};

/// A message to queue: plain-text and HTML parts of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

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
            .subject(mail.subject.clone())
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

/// Sends what is due in the outbox; answers how many were delivered.
pub async fn deliver_due(store: &Store, mailer: &Mailer, now: Timestamp) -> usize {
    let due = match store.due_mail(now, 50).await {
        Ok(due) => due,
        Err(error) => {
            tracing::error!(%error, "could not read the mail outbox");
            return 0;
        }
    };
    let mut delivered = 0;
    for mail in due {
        let result = mailer.send(&mail).await;
        if let Ok(Some(file)) = &result {
            // The demo has no mail server: say where the message is. Its body is not logged: it
            // may hold a single-use link, and logs travel further than mail.
            tracing::info!(to = %mail.to, subject = %mail.subject, file = %file.display(), "mail written");
        }
        let recorded = match &result {
            Ok(_) => store.mail_sent(mail.id, now).await,
            Err(error) => {
                tracing::warn!(to = %mail.to, %error, attempt = mail.attempts + 1, "mail delivery failed; will retry");
                store
                    .mail_failed(mail.id, now + retry_delay(mail.attempts), error)
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
        while deliver_due(&store, &mailer, clock.now()).await > 0 {}
        let _ = tokio::time::timeout(Duration::from_secs(30), mailer.queued.notified()).await;
    }
}

/// Text for HTML: the five characters that could end an element or attribute are escaped.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What an invitation says: who invites to what, the link, and when it expires.
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

impl InvitationMail<'_> {
    pub fn render(&self) -> OutgoingMail {
        let expires = format_date(self.expires_at);
        let subject = format!(
            "{} invited you to {} on Roster",
            self.invited_by, self.organization
        );
        let account_lines: Vec<String> = self
            .accounts
            .iter()
            .map(|a| format!("{} ({})", a.name, a.roles.describe()))
            .collect();
        let accounts_text = if account_lines.is_empty() {
            String::new()
        } else {
            format!(
                "\nYou will have access to:\n{}\n",
                account_lines
                    .iter()
                    .map(|line| format!("  - {line}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        };
        let (what_text, what_html) = if self.account_only {
            (
                format!("{} invited you to accounts of {} on Roster. You get access to these accounts only, as an external user: you do not join the organization.", self.invited_by, self.organization),
                format!("{} invited you to accounts of <strong>{}</strong> on Roster. You get access to these accounts only, as an external user: you do not join the organization.", escape_html(self.invited_by), escape_html(self.organization)),
            )
        } else {
            (
                format!(
                    "{} invited you to join {} on Roster as a managed user.",
                    self.invited_by, self.organization
                ),
                format!(
                    "{} invited you to join <strong>{}</strong> on Roster as a managed user.",
                    escape_html(self.invited_by),
                    escape_html(self.organization)
                ),
            )
        };
        let text = format!(
            "{what_text}\n{accounts_text}\nAccept the invitation:\n{link}\n\nThe link works once and expires on {expires}. If you did not expect this invitation, ignore this message.\n",
            link = self.link,
        );
        let accounts_html = if account_lines.is_empty() {
            String::new()
        } else {
            format!(
                "<p>You will have access to:</p><ul>{}</ul>",
                account_lines
                    .iter()
                    .map(|line| format!("<li>{}</li>", escape_html(line)))
                    .collect::<String>()
            )
        };
        let html = format!(
            "<!doctype html><html><body style=\"font-family: system-ui, sans-serif\">\
             <p>{what_html}</p>\
             {accounts_html}\
             <p><a href=\"{link}\">Accept the invitation</a></p>\
             <p>Or open this link: {link}</p>\
             <p>The link works once and expires on {expires}. If you did not expect this invitation, ignore this message.</p>\
             </body></html>",
            link = escape_html(self.link),
        );
        OutgoingMail {
            to: self.to.to_owned(),
            subject,
            text,
            html,
        }
    }
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
    let text = format!(
        "An administrator of {organization} reset your Roster password. Your old password no longer works, and you have been signed out everywhere.\n\nChoose a new password:\n{link}\n\nThe link works once and expires on {expires}. If it has expired, ask your organization's administrators for a new one. If you did not expect this, tell them.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family: system-ui, sans-serif\">\
         <p>An administrator of <strong>{org}</strong> reset your Roster password. Your old password no longer works, and you have been signed out everywhere.</p>\
         <p><a href=\"{link}\">Choose a new password</a></p>\
         <p>Or open this link: {link}</p>\
         <p>The link works once and expires on {expires}. If it has expired, ask your organization's administrators for a new one. If you did not expect this, tell them.</p></body></html>",
        org = escape_html(organization),
        link = escape_html(link),
    );
    OutgoingMail {
        to: to.to_owned(),
        subject: format!("Choose a new Roster password for {organization}"),
        text,
        html,
    }
}

/// Tells a user that an organization imported them: it manages their user from now on.
pub fn imported_mail(
    to: &str,
    organization: &str,
    imported_by: &str,
    sign_in_link: &str,
) -> OutgoingMail {
    let text = format!(
        "{imported_by} imported your Roster user into {organization}: you are now a managed user of the organization, which manages your user's settings and account access from now on. Your password and two-factor set-up stay as they are.\n\nSign in: {sign_in_link}\n\nIf you did not expect this, contact {organization}'s administrators.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family: system-ui, sans-serif\">\
         <p>{by} imported your Roster user into <strong>{org}</strong>: you are now a managed user of the organization, which manages your user's settings and account access from now on. Your password and two-factor set-up stay as they are.</p>\
         <p><a href=\"{link}\">Sign in</a></p>\
         <p>If you did not expect this, contact {org}'s administrators.</p></body></html>",
        by = escape_html(imported_by),
        org = escape_html(organization),
        link = escape_html(sign_in_link),
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
    let days = at.div_euclid(86_400);
    let seconds = at.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        seconds / 3600,
        seconds % 3600 / 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
            .contains("Northwind &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(mail
            .html
            .contains("Acme &lt;Prod&gt; &amp; &quot;Co&quot; (Developer, Support)"));
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
