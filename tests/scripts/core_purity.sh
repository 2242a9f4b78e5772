#!/usr/bin/env bash
# Fails if any sans-I/O core reads a clock or randomness, reads the
# environment, does stream or file I/O, opens sockets, uses Asio, starts
# threads or locks, includes an I/O layer header, or throws.
#
# Source check: every `*/core/` folder in the tree (outside tests/ and build
# folders) plus the pure media codec folders below; every listed folder must
# exist (a renamed folder must be renamed here, not skipped quietly); every C
# and C++ source suffix. Comments (from // to the end of a line) are ignored.
#
# Link check (when BINARY_DIR is given): the core static libraries must not
# reference clock, socket, thread, environment or exception-throwing symbols,
# whatever spelling the source used to reach them.
#
# Usage: core_purity.sh [SOURCE_DIR] [BINARY_DIR]
set -u
root=${1:-.}
bin=${2:-}
cd "$root" || exit 2

# Folders that must exist and be pure (in addition to every */core/ found).
required=(rtmfp/core rtmfp/node rtmfp/group/core rtmfp/group/service media/amf media/flv media/rtmp media/gateway)
# Static libraries built only from pure folders: relative to BINARY_DIR.
libs=(rtmfp/librtmfp_core.a rtmfp/librtmfp_node.a rtmfp/libgroup_core.a rtmfp/libgroup_service.a rendezvous/librendezvous_core.a rendezvous/libturn_core.a)

status=0
dirs=()
for d in "${required[@]}"; do
  if [ -d "$d" ]; then
    dirs+=("$d")
  else
    echo "core purity: required core folder $d is missing (update tests/scripts/core_purity.sh)"
    status=1
  fi
done
while IFS= read -r d; do
  d=${d#./}
  case " ${dirs[*]} " in *" $d "*) continue ;; esac
  dirs+=("$d")
done < <(find . -path ./tests -prune -o -path './build*' -prune -o -path './.git' -prune -o \
           -type d -name core -print | sort)

# One pattern per line: a name for the report, then an extended regex.
patterns=$(cat <<'EOF'
clock read|::now[[:space:]]*\(|gettimeofday|clock_gettime|(^|[^[:alnum:]_.>])time[[:space:]]*\([[:space:]]*(0|NULL|nullptr)?[[:space:]]*\)|std::clock[[:space:]]*\(|(^|[^[:alnum:]_.>:])clock[[:space:]]*\([[:space:]]*\)
randomness|(^|[^[:alnum:]_.>])s?rand[[:space:]]*\(|random_device|(^|[^[:alnum:]_.>])random[[:space:]]*\([[:space:]]*\)|arc4random|getrandom
environment|getenv
stream or file I/O|<iostream>|<fstream>|std::(cout|cerr|clog|cin)|(^|[^[:alnum:]_])(printf|puts|fopen|fputs|fwrite|perror)[[:space:]]*\(
threads or locks|<future>|<mutex>|<shared_mutex>|<thread>|<condition_variable>|<semaphore>|<latch>|<barrier>|std::(thread|jthread|async|mutex|condition_variable)|this_thread|pthread_
sockets|<sys/socket.h>|<netdb.h>|<poll.h>|<sys/epoll.h>|(^|[^[:alnum:]_.>])(socket|sendto|recvfrom|sendmsg|recvmsg|sendmmsg|recvmmsg|accept4?|getaddrinfo|setsockopt)[[:space:]]*\(|(^|[^[:alnum:]_])::(connect|bind|listen|send|recv|close|read|write|poll)[[:space:]]*\(
Asio|(^|[^[:alnum:]_])asio([^[:alnum:]_]|$)|<asio
I/O layer include|#[[:space:]]*include[[:space:]]*["<](rtmfp|media|rendezvous)/io/
throw|(^|[^[:alnum:]_])throw([^[:alnum:]_]|$)
EOF
)

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find "${dirs[@]}" -type f \( -name '*.cpp' -o -name '*.cc' -o -name '*.cxx' -o -name '*.c' \
    -o -name '*.hpp' -o -name '*.hh' -o -name '*.hxx' -o -name '*.h' -o -name '*.ipp' \
    -o -name '*.inl' -o -name '*.tpp' -o -name '*.def' \) -print0 2>/dev/null | sort -z)

hits=""
if [ ${#files[@]} -gt 0 ]; then
  while IFS='|' read -r what regex; do
    [ -n "$what" ] || continue
    # Strip // comments, keep file:line.
    found=$(awk -v re="$regex" '{ line = $0; sub(/\/\/.*$/, "", line); if (line ~ re) print FILENAME ":" FNR ": " $0 }' \
              "${files[@]}")
    if [ -n "$found" ]; then
      hits+="[$what]"$'\n'"$found"$'\n'
    fi
  done <<< "$patterns"
fi
if [ -n "$hits" ]; then
  echo "core purity violations in sans-I/O code:"
  printf '%s' "$hits"
  status=1
fi

if [ -n "$bin" ]; then
  banned='^(__cxa_throw|clock_gettime|gettimeofday|time|clock|socket|bind|connect|listen|accept|accept4|send|recv|sendto|recvfrom|sendmsg|recvmsg|sendmmsg|recvmmsg|poll|epoll_wait|pthread_create|pthread_mutex_lock|getenv|secure_getenv|rand|random|srand|getrandom|fopen|printf|puts)$'
  for lib in "${libs[@]}"; do
    if [ ! -f "$bin/$lib" ]; then
      echo "core purity: $bin/$lib not built (build it before this test)"
      status=1
      continue
    fi
    syms=$(nm -u "$bin/$lib" | awk '$1 == "U" { print $2 }' | sed 's/@.*//' | sort -u)
    bad=$(grep -E "$banned" <<< "$syms")
    bad+=$(nm -u -C "$bin/$lib" | grep -E '(steady|system|high_resolution|utc)_clock::now|random_device' | sort -u)
    if [ -n "$bad" ]; then
      echo "core purity: $lib links symbols a sans-I/O core must not use:"
      echo "$bad"
      status=1
    fi
  done
fi

if [ $status -eq 0 ]; then
  echo "core purity: ${#dirs[@]} folders (${dirs[*]}), ${#files[@]} files clean${bin:+; ${#libs[@]} libraries link clean}"
fi
exit $status
