//! etcd's YAML file (`--config-file`) as a tree with line numbers, read as etcd reads it.
//!
//! Takes the file's text and returns the first document's root [`Node`]: scalars keep their
//! text and style, mappings keep their keys in order with duplicates, and every node knows its
//! line. The syntax is parsed by `saphyr-parser` (a YAML 1.2 event parser); aliases are
//! expanded (within a budget, so a billion-laughs file costs linear time) and anchors kept.
//! What etcd makes of a value follows `sigs.k8s.io/yaml` (etcd 3.4: v1.1.0, 3.6: v1.4.0), which
//! decodes with go-yaml v2 and then Go's `encoding/json`: plain scalars resolve with YAML 1.1
//! rules (`yes`, `on` and `y` are true), a bool or number becomes a string where the field is a
//! string, a later duplicate key wins, `<<` merges a mapping in place, and only the first
//! document counts. `Node::resolve` and [`Node::entries`] implement those rules.

use saphyr_parser::{Event, Parser, ScalarStyle};

/// How deep mappings and lists may nest; etcd's file is two levels deep.
const MAX_DEPTH: usize = 64;

/// How many nodes alias expansion may create in all (go-yaml v2.4 also bounds aliases).
const MAX_ALIAS_NODES: usize = 100_000;

/// A node of the document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The 1-based line it starts on.
    pub line: usize,
    /// What it holds.
    pub value: Value,
}

/// A node's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar as written, without quotes or escapes.
    Scalar {
        /// The text.
        text: String,
        /// How it was written.
        style: Style,
        /// Its tag's suffix (`str` for `!!str`), if it has one.
        tag: Option<String>,
    },
    /// A sequence.
    List(Vec<Node>),
    /// A mapping, its pairs in the order written, duplicates included.
    Map(Vec<(Node, Node)>),
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Without quotes: YAML 1.1 resolution applies (`yes` is a bool).
    Plain,
    /// In single or double quotes: always a string.
    Quoted,
    /// A `|` or `>` block: always a string.
    Block,
}

/// A scalar as go-yaml v2 resolves it.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved<'a> {
    /// Empty, `~`, `null`.
    Null,
    /// `true`, `yes`, `on`, `y` and their opposites, in the three spellings YAML 1.1 allows.
    Bool(bool),
    /// An integer (decimal, `0x`, `0o`/leading `0` octal, `0b`), as Go writes it in decimal.
    Int(i128),
    /// A float, as written.
    Float(&'a str),
    /// Anything else.
    Str(&'a str),
}

/// Why the text is not YAML.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {reason}")]
pub struct YamlError {
    /// The 1-based line.
    pub line: usize,
    /// What the parser says.
    pub reason: String,
}

/// An open collection while the tree is built.
enum Open {
    List(usize, usize, Vec<Node>),
    Map(usize, usize, Vec<(Node, Node)>, Option<Node>),
}

/// The first document's root, or `None` for a file without a document (empty, comments only).
// Long: one match arm per saphyr event; the open-collection stack, the anchors and the alias
// budget are the loop's state, so the arms belong together.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let (mut budget, mut root) = (MAX_ALIAS_NODES, None);
    for event in Parser::new_from_str(text) {
        // An error found at the end of the text (an unclosed `[`) is shown on the last line.
        let last = text.lines().count().max(1);
        let (event, span) = event.map_err(|e| YamlError {
            line: e.marker().line().min(last),
            reason: e.info().to_owned(),
        })?;
        let line = span.start.line();
        let fail = |reason: String| Err(YamlError { line, reason });
        let done = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                let tag = tag.map(|t| t.suffix.clone());
                let node = Node {
                    line,
                    value: Value::Scalar {
                        text: text.into_owned(),
                        style,
                        tag,
                    },
                };
                Some((node, anchor))
            }
            Event::Alias(id) => {
                let Some((_, node)) = anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return fail("an alias to an unknown anchor".into());
                };
                let size = node.size();
                if size > budget {
                    return fail("aliases expand to too many nodes".into());
                }
                budget -= size;
                let mut node = node.clone();
                node.line = line;
                Some((node, 0))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return fail(format!("nested deeper than {MAX_DEPTH} levels"));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::List(line, anchor, Vec::new()),
                    _ => Open::Map(line, anchor, Vec::new(), None),
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::List(line, anchor, items)) => Some((
                    Node {
                        line,
                        value: Value::List(items),
                    },
                    anchor,
                )),
                Some(Open::Map(line, anchor, pairs, _)) => Some((
                    Node {
                        line,
                        value: Value::Map(pairs),
                    },
                    anchor,
                )),
                None => None,
            },
            // sigs.k8s.io/yaml (go-yaml v2 Unmarshal) reads the first document only.
            Event::DocumentEnd if root.is_some() => break,
            _ => None,
        };
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.push((anchor, node.clone()));
        }
        match stack.last_mut() {
            Some(Open::List(.., items)) => items.push(node),
            Some(Open::Map(.., pairs, key)) => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => *key = Some(node),
            },
            None => {
                root = Some(node);
            }
        }
    }
    Ok(root)
}

