#!/usr/bin/env bash
# Transport comparison for `make bench` (bench/transport/README.md describes it):
#   A. bulk goodput on loopback: `rtmfp perf` vs iperf3 (TCP) vs SRT file mode with
#      AES-128 (srt-live-transmit transtype=file, passphrase, pbkeylen=16);
#   B. live delivery across an emulated lossy link (two network namespaces joined by
#      tests/netem linkemu, 20 ms delay and 2% loss each way): 4 Mbit/s of 1200-byte
#      messages for 20 s, fraction delivered within 200 ms of their scheduled send
#      time, for SRT live (latency=120), plain TCP and `rtmfp perf --mode live`.
# Usage: scripts/bench-transport.sh [BUILD_DIR] [JSON_OUT]
#   BUILD_DIR holds bench/transport/msgprobe, cli/rtmfp, tests/netem/linkemu.
#   JSON_OUT (or $BENCH_TRANSPORT_JSON): where to write a JSON summary.
# Part B needs root (network namespaces, TUN); otherwise only part A runs.
# Every process runs under `timeout`; traffic goes only to 127.0.0.1 or to the two
# namespaces this script creates, which an exit trap removes. About 2 minutes.
# Tunables (environment): BENCH_BULK_SECONDS=5 BENCH_LIVE_SECONDS=20 BENCH_LIVE_RATE=4000000
#   BENCH_MSG_SIZE=1200 BENCH_DEADLINE_MS=200 BENCH_DELAY_MS=20 BENCH_LOSS=0.02
#   BENCH_SRT_LATENCY=120 BENCH_RTMFP_CRYPTO="flash modern" BENCH_SRT_BYTES=100000000000
#   BENCH_TRANSPORT_PARTS="bulk live" (either or both)
set -uo pipefail

build=${1:-build}
json_out=${2:-${BENCH_TRANSPORT_JSON:-}}
root=$(cd "$(dirname "$0")/.." && pwd)
bulk_s=${BENCH_BULK_SECONDS:-5}
live_s=${BENCH_LIVE_SECONDS:-20}
live_rate=${BENCH_LIVE_RATE:-4000000}
msg_size=${BENCH_MSG_SIZE:-1200}
deadline_ms=${BENCH_DEADLINE_MS:-200}
delay_ms=${BENCH_DELAY_MS:-20}
loss=${BENCH_LOSS:-0.02}
srt_latency=${BENCH_SRT_LATENCY:-120}
rtmfp_cryptos=${BENCH_RTMFP_CRYPTO:-flash modern}
srt_bytes=${BENCH_SRT_BYTES:-100000000000}  # the generated stream; the receiver stops after bulk_s
srt_pass=rtmfp-bench-passphrase            # SRT needs 10..79 characters

msgprobe=$build/bench/transport/msgprobe
rtmfp=$build/cli/rtmfp
linkemu=$build/tests/netem/linkemu
status=0

if [ ! -x "$msgprobe" ]; then
  echo "bench-transport: $msgprobe missing (build the msgprobe target)" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/bench-transport.XXXXXX)
ns=tb$$
ns=${ns:0:8}
ns_up=0
emu_pid=
pgids=()

