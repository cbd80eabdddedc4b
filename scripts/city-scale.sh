#!/usr/bin/env bash
# City scale on SQLite: N persons (default 600,000, a whole city).
# Measures the export and the import of all of them with GNU time: peak
# resident memory and seconds. Needs sqlite3 and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-600000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/sunshine" ./cmd/sunshine
A=$work/a
B=$work/b
echo "generating $N demo persons…"
"$work/sunshine" demo --data "$A" --persons "$N" --seed 11 >/dev/null 2>&1
/usr/bin/time -f "%M %e" -o "$work/export.time" "$work/sunshine" export persons --data "$A" --out "$work/city.csv" 2>/dev/null
rows=$(($(wc -l <"$work/city.csv") - 1))
# B: an empty registry with the same demo villages.
"$work/sunshine" migrate --data "$B" >/dev/null 2>&1
sqlite3 "$B/sunshine.db" "ATTACH '$A/sunshine.db' AS a; INSERT INTO orgunits SELECT * FROM a.orgunits WHERE demo;"
/usr/bin/time -f "%M %e" -o "$work/import.time" "$work/sunshine" import persons "$work/city.csv" --data "$B" >"$work/report.json" 2>/dev/null || true
read -r ekb es <"$work/export.time"
read -r ikb is <"$work/import.time"
created=$(grep -o '"created": [0-9]*' "$work/report.json" | grep -o '[0-9]*$')
echo "export: $rows rows in ${es}s, peak RSS $((ekb / 1024)) MB (goal < 200 MB)"
echo "import: $created of $rows rows created in ${is}s ($(awk "BEGIN {printf \"%.0f\", $rows / $is}") rows/s), peak RSS $((ikb / 1024)) MB (goal < 300 MB)"
