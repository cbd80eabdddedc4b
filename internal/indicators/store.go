package indicators

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// Units looks up org units.
type Units interface {
	Get(ctx context.Context, code string) (orgunit.Unit, error)
	Children(ctx context.Context, parent string) ([]orgunit.Unit, error)
	Path(ctx context.Context, code string) ([]orgunit.Unit, error)
}

// Store computes indicators from rollups it keeps in step with the registry.
type Store struct {
	db    *db.DB
	units Units
}

// NewStore returns a store. It prepares its writing statements ahead (their
// texts have a few fixed sizes), so that writes do not parse SQL again.
func NewStore(d *db.DB, units Units) *Store {
	var qs []string
	for _, n := range rowSizes {
		qs = append(qs, upsertRollupSQL(n), factsSQL(n))
	}
	for _, n := range inSizes {
		in := inList(n)
		qs = append(qs, `SELECT `+factCols+` FROM indicator_facts WHERE person_id IN (`+in+`)`,
			currentSQL+` WHERE p.id IN (`+in+`) ORDER BY p.id, a.year`, dispensedSQL(in), sessionsSQL(in))
		if d.Dialect == db.Postgres {
			qs = append(qs, lockSQL(n))
		}
	}
	d.Warm(context.Background(), qs...)
	return &Store{db: d, units: units}
}

// rowSizes are the numbers of rows of the multi-row statements; inSizes the
// lengths of IN lists (padded by repeating the last id).
var (
	rowSizes = []int{64, 16, 4, 1}
	inSizes  = []int{8, 64, 512}
)

const idChunk = 512

// split cuts n rows into statements of rowSizes, largest first.
func split(n int) []int {
	var out []int
	for _, size := range rowSizes {
		for n >= size {
			out, n = append(out, size), n-size
		}
	}
	return out
}

type txDelta struct{}

// PersonsChanged brings the facts of these persons up to date at once and
// their rollups when the transaction commits (changes of one transaction are
// summed first). The registry calls it inside every transaction that changes
// a person or an annual record (registry.ChangeHook), so the next request
// sees the change.
func (s *Store) PersonsChanged(ctx context.Context, tx *db.Tx, ids []int64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b, _ := ctx.Value(bulkKey{}).(*bulk)
	d := tx.Local(txDelta{}, func() any {
		d := delta{}
		if b != nil {
			tx.AfterCommit(func() { b.merge(d) })
		} else {
			tx.BeforeCommit(func(ctx context.Context) error { return d.apply(ctx, tx) })
		}
		return d
	}).(delta)
	for start := 0; start < len(ids); start += idChunk {
		if err := s.refresh(ctx, tx, ids[start:min(start+idChunk, len(ids))], d); err != nil {
			return err
		}
	}
	return nil
}

