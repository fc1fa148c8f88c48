//! Kubernetes' cfssl scripts: kubernetes-the-hard-way's certificate chapter (the cfssl
//! version, docs/04-certificate-authority.md before 2023-10), the `generate-etcd-cert` helper
//! (cluster/common.sh) and `hack/local-up-cluster.sh` through `kube::util::create_*_certkey`
//! (hack/lib/util.sh), all in github.com/kubernetes.

use super::{Facts, Script, both, cert_mut};

/// kubernetes-the-hard-way: a CA, then client and server certificates under one `kubernetes`
/// profile, with `-hostname` lists built from shell variables (the `gcloud` lookups are fixed
/// addresses here) and requests written by heredocs inside `{ … }` groups and a `for` loop.
const KTHW: &str = r#"#!/bin/bash
set -e
{

cat > ca-config.json <<EOF
{
  "signing": {
    "default": {
      "expiry": "8760h"
    },
    "profiles": {
      "kubernetes": {
        "usages": ["signing", "key encipherment", "server auth", "client auth"],
        "expiry": "8760h"
      }
    }
  }
}
EOF

cat > ca-csr.json <<EOF
{
  "CN": "Kubernetes",
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "C": "NL",
      "L": "Utrecht",
      "O": "Kubernetes",
      "OU": "CA",
      "ST": "Utrecht"
    }
  ]
}
EOF

cfssl gencert -initca ca-csr.json | cfssljson -bare ca

}

{

cat > admin-csr.json <<EOF
{
  "CN": "admin",
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "C": "NL",
      "L": "Utrecht",
      "O": "system:masters",
      "OU": "Kubernetes The Hard Way",
      "ST": "Utrecht"
    }
  ]
}
EOF

cfssl gencert \
  -ca=ca.pem \
  -ca-key=ca-key.pem \
  -config=ca-config.json \
  -profile=kubernetes \
  admin-csr.json | cfssljson -bare admin

}

for instance in worker-0 worker-1; do
cat > ${instance}-csr.json <<EOF
{
  "CN": "system:node:${instance}",
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "C": "NL",
      "L": "Utrecht",
      "O": "system:nodes",
      "OU": "Kubernetes The Hard Way",
      "ST": "Utrecht"
    }
  ]
}
EOF

