//! How the console looks on an admin's browser: the theme and the user lists' hidden columns they
//! chose, and the browser's time zone. The app keeps its choices in localStorage and, on its own
//! page, all three in cookies of the same names, so that the server's first paint of the Managed
//! list looks as the app will.

use std::collections::BTreeSet;

use serde::Deserialize;

/// Light or dark colours, or whichever the system prefers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Auto, Theme::Light, Theme::Dark];

    pub fn name(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::Auto => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    pub fn from_name(name: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|theme| theme.name() == name)
    }
}

/// Where the theme is kept (localStorage key and cookie name).
pub const THEME_KEY: &str = "roster-theme";

/// Where the hidden columns are kept (localStorage key and cookie name): their keys, separated by
/// dots (commas, which older versions wrote, are read too: a cookie value may not hold them).
pub const HIDDEN_COLUMNS_KEY: &str = "roster-hidden-columns";

/// The cookie with the browser's offset from UTC in minutes, as JavaScript's
/// `Date.getTimezoneOffset` gives it (UTC minus local time: 480 in California in winter).
pub const UTC_OFFSET_KEY: &str = "roster-utc-offset";

/// An offset from [`UTC_OFFSET_KEY`], if it is one: time zones lie within 14 hours of UTC.
pub fn utc_offset_minutes(kept: &str) -> Option<i32> {
    kept.parse()
        .ok()
        .filter(|minutes: &i32| minutes.abs() <= 14 * 60)
}

/// The columns of the user lists an admin may hide, by key, with their names in the column menu.
pub const OPTIONAL_COLUMNS: [(&str, &str); 4] = [
    ("two_factor", "Two-factor"),
    ("last_sign_in", "Last sign-in"),
    ("accounts", "Accounts"),
    ("joined", "Joined or imported"),
];

/// The hidden columns written as kept ("accounts.joined"): the keys of [`OPTIONAL_COLUMNS`] only.
pub fn hidden_columns(kept: &str) -> BTreeSet<String> {
    kept.split(['.', ','])
        .filter(|key| OPTIONAL_COLUMNS.iter().any(|(known, _)| known == key))
        .map(str::to_owned)
        .collect()
}

/// The hidden columns as kept: the inverse of [`hidden_columns`].
pub fn kept_hidden_columns(hidden: &BTreeSet<String>) -> String {
    hidden
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(".")
}

/// The class of a user list's table that hides `hidden` (style/roster.css).
pub fn user_table_class(hidden: &BTreeSet<String>) -> String {
    hidden.iter().fold("roster-table".to_owned(), |class, key| {
        class + " roster-table--hide-" + key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_columns_keep_known_keys_only() {
        let hidden = hidden_columns("joined,,accounts,password\" onclick=\"x,joined");
        assert_eq!(
            hidden.iter().map(String::as_str).collect::<Vec<_>>(),
            ["accounts", "joined"]
        );
        assert_eq!(kept_hidden_columns(&hidden), "accounts.joined");
        assert_eq!(hidden_columns(&kept_hidden_columns(&hidden)), hidden);
        assert_eq!(
            user_table_class(&hidden),
            "roster-table roster-table--hide-accounts roster-table--hide-joined"
        );
        assert_eq!(user_table_class(&BTreeSet::new()), "roster-table");
        assert!(hidden_columns("").is_empty());
        assert_eq!(hidden_columns("joined.accounts"), hidden);
    }

    #[test]
    fn utc_offsets_lie_within_fourteen_hours() {
        assert_eq!(utc_offset_minutes("480"), Some(480));
        assert_eq!(utc_offset_minutes("-840"), Some(-840));
        assert_eq!(utc_offset_minutes("0"), Some(0));
        for not_one in ["841", "-100000", "", "8h", "4.5"] {
            assert_eq!(utc_offset_minutes(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn themes_are_known_by_name() {
        for theme in Theme::ALL {
            assert_eq!(Theme::from_name(theme.name()), Some(theme));
        }
        assert_eq!(Theme::from_name("sepia"), None);
    }
}
