#!/usr/bin/env bash
# The end-to-end benchmark of the performance issue: Weft's proxy (one hop, two hops, two hops with
# mTLS) beside nginx and HAProxy on loopback, every figure against the upstream directly and each peer
# in the same run: HTTP/1.1, HTTP/2, SSE and gRPC. Prints the tables and rewrites the generated region
# of docs/benchmarks.md and its plots (docs/benchmarks/*.png).
# Usage: scripts/bench.sh [--quick] [--soak 10m|0] [--no-docs]
#   full mode: about 40 minutes, a 10-minute soak included; --quick: about 8 minutes, no soak.
# Needs: a JDK 17+, Maven (first run), nginx, haproxy, wrk, h2load (nghttp2-client), taskset (util-linux).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

missing=()
for tool in /usr/sbin/nginx /usr/sbin/haproxy wrk h2load taskset; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: missing ${missing[*]} (apt-get install nginx-light haproxy wrk nghttp2-client util-linux)" >&2
  exit 1
fi

bench_jar=weft-bench/target/weft-bench.jar
# A jar older than any source or pom would measure yesterday's code (or lack today's phases): rebuild.
stale() {
  [ ! -f "$1" ] || [ -n "$(find . \( -path './*/src/main/*' -o -name pom.xml \) -newer "$1" -print -quit 2>/dev/null)" ]
}
if stale weft-cli/target/weft.jar || stale "$bench_jar"; then
  echo "bench: building weft-cli and weft-bench (mvn package -DskipTests) ..." >&2
  mvn -q -B -pl weft-cli,weft-bench -am package -DskipTests -Dmaven.test.skip=true >&2
fi
# The launcher rebuilds the distribution when its sources changed; let it do so now, not while a
# proxy is being started under a timeout.
./weft --help >/dev/null

java_bin=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java_bin="$JAVA_HOME/bin/java"
pin=()
# The load generator and the upstream on core 0, the proxies on core 1 (Fleet pins those).
[ "$(nproc --all)" -ge 2 ] && pin=(taskset -c 0)
# A large young generation: the generator rarely collects, so its own pauses seldom show as latency.
exec "${pin[@]}" "$java_bin" -XX:+UseParallelGC -Xms1g -Xmx1g -Xmn768m -XX:+AlwaysPreTouch -jar "$bench_jar" peers --repo "$here" "$@"
