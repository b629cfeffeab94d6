//! `/invitations`: checking addresses, inviting many at once (idempotently), resending, revoking,
//! and — without a session — a link's preview and its acceptance.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use roster_model::{
    AcceptInvitation, AddressCheck, CheckAddresses, InvitationActionResponse, InvitationIds,
    InvitationPreview, NewInvitations,
};

use super::extract::{IdempotencyKey, Json};
use super::session::signed_in;
use crate::authz::{client, Manager};
use crate::error::AppResult;
use crate::ops::invitations::{self, Accepted};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invitations", post(create))
        .route("/invitations/check", post(check))
        .route("/invitations/resend", post(resend))
        .route("/invitations/revoke", post(revoke))
        .route("/invitations/accept", post(accept))
        .route("/invitations/token/{token}", get(preview))
}

/// `POST /invitations/check`: how each address would fare.
async fn check(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<CheckAddresses>,
) -> AppResult<Json<Vec<AddressCheck>>> {
    Ok(Json(
        invitations::check(&state, &caller, &request.emails).await?,
    ))
}

/// `POST /invitations`: a result per address; a repeated `Idempotency-Key` replays the first answer.
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

/// `POST /invitations/resend`.
async fn resend(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<InvitationIds>,
) -> AppResult<Json<InvitationActionResponse>> {
    Ok(Json(
        invitations::resend(&state, &caller, &request.ids).await?,
    ))
}

/// `POST /invitations/revoke`.
async fn revoke(
    State(state): State<AppState>,
    Manager(caller): Manager,
    Json(request): Json<InvitationIds>,
) -> AppResult<Json<InvitationActionResponse>> {
    Ok(Json(
        invitations::revoke(&state, &caller, &request.ids).await?,
    ))
}

/// `GET /invitations/token/{token}` (no session needed).
async fn preview(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Json<InvitationPreview>> {
    Ok(Json(invitations::preview(&state, &token).await?))
}

/// `POST /invitations/accept` (no session needed): joins and signs in, or — for an invitation to
/// accounts alone — answers the access given.
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
