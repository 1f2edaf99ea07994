#!/usr/bin/env bash
# Installs what is missing, builds, then runs the main job: `renkei demo`, a hub and five site
# nodes on loopback with generated cohorts (TMM 7,125 at Tohoku, BBJ 6,000 at IMSUT, NCBN 9,830
# over NCGM, NCC and NIG), the hub on http://127.0.0.1:8080. It prints example requests that work
# and runs until Ctrl-C, then stops every process it started.
#   SCALE=0.05 bash scripts/demo.sh        smaller cohorts for a quick run
#   bash scripts/demo.sh --port 9090       any `renkei demo` option (see --help)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release >/dev/null
bash scripts/build.sh web
exec ./build/renkei demo --scale "${SCALE:-1}" --dir demo-out "$@"
