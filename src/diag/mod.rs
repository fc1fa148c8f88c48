//! Diagnostics shared by every input stage: where a problem is (file and JSON path), what it is,
//! and how it renders.
//!
//! Takes facts from the parsers (`config`, `request`, `output`) and returns [`Diagnostic`]s that
//! render as `error: ca-config.json: signing.profiles.peer.expiry: invalid duration "1y"` with an
//! optional `help:` line. Validation gathers every problem of a file before it fails, so one run
//! shows them all (the cargo-deny pattern; docs/style.md, "Errors and messages").

pub mod gojson;
pub mod json_lines;

pub use json_lines::JsonLines;

use std::fmt;

/// A position inside a JSON document, rendered `a.b[2].c`, or `$` for the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonPath(String);

impl JsonPath {
    /// The document root.
    pub fn root() -> Self {
        Self::default()
    }

    /// The path of an object member. Keys that are not plain identifiers are quoted, so a
    /// profile named `my peer` shows as `signing.profiles["my peer"]`.
    pub fn key(&self, key: &str) -> Self {
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let mut s = self.0.clone();
        if plain {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(key);
        } else {
            s.push_str(&format!("[{}]", quote(key)));
        }
        Self(s)
    }

    /// The path of an array element.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// True when this path is `ancestor` or lies inside it (`hosts[1]` is within `hosts`).
    pub(crate) fn is_within(&self, ancestor: &JsonPath) -> bool {
        match self.0.strip_prefix(&ancestor.0) {
            Some(rest) => ancestor.0.is_empty() || rest.is_empty() || rest.starts_with(['.', '[']),
            None => false,
        }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("$")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// Where a problem is: the file as the user named it, and the JSON path inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file name as given on the command line (`-` for standard input).
    pub file: String,
    /// The JSON path; `None` for problems about the file as a whole.
    pub path: Option<JsonPath>,
}

impl Location {
    /// A location in `file` at `path`.
    pub fn at(file: &str, path: JsonPath) -> Self {
        Self {
            file: file.to_owned(),
            path: Some(path),
        }
    }

    /// The whole of `file`.
    pub fn file(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            path: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = if self.file == "-" {
            "<stdin>"
        } else {
            &self.file
        };
        match &self.path {
            Some(path) => write!(f, "{file}: {path}"),
            None => f.write_str(file),
        }
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The input was used, but something in it was ignored or looks wrong.
    Warning,
    /// The input cannot be used.
    Error,
}

/// What is wrong, as facts; [`Problem::message`] and [`Problem::help`] render them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The text is not JSON.
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description.
        reason: String,
    },
    /// A value of the wrong JSON type.
    WrongType {
        /// What the schema wants, e.g. "a string".
        expected: &'static str,
        /// What the document has, e.g. "a number".
        found: &'static str,
    },
    /// A key the schema does not know; cfssl ignores it silently.
    UnknownKey {
        /// The key as written.
        key: String,
        /// A known key it probably meant.
        suggestion: Option<String>,
    },
    /// A key etcdpki's own formats (the cluster spec) do not have: an error, because a
    /// misspelled key would otherwise drop what it meant (a SAN, a client certificate).
    UnknownStrictKey {
        /// The key as written.
        key: String,
        /// Every key accepted at that place.
        expected: &'static [&'static str],
    },
    /// A string outside a closed set (usages, algorithms, qualifier types).
    UnknownValue {
        /// What kind of value, e.g. "usage".
        what: &'static str,
        /// The value as written.
        value: String,
        /// Every accepted value.
        expected: Vec<String>,
    },
    /// A value with the right type that is still unusable.
    Invalid {
        /// The value as written (already quoted where it is a string); empty when the path
        /// says enough.
        value: String,
        /// Why it is unusable, lowercase, no trailing period.
        reason: String,
        /// What to write instead.
        help: Option<String>,
    },
    /// A required value is absent.
    Missing {
        /// What is missing, e.g. "expiry".
        what: &'static str,
        /// What to write.
        help: Option<String>,
    },
    /// A cfssl feature etcdpki deliberately does not implement.
    Unsupported {
        /// The feature.
        what: String,
        /// Why, and what to do instead.
        help: String,
    },
}

