//! Unit tests of reading etcd configurations: each form, etcd 3.4's refusals, and the limits.

use super::*;
use crate::etcd::release::Release;

fn read(text: &str) -> Result<EtcdConfig, EtcdConfigError> {
    read_as(text, None)
}

fn read_as(text: &str, release: Option<Release>) -> Result<EtcdConfig, EtcdConfigError> {
    read_etcd_config(Path::new("/etc/etcd/member.conf"), text, release)
}

/// The settings alone: no lines, no problems.
fn settings(config: EtcdConfig) -> EtcdConfig {
    EtcdConfig {
        lines: BTreeMap::new(),
        problems: Vec::new(),
        ..config
    }
}

/// The problems of a readable text, as (line, kind, message).
fn problems(text: &str, release: Option<Release>) -> Vec<(usize, ProblemKind, String)> {
    let config = read_as(text, release).expect("readable");
    let lines = config.problems.into_iter();
    lines
        .map(|p| (p.line.unwrap_or_default(), p.kind, p.message))
        .collect()
}

fn failure(text: &str) -> (Option<usize>, String) {
    let error = read(text).expect_err("the text is refused");
    (error.line, error.reason)
}

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Member `n` (infra0 … infra2) of the samples, at 10.0.1.1n, with client and peer TLS.
fn member(n: u8, form: ConfigForm) -> EtcdConfig {
    let pki = |file: &str| some(&format!("/etc/etcd/pki/{file}"));
    EtcdConfig {
        source: "/etc/etcd/member.conf".into(),
        form,
        name: some(&format!("infra{n}")),
        cert_file: pki("server.pem"),
        key_file: pki("server-key.pem"),
        trusted_ca_file: pki("ca.pem"),
        client_cert_auth: true,
        peer_cert_file: pki("peer.pem"),
        peer_key_file: pki("peer-key.pem"),
        peer_trusted_ca_file: pki("ca.pem"),
        peer_client_cert_auth: true,
        initial_advertise_peer_urls: list(&[&format!("https://10.0.1.1{n}:2380")]),
        advertise_client_urls: list(&[&format!("https://10.0.1.1{n}:2379")]),
        listen_client_urls: list(&[
            &format!("https://10.0.1.1{n}:2379"),
            "https://127.0.0.1:2379",
        ]),
        listen_peer_urls: list(&[&format!("https://10.0.1.1{n}:2380")]),
        initial_cluster: some(
            "infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,infra2=https://10.0.1.12:2380",
        ),
        discovery_srv: None,
        ..EtcdConfig::default()
    }
}

// etcd 3.4.23 starts with this file (it stops later, at the missing certificate files).
const YAML: &str = r#"# etcd.conf.yml of member infra0 (etcd --config-file)
name: 'infra0'
data-dir: /var/lib/etcd
initial-advertise-peer-urls: https://10.0.1.10:2380
listen-peer-urls: https://10.0.1.10:2380
listen-client-urls: https://10.0.1.10:2379,https://127.0.0.1:2379
advertise-client-urls: "https://10.0.1.10:2379"  # what clients dial
initial-cluster: infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,infra2=https://10.0.1.12:2380
initial-cluster-state: new
log-outputs: [stderr]
discovery-srv:

client-transport-security:
  cert-file: /etc/etcd/pki/server.pem
  key-file: /etc/etcd/pki/server-key.pem
  client-cert-auth: true
  trusted-ca-file: /etc/etcd/pki/ca.pem
  auto-tls: false
peer-transport-security:
  # the peer certificate is also the client certificate towards other members
  cert-file: /etc/etcd/pki/peer.pem
  key-file: /etc/etcd/pki/peer-key.pem
  client-cert-auth: yes
  trusted-ca-file: /etc/etcd/pki/ca.pem
  allowed-cn: ~
enable-v2: false
"#;

