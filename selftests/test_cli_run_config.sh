#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S2 with one daemon: `xdpgw run --config FILE --external eth0` in lb runs
# the NAT (the file's top lines) and the reverse proxy (its [proxy] section).
#
#        198.51.100.0/24                               10.100.20.0/24
#  +--------+ .10            .1 +---------------------+ .1 (bridge)     .57 +------+
#  | client |eth0 ----------- eth0|        lb         |in0 -- p1 ------ eth0| web1 |
#  +--------+                 203.0.113.1/24           |    \                +------+
#  route 203.0.113.0/24       | xdpgw run --config  |     \-- p2 --- eth0| web2 |
#  dev eth0 (on-link)         |  NAT 10.100.20.0/24 |              .58 +------+
#                             |  proxy 203.0.113.1:80
#                             +---------------------+
#                              route 198.51.100.0/24 dev eth0, forwarding on
#
# Inbound, the client's HTTP requests to 203.0.113.1:80 end at the proxy,
# which spreads them over web1 and web2. Outbound, web1's own connection to
# the client leaves through lb's NAT as 203.0.113.1 (the client has no route
# to 10.100.20.0/24). Checks: a bad file refuses to start and attaches
# nothing; both directions work in one process; SIGHUP with web2 alone in
# the file moves every request to web2 without a failed one; SIGTERM stops
# both. Exit: 0 pass, 1 fail, 4 skip.

source "$(dirname "$0")/lib.sh" || exit 1
set -u

s2_test_setup tc bpftool openssl
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"

CONF=$XG_TMP/gw.conf
LOG=$XG_TMP/xdpgw.log
ERR=$XG_TMP/xdpgw.err
ECHO_PORT=7000

said() { grep -qF -- "$1" "$LOG" "$ERR"; }

# a self-signed certificate for the TLS listener under [proxy]
xg_run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=www.example.com -addext subjectAltName=DNS:www.example.com \
	-keyout "$XG_TMP/www.key" -out "$XG_TMP/www.pem" 2>/dev/null

# write_conf BACKEND... : the daemon's file, NAT at the top (the command
# line adds --external), the proxy on lb's public address.
write_conf() {
	{
		echo "# S2: NAT for the webs, and the proxy in front of them"
		echo "internal 10.100.20.0/24"
		echo "no-fast-path   # in0 is a bridge"
		echo
		echo "[proxy]"
		echo "listen $LB_IP:80"
		echo "listen-tls $LB_IP:443"
		echo "tls-cert $XG_TMP/www.pem"
		echo "tls-key $XG_TMP/www.key"
		printf 'backend %s:80\n' "$@"
		echo "header-timeout 2"
	} >"$CONF"
}

# Nothing of xdpgw on lb's eth0, no pins, no proxy listening.
nothing_left() {
	! ip -n "$NS_LB" link show eth0 | grep -q 'prog/xdp' &&
		[ -z "$(tc -n "$NS_LB" filter show dev eth0 egress 2>/dev/null)" ] &&
		[ ! -e "$(xg_pin_dir)" ] && ! xg_listening "$NS_LB" tcp 80
}

