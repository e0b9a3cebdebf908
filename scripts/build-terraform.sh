#!/usr/bin/env bash
# Prints the path of the Terraform CLI the Terraform end-to-end test runs:
# the `terraform` on PATH when there is one, else Terraform v1.11.4 built from
# the Go module proxy into the same cache as scripts/build-vault.sh, rebuilt
# only when the pin below changes (a stamp file beside it records it).
#
# Terraform's go.mod replaces a few nested modules (remote-state backends,
# internal/legacy) with directories that its module zip leaves out; the proxy
# serves each of them at the release's commit, so they are downloaded and put
# where the replace directives expect them.
#
# Usage: scripts/build-terraform.sh           find or build, print the path
#        scripts/build-terraform.sh --cached  print the path if on PATH or built, else exit 1
set -euo pipefail
source "$(dirname "$0")/lib/cached-build.sh"

module=github.com/hashicorp/terraform
version=v1.11.4

if path="$(command -v terraform)"; then
	echo "$path"
	exit 0
fi

binary="$cache_dir/terraform-$version"
stamp="$binary.stamp"
want="$module@$version"

if is_cached "$binary" "$stamp" "$want"; then
	echo "$binary"
	exit 0
fi
if [[ "${1:-}" == "--cached" ]]; then
	exit 1
fi
make_build_dir "build-terraform-$version"

echo "build-terraform.sh: building Terraform $version (takes 10-20 minutes the first time)..." >&2
src="$(go mod download -json "$module@$version" | json_field Dir)"
# The release's commit, from the version's origin as the proxy records it.
commit="$(go list -m -json "$module@$version" | json_field Hash)"
if [[ -z "$src" || -z "$commit" ]]; then
	echo "build-terraform.sh: go mod download $module@$version gave no directory or commit" >&2
	exit 1
fi
cp -R "$src" "$tmp/src"
chmod -R u+w "$tmp/src"

# Each "replace <nested module> => ./<dir>" gets that module at the release commit.
awk '$1 == "replace" && $3 == "=>" && $4 ~ /^\.\// { print $2, $4 }' "$tmp/src/go.mod" |
	while read -r nested dir; do
		nested_src="$(go mod download -json "$nested@$commit" | json_field Dir)"
		if [[ -z "$nested_src" ]]; then
			echo "build-terraform.sh: go mod download $nested@$commit gave no directory" >&2
			exit 1
		fi
		rm -rf "$tmp/src/$dir"
		cp -R "$nested_src" "$tmp/src/$dir"
		chmod -R u+w "$tmp/src/$dir"
	done

(cd "$tmp/src" && GOFLAGS="${GOFLAGS:-} -mod=mod" go build -trimpath -ldflags "-s -w" -o "$tmp/terraform" .)

install_built "$tmp/terraform" "$binary" "$stamp" "$want"
echo "$binary"