const ENV_FILE: &str = r#"# /etc/etcd/etcd.conf of member infra1
#[Member]
ETCD_DATA_DIR="/var/lib/etcd/default.etcd"
ETCD_LISTEN_PEER_URLS="https://10.0.1.11:2380"
ETCD_LISTEN_CLIENT_URLS="https://10.0.1.11:2379,https://127.0.0.1:2379"
ETCD_NAME="infra1"
#[Clustering]
ETCD_INITIAL_ADVERTISE_PEER_URLS="https://10.0.1.11:2380"
ETCD_ADVERTISE_CLIENT_URLS=https://10.0.1.11:2379   # what clients dial
ETCD_INITIAL_CLUSTER="infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,\
infra2=https://10.0.1.12:2380"
#ETCD_DISCOVERY_SRV="example.com"
#[Security]
export ETCD_CERT_FILE='/etc/etcd/pki/server.pem'
ETCD_KEY_FILE="/etc/etcd/pki/server-key.pem"
ETCD_CLIENT_CERT_AUTH="true"
ETCD_TRUSTED_CA_FILE=/etc/etcd/pki/ca.pem
ETCD_PEER_CERT_FILE="/etc/etcd/pki/peer.pem"
ETCD_PEER_KEY_FILE="/etc/etcd/pki/peer-key.pem"
ETCD_PEER_CLIENT_CERT_AUTH=1
ETCD_PEER_TRUSTED_CA_FILE="/etc/etcd/pki/ca.pem"
GOMAXPROCS=2
"#;

const UNIT: &str = r#"[Unit]
Description=etcd member infra2
After=network-online.target

[Service]
Type=notify
Environment=ETCD_DATA_DIR=/var/lib/etcd
Environment="ETCD_DISCOVERY_SRV=example.com" "GOMAXPROCS=2"
EnvironmentFile=-/etc/etcd/extra.env
ExecStart=/usr/local/bin/etcd \
  --name infra2 \
  --initial-advertise-peer-urls=https://10.0.1.12:2380 \
  --listen-peer-urls https://10.0.1.12:2380 \
  --listen-client-urls "https://10.0.1.12:2379,https://127.0.0.1:2379" \
  --advertise-client-urls=https://10.0.1.12:2379 \
  # etcd reads the key pair again on every handshake
  --cert-file=/etc/etcd/pki/server.pem \
  --key-file '/etc/etcd/pki/server key.pem' \
  --client-cert-auth \
  --trusted-ca-file=${CA_FILE} \
  --peer-cert-file=/etc/etcd/pki/peer.pem \
  --peer-key-file=/etc/etcd/pki/peer-key.pem \
  --peer-client-cert-auth=false \
  --peer-client-cert-auth=T \
  -peer-trusted-ca-file /etc/etcd/pki/ca.pem \
  $EXTRA_ARGS
Restart=on-failure

[Install]
WantedBy=multi-user.target
"#;

#[test]
fn yaml_sample_reads_every_field() {
    let config = read(YAML).expect("valid");
    assert_eq!(config.line_of("peer-cert-file"), Some(21));
    assert_eq!(settings(config), member(0, ConfigForm::Yaml));
    // allowed-cn: ~ is harmless, but 3.4 has no such key (embed/config.go securityConfig).
    let allowed_cn = "etcd 3.4 and 3.5 before 3.5.14 have no key allowed-cn inside peer-transport-security and ignore it; only etcd 3.5.14+ and 3.6 read it";
    let enable_v2 =
        "etcd 3.6 has no top-level key enable-v2 and ignores it; only etcd 3.4 and 3.5 read it";
    let some = |line, m: &str| (line, ProblemKind::SomeReleases, m.to_owned());
    assert_eq!(
        problems(YAML, None),
        [some(25, allowed_cn), some(26, enable_v2)]
    );
    assert_eq!(
        problems(YAML, Some(Release::V3_5))[0].2,
        "etcd 3.5 before 3.5.14 has no key allowed-cn inside peer-transport-security and ignores it; only etcd 3.5.14+ and 3.6 read it"
    );
    assert_eq!(
        problems(YAML, Some(Release::V3_6)),
        [(
            26,
            ProblemKind::Ignored,
            "etcd 3.6 has no top-level key enable-v2 and ignores it; only etcd 3.4 and 3.5 read it"
                .into()
        )]
    );
}

