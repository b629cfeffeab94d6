//! The user lists' filters, checked before they reach a query.

use roster_model::{UserFilter, UserFilters};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The filters named in a request (absent ones `None`): each value one the filter takes, and the
/// account one of the organization's (another organization's id reads as no such account, 422).
pub async fn checked_filters(
    state: &AppState,
    org_id: i64,
    texts: [(UserFilter, Option<&str>); 6],
) -> AppResult<UserFilters> {
    let mut filters = UserFilters::default();
    for (filter, text) in texts {
        if let Some(text) = text {
            filters
                .set(filter, text)
                .map_err(|expected| AppError::malformed(filter.name(), expected))?;
        }
    }
    if let Some(account) = filters.account {
        let names = state.store.org_account_names(org_id, &[account]).await?;
        if names.is_empty() {
            // Well-formed, so not a 400: it names nothing this organization has.
            return Err(AppError::invalid(
                UserFilter::Account.name(),
                "The organization has no such account.",
            ));
        }
    }
    Ok(filters)
}
