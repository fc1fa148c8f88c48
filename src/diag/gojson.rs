//! Reads cfssl's JSON files the way Go's `encoding/json` fills a struct, with diagnostics.
//!
//! Takes the bytes of a JSON document and hands out typed values by field name. Go's rules
//! (Go `encoding/json`, `Unmarshal`, which cfssl 1.6.5 config/config.go `LoadConfig` and
//! cli/gencert/gencert.go use): keys match struct fields case-insensitively, the last of
//! several matching keys wins, `null` leaves a field at its default, unknown keys are ignored
//! (we warn, with the path), and a value of the wrong type is an error. Every problem lands in
//! the reader's diagnostics list with its JSON path; the caller decides at the end whether the
//! document is usable ([`crate::diag::finish`]).

use serde_json::{Map, Value};

use crate::diag::{Diagnostic, InputError, JsonPath, Location, Problem, closest};

/// A JSON value together with its path in the document.
#[derive(Clone, Debug)]
pub struct Node<'v> {
    /// The value (never `null`: null fields are treated as absent).
    pub value: &'v Value,
    /// Where it is.
    pub path: JsonPath,
}

impl<'v> Node<'v> {
    /// The document's root value.
    pub fn root(value: &'v Value) -> Self {
        Self {
            value,
            path: JsonPath::root(),
        }
    }
}

/// A JSON object whose fields are looked up Go-style.
#[derive(Clone, Debug)]
pub struct Object<'v> {
    map: &'v Map<String, Value>,
    path: JsonPath,
}

impl<'v> Object<'v> {
    /// The value of field `name`, matched case-insensitively; the last matching key wins. A
    /// `null` value counts as absent, as in Go.
    pub fn field(&self, name: &str) -> Option<Node<'v>> {
        self.map
            .iter()
            .rfind(|(k, _)| k.eq_ignore_ascii_case(name))
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| Node {
                value: v,
                path: self.path.key(k),
            })
    }

    /// The members of the object, for map-typed fields (profile names, OID maps), whose keys
    /// are data and match exactly.
    pub fn entries(&self) -> impl Iterator<Item = (&'v str, Node<'v>)> + '_ {
        self.map.iter().map(|(k, v)| {
            (
                k.as_str(),
                Node {
                    value: v,
                    path: self.path.key(k),
                },
            )
        })
    }

    /// The object's own path.
    pub fn path(&self) -> &JsonPath {
        &self.path
    }
}

/// Collects the diagnostics of one document while its values are read.
#[derive(Debug)]
pub struct Reader {
    file: String,
    /// Everything found so far, in reading order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Reader {
    /// Reads one JSON document: parses `bytes`, hands its root to `read`, and returns what
    /// `read` made with the warnings gathered, or every diagnostic if any was an error
    /// ([`crate::diag::finish`]). `file` is the name used in messages.
    pub(crate) fn read_document<T>(
        file: &str,
        bytes: &[u8],
        read: impl FnOnce(&mut Reader, &Node<'_>) -> Option<T>,
    ) -> Result<crate::diag::Checked<T>, InputError> {
        let (mut reader, value) = Self::parse(file, bytes)?;
        let made = read(&mut reader, &Node::root(&value));
        crate::diag::finish(made, reader.diagnostics)
    }

    /// Parses `bytes` as JSON. A leading UTF-8 byte order mark is skipped (editors on Windows
    /// write one; Go would reject the file).
    pub fn parse(file: &str, bytes: &[u8]) -> Result<(Self, Value), InputError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match serde_json::from_slice::<Value>(bytes) {
            Ok(value) => Ok((
                Self {
                    file: file.to_owned(),
                    diagnostics: Vec::new(),
                },
                value,
            )),
            Err(e) => {
                let reason = e.to_string();
                // serde_json appends " at line L column C"; we render those ourselves.
                let reason = reason
                    .split(" at line ")
                    .next()
                    .unwrap_or(&reason)
                    .to_owned();
                let reason = if bytes.iter().all(u8::is_ascii_whitespace) {
                    "the input is empty".to_owned()
                } else {
                    reason
                };
                Err(InputError::one(Diagnostic::error(
                    Location::file(file),
                    Problem::Syntax {
                        line: e.line(),
                        column: e.column(),
                        reason,
                    },
                )))
            }
        }
    }

    /// The file this reader reports on.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Records an error at `path`.
    pub fn error(&mut self, path: &JsonPath, problem: Problem) {
        self.diagnostics.push(Diagnostic::error(
            Location::at(&self.file, path.clone()),
            problem,
        ));
    }

    /// Records a warning at `path`.
    pub fn warn(&mut self, path: &JsonPath, problem: Problem) {
        self.diagnostics.push(Diagnostic::warning(
            Location::at(&self.file, path.clone()),
            problem,
        ));
    }

    fn wrong_type(&mut self, node: &Node<'_>, expected: &'static str) {
        let found = type_name(node.value);
        self.error(&node.path, Problem::WrongType { expected, found });
    }

