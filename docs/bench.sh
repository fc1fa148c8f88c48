#!/usr/bin/env bash
# Speed of etcdpki against the real cfssl, measured in one run on this machine.
#
#   docs/bench.sh [ROUNDS]      (default 30; needs cfssl and cfssljson: apt-get install golang-cfssl)
#
# For each case it runs the etcdpki pipeline and the cfssl pipeline in turn, ROUNDS times,
# and prints the median wall time of each and their ratio (etcdpki / cfssl). Targets (issue #2):
# P-256 leaf ≤ 0.25×, RSA-2048 leaf ≤ 0.4×, RSA-4096 key generation median ≤ 1 s.
set -euo pipefail
rounds=${1:-30}
. "$(dirname "$0")/bench-lib.sh"
need cfssl golang-cfssl
need cfssljson golang-cfssl
enter_workdir

cat > config.json <<'JSON'
{"signing": {"default": {"expiry": "8760h"}, "profiles": {"peer": {"expiry": "8760h",
 "usages": ["signing", "key encipherment", "server auth", "client auth"]}}}}
JSON
request() { # algo size
    printf '{"CN": "infra0", "hosts": ["infra0.example.com", "10.0.1.10", "127.0.0.1"], "key": {"algo": "%s", "size": %s}, "names": [{"O": "etcd", "OU": "peer"}]}\n' "$1" "$2"
}
request ecdsa 256 > ec.json
request rsa 2048 > rsa2048.json
request rsa 4096 > rsa4096.json
# One CA per tool and key type, made by that tool.
"$ours" gencert -initca ec.json 2>/dev/null | "$ours" json -bare ours-ec-ca
"$ours" gencert -initca rsa2048.json 2>/dev/null | "$ours" json -bare ours-rsa-ca
cfssl gencert -initca ec.json 2>/dev/null | cfssljson -bare cfssl-ec-ca
cfssl gencert -initca rsa2048.json 2>/dev/null | cfssljson -bare cfssl-rsa-ca

# Times come from bash's EPOCHREALTIME (microseconds): reading it forks nothing, unlike `date`.

# bench NAME OURS_CMD CFSSL_CMD: alternates the two, prints medians in ms and the ratio.
bench() {
    local name=$1 ours_cmd=$2 cfssl_cmd=$3 i t0 t1
    : > ours.t; : > cfssl.t
    for ((i = 0; i < rounds; i++)); do
        t0=${EPOCHREALTIME/[.,]/}; eval "$ours_cmd" 2>/dev/null; t1=${EPOCHREALTIME/[.,]/}
        echo $(( (10#$t1 - 10#$t0) * 1000 )) >> ours.t
        t0=${EPOCHREALTIME/[.,]/}; eval "$cfssl_cmd" 2>/dev/null; t1=${EPOCHREALTIME/[.,]/}
        echo $(( (10#$t1 - 10#$t0) * 1000 )) >> cfssl.t
    done
    local o c
    o=$(median < ours.t); c=$(median < cfssl.t)
    awk -v n="$name" -v o="$o" -v c="$c" 'BEGIN {printf "%-34s etcdpki %9.1f ms   cfssl %9.1f ms   ratio %.3f\n", n, o/1e6, c/1e6, o/c}'
}

echo "rounds: $rounds, $(nproc) cores, $(cfssl version | head -1 | tr -s ' ')"
bench "P-256 leaf: gencert | json -bare" \
    "$ours gencert -ca=ours-ec-ca.pem -ca-key=ours-ec-ca-key.pem -config=config.json -profile=peer ec.json | $ours json -bare o" \
    "cfssl gencert -ca=cfssl-ec-ca.pem -ca-key=cfssl-ec-ca-key.pem -config=config.json -profile=peer ec.json | cfssljson -bare c"
bench "RSA-2048 leaf: gencert | json -bare" \
    "$ours gencert -ca=ours-rsa-ca.pem -ca-key=ours-rsa-ca-key.pem -config=config.json -profile=peer rsa2048.json | $ours json -bare o" \
    "cfssl gencert -ca=cfssl-rsa-ca.pem -ca-key=cfssl-rsa-ca-key.pem -config=config.json -profile=peer rsa2048.json | cfssljson -bare c"
bench "RSA-4096 key: gencert -initca" \
    "$ours gencert -initca rsa4096.json > /dev/null" \
    "cfssl gencert -initca rsa4096.json > /dev/null"
