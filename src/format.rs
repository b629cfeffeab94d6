//! Human formatting of API values.

use roster_model::Timestamp;

/// "Nov 26, 2026" in the browser's time zone.
pub fn date(ts: Timestamp) -> String {
    let millis = ts as f64 * 1000.0;
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis));
    let options = js_sys::Object::new();
    for (key, value) in [("year", "numeric"), ("month", "short"), ("day", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date.to_locale_date_string("en-US", &options))
}

/// "Nov 26, 2026, 7:42 PM" in the browser's time zone.
pub fn date_time(ts: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts as f64 * 1000.0));
    let options = js_sys::Object::new();
    for (key, value) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "numeric"),
        ("minute", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date.to_locale_string("en-US", &options))
}

/// A date, or an em dash for "never".
pub fn optional_date(ts: Option<Timestamp>) -> String {
    ts.map(date).unwrap_or_else(|| "—".to_owned())
}

/// "1 user", "34 users".
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// A count that may be a lower bound (`at_least`: counting stopped there): "10000+".
pub fn tally(n: u64, at_least: bool) -> String {
    if at_least {
        format!("{n}+")
    } else {
        n.to_string()
    }
}

/// [`count`] of a count that may be a lower bound: "10000+ users".
pub fn count_at_least(n: u64, at_least: bool, singular: &str, plural: &str) -> String {
    if at_least {
        format!("{} {plural}", tally(n, true))
    } else {
        count(n, singular, plural)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(1, "user", "users"), "1 user");
        assert_eq!(
            count_at_least(10_000, true, "user", "users"),
            "10000+ users"
        );
        assert_eq!(count_at_least(1, false, "user", "users"), "1 user");
        assert_eq!(tally(7, false), "7");
        assert_eq!(count(0, "user", "users"), "0 users");
        assert_eq!(count(34, "account", "accounts"), "34 accounts");
    }
}
