#!/usr/bin/env bash
# Configures and builds renkei. Usage: scripts/build.sh [release|sanitize|web]
#   release  (default) optimised build in build/        — used by the demo and benchmarks
#   sanitize ASan + UBSan build in build-asan/          — used by the tests
#   web      the web portal in web/dist (npm packages from package-lock.json, then Vite)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
if [ "$kind" = web ]; then
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "build: the portal needs Node.js 20 or later (found: $(node --version 2>&1))" >&2
    exit 1
  fi
  cd web
  # npm ci only when package-lock.json changed since the last install (it empties node_modules).
  stamp=node_modules/.renkei-lock.sha256
  if ! sha256sum --status -c "$stamp" 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
    sha256sum package-lock.json > "$stamp"
  fi
  npx --no-install vite build --logLevel warn
  exit 0
fi
case "$kind" in
  release)  dir=build;      flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  sanitize) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DRENKEI_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|sanitize]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G "Unix Makefiles" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
