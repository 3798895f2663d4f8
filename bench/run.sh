#!/usr/bin/env bash
# elbd load benchmark: elbd vs haproxy vs nginx over the same two nginx
# back ends, HTTP keep-alive (wrk), TCP bulk throughput (tcpbench), full TLS
# handshakes with ECDSA and RSA certificates (tlsbench) and HTTPS keep-alive
# (wrk).
# See bench/README.md. Not part of `go test ./...`.
#
# Usage: bench/run.sh            (knobs are environment variables, below)
set -euo pipefail

# The exact command, with every knob that was set in the environment.
KNOBS="ROUNDS DURATION CONNS THREADS WARMUP TCP_BYTES TCP_CONNS TLS_CONNS TLS_CURVES PERF PROXIES TESTS PROXY_CPU LOAD_CPU BASE_PORT ELBD_POOL EXTRA_HEADERS HAPROXY_PIPESIZE INSTALL KEEP_TMP OUT OPENSSL_ia32cap"
CMDLINE=""
for v in $KNOBS; do
	if [ -n "${!v+x}" ]; then
		case ${!v} in
		*[!A-Za-z0-9_./:-]*) CMDLINE+="$v='${!v}' " ;;
		*) CMDLINE+="$v=${!v} " ;;
		esac
	fi
done
CMDLINE+="bench/run.sh"

ROUNDS=${ROUNDS:-3}                # interleaved rounds of {elbd, haproxy, nginx}
DURATION=${DURATION:-10}           # seconds per wrk run
CONNS=${CONNS:-32}                 # wrk connections
THREADS=${THREADS:-1}              # wrk threads
WARMUP=${WARMUP:-2}                # seconds of unmeasured wrk per proxy before round 1
TCP_BYTES=${TCP_BYTES:-8000000000} # bytes moved per TCP run
TCP_CONNS=${TCP_CONNS:-4}          # parallel TCP connections per run
TLS_CONNS=${TLS_CONNS:-32}         # tlsbench workers (connections in flight) per handshake run
TLS_CURVES=${TLS_CURVES:-}         # key-exchange groups tlsbench offers, e.g. P-256 (default: Go's, X25519 first)
PERF=${PERF:-0}                    # 1: after the rounds, profile each proxy's handshakes with perf (not measured)
PROXIES=${PROXIES:-"elbd haproxy nginx"} # also: gotls (a bare crypto/tls server, TLS tests only)
TESTS=${TESTS:-"http tcp tls-ecdsa tls-rsa https"}
PROXY_CPU=${PROXY_CPU:-0}          # CPU the proxy under test is pinned to
LOAD_CPU=${LOAD_CPU:-1}            # CPU of wrk, tcpbench and the back ends
BASE_PORT=${BASE_PORT:-18080}      # ports BASE_PORT+1 .. BASE_PORT+21 are used
ELBD_POOL=${ELBD_POOL:-127.100.77.0/24}
EXTRA_HEADERS=${EXTRA_HEADERS:-0}  # 1: haproxy/nginx also set X-Forwarded-Proto/-Port as elbd does
HAPROXY_PIPESIZE=${HAPROXY_PIPESIZE:-} # e.g. 1048576: haproxy tune.pipesize (default: the kernel's 64 KiB)
INSTALL=${INSTALL:-1}              # 0: do not apt-get install missing tools
KEEP_TMP=${KEEP_TMP:-0}            # 1: keep the temporary directory (configs, logs)
OUT=${OUT:-}                       # report path; default bench/results/latest.md

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/bench/results/latest.md}

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools -------------------------------------------------------------------
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
need=()
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
if [ ${#need[@]} -gt 0 ]; then
	[ "$INSTALL" = 1 ] || die "missing: ${need[*]} (INSTALL=0)"
	log "installing ${need[*]}"
	$SUDO apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v go >/dev/null 2>&1 || die "go is not installed"
NGINX_STREAM=1
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || NGINX_STREAM=0

# --- temporary directory and cleanup -----------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/elbd-bench.XXXXXX")
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build -------------------------------------------------------------------
log "building elbd and the bench helpers"
(cd "$ROOT" && go build -o "$TMP/bin/elbd" ./cmd/elbd &&
	go build -o "$TMP/bin/elbsetup" ./bench/cmd/elbsetup &&
	go build -o "$TMP/bin/tcpbench" ./bench/cmd/tcpbench &&
	go build -o "$TMP/bin/tlsbench" ./bench/cmd/tlsbench &&
	go build -o "$TMP/bin/benchreport" ./bench/cmd/benchreport)
# The commit elbd was built from (the tree may move on during the run).
ELBD_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet HEAD -- cmd internal 2>/dev/null || echo '+dirty')

# --- addresses and ports -----------------------------------------------------
BE1=127.0.0.2 BE2=127.0.0.3              # the two back ends ("instances")
BE_HTTP=$((BASE_PORT + 10))               # nginx back ends
BE_TCP=$((BASE_PORT + 11))                # tcpbench sources
ELBD_API=127.0.0.1:$((BASE_PORT + 20))
ELBD_DNS=127.0.0.1:$((BASE_PORT + 21))
ELBD_HTTP_PORT=$((BASE_PORT + 1)) ELBD_TCP_PORT=$((BASE_PORT + 2))    # on the LB's pool address
HAP_HTTP=127.0.0.1:$((BASE_PORT + 3)) HAP_TCP=127.0.0.1:$((BASE_PORT + 4))
NGX_HTTP=127.0.0.1:$((BASE_PORT + 5)) NGX_TCP=127.0.0.1:$((BASE_PORT + 6))
# HTTPS listeners: one with the ECDSA certificate, one with the RSA one.
ELBD_ECDSA_PORT=$((BASE_PORT + 7)) ELBD_RSA_PORT=$((BASE_PORT + 8)) # on the LB's pool address
HAP_ECDSA=127.0.0.1:$((BASE_PORT + 12)) HAP_RSA=127.0.0.1:$((BASE_PORT + 13))
NGX_ECDSA=127.0.0.1:$((BASE_PORT + 14)) NGX_RSA=127.0.0.1:$((BASE_PORT + 15))
GOTLS_ECDSA=127.0.0.1:$((BASE_PORT + 16)) GOTLS_RSA=127.0.0.1:$((BASE_PORT + 17))

TLS=0 # any TLS test selected?
for t in $TESTS; do
	case $t in
	http | tcp) ;;
	tls-ecdsa | tls-rsa | https) TLS=1 ;;
	*) die "unknown test $t (TESTS: http tcp tls-ecdsa tls-rsa https)" ;;
	esac
