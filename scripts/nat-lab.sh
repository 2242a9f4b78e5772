#!/usr/bin/env bash
# A NAT lab in network namespaces (needs root; all traffic stays inside the
# namespaces it creates; `down` removes everything).
#
#   scripts/nat-lab.sh up NAME      creates the lab below, prints nothing
#   scripts/nat-lab.sh down NAME    removes it (idempotent)
#   NAT_LAB_ROUTER_FILTER=0 scripts/nat-lab.sh up NAME
#       the same NATs without the routers' own input filter (see below)
#   NAT_LAB_NAT2=symmetric scripts/nat-lab.sh up NAME
#       nat2 maps every new destination to a random public port
#       (MASQUERADE --random-fully): endpoint-dependent mapping, the NAT
#       that punching cannot cross when the other side filters by port
#   NAT_LAB_NAT3=cone|symmetric scripts/nat-lab.sh up NAME
#       adds a third NAT router, nat3 (wan 198.51.100.13, lan 10.3.0.1/24)
#       with h4 (10.3.0.2) behind it: a home router like nat1 (cone) or
#       endpoint-dependent like NAT_LAB_NAT2=symmetric (symmetric)
#   NAT_LAB_BLOCK_PEERS=1 scripts/nat-lab.sh up NAME
#       nat1 drops everything between its lan and nat2's public address:
#       UDP between the peers is blocked, only the rendezvous is reachable
#
#   NAME-wan   "the internet": bridge br0, 198.51.100.1/24 and .2 (the
#              rendezvous: two addresses for the NAT check's filtering tests)
#   NAME-nat1  a NAT router: wan 198.51.100.11/24, lan 10.1.0.1/24
#   NAME-nat2  a NAT router: wan 198.51.100.12/24, lan 10.2.0.1/24
#   NAME-h1    10.1.0.2/24 behind nat1, default route via 10.1.0.1
#   NAME-h3    10.1.0.3/24 behind nat1 too (same NAT, same LAN as h1)
#   NAME-h2    10.2.0.2/24 behind nat2
#   NAME-nat3, NAME-h4 (10.3.0.2/24)  only with NAT_LAB_NAT3
#
# Each NAT is Linux's own: iptables MASQUERADE on the wan side (connection
# tracking: one mapping per source address and port, kept while it is used,
# source port preserved when free: endpoint-independent mapping in practice)
# and a stateful filter that forwards from the wan only what belongs to a
# flow the lan opened (address-and-port-dependent filtering, RFC 4787 §5):
# a port-restricted cone NAT, the common home router.
set -euo pipefail
cmd=${1:?up|down}; name=${2:?name}
ns() { echo "$name-$1"; }

down() {
  for n in h1 h2 h3 h4 nat1 nat2 nat3 wan; do ip netns del "$(ns $n)" 2>/dev/null || true; done
}

case "$cmd" in
  up)
    down
    trap 'down' ERR
    nats=(1 2); hosts=(wan nat1 nat2 h1 h2 h3)
    case "${NAT_LAB_NAT3:-}" in
      "") ;;
      cone|symmetric) nats+=(3); hosts+=(nat3 h4) ;;
      *) echo "NAT_LAB_NAT3: cone or symmetric" >&2; exit 2 ;;
    esac
    for n in "${hosts[@]}"; do ip netns add "$(ns $n)"; ip -n "$(ns $n)" link set lo up; done
    ip -n "$(ns wan)" link add br0 type bridge
    ip -n "$(ns wan)" addr add 198.51.100.1/24 dev br0
    ip -n "$(ns wan)" addr add 198.51.100.2/24 dev br0
    ip -n "$(ns wan)" link set br0 up
    for i in "${nats[@]}"; do
      nat=$(ns nat$i)
      # wan side: a veth from the NAT into the bridge
      ip link add wan netns "$nat" type veth peer name "p$i" netns "$(ns wan)"
      ip -n "$(ns wan)" link set "p$i" master br0 up
      ip -n "$nat" addr add "198.51.100.1$i/24" dev wan
      ip -n "$nat" link set wan up
      # lan side: a bridge the hosts plug into
      ip -n "$nat" link add lan type bridge
      ip -n "$nat" addr add "10.$i.0.1/24" dev lan
      ip -n "$nat" link set lan up
      ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
      random=()
      if [ "$i" = 2 ] && [ "${NAT_LAB_NAT2:-}" = symmetric ]; then random=(--random-fully); fi
      if [ "$i" = 3 ] && [ "${NAT_LAB_NAT3:-}" = symmetric ]; then random=(--random-fully); fi
      ip netns exec "$nat" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE "${random[@]}"
      ip netns exec "$nat" iptables -A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
      ip netns exec "$nat" iptables -A FORWARD -i wan -j DROP
      # The router itself answers nothing unsolicited on its wan side (as home
      # routers do): an unsolicited packet is dropped before connection
      # tracking confirms an entry for it, so it cannot take the tuple a
      # later outbound packet of a lan host needs (which would make the NAT
      # pick another port for that host: a punched hole in the wrong place).
      # Without it (NAT_LAB_ROUTER_FILTER=0), a bare MASQUERADE box, punching
      # through it fails: the initiator's first IHello reaches the NAT before
      # the node's RHello leaves, and the node's mapping toward the initiator
      # gets a new port the initiator never hears of.
      if [ "${NAT_LAB_ROUTER_FILTER:-1}" != 0 ]; then
        ip netns exec "$nat" iptables -A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        ip netns exec "$nat" iptables -A INPUT -i wan -j DROP
      fi
    done
    if [ "${NAT_LAB_BLOCK_PEERS:-0}" = 1 ]; then
      ip netns exec "$(ns nat1)" iptables -I FORWARD -d 198.51.100.12 -j DROP
      ip netns exec "$(ns nat1)" iptables -I FORWARD -s 198.51.100.12 -j DROP
    fi
    plug() {  # plug HOST NATINDEX ADDRESS
      local h; h=$(ns "$1")
      ip link add eth0 netns "$h" type veth peer name "$1" netns "$(ns nat$2)"
      ip -n "$(ns nat$2)" link set "$1" master lan up
      ip -n "$h" addr add "$3/24" dev eth0
      ip -n "$h" link set eth0 up
      ip -n "$h" route add default via "10.$2.0.1"
    }
    plug h1 1 10.1.0.2
    plug h3 1 10.1.0.3
    plug h2 2 10.2.0.2
    if [ -n "${NAT_LAB_NAT3:-}" ]; then plug h4 3 10.3.0.2; fi
    trap - ERR
    ;;
  down) down ;;
  *) echo "usage: $0 up|down NAME" >&2; exit 2 ;;
esac
