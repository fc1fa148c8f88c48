//! Issue 17, point 7: `etcdpki rotate-ca` on a live 3-member etcd 3.4.23 (127.0.0.1–3, client
//! and peer certificate auth, members started from YAML configurations and restarted by
//! `--restart-cmd`), with a writer putting keys through all three endpoints and a quorum
//! watcher for the whole rotation. The harness is in `live_etcd.rs`.

use crate::live_etcd::{LiveCluster, PkiShape, QuorumWatcher, Writer, assert_writes_and_quorum};
use crate::util::{Dump, openssl_verify};

/// The harness itself: the cluster comes up from each PKI shape, and the writer and the
/// watcher see every write acknowledged and quorum kept while the restart script restarts
/// each member in turn (as `--restart-cmd` would), every key reading back at the end.
#[test]
fn the_live_cluster_keeps_quorum_and_every_write_across_a_rolling_restart() {
    for shape in [PkiShape::Cluster, PkiShape::CfsslScript] {
        let cluster = LiveCluster::start(shape);
        let writer = Writer::start(&cluster.client);
        let watcher = QuorumWatcher::start(&cluster.client);
        let pids: Vec<Option<u32>> = cluster.members.iter().map(|m| cluster.pid(m)).collect();
        let mut acked = writer.wait_for(0, 2, "before the restarts");
        for m in &cluster.members {
            cluster.restart(m);
            acked = writer.wait_for(acked, 2, &format!("after {} restarted", m.name));
        }
        let new_pids: Vec<Option<u32>> = cluster.members.iter().map(|m| cluster.pid(m)).collect();
        for (old, new) in pids.iter().zip(&new_pids) {
            assert!(
                old.is_some() && new.is_some() && old != new,
                "{shape:?}: {pids:?} → {new_pids:?}"
            );
            assert!(
                !crate::live_etcd::alive(old.expect("pid")),
                "the old member exited"
            );
        }
        let writes = writer.stop();
        let watch = watcher.stop();
        assert_writes_and_quorum(&cluster, &writes, &watch, 3);
        cluster.assert_lint_clean(&format!("{shape:?}, before any rotation"));
        let pids = new_pids;
        drop(cluster);
        for pid in pids.into_iter().flatten() {
            assert!(
                !crate::live_etcd::alive(pid),
                "{shape:?}: member {pid} stopped at the end"
            );
        }
    }
}

/// `etcdpki rotate-ca STEP --ca pki/ca.pem --ca-key pki/ca-key.pem --etcd-config m1.yaml
/// --etcd-config m2.yaml --etcd-config m3.yaml EXTRA… pki`: (exit code, stdout, stderr).
fn rotate_ca(cluster: &LiveCluster, step: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args: Vec<String> = vec![
        "rotate-ca".into(),
        step.into(),
        "--ca".into(),
        "pki/ca.pem".into(),
        "--ca-key".into(),
        "pki/ca-key.pem".into(),
    ];
    args.extend(cluster.config_args());
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.push("pki".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cluster.etcdpki(&args)
}

/// `rotate-ca STEP` must succeed.
fn rotate_ok(cluster: &LiveCluster, step: &str, extra: &[&str]) -> String {
    let (code, stdout, stderr) = rotate_ca(cluster, step, extra);
    assert_eq!(
        code,
        Some(0),
        "rotate-ca {step} {extra:?}:\n{stdout}{stderr}\n{}",
        cluster.logs()
    );
    stdout
}

/// Every certificate in a PEM file, as DER.
fn ders(path: &std::path::Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pem::parse_many(&bytes)
        .expect("PEM")
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .map(|p| p.contents().to_vec())
        .collect()
}

/// The leaf certificate files under `pki/` (every `.pem` but keys and the CA's own files).
fn leaves(cluster: &LiveCluster) -> Vec<std::path::PathBuf> {
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(cluster.dir.join("pki"))
        .expect("ls pki")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.ends_with(".pem") && !name.ends_with("-key.pem") && !name.starts_with("ca")
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 7,
        "three servers, three peers, a client: {out:?}"
    );
    out
}

/// The trust files the members' configurations name.
fn trust_files(cluster: &LiveCluster) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for m in &cluster.members {
        let text = std::fs::read_to_string(&m.config).expect("config");
        for line in text.lines() {
            if let Some(path) = line.trim().strip_prefix("trusted-ca-file: ") {
                out.push(std::path::PathBuf::from(path));
            }
        }
    }
    assert_eq!(out.len(), 6, "a client and a peer trust file per member");
    out
}

