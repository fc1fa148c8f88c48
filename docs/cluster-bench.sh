#!/usr/bin/env bash
# Speed of `etcdpki cluster` against the equivalent cfssl command loop, measured in one run.
#
#   docs/cluster-bench.sh [ROUNDS]     (default 10; needs cfssl and cfssljson: apt-get install golang-cfssl)
#
# The PKI of issue #5's target: 3 members, RSA-2048, a CA, 3 server, 3 peer and 1 client
# certificates. Each round makes it from nothing twice, in fresh directories, in turn:
#   etcdpki: etcdpki cluster --initial-cluster … --client root --key-algo rsa --key-size 2048
#   cfssl:   cfssl gencert -initca ca-csr.json | cfssljson -bare ca, then 7 × cfssl gencert
#            -ca … -profile … X-csr.json | cfssljson -bare X, from the very csr.json and
#            ca-config.json files etcdpki writes, so both make the same PKI.
# It prints the median wall time of each and their ratio (etcdpki / cfssl); the target is 0.2
# or less. etcdpki also fsyncs every file it writes (cfssljson does not), and that is counted.
# The CPU time shows how many cores etcdpki got: it makes its keys on all of them, while the
# cfssl loop runs one command at a time. RSA key generation is a random search of about
# 0.12 s of CPU per 2048-bit key with aws-lc (docs/design.md), so on 2 cores the wall time
# of 8 keys cannot fall below about 8 × 0.12 / 2 s; more cores lower the ratio.
set -euo pipefail
rounds=${1:-10}
. "$(dirname "$0")/bench-lib.sh"
need cfssl golang-cfssl
need cfssljson golang-cfssl
enter_workdir

members='infra0=https://10.0.1.10:2380,infra1=https://10.0.1.11:2380,infra2=https://10.0.1.12:2380'
cluster=("$ours" cluster --initial-cluster "$members" --client root --key-algo rsa --key-size 2048)

# The cfssl inputs, written once by etcdpki (ca-config.json, ca-csr.json, X-csr.json).
"${cluster[@]}" --out template > /dev/null
mkdir inputs
cp template/*.json inputs/

cfssl_loop() { # DIR
    mkdir "$1"
    (
        cd "$1"
        cfssl gencert -initca ../inputs/ca-csr.json | cfssljson -bare ca
        for m in infra0 infra1 infra2; do
            cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=../inputs/ca-config.json \
                -profile=server "../inputs/$m-csr.json" | cfssljson -bare "$m"
            cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=../inputs/ca-config.json \
                -profile=peer "../inputs/$m-peer-csr.json" | cfssljson -bare "$m-peer"
        done
        cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=../inputs/ca-config.json \
            -profile=client ../inputs/root-csr.json | cfssljson -bare root
    ) 2> /dev/null
}

# bash's `time` keyword forks nothing: wall, user and system seconds of each run.
TIMEFORMAT='%3R %3U %3S'
: > ours.t; : > cfssl.t
for ((i = 0; i < rounds; i++)); do
    { time "${cluster[@]}" --out "ours-$i" > /dev/null; } 2>> ours.t
    { time cfssl_loop "cfssl-$i"; } 2>> cfssl.t
    # Both made the whole PKI: 8 certificates each.
    [ "$(ls "ours-$i"/*.pem | grep -vc -- -key.pem)" -eq 8 ] && [ "$(ls "cfssl-$i"/*.pem | grep -vc -- -key.pem)" -eq 8 ]
    rm -rf "ours-$i" "cfssl-$i"
done
wall() { awk '{print $1 * 1000}' "$1" | median; }
cpu() { awk '{print ($2 + $3) * 1000}' "$1" | median; }
echo "rounds: $rounds, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(cfssl version | head -1 | tr -s ' ')"
awk -v o="$(wall ours.t)" -v c="$(wall cfssl.t)" -v oc="$(cpu ours.t)" -v cc="$(cpu cfssl.t)" 'BEGIN {
    printf "3-member RSA-2048 PKI (8 certificates), median wall (CPU):\n"
    printf "  etcdpki cluster  %8.1f ms (%8.1f ms CPU, %.1f cores busy)\n", o, oc, oc / o
    printf "  cfssl loop       %8.1f ms (%8.1f ms CPU)\n", c, cc
    printf "  ratio %.3f (target <= 0.2)\n", o / c
}'
