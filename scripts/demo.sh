#!/usr/bin/env bash
# make demo: the whole story in about a minute, on free ports, everything
# private and stopped at the end (exit non-zero if a step fails):
#
#   ffmpeg (testsrc + sine, H.264 + AAC, live)
#     -> rtmfp gateway: rtmp-listen://127.0.0.1:P/live/cam -> rtmfp-group://RV/cam
#     -> P2P group "cam" through a private `rtmfp rendezvous` (RV)
#        -> three `rtmfp join` members (to FLV files, counters as JSON)
#        -> an edge rtmfp gateway: rtmfp-group://RV/cam -> rtmp://127.0.0.1:N/live/out
#     -> a private nginx-rtmp (records what it gets) -> ffmpeg reads it back
#
# As root (and DEMO_NAT unset or 1) the rendezvous, the gateway, ffmpeg and
# nginx sit on a private "internet" and the three members in network
# namespaces behind Linux NATs (scripts/nat-lab.sh): m1 and m3 behind one
# MASQUERADE router, m2 behind MASQUERADE --random-fully (a symmetric NAT).
# DEMO_NAT=0 keeps everything on loopback. DEMO_SECONDS sets the stream length.
set -uo pipefail
rtmfp=$(realpath "${1:-build/cli/rtmfp}")
here=$(cd "$(dirname "$0")" && pwd)
secs=${DEMO_SECONDS:-15}
work=$(mktemp -d /tmp/rtmfp-demo.XXXXXX)
lab=""
pgids=()
t0=$(date +%s.%N)

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
fail() { printf '\ndemo FAILED: %s (logs kept in %s)\n' "$*" "$work" >&2; keep=1; exit 1; }
keep=0

# Every background process is a process-group leader (setsid): cleanup ends
# the whole group (ffmpeg, ip netns exec children, ...).
cleanup() {
  local g
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for _ in $(seq 1 50); do
    local alive=0
    for g in "${pgids[@]}"; do kill -0 -- "-$g" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for g in "${pgids[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
  [ -n "$lab" ] && "$here/nat-lab.sh" down "$lab"
  [ $keep = 0 ] && [ -z "${DEMO_KEEP:-}" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# inns WHERE CMD...: run CMD on the "internet" (wan) or on member host hN.
inns() {
  local where=$1; shift
  if [ -n "$lab" ]; then ip netns exec "$lab-$where" "$@"; else "$@"; fi
}
# bg NAME WHERE CMD...: start CMD (in namespace WHERE when in the lab) in the
# background as its own process group (setsid), stdout to $work/NAME.out,
# stderr to $work/NAME.err; sets pid_NAME.
bg() {
  local name=$1 where=$2; shift 2
  local argv=("$@")
  [ -n "$lab" ] && argv=(ip netns exec "$lab-$where" "$@")
  setsid "${argv[@]}" > "$work/$name.out" 2> "$work/$name.err" < /dev/null &
  pgids+=("$!")
  eval "pid_$name=$!"
}
# wait_for FILE REGEX SECONDS [PID]: until a line of FILE matches.
wait_for() {
  local end=$(( $(date +%s) + $3 ))
  until grep -qE "$2" "$1" 2>/dev/null; do
    [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && return 1
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.05
  done
}
# wait_pid PID SECONDS: until the process ends (false on timeout).
wait_pid() {
  local end=$(( $(date +%s) + $2 ))
  while kill -0 "$1" 2>/dev/null; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.05
  done
  wait "$1" 2>/dev/null
}
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 30000 ))
    [ -z "$(inns wan ss -Htuan "( sport = :$p )" 2>/dev/null)" ] && { echo "$p"; return; }
  done
}
# counts FILE: "V video + A audio" packets (ffprobe).
counts() {
  [ -s "$1" ] || { echo "none"; return; }
  local v a
  v=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1" 2>/dev/null)
  a=$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1" 2>/dev/null)
  echo "${v:-0} video + ${a:-0} audio"
}
nginx_module() {
  local dir m
  dir=$(nginx -V 2>&1 | grep -o -- '--modules-path=[^ ]*' | cut -d= -f2)
  for m in "$dir/ngx_rtmp_module.so" $(dpkg -L libnginx-mod-rtmp 2>/dev/null | grep '/ngx_rtmp_module.so$'); do
    [ -f "$m" ] && { echo "$m"; return; }
  done
}

for p in ffmpeg ffprobe nginx jq; do command -v $p > /dev/null || fail "$p is not installed (scripts/install-deps.sh demo)"; done
module=$(nginx_module)
[ -n "$module" ] || fail "nginx's RTMP module (libnginx-mod-rtmp) is not installed"

