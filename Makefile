# Fjord — the two commands are `make run` and `make test`; the rest are for developers.
DOTNET        ?= dotnet
CONFIG        ?= Release
DATA_DIR      ?= ./data
KAFKA_SPECS   ?= ../shared/kafka-protocol/messages
BROKER_DLL     = src/Fjord.Broker/bin/$(CONFIG)/net10.0/fjord-broker.dll

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

.PHONY: run build test deps lint protocol clean bench-storage bench-protocol

## run: build Release and start one node on 127.0.0.1:9092 with data in ./data (Ctrl-C stops it cleanly)
run: build
	$(DOTNET) $(BROKER_DLL) --node-id 0 --data-dir $(DATA_DIR)

## build: compile everything
build:
	$(DOTNET) build Cluster.sln -c $(CONFIG) --nologo -clp:NoSummary -v q

## deps: install the Debian packages the tests drive (kafka-python, kcat), kafkajs into tests/kafkajs (npm, when node is there) and pinned kubectl/helm into .tools/bin; idempotent and quiet
deps:
	@bash .ci/install-deps.sh
	@bash .ci/install-kube-tools.sh

## test: install what tests need, build, run every test project, print `N passed, N failed`
test: deps build
	@CONFIG=$(CONFIG) bash .ci/run-tests.sh

## lint: fail when formatting differs from .editorconfig
lint:
	$(DOTNET) format Cluster.sln --verify-no-changes

## protocol: regenerate src/Fjord.Protocol/Generated from Kafka's JSON message specs, plus the in-repo version overlay
## (versions Kafka added without a schema change, e.g. Produce v12: src/Fjord.Protocol.Generator/version-overlay.json)
protocol:
	$(DOTNET) run --project src/Fjord.Protocol.Generator -c $(CONFIG) -- $(KAFKA_SPECS) src/Fjord.Protocol/Generated src/Fjord.Protocol.Generator/version-overlay.json

## bench-storage: log append/read throughput against plain RandomAccess I/O (BenchmarkDotNet, short job)
bench-storage:
	$(DOTNET) run -c Release --project tests/Fjord.Benchmarks -- --filter '*LogAppendReadBenchmarks*' --job short

## bench-protocol: decode/encode of 1 MiB Produce requests and Fetch responses
bench-protocol:
	$(DOTNET) run -c Release --project tests/Fjord.Benchmarks -- --filter '*ProtocolCodec*' --job short --inProcess

clean:
	$(DOTNET) clean Cluster.sln -c $(CONFIG) --nologo -v q

## sim: run raft simulator seeds START..START+SEEDS-1; ends with `N passed, N failed`
.PHONY: sim soak
SEEDS ?= 1000
START ?= 0
RAFT_TESTS = tests/Fjord.Raft.Tests
RAFT_TESTS_DLL = $(RAFT_TESTS)/bin/$(CONFIG)/net10.0/Fjord.Raft.Tests.dll
sim:
	@$(DOTNET) build $(RAFT_TESTS) -c $(CONFIG) --nologo -clp:NoSummary -v q
	@$(DOTNET) $(RAFT_TESTS_DLL) sim --seeds $(SEEDS) --start $(START)

## soak: 100,000 Raft simulator seeds, then 100,000 seeds of the replication simulation (make test runs 1,000)
soak:
	@$(DOTNET) build $(RAFT_TESTS) -c $(CONFIG) --nologo -clp:NoSummary -v q
	@$(DOTNET) $(RAFT_TESTS_DLL) sim --seeds 100000 --start $(START)
	@FJORD_REPLICATION_SIM_START=$(START) FJORD_REPLICATION_SIM_SEEDS=100000 $(DOTNET) test tests/Fjord.Replication.Tests -c $(CONFIG) --nologo \
	  --filter FullyQualifiedName~Simulation_OverEverySeed --logger "console;verbosity=normal"

## bench: Fjord vs Redis Streams vs NATS JetStream vs the physical limits, side by side; rewrites docs/benchmarks.md (< 20 min; not part of test)
.PHONY: bench cli
bench:
	@bash bench/run.sh

