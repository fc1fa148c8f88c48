#!/usr/bin/env bash
# Dependency hygiene (docs/style.md, "Checks and dependencies"): licenses, bans and sources of
# the main crate's tree, as deny.toml says. Advisories are not checked here: see deny.toml for
# why.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo deny --version >/dev/null 2>&1; then
    # --locked: build cargo-deny with the dependency versions it was released with.
    cargo install cargo-deny --locked
fi
set -x
cargo deny --version
cargo deny --locked check licenses bans sources