if [ "${DEMO_NAT:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v iptables > /dev/null; then
  lab="rd$$"
  NAT_LAB_NAT2=symmetric "$here/nat-lab.sh" up "$lab" || { lab=""; fail "could not build the NAT lab"; }
  rv_host=198.51.100.1
  member_ns=(h1 h2 h3)
  say "0. A NAT lab in network namespaces: the rendezvous, the gateway, ffmpeg and nginx on a private"
  echo "   \"internet\" (198.51.100.0/24); member m1 (10.1.0.2) and m3 (10.1.0.3) behind one NAT"
  echo "   (iptables MASQUERADE, port-preserving), m2 (10.2.0.2) behind MASQUERADE --random-fully"
  echo "   (a new public port for every destination: a symmetric NAT). DEMO_NAT=0: all on loopback."
else
  rv_host=127.0.0.1
  member_ns=(wan wan wan)
  say "0. Everything on loopback (as root the members would sit behind NATs in network namespaces)."
fi

say "1. A private rendezvous (RTMFP sessions, introductions, the groups' member directory)."
bg rv wan "$rtmfp" rendezvous --listen "$rv_host:0" --stats-interval 0
wait_for "$work/rv.out" '^listening' 10 "$pid_rv" || fail "the rendezvous did not start: $(cat "$work/rv.err")"
rv_uri=$(head -n1 "$work/rv.out" | awk '{print $2}')
rv_hp=${rv_uri#rtmfp://}
echo "   \$ rtmfp rendezvous --listen $rv_host:0      -> $rv_uri"

say "2. A private nginx-rtmp (records every publish) and the ingest gateway (RTMP in, the group out)."
P=$(free_port); N=$(free_port)
while [ "$N" = "$P" ]; do N=$(free_port); done
mkdir -p "$work/nginx/logs" "$work/nginx/rec"
cat > "$work/nginx/nginx.conf" <<EOF
load_module $module;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log info;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:$N; chunk_size 4096;
  application live { live on; meta copy; record all; record_path $work/nginx/rec; } } }
EOF
bg nginx wan nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off; master_process off;'
in_route="rtmp-listen://127.0.0.1:$P/live/cam"
group_url="rtmfp-group://$rv_hp/cam"
out_url="rtmp://127.0.0.1:$N/live/out"
bg gw wan "$rtmfp" gateway --json --stats-interval 1 --route "$in_route" "$group_url"
wait_for "$work/gw.err" "listening rtmp://127.0.0.1:$P" 10 "$pid_gw" || fail "the gateway did not start: $(cat "$work/gw.err")"
echo "   nginx-rtmp on 127.0.0.1:$N"
echo "   ingest gateway: \$ rtmfp gateway --json --stats-interval 1 --route $in_route $group_url"

say "3. ffmpeg publishes a live ${secs} s test stream (testsrc + sine, H.264 + AAC, keyframe every second)."
echo "   \$ ffmpeg -re -f lavfi -i testsrc -f lavfi -i sine -t $secs -c:v libx264 -g 25 -c:a aac -f flv rtmp://127.0.0.1:$P/live/cam"
echo "   (a copy of exactly what it sends goes to sent.flv: ffmpeg's tee muxer)"
bg ff wan ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
  -re -f lavfi -i sine=frequency=440:sample_rate=44100 -t "$secs" -map 0:v -map 1:a \
  -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a aac -f tee \
  "[f=flv]$work/sent.flv|[f=flv:onfail=abort]rtmp://127.0.0.1:$P/live/cam"
wait_for "$work/gw.err" 'group: publishing' 15 "$pid_gw" || fail "the gateway did not publish into the group: $(tail -5 "$work/gw.err")"
spec=$(grep -o 'group: publishing [^ ]*' "$work/gw.err" | head -n1 | awk '{print $3}')
echo "   gateway: group: publishing ${spec:0:20}...  (NAME:PUBLISHER-KEY, the key signs every fragment)"

say "4. Three members join the group (each starts at the latest keyframe, after metadata and sequence headers)."
for i in 1 2 3; do
  ns=${member_ns[$((i - 1))]}
  bg "m$i" "$ns" "$rtmfp" join --rendezvous "$rv_uri" --group cam --to "$work/m$i.flv" \
    --idle-end 3000 --stats-interval 0
  echo "   \$ rtmfp join --rendezvous $rv_uri --group cam --to m$i.flv --idle-end 3000$([ -n "$lab" ] && echo "   (in $ns)")"
done

say "5. An edge gateway takes the group out to nginx; ffmpeg reads it back from nginx."
# (A second process, a member over the network like the three; a route of
# the ingest gateway would be played the publisher's own stream instead.)
bg gw2 wan "$rtmfp" gateway --json --stats-interval 1 --route "$group_url" "$out_url"
echo "   edge gateway:   \$ rtmfp gateway --json --stats-interval 1 --route $group_url $out_url"
wait_for "$work/gw2.err" 'group: joined' 15 "$pid_gw2" || fail "the edge gateway did not join: $(tail -5 "$work/gw2.err")"
echo "   \$ ffmpeg -i $out_url -c copy back.flv"
bg back wan ffmpeg -hide_banner -loglevel error -y -rw_timeout 4000000 -i "$out_url" -c copy -f flv "$work/back.flv"

