//! `etcdpki cluster` as an operator meets it (issue 18): `--dry-run` plans file by file and
//! changes nothing, and a real run then does what it planned; a strict spec file whose
//! misspelled keys are errors naming the closest key, while cfssl's own files stay lenient.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::cluster::{THREE, names, ok, run, snapshot, stderr};
use crate::util::Dir;

/// The certificate lines of a report (everything before `files:` and the totals).
fn certificate_lines(report: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| !l.starts_with("dry run:") && !l.starts_with("  "))
        .take_while(|l| *l != "files:" && !l.starts_with("pki:"))
        .map(str::to_owned)
        .collect()
}

/// The files a dry run's plan says it would write (created or updated), relative to `pki/`.
fn planned_writes(plan: &str) -> BTreeSet<String> {
    plan.lines()
        .filter_map(|l| {
            l.strip_prefix("  create ")
                .or_else(|| l.strip_prefix("  update "))
        })
        .map(|p| p.strip_prefix("pki/").expect("under pki/").to_owned())
        .collect()
}

/// A directory's own modification time and inode: a lock file or a temporary file made and
/// removed in it would change its time.
fn dir_stamp(path: &Path) -> (i64, i64, u64) {
    let m = std::fs::metadata(path).expect("metadata");
    (m.mtime(), m.mtime_nsec(), m.ino())
}

#[test]
fn issue_18_dry_run_on_an_empty_directory_makes_nothing_and_plans_every_file() {
    // https://github.com/etcdpki/etcdpki/issues/18, point 2.
    let dir = Dir::new();
    let entries = || std::fs::read_dir(dir.path()).expect("list").count();
    let (count, stamp) = (entries(), dir_stamp(dir.path()));
    let args = ["cluster", "--initial-cluster", THREE, "--client", "root"];
    let plan = ok(&dir, &[&args[..], &["--dry-run"]].concat());
    assert_eq!((entries(), dir_stamp(dir.path())), (count, stamp), "{plan}");
    assert!(!dir.join("pki").exists());
    assert!(plan.starts_with("dry run: nothing is written\n"), "{plan}");
    let certificates = certificate_lines(&plan);
    assert_eq!(certificates.len(), 8, "{plan}");
    assert!(
        certificates.iter().all(|l| l.starts_with("create ")),
        "{plan}"
    );
    assert!(plan.contains(&format!(
        "create   {:<28} pki/infra1-peer.pem\n",
        "infra1 peer"
    )));
    assert!(
        plan.ends_with("pki: 36 files would be written, 0 unchanged\n"),
        "{plan}"
    );

    // The real run writes exactly the files planned, and reports what the plan said.
    let report = ok(&dir, &args);
    let written: BTreeSet<String> = names(&snapshot(&dir.join("pki"))).into_iter().collect();
    assert_eq!(planned_writes(&plan), written);
    let said: Vec<String> = certificates
        .iter()
        .map(|l| l.replacen("create  ", "new     ", 1))
        .collect();
    assert_eq!(said, certificate_lines(&report));
}

