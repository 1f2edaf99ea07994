#!/usr/bin/env bash
# Load on a hub with five nodes, all on this machine (loopback): starts `renkei demo` at full
# scale (cached under bench/out/demo), then with bench/hub_load: one-variant on-demand
# frequencies sequentially (hub vs a direct node call), closed-loop with 50 clients (throughput),
# paced at RATE requests/s per client (latency at a given load), and a long run that checks for
# errors and for memory growth (RSS of the hub and nodes before and after).
#   bash bench/hub_load.sh [SECONDS_LONG=180] [RATE=10]
set -euo pipefail
cd "$(dirname "$0")/.."
LONG=${1:-180}
RATE=${2:-10}
R=./build/renkei
L=./build/bench/hub_load
DIR=bench/out/demo
PORT=18090
mkdir -p bench/out
$R demo --dir "$DIR" --port "$PORT" > bench/out/demo.log 2>&1 &
DEMO=$!
trap 'kill -INT $DEMO 2>/dev/null; wait $DEMO 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q 'Press Ctrl-C' bench/out/demo.log && break; sleep 0.5; done
grep -q 'Press Ctrl-C' bench/out/demo.log || { cat bench/out/demo.log; exit 1; }
KEY=$(grep -o 'registered tier rk_[0-9a-f]*' bench/out/demo.log | awk '{print $3}')
# (head closes the pipe early: not an error here)
VARIANTS=$(set +o pipefail; $R freq --store "$DIR/stores/tohoku" --region chr2 2>/dev/null |
  awk -F'\t' '$2 ~ /^[0-9]+$/ && $5 !~ /,/ {print $1":"$2":"$4":"$5}' | head -200 | paste -sd,)
rss() {  # total RSS (MiB) of the hub and node processes of this demo
  local total=0
  for pid in $(pgrep -f "config $DIR/config/"); do
    total=$((total + $(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)))
  done
  echo $((total / 1024))
}
ARGS=(--hub-config "$DIR/config/hub.json" --node-config "$DIR/config/tohoku.json" --key "$KEY"
      --variants "$VARIANTS")
echo "date: $(date -u +%F), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "== closed loop, 50 clients, 30 s (with the sequential comparison first)"
$L "${ARGS[@]}" --clients 50 --seconds 30 || true
echo "== paced: 50 clients x $RATE requests/s, 30 s"
{ $L "${ARGS[@]}" --clients 50 --seconds 30 --rate "$RATE" || true; } | tail -n 2
echo "== long run: 50 clients x $RATE requests/s, $LONG s; RSS of hub + nodes before: $(rss) MiB"
# RSS every 30 s during the long run: growth that levels off is caches and touched store pages,
# growth that keeps going is a leak.
( for _ in $(seq $((LONG / 30))); do sleep 30; echo "  RSS of hub + nodes: $(rss) MiB"; done ) &
SAMPLER=$!
{ $L "${ARGS[@]}" --clients 50 --seconds "$LONG" --rate "$RATE" || true; } | tail -n 2
kill $SAMPLER 2>/dev/null || true
echo "RSS of hub + nodes after: $(rss) MiB"
