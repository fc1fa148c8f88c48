//! Issue 18, point 6: no message shows Rust internals. Every CLI transcript (tests/cmd) and the
//! output of a set of failing and succeeding commands run here are scanned for what Rust's
//! `Debug` formatting prints and a user should never see: type names (`OffsetDateTime`,
//! `PathBuf`), `Some(`/`None`/`Ok(`/`Err(`, struct literals (`Name { field: … }`), an I/O
//! error's `Os { code: … }` or Display's `(os error 28)`, a time's `Display` (`2026-12-07 6:18:03.0 +00:00:00`), a debug
//! list of strings (`["a", "b"]`) and a debug string's escaped quotes (`\"`).

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{Dir, etcdpki, require};

/// What in `text` looks like Rust's `Debug` output, as (pattern, line).
fn leaks(text: &str) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut hit = |pattern: &'static str| found.push((pattern, line.to_owned()));
        for token in [
            "OffsetDateTime",
            "PrimitiveDateTime",
            "PathBuf",
            "Some(",
            "Ok(",
            "Err(",
            "Os { code",
            "Tag(",
            "+00:00:00",
            "(os error",
            "\\\"",
        ] {
            if line.contains(token) {
                hit(token);
            }
        }
        if has_word(line, "None") {
            hit("None");
        }
        if debug_list(line) {
            hit("[\"");
        }
        if struct_literal(line) {
            hit("Name {");
        }
    }
    found
}

/// `word` standing alone (not inside another word).
fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// `["a", "b"]` outside JSON: a list of quoted strings not following a JSON key (`"k": [`).
fn debug_list(line: &str) -> bool {
    line.match_indices("[\"").any(|(i, _)| {
        let before = line[..i].trim_end();
        !(before.ends_with([':', '[', ',']) || before.ends_with("e.g."))
    })
}