#[test]
fn issue_18_dry_run_names_each_reissue_and_why_and_changes_no_byte_time_or_inode() {
    let dir = Dir::new();
    let args = ["cluster", "--initial-cluster", THREE, "--client", "root"];
    ok(&dir, &args);
    let pki = dir.join("pki");
    // What a killed run leaves: a dry run names it and leaves it (a real run removes it).
    dir.write("pki/.infra0.pem.0123456789ab.tmp", "half");
    let (before, stamp) = (snapshot(&pki), dir_stamp(&pki));

    // A new server SAN: the server certificates are re-issued, the rest kept.
    let changed = [&args[..], &["--server-san", "10.0.0.5"]].concat();
    let out = run(&dir, &[&changed[..], &["--dry-run"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: pki/.infra0.pem.0123456789ab.tmp: a file a killed run left; a real run first finishes or drops its set, which this plan does not show\n"
    );
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    for m in ["infra0", "infra1", "infra2"] {
        let line = format!(
            "re-issue {:<28} pki/{m}.pem (its SANs differ: it lacks 10.0.0.5)\n",
            format!("{m} server")
        );
        assert!(plan.contains(&line), "{line}\nnot in\n{plan}");
        assert!(plan.contains(&format!(
            "keep     {:<28} pki/{m}-peer.pem\n",
            format!("{m} peer")
        )));
        assert!(plan.contains(&format!("  update pki/{m}.pem\n")), "{plan}");
        assert!(
            plan.contains(&format!("  keep   pki/{m}-peer.pem\n")),
            "{plan}"
        );
    }
    assert!(
        plan.contains(&format!("keep     {:<28} pki/ca.pem\n", "CA")),
        "{plan}"
    );

    // Other subject names: the CA is kept (it differs, and a warning says so) and every leaf
    // is re-issued because its subject changes.
    let out = run(
        &dir,
        &[&args[..], &["--names", "O=other", "--dry-run"]].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let renamed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(renamed.matches("\nre-issue ").count(), 7, "{renamed}");
    assert!(
        renamed.contains("(its subject is \"O=etcd, OU=server, CN=infra0\", the plan's is \"O=other, OU=server, CN=infra0\")"),
        "{renamed}"
    );
    assert!(
        stderr(&out).contains("the CA differs from the plan"),
        "{}",
        stderr(&out)
    );

    // A fourth member: only its files are new.
    let four = format!("{THREE},infra3=https://10.0.1.13:2380");
    let grown = ok(
        &dir,
        &[
            "cluster",
            "--initial-cluster",
            &four,
            "--client",
            "root",
            "--dry-run",
        ],
    );
    let new: Vec<String> = certificate_lines(&grown)
        .into_iter()
        .filter(|l| !l.starts_with("keep "))
        .collect();
    assert_eq!(
        new,
        [
            format!("create   {:<28} pki/infra3.pem", "infra3 server"),
            format!("create   {:<28} pki/infra3-peer.pem", "infra3 peer")
        ]
    );

    // None of the dry runs changed a byte, a time or an inode, or made or removed a file.
    assert_eq!(snapshot(&pki), before);
    assert_eq!(dir_stamp(&pki), stamp);

    // The real run does what the plan said, certificate by certificate and file by file.
    let report = ok(&dir, &changed);
    let said: Vec<String> = certificate_lines(&plan)
        .iter()
        .map(|l| {
            l.replacen("re-issue", "replaced", 1)
                .replacen("keep    ", "kept    ", 1)
        })
        .collect();
    assert_eq!(said, certificate_lines(&report));
    let after = snapshot(&pki);
    let touched: BTreeSet<String> = after
        .iter()
        .filter(|(path, state)| before.get(*path) != Some(*state))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert_eq!(planned_writes(&plan), touched);
}

/// The keys a member of the spec file accepts, as the error lists them.
const MEMBER_KEYS: &str = "expected one of \"name\", \"peer_urls\", \"client_urls\", \"hosts\", \"server_hosts\", \"peer_hosts\"";

/// The keys of the spec file's top level.
const TOP_KEYS: &str =
    "expected one of \"members\", \"clients\", \"discovery_srv\", \"server_hosts\", \"peer_hosts\"";

#[test]
fn issue_18_misspelled_spec_keys_are_errors_and_nothing_is_written() {
    // https://github.com/etcdpki/etcdpki/issues/18, point 3: `"host"` and `"client"` were
    // warnings, and the run made a PKI without the SAN and without the client certificate.
    let dir = Dir::new();
    dir.write(
        "cluster.json",
        r#"{"members": [
              {"name": "infra0", "peer_urls": ["https://10.0.1.10:2380"], "host": ["infra0.example.com"]},
              {"name": "infra1", "peer_urls": ["https://10.0.1.11:2380"], "peer_host": ["10.0.2.11"]}],
            "client": ["root"]}"#,
    );
    let out = run(&dir, &["cluster", "--spec", "cluster.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: cluster.json: client: unknown key \"client\"; {TOP_KEYS}\n  help: did you mean \"clients\"?\n\
             error: cluster.json: members[0].host: unknown key \"host\"; {MEMBER_KEYS}\n  help: did you mean \"hosts\"?\n\
             error: cluster.json: members[1].peer_host: unknown key \"peer_host\"; {MEMBER_KEYS}\n  help: did you mean \"peer_hosts\"?\n"
        )
    );
    assert!(out.stdout.is_empty());
    assert!(!dir.join("pki").exists(), "nothing is written");

    // Spelled right, the same file makes the SAN and the client certificate.
    let fixed = String::from_utf8(dir.read("cluster.json"))
        .expect("UTF-8")
        .replace("\"host\"", "\"hosts\"")
        .replace("\"peer_host\"", "\"peer_hosts\"")
        .replace("\"client\"", "\"clients\"");
    dir.write("cluster.json", &fixed);
    ok(&dir, &["cluster", "--spec", "cluster.json"]);
    assert!(dir.join("pki/root.pem").exists());
    let sans = dir.cert("pki/infra0.pem").sans();
    assert!(
        sans.iter().any(|s| s.contains("infra0.example.com")),
        "{sans:?}"
    );
    let sans = dir.cert("pki/infra1-peer.pem").sans();
    assert!(sans.iter().any(|s| s.contains("10.0.2.11")), "{sans:?}");
}

#[test]
fn cfssl_files_keep_cfssls_leniency_with_a_warning() {
    let dir = Dir::new();
    dir.write(
        "csr.json",
        r#"{"CN": "etcd-ca", "key": {"algo": "ecdsa", "size": 256}, "host": ["x"]}"#,
    );
    let out = run(&dir, &["gencert", "-initca", "csr.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "warning: csr.json: host: unknown key \"host\" ignored (cfssl ignores it too)\n  help: did you mean \"hosts\"?"
        ),
        "{}",
        stderr(&out)
    );
}
