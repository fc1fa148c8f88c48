#!/usr/bin/env bash
# Regenerates fuzz/seeds/: the repository's JSON inputs, plus certificates, CSRs and keys made
# with etcdpki itself and with openssl (for encodings etcdpki never writes):
#   fuzz/make-seeds.sh [ETCDPKI]        (default: target/release/etcdpki; needs openssl, python3)
# Keys and cfssljson input holding keys are throw-away test keys, named `*.insecure`.
# fuzz/keys/issuer-key.pem.insecure is the CA key the `certificate` target holds: seed
# certificates made with it reach Issuer's accepted path. It is kept if present, so that
# regenerating the seeds does not invalidate the corpus.
set -euo pipefail
fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
etcdpki=$(cd "$(dirname "${1:-$root/target/release/etcdpki}")" && pwd)/$(basename "${1:-etcdpki}")
seeds=$fuzz/seeds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

for t in ca_config_json csr_json go_duration cfssljson pem_key der_key certificate certificate_request; do
    rm -rf "${seeds:?}/$t"
    mkdir -p "$seeds/$t"
done

# --- JSON inputs from the repository ----------------------------------------------------------
for f in "$root"/profiles/etcd/ca-config.json "$root"/tests/cmd/inputs/*config*.json \
    "$root"/tests/testdata/tutorials/*/ca-config.json; do
    cp "$f" "$seeds/ca_config_json/$(basename "$(dirname "$f")")-$(basename "$f")"
done
for f in "$root"/profiles/etcd/*-csr.json "$root"/tests/testdata/tutorials/*/*-csr.json; do
    cp "$f" "$seeds/csr_json/$(basename "$(dirname "$f")")-$(basename "$f")"
