#!/usr/bin/env bash
# Runs one ctest stage of `make test` and fails it on anything that must not
# pass quietly:
#   - no test selected (--no-tests=error: a renamed label or regex runs nothing);
#   - a test failed;
#   - a sanitizer reported anything, in the test binary or in any child process
#     it started (reports go to files through log_path, so a child whose stderr
#     the test throws away is still seen);
#   - a `runtime error:` line (UBSan) anywhere in any test's output, passed or not;
#   - with CI=true, a test that skipped (GTEST_SKIP): CI has every dependency
#     installed (scripts/install-deps.sh test), so a skip there hides a regression.
# Usage: scripts/ctest-stage.sh NAME BUILD_DIR [ctest arguments...]
set -uo pipefail
name=$1
build=$2
shift 2
logs="$build/test-logs/$name"
rm -rf "$logs"
mkdir -p "$logs/san"
san="$(cd "$logs/san" && pwd)/report"
. "$(dirname "$0")/symbolizer.sh"
# log_path is a common sanitizer flag; each runtime reads its own variable.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$san"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$san"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}log_path=$san"

echo "[$(date -u +%T)] ctest stage $name: ctest $*"
ctest --test-dir "$build" --no-tests=error --output-on-failure \
  --output-junit "$(cd "$logs" && pwd)/junit.xml" \
  --test-output-size-passed 4194304 --test-output-size-failed 4194304 \
  "$@" 2>&1 | tee "$logs/ctest.log"
status=${PIPESTATUS[0]}

reports=("$logs"/san/report*)
if [ -e "${reports[0]}" ]; then
  echo "ctest stage $name: SANITIZER REPORTS (${#reports[@]} files):" >&2
  for f in "${reports[@]}"; do echo "--- $f" >&2; head -n 80 "$f" >&2; done
  status=1
fi
if grep -n 'runtime error:' "$logs/ctest.log" "$logs/junit.xml" 2>/dev/null | head -n 20 >&2; then
  echo "ctest stage $name: undefined behaviour ('runtime error:') in test output" >&2
  status=1
fi
skipped=$(grep -E '\*\*\*Skipped' "$logs/ctest.log" || true)
if [ -n "$skipped" ]; then
  echo "ctest stage $name: SKIPPED tests:" >&2
  echo "$skipped" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "ctest stage $name: CI=true and tests skipped; install every dependency (make deps)" >&2
    status=1
  fi
fi
echo "[$(date -u +%T)] ctest stage $name: exit $status"
exit $status
