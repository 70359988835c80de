#!/usr/bin/env bash
# The docker-compose.yml topology as local processes, no Docker needed:
# redis-server, N rpsio nodes sharing it and one token secret, and nginx with
# the repository's own templates (deploy/nginx) in front, on 127.0.0.1.
#
#   deploy/local-cluster.sh [--nodes N] [--port P] [--path PATH] [--tls [--http-port H]] [-- RPSIO_FLAGS...]
#
#   --nodes N      rpsio nodes (default 2)
#   --port P       nginx listens on 127.0.0.1:P (default 8080)
#   --path PATH    Socket.IO path of the nodes and nginx (default /socket.io/;
#                  the original design's layout is /applet/ws/socket.io/)
#   --tls          HTTPS on P with a throwaway self-signed certificate
#                  (deploy/nginx/templates-tls), and a listener redirecting
#                  HTTP to it on H (default: a free port)
#   -- FLAGS       passed to every rpsio node (e.g. -- --round-duration 3s)
#
# RPSIO_BIN: use this binary instead of building one (deploy/build.sh).
# RPSIO_TOKEN_SECRET: the nodes' shared secret (default: random for this run).
# Other RPSIO_* variables reach the nodes as usual.
#
# Prints its temporary directory ("dir DIR"), one line per process ("redis PID
# URL", "node I PID URL", "nginx PID"), then "ready URL" once everything
# serves, and runs until Ctrl-C or SIGTERM: then it stops every process it
# started and removes its temporary files.
# If nginx dies, it stops too; a node may die (or be killed) and nginx
# routes around it.
set -euo pipefail

nodes=2 port=8080 path=/socket.io/ tls=0 http_port="" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="${2:?}"; shift 2 ;;
    --port) port="${2:?}"; shift 2 ;;
    --path) path="${2:?}"; shift 2 ;;
    --tls) tls=1; shift ;;
    --http-port) http_port="${2:?}"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "local-cluster.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 32 ] || { echo "--nodes: 1 to 32" >&2; exit 2; }
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || { echo "--port: a TCP port" >&2; exit 2; }
[[ "$path" == /* ]] || path="/$path"
[[ "$path" == */ ]] || path="$path/"
for cmd in redis-server nginx envsubst; do
  command -v "$cmd" >/dev/null || { echo "local-cluster.sh: $cmd not found (.ci/run installs it)" >&2; exit 1; }
done

repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/rpsio-cluster.XXXXXX")"
pids=() # every process started, in start order

cleanup() {
  local code=$? pid i deadline
  trap - EXIT INT TERM
  # Front to back: nginx, the nodes (they drain), then Redis.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  deadline=$((SECONDS + 15))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "dir $tmp"

die() {
  echo "local-cluster.sh: $*" >&2
  for f in "$tmp"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}

# port_open HOST PORT: something accepts connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# free_port: a port nothing listens on now (the caller retries if it is
# taken before it binds).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    port_open 127.0.0.1 "$p" || { echo "$p"; return; }
  done
}

# http_status HOST PORT PATH: the status code of a plain HTTP GET.
http_status() {
  local line=""
  exec 3<>"/dev/tcp/$1/$2" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n' "$3" "$1" "$2" >&3
  IFS= read -r -t 2 line <&3 || true
  exec 3>&-
  line="${line#* }"
  echo "${line%% *}"
}

# wait_until SECONDS PID COMMAND...: poll COMMAND until it succeeds; fail if
# PID exits or time runs out.
wait_until() {
  local limit=$((SECONDS + $1)) pid=$2
  shift 2
  until "$@" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ $SECONDS -lt $limit ] || return 1
    sleep 0.05
  done
}

ready_status() { [ "$(http_status "$1" "$2" "$3")" = "200" ]; }
# tls_ready: the redirect listener redirects and the TLS port accepts
# connections (bash cannot speak TLS; the test suite checks the rest).
tls_ready() { [ "$(http_status 127.0.0.1 "$http_port" /readyz)" = "301" ] && port_open 127.0.0.1 "$port"; }

# --- build ---------------------------------------------------------------
bin="${RPSIO_BIN:-}"
if [ -z "$bin" ]; then
  bin="$tmp/rpsio"
  "$repo/deploy/build.sh" "$bin" || die "build failed"
