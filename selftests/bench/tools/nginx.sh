# SPDX-License-Identifier: GPL-2.0
#
# The nginx side of the proxy benchmarks (../proxy.sh, ../tls.sh), sourced after
# selftests/lib.sh, xg_init and s2_build:
#
#   nginx_backend           web1's nginx on $WEB1_IP:80, 2 workers: a 200 of
#                           6 bytes ("hello\n") at /, a 1 MB file at
#                           /files/1m.bin, a 200 to POST /upload
#   nginx_front HTTP_BODY   the nginx xdpgw is compared with, in lb, one
#                           worker; HTTP_BODY is the end of its http block
#                           (servers); NGINX_PID its master, NGINX_WORKER
#                           its worker. The http block starts with what
#                           every row shares (access log off, keep-alive to
#                           the backend, a pool of 256 idle connections as
#                           upstream "web", large keepalive_requests)
# Exits the benchmark (xg_fatal) when an nginx does not start.

# nginx_conf NAME WORKERS HTTP_BODY : $XG_TMP/NAME/nginx.conf, the prefix
# directory NAME with logs/ and tmp/
nginx_conf() {
	local d=$XG_TMP/$1
	mkdir -p "$d"/{logs,tmp}
	cat >"$d/nginx.conf" <<EOF
worker_processes $2;
daemon off;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 30000; }
http {
	access_log off;
	client_body_temp_path $d/tmp;
	proxy_temp_path $d/tmp;
	keepalive_requests 1000000;
$3
}
EOF
}

# nginx_run NS NAME : start it, sets XG_LASTPID
nginx_run() {
	xg_bg "$1" nginx -p "$XG_TMP/$2" -c "$XG_TMP/$2/nginx.conf" >"$XG_TMP/$2/out" 2>&1
}

nginx_backend() {
	mkdir -p "$XG_TMP/web/files"
	head -c 1048576 /dev/urandom >"$XG_TMP/web/files/1m.bin"
	# nginx's workers (www-data) must reach the file through the private tmp dir
	chmod 755 "$XG_TMP" "$XG_TMP/web" "$XG_TMP/web/files"
	chmod 644 "$XG_TMP/web/files/1m.bin"
	nginx_conf web 2 "	server {
		listen $WEB1_IP:80 backlog=4096;
		location / { return 200 \"hello\\n\"; }
		location /files/ { root $XG_TMP/web; }
		location /upload { client_max_body_size 1m; return 200 \"stored\\n\"; }
	}"
	nginx_run "$NS_WEB1" web
	wait_for 10 xg_listening "$NS_WEB1" tcp 80 ||
		xg_fatal "backend nginx did not start: $(cat "$XG_TMP/web/out")"
}

# nginx_front HTTP_BODY LISTEN_PORT : LISTEN_PORT, one of its ports, to wait for
nginx_front() {
	nginx_conf front 1 "	upstream web { server $WEB1_IP:80; keepalive 256; }
	proxy_http_version 1.1;
	proxy_set_header Connection \"\";
$1"
	nginx_run "$NS_LB" front
	NGINX_PID=$XG_LASTPID
	wait_for 10 xg_listening "$NS_LB" tcp "$2" ||
		xg_fatal "front nginx did not start: $(cat "$XG_TMP/front/out")"
	wait_for 5 sh -c "pgrep -P $NGINX_PID >/dev/null" || xg_fatal "front nginx has no worker"
	NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -n 1)
}
