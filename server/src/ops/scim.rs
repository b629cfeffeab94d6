//! SCIM provisioning: Owners make provisioning tokens; identity providers list, create, change
//! and delete the organization's members with them, under the console's own rules.

use roster_model::{
    new_scim_token_problem, AccountRole, CreatedScimToken, ErrorCode, NewScimToken, OrgRole,
    ScimTokens, Timestamp, PASSWORD_RESET_SECONDS,
};
use serde_json::{json, Value};

use crate::auth;
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::mail::welcome_mail;
use crate::scim::attributes::{attribute_list, field, select_attributes};
use crate::scim::error::{ScimError, ScimResult};
use crate::scim::filter::matches;
use crate::scim::filter::parse_filter;
use crate::scim::groups::{
    by_account, case_exact as groups_case_exact, external_id as group_external_id, group_id,
    group_resource, group_version, holders, member_ids, needs_members, parse_group_id,
};
use crate::scim::patch;
use crate::scim::schema::{
    GROUP_SCHEMA, LIST_SCHEMA, MAX_RESULTS, ROSTER_USER_SCHEMA, USER_SCHEMA,
};
use crate::scim::users::{case_exact, requested_state, user_attr, user_filter, user_resource};
use crate::state::AppState;
use crate::store::Credential;
use crate::store::{
    Acting, Actor, AuditEvent, GroupRefusal, NewResetLink, OutgoingMail, ScimGroupAccount,
    ScimGroupMember, ScimRefusal, ScimUserQuery, ScimUserState, Store, UpdateOutcome, Welcome,
};

/// How every provisioning token's secret starts: told apart from API tokens at a glance.
pub const SCIM_TOKEN_PREFIX: &str = "roster_scim_";

/// An identity provider acting with a live provisioning token.
#[derive(Debug, Clone)]
pub struct ScimCaller {
    pub token_id: i64,
    pub org_id: i64,
    /// "SCIM · <token name>", as the audit log shows the actor.
    pub label: String,
    pub client_addr: String,
}

impl ScimCaller {
    /// The token acting at `at`, with an Owner's authority over members (the last-Owner rule holds).
    pub fn actor(&self, at: i64) -> Actor<'_> {
        Actor {
            org_id: self.org_id,
            acting: Acting::ScimToken(self.token_id),
            role: OrgRole::Owner,
            label: &self.label,
            client_addr: &self.client_addr,
            at,
        }
    }
}

/// Where identity providers reach this server's SCIM service.
pub fn base_url(state: &AppState) -> String {
    format!(
        "{}/scim/v2",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// Creates a provisioning token for the caller's organization; its secret is in this answer only.
/// Only an Owner signed in to the console may: no token mints tokens.
pub async fn create_token(
    state: &AppState,
    caller: &Caller,
    request: NewScimToken,
) -> AppResult<CreatedScimToken> {
    let NewScimToken {
        name,
        current_password,
    } = request;
    if !matches!(caller.credential, Credential::Session { .. }) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Provisioning tokens are created in Roster's own console, signed in as an Owner.",
        ));
    }
    if let Some((field, problem)) = new_scim_token_problem(&name) {
        return Err(AppError::invalid(field, problem));
    }
    let name = name.trim();
    let now = state.clock.now();
    super::session::verify_current_password(state, caller, current_password, now).await?;
    let secret = format!("{SCIM_TOKEN_PREFIX}{}", auth::new_token());
    let actor = caller.actor(now);
    let event = actor.event("scim_token.created", None, Some(name), json!({}));
    let id = state
        .store
        .create_scim_token(
            Some(&actor),
            caller.org_id,
            name,
            &auth::token_hash(&secret),
            &event,
        )
        .await?;
    let token = state
        .store
        .scim_tokens(caller.org_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "The new token could not be read back.")
        })?;
    Ok(CreatedScimToken {
        token,
        secret,
        base_url: base_url(state),
    })
}

/// `roster-server scim-token`: a provisioning token for automation and tests, audited as made
/// on the command line. Answers its secret.
pub async fn create_token_on_command_line(
    store: &Store,
    org_id: i64,
    name: &str,
    now: Timestamp,
) -> Result<String, String> {
    if let Some((_, problem)) = new_scim_token_problem(name) {
        return Err(problem);
    }
    if store
        .organization(org_id)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        return Err(format!("There is no organization {org_id}."));
    }
    let name = name.trim();
    let secret = format!("{SCIM_TOKEN_PREFIX}{}", auth::new_token());
    let event = AuditEvent {
        org_id: Some(org_id),
        actor_id: None,
        actor_label: "roster-server scim-token (command line)",
        action: "scim_token.created",
        target_id: None,
        target_label: Some(name),
        details: json!({}),
        client_addr: "command line",
        at: now,
    };
    store
        .create_scim_token(None, org_id, name, &auth::token_hash(&secret), &event)
        .await
        .map_err(|e| e.to_string())?;
    Ok(secret)
}

