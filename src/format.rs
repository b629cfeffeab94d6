//! Human formatting of API values.

use roster_model::Timestamp;

use roster_model::human_format::{calendar_date, clock_time};
pub use roster_model::human_format::{count, count_at_least, tally};

/// A timestamp as a Date, read in the browser's time zone.
fn local(ts: Timestamp) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts as f64 * 1000.0))
}

/// "Nov 26, 2026" in the browser's time zone. Spelled from the Date's local-time fields rather
/// than by `toLocaleDateString`: with options, every such call builds a new ICU formatter (about
/// 1 ms each, 60 ms for a page of the list under a desktop CPU, four times that on a phone), and
/// the words are English anyway.
pub fn date(ts: Timestamp) -> String {
    let date = local(ts);
    calendar_date(
        date.get_full_year() as i32,
        date.get_month(),
        date.get_date(),
    )
}

/// "Nov 26, 2026, 7:42 PM" in the browser's time zone.
pub fn date_time(ts: Timestamp) -> String {
    let date = local(ts);
    format!(
        "{}, {}",
        calendar_date(
            date.get_full_year() as i32,
            date.get_month(),
            date.get_date()
        ),
        clock_time(date.get_hours(), date.get_minutes())
    )
}

/// A date, or an em dash for "never".
pub fn optional_date(ts: Option<Timestamp>) -> String {
    ts.map(date).unwrap_or_else(|| "—".to_owned())
}
