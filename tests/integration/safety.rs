//! Issue 13's remaining points, each pinned by a run of the real binary: lint's output escapes
//! control characters, lint's size cap reports what was named, the files `cluster` makes under
//! umask 000, bounded reads in `gencrl` and `revoke`, `--lock-timeout` for `json` and `cluster`,
//! and what `renew` keeps (SAN kinds it does not issue itself, combined certificate+key files).
//! docs/security.md names each test beside the guarantee it pins.
// https://github.com/etcdpki/etcdpki/issues/13

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use crate::util::{Dir, etcdpki};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn lint(dir: &Dir, args: &[&str]) -> Output {
    let mut full = vec!["lint"];
    full.extend_from_slice(args);
    dir.run(&etcdpki(), &full, b"")
}

/// True if `s` holds ESC or CR (LF ends lines: a forged line is caught by counting them).
fn has_raw_controls(s: &str) -> bool {
    s.contains(['\x1b', '\r'])
}

/// Two self-signed CAs with one hostile CN and different keys (a `ca-rollover` finding names
/// the CN), one of them in a file whose name is hostile too.
fn hostile_names(dir: &Dir) {
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    let subject = "/CN=evil\x1b[2J\r\nerror[forged] x";
    for (key, cert) in [
        ("k1.key", "pki/bad\x1b[31m\r\nname.pem"),
        ("k2.key", "pki/two.pem"),
    ] {
        dir.p256_key(key);
        dir.openssl(&[
            "req", "-x509", "-new", "-key", key, "-days", "365", "-subj", subject, "-out", cert,
        ]);
    }
}

#[test]
fn issue_13_lint_escapes_control_characters_in_every_format() {
    let dir = Dir::new();
    hostile_names(&dir);
    let out = lint(&dir, &["pki"]);
    let report = text(&out.stdout);
    assert!(
        report.contains("pki/bad\\x1b[31m\\x0d\\x0aname.pem"),
        "{report}"
    );
    assert!(
        report.contains("CN=evil\\x1b[2J\\x0d\\x0aerror[forged] x"),
        "{report}"
    );
    assert!(!has_raw_controls(&report), "{report:?}");
    assert_eq!(
        report.lines().count(),
        2,
        "one finding, the summary: {report}"
    );

    // JSON keeps the exact values; its string escaping keeps them off the terminal.
    let json = text(&lint(&dir, &["--format", "json", "pki"]).stdout);
    assert!(!has_raw_controls(&json), "{json:?}");
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let files: Vec<&str> = value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| f["files"].as_array().expect("files"))
        .filter_map(|f| f.as_str())
        .collect();
    assert!(files.contains(&"pki/bad\x1b[31m\r\nname.pem"), "{files:?}");

    // SARIF: the message a code-scanning page shows, and the URI, hold no control character.
    let sarif = text(&lint(&dir, &["--format", "sarif", "pki"]).stdout);
    let value: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF");
    let results = value["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        let message = r["message"]["text"].as_str().expect("message");
        assert!(!message.chars().any(char::is_control), "{message:?}");
        for l in r["locations"].as_array().expect("locations") {
            let uri = l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri");
            assert!(!uri.chars().any(char::is_control), "{uri:?}");
        }
    }
    assert!(sarif.contains("pki/bad%1B[31m%0D%0Aname.pem"), "{sarif}");

    for format in ["markdown", "github"] {
        let shown = text(&lint(&dir, &["--format", format, "pki"]).stdout);
        assert!(
            shown.contains("\\x1b[2J\\x0d\\x0aerror[forged]"),
            "{format}: {shown}"
        );
        assert!(!has_raw_controls(&shown), "{format}: {shown:?}");
        assert_eq!(
            shown.lines().filter(|l| l.contains("forged")).count(),
            1,
            "{format}: the hostile name forges no line of its own: {shown}"
        );
    }
}

