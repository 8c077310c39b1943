#!/usr/bin/env bash
# Installs the non-.NET clients the integration tests drive: kafka-python 2.0.2, confluent-kafka-python (Debian's, on
# librdkafka 2.0) and kcat (librdkafka), kafkajs 2.2.4
# (npm, into tests/kafkajs, when node is there: without node the kafkajs tests report themselves skipped), plus the
# chaos run's tools: iproute2 (`ip netns`, network partitions) and procps (`kill`, `ps`).
# Idempotent: does nothing when they are already there.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if command -v node >/dev/null 2>&1 && ! grep -qs '"version": "2.2.4"' "$repo/tests/kafkajs/node_modules/kafkajs/package.json"; then
  command -v npm >/dev/null 2>&1 || { echo "install-deps: node is installed but npm is not (needed for kafkajs)" >&2; exit 1; }
  echo "installing kafkajs 2.2.4 (npm) into tests/kafkajs"
  (cd "$repo/tests/kafkajs" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
need=()
/usr/bin/python3 -c 'import kafka' 2>/dev/null || need+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || need+=(python3-confluent-kafka)
command -v kcat >/dev/null 2>&1 || need+=(kcat)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v ps >/dev/null 2>&1 || need+=(procps)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing ${need[*]} (apt)"
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
