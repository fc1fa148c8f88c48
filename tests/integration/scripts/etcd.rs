//! etcd's own cfssl scripts: `hack/tls-setup/Makefile` and `tests/fixtures/gencerts.sh`
//! (github.com/etcd-io/etcd, main branch).

use super::{Behind, Facts, Script, assert_same, both, rerun, run};

/// hack/tls-setup/Makefile: `make` runs the `ca` and `req` targets, each command through
/// `env PATH=$(GOPATH)/bin:$(PATH) cfssl`, every request signed with the config's default
/// profile (876000h, so the notAfter is a GeneralizedTime) into files named after IPs.
const TLS_SETUP_MAKEFILE: &str = "\
.PHONY: ca req clean

CFSSL\t= @env PATH=$(GOPATH)/bin:$(PATH) cfssl
JSON\t= env PATH=$(GOPATH)/bin:$(PATH) cfssljson

all:  ca req

ca:
\tmkdir -p certs
\t$(CFSSL) gencert -initca config/ca-csr.json | $(JSON) -bare certs/ca

req:
\t$(CFSSL) gencert \\
\t  -ca certs/ca.pem \\
\t  -ca-key certs/ca-key.pem \\
\t  -config config/ca-config.json \\
\t  config/req-csr.json | $(JSON) -bare certs/10.20.0.11
\t$(CFSSL) gencert \\
\t  -ca certs/ca.pem \\
\t  -ca-key certs/ca-key.pem \\
\t  -config config/ca-config.json \\
\t  config/req-csr.json | $(JSON) -bare certs/10.20.0.12
\t$(CFSSL) gencert \\
\t  -ca certs/ca.pem \\
\t  -ca-key certs/ca-key.pem \\
\t  -config config/ca-config.json \\
\t  config/req-csr.json | $(JSON) -bare certs/peer-10.20.0.11
\t$(CFSSL) gencert \\
\t  -ca certs/ca.pem \\
\t  -ca-key certs/ca-key.pem \\
\t  -config config/ca-config.json \\
\t  config/req-csr.json | $(JSON) -bare certs/peer-10.20.0.12

clean:
\trm -rf certs
";

const TLS_SETUP_INPUTS: &[(&str, &str)] = &[
    (
        "config/ca-config.json",
        r#"{
  "signing": {
    "default": {
        "usages": [
          "signing",
          "key encipherment",
          "server auth",
          "client auth"
        ],
        "expiry": "876000h"
    }
  }
}
"#,
    ),
    (
        "config/ca-csr.json",
        r#"{
  "CN": "Generated Test CA",
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "O": "Bob's Discount Certificates",
      "OU": "Quickly-Made Values Divison",
      "L": "Portland",
      "ST": "Oregon",
      "C": "US"
    }
  ]
}
"#,
    ),
    (
        "config/req-csr.json",
        r#"{
  "CN": "etcd",
  "hosts": [
    "localhost",
    "127.0.0.1",
    "10.20.0.11",
    "10.20.0.12"
  ],
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "O": "generated",
      "OU": "etcd cluster",
      "L": "the network"
    }
  ]
}
"#,
    ),
];

fn tls_setup() -> Script<'static> {
    Script {
        shell: "make",
        file: "Makefile",
        text: TLS_SETUP_MAKEFILE,
        args: &[],
        inputs: TLS_SETUP_INPUTS,
    }
}

#[test]
fn etcd_tls_setup_makefile_runs_unchanged() {
    both("hack/tls-setup make", &tls_setup(), &super::same);
}