impl Problem {
    /// The one-line message, lowercase, without trailing period.
    pub fn message(&self) -> String {
        match self {
            Problem::Syntax {
                line,
                column,
                reason,
            } => format!("invalid JSON at line {line} column {column}: {reason}"),
            Problem::WrongType { expected, found } => format!("expected {expected}, found {found}"),
            Problem::UnknownKey { key, .. } => {
                format!("unknown key {} ignored (cfssl ignores it too)", quote(key))
            }
            Problem::UnknownStrictKey { key, expected } => format!(
                "unknown key {}; expected one of {}",
                quote(key),
                expected
                    .iter()
                    .map(|e| quote(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Problem::UnknownValue {
                what,
                value,
                expected,
            } => format!(
                "unknown {what} {}; expected one of {}",
                quote(value),
                expected
                    .iter()
                    .map(|e| quote(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Problem::Invalid { value, reason, .. } if value.is_empty() => reason.clone(),
            Problem::Invalid { value, reason, .. } => format!("{value}: {reason}"),
            Problem::Missing { what, .. } => format!("missing {what}"),
            Problem::Unsupported { what, .. } => format!("{what} is not supported"),
        }
    }

    /// A hint on how to fix it, if there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            Problem::UnknownKey {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean {}?", quote(s))),
            Problem::UnknownValue {
                value, expected, ..
            } => closest(value, expected.iter().map(String::as_str))
                .map(|s| format!("did you mean {}?", quote(s))),
            Problem::UnknownStrictKey { key, expected } => closest(key, expected.iter().copied())
                .map(|s| format!("did you mean {}?", quote(s))),
            Problem::Invalid { help, .. } | Problem::Missing { help, .. } => help.clone(),
            Problem::Unsupported { help, .. } => Some(help.clone()),
            _ => None,
        }
    }
}

/// One problem at one location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// What.
    pub problem: Problem,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: Location, problem: Problem) -> Self {
        Self {
            severity: Severity::Error,
            location,
            problem,
        }
    }

    /// A warning at `location`.
    pub fn warning(location: Location, problem: Problem) -> Self {
        Self {
            severity: Severity::Warning,
            location,
            problem,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}: {}", self.location, self.problem.message())?;
        if let Some(help) = self.problem.help() {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every error found in one input, with the warnings found alongside; the error type of the
/// input stages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// All diagnostics, errors and warnings, in document order.
    pub diagnostics: Vec<Diagnostic>,
}

impl InputError {
    /// An input error made of one diagnostic.
    pub fn one(diagnostic: Diagnostic) -> Self {
        Self {
            diagnostics: vec![diagnostic],
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for d in &self.diagnostics {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// A value that was read, with the warnings its input produced.
#[derive(Clone, Debug)]
pub struct Checked<T> {
    /// The validated value.
    pub value: T,
    /// Warnings to show the user; none of them stopped the read.
    pub warnings: Vec<Diagnostic>,
}

/// Splits gathered diagnostics: any error fails the whole input, else the value stands with
/// the warnings.
pub fn finish<T>(value: Option<T>, diagnostics: Vec<Diagnostic>) -> Result<Checked<T>, InputError> {
    let has_error = diagnostics.iter().any(|d| d.severity == Severity::Error);
    match value {
        Some(value) if !has_error => Ok(Checked {
            value,
            warnings: diagnostics,
        }),
        _ => Err(InputError { diagnostics }),
    }
}

/// `s` with every control character (C0, DEL and C1) written out (`\x1b`, `\u{9b}`) and a
/// backslash doubled, so that a name or path from a certificate or a directory cannot move the
/// cursor, rewrite a line or forge one when it reaches a terminal or a log.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || c == '\\') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Quotes a user value as JSON does, so control characters and quotes stay visible.
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// An I/O error as a message ends: `permission denied`, `no space left on device`, not
/// `Permission denied (os error 13)`: the OS's words in lower case, without Rust's error number.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => return "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => return "permission denied".into(),
        _ => {}
    }
    let text = e.to_string();
    let Some(code) = e.raw_os_error() else {
        return text;
    };
    let words = text
        .strip_suffix(&format!(" (os error {code})"))
        .unwrap_or(&text);
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// Values quoted as [`quote`] quotes them, joined by `, `: `"a", "b"` (not a Rust debug list).
pub fn quoted_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(quote).collect::<Vec<_>>().join(", ")
}

/// The candidate nearest to `value` by edit distance, if it is close enough to be a typo (at
/// most a third of its length, and at least one edit): a suggestion, never the whole list.
pub fn closest<'a>(value: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let value = value.to_ascii_lowercase();
    candidates
        .map(|c| (edit_distance(&value, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_path_renders_keys_and_indices() {
        let p = JsonPath::root()
            .key("signing")
            .key("profiles")
            .key("peer")
            .key("usages")
            .index(2);
        assert_eq!(p.to_string(), "signing.profiles.peer.usages[2]");
        assert_eq!(JsonPath::root().to_string(), "$");
        assert_eq!(
            JsonPath::root().key("profiles").key("my peer").to_string(),
            "profiles[\"my peer\"]"
        );
    }

    #[test]
    fn closest_finds_typos_only() {
        let usages = ["server auth", "client auth", "signing"];
        assert_eq!(
            closest("sever auth", usages.iter().copied()),
            Some("server auth")
        );
        assert_eq!(closest("banana", usages.iter().copied()), None);
    }

    #[test]
    fn diagnostic_renders_location_message_and_help() {
        let d = Diagnostic::error(
            Location::at("ca-config.json", JsonPath::root().key("x").index(0)),
            Problem::UnknownValue {
                what: "usage",
                value: "sever auth".into(),
                expected: vec!["server auth".into(), "client auth".into()],
            },
        );
        assert_eq!(
            d.to_string(),
            "error: ca-config.json: x[0]: unknown usage \"sever auth\"; expected one of \
             \"server auth\", \"client auth\"\n  help: did you mean \"server auth\"?"
        );
    }
}
