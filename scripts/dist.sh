#!/usr/bin/env bash
# Builds the release binaries reproducibly into OUTDIR (default dist/) and
# writes OUTDIR/SHA256SUMS. This file is the one definition of the release
# build flags: `make dist` and test/dist both run it.
#
#   VERSION=v0.2.0 scripts/dist.sh [OUTDIR]
#
# VERSION (required) is embedded in the plugin, which reports it to Vault.
# TARGETS (default: linux and darwin, amd64 and arm64) is a space-separated
# list of GOOS/GOARCH. Output names are <command>_<os>_<arch>, e.g.
# vault-plugin-secrets-git_linux_amd64.
#
# Reproducible: the same source, VERSION and Go toolchain give the same bytes
# whatever the checkout path, output path or machine. -trimpath drops local
# paths, -buildid= the link's build id, -buildvcs=false the checkout's VCS
# state (a dirty tree or a tarball without .git would change it), and
# CGO_ENABLED=0 the host's C toolchain.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${VERSION:?set VERSION, e.g. VERSION=v0.2.0}"
go="${GO:-go}"
outdir="${1:-dist}"
targets="${TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}"
module="$("$go" list -m)"
commands=(vault-plugin-secrets-git git-credential-vault)

mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
rm -f "$outdir/SHA256SUMS"
built=()
for target in $targets; do
	os="${target%/*}"
	arch="${target#*/}"
	for cmd in "${commands[@]}"; do
		echo "build $cmd $os/$arch $VERSION" >&2
		CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" GOFLAGS=-mod=readonly \
			"$go" build -trimpath -buildvcs=false \
			-ldflags "-buildid= -X $module.Version=$VERSION -X main.version=$VERSION" \
			-o "$outdir/${cmd}_${os}_${arch}" "./cmd/$cmd"
		built+=("${cmd}_${os}_${arch}")
	done
done

# The checksum file lists the binaries just built, in `sha256sum -c` format;
# the README registers the plugin with its line.
(
	cd "$outdir"
	if command -v sha256sum >/dev/null; then
		sha256sum "${built[@]}"
	else
		shasum -a 256 "${built[@]}" # macOS
	fi
) >"$outdir/SHA256SUMS.tmp"
mv "$outdir/SHA256SUMS.tmp" "$outdir/SHA256SUMS"
echo "wrote $outdir/SHA256SUMS" >&2
