#!/usr/bin/env bash
# govulncheck against an offline copy of the Go vulnerability database.
# vuln.go.dev is not reachable from the build machines, so the database is
# built from the advisories (data/osv/*.json) of the module golang.org/x/vulndb,
# fetched through the Go module proxy, with x/vulndb's own cmd/indexdb, into a
# cache folder (once per VULNDB version). Bump VULNDB to take newer advisories.
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
VULNDB="${VULNDB:-v0.0.0-20261105234957-e22db6528018}"
VULNCHECK="${VULNCHECK:-v1.9.0}"
cache="${SUNSHINE_VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sunshine-vulndb}/$VULNDB"

if [ ! -f "$cache/index/db.json" ]; then
  src=$("$GO" mod download -json "golang.org/x/vulndb@$VULNDB" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$src" ] || [ ! -d "$src/data/osv" ]; then
    echo "vulncheck: cannot find data/osv in golang.org/x/vulndb@$VULNDB" >&2
    exit 1
  fi
  tmp="$cache.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$cache")"
  "$GO" run "golang.org/x/vulndb/cmd/indexdb@$VULNDB" -vulns "$src/data/osv" -out "$tmp"
  rm -rf "$cache"
  mv "$tmp" "$cache"
fi
exec "$GO" run "golang.org/x/vuln/cmd/govulncheck@$VULNCHECK" -db "file://$cache" ./...
