//! cfssl's own scripts for its test data (github.com/cloudflare/cfssl v1.6.5):
//! bundler/testdata/client-auth/build_certs.sh, signer/local/testdata/
//! build_inter_pathlen_csrs.sh, and `gencert -initca` of cli/testdata/csr.json.

use super::{Behind, Script, both, run};

/// build_certs.sh: a root from `genkey -initca`, an intermediate signed with a default profile
/// that has `ca_constraint.is_ca`, and leaves signed by the intermediate under two profiles.
/// The intermediate's and leaves' request files have the API's `{"label", "request": {…}}`
/// shape, which cfssl reads as a request with unknown keys: an empty one.
const BUILD_CERTS_SH: &str = "#!/bin/sh
rm -f *.pem *.csr
cfssl genkey -initca root-csr.json | cfssljson -bare root
cfssl gencert -ca root.pem -ca-key root-key.pem -config root-config.json int-csr.json | cfssljson -bare int
cfssl gencert -ca int.pem -ca-key int-key.pem -config int-config.json -profile server leaf-server-csr.json | cfssljson -bare leaf-server
cfssl gencert -ca int.pem -ca-key int-key.pem -config int-config.json -profile client leaf-client-csr.json | cfssljson -bare leaf-client
rm *.csr *-key.pem
";

fn api_request(label: Option<&str>, organization: &str, cn: &str) -> String {
    let label = label.map_or(String::new(), |l| format!("\n\t\"label\":\"{l}\","));
    format!(
        "{{{label}
\t\"request\":{{
\t\t\"names\":[
\t\t\t{{
\t\t\t\t\"C\":\"CA\",
\t\t\t\t\"ST\":\"Quebec\",
\t\t\t\t\"L\":\"Montreal\",
\t\t\t\t\"O\":\"{organization}\"
\t\t\t}}
\t\t],
\t\t\"CN\":\"{cn}\"
\t}}
}}"
    )
}

#[test]
fn cfssl_bundler_build_certs_sh_runs_unchanged() {
    let int = api_request(None, "example.org", "Intermediate CA");
    let server = api_request(Some("server"), "Server Cert", "Server Cert");
    let client = api_request(Some("client"), "Client Cert", "Client Cert");
    let inputs = [
        (
            "root-config.json",
            "{\n\t\"signing\": {\n\t\t\"default\": {\n\t\t\t\"ca_constraint\": {\n\t\t\t\t\"is_ca\": true\n            },\n\t\t\t\"usages\": [\"cert sign\"],\n\t\t\t\"expiry\": \"43830h\"\n\t\t}\n\t}\n}",
        ),
        (
            "int-config.json",
            "{\n\t\"signing\": {\n\t\t\"profiles\": {\n\t\t\t\"server\": {\n\t\t\t\t\"usages\": [\"server auth\"],\n\t\t\t\t\"expiry\": \"43830h\"\n\t\t\t},\n\t\t\t\"client\": {\n\t\t\t\t\"usages\": [\"client auth\"],\n\t\t\t\t\"expiry\": \"43830h\"\n\t\t\t}\n\t\t},\n\t\t\"default\": {\n\t\t\t\"usages\": [\"server auth\"],\n\t\t\t\"expiry\": \"43830h\"\n\t\t}\n\t}\n}",
        ),
        (
            "root-csr.json",
            r#"{
    "key": {
        "algo": "ecdsa",
        "size": 256
    },
    "names": [
        {
            "C": "CA",
            "L": "Montreal",
            "O": "Root CA",
            "ST": "Quebec"
        }
    ]
}"#,
        ),
        ("int-csr.json", int.as_str()),
        ("leaf-server-csr.json", server.as_str()),
        ("leaf-client-csr.json", client.as_str()),
    ];
    let script = Script {
        shell: "sh",
        file: "script.sh",
        text: BUILD_CERTS_SH,
        args: &[],
        inputs: &inputs,
    };
    both("cfssl build_certs.sh", &script, &super::same);
}