pub async fn tokens(state: &AppState, caller: &Caller) -> AppResult<ScimTokens> {
    Ok(ScimTokens {
        base_url: base_url(state),
        tokens: state.store.scim_tokens(caller.org_id).await?,
    })
}

/// Revokes a live provisioning token of the caller's organization; false when there is none.
pub async fn revoke_token(state: &AppState, caller: &Caller, id: i64) -> AppResult<bool> {
    let actor = caller.actor(state.clock.now());
    let event = actor.event("scim_token.revoked", None, None, json!({}));
    Ok(state.store.revoke_scim_token(&actor, id, &event).await?)
}

/// `GET /Users` and `POST /Users/.search`, as read from the request.
#[derive(Debug, Default)]
pub struct UserListRequest {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub sort_by: Option<String>,
    pub descending: bool,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl UserListRequest {
    /// The page asked for, as (startIndex, count): RFC 7644 §3.4.2.4 reads a startIndex below 1 as
    /// 1 and a negative count as 0; the page is capped at [`MAX_RESULTS`].
    fn page(&self) -> (i64, i64) {
        let start_index = self.start_index.unwrap_or(1).max(1);
        let count = self
            .count
            .unwrap_or(i64::from(MAX_RESULTS))
            .clamp(0, i64::from(MAX_RESULTS));
        (start_index, count)
    }
}

pub async fn list_users(
    state: &AppState,
    caller: &ScimCaller,
    request: UserListRequest,
) -> ScimResult<Value> {
    let filter = request
        .filter
        .as_deref()
        .map(|text| parse_filter(text).map_err(|e| ScimError::invalid_filter(e.0)))
        .transpose()?
        .map(|filter| user_filter(&filter))
        .transpose()?;
    let sort = request
        .sort_by
        .as_deref()
        .map(|path| {
            crate::scim::filter::parse_patch_path(path)
                .ok()
                .filter(|p| p.filter.is_none())
                .ok_or_else(|| {
                    ScimError::invalid_value(format!("“{path}” is not an attribute path."))
                })
                .and_then(|p| user_attr(&p.attr).map_err(|e| ScimError::invalid_value(e.detail)))
        })
        .transpose()?
        .map(|attr| (attr, request.descending));
    let (start_index, count) = request.page();
    let attributes = attribute_list(request.attributes.as_deref())?;
    let excluded = attribute_list(request.excluded_attributes.as_deref())?;
    let query = ScimUserQuery {
        filter,
        sort,
        offset: u64::try_from(start_index - 1).unwrap_or_default(),
        limit: u32::try_from(count).unwrap_or_default(),
    };
    let (total, records) = state.store.scim_users(caller.org_id, &query).await?;
    let base = base_url(state);
    let resources: Vec<Value> = records
        .iter()
        .map(|record| select_attributes(user_resource(record, &base), &attributes, &excluded))
        .collect();
    Ok(json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

fn no_such_user(id: i64) -> ScimError {
    ScimError::not_found(format!("There is no user “{id}” in this organization."))
}

pub async fn get_user(state: &AppState, caller: &ScimCaller, id: i64) -> ScimResult<Value> {
    let record = state
        .store
        .scim_user(caller.org_id, id)
        .await?
        .ok_or_else(|| no_such_user(id))?;
    Ok(user_resource(&record, &base_url(state)))
}

/// The set-password link, and its mail, that a change may send the person at `email`.
struct WelcomeLink {
    token_hash: String,
    expires_at: Timestamp,
    mail: OutgoingMail,
}

impl WelcomeLink {
    async fn new(state: &AppState, org_id: i64, email: &str) -> ScimResult<Self> {
        let organization = super::organization(state, org_id).await?;
        let token = auth::new_token();
        let expires_at = state.clock.now() + PASSWORD_RESET_SECONDS;
        let link = format!("{}/password/{token}", state.settings.public_url);
        Ok(WelcomeLink {
            token_hash: auth::token_hash(&token),
            expires_at,
            mail: welcome_mail(email, &organization.name, &link, expires_at),
        })
    }

    fn welcome(&self) -> Welcome<'_> {
        Welcome {
            link: NewResetLink {
                token_hash: &self.token_hash,
                expires_at: self.expires_at,
            },
            mail: &self.mail,
        }
    }
}

fn refusal(refusal: ScimRefusal) -> ScimError {
    match refusal {
        ScimRefusal::DomainNotVerified(domain) => ScimError::invalid_value(format!(
            "{domain} is not a verified domain of this organization, so its addresses cannot be managed users. \
             Verify the domain on Roster's Domains page, or give the person access to single accounts \
             from Roster's console instead (which makes them an external user)."
        )),
        ScimRefusal::AlreadyMember(id) => ScimError::conflict(
            Some("uniqueness"),
            format!("A user of this organization has this userName already (id {id})."),
        ),
        ScimRefusal::ExistsElsewhere => ScimError::conflict(
            Some("uniqueness"),
            "This address belongs to an existing Roster user outside this organization. \
             Invite them from Roster's console: they join the organization when they accept.",
        ),
        ScimRefusal::TokenRevoked => ScimError::unauthorized(),
    }
}

fn outcome(result: UpdateOutcome, id: i64) -> ScimResult<()> {
    match result {
        UpdateOutcome::Updated => Ok(()),
        UpdateOutcome::NotFound => Err(no_such_user(id)),
        UpdateOutcome::Stale => Err(ScimError::stale()),
        UpdateOutcome::Refused(problem) => Err(ScimError::new(
            axum::http::StatusCode::CONFLICT,
            None,
            problem,
        )),
        UpdateOutcome::Invalid(_, problem) => Err(ScimError::invalid_value(problem)),
        // The token was revoked while the request was under way.
        UpdateOutcome::NoLongerActs => Err(ScimError::unauthorized()),
    }
}

pub async fn create_user(state: &AppState, caller: &ScimCaller, body: &Value) -> ScimResult<Value> {
    check_schemas(body)?;
    let wanted = requested_state(body, None)?;
    let welcome = WelcomeLink::new(state, caller.org_id, &wanted.email).await?;
    let actor = caller.actor(state.clock.now());
    let id = state
        .store
        .create_scim_user(&actor, &wanted, &welcome.welcome())
        .await?
        .map_err(refusal)?;
    state.mailer.wake();
    get_user(state, caller, id).await
}

/// PUT: the body is the whole new state (read-only attributes in it are ignored, RFC 7644 §3.5.1).
pub async fn replace_user(
    state: &AppState,
    caller: &ScimCaller,
    id: i64,
    expected: Option<i64>,
    body: &Value,
) -> ScimResult<Value> {
    check_schemas(body)?;
    let current = state
        .store
        .scim_user(caller.org_id, id)
        .await?
        .ok_or_else(|| no_such_user(id))?;
    let wanted = requested_state(body, Some(&current))?;
    // Saved at the version read even without If-Match: what the body leaves out (active) was
    // taken from that version, and must not undo a change made since.
    save(
        state,
        caller,
        id,
        Some(expected.unwrap_or(current.version)),
        &wanted,
    )
    .await
}

/// PATCH: the operations apply to the user as they are; the result is checked as a whole and
/// saved at the version read (a change in between answers 412 rather than being overwritten).
pub async fn patch_user(
    state: &AppState,
    caller: &ScimCaller,
    id: i64,
    expected: Option<i64>,
    body: &Value,
) -> ScimResult<Value> {
    let operations = patch::parse_operations(body)?;
    retry_when_stale(expected.is_none(), || {
        patch_user_once(state, caller, id, expected, &operations)
    })
    .await
}

/// Reads, changes and saves once: stale when the user changed between the read and the save.
async fn patch_user_once(
    state: &AppState,
    caller: &ScimCaller,
    id: i64,
    expected: Option<i64>,
    operations: &[patch::Operation],
) -> ScimResult<Value> {
    let current = state
        .store
        .scim_user(caller.org_id, id)
        .await?
        .ok_or_else(|| no_such_user(id))?;
    if expected.is_some_and(|expected| expected != current.version) {
        return Err(ScimError::stale());
    }
    let before = user_resource(&current, &base_url(state));
    let mut after = before.clone();
    patch::apply(&mut after, operations, USER_SCHEMA, &case_exact)?;
    if let Some(attribute) = read_only_change(&before, &after) {
        return Err(ScimError::mutability(format!(
            "“{attribute}” is read-only: {}",
            if attribute == ROSTER_USER_SCHEMA {
                "the organization role is changed in Roster's console, account access through Groups."
            } else {
                "the server sets it."
            }
        )));
    }
    let wanted = requested_state(&after, Some(&current))?;
    save(state, caller, id, Some(current.version), &wanted).await
}

async fn save(
    state: &AppState,
    caller: &ScimCaller,
    id: i64,
    expected: Option<i64>,
    wanted: &ScimUserState,
) -> ScimResult<Value> {
    let welcome = WelcomeLink::new(state, caller.org_id, &wanted.email).await?;
    let actor = caller.actor(state.clock.now());
    let result = state
        .store
        .update_scim_user(&actor, id, expected, wanted, &welcome.welcome())
        .await?
        .map_err(refusal)?;
    outcome(result, id)?;
    state.mailer.wake();
    get_user(state, caller, id).await
}

/// How many times a PATCH (or a group's PUT) without If-Match is applied again when a change made
/// meanwhile beat it: it saves what it computed from what it read, so it must not overwrite that
/// change. Each round one of the racing requests wins, so a request that loses every round has
/// lost to as many others: twenty renames of one user at once on PostgreSQL left 4 of them
/// answered 412 after 16 rounds. Past this many changes to one resource at once, the client is
/// told to try again.
const PATCH_ATTEMPTS: usize = 64;

/// Runs `attempt` again (up to [`PATCH_ATTEMPTS`]) while it answers 412, when `unconditional`: a
/// PATCH sent without If-Match applies to the resource as it is then, so a concurrent change is
/// no reason to refuse it (its operations are read again on the newer state). With If-Match, the
/// client asked for exactly that version: 412 it is.
async fn retry_when_stale<F, Fut>(unconditional: bool, attempt: F) -> ScimResult<Value>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ScimResult<Value>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(error)
                if unconditional
                    && error.status == axum::http::StatusCode::PRECONDITION_FAILED
                    && tries < PATCH_ATTEMPTS =>
            {
                tries += 1;
            }
            answer => return answer,
        }
    }
}