## install-cli: pack the `fjord` command line as a .NET tool, install it under $(CLI_PREFIX)/lib/fjord-cli and link
##              $(CLI_PREFIX)/bin/fjord (default /usr/local, on the PATH); run again to upgrade; uninstall-cli removes it
CLI_PREFIX   ?= /usr/local
CLI_PACKAGES  = .tools/cli-packages
CLI_VERSION  ?= 0.1.0-local
.PHONY: install-cli uninstall-cli
install-cli:
	$(DOTNET) pack src/Fjord.Cli -c $(CONFIG) -o $(CLI_PACKAGES) -p:PackageVersion=$(CLI_VERSION) --nologo -clp:NoSummary -v q
	rm -rf $(CLI_PREFIX)/lib/fjord-cli
	$(DOTNET) tool install Fjord.Cli --tool-path $(CLI_PREFIX)/lib/fjord-cli --add-source $(CLI_PACKAGES) --version $(CLI_VERSION) --ignore-failed-sources
	mkdir -p $(CLI_PREFIX)/bin && ln -sf $(CLI_PREFIX)/lib/fjord-cli/fjord $(CLI_PREFIX)/bin/fjord
	@echo "installed: $$(command -v fjord || echo $(CLI_PREFIX)/bin/fjord)"

uninstall-cli:
	rm -rf $(CLI_PREFIX)/lib/fjord-cli $(CLI_PREFIX)/bin/fjord

## cli: build the `fjord` command line (run it as `dotnet src/Fjord.Cli/bin/$(CONFIG)/net10.0/fjord.dll --help`)
cli:
	$(DOTNET) build src/Fjord.Cli -c $(CONFIG) --nologo -clp:NoSummary -v q

## cluster: build and start nodes 0,1,2 on loopback in the background (all three voters; kafka 9092/9192/9292,
##          rpc 9093/9193/9293, http 9644/9744/9844; data in ./data/node-N, pids and logs in ./.cluster)
## cluster-stop: stop the nodes `make cluster` started (SIGTERM, then SIGKILL after 20 s)
CLUSTER_VOTERS = 0@127.0.0.1:9093,1@127.0.0.1:9193,2@127.0.0.1:9293
.PHONY: cluster cluster-stop
cluster: build
	@mkdir -p .cluster
	@for n in 0 1 2; do \
	  if [ -f .cluster/node-$$n.pid ] && kill -0 $$(cat .cluster/node-$$n.pid) 2>/dev/null; then echo "node $$n already running (pid $$(cat .cluster/node-$$n.pid))"; continue; fi; \
	  nohup $(DOTNET) $(BROKER_DLL) --node-id $$n --data-dir $(DATA_DIR)/node-$$n \
	    --kafka-listen 127.0.0.1:9$${n}92 --rpc-listen 127.0.0.1:9$${n}93 --http-listen 127.0.0.1:9$$((6+n))44 \
	    --voters $(CLUSTER_VOTERS) > .cluster/node-$$n.log 2>&1 & echo $$! > .cluster/node-$$n.pid; \
	  echo "node $$n: kafka 127.0.0.1:9$${n}92, pid $$(cat .cluster/node-$$n.pid), log .cluster/node-$$n.log"; \
	done
	@echo "bootstrap servers: 127.0.0.1:9092,127.0.0.1:9192,127.0.0.1:9292"

cluster-stop:
	@for n in 0 1 2; do \
	  [ -f .cluster/node-$$n.pid ] || continue; pid=$$(cat .cluster/node-$$n.pid); \
	  if kill -0 $$pid 2>/dev/null; then kill -TERM $$pid; \
	    for i in $$(seq 1 200); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	    kill -0 $$pid 2>/dev/null && kill -KILL $$pid; echo "node $$n (pid $$pid) stopped"; fi; \
	  rm -f .cluster/node-$$n.pid; \
	done

## chaos: the fault harness (docs/chaos.md): DURATION seconds of kill -9, SIGSTOP and network partitions (one at a time)
##        against NODES real brokers under idempotent acks=all producers, then a check; SEED=N replays a fault schedule,
##        CHAOS_ARGS passes more options (e.g. --keep-data). Ends with `acked=N ... lost=N duplicated=N divergent=N ...`;
##        exits 0 only when nothing was lost, duplicated or diverged. Partitions need root and `ip netns`.
DURATION   ?= 600
NODES      ?= 3
SEED       ?=
CHAOS_ARGS ?=
CHAOS_DLL   = tools/Fjord.Chaos/bin/$(CONFIG)/net10.0/fjord-chaos.dll
.PHONY: chaos chaos-txn
chaos:
	@$(DOTNET) build tools/Fjord.Chaos -c $(CONFIG) --nologo -clp:NoSummary -v q
	$(DOTNET) $(CHAOS_DLL) --duration $(DURATION) --nodes $(NODES) $(if $(SEED),--seed $(SEED)) $(CHAOS_ARGS)