fi
[ -x "$bin" ] || die "no rpsio binary at $bin"

# --- redis ---------------------------------------------------------------
for try in 1 2 3 4 5; do
  rport=$(free_port)
  redis-server --bind 127.0.0.1 --port "$rport" --save "" --appendonly no \
    --dir "$tmp" --daemonize no --logfile "$tmp/redis.log" &
  rpid=$!
  if wait_until 10 "$rpid" port_open 127.0.0.1 "$rport"; then break; fi
  kill "$rpid" 2>/dev/null || true; wait "$rpid" 2>/dev/null || true
  rpid=""
done
[ -n "$rpid" ] || die "redis-server did not start"
pids+=("$rpid")
redis_url="redis://127.0.0.1:$rport/0"
echo "redis $rpid $redis_url"

# --- rpsio nodes ---------------------------------------------------------
secret="${RPSIO_TOKEN_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
upstreams=""
for ((i = 1; i <= nodes; i++)); do
  npid=""
  for try in 1 2 3 4 5; do
    nport=$(free_port)
    # Redis through the environment: accepted whether or not this binary
    # has the Redis adapter's --redis-url yet.
    RPSIO_REDIS_URL="$redis_url" RPSIO_TOKEN_SECRET="$secret" RPSIO_PATH="$path" \
      "$bin" --addr "127.0.0.1:$nport" "${extra[@]}" >"$tmp/node$i.log" 2>&1 &
    npid=$!
    if wait_until 20 "$npid" ready_status 127.0.0.1 "$nport" /readyz; then break; fi
    kill "$npid" 2>/dev/null || true; wait "$npid" 2>/dev/null || true
    npid=""
  done
  [ -n "$npid" ] || die "rpsio node $i did not become ready"
  pids+=("$npid")
  upstreams+="server 127.0.0.1:$nport max_fails=1 fail_timeout=2s; "
  echo "node $i $npid http://127.0.0.1:$nport"
done

# --- nginx ---------------------------------------------------------------
export RPSIO_UPSTREAM_SERVERS="$upstreams" RPSIO_SOCKETIO_PATH="$path" \
  NGINX_SERVER_NAME=_ NGINX_METRICS_ALLOW=127.0.0.0/8
if [ "$tls" = 1 ]; then
  command -v openssl >/dev/null || die "openssl not found (.ci/run installs it)"
  [ -n "$http_port" ] || http_port=$(free_port)
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"
  export NGINX_HTTP_LISTEN="127.0.0.1:$http_port" NGINX_HTTPS_LISTEN="127.0.0.1:$port" \
    NGINX_HTTPS_PORT_SUFFIX=":$port" NGINX_SSL_CERTIFICATE="$tmp/cert.pem" NGINX_SSL_CERTIFICATE_KEY="$tmp/key.pem"
  [ "$port" = 443 ] && NGINX_HTTPS_PORT_SUFFIX=""
  "$repo/deploy/nginx/render.sh" "$repo/deploy/nginx/templates-tls" "$tmp/nginx" || die "rendering the nginx templates failed"
  url="https://127.0.0.1:$port"
else
  export NGINX_LISTEN="127.0.0.1:$port"
  "$repo/deploy/nginx/render.sh" "$repo/deploy/nginx/templates" "$tmp/nginx" || die "rendering the nginx templates failed"
  url="http://127.0.0.1:$port"
fi
port_open 127.0.0.1 "$port" && die "127.0.0.1:$port is taken"
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx.log" -g 'daemon off;' &
xpid=$!
pids+=("$xpid")
if [ "$tls" = 1 ]; then
  wait_until 10 "$xpid" tls_ready || die "nginx did not start"
  echo "nginx $xpid"
  echo "redirect http://127.0.0.1:$http_port"
  echo "cert $tmp/cert.pem"
else
  wait_until 10 "$xpid" ready_status 127.0.0.1 "$port" /readyz || die "nginx did not start"
  echo "nginx $xpid"
fi
echo "ready $url"

# Until a signal, or until nginx exits.
wait "$xpid" || true
die "nginx exited"
