//! cfssljson's input: cfssl JSON (bare, or the API envelope) → the files to write.
//!
//! Takes the bytes read from stdin or `-f` and a base name; returns a [`FileSet`] or a
//! diagnostic. The whole input is checked before anything is written: wrong types, non-PEM
//! values and an input with nothing to write are errors (cfssljson panics, writes garbage, or
//! exits 0 with no files; docs/compat.md).

use base64::Engine as _;
use serde_json::{Map, Value};

use super::Contents;
use crate::diag::gojson::type_name;
use crate::diag::{Diagnostic, InputError, JsonPath, Location, Problem};
use crate::key::SecretBytes;

/// One file cfssljson writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// Appended to the base name: `.pem`, `-key.pem`, `.csr`, …
    pub suffix: &'static str,
    /// The contents, verbatim; a private key's are [`Contents::Secret`]: written for its
    /// owner alone, wiped when dropped.
    pub contents: Contents,
    /// Binary content, printed base64 under `-stdout`.
    pub binary: bool,
}

/// The files of one cfssljson run, in cfssljson's write order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileSet {
    /// The files.
    pub files: Vec<OutputFile>,
}

/// Certificates and CSRs are public; keys are for the owner alone.
const KEY: bool = true;
const PUBLIC: bool = false;

/// Parses cfssljson input. `file` names the input in messages; `bare` is `-bare`.
pub fn parse_cfssljson(file: &str, bytes: &[u8], bare: bool) -> Result<FileSet, InputError> {
    let (_, value) = crate::diag::gojson::Reader::parse(file, bytes)?;
    let err = |path: JsonPath, problem: Problem| {
        InputError::one(Diagnostic::error(Location::at(file, path), problem))
    };
    let Some(top) = value.as_object() else {
        return Err(err(
            JsonPath::root(),
            Problem::WrongType {
                expected: "an object",
                found: type_name(&value),
            },
        ));
    };
    let (input, base) = if bare {
        (top, JsonPath::root())
    } else {
        envelope_result(file, top)?
    };
    let mut collector = Collector {
        file,
        input,
        base: &base,
        set: FileSet::default(),
        diagnostics: Vec::new(),
    };
    collector.text(&["cert", "certificate"], ".pem", PUBLIC, true);
    collector.text(&["key", "private_key"], "-key.pem", KEY, true);
    collector.text(&["encrypted_key"], "-key.enc", KEY, false);
    collector.text(&["csr", "certificate_request"], ".csr", PUBLIC, true);
    collector.bundle();
    collector.ocsp_response();
    let Collector {
        set, diagnostics, ..
    } = collector;
    if !diagnostics.is_empty() {
        return Err(InputError { diagnostics });
    }
    if set.files.is_empty() {
        return Err(err(
            base,
            Problem::Missing {
                what: "\"cert\", \"key\" or \"csr\": there is nothing to write",
                help: Some("cfssljson exits 0 here and writes nothing; check the command that produced the input".into()),
            },
        ));
    }
    Ok(set)
}

/// The files of one input as they are found, and the problems of the values that are wrong.
struct Collector<'a> {
    file: &'a str,
    input: &'a Map<String, Value>,
    base: &'a JsonPath,
    set: FileSet,
    diagnostics: Vec<Diagnostic>,
}

impl Collector<'_> {
    /// The string at the first of `keys` as the file `suffix`; PEM is checked when `pem`.
    fn text(&mut self, keys: &[&str], suffix: &'static str, secret: bool, pem: bool) {
        let input = self.input;
        let Some((key, value)) = keys.iter().find_map(|k| input.get(*k).map(|v| (*k, v))) else {
            return;
        };
        let path = self.base.key(key);
        match value {
            Value::String(s) if s.is_empty() => {}
            Value::String(s) if pem && pem::parse_many(s).map_or(true, |b| b.is_empty()) => {
                self.diagnostics.push(Diagnostic::error(
                    Location::at(self.file, path),
                    Problem::Invalid {
                        value: String::new(),
                        reason: "not PEM".into(),
                        help: Some(
                            "pipe the output of etcdpki or cfssl gencert/sign/genkey".into(),
                        ),
                    },
                ));
            }
            Value::String(s) => self.set.files.push(OutputFile {
                suffix,
                contents: if secret {
                    Contents::Secret(SecretBytes::from(s.clone()))
                } else {
                    Contents::Public(s.clone().into_bytes())
                },
                binary: false,
            }),
            other => self.diagnostics.push(Diagnostic::error(
                Location::at(self.file, path),
                Problem::WrongType {
                    expected: "a string",
                    found: type_name(other),
                },
            )),
        }
    }

    /// `bundle`: the chain and root of `cfssl bundle`.
    fn bundle(&mut self) {
        if let Some(Value::Object(bundle)) = self.input.get("bundle")
            && let (Some(Value::String(chain)), Some(Value::String(root))) =
                (bundle.get("bundle"), bundle.get("root"))
        {
            self.set.files.push(OutputFile {
                suffix: "-bundle.pem",
                contents: Contents::Public(format!("{chain}\n{root}").into_bytes()),
                binary: false,
            });
            self.set.files.push(OutputFile {
                suffix: "-root.pem",
                contents: Contents::Public(root.clone().into_bytes()),
                binary: false,
            });
        }
    }

    /// `ocspResponse`, base64 DER.
    fn ocsp_response(&mut self) {
        if let Some(v) = self.input.get("ocspResponse") {
            let path = self.base.key("ocspResponse");
            match v
                .as_str()
                .map(|s| base64::engine::general_purpose::STANDARD.decode(s))
            {
                Some(Ok(der)) => self.set.files.push(OutputFile {
                    suffix: "-response.der",
                    contents: Contents::Public(der),
                    binary: true,
                }),
                _ => self.diagnostics.push(Diagnostic::error(
                    Location::at(self.file, path),
                    Problem::Invalid {
                        value: String::new(),
                        reason: "not a base64 string".into(),
                        help: None,
                    },
                )),
            }
        }
    }
}