done

if command -v ss >/dev/null 2>&1; then
	for p in $((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3)) $((BASE_PORT + 4)) $((BASE_PORT + 5)) \
		$((BASE_PORT + 6)) $((BASE_PORT + 7)) $((BASE_PORT + 8)) $((BASE_PORT + 12)) $((BASE_PORT + 13)) \
		$((BASE_PORT + 14)) $((BASE_PORT + 15)) $((BASE_PORT + 16)) $((BASE_PORT + 17)) \
		"$BE_HTTP" "$BE_TCP" $((BASE_PORT + 20)) $((BASE_PORT + 21)); do
		if [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then die "port $p is in use; set BASE_PORT"; fi
	done
fi

wait_port() { # host:port, name
	local i
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	die "$2 is not listening on $1"
}

# --- certificates ------------------------------------------------------------
# One self-signed leaf per key type, made fresh for each run; every proxy
# serves the same two.
mkdir -p "$TMP/certs"
"$TMP/bin/tlsbench" cert -type ecdsa -out "$TMP/certs/ecdsa"
"$TMP/bin/tlsbench" cert -type rsa -out "$TMP/certs/rsa"
# ELBSecurityPolicy-2016-08 (elbd's default for HTTPS listeners) in AWS's
# order, for haproxy and nginx, with TLS 1.0 to 1.2.
TLS_CIPHERS=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA:AES256-GCM-SHA384:AES256-SHA256:AES256-SHA

# --- back ends (CPU LOAD_CPU) ------------------------------------------------
mkdir -p "$TMP/be/logs" "$TMP/ngx/logs" "$TMP/hap"
cat >"$TMP/be/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $TMP/be/nginx.pid;
error_log $TMP/be/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000000;
	keepalive_timeout 75s;
	client_body_temp_path $TMP/be/logs;
	proxy_temp_path $TMP/be/logs;
	fastcgi_temp_path $TMP/be/logs;
	uwsgi_temp_path $TMP/be/logs;
	scgi_temp_path $TMP/be/logs;
	server {
		listen $BE1:$BE_HTTP;
		listen $BE2:$BE_HTTP;
		location / { default_type text/plain; return 200 "hello, world\n"; }
	}
}
EOF
log "starting the back ends on CPU $LOAD_CPU"
taskset -c "$LOAD_CPU" nginx -p "$TMP/be/" -c "$TMP/be/nginx.conf" -e "$TMP/be/error.log" &
PIDS+=($!)
taskset -c "$LOAD_CPU" "$TMP/bin/tcpbench" serve "$BE1:$BE_TCP" "$BE2:$BE_TCP" 2>"$TMP/tcpbench.log" &
PIDS+=($!)
wait_port "$BE1:$BE_HTTP" "nginx back end"
wait_port "$BE2:$BE_TCP" "tcpbench back end"

# --- proxies (CPU PROXY_CPU) -------------------------------------------------
declare -A PID HTTP_URL TCP_ADDR TLS_ADDR # TLS_ADDR[proxy,ecdsa|rsa]
TLS_NOTES=()                               # lines for the report's TLS section

