#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: first under AddressSanitizer +
# UndefinedBehaviorSanitizer, then once more on the optimised build that users run (the
# optimiser must not change a single count), and finally the web portal in a real browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh sanitize
bash scripts/build.sh release
bash scripts/build.sh web
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The hub database's contract tests also run against PostgreSQL: a private server on loopback
# (scripts/postgres.sh), stopped again however this script ends.
trap 'bash scripts/postgres.sh stop' EXIT
RENKEI_TEST_POSTGRES_URL=$(bash scripts/postgres.sh start)
export RENKEI_TEST_POSTGRES_URL
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 300
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
# The web portal in Debian's Chromium against a hub and nodes the tests start (web/e2e);
# screenshots of every page land in web/e2e-out/screenshots.
RENKEI_BIN="$PWD/build/renkei" npm --prefix web test --silent
