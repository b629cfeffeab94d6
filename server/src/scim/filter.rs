//! SCIM filters and attribute paths (RFC 7644 §3.4.2.2 and §3.5.2): a tokenizer and a
//! recursive-descent parser for the grammar, and evaluation against a JSON resource (PATCH value
//! filters). Turning a filter into SQL is the store's job, from the tree built here.

use std::fmt;

use serde_json::Value;

/// An attribute path: `[URI:]name[.sub]`, e.g. `name.familyName` or
/// `urn:ietf:params:scim:schemas:core:2.0:User:userName`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    /// The schema URI in front of the name, when one was written.
    pub uri: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// Whether the path names `name` (and `sub`), case-insensitively as RFC 7643 §2.1 says.
    pub fn is(&self, name: &str, sub: Option<&str>) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && match (self.sub.as_deref(), sub) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        write!(f, "{}", self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

/// A comparison value: `false`, `null`, `true`, a number or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(AttrPath, CompareOp, CompValue),
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some value of the multi-valued (or complex) `attr` matches `filter`, whose
    /// paths are relative to that value.
    ValuePath(AttrPath, Box<Filter>),
}

impl Filter {
    /// How many comparisons testing one value against the filter makes at most.
    pub fn comparisons(&self) -> usize {
        match self {
            Filter::Compare(..) | Filter::Present(_) => 1,
            Filter::And(a, b) | Filter::Or(a, b) => a.comparisons() + b.comparisons(),
            Filter::Not(inner) | Filter::ValuePath(_, inner) => inner.comparisons(),
        }
    }
}

/// A PATCH path (RFC 7644 §3.5.2): `attrPath`, or `valuePath[.subAttr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter: `emails[type eq "work"].value`.
    pub sub: Option<String>,
}

/// Why a filter or path does not parse; the text says where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest filter or path read; longer ones are refused before any work.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses and `not` accepted (the parser recurses).
const MAX_DEPTH: usize = 32;
/// Most comparisons one filter (or PATCH path) holds. Identity providers send one to three; a
/// Groups filter on `members` is tested against every holder of every account, once per
/// comparison, so a filter of hundreds within the length limit would hold a core for seconds.
const MAX_COMPARISONS: usize = 20;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Number(f64),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokens(text: &str) -> Result<Vec<Token>, SyntaxError> {
    if text.len() > MAX_FILTER_LEN {
        return Err(SyntaxError(format!(
            "A filter is at most {MAX_FILTER_LEN} characters."
        )));
    }
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                // A JSON string: read to the closing quote that no backslash escapes.
                chars.next();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        end = Some(i);
                        break;
                    }
                }
                let end = end.ok_or_else(|| {
                    SyntaxError(format!("The string starting at {start} is not closed."))
                })?;
                let value: String = serde_json::from_str(&text[start..=end]).map_err(|_| {
                    SyntaxError(format!("The string starting at {start} is not valid JSON."))
                })?;
                // A NUL ends text early in SQLite's hands and is no character PostgreSQL's text
                // holds: nothing stored has one.
                if value.contains('\0') {
                    return Err(SyntaxError(format!(
                        "The string starting at {start} holds a NUL character."
                    )));
                }
                out.push(Token::Str(value));
            }
            '-' | '0'..='9' => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E') {
                        end = i + c.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let number = text[start..end]
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| {
                        SyntaxError(format!("“{}” is not a number.", &text[start..end]))
                    })?;
                out.push(Token::Number(number));
            }
            c if c.is_ascii_alphabetic() || c == '$' || c == '_' => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, '$' | '_' | '-' | ':' | '.') {
                        end = i + c.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Word(text[start..end].to_owned()));
            }
            other => {
                return Err(SyntaxError(format!(
                    "Unexpected “{other}” at position {start}."
                )))
            }
        }
    }
    Ok(out)
}

