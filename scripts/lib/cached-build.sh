# Sourced by the scripts that build a tool from the Go module proxy into a
# cache outside the repository, rebuilt only when its pins change: a stamp
# file beside the result records the pins it was built from.

cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/vault-plugin-secrets-git"

# is_cached BINARY STAMP WANT: whether BINARY is built and STAMP says it was
# built from the pins WANT.
is_cached() { [[ -x "$1" && -f "$2" && "$(cat "$2")" == "$3" ]]; }

# make_build_dir NAME sets tmp to a new directory in the cache (beside the
# result, so the final rename stays on one filesystem), removed on exit; the
# module cache's copies are read-only, hence the chmod.
make_build_dir() {
	mkdir -p "$cache_dir"
	tmp="$(mktemp -d "$cache_dir/.$1.XXXXXX")"
	trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
}

# json_field FIELD reads one string field of `go mod download -json` output.
json_field() { awk -F'"' -v f="$1" '$2 == f { print $4; exit }'; }

# install_built BUILT BINARY STAMP WANT renames BUILT into place as BINARY,
# so a concurrent reader never sees a half-written binary, and writes the
# stamp last, so an interrupted run rebuilds.
install_built() {
	mkdir -p "$(dirname "$2")"
	mv -f "$1" "$2"
	echo "$4" >"$tmp/stamp"
	mv -f "$tmp/stamp" "$3"
}
