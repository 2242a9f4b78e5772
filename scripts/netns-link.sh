#!/usr/bin/env bash
# Two network namespaces joined by the userspace link emulator (tests/netem),
# because this kernel has no netem qdisc.
#   scripts/netns-link.sh up NAME LINKEMU [--delay-ms 20] [--loss 0.02] [--rate-bps 0] [--seed 1]
#       creates namespaces NAME-a (10.77.0.1) and NAME-b (10.77.0.2); prints the linkemu pid
#   scripts/netns-link.sh down NAME
# Needs root. Traffic stays inside the two namespaces.
set -euo pipefail
cmd=${1:?up|down}; name=${2:?name}
pidfile=${TMPDIR:-/tmp}/netns-link-$name.pid
case "$cmd" in
  up)
    emu=${3:?path to linkemu}; shift 3
    ip netns add "$name-a"; ip netns add "$name-b"
    ip -n "$name-a" link set lo up; ip -n "$name-b" link set lo up
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    "$emu" --tun-a "${name:0:8}A" --tun-b "${name:0:8}B" "$@" > "$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do grep -q ready "$log" && break; sleep 0.02; done
    grep -q ready "$log" || { cat "$log" >&2; kill $pid 2>/dev/null; exit 1; }
    echo "$pid" > "$pidfile"  # for `down`: this emulator and no other
    ip link set "${name:0:8}A" netns "$name-a"; ip link set "${name:0:8}B" netns "$name-b"
    ip -n "$name-a" addr add 10.77.0.1/24 dev "${name:0:8}A"; ip -n "$name-a" link set "${name:0:8}A" up
    ip -n "$name-b" addr add 10.77.0.2/24 dev "${name:0:8}B"; ip -n "$name-b" link set "${name:0:8}B" up
    echo "$pid"
    ;;
  down)
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    ip netns del "$name-a" 2>/dev/null || true
    ip netns del "$name-b" 2>/dev/null || true
    ;;
  *) echo "usage: $0 up|down NAME ..." >&2; exit 2 ;;
esac
