//! What free text people type (names, token names) may hold.

/// Why `text` cannot be stored, or None. Control characters (CR and LF forge lines in mail headers
/// and the audit log, NUL truncates) and the bidirectional controls that reorder what a reader sees
/// (U+202E turns "exe.txt" into "txt.exe") are refused.
pub fn hidden_character_problem(text: &str) -> Option<&'static str> {
    text.chars().any(is_hidden_control).then_some(
        "Use visible characters only: line breaks, tabs and other control characters are not allowed.",
    )
}

fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_refused() {
        for bad in [
            "Ada\r\nBcc: x@evil.example",
            "Ada\0",
            "Ada\tLovelace",
            "Ada\u{202E}exe.txt",
            "\u{2066}Ada",
            "Ada\u{200F}",
            "Ada\u{7f}",
        ] {
            assert!(hidden_character_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn ordinary_names_in_any_script_pass() {
        for good in [
            "Ada Lovelace",
            "Zoë O'Brien-Núñez",
            "李 小龍",
            "محمد",
            "Ｆｕｌｌ",
        ] {
            assert_eq!(hidden_character_problem(good), None, "{good:?}");
        }
    }
}