    /// `node` as an object whose fields are `known`; every other key gets a warning naming the
    /// closest known field. Returns `None` (and records an error) for a non-object.
    pub fn object<'v>(&mut self, node: &Node<'v>, known: &[&str]) -> Option<Object<'v>> {
        let Some(map) = node.value.as_object() else {
            self.wrong_type(node, "an object");
            return None;
        };
        for key in map.keys() {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                let suggestion = closest(key, known.iter().copied()).map(str::to_owned);
                self.warn(
                    &node.path.key(key),
                    Problem::UnknownKey {
                        key: key.clone(),
                        suggestion,
                    },
                );
            }
        }
        Some(Object {
            map,
            path: node.path.clone(),
        })
    }

    /// `node` as an object of one of etcdpki's own formats, whose fields are `known`: every
    /// other key is an error naming the accepted keys and the closest one (keys still match
    /// case-insensitively, as in cfssl's files). Returns `None` (and records an error) for a
    /// non-object.
    pub fn strict_object<'v>(
        &mut self,
        node: &Node<'v>,
        known: &'static [&'static str],
    ) -> Option<Object<'v>> {
        let Some(map) = node.value.as_object() else {
            self.wrong_type(node, "an object");
            return None;
        };
        for key in map.keys() {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                self.error(
                    &node.path.key(key),
                    Problem::UnknownStrictKey {
                        key: key.clone(),
                        expected: known,
                    },
                );
            }
        }
        Some(Object {
            map,
            path: node.path.clone(),
        })
    }

    /// `node` as a map whose keys are data (no unknown-key warnings).
    pub fn map<'v>(&mut self, node: &Node<'v>) -> Option<Object<'v>> {
        match node.value.as_object() {
            Some(map) => Some(Object {
                map,
                path: node.path.clone(),
            }),
            None => {
                self.wrong_type(node, "an object");
                None
            }
        }
    }

    /// The string value of `node`.
    pub fn string(&mut self, node: &Node<'_>) -> Option<String> {
        match node.value.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                self.wrong_type(node, "a string");
                None
            }
        }
    }

    /// The boolean value of `node`.
    pub fn bool(&mut self, node: &Node<'_>) -> Option<bool> {
        match node.value.as_bool() {
            Some(b) => Some(b),
            None => {
                self.wrong_type(node, "true or false");
                None
            }
        }
    }

    /// The integer value of `node`; like Go's `int`, `2048.0` and `1e3` are not integers.
    pub(crate) fn int(&mut self, node: &Node<'_>) -> Option<i64> {
        match node.value.as_i64() {
            Some(i) => Some(i),
            None => {
                let expected = "an integer";
                if node.value.is_number() {
                    self.error(
                        &node.path,
                        Problem::Invalid {
                            value: node.value.to_string(),
                            reason: "not an integer that fits in 64 bits".into(),
                            help: None,
                        },
                    );
                } else {
                    self.wrong_type(node, expected);
                }
                None
            }
        }
    }

    /// The elements of the array `node`.
    pub fn array<'v>(&mut self, node: &Node<'v>) -> Option<Vec<Node<'v>>> {
        match node.value.as_array() {
            Some(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Node {
                        value: v,
                        path: node.path.index(i),
                    })
                    .collect(),
            ),
            None => {
                self.wrong_type(node, "an array");
                None
            }
        }
    }

    /// The array of strings `node`, each element paired with its path. `null` elements are
    /// errors here: Go would turn them into empty strings, which is never meant.
    pub fn strings(&mut self, node: &Node<'_>) -> Option<Vec<(String, JsonPath)>> {
        let items = self.array(node)?;
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            match self.string(&item) {
                Some(s) => out.push((s, item.path)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// The JSON type of a value, as a phrase for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Reader, Value) {
        Reader::parse("t.json", text.as_bytes()).expect("valid JSON")
    }

    #[test]
    fn fields_match_case_insensitively_and_the_last_one_wins() {
        let (mut r, v) = read(r#"{"CN": "a", "cn": "b", "Hosts": null}"#);
        let obj = r.object(&Node::root(&v), &["CN", "hosts"]).expect("object");
        let cn = obj.field("CN").expect("CN");
        assert_eq!(r.string(&cn).as_deref(), Some("b"));
        assert!(obj.field("hosts").is_none(), "null counts as absent");
        assert!(r.diagnostics.is_empty());
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let (mut r, v) = read(r#"{"expire": "1h"}"#);
        r.object(&Node::root(&v), &["expiry", "usages"]);
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(
            r.diagnostics[0].to_string(),
            "warning: t.json: expire: unknown key \"expire\" ignored (cfssl ignores it too)\n  \
             help: did you mean \"expiry\"?"
        );
    }

    #[test]
    fn unknown_keys_of_strict_objects_are_errors_naming_the_closest_key() {
        let (mut r, v) = read(r#"{"Hosts": [], "host": [], "zzz": 1}"#);
        r.strict_object(&Node::root(&v), &["hosts", "name"]);
        let text: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "error: t.json: host: unknown key \"host\"; expected one of \"hosts\", \"name\"\n  \
                 help: did you mean \"hosts\"?",
                "error: t.json: zzz: unknown key \"zzz\"; expected one of \"hosts\", \"name\""
            ]
        );
    }

    #[test]
    fn wrong_types_and_fractional_integers_are_errors_with_paths() {
        let (mut r, v) = read(r#"{"key": {"size": 2048.0, "algo": 5}}"#);
        let root = r.object(&Node::root(&v), &["key"]).expect("object");
        let key = root.field("key").expect("key");
        let key = r.object(&key, &["algo", "size"]).expect("object");
        assert_eq!(r.int(&key.field("size").expect("size")), None);
        assert_eq!(r.string(&key.field("algo").expect("algo")), None);
        let text: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "error: t.json: key.size: 2048.0: not an integer that fits in 64 bits",
                "error: t.json: key.algo: expected a string, found a number"
            ]
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let e = Reader::parse("c.json", b"{\n  \"a\": 1,\n}").expect_err("trailing comma");
        assert_eq!(
            e.to_string(),
            "error: c.json: invalid JSON at line 3 column 1: trailing comma"
        );
        let e = Reader::parse("c.json", b"  \n").expect_err("empty");
        assert!(e.to_string().contains("the input is empty"), "{e}");
    }
}
