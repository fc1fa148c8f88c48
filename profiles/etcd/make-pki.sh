#!/bin/sh
# Makes the PKI of etcd's default single member (name "default", 127.0.0.1/localhost) from the
# request templates beside this script, the way etcd tutorials do it with cfssl:
#   make-pki.sh ETCDPKI OUTDIR
# For a real cluster, copy the templates, set each member's CN and hosts (its name, its IPs),
# and run one server and one peer gencert per member; every certificate keeps its own subject.
set -eu
etcdpki=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
profiles=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$2"
cd "$2"
# An existing CA is kept: a new one would orphan every certificate the old one signed.
if [ ! -f ca.pem ] || [ ! -f ca-key.pem ]; then
    "$etcdpki" gencert -initca "$profiles/ca-csr.json" | "$etcdpki" json -bare ca
fi
for role in server peer client; do
    "$etcdpki" gencert -ca=ca.pem -ca-key=ca-key.pem -config="$profiles/ca-config.json" \
        -profile="$role" "$profiles/$role-csr.json" | "$etcdpki" json -bare "$role"
done
echo "wrote $(pwd): ca, server, peer and client (.pem, -key.pem, .csr)" >&2