/// The API envelope `{"success": true, "result": {…}}` cfssljson expects without `-bare`.
fn envelope_result<'v>(
    file: &str,
    top: &'v Map<String, Value>,
) -> Result<(&'v Map<String, Value>, JsonPath), InputError> {
    let err = |path: JsonPath, problem: Problem| {
        InputError::one(Diagnostic::error(Location::at(file, path), problem))
    };
    match top.get("success") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => {
            let messages: Vec<String> = top
                .get("errors")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|e| e.get("message").and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            return Err(err(
                JsonPath::root().key("success"),
                Problem::Invalid {
                    value: "false".into(),
                    reason: format!("request failed: {}", messages.join("; ")),
                    help: None,
                },
            ));
        }
        _ => {
            let help = if top.contains_key("cert") || top.contains_key("csr") {
                "this is gencert/sign output: add -bare (cfssljson -bare NAME)"
            } else {
                "without -bare, the input must be a cfssl API response {\"success\": true, \"result\": {…}}"
            };
            return Err(err(
                JsonPath::root(),
                Problem::Missing {
                    what: "\"success\": true",
                    help: Some(help.into()),
                },
            ));
        }
    }
    match top.get("result") {
        Some(Value::Object(result)) => Ok((result, JsonPath::root().key("result"))),
        other => Err(err(
            JsonPath::root().key("result"),
            Problem::WrongType {
                expected: "an object",
                found: other.map_or("nothing", type_name),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    #[test]
    fn bare_input_maps_keys_and_aliases_to_files() {
        let input = format!(r#"{{"certificate": {PEM:?}, "private_key": {PEM:?}, "csr": ""}}"#);
        let set = parse_cfssljson("-", input.as_bytes(), true).expect("valid");
        let suffixes: Vec<_> = set
            .files
            .iter()
            .map(|f| (f.suffix, f.contents.is_secret()))
            .collect();
        assert_eq!(suffixes, [(".pem", PUBLIC), ("-key.pem", KEY)]);
    }

    #[test]
    fn a_key_is_secret_contents_that_debug_output_never_shows() {
        let key =
            "-----BEGIN EC PRIVATE KEY-----\nU0VDUkVUS0VZQk9EWQ==\n-----END EC PRIVATE KEY-----\n";
        let input = format!(r#"{{"cert": {PEM:?}, "key": {key:?}}}"#);
        let set = parse_cfssljson("-", input.as_bytes(), true).expect("valid");
        let file = set
            .files
            .iter()
            .find(|f| f.suffix == "-key.pem")
            .expect("key");
        assert!(matches!(file.contents, Contents::Secret(_)));
        assert_eq!(file.contents.bytes(), key.as_bytes());
        let shown = format!("{set:?}");
        assert!(!shown.contains("U0VDUkVUS0VZQk9EWQ"), "{shown}");
        assert!(shown.contains("SecretBytes("), "{shown}");
    }

    #[test]
    fn envelope_is_required_without_bare() {
        let input = format!(r#"{{"cert": {PEM:?}}}"#);
        let e = parse_cfssljson("-", input.as_bytes(), false)
            .expect_err("no envelope")
            .to_string();
        assert!(e.contains("add -bare"), "{e}");
        let ok = format!(r#"{{"success": true, "result": {{"cert": {PEM:?}}}}}"#);
        assert_eq!(
            parse_cfssljson("-", ok.as_bytes(), false)
                .expect("ok")
                .files
                .len(),
            1
        );
        let failed = r#"{"success": false, "errors": [{"code": 1, "message": "boom"}]}"#;
        let e = parse_cfssljson("-", failed.as_bytes(), false)
            .expect_err("failed")
            .to_string();
        assert!(e.contains("request failed: boom"), "{e}");
    }

    #[test]
    fn bad_values_fail_before_anything_is_written() {
        for input in [
            "",
            "[]",
            r#"{"cert": 5}"#,
            r#"{"cert": "not pem"}"#,
            "{}",
            r#"{"cert": "#,
        ] {
            assert!(
                parse_cfssljson("-", input.as_bytes(), true).is_err(),
                "{input}"
            );
        }
    }
}