#[test]
fn env_file_sample_reads_every_field() {
    let config = read(ENV_FILE).expect("valid");
    assert_eq!(
        (config.line_of("name"), config.line_of("initial-cluster")),
        (Some(6), Some(10))
    );
    assert_eq!(config.problems, []);
    assert_eq!(settings(config), member(1, ConfigForm::EnvFile));
}

#[test]
fn systemd_unit_sample_reads_flags_and_environment() {
    let expected = EtcdConfig {
        key_file: some("/etc/etcd/pki/server key.pem"),
        trusted_ca_file: some("${CA_FILE}"),
        initial_cluster: None,
        discovery_srv: some("example.com"),
        ..member(2, ConfigForm::SystemdUnit)
    };
    let config = read(UNIT).expect("valid");
    assert_eq!(config.problems, []);
    assert_eq!(settings(config), expected);
}

#[test]
fn yaml_flow_maps_block_scalars_anchors_and_quotes_are_read() {
    let text = r#"defaults: &pki
  trusted-ca-file: /etc/etcd/pki/ca.pem
  client-cert-auth: on
client-transport-security: {cert-file: "a b.pem", key-file: 'a-key.pem', <<: *pki}
peer-transport-security:
  <<: *pki
  cert-file: >-
    /etc/etcd/pki/peer.pem
listen-peer-urls: " https://10.0.1.10:2380 ,https://10.0.1.10:2381"
name: "infra\"0"
initial-cluster: 'it''s # not a comment'
discovery-srv: ~
cipher-suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
"#;
    let config = read(text).expect("valid");
    assert_eq!(
        (config.cert_file.as_deref(), config.key_file.as_deref()),
        (Some("a b.pem"), Some("a-key.pem"))
    );
    assert_eq!(config.trusted_ca_file, config.peer_trusted_ca_file);
    assert!(config.client_cert_auth && config.peer_client_cert_auth);
    assert_eq!(config.peer_cert_file, some("/etc/etcd/pki/peer.pem"));
    assert_eq!(config.line_of("peer-cert-file"), Some(7));
    assert_eq!(
        config.listen_peer_urls,
        list(&["https://10.0.1.10:2380", "https://10.0.1.10:2381"])
    );
    assert_eq!(config.name, some("infra\"0"));
    assert_eq!(config.initial_cluster, some("it's # not a comment"));
    assert_eq!(config.discovery_srv, None);
    assert_eq!(
        config.cipher_suites,
        list(&["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"])
    );
    let defaults = "etcd 3.4-3.6 have no setting defaults and ignore it (a typo?)";
    assert_eq!(config.problems[0].message, defaults);
}

#[test]
fn yaml_later_key_wins_and_a_later_tls_map_replaces_the_earlier() {
    let text = "name: first\nname: second\nclient-transport-security:\n  cert-file: old.pem\n  \
                    client-cert-auth: true\nclient-transport-security:\n  key-file: new-key.pem\n";
    let config = read(text).expect("valid");
    assert_eq!((config.name, config.cert_file), (some("second"), None));
    assert_eq!(
        (config.key_file, config.client_cert_auth),
        (some("new-key.pem"), false)
    );
    let found = problems(text, None);
    let earlier = "client-transport-security is set again on line 6; etcd reads only that one";
    assert_eq!(found[1], (3, ProblemKind::Overridden, earlier.into()));
}

#[test]
fn yaml_later_documents_are_skipped() {
    let text = "log-outputs: [stderr]\nexperimental-x: |\n  anything: here\n  - even this\n\
                    name: infra0\n---\nname: ignored\n";
    assert_eq!(read(text).expect("valid").name, some("infra0"));
}