# elbd: one core, one zone, instances registered by IP literal.
export ELBD_ACCESS_KEY_ID=AKIDELBDBENCH0000001 ELBD_SECRET_ACCESS_KEY=elbd-bench-secret
if [[ " $PROXIES " == *" elbd "* ]]; then
	log "starting elbd (GOMAXPROCS=1) on CPU $PROXY_CPU"
	GOMAXPROCS=1 taskset -c "$PROXY_CPU" "$TMP/bin/elbd" serve --data-dir "$TMP/elbd" --api-listen "$ELBD_API" \
		--dns-listen "$ELBD_DNS" --address-pool "$ELBD_POOL" --zones us-east-1a --log-level info \
		>"$TMP/elbd.log" 2>&1 &
	PID[elbd]=$!
	PIDS+=($!)
	TLS_ARGS=()
	if [ "$TLS" = 1 ]; then
		# HTTPS listeners (instance protocol HTTP), the certificates
		# uploaded through the IAM API, elbd's default policy.
		TLS_ARGS=(-https-ecdsa-port "$ELBD_ECDSA_PORT" -ecdsa-cert "$TMP/certs/ecdsa.crt" -ecdsa-key "$TMP/certs/ecdsa.key"
			-https-rsa-port "$ELBD_RSA_PORT" -rsa-cert "$TMP/certs/rsa.crt" -rsa-key "$TMP/certs/rsa.key")
	fi
	SETUP=$("$TMP/bin/elbsetup" -endpoint "http://$ELBD_API" -dns "$ELBD_DNS" -zone us-east-1a \
		-http-port "$ELBD_HTTP_PORT" -http-backend-port "$BE_HTTP" -tcp-port "$ELBD_TCP_PORT" \
		-tcp-backend-port "$BE_TCP" -backends "$BE1,$BE2" "${TLS_ARGS[@]}") || { tail -20 "$TMP/elbd.log" >&2; die "elbd setup failed"; }
	ELBD_ADDR=$(sed -n 1p <<<"$SETUP")
	HTTP_URL[elbd]=http://$ELBD_ADDR:$ELBD_HTTP_PORT/
	TCP_ADDR[elbd]=$ELBD_ADDR:$ELBD_TCP_PORT
	if [ "$TLS" = 1 ]; then
		ELBD_TLS=$(sed -n 2p <<<"$SETUP")
		if [ "$ELBD_TLS" = "https ok" ]; then
			TLS_ADDR[elbd,ecdsa]=$ELBD_ADDR:$ELBD_ECDSA_PORT
			TLS_ADDR[elbd,rsa]=$ELBD_ADDR:$ELBD_RSA_PORT
		else
			log "elbd: ${ELBD_TLS:-no HTTPS status}; elbd is left out of the TLS tests"
			TLS_NOTES+=("elbd is left out of the TLS tests: ${ELBD_TLS:-elbsetup gave no HTTPS status}")
		fi
	fi
fi

XH_HAP="" XH_HAP_TLS="" XH_NGX=""
if [ "$EXTRA_HEADERS" = 1 ]; then
	XH_HAP=$'\thttp-request set-header X-Forwarded-Proto http\n\thttp-request set-header X-Forwarded-Port %[dst_port]'
	XH_HAP_TLS=$'\thttp-request set-header X-Forwarded-Proto https\n\thttp-request set-header X-Forwarded-Port %[dst_port]'
	XH_NGX=$'\t\t\tproxy_set_header X-Forwarded-Proto $scheme;\n\t\t\tproxy_set_header X-Forwarded-Port $server_port;'
fi

if [[ " $PROXIES " == *" haproxy "* ]]; then
	HAP_TLS=""
	if [ "$TLS" = 1 ]; then
		# elbd's default policy; no session cache and no tickets (elbd
		# has neither by default): nothing can be resumed.
		HAP_TLS="listen https
	mode http
	bind $HAP_ECDSA ssl crt $TMP/certs/ecdsa.pem
	bind $HAP_RSA ssl crt $TMP/certs/rsa.pem
	option forwardfor
	http-reuse always
$XH_HAP_TLS
	balance leastconn
	server be1 $BE1:$BE_HTTP
	server be2 $BE2:$BE_HTTP"
	fi
	cat >"$TMP/hap/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn 4096
	stats socket $TMP/hap/stats.sock mode 600 level user
	ssl-default-bind-ciphers $TLS_CIPHERS
	ssl-default-bind-options ssl-min-ver TLSv1.0 ssl-max-ver TLSv1.2 no-tls-tickets
	tune.ssl.cachesize 0
${HAPROXY_PIPESIZE:+	tune.pipesize $HAPROXY_PIPESIZE}
defaults
	timeout connect 5s
	timeout client 60s
	timeout server 60s
	timeout http-keep-alive 60s
listen http
	mode http
	bind $HAP_HTTP
	option forwardfor
	http-reuse always
$XH_HAP
	balance leastconn
	server be1 $BE1:$BE_HTTP
	server be2 $BE2:$BE_HTTP
listen tcp
	mode tcp
	bind $HAP_TCP
	option splice-request
	option splice-response
	balance roundrobin
	server be1 $BE1:$BE_TCP
	server be2 $BE2:$BE_TCP
