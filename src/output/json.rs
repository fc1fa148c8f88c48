//! cfssl's stdout contract: one line of JSON with sorted keys (`{"cert":…,"csr":…,"key":…}`).

use std::collections::BTreeMap;

/// The PEM results of one command; absent fields are left out of the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    /// The certificate.
    pub cert: Option<String>,
    /// The certificate request.
    pub csr: Option<String>,
    /// The private key.
    pub key: Option<String>,
}

/// The bundle as cfssl prints it: Go's `json.Marshal` of a map, so keys sorted and `<`, `>`,
/// `&`, U+2028 and U+2029 escaped, then one newline.
pub fn to_json_line(bundle: &Bundle) -> String {
    let mut map = BTreeMap::new();
    for (k, v) in [
        ("cert", &bundle.cert),
        ("csr", &bundle.csr),
        ("key", &bundle.key),
    ] {
        if let Some(v) = v {
            map.insert(k, v.as_str());
        }
    }
    let json = serde_json::to_string(&map).expect("a map of strings always serialises");
    let mut out = go_escape(&json);
    out.push('\n');
    out
}

/// Go's `encoding/json` escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; JSON text
/// has them nowhere else.
pub(crate) fn go_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_go_escapes_apply() {
        let b = Bundle {
            key: Some("k".into()),
            cert: Some("a\n<&>".into()),
            csr: None,
        };
        assert_eq!(
            to_json_line(&b),
            "{\"cert\":\"a\\n\\u003c\\u0026\\u003e\",\"key\":\"k\"}\n"
        );
    }
}