EXTERNAL_IP=203.0.113.1${instance#worker-}
INTERNAL_IP=10.240.0.2${instance#worker-}

cfssl gencert \
  -ca=ca.pem \
  -ca-key=ca-key.pem \
  -config=ca-config.json \
  -hostname=${instance},${EXTERNAL_IP},${INTERNAL_IP} \
  -profile=kubernetes \
  ${instance}-csr.json | cfssljson -bare ${instance}
done

{

KUBERNETES_PUBLIC_ADDRESS=203.0.113.100

KUBERNETES_HOSTNAMES=kubernetes,kubernetes.default,kubernetes.default.svc,kubernetes.default.svc.cluster,kubernetes.svc.cluster.local

cat > kubernetes-csr.json <<EOF
{
  "CN": "kubernetes",
  "key": {
    "algo": "rsa",
    "size": 2048
  },
  "names": [
    {
      "C": "NL",
      "L": "Utrecht",
      "O": "Kubernetes",
      "OU": "Kubernetes The Hard Way",
      "ST": "Utrecht"
    }
  ]
}
EOF

cfssl gencert \
  -ca=ca.pem \
  -ca-key=ca-key.pem \
  -config=ca-config.json \
  -hostname=10.32.0.1,10.240.0.10,10.240.0.11,${KUBERNETES_PUBLIC_ADDRESS},127.0.0.1,${KUBERNETES_HOSTNAMES} \
  -profile=kubernetes \
  kubernetes-csr.json | cfssljson -bare kubernetes

}
"#;

#[test]
fn kubernetes_the_hard_way_certificate_chapter_runs_unchanged() {
    let script = Script {
        shell: "bash",
        file: "script.sh",
        text: KTHW,
        args: &[],
        inputs: &[],
    };
    both("kubernetes-the-hard-way", &script, &super::same);
}

/// kubernetes-the-hard-way before 2018 wrote `"hosts": []` into its client requests.
#[test]
fn kubernetes_the_hard_way_2017_empty_hosts_array_runs_unchanged() {
    let text = r#"#!/bin/sh
set -e
cat > ca-config.json <<EOF
{
  "signing": {
    "default": {
      "expiry": "8760h"
    },
    "profiles": {
      "kubernetes": {
        "usages": ["signing", "key encipherment", "server auth", "client auth"],
        "expiry": "8760h"
      }
    }
  }
}
EOF
cat > ca-csr.json <<EOF
{
  "CN": "Kubernetes",
  "key": {
    "algo": "ecdsa",
    "size": 256
  },
  "names": [
    {
      "C": "NL",
      "L": "Utrecht",
      "O": "Kubernetes",
      "OU": "CA",
      "ST": "Utrecht"
    }
  ]
}
EOF
cfssl gencert -initca ca-csr.json | cfssljson -bare ca
cat > kube-proxy-csr.json <<EOF
{
  "CN": "system:kube-proxy",
  "hosts": [],
  "key": {
    "algo": "ecdsa",
    "size": 256
  },
  "names": [
    {
      "C": "NL",
      "L": "Utrecht",
      "O": "system:node-proxier",
      "OU": "Cluster",
      "ST": "Utrecht"
    }
  ]
}
EOF
cfssl gencert \
  -ca=ca.pem \
  -ca-key=ca-key.pem \
  -config=ca-config.json \
  -profile=kubernetes \
  kube-proxy-csr.json | cfssljson -bare kube-proxy
"#;
    let script = Script {
        shell: "sh",
        file: "script.sh",
        text,
        args: &[],
        inputs: &[],
    };
    both("kubernetes-the-hard-way 2017", &script, &super::same);
}

/// cluster/common.sh `generate-etcd-cert DIR IP TYPE`, called for client, server and peer: the
/// CA made with `cfssljson -bare ca -` (a trailing `-`), a client request with the lone host
/// `"*"`, server and peer requests with `"hosts":[""]` replaced by `-hostname`.
const GENERATE_ETCD_CERT: &str = r#"#!/bin/bash
set -e
function generate-etcd-cert() {
  local cert_dir=${1}
  local member_ip=${2}
  local type_cert=${3}
  local prefix=${4:-"${type_cert}"}

  mkdir -p "${cert_dir}"
  pushd "${cert_dir}"

  CFSSL_BIN=$(command -v cfssl)
  CFSSLJSON_BIN=$(command -v cfssljson)

  if [ ! -r "ca-config.json" ]; then
    cat >ca-config.json <<EOF
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
                    "server auth",
                    "client auth"
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
  fi

  if [ ! -r "ca-csr.json" ]; then
    cat >ca-csr.json <<EOF
{
    "CN": "Kubernetes",
    "key": {
        "algo": "ecdsa",
        "size": 256
    },
    "names": [
        {
            "C": "US",
            "L": "CA",
            "O": "kubernetes.io"
        }
    ]
}
EOF
  fi

  if [[ ! -r "ca.pem" || ! -r "ca-key.pem" ]]; then
    ${CFSSL_BIN} gencert -initca ca-csr.json | ${CFSSLJSON_BIN} -bare ca -
  fi

  case "${type_cert}" in
    client)
      echo "Generate client certificates..."
      echo '{"CN":"client","hosts":["*"],"key":{"algo":"ecdsa","size":256}}' \
       | ${CFSSL_BIN} gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=client - \
       | ${CFSSLJSON_BIN} -bare "${prefix}"
      ;;
    server)
      echo "Generate server certificates..."
      echo '{"CN":"'${member_ip}'","hosts":[""],"key":{"algo":"ecdsa","size":256}}' \
       | ${CFSSL_BIN} gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=server -hostname="${member_ip},127.0.0.1" - \
       | ${CFSSLJSON_BIN} -bare "${prefix}"
      ;;
    peer)
      echo "Generate peer certificates..."
      echo '{"CN":"'${member_ip}'","hosts":[""],"key":{"algo":"ecdsa","size":256}}' \
       | ${CFSSL_BIN} gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=peer -hostname="${member_ip},127.0.0.1" - \
       | ${CFSSLJSON_BIN} -bare "${prefix}"
      ;;
    *)
      echo "Unknow, unsupported etcd certs type: ${type_cert}" >&2
      exit 2
  esac

  popd
}

generate-etcd-cert etcd-certs 10.0.0.7 client etcd-client
generate-etcd-cert etcd-certs 10.0.0.7 server etcd-server
generate-etcd-cert etcd-certs 10.0.0.7 peer etcd-peer
"#;

/// The lone `"*"` host: Debian's cfssl 1.2.0 writes it as a dNSName; cfssl 1.6.5, which
/// etcdpki follows, parses it with Go's `url.ParseRequestURI` first, which accepts `*`, so it
/// becomes a URI SAN (csr.go GenerateDER; docs/compat.md).
#[test]
fn kubernetes_generate_etcd_cert_runs_unchanged() {
    let script = Script {
        shell: "bash",
        file: "script.sh",
        text: GENERATE_ETCD_CERT,
        args: &[],
        inputs: &[],
    };
    both("generate-etcd-cert", &script, &|files| {
        cert_mut(files, "etcd-certs/etcd-client.pem").sans = vec!["URI:*".into()];
        if let Some(Facts::Request { sans, .. }) = files.get_mut("etcd-certs/etcd-client.csr") {
            *sans = vec!["URI:*".into()];
        }
    });
}

