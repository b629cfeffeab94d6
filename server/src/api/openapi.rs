//! The API's published contract: OpenAPI 3.1, generated from the handlers and the model's types,
//! served at `/api/v1/openapi.json`.

use roster_model::ErrorBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        description = "The JSON API of Roster, the user-management console of an organization. Every error answers `{\"error\": {\"code\", \"message\", \"field\"?}}` with a stable `code`. A browser session is the HttpOnly cookie `POST /session` sets; scripts and embedding hosts send `Authorization: Bearer <token>`. Every state-changing request carries the header `x-roster-csrf: 1`. Changes to a user name the version they are based on in `If-Match` (the `ETag` of the user).",
        license(name = "MIT"),
    ),
    servers((url = "/api/v1")),
    components(schemas(
        ErrorBody,
        roster_model::ApiError,
        roster_model::ErrorCode,
        roster_model::UserView,
        roster_model::SortField,
        roster_model::SortDir,
        roster_model::OrgRole,
        roster_model::AccountRole,
        roster_model::TwoFactorState,
        roster_model::UserStatus,
        roster_model::LastSignIn,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "session", description = "Signing in and out, one's password and two-factor enrolment"),
        (name = "users", description = "The tabs of the user-management page, and one user"),
        (name = "manage", description = "Changes to a member, and bulk actions"),
        (name = "accounts", description = "Accounts and their User access"),
        (name = "domains", description = "The organization's domains, verified over DNS"),
        (name = "invitations", description = "Invitations to the organization"),
        (name = "import", description = "Bulk import of existing users (a feature some organizations have)"),
        (name = "password_resets", description = "Set-password links an administrator's reset mails"),
        (name = "tokens", description = "API tokens (Owners)"),
        (name = "scim", description = "Provisioning tokens for identity providers, which reach the SCIM 2.0 service at /scim/v2 (Owners)"),
        (name = "audit", description = "The audit log"),
    )
)]
pub struct ApiDoc;

/// How callers prove who they are: the session cookie, a bearer token, and the anti-forgery header
/// every state-changing request carries.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The HttpOnly session cookie `POST /session` sets (`__Host-roster_session` over https).",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (API tokens page), or a JSON Web Token from the issuer an embedding host signs people in with (`--trusted-issuer`), as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                roster_model::CSRF_HEADER,
                "Every state-changing request sends this header with the value `1`.",
            ))),
        );
    }
}

/// The failures any operation may answer, each in the one error shape. (It only describes
/// responses: nothing builds it.)
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Errors {
    /// The request is malformed: not JSON of the documented shape, or a query parameter of the
    /// wrong type (`field` names it when there is one).
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Not signed in, the session or token has ended, or a password or code did not match.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// Signed in, but not allowed: not an Owner or Administrator, the anti-forgery header is
    /// missing, a two-factor enrolment comes first, or the feature is off for the organization.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such resource in the caller's organization (or no such route).
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// A rule forbids the change, or it clashes with the state of things (`message` says which).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The endpoint does not take that HTTP method (`Allow` lists the ones it takes).
    #[response(status = 405)]
    MethodNotAllowed(ErrorBody),
    /// The request body is larger than the API accepts.
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    /// A value breaks a rule of the product (`field` names it, `message` says which rule).
    #[response(status = 422)]
    InvalidValue(ErrorBody),
    /// Too many attempts: wait as long as `Retry-After` says.
    #[response(status = 429, headers(("Retry-After" = i64, description = "Seconds to wait")))]
    RateLimited(ErrorBody),
    /// Something went wrong on the server.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// The server is busy: try again after `Retry-After` seconds.
    #[response(status = 503, headers(("Retry-After" = i64, description = "Seconds to wait")))]
    Unavailable(ErrorBody),
}

/// The failures of a change to a versioned user, besides [`Errors`] (a description only, too).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum VersionErrors {
    /// Someone changed the user since the version named in `If-Match`.
    #[response(status = 412)]
    StaleVersion(ErrorBody),
    /// `If-Match` is missing.
    #[response(status = 428)]
    VersionRequired(ErrorBody),
}