cleanup() {
  stop_all
  if [ "$ns_up" = 1 ]; then
    [ -n "$emu_pid" ] && kill -TERM "$emu_pid" 2>/dev/null
    "$root/scripts/netns-link.sh" down "$ns" >/dev/null 2>&1
    ns_up=0
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# spawn CMD...: start CMD in the background in its own session and process group
# (setsid execs in place, so $! is the group id), so cleanup can end whole pipelines.
spawn() {
  setsid "$@" </dev/null &
  pgids+=($!)
  last_pid=$!
}
# run CMD...: run CMD as a job and wait for it (a signal to the script interrupts the
# wait, and the exit trap ends the job); returns its status.
run() {
  local rc
  spawn "$@"
  wait "$last_pid"
  rc=$?
  unset 'pgids[-1]'
  return $rc
}
# stop_all: end every background job started so far: SIGTERM to each process group,
# SIGKILL to what is left after 3 s (srt-live-transmit can hang closing a file-mode socket).
stop_all() {
  local p i left
  for p in "${pgids[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
  for ((i = 0; i < 30; i++)); do
    left=0
    for p in "${pgids[@]}"; do kill -0 -- "-$p" 2>/dev/null && left=1; done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for p in "${pgids[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
  for p in "${pgids[@]}"; do wait "$p" 2>/dev/null; done
  pgids=()
}
# wait_for FILE PATTERN SECONDS
wait_for() {
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# free_port tcp|udp: an unused port on this host (loopback tests).
free_port() {
  local p flag=-Hltn
  [ "$1" = udp ] && flag=-Hlun
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    ss $flag 2>/dev/null | awk '{print $4}' | grep -q ":$p\$" || { echo $p; return; }
  done
  echo $((20000 + RANDOM % 40000))
}
jget() { "$msgprobe" json-get "$@" 2>/dev/null; }
# num VALUE: VALUE if it is a number, else null (for the JSON summary)
num() { [[ "${1:-}" =~ ^-?[0-9.]+([eE][-+]?[0-9]+)?$ ]] && echo "$1" || echo null; }
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.4g}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf f, a / b }'; }
human() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else printf "%.1f MB/s (%.0f Mbit/s)", v / 1e6, v * 8 / 1e6 }'; }

# start_rtmfp_server NETNS_PREFIX LISTEN CRYPTO LOG: starts `rtmfp perf --listen`, sets
# rtmfp_url from its first line, or returns 1
start_rtmfp_server() {
  local pre=$1 listen=$2 crypto=$3 log=$4
  spawn $pre timeout -k 2 $((live_s + bulk_s + 30)) "$rtmfp" perf --listen "$listen" --crypto "$crypto" >"$log" 2>&1
  wait_for "$log" "^listening rtmfp://" 10 || return 1
  rtmfp_url=$(grep -m1 "^listening rtmfp://" "$log" | awk '{print $2}')
}

parts=" ${BENCH_TRANSPORT_PARTS:-bulk live} "
want() { [[ "$parts" == *" $1 "* ]]; }
json_bulk=("\"seconds\":$bulk_s")
json_ratio=()
json_live=()
live_skip="not requested"

rtmfp_perf_ok=0
# (CLI11 answers `rtmfp perf --help` with the top-level help and status 0 when there is
# no perf subcommand, so look for perf's own options.)
if [ -x "$rtmfp" ] && timeout 10 "$rtmfp" perf --help 2>&1 | grep -q -- "--seconds"; then rtmfp_perf_ok=1; fi

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); figures are from one run"

