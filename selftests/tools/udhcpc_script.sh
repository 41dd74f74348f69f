#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# udhcpc's script for the S4 client: configures what the lease says, as a
# home computer's DHCP client would, but writes the DNS server to the
# namespace's own resolv.conf ($XG_RESOLV: /etc/netns/NS/resolv.conf, which
# `ip netns exec` binds over /etc/resolv.conf), never to the host's.
# udhcpc passes: $1 the event; $interface $ip $mask $router $dns $lease.
case $1 in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
	: >"$XG_RESOLV"
	for d in $dns; do echo "nameserver $d" >>"$XG_RESOLV"; done
	echo "lease $ip/$mask router $router dns $dns for ${lease}s"
	;;
esac
exit 0