/// DELETE follows the guide's rule 8: the user is deleted at once, but the accounts they own must
/// each get a new owner, which only a person chooses (in the console): such a user is refused.
pub async fn delete_user(
    state: &AppState,
    caller: &ScimCaller,
    id: i64,
    expected: Option<i64>,
) -> ScimResult<()> {
    let owned = state.store.accounts_owned_by(caller.org_id, id).await?;
    if !owned.is_empty() {
        return Err(owns_accounts(&owned));
    }
    let actor = caller.actor(state.clock.now());
    let result = state.store.delete_user(&actor, id, expected, &[]).await?;
    if let UpdateOutcome::Invalid("new_owners", _) = result {
        // They came to own an account while this request was under way.
        let owned = state.store.accounts_owned_by(caller.org_id, id).await?;
        if owned.is_empty() {
            return Err(ScimError::conflict(
                None,
                "The user's accounts changed during the deletion. Try again.",
            ));
        }
        return Err(owns_accounts(&owned));
    }
    outcome(result, id)
}

fn owns_accounts(names: &[String]) -> ScimError {
    ScimError::conflict(
        None,
        format!(
            "This user owns {}: {}. Deleting them needs a new owner for each, which an Owner or \
             Administrator chooses in Roster's console (Delete user on the user's page).",
            if names.len() == 1 {
                "an account"
            } else {
                "accounts"
            },
            names.join(", ")
        ),
    )
}