impl Node {
    /// The number of nodes in it.
    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Scalar { .. } => 0,
            Value::List(items) => items.iter().map(Node::size).sum(),
            Value::Map(pairs) => pairs.iter().map(|(k, v)| k.size() + v.size()).sum(),
        }
    }

    /// The scalar as go-yaml v2 resolves it; `None` for a list or mapping.
    pub(crate) fn resolve(&self) -> Option<Resolved<'_>> {
        let Value::Scalar { text, style, tag } = &self.value else {
            return None;
        };
        Some(match (style, tag.as_deref()) {
            (_, Some("str")) | (Style::Quoted | Style::Block, None) => Resolved::Str(text),
            _ => resolve_plain(text),
        })
    }

    /// The text Go's JSON decoder gives a string field from this node: bools and numbers
    /// written as text (sigs.k8s.io/yaml `convertToJSONableObject`), `None` for null.
    /// Lists and mappings are `Err` (etcd: "cannot unmarshal array into … of type string").
    pub(crate) fn as_string(&self) -> Result<Option<String>, &'static str> {
        match self.resolve() {
            None if matches!(self.value, Value::List(_)) => Err("a list"),
            None => Err("a mapping"),
            Some(Resolved::Null) => Ok(None),
            Some(Resolved::Bool(b)) => Ok(Some(b.to_string())),
            Some(Resolved::Int(i)) => Ok(Some(i.to_string())),
            Some(Resolved::Float(s) | Resolved::Str(s)) => Ok(Some(s.to_owned())),
        }
    }

    /// The key's text as sigs.k8s.io/yaml writes a map key for JSON (a bool key is `true`).
    pub(crate) fn key_text(&self) -> Option<String> {
        self.as_string().ok().flatten()
    }

    /// A mapping's pairs as go-yaml v2 applies them, in order: a `<<` key merges the mapping
    /// (or each mapping of a list, the first winning) it names at its place; the caller lets a
    /// later key win. `None` if this is not a mapping.
    pub fn entries(&self) -> Option<Vec<(String, &Node, &Node)>> {
        let Value::Map(pairs) = &self.value else {
            return None;
        };
        let mut out = Vec::new();
        for (key, value) in pairs {
            let merge = matches!(&key.value, Value::Scalar { text, style: Style::Plain, .. } if text == "<<");
            match (&value.value, merge) {
                (Value::Map(_), true) => out.extend(value.entries().unwrap_or_default()),
                // go-yaml v2 decode.go `merge`: the list is applied last to first.
                (Value::List(maps), true) => {
                    for map in maps.iter().rev() {
                        out.extend(map.entries().unwrap_or_default());
                    }
                }
                _ => {
                    if let Some(text) = key.key_text() {
                        out.push((text, key, value));
                    }
                }
            }
        }
        Some(out)
    }
}

