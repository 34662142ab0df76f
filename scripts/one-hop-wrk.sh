#!/usr/bin/env bash
# First one-hop measurement: wrk against nginx directly and through one Weft proxy hop, in one run.
# nginx (1 worker) serves a 1 KiB body; the proxy runs with one event loop. Loopback only.
# Usage: scripts/one-hop-wrk.sh [duration=10s] [connections=16]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration=${1:-10s}
conns=${2:-16}
for tool in nginx wrk; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "needs $tool (apt-get install nginx-light wrk)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
up=$(free_port); px=$(free_port); adm=$(free_port)
head -c 1024 /dev/zero | tr '\0' 'x' > "$work/1k"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$up; location / { root $work; try_files /1k =404; } }
}
CONF
$(command -v nginx || echo /usr/sbin/nginx) -c "$work/nginx.conf" -p "$work"

cat > "$work/bootstrap.yaml" <<YAML
admin: {address: {socket_address: {address: 127.0.0.1, port_value: $adm}}}
static_resources:
  listeners:
  - name: bench
    address: {socket_address: {address: 127.0.0.1, port_value: $px}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench
          route_config:
            virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: nginx}}]}]
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: nginx
    connect_timeout: 1s
    load_assignment:
      cluster_name: nginx
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: $up}}}}]}]
YAML
"$here/weft" proxy --config "$work/bootstrap.yaml" --concurrency 1 > "$work/proxy.log" 2>&1 &
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$adm/ready" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$px/" -o /dev/null || { echo "proxy did not come up:"; cat "$work/proxy.log"; exit 1; }

# warm up the JIT, then measure each target in the same run
wrk -t1 -c"$conns" -d5s "http://127.0.0.1:$px/" >/dev/null
run() { wrk -t2 -c"$conns" -d"$duration" --latency "$1" | awk -v name="$2" '
  /Requests\/sec/ {rps=$2}
  /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
  END {printf "%-22s %12s %10s %10s\n", name, rps, p50, p99}'; }
printf "%-22s %12s %10s %10s\n" "target" "requests/s" "p50" "p99"
run "http://127.0.0.1:$up/" "nginx direct"
run "http://127.0.0.1:$px/" "weft (1 hop, 1 loop)"
echo "($conns connections, $duration each, wrk -t2; $(nproc) cores; $(grep -o "weft proxy ready.*):" "$work/proxy.log"))"