/// A sparse file of `size` bytes.
fn sparse(path: &std::path::Path, size: u64) {
    std::fs::File::create(path)
        .and_then(|f| f.set_len(size))
        .expect("sparse file");
}

#[test]
fn issue_13_lint_reports_an_oversized_file_it_was_named_and_notes_one_it_found() {
    let dir = crate::lint::good_pki();
    // 9 MiB: over the 8 MiB cap.
    sparse(&dir.join("pki/wal.bin"), 9 << 20);

    // Found by walking: a note on standard error; no finding, the run stays clean.
    let (code, found) = crate::lint::lint_json(&dir, &["pki"]);
    assert_eq!(code, 0, "{found:#?}");
    assert!(found.is_empty(), "{found:#?}");
    let out = lint(&dir, &["pki"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr)
            .contains("note: pki/wal.bin: not read: 9437184 bytes is more than the 8 MiB"),
        "{}",
        text(&out.stderr)
    );

    // Named on the command line: an error naming the file and the limit.
    let (code, found) = crate::lint::lint_json(&dir, &["pki", "pki/wal.bin"]);
    assert_eq!(code, 1, "{found:#?}");
    crate::lint::assert_fires(&found, "unreadable", "pki/wal.bin", "error");
    let out = lint(&dir, &["pki/wal.bin"]);
    assert_eq!(out.status.code(), Some(1));
    let shown = text(&out.stdout);
    assert!(
        shown.contains(
            "error[unreadable] pki/wal.bin: 9437184 bytes is more than the 8388608 bytes (8 MiB)"
        ),
        "{shown}"
    );

    // Named by an etcd configuration (and found by the walk): an error too.
    let key = dir.join("pki/infra0-server-key.pem");
    dir.write(
        "etcd.env",
        &format!(
            "ETCD_NAME=infra0\nETCD_CERT_FILE={}\nETCD_KEY_FILE={}\n",
            dir.join("pki/wal.bin").display(),
            key.display()
        ),
    );
    let (code, found) = crate::lint::lint_json(&dir, &["--etcd-config", "etcd.env", "pki"]);
    assert_eq!(code, 1, "{found:#?}");
    crate::lint::assert_fires(&found, "unreadable", "pki/wal.bin", "error");
}

/// Every path under `root` with its permission bits and whether it is a directory.
fn modes_under(root: &std::path::Path, out: &mut Vec<(std::path::PathBuf, u32, bool)>) {
    let meta = std::fs::symlink_metadata(root).expect("stat");
    out.push((
        root.to_path_buf(),
        meta.permissions().mode() & 0o7777,
        meta.is_dir(),
    ));
    if meta.is_dir() {
        for entry in std::fs::read_dir(root).expect("list") {
            modes_under(&entry.expect("entry").path(), out);
        }
    }
}

fn is_key_file(path: &std::path::Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    name.is_some_and(|n| n.ends_with("-key.pem") || n.ends_with(".key"))
}

#[test]
fn issue_13_cluster_under_umask_000_makes_0700_directories_and_0600_keys() {
    for layout in ["cfssl", "etcdadm", "kubeadm"] {
        let dir = Dir::new();
        let command = format!(
            "umask 000; exec {} cluster --initial-cluster a=https://127.0.0.1:2380,b=https://127.0.0.2:2380 --client root --layout {layout}",
            etcdpki().display()
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &command])
            .current_dir(dir.path())
            .output()
            .expect("sh");
        assert!(out.status.success(), "{layout}: {}", text(&out.stderr));
        let mut found = Vec::new();
        modes_under(&dir.join("pki"), &mut found);
        let keys = found.iter().filter(|(p, _, _)| is_key_file(p)).count();
        assert!(keys >= 5, "{layout}: {found:?}");
        for (path, mode, is_dir) in &found {
            let holds_key = *is_dir
                && std::fs::read_dir(path)
                    .expect("list")
                    .any(|e| is_key_file(&e.expect("entry").path()));
            let expected = match (is_dir, is_key_file(path)) {
                // The output directory, and every directory that holds a key.
                (true, _) if *path == dir.join("pki") || holds_key => 0o700,
                // A directory of certificates only.
                (true, _) => 0o755,
                (false, true) => 0o600,
                (false, false) => 0o644,
            };
            assert_eq!(
                *mode,
                expected,
                "{layout}: {} is {mode:o}, not {expected:o}",
                path.display()
            );
        }
    }
}