$HAP_TLS
EOF
	log "starting haproxy (nbthread 1) on CPU $PROXY_CPU"
	taskset -c "$PROXY_CPU" haproxy -db -f "$TMP/hap/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
	PID[haproxy]=$!
	PIDS+=($!)
	wait_port "$HAP_HTTP" haproxy
	HTTP_URL[haproxy]=http://$HAP_HTTP/
	TCP_ADDR[haproxy]=$HAP_TCP
	if [ "$TLS" = 1 ]; then TLS_ADDR[haproxy,ecdsa]=$HAP_ECDSA TLS_ADDR[haproxy,rsa]=$HAP_RSA; fi
fi

if [[ " $PROXIES " == *" nginx "* ]]; then
	STREAM_LOAD="" STREAM_BLOCK=""
	if [ "$NGINX_STREAM" = 1 ]; then
		STREAM_LOAD="load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
		STREAM_BLOCK="stream {
	upstream tcp_backends { server $BE1:$BE_TCP; server $BE2:$BE_TCP; }
	server { listen $NGX_TCP; proxy_pass tcp_backends; proxy_timeout 60s; }
}"
	fi
	NGX_LOCATION="location / {
			proxy_pass http://http_backends;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
$XH_NGX
			proxy_read_timeout 60s;
		}"
	NGX_TLS=""
	if [ "$TLS" = 1 ]; then
		# elbd's default policy; no session cache, no tickets.
		NGX_TLS="ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
	ssl_ciphers $TLS_CIPHERS;
	ssl_prefer_server_ciphers on;
	ssl_session_cache off;
	ssl_session_tickets off;
	server {
		listen $NGX_ECDSA ssl;
		ssl_certificate $TMP/certs/ecdsa.crt;
		ssl_certificate_key $TMP/certs/ecdsa.key;
		$NGX_LOCATION
	}
	server {
		listen $NGX_RSA ssl;
		ssl_certificate $TMP/certs/rsa.crt;
		ssl_certificate_key $TMP/certs/rsa.key;
		$NGX_LOCATION
	}"
	fi
	cat >"$TMP/ngx/nginx.conf" <<EOF
$STREAM_LOAD
daemon off;
master_process on;
worker_processes 1;
pid $TMP/ngx/nginx.pid;
error_log $TMP/ngx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000000;
	keepalive_timeout 60s;
	client_body_temp_path $TMP/ngx/logs;
	proxy_temp_path $TMP/ngx/logs;
	fastcgi_temp_path $TMP/ngx/logs;
	uwsgi_temp_path $TMP/ngx/logs;
	scgi_temp_path $TMP/ngx/logs;
	upstream http_backends {
		least_conn;
		server $BE1:$BE_HTTP;
		server $BE2:$BE_HTTP;
		keepalive 64;
		keepalive_requests 1000000000;
		keepalive_timeout 60s;
	}
	server {
		listen $NGX_HTTP;
		$NGX_LOCATION
	}
	$NGX_TLS
}
$STREAM_BLOCK
EOF
	log "starting nginx (worker_processes 1) on CPU $PROXY_CPU"
	taskset -c "$PROXY_CPU" nginx -p "$TMP/ngx/" -c "$TMP/ngx/nginx.conf" -e "$TMP/ngx/error.log" &
	PID[nginx]=$!
	PIDS+=($!)
	wait_port "$NGX_HTTP" nginx
	HTTP_URL[nginx]=http://$NGX_HTTP/
	if [ "$NGINX_STREAM" = 1 ]; then TCP_ADDR[nginx]=$NGX_TCP; fi
	if [ "$TLS" = 1 ]; then TLS_ADDR[nginx,ecdsa]=$NGX_ECDSA TLS_ADDR[nginx,rsa]=$NGX_RSA; fi
fi

# gotls: a bare crypto/tls server (tlsbench server) that answers requests
# itself, for the TLS tests only: what Go's TLS stack costs under the same
# load, without any proxying.
if [[ " $PROXIES " == *" gotls "* ]]; then
	[ "$TLS" = 1 ] || die "gotls runs the TLS tests only; add tls-ecdsa, tls-rsa or https to TESTS"
	log "starting gotls (GOMAXPROCS=1) on CPU $PROXY_CPU"
	GOMAXPROCS=1 taskset -c "$PROXY_CPU" "$TMP/bin/tlsbench" server "$GOTLS_ECDSA" "$TMP/certs/ecdsa.crt" "$TMP/certs/ecdsa.key" \
		"$GOTLS_RSA" "$TMP/certs/rsa.crt" "$TMP/certs/rsa.key" >"$TMP/gotls.log" 2>&1 &
	PID[gotls]=$!
	PIDS+=($!)
	wait_port "$GOTLS_ECDSA" gotls
	TLS_ADDR[gotls,ecdsa]=$GOTLS_ECDSA TLS_ADDR[gotls,rsa]=$GOTLS_RSA
fi

