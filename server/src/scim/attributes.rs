//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes of a resource
//! an answer carries.

use serde_json::Value;

use super::error::{ScimError, ScimResult};
use super::filter::AttrPath;
use super::schema::ROSTER_USER_SCHEMA;

/// A member of a JSON object, its name matched without regard to case (RFC 7643 §2.1).
pub fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Keeps the attributes a request asked for (`attributes`) or drops those it did not want
/// (`excludedAttributes`); `id` and `schemas` always stay (RFC 7643 §7: returned "always").
pub fn select_attributes(resource: Value, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    let Value::Object(mut object) = resource else {
        return resource;
    };
    let always = |key: &str| key == "id" || key == "schemas";
    if !attributes.is_empty() {
        let mut kept = serde_json::Map::new();
        for (key, value) in object {
            if always(&key) {
                kept.insert(key, value);
                continue;
            }
            let wanted: Vec<&AttrPath> = attributes.iter().filter(|p| in_scope(p, &key)).collect();
            if wanted.is_empty() {
                continue;
            }
            let value = if key.starts_with("urn:") {
                keep_in_extension(value, &wanted)
            } else if wanted.iter().any(|p| p.sub.is_none()) {
                value
            } else {
                keep_subs(value, &wanted)
            };
            kept.insert(key, value);
        }
        object = kept;
    }
    for path in excluded {
        let key = object
            .keys()
            .find(|key| in_scope(path, key) && !always(key))
            .cloned();
        let Some(key) = key else { continue };
        if key.starts_with("urn:") && path.uri.is_some() {
            if let Some(Value::Object(extension)) = object.get_mut(&key) {
                extension.retain(|name, _| !name.eq_ignore_ascii_case(&path.name));
            }
        } else if let Some(sub) = &path.sub {
            if let Some(Value::Object(inner)) = object.get_mut(&key) {
                inner.retain(|name, _| !name.eq_ignore_ascii_case(sub));
            }
        } else {
            object.remove(&key);
        }
    }
    Value::Object(object)
}

/// Whether `path` names the top-level member `key` (a core attribute or an extension's object).
fn in_scope(path: &AttrPath, key: &str) -> bool {
    if key.starts_with("urn:") {
        return path
            .uri
            .as_deref()
            .is_some_and(|uri| uri.eq_ignore_ascii_case(key))
            || (path.uri.is_none() && path.name.eq_ignore_ascii_case(key));
    }
    path.uri
        .as_deref()
        .is_none_or(|uri| !uri.eq_ignore_ascii_case(ROSTER_USER_SCHEMA))
        && path.name.eq_ignore_ascii_case(key)
}

fn keep_subs(value: Value, wanted: &[&AttrPath]) -> Value {
    let keep = |item: Value| match item {
        Value::Object(inner) => Value::Object(
            inner
                .into_iter()
                .filter(|(name, _)| {
                    wanted.iter().any(|p| {
                        p.sub
                            .as_deref()
                            .is_some_and(|s| s.eq_ignore_ascii_case(name))
                    })
                })
                .collect(),
        ),
        other => other,
    };
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(keep).collect()),
        other => keep(other),
    }
}

fn keep_in_extension(value: Value, wanted: &[&AttrPath]) -> Value {
    // `urn:…:User` alone keeps the whole extension; `urn:…:User:accounts` keeps that attribute.
    if wanted.iter().any(|p| p.uri.is_none()) {
        return value;
    }
    match value {
        Value::Object(inner) => Value::Object(
            inner
                .into_iter()
                .filter(|(name, _)| wanted.iter().any(|p| p.name.eq_ignore_ascii_case(name)))
                .collect(),
        ),
        other => other,
    }
}

/// Parses `attributes`/`excludedAttributes`: comma-separated attribute paths.
pub fn attribute_list(text: Option<&str>) -> ScimResult<Vec<AttrPath>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            // A bare extension URN names the whole extension.
            if part.eq_ignore_ascii_case(ROSTER_USER_SCHEMA) {
                return Ok(AttrPath {
                    uri: None,
                    name: ROSTER_USER_SCHEMA.to_owned(),
                    sub: None,
                });
            }
            super::filter::parse_patch_path(part)
                .ok()
                .filter(|path| path.filter.is_none())
                .map(|path| path.attr)
                .ok_or_else(|| {
                    ScimError::bad_request(
                        "invalidValue",
                        format!("“{part}” is not an attribute path."),
                    )
                })
        })
        .collect()
}