/// A second `make` regenerates the CA and everything after it, as with cfssl; etcdpki first
/// keeps the old CA certificate and key as `NAME.pem.bak-<UTC time>` beside them (issue 14
/// point 5), which is the only difference.
#[test]
fn etcd_tls_setup_second_make_regenerates_the_ca_and_keeps_a_backup() {
    let script = tls_setup();
    let cfssl_first = run(&script, Behind::Cfssl);
    let ours_first = run(&script, Behind::Etcdpki);
    let old_ca = std::fs::read(ours_first.dir.join("work/certs/ca.pem")).expect("ca");
    let old_key = std::fs::read(ours_first.dir.join("work/certs/ca-key.pem")).expect("key");
    let cfssl = rerun(&script, cfssl_first);
    let mut ours = rerun(&script, ours_first);
    assert!(
        ours.stderr.contains("ca-key.pem.bak-"),
        "the warning names the backup: {}",
        ours.stderr
    );
    let backups: Vec<String> = ours
        .files
        .keys()
        .filter(|f| f.contains(".bak-"))
        .cloned()
        .collect();
    assert_eq!(backups.len(), 2, "{backups:?}");
    for name in &backups {
        let facts = ours.files.remove(name).expect("listed");
        let contents = std::fs::read(ours.dir.join(&format!("work/{name}"))).expect("backup");
        if name.starts_with("certs/ca-key.pem.bak-") {
            assert!(matches!(facts, Facts::Key { mode: 0o600, .. }), "{facts:?}");
            assert_eq!(contents, old_key, "the old key is kept");
        } else {
            assert!(name.starts_with("certs/ca.pem.bak-"), "{name}");
            assert_eq!(contents, old_ca, "the old certificate is kept");
        }
    }
    let new_ca = std::fs::read(ours.dir.join("work/certs/ca.pem")).expect("ca");
    assert_ne!(new_ca, old_ca, "the CA is regenerated, as cfssl does");
    assert_same("hack/tls-setup second make", &cfssl, &ours, &super::same);
}

/// tests/fixtures/gencerts.sh, run from its directory as `./gencerts.sh` (it checks `$0`):
/// GNU-style `--flag` spellings, `--initca=true`, a profile passed inside the word-split `$1`,
/// requests with an empty CN, IPv6 and wildcard hosts, renames to `.crt`/`.key.insecure`, and the
/// serial read back from cfssl's log with `awk '{print $9}'` and revoked with `gencrl`.
const GENCERTS_SH: &str = r#"#!/bin/bash

set -euo pipefail

if ! [[ "$0" =~ "./gencerts.sh" ]]; then
  echo "must be run from 'fixtures'"
  exit 255
fi

if ! command -v cfssl; then
  echo "cfssl is not installed"
  exit 255
fi

if ! command -v cfssljson; then
  echo "cfssljson is not installed"
  exit 255
fi

cfssl gencert --initca=true ./ca-csr.json | cfssljson --bare ./ca
mv ca.pem ca.crt

if command -v openssl >/dev/null; then
  openssl x509 -in ca.crt -noout -text
fi

# gencert [config_file.json] [cert-name]
function gencert {
  cfssl gencert \
    --ca ./ca.crt \
    --ca-key ./ca-key.pem \
    --config ./gencert.json \
    $1 | cfssljson --bare ./$2
  mv $2.pem $2.crt
  mv $2-key.pem $2.key.insecure
}

gencert ./server-ca-csr.json server
gencert "--profile=server-only ./server-ca-csr.json" server-serverusage
gencert "--profile=client-only ./server-ca-csr.json" client-clientusage
gencert ./client-ca-csr-nocn.json client-nocn
gencert ./server-ca-csr-ecdsa.json server-ecdsa
gencert ./server-ca-csr-ip.json server-ip
gencert ./server-ca-csr-ipv6.json server-ipv6
gencert ./server-ca-csr3.json server3
gencert ./server-ca-csr-wildcard.json server-wildcard

cfssl gencert --ca ./ca.crt \
  --ca-key ./ca-key.pem \
  --config ./gencert.json \
  ./server-ca-csr.json 2>revoked.stderr | cfssljson --bare ./server-revoked
mv server-revoked.pem server-revoked.crt
mv server-revoked-key.pem server-revoked.key.insecure
grep serial revoked.stderr | awk ' { print $9 } ' >revoke.txt
cp revoke.txt revoked-serial.kept
cfssl gencrl revoke.txt ca.crt ca-key.pem | base64 --decode >revoke.crl

