#!/usr/bin/env bash
# City scale: a whole city's registry (N persons, default 600,000: Shanghai)
# with two years of annual records, on SQLite (default) or PostgreSQL.
#
#   scripts/city-scale.sh                      # SQLite, in a temporary folder
#   DB=postgres scripts/city-scale.sh          # PostgreSQL on the local socket
#   scripts/city-scale.sh --pg [SERVER_URL]    # the same; SERVER_URL names the server, not a
#                                              # database (default postgres:///?host=/var/run/postgresql)
#   N=20000 scripts/city-scale.sh --pg         # a quick check: a minute or two
#
# Other settings (environment): SEED (11), REQUESTS per latency figure (20),
# PGNAME, the scratch databases' name (sunshine_city; the restore goes to
# PGNAME_restore), KEEP=1 to keep the work folder and the databases.
#
# Steps: N demo persons are generated on SQLite (`sunshine demo`, a generator
# only) and exported to CSV with their annual records of last year and this
# year (`sunshine export persons|annual`). A new database gets the same demo
# villages and nothing else, then `sunshine import persons` and `sunshine
# import annual --year Y` for both years, each timed with GNU time (seconds,
# rows/s, peak RSS). `sunshine indicators check` compares the rollups the
# imports kept with a recomputation. `sunshine serve` runs on the database, a
# district account signs in through the API, and curl times REQUESTS GETs of
# each indicator and list request (after one warm-up): the district's, a
# town's and a village's indicators, a breakdown, the two-year trend and
# comparison, a gap list; the first page of the district's persons, a deep
# page (a cursor 90% of the way through), a filtered name search and a search
# by ID number. Then `sunshine backup` (seconds, size) and `sunshine restore`
# into a new database, and a summary table. On PostgreSQL the script creates
# the scratch databases PGNAME and PGNAME_restore itself (it stops if they
# exist) and drops them at the end.
#
# Needs: go, sqlite3, GNU time (/usr/bin/time), curl, jq; psql and the right to
# create databases for PostgreSQL.
#
# Figures seen: 2026-12-02, `scripts/city-scale.sh --pg` (N=600000), PostgreSQL 15
# with its default settings (shared_buffers 128 MB) on the same machine, 2 CPUs
# shared with other engineers' work (load average 6-7 during the run), 24 GB;
# 26 minutes in all. The demo city has 116 villages in Jiading's 12 towns, so a
# village holds about 5,000 persons.
#   step                   seconds  rows/s  peak RSS MB
#   generate (demo)          345.2    1738    931
#   export persons            23.0   26042    101
#   import persons           138.4    4335    145
#   import annual 2025       352.8    1701    131
#   import annual 2026       267.6    2242    143
#   indicators check          28.9       -     62
#   backup                    86.3       -     66   (155 MB, 3,623,530 rows)
#   restore                  228.5       -    138   (database 943 MB)
#   request (20 each)          p50 ms  p90 ms  max ms
#   indicators, district        4.9    12.4    38.5
#   indicators, town            3.0    15.2    50.7
#   indicators, village         4.0    11.5    17.8
#   breakdown by town           6.4    11.9    24.1
#   trend (both years)          4.3     8.4    23.5
#   compare 2025-2026         247.0   372.6   505.7
#   gap list, district        375.3   562.1   816.9
#   persons, first page       103.3   203.4   357.7
#   persons, deep page (90%)  526.6   668.2  1130.2
#   persons, town filtered     30.5   129.9   200.1
#   persons, name+category    594.6  1020.2  1291.3
#   persons, by ID number       5.7    12.2    39.9
#   server peak RSS 72 MB
# The deep page was slow because its cursor condition `orgunit > ? OR
# (orgunit = ? AND id > ?)` was a filter, not an index bound; it is now the
# row value `(orgunit, id) > (?, ?)`, which seeks the index (18,001 rows read
# and 12 ms → 51 rows and 0.1 ms at 20,000 persons).
# N=20000, two runs on each engine: SQLite 47-55 s, PostgreSQL 63-127 s in all
# (the machine's load moves the PostgreSQL restore from 9 s to 51 s); every
# indicator under 10 ms p50 except compare (76-106 ms SQLite, 212-241 ms
# PostgreSQL); lists 1-40 ms p50.
#
# Again the same day, after the import changes of issue 13 (batches of 5,000
# rows on PostgreSQL, rollups held back, annual records 100 to a statement,
# the row-value cursor); load average 4-6, 15 minutes of which 7 generating:
#   import persons            83.7    7170    218
#   import annual 2025       117.7    5097    157
#   import annual 2026       101.8    5894    156
#   indicators check          22.3       -     61
#   backup                    43.8       -     69   (155 MB, 3,623,530 rows)
#   restore                  154.5       -    138   (database 945 MB)
#   persons, first page       108.3   178.4   197.5
#   persons, deep page (90%)  111.8   198.9   275.0
#   persons, name+category    529.3   764.8   842.3
#   gap list, district        528.2   678.5   932.1
set -euo pipefail
# One block: bash reads all of it before it runs, so a run is not disturbed
# when the file changes under it (a git checkout during a long run).
{
cd "$(dirname "$0")/.."

N=${N:-600000}
SEED=${SEED:-11}
REQUESTS=${REQUESTS:-20}
PGNAME=${PGNAME:-sunshine_city}
KEEP=${KEEP:-0}
ENGINE=${DB:-sqlite}
PG_SERVER=${PG_SERVER:-postgres:///?host=/var/run/postgresql}
while [ $# -gt 0 ]; do
	case $1 in
	--pg)
		ENGINE=postgres
		if [ $# -gt 1 ] && [[ $2 == postgres*://* ]]; then
			PG_SERVER=$2
			shift
		fi
		;;
	--sqlite) ENGINE=sqlite ;;
	-h | --help)
		sed -n '2,/^# Figures seen/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "city-scale: unknown argument $1 (try --help)" >&2
		exit 2
		;;
	esac
	shift
done
case $ENGINE in
sqlite | postgres) ;;
pg | postgresql) ENGINE=postgres ;;
*)
	echo "city-scale: DB must be sqlite or postgres, not $ENGINE" >&2
	exit 2
	;;
