//! What free text people type (names, token names) may hold.

/// Why `text` cannot be stored, or None. Control characters (CR and LF forge lines in mail headers
/// and the audit log, NUL truncates), the line and paragraph separators (U+2028, U+2029: lines
/// too), the bidirectional controls that reorder what a reader sees (U+202E turns "exe.txt"
/// into "txt.exe") and characters that show nothing at all are refused.
pub fn hidden_character_problem(text: &str) -> Option<&'static str> {
    text.chars().any(is_hidden_control).then_some(
        "Use visible characters only: line breaks, tabs and other control characters are not allowed.",
    )
}

fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
        || is_invisible(c)
}

/// Characters that show nothing and have no place in a name or a label: they make a blank name,
/// or one that looks like another's ("Maya\u{200B}Chen"), or hide text (the tag characters).
/// The joiners U+200C and U+200D stay allowed: Persian and Indic names need them.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Why a name, which mail subjects carry, cannot be stored, or None: as
/// [`hidden_character_problem`], and no "=?", with which an RFC 2047 encoded word begins. Mail
/// programs decode such a word wherever it stands in a subject, so a name made of one would show
/// the recipient whatever it encodes (line breaks, reordered text) though it is plain ASCII here.
pub fn name_text_problem(text: &str) -> Option<&'static str> {
    hidden_character_problem(text).or_else(|| {
        text.contains("=?")
            .then_some("A name cannot contain “=?”, which mail programs read as encoded text.")
    })
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
            "Ada\u{2028}Forged line",
            "Ada\u{2029}",
            "Maya\u{200B}Chen",
            "\u{3164}",
            "Ada\u{E0041}\u{E0042}",
            "Ada\u{00AD}",
            "\u{FEFF}Ada",
        ] {
            assert!(hidden_character_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn names_hold_no_encoded_words() {
        let encoded = "=?utf-8?b?4oCuSVQgU2VjdXJpdHkgVGVhbQ0KWC1TcG9vZmVkOiAx?=";
        assert!(name_text_problem(encoded).is_some());
        assert!(name_text_problem("Ada =?x").is_some());
        assert!(name_text_problem("Ada\nLovelace").is_some());
        for good in ["Ada Lovelace", "Who? = Ada", "Ada=Lovelace?"] {
            assert_eq!(name_text_problem(good), None, "{good:?}");
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
            "می\u{200C}خواهم",
            "क्\u{200D}ष",
        ] {
            assert_eq!(hidden_character_problem(good), None, "{good:?}");
        }
    }
}