/// Splits `urn:…:Schema:name.sub` or `name.sub` into its parts.
fn attr_path(word: &str) -> Result<AttrPath, SyntaxError> {
    let (uri, rest) = match word.rfind(':') {
        Some(at) if word[..at].to_ascii_lowercase().starts_with("urn:") => {
            (Some(word[..at].to_owned()), &word[at + 1..])
        }
        Some(_) => return Err(SyntaxError(format!("“{word}” is not an attribute path."))),
        None => (None, word),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    let valid = |part: &str| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '$' | '_' | '-'))
    };
    if !valid(name) || sub.is_some_and(|sub| !valid(sub)) {
        return Err(SyntaxError(format!("“{word}” is not an attribute path.")));
    }
    Ok(AttrPath {
        uri,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    comparisons: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn deeper(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError("The filter nests too deeply.".to_owned()));
        }
        Ok(())
    }

    /// `or` binds loosest, then `and`, then `not` and parentheses.
    fn or(&mut self) -> Result<Filter, SyntaxError> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, SyntaxError> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, SyntaxError> {
        if self.peek_word("not") && matches!(self.tokens.get(self.at + 1), Some(Token::Open)) {
            self.next();
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if matches!(self.peek(), Some(Token::Open)) {
            return self.group();
        }
        self.attribute_expression()
    }

    fn group(&mut self) -> Result<Filter, SyntaxError> {
        self.deeper()?;
        self.next(); // "("
        let inner = self.or()?;
        if self.next() != Some(Token::Close) {
            return Err(SyntaxError("A “(” is not closed.".to_owned()));
        }
        self.depth -= 1;
        Ok(inner)
    }

    fn attribute_expression(&mut self) -> Result<Filter, SyntaxError> {
        let path = match self.next() {
            Some(Token::Word(word)) => attr_path(&word)?,
            Some(other) => {
                return Err(SyntaxError(format!(
                    "Expected an attribute, found {}.",
                    describe(&other)
                )))
            }
            None => return Err(SyntaxError("The filter ends too early.".to_owned())),
        };
        if matches!(self.peek(), Some(Token::OpenBracket)) {
            self.deeper()?;
            self.next();
            let inner = self.or()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(SyntaxError("A “[” is not closed.".to_owned()));
            }
            self.depth -= 1;
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(SyntaxError(format!(
                "A filter holds at most {MAX_COMPARISONS} comparisons."
            )));
        }
        let operator = match self.next() {
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(path))
            }
            Some(Token::Word(word)) => CompareOp::parse(&word)
                .ok_or_else(|| SyntaxError(format!("“{word}” is not a comparison operator.")))?,
            _ => return Err(SyntaxError(format!("Expected an operator after “{path}”."))),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => CompValue::Str(s),
            Some(Token::Number(n)) => CompValue::Number(n),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => CompValue::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => CompValue::Bool(false),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => CompValue::Null,
            _ => {
                return Err(SyntaxError(format!(
                    "Expected a value (a string in quotes, a number, true, false or null) after “{path}”."
                )))
            }
        };
        Ok(Filter::Compare(path, operator, value))
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("“{w}”"),
        Token::Str(s) => format!("the string “{s}”"),
        Token::Number(n) => format!("the number {n}"),
        Token::Open => "“(”".to_owned(),
        Token::Close => "“)”".to_owned(),
        Token::OpenBracket => "“[”".to_owned(),
        Token::CloseBracket => "“]”".to_owned(),
    }
}

/// Parses a filter (the `filter` query parameter, or the body of `/.search`).
pub fn parse_filter(text: &str) -> Result<Filter, SyntaxError> {
    let mut parser = Parser {
        tokens: tokens(text)?,
        at: 0,
        depth: 0,
        comparisons: 0,
    };
    if parser.tokens.is_empty() {
        return Err(SyntaxError("The filter is empty.".to_owned()));
    }
    let filter = parser.or()?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(SyntaxError(format!(
            "Unexpected {} after a complete filter.",
            describe(token)
        ))),
    }
}

/// Parses a PATCH operation's `path`.
pub fn parse_patch_path(text: &str) -> Result<PatchPath, SyntaxError> {
    let text = text.trim();
    let Some(open) = text.find('[') else {
        return Ok(PatchPath {
            attr: attr_path(text)?,
            filter: None,
            sub: None,
        });
    };
    let close = text
        .rfind(']')
        .filter(|&close| close > open)
        .ok_or_else(|| SyntaxError("A “[” is not closed.".to_owned()))?;
    let attr = attr_path(&text[..open])?;
    if attr.sub.is_some() {
        return Err(SyntaxError(format!(
            "“{}” cannot be followed by a value filter.",
            &text[..open]
        )));
    }
    let filter = parse_filter(&text[open + 1..close])?;
    let sub = match &text[close + 1..] {
        "" => None,
        rest => {
            let sub = rest.strip_prefix('.').ok_or_else(|| {
                SyntaxError(format!("“{rest}” after “]” is not a sub-attribute."))
            })?;
            attr_path(sub)?;
            Some(sub.to_owned())
        }
    };
    Ok(PatchPath {
        attr,
        filter: Some(filter),
        sub,
    })
}