rm -f *.csr *.pem *.stderr *.txt
"#;

/// The fixtures' request shapes: RSA-2048 (one ECDSA), a three-letter `C`, the same `names` in
/// every request, hosts of one IP, of `::1`, of a wildcard, and an empty `CN`.
fn server_request(cn: &str, hosts: &str, algo: &str, size: u32) -> String {
    format!(
        r#"{{
  "key": {{
    "algo": "{algo}",
    "size": {size}
  }},
  "names": [
    {{
      "O": "etcd",
      "OU": "etcd Testing",
      "L": "Berlin",
      "ST": "Berlin",
      "C": "DEU"
    }}
  ],
  "CN": "{cn}",
  "hosts": [
    {hosts}
  ]
}}
"#
    )
}

#[test]
fn etcd_fixtures_gencerts_sh_runs_unchanged() {
    let both_hosts = r#""127.0.0.1",
    "localhost""#;
    let requests = [
        (
            "server-ca-csr.json",
            server_request("example.com", both_hosts, "rsa", 2048),
        ),
        (
            "client-ca-csr-nocn.json",
            server_request("", both_hosts, "rsa", 2048),
        ),
        (
            "server-ca-csr-ecdsa.json",
            server_request("example.com", both_hosts, "ecdsa", 256),
        ),
        (
            "server-ca-csr-ip.json",
            server_request("example.com", r#""127.0.0.1""#, "rsa", 2048),
        ),
        (
            "server-ca-csr-ipv6.json",
            server_request("example.com", r#""::1""#, "rsa", 2048),
        ),
        (
            "server-ca-csr3.json",
            server_request("", both_hosts, "rsa", 2048),
        ),
        (
            "server-ca-csr-wildcard.json",
            server_request(
                "example.com",
                r#""*.etcd.local",
    "etcd.local",
    "127.0.0.1",
    "localhost""#,
                "rsa",
                2048,
            ),
        ),
    ];
    let ca_csr = r#"{
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "O": "etcd",
      "OU": "etcd Testing",
      "L": "Berlin",
      "ST": "Berlin",
      "C": "DEU"
    }
  ],
  "CN": "ca",
  "ca": {
    "expiry": "87600h"
  }
}
"#;
    let profile = |usages: &str| {
        format!(
            r#"{{
        "usages": [
          {usages}
        ],
        "expiry": "87600h"
      }}"#
        )
    };
    let config = format!(
        r#"{{
  "signing": {{
    "default": {},
    "profiles": {{
      "client-only": {},
      "server-only": {}
    }}
  }}
}}
"#,
        profile(r#""signing", "key encipherment", "server auth", "client auth""#),
        profile(r#""signing", "key encipherment", "client auth""#),
        profile(r#""signing", "key encipherment", "server auth""#),
    );
    let mut inputs: Vec<(&str, &str)> = vec![("ca-csr.json", ca_csr), ("gencert.json", &config)];
    inputs.extend(requests.iter().map(|(n, t)| (*n, t.as_str())));
    let script = Script {
        shell: "bash",
        file: "gencerts.sh",
        text: GENCERTS_SH,
        args: &[],
        inputs: &inputs,
    };
    let (_, ours) = both("tests/fixtures/gencerts.sh", &script, &super::same);
    // The log line `[INFO] signed certificate with serial number N` puts N in field 9, as cfssl's.
    let kept = std::fs::read_to_string(ours.dir.join("work/revoked-serial.kept")).expect("kept");
    let cert = crate::util::Dump::from_pem(
        &std::fs::read(ours.dir.join("work/server-revoked.crt")).expect("cert"),
    );
    assert_eq!(
        kept.trim(),
        decimal(&cert.serial),
        "awk '{{print $9}}' reads the serial"
    );
}

/// A big-endian unsigned integer in decimal.
fn decimal(bytes: &[u8]) -> String {
    let mut digits = vec![0u8];
    for &b in bytes {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}
