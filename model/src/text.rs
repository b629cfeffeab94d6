//! What free text people type (names, token names) may hold.

/// Why `text` cannot be stored, or None. Control characters (CR and LF forge lines in mail headers
/// and the audit log, NUL truncates), the line and paragraph separators (U+2028, U+2029: lines
/// too), the bidirectional controls that reorder what a reader sees (U+202E turns "exe.txt"
/// into "txt.exe") and characters that show nothing at all are refused.
pub fn hidden_character_problem(text: &str) -> Option<&'static str> {
    if text.chars().any(is_hidden_control) {
        return Some(
            "Use visible characters only: line breaks, tabs and other control characters are not allowed.",
        );
    }
    has_mark_without_letter(text).then_some(
        "Use visible characters only: an accent or other mark must follow the letter it belongs to.",
    )
}

/// Whether a combining mark or a variation selector stands where it marks nothing: first, or
/// after a space, so that a name of marks alone shows as blank. After a letter, an emoji or an
/// ideograph they are part of the name (decomposed accents, emoji presentation, Japanese names'
/// ideographic variants, Mongolian letters' forms).
fn has_mark_without_letter(text: &str) -> bool {
    let mut before: Option<char> = None;
    text.chars().any(|c| {
        // A joiner joins letters; a mark after it marks nothing either.
        let no_letter_before =
            before.is_none_or(|b| b.is_whitespace() || matches!(b, '\u{200C}' | '\u{200D}'));
        let marks_nothing = no_letter_before && (is_combining_mark(c) || is_variation_selector(c));
        before = Some(c);
        marks_nothing
    })
}

/// Combining marks, which draw on the character before them: the combining diacritical blocks,
/// and the points, vowel signs and tone marks of Hebrew, Arabic, Devanagari and Thai (not every
/// script's: the app carries this rule too, and Unicode's category table would weigh more than
/// it does).
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0591}'..='\u{05BD}'
            | '\u{05BF}'
            | '\u{05C1}'..='\u{05C2}'
            | '\u{05C4}'..='\u{05C5}'
            | '\u{05C7}'
            | '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{06D6}'..='\u{06DC}'
            | '\u{06DF}'..='\u{06E4}'
            | '\u{06E7}'..='\u{06E8}'
            | '\u{06EA}'..='\u{06ED}'
            | '\u{0900}'..='\u{0903}'
            | '\u{093A}'..='\u{094F}'
            | '\u{0951}'..='\u{0957}'
            | '\u{0962}'..='\u{0963}'
            | '\u{0E31}'
            | '\u{0E34}'..='\u{0E3A}'
            | '\u{0E47}'..='\u{0E4E}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Variation selectors (emoji and text presentation, ideographic variants) and Mongolian free
/// variation selectors: they choose a form of the character before them.
fn is_variation_selector(c: char) -> bool {
    matches!(
        c,
        '\u{180B}'..='\u{180D}' | '\u{180F}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}'
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
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
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
            "\u{2800}",
        ] {
            assert!(hidden_character_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn marks_and_selectors_that_mark_nothing_are_refused() {
        for bad in [
            "\u{0336}\u{0336}",
            "Ada \u{0301}",
            "\u{FE0F}",
            "Ada \u{FE0F}",
            "\u{E0100}",
            "\u{180B}",
            "\u{05B8}",
            "\u{064E}",
            "\u{0E34}",
            "\u{200C}\u{0301}",
            "Ada\u{1BCA0}",
        ] {
            assert!(hidden_character_problem(bad).is_some(), "{bad:?}");
        }
        for good in [
            "Jose\u{0301}",
            "e\u{0301}\u{0302}",
            "\u{2764}\u{FE0F}",
            "\u{845B}\u{E0100}",
            "\u{1820}\u{180B}",
            "1\u{FE0F}\u{20E3}",
            "Vie\u{0302}\u{0323}t",
            "\u{05E9}\u{05B8}\u{05DC}\u{05D5}\u{05B9}\u{05DD}",
            "\u{0645}\u{064F}\u{062D}\u{064E}\u{0645}\u{0651}\u{064E}\u{062F}",
            "\u{0938}\u{0941}\u{0930}\u{0947}\u{0936}",
            "\u{0E2A}\u{0E38}\u{0E23}\u{0E34}\u{0E22}\u{0E32}",
        ] {
            assert_eq!(hidden_character_problem(good), None, "{good:?}");
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