# --- measurement -------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID: utime+stime (all threads) of PID and its child processes
# (nginx's workers), in clock ticks.
children() {
	if command -v pgrep >/dev/null 2>&1; then
		pgrep -P "$1" || true
	else
		local f st
		for f in /proc/[0-9]*/stat; do
			st=$(cat "$f" 2>/dev/null) || continue
			st=${st##*) }
			set -- "$1" $st
			if [ "$3" = "$1" ]; then f=${f#/proc/}; echo "${f%/stat}"; fi
		done
	fi
	return 0
}
cpu_ticks() {
	local total=0 p t
	for p in "$1" $(children "$1"); do
		[ -r "/proc/$p/stat" ] || continue
		t=$(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')
		total=$((total + t))
	done
	echo "$total"
}

# cpu_busy N: busy ticks of CPU N since boot (user nice system irq softirq
# steal), to see how much of the proxy's core went to anything else.
cpu_busy() { awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# The kernel thread that runs deferred network processing (softirq) on the
# proxy's core; with loopback traffic, part of the proxy's packet work lands
# there instead of in the proxy's own stime.
KSOFTIRQD=""
for f in /proc/[0-9]*/comm; do
	if [ "$(cat "$f" 2>/dev/null)" = "ksoftirqd/$PROXY_CPU" ]; then KSOFTIRQD=${f#/proc/}; KSOFTIRQD=${KSOFTIRQD%/comm}; break; fi
done
ksoft_ticks() {
	if [ -n "$KSOFTIRQD" ] && [ -r "/proc/$KSOFTIRQD/stat" ]; then
		sed 's/^.*) //' "/proc/$KSOFTIRQD/stat" | awk '{print $12 + $13}'
	else echo 0; fi
}

# alive PROXY: fail, with the end of the proxy's log, if it has exited.
alive() {
	kill -0 "${PID[$1]}" 2>/dev/null && return 0
	local f
	case $1 in
	elbd) f=$TMP/elbd.log ;;
	haproxy) f=$TMP/haproxy.log ;;
	nginx) f=$TMP/ngx/error.log ;;
	gotls) f=$TMP/gotls.log ;;
	esac
	log "$1 (pid ${PID[$1]}) exited; last lines of $f:"
	tail -40 "$f" >&2 || true
	mkdir -p "$ROOT/bench/results"
	cp "$f" "$ROOT/bench/results/$1-crash.log" 2>/dev/null && log "saved as bench/results/$1-crash.log"
	die "$1 died during the benchmark"
}

# to_us "1.23ms" -> 1230
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") m = 1; else if (u == "ms") m = 1000; else if (u == "s") m = 1000000; else if (u == "m") m = 60000000; else m = 1
		printf "%.1f", n * m }'
}

HTTP_TSV=$TMP/http.tsv TCP_TSV=$TMP/tcp.tsv TLS_TSV=$TMP/tls.tsv
: >"$HTTP_TSV"
: >"$TCP_TSV"
: >"$TLS_TSV"

