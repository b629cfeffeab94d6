//! CSV export of the user lists and the audit log. Rows are written as the database reads them
//! and sent in chunks through a small channel, so 100,000 users never sit in memory and a slow
//! download slows the reading down. Cells a spreadsheet would run as a formula are escaped.

use std::future::Future;
use std::io;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use roster_model::{
    audit_action_label, AuditEntry, OrgRole, Timestamp, TwoFactorState, UserSummary, UserView,
};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::state::AppState;
use crate::store::{AuditParams, ExportedAccount, StoreResult, UserListParams};

/// Bytes gathered before a chunk goes out.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks waiting for the client before the reading waits for it.
const CHUNKS_AHEAD: usize = 4;
/// Rows read ahead of the CSV writing.
const ROWS_AHEAD: usize = 256;

/// Every user a tab lists under its search, filters and sort, as a CSV download.
pub fn users(state: &AppState, org_id: i64, params: UserListParams) -> Response {
    let now = state.clock.now();
    let store = state.store.clone();
    let view = params.view;
    download(
        &format!("roster-{}-users-{}.csv", view.as_str(), day(now)),
        user_header(view),
        move |(user, accounts): &(UserSummary, Vec<ExportedAccount>)| {
            user_record(view, user, accounts)
        },
        move |rows| async move { store.export_users(org_id, &params, now, rows).await },
    )
}

/// The audit log under its filters, newest first, as a CSV download.
pub fn audit(state: &AppState, org_id: i64, params: AuditParams) -> Response {
    let now = state.clock.now();
    let store = state.store.clone();
    let header = [
        "Time (UTC)",
        "Actor",
        "Actor email",
        "Action",
        "Action code",
        "Target",
        "Target email",
        "From address",
    ];
    download(
        &format!("roster-audit-log-{}.csv", day(now)),
        header.map(str::to_owned).to_vec(),
        audit_record,
        move |entries| async move { store.export_audit(org_id, &params, entries).await },
    )
}

/// A CSV download named `filename`: `header`, then a `record` of each row `read` sends, written
/// while the reading goes on.
fn download<T, Read>(
    filename: &str,
    header: Vec<String>,
    record: impl Fn(&T) -> Vec<String> + Send + Sync + 'static,
    read: impl FnOnce(mpsc::Sender<T>) -> Read + Send + 'static,
) -> Response
where
    T: Send + 'static,
    Read: Future<Output = StoreResult<()>> + Send,
{
    let (mut out, body) = CsvOut::new();
    let (rows, received) = mpsc::channel::<T>(ROWS_AHEAD);
    tokio::spawn(async move {
        let write = async {
            // Owned here: when the client goes, the receiver goes with the writing, and the
            // reading (blocked on a full channel) ends too.
            let mut received = received;
            out.row(header).await;
            while let Some(row) = received.recv().await {
                if !out.row(record(&row)).await {
                    break;
                }
            }
        };
        let (written, ()) = tokio::join!(read(rows), write);
        out.finish(written).await;
    });
    attachment(filename, body)
}

fn attachment(filename: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// CSV written into a buffer and sent on in chunks.
struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
    chunks: mpsc::Sender<io::Result<Bytes>>,
    /// The client went away: stop reading.
    gone: bool,
}

impl CsvOut {
    fn new() -> (Self, Body) {
        let (chunks, receiver) = mpsc::channel(CHUNKS_AHEAD);
        let out = CsvOut {
            writer: csv_writer(),
            chunks,
            gone: false,
        };
        (out, Body::from_stream(ReceiverStream::new(receiver)))
    }

    /// Writes one row; false once nobody is listening any more.
    async fn row(&mut self, cells: impl IntoIterator<Item = String>) -> bool {
        let record = cells.into_iter().map(|cell| spreadsheet_safe(&cell));
        if self.gone || self.writer.write_record(record).is_err() || self.writer.flush().is_err() {
            self.gone = true;
            return false;
        }
        if self.writer.get_ref().len() >= CHUNK_BYTES {
            self.send().await;
        }
        !self.gone
    }

    async fn send(&mut self) {
        let full = std::mem::replace(&mut self.writer, csv_writer());
        let Ok(chunk) = full.into_inner() else {
            self.gone = true;
            return;
        };
        if self.chunks.send(Ok(Bytes::from(chunk))).await.is_err() {
            self.gone = true;
        }
    }

    /// Sends what is left; a failed read ends the download with an error rather than a file
    /// that looks complete.
    async fn finish<E: std::fmt::Display>(mut self, written: Result<(), E>) {
        match written {
            Ok(()) => self.send().await,
            Err(error) => {
                tracing::error!(%error, "CSV export failed");
                let _ = self
                    .chunks
                    .send(Err(io::Error::other("export failed")))
                    .await;
            }
        }
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::with_capacity(CHUNK_BYTES))
}

