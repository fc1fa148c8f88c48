//! Hostile input: truncated and garbage PEM, DER with absurd lengths, deep and huge JSON,
//! numbers out of range, invalid UTF-8, NUL bytes, a 100 MB file, loops, directories where
//! files belong, keys of the wrong type, files and directories the process may not read or
//! write. Each case must end in bounded time with its exit code and a message, never a panic,
//! and leave no output file behind.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Dir, Tool, etcdpki, pem_block};

/// One case: files to create (and their modes), the command, its standard input, the exit code
/// and a piece of the message expected on standard error (or, for `lint`'s findings, on
/// standard output).
struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    modes: Vec<(&'static str, u32)>,
    args: Vec<&'static str>,
    stdin: Vec<u8>,
    code: i32,
    message: &'static str,
    report: &'static str,
}

fn case(name: &'static str, args: &[&'static str], code: i32, message: &'static str) -> Case {
    Case {
        name,
        files: Vec::new(),
        modes: Vec::new(),
        args: args.to_vec(),
        stdin: Vec::new(),
        code,
        message,
        report: "",
    }
}

impl Case {
    fn file(mut self, name: &'static str, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((name, contents.into()));
        self
    }

    fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = bytes.into();
        self
    }

    /// Gives a file or directory of the case these permission bits; the command then runs
    /// without root's power to ignore them.
    fn mode(mut self, name: &'static str, mode: u32) -> Self {
        self.modes.push((name, mode));
        self
    }

    /// A piece of standard output that must appear too.
    fn report(mut self, text: &'static str) -> Self {
        self.report = text;
        self
    }
}

/// The command that runs etcdpki in `dir` so that permission bits bind it: as `nobody` through
/// util-linux's `setpriv` when the tests run as root (root reads a mode-000 file), else as is.
fn unprivileged(dir: &Path) -> Command {
    let root = std::fs::metadata(dir).expect("stat").uid() == 0;
    if !root {
        return Command::new(etcdpki());
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(etcdpki());
    c
}

/// A SEQUENCE that claims 4 GiB of content.
fn absurd_der() -> Vec<u8> {
    vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00]
}

fn nested_json(depth: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(depth * 2);
    v.extend(std::iter::repeat_n(b'[', depth));
    v.extend(std::iter::repeat_n(b']', depth));
    v
}

fn drain(pipe: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

fn listing(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p.clone());
            }
            out.insert(p.strip_prefix(dir).unwrap_or(&p).display().to_string());
        }
    }
    out
}

