//! PATCH (RFC 7644 §3.5.2): operations applied to a resource's JSON, in order, all or nothing.
//! The caller then reads the resource's new state from the result and checks it as a whole.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::attributes::field;
use super::error::{ScimError, ScimResult};
use super::filter::{matches, parse_patch_path, AttrPath, CompValue, CompareOp, Filter, PatchPath};
use super::schema::PATCH_SCHEMA;

/// Most operations one PATCH request may carry.
pub const MAX_OPERATIONS: usize = 1000;
/// Values of multi-valued attributes one PATCH request may go through, counted once per
/// comparison of a value filter: at least this many (about a tenth of a second of work)…
pub const MAX_VALUES_VISITED: usize = 1_000_000;
/// …or this many times the values the resource holds: an identity provider's PATCH of a large
/// group goes through its members a few dozen times at most. Within the body limit, hundreds of
/// filtered removals against thousands of members just added would hold a core for seconds.
const VISITS_PER_VALUE_HELD: usize = 50;

/// What is left of a request's [`MAX_VALUES_VISITED`].
struct Visits(usize);

impl Visits {
    fn spend(&mut self, values: usize) -> ScimResult<()> {
        self.0 = self.0.checked_sub(values).ok_or_else(|| {
            ScimError::invalid_value(
                "This PATCH goes through too many values: send its operations in several requests.",
            )
        })?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Replace,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// The operations of a PatchOp request body.
pub fn parse_operations(body: &Value) -> ScimResult<Vec<Operation>> {
    let schemas_ok = body["schemas"].as_array().is_some_and(|s| {
        s.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_SCHEMA))
        })
    });
    if !schemas_ok {
        return Err(ScimError::invalid_value(format!(
            "A PATCH body lists “{PATCH_SCHEMA}” in “schemas”."
        )));
    }
    let operations = field(body, "Operations")
        .and_then(Value::as_array)
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| {
            ScimError::invalid_value("A PATCH body has a non-empty “Operations” array.")
        })?;
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "Send at most {MAX_OPERATIONS} operations per PATCH."
        )));
    }
    operations
        .iter()
        .map(|operation| {
            let op = match field(operation, "op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("add") => Op::Add,
                Some("replace") => Op::Replace,
                Some("remove") => Op::Remove,
                _ => {
                    return Err(ScimError::invalid_value(
                        "Each operation's “op” is “add”, “replace” or “remove”.",
                    ))
                }
            };
            let path = match field(operation, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(path)) => {
                    Some(parse_patch_path(path).map_err(|e| ScimError::invalid_path(e.0))?)
                }
                Some(_) => return Err(ScimError::invalid_path("“path” is a string.")),
            };
            let value = field(operation, "value").cloned();
            if op != Op::Remove && value.is_none() {
                return Err(ScimError::invalid_value(
                    "An “add” or “replace” operation has a “value”.",
                ));
            }
            if op == Op::Remove && path.is_none() {
                return Err(ScimError::bad_request(
                    "noTarget",
                    "A “remove” operation names its target in “path”.",
                ));
            }
            Ok(Operation { op, path, value })
        })
        .collect()
}

/// The key `name` has in `object` (its existing spelling), or `name` itself.
fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|key| key.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