/// The PIDs of the members now.
fn pids(cluster: &LiveCluster) -> Vec<u32> {
    cluster
        .members
        .iter()
        .map(|m| cluster.pid(m).expect("a PID file"))
        .collect()
}

/// Issue 17, point 7: prepare, reissue and finish with `--restart-cmd` on the live cluster
/// while the writer and the watcher run; lint clean after each stage; at the end no trust file
/// holds the old CA and every leaf is the new CA's; every write acknowledged and read back;
/// quorum never lost.
fn rotation_keeps_the_cluster_up(shape: PkiShape, keep_key: bool) {
    let cluster = LiveCluster::start(shape);
    let old_ca = ders(&cluster.ca.0);
    assert_eq!(old_ca.len(), 1);
    let old_ca = old_ca.into_iter().next().expect("the old CA");
    let old_key = std::fs::read(&cluster.ca.1).expect("the CA key");
    let restart_cmd = cluster.restart_cmd();
    let writer = Writer::start(&cluster.client);
    let watcher = QuorumWatcher::start(&cluster.client);
    let mut acked = writer.wait_for(0, 2, "before the rotation");
    let label = format!("{shape:?}, keep-key {keep_key}");

    let before = pids(&cluster);
    let mut prepare = vec!["--restart-cmd", restart_cmd.as_str()];
    if keep_key {
        prepare.push("--keep-key");
    }
    rotate_ok(&cluster, "prepare", &prepare);
    let next = ders(&cluster.dir.join("pki/ca-next.pem"));
    assert_eq!(next.len(), 1, "{label}: ca-next.pem holds the new CA");
    let new_ca = next[0].clone();
    assert_ne!(new_ca, old_ca);
    assert_eq!(
        cluster.dir.join("pki/ca-next-key.pem").exists(),
        !keep_key,
        "{label}: a new key unless --keep-key"
    );
    for trust in trust_files(&cluster) {
        assert_eq!(
            ders(&trust),
            [old_ca.clone(), new_ca.clone()],
            "{label}: {} is old + new",
            trust.display()
        );
    }
    let after = pids(&cluster);
    for (b, a) in before.iter().zip(&after) {
        assert_ne!(b, a, "{label}: every member was restarted by --restart-cmd");
    }
    cluster.assert_lint_clean(&format!("{label}, after prepare"));
    acked = writer.wait_for(acked, 2, "after prepare");

    // With --keep-key the new CA certificate is on the old key with the old subject: every
    // leaf already chains to it and reissue has nothing to do. Each step is idempotent: run
    // again, it changes nothing and succeeds.
    let new_dump = Dump::from_der(&new_ca);
    let leaf_bytes = || -> Vec<Vec<u8>> {
        leaves(&cluster)
            .iter()
            .map(|l| ders(l)[0].clone())
            .collect()
    };
    let before_reissue = leaf_bytes();
    rotate_ok(&cluster, "reissue", &[]);
    let reissued = leaf_bytes();
    rotate_ok(&cluster, "reissue", &[]);
    assert_eq!(
        leaf_bytes(),
        reissued,
        "{label}: a second reissue changes nothing"
    );
    for (leaf, old) in leaves(&cluster).iter().zip(&before_reissue) {
        let dump = Dump::from_der(&ders(leaf)[0]);
        dump.verify_signed_by(&new_dump);
        assert_eq!(
            dump.issuer_der,
            new_dump.subject_der,
            "{label}: {}",
            leaf.display()
        );
        assert_eq!(
            &dump.der == old,
            keep_key,
            "{label}: {} re-issued unless --keep-key",
            leaf.display()
        );
    }
    cluster.assert_lint_clean(&format!("{label}, after reissue"));
    acked = writer.wait_for(acked, 2, "after reissue");

    rotate_ok(&cluster, "finish", &["--restart-cmd", restart_cmd.as_str()]);
    cluster.assert_lint_clean(&format!("{label}, after finish"));
    let finished = pids(&cluster);
    rotate_ok(&cluster, "finish", &["--restart-cmd", restart_cmd.as_str()]);
    assert_eq!(
        pids(&cluster),
        finished,
        "{label}: a second finish restarts nobody"
    );
    writer.wait_for(acked, 2, "after finish");

    let writes = writer.stop();
    let watch = watcher.stop();
    assert_writes_and_quorum(&cluster, &writes, &watch, 8);

    // The end state: the new CA is the CA, the old one kept aside, nothing trusts or uses it.
    assert_eq!(
        ders(&cluster.ca.0),
        std::slice::from_ref(&new_ca),
        "{label}: ca.pem is the new CA"
    );
    assert_eq!(
        ders(&cluster.dir.join("pki/ca-previous.pem")),
        std::slice::from_ref(&old_ca)
    );
    // The old key is kept aside; with --keep-key it is still the CA's own key.
    let kept_key = if keep_key {
        "pki/ca-key.pem"
    } else {
        "pki/ca-previous-key.pem"
    };
    assert_eq!(
        std::fs::read(cluster.dir.join(kept_key)).expect("kept"),
        old_key,
        "{label}: {kept_key} holds the old key"
    );
    assert!(
        !cluster.dir.join("pki/ca-next.pem").exists()
            && !cluster.dir.join("pki/ca-next-key.pem").exists()
    );
    for trust in trust_files(&cluster) {
        assert!(
            !ders(&trust).contains(&old_ca),
            "{label}: {} still trusts the old CA",
            trust.display()
        );
    }
    for leaf in leaves(&cluster) {
        let dump = Dump::from_der(&ders(&leaf)[0]);
        dump.verify_signed_by(&new_dump);
        if !keep_key {
            assert_ne!(
                dump.issuer_der,
                Dump::from_der(&old_ca).subject_der,
                "{label}: {} names the old CA",
                leaf.display()
            );
        }
        let purpose = if leaf.ends_with("root.pem") || leaf.ends_with("client.pem") {
            "sslclient"
        } else {
            "sslserver"
        };
        let rel = leaf
            .strip_prefix(cluster.dir.path())
            .expect("under")
            .display()
            .to_string();
        openssl_verify(&cluster.dir, "pki/ca.pem", &rel, purpose);
    }
}