say "6. Streaming for ${secs} s ... (the gateway's stats every second in gw.err)"
wait_pid "$pid_ff" $((secs + 30)) || fail "the publishing ffmpeg did not end"
for i in 1 2 3; do
  v=pid_m$i
  wait_pid "${!v}" 30 || fail "member m$i did not end: $(tail -3 "$work/m$i.err")"
done
echo "   ffmpeg finished; the members ended 3 s after the last frame (--idle-end)."
# The egress route is a member too: it has the tail once it stops growing.
sleep 1
prev=-1
for _ in $(seq 1 40); do
  cur=$(grep '^{"route"' "$work/gw2.err" | grep '"rtmfp-group' | grep -o '"frames":[0-9]*' | tail -n1 | cut -d: -f2)
  [ "${cur:-0}" = "$prev" ] && break
  prev=${cur:-0}
  sleep 0.5
done
kill -TERM "$pid_gw" "$pid_gw2"
wait_pid "$pid_gw" 20 || fail "the ingest gateway did not stop"
wait_pid "$pid_gw2" 20 || fail "the edge gateway did not stop"
wait_pid "$pid_back" 15 || kill -TERM -- "-$pid_back" 2>/dev/null
kill -QUIT "$pid_nginx" 2>/dev/null; wait_pid "$pid_nginx" 15
kill -INT "$pid_rv"; wait_pid "$pid_rv" 10

say "7. Each member's counters (rtmfp join prints them as JSON at the end):"
for i in 1 2 3; do
  j=$(grep '^{' "$work/m$i.out" | tail -n1)
  [ -n "$j" ] || fail "member m$i printed no counters: $(tail -3 "$work/m$i.err")"
  echo "$j" | jq -r --arg m "m$i" '"   \($m): path \(.path) (\(.linksDirect) direct, \(.linksRelayed) relayed neighbour links), \(.framesPlayed) frames played, join to first frame \(.joinToFirstFrameMs) ms, \(.neighbors) neighbours,\n       bytes pushed from peers \(.bytesPushedFromPeers), pulled from peers \(.bytesPulledFromPeers), from the publisher \(.bytesReceivedFromServer),\n       uploaded \(.mediaBytesSent) bytes to other members, holes skipped \(.holesSkipped), duplicates \(.duplicates), forged \(.forged)"'
done
echo "   (path: how each member's neighbour links opened, directly or through the rendezvous's relay.)"

say "8. The publisher (the gateway's group endpoint): upload ratio = bytes it sent / bytes of the stream"
# (its last line for this group: when ffmpeg left, the route started again,
# waiting for the next publisher, and that one would be a new group key)
pubj=$(grep '^{"group"' "$work/gw.err" | grep -F "\"group\":\"$spec\"" | grep '"role":"publisher"' | tail -n1)
if [ -n "$pubj" ]; then
  echo "$pubj" | jq -r '"   \(.fragmentsPublished) fragments published, \(.mediaBytesSent) media bytes sent, upload ratio \(.uploadRatio)\n   (a server would send one copy per member: 3.0; the members forward to each other)"'
else
  echo "   (no publisher stats line)"
fi

say "9. Frames at every hop (video + audio packets; the sequence headers count as packets):"
ingest=$(grep '"summary":true' "$work/gw.err" | grep '"route":"rtmp-listen' | jq -r '.frames' | tail -n1)
egress=$(grep '"summary":true' "$work/gw2.err" | grep '"route":"rtmfp-group' | jq -r '.frames' | tail -n1)
rec=$(ls "$work"/nginx/rec/*.flv 2>/dev/null | head -n1)
printf '   %-38s %s\n' "ffmpeg out (sent.flv)" "$(counts "$work/sent.flv")"
printf '   %-38s %s\n' "ingest gateway route (messages)" "${ingest:-?} (incl. metadata)"
for i in 1 2 3; do printf '   %-38s %s\n' "member m$i (m$i.flv)" "$(counts "$work/m$i.flv")"; done
printf '   %-38s %s\n' "edge gateway route (messages)" "${egress:-?} (incl. metadata)"
printf '   %-38s %s\n' "nginx recording" "$(counts "$rec")"
printf '   %-38s %s\n' "ffmpeg back from nginx (back.flv)" "$(counts "$work/back.flv")"
echo "   The members and the egress start at the latest keyframe when they join: a second or two less."

say "10. Rendezvous at the end:"
tail -n 2 "$work/rv.out" | sed 's/^/   /'

t1=$(date +%s.%N)
say "Demo complete in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", b-a}') s: live RTMP in, a P2P group out to three members and back into an RTMP server; everything stopped."
