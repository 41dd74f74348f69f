#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3 with an address pool (issue 13): two addresses for three
# internal hosts (web's 10.100.20.57 and two more addresses on web's link,
# each a host of its own to xdpgw). The first two borrow one pool address
# each, kept for their next flows; the third falls back to NAPT on
# 203.0.113.1, counted in pool_fallback. No `ip addr add` of the pool
# addresses on gw: r1 sends the replies there through xdpgw's ARP. Asserted
# by inet's server log (the peer address of each host's datagram).
#
#  web 10.100.20.57,.58,.59 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet
set -u
source "$(dirname "$0")/lib.sh"

POOL_A=203.0.113.100
POOL_B=203.0.113.101

s3_test_setup
s3_servers
xg_run ip -n "$NS_WEB" addr add 10.100.20.58/24 dev eth0
xg_run ip -n "$NS_WEB" addr add 10.100.20.59/24 dev eth0

# from HOST TAG: one echo exchange from HOST (an address of web) to inet.
from() {
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
		"$2" --src "$1" --tries 3 --timeout 1 >/dev/null 2>&1
}
peer_of() { awk -v t="$1" '$3 == t {print $1}' "$XG_TMP/udp.peers" | tail -n 1; }

xg_nat_start || xg_fatal "xdpgw run failed"
check "pool add $POOL_A-$POOL_B" xg_xdpgw pool add "$POOL_A-$POOL_B"
check "a pool address that is the interface's is refused" \
	eval '! xg_xdpgw pool add 203.0.113.1-203.0.113.2 2>/dev/null'

check "10.100.20.57's datagram is echoed" from 10.100.20.57 h57
check "10.100.20.58's datagram is echoed" from 10.100.20.58 h58
check "10.100.20.59's datagram is echoed" from 10.100.20.59 h59
check "10.100.20.57's second flow is echoed" from 10.100.20.57 h57-again
p57=$(peer_of h57) p58=$(peer_of h58)
check_eq "the first two hosts have the two pool addresses, one each" \
	"$POOL_A $POOL_B" "$(printf '%s\n' "$p57" "$p58" | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "the third host falls back to NAPT's address" "$GW_EXT_IP" "$(peer_of h59)"
check_eq "a host keeps its pool address for its next flow" "$p57" "$(peer_of h57-again)"
check_eq "pool_fallback counted once" 1 "$(xg_stat pool_fallback)"
check "pool list shows both addresses lent" \
	eval '[ "$(xg_xdpgw pool list | grep -c "lent to")" = 2 ]'

del_out=$(xg_xdpgw pool del "$POOL_A-$POOL_B" 2>&1)
check "pool del ends the borrowers' flows" grep -q "3 flows ended" <<<"$del_out"
check "the first host's next flow goes through NAPT" from 10.100.20.57 h57-after
check_eq "... from $GW_EXT_IP" "$GW_EXT_IP" "$(peer_of h57-after)"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