#[test]
fn issue_17_rotate_ca_with_restarts_keeps_every_write_and_quorum() {
    for shape in [PkiShape::Cluster, PkiShape::CfsslScript] {
        rotation_keeps_the_cluster_up(shape, false);
    }
}

#[test]
fn issue_17_rotate_ca_keep_key_keeps_every_write_and_quorum() {
    for shape in [PkiShape::Cluster, PkiShape::CfsslScript] {
        rotation_keeps_the_cluster_up(shape, true);
    }
}

/// Issue 17, point 7: prepare without `--restart-cmd` (nobody restarts the members) leaves
/// them trusting only the old CA; `reissue` is refused by the live check naming them; with
/// `--force` it goes on, and etcd then refuses a client whose certificate is the new CA's
/// (`x509: certificate signed by unknown authority` in the member's log).
#[test]
fn issue_17_a_skipped_restart_is_caught_and_force_shows_what_etcd_refuses() {
    let cluster = LiveCluster::start(PkiShape::Cluster);
    let before = pids(&cluster);
    let printed = rotate_ok(&cluster, "prepare", &[]);
    for m in &cluster.members {
        assert!(
            printed.contains(&m.name),
            "prepare prints the restart order: {printed}"
        );
    }
    assert_eq!(pids(&cluster), before, "nothing restarted the members");
    let leaf = cluster.dir.read("pki/root.pem");

    let (code, stdout, stderr) = rotate_ca(&cluster, "reissue", &[]);
    assert_eq!(
        code,
        Some(1),
        "the live check blocks reissue:\n{stdout}{stderr}"
    );
    let said = format!("{stdout}{stderr}");
    for m in &cluster.members {
        assert!(said.contains(&m.name), "{} is named: {said}", m.name);
    }
    assert_eq!(
        cluster.dir.read("pki/root.pem"),
        leaf,
        "nothing was re-issued"
    );

    let (code, stdout, stderr) = rotate_ca(&cluster, "reissue", &["--force"]);
    assert_eq!(code, Some(0), "--force goes on:\n{stdout}{stderr}");
    let said = format!("{stdout}{stderr}");
    for m in &cluster.members {
        assert!(
            said.contains(&format!("warning: --force: going on although {}", m.name)),
            "each skipped check is a warning naming the member:\n{said}"
        );
    }
    assert_ne!(cluster.dir.read("pki/root.pem"), leaf, "re-issued");

    // The members still trust only the old CA (read at start): the client with its new
    // certificate is refused, and the members say why.
    let (ok, out) = cluster.client.etcdctl(&["put", "after", "force"]);
    assert!(
        !ok,
        "a client of the new CA must be refused by members that trust only the old one: {out}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cluster
        .members
        .iter()
        .any(|m| cluster.log(m).contains("unknown authority"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no member logged the refusal:\n{}",
            cluster.logs()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
