# The two commands a newcomer needs: `make dev` and `make test`.
# Everything else here is what they are made of.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
# Explicit package roots: node_modules holds Go templates that are not ours.
PKGS      := ./shared/... ./functions/... ./infra/... ./content/...

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: help deps java chromium node-deps go-deps tools build dev dev-reset test vet bench coldstart cost fuzz synth deploy clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: java node-deps go-deps tools ## install what is missing (npm packages, Go modules, the Go stand-ins); check Java

java:
	@if ! command -v java >/dev/null 2>&1; then \
	  echo "Java 17 is needed for DynamoDB Local and is not installed."; \
	  echo "On Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless"; \
	  exit 1; \
	fi

# The browser test (shared/httpapi/browser_test.go) drives Debian's Chromium.
# As root (CI) it is installed when missing; otherwise this says how and stops.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    echo "installing Chromium for the browser test"; \
	    apt-get update; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	  else \
	    echo "Chromium is needed for the browser test and is not installed."; \
	    echo "On Debian: sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium"; \
	    exit 1; \
	  fi; \
	fi

# npm ci runs only when the lock file changed since the last install.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-deps: node_modules/.installed

go-deps:
	@$(GO) mod download

# The stand-ins for KMS and S3 are Go programs, built into build/tools where
# shared/devstack looks for them: Local KMS at a pinned version (go install
# pkg@version builds it with its own go.mod, so it never mixes with ours),
# and our own S3 server (infra/locals3). The Lambda Runtime Interface
# Emulator, pinned the same way, is what make coldstart runs each function's
# bootstrap under. All are cheap when nothing changed.
TOOLS     := build/tools
LOCAL_KMS := github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6
RIE       := github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d

tools: ## build the KMS and S3 stand-ins and the Lambda emulator into build/tools (part of deps)
	@mkdir -p $(TOOLS)
	@GOBIN=$(CURDIR)/$(TOOLS) $(GO) install $(LOCAL_KMS)
	@GOBIN=$(CURDIR)/$(TOOLS) $(GO) install $(RIE)
	@$(GO) build -o $(TOOLS)/locals3 ./infra/locals3

build: go-deps ## build every Lambda into build/<function>/bootstrap (linux/arm64)
	@for fn in $(FUNCTIONS); do \
	  echo "build $$fn"; \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags "-s -w" \
	    -o build/$$fn/bootstrap ./functions/$$fn; \
	done

dev: deps ## start the local stack with demo data on http://127.0.0.1:8080
	@$(GO) build -o build/dev ./infra/local
	@exec ./build/dev

dev-reset: ## wipe the local stack's data
	rm -rf .local/dynamodb .local/kms .local/s3
	@echo "local data wiped; make dev seeds the demo organisation again"

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

vet: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l shared functions infra content); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)

test: deps chromium build vet ## all tests: unit, integration (DynamoDB Local, SES emulator, S3, KMS), CDK assertions
	$(GO) test -count=1 -timeout 15m $(PKGS)

# make bench ends with make coldstart's table (COLDSTART_N cold starts each).
COLDSTART_N ?= 15
# make bench imports this many people in one large upload (issue 12's goal);
# the benchmark's own default, for go test -bench alone, is 10,000.
IMPORT_BENCH_PEOPLE ?= 100000

bench: deps tools ## run every benchmark, print one report (goals + one table) and keep it in docs/BENCHMARKS.md
	@mkdir -p build
	@date +%s > build/bench.start
	IMPORT_BENCH_PEOPLE=$(IMPORT_BENCH_PEOPLE) $(GO) test -run '^$$' -bench . -benchmem -timeout 40m $(PKGS) | tee build/bench.txt
	$(GO) run ./infra/coldstart -n $(COLDSTART_N) -rie $(TOOLS)/aws-lambda-rie -go $(GO) | tee build/coldstart.md
	$(GO) run ./infra/benchreport -bench build/bench.txt -coldstart build/coldstart.md -doc docs/BENCHMARKS.md -started $$(cat build/bench.start)

cost: deps ## price a year of 1,000 and 100,000 people from measured usage (see docs/COST.md; part of bench as BenchmarkCost)
	$(GO) test -count=1 -run '^TestCost$$' -v -timeout 15m ./shared/demo

coldstart: tools ## init of each function's bootstrap under the Lambda emulator vs hello-world, and gzipped sizes (part of bench)
	$(GO) run ./infra/coldstart -n $(COLDSTART_N) -rie $(TOOLS)/aws-lambda-rie -go $(GO)

# Each fuzz target (func FuzzX in a _test.go file) runs alone for FUZZTIME:
# go test -fuzz takes one target per run. Shrinking each new interesting
# input is capped at 10s (Go's default is a minute, which can eat the whole
# run). make test runs their seed corpora (and inputs kept in testdata/fuzz/)
# as ordinary tests.
FUZZTIME ?= 1m

fuzz: ## run every fuzz target for FUZZTIME (default 1m) each; not part of make test
	@for file in $$(grep -rl --include='*_test.go' '^func Fuzz' shared functions infra content | sort); do \
	  for name in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$file | cut -c6-); do \
	    echo "fuzz $$name ./$$(dirname $$file) for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s ./$$(dirname $$file); \
	  done; \
	done

synth: deps build ## offline CDK synth into cdk.out/
	npx --no-install cdk synth --quiet

deploy: deps build ## cdk deploy into the caller's AWS account
	npx --no-install cdk deploy

clean:
	rm -rf build cdk.out