// PersonsRemoved takes the facts of persons about to be deleted out of the
// rollups and deletes them (registry.RemoveHook: the persons of an undone
// import). The rollups change at once, not when the transaction commits, so
// that a savepoint rolled back takes the change back too.
func (s *Store) PersonsRemoved(ctx context.Context, tx *db.Tx, ids []int64) error {
	d := delta{}
	for start := 0; start < len(ids); start += idChunk {
		args, in := padded(ids[start:min(start+idChunk, len(ids))])
		if err := readFacts(ctx, tx, in, args, func(f fact) { d.add(f, -1) }); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM indicator_facts WHERE person_id IN (`+in+`)`, args...); err != nil {
			return fmt.Errorf("delete indicator facts: %w", err)
		}
	}
	return d.apply(ctx, tx)
}

// bulkKey is the context key of a bulk write's held-back rollup changes.
type bulkKey struct{}

// bulk is the rollup changes of a bulk write's committed transactions, not
// yet applied.
type bulk struct {
	mu sync.Mutex // the writes commit on one goroutine; flush may run on another
	d  delta
}

func (b *bulk) merge(d delta) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, v := range d {
		for i, x := range v {
			b.d.bump(k, i, x)
		}
	}
}

// Bulk holds back the rollup changes of the transactions run with the
// returned context (registry.BulkHook: an import, which commits a batch at
// a time) until flush applies them (at most limit rows of them, all for 0;
// it says whether any are left), in a transaction of the caller's: each
// batch otherwise rewrote
// thousands of the same rollup rows (a fifth of an import's time). The facts
// are written with each batch all the same. Until a flush the figures lag
// behind the persons; a process that dies in between leaves the rollups
// short, which Rebuild mends (registry.recoverImports calls it).
func (s *Store) Bulk(ctx context.Context) (context.Context, func(context.Context, *db.Tx, int) (bool, error)) {
	b := &bulk{d: delta{}}
	return context.WithValue(ctx, bulkKey{}, b), func(ctx context.Context, tx *db.Tx, limit int) (bool, error) {
		b.mu.Lock()
		d := b.d
		if limit > 0 && len(d) > limit {
			// Some rows now, the rest in later transactions: no one
			// transaction holds the writer long.
			d = delta{}
			for k, v := range b.d {
				if len(d) == limit {
					break
				}
				d[k] = v
				delete(b.d, k)
			}
		} else {
			b.d = delta{}
		}
		more := len(b.d) > 0
		b.mu.Unlock()
		// Given back if this transaction does not commit.
		tx.AfterRollback(func() { b.merge(d) })
		return more, d.apply(ctx, tx)
	}
}

// readFacts hands fn each stored fact of the persons of an IN list.
func readFacts(ctx context.Context, tx *db.Tx, in string, args []any, fn func(fact)) error {
	rows, err := tx.Query(ctx, `SELECT `+factCols+` FROM indicator_facts WHERE person_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("read indicator facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFact(rows)
		if err != nil {
			return fmt.Errorf("read indicator facts: %w", err)
		}
		fn(f)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read indicator facts: %w", err)
	}
	return nil
}

func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// padded gives ids as arguments for the smallest IN list of inSizes that
// holds them, repeating the last id, and that list's placeholders.
func padded(ids []int64) ([]any, string) {
	size := inSizes[len(inSizes)-1]
	for _, n := range inSizes {
		if len(ids) <= n {
			size = n
			break
		}
	}
	args := make([]any, size)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	return args, inList(size)
}

func lockSQL(n int) string {
	return `SELECT id FROM persons WHERE id IN (` + inList(n) + `) ORDER BY id FOR NO KEY UPDATE` // see db.Tx.ForUpdate
}

// refresh recomputes the facts of ids, writes the changed ones and adds the
// rollup changes to d.
func (s *Store) refresh(ctx context.Context, tx *db.Tx, ids []int64, d delta) error {
	args, in := padded(ids)
	if tx.Dialect == db.Postgres {
		// Serialise refreshes of one person, so that old facts are read after
		// the other transaction's new ones are committed.
		if _, err := tx.Exec(ctx, lockSQL(len(args)), args...); err != nil {
			return fmt.Errorf("lock persons for indicators: %w", err)
		}
	}
	type pk struct {
		id   int64
		year int
	}
	old := map[pk]fact{}
	if err := readFacts(ctx, tx, in, args, func(f fact) { old[pk{f.PersonID, f.Year}] = f }); err != nil {
		return err
	}
	cur, err := readCurrent(ctx, txQuery{tx}, ` WHERE p.id IN (`+in+`) ORDER BY p.id, a.year`, args...)
	if err != nil {
		return err
	}
	var put []fact
	for _, f := range cur {
		k := pk{f.PersonID, f.Year}
		o, had := old[k]
		delete(old, k)
		if had && o.equal(f) {
			continue
		}
		if had {
			d.add(o, -1)
		}
		d.add(f, 1)
		put = append(put, f)
	}
	for k, o := range old { // facts whose source is gone
		d.add(o, -1)
		if _, err := tx.Exec(ctx, `DELETE FROM indicator_facts WHERE person_id = ? AND year = ?`, k.id, k.year); err != nil {
			return fmt.Errorf("delete indicator fact: %w", err)
		}
	}
	return writeFacts(ctx, tx, put)
}

var factColList = strings.Split(strings.ReplaceAll(factCols, " ", ""), ",")

// The statements of each row size, built once.
var factsSQLs, rollupSQLs = func() (map[int]string, map[int]string) {
	f, r := map[int]string{}, map[int]string{}
	for _, n := range rowSizes {
		f[n], r[n] = factsSQL(n), upsertRollupSQL(n)
	}
	return f, r
}()

// factsSQL inserts or replaces n facts.
func factsSQL(n int) string {
	row := "(" + inList(len(factColList)) + ")"
	return `INSERT INTO indicator_facts (` + factCols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + ` ` + factsConflict
}

// factsConflict replaces a fact that exists.
var factsConflict = func() string {
	var set []string
	for _, c := range factColList[2:] {
		set = append(set, c+" = excluded."+c)
	}
	return `ON CONFLICT (person_id, year) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// writeFacts inserts or replaces facts.
func writeFacts(ctx context.Context, tx *db.Tx, fs []fact) error {
	if tx.Dialect == db.Postgres && len(fs) >= copyMin {
		rows := make([][]any, len(fs))
		for i, f := range fs {
			rows[i] = f.values()
		}
		if err := copyUpsert(ctx, tx, "indicator_facts", factColList, rows, factsConflict); err != nil {
			return fmt.Errorf("write indicator facts: %w", err)
		}
		return nil
	}
	for _, n := range split(len(fs)) {
		part := fs[:n]
		fs = fs[n:]
		q := factsSQLs[n]
		args := make([]any, 0, len(part)*len(factColList))
		for _, f := range part {
			args = append(args, f.values()...)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("write indicator facts: %w", err)
		}
	}
	return nil
}

// values are the columns of f, in the order of factCols.
func (f fact) values() []any {
	var income any
	if f.Income != nil {
		income = *f.Income
	}
	return []any{f.PersonID, f.Year, f.OrgUnit, f.RegOrgUnit, f.Active, f.Category, f.Grade, f.Sex, f.BirthYear, f.Bits, income}
}

// copyMin is from how many rows on PostgreSQL facts and rollups are written
// by COPY into a staging table and one INSERT … SELECT (copyUpsert) rather
// than by multi-row INSERTs: for an import of 100,000 persons, writing the
// facts took 3.0 s and the rollups 3.7 s of its 14 s that way
// (BenchmarkImport100k/postgres).
const copyMin = 200

// copyUpsert writes rows into table on PostgreSQL: COPY into a temporary
// table of the same columns, then one INSERT … SELECT in the order of the
// table's key, with conflict (its ON CONFLICT clause).
func copyUpsert(ctx context.Context, tx *db.Tx, table string, cols []string, rows [][]any, conflict string) error {
	staging := table + "_staging"
	list := strings.Join(cols, ", ")
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+staging+` ON COMMIT DROP AS SELECT `+list+` FROM `+table+` WITH NO DATA`); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, staging, cols, rows); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (`+list+`) SELECT `+list+` FROM `+staging+` `+conflict); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM `+staging)
	return err
}

// recompute computes every fact from the registry, in chunks of persons, and
// hands each chunk to fn.
func recompute(ctx context.Context, q queryer, fn func([]fact) error) error {
	var last int64
	for {
		cur, err := readCurrent(ctx, q, ` WHERE p.id > ? AND p.id IN (SELECT id FROM persons WHERE id > ? ORDER BY id LIMIT 2000) ORDER BY p.id, a.year`, last, last)
		if err != nil {
			return err
		}
		if len(cur) == 0 {
			return nil
		}
		if err := fn(cur); err != nil {
			return err
		}
		last = cur[len(cur)-1].PersonID
	}
}

// queryer is a transaction or the database's reader pool.
type queryer interface {
	Query(ctx context.Context, q string, args ...any) (rowsIter, error)
}

// readCurrent computes the facts of the persons that where (appended to
// currentSQL) selects.
func readCurrent(ctx context.Context, q queryer, where string, args ...any) ([]fact, error) {
	rows, err := q.Query(ctx, currentSQL+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read persons for indicators: %w", err)
	}
	var cur []fact
	var subjects []*Subject // of cur's year rows (nil for registry rows)
	err = scanCurrent(rows, func(f fact, s *Subject) error {
		cur, subjects = append(cur, f), append(subjects, s)
		return nil
	})
	_ = rows.Close()
	if err != nil || len(cur) == 0 {
		return cur, err
	}
	// What casework adds: devices dispensed and rehabilitation sessions
	// attended in the year.
	var ids []int64
	for _, f := range cur {
		if f.Year == 0 {
			ids = append(ids, f.PersonID)
		}
	}
	dispensed, err := dispensedYears(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	sessions, err := sessionYears(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	culture, err := cultureYears(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for i, s := range subjects {
		if s == nil {
			continue
		}
		k := personYear{cur[i].PersonID, s.Year}
		if dispensed[k] || sessions[k] || culture[k] {
			s.DeviceDispensed, s.RehabSession, s.CultureEvent = dispensed[k], sessions[k], culture[k]
			cur[i].Bits = Bits(*s)
		}
	}
	return cur, nil
}

type personYear struct {
	id   int64
	year int
}

// shanghai is the time zone in which a case event counts toward a year.
var shanghai = time.FixedZone("CST", 8*3600)

// dispensedYears finds the years in which assistive devices were dispensed to
// these persons.
func dispensedYears(ctx context.Context, q queryer, ids []int64) (map[personYear]bool, error) {
	out := map[personYear]bool{}
	for start := 0; start < len(ids); start += idChunk {
		args, in := padded(ids[start:min(start+idChunk, len(ids))])
		rows, err := q.Query(ctx, dispensedSQL(in), args...)
		if err != nil {
			return nil, fmt.Errorf("read dispensed devices: %w", err)
		}
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("read dispensed devices: %w", err)
			}
			out[personYear{id, time.UnixMilli(at).In(shanghai).Year()}] = true
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read dispensed devices: %w", err)
		}
	}
	return out, nil
}

func dispensedSQL(in string) string {
	return `SELECT c.person_id, e.at FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE c.service_type = 'assistive_device' AND e.action IN ('dispense', 'dispense_part') AND c.person_id IN (` + in + `)`
}

// sessionYears finds the years in which these persons attended a
// rehabilitation session (by the session's date).
func sessionYears(ctx context.Context, q queryer, ids []int64) (map[personYear]bool, error) {
	out := map[personYear]bool{}
	for start := 0; start < len(ids); start += idChunk {
		args, in := padded(ids[start:min(start+idChunk, len(ids))])
		rows, err := q.Query(ctx, sessionsSQL(in), args...)
		if err != nil {
			return nil, fmt.Errorf("read rehabilitation sessions: %w", err)
		}
		for rows.Next() {
			var id int64
			var date string
			if err := rows.Scan(&id, &date); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("read rehabilitation sessions: %w", err)
			}
			if y, err := strconv.Atoi(date[:min(4, len(date))]); err == nil {
				out[personYear{id, y}] = true
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read rehabilitation sessions: %w", err)
		}
	}
	return out, nil
}

// sessionsSQL reads the distinct years (as dates) of attended sessions.
func sessionsSQL(in string) string {
	return `SELECT DISTINCT person_id, substr(date, 1, 4) FROM rehab_sessions WHERE attended = TRUE AND person_id IN (` + in + `)`
}

// cultureYears finds the years in which these persons attended a sport or
// culture event, or a culture or sport programme of a centre (by the date of
// the event or the roll call).
func cultureYears(ctx context.Context, q queryer, ids []int64) (map[personYear]bool, error) {
	out := map[personYear]bool{}
	for start := 0; start < len(ids); start += idChunk {
		args, in := padded(ids[start:min(start+idChunk, len(ids))])
		rows, err := q.Query(ctx, cultureSQL(in), append(append(args, args...), args...)...)
		if err != nil {
			return nil, fmt.Errorf("read culture and sports attendance: %w", err)
		}
		for rows.Next() {
			var id int64
			var year string
			if err := rows.Scan(&id, &year); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("read culture and sports attendance: %w", err)
			}
			if y, err := strconv.Atoi(year); err == nil {
				out[personYear{id, y}] = true
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read culture and sports attendance: %w", err)
		}
	}
	return out, nil
}

// cultureSQL reads the years (as 4-digit text) of the sport and culture
// events (this installation's own, and partner districts' shared events its
// residents attended, partner_event_entries) and centre programmes the
// persons attended; its in list comes three times.
func cultureSQL(in string) string {
	return `SELECT e.person_id, substr(v.date, 1, 4) FROM event_entries e JOIN events v ON v.id = e.event_id
		WHERE e.attended = TRUE AND v.kind IN ('sport', 'culture') AND v.state = 'open' AND e.person_id IN (` + in + `)
		UNION SELECT a.person_id, substr(a.date, 1, 4) FROM centre_attendance a JOIN centre_programmes g ON g.id = a.programme_id
		WHERE a.present = TRUE AND g.kind IN ('sport', 'culture') AND a.person_id IN (` + in + `)
		UNION SELECT x.person_id, substr(x.date, 1, 4) FROM partner_event_entries x
		WHERE x.attended = TRUE AND x.kind IN ('sport', 'culture') AND x.state = 'open' AND x.person_id IN (` + in + `)`
}

type txQuery struct{ tx *db.Tx }

func (t txQuery) Query(ctx context.Context, q string, args ...any) (rowsIter, error) {
	return t.tx.Query(ctx, q, args...)
}

type dbQuery struct{ d *db.DB }

func (t dbQuery) Query(ctx context.Context, q string, args ...any) (rowsIter, error) {
	return t.d.Query(ctx, q, args...)
}

// Rebuild recomputes every fact and rollup from the registry, in one
// transaction (`sunshine indicators rebuild`). It reports the facts written.
func (s *Store) Rebuild(ctx context.Context) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		n = 0
		for _, q := range []string{`DELETE FROM indicator_rollup`, `DELETE FROM indicator_facts`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("rebuild indicators: %w", err)
			}
		}
		d := delta{}
		err := recompute(ctx, txQuery{tx}, func(fs []fact) error {
			for _, f := range fs {
				d.add(f, 1)
			}
			n += len(fs)
			return writeFacts(ctx, tx, fs)
		})
		if err != nil {
			return err
		}
		return d.apply(ctx, tx)
	})
	return n, err
}

// Mismatch is one rollup row that differs from a full recomputation.
type Mismatch struct {
	Year    int    `json:"year"`
	Dim     string `json:"dim"`
	OrgUnit string `json:"orgunit"`
	Val     string `json:"val"`
	Counter string `json:"counter"`
	Stored  int64  `json:"stored"`
	Want    int64  `json:"want"`
}

// Check compares the rollups with a full recomputation from the registry and
// returns the differences (none when they agree), at most limit of them.
func (s *Store) Check(ctx context.Context, limit int) ([]Mismatch, error) {
	want := delta{}
	if err := recompute(ctx, dbQuery{s.db}, func(fs []fact) error {
		for _, f := range fs {
			want.add(f, 1)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT year, dim, orgunit, val, `+strings.Join(counterCols, ", ")+` FROM indicator_rollup`)
	if err != nil {
		return nil, fmt.Errorf("read indicator rollups: %w", err)
	}
	defer rows.Close()
	var out []Mismatch
	report := func(k rollKey, col int, stored, w int64) {
		if len(out) < limit {
			out = append(out, Mismatch{Year: k.Year, Dim: k.Dim, OrgUnit: k.OrgUnit, Val: k.Val, Counter: counterCols[col], Stored: stored, Want: w})
		}
	}
	seen := map[rollKey]bool{}
	for rows.Next() {
		var k rollKey
		vals := make([]int64, nCounters)
		dest := []any{&k.Year, &k.Dim, &k.OrgUnit, &k.Val}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read indicator rollups: %w", err)
		}
		seen[k] = true
		w := want[k]
		for i, v := range vals {
			var wv int64
			if w != nil {
				wv = w[i]
			}
			if v != wv {
				report(k, i, v, wv)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read indicator rollups: %w", err)
	}
	for k, w := range want {
		if seen[k] {
			continue
		}
		for i, wv := range w {
			if wv != 0 {
				report(k, i, 0, wv)
			}
		}
	}
	return out, nil
}

