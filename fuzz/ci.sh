#!/usr/bin/env bash
# CI fuzzing: builds every target with cargo-fuzz, replays its regression inputs
# (regressions/TARGET/, if any), then fuzzes it for SECONDS (default 10) from its seeds:
#   fuzz/ci.sh [SECONDS]
# Any crash, failed assertion, timeout or leak fails the run, after every target has had its
# turn; the input is left in fuzz/artifacts/TARGET/ and its name printed. New corpus entries go
# to a temporary directory, so seeds/ is never written. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-10}
case $seconds in '' | *[!0-9]*)
    echo "usage: fuzz/ci.sh [SECONDS]" >&2
    exit 2
    ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    # --locked: build cargo-fuzz with the dependency versions it was released with.
    cargo install cargo-fuzz --locked
fi
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); RUSTC_BOOTSTRAP lets the stable
# toolchain accept them, so CI needs no second toolchain.
export RUSTC_BOOTSTRAP=1

cargo fuzz build
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
failed=()
for target in $(cargo fuzz list); do
    echo "== $target: ${seconds}s" >&2
    mkdir -p "$corpus/$target" "artifacts/$target"
    # -timeout: one input taking 25 s is a finding (the slowest honest input, an RSA-8192 key
    # check, takes well under a second).
    options=(-timeout=25 -print_final_stats=1)
    # Files, not a directory: libFuzzer runs each once and writes nothing.
    regressions=(regressions/"$target"/*)
    if [ -e "${regressions[0]}" ] &&
        ! cargo fuzz run "$target" "${regressions[@]}" -- "${options[@]}"; then
        failed+=("$target (regressions/$target)")
        continue
    fi
    if ! cargo fuzz run "$target" "$corpus/$target" "seeds/$target" -- \
        "${options[@]}" -max_total_time="$seconds"; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz/ci.sh: findings in: ${failed[*]}; inputs in fuzz/artifacts/" >&2
    exit 1
fi
echo "fuzz/ci.sh: every target ran ${seconds}s without a finding" >&2