#[test]
fn hostile_inputs_get_messages_and_exit_codes_never_panics_or_files() {
    // Real material to misuse: a CA, an Ed25519 key, a leaf, a CSR.
    let base = Dir::new();
    base.write("ca.json", r#"{"CN": "etcd-ca"}"#);
    base.gencert(Tool::Etcdpki, &["-initca", "ca.json"], "ca");
    base.write("ed.json", r#"{"CN": "ed", "key": {"algo": "ed25519"}}"#);
    base.gencert(Tool::Etcdpki, &["-initca", "ed.json"], "ed");
    let (ca, ca_key, ca_csr) = (
        base.read("ca.pem"),
        base.read("ca-key.pem"),
        base.read("ca.csr"),
    );
    let ed_key = base.read("ed-key.pem");
    let truncated_ca = ca[..ca.len() / 2].to_vec();
    let big = vec![b'A'; 100 << 20];
    let huge_json = format!("{{\"CN\": \"{}\"}}", "x".repeat(20 << 20)).into_bytes();
    let json_gencert =
        String::from_utf8_lossy(&base.ok(&["gencert", "-initca", "ca.json"], b"")).into_owned();
    let with_cert =
        |cert: &str| json_gencert.replacen("\"cert\":\"", &format!("\"cert\":\"{cert}"), 1);

    let cases = vec![
        // csr.json
        case(
            "empty request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json",
        )
        .file("r.json", ""),
        case(
            "truncated request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json",
        )
        .file("r.json", "{\"CN\": \"a"),
        case(
            "nested request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json",
        )
        .file("r.json", nested_json(100_000)),
        case(
            "huge request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json: cannot read the request: larger than the 8 MiB etcdpki reads",
        )
        .file("r.json", huge_json.clone()),
        case(
            "key size out of range",
            &["gencert", "-initca", "r.json"],
            1,
            "number out of range",
        )
        .file(
            "r.json",
            r#"{"CN": "a", "key": {"algo": "rsa", "size": 1e400}}"#,
        ),
        case(
            "negative key size",
            &["gencert", "-initca", "r.json"],
            1,
            "key.size",
        )
        .file(
            "r.json",
            r#"{"CN": "a", "key": {"algo": "rsa", "size": -2048}}"#,
        ),
        case(
            "key size 2^63",
            &["gencert", "-initca", "r.json"],
            1,
            "key.size",
        )
        .file(
            "r.json",
            r#"{"CN": "a", "key": {"algo": "rsa", "size": 9223372036854775808}}"#,
        ),
        case(
            "invalid UTF-8 request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json",
        )
        .file("r.json", b"{\"CN\": \"\xff\xfe\"}".to_vec()),
        case(
            "NUL in a host",
            &["gencert", "-initca", "r.json"],
            1,
            "hosts[0]",
        )
        .file("r.json", "{\"CN\": \"a\", \"hosts\": [\"a\\u0000b\"]}"),
        case(
            "NUL bytes for a request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json",
        )
        .file("r.json", vec![0u8; 64]),
        case(
            "array request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json",
        )
        .file("r.json", "[1, 2]"),
        case(
            "request is a directory",
            &["gencert", "-initca", "."],
            1,
            "is a directory",
        ),
        case(
            "request missing",
            &["gencert", "-initca", "nope.json"],
            1,
            "nope.json: cannot read the request: no such file",
        ),
        case(
            "100 MB request",
            &["gencert", "-initca", "big.json"],
            1,
            "big.json",
        )
        .file("big.json", big.clone()),
        case(
            "host with a port",
            &["gencert", "-initca", "r.json"],
            1,
            "hosts[0]",
        )
        .file("r.json", r#"{"CN": "a", "hosts": ["a:2380"]}"#),
        case(
            "wrong types everywhere",
            &["gencert", "-initca", "r.json"],
            1,
            "names",
        )
        .file(
            "r.json",
            r#"{"CN": 1, "names": "x", "hosts": {}, "key": []}"#,
        ),
        // ca-config.json
        case(
            "expiry overflow",
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=c.json",
                "r.json",
            ],
            1,
            "expiry",
        )
        .file(
            "c.json",
            r#"{"signing": {"default": {"expiry": "99999999999h", "usages": ["signing"]}}}"#,
        ),
        case(
            "expiry a number",
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=c.json",
                "r.json",
            ],
            1,
            "signing.default.expiry",
        )
        .file(
            "c.json",
            r#"{"signing": {"default": {"expiry": 12, "usages": ["signing"]}}}"#,
        ),
        case(
            "usages a string",
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=c.json",
                "r.json",
            ],
            1,
            "usages",
        )
        .file(
            "c.json",
            r#"{"signing": {"default": {"expiry": "1h", "usages": "signing"}}}"#,
        ),
        case(
            "nested config",
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=c.json",
                "r.json",
            ],
            1,
            "c.json",
        )
        .file("c.json", nested_json(50_000)),
        case(
            "invalid UTF-8 config",
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=c.json",
                "r.json",
            ],
            1,
            "c.json",
        )
        .file("c.json", b"{\"signing\": \"\xc3\x28\"}".to_vec()),
        case(
            "config is a directory",
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=.",
                "r.json",
            ],
            1,
            "is a directory",
        ),
        // CA certificate and key
        case(
            "CA is a key",
            &["gencert", "-ca=ca-key.pem", "-ca-key=ca-key.pem", "r.json"],
            1,
            "ca-key.pem",
        ),
        case(
            "CA truncated",
            &["gencert", "-ca=t.pem", "-ca-key=ca-key.pem", "r.json"],
            1,
            "t.pem",
        )
        .file("t.pem", truncated_ca.clone()),
        case(
            "CA garbage base64",
            &["gencert", "-ca=g.pem", "-ca-key=ca-key.pem", "r.json"],
            1,
            "g.pem",
        )
        .file(
            "g.pem",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        ),
        case(
            "CA with an absurd DER length",
            &["gencert", "-ca=a.pem", "-ca-key=ca-key.pem", "r.json"],
            1,
            "a.pem",
        )
        .file("a.pem", pem_block("CERTIFICATE", &absurd_der())),
        case(
            "CA key is a certificate",
            &["gencert", "-ca=ca.pem", "-ca-key=ca.pem", "r.json"],
            1,
            "ca.pem",
        ),
        case(
            "CA key of another type",
            &["gencert", "-ca=ca.pem", "-ca-key=ed-key.pem", "r.json"],
            1,
            "does not match",
        ),
        case(
            "CA key truncated",
            &["gencert", "-ca=ca.pem", "-ca-key=k.pem", "r.json"],
            1,
            "k.pem",
        )
        .file("k.pem", ca_key[..40].to_vec()),
        case(
            "CA key absurd DER",
            &["gencert", "-ca=ca.pem", "-ca-key=k.pem", "r.json"],
            1,
            "k.pem",
        )
        .file("k.pem", pem_block("EC PRIVATE KEY", &absurd_der())),
        case(
            "CA key encrypted",
            &["gencert", "-ca=ca.pem", "-ca-key=k.pem", "r.json"],
            1,
            "encrypted",
        )
        .file("k.pem", pem_block("ENCRYPTED PRIVATE KEY", &[0x30, 0x00])),
        case(
            "CA key empty",
            &["gencert", "-ca=ca.pem", "-ca-key=k.pem", "r.json"],
            1,
            "k.pem",
        )
        .file("k.pem", ""),
        case(
            "CA is a directory",
            &["gencert", "-ca=.", "-ca-key=ca-key.pem", "r.json"],
            1,
            "is a directory",
        ),
        case(
            "100 MB CA",
            &["gencert", "-ca=big.pem", "-ca-key=ca-key.pem", "r.json"],
            1,
            "big.pem",
        )
        .file("big.pem", big.clone()),
        // cfssljson
        case("json: empty input", &["json", "-bare", "out"], 1, "<stdin>"),
        case("json: garbage", &["json", "-bare", "out"], 1, "<stdin>").stdin("garbage"),
        case("json: cert not PEM", &["json", "-bare", "out"], 1, "cert")
            .stdin(r#"{"cert": "hello", "key": "x"}"#),
        case("json: key a number", &["json", "-bare", "out"], 1, "key").stdin(r#"{"key": 5}"#),
        case("json: nested", &["json", "-bare", "out"], 1, "<stdin>").stdin(nested_json(100_000)),
        case(
            "json: huge input",
            &["json", "-bare", "out"],
            1,
            "<stdin>: cannot read the input: larger than the 8 MiB etcdpki reads",
        )
        .stdin(huge_json.clone()),
        case(
            "json: invalid UTF-8",
            &["json", "-bare", "out"],
            1,
            "<stdin>",
        )
        .stdin(b"{\"cert\": \"\xff\"}".to_vec()),
        case("json: NUL bytes", &["json", "-bare", "out"], 1, "<stdin>").stdin(vec![0u8; 32]),
        case(
            "json: -f a directory",
            &["json", "-bare", "-f", ".", "out"],
            1,
            "is a directory",
        ),
        case(
            "json: missing output directory",
            &["json", "-bare", "no/such/dir/out"],
            1,
            "no/such/dir/out",
        )
        .stdin(json_gencert.clone()),
        case(
            "json: a truncated PEM value",
            &["json", "-bare", "out"],
            1,
            "cert",
        )
        .stdin(with_cert("-----BEGIN CERTIFICATE-----\\nMIIB")),
        // sign, certinfo, gencsr, genkey
        case(
            "sign: truncated CSR",
            &["sign", "-ca=ca.pem", "-ca-key=ca-key.pem", "x.csr"],
            1,
            "x.csr",
        )
        .file("x.csr", ca_csr[..ca_csr.len() / 2].to_vec()),
        case(
            "sign: absurd CSR DER",
            &["sign", "-ca=ca.pem", "-ca-key=ca-key.pem", "x.csr"],
            1,
            "x.csr",
        )
        .file("x.csr", pem_block("CERTIFICATE REQUEST", &absurd_der())),
        case(
            "certinfo: garbage",
            &["certinfo", "-cert", "g.pem"],
            1,
            "g.pem",
        )
        .file("g.pem", "garbage"),
        case(
            "certinfo: absurd DER",
            &["certinfo", "-cert", "a.pem"],
            1,
            "a.pem",
        )
        .file("a.pem", pem_block("CERTIFICATE", &absurd_der())),
        case(
            "certinfo: empty",
            &["certinfo", "-cert", "e.pem"],
            1,
            "e.pem",
        )
        .file("e.pem", ""),
        case(
            "certinfo: CSR garbage",
            &["certinfo", "-csr", "g.csr"],
            1,
            "g.csr",
        )
        .file(
            "g.csr",
            pem_block("CERTIFICATE REQUEST", b"\x30\x03\x02\x01"),
        ),
        case(
            "gencsr: key garbage",
            &["gencsr", "-key", "g.pem", "r.json"],
            1,
            "g.pem",
        )
        .file("g.pem", "garbage"),
        case(
            "genkey: absurd RSA size",
            &["genkey", "r.json"],
            1,
            "key.size",
        )
        .file(
            "r.json",
            r#"{"CN": "a", "key": {"algo": "rsa", "size": 1000000000}}"#,
        ),
        // lint, expiry, renew
        case(
            "lint: etcd config of binary garbage",
            &["lint", "--etcd-config", "g.conf", "."],
            2,
            "g.conf",
        )
        .file("g.conf", vec![0xffu8, 0, 1, 2, 0x80]),
        case(
            "lint: an etcd config line of 8 MB",
            &["lint", "--etcd-config", "g.yml", "."],
            2,
            "g.yml",
        )
        .file("g.yml", format!("name: {}\n  bad: [", "y".repeat(8 << 20))),
        // Issue 13: a file named on the command line is reported, never skipped silently.
        case(
            "lint: a 100 MB file named is reported unread",
            &["lint", "big.pem"],
            1,
            "",
        )
        .file("big.pem", big.clone())
        .report("error[unreadable] big.pem: 104857600 bytes is more than the 8388608 bytes"),
        case(
            "expiry: nothing but garbage",
            &["expiry", "g.pem"],
            2,
            "no certificate found",
        )
        .file("g.pem", "garbage"),
        case(
            "renew: CA garbage",
            &["renew", "--ca", "g.pem", "--ca-key", "ca-key.pem", "."],
            1,
            "g.pem",
        )
        .file("g.pem", "garbage"),
        case(
            "renew: CA key of another type",
            &["renew", "--ca", "ca.pem", "--ca-key", "ed-key.pem", "."],
            1,
            "does not match",
        ),
        case(
            "renew: unknown flag",
            &["renew", "--before-ish", "1h", "."],
            2,
            "before-ish",
        ),
    ];
    // fuzz/README.md finding 1: a subject whose RDN runs past its set, which x509-parser reads
    // only in part; signing with it would copy a truncated issuer name into every leaf.
    let partial = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/certificate/ca-subject-rdn-overruns-its-set.der"
    ))
    .expect("the fuzz regression input");
    let mut cases = cases;
    cases.push(
        case(
            "CA with a name read only in part",
            &["gencert", "-ca=p.pem", "-ca-key=ca-key.pem", "r.json"],
            1,
            "malformed",
        )
        .file("p.pem", pem_block("CERTIFICATE", &partial)),
    );
    cases.push(
        case(
            "certinfo: a name read only in part",
            &["certinfo", "-cert", "p.pem"],
            1,
            "malformed",
        )
        .file("p.pem", pem_block("CERTIFICATE", &partial)),
    );
    // Files and directories this user may not read or write.
    cases.extend([
        case(
            "unreadable request",
            &["gencert", "-initca", "r.json"],
            1,
            "r.json",
        )
        .mode("r.json", 0o000),
        case(
            "unreadable CA key",
            &["gencert", "-ca=ca.pem", "-ca-key=ca-key.pem", "r.json"],
            1,
            "ca-key.pem",
        )
        .mode("ca-key.pem", 0o000),
        case(
            "unreadable ca-config.json",
            &[
                "gencert",
                "-ca=ca.pem",
                "-ca-key=ca-key.pem",
                "-config=config.json",
                "r.json",
            ],
            1,
            "config.json",
        )
        .file(
            "config.json",
            r#"{"signing": {"default": {"expiry": "1h"}}}"#,
        )
        .mode("config.json", 0o000),
        case(
            "unreadable cfssljson input",
            &["json", "-f", "in.json", "-bare", "out"],
            1,
            "in.json",
        )
        .file("in.json", json_gencert.clone())
        .mode("in.json", 0o000),
        case(
            "unwritable output directory",
            &["json", "-bare", "ro/out"],
            1,
            "ro/out",
        )
        .file("ro/keep", "")
        .mode("ro", 0o555)
        .stdin(json_gencert.clone()),
        case(
            "lint: an unreadable file among readable ones",
            &["lint", "."],
            1,
            "error(s) found",
        )
        .file("secret.pem", ca.clone())
        .mode("secret.pem", 0o000)
        .report("secret.pem: cannot read: permission denied"),
        case(
            "lint: an unreadable directory",
            &["lint", "locked"],
            2,
            "locked",
        )
        .file("locked/a.pem", ca.clone())
        .mode("locked", 0o000),
        case(
            "expiry: an unreadable certificate",
            &["expiry", "c.pem"],
            2,
            "c.pem",
        )
        .file("c.pem", ca.clone())
        .mode("c.pem", 0o000),
    ]);
    assert!(cases.len() >= 50, "{} cases", cases.len());

    // Private key material must never reach a message: no line of either key's base64.
    let secrets: Vec<String> = [&ca_key, &ed_key]
        .iter()
        .flat_map(|k| {
            String::from_utf8_lossy(k)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .collect();
    let mut failures = Vec::new();
    for c in cases {
        let dir = Dir::new();
        for (name, bytes) in [
            ("ca.pem", &ca),
            ("ca-key.pem", &ca_key),
            ("ed-key.pem", &ed_key),
        ] {
            std::fs::write(dir.join(name), bytes).expect("seed");
        }
        dir.write("r.json", r#"{"CN": "leaf"}"#);
        for (name, bytes) in &c.files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("case directory");
            }
            std::fs::write(path, bytes).expect("case file");
        }
        let before = listing(dir.path());
        let mut command = if c.modes.is_empty() {
            Command::new(etcdpki())
        } else {
            // Whoever runs the command must be able to enter the directory itself.
            set_mode(dir.path(), 0o755);
            for (name, mode) in &c.modes {
                set_mode(&dir.join(name), *mode);
            }
            unprivileged(dir.path())
        };
        let start = Instant::now();
        let mut child = command
            .args(&c.args)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut input = child.stdin.take().expect("stdin");
        let stdin = c.stdin.clone();
        let feeder = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        // Drain both pipes while waiting, so a large output cannot block the child.
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let _ = feeder.join();
        let stdout = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
        // Opened again so that the directory can be removed and listed.
        for (name, _) in &c.modes {
            set_mode(&dir.join(name), 0o700);
        }
        let after = listing(dir.path());
        let created: Vec<&String> = after.difference(&before).collect();
        let problem = match status {
            None => Some("did not finish in 30 s".to_owned()),
            Some(_) if stderr.contains("panicked") => Some(format!("panicked: {stderr}")),
            Some(_) if secrets.iter().any(|l| stderr.contains(l.as_str())) => {
                Some("private key material in the message".to_owned())
            }
            Some(s) if s.code() != Some(c.code) => Some(format!(
                "exit {:?}, expected {}: {stderr}",
                s.code(),
                c.code
            )),
            Some(_) if c.code != 0 && !stderr.contains(c.message) => {
                Some(format!("message lacks {:?}: {stderr}", c.message))
            }
            Some(_) if !stdout.contains(c.report) => {
                Some(format!("report lacks {:?}: {stdout}", c.report))
            }
            Some(_) if c.code != 0 && !created.is_empty() => {
                Some(format!("left files behind: {created:?}"))
            }
            Some(_) => None,
        };
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}
