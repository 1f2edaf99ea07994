#!/usr/bin/env bash
# Installs every Debian package renkei needs to build, test and benchmark.
# Idempotent: a second run installs nothing and takes a second or two.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config clang-format
  # libraries (DESIGN.md "Chosen dependencies")
  libhts-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libzstd-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libsodium-dev libssl-dev libvalijson-dev
  # the hub database: SQLite (embedded default) and PostgreSQL (client library; the server is
  # started on loopback by scripts/postgres.sh for the tests)
  libsqlite3-dev libpq-dev postgresql
  # peers used as truth in tests and as baselines in benchmarks
  bcftools tabix plink2 scrm
  # benchmark harness, and curl for the demo's example requests
  hyperfine time curl
  # the web portal's browser tests (web/e2e): Debian's Chromium, driven by playwright-core,
  # and a Japanese font so that pages (and their screenshots) show Japanese text
  chromium fonts-noto-cjk
)
# The portal's toolchain (web/) needs Node.js 20.19 or later with npm. Machines of this project
# come with it; where there is none, Debian's own is installed (and checked below).
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them) and try again" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
