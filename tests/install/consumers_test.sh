#!/usr/bin/env bash
# The installed CMake package works for a consumer of one library: installs the
# build into a temporary prefix, then configures, builds and runs two tiny
# consumers, one of rtmfp::rtmfp_core alone and one of rtmfp::media_core alone.
# Neither may need OpenSSL, libsodium, Protobuf, JSON or Asio: their package
# lookups are disabled and the system include folders hidden from find_*.
# Usage: consumers_test.sh SOURCE_DIR BINARY_DIR CXX_COMPILER
set -euo pipefail
src=$1
bin=$2
cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$bin" --prefix "$work/prefix" > "$work/install.log" 2>&1 || {
  cat "$work/install.log"; echo "install failed"; exit 1; }
gen=()
command -v ninja > /dev/null && gen=(-G Ninja)
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
for c in core_consumer media_consumer; do
  echo "== $c"
  cmake -S "$src/tests/install/$c" -B "$work/$c" "${gen[@]}" "${launcher[@]}" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON -DCMAKE_DISABLE_FIND_PACKAGE_Protobuf=ON \
    -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON \
    -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON \
    "-DCMAKE_IGNORE_PATH=/usr/include;/usr/local/include" > "$work/$c.cfg" 2>&1 || {
    cat "$work/$c.cfg"; echo "$c: configure failed"; exit 1; }
  cmake --build "$work/$c" > "$work/$c.build" 2>&1 || {
    tail -n 40 "$work/$c.build"; echo "$c: build failed"; exit 1; }
  "$work/$c/$c"
done
echo "installed package: both single-library consumers configure, build and run"
