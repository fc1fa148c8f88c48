//! The layer picture of `src/lib.rs` and docs/design.md, enforced: every `crate::X` path in a
//! module's code (comments and `#[cfg(test)]` code aside) must point along an allowed edge.
//!
//! Layers, lowest first: foundation (`diag`, `x509`, `parallel`), pipeline stages in pipeline
//! order (`config`, `key`, `request`, `sign`, `output`), domain (`etcd`, then `pki`), features,
//! and the crate `error` that wraps them all.
//! A module may use its own layer's earlier modules and every lower layer; a feature never uses
//! another feature. The CLI (`src/cli`, `src/main.rs`) reaches the library through its public
//! API and may use any of it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every top-level module, ranked: a module may depend only on modules of a lower rank, and
/// on modules of its own rank when `SAME_RANK_ORDERED` says so.
const RANKS: &[(&str, u32)] = &[
    ("diag", 0),
    ("parallel", 0),
    ("x509", 0),
    ("config", 10),
    ("key", 11),
    ("request", 12),
    ("sign", 13),
    ("output", 14),
    ("etcd", 20),
    ("pki", 21),
    ("certinfo", 30),
    ("cluster", 30),
    ("expiry", 30),
    ("lint", 30),
    ("renew", 30),
    ("revoke", 30),
    ("rotate", 30),
    // The crate error wraps every module's error, features' included.
    ("error", 40),
];

fn rank(module: &str) -> Option<u32> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules `text` names as `crate::X`, before its `#[cfg(test)]` part and
/// outside comments.
fn used_modules(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let code = code.split("//").next().unwrap_or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::Type` re-exported at the root (`crate::PrivateKey`) names no module.
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                used.insert(name);
            }
        }
    }
    used
}

fn edges() -> Vec<(String, String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .expect("a component")
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if matches!(top.as_str(), "lib" | "main" | "cli") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        for used in used_modules(&text) {
            if used != top {
                out.push((top.clone(), used, relative.to_path_buf()));
            }
        }
    }
    out
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut unranked = Vec::new();
    for entry in std::fs::read_dir(&src).expect("src") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let module = name.trim_end_matches(".rs");
        if !matches!(module, "lib" | "main" | "cli") && rank(module).is_none() {
            unranked.push(module.to_owned());
        }
    }
    assert!(
        unranked.is_empty(),
        "modules without a layer (add them to RANKS, lib.rs and docs/design.md): {unranked:?}"
    );
}

#[test]
fn dependencies_point_down_the_layers() {
    let mut wrong = Vec::new();
    for (from, to, file) in edges() {
        let (Some(a), Some(b)) = (rank(&from), rank(&to)) else {
            wrong.push(format!(
                "{}: {from} -> {to} (unknown module)",
                file.display()
            ));
            continue;
        };
        // Same rank: only the stages and the domain are ordered (a later one uses an earlier
        // one); two features, or two foundation modules, never depend on each other.
        if b >= a {
            wrong.push(format!("{}: {from} -> {to}", file.display()));
        }
    }
    assert!(
        wrong.is_empty(),
        "edges against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_edges_and_skips_comments_and_tests() {
    let text = "use crate::config::Profile;\n// crate::lint is named in a comment\n\
                let x = crate::pki::scan::walk(); // crate::cluster\n\
                #[cfg(test)]\nmod tests { use crate::renew::x; }\n";
    let used: Vec<String> = used_modules(text).into_iter().collect();
    assert_eq!(used, ["config", "pki"]);
    assert!(
        rank("cluster") == rank("lint"),
        "features share a rank, so no edge between them"
    );
}

/// The names of notes that live outside the repository, built from pieces so that this file
/// does not name them itself.
fn private_note_names() -> Vec<String> {
    let md = |stem: &str| format!("{stem}.{}", "md");
    vec![
        md("cfssl"),
        md(&["lint", "and", "etcd"].join("-")),
        md("crates"),
        md(&["etcd", "tls", "surface"].join("-")),
        md(&"style".to_uppercase()),
        ["shared", "research"].join("/"),
    ]
}

/// Every file under `path` (or `path` itself), symbolic links not followed.
fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    let meta = std::fs::symlink_metadata(path).expect("a readable path");
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .expect("a readable directory")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            files_under(&entry, out);
        }
    } else if meta.is_file() {
        out.push(path.to_path_buf());
    }
}

/// `file:line: name` for each line of `bytes` that names one of `names`.
fn mentions(file: &Path, bytes: &[u8], names: &[String]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for name in names {
            if line.contains(name.as_str()) {
                found.push(format!("{}:{}: {name}", file.display(), n + 1));
            }
        }
    }
    found
}

#[test]
fn comments_and_docs_cite_only_what_the_repository_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let names = private_note_names();
    // The matcher itself finds a citation of each name.
    for name in &names {
        let sample = format!("// see {name} §2\n");
        assert_eq!(
            mentions(Path::new("sample.rs"), sample.as_bytes(), &names).len(),
            1,
            "{name}"
        );
    }
    let required = ["src", "tests", "docs", "Cargo.toml", "README.md"];
    let optional = [
        "fuzz/src",
        "fuzz/fuzz_targets",
        "fuzz/Cargo.toml",
        "fuzz/README.md",
        "fuzz/ci.sh",
        ".ci",
        ".cargo",
        "deny.toml",
        "clippy.toml",
        "CHANGELOG.md",
        "profiles",
    ];
    let mut files = Vec::new();
    for part in required {
        files_under(&root.join(part), &mut files);
    }
    for part in optional {
        let path = root.join(part);
        if path.exists() {
            files_under(&path, &mut files);
        }
    }
    assert!(files.len() > 100, "only {} files read", files.len());
    let mut found = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).expect("a readable file");
        let relative = file.strip_prefix(root).expect("under the root");
        found.extend(mentions(relative, &bytes, &names));
    }
    assert!(
        found.is_empty(),
        "files cite notes that are not in the repository; cite the upstream source (RFC \
         section, cfssl or etcd file and release, Go package) or a docs/ section instead:\n{}",
        found.join("\n")
    );
}
