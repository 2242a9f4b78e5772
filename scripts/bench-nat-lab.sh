#!/usr/bin/env bash
# The NAT lab matrix (issue 12 §3): for each lab variant (scripts/nat-lab.sh),
# a rendezvous with the NAT check's four sockets and a relay range, a node
# behind nat1 (h1) and TRIALS probes from behind nat2 (h2) to it by peer ID;
# prints per cell the direct and relayed shares, failures and the connect
# time p50/p95. Needs root; everything lives in namespaces it creates.
#   scripts/bench-nat-lab.sh [BUILD] [TRIALS]      (default build, 100)
set -uo pipefail
build=${1:-build}
trials=${2:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
cli="$build/cli/rtmfp"
[ "$(id -u)" = 0 ] || { echo "bench-nat-lab: needs root (network namespaces), skipped"; exit 0; }
[ -x "$cli" ] || { echo "bench-nat-lab: $cli not built" >&2; exit 1; }
lab=nlb$$
rv=rtmfp://198.51.100.1:1935
pids=()
# Stops what this script started (by pid: `ip netns exec` becomes the
# program, so no name pattern finds it), then removes the lab.
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  pids=()
  "$root/scripts/nat-lab.sh" down "$lab"
}
trap cleanup EXIT
trap 'exit 1' INT TERM PIPE HUP
printf '%-34s %7s %7s %7s %9s %9s  %s\n' "nat1 (node) / nat2 (probes)" direct relayed failed "p50 ms" "p95 ms" strategy
run_cell() {  # run_cell NAME ENV...
  local name=$1; shift
  cleanup 2>/dev/null
  env "$@" "$root/scripts/nat-lab.sh" up "$lab" || return 1
  ip netns exec "$lab-wan" "$cli" rendezvous --listen 198.51.100.1:1935 --listen 198.51.100.1:1936 \
    --listen 198.51.100.2:1935 --listen 198.51.100.2:1936 --relay-ports 40000-40999 --stats-interval 0 \
    > /dev/null 2>&1 &
  local rvpid=$!
  pids+=("$rvpid")
  local out; out=$(mktemp)
  ip netns exec "$lab-h1" "$cli" node --rendezvous $rv --listen 0.0.0.0:0 > "$out" 2>&1 &
  local nodepid=$!
  pids+=("$nodepid")
  local id=""
  for _ in $(seq 1 100); do id=$(awk '/^node peer-id/ {print $3; exit}' "$out"); [ -n "$id" ] && break; sleep 0.05; done
  if [ -z "$id" ]; then echo "$name: the node did not register" >&2; cleanup; return 1; fi
  local direct=0 relayed=0 failed=0 times=() strategies=
  for _ in $(seq 1 "$trials"); do
    local j; j=$(ip netns exec "$lab-h2" "$cli" probe "$rv/peer/$id" --count 1 --timeout 8 --json)
    case "$j" in
      *'"path":"direct"'*) direct=$((direct + 1)) ;;
      *'"path":"relayed"'*) relayed=$((relayed + 1)) ;;
      *) failed=$((failed + 1)); continue ;;
    esac
    times+=("$(sed -n 's/.*"connect_ms":\([0-9.]*\).*/\1/p' <<<"$j")")
    # The introducer's plan (rtmfp probe --json "strategy"), each one seen once.
    local st; st=$(sed -n 's/.*"strategy":"\([a-z]*\)".*/\1/p' <<<"$j")
    case " $strategies " in *" ${st:-none} "*) ;; *) strategies="${strategies:+$strategies }${st:-none}" ;; esac
  done
  local p50 p95
  read -r p50 p95 < <(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {if (NR==0) {print "- -"} else {i=int(NR*0.5); if(i<1)i=1; j=int(NR*0.95); if(j<1)j=1; printf "%.1f %.1f\n", v[i], v[j]}}')
  printf '%-34s %6d%% %6d%% %7d %9s %9s  %s\n' "$name" $((100 * direct / trials)) $((100 * relayed / trials)) "$failed" "$p50" "$p95" "$strategies"
  rm -f "$out"
  cleanup
}
run_cell "home router / home router" NAT_LAB_NAT2=cone
run_cell "home router / symmetric" NAT_LAB_NAT2=symmetric
run_cell "bare MASQUERADE / bare MASQUERADE" NAT_LAB_ROUTER_FILTER=0
run_cell "home router / home, UDP blocked" NAT_LAB_BLOCK_PEERS=1
