#!/usr/bin/env bash
# Self-test of core_purity.sh: a clean throw-away tree passes; each planted
# violation (one per case, in a fresh copy) must fail it, and so must a
# missing required folder and a core library that links a banned symbol.
set -u
src=${1:-.}
check="$src/tests/scripts/core_purity.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_tree() {  # $1: tree root
  mkdir -p "$1"/rtmfp/core "$1"/rtmfp/node "$1"/rtmfp/group/core "$1"/rtmfp/group/service "$1"/media/amf "$1"/media/flv "$1"/media/rtmp "$1"/media/gateway
  cat > "$1/rtmfp/core/clean.cpp" <<'EOF'
// A clean core file: the words throw, socket(), std::thread and ::now() in comments are fine.
#include <cstdint>
#include "rtmfp/core/time.hpp"
namespace rtmfp {
int add(int a, int b) noexcept { return a + b; }
void Flow::send(int x) { queue.send(x); this->bind(x); }  // member calls named like sockets
TimePoint later(TimePoint now) { return now + seconds(1); }
}
EOF
}

fails=0
expect() {  # $1: expected exit (0 or 1), $2: description, rest: core_purity args
  local want=$1 what=$2
  shift 2
  bash "$check" "$@" > "$work/out" 2>&1
  local got=$?
  if [ "$want" -eq 0 ] && [ $got -ne 0 ]; then
    echo "FAIL: $what: expected clean, got exit $got"; cat "$work/out"; fails=$((fails + 1))
  elif [ "$want" -ne 0 ] && [ $got -eq 0 ]; then
    echo "FAIL: $what: violation not caught"; cat "$work/out"; fails=$((fails + 1))
  else
    echo "ok: $what"
  fi
}

make_tree "$work/clean"
expect 0 "clean tree" "$work/clean"

n=0
plant() {  # $1: description, $2: relative file, $3: line to plant
  n=$((n + 1))
  local t="$work/case$n"
  make_tree "$t"
  mkdir -p "$(dirname "$t/$2")"
  printf '%s\n' "$3" >> "$t/$2"
  expect 1 "$1" "$t"
}
plant "Clock alias ::now()"          rtmfp/core/a.cpp 'using Clock = std::chrono::steady_clock; auto t = Clock::now();'
plant "TimePoint::clock::now()"       rtmfp/core/a.cpp 'auto t = rtmfp::TimePoint::clock::now();'
plant "utc_clock"                     rtmfp/core/a.cpp 'auto t = std::chrono::utc_clock::now();'
plant "rand()"                        rtmfp/core/a.cpp 'int r = rand();'
plant "random_device"                 rtmfp/core/a.cpp 'std::random_device rd;'
plant "getenv"                        rtmfp/core/a.cpp 'auto e = std::getenv("HOME");'
plant "iostream"                      rtmfp/core/a.hpp '#include <iostream>'
plant "std::cout"                     rtmfp/core/a.cpp 'void f() { std::cout << 1; }'
plant "printf"                        media/amf/a.cpp  'void f() { printf("x"); }'
plant "ofstream include"              media/flv/a.cpp  '#include <fstream>'
plant "std::async"                    media/rtmp/a.cpp 'auto f = std::async([] {});'
plant "mutex include"                 media/rtmp/a.cpp '#include <mutex>'
plant "future include"                media/rtmp/a.cpp '#include <future>'
plant "this_thread"                   rtmfp/core/a.cpp 'void f() { std::this_thread::yield(); }'
plant "::connect"                     rtmfp/core/a.cpp 'int r = ::connect(fd, sa, len);'
plant "::send"                        rtmfp/core/a.cpp 'int r = ::send(fd, p, n, 0);'
plant "socket("                       rtmfp/core/a.cpp 'int fd = socket(AF_INET, SOCK_DGRAM, 0);'
plant "time(0)"                       rtmfp/core/a.cpp 'long t = time(0);'
plant "std::clock()"                  rtmfp/core/a.cpp 'long t = std::clock();'
plant "throw at column 0"             rtmfp/core/a.cpp 'throw 1;'
plant "throw{}"                       rtmfp/core/a.cpp 'void f() { throw{}; }'
plant "asio at column 0"              rtmfp/core/a.cpp 'asio::io_context io;'
plant "io layer include"              rtmfp/core/a.cpp '#include "rtmfp/io/clock.hpp"'
plant ".cc file"                      rtmfp/core/b.cc  'auto t = std::chrono::steady_clock::now();'
plant ".inl file"                     rtmfp/core/b.inl '#include <thread>'
plant "new foo/core folder"           foo/core/x.cpp   'auto t = std::chrono::steady_clock::now();'
plant "gateway folder"                media/gateway/x.hpp '#include <thread>'

