//! Unit tests of reading etcd configurations: each form, etcd 3.4's refusals, and the limits.

use super::*;

fn read(text: &str) -> Result<EtcdConfig, EtcdConfigError> {
    read_etcd_config(Path::new("/etc/etcd/member.conf"), text)
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
    assert_eq!(read(YAML), Ok(member(0, ConfigForm::Yaml)));
}

#[test]
fn env_file_sample_reads_every_field() {
    assert_eq!(read(ENV_FILE), Ok(member(1, ConfigForm::EnvFile)));
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
    assert_eq!(read(UNIT), Ok(expected));
}

#[test]
fn yaml_lists_quotes_and_comments_are_read() {
    let text = r#"listen-client-urls:
- https://10.0.1.10:2379
- "https://127.0.0.1:2379"  # loopback
advertise-client-urls:
  - 'https://10.0.1.10:2379'
listen-peer-urls: " https://10.0.1.10:2380 ,https://10.0.1.10:2381"
name: "infra\"0"
initial-cluster: 'it''s # not a comment'
discovery-srv: ~
client-transport-security: # TLS for clients
  cert-file: "a b.pem"
"#;
    let config = read(text).expect("valid");
    assert_eq!(
        config.listen_client_urls,
        list(&["https://10.0.1.10:2379", "https://127.0.0.1:2379"])
    );
    assert_eq!(
        config.advertise_client_urls,
        list(&["https://10.0.1.10:2379"])
    );
    assert_eq!(
        config.listen_peer_urls,
        list(&["https://10.0.1.10:2380", "https://10.0.1.10:2381"])
    );
    assert_eq!(config.name, some("infra\"0"));
    assert_eq!(config.initial_cluster, some("it's # not a comment"));
    assert_eq!(
        (config.discovery_srv, config.cert_file),
        (None, some("a b.pem"))
    );
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
}

#[test]
fn yaml_unknown_keys_and_later_documents_are_skipped() {
    let text = "log-outputs: [stderr]\nexperimental-x: |\n  anything: here\n  - even this\n\
                    cors:\n  nested:\n    deep: 1\n  list:\n  - item\nname: infra0\n---\nname: ignored\n";
    assert_eq!(read(text).expect("valid").name, some("infra0"));
}

#[test]
fn yaml_outside_the_subset_fails_at_its_line() {
    let cases = [
        (
            "name: a\nclient-transport-security:\n\tcert-file: x.pem\n",
            3,
            "tab in indentation; YAML indents with spaces only",
        ),
        (
            "name: a\n\nclient-transport-security: {cert-file: x.pem}\n",
            3,
            "a flow map `{…}` for client-transport-security is not supported; write its keys below it",
        ),
        (
            "peer-transport-security:\n  client-cert-auth: \"true\"\n",
            2,
            "peer-client-cert-auth must be an unquoted true or false, found \"true\"",
        ),
        (
            "client-transport-security:\n  client-cert-auth: 1\n",
            2,
            "client-cert-auth must be an unquoted true or false, found \"1\"",
        ),
        (
            "name: a\njust words\n",
            2,
            "expected `key: value`, found \"just words\"",
        ),
        ("name: 'infra0\n", 1, "unterminated quote in \"'infra0\""),
        (
            "client-transport-security:\n  cert-file: a.pem\n key-file: b.pem\n",
            3,
            "indentation does not match the lines above",
        ),
        (
            "cert-file: a.pem\n  b.pem\n",
            2,
            "a value over several lines is not supported here",
        ),
        (
            "listen-client-urls: [https://a:2379]\n",
            1,
            "write listen-client-urls as one comma-separated string, not a flow list `[…]`",
        ),
        (
            "name: *anchor\n",
            1,
            "unsupported YAML syntax \"*anchor\"; write a plain or quoted value",
        ),
    ];
    for (text, line, reason) in cases {
        assert_eq!(failure(text), (Some(line), reason.to_owned()), "{text}");
    }
    let error = read("name: a\nclient-transport-security:\n\tcert-file: x.pem\n").expect_err("tab");
    let shown = "/etc/etcd/member.conf:3: tab in indentation; YAML indents with spaces only";
    assert_eq!(error.to_string(), shown);
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