/// The read-only attribute a PATCH changed, if any (RFC 7644 §3.5.2: such an operation is refused).
/// `emails` is read-only too, but a copy of the userName that identity providers map their own
/// address to (Entra ID's `mail`): a change to it is ignored, not refused, so their updates of the
/// other attributes go through.
fn read_only_change(before: &Value, after: &Value) -> Option<&'static str> {
    ["id", "meta", "schemas", "groups", ROSTER_USER_SCHEMA]
        .into_iter()
        .find(|name| field(before, name) != field(after, name))
}

/// A User body names the User schema (RFC 7643 §3: `schemas` is required).
fn check_schemas(body: &Value) -> ScimResult<()> {
    let names_user = body["schemas"].as_array().is_some_and(|schemas| {
        schemas.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(USER_SCHEMA))
        })
    });
    if names_user {
        Ok(())
    } else {
        Err(ScimError::invalid_value(format!(
            "A User lists “{USER_SCHEMA}” in “schemas”."
        )))
    }
}

/// The group `id` names, with its account, if it is one of the organization's.
async fn group_account(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
) -> ScimResult<(ScimGroupAccount, AccountRole)> {
    let missing =
        || ScimError::not_found(format!("There is no group “{id}” in this organization."));
    let (account_id, role) = parse_group_id(id).ok_or_else(missing)?;
    let account = state
        .store
        .scim_group_accounts(caller.org_id, Some(account_id))
        .await?
        .pop()
        .ok_or_else(missing)?;
    Ok((account, role))
}

