#!/usr/bin/env bash
# Replays a corpus directory through a libFuzzer binary (each file once, no
# fuzzing: -runs=0), as the fuzz_replay.* unit tests of a fuzzing build. Fails
# if the corpus is missing or empty (so a renamed or emptied corpus cannot pass
# as "replayed nothing") or if any input fails.
# Usage: replay_with_fuzzer.sh FUZZER CORPUS_DIR
set -euo pipefail
fuzzer=$1
corpus=$2
n=$(find "$corpus" -type f 2>/dev/null | wc -l)
if [ "$n" -eq 0 ]; then
  echo "no corpus files in $corpus" >&2
  exit 1
fi
# -max_len: replay corpus files whole (run-fuzzers.sh allows 1 MiB inputs).
"$fuzzer" -runs=0 -max_len=1048576 "$corpus"
echo "replayed $n corpus inputs"