# wrk_measure PROXY URL OUTFILE runs wrk against URL while accounting the
# proxy's CPU, keeps wrk's output in OUTFILE, and sets W_REQS W_SECS W_RPS
# W_P50 W_P99 W_NON2XX W_SOCKERR (from wrk) and W_CPU W_BUSY W_KS (ticks).
wrk_measure() {
	local p=$1 url=$2 file=$3 before after busy0 busy1 ks0 ks1 out
	alive "$p"
	busy0=$(cpu_busy "$PROXY_CPU")
	ks0=$(ksoft_ticks)
	before=$(cpu_ticks "${PID[$p]}")
	out=$(taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$url")
	after=$(cpu_ticks "${PID[$p]}")
	busy1=$(cpu_busy "$PROXY_CPU")
	ks1=$(ksoft_ticks)
	alive "$p"
	echo "$out" >"$file"
	W_REQS=$(awk '/requests in/ {print $1}' <<<"$out")
	W_SECS=$(awk '/requests in/ {s = $4; sub(/s,?$/, "", s); print s}' <<<"$out")
	W_RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	W_P50=$(to_us "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	W_P99=$(to_us "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	W_NON2XX=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
	W_NON2XX=${W_NON2XX:-0}
	W_SOCKERR=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' <<<"$out")
	W_SOCKERR=${W_SOCKERR:-0}
	W_CPU=$((after - before)) W_BUSY=$((busy1 - busy0)) W_KS=$((ks1 - ks0))
}

run_http() { # proxy round
	local p=$1 r=$2
	wrk_measure "$p" "${HTTP_URL[$p]}" "$TMP/wrk-$p-$r.txt"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$r" "$W_REQS" "$W_SECS" "$W_RPS" "$W_P50" "$W_P99" \
		"$W_NON2XX" "$W_SOCKERR" "$W_CPU" "$CLK_TCK" "$W_BUSY" "$W_KS" >>"$HTTP_TSV"
	log "http $p round $r: $W_RPS req/s, p50 ${W_P50}us, p99 ${W_P99}us, non-2xx $W_NON2XX, socket errors $W_SOCKERR, cpu $W_CPU ticks"
}

run_tcp() { # proxy round
	local p=$1 r=$2 before after busy0 busy1 ks0 ks1 out ok=1
	alive "$p"
	busy0=$(cpu_busy "$PROXY_CPU")
	ks0=$(ksoft_ticks)
	before=$(cpu_ticks "${PID[$p]}")
	out=$(taskset -c "$LOAD_CPU" "$TMP/bin/tcpbench" load -addr "${TCP_ADDR[$p]}" -conns "$TCP_CONNS" -bytes "$TCP_BYTES" \
		-timeout 120s 2>"$TMP/tcpload-$p-$r.err") || ok=0
	after=$(cpu_ticks "${PID[$p]}")
	busy1=$(cpu_busy "$PROXY_CPU")
	ks1=$(ksoft_ticks)
	alive "$p"
	[ -n "$out" ] || out="0 0"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$r" ${out} $((after - before)) "$CLK_TCK" "$ok" $((busy1 - busy0)) $((ks1 - ks0)) >>"$TCP_TSV"
	log "tcp $p round $r: bytes/seconds $out, cpu $((after - before)) ticks, ok=$ok $(cat "$TMP/tcpload-$p-$r.err")"
}

# TLS rows (tls.tsv): test proxy round count seconds rate p50 p99 non2xx
# errors resumed cpu_ticks clk_tck core_ticks ksoftirqd_ticks negotiated.
# count is handshakes (tls-*) or requests (https); resumed is "-" for wrk.

# run_handshakes TEST PROXY ROUND: tlsbench load, a full handshake and one
# request per connection.
run_handshakes() {
	local t=$1 p=$2 r=$3 kind=${1#tls-} before after busy0 busy1 ks0 ks1 out hs errs resumed secs p50 p99 neg
	alive "$p"
	busy0=$(cpu_busy "$PROXY_CPU")
	ks0=$(ksoft_ticks)
	before=$(cpu_ticks "${PID[$p]}")
	out=$(taskset -c "$LOAD_CPU" "$TMP/bin/tlsbench" load -addr "${TLS_ADDR[$p,$kind]}" -conns "$TLS_CONNS" \
		-duration "${DURATION}s" ${TLS_CURVES:+-curves "$TLS_CURVES"} 2>"$TMP/tlsload-$t-$p-$r.err") || out=""
	after=$(cpu_ticks "${PID[$p]}")
	busy1=$(cpu_busy "$PROXY_CPU")
	ks1=$(ksoft_ticks)
	alive "$p"
	[ -n "$out" ] || out=$'0\t0\t0\t0\t0\t0\t-'
	IFS=$'\t' read -r hs errs resumed secs p50 p99 neg <<<"$out"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t0\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$p" "$r" "$hs" "$secs" \
		"$(awk -v n="$hs" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')" "$p50" "$p99" "$errs" "$resumed" \
		$((after - before)) "$CLK_TCK" $((busy1 - busy0)) $((ks1 - ks0)) "$neg" >>"$TLS_TSV"
	log "$t $p round $r: $hs handshakes in ${secs}s, p50 ${p50}us, p99 ${p99}us, errors $errs, resumed $resumed, cpu $((after - before)) ticks; $neg $(head -3 "$TMP/tlsload-$t-$p-$r.err" | tr '\n' ' ')"
}

# run_https PROXY ROUND: wrk keep-alive over TLS (the ECDSA listener; with
# keep-alive the handshakes are a negligible share).
run_https() {
	local p=$1 r=$2
	wrk_measure "$p" "https://${TLS_ADDR[$p,ecdsa]}/" "$TMP/wrk-https-$p-$r.txt"
	printf 'https\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\t%s\t%s\t%s\t-\n' "$p" "$r" "$W_REQS" "$W_SECS" "$W_RPS" "$W_P50" "$W_P99" \
		"$W_NON2XX" "$W_SOCKERR" "$W_CPU" "$CLK_TCK" "$W_BUSY" "$W_KS" >>"$TLS_TSV"
	log "https $p round $r: $W_RPS req/s, p50 ${W_P50}us, p99 ${W_P99}us, non-2xx $W_NON2XX, socket errors $W_SOCKERR, cpu $W_CPU ticks"
}

has_tls() { [ -n "${TLS_ADDR[$1,ecdsa]:-}" ]; }

# What each TLS listener negotiates with OpenSSL's client (offering TLS 1.3
# and its default groups and signature algorithms), and whether it resumes
# when a client offers a session: `openssl s_client -reconnect` reconnects
# five times with the first connection's session.
if [ "$TLS" = 1 ]; then
	for p in $PROXIES; do
		has_tls "$p" || continue
		for kind in ecdsa rsa; do
			out=$(timeout 20 openssl s_client -connect "${TLS_ADDR[$p,$kind]}" -servername bench.elbd.test -reconnect </dev/null 2>&1 || true)
			neg=$(awk -F': *' '
				/^ *Protocol *:/ && !proto { proto = $2 }
				/^ *Cipher *:/ && !cipher { cipher = $2 }
				/^(Server|Peer) Temp Key:/ && !key { key = $2; sub(/,.*/, "", key) }
				/^Peer signature type:/ && !sig { sig = $2 }
				/^Peer signing digest:/ && !dig { dig = $2 }
				END { printf "%s, %s, %s, %s+%s", proto, cipher, key, sig, dig }' <<<"$out")
			reused=$(grep -c '^Reused,' <<<"$out" || true)
			new=$(grep -c '^New,' <<<"$out" || true)
			# The first of the reconnect run's connections cannot resume.
			echo "negotiated.$p.$kind=$neg; $reused of $((reused + new - 1)) reconnections resumed" >>"$TMP/tls-info.txt"
			log "openssl s_client → $p $kind: $neg; $reused of $((reused + new - 1)) reconnections resumed"
		done
	done
fi

if [ "$WARMUP" -gt 0 ]; then
	for p in $PROXIES; do
		if [[ " $TESTS " == *" http "* ]] && [ -n "${HTTP_URL[$p]:-}" ]; then
			log "warm-up http $p (${WARMUP}s)"
			taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "${HTTP_URL[$p]}" >/dev/null
		fi
		has_tls "$p" || continue
		for t in $TESTS; do
			case $t in
			tls-ecdsa | tls-rsa)
				log "warm-up $t $p (${WARMUP}s)"
				taskset -c "$LOAD_CPU" "$TMP/bin/tlsbench" load -addr "${TLS_ADDR[$p,${t#tls-}]}" -conns "$TLS_CONNS" \
					-duration "${WARMUP}s" >/dev/null 2>&1 || true
				;;
			https)
				log "warm-up https $p (${WARMUP}s)"
				taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "https://${TLS_ADDR[$p,ecdsa]}/" >/dev/null
				;;
			esac
		done
	done
fi

for r in $(seq "$ROUNDS"); do
	for t in $TESTS; do
		for p in $PROXIES; do
			case $t in
			http) if [ -n "${HTTP_URL[$p]:-}" ]; then run_http "$p" "$r"; fi ;;
			tcp) if [ -n "${TCP_ADDR[$p]:-}" ]; then run_tcp "$p" "$r"; fi ;;
			tls-ecdsa | tls-rsa) if has_tls "$p"; then run_handshakes "$t" "$p" "$r"; fi ;;
			https) if has_tls "$p"; then run_https "$p" "$r"; fi ;;
			esac
		done
	done