/// A group with its members.
async fn group_with_members(
    state: &AppState,
    caller: &ScimCaller,
    account: &ScimGroupAccount,
    role: AccountRole,
) -> ScimResult<Value> {
    let members = state
        .store
        .scim_group_members(caller.org_id, &[account.id])
        .await?;
    let all: Vec<&ScimGroupMember> = members.iter().collect();
    let holders = holders(&all, role);
    Ok(group_resource(
        account,
        role,
        Some(&holders),
        &base_url(state),
    ))
}

pub async fn get_group(state: &AppState, caller: &ScimCaller, id: &str) -> ScimResult<Value> {
    let (account, role) = group_account(state, caller, id).await?;
    group_with_members(state, caller, &account, role).await
}

/// `GET /Groups` and `POST /Groups/.search`: every account × role, filtered in memory (an
/// organization has thousands of accounts at most). Members are read for every group only when
/// the filter needs them, else for the page's groups alone when the answer shows them.
pub async fn list_groups(
    state: &AppState,
    caller: &ScimCaller,
    request: UserListRequest,
) -> ScimResult<Value> {
    let filter = request
        .filter
        .as_deref()
        .map(|text| parse_filter(text).map_err(|e| ScimError::invalid_filter(e.0)))
        .transpose()?;
    let sort_field = match request
        .sort_by
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => None,
        Some("id") => Some("id"),
        Some("displayname") => Some("displayName"),
        Some(_) => {
            return Err(ScimError::invalid_value(
                "Groups sort by “displayName” or “id”.",
            ))
        }
    };
    let attributes = attribute_list(request.attributes.as_deref())?;
    let excluded = attribute_list(request.excluded_attributes.as_deref())?;
    let members_shown = !excluded.iter().any(|p| p.is("members", None))
        && (attributes.is_empty() || attributes.iter().any(|p| p.is("members", None)));
    let all_members = filter.as_ref().is_some_and(needs_members);
    let accounts = state.store.scim_group_accounts(caller.org_id, None).await?;
    let base = base_url(state);
    let members = if all_members {
        let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
        state.store.scim_group_members(caller.org_id, &ids).await?
    } else {
        Vec::new()
    };
    let grouped = by_account(&members);
    // Each group as (account index, role); its JSON only where a filter or a sort reads it.
    let mut groups: Vec<(usize, AccountRole, Option<Value>)> = Vec::new();
    for (index, account) in accounts.iter().enumerate() {
        let of_account = grouped
            .get(&account.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for role in AccountRole::ALL {
            if filter.is_none() && sort_field.is_none() {
                groups.push((index, role, None));
                continue;
            }
            let holders = holders(of_account, role);
            let shown = all_members.then_some(holders.as_slice());
            let group = group_resource(account, role, shown, &base);
            if filter
                .as_ref()
                .is_none_or(|f| matches(f, &group, &groups_case_exact))
            {
                groups.push((index, role, Some(group)));
            }
        }
    }
    if let Some(field) = sort_field {
        groups.sort_by_key(|(_, _, g)| {
            g.as_ref()
                .and_then(|g| g[field].as_str())
                .unwrap_or_default()
                .to_lowercase()
        });
        if request.descending {
            groups.reverse();
        }
    }
    let total = groups.len();
    let (start_index, count) = request.page();
    let page: Vec<(usize, AccountRole)> = groups
        .into_iter()
        .skip(usize::try_from(start_index - 1).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or_default())
        .map(|(index, role, _)| (index, role))
        .collect();
    // The page's members, to show them (the versions come with the accounts).
    let page_members = if all_members || !members_shown {
        members
    } else {
        let mut ids: Vec<i64> = page.iter().map(|(index, ..)| accounts[*index].id).collect();
        ids.dedup();
        state.store.scim_group_members(caller.org_id, &ids).await?
    };
    let grouped = by_account(&page_members);
    let resources: Vec<Value> = page
        .into_iter()
        .map(|(index, role)| {
            let account = &accounts[index];
            let of_account = grouped
                .get(&account.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let holders = holders(of_account, role);
            let shown = members_shown.then_some(holders.as_slice());
            let group = group_resource(account, role, shown, &base);
            select_attributes(group, &attributes, &excluded)
        })
        .collect();
    Ok(json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

/// PATCH on a group: the operations apply to it as it is; the members it ends with are given the
/// role and the ones it lost lose it. Its name follows the account (400 mutability).
pub async fn patch_group(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> ScimResult<Value> {
    let operations = patch::parse_operations(body)?;
    retry_when_stale(if_match.is_none(), || async {
        let (account, role) = group_account(state, caller, id).await?;
        let before = group_with_members(state, caller, &account, role).await?;
        let mut after = before.clone();
        patch::apply(&mut after, &operations, GROUP_SCHEMA, &groups_case_exact)?;
        for name in ["id", "meta", "schemas", "displayName"] {
            if field(&before, name) != field(&after, name) {
                return Err(group_name_fixed(name));
            }
        }
        save_members(state, caller, &account, role, &before, &after, if_match).await
    })
    .await
}

/// PUT on a group: its members become the ones sent (its name cannot change).
pub async fn replace_group(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> ScimResult<Value> {
    retry_when_stale(if_match.is_none(), || async {
        let (account, role) = group_account(state, caller, id).await?;
        let before = group_with_members(state, caller, &account, role).await?;
        if let Some(name) = field(body, "displayName") {
            if Some(name) != field(&before, "displayName") {
                return Err(group_name_fixed("displayName"));
            }
        }
        save_members(state, caller, &account, role, &before, body, if_match).await
    })
    .await
}

/// Saves what `after` asks of the group `before` was read as: members to add and remove, and its
/// externalId when that changed. Only if the group is still as read (its version), and as
/// `if_match` names when sent: a change made in between answers 412 (retried when the client
/// sent no If-Match).
async fn save_members(
    state: &AppState,
    caller: &ScimCaller,
    account: &ScimGroupAccount,
    role: AccountRole,
    before: &Value,
    after: &Value,
    if_match: Option<&str>,
) -> ScimResult<Value> {
    let read_as = before["meta"]["version"].as_str().map(strip_weak);
    if if_match.is_some_and(|tag| Some(strip_weak(tag)) != read_as) {
        return Err(group_changed());
    }
    let had = member_ids(before)?;
    let wanted = member_ids(after)?;
    // Both are sorted (member_ids).
    let add: Vec<i64> = wanted
        .iter()
        .copied()
        .filter(|id| had.binary_search(id).is_err())
        .collect();
    let remove: Vec<i64> = had
        .iter()
        .copied()
        .filter(|id| wanted.binary_search(id).is_err())
        .collect();
    if add.len() + remove.len() > patch::MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "Change at most {} members per request.",
            patch::MAX_OPERATIONS
        )));
    }
    let external_before = group_external_id(before)?;
    let external_after = group_external_id(after)?;
    let external = (external_before != external_after).then_some(external_after.as_deref());
    let actor = caller.actor(state.clock.now());
    let result = state
        .store
        .change_group_members(
            &actor,
            account.id,
            role,
            &add,
            &remove,
            external,
            read_as.as_deref(),
            |access_version, external_id| {
                strip_weak(&group_version(access_version, role, external_id))
            },
        )
        .await?;
    match result {
        // Read again: the account's group ids changed too.
        Ok(()) => get_group(state, caller, &group_id(account.id, role)).await,
        Err(GroupRefusal::NotAMember(id)) => Err(ScimError::invalid_value(format!(
            "User “{id}” is not a managed user of this organization: only its Users can be members."
        ))),
        Err(GroupRefusal::Stale) => Err(group_changed()),
        Err(GroupRefusal::Refused(problem)) => Err(ScimError::conflict(None, problem)),
        Err(GroupRefusal::TokenRevoked) => Err(ScimError::unauthorized()),
    }
}

fn group_changed() -> ScimError {
    ScimError::new(
        axum::http::StatusCode::PRECONDITION_FAILED,
        None,
        "The group changed since the version named in If-Match. Read it again and retry.",
    )
}

/// A tag without its weakness marker: If-Match compares group versions as written.
fn strip_weak(tag: &str) -> String {
    tag.trim().trim_start_matches("W/").to_owned()
}

fn group_name_fixed(attribute: &str) -> ScimError {
    ScimError::mutability(format!(
        "“{attribute}” is read-only: a group is named after its account and role (rename the account in Roster)."
    ))
}
