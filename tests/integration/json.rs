//! `json` (cfssljson): files, modes, aliases, all-or-nothing.

use std::os::unix::fs::PermissionsExt;

use crate::util::{Dir, Tool, etcdpki};

fn mode(dir: &Dir, name: &str) -> u32 {
    std::fs::metadata(dir.join(name))
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn gencert_output(dir: &Dir) -> Vec<u8> {
    dir.ok(
        &["gencert", "-initca", "-"],
        br#"{"CN": "ca", "key": {"algo": "ecdsa", "size": 256}}"#,
    )
}

#[test]
fn bare_writes_pem_key_and_csr_with_fixed_modes() {
    let dir = Dir::new();
    let input = gencert_output(&dir);
    // An old, world-readable key must not stay world-readable (cfssljson keeps the old mode):
    // it keeps its mode less group write and everything for others, with a warning.
    dir.write("etcd-key.pem", "old");
    std::fs::set_permissions(
        dir.join("etcd-key.pem"),
        std::fs::Permissions::from_mode(0o666),
    )
    .expect("chmod");
    let out = dir.run(&crate::util::etcdpki(), &["json", "-bare", "etcd"], &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("etcd-key.pem: the key was mode 0666; the new key is 0640"),
        "{stderr}"
    );
    assert_eq!(mode(&dir, "etcd.pem"), 0o644);
    assert_eq!(mode(&dir, "etcd-key.pem"), 0o640);
    assert_eq!(mode(&dir, "etcd.csr"), 0o644);
    let json: serde_json::Value = serde_json::from_slice(&input).expect("json");
    assert_eq!(
        dir.read("etcd.pem"),
        json["cert"].as_str().expect("cert").as_bytes()
    );
    assert_eq!(
        dir.read("etcd-key.pem"),
        json["key"].as_str().expect("key").as_bytes()
    );
    assert_eq!(
        dir.read("etcd.csr"),
        json["csr"].as_str().expect("csr").as_bytes()
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "temporary files left: {names:?}");
}

#[test]
fn basename_defaults_to_cert_and_f_reads_a_file() {
    let dir = Dir::new();
    let input = gencert_output(&dir);
    std::fs::write(dir.join("out.json"), &input).expect("write");
    dir.ok(&["json", "-bare", "-f", "out.json"], b"");
    assert!(dir.join("cert.pem").exists() && dir.join("cert-key.pem").exists());
}

#[test]
fn the_api_envelope_and_aliases_are_understood() {
    let dir = Dir::new();
    let input: serde_json::Value = serde_json::from_slice(&gencert_output(&dir)).expect("json");
    let envelope = serde_json::json!({"success": true, "result": {"certificate": input["cert"], "certificate_request": input["csr"]}, "errors": []});
    dir.ok(&["json", "api"], envelope.to_string().as_bytes());
    assert!(dir.join("api.pem").exists() && dir.join("api.csr").exists());
    assert!(!dir.join("api-key.pem").exists());
}

#[test]
fn stdout_prints_instead_of_writing() {
    let dir = Dir::new();
    let input = gencert_output(&dir);
    let out = String::from_utf8(dir.ok(&["json", "-bare", "-stdout", "x"], &input)).expect("utf8");
    assert_eq!(out.matches("-----BEGIN ").count(), 3);
    assert!(
        out.contains("-----END CERTIFICATE-----\n\n"),
        "a blank line between blocks, as cfssljson"
    );
    assert!(
        std::fs::read_dir(dir.path()).expect("ls").next().is_none(),
        "no files"
    );
}

#[test]
fn bad_input_changes_no_file() {
    let dir = Dir::new();
    let good = gencert_output(&dir);
    dir.ok(&["json", "-bare", "etcd"], &good);
    let before: Vec<Vec<u8>> = ["etcd.pem", "etcd-key.pem", "etcd.csr"]
        .iter()
        .map(|n| dir.read(n))
        .collect();
    let truncated = &good[..good.len() / 2];
    let bad_key = String::from_utf8_lossy(&good)
        .replace("EC PRIVATE KEY", "X")
        .replace("-----BEGIN X-----", "garbage");
    for input in [
        &b""[..],
        b"{}",
        truncated,
        b"[1]",
        br#"{"cert": 1}"#,
        bad_key.as_bytes(),
    ] {
        let out = dir.run(&etcdpki(), &["json", "-bare", "etcd"], input);
        assert_eq!(
            out.status.code(),
            Some(1),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        assert!(!out.stderr.is_empty());
        let after: Vec<Vec<u8>> = ["etcd.pem", "etcd-key.pem", "etcd.csr"]
            .iter()
            .map(|n| dir.read(n))
            .collect();
        assert_eq!(before, after, "files changed by bad input");
    }
}

#[test]
fn a_ca_key_is_never_replaced_without_the_flag() {
    let dir = Dir::new();
    dir.write("ca.json", r#"{"CN": "etcd-ca"}"#);
    dir.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "ca");
    let (cert, key) = (dir.read("ca.pem"), dir.read("ca-key.pem"));
    // Running the set-up script twice would make a new CA and orphan every leaf.
    let second = dir.ok(&["gencert", "-initca", "ca.json"], b"");
    let out = dir.run(&etcdpki(), &["json", "-bare", "ca"], &second);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ca-key.pem: refusing to replace the key of the CA ca.pem"),
        "{stderr}"
    );
    assert_eq!(
        (dir.read("ca.pem"), dir.read("ca-key.pem")),
        (cert, key.clone()),
        "nothing written"
    );
    // The same key again (gencert -initca -ca-key) is no replacement.
    let same = dir.ok(
        &["gencert", "-initca", "-ca-key=ca-key.pem", "ca.json"],
        b"",
    );
    let out = dir.run(&etcdpki(), &["json", "-bare", "ca"], &same);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With the flag, a new CA it is.
    let out = dir.run(
        &etcdpki(),
        &["json", "-bare", "-overwrite-ca-key", "ca"],
        &second,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(dir.read("ca-key.pem"), key);
    // Leaf keys are replaced as cfssljson replaces them.
    dir.write("leaf.json", r#"{"CN": "leaf"}"#);
    dir.gencert(
        Tool::Etcdpki,
        &["-ca=ca.pem", "-ca-key=ca-key.pem", "leaf.json"],
        "leaf",
    );
    dir.gencert(
        Tool::Etcdpki,
        &["-ca=ca.pem", "-ca-key=ca-key.pem", "leaf.json"],
        "leaf",
    );
}

#[test]
fn a_key_in_a_world_writable_directory_is_a_loud_warning() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("open")).expect("mkdir");
    std::fs::set_permissions(dir.join("open"), std::fs::Permissions::from_mode(0o777))
        .expect("chmod");
    let out = dir.run(
        &etcdpki(),
        &["json", "-bare", "open/x"],
        &gencert_output(&dir),
    );
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("open: the directory is world-writable without the sticky bit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dir.run(
        &etcdpki(),
        &["json", "-bare", "closed"],
        &gencert_output(&dir),
    );
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// SIGKILL at many instants while `json -bare` replaces a set: every file is the complete old
/// or the complete new version, and the next run leaves no temporary file.
#[test]
fn sigkill_while_writing_leaves_old_or_new_files() {
    use std::process::{Command, Stdio};
    use std::time::Instant;
    let dir = Dir::new();
    let old = gencert_output(&dir);
    let new = gencert_output(&dir);
    // The inputs are CAs (-initca), so each run replaces a CA key on purpose.
    let args = ["json", "-bare", "-overwrite-ca-key", "out"];
    let run = |input: &[u8]| {
        let out = dir.run(&etcdpki(), &args, input);
        assert!(out.status.success());
    };
    run(&old);
    let old_files: Vec<Vec<u8>> = ["out.pem", "out-key.pem", "out.csr"]
        .iter()
        .map(|f| dir.read(f))
        .collect();
    run(&new);
    let new_files: Vec<Vec<u8>> = ["out.pem", "out-key.pem", "out.csr"]
        .iter()
        .map(|f| dir.read(f))
        .collect();
    let start = Instant::now();
    run(&old);
    let full = start.elapsed();
    let mut interrupted = 0;
    let mut round: u32 = 0;
    while round < 60 || interrupted < 3 {
        assert!(round < 600, "no kill landed inside a write in 600 rounds");
        round += 1;
        let to = if round.is_multiple_of(2) { &new } else { &old };
        let mut child = Command::new(etcdpki())
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            let _ = stdin.write_all(to);
        }
        std::thread::sleep(full.mul_f64(f64::from(round * 37 % 100) / 100.0));
        let _ = child.kill();
        let _ = child.wait();
        let mut temporaries = false;
        for entry in std::fs::read_dir(dir.path()).expect("ls").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            temporaries |= name.starts_with('.') && name.ends_with(".tmp");
        }
        interrupted += usize::from(temporaries);
        for (i, f) in ["out.pem", "out-key.pem", "out.csr"].iter().enumerate() {
            let now = dir.read(f);
            assert!(
                now == old_files[i] || now == new_files[i],
                "round {round}: {f} is neither the old nor the new version"
            );
        }
    }
    run(&new);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
