//! The CoreOS guide "Generate self-signed certificates" (coreos/docs, os/generate-self-signed-
//! certificates.md; the same text lives on in Flatcar's docs), every command in order.

use std::collections::BTreeMap;

use super::{Facts, Script, both, cert_mut};

/// The guide: defaults printed and then edited (the edits are heredocs here; the CA request
/// keeps the guide's duplicate `"OU"` key, of which Go keeps the last), the CA made with
/// `cfssljson -bare ca -`, each certificate made from an edited print-defaults request and
/// again from an echoed request with `"hosts":[""]` (replaced by `-hostname` for servers and
/// peers, left alone for clients), then the TLDR section in its own directory, where the
/// client's `-hostname="$ADDRESS"` is empty.
const GUIDE: &str = r#"#!/bin/sh
set -e
mkdir cfssl
cd cfssl
cfssl print-defaults config > ca-config.json
cfssl print-defaults csr > ca-csr.json
cp ca-config.json printed-config.json
cp ca-csr.json printed-csr.json
cat > ca-config.json <<EOF
{
    "signing": {
        "default": {
            "expiry": "43800h"
        },
        "profiles": {
            "server": {
                "expiry": "43800h",
                "usages": [
                    "signing",
                    "key encipherment",
                    "server auth"
                ]
            },
            "client": {
                "expiry": "43800h",
                "usages": [
                    "signing",
                    "key encipherment",
                    "client auth"
                ]
            },
            "peer": {
                "expiry": "43800h",
                "usages": [
                    "signing",
                    "key encipherment",
                    "server auth",
                    "client auth"
                ]
            }
        }
    }
}
EOF
cat > ca-csr.json <<EOF
{
    "CN": "Our own CA",
    "key": {
        "algo": "rsa",
        "size": 2048
    },
    "names": [
        {
            "C": "US",
            "L": "CA",
            "O": "Example Company",
            "ST": "San Francisco",
            "OU": "Unit One",
            "OU": "Unit Two"
        }
    ]
}
EOF
cfssl gencert -initca ca-csr.json | cfssljson -bare ca -

cfssl print-defaults csr > server.json
cat > server.json <<EOF
{
    "CN": "coreos1",
    "hosts": [
        "192.168.122.68",
        "ext.example.com",
        "coreos1.local",
        "coreos1"
    ],
    "key": {
        "algo": "ecdsa",
        "size": 256
    },
    "names": [
        {
            "C": "US",
            "ST": "CA",
            "L": "San Francisco"
        }
    ]
}
EOF
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=server server.json | cfssljson -bare server
echo '{"CN":"coreos1","hosts":[""],"key":{"algo":"rsa","size":2048}}' | cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=server -hostname="192.168.122.68,ext.example.com,coreos1.local,coreos1" - | cfssljson -bare server-echo

cfssl print-defaults csr > member1.json
cat > member1.json <<EOF
{
    "CN": "member1",
    "hosts": [
        "192.168.122.101",
        "ext.example.com",
        "member1.local",
        "member1"
    ],
    "key": {
        "algo": "ecdsa",
        "size": 256
    },
    "names": [
        {
            "C": "US",
            "ST": "CA",
            "L": "San Francisco"
        }
    ]
}
EOF
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=peer member1.json | cfssljson -bare member1
echo '{"CN":"member1","hosts":[""],"key":{"algo":"rsa","size":2048}}' | cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=peer -hostname="192.168.122.101,ext.example.com,member1.local,member1" - | cfssljson -bare member1-echo

cfssl print-defaults csr > client.json
cat > client.json <<EOF
{
    "CN": "client",
    "hosts": [""],
    "key": {
        "algo": "ecdsa",
        "size": 256
    },
    "names": [
        {
            "C": "US",
            "ST": "CA",
            "L": "San Francisco"
        }
    ]
}
EOF
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=client client.json | cfssljson -bare client
echo '{"CN":"client","hosts":[""],"key":{"algo":"rsa","size":2048}}' | cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=client - | cfssljson -bare client-echo
openssl x509 -in ca.pem -text -noout > /dev/null
openssl x509 -in server.pem -text -noout > /dev/null
openssl x509 -in client.pem -text -noout > /dev/null

cd ..
mkdir tldr
cd tldr
echo '{"CN":"CA","key":{"algo":"rsa","size":2048}}' | cfssl gencert -initca - | cfssljson -bare ca -
echo '{"signing":{"default":{"expiry":"43800h","usages":["signing","key encipherment","server auth","client auth"]}}}' > ca-config.json
export ADDRESS=192.168.122.68,ext1.example.com,coreos1.local,coreos1
export NAME=server
echo '{"CN":"'$NAME'","hosts":[""],"key":{"algo":"rsa","size":2048}}' | cfssl gencert -config=ca-config.json -ca=ca.pem -ca-key=ca-key.pem -hostname="$ADDRESS" - | cfssljson -bare $NAME
export ADDRESS=
export NAME=client
echo '{"CN":"'$NAME'","hosts":[""],"key":{"algo":"rsa","size":2048}}' | cfssl gencert -config=ca-config.json -ca=ca.pem -ca-key=ca-key.pem -hostname="$ADDRESS" - | cfssljson -bare $NAME
openssl x509 -in ca.pem -text -noout > /dev/null
openssl x509 -in server.pem -text -noout > /dev/null
openssl x509 -in client.pem -text -noout > /dev/null
"#;

/// The empty host of a client request without `-hostname`: cfssl writes an empty dNSName
/// (RFC 5280 §4.2.1.6 forbids it) into the CSR and the certificate; etcdpki drops it with a
/// warning, so neither has a SAN (docs/compat.md).
fn drop_empty_host(files: &mut BTreeMap<String, Facts>, base: &str) {
    let cert = cert_mut(files, &format!("{base}.pem"));
    assert_eq!(cert.sans, ["DNS:"], "{base}: cfssl writes the empty host");
    cert.sans.clear();
    cert.extensions
        .retain(|(oid, _)| oid != crate::util::ext::SAN);
    match files.get_mut(&format!("{base}.csr")) {
        Some(Facts::Request { sans, .. }) => sans.clear(),
        other => panic!("{base}.csr: {other:?}"),
    }
}

#[test]
fn coreos_self_signed_certificates_guide_runs_unchanged() {
    let script = Script {
        shell: "sh",
        file: "script.sh",
        text: GUIDE,
        args: &[],
        inputs: &[],
    };
    let (_, ours) = both("CoreOS guide", &script, &|files| {
        for base in ["cfssl/client", "cfssl/client-echo", "tldr/client"] {
            drop_empty_host(files, base);
        }
    });
    for file in ["ca.pem", "ca-key.pem", "ca.csr"] {
        assert!(
            ours.files.contains_key(&format!("cfssl/{file}")),
            "cfssljson -bare ca - writes {file}"
        );
    }
}
