#!/bin/sh
# Runs the whole test suite on a fresh Debian machine: installs the real tools the tests compare
# against (cfssl, etcd, openssl, make, promtool from prometheus) with apt-get, and pkilint (an
# independent certificate linter) and prometheus_client (a Prometheus text-format parser) with
# pip, then runs every test. A missing tool fails its tests loudly; nothing is skipped.
set -eu
cd "$(dirname "$0")/.."
missing=""
for pkg in golang-cfssl etcd-server etcd-client openssl dnsmasq-base make man-db acl prometheus; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
command -v pip3 >/dev/null 2>&1 || missing="$missing python3-pip"
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi
# pkilint (PyPI) for tests/integration/pkilint.rs. Debian bookworm's pip refuses to install
# beside the system's packages unless told to (PEP 668); a pyenv or venv pip takes it as is.
if ! command -v lint_pkix_cert >/dev/null 2>&1; then
    pip3 install -q pkilint 2>/dev/null || pip3 install -q --break-system-packages pkilint
fi
# prometheus_client (PyPI): its text parser reads back `expiry --format prometheus` in
# tests/integration/expiry.rs.
if ! python3 -c 'import prometheus_client' >/dev/null 2>&1; then
    pip3 install -q prometheus_client 2>/dev/null || pip3 install -q --break-system-packages prometheus_client
fi
cargo test --all-targets
cargo test --doc