/// issue #15: a key etcd ignores where it is is a finding with its line and where it belongs.
#[test]
fn issue_15_misplaced_yaml_keys_say_where_they_belong() {
    let text = "name: infra0\ncert-file: /etc/etcd/pki/server.pem\npeer-transport-security:\n  \
                peer-cert-file: /etc/etcd/pki/peer.pem\n  crl-file: /etc/etcd/crl.der\n  \
                trusted-ca-file: /etc/etcd/pki/ca.pem\nclient-crl-file: /etc/etcd/crl.der\n\
                client-transport-security:\n  peer-key-file: k.pem\n  name: x\n";
    let config = read(text).expect("valid");
    assert_eq!(
        (
            config.cert_file.as_deref(),
            config.peer_cert_file.as_deref()
        ),
        (None, None)
    );
    assert_eq!(config.client_crl_file, None);
    let crl = |flag: &str| {
        format!(
            "etcd 3.4-3.6 read no CRL from the YAML file: {flag} is a flag only (--{flag}), and etcd ignores flags when it reads a config file. Pass the flags and ETCD_* variables instead of --config-file to use a CRL"
        )
    };
    let expected = [
        (2, "etcd ignores a top-level cert-file: write it as cert-file under client-transport-security:".to_owned()),
        (4, "etcd ignores peer-cert-file inside peer-transport-security: write it as cert-file".into()),
        (5, crl("peer-crl-file")),
        (7, crl("client-crl-file")),
        (9, "etcd ignores peer-key-file inside client-transport-security: it sets --peer-key-file, which is key-file under peer-transport-security:".into()),
        (10, "etcd ignores name inside client-transport-security: it is a top-level key".into()),
    ];
    let found = problems(text, Some(Release::V3_4));
    let found: Vec<(usize, String)> = found
        .into_iter()
        .map(|(l, k, m)| {
            assert_eq!(k, ProblemKind::Ignored, "{m}");
            (l, m)
        })
        .collect();
    let typo = problems("name: a\ntrusted-ca-fil: ca.pem\n", None);
    assert_eq!(
        typo,
        [(
            2,
            ProblemKind::Unknown,
            "etcd 3.4-3.6 have no setting trusted-ca-fil and ignore it (a typo?)".into()
        )]
    );
    assert_eq!(found, expected);
}

#[test]
fn yaml_values_of_the_wrong_type_are_refused_where_etcd_refuses_them() {
    let cases = [
        (
            "peer-transport-security:\n  client-cert-auth: \"true\"\n",
            2,
            "peer-transport-security.client-cert-auth must be an unquoted true or false; etcd refuses \"true\"",
        ),
        (
            "client-transport-security:\n  client-cert-auth: 1\n",
            2,
            "client-transport-security.client-cert-auth must be an unquoted true or false; etcd refuses \"1\"",
        ),
        (
            "listen-client-urls:\n- https://10.0.1.10:2379\n",
            1,
            "listen-client-urls must be one comma-separated string of URLs; etcd refuses a list",
        ),
        (
            "cipher-suites: TLS_AES_128_GCM_SHA256\n",
            1,
            "cipher-suites must be a list (- item); etcd refuses \"TLS_AES_128_GCM_SHA256\"",
        ),
        (
            "client-transport-security: /etc/etcd/pki\n",
            1,
            "client-transport-security must be a mapping of TLS settings (cert-file: …); etcd refuses \"/etc/etcd/pki\"",
        ),
    ];
    for (text, line, message) in cases {
        assert_eq!(
            problems(text, None),
            [(line, ProblemKind::Refused, message.to_owned())],
            "{text}"
        );
    }
}

