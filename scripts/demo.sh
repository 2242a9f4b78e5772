#!/usr/bin/env bash
# make demo: start a rendezvous server on loopback, probe it with both crypto
# profiles, explain what happened, stop everything. Exits non-zero if a step fails.
set -uo pipefail
rtmfp=${1:-build/cli/rtmfp}
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
fail() { printf '\ndemo FAILED: %s\n' "$*" >&2; exit 1; }

say "1. Starting an RTMFP rendezvous server on 127.0.0.1 (a free UDP port), speaking both crypto profiles."
echo "   \$ rtmfp rendezvous --listen 127.0.0.1:0 --crypto both --identity $work/id --stats-interval 1"
"$rtmfp" rendezvous --listen 127.0.0.1:0 --crypto both --identity "$work/id" --stats-interval 1 \
  > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  [ "$(wc -l < "$work/server.out")" -ge 2 ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; fail "the server exited"; }
  sleep 0.05
done
line1=$(sed -n 1p "$work/server.out"); line2=$(sed -n 2p "$work/server.out")
echo "   server says: $line1"
echo "   server says: $line2"
uri=$(echo "$line1" | awk '{print $2}')
modern_id=$(echo "$line1" | awk '{print $4}')
flash_id=$(echo "$line2" | awk '{print $3}')
[ -n "$uri" ] && [ ${#modern_id} -eq 64 ] && [ ${#flash_id} -eq 64 ] || fail "unexpected listening lines"
echo "   The peer IDs are fingerprints of the server's certificates: a client can insist on talking"
echo "   to exactly this server by giving its peer ID."

say "2. Probing with the modern profile (X25519 + Ed25519 + ChaCha20-Poly1305), requiring the modern peer ID."
echo "   \$ rtmfp probe $uri --crypto modern --peer-id ${modern_id:0:16}... --count 3"
"$rtmfp" probe "$uri" --crypto modern --peer-id "$modern_id" --count 3 --timeout 5 | sed 's/^/   /' \
  || fail "modern probe failed"

say "3. Probing with the flash profile (RFC 7425: Diffie-Hellman + AES-128-CBC, what Flash Player spoke)."
echo "   \$ rtmfp probe $uri --crypto flash --peer-id ${flash_id:0:16}... --count 3"
"$rtmfp" probe "$uri" --crypto flash --peer-id "$flash_id" --count 3 --timeout 5 | sed 's/^/   /' \
  || fail "flash probe failed"

say "4. A probe that demands a peer ID nobody has gets no answer (the server stays silent, RFC 7016 §3.5.1.1.2)."
wrong=$(printf '%064d' 0)
if "$rtmfp" probe "$uri" --crypto modern --peer-id "$wrong" --count 1 --timeout 2 --json > "$work/wrong.json" 2>&1; then
  fail "a wrong peer ID was answered"
fi
echo "   $(cat "$work/wrong.json")"

say "5. The same probe as JSON, for scripts:"
"$rtmfp" probe "$uri" --crypto modern --count 2 --json | sed 's/^/   /' || fail "JSON probe failed"

say "6. Stopping the server with SIGINT: it closes its sessions and prints final statistics."
sleep 1.1
kill -INT "$server_pid"
wait "$server_pid"; rc=$?
server_pid=""
tail -n 3 "$work/server.out" | sed 's/^/   /'
[ $rc -eq 0 ] || fail "server exit code $rc"
say "7. Moving data: 'rtmfp perf' sends for 2 s in bulk (reliable, as fast as congestion control allows),"
echo "   then 2 s of live messages (2 Mbit/s, each abandoned if not delivered within 200 ms)."
"$rtmfp" perf --listen 127.0.0.1:0 > "$work/perf.out" 2> "$work/perf.err" &
perf_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening' "$work/perf.out" 2>/dev/null && break
  sleep 0.05
done
perf_uri=$(sed -n 1p "$work/perf.out" | awk '{print $2}')
[ -n "$perf_uri" ] || { kill "$perf_pid" 2>/dev/null; fail "the perf server did not start"; }
echo "   \$ rtmfp perf $perf_uri --seconds 2"
"$rtmfp" perf "$perf_uri" --seconds 2 2>&1 | tail -n 3 | sed 's/^/   /' || { kill "$perf_pid"; fail "perf bulk failed"; }
echo "   \$ rtmfp perf $perf_uri --seconds 2 --mode live --rate 2000000 --deadline 200"
"$rtmfp" perf "$perf_uri" --seconds 2 --mode live --rate 2000000 --deadline 200 2>&1 | tail -n 3 | sed 's/^/   /' \
  || { kill "$perf_pid"; fail "perf live failed"; }
kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null

say "Demo complete: two handshakes with two crypto profiles on one UDP port, round trips measured, clean shutdown, data moved in bulk and live."
