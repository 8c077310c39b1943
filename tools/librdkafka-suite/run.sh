#!/usr/bin/env bash
# Runs librdkafka's own integration tests (its tests/ folder) against Fjord brokers started here, one test number at
# a time with a timeout, and prints one line per test: result, seconds, reason. See README.md beside this file.
#
#   LIBRDKAFKA_SRC=/path/to/librdkafka tools/librdkafka-suite/run.sh            # transaction tests, then the rest
#   LIBRDKAFKA_SRC=... TESTS="0103 0129" NODES=3 tools/librdkafka-suite/run.sh  # chosen tests on a chosen cluster
set -euo pipefail

: "${LIBRDKAFKA_SRC:?set LIBRDKAFKA_SRC to a librdkafka checkout}"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/fjord-librdkafka-suite}
TEST_TIMEOUT=${TEST_TIMEOUT:-1500}             # seconds per test number (0113 alone runs ~10 min here), on top of the runner's own timeouts
# What Fjord's ApiVersions answers match. Given in the environment: the runner's `-V` crashes it at exit (it frees
# its argv string), losing the summary.
TEST_KAFKA_VERSION=${TEST_KAFKA_VERSION:-4.0.0}
TIMEOUT_MULTIPLIER=${TIMEOUT_MULTIPLIER:-2}     # librdkafka's test.timeout.multiplier, for a shared machine
PORT_PREFIX=${PORT_PREFIX:-29}                  # node N: kafka ${PORT_PREFIX}N92, rpc ${PORT_PREFIX}N93, http ${PORT_PREFIX}(6+N)44
BROKER_DLL=$REPO/src/Fjord.Broker/bin/Release/net10.0/fjord-broker.dll
RESULTS=$WORK/results.tsv