#[test]
fn yaml_keys_are_read_per_release() {
    let text = "client-transport-security:\n  cert-file: s.pem\n  client-cert-file: c.pem\n\
                peer-transport-security:\n  allowed-cn: [infra0, infra1]\ntls-min-version: TLS1.3\n";
    let as_3_4 = read_as(text, Some(Release::V3_4)).expect("valid");
    assert_eq!(
        (as_3_4.client_cert_file, as_3_4.peer_cert_allowed_cn.len()),
        (None, 0)
    );
    let ignored = |l, m: &str| (l, ProblemKind::Ignored, m.to_owned());
    assert_eq!(
        problems(text, Some(Release::V3_4))[..2],
        [
            ignored(
                3,
                "etcd 3.4 has no key client-cert-file inside client-transport-security and ignores it; only etcd 3.5 and 3.6 read it"
            ),
            ignored(
                5,
                "etcd 3.4 has no key allowed-cn inside peer-transport-security and ignores it; only etcd 3.5.14+ and 3.6 read it"
            ),
        ]
    );
    let as_3_6 = read_as(text, Some(Release::V3_6)).expect("valid");
    assert_eq!(as_3_6.client_cert_file, some("c.pem"));
    assert_eq!(as_3_6.peer_cert_allowed_cn, list(&["infra0", "infra1"]));
    assert_eq!(as_3_6.tls_min_version, some("TLS1.3"));
    assert_eq!(as_3_6.problems, []);
    // 3.5.14 read allowed-cn as one string, 3.5.15 as a list (embed/config.go at each tag).
    let found = problems(text, Some(Release::V3_5));
    assert!(found.iter().any(|(l, k, m)| *l == 5 && *k == ProblemKind::SomeReleases && m == "etcd 3.5.14 refuses allowed-cn inside peer-transport-security as a list; write one string there"), "{found:?}");
    let one = "peer-transport-security:\n  allowed-cn: infra0\n";
    let found = problems(one, Some(Release::V3_6));
    assert_eq!(found, [(2, ProblemKind::Refused, "etcd 3.5.15+ and 3.6 refuse allowed-cn inside peer-transport-security as one string; write a list (- name)".into())]);
}

#[test]
fn yaml_that_does_not_parse_fails_at_its_line() {
    for (text, line) in [
        (
            "name: a\nclient-transport-security:\n\tcert-file: x.pem\n",
            3,
        ),
        ("name: 'infra0\n", 1),
        (
            "client-transport-security:\n  cert-file: a.pem\n key-file: b.pem\n",
            3,
        ),
        ("name: *anchor\n", 1),
    ] {
        let (at, reason) = failure(text);
        assert_eq!(at, Some(line), "{text}: {reason}");
        assert!(reason.starts_with("not YAML etcd can read ("), "{reason}");
        assert!(
            reason.ends_with("etcd stops with \"error converting YAML to JSON\""),
            "{reason}"
        );
    }
    assert_eq!(
        failure("- name: a\n"),
        (Some(1), "etcd's YAML file is a mapping of settings (`name: infra0`), not a single value or a list".into())
    );
}

#[test]
fn a_file_without_etcd_settings_is_refused() {
    let reason = "no etcd setting found (name, URL lists, initial-cluster, discovery-srv, TLS)";
    for text in [
        "",
        "\n# only a comment\n",
        "data-dir: /var/lib/etcd\n",
        "[Service]\nType=notify\n",
    ] {
        assert_eq!(failure(text), (None, reason.to_owned()), "{text:?}");
    }
    let shown = format!("/etc/etcd/member.conf: {reason}");
    assert_eq!(read("").expect_err("empty").to_string(), shown);
}

#[test]
fn env_file_later_wins_empty_unsets_and_bools_follow_go() {
    let text = "ETCD_NAME=a\nETCD_NAME=b\nETCD_CLIENT_CERT_AUTH=True\nETCD_CLIENT_CERT_AUTH=0\n\
                    ETCD_PEER_CLIENT_CERT_AUTH=t\nETCD_CERT_FILE=x.pem\nETCD_CERT_FILE=\netcd_key_file=k\n";
    let config = read(text).expect("valid");
    assert_eq!(
        (config.name, config.cert_file, config.key_file),
        (some("b"), None, None)
    );
    assert_eq!(
        (config.client_cert_auth, config.peer_client_cert_auth),
        (false, true)
    );
    let reason = "client-cert-auth is \"yes\"; expected one of 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False";
    assert_eq!(
        failure("ETCD_NAME=a\nETCD_CLIENT_CERT_AUTH=yes\n"),
        (Some(2), reason.to_owned())
    );
}