# ------------------------------------------------------------------ A. bulk, loopback
if want bulk; then
  echo "-- A. bulk goodput on loopback (${bulk_s} s each)"

  # iperf3, one TCP stream
  iperf_Bps=
  if command -v iperf3 >/dev/null; then
    port=$(free_port tcp)
    spawn timeout -k 2 $((bulk_s + 15)) iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$tmp/iperf-s.log" 2>&1
    wait_for "$tmp/iperf-s.log" "listening" 5
    if run timeout -k 2 $((bulk_s + 10)) iperf3 -c 127.0.0.1 -p "$port" -t "$bulk_s" -J >"$tmp/iperf.json" 2>"$tmp/iperf-c.err"; then
      bps=$(jget end.sum_received.bits_per_second "$tmp/iperf.json")
      iperf_Bps=$(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 8 }')
      retr=$(jget end.sum_sent.retransmits "$tmp/iperf.json")
      printf '  %-44s %s\n' "iperf3 TCP, 1 stream:" "$(human "$iperf_Bps")"
    else
      echo "  iperf3 TCP: failed ($(head -c 300 "$tmp/iperf.json" "$tmp/iperf-c.err" | tr '\n' ' '))"
      status=1
    fi
    stop_all
    json_bulk+=("\"iperf3_tcp\":{\"bytes_per_s\":$(num "$iperf_Bps"),\"retransmits\":$(num "${retr:-}")}")
  else
    echo "  iperf3: not installed (scripts/install-deps.sh bench), skipped"
  fi

  # SRT file mode with AES-128: generated stream -> srt-live-transmit caller -> listener -> stdout -> counter
  srt_Bps=
  if command -v srt-live-transmit >/dev/null; then
    port=$(free_port udp)
    q="transtype=file&passphrase=$srt_pass&pbkeylen=16"
    spawn timeout -k 2 $((bulk_s + 20)) bash -c "srt-live-transmit -a:no -ll:note 'srt://127.0.0.1:$port?mode=listener&$q' file://con 2>'$tmp/srt-rx.log' \
      | '$msgprobe' count --max-seconds $bulk_s --idle-seconds 2 --timeout 10 >'$tmp/srt-count.json'"
    rx=$last_pid
    sleep 0.5
    spawn timeout -k 2 $((bulk_s + 20)) bash -c "'$msgprobe' gen --bytes $srt_bytes \
      | srt-live-transmit -a:no -ll:note file://con 'srt://127.0.0.1:$port?mode=caller&$q' 2>'$tmp/srt-tx.log'"
    wait "$rx" 2>/dev/null
    stop_all
    srt_Bps=$(jget bytes_per_s "$tmp/srt-count.json")
    [ "$srt_Bps" = null ] && srt_Bps=
    # The listener logs the key material exchange: "KMREQ ... RCV=SECURED SndKeyLen=16".
    srt_crypto=false
    grep -q "RCV=SECURED.*SndKeyLen=16" "$tmp/srt-rx.log" 2>/dev/null && srt_crypto=true
    if [ -n "$srt_Bps" ]; then
      printf '  %-44s %s  [AES-128 key exchange seen in log: %s]\n' "SRT file mode, AES-128 (srt-live-transmit):" \
        "$(human "$srt_Bps")" "$srt_crypto"
    else
      echo "  SRT file mode: no data received ($(tail -n 3 "$tmp/srt-rx.log" "$tmp/srt-tx.log" 2>/dev/null | tr '\n' ' '))"
      status=1
    fi
    json_bulk+=("\"srt_file_aes128\":{\"bytes_per_s\":$(num "$srt_Bps"),\"aes128_confirmed\":$srt_crypto,\"count\":$(jget . "$tmp/srt-count.json" || echo null)}")
  else
    echo "  srt-live-transmit: not installed (srt-tools), skipped"
  fi

  # rtmfp perf bulk, per crypto profile
  declare -A rtmfp_bulk_Bps
  for c in $rtmfp_cryptos; do
    label="rtmfp perf bulk, crypto $c:"
    if [ "$rtmfp_perf_ok" != 1 ]; then
      printf '  %-44s %s\n' "$label" "rtmfp perf not available yet"
      json_bulk+=("\"rtmfp_$c\":null")
      continue
    fi
    out=$tmp/rtmfp-bulk-$c.json
    if start_rtmfp_server "" 127.0.0.1:0 "$c" "$tmp/rtmfp-srv-$c.log" &&
      run timeout -k 2 $((bulk_s + 20)) "$rtmfp" perf "$rtmfp_url" --seconds "$bulk_s" --mode bulk --crypto "$c" --json \
        >"$out" 2>"$tmp/rtmfp-bulk-$c.err"; then
      b=$(jget bytes "$out"); s=$(jget seconds "$out")
      v=$(awk -v b="$b" -v s="$s" 'BEGIN { if (b != "" && s + 0 > 0) printf "%.0f", b / s }')
      rtmfp_bulk_Bps[$c]=$v
      printf '  %-44s %s  (goodput_bps %s, cc %s)\n' "$label" "$(human "$v")" "$(jget goodput_bps "$out")" "$(jget cc "$out")"
      json_bulk+=("\"rtmfp_$c\":{\"bytes_per_s\":$(num "$v"),\"perf\":$(jget . "$out" || echo null)}")
    else
      echo "  $label failed ($(tail -n 3 "$tmp/rtmfp-bulk-$c.err" "$tmp/rtmfp-srv-$c.log" 2>/dev/null | tr '\n' ' '))"
      json_bulk+=("\"rtmfp_$c\":null")
      status=1
    fi
    stop_all
  done
  for c in $rtmfp_cryptos; do
    v=${rtmfp_bulk_Bps[$c]:-}
    [ -z "$v" ] && continue
    r1=$(ratio "$v" "$iperf_Bps"); r2=$(ratio "$v" "$srt_Bps")
    printf '  ratio rtmfp(%s)/iperf3 = %s   rtmfp(%s)/SRT = %s\n' "$c" "$r1" "$c" "$r2"
    json_ratio+=("\"rtmfp_${c}_over_iperf3\":$(num "$r1")" "\"rtmfp_${c}_over_srt\":$(num "$r2")")
  done
