#!/bin/sh
# Runs the whole test suite on a fresh Debian machine: installs the real tools the tests compare
# against (cfssl, etcd, openssl) with apt-get, then runs every test. A missing tool fails its
# tests loudly; nothing is skipped.
set -eu
cd "$(dirname "$0")/.."
missing=""
for pkg in golang-cfssl etcd-server etcd-client openssl dnsmasq-base; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi
cargo test --all-targets
cargo test --doc
