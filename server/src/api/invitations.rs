//! `/invitations`: checking addresses, inviting many at once (idempotently), resending, revoking,
//! and — without a session — a link's preview and its acceptance.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use roster_model::{
    AcceptInvitation, AcceptedInvitation, AddressCheck, CheckAddresses, InvitationActionResponse,
    InvitationIds, InvitationPreview, InviteResponse, NewInvitations,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{IdempotencyKey, Json, LinkToken};
use super::openapi::Errors;
use super::session::signed_in;
use crate::authz::{client, Manager};
use crate::error::AppResult;
use crate::ops::invitations::{self, Accepted};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(check))
        .routes(routes!(resend))
        .routes(routes!(revoke))
        .routes(routes!(accept))
        .routes(routes!(preview))
}

/// How each address would fare if invited, as the invite wizard shows while the admin types.
#[utoipa::path(post, path = "/invitations/check", tag = "invitations",
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = CheckAddresses,
    responses((status = 200, body = Vec<AddressCheck>), Errors))]
async fn check(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<CheckAddresses>,
) -> AppResult<Json<Vec<AddressCheck>>> {
    Ok(Json(
        invitations::check(&state, &caller, &request.emails).await?,
    ))
}

/// Invites every address (1 to 1,000) with the same account roles; only addresses on a verified
/// domain of the organization can be invited. A result per address; a repeated `Idempotency-Key`
/// replays the first answer.
#[utoipa::path(post, path = "/invitations", tag = "invitations",
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[!-~]+$", description = "Send one to retry safely: the same key replays the first answer. Keys are each person's own; an API token's are its creator's")),
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = NewInvitations,
    responses((status = 200, body = InviteResponse, headers(("Idempotent-Replayed" = Option<String>, description = "true when this is the first answer replayed"))), Errors))]
async fn create(
    State(state): State<AppState>,
    Manager(caller): Manager,
    IdempotencyKey(key): IdempotencyKey,
    Json(request): Json<NewInvitations>,
) -> AppResult<Response> {
    let answer = invitations::create(&state, &caller, key.as_deref(), &request).await?;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        answer.body,
    )
        .into_response();
    if answer.replayed {
        response.headers_mut().insert(
            header::HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// Sends pending invitations again with new links and expiries (not within 5 minutes of the last,
/// nor an invitation to join whose address is no longer on a verified domain of the organization).
#[utoipa::path(post, path = "/invitations/resend", tag = "invitations",
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = InvitationIds,
    responses((status = 200, body = InvitationActionResponse), Errors))]
async fn resend(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<InvitationIds>,
) -> AppResult<Json<InvitationActionResponse>> {
    Ok(Json(
        invitations::resend(&state, &caller, &request.ids).await?,
    ))
}

/// Revokes pending invitations: their links stop working.
#[utoipa::path(post, path = "/invitations/revoke", tag = "invitations",
    security(("session" = [], "csrf" = []), ("bearer" = [], "csrf" = [])),
    request_body = InvitationIds,
    responses((status = 200, body = InvitationActionResponse), Errors))]
async fn revoke(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<InvitationIds>,
) -> AppResult<Json<InvitationActionResponse>> {
    Ok(Json(
        invitations::revoke(&state, &caller, &request.ids).await?,
    ))
}

/// What an invitation link offers (no session needed); a used, expired or revoked link shows only
/// its state, as does a pending invitation to join whose address is no longer on a verified domain
/// of the organization (it cannot be accepted).
#[utoipa::path(get, path = "/invitations/token/{token}", tag = "invitations",
    params(("token" = String, Path, description = "The token of the invitation link")),
    responses((status = 200, body = InvitationPreview), Errors))]
async fn preview(
    State(state): State<AppState>,
    LinkToken(token): LinkToken,
) -> AppResult<Json<InvitationPreview>> {
    Ok(Json(invitations::preview(&state, &token).await?))
}

/// Accepts an invitation (no session needed): joins the organization and signs in, or — for an
/// invitation to accounts alone — answers the access it gives. `409` when it is no longer pending,
/// or when joining and the address is no longer on a verified domain of the organization.
#[utoipa::path(post, path = "/invitations/accept", tag = "invitations",
    security(("csrf" = [])),
    request_body = AcceptInvitation,
    responses((status = 200, description = "A member's new session (Me, with the session cookie), or an external user's access (ExternalAccess)", body = AcceptedInvitation), Errors))]
async fn accept(
    State(state): State<AppState>,
    parts: Parts,
    Json(request): Json<AcceptInvitation>,
) -> AppResult<Response> {
    let client = client(&parts);
    match invitations::accept(&state, &client.addr, &request).await? {
        Accepted::Member(caller, token) => signed_in(&state, &caller, &token, client.https).await,
        Accepted::External(access) => Ok(Json(access).into_response()),
    }
}