/// build_inter_pathlen_csrs.sh: requests echoed into `genkey -initca -`, with `pathlen` 0 and
/// `pathlenzero`, `pathlen` 1, and an empty `ca` object.
#[test]
fn cfssl_build_inter_pathlen_csrs_sh_runs_unchanged() {
    let text = r#"#!/bin/sh

cfssl gencert -initca ca.json | cfssljson -bare ca

echo '{ "CN": "Pathlen 0 Issuer", "ca": { "pathlen": 0, "pathlenzero": true } }' | cfssl genkey -initca - | cfssljson -bare inter_pathlen_0
echo '{ "CN": "Pathlen 1 Issuer", "ca": { "pathlen": 1 } }' | cfssl genkey -initca - | cfssljson -bare inter_pathlen_1
echo '{ "CN": "Pathlen Unspecified", "ca": {} }' | cfssl genkey -initca - | cfssljson -bare inter_pathlen_unspecified
"#;
    let inputs = [(
        "ca.json",
        r#"{"CN": "Test Root", "key": {"algo": "ecdsa", "size": 256}}"#,
    )];
    let script = Script {
        shell: "sh",
        file: "script.sh",
        text,
        args: &[],
        inputs: &inputs,
    };
    both("cfssl build_inter_pathlen_csrs.sh", &script, &super::same);
}

/// cli/testdata/csr.json has `names[].OID` and `delegation_enabled` (cfssl ≥ 1.6.2), which
/// Debian's cfssl 1.2.0 ignores; with etcdpki the CA carries the extra RDN and the
/// delegation-usage extension as cfssl 1.6.5 writes them (csr.go, signer.go
/// ParseCertificateRequest), and nothing else changes.
#[test]
fn cfssl_cli_testdata_request_with_1_6_fields_makes_the_1_6_5_ca() {
    let text = "#!/bin/sh\nset -e\ncfssl gencert -initca csr.json | cfssljson -bare ca\n";
    let request = r#"{
    "hosts": [
        "example.com",
        "www.example.com"
    ],
    "key": {
        "algo": "ecdsa",
        "size": 256
    },
    "names": [
        {
            "C": "US",
            "L": "San Francisco",
            "O": "Example",
            "OU": "Systems",
            "ST": "California",
            "OID": {
                "1.2.3.4.5": "abc"
            }
        }
    ],
    "delegation_enabled": true
}"#;
    let inputs = [("csr.json", request)];
    let script = Script {
        shell: "sh",
        file: "script.sh",
        text,
        args: &[],
        inputs: &inputs,
    };
    let cfssl = run(&script, Behind::Cfssl);
    let ours = run(&script, Behind::Etcdpki);
    assert_eq!((cfssl.status, ours.status), (0, 0), "{}", ours.stderr);
    let theirs =
        crate::util::Dump::from_pem(&std::fs::read(cfssl.dir.join("work/ca.pem")).expect("ca"));
    let mine =
        crate::util::Dump::from_pem(&std::fs::read(ours.dir.join("work/ca.pem")).expect("ca"));
    assert!(
        mine.subject.ends_with(", OID(1.2.3.4.5)=abc"),
        "the OID attribute, after the standard ones: {}",
        mine.subject
    );
    assert_eq!(
        theirs.subject,
        mine.subject.trim_end_matches(", OID(1.2.3.4.5)=abc")
    );
    let delegation = mine
        .extension("1.3.6.1.4.1.44363.44")
        .expect("delegation usage in the certificate");
    assert_eq!(
        (delegation.1, delegation.2.as_slice()),
        (false, &[0x05, 0x00][..])
    );
    let mut without: Vec<_> = mine.extension_oids();
    without.retain(|(oid, _)| oid != "1.3.6.1.4.1.44363.44");
    assert_eq!(theirs.extension_oids(), without, "everything else as cfssl");
}