#[test]
fn command_line_later_flag_wins_in_every_value_form() {
    let text = "ExecStart=-/usr/bin/etcd --name=a -name b --client-cert-auth=false --client-cert-auth \
                    --peer-client-cert-auth=1 --peer-client-cert-auth=F --listen-client-urls ''\n";
    let config = read(text).expect("valid");
    assert_eq!(config.form, ConfigForm::SystemdUnit);
    assert_eq!(config.name, some("b"));
    assert_eq!(
        (config.client_cert_auth, config.peer_client_cert_auth),
        (true, false)
    );
    assert_eq!(config.listen_client_urls, list(&[]));
}

#[test]
fn command_lines_etcd_refuses_are_refused() {
    let cases = [
        (
            "[Service]\nExecStart=/usr/bin/etcd --client-cert-auth false\n",
            2,
            "\"false\" is not a flag: etcd refuses it (a bool flag's value is written --flag=value)",
        ),
        (
            "[Service]\nEnvironment=ETCD_NAME=a\nExecStart=/usr/bin/etcd --name b\n",
            3,
            "--name is also set by Environment=; etcd refuses to start",
        ),
        (
            "[Service]\nExecStart=/usr/bin/etcd --config-file /etc/etcd/etcd.yml\n",
            2,
            "config-file makes etcd ignore the settings here; lint that file",
        ),
        (
            "[Service]\nExecStart=/usr/bin/etcd --cert-file\n",
            2,
            "--cert-file needs a value",
        ),
        (
            "[Service]\nExecStart=/usr/bin/etcd --name \"a\n",
            2,
            "unterminated quote in \"/usr/bin/etcd --name \\\"a\"",
        ),
        (
            "ExecStart=/usr/bin/kube-apiserver --etcd-servers=x\n",
            1,
            "ExecStart does not run etcd: \"/usr/bin/kube-apiserver --etcd-servers=x\"",
        ),
    ];
    for (text, line, reason) in cases {
        assert_eq!(failure(text), (Some(line), reason.to_owned()), "{text}");
    }
}

#[test]
fn debian_shell_wrapped_and_drop_in_units_are_read() {
    // Debian etcd-server 3.4's own unit; %H is left to systemd.
    let debian = "[Service]\nEnvironment=DAEMON_ARGS=\nEnvironment=ETCD_NAME=%H\n\
                      EnvironmentFile=-/etc/default/%p\nExecStart=/usr/bin/etcd $DAEMON_ARGS\n";
    assert_eq!(read(debian).expect("valid").name, some("%H"));
    let shell = r#"ExecStart=/bin/sh -c "GOMAXPROCS=$(nproc) exec etcd --name infra0 --cert-file='/etc/etcd/s.pem' $X""#;
    let config = read(shell).expect("valid");
    assert_eq!(
        (config.name, config.cert_file),
        (some("infra0"), some("/etc/etcd/s.pem"))
    );
    let drop_in = "[Service]\nExecStart=\nExecStart=/usr/bin/etcd --name override\n";
    assert_eq!(read(drop_in).expect("valid").name, some("override"));
}

