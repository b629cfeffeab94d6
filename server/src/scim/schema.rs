//! What the service provider says about itself (RFC 7643 §5–§7): its configuration, resource
//! types and schemas — only what Roster really supports.

use serde_json::{json, Value};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Roster's extension of a User: the organization role and account access, read-only (access is
/// granted through Groups).
pub const ROSTER_USER_SCHEMA: &str = "urn:roster:params:scim:schemas:extension:roster:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Most resources one page returns, whatever `count` asks.
pub const MAX_RESULTS: u32 = 200;
/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Requests one token may make per second, and in a burst.
pub const REQUESTS_PER_SECOND: u32 = 50;
pub const REQUEST_BURST: u32 = 500;

fn attribute(name: &str, kind: &str, mutability: &str, description: &str) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": description,
        "required": false,
        "caseExact": false,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": "none",
    })
}

fn complex(
    name: &str,
    multi: bool,
    mutability: &str,
    description: &str,
    subs: Vec<Value>,
) -> Value {
    let mut value = attribute(name, "complex", mutability, description);
    value["multiValued"] = multi.into();
    value["subAttributes"] = subs.into();
    value
}

fn meta(base: &str, resource_type: &str, id: &str) -> Value {
    let location = match resource_type {
        "Schema" => format!("{base}/Schemas/{id}"),
        "ResourceType" => format!("{base}/ResourceTypes/{id}"),
        _ => format!("{base}/{id}"),
    };
    json!({ "resourceType": resource_type, "location": location })
}

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Provisioning token",
            "description": format!(
                "A provisioning token an Owner creates on Roster's Provisioning page, sent as \
                 “Authorization: Bearer <token>”. Limits: {REQUESTS_PER_SECOND} requests a second per token \
                 (bursts of {REQUEST_BURST}), request bodies up to {} KiB, pages of up to {MAX_RESULTS} resources.",
                MAX_BODY_BYTES / 1024
            ),
            "primary": true,
        }],
        "meta": meta(base, "ServiceProviderConfig", "ServiceProviderConfig"),
    })
}

pub fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A managed user of the organization.",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{ "schema": ROSTER_USER_SCHEMA, "required": false }],
        "meta": meta(base, "ResourceType", "User"),
    })
}

pub fn group_resource_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "A role on one of the organization's accounts (“<account> · <role>”); its members hold that role there.",
        "schema": GROUP_SCHEMA,
        "meta": meta(base, "ResourceType", "Group"),
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![user_resource_type(base), group_resource_type(base)]
}

pub fn group_schema(base: &str) -> Value {
    let mut display_name = attribute(
        "displayName",
        "string",
        "readOnly",
        "“<account> · <role>”: the group follows the account and the role.",
    );
    display_name["required"] = true.into();
    let mut value = attribute(
        "value",
        "string",
        "immutable",
        "The id of a User: a managed user of the organization.",
    );
    value["caseExact"] = true.into();
    let mut reference = attribute("$ref", "reference", "immutable", "The User's URI.");
    reference["referenceTypes"] = json!(["User"]);
    reference["caseExact"] = true.into();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A role on one of the organization's accounts.",
        "attributes": [
            display_name,
            complex("members", true, "readWrite", "The managed users who hold the role on the account. Adding Administrator clears Developer and Billing Manager, which it holds.", vec![
                value,
                reference,
                            ]),
        ],
        "meta": meta(base, "Schema", GROUP_SCHEMA),
    })
}

pub fn user_schema(base: &str) -> Value {
    let mut user_name = attribute(
        "userName",
        "string",
        "readWrite",
        "The person's email address, with which they sign in. Its domain must be a verified domain of the organization.",
    );
    user_name["required"] = true.into();
    user_name["uniqueness"] = "server".into();
    let display_name = attribute(
        "displayName",
        "string",
        "readWrite",
        "The name the identity provider displays, as it sent it (Roster's console shows the given and family name).",
    );
    let email =
        |name: &str, kind: &str, description: &str| attribute(name, kind, "readOnly", description);
    // Every user is active or suspended: the state can be set, not removed (true when not sent).
    let mut active = attribute(
        "active",
        "boolean",
        "readWrite",
        "False suspends the user: they cannot sign in and their sessions end at once; accounts and roles stay. True when not sent.",
    );
    active["required"] = true.into();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A managed user of the organization.",
        "attributes": [
            user_name,
            complex("name", false, "readWrite", "The person's name.", vec![
                attribute("givenName", "string", "readWrite", "Given name."),
                attribute("familyName", "string", "readWrite", "Family name."),
            ]),
            display_name,
            complex("emails", true, "readOnly", "The sign-in address as a work email (it is the userName; change userName to change it).", vec![
                email("value", "string", "The address."),
                email("type", "string", "Always “work”."),
                email("primary", "boolean", "Always true."),
            ]),
            active,
            complex("groups", true, "readOnly", "The groups the user is in: their roles on the organization's accounts (changed through Groups).", vec![
                attribute("value", "string", "readOnly", "The group's id."),
                attribute("display", "string", "readOnly", "The group's name."),
                {
                    let mut reference = attribute("$ref", "reference", "readOnly", "The group's URI.");
                    reference["referenceTypes"] = json!(["Group"]);
                    reference
                },
            ]),
        ],
        "meta": meta(base, "Schema", USER_SCHEMA),
    })
}

pub fn roster_user_schema(base: &str) -> Value {
    let mut roles = attribute(
        "roles",
        "string",
        "readOnly",
        "Roles on the account: Administrator, Developer, Billing Manager, Support.",
    );
    roles["multiValued"] = true.into();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": ROSTER_USER_SCHEMA,
        "name": "RosterUser",
        "description": "What the organization grants the user in Roster.",
        "attributes": [
            attribute("organizationRole", "string", "readOnly", "Owner, Administrator or Member: changed in Roster's console only."),
            complex("accounts", true, "readOnly", "The organization's accounts the user can access or owns.", vec![
                attribute("value", "string", "readOnly", "The account's id."),
                attribute("display", "string", "readOnly", "The account's name."),
                roles,
                attribute("owner", "boolean", "readOnly", "The user owns the account."),
            ]),
        ],
        "meta": meta(base, "Schema", ROSTER_USER_SCHEMA),
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    vec![
        user_schema(base),
        group_schema(base),
        roster_user_schema(base),
    ]
}

/// A ListResponse of every item at once (discovery lists are short).
pub fn list_of(items: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": items.len(),
        "startIndex": 1,
        "itemsPerPage": items.len(),
        "Resources": items,
    })
}