done

# Profiles (PERF=1): one more, unmeasured, handshake run per proxy and
# certificate under `perf record`, after the rounds so that sampling does not
# disturb the measurements; the top of `perf report` goes beside the report.
PERF_TXT=$TMP/perf.txt
: >"$PERF_TXT"
# perf_kinds: `perf report --sort dso,symbol` lines on stdin, summed by kind
# of work (Go symbols by package; OpenSSL's libcrypto has no symbols).
perf_kinds() {
	awk '{
		pct = $1; sub(/%/, "", pct); dso = $2; sym = $0
		if (sym ~ /\[k\]/) k = "kernel"
		else if (dso !~ /^(elbd|tlsbench)$/) k = dso
		else if (sym ~ /bigmod/) k = "Go RSA (crypto/internal/fips140/bigmod)"
		else if (sym ~ /edwards25519|x25519/) k = "Go X25519"
		else if (sym ~ /nistec|p256/) k = "Go P-256 (ECDSA, ECDH)"
		else if (sym ~ /sha256|sha512|hmac|aes|gcm|ghash|drbg/) k = "Go hashes, HMAC, AES-GCM"
		else if (sym ~ /crypto\/tls/) k = "Go crypto/tls (handshake logic, records)"
		else if (sym ~ /crypto\//) k = "Go crypto, other"
		else if (sym ~ /runtime\.|internal\/runtime|gcWriteBarrier|memmove|memclr/) k = "Go runtime (allocation, GC, scheduler)"
		else if (sym ~ /github\.com\/elbd/) k = "elbd (proxy)"
		else k = "Go, other (net, syscall, io, ...)"
		sum[k] += pct
	} END { for (k in sum) printf "%6.1f%%  %s\n", sum[k], k }' | sort -rn
}
if [ "$PERF" = 1 ] && [ "$TLS" = 1 ]; then
	command -v perf >/dev/null 2>&1 || die "PERF=1 needs perf (apt-get install linux-perf)"
	for t in $TESTS; do
		case $t in tls-ecdsa | tls-rsa) ;; *) continue ;; esac
		for p in $PROXIES; do
			has_tls "$p" || continue
			pids=$(echo "${PID[$p]}" $(children "${PID[$p]}") | tr ' ' ',')
			log "perf: $t $p (${DURATION}s)"
			taskset -c "$LOAD_CPU" "$TMP/bin/tlsbench" load -addr "${TLS_ADDR[$p,${t#tls-}]}" -conns "$TLS_CONNS" \
				-duration "$((DURATION + 2))s" ${TLS_CURVES:+-curves "$TLS_CURVES"} >/dev/null 2>&1 &
			loadpid=$!
			sleep 1
			perf record -q -F 499 -p "$pids" -o "$TMP/perf-$t-$p.data" -- sleep "$DURATION" >/dev/null 2>&1 || true
			wait "$loadpid" || true
			perf report -i "$TMP/perf-$t-$p.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
				grep -E '^ +[0-9.]+%' >"$TMP/perf-$t-$p.txt" || true
			{
				echo "=== $t $p: CPU samples by kind (perf record -F 499, ${DURATION}s)"
				perf_kinds <"$TMP/perf-$t-$p.txt"
				echo "=== $t $p: top symbols"
				head -25 "$TMP/perf-$t-$p.txt"
				echo
			} >>"$PERF_TXT"
		done
	done
	# The public-key operations of a server's full handshake, alone, on
	# the proxies' core: Go's crypto against OpenSSL's.
	log "perf: Go and OpenSSL public-key operations on CPU $PROXY_CPU"
	{
		echo "=== public-key operations on CPU $PROXY_CPU: Go (tlsbench micro)"
		taskset -c "$PROXY_CPU" "$TMP/bin/tlsbench" micro 2>&1 || true
		echo "=== the same in OpenSSL $(openssl version 2>/dev/null | awk '{print $2}') (openssl speed; its ecdh figures are the shared secret only, without key generation)"
		taskset -c "$PROXY_CPU" openssl speed -seconds 2 rsa2048 ecdsap256 ecdhp256 ecdhx25519 2>/dev/null | grep -E '^ *(rsa|[0-9]+ bits|sign|op)' || true
		echo
	} >>"$PERF_TXT"