/// Holds an exclusive `flock` on `dir` (as another etcdpki run writing there would) until the
/// returned child is killed.
fn hold_lock(dir: &std::path::Path) -> std::process::Child {
    let mut child = std::process::Command::new(crate::util::require("flock", "util-linux"))
        .args(["-x"])
        .arg(dir)
        .args(["sleep", "30"])
        .spawn()
        .expect("flock");
    // Until flock holds it: a run started earlier would take the lock first.
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        let probe = std::process::Command::new("flock")
            .args(["-n", "-x"])
            .arg(dir)
            .arg("true")
            .status()
            .expect("flock -n");
        if !probe.success() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().expect("kill flock");
    child.wait().expect("reap flock");
    panic!("flock never took {}", dir.display());
}

fn release(mut holder: std::process::Child) {
    holder.kill().expect("kill flock");
    holder.wait().expect("reap flock");
}

#[test]
fn issue_13_json_and_cluster_give_up_after_their_lock_timeout() {
    let dir = Dir::new();
    dir.write(
        "ca.json",
        r#"{"CN": "ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    let input = dir.ok(&["gencert", "-initca", "ca.json"], b"");
    std::fs::create_dir(dir.join("out")).expect("mkdir");

    let holder = hold_lock(&dir.join("out"));
    let start = std::time::Instant::now();
    let out = dir.run(
        &etcdpki(),
        &["json", "-bare", "-lock-timeout", "1s", "out/ca"],
        &input,
    );
    let waited = start.elapsed();
    let cluster = dir.run(
        &etcdpki(),
        &["cluster", "--out", "out", "--lock-timeout", "1s"],
        b"",
    );
    release(holder);

    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("out: another etcdpki run is writing in this directory (waited 1s)"),
        "{}",
        text(&out.stderr)
    );
    assert!(waited >= std::time::Duration::from_secs(1), "{waited:?}");
    assert!(!dir.join("out/ca.pem").exists(), "nothing is written");
    assert_eq!(cluster.status.code(), Some(1), "{}", text(&cluster.stderr));
    assert!(
        text(&cluster.stderr)
            .contains("out: another etcdpki run is writing in this directory (waited 1s)"),
        "{}",
        text(&cluster.stderr)
    );
    assert!(!dir.join("out/ca.pem").exists(), "nothing is written");

    // Free again, both write.
    dir.ok(&["json", "-bare", "out/ca"], &input);
    assert!(dir.join("out/ca-key.pem").exists());
    let bad = dir.run(
        &etcdpki(),
        &["json", "-bare", "-lock-timeout", "0s", "x"],
        &input,
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

#[test]
fn issue_13_gencrl_and_revoke_read_keys_never_through_a_link_and_every_input_capped() {
    let dir = crate::revoke::pki();
    dir.write("serials.txt", "12345\n");
    std::os::unix::fs::symlink("ca-key.pem", dir.join("linked-key.pem")).expect("link");

    // gencrl: the CA key through a link is refused, naming the file and why.
    let out = dir.run(
        &etcdpki(),
        &["gencrl", "serials.txt", "ca.pem", "linked-key.pem"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("linked-key.pem: is a symbolic link, not a regular file")
            && text(&out.stderr).contains("(reading the CA key)"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // The real key works.
    dir.ok(&["gencrl", "serials.txt", "ca.pem", "ca-key.pem"], b"");

    // gencrl: a 9 MiB serial list or certificate is refused before it is read.
    sparse(&dir.join("big.txt"), 9 << 20);
    for args in [
        ["gencrl", "big.txt", "ca.pem", "ca-key.pem"],
        ["gencrl", "serials.txt", "big.txt", "ca-key.pem"],
    ] {
        let out = dir.run(&etcdpki(), &args, b"");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("big.txt: 9437184 bytes is more than the 8388608 bytes"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }

    // revoke: the CA key through a link, and an oversized certificate to revoke.
    let out = dir.run(
        &etcdpki(),
        &[
            "revoke",
            "-ca=ca.pem",
            "-ca-key=linked-key.pem",
            "client1.pem",
        ],
        b"",
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("linked-key.pem: is a symbolic link, not a regular file"),
        "{}",
        text(&out.stderr)
    );
    let out = crate::revoke::revoke(&dir, &["big.txt"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("big.txt: 9437184 bytes is more than the 8388608 bytes"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("crl.pem").exists(), "nothing was written");
}

/// A CA made by etcdpki in `ca/`, which `renew` then uses.
fn etcdpki_ca(dir: &Dir) {
    std::fs::create_dir(dir.join("ca")).expect("mkdir");
    dir.write(
        "ca-csr.json",
        r#"{"CN": "renew-ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &["-initca", "ca-csr.json"],
        "ca/ca",
    );
}

fn renew(dir: &Dir, extra: &[&str]) -> Output {
    let mut args = vec!["renew", "--ca", "ca/ca.pem", "--ca-key", "ca/ca-key.pem"];
    args.extend_from_slice(extra);
    dir.run(&etcdpki(), &args, b"")
}

/// The SAN lines of `openssl x509 -text` for `cert`.
fn openssl_sans(dir: &Dir, cert: &str) -> String {
    let dump = text(&dir.openssl(&["x509", "-in", cert, "-noout", "-ext", "subjectAltName"]));
    dump.lines()
        .skip(1)
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The DER of the SubjectAltName extension's value.
fn san_der(dir: &Dir, cert: &str) -> Vec<u8> {
    let dump = crate::util::Dump::from_pem(&dir.read(cert));
    dump.extension("2.5.29.17")
        .expect("a SAN extension")
        .2
        .clone()
}

#[test]
fn issue_13_renew_keeps_other_name_registered_id_and_directory_name_sans_byte_for_byte() {
    let dir = Dir::new();
    etcdpki_ca(&dir);
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write(
        "ext.cnf",
        "subjectAltName = DNS:node1.example, IP:127.0.0.1, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:node1@example, RID:1.2.3.4, dirName:dir_sect, email:ops@example\n\
         extendedKeyUsage = serverAuth, clientAuth\n\
         keyUsage = critical, digitalSignature, keyEncipherment\n\
         [dir_sect]\nO = etcd\nCN = node1 directory\n",
    );
    dir.p256_key("pki/node1-key.pem");
    dir.openssl(&[
        "req",
        "-new",
        "-key",
        "pki/node1-key.pem",
        "-subj",
        "/CN=node1",
        "-out",
        "node1.csr",
    ]);
    dir.openssl(&[
        "x509",
        "-req",
        "-in",
        "node1.csr",
        "-CA",
        "ca/ca.pem",
        "-CAkey",
        "ca/ca-key.pem",
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
        "-out",
        "pki/node1.pem",
    ]);
    let before = openssl_sans(&dir, "pki/node1.pem");
    for kind in [
        "othername:",
        "Registered ID:",
        "DirName:",
        "DNS:node1.example",
        "IP Address:127.0.0.1",
        "email:ops@example",
    ] {
        assert!(before.contains(kind), "{kind}: {before}");
    }
    let der_before = san_der(&dir, "pki/node1.pem");
    let old = dir.read("pki/node1.pem");

    let out = renew(&dir, &["--before", "60d", "pki"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        dir.read("pki/node1.pem") != old,
        "not renewed: {}",
        text(&out.stdout)
    );
    assert_eq!(openssl_sans(&dir, "pki/node1.pem"), before);
    assert_eq!(san_der(&dir, "pki/node1.pem"), der_before, "byte for byte");
    crate::util::openssl_verify(&dir, "ca/ca.pem", "pki/node1.pem", "sslserver");
}

#[test]
fn issue_13_renew_of_a_combined_certificate_and_key_file_writes_the_new_key_into_it() {
    let dir = Dir::new();
    etcdpki_ca(&dir);
    std::fs::create_dir(dir.join("pki")).expect("mkdir");
    dir.write(
        "leaf.json",
        r#"{"CN": "combined", "hosts": ["127.0.0.1"], "key": {"algo": "ecdsa", "size": 256}}"#,
    );
    dir.gencert(
        crate::util::Tool::Etcdpki,
        &["-ca=ca/ca.pem", "-ca-key=ca/ca-key.pem", "leaf.json"],
        "leaf",
    );
    // `cat cert key > combined.pem`, as some scripts make them; a bundle with the CA after.
    let mut combined = dir.read("leaf.pem");
    combined.extend(dir.read("leaf-key.pem"));
    std::fs::write(dir.join("pki/combined.pem"), &combined).expect("write");
    let mut bundle = dir.read("leaf.pem");
    bundle.extend(dir.read("ca/ca.pem"));
    bundle.extend(dir.read("leaf-key.pem"));
    std::fs::write(dir.join("pki/bundle.pem"), &bundle).expect("write");
    for f in ["pki/combined.pem", "pki/bundle.pem"] {
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    }

    let out = renew(&dir, &["--before", "100%", "pki"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (file, blocks) in [
        ("pki/combined.pem", vec!["CERTIFICATE", "EC PRIVATE KEY"]),
        (
            "pki/bundle.pem",
            vec!["CERTIFICATE", "CERTIFICATE", "EC PRIVATE KEY"],
        ),
    ] {
        let now = dir.read(file);
        let labels: Vec<String> = pem::parse_many(&now)
            .expect("PEM")
            .iter()
            .map(|b| b.tag().to_owned())
            .collect();
        assert_eq!(labels, blocks, "{file}");
        assert_ne!(
            now,
            if file.ends_with("combined.pem") {
                combined.clone()
            } else {
                bundle.clone()
            }
        );
        // The certificate and the key in the file are a pair, and it is a new key.
        let from_cert = dir.openssl(&["x509", "-in", file, "-noout", "-pubkey"]);
        let from_key = dir.openssl(&["pkey", "-in", file, "-pubout"]);
        assert_eq!(
            text(&from_cert),
            text(&from_key),
            "{file}: the key is the certificate's"
        );
        let old_key = dir.openssl(&["pkey", "-in", "leaf-key.pem", "-pubout"]);
        assert_ne!(text(&from_key), text(&old_key), "{file}: not the stale key");
        let mode = std::fs::metadata(dir.join(file))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    // The bundle keeps its CA where it was.
    let second = pem::parse_many(dir.read("pki/bundle.pem")).expect("PEM")[1]
        .contents()
        .to_vec();
    let ca = pem::parse_many(dir.read("ca/ca.pem")).expect("PEM")[0]
        .contents()
        .to_vec();
    assert_eq!(second, ca);

    // A combined file whose key is not its certificate's is refused, and left as it is.
    let mut wrong = dir.read("pki/combined.pem");
    let end = wrong
        .windows(25)
        .position(|w| w == b"-----END CERTIFICATE-----")
        .expect("end")
        + 26;
    wrong.truncate(end);
    dir.p256_key("other.key");
    wrong.extend(dir.read("other.key"));
    std::fs::write(dir.join("pki/combined.pem"), &wrong).expect("write");
    let out = renew(&dir, &["--before", "100%", "pki/combined.pem"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("its private key block is not the key of its certificate"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(dir.read("pki/combined.pem"), wrong);
}
