# Fjord — the two commands are `make run` and `make test`; the rest are for developers.
DOTNET        ?= dotnet
CONFIG        ?= Release
DATA_DIR      ?= ./data
KAFKA_SPECS   ?= ../shared/kafka-protocol/messages
BROKER_DLL     = src/Fjord.Broker/bin/$(CONFIG)/net10.0/fjord-broker.dll

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

.PHONY: run build test deps lint protocol clean

## run: build Release and start one node on 127.0.0.1:9092 with data in ./data (Ctrl-C stops it cleanly)
run: build
	$(DOTNET) $(BROKER_DLL) --node-id 0 --data-dir $(DATA_DIR)

## build: compile everything
build:
	$(DOTNET) build Cluster.sln -c $(CONFIG) --nologo -clp:NoSummary -v q

## deps: install the Debian packages the tests drive (kafka-python, kcat); idempotent and quiet
deps:
	@bash .ci/install-deps.sh

## test: install what tests need, build, run every test project, print `N passed, N failed`
test: deps build
	@CONFIG=$(CONFIG) bash .ci/run-tests.sh

## lint: fail when formatting differs from .editorconfig
lint:
	$(DOTNET) format Cluster.sln --verify-no-changes

## protocol: regenerate src/Fjord.Protocol/Generated from Kafka's JSON message specs
protocol:
	$(DOTNET) run --project src/Fjord.Protocol.Generator -c $(CONFIG) -- $(KAFKA_SPECS) src/Fjord.Protocol/Generated

clean:
	$(DOTNET) clean Cluster.sln -c $(CONFIG) --nologo -v q
