#!/usr/bin/env bash
# Runs the benchmarks: first the Go micro-benchmarks (`go test -bench`, as
# `make bench` always did), then test/cmd/loadgen against a real Vault server
# with the plugin mounted, which prints the table BENCHMARKS.md keeps. See
# BENCHMARKS.md for what is measured and how.
#
# Usage: scripts/bench.sh [loadgen flags...]
#   BENCH=regexp        which Go benchmarks to run (default: all)
#   VAULT_BINARY=path   Vault to run (default: scripts/build-vault.sh's, built once)
#   LOADGEN_FLAGS=...   more loadgen flags, e.g. "-burst 1000 -duration 2s"
#
# Everything listens on loopback only. With the default flags the whole run
# takes about six minutes on two cores; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== go test -bench '${BENCH:-.}'"
go test -count=1 -run '^$' -bench "${BENCH:-.}" -benchmem ./...

vault="${VAULT_BINARY:-$(scripts/build-vault.sh)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/vault-plugin-secrets-git" ./cmd/vault-plugin-secrets-git
go build -o "$work/loadgen" ./test/cmd/loadgen
go build -o "$work/floorplugin" ./test/cmd/floorplugin

echo
echo "== loadgen (progress on stderr, table on stdout)"
# shellcheck disable=SC2086 # LOADGEN_FLAGS is a list of flags.
"$work/loadgen" -vault "$vault" -plugin "$work/vault-plugin-secrets-git" -floor-plugin "$work/floorplugin" ${LOADGEN_FLAGS:-} "$@"
