#!/usr/bin/env bash
# make bench: every Google Benchmark program, then the transport comparisons
# (scripts/bench-transport.sh) when its tools are present, and the NAT lab
# matrix (scripts/bench-nat-lab.sh, as root). Prints figures. Programs with
# their own main ignore the --benchmark_* flags, e.g. gateway_load_bench (the
# rtmfp gateway's CPU per RTMFP viewer, direct and through a group; about
# 1.5 min; GATEWAY_LOAD_DIRECT / GATEWAY_LOAD_GROUP / GATEWAY_LOAD_WINDOW for
# other sizes).
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
shopt -s nullglob
for b in "$build"/bench/*_bench; do
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=0.2 --benchmark_counters_tabular=true || status=1
done
if [ -x "$root/scripts/bench-transport.sh" ]; then
  echo "== transport comparison (rtmfp perf vs iperf3 and SRT)"
  "$root/scripts/bench-transport.sh" "$build" || status=1
fi
if [ -x "$root/scripts/bench-nat-lab.sh" ]; then
  echo "== NAT lab matrix (network namespaces; needs root)"
  "$root/scripts/bench-nat-lab.sh" "$build" || status=1
fi
exit $status