/// A cell as a spreadsheet will show it and never run: text whose first character, after any
/// spaces, could start a formula (`=`, `+`, `-`, `@`, their full-width forms, a tab, a line break
/// or a NUL) gets a leading apostrophe (OWASP's advice for CSV injection).
fn spreadsheet_safe(cell: &str) -> String {
    const FORMULA_STARTS: [char; 11] = [
        '=', '+', '-', '@', '\t', '\r', '\n', '\0', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}',
    ];
    let first = cell.trim_start_matches(' ').chars().next();
    if first.is_some_and(|c| FORMULA_STARTS.contains(&c) || c == '\u{ff20}') {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn user_header(view: UserView) -> Vec<String> {
    let columns: &[&str] = match view {
        UserView::Managed | UserView::Imported => &[
            "Name",
            "Email",
            "Given name",
            "Family name",
            "Organization role",
            "Status",
            "Two-factor",
            "Last sign-in (UTC)",
            "Joined (UTC)",
            "Imported by",
            "Accounts",
        ],
        UserView::External => &[
            "Name",
            "Email",
            "Given name",
            "Family name",
            "Status",
            "Two-factor",
            "Last sign-in (UTC)",
            "Created (UTC)",
            "Accounts",
        ],
        UserView::Invited => &[
            "Email",
            "Name",
            "Invited (UTC)",
            "Last sent (UTC)",
            "Expires (UTC)",
            "Expired",
            "Invited by",
            "Accounts granted",
        ],
    };
    columns.iter().map(|c| (*c).to_owned()).collect()
}

fn user_record(view: UserView, user: &UserSummary, accounts: &[ExportedAccount]) -> Vec<String> {
    let accounts = accounts
        .iter()
        .map(|account| match (account.roles.is_empty(), account.owner) {
            (true, true) => format!("{} (owner)", account.name),
            (false, true) => format!("{} ({}; owner)", account.name, account.roles.describe()),
            (_, false) => format!("{} ({})", account.name, account.roles.describe()),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let two_factor = TwoFactorState::of(user.two_factor).label().to_owned();
    match view {
        UserView::Managed | UserView::Imported => vec![
            user.display_name(),
            user.email.clone(),
            user.given_name.clone(),
            user.family_name.clone(),
            user.org_role
                .map(OrgRole::label)
                .unwrap_or_default()
                .to_owned(),
            user.status.label().to_owned(),
            two_factor,
            moment(user.last_sign_in_at),
            moment(user.joined_at),
            user.imported
                .as_ref()
                .and_then(|i| i.imported_by.as_ref())
                .map(|by| by.email.clone())
                .unwrap_or_default(),
            accounts,
        ],
        UserView::External => vec![
            user.display_name(),
            user.email.clone(),
            user.given_name.clone(),
            user.family_name.clone(),
            user.status.label().to_owned(),
            two_factor,
            moment(user.last_sign_in_at),
            moment(Some(user.created_at)),
            accounts,
        ],
        UserView::Invited => {
            let invitation = user.invitation.as_ref();
            let name = user.display_name();
            vec![
                user.email.clone(),
                if name == user.email {
                    String::new()
                } else {
                    name
                },
                moment(invitation.map(|i| i.sent_at)),
                moment(invitation.and_then(|i| i.last_sent_at)),
                moment(invitation.map(|i| i.expires_at)),
                if invitation.is_some_and(|i| i.expired) {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
                invitation
                    .and_then(|i| i.invited_by.as_ref())
                    .map(|by| by.email.clone())
                    .unwrap_or_default(),
                accounts,
            ]
        }
    }
}

fn audit_record(entry: &AuditEntry) -> Vec<String> {
    vec![
        moment(Some(entry.at)),
        entry.actor.clone(),
        entry.actor_email.clone().unwrap_or_default(),
        audit_action_label(&entry.action).to_owned(),
        entry.action.clone(),
        entry.target.clone().unwrap_or_default(),
        entry.target_email.clone().unwrap_or_default(),
        entry.client_addr.clone().unwrap_or_default(),
    ]
}

/// A moment as RFC 3339 in UTC, which spreadsheets read as a date; empty when there is none.
fn moment(at: Option<Timestamp>) -> String {
    at.and_then(|at| OffsetDateTime::from_unix_timestamp(at).ok())
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// The day of `now` (UTC), for a file name.
fn day(now: Timestamp) -> String {
    OffsetDateTime::from_unix_timestamp(now)
        .ok()
        .and_then(|at| {
            at.format(time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_escaped_and_other_text_is_kept() {
        for formula in [
            "=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "\0x", "  =1", "＝1", "＠x",
        ] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for text in ["Ada", "a=b", "", "Ünal"] {
            assert_eq!(spreadsheet_safe(text), text);
        }
    }

    #[test]
    fn moments_are_rfc3339_utc() {
        assert_eq!(moment(Some(0)), "1970-01-01T00:00:00Z");
        assert_eq!(moment(None), "");
        assert_eq!(day(86_400 * 365), "1971-01-01");
    }
}
