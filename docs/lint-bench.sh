#!/usr/bin/env bash
# Speed of `etcdpki lint` on a large PKI, against `openssl verify` of the same certificates,
# measured in one run on this machine.
#
#   docs/lint-bench.sh [COUNT]     (default 10000 leaf certificates with keys under one CA)
#
# LINT_BENCH_DIR=DIR keeps the generated PKI in DIR and reuses it on the next run.
#
# Target (issue #4): all rules, signature checks included, in <= 1.0 s wall on 2 cores.
set -euo pipefail
count=${1:-10000}
. "$(dirname "$0")/bench-lib.sh"
need openssl openssl
enter_workdir "${LINT_BENCH_DIR:-}"
if [ ! -f pki/done ]; then
mkdir -p pki
echo '{"CN": "bench-ca", "names": [{"O": "etcd"}]}' > ca.json
"$ours" gencert -initca ca.json 2>/dev/null | "$ours" json -bare pki/ca
rm -f pki/ca.csr
cat > config.json <<'JSON'
{"signing": {"profiles": {"client": {"expiry": "8760h", "usages": ["signing", "client auth"]}}}}
JSON
echo "making $count ECDSA P-256 leaves with keys (once; not timed)..."
seq 1 "$count" | xargs -P "$(nproc)" -n 50 sh -c '
    for i; do
        printf "{\"CN\": \"client-%s\"}" "$i" > "req-$i.json"
        "$0" gencert -ca=pki/ca.pem -ca-key=pki/ca-key.pem -config=config.json -profile=client "req-$i.json" 2>/dev/null |
            "$0" json -bare "pki/client-$i"
        rm -f "req-$i.json" "pki/client-$i.csr"
    done' "$ours"
touch pki/done
fi

# Median of 5 runs, in ms, of a command's wall time (EPOCHREALTIME forks nothing).
median5() {
    local t0 t1 i times=()
    for i in 1 2 3 4 5; do
        t0=${EPOCHREALTIME/[.,]/}; eval "$1" >/dev/null 2>&1 || true; t1=${EPOCHREALTIME/[.,]/}
        times+=($(( (10#$t1 - 10#$t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | median
}
ls pki/client-*[0-9].pem > certs.txt
lint_ms=$(median5 "$ours lint pki")
openssl_ms=$(median5 "xargs openssl verify -CAfile pki/ca.pem < certs.txt")
echo "$count leaves + keys, $(nproc) cores"
awk -v l="$lint_ms" -v o="$openssl_ms" 'BEGIN {
    printf "etcdpki lint (all rules)   %7.0f ms\nopenssl verify (chains)    %7.0f ms\nratio lint/openssl         %7.3f\n", l, o, l / o }'
"$ours" lint pki | tail -1