t="$work/missing"
make_tree "$t"
rm -rf "$t/media/flv"
expect 1 "required folder missing" "$t"

# Link level: an archive whose object calls clock_gettime / throws.
if command -v c++ > /dev/null && command -v ar > /dev/null; then
  for sym in clock_gettime __cxa_throw pthread_create socket; do
    b="$work/bin-$sym"
    mkdir -p "$b/rtmfp" "$b/rendezvous"
    case $sym in
      clock_gettime)  code='#include <time.h>
long f() { timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec; }' ;;
      __cxa_throw)    code='int f(int x) { if (x) throw x; return 0; }' ;;
      pthread_create) code='#include <pthread.h>
int f() { pthread_t t; return pthread_create(&t, nullptr, nullptr, nullptr); }' ;;
      socket)         code='#include <sys/socket.h>
int f() { return socket(AF_INET, SOCK_DGRAM, 0); }' ;;
    esac
    printf '%s\n' "$code" > "$b/x.cpp"
    c++ -c -o "$b/x.o" "$b/x.cpp" && ar rcs "$b/rtmfp/librtmfp_core.a" "$b/x.o"
    # The other library clean, so only the planted symbol can fail the check.
    printf 'int g(int x) { return x + 1; }\n' > "$b/y.cpp"
    c++ -c -o "$b/y.o" "$b/y.cpp" && ar rcs "$b/rtmfp/librtmfp_node.a" "$b/y.o"
    cp "$b/rtmfp/librtmfp_node.a" "$b/rtmfp/libgroup_core.a"
    cp "$b/rtmfp/librtmfp_node.a" "$b/rtmfp/libgroup_service.a"
    cp "$b/rtmfp/librtmfp_node.a" "$b/rendezvous/librendezvous_core.a"
    cp "$b/rtmfp/librtmfp_node.a" "$b/rendezvous/libturn_core.a"
    expect 1 "library linking $sym" "$work/clean" "$b"
    grep -q "$sym" "$work/out" || { echo "FAIL: library linking $sym: not named in the report"; cat "$work/out"; fails=$((fails + 1)); }
  done
  b="$work/bin-clean"
  mkdir -p "$b/rtmfp" "$b/rendezvous"
  printf 'int f(int x) { return x + 1; }\n' > "$b/x.cpp"
  c++ -c -o "$b/x.o" "$b/x.cpp" && ar rcs "$b/rtmfp/librtmfp_core.a" "$b/x.o"
  cp "$b/rtmfp/librtmfp_core.a" "$b/rtmfp/librtmfp_node.a"  # every library the check reads
  cp "$b/rtmfp/librtmfp_core.a" "$b/rtmfp/libgroup_core.a"
  cp "$b/rtmfp/librtmfp_core.a" "$b/rtmfp/libgroup_service.a"
  cp "$b/rtmfp/librtmfp_core.a" "$b/rendezvous/librendezvous_core.a"
  cp "$b/rtmfp/librtmfp_core.a" "$b/rendezvous/libturn_core.a"
  expect 0 "clean library" "$work/clean" "$b"
  expect 1 "library not built" "$work/clean" "$work/no-such-build"
else
  echo "FAIL: no c++/ar for the link-level self-test"
  fails=$((fails + 1))
fi

if [ $fails -ne 0 ]; then
  echo "core_purity self-test: $fails case(s) wrong"
  exit 1
fi
echo "core_purity self-test: all cases behave"