/// Whether `value` (one value of a multi-valued attribute, or a resource) matches `filter`.
/// Strings compare without regard to case unless `case_exact` says the attribute is exact.
pub fn matches(filter: &Filter, value: &Value, case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, value, case_exact) && matches(b, value, case_exact),
        Filter::Or(a, b) => matches(a, value, case_exact) || matches(b, value, case_exact),
        Filter::Not(inner) => !matches(inner, value, case_exact),
        Filter::Present(path) => attribute_values(value, path).iter().any(|v| {
            !v.is_null() && v.as_str() != Some("") && v.as_array().is_none_or(|a| !a.is_empty())
        }),
        Filter::Compare(path, op, expected) => {
            let exact = case_exact(path);
            let values = attribute_values(value, path);
            if *op == CompareOp::Ne {
                // Not equal: no value (an absent attribute has none) equals it.
                return !values
                    .iter()
                    .any(|v| compare(v, CompareOp::Eq, expected, exact));
            }
            values.iter().any(|v| compare(v, *op, expected, exact))
        }
        Filter::ValuePath(path, inner) => attribute_values(value, path)
            .iter()
            .any(|v| matches(inner, v, case_exact)),
    }
}

/// The values at `path` in `value`: every element of a multi-valued attribute.
fn attribute_values<'a>(value: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let field = |object: &'a Value, name: &str| -> Option<&'a Value> {
        object
            .as_object()?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let scope = match &path.uri {
        // An extension's attributes live under its URI; a core schema's at the top.
        Some(uri) => field(value, uri).unwrap_or(value),
        None => value,
    };
    let Some(top) = field(scope, &path.name) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    match &path.sub {
        None => elements,
        Some(sub) => elements
            .into_iter()
            .filter_map(|element| field(element, sub))
            .collect(),
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &CompValue, exact: bool) -> bool {
    use std::cmp::Ordering;
    let ordering = match (actual, expected) {
        (Value::String(a), CompValue::Str(b)) => {
            let (a, b) = if exact {
                (a.clone(), b.clone())
            } else {
                (a.to_lowercase(), b.to_lowercase())
            };
            match op {
                CompareOp::Co => return a.contains(&b),
                CompareOp::Sw => return a.starts_with(&b),
                CompareOp::Ew => return a.ends_with(&b),
                _ => a.cmp(&b),
            }
        }
        (Value::Bool(a), CompValue::Bool(b)) => {
            return match op {
                CompareOp::Eq => a == b,
                CompareOp::Ne => a != b,
                _ => false,
            }
        }
        (Value::Number(a), CompValue::Number(b)) => match a.as_f64().and_then(|a| a.partial_cmp(b))
        {
            Some(ordering) => ordering,
            None => return false,
        },
        (Value::Null, CompValue::Null) => Ordering::Equal,
        _ => return op == CompareOp::Ne,
    };
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            uri: None,
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        }
    }

    fn eq(name: &str, value: &str) -> Filter {
        Filter::Compare(
            path(name, None),
            CompareOp::Eq,
            CompValue::Str(value.to_owned()),
        )
    }

    /// Every example filter of RFC 7644 §3.4.2.2 parses.
    #[test]
    fn the_rfc_examples_parse() {
        for example in [
            r#"userName Eq "john""#,
            r#"Username eq "john""#,
            r#"userName eq "bjensen""#,
            r#"name.familyName co "O'Malley""#,
            r#"userName sw "J""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            "title pr",
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            r#"title pr and userType eq "Employee""#,
            r#"title pr or userType eq "Intern""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        ] {
            parse_filter(example).unwrap_or_else(|e| panic!("{example}: {e}"));
        }
    }

    /// Nothing stored holds a NUL; a tab may be in an identity provider's externalId.
    #[test]
    fn a_string_with_a_nul_is_refused() {
        for bad in [
            r#"userName co "ab\u0000cd""#,
            r#"emails[value co "\u0000"]"#,
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
        assert!(parse_filter(r#"externalId eq "a\tb""#).is_ok());
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let parsed = parse_filter(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap();
        assert_eq!(
            parsed,
            Filter::Or(
                Box::new(eq("a", "1")),
                Box::new(Filter::And(Box::new(eq("b", "2")), Box::new(eq("c", "3"))))
            )
        );
        let grouped = parse_filter(r#"(a eq "1" or b eq "2") and c eq "3""#).unwrap();
        assert!(matches!(grouped, Filter::And(..)));
        let negated = parse_filter(r#"not (a eq "1")"#).unwrap();
        assert_eq!(negated, Filter::Not(Box::new(eq("a", "1"))));
    }

    #[test]
    fn paths_values_and_uris_are_read() {
        let parsed = parse_filter(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "O\"Malley""#,
        )
        .unwrap();
        let Filter::Compare(path, CompareOp::Eq, CompValue::Str(value)) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(
            path.uri.as_deref(),
            Some("urn:ietf:params:scim:schemas:core:2.0:User")
        );
        assert!(path.is("NAME", Some("FamilyName")));
        assert_eq!(value, "O\"Malley");
        assert_eq!(
            parse_filter("active eq true").unwrap(),
            Filter::Compare(path_of("active"), CompareOp::Eq, CompValue::Bool(true))
        );
        assert_eq!(
            parse_filter("x gt -1.5e2").unwrap(),
            Filter::Compare(path_of("x"), CompareOp::Gt, CompValue::Number(-150.0))
        );
    }

    fn path_of(name: &str) -> AttrPath {
        path(name, None)
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        for (filter, says) in [
            ("", "empty"),
            (r#"userName eq"#, "Expected a value"),
            (r#"userName xx "a""#, "not a comparison operator"),
            (r#"userName eq "a"#, "not closed"),
            (r#"(userName eq "a""#, "not closed"),
            (r#"emails[type eq "work""#, "not closed"),
            (r#"userName eq "a" userName"#, "after a complete filter"),
            (r#"userName eq bob"#, "Expected a value"),
            ("userName eq \"a\" and", "ends too early"),
            ("a.b.c eq 1", "not an attribute path"),
            ("# eq 1", "Unexpected"),
        ] {
            let error = parse_filter(filter).expect_err(filter);
            assert!(error.0.contains(says), "{filter}: {error}");
        }
        let deep = format!("{}a pr{}", "(".repeat(40), ")".repeat(40));
        assert!(parse_filter(&deep).unwrap_err().0.contains("too deeply"));
        assert!(parse_filter(&"a".repeat(MAX_FILTER_LEN + 1)).is_err());
        // Comparisons are counted, those inside value paths too, each of which a Groups filter
        // on members runs against every holder.
        let of = |n: usize| {
            (0..n)
                .map(|i| format!(r#"members[value eq "{i}"]"#))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        assert!(parse_filter(&of(MAX_COMPARISONS)).is_ok());
        assert!(parse_filter(&of(MAX_COMPARISONS + 1)).is_err());
        let flat = (0..=MAX_COMPARISONS)
            .map(|i| format!(r#"userName eq "{i}""#))
            .collect::<Vec<_>>();
        assert!(parse_filter(&flat[1..].join(" or ")).is_ok());
        assert!(parse_filter(&flat.join(" or ")).is_err());
    }

    /// The PATCH paths of RFC 7644 §3.5.2 and the ones Entra ID and Okta send.
    #[test]
    fn patch_paths_parse() {
        let p = parse_patch_path(r#"emails[type eq "work"].value"#).unwrap();
        assert!(p.attr.is("emails", None));
        assert_eq!(p.sub.as_deref(), Some("value"));
        assert_eq!(p.filter, Some(eq("type", "work")));
        let p = parse_patch_path(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#)
            .unwrap();
        assert!(p.attr.is("members", None) && p.sub.is_none());
        let p = parse_patch_path("name.familyName").unwrap();
        assert!(p.attr.is("name", Some("familyName")) && p.filter.is_none());
        let p = parse_patch_path(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        )
        .unwrap();
        assert!(p.attr.is("employeeNumber", None) && p.attr.uri.is_some());
        assert!(parse_patch_path("emails[type eq \"work\"]value").is_err());
        assert!(parse_patch_path("name.givenName[type eq \"x\"]").is_err());
        assert!(parse_patch_path("emails[type eq \"work\"").is_err());
    }

    #[test]
    fn filters_match_json_with_the_rfc_case_rules() {
        let user = json!({
            "userName": "Bjensen@Example.com",
            "name": { "familyName": "Jensen" },
            "active": true,
            "emails": [
                { "value": "bjensen@example.com", "type": "work" },
                { "value": "babs@home.example", "type": "home" }
            ],
            "externalId": "AbC"
        });
        let exact = |p: &AttrPath| p.is("externalId", None);
        let yes = |f: &str| matches(&parse_filter(f).unwrap(), &user, &exact);
        assert!(yes(r#"userName eq "bjensen@example.com""#));
        assert!(yes(r#"name.familyName sw "jen""#));
        assert!(yes(r#"emails[type eq "home" and value ew ".example"]"#));
        assert!(!yes(r#"emails[type eq "work" and value ew ".example"]"#));
        assert!(yes(r#"emails.value co "babs""#));
        assert!(yes("active eq true and externalId pr"));
        assert!(!yes(r#"externalId eq "abc""#));
        assert!(yes(r#"externalId eq "AbC""#));
        assert!(yes(r#"not (title pr)"#));
        assert!(yes(r#"title ne "x""#));
        assert!(!yes(r#"userName gt "c""#));
        assert!(yes(r#"userName lt "c""#));
    }
}
