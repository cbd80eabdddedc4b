#!/usr/bin/env bash
# Vendors Apache ECharts from the npm registry into the embedded static files:
#   internal/platform/web/static/vendor/echarts.min.js
#   internal/platform/web/static/vendor/ECHARTS-LICENSE.txt (LICENSE, then NOTICE and
#   licenses/* when present)
# and prints the sha256 of echarts.min.js (record it in
# internal/platform/web/charts_test.go, const echartsSHA256).
#
# Usage: scripts/vendor-echarts.sh [VERSION]   (default: the version below)
# Needs npm (only `npm pack`, no install, no scripts run) and tar.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:-6.1.0}
dest=internal/platform/web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent --ignore-scripts "echarts@$VERSION" >/dev/null)
tarball=$(ls "$work"/echarts-*.tgz)
tar -xzf "$tarball" -C "$work" package/dist/echarts.min.js package/LICENSE package/package.json
tar -xzf "$tarball" -C "$work" package/NOTICE 2>/dev/null || true
# Licences of embedded third-party code that LICENSE refers to (d3.js, BSD 3-Clause).
tar -xzf "$tarball" -C "$work" --wildcards 'package/licenses/*' 2>/dev/null || true

got=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$work/package/package.json" | head -n1)
if [ "$got" != "$VERSION" ]; then
  echo "npm gave echarts $got, not $VERSION" >&2
  exit 1
fi

mkdir -p "$dest"
cp "$work/package/dist/echarts.min.js" "$dest/echarts.min.js"
{
  echo "Apache ECharts $VERSION (https://echarts.apache.org/), vendored from npm (echarts@$VERSION)."
  echo
  cat "$work/package/LICENSE"
  if [ -f "$work/package/NOTICE" ]; then
    echo
    echo "=============================================================================="
    echo "NOTICE"
    echo "=============================================================================="
    echo
    cat "$work/package/NOTICE"
  fi
  for f in "$work"/package/licenses/*; do
    [ -f "$f" ] || continue
    echo
    echo "=============================================================================="
    echo "licenses/$(basename "$f")"
    echo "=============================================================================="
    echo
    cat "$f"
  done
} >"$dest/ECHARTS-LICENSE.txt"

echo "echarts $VERSION → $dest/echarts.min.js ($(wc -c <"$dest/echarts.min.js") bytes)"
echo "sha256 $(sha256sum "$dest/echarts.min.js" | cut -d' ' -f1)"
