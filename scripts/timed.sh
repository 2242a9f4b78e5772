#!/usr/bin/env bash
# Runs a command as a named stage of `make test`, prints UTC stamps around it
# and appends "NAME SECONDS status" to the times file (default
# build/make-test-times), so the run ends with each stage's wall time.
# Usage: scripts/timed.sh NAME COMMAND...   (TIMES_FILE=path to override)
set -uo pipefail
name=$1
shift
times=${TIMES_FILE:-build/make-test-times}
t0=$(date +%s)
echo "[$(date -u +%T)] stage $name: start"
"$@"
status=$?
t1=$(date +%s)
secs=$((t1 - t0))
mkdir -p "$(dirname "$times")"
printf '%-10s %5ds  %s\n' "$name" "$secs" "$([ $status -eq 0 ] && echo ok || echo "FAILED ($status)")" >> "$times"
echo "[$(date -u +%T)] stage $name: $([ $status -eq 0 ] && echo done || echo FAILED) after ${secs}s"
exit $status
