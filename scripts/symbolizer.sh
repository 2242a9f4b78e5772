# Sourced by the test and fuzz runners: names llvm-symbolizer for the
# sanitizer runtimes (clang-16's do not find Debian's unversioned one alone,
# and without it reports carry bare addresses). Keeps a path already set.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer-16 llvm-symbolizer; do
    if p=$(command -v "$s"); then export ASAN_SYMBOLIZER_PATH=$p; break; fi
  done
fi
