#!/usr/bin/env bash
# Builds the Terraform vault provider the Terraform end-to-end test runs
# (test/terraform), installs it into a filesystem mirror and prints the
# mirror's path; a Terraform CLI config whose provider_installation points
# there (see test/terraform) makes `terraform init` never reach a registry.
#
# The provider is on the Go module proxy only as
# github.com/hashicorp/terraform-provider-vault v1.9.0, and it builds from
# there with a few known steps:
#   - its go.mod declares the old module path
#     github.com/terraform-providers/terraform-provider-vault and its vendor/
#     is stripped to modules.txt, so the source is copied out of the module
#     cache, vendor/ is deleted and the build resolves modules (-mod=mod);
#   - it pins a 2019 Terraform SDK that speaks only plugin protocol 4, which
#     Terraform 1.x refuses ("Incompatible API version with plugin"), so it is
#     built against github.com/hashicorp/terraform v0.12.29 (same import
#     paths), which speaks protocol 5. No provider source is changed.
#
# Like scripts/build-vault.sh, the result lives in a cache outside the
# repository and is rebuilt only when the pins below change: a stamp file
# beside it records them.
#
# Usage: scripts/build-terraform-provider.sh           build if needed, print the mirror path
#        scripts/build-terraform-provider.sh --cached  print the path if already built, else exit 1
set -euo pipefail
source "$(dirname "$0")/lib/cached-build.sh"

module=github.com/hashicorp/terraform-provider-vault
version=v1.9.0
sdk=github.com/hashicorp/terraform@v0.12.29

mirror="$cache_dir/terraform-mirror-vault-$version"
# The unpacked filesystem-mirror layout Terraform looks for.
platform="$(go env GOOS)_$(go env GOARCH)"
binary="$mirror/registry.terraform.io/hashicorp/vault/${version#v}/$platform/terraform-provider-vault_$version"
stamp="$mirror.stamp"
want="$module@$version $sdk"

if is_cached "$binary" "$stamp" "$want"; then
	echo "$mirror"
	exit 0
fi
if [[ "${1:-}" == "--cached" ]]; then
	exit 1
fi
make_build_dir "build-terraform-provider-$version"

echo "build-terraform-provider.sh: building the Terraform vault provider $version (takes a few minutes the first time)..." >&2
# A module query by its proxy path works although its go.mod names the old path.
src="$(go mod download -json "$module@$version" | json_field Dir)"
if [[ -z "$src" ]]; then
	echo "build-terraform-provider.sh: go mod download $module@$version gave no directory" >&2
	exit 1
fi
cp -R "$src" "$tmp/src"
chmod -R u+w "$tmp/src"
rm -rf "$tmp/src/vendor"
(
	cd "$tmp/src"
	export GOFLAGS="${GOFLAGS:-} -mod=mod"
	go mod edit -require="$sdk"
	go build -trimpath -ldflags "-s -w" -o "$tmp/terraform-provider-vault_$version" .
)

install_built "$tmp/terraform-provider-vault_$version" "$binary" "$stamp" "$want"
echo "$mirror"
