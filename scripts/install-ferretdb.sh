#!/usr/bin/env bash
# Builds FerretDB v1 (a MongoDB wire-protocol server on SQLite) from the Go module proxy into .tools/ferretdb.
# The tests run the mongoose suite against it. `go install` alone gives a binary that panics: the module
# lacks the version file its build embeds, so it is built from a copy with that file written.
set -euo pipefail
VERSION=v1.24.2
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.tools/ferretdb"
# Output is captured before it is searched: under pipefail, `| grep -q` or `| head` closing the pipe early
# makes FerretDB die of SIGPIPE (exit 141) and fails the script at random.
if [ -x "$out" ] && [[ "$("$out" --version 2>/dev/null || true)" == *"${VERSION#v}"* ]]; then
	echo "FerretDB $VERSION already at $out"
	exit 0
fi
command -v go >/dev/null || { echo "Go is needed to build FerretDB (apt-get install golang-go, or /usr/local/go/bin)"; exit 1; }
export GOFLAGS=-mod=mod
go mod download "github.com/FerretDB/FerretDB@$VERSION"
src=$(go env GOMODCACHE)/github.com/\!ferret\!d\!b/\!ferret\!d\!b@$VERSION
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"
echo "$VERSION" > "$work/build/version/version.txt"
mkdir -p "$(dirname "$out")"
(cd "$work" && CGO_ENABLED=0 go build -trimpath -o "$out" ./cmd/ferretdb)
built=$("$out" --version)
echo "${built%%$'\n'*}"