/// Applies `operations` in order to `resource`, whose core schema is `core_schema` (attributes of
/// other schemas live under their URI). `case_exact` tells value filters which attributes
/// compare exactly.
pub fn apply(
    resource: &mut Value,
    operations: &[Operation],
    core_schema: &str,
    case_exact: &dyn Fn(&AttrPath) -> bool,
) -> ScimResult<()> {
    let held: usize = resource.as_object().map_or(0, |attributes| {
        attributes
            .values()
            .filter_map(Value::as_array)
            .map(Vec::len)
            .sum()
    });
    let visits = &mut Visits(MAX_VALUES_VISITED.max(held.saturating_mul(VISITS_PER_VALUE_HELD)));
    for operation in operations {
        match &operation.path {
            Some(path) => apply_at(
                resource,
                operation.op,
                path,
                operation.value.as_ref(),
                core_schema,
                case_exact,
                visits,
            )?,
            None => {
                // No path: the value is an object of attributes (or of dotted paths, as Entra ID
                // sends) to add or replace.
                let Some(Value::Object(attributes)) = &operation.value else {
                    return Err(ScimError::invalid_value(
                        "Without a “path”, the “value” is an object of the attributes to set.",
                    ));
                };
                for (name, value) in attributes {
                    if name.to_ascii_lowercase().starts_with("urn:")
                        && value.is_object()
                        && !name.eq_ignore_ascii_case(core_schema)
                    {
                        // An extension's attributes, under its URI.
                        if let Some(inner) = value.as_object() {
                            for (sub, sub_value) in inner {
                                let path = parse_patch_path(&format!("{name}:{sub}"))
                                    .map_err(|e| ScimError::invalid_path(e.0))?;
                                apply_at(
                                    resource,
                                    operation.op,
                                    &path,
                                    Some(sub_value),
                                    core_schema,
                                    case_exact,
                                    visits,
                                )?;
                            }
                        }
                        continue;
                    }
                    let path = parse_patch_path(name).map_err(|e| ScimError::invalid_path(e.0))?;
                    apply_at(
                        resource,
                        operation.op,
                        &path,
                        Some(value),
                        core_schema,
                        case_exact,
                        visits,
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// The object that holds `attr`: the resource for the core schema, else the extension's object.
fn holder<'a>(
    resource: &'a mut Value,
    attr: &AttrPath,
    core_schema: &str,
) -> ScimResult<&'a mut Map<String, Value>> {
    let root = resource
        .as_object_mut()
        .ok_or_else(|| ScimError::invalid_value("The resource is not an object."))?;
    match &attr.uri {
        Some(uri) if !uri.eq_ignore_ascii_case(core_schema) => {
            let key = key_of(root, uri);
            let extension = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if !extension.is_object() {
                *extension = Value::Object(Map::new());
            }
            extension
                .as_object_mut()
                .ok_or_else(|| ScimError::invalid_path(format!("“{uri}” is not an extension.")))
        }
        _ => Ok(root),
    }
}

fn apply_at(
    resource: &mut Value,
    op: Op,
    path: &PatchPath,
    value: Option<&Value>,
    core_schema: &str,
    case_exact: &dyn Fn(&AttrPath) -> bool,
    visits: &mut Visits,
) -> ScimResult<()> {
    // A path that is a whole extension's URI (`urn:…:User`) names its object at the top.
    if let Some(uri) = &path.attr.uri {
        let whole = format!("{uri}:{}", path.attr.name);
        if declares(resource, &whole) {
            let path = PatchPath {
                attr: AttrPath {
                    uri: None,
                    name: whole,
                    sub: path.attr.sub.clone(),
                },
                filter: path.filter.clone(),
                sub: path.sub.clone(),
            };
            return apply_at(resource, op, &path, value, core_schema, case_exact, visits);
        }
    }
    let object = holder(resource, &path.attr, core_schema)?;
    let key = key_of(object, &path.attr.name);
    // Each operation goes through the values there and those it brings, at most.
    let values = |value: Option<&Value>| value.and_then(Value::as_array).map_or(1, Vec::len);
    visits.spend(values(object.get(&key)) + values(value))?;
    if let Some(filter) = &path.filter {
        // Every value there is tested against the filter.
        let tested = values(object.get(&key)).saturating_mul(filter.comparisons());
        visits.spend(tested)?;
        return apply_filtered(
            object,
            &key,
            op,
            filter,
            path.sub.as_deref(),
            value,
            case_exact,
        );
    }
    match (&path.attr.sub, op) {
        (Some(sub), Op::Remove) => {
            if let Some(target) = object.get_mut(&key) {
                for element in elements_mut(target) {
                    if let Some(element) = element.as_object_mut() {
                        let sub_key = key_of(element, sub);
                        element.remove(&sub_key);
                    }
                }
            }
        }
        (None, Op::Remove) => match (object.get_mut(&key), value) {
            // Entra ID removes group members as `"path": "members", "value": [{"value": id}]`:
            // only the values listed go, not the whole attribute.
            (Some(Value::Array(items)), Some(Value::Array(gone))) => {
                let gone: HashSet<String> = gone.iter().map(identity).collect();
                items.retain(|item| !gone.contains(&identity(item)));
                if items.is_empty() {
                    object.remove(&key);
                }
            }
            _ => {
                object.remove(&key);
            }
        },
        (Some(sub), Op::Add | Op::Replace) => {
            let value = value.cloned().unwrap_or(Value::Null);
            let parent = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            if parent.is_array() {
                return Err(ScimError::invalid_path(format!(
                    "“{}” has many values: pick one with a filter, as in {}[type eq \"work\"].{sub}.",
                    path.attr.name, path.attr.name
                )));
            }
            if !parent.is_object() {
                *parent = Value::Object(Map::new());
            }
            if let Some(parent) = parent.as_object_mut() {
                let sub_key = key_of(parent, sub);
                parent.insert(sub_key, value);
            }
        }
        (None, Op::Add) => {
            let value = value.cloned().unwrap_or(Value::Null);
            match (object.get_mut(&key), value) {
                (Some(Value::Array(existing)), Value::Array(more)) => {
                    // A value already there is not added again (a set, so a large add stays linear).
                    let mut present: HashSet<String> =
                        existing.iter().map(Value::to_string).collect();
                    for item in more {
                        if present.insert(item.to_string()) {
                            existing.push(item);
                        }
                    }
                }
                (Some(Value::Array(existing)), item) => {
                    if !existing.contains(&item) {
                        existing.push(item);
                    }
                }
                (Some(Value::Object(existing)), Value::Object(more)) => merge(existing, more),
                (_, value) => {
                    object.insert(key, value);
                }
            }
        }
        (None, Op::Replace) => {
            let value = value.cloned().unwrap_or(Value::Null);
            match (object.get_mut(&key), value) {
                // Replacing a complex attribute sets the sub-attributes given, leaving the rest.
                (Some(Value::Object(existing)), Value::Object(more)) => merge(existing, more),
                (_, value) => {
                    object.insert(key, value);
                }
            }
        }
    }
    Ok(())
}

/// Whether `resource` has the schema `urn` (in `schemas`, or as an extension's object).
fn declares(resource: &Value, urn: &str) -> bool {
    let listed = field(resource, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas
                .iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
        });
    listed || field(resource, urn).is_some()
}

/// What makes a value of a multi-valued attribute the one it is: its `value` when it has one (a
/// member listed with or without its `display`, its id as a number or a string), else all of it.
fn identity(item: &Value) -> String {
    match field(item, "value") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(other) => other.to_string(),
        None => item.to_string(),
    }
}

fn merge(existing: &mut Map<String, Value>, more: Map<String, Value>) {
    for (name, value) in more {
        let key = key_of(existing, &name);
        existing.insert(key, value);
    }
}

fn elements_mut(value: &mut Value) -> Vec<&mut Value> {
    match value {
        Value::Array(items) => items.iter_mut().collect(),
        other => vec![other],
    }
}

/// `attr[filter]` and `attr[filter].sub`: the values of a multi-valued attribute that match.
fn apply_filtered(
    object: &mut Map<String, Value>,
    key: &str,
    op: Op,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<&Value>,
    case_exact: &dyn Fn(&AttrPath) -> bool,
) -> ScimResult<()> {
    let items = object
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(items) = items else {
        return Err(ScimError::invalid_path(format!(
            "“{key}” is not multi-valued: it takes no value filter."
        )));
    };
    let matching: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches(filter, item, case_exact))
        .map(|(index, _)| index)
        .collect();
    match op {
        Op::Remove => {
            match sub {
                Some(sub) => {
                    for &index in &matching {
                        if let Some(item) = items[index].as_object_mut() {
                            let sub_key = key_of(item, sub);
                            item.remove(&sub_key);
                        }
                    }
                }
                None => {
                    let matching: HashSet<usize> = matching.into_iter().collect();
                    let mut index = 0;
                    items.retain(|_| {
                        let keep = !matching.contains(&index);
                        index += 1;
                        keep
                    });
                }
            }
            if items.is_empty() {
                object.remove(key);
            }
        }
        Op::Add | Op::Replace => {
            let value = value.cloned().unwrap_or(Value::Null);
            if matching.is_empty() {
                // Nothing matches: the value becomes a new one, carrying what the filter asked
                // for (Entra ID and Okta set `emails[type eq "work"].value` this way).
                let mut item = equalities(filter);
                match (sub, value) {
                    (Some(sub), value) => {
                        item.insert(sub.to_owned(), value);
                    }
                    (None, Value::Object(more)) => merge(&mut item, more),
                    (None, _) => {
                        return Err(ScimError::invalid_value(format!(
                            "The value for “{key}[…]” is an object."
                        )))
                    }
                }
                items.push(Value::Object(item));
                return Ok(());
            }
            for &index in &matching {
                let Some(item) = items[index].as_object_mut() else {
                    continue;
                };
                match (sub, &value) {
                    (Some(sub), value) => {
                        let sub_key = key_of(item, sub);
                        item.insert(sub_key, value.clone());
                    }
                    (None, Value::Object(more)) => merge(item, more.clone()),
                    (None, _) => {
                        return Err(ScimError::invalid_value(format!(
                            "The value for “{key}[…]” is an object."
                        )))
                    }
                }
            }
        }
    }
    Ok(())
}

/// The `attr eq "value"` terms of a filter joined by `and`: what a new value must carry to match.
fn equalities(filter: &Filter) -> Map<String, Value> {
    let mut out = Map::new();
    match filter {
        Filter::And(a, b) => {
            out.extend(equalities(a));
            out.extend(equalities(b));
        }
        Filter::Compare(path, CompareOp::Eq, value) if path.sub.is_none() && path.uri.is_none() => {
            let value = match value {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => {
                    serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number)
                }
                CompValue::Null => Value::Null,
            };
            out.insert(path.name.clone(), value);
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

    fn patched(mut resource: Value, body: Value) -> ScimResult<Value> {
        let operations = parse_operations(&body)?;
        apply(&mut resource, &operations, CORE, &|_| false)?;
        Ok(resource)
    }

    fn body(operations: Value) -> Value {
        json!({ "schemas": [PATCH_SCHEMA], "Operations": operations })
    }

    fn user() -> Value {
        json!({
            "schemas": [CORE],
            "userName": "bjensen@example.com",
            "name": { "givenName": "Barbara", "familyName": "Jensen" },
            "emails": [
                { "value": "bjensen@example.com", "type": "work", "primary": true },
                { "value": "babs@home.example", "type": "home" }
            ],
            "members": [{ "value": "1" }, { "value": "2" }],
            "active": true
        })
    }

    /// RFC 7644 §3.5.2.1: add with a path to a multi-valued attribute appends.
    #[test]
    fn add_appends_to_multi_valued_attributes_and_sets_others() {
        let out = patched(user(), body(json!([
            { "op": "add", "path": "members", "value": [{ "value": "3" }] },
            { "op": "add", "value": { "nickName": "Babs", "emails": [{ "value": "b@x.example", "type": "other" }] } }
        ]))).unwrap();
        assert_eq!(out["members"].as_array().unwrap().len(), 3);
        assert_eq!(out["nickName"], "Babs");
        assert_eq!(out["emails"].as_array().unwrap().len(), 3);
    }

    /// RFC 7644 §3.5.2.2: remove a value by filter, a whole attribute, a sub-attribute.
    #[test]
    fn remove_by_filter_attribute_and_sub_attribute() {
        let out = patched(
            user(),
            body(json!([
                { "op": "remove", "path": "members[value eq \"2\"]" },
                { "op": "remove", "path": "name.givenName" },
                { "op": "remove", "path": "emails[type eq \"home\"]" }
            ])),
        )
        .unwrap();
        assert_eq!(out["members"], json!([{ "value": "1" }]));
        assert_eq!(out["name"], json!({ "familyName": "Jensen" }));
        assert_eq!(out["emails"].as_array().unwrap().len(), 1);
        let out = patched(user(), body(json!([{ "op": "remove", "path": "members" }]))).unwrap();
        assert!(out.get("members").is_none());
        // Entra ID's shape: a remove with the values to take away.
        let out = patched(
            user(),
            body(json!([
                { "op": "Remove", "path": "members", "value": [{ "value": "1", "display": "Ann" }] }
            ])),
        )
        .unwrap();
        assert_eq!(out["members"], json!([{ "value": "2" }]));
        // An id sent as a number is the same member.
        let out = patched(
            user(),
            body(json!([
                { "op": "remove", "path": "members", "value": [{ "value": 2 }] }
            ])),
        )
        .unwrap();
        assert_eq!(out["members"], json!([{ "value": "1" }]));
        let error = patched(user(), body(json!([{ "op": "remove" }]))).unwrap_err();
        assert_eq!(error.scim_type, Some("noTarget"));
    }

    /// RFC 7644 §3.5.2.3: replace a whole attribute, a complex one's sub-attributes, a filtered
    /// value's sub-attribute; and the shapes Entra ID and Okta send.
    #[test]
    fn replace_in_the_shapes_identity_providers_send() {
        let out = patched(user(), body(json!([
            { "op": "replace", "path": "members", "value": [{ "value": "9" }] },
            { "op": "replace", "path": "name", "value": { "givenName": "Babs" } },
            { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com" },
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "Replace", "value": { "name.familyName": "Jensen-Smith", "userName": "bj@example.com" } }
        ]))).unwrap();
        assert_eq!(out["members"], json!([{ "value": "9" }]));
        assert_eq!(
            out["name"],
            json!({ "givenName": "Babs", "familyName": "Jensen-Smith" })
        );
        assert_eq!(out["emails"][0]["value"], "barbara@example.com");
        assert_eq!(out["emails"][1]["value"], "babs@home.example");
        assert_eq!(out["active"], "False");
        assert_eq!(out["userName"], "bj@example.com");
    }

    #[test]
    fn a_filter_that_matches_nothing_adds_a_value_that_matches_it() {
        let mut resource = user();
        resource.as_object_mut().unwrap().remove("emails");
        let out = patched(resource, body(json!([
            { "op": "add", "path": "emails[type eq \"work\"].value", "value": "new@example.com" }
        ]))).unwrap();
        assert_eq!(
            out["emails"],
            json!([{ "type": "work", "value": "new@example.com" }])
        );
    }

    #[test]
    fn extension_attributes_live_under_their_uri() {
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let out = patched(
            user(),
            body(json!([
                { "op": "add", "path": format!("{ext}:employeeNumber"), "value": "701984" },
                { "op": "replace", "value": { ext: { "department": "Tour" } } }
            ])),
        )
        .unwrap();
        assert_eq!(
            out[ext],
            json!({ "employeeNumber": "701984", "department": "Tour" })
        );
    }

    #[test]
    fn a_request_goes_through_a_bounded_number_of_values() {
        let members: Vec<Value> = (0..8000)
            .map(|id| json!({ "value": id.to_string() }))
            .collect();
        let any_of = (0..20)
            .map(|i| format!("value eq \"x{i}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        let removal = json!({ "op": "remove", "path": format!("members[{any_of}]") });
        // One filtered removal against 8,000 members is an identity provider's size of work.
        let mut operations = vec![json!({ "op": "add", "path": "members", "value": members })];
        operations.push(removal.clone());
        let out = patched(user(), body(Value::Array(operations.clone()))).unwrap();
        // (Members "1" and "2" were there already.)
        assert_eq!(out["members"].as_array().unwrap().len(), 8000);
        // Hundreds of them are refused before they are done, not after.
        operations.extend(std::iter::repeat_n(removal, 300));
        let error = patched(user(), body(Value::Array(operations))).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
        assert!(error.detail.contains("too many values"), "{}", error.detail);
        // A group of 100,000 members takes two dozen filtered removals in one request.
        let mut group = user();
        group["members"] = (0..100_000)
            .map(|id| json!({ "value": id.to_string() }))
            .collect();
        let removals: Vec<Value> = (0..24)
            .map(|id| json!({ "op": "remove", "path": format!("members[value eq \"{id}\"]") }))
            .collect();
        let out = patched(group, body(Value::Array(removals))).unwrap();
        assert_eq!(out["members"].as_array().unwrap().len(), 100_000 - 24);
    }

    #[test]
    fn malformed_requests_are_refused_with_their_scim_type() {
        let error = parse_operations(&json!({ "Operations": [] })).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
        let error = parse_operations(&body(json!([{ "op": "move", "path": "x", "value": 1 }])))
            .unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
        let error = parse_operations(&body(
            json!([{ "op": "add", "path": "emails[type eq", "value": 1 }]),
        ))
        .unwrap_err();
        assert_eq!(error.scim_type, Some("invalidPath"));
        let error = patched(
            user(),
            body(json!([{ "op": "add", "path": "emails.value", "value": "x" }])),
        )
        .unwrap_err();
        assert_eq!(error.scim_type, Some("invalidPath"));
        let error = patched(user(), body(json!([{ "op": "add", "value": "x" }]))).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
    }
}