// sums adds up the counters of rollup rows of one year and dimension within
// a subtree, grouped by group: "" (one total), "val", or the length of the
// child codes to group villages by.
func (s *Store) sums(ctx context.Context, year int, dim, prefix string, childLen int, byVal bool) (map[string][]int64, error) {
	var g, groupBy string
	switch {
	case byVal:
		g, groupBy = "val", " GROUP BY val"
	case childLen > 0:
		g, groupBy = "substr(orgunit, 1, "+strconv.Itoa(childLen)+")", " GROUP BY substr(orgunit, 1, "+strconv.Itoa(childLen)+")"
	default:
		g = "''"
	}
	var sel []string
	for _, c := range counterCols {
		sel = append(sel, "CAST(COALESCE(SUM("+c+"), 0) AS BIGINT)")
	}
	lo, hi := db.PrefixRange(prefix)
	rows, err := s.db.Query(ctx, `SELECT `+g+`, `+strings.Join(sel, ", ")+` FROM indicator_rollup
		WHERE year = ? AND dim = ? AND orgunit >= ? AND orgunit < ?`+groupBy, year, dim, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("sum indicator rollups: %w", err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var key string
		vals := make([]int64, nCounters)
		dest := []any{&key}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sum indicator rollups: %w", err)
		}
		out[key] = vals
	}
	return out, rows.Err()
}

