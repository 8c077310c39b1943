#!/usr/bin/env bash
# make bench: installs the peers (redis-server, nats-server) from Debian, builds Release, and runs
# `fjord-bench run` (tools/Fjord.Bench), which measures physical limits, Fjord, Redis Streams and NATS JetStream side
# by side and rewrites docs/benchmarks.md. Not part of make test. BENCH_ARGS adds options
# (e.g. BENCH_ARGS=--quick for a shorter, clearly labelled run).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing ${need[*]} (apt)"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  # The Debian package starts a system redis on 6379; the benchmark starts its own on a free port.
  $SUDO service redis-server stop >/dev/null 2>&1 || true
fi
dotnet build src/Fjord.Broker -c Release --nologo -clp:NoSummary -v q
dotnet build tools/Fjord.Bench -c Release --nologo -clp:NoSummary -v q
exec dotnet tools/Fjord.Bench/bin/Release/net10.0/fjord-bench.dll run \
  --broker-dll src/Fjord.Broker/bin/Release/net10.0/fjord-broker.dll --out docs/benchmarks.md ${BENCH_ARGS:-}