#[cfg(test)]
mod tests {
    use roster_model::{
        MAX_ACCOUNT_INVITE_EMAILS, MAX_BULK_BATCH, MAX_EMAIL_LEN, MAX_INVITE_ACCOUNTS,
        MAX_INVITE_EMAILS, MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MAX_TOKEN_DAYS,
        MAX_TOKEN_NAME_CHARS, MIN_PASSWORD_CHARS,
    };
    use serde_json::Value;

    /// The published document, as JSON.
    fn document() -> Value {
        serde_json::to_value(super::super::router_document()).expect("document as JSON")
    }

    fn property(document: &Value, schema: &str, field: &str) -> Value {
        document["components"]["schemas"][schema]["properties"][field].clone()
    }

    #[test]
    fn every_referenced_schema_is_defined() {
        let document = document();
        let text = document.to_string();
        let schemas = document["components"]["schemas"]
            .as_object()
            .expect("schemas");
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(
                schemas.contains_key(name),
                "{name} is referenced but not defined"
            );
        }
    }

    /// The limits the schema publishes are the ones the server enforces.
    #[test]
    fn published_limits_are_the_enforced_ones() {
        let document = document();
        let limit = |schema: &str, field: &str, key: &str| {
            property(&document, schema, field)[key]
                .as_u64()
                .unwrap_or_else(|| panic!("{schema}.{field} has no {key}"))
        };
        let as_u64 = |n: usize| u64::try_from(n).expect("small");
        for (schema, field, max) in [
            ("ImportRequest", "ids", MAX_BULK_BATCH),
            ("BulkRequest", "ids", MAX_BULK_BATCH),
            ("InvitationIds", "ids", MAX_INVITE_EMAILS),
            ("NewInvitations", "emails", MAX_INVITE_EMAILS),
            ("CheckAddresses", "emails", MAX_INVITE_EMAILS),
            ("AccountInvite", "emails", MAX_ACCOUNT_INVITE_EMAILS),
        ] {
            assert_eq!(limit(schema, field, "minItems"), 1, "{schema}.{field}");
            assert_eq!(
                limit(schema, field, "maxItems"),
                as_u64(max),
                "{schema}.{field}"
            );
        }
        assert_eq!(
            limit("NewInvitations", "accounts", "maxItems"),
            as_u64(MAX_INVITE_ACCOUNTS)
        );
        for (schema, field, max) in [
            ("NewApiToken", "name", MAX_TOKEN_NAME_CHARS),
            ("NewScimToken", "name", MAX_TOKEN_NAME_CHARS),
            ("UserChange", "given_name", MAX_NAME_CHARS),
            ("UserChange", "family_name", MAX_NAME_CHARS),
            ("SignIn", "email", MAX_EMAIL_LEN),
            ("SignIn", "password", MAX_PASSWORD_CHARS),
            ("ChangePassword", "current_password", MAX_PASSWORD_CHARS),
            ("NewApiToken", "current_password", MAX_PASSWORD_CHARS),
            ("NewScimToken", "current_password", MAX_PASSWORD_CHARS),
            (
                "BeginTwoFactorSetup",
                "current_password",
                MAX_PASSWORD_CHARS,
            ),
            ("ChangePassword", "new_password", MAX_PASSWORD_CHARS),
            ("CompletePasswordReset", "password", MAX_PASSWORD_CHARS),
        ] {
            assert_eq!(
                limit(schema, field, "maxLength"),
                as_u64(max),
                "{schema}.{field}"
            );
        }
        for (schema, field) in [
            ("ChangePassword", "new_password"),
            ("CompletePasswordReset", "password"),
        ] {
            assert_eq!(
                limit(schema, field, "minLength"),
                as_u64(MIN_PASSWORD_CHARS),
                "{schema}.{field}"
            );
        }
        assert_eq!(
            limit("NewApiToken", "expires_in_days", "maximum"),
            u64::from(MAX_TOKEN_DAYS)
        );
    }
}