# The four lists; each may be replaced from the environment. Tests that use transactions or the idempotent producer
# run on three nodes (replication factor 3, as in librdkafka's default scenario), and so does fetch-from-follower
# (KIP-392: node N is in rack RACKN, as trivup sets them up); everything else on one node; the tests of the
# `noautocreate` scenario on three nodes that do not auto-create topics (they create theirs with replication factor
# 3). Local-only tests (the mock cluster's) are excluded by `-L`.
TXN_TESTS=${TXN_TESTS:-"0103 0098 0129 0137 0061 0090 0094 0086 0076 0008 0052 0101"}
OTHER_TESTS=${OTHER_TESTS:-"0001 0002 0003 0005 0007 0011 0012 0013 0014 0015 0016 0017 0018 0019 0020 0021 0022 0026 0028 0029 0030
0031 0033 0034 0035 0036 0038 0039 0040 0041 0042 0044 0045 0047 0048 0049 0050 0051 0053 0054 0055 0056 0057 0059
0060 0063 0064 0065 0067 0068 0069 0070 0073 0075 0077 0082 0083 0084 0085 0088 0089 0091 0092 0093 0097 0099
0102 0107 0109 0110 0111 0112 0113 0114 0115 0118 0119 0122 0123 0125 0126 0127 0130 0132 0135 0139 0140 0142
0150 0170 0171 0172 0173 0174 0175 0176 0177 0178 0179 0180 0181 0184 0185"}
NOAUTOCREATE_TESTS=${NOAUTOCREATE_TESTS:-"0045 0107 0111"}
# The Admin API test creates, lists and deletes ACLs: it needs an authorizer (librdkafka's CI clusters run one too);
# everyone may do what no ACL names, as with a PLAINTEXT listener's default.
AUTHORIZER_TESTS=${AUTHORIZER_TESTS:-"0081"}

# Not run: what they need is not here (the reason is printed in the table instead of a result). A test that fails
# because it runs Kafka's own command-line tools (KAFKA_PATH) is reported N/A by summarize.py.
declare -A NOT_APPLICABLE=(
  [0098]="needs Java's TransactionProducerCli with Kafka's jars (KAFKA_PATH)"
  [0097]="needs an SSL listener and trivup's certificates"
  [0126]="needs an OAUTHBEARER/OIDC token endpoint (trivup)"
  [0135]="needs a SASL listener"
  [0142]="needs a SASL listener (KIP-368 re-authentication)"
)

log() { printf '%s\n' "$*" >&2; }

build_test_runner() {
  local src=$WORK/librdkafka
  if [[ -x $src/tests/test-runner ]]; then return; fi
  log "copying $LIBRDKAFKA_SRC to $src and building librdkafka and its test-runner (make -j2; minutes)"
  rm -rf "$src" && mkdir -p "$src"
  if git -C "$LIBRDKAFKA_SRC" rev-parse >/dev/null 2>&1; then
    git -C "$LIBRDKAFKA_SRC" archive HEAD | tar -x -C "$src"
  else
    cp -a "$LIBRDKAFKA_SRC"/. "$src"
  fi
  (cd "$src" && ./configure --disable-curl >"$WORK/configure.log" 2>&1 \
    && make -j2 libs >"$WORK/make.log" 2>&1 && make -C tests -j2 build >"$WORK/make-tests.log" 2>&1) \
    || { log "build failed: see $WORK/*.log"; exit 1; }
}

node_pids=()
stop_nodes() {
  local pid
  for pid in "${node_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}"; do
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  node_pids=()
}
trap stop_nodes EXIT
trap 'exit 130' INT TERM

# Starts `$1` fresh nodes set up as librdkafka's scenario `$2` (4 partitions, replication factor up to 3; topic
# auto-creation off in `noautocreate`; `default+acls` is `default` with an authorizer) and sets BOOTSTRAP once every
# node answers /readyz.
start_nodes() {
  local count=$1 scenario=$2 voters="" bootstrap="" n auto_create=true
  local -a extra=()
  [[ $scenario == noautocreate ]] && auto_create=false
  ((count == 3)) && extra+=(--set replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector)
  [[ $scenario == *+acls ]] && extra+=(--set authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
    --set allow.everyone.if.no.acl.found=true --set super.users=User:ANONYMOUS)
  for ((n = 0; n < count; n++)); do
    voters+="${voters:+,}$n@127.0.0.1:${PORT_PREFIX}${n}93"
    bootstrap+="${bootstrap:+,}127.0.0.1:${PORT_PREFIX}${n}92"
  done
  rm -rf "$WORK/data" && mkdir -p "$WORK/data" "$WORK/logs"
  for ((n = 0; n < count; n++)); do
    dotnet "$BROKER_DLL" --node-id "$n" --data-dir "$WORK/data/node-$n" \
      --kafka-listen "127.0.0.1:${PORT_PREFIX}${n}92" --rpc-listen "127.0.0.1:${PORT_PREFIX}${n}93" \
      --http-listen "127.0.0.1:${PORT_PREFIX}$((6 + n))44" --voters "$voters" \
      --set num.partitions=4 --set "default.replication.factor=$((count < 3 ? count : 3))" \
      --set "auto.create.topics.enable=$auto_create" "${extra[@]}" $( ((count == 3)) && echo --rack "RACK$n") \
      >"$WORK/logs/node-$n-of-$count-$scenario.log" 2>&1 &
    node_pids+=($!)
  done
  for ((n = 0; n < count; n++)); do
    local deadline=$((SECONDS + 120))
    until curl -sf -o /dev/null "http://127.0.0.1:${PORT_PREFIX}$((6 + n))44/readyz"; do
      if ((SECONDS > deadline)); then log "node $n not ready after 120 s: see $WORK/logs"; exit 1; fi
      sleep 1
    done
  done
  BOOTSTRAP=$bootstrap
}

# Runs one test number; appends "number<TAB>name<TAB>result<TAB>seconds<TAB>reason" lines (one per sub-test entry
# of librdkafka's summary) to $RESULTS.
run_test() {
  local number=$1 nodes=$2 scenario=$3 out=$WORK/logs/$1-$3.log status=0 setting=$2
  [[ $scenario == default ]] || setting+=" $scenario"
  if [[ -n ${NOT_APPLICABLE[$number]:-} ]]; then
    printf '%s\t%s\tN/A\t-\t%s\t%s\n' "$number" "$number" "${NOT_APPLICABLE[$number]}" "$setting" >>"$RESULTS"
    return
  fi
  (cd "$WORK/librdkafka/tests" && TESTS=$number TEST_KAFKA_VERSION=$TEST_KAFKA_VERSION \
    RDKAFKA_TEST_CONF=$WORK/test.conf LD_LIBRARY_PATH=../src:../src-cpp \
    timeout --kill-after=10 "$TEST_TIMEOUT" stdbuf -oL ./test-runner -L -s "${scenario%+*}") >"$out" 2>&1 || status=$?
  sed -i 's/\x1b\[[0-9;]*m//g' "$out"
  python3 "$REPO/tools/librdkafka-suite/summarize.py" "$number" "$setting" "$status" "$out" >>"$RESULTS"
}

main() {
  mkdir -p "$WORK"
  build_test_runner
  [[ -n ${SKIP_BUILD:-} ]] || dotnet build "$REPO/src/Fjord.Broker" -c Release --nologo -v q
  : >"$RESULTS"
  local phases
  if [[ -n ${TESTS:-} ]]; then
    phases=("${NODES:-1}:${SCENARIO:-default}:$TESTS")
  else
    phases=("3:default:$TXN_TESTS" "1:default:${OTHER_TESTS//$'\n'/ }" "3:noautocreate:$NOAUTOCREATE_TESTS"
      "1:default+acls:$AUTHORIZER_TESTS")
  fi
  local phase nodes scenario list number
  for phase in "${phases[@]}"; do
    IFS=: read -r nodes scenario list <<<"$phase"
    start_nodes "$nodes" "$scenario"
    printf 'bootstrap.servers=%s\ntest.timeout.multiplier=%s\n' "$BOOTSTRAP" "$TIMEOUT_MULTIPLIER" >"$WORK/test.conf"
    for number in $list; do
      log "$(date -u +%T) $number on $nodes node(s), $scenario"
      local before; before=$(wc -l <"$RESULTS")
      run_test "$number" "$nodes" "$scenario"
      tail -n "+$((before + 1))" "$RESULTS" | awk -F'\t' '{ printf "  %-45s %-8s %s\n", $2, $3, $5 }' >&2
    done
    stop_nodes
  done
  printf '%-45s %-16s %-8s %8s  %s\n' test nodes result seconds reason
  awk -F'\t' '{ printf "%-45s %-16s %-8s %8s  %s\n", $2, $6, $3, $4, $5 }' "$RESULTS"
  awk -F'\t' '{ count[$3]++ } END { for (r in count) printf "%s %d  ", r, count[r]; print "" }' "$RESULTS"
}

main "$@"
