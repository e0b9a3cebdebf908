#!/usr/bin/env bash
# Builds the Vault server the end-to-end tests and `make dev` run, pinned by
# scripts/vault/go.mod, and prints the binary's path.
#
# The binary lives in a cache outside the repository and is rebuilt only when
# the pin changes: a stamp file beside it records the version and a hash of
# scripts/vault/go.{mod,sum}. A fresh clone with nothing but Go installed needs
# nothing else.
#
# Usage: scripts/build-vault.sh           build if needed, print the path
#        scripts/build-vault.sh --cached  print the path if already built, else exit 1
set -euo pipefail

module_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/vault" && pwd)"
version="$(awk '$1 == "require" { $0 = substr($0, 8) } $1 == "github.com/hashicorp/vault" { print $2; exit }' "$module_dir/go.mod")"
if [[ -z "$version" ]]; then
	echo "build-vault.sh: no github.com/hashicorp/vault requirement in $module_dir/go.mod" >&2
	exit 1
fi

cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/vault-plugin-secrets-git"
binary="$cache_dir/vault-$version"
stamp="$binary.stamp"
sha256() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi; }
# go.sum pins every module; go.mod carries the replace directives go.sum does not show.
want="$version $(cat "$module_dir/go.mod" "$module_dir/go.sum" | sha256 | cut -d' ' -f1)"

if [[ -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "$binary"
	exit 0
fi
if [[ "${1:-}" == "--cached" ]]; then
	exit 1
fi

mkdir -p "$cache_dir"
# Build in a directory beside the cache so the final mv is an atomic rename.
tmp="$(mktemp -d "$cache_dir/.build-$version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "build-vault.sh: building Vault $version (takes 10-20 minutes the first time)..." >&2
(cd "$module_dir" && go build -trimpath -ldflags "-s -w" -o "$tmp/vault" github.com/hashicorp/vault)

# Rename into place so a concurrent reader never sees a half-written binary,
# and write the stamp last so an interrupted run rebuilds.
mv -f "$tmp/vault" "$binary"
echo "$want" >"$tmp/stamp"
mv -f "$tmp/stamp" "$stamp"
echo "$binary"