#[test]
fn odd_input_never_panics_and_messages_stay_short() {
    let deep: String = (0..2000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let odd = [
        "-",
        ":",
        "- - -",
        "\"",
        "'",
        "\\",
        "a:\n\t- b",
        "name: \"\\",
        "name: '",
        "---\n---",
        "[Service]\nExecStart=\\",
        "ExecStart=/usr/bin/etcd -",
        "ExecStart=/usr/bin/etcd --=x",
        "ETCD_=x",
        "export",
        "ETCD_NAME=\"",
        "name: é\n  é",
        "é:é",
        "\u{feff}name: a",
    ];
    for text in
        odd.iter()
            .map(|s| s.to_string())
            .chain([deep, "x".repeat(100_000), "\\\n".repeat(10_000)])
    {
        if let Err(error) = read(&text) {
            assert!(error.reason.chars().count() < 200, "{}", error.reason);
        }
    }
}

#[test]
fn flags_and_variables_are_checked_per_release() {
    let unit = "[Service]\nEnvironment=ETCD_PEER_CLIENT_CERT_FILE=pc.pem ETCD_NO_SUCH=1 ETCD_UNSUPPORTED_ARCH=arm64\n\
                ExecStart=/usr/bin/etcd --name a --client-cert-file c.pem --tls-min-version TLS1.3 --no-such-flag=1\n";
    let found = problems(unit, Some(Release::V3_4));
    let expected = [
        (2, ProblemKind::Ignored, "etcd 3.4 has no --peer-client-cert-file and ignores ETCD_PEER_CLIENT_CERT_FILE; only etcd 3.5 and 3.6 read it".to_owned()),
        (2, ProblemKind::Unknown, "ETCD_NO_SUCH names no etcd flag: etcd logs \"unrecognized environment variable ETCD_NO_SUCH\" and ignores it".into()),
        (3, ProblemKind::Refused, "etcd 3.4 has no flag --client-cert-file and stops: \"flag provided but not defined: -client-cert-file\"; only etcd 3.5 and 3.6 read it".into()),
        (3, ProblemKind::SomeReleases, "etcd 3.4 before 3.4.25 has no flag --tls-min-version and stops: \"flag provided but not defined: -tls-min-version\"; only etcd 3.4.25+, 3.5.8+ and 3.6 read it".into()),
        (3, ProblemKind::Refused, "etcd has no flag --no-such-flag and stops: \"flag provided but not defined: -no-such-flag\"".into()),
    ];
    assert_eq!(found, expected);
    let config = read_as(unit, Some(Release::V3_4)).expect("valid");
    assert_eq!(
        (config.client_cert_file, config.peer_client_cert_file),
        (None, None)
    );
    let config = read_as(unit, None).expect("valid");
    assert_eq!(config.client_cert_file, some("c.pem"));
    assert_eq!(config.peer_client_cert_file, some("pc.pem"));
}

#[test]
fn allowed_cn_is_one_value_in_3_4_and_a_list_from_3_5_15() {
    let text = "ETCD_PEER_CERT_ALLOWED_CN=infra0,infra1\n";
    let as_3_4 = read_as(text, Some(Release::V3_4)).expect("valid");
    assert_eq!(as_3_4.peer_cert_allowed_cn, list(&["infra0,infra1"]));
    let as_3_6 = read_as(text, Some(Release::V3_6)).expect("valid");
    assert_eq!(
        (as_3_6.peer_cert_allowed_cn.len(), as_3_6.problems.len()),
        (2, 0)
    );
    let found = problems(text, None);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, ProblemKind::SomeReleases);
    assert!(
        found[0]
            .2
            .starts_with("etcd 3.4 and 3.5 before 3.5.15 take --peer-cert-allowed-cn as one value"),
        "{found:?}"
    );
}

#[test]
fn a_unit_running_etcd_grpc_proxy_start_is_read_as_a_proxy() {
    // etcdmain/grpc_proxy.go (3.4): pflag takes `--cert x` and `--cert=x`; its bool flags take
    // no separate value; the proxy reads no ETCD_* variable.
    let text = "[Service]\nEnvironment=ETCD_NAME=m9\n\
                ExecStart=/usr/bin/etcd grpc-proxy start --insecure-skip-tls-verify \\\n  \
                --endpoints=https://10.0.1.10:2379 --cert /p/proxy.pem --key=/p/proxy-key.pem \\\n  \
                --cacert /p/ca.pem --listen-addr 127.0.0.1:23790\n";
    let config = read(text).expect("a grpc-proxy unit");
    assert_eq!(config.process, Process::GrpcProxy);
    assert_eq!(config.grpc_proxy_cert.as_deref(), Some("/p/proxy.pem"));
    assert_eq!(config.grpc_proxy_key.as_deref(), Some("/p/proxy-key.pem"));
    assert_eq!(config.grpc_proxy_cacert.as_deref(), Some("/p/ca.pem"));
    assert_eq!(
        (config.name.as_deref(), config.line_of("cert")),
        (None, Some(3))
    );
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    // A member's unit is still a member.
    let member = read("[Service]\nExecStart=/usr/bin/etcd --name m1\n").expect("a member");
    assert_eq!(member.process, Process::Member);
}