fi

# ------------------------------------------------------------------ B. live, emulated link
if want live; then
  echo "-- B. live: ${live_rate} bit/s of ${msg_size}-byte messages for ${live_s} s; ${delay_ms} ms delay and" \
    "loss ${loss} each way; on time = arrival <= scheduled send time + ${deadline_ms} ms"
  live_skip=
  if [ "$(id -u)" -ne 0 ]; then
    live_skip="needs root (network namespaces and a TUN link emulator); run as root, e.g. sudo make bench"
  elif [ ! -x "$linkemu" ]; then
    live_skip="$linkemu missing (build the linkemu target; it is built with the tests)"
  elif ! command -v ip >/dev/null; then
    live_skip="ip (iproute2) missing"
  fi
  if [ -n "$live_skip" ]; then
    echo "  skipped: $live_skip"
  else
    ns_up=1  # from here on the exit trap runs `netns-link.sh down` (idempotent)
    if ! emu_pid=$("$root/scripts/netns-link.sh" up "$ns" "$linkemu" --delay-ms "$delay_ms" --loss "$loss" \
        --duration $((4 * live_s + 60)) 2>"$tmp/netns.err"); then
      live_skip="cannot create the emulated link"
      echo "  skipped: cannot create the emulated link ($(tr '\n' ' ' <"$tmp/netns.err"))"
      "$root/scripts/netns-link.sh" down "$ns" >/dev/null 2>&1
      ns_up=0
      status=1
    fi
  fi
  A="ip netns exec $ns-a"
  B="ip netns exec $ns-b"
  recv_s=$((live_s + 15))
  # report_live NAME JSONFILE: one line from a msgprobe recv report
  report_live() {
    local f=$2
    printf '  %-30s on time %s (%s of %s; received %s)  latency p50 %s ms p95 %s ms\n' "$1" \
      "$(jget on_time_fraction "$f")" "$(jget on_time "$f")" "$(jget messages_expected "$f")" \
      "$(jget messages_received "$f")" "$(jget latency_ms_p50 "$f")" "$(jget latency_ms_p95 "$f")"
  }
  if [ "$ns_up" = 1 ]; then
    # Raw UDP, no recovery: checks the emulated loss (expect on time ~ 1 - loss).
    probe_s=5
    spawn $B timeout -k 2 $((probe_s + 10)) "$msgprobe" recv --listen udp://10.77.0.2:5000 --deadline-ms "$deadline_ms" \
      --timeout $((probe_s + 10)) >"$tmp/live-udp.json" 2>"$tmp/live-udp-recv.err"
    rx=$last_pid
    wait_for "$tmp/live-udp-recv.err" listening 5
    run $A timeout -k 2 $((probe_s + 5)) "$msgprobe" send --to udp://10.77.0.2:5000 --rate "$live_rate" --size "$msg_size" \
      --seconds "$probe_s" >"$tmp/live-udp-send.json" 2>&1
    wait "$rx" 2>/dev/null
    report_live "raw UDP, ${probe_s} s (no repair):" "$tmp/live-udp.json"
    json_live+=("\"raw_udp_${probe_s}s\":$(jget . "$tmp/live-udp.json" || echo null)")
    stop_all

    # SRT live: msgprobe -UDP-> srt-live-transmit (a) ==SRT==> srt-live-transmit (b) -UDP-> msgprobe
    if command -v srt-live-transmit >/dev/null; then
      q="transtype=live&latency=$srt_latency&payloadsize=$msg_size&passphrase=$srt_pass&pbkeylen=16"
      spawn $B timeout -k 2 $recv_s "$msgprobe" recv --listen udp://127.0.0.1:5002 --deadline-ms "$deadline_ms" \
        --timeout $recv_s >"$tmp/live-srt.json" 2>"$tmp/live-srt-recv.err"
      rx=$last_pid
      wait_for "$tmp/live-srt-recv.err" listening 5
      spawn $B timeout -k 2 $recv_s srt-live-transmit -a:no -ll:note -s:1000 -f -pf:json -statsout:"$tmp/live-srt-rx.stats" \
        "srt://:9000?mode=listener&$q" udp://127.0.0.1:5002 >"$tmp/live-srt-rx.log" 2>&1
      sleep 0.3
      spawn $A timeout -k 2 $recv_s srt-live-transmit -a:no -v -ll:note udp://127.0.0.1:5001 "srt://10.77.0.2:9000?mode=caller&$q" \
        >"$tmp/live-srt-tx.log" 2>&1
      if wait_for "$tmp/live-srt-tx.log" "target connected" 5; then
        run $A timeout -k 2 $((live_s + 10)) "$msgprobe" send --to udp://127.0.0.1:5001 --rate "$live_rate" --size "$msg_size" \
          --seconds "$live_s" >"$tmp/live-srt-send.json" 2>&1
        wait "$rx" 2>/dev/null
        report_live "SRT live (latency=$srt_latency):" "$tmp/live-srt.json"
        # Cumulative receiver counters from srt-live-transmit's last stats line (every 1000 packets).
        st=$tmp/live-srt-rx.stats
        echo "      SRT receiver (stats at the last 1000-packet mark): lost $(jget recv.packetsLost "$st")," \
          "retransmitted $(jget recv.packetsRetransmitted "$st"), dropped too late $(jget recv.packetsDropped "$st")," \
          "AES-128 key exchange in log: $(grep -q "RCV=SECURED.*SndKeyLen=16" "$tmp/live-srt-rx.log" && echo true || echo false)"
        json_live+=("\"srt_live\":$(jget . "$tmp/live-srt.json" || echo null)")
      else
        echo "  SRT live: no connection ($(tail -n 3 "$tmp/live-srt-tx.log" | tr '\n' ' '))"
        json_live+=("\"srt_live\":null")
        status=1
      fi
      stop_all
    fi

    # Plain TCP: length-prefixed messages over one connection
    spawn $B timeout -k 2 $recv_s "$msgprobe" recv --listen tcp://10.77.0.2:5003 --deadline-ms "$deadline_ms" \
      --timeout $recv_s >"$tmp/live-tcp.json" 2>"$tmp/live-tcp-recv.err"
    rx=$last_pid
    wait_for "$tmp/live-tcp-recv.err" listening 5
    run $A timeout -k 2 $((live_s + 10)) "$msgprobe" send --to tcp://10.77.0.2:5003 --rate "$live_rate" --size "$msg_size" \
      --seconds "$live_s" >"$tmp/live-tcp-send.json" 2>&1
    wait "$rx" 2>/dev/null
    report_live "TCP:" "$tmp/live-tcp.json"
    # The sender's namespace is fresh, so its counters cover this connection (and the raw UDP probe).
    $A nstat -az TcpOutSegs TcpRetransSegs 2>/dev/null | awk '/^Tcp/ { v[$1] = $2 }
      END { if ("TcpOutSegs" in v) printf "      TCP sender: %d segments, %d retransmitted\n", v["TcpOutSegs"], v["TcpRetransSegs"] }'
    json_live+=("\"tcp\":$(jget . "$tmp/live-tcp.json" || echo null)")
    stop_all

    # rtmfp perf --mode live
    if [ "$rtmfp_perf_ok" != 1 ]; then
      printf '  %-30s %s\n' "rtmfp perf live:" "rtmfp perf not available yet"
      json_live+=("\"rtmfp_live\":null")
    else
      c=${rtmfp_cryptos%% *}
      out=$tmp/rtmfp-live.json
      if start_rtmfp_server "$B" 10.77.0.2:5004 "$c" "$tmp/rtmfp-live-srv.log" &&
        run $A timeout -k 2 $((live_s + 20)) "$rtmfp" perf rtmfp://10.77.0.2:5004 --seconds "$live_s" --mode live \
          --rate "$live_rate" --message-size "$msg_size" --deadline "$deadline_ms" --crypto "$c" --json \
          >"$out" 2>"$tmp/rtmfp-live.err"; then
        sent=$(jget messages_sent "$out"); ot=$(jget on_time "$out")
        printf '  %-30s on time %s (%s of %s sent; delivered %s, abandoned %s)  rtt p50 %s ms p95 %s ms\n' \
          "rtmfp perf live ($c):" "$(ratio "$ot" "$sent" %.4f)" "$ot" "$sent" "$(jget messages_delivered "$out")" \
          "$(jget abandoned "$out")" "$(jget rtt_ms_p50 "$out")" "$(jget rtt_ms_p95 "$out")"
        json_live+=("\"rtmfp_live\":{\"crypto\":\"$c\",\"on_time_fraction\":$(num "$(ratio "$ot" "$sent" %.4f)"),\"perf\":$(jget . "$out" || echo null)}")
      else
        echo "  rtmfp perf live: failed ($(tail -n 3 "$tmp/rtmfp-live.err" "$tmp/rtmfp-live-srv.log" 2>/dev/null | tr '\n' ' '))"
        json_live+=("\"rtmfp_live\":null")
        status=1
      fi
      stop_all
    fi
    kill -TERM "$emu_pid" 2>/dev/null
    "$root/scripts/netns-link.sh" down "$ns" >/dev/null 2>&1
    ns_up=0
  fi
