# Build, test and run vault-plugin-secrets-git. `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

VERSION ?= v0.1.0
GO ?= go
GOFMT := $(shell $(GO) env GOROOT)/bin/gofmt

PLUGIN := vault-plugin-secrets-git
HELPER := git-credential-vault
MODULE := github.com/vault-plugin-secrets-git/vault-plugin-secrets-git
LDFLAGS := -X $(MODULE).Version=$(VERSION)

# Unit tests get the race detector: it is cheap there. The end-to-end tests
# under ./test/ run real Vault and plugin processes, where it only adds time.
# The detector needs cgo, so it is left out where no C compiler is found.
RACE ?= $(if $(filter 1,$(shell $(GO) env CGO_ENABLED)),-race)
E2E_TIMEOUT ?= 25m
# The end-to-end tests keep the Vault (and plugin) logs of failed tests here,
# one directory per test, emptied at the start of each run; .ci/run prints
# their last lines.
E2E_LOG_DIR := $(CURDIR)/bin/e2e-logs
FUZZTIME ?= 1m
# fuzz-smoke runs every fuzz target this long, as part of make test.
FUZZ_SMOKE ?= 3s
FUZZ_PKGS ?= . ./provider/github ./provider/gitlab
BENCH ?= .

.PHONY: help build dist vault dev test unit e2e testacc fmt lint bench fuzz fuzz-smoke reliability clean

help: ## Show the targets.
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-11s %s\n", $$1, $$2 }'

build: ## Build the plugin and the Git credential helper into bin/ (VERSION=v0.1.0).
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/$(PLUGIN) ./cmd/$(PLUGIN)
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/$(HELPER) ./cmd/$(HELPER)

dist: ## Release binaries for linux and darwin, amd64 and arm64, reproducibly, into dist/ with SHA256SUMS.
	VERSION=$(VERSION) GO=$(GO) scripts/dist.sh dist

vault: ## Build the pinned Vault server into the user cache (once), print its path.
	@scripts/build-vault.sh

dev: build ## Run a local Vault with the plugin mounted at git/ and fake GitHub/GitLab/Forgejo.
	@vault="$$(scripts/build-vault.sh)"; \
	$(GO) build -o bin/sandbox ./test/cmd/sandbox; \
	exec bin/sandbox -vault "$$vault" -plugin bin/$(PLUGIN) -version $(VERSION) -dir .dev

test: lint unit fuzz-smoke e2e ## Vet, format check, unit tests, a short fuzz run, then end-to-end and reliability tests against real Vault.

unit: ## Unit tests (everything outside ./test/), with the race detector.
	pkgs="$$($(GO) list ./... | grep -v '/test/')"; \
	$(GO) test -count=1 $(RACE) $$pkgs

e2e: ## End-to-end tests under ./test/; they fail rather than skip without Vault.
	@if [[ -z "$${VAULT_BINARY:-}" ]]; then VAULT_BINARY="$$(scripts/build-vault.sh)"; fi; \
	echo "VAULT_BINARY=$$VAULT_BINARY"; \
	rm -rf "$(E2E_LOG_DIR)"; \
	E2E_REQUIRED=1 VAULT_BINARY="$$VAULT_BINARY" E2E_LOG_DIR="$(E2E_LOG_DIR)" $(GO) test -count=1 -timeout $(E2E_TIMEOUT) ./test/...

testacc: ## Acceptance tests against the real GitHub/GitLab (needs their credentials; see acceptance_test.go).
	$(GO) test -count=1 -v -run '^TestAcceptance' .

fmt: ## Format the Go code.
	$(GOFMT) -l -w .

lint: ## go vet, and fail on unformatted files.
	$(GO) vet ./...
	@unformatted="$$($(GOFMT) -l .)"; \
	if [[ -n "$$unformatted" ]]; then echo "gofmt needed (run make fmt):"; echo "$$unformatted"; exit 1; fi

bench: ## Go benchmarks (BENCH=regexp), then the load generator against real Vault (BENCHMARKS.md).
	BENCH='$(BENCH)' scripts/bench.sh

fuzz: ## Run every Fuzz* target for FUZZTIME each (default 1m).
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

fuzz-smoke: ## Run the fuzz targets of FUZZ_PKGS for FUZZ_SMOKE each (default 3s).
	@for pkg in $(FUZZ_PKGS); do \
		for target in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz' || true); do \
			out="$$($(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZ_SMOKE) "$$pkg" 2>&1)" || { echo "$$out"; exit 1; }; \
			echo "$$pkg $$target: $$(grep '^fuzz: elapsed' <<<"$$out" | tail -n 1 | sed 's/^fuzz: //')"; \
		done; \
	done

reliability: ## Fault matrix, HA failover, hostile input, concurrency and secrets hygiene against real Vault; tables in bin/reliability/.
	@if [[ -z "$${VAULT_BINARY:-}" ]]; then VAULT_BINARY="$$(scripts/build-vault.sh)"; fi; \
	rm -rf "$(E2E_LOG_DIR)"; \
	E2E_REQUIRED=1 VAULT_BINARY="$$VAULT_BINARY" RELIABILITY_REPORT_DIR="$(CURDIR)/bin/reliability" E2E_LOG_DIR="$(E2E_LOG_DIR)" \
		$(GO) test -count=1 -v -timeout $(E2E_TIMEOUT) ./test/reliability/ | grep -v '^=== '
	@echo "tables: bin/reliability/"

clean: ## Remove build output and the sandbox's state (not the cached Vault build).
	rm -rf bin/ dist/ .dev/
