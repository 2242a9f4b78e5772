#!/usr/bin/env bash
# Runs every libFuzzer binary in BUILD/tests/fuzz for SECONDS each, seeded
# from tests/fuzz/corpus/<target>/ (new inputs go to a scratch directory, the
# checked-in corpus is not modified). Fails if any fuzzer finds a crash, a
# memory error, undefined behaviour (built with -fno-sanitize-recover=all and
# run with UBSAN_OPTIONS=halt_on_error=1; any `runtime error:` line in a log
# fails the run even if the fuzzer exited 0), a leak, an allocation over
# MALLOC_MB or a process over RSS_MB. Logs stay in BUILD/fuzz-logs/.
# JOBS fuzzers run at once (default: the number of cores).
set -euo pipefail
build=${1:-build-san}
seconds=${2:-15}
jobs=${JOBS:-$(nproc)}
malloc_mb=${MALLOC_MB:-512}
rss_mb=${RSS_MB:-2048}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/symbolizer.sh"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
shopt -s nullglob
bins=()
for b in "$build"/tests/fuzz/fuzz_*; do
  # fuzz_replay_* (the corpus replayers of a build with tests) are not fuzzers.
  case $(basename "$b") in fuzz_replay_*) ;; *) [ -x "$b" ] && [ -f "$b" ] && bins+=("$b") ;; esac
done
if [ ${#bins[@]} -eq 0 ]; then
  echo "no fuzz targets built in $build" >&2
  exit 1
fi
# Largest input per target. RTMFP datagrams and handshake messages fit in
# 64 KiB; the media codecs (AMF, FLV, RTMP chunk stream and messages, and every
# other target) take 1 MiB so that length fields in the megabytes (RTMP
# message length, AMF string and array counts, FLV tag sizes) are reachable.
max_len_for() {
  case "$1" in
    packet_decode|chunk_decode|*handshake_parse|endpoint_session) echo 65536 ;;
    *) echo 1048576 ;;
  esac
}
logs="$build/fuzz-logs"
rm -rf "$logs"
mkdir -p "$logs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One target: fuzz it, then write "ok" or "failed" to its status file.
fuzz_one() {
  local bin=$1 name target seeds max_len log failed=0
  name=$(basename "$bin"); target=${name#fuzz_}
  mkdir -p "$scratch/$target"
  seeds="$root/tests/fuzz/corpus/$target"
  [ -d "$seeds" ] || seeds=""
  max_len=$(max_len_for "$target")
  log="$logs/$target.log"
  "$bin" -max_total_time="$seconds" -max_len="$max_len" \
       -malloc_limit_mb="$malloc_mb" -rss_limit_mb="$rss_mb" \
       -artifact_prefix="$logs/$target-" -print_final_stats=0 \
       "$scratch/$target" $seeds > "$log" 2>&1 || failed=1
  if grep -q -E 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log"; then
    failed=1
  fi
  if [ $failed -ne 0 ]; then echo failed > "$logs/$target.status"; else echo ok > "$logs/$target.status"; fi
}

running=0
for bin in "${bins[@]}"; do
  name=$(basename "$bin")
  echo "fuzzing ${name#fuzz_} for ${seconds}s (max_len $(max_len_for "${name#fuzz_}"))"
  fuzz_one "$bin" &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

status=0
for bin in "${bins[@]}"; do
  name=$(basename "$bin"); target=${name#fuzz_}
  log="$logs/$target.log"
  if [ "$(cat "$logs/$target.status" 2>/dev/null)" != ok ]; then
    echo "FUZZER FAILED: $target (log $log)" >&2
    grep -n -m 5 'runtime error:' "$log" >&2 || true
    tail -n 60 "$log" >&2
    status=1
  else
    echo "$target: $(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -n 1 || true)"
  fi
done
exit $status