fi

# haproxy's own count of TLS sessions: with tune.ssl.cachesize 0 and
# no-tls-tickets nothing is reused (SslFrontendSessionReuse_pct).
if [ "$TLS" = 1 ] && [ -n "${PID[haproxy]:-}" ] && command -v python3 >/dev/null 2>&1; then
	hapinfo=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"show info\n")
print(b"".join(iter(lambda: s.recv(65536), b"")).decode())' "$TMP/hap/stats.sock" 2>/dev/null |
		grep -E '^(SslFrontendSessionReuse_pct|CumSslConns|SslFrontendMaxKeyRate):' | tr '\n' ' ' || true)
	[ -z "$hapinfo" ] || echo "haproxy_ssl_info=$hapinfo" >>"$TMP/tls-info.txt"
fi

# --- report ------------------------------------------------------------------
ver() { "$@" 2>&1 | head -1 || true; }
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "nproc=$(nproc)"
	echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "kernel=$(uname -sr)"
	echo "go=$(go version | awk '{print $3}')"
	echo "haproxy=$(ver haproxy -v | awk '{print $3}')"
	echo "nginx=$(ver nginx -v | sed 's/^.*nginx\///')"
	echo "wrk=$(ver wrk -v | awk '{print $2}')"
	echo "elbd=$ELBD_REV"
	echo "command=$CMDLINE"
	echo "settings=$ROUNDS interleaved rounds of {$PROXIES} x {$TESTS}, ${WARMUP}s warm-up; wrk -t$THREADS -c$CONNS -d${DURATION}s --latency; proxy on CPU $PROXY_CPU, wrk + back ends + tcpbench + tlsbench on CPU $LOAD_CPU; TCP: $TCP_CONNS connections, $TCP_BYTES bytes per run; TLS handshakes: $TLS_CONNS tlsbench workers, client groups ${TLS_CURVES:-Go default}; EXTRA_HEADERS=$EXTRA_HEADERS; haproxy tune.pipesize ${HAPROXY_PIPESIZE:-default}"
	echo "openssl=$(openssl version 2>/dev/null | awk '{print $2}')"
	for n in "${TLS_NOTES[@]}"; do echo "tls_note=$n"; done
	[ ! -s "$TMP/tls-info.txt" ] || cat "$TMP/tls-info.txt"
	echo "nginx_stream=$NGINX_STREAM"
	echo "elbd_log_warnings=$(grep -cE 'level=(WARN|ERROR)' "$TMP/elbd.log" 2>/dev/null || true)"
} >"$TMP/info.txt"

mkdir -p "$(dirname "$OUT")"
"$TMP/bin/benchreport" -info "$TMP/info.txt" -http "$HTTP_TSV" -tcp "$TCP_TSV" -tls "$TLS_TSV" >"$OUT"
# Keep the raw measurements beside the report, to recompute it:
#   go run ./bench/cmd/benchreport -info X.info -http X-http.tsv -tcp X-tcp.tsv -tls X-tls.tsv
cp "$TMP/info.txt" "${OUT%.md}.info"
cp "$HTTP_TSV" "${OUT%.md}-http.tsv"
cp "$TCP_TSV" "${OUT%.md}-tcp.tsv"
cp "$TLS_TSV" "${OUT%.md}-tls.tsv"
if [ -s "$PERF_TXT" ]; then cp "$PERF_TXT" "${OUT%.md}-perf.txt"; fi
if [ -s "$TMP/elbd.log" ] && grep -qE 'level=(WARN|ERROR)' "$TMP/elbd.log"; then
	{
		echo
		echo "### elbd warnings and errors (first 20)"
		echo
		echo '```'
		grep -E 'level=(WARN|ERROR)' "$TMP/elbd.log" | head -20
		echo '```'
	} >>"$OUT"
fi
cat "$OUT"
log "report written to $OUT"
