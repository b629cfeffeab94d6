//! Counts and dates spelled for people, the same in the app and in the server's first paint of
//! the Managed list (which must read exactly as the app will).

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Nov 26, 2026" from a year, a month counted from 0 (as JavaScript's Date counts) and a day of
/// the month.
pub fn calendar_date(year: i32, month: u32, day: u32) -> String {
    let month = MONTHS.get(month as usize).copied().unwrap_or("?");
    format!("{month} {day}, {year}")
}

/// "7:42 PM" from a 24-hour clock's hour and minute.
pub fn clock_time(hour: u32, minute: u32) -> String {
    let (twelve_hour, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!("{twelve_hour}:{minute:02} {half}")
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

/// "A", "A and B", "A, B and C".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_a_sentence() {
        let list =
            |items: &[&str]| and_list(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&[]), "");
        assert_eq!(list(&["A"]), "A");
        assert_eq!(list(&["A", "B"]), "A and B");
        assert_eq!(list(&["A", "B", "C"]), "A, B and C");
    }

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

    #[test]
    fn dates_read_as_in_en_us() {
        assert_eq!(calendar_date(2026, 10, 26), "Nov 26, 2026");
        assert_eq!(calendar_date(2027, 0, 1), "Jan 1, 2027");
        assert_eq!(calendar_date(2026, 11, 31), "Dec 31, 2026");
        assert_eq!(clock_time(0, 5), "12:05 AM");
        assert_eq!(clock_time(9, 30), "9:30 AM");
        assert_eq!(clock_time(12, 0), "12:00 PM");
        assert_eq!(clock_time(19, 42), "7:42 PM");
        assert_eq!(clock_time(23, 59), "11:59 PM");
    }
}
