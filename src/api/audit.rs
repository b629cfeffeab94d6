//! The audit log, and its CSV export.

use super::{ApiClient, ApiFailure, Download};
use roster_model::{AuditEntry, Page};

/// Filters of the audit log, as the page's URL holds them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFilters {
    pub actor: String,
    pub target: String,
    pub action: String,
}

impl AuditFilters {
    /// The filters set, as query parameters.
    fn query(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", &self.actor),
            ("target", &self.target),
            ("action", &self.action),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(key, value)| (key, value.as_str()))
        .collect()
    }
}

impl ApiClient {
    /// The whole audit log under `filters`, newest first, as a CSV file.
    pub async fn export_audit(&self, filters: &AuditFilters) -> Result<Download, ApiFailure> {
        self.download("/audit/export", &filters.query(), "roster-audit-log.csv")
            .await
    }

    /// The audit log, newest first; empty filters are left out.
    pub async fn audit(
        &self,
        filters: &AuditFilters,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AuditEntry>, ApiFailure> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        query.extend(filters.query());
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        self.get("/audit", &query).await
    }
}
