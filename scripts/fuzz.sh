#!/usr/bin/env bash
# Runs every Fuzz* target in the module for FUZZTIME each (default 1m).
# `go test -fuzz` takes one package and one target at a time, so discover them
# with `go test -list` first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime="${FUZZTIME:-1m}"
found=0
pkgs="$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...)"
for pkg in $pkgs; do
	listed="$(go test -list '^Fuzz' "$pkg")"
	for target in $(grep '^Fuzz' <<<"$listed" || true); do
		found=1
		echo "== $pkg $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
	done
done
if [[ $found == 0 ]]; then
	echo "no Fuzz targets found"
fi
