//! Foundation: where each value of a JSON document is, by line, so a finding about a JSON path
//! can name its line (a SARIF region, a `file:line` in text).
//!
//! Takes the document's text; returns a [`JsonLines`] that answers "on which 1-based line is
//! `signing.profiles.peer.usages[2]`?" for every path the document has: an object member's
//! line is its key's, an array element's is where the element starts. A path the document does
//! not have gets the line of its nearest ancestor that it has (a missing key is reported where
//! its object is). Scanning takes time linear in the text and never fails: text that is not
//! JSON yields the paths read before the point where it stops being JSON.

use super::JsonPath;

/// Each path of a JSON document with its 1-based line, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonLines(Vec<(JsonPath, usize)>);

/// An open object or array: its path, and for an array the index of the current element.
enum Frame {
    Object(JsonPath),
    Array(JsonPath, usize),
}

impl JsonLines {
    /// Scans `text`.
    pub fn scan(text: &str) -> Self {
        let bytes = text.as_bytes();
        let (mut out, mut stack) = (Vec::new(), Vec::<Frame>::new());
        let (mut line, mut i) = (1, 0);
        // The path of the value that comes next, and whether an object's key comes next.
        let (mut next, mut expect_key) = (Some(JsonPath::root()), false);
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                b'\n' => line += 1,
                b' ' | b'\t' | b'\r' | b':' => {}
                b',' => match stack.last_mut() {
                    Some(Frame::Array(path, index)) => {
                        *index += 1;
                        next = Some(path.index(*index));
                    }
                    Some(Frame::Object(_)) => expect_key = true,
                    None => break,
                },
                b'}' | b']' => {
                    stack.pop();
                    (next, expect_key) = (None, false);
                }
                b'"' if expect_key => {
                    let end = string_end(bytes, i);
                    let Some(Frame::Object(path)) = stack.last() else {
                        break;
                    };
                    let key = serde_json::from_str::<String>(&text[i..end])
                        .unwrap_or_else(|_| text[i + 1..end.saturating_sub(1).max(i + 1)].into());
                    let member = path.key(&key);
                    out.push((member.clone(), line));
                    (next, expect_key, i) = (Some(member), false, end);
                    continue;
                }
                _ => {
                    let Some(path) = next.take() else { break };
                    if stack.is_empty() || matches!(stack.last(), Some(Frame::Array(..))) {
                        out.push((path.clone(), line));
                    }
                    match b {
                        b'{' => {
                            stack.push(Frame::Object(path));
                            expect_key = true;
                        }
                        b'[' => {
                            next = Some(path.index(0));
                            stack.push(Frame::Array(path, 0));
                        }
                        b'"' => {
                            i = string_end(bytes, i);
                            continue;
                        }
                        _ => {
                            while i + 1 < bytes.len() && !b",}] \t\r\n".contains(&bytes[i + 1]) {
                                i += 1;
                            }
                        }
                    }
                }
            }
            i += 1;
        }
        JsonLines(out)
    }

    /// The line of `path`, or of its nearest ancestor the document has.
    pub fn line_of(&self, path: &JsonPath) -> Option<usize> {
        self.0
            .iter()
            .filter(|(p, _)| path.is_within(p))
            .max_by_key(|(p, _)| p.to_string().len())
            .map(|&(_, line)| line)
    }
}

/// The index just past the string that starts with the quote at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
  "signing": {
    "default": {"expiry": "8760h"},
    "profiles": {
      "my peer": {
        "usages": [
          "signing",
          "server-auth"
        ],
        "expiry": "1y"
      }
    }
  }
}"#;

    fn at(path: &str) -> Option<usize> {
        let lines = JsonLines::scan(CONFIG);
        let found = lines.0.iter().find(|(p, _)| p.to_string() == path);
        found.map(|(_, line)| *line)
    }

    #[test]
    fn each_path_is_on_the_line_of_its_key_or_element() {
        assert_eq!(at("$"), Some(1));
        assert_eq!(at("signing"), Some(2));
        assert_eq!(at("signing.default.expiry"), Some(3));
        assert_eq!(at("signing.profiles[\"my peer\"].usages"), Some(6));
        assert_eq!(at("signing.profiles[\"my peer\"].usages[1]"), Some(8));
        assert_eq!(at("signing.profiles[\"my peer\"].expiry"), Some(10));
    }

    #[test]
    fn a_missing_path_gets_its_nearest_ancestors_line() {
        let lines = JsonLines::scan(CONFIG);
        let missing = JsonPath::root()
            .key("signing")
            .key("profiles")
            .key("my peer")
            .key("ca");
        assert_eq!(lines.line_of(&missing), Some(5));
        assert_eq!(lines.line_of(&JsonPath::root().key("nothing")), Some(1));
    }

    #[test]
    fn escaped_keys_and_text_that_is_not_json_do_not_derail_the_scan() {
        let lines = JsonLines::scan("{\"a\\\"b\": [1,\n {\"c\": \"}\"}],\n\"d\": tru");
        let key = JsonPath::root().key("a\"b");
        assert_eq!(lines.line_of(&key.index(1).key("c")), Some(2));
        assert_eq!(lines.line_of(&JsonPath::root().key("d")), Some(3));
        assert_eq!(JsonLines::scan("]]]}}\"").0, Vec::new());
        let after_empty = JsonLines::scan("[{},\n\"x\"]");
        assert_eq!(after_empty.line_of(&JsonPath::root().index(1)), Some(2));
    }
}
