#!/usr/bin/env bash
# Fails if any sans-I/O core folder reads a clock, opens sockets, uses Asio,
# starts threads or throws. Core folders: */core/ and the pure media codecs.
set -u
root=${1:-.}
cd "$root"
dirs=()
for d in rtmfp/core rendezvous/core media/core media/amf media/flv media/rtmp media/gateway; do
  [ -d "$d" ] && dirs+=("$d")
done
pattern='steady_clock::now|system_clock::now|high_resolution_clock::now|gettimeofday|clock_gettime|time\(NULL\)|time\(nullptr\)|[^_]asio|<asio|std::thread|std::jthread|pthread_create|[^a-z_]throw[ ;(]|\bsocket\(|sendto\(|recvfrom\(|<sys/socket.h>|<thread>'
hits=$(grep -rnE --include='*.cpp' --include='*.hpp' --include='*.h' --include='*.def' "$pattern" "${dirs[@]}" \
       | grep -vE '^\S+:[0-9]+:\s*//' || true)
if [ -n "$hits" ]; then
  echo "core purity violations (clock reads, sockets, Asio, threads or throw in a sans-I/O core):"
  echo "$hits"
  exit 1
fi
echo "core purity: ${#dirs[@]} folders clean"
