//! Bulk import (a feature some organizations have): existing users on the organization's verified domains who belong to no
//! organization become managed users, a batch at a time.

use serde::{Deserialize, Serialize};

/// `POST /import`: the users to import in this batch (at most [`crate::MAX_BULK_BATCH`]).
/// The answer is a [`crate::BulkResponse`], one result per user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportRequest {
    #[serde(deserialize_with = "crate::whole_number::many")]
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 200))]
    pub ids: Vec<i64>,
}

/// The answer when the organization's import feature is off.
pub const IMPORT_DISABLED: &str =
    "Bulk import is not enabled for this organization. Ask Roster's support to enable it.";