/// go-yaml v2 `resolve.go`: the YAML 1.1 scalars it gives a type to; the rest are strings.
fn resolve_plain(text: &str) -> Resolved<'_> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Resolved::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return Resolved::Float(text),
        _ => {}
    }
    let plain = text.replace('_', "");
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    let int = if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i128::from_str_radix(bin, 2).ok()
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i128::from_str_radix(oct, 8).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    };
    if let Some(i) = int.filter(|_| !digits.is_empty()) {
        return Resolved::Int(sign * i);
    }
    let float = digits.bytes().any(|b| b.is_ascii_digit())
        && digits.parse::<f64>().is_ok()
        && !digits.contains(['i', 'I', 'n', 'N']);
    if float {
        Resolved::Float(text)
    } else {
        Resolved::Str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        parse(text).expect("valid YAML").expect("a document")
    }

    fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
        let entries = node.entries().expect("a mapping");
        entries
            .into_iter()
            .rev()
            .find(|(k, ..)| k == key)
            .map(|(_, _, v)| v)
    }

    #[test]
    fn lines_styles_and_block_forms_are_kept() {
        let doc = root(
            "# etcd\nname: 'infra0'\ncert: |\n  a\nclient-transport-security: {cert-file: x.pem, key-file: \"k.pem\"}\nlist: [a, b]\n",
        );
        let name = get(&doc, "name").expect("name");
        assert_eq!(
            (name.line, name.resolve()),
            (2, Some(Resolved::Str("infra0")))
        );
        assert_eq!(
            get(&doc, "cert").and_then(Node::resolve),
            Some(Resolved::Str("a\n"))
        );
        let tls = get(&doc, "client-transport-security").expect("tls");
        assert_eq!(tls.line, 5);
        let key = get(tls, "key-file").expect("key-file");
        assert_eq!(key.as_string(), Ok(Some("k.pem".into())));
        assert_eq!(get(&doc, "list").expect("list").as_string(), Err("a list"));
    }

    #[test]
    fn plain_scalars_resolve_as_go_yaml_v2_does() {
        let cases = [
            ("yes", Resolved::Bool(true)),
            ("Off", Resolved::Bool(false)),
            ("y", Resolved::Bool(true)),
            ("~", Resolved::Null),
            ("", Resolved::Null),
            ("0x1F", Resolved::Int(31)),
            ("010", Resolved::Int(8)),
            ("-1_000", Resolved::Int(-1000)),
            ("1.5", Resolved::Float("1.5")),
            ("TRUE", Resolved::Bool(true)),
            ("tRUE", Resolved::Str("tRUE")),
            ("https://a:2379", Resolved::Str("https://a:2379")),
        ];
        for (text, expected) in cases {
            assert_eq!(resolve_plain(text), expected, "{text:?}");
        }
        let doc = root("a: \"yes\"\nb: !!str on\nc: on\n");
        assert_eq!(
            get(&doc, "a").expect("a").as_string(),
            Ok(Some("yes".into()))
        );
        assert_eq!(
            get(&doc, "b").expect("b").as_string(),
            Ok(Some("on".into()))
        );
        assert_eq!(
            get(&doc, "c").expect("c").as_string(),
            Ok(Some("true".into()))
        );
    }

    #[test]
    fn anchors_merges_and_duplicates_apply_in_go_yaml_v2_order() {
        let doc = root(
            "base: &tls\n  cert-file: a.pem\n  key-file: a-key.pem\npeer-transport-security:\n  key-file: early.pem\n  <<: *tls\n  cert-file: b.pem\nname: x\nname: y\n",
        );
        let peer = get(&doc, "peer-transport-security").expect("peer");
        // The merge replaces the key before it and the key after it replaces the merge.
        let text = |k| get(peer, k).and_then(|n| n.as_string().ok().flatten());
        assert_eq!(text("key-file").as_deref(), Some("a-key.pem"));
        assert_eq!(text("cert-file").as_deref(), Some("b.pem"));
        // The later name wins, and go-yaml v2 reads a plain `y` as true.
        assert_eq!(
            get(&doc, "name").and_then(Node::key_text).as_deref(),
            Some("true")
        );
    }

    #[test]
    fn only_the_first_document_counts() {
        assert_eq!(
            root("---\nname: a\n---\nname: b\n")
                .entries()
                .map(|e| e.len()),
            Some(1)
        );
        assert_eq!(parse("# nothing\n"), Ok(None));
    }

    #[test]
    fn broken_and_hostile_yaml_fails_with_a_line_and_bounded_work() {
        let error =
            parse("name: a\nclient-transport-security:\n\tcert-file: x\n").expect_err("tab");
        assert_eq!(error.line, 3, "{error}");
        assert_eq!(
            parse("a: [b\n").map_err(|e| e.line),
            Err(1),
            "an unclosed [ on its line"
        );
        assert!(parse("a: *nowhere\n").is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(
            parse(&deep).expect_err("deep").reason,
            "nested deeper than 64 levels"
        );
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            laughs += &format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            );
        }
        let error = parse(&laughs).expect_err("billion laughs");
        assert_eq!(error.reason, "aliases expand to too many nodes");
    }
}
