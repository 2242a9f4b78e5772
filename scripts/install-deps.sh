#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only those missing.
# Usage: scripts/install-deps.sh [build|test|demo|bench]
set -euo pipefail
what=${1:-test}
build_pkgs=(build-essential cmake ninja-build pkg-config libasio-dev libssl-dev libsodium-dev
  libprotobuf-dev protobuf-compiler libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  nlohmann-json3-dev libhiredis-dev)
# openssl: the rtmps:// tests make their CA and certificates with the CLI.
# binutils: nm, for the link-level core purity check.
# llvm: llvm-symbolizer, so sanitizer reports name functions and lines.
# coturn: turnserver for the TURN client tests (a private process on free
# loopback ports with -n: its system service and port 3478 are not used).
test_pkgs=(clang-16 libclang-rt-16-dev llvm nginx libnginx-mod-rtmp libnginx-mod-stream ffmpeg openssl srt-tools iperf3
  iproute2 iptables procps binutils redis-server coturn)
# make demo: ffmpeg (test stream, reading back), nginx-rtmp, jq (the counters),
# iproute2 + iptables (the NAT lab when run as root).
demo_pkgs=(nginx libnginx-mod-rtmp ffmpeg jq iproute2 iptables procps)
pkgs=("${build_pkgs[@]}")
case "$what" in
  test|bench) pkgs+=("${test_pkgs[@]}") ;;
  demo) pkgs+=("${demo_pkgs[@]}") ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
