//! The audit log.

use super::{ApiClient, ApiFailure};
use roster_model::{AuditEntry, Page};

/// Filters of the audit log, as the page's URL holds them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFilters {
    pub actor: String,
    pub target: String,
    pub action: String,
}

impl ApiClient {
    /// The audit log, newest first; empty filters are left out.
    pub async fn audit(
        &self,
        filters: &AuditFilters,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AuditEntry>, ApiFailure> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        for (key, value) in [
            ("actor", &filters.actor),
            ("target", &filters.target),
            ("action", &filters.action),
        ] {
            if !value.trim().is_empty() {
                query.push((key, value.as_str()));
            }
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor));
        }
        self.get("/audit", &query).await
    }
}