esac
if ! [[ $N =~ ^[1-9][0-9]*$ ]] || ! [[ $REQUESTS =~ ^[1-9][0-9]*$ ]]; then
	echo "city-scale: N and REQUESTS must be positive whole numbers" >&2
	exit 2
fi
if ! [[ $PGNAME =~ ^[a-z_][a-z0-9_]*$ ]]; then
	echo "city-scale: PGNAME must be a plain lower-case name" >&2
	exit 2
fi
need=(go sqlite3 curl jq)
[ "$ENGINE" = postgres ] && need+=(psql)
for tool in "${need[@]}"; do
	command -v "$tool" >/dev/null || {
		echo "city-scale: needs $tool" >&2
		exit 2
	}
done
[ -x /usr/bin/time ] || {
	echo "city-scale: needs GNU time at /usr/bin/time (apt-get install time)" >&2
	exit 2
}

t0=$(date +%s)
say() { printf '[%s +%4ss] %s\n' "$(date +%T)" $(($(date +%s) - t0)) "$*"; }
die() {
	say "FAILED: $*" >&2
	exit 1
}

# pgurl SERVER NAME: the URL of database NAME on the server of SERVER.
pgurl() {
	local base=${1%%\?*} query=""
	[[ $1 == *\?* ]] && query="?${1#*\?}"
	local scheme=${base%%://*} rest=${base#*://}
	echo "$scheme://${rest%%/*}/$2$query"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/city-scale.XXXXXX")
server_pid=""
created_dbs=()
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local rc=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$KEEP" = 1 ]; then
		echo "kept: $work ${created_dbs[*]}" >&2
	else
		for d in "${created_dbs[@]}"; do
			psql -q -X "$(pgurl "$PG_SERVER" postgres)" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 ||
				echo "city-scale: could not drop database $d" >&2
		done
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The scratch databases first: a name in use stops the run before the long part.
if [ "$ENGINE" = postgres ]; then
	for d in "$PGNAME" "${PGNAME}_restore"; do
		psql -q -X -v ON_ERROR_STOP=1 "$(pgurl "$PG_SERVER" postgres)" -c "CREATE DATABASE $d" >/dev/null ||
			die "cannot create database $d (does it exist already? drop it or set PGNAME)"
		created_dbs+=("$d")
	done
fi
bin=$work/sunshine
say "building sunshine"
go build -o "$bin" ./cmd/sunshine
year=$(date -u +%Y)
prev=$((year - 1))
export SUNSHINE_LANG=en

# Results, one line each, for the summary.
steps=()   # name|rows|seconds|peak MB
lats=()    # name|n|p50 ms|p90 ms|max ms
failures=()

# timed NAME ROWS LOG -- CMD…: runs CMD under GNU time, its standard output to
# LOG.out and its errors to LOG.err, and records seconds and peak RSS; fails
# (after showing the end of both) when CMD fails.
timed() {
	local name=$1 rows=$2 log=$3
	shift 4
	if ! /usr/bin/time -f "%M %e" -o "$log.time" "$@" >"$log.out" 2>"$log.err"; then
		tail -n 5 "$log.out" "$log.err" >&2 || true
		say "$name failed"
		return 1
	fi
	local kb s
	read -r kb s <"$log.time"
	steps+=("$name|$rows|$s|$((kb / 1024))")
	say "$name: ${s}s, peak RSS $((kb / 1024)) MB"
}

# 1. Generate the city and export it (a SQLite data folder used as a generator).
gen=$work/gen
say "generating $N demo persons with their $prev and $year annual records (sunshine demo, on SQLite)"
timed "generate (demo, SQLite)" "$N" "$work/demo" -- "$bin" demo --data "$gen" --persons "$N" --seed "$SEED" || die demo
timed "export persons" "$N" "$work/export" -- "$bin" export persons --data "$gen" --out "$work/persons.csv" || die export
for y in "$prev" "$year"; do
	timed "export annual $y" "$N" "$work/export$y" -- "$bin" export annual --year "$y" --data "$gen" --out "$work/annual$y.csv" || die export
done
rows=$(($(wc -l <"$work/persons.csv") - 1))
[ "$rows" -eq "$N" ] || die "the export has $rows persons, not $N"

# 2. The target: an empty database with the same demo villages.
B=$work/b # the data folder: the SQLite database, and the data key on either engine
mkdir -p "$B" "$work/c" # c: the restore's
villages=$work/villages.csv
sqlite3 -csv "$gen/sunshine.db" "SELECT code, name, name_en, level, parent, demo, created_at FROM orgunits WHERE demo ORDER BY level, code" >"$villages"
if [ "$ENGINE" = postgres ]; then
	DSN=$(pgurl "$PG_SERVER" "$PGNAME")
	RDSN=$(pgurl "$PG_SERVER" "${PGNAME}_restore")
	sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$DSN" -c "$1"; }
	"$bin" migrate --db "$DSN" --data "$B" >/dev/null 2>&1
	psql -X -q -v ON_ERROR_STOP=1 "$DSN" -c "\copy orgunits (code, name, name_en, level, parent, demo, created_at) FROM '$villages' WITH (FORMAT csv)"
else
	DSN=$B/sunshine.db
	RDSN=$work/c/sunshine.db
	sql() { sqlite3 "$DSN" "$1"; }
	"$bin" migrate --db "$DSN" --data "$B" >/dev/null 2>&1
	sqlite3 "$DSN" "ATTACH '$gen/sunshine.db' AS g; INSERT INTO orgunits SELECT * FROM g.orgunits WHERE demo;"
fi
say "target: $ENGINE, $(sql "SELECT count(*) FROM orgunits WHERE demo") demo villages, $(sql "SELECT count(*) FROM persons") persons"

# 3. The imports.
# import_file NAME FILE ARGS…: one `sunshine import`, timed; its report must have
# created every row and rejected none.
import_file() {
	local name=$1 file=$2
	shift 2
	say "$name: importing $rows rows"
	timed "$name" "$rows" "$work/$name" -- "$bin" "$@" "$file" --db "$DSN" --data "$B" || die "$name"
	local created rejected
	created=$(jq -r .created "$work/$name.out")
	rejected=$(jq -r .rejected_rows "$work/$name.out")
	if [ "$created" != "$rows" ] || [ "$rejected" != 0 ]; then
		die "$name: $created of $rows rows created, $rejected rejected"
	fi
}
import_file "import persons" "$work/persons.csv" import persons
import_file "import annual $prev" "$work/annual$prev.csv" import annual --year "$prev"
import_file "import annual $year" "$work/annual$year.csv" import annual --year "$year"
for y in "$prev" "$year"; do
	n=$(sql "SELECT count(*) FROM annual_records WHERE year = $y")
	[ "$n" = "$N" ] || die "$n annual records of $y, not $N"
done
say "checking the indicator rollups against a recomputation"
if ! timed "indicators check" - "$work/check" -- "$bin" indicators check --db "$DSN" --data "$B"; then
	failures+=("indicators check")
fi

# 4. Latencies through the API.
say "starting sunshine serve"
password="city-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
echo "$password" | "$bin" user add --username city_district --role district_staff --orgunit 310114 --db "$DSN" --data "$B" >/dev/null 2>&1
"$bin" serve --addr 127.0.0.1:0 --db "$DSN" --data "$B" >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
base=""
for _ in $(seq 600); do
	base=$(grep -o 'http://[0-9.:]*' "$work/serve.out" 2>/dev/null | head -n 1 || true)
	[ -n "$base" ] && break
	kill -0 "$server_pid" 2>/dev/null || {
		tail -n 5 "$work/serve.err" >&2
		die "sunshine serve stopped"
	}
	sleep 0.2
done
[ -n "$base" ] || die "sunshine serve did not start in 2 minutes"
token=$(curl -sf -X POST -H 'Content-Type: application/json' \
	--data "{\"username\":\"city_district\",\"password\":\"$password\"}" "$base/api/v1/session" | jq -r .token)
case $token in "" | null) die "cannot sign in" ;; esac
say "serving at $base, signed in as a district account (310114)"

# lat NAME PATH: one warm-up, then REQUESTS timed GETs of PATH; each must
# answer 200.
lat() {
	local name=$1 path=$2 out=$work/lat.txt code t
	: >"$out"
	for i in $(seq 0 "$REQUESTS"); do
		read -r code t < <(curl -s -o "$work/lat.body" -w '%{http_code} %{time_total}\n' \
			-H "Authorization: Bearer $token" "$base$path")
		[ "$code" = 200 ] || {
			head -c 300 "$work/lat.body" >&2
			die "GET $path answered $code"
		}
		if [ "$i" -gt 0 ]; then echo "$t" >>"$out"; fi
	done
	local stats
	stats=$(sort -n "$out" | awk '{v[NR] = $1 * 1000} END {
		p50 = v[int((NR + 1) / 2)]; p90 = v[int(NR * 0.9 + 0.999)]
		printf "%.1f|%.1f|%.1f", p50, p90, v[NR] }')
	lats+=("$name|$REQUESTS|$stats")
	say "$name: p50/p90/max ${stats//|//} ms"
}

town=310114102 # 南翔镇
village=$(sql "SELECT code FROM orgunits WHERE demo AND parent = '$town' ORDER BY code LIMIT 1")
for u in 310114 "$town" "$village"; do
	n=$(sql "SELECT count(*) FROM persons WHERE orgunit LIKE '$u%'")
	say "persons in $u: $n"
done
lat "indicators, district" "/api/v1/indicators?orgunit=310114&year=$year"
lat "indicators, town" "/api/v1/indicators?orgunit=$town&year=$year"
lat "indicators, village" "/api/v1/indicators?orgunit=$village&year=$year"
lat "breakdown by town" "/api/v1/indicators/employment_rate/breakdown?orgunit=310114&year=$year"
lat "trend (both years)" "/api/v1/indicators/trend?orgunit=310114&year=$year"
lat "compare $prev-$year" "/api/v1/indicators/compare?orgunit=310114&year=$year"
lat "gap list, district" "/api/v1/indicators/employment_rate/gap?orgunit=310114&year=$year"
# The cursor of a page is "ORGUNIT.ID" of its last person (registry.Store.List):
# a deep page starts 90% of the way through the district's persons.
first_next=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/persons?limit=50" | jq -r .next)
[[ $first_next =~ ^[0-9]+\.[0-9]+$ ]] || die "unexpected cursor $first_next"
deep=$(sql "SELECT orgunit || '.' || id FROM persons ORDER BY orgunit, id LIMIT 1 OFFSET $((N * 9 / 10))")
idnum=$(sed -n "$((N / 2 + 1))p" "$work/persons.csv" | cut -d, -f2)
lat "persons, first page" "/api/v1/persons?limit=50"
lat "persons, deep page (90%)" "/api/v1/persons?limit=50&cursor=$deep"
lat "persons, town filtered" "/api/v1/persons?limit=50&orgunit=$town&status=active&grade=1"
lat "persons, name+category" "/api/v1/persons?limit=50&q=%E7%8E%8B&category=2"
lat "persons, by ID number" "/api/v1/persons?limit=50&q=$idnum"
server_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
say "server stopped; its peak RSS was $((server_kb / 1024)) MB"

# 5. Backup and restore.
backup=$work/city.backup.gz
say "backup"
timed "backup" - "$work/backup" -- "$bin" backup "$backup" --db "$DSN" --data "$B" || die backup
backup_rows=$(grep -o '[0-9]* rows written' "$work/backup.out" | grep -o '^[0-9]*')
backup_mb=$(awk -v b="$(stat -c %s "$backup")" 'BEGIN {printf "%.1f", b / 1048576}')
say "backup: $backup_rows rows, $backup_mb MB"
say "restore into a new $ENGINE database"
timed "restore" - "$work/restore" -- env SUNSHINE_KEY_FILE="$B/sunshine.key" "$bin" restore "$backup" --db "$RDSN" --data "$work/c" || die restore
grep -q "restored .* $backup_rows rows" "$work/restore.out" || die "restore: $(cat "$work/restore.out")"
if [ "$ENGINE" = postgres ]; then
	db_size=$(sql "SELECT pg_database_size(current_database()) / 1048576")
else
	db_size=$(($(stat -c %s "$DSN") / 1048576))
fi

# 6. The summary.
echo
echo "== city scale: $N persons, annual records $prev and $year, $ENGINE; $(date -u +%F), $(nproc) CPUs =="
printf '%-26s %9s %9s %10s %12s\n' step rows seconds rows/s "peak RSS MB"
for s in "${steps[@]}"; do
	IFS='|' read -r name n secs mb <<<"$s"
	printf '%-26s %9s %9s %10s %12s\n' "$name" "$n" "$secs" "$(awk -v n="$n" -v s="$secs" 'BEGIN {if (n ~ /^[0-9]+$/ && s > 0) printf "%.0f", n / s; else printf "-"}')" "$mb"
done
echo
printf '%-26s %5s %9s %9s %9s\n' "request (district account)" n "p50 ms" "p90 ms" "max ms"
for l in "${lats[@]}"; do
	IFS='|' read -r name n p50 p90 mx <<<"$l"
	printf '%-26s %5s %9s %9s %9s\n' "$name" "$n" "$p50" "$p90" "$mx"
done
echo
echo "database: $db_size MB; backup: $backup_mb MB, $backup_rows rows; server peak RSS: $((server_kb / 1024)) MB"
if [ ${#failures[@]} -gt 0 ]; then
	echo "FAILED: ${failures[*]}" >&2
	exit 1
fi
exit 0
}