// Scope errors: a unit outside the caller's subtree answers as if it did not exist.
func notFound(code string) error {
	return apperr.New(apperr.NotFound, "找不到单位 "+code+"，或不在您的管辖范围内。", "Org unit "+code+" was not found or is outside your area.")
}

// unitIn checks that code is a unit within scope.
func (s *Store) unitIn(ctx context.Context, sc orgunit.Scope, code string) (orgunit.Unit, error) {
	if !sc.Contains(code) {
		return orgunit.Unit{}, notFound(code)
	}
	u, err := s.units.Get(ctx, code)
	if apperr.CodeOf(err) == apperr.NotFound {
		return orgunit.Unit{}, notFound(code)
	}
	return u, err
}

// Targets resolves the target of every indicator for a unit and year: the
// target set for the unit itself or its nearest ancestor for that year, else
// the default. source names the unit whose setting applies ("" for default).
func (s *Store) Targets(ctx context.Context, unit string, year int) (map[string]*float64, map[string]string, error) {
	path, err := s.units.Path(ctx, unit)
	if err != nil {
		return nil, nil, err
	}
	targets, source := map[string]*float64{}, map[string]string{}
	for _, d := range Defs {
		targets[d.Code] = d.Target
	}
	if len(path) == 0 {
		return targets, source, nil
	}
	codes := make([]any, 0, len(path)+1)
	codes = append(codes, year)
	for _, u := range path {
		codes = append(codes, u.Code)
	}
	rows, err := s.db.Query(ctx, `SELECT orgunit, code, target FROM indicator_targets WHERE year = ? AND orgunit IN (`+inList(len(path))+`)`, codes...)
	if err != nil {
		return nil, nil, fmt.Errorf("read targets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, code string
		var t float64
		if err := rows.Scan(&u, &code, &t); err != nil {
			return nil, nil, fmt.Errorf("read targets: %w", err)
		}
		if len(u) > len(source[code]) { // the deepest unit wins
			targets[code], source[code] = &t, u
		}
	}
	return targets, source, rows.Err()
}

// SetTarget sets (target non-nil) or removes the target of an indicator for a
// unit in scope and a year.
func (s *Store) SetTarget(ctx context.Context, sc orgunit.Scope, unit string, year int, code string, target *float64, by audit.Actor) error {
	err := s.SetTargets(ctx, sc, unit, year, map[string]*float64{code: target}, by)
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		for i := range e.Fields {
			if e.Fields[i].Field == code {
				e.Fields[i].Field = "target"
			}
		}
	}
	return err
}