done
for f in "$root"/tests/cmd/inputs/*.json; do
    case $f in *config*) ;; *) cp "$f" "$seeds/csr_json/inputs-$(basename "$f")" ;; esac
done

# --- Go durations (cfssl expiry and backdate values, and Go's own edge cases) -----------------
i=0
for d in 8760h 87600h 43800h 168h 1h30m 5m 300ms 1.5h -1.5h 1µs 1us 2h45m30.5s .5s 0 0s \
    2562047h47m16.854775807s -2562047h47m16.854775808s 1ns 100000000000000000000ns; do
    printf '%s' "$d" >"$seeds/go_duration/$(printf '%02d' $i)"
    i=$((i + 1))
done
printf '\xff\xff\xff\xff\xff\xff\xff\x7f' >"$seeds/go_duration/i64-max.bin"
printf '\x00\x00\x00\x00\x00\x00\x00\x80' >"$seeds/go_duration/i64-min.bin"

# --- etcdpki: the etcd PKI and keys of every kind ---------------------------------------------
mkdir -p "$fuzz/keys"
issuer_key=$fuzz/keys/issuer-key.pem.insecure
if [ ! -f "$issuer_key" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$issuer_key"
fi
"$etcdpki" gencert -initca -ca-key="$issuer_key" "$root/profiles/etcd/ca-csr.json" >ca.json
"$etcdpki" json -bare ca <ca.json
cp "$issuer_key" ca-key.pem
for role in server peer client; do
    "$etcdpki" gencert -ca=ca.pem -ca-key=ca-key.pem -config="$root/profiles/etcd/ca-config.json" \
        -profile="$role" "$root/profiles/etcd/$role-csr.json" >"$role.json"
    "$etcdpki" json -bare "$role" <"$role.json"
done
cat >odd-csr.json <<'EOF'
{"CN": "odd*name", "hosts": ["*.etcd.example.com", "10.0.1.10", "::ffff:10.0.0.1", "fe80::1",
 "ops@example.com", "spiffe://example.com/etcd/0", "urn:uuid:1234"],
 "names": [{"C": "CH", "L": "Zürich", "O": "etcd", "OU": "ops"}, {"O": "second org", "OU": "a+b"}],
 "key": {"algo": "ecdsa", "size": 384}}
EOF
"$etcdpki" gencert -ca=ca.pem -ca-key=ca-key.pem -config="$root/profiles/etcd/ca-config.json" \
    -profile=peer odd-csr.json >odd.json
"$etcdpki" json -bare odd <odd.json
for spec in 'rsa 2048' 'rsa 3072' 'ecdsa 521' 'ed25519 0'; do
    set -- $spec
    name=$1-$2
    printf '{"CN": "%s", "key": {"algo": "%s", "size": %s}, "ca": {"pathlen": 1}}' \
        "$name" "$1" "$2" >"$name-csr.json"
    "$etcdpki" gencert -initca "$name-csr.json" >"$name.json"
    "$etcdpki" json -bare "$name" <"$name.json"
done
"$etcdpki" genkey "$root/tests/cmd/inputs/member.json" >genkey.json
"$etcdpki" json -bare genkey <genkey.json
"$etcdpki" sign -ca=ca.pem -ca-key=ca-key.pem genkey.csr >sign.json
"$etcdpki" gencsr -key=server-key.pem -cert=server.pem >gencsr.json
"$etcdpki" json -bare renewal <gencsr.json

for f in ca server peer client odd rsa-2048 rsa-3072 ecdsa-521 ed25519-0; do
    cp "$f.json" "$seeds/cfssljson/$f.json.insecure"
done
cp sign.json "$seeds/cfssljson/sign.json"

# --- openssl: encodings etcdpki does not write ------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048-pkcs8.pem 2>/dev/null
openssl rsa -in rsa2048-pkcs8.pem -traditional -out rsa2048-pkcs1.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pem 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsapss.pem 2>/dev/null
openssl ecparam -name secp384r1 -genkey -out ec384-with-params.pem
openssl ec -in ec384-with-params.pem -no_public -out ec384-no-public.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out ec521-pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out k256.pem
openssl genpkey -algorithm ED25519 -out ed25519.pem
openssl genpkey -algorithm X25519 -out x25519.pem
openssl pkcs8 -topk8 -in ec521-pkcs8.pem -passout pass:x -out encrypted.pem 2>/dev/null

for k in ca-key.pem odd-key.pem rsa-2048-key.pem ed25519-0-key.pem rsa2048-pkcs8.pem \
    rsa2048-pkcs1.pem rsa1024.pem rsapss.pem ec384-with-params.pem ec384-no-public.pem \
    ec521-pkcs8.pem k256.pem ed25519.pem x25519.pem encrypted.pem; do
    cp "$k" "$seeds/pem_key/${k%.pem}.pem.insecure"
done
# DER: the last PEM block of each file (so EC PARAMETERS are skipped).
der() { python3 - "$1" <<'EOF'
import base64, re, sys
blocks = re.findall(rb"-----BEGIN [^-]+-----\n(.*?)-----END", open(sys.argv[1], "rb").read(), re.S)
sys.stdout.buffer.write(base64.b64decode(b"".join(blocks[-1].split())))
EOF
}
for k in ca-key.pem odd-key.pem rsa-2048-key.pem ed25519-0-key.pem rsa2048-pkcs8.pem \
    rsa2048-pkcs1.pem rsa1024.pem rsapss.pem ec384-no-public.pem ec521-pkcs8.pem k256.pem \
    ed25519.pem x25519.pem; do
    der "$k" >"$seeds/der_key/${k%.pem}.der.insecure"
done
openssl pkcs8 -topk8 -nocrypt -in ca-key.pem -outform DER -out "$seeds/der_key/ca-key-pkcs8.der.insecure"
# Ed25519 PKCS#8 v2 (RFC 5958: version 1 and the public key in [1]), which openssl does not write.
python3 - ed25519.pem "$seeds/der_key/ed25519-v2.der.insecure" <<'EOF'
import base64, re, subprocess, sys
pem = open(sys.argv[1], "rb").read()
v1 = base64.b64decode(b"".join(re.search(rb"KEY-----\n(.*?)-----END", pem, re.S).group(1).split()))
pub = subprocess.run(["openssl", "pkey", "-in", sys.argv[1], "-pubout", "-outform", "DER"],
                     capture_output=True, check=True).stdout[-32:]
body = b"\x02\x01\x01" + v1[5:] + b"\x81\x21\x00" + pub  # version 1, alg, key, [1] BIT STRING
open(sys.argv[2], "wb").write(b"\x30" + bytes([len(body)]) + body)
EOF

# Certificates: PEM and DER, bundles, names and SANs in forms etcdpki does not write.
cat >odd.cnf <<'EOF'
[req]
distinguished_name = dn
string_mask = nombstr
prompt = no
[dn]
C = US
ST = CA
O = etcd
1.OU = ops
2.OU = dev
CN = odd.example.com
emailAddress = ops@example.com
[ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
subjectAltName = DNS:a.example.com, IP:192.0.2.1, IP:2001:db8::1, email:x@example.com, URI:https://example.com/x, dirName:dir, otherName:1.2.3.4;UTF8:hello, RID:1.2.3.4
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://example.com/ca.pem
certificatePolicies = 2.23.140.1.2.1
[dir]
CN = dir name
EOF
openssl req -x509 -new -key ca-key.pem -config odd.cnf -extensions ext -days 3650 \
    -multivalue-rdn -subj '/C=US/O=etcd & co+OU=a+OU=b/CN=multi valued/DC=example/DC=com' \
    -out openssl-issuer.pem 2>/dev/null
sed 's/^string_mask = nombstr/string_mask = utf8only/' odd.cnf >utf8.cnf
openssl req -x509 -new -key ed25519.pem -config utf8.cnf -extensions ext -days 1 -utf8 \
    -subj '/CN=Zürich ☃/serialNumber=42/street=1 Main St/postalCode=8000' -out openssl-ed25519.pem
openssl req -x509 -new -key rsa2048-pkcs8.pem -config odd.cnf -days 1 -sha1 -out openssl-v1.pem \
    -subj '/CN=no extensions, SHA-1'
for c in ca server peer client odd rsa-2048 rsa-3072 ecdsa-521 ed25519-0 openssl-issuer \
    openssl-ed25519 openssl-v1; do
    cp "$c.pem" "$seeds/certificate/$c.pem"
    openssl x509 -in "$c.pem" -outform DER -out "$seeds/certificate/$c.der"
done
cat ca.pem server.pem odd.pem >"$seeds/certificate/bundle.pem"

# CSRs: etcdpki's, and openssl's with attributes and algorithms etcdpki does not write.
for c in ca server odd genkey renewal rsa-3072 ecdsa-521 ed25519-0; do
    cp "$c.csr" "$seeds/certificate_request/$c.csr"
    openssl req -in "$c.csr" -outform DER -out "$seeds/certificate_request/$c.der"
done
openssl req -new -key ec521-pkcs8.pem -sha512 -config odd.cnf -reqexts ext \
    -addext challengePassword=secret -out openssl-ec521.csr 2>/dev/null ||
    openssl req -new -key ec521-pkcs8.pem -sha512 -config odd.cnf -reqexts ext -out openssl-ec521.csr
openssl req -new -key rsa2048-pkcs1.pem -sha384 -subj '/CN=rsa sha384/O=a+O=b' -multivalue-rdn \
    -addext 'subjectAltName=DNS:x.example.com,IP:10.0.0.1' -out openssl-rsa.csr
openssl req -new -key rsa2048-pkcs1.pem -sha1 -subj '/CN=sha1' -out openssl-sha1.csr
openssl req -new -key ed25519.pem -subj '/CN=ed/emailAddress=e@example.com' \
    -addext 'basicConstraints=critical,CA:TRUE' -out openssl-ed25519.csr
for c in openssl-ec521 openssl-rsa openssl-sha1 openssl-ed25519; do
    cp "$c.csr" "$seeds/certificate_request/$c.csr"
    openssl req -in "$c.csr" -outform DER -out "$seeds/certificate_request/$c.der"
done

# --- ECDSA signatures for ecdsa_signature: a mode byte (low bit: sign the message for real and
# XOR the rest in; the other bits: the message length), then message and signature bytes -------
rm -rf "${seeds:?}/ecdsa_signature"
mkdir -p "$seeds/ecdsa_signature"
printf '\001' >"$seeds/ecdsa_signature/real-empty"
printf '\013hello' >"$seeds/ecdsa_signature/real-hello"
printf '\013hello\000\000\000\000\001' >"$seeds/ecdsa_signature/tampered"
printf '\012hello\060\006\002\001\001\002\001\001' >"$seeds/ecdsa_signature/small-r-s"

du -sh "$seeds"
