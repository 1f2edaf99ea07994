#!/usr/bin/env bash
# Configures and builds renkei. Usage: scripts/build.sh [release|sanitize]
#   release  (default) optimised build in build/        — used by the demo and benchmarks
#   sanitize ASan + UBSan build in build-asan/          — used by the tests
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release)  dir=build;      flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  sanitize) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DRENKEI_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|sanitize]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G "Unix Makefiles" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