/// `Name { field: ` : a capitalised identifier, a brace, a lower-case field and a colon.
fn struct_literal(line: &str) -> bool {
    line.match_indices(" { ").any(|(i, _)| {
        let name: String = line[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let field: String = line[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        name.chars().last().is_some_and(char::is_uppercase)
            && !field.is_empty()
            && line[i + 3 + field.len()..].starts_with(':')
    })
}

#[test]
fn the_scanner_finds_what_debug_prints() {
    for leak in [
        "expires at OffsetDateTime { .. }",
        "x: Some(\"a\")",
        "no SAN matching [\"a\", \"b\"]",
        "names [\"a\", \"b\"], which",
        "Invalid { text: \"x\" }",
        "cannot read: Os { code: 2, kind: NotFound }",
        "at 2026-12-07 6:18:03.0 +00:00:00",
        "value \"a\\\"b\"",
        "got None here",
        "<stdout>: No space left on device (os error 28)",
    ] {
        assert!(!leaks(leak).is_empty(), "missed: {leak}");
    }
    for fine in [
        "error: ca-config.json: signing.profiles.peer.expiry: invalid duration \"1y\"",
        "  \"usages\": [\"signing\", \"key encipherment\"],",
        "Nonesuch is a word; so is Okay",
        "no SAN matching \"a\", \"b\"",
    ] {
        assert_eq!(leaks(fine), [], "{fine}");
    }
}

#[test]
fn no_cli_transcript_shows_rust_internals() {
    let mut problems = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir("tests/cmd")
        .expect("tests/cmd")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "stdout" || e == "stderr")
        })
        .collect();
    files.sort();
    assert!(files.len() > 50, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).expect("transcript");
        for (pattern, line) in leaks(&text) {
            problems.push(format!("{}: {pattern}: {line}", file.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// stdout and stderr of `etcdpki args` in `dir`, with the command, for the report.
fn transcript(dir: &Path, args: &[&str]) -> String {
    let out: Output = Command::new(etcdpki())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("etcdpki");
    format!(
        "$ etcdpki {} (exit {})\n{}{}",
        args.join(" "),
        out.status
            .code()
            .map_or("by a signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn messages_of_failing_and_succeeding_commands_show_no_rust_internals() {
    let dir = Dir::new();
    dir.ok(
        &[
            "cluster",
            "--initial-cluster",
            "infra0=https://127.0.0.1:2380,infra1=https://127.0.0.2:2380",
            "--client",
            "etcdctl",
        ],
        b"",
    );
    // Settings lint reports with lists of names, and a bad serial list for gencrl.
    let env = dir.join("pki/infra0.env");
    let mut text = std::fs::read_to_string(&env).expect("env");
    text.push_str(
        "ETCD_CIPHER_SUITES=BOGUS_ONE,BOGUS_TWO\nETCD_PEER_CERT_ALLOWED_CN=nobody,somebody\n",
    );
    std::fs::write(&env, text).expect("env");
    dir.write("serials.txt", "12\nnot-a-serial\n");
    dir.write("bad-oid.json", r#"{"CN": "x", "names": [{"O": "x"}], "extensions": [{"id": [1, 99999999999999999999], "value": "AA=="}]}"#);
    let ca = ["--ca", "pki/ca.pem", "--ca-key", "pki/ca-key.pem"];
    let with_ca = |rest: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec!["renew"];
        v.extend(ca);
        v.extend_from_slice(rest);
        v
    };
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["expiry", "pki"],
        vec!["expiry", "missing"],
        vec!["expiry", "--at", "tomorrow", "pki"],
        vec![
            "expiry",
            "--at",
            "2100-01-01T00:00:00Z",
            "--fail-within",
            "30d",
            "pki",
        ],
        vec!["expiry", "--fail-within", "soon", "pki"],
        vec!["expiry", "--format", "markdown", "pki"],
        with_ca(&["--dry-run", "pki"]),
        with_ca(&["--dry-run", "--before", "100%", "pki"]),
        with_ca(&["--dry-run", "--before", "-5d", "pki"]),
        with_ca(&["--dry-run", "--before", "120%", "pki"]),
        with_ca(&["--dry-run", "--expiry", "1m", "pki"]),
        vec![
            "renew",
            "--ca",
            "missing.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "pki",
        ],
        vec!["renew", "pki"],
        vec!["lint", "pki"],
        vec!["lint", "--etcd-config", "pki/infra0.env", "pki"],
        vec!["lint", "--at", "2100-01-01T00:00:00Z", "pki"],
        vec!["lint", "--rule", "nope=error", "pki"],
        vec!["cluster", "--names", "X=1"],
        vec!["cluster", "--client", "bad name", "--out", "other"],
        vec!["cluster", "--initial-cluster", "infra0", "--out", "other"],
        vec!["gencrl", "serials.txt", "pki/ca.pem", "pki/ca-key.pem"],
        vec!["gencert", "-initca", "missing.json"],
        vec!["gencert", "-initca", "bad-oid.json"],
        vec!["certinfo", "-cert", "missing.pem"],
        vec!["certinfo", "-domain", "::::"],
        vec!["print-defaults", "nope"],
        vec!["man", "nope"],
        vec![
            "revoke",
            "--ca",
            "pki/ca.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "--serial",
            "zz",
        ],
    ];
    runs.push(vec!["json", "-bare", "x", "extra", "args"]);
    for step in ["status", "reissue", "finish"] {
        runs.push(vec![
            "rotate-ca",
            step,
            "--ca",
            "pki/ca.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "pki",
        ]);
    }
    runs.push(vec![
        "rotate-ca",
        "prepare",
        "--dry-run",
        "--ca",
        "pki/ca.pem",
        "--ca-key",
        "pki/ca-key.pem",
        "pki",
    ]);
    let mut all = String::new();
    for args in &runs {
        all.push_str(&transcript(dir.path(), args));
    }
    // A run that waits for a lock another process holds, and gives up.
    let mut holder = Command::new(require("flock", "util-linux"))
        .args(["pki", "sleep", "10"])
        .current_dir(dir.path())
        .spawn()
        .expect("flock");
    std::thread::sleep(std::time::Duration::from_millis(300));
    all.push_str(&transcript(
        dir.path(),
        &with_ca(&["--before", "100%", "--lock-timeout", "500ms", "pki"]),
    ));
    let _ = holder.kill();
    let _ = holder.wait();
    let problems: Vec<String> = leaks(&all)
        .into_iter()
        .map(|(pattern, line)| format!("{pattern}: {line}"))
        .collect();
    assert!(problems.is_empty(), "{}\n\n{all}", problems.join("\n"));
    assert!(all.contains("waited 0.5s"), "{all}");
    // Standard output on a full disk: the OS's words, not Rust's error number.
    let full = Command::new(etcdpki())
        .args(["print-defaults", "config"])
        .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("etcdpki");
    let err = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(1), "{err}");
    assert_eq!(err, "error: <stdout>: no space left on device\n");
    // The key exists; the problem is where it lies (it was "pki/ca-key.pem: it does not exist").
    let misplaced = transcript(
        dir.path(),
        &[
            "rotate-ca",
            "status",
            "--ca",
            "ca.pem",
            "--ca-key",
            "pki/ca-key.pem",
            "pki",
        ],
    );
    assert!(
        misplaced.contains("pki/ca-key.pem: not in the directory of --ca (.)")
            && !misplaced.contains("does not exist"),
        "{misplaced}"
    );
}
