#!/usr/bin/env bash
# Runs every libFuzzer binary in BUILD/tests/fuzz for SECONDS each, seeded
# from tests/fuzz/corpus/<target>/ (new inputs go to a scratch directory, the
# checked-in corpus is not modified). Fails if any fuzzer finds a crash.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
shopt -s nullglob
bins=("$build"/tests/fuzz/fuzz_*)
if [ ${#bins[@]} -eq 0 ]; then
  echo "no fuzz targets built in $build" >&2
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for bin in "${bins[@]}"; do
  name=$(basename "$bin"); target=${name#fuzz_}
  mkdir -p "$scratch/$target"
  seeds="$root/tests/fuzz/corpus/$target"
  [ -d "$seeds" ] || seeds=""
  echo "fuzzing $target for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 \
       -artifact_prefix="$scratch/$target-" -print_final_stats=0 \
       "$scratch/$target" $seeds > "$scratch/$target.log" 2>&1; then
    echo "FUZZER FAILED: $target" >&2
    tail -n 60 "$scratch/$target.log" >&2
    status=1
  else
    grep -E "^#[0-9]+[[:space:]]+DONE" "$scratch/$target.log" | tail -n 1 || true
  fi
done
exit $status