# run_fails MESSAGE CONF_TEXT : `xdpgw run --config` of a file holding
# CONF_TEXT exits 1 saying MESSAGE (with FILE standing for the file's path)
# and attaches nothing.
run_fails() {
	local msg=${1//FILE/$XG_TMP/bad.conf} rc
	printf '%b' "$2" >"$XG_TMP/bad.conf"
	timeout 20 ip netns exec "$NS_LB" "$XDPGW" run --config "$XG_TMP/bad.conf" --external eth0 \
		>/dev/null 2>"$XG_TMP/fails.err"
	rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$msg" "$XG_TMP/fails.err"; then
		xg_pass "run --config: exit 1, \"$msg\""
	else
		xg_failed "run --config with: $2" "exit 1 and \"$msg\"" "exit $rc: $(head -c 300 "$XG_TMP/fails.err")"
	fi
	check "... and nothing attached or pinned" nothing_left
}

xg_log "# S2, NAT and proxy in one xdpgw run; namespaces {client,lb,web1,web2}-$XG_ID"
NS_GW=$NS_LB # where lib.sh's xg_xdpgw, xg_pin_dir and cleanup look
xg_run xg_sysctl "$NS_LB" net.ipv4.ip_forward=1
: >"$XG_TMP/web.log"
s2_web_start 1
s2_web_start 2

# ---------------------------------------------------------------- (d)
xg_log "## a bad file: exit 1 naming FILE:LINE, nothing started"
run_fails "FILE: [proxy]: certificate $XG_TMP/none.pem: No such file or directory" \
	"internal 10.100.20.0/24\nno-fast-path\n[proxy]\nlisten-tls $LB_IP:443\ntls-cert $XG_TMP/none.pem\ntls-key $XG_TMP/www.key\nbackend $WEB1_IP:80\n"
run_fails "FILE:6: backend 'nonsense': expected A.B.C.D:PORT" \
	"internal 10.100.20.0/24\nno-fast-path\n\n[proxy]\nlisten $LB_IP:80\nbackend nonsense\n"
run_fails "FILE:2: unknown section [web]: [nat], [proxy], [forward], [static], [pool] or [filter]" \
	"internal 10.100.20.0/24\n[web]\nlisten $LB_IP:80\n"
run_fails "FILE:1: ports '9-1': not a range LO-HI" "ports 9-1\n"
run_fails "FILE: [proxy]: at least one --backend" \
	"internal 10.100.20.0/24\nno-fast-path\n[proxy]\nlisten $LB_IP:80\n"
check_fails "xdpgw stats --external eth0 finds no instance" xg_xdpgw stats --external eth0
# The file is right but the address is not lb's: attached, then undone.
run_fails "interface 'eth0': the proxy on 192.0.2.1:80 did not start (Cannot assign requested address); detaching" \
	"internal 10.100.20.0/24\nno-fast-path\n[proxy]\nlisten 192.0.2.1:80\nbackend $WEB1_IP:80\n"

# ---------------------------------------------------------------- start
write_conf "$WEB1_IP" "$WEB2_IP"
xg_bg "$NS_LB" "$XDPGW" run --config "$CONF" --external eth0 >"$LOG" 2>"$ERR"
XG_NAT_PID=$XG_LASTPID
ready() { grep -q translating "$LOG" && xg_listening "$NS_LB" tcp 80; }
wait_for 10 ready || xg_fatal "xdpgw run --config did not start: $(cat "$LOG" "$ERR")"
check "one process: the proxy's port is xdpgw's" \
	bash -c "ip netns exec '$NS_LB' ss -Hltnp 'sport = :80' | grep -q 'pid=$XG_NAT_PID,'"
check "XDP on eth0 and the pins are there" \
	bash -c "ip -n '$NS_LB' link show eth0 | grep -q 'prog/xdp' && test -e '$(xg_pin_dir)/flows'"

# ---------------------------------------------------------------- (a)
xg_log "## inbound: the proxy alternates web1 and web2"
from=$(web_lines)
for i in 1 2 3 4 5 6; do status_of "http://$LB_IP/alt-$i" >/dev/null; done
seq=$(web_seq "$from" /alt-)
if [[ $seq == "web1 "* ]]; then want="web1 web2 web1 web2 web1 web2 "
else want="web2 web1 web2 web1 web2 web1 "; fi
check_eq "6 GETs alternate web1/web2" "$want" "$seq"
body=$(cl curl -sS --max-time 10 --cacert "$XG_TMP/www.pem" --resolve "www.example.com:443:$LB_IP" \
	https://www.example.com/who)
check_eq "[proxy] listen-tls: HTTPS, the web sees X-Forwarded-Proto: https" https \
	"$(sed -n 's/^h X-Forwarded-Proto: //p' <<<"$body")"

# ---------------------------------------------------------------- (b)
xg_log "## outbound: web1's connection to the client leaves as $LB_IP"
: >"$XG_TMP/echo.peers"
xg_bg "$NS_CLIENT" python3 -u "$XG_TOOLS/tcp_echo.py" server "$ECHO_PORT" --log "$XG_TMP/echo.peers" \
	>"$XG_TMP/echo.log" 2>&1
wait_for 10 xg_listening "$NS_CLIENT" tcp "$ECHO_PORT" || xg_fatal "echo server in client did not start"
check "web1 -> client $CLIENT_IP:$ECHO_PORT: echoed" \
	ip netns exec "$NS_WEB1" python3 "$XG_TOOLS/tcp_echo.py" client "$CLIENT_IP" "$ECHO_PORT" web1 -n 1 --timeout 10
check_eq "the client saw it come from $LB_IP" "$LB_IP" "$(xg_peer_of "$XG_TMP/echo.peers" web1-0)"
check "xdpgw flows lists it: $WEB1_IP as $LB_IP to $CLIENT_IP:$ECHO_PORT" \
	bash -c "ip netns exec '$NS_LB' '$XDPGW' flows --external eth0 |
		awk '\$1 == \"tcp\" && \$3 ~ /^$WEB1_IP:/ && \$4 ~ /^$LB_IP:/ && \$5 == \"$CLIENT_IP:$ECHO_PORT\" { n++ } END { exit !n }'"

# ---------------------------------------------------------------- (c)
xg_log "## SIGHUP with web2 alone in the file: no failed request"
s2_load_start "$XG_TMP/reload.out" --clients 20 --interval 0.02 --path /reload
from=$(web_lines)
wait_for 10 web_count_ge "$from" web1 20 || xg_failed "load reached web1" ">= 20" "$(web_count "$from" web1)"
write_conf "$WEB2_IP"
at_hup=$(web_lines)
kill -HUP "$XG_NAT_PID"
check "reloaded with 1 backend" wait_for 5 said "reloaded: 1 backends"
# requests web1 had in flight at the reload may still be logged: count from
# once web2 has served 50 more
wait_for 10 web_count_ge "$at_hup" web2 50
at_one=$(web_lines)
wait_for 10 web_count_ge "$at_one" web2 100
check_eq "after SIGHUP: no request to web1 (web2 had $(web_count "$at_one" web2))" 0 \
	"$(web_count "$at_one" web1)"
s2_load_stop
check_eq "20 keep-alive clients through the reload: none failed, none reconnected" \
	"fail=0 conns=20" "$(grep -oE 'fail=[0-9]+ conns=[0-9]+' "$XG_TMP/reload.out")"
check "the same daemon runs on" xg_alive "$XG_NAT_PID"

xg_log "## SIGHUP with a bad line, then with a NAT change"
cp "$CONF" "$XG_TMP/good.conf"
echo "backend nonsense" >>"$CONF"
kill -HUP "$XG_NAT_PID"
check "a bad file is refused, naming its line" \
	wait_for 5 said "reload: $CONF:$(wc -l <"$CONF"): backend 'nonsense'"
check "... keeping the running configuration" said "keeping the running configuration"
from=$(web_lines)
for i in 1 2 3; do status_of "http://$LB_IP/after-bad-$i" >/dev/null; done
check_eq "... so requests still go to web2 alone" "web2 web2 web2 " "$(web_seq "$from" /after-bad-)"
sed 's/^internal .*/internal 10.100.21.0\/24/' "$XG_TMP/good.conf" >"$CONF"
kill -HUP "$XG_NAT_PID"
check "a changed NAT option is left for the next run" \
	wait_for 5 said "the NAT's options changed; they apply at the next run"
check_eq "... and the NAT goes on as it was" "$LB_IP" \
	"$(ip netns exec "$NS_WEB1" python3 "$XG_TOOLS/tcp_echo.py" client "$CLIENT_IP" "$ECHO_PORT" again -n 1 \
		--timeout 10 >/dev/null && xg_peer_of "$XG_TMP/echo.peers" again-0)"

# ---------------------------------------------------------------- (e)
xg_log "## SIGTERM: the request in flight is answered, then everything stops"
xg_bg "$NS_CLIENT" curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$LB_IP/slow?ms=1500" \
	>"$XG_TMP/inflight.out" 2>&1
INFLIGHT=$XG_LASTPID
wait_for 5 grep -q '/slow?ms=1500' "$XG_TMP/web.log"
xg_nat_stop
check_eq "xdpgw run exited 0" 0 "$XG_NAT_RC"
wait_for 10 xg_dead "$INFLIGHT"
check_eq "the request in flight was answered" 200 "$(cat "$XG_TMP/inflight.out")"
check "port 80 closed, XDP and tc detached, no pins" nothing_left
check "the proxy said it stopped" said "proxy stopped"

xg_summary