fi

if [ -n "$json_out" ]; then
  join() { local IFS=,; echo "$*"; }
  live_params="\"rate_bps\":$live_rate,\"message_size\":$msg_size,\"seconds\":$live_s,\"deadline_ms\":$deadline_ms,\"delay_ms_each_way\":$delay_ms,\"loss_each_way\":$loss,\"srt_latency_ms\":$srt_latency"
  {
    printf '{"machine":{"nproc":%s,"loadavg":"%s"},' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '"rtmfp_perf_available":%s,' "$([ "$rtmfp_perf_ok" = 1 ] && echo true || echo false)"
    printf '"bulk":{%s},' "$(join "${json_bulk[@]}")"
    printf '"bulk_ratios":{%s},' "$(join "${json_ratio[@]}")"
    if [ -n "$live_skip" ]; then
      printf '"live":{"skipped":"%s"}}\n' "$live_skip"
    else
      printf '"live":{"params":{%s}%s}}\n' "$live_params" "$([ ${#json_live[@]} -gt 0 ] && echo ",$(join "${json_live[@]}")")"
    fi
  } >"$json_out.tmp" && mv "$json_out.tmp" "$json_out"
  if "$msgprobe" json-get . "$json_out" >/dev/null; then echo "JSON summary: $json_out"; else echo "JSON summary $json_out is malformed" >&2; status=1; fi
fi
exit $status
