# Sourced by the benchmark scripts of docs/ (bench.sh, cluster-bench.sh, lint-bench.sh): builds
# the release binary and gives what each needs.
#   $ours                  the etcdpki binary just built (honours CARGO_TARGET_DIR)
#   need TOOL PACKAGE      exits 2 with the apt-get line unless TOOL is on PATH
#   enter_workdir [DIR]    cd into DIR (created, kept), else into a temporary directory that is
#                          removed on exit
#   median                 the median of the numbers on standard input
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Built from inside the repository so that its .cargo/config.toml applies: from elsewhere,
# cargo would build aws-lc with jitter entropy, 30 ms more per start (docs/design.md).
(cd "$bench_root" && cargo build --release --quiet)
ours="${CARGO_TARGET_DIR:-$bench_root/target}/release/etcdpki"

need() {
    command -v "$1" >/dev/null || {
        echo "$1 is required: apt-get install $2" >&2
        exit 2
    }
}

enter_workdir() {
    if [ -n "${1:-}" ]; then
        mkdir -p "$1"
        cd "$1"
    else
        bench_work=$(mktemp -d)
        trap 'rm -rf "$bench_work"' EXIT
        cd "$bench_work"
    fi
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