## chaos-txn: `make chaos` with the transactional workload (issue #22): transactional producers over several partitions,
##            one in five transactions aborted, read_committed consumers; checked for aborted reads (G1a), partly visible
##            transactions (G1b), lost commits, duplicates, order and skipped earlier transactions (G1c-lite), with the
##            transaction coordinator's broker among the victims. Ends with `committed=N aborted=N unknown=N records=N ...`.
chaos-txn:
	@$(MAKE) --no-print-directory chaos CHAOS_ARGS="--workload transactions $(CHAOS_ARGS)"

## crds: regenerate deploy/crds from the operator's C# CRD types (a test fails when the committed YAML differs)
.PHONY: crds
OPERATOR_DLL = operator/Fjord.Operator/bin/$(CONFIG)/net10.0/fjord-operator.dll
crds:
	$(DOTNET) build operator/Fjord.Operator -c $(CONFIG) --nologo -clp:NoSummary -v q
	$(DOTNET) $(OPERATOR_DLL) crds --out deploy/crds
	@$(MAKE) --no-print-directory chart-assets install-yaml

## chart-assets: copy deploy/crds and deploy/monitoring's alerts and dashboard into charts/fjord/files (Helm reads
##               no file outside the chart; tests/Fjord.Chart.Tests fails when the copies differ)
## install-yaml: render deploy/install.yaml (operator, CRDs, RBAC in namespace fjord-system) from the chart with the
##               pinned helm, for `kubectl apply -f` without Helm (a test fails when it is out of date)
HELM       = .tools/bin/helm
CHART      = charts/fjord
.PHONY: chart-assets install-yaml
chart-assets:
	@mkdir -p $(CHART)/files/crds $(CHART)/files/monitoring
	@rm -f $(CHART)/files/crds/*.yaml
	cp deploy/crds/*.yaml $(CHART)/files/crds/
	cp deploy/monitoring/fjord-alerts.yaml deploy/monitoring/fjord-dashboard.json $(CHART)/files/monitoring/

install-yaml: chart-assets
	@bash .ci/install-kube-tools.sh
	@bash deploy/render-install-yaml.sh $(HELM) $(CHART) > deploy/install.yaml
	@echo "wrote deploy/install.yaml"

## kube-local: build and start kube-local (API server on 127.0.0.1:KUBE_LOCAL_PORT, default 6443) and kube-local-node
##             (controllers + process kubelet) in the background with state, logs and pids in ./data/kube; waits until
##             both are ready and writes data/kube/kubeconfig (README "Trying Fjord on Kubernetes without a cluster")
##             KUBE_LOCAL_POD_NETWORK=auto|netns|loopback picks the pod network (auto: a network namespace per pod where
##             root with iproute2, else a 127.244.x.y address per pod)
## kube-local-stop: stop both (SIGTERM: the node stops every pod's processes and removes its pod network first; SIGKILL
##             after 30 s); pod directories go too, claim data in data/kube/volumes stays
KUBE_DIR        = $(DATA_DIR)/kube
KUBE_LOCAL_PORT ?= 6443
KUBE_LOCAL_POD_NETWORK ?= auto
KUBE_LOCAL_DLL  = tools/Fjord.KubeLocal/bin/$(CONFIG)/net10.0/kube-local.dll
KUBE_NODE_DLL   = tools/Fjord.KubeLocal.Node/bin/$(CONFIG)/net10.0/kube-local-node.dll
.PHONY: kube-local kube-local-stop
kube-local:
	@bash .ci/install-kube-tools.sh
	@$(DOTNET) build tools/Fjord.KubeLocal.Node -c $(CONFIG) --nologo -clp:NoSummary -v q
	@$(DOTNET) build tools/Fjord.KubeLocal -c $(CONFIG) --nologo -clp:NoSummary -v q
	@mkdir -p $(KUBE_DIR)
	@if [ -f $(KUBE_DIR)/kube-local.pid ] && kill -0 $$(cat $(KUBE_DIR)/kube-local.pid) 2>/dev/null; then \
	  echo "kube-local already running (pid $$(cat $(KUBE_DIR)/kube-local.pid))"; \
	else \
	  rm -f $(KUBE_DIR)/kubeconfig; \
	  nohup $(DOTNET) $(KUBE_LOCAL_DLL) --state-dir $(KUBE_DIR) --listen 127.0.0.1:$(KUBE_LOCAL_PORT) > $(KUBE_DIR)/kube-local.log 2>&1 & echo $$! > $(KUBE_DIR)/kube-local.pid; \
	  for i in $$(seq 1 600); do grep -q "kube-local ready" $(KUBE_DIR)/kube-local.log 2>/dev/null && break; \
	    kill -0 $$(cat $(KUBE_DIR)/kube-local.pid) 2>/dev/null || { cat $(KUBE_DIR)/kube-local.log; exit 1; }; sleep 0.1; done; \
	  grep -q "kube-local ready" $(KUBE_DIR)/kube-local.log || { echo "kube-local not ready after 60 s; see $(KUBE_DIR)/kube-local.log"; exit 1; }; \
	fi
	@if [ -f $(KUBE_DIR)/kube-local-node.pid ] && kill -0 $$(cat $(KUBE_DIR)/kube-local-node.pid) 2>/dev/null; then \
	  echo "kube-local-node already running (pid $$(cat $(KUBE_DIR)/kube-local-node.pid))"; \
	else \
	  rm -f $(KUBE_DIR)/node-ready; \
	  nohup $(DOTNET) $(KUBE_NODE_DLL) --server http://127.0.0.1:$(KUBE_LOCAL_PORT) --state-dir $(KUBE_DIR) --repo-root $(CURDIR) --pod-network $(KUBE_LOCAL_POD_NETWORK) > $(KUBE_DIR)/kube-local-node.log 2>&1 & echo $$! > $(KUBE_DIR)/kube-local-node.pid; \
	  for i in $$(seq 1 600); do [ -f $(KUBE_DIR)/node-ready ] && break; \
	    kill -0 $$(cat $(KUBE_DIR)/kube-local-node.pid) 2>/dev/null || { cat $(KUBE_DIR)/kube-local-node.log; exit 1; }; sleep 0.1; done; \
	  [ -f $(KUBE_DIR)/node-ready ] || { echo "kube-local-node not ready after 60 s; see $(KUBE_DIR)/kube-local-node.log"; exit 1; }; \
	fi
	@echo "kube-local: API http://127.0.0.1:$(KUBE_LOCAL_PORT) (pid $$(cat $(KUBE_DIR)/kube-local.pid), log $(KUBE_DIR)/kube-local.log)"
	@echo "kube-local-node: node kube-local (pid $$(cat $(KUBE_DIR)/kube-local-node.pid), log $(KUBE_DIR)/kube-local-node.log)"
	@grep -o "pod network .*" $(KUBE_DIR)/kube-local-node.log | tail -1
	@echo "use it:  export KUBECONFIG=$(abspath $(KUBE_DIR))/kubeconfig; .tools/bin/kubectl get pods   (helm: .tools/bin/helm)"
	@echo "stop it: make kube-local-stop"

kube-local-stop:
	@for name in kube-local-node kube-local; do \
	  [ -f $(KUBE_DIR)/$$name.pid ] || continue; pid=$$(cat $(KUBE_DIR)/$$name.pid); \
	  if kill -0 $$pid 2>/dev/null; then kill -TERM $$pid; \
	    for i in $$(seq 1 300); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	    kill -0 $$pid 2>/dev/null && kill -KILL $$pid; echo "$$name (pid $$pid) stopped"; fi; \
	  rm -f $(KUBE_DIR)/$$name.pid; \
	done
	@# What a node killed with SIGKILL could not remove (pod namespaces, veths, the bridge); nothing after a clean stop.
	@[ ! -f $(KUBE_NODE_DLL) ] || $(DOTNET) $(KUBE_NODE_DLL) --state-dir $(KUBE_DIR) --remove-pod-network
	@rm -rf $(KUBE_DIR)/pods $(KUBE_DIR)/node-ready

## librdkafka-suite: run librdkafka's own integration tests against Fjord nodes started here and print a table
##                   (LIBRDKAFKA_SRC=<librdkafka checkout>; TESTS="0103 0129" NODES=3 for a selection; not part of test)
.PHONY: librdkafka-suite
librdkafka-suite:
	@test -n "$(LIBRDKAFKA_SRC)" || { echo "usage: make librdkafka-suite LIBRDKAFKA_SRC=/path/to/librdkafka"; exit 2; }
	@LIBRDKAFKA_SRC=$(LIBRDKAFKA_SRC) bash tools/librdkafka-suite/run.sh