/// hack/lib/util.sh as hack/local-up-cluster.sh calls it: CAs made by openssl (`req -x509` with
/// an emailAddress in the subject, PKCS#8 keys named `.key`), a one-profile config per CA
/// written by echo, client requests with `"hosts":[""]` and `names` of zero or more `O`s, and
/// serving requests with hosts; every command reads the request from stdin (`-`).
const LOCAL_UP_CLUSTER: &str = r#"#!/usr/bin/env bash
set -e
CERT_DIR=certs
mkdir -p "${CERT_DIR}"
CFSSL_BIN=$(command -v cfssl)
CFSSLJSON_BIN=$(command -v cfssljson)
OPENSSL_BIN=$(command -v openssl)

function kube::util::create_signing_certkey {
    local sudo=$1
    local dest_dir=$2
    local id=$3
    local purpose=$4
    ${sudo} /usr/bin/env bash -e <<EOF
    rm -f "${dest_dir}/${id}-ca.crt" "${dest_dir}/${id}-ca.key"
    ${OPENSSL_BIN} req -x509 -sha256 -new -nodes -days 365 -newkey rsa:2048 -keyout "${dest_dir}/${id}-ca.key" -out "${dest_dir}/${id}-ca.crt" -subj "/C=xx/ST=x/L=x/O=x/OU=x/CN=ca/emailAddress=x/"
    echo '{"signing":{"default":{"expiry":"43800h","usages":["signing","key encipherment",${purpose}]}}}' > "${dest_dir}/${id}-ca-config.json"
EOF
}

function kube::util::create_client_certkey {
    local sudo=$1
    local dest_dir=$2
    local ca=$3
    local id=$4
    local cn=${5:-$4}
    local groups=""
    local SEP=""
    shift 5
    while [ -n "${1:-}" ]; do
        groups+="${SEP}{\"O\":\"$1\"}"
        SEP=","
        shift 1
    done
    ${sudo} /usr/bin/env bash -e <<EOF
    cd ${dest_dir}
    echo '{"CN":"${cn}","names":[${groups}],"hosts":[""],"key":{"algo":"rsa","size":2048}}' | ${CFSSL_BIN} gencert -ca=${ca}.crt -ca-key=${ca}.key -config=${ca}-config.json - | ${CFSSLJSON_BIN} -bare client-${id}
    mv "client-${id}-key.pem" "client-${id}.key"
    mv "client-${id}.pem" "client-${id}.crt"
    rm -f "client-${id}.csr"
EOF
}

function kube::util::create_serving_certkey {
    local sudo=$1
    local dest_dir=$2
    local ca=$3
    local id=$4
    local cn=${5:-$4}
    local hosts=""
    local SEP=""
    shift 5
    while [ -n "${1:-}" ]; do
        hosts+="${SEP}\"$1\""
        SEP=","
        shift 1
    done
    ${sudo} /usr/bin/env bash -e <<EOF
    cd ${dest_dir}
    echo '{"CN":"${cn}","hosts":[${hosts}],"key":{"algo":"rsa","size":2048}}' | ${CFSSL_BIN} gencert -ca=${ca}.crt -ca-key=${ca}.key -config=${ca}-config.json - | ${CFSSLJSON_BIN} -bare serving-${id}
    mv "serving-${id}-key.pem" "serving-${id}.key"
    mv "serving-${id}.pem" "serving-${id}.crt"
    rm -f "serving-${id}.csr"
EOF
}

API_HOST_IP=127.0.0.1
FIRST_SERVICE_CLUSTER_IP=10.0.0.1
kube::util::create_signing_certkey "" "${CERT_DIR}" server '"server auth"'
kube::util::create_signing_certkey "" "${CERT_DIR}" client '"client auth"'
kube::util::create_serving_certkey "" "${CERT_DIR}" "server-ca" kube-apiserver kubernetes.default kubernetes.default.svc "localhost" "${API_HOST_IP}" "${FIRST_SERVICE_CLUSTER_IP}"
kube::util::create_client_certkey "" "${CERT_DIR}" 'client-ca' admin system:admin system:masters
kube::util::create_client_certkey "" "${CERT_DIR}" 'client-ca' kube-apiserver kube-apiserver
"#;

/// The client requests' `"hosts":[""]`: cfssl writes an empty dNSName, which RFC 5280
/// §4.2.1.6 forbids; etcdpki drops the empty entry with a warning, so those certificates have
/// no SAN extension (docs/compat.md). Everything else, the openssl-made CAs included, matches.
#[test]
fn kubernetes_local_up_cluster_certificates_run_unchanged() {
    let script = Script {
        shell: "bash",
        file: "script.sh",
        text: LOCAL_UP_CLUSTER,
        args: &[],
        inputs: &[],
    };
    let (_, ours) = both("local-up-cluster", &script, &|files| {
        for client in ["certs/client-admin.crt", "certs/client-kube-apiserver.crt"] {
            let cert = cert_mut(files, client);
            assert_eq!(cert.sans, ["DNS:"], "cfssl writes the empty host");
            cert.sans.clear();
            cert.extensions
                .retain(|(oid, _)| oid != crate::util::ext::SAN);
        }
    });
    assert!(
        ours.stderr.contains("hosts[0]"),
        "the dropped empty host is named: {}",
        ours.stderr
    );
}