// SetTargets sets or removes (nil) the targets of several indicators for a
// unit in scope and a year, all or none, each change in the audit log. Field
// errors name the indicator's code.
func (s *Store) SetTargets(ctx context.Context, sc orgunit.Scope, unit string, year int, targets map[string]*float64, by audit.Actor) error {
	if _, err := s.unitIn(ctx, sc, unit); err != nil {
		return err
	}
	var fields []apperr.FieldError
	if year < 2000 || year > 2100 {
		fields = append(fields, apperr.Field("year", "range", "年份应在 2000–2100 之间。", "The year must be between 2000 and 2100."))
	}
	codes := make([]string, 0, len(targets))
	for code, target := range targets {
		codes = append(codes, code)
		def, ok := DefOf(code)
		switch {
		case !ok:
			fields = append(fields, apperr.Field("code", "unknown", "没有这个指标："+code, "There is no indicator "+code+"."))
		case target == nil:
		case def.Kind == Rate && (*target < 0 || *target > 1):
			fields = append(fields, apperr.Field(code, "range", "比率的目标应在 0 到 1 之间（如 0.85 表示 85%）。", "A rate's target is between 0 and 1 (0.85 means 85%)."))
		case *target < 0:
			fields = append(fields, apperr.Field(code, "range", "目标不能为负数。", "The target cannot be negative."))
		}
	}
	if len(fields) > 0 {
		return apperr.Validation(fields...)
	}
	slices.Sort(codes)
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var entries []audit.Entry
		for _, code := range codes {
			target := targets[code]
			e := by.Entry(audit.ActionUpdate, "indicator_target", fmt.Sprintf("%s/%s/%d", code, unit, year), unit)
			if target == nil {
				if _, err := tx.Exec(ctx, `DELETE FROM indicator_targets WHERE orgunit = ? AND year = ? AND code = ?`, unit, year, code); err != nil {
					return fmt.Errorf("remove target: %w", err)
				}
				e.Detail = `{"target":null}`
			} else {
				_, err := tx.Exec(ctx, `INSERT INTO indicator_targets (orgunit, year, code, target, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (orgunit, year, code) DO UPDATE SET target = excluded.target, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
					unit, year, code, *target, by.Username, db.Millis(tx.Now))
				if err != nil {
					return fmt.Errorf("set target: %w", err)
				}
				e.Detail = fmt.Sprintf(`{"target":%g}`, *target)
			}
			entries = append(entries, e)
		}
		return audit.Append(ctx, tx, entries...)
	})
}
