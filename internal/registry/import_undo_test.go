package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// rowsSource gives n person rows of the test village named prefix+row; row
// bad, if any, has a grade that does not exist. After the rows, dies (if
// set) is called and the source fails, as a dying process; so it does when
// fails is set; else io.EOF.
type rowsSource struct {
	row, n, bad int
	prefix      string
	dies        func()
	fails       bool
	// at, when set, is called before the row of that number (during).
	at     func()
	during int
}

func (s *rowsSource) Header() []string {
	return []string{"姓名", "身份证号", "残疾类别", "残疾等级", "所属村居"}
}
func (s *rowsSource) Row() int { return s.row }
func (s *rowsSource) Next() ([]string, error) {
	s.row++
	if s.row == s.during && s.at != nil {
		s.at()
	}
	if s.row > s.n {
		if s.dies != nil {
			s.dies()
		}
		if s.dies != nil || s.fails {
			return nil, fmt.Errorf("the process died")
		}
		return nil, io.EOF
	}
	first17 := fmt.Sprintf("310114198001%02d%03d", 1+s.row/1000, s.row%1000)
	grade := "2"
	if s.row == s.bad {
		grade = "9"
	}
	return []string{s.prefix + fmt.Sprint(s.row), first17 + string(registry.IDCheckChar(first17)), "4", grade, apptest.Village}, nil
}

// state is what an undone import must leave as it found: the persons (name
// and sex; the version moves on) and the indicator rollups and facts.
func state(t *testing.T, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT id, name, sex FROM persons ORDER BY id`,
		`SELECT * FROM indicator_rollup ORDER BY 1, 2, 3, 4`, `SELECT person_id, year, orgunit FROM indicator_facts ORDER BY 1, 2`} {
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			if line := fmt.Sprintln(vals...); len(cols) < 5 || !strings.HasSuffix(line, strings.Repeat(" 0", len(cols)-4)+"\n") { // a rollup row of zeros is no row
				b.WriteString(line)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		_ = rows.Close()
	}
	return b.String()
}

// TestStrictImportUndone: a strict import commits in batches, and when a row
// is rejected after some batches are committed, it undoes them: the persons
// it created are gone, those it updated are as they were, the indicators are
// as they were, and its one audit entry says it was undone and still lists
// the persons it wrote for a while.
func TestStrictImportUndone(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		if _, err := a.Registry.ImportPersons(ctx, town, &rowsSource{n: 300, prefix: "行"}, registry.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		before := state(t, d)
		if !strings.Contains(before, " 行300 ") {
			t.Fatalf("first import: %.200s", before)
		}
		// Rows 1–300 update, 301–1200 create; row 1150 is rejected, when
		// two batches (1,000 rows) are committed.
		o := registry.ImportOptions{Mode: registry.ModeStrict, ID: "undone", BatchRows: 500}
		res, err := a.Registry.ImportPersons(ctx, town, &rowsSource{n: 1200, bad: 1150, prefix: "新"}, o)
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Report; r.RejectedRows != 1 || r.Created+r.Updated+r.Unchanged != 0 || r.Rejected[0].Row != 1150 {
			t.Errorf("report: %+v", r)
		}
		if after := state(t, d); after != before {
			t.Errorf("the undone import left changes:\nbefore %.300s\nafter  %.300s", before, after)
		}
		es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectImport, SubjectID: o.ID})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, `"undone":true,"undo_kept":0`) {
			t.Fatalf("audit of the undone import: %+v %v", es, err)
		}
		if c, u := mentions(t, es[0].Detail, "persons_created"), mentions(t, es[0].Detail, "persons_updated"); c != 700 || u != 300 {
			t.Errorf("undone import lists %d created, %d updated; want 700, 300", c, u)
		}
		var left int
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM import_batches) + (SELECT COUNT(*) FROM import_runs)`).Scan(&left); err != nil || left != 0 {
			t.Errorf("batches and runs left: %d %v", left, err)
		}
		// The same file without its bad row imports whole.
		res, err = a.Registry.ImportPersons(ctx, town, &rowsSource{n: 1200, prefix: "新"}, o)
		if err != nil || res.Report.Created != 900 || res.Report.Updated != 300 {
			t.Fatalf("good import: %+v %v", res.Report, err)
		}
		// What the import's batches held back of the rollups is all applied
		// by its end: as a rebuild from the registry makes them.
		imported := state(t, d)
		if _, err := a.Indicators.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if rebuilt := state(t, d); rebuilt != imported {
			t.Errorf("rollups after the import differ from a rebuild:\n%.500s\n%.500s", imported, rebuilt)
		}
	})
}

// TestStrictImportInterruptedUndone: a strict import whose process dies
// after committing two batches is undone at the next start, once, even when
// several servers start at the same moment (PostgreSQL), and on PostgreSQL
// only once its heartbeat is stale (another server may still be writing it).
func TestStrictImportInterruptedUndone(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		a := apptest.New(t, d, now)
		town := apptest.Caller(identity.TownStaff, "310114102")
		before := state(t, d)
		o := registry.ImportOptions{Mode: registry.ModeStrict, ID: "dies-strict", FileName: "big.csv", BatchRows: 500}
		if _, err := a.Jobs.Begin(ctx, town, "persons", o, 1200); err != nil {
			t.Fatal(err)
		}
		ictx, die := context.WithCancel(ctx)
		defer die()
		src := &rowsSource{n: 1100, prefix: "行", dies: func() {
			for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(time.Millisecond) {
				var n int
				if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM import_batches WHERE import_id = ?`, o.ID).Scan(&n); err != nil || n == 2 {
					break
				}
			}
			die()
		}}
		if _, err := a.Registry.ImportPersons(ictx, town, src, o); err == nil {
			t.Fatal("the import did not fail")
		}
		if n, _ := a.Registry.Count(ctx, town, registry.Filter{}); n != 1000 {
			t.Fatalf("persons written before dying: %d, want 1000", n)
		}
		if d.Dialect == db.Postgres {
			// Another server starting now leaves it: its heartbeat is fresh.
			if _, err := registry.NewJobs(ctx, a.Registry); err != nil {
				t.Fatal(err)
			}
			if n, _ := a.Registry.Count(ctx, town, registry.Filter{}); n != 1000 {
				t.Fatalf("a live import was recovered: %d persons left", n)
			}
			d.Clock = func() time.Time { return now.Add(3 * time.Minute) }
		}
		// The next start, on three servers at once (PostgreSQL; SQLite has
		// one).
		servers := 1
		if d.Dialect == db.Postgres {
			servers = 3
		}
		var wg sync.WaitGroup
		errs := make([]error, servers)
		jobs := make([]*registry.Jobs, servers)
		for i := range errs {
			wg.Go(func() { jobs[i], errs[i] = registry.NewJobs(ctx, a.Registry) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if after := state(t, d); after != before {
			t.Errorf("the interrupted strict import left changes: %.300s", after)
		}
		for _, j := range jobs {
			j.Close()
		}
		st, err := jobs[0].Status(ctx, town, o.ID, "en")
		if err != nil || st.State != "failed" || !strings.Contains(st.Error, "taken back") {
			t.Errorf("status after restart: %+v %v", st, err)
		}
		es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectImport, SubjectID: o.ID})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, `"interrupted":true`) || !strings.Contains(es[0].Detail, `"undone":true`) {
			t.Fatalf("audit of the interrupted import: %+v %v", es, err)
		}
		if c := mentions(t, es[0].Detail, "persons_created"); c != 1000 {
			t.Errorf("interrupted import lists %d created; want 1000", c)
		}
	})
}

// TestStrictImportUndoKeepsOthersChanges: a person whom a strict import
// updated, and whom someone else changed before the import was undone, keeps
// that change (the undo does not overwrite it), and the import's audit entry
// counts what it left.
func TestStrictImportUndoKeepsOthersChanges(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		town := apptest.Caller(identity.TownStaff, "310114102")
		if _, err := a.Registry.ImportPersons(ctx, town, &rowsSource{n: 300, prefix: "行"}, registry.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := d.QueryRow(ctx, `SELECT id FROM persons WHERE name = '行5'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		// Once the first batch (rows 1–500: person 行5 updated to 新5) is
		// committed, a clerk renames 新5; row 1150 then undoes the import.
		src := &rowsSource{n: 1200, bad: 1150, prefix: "新", during: 1001, at: func() {
			for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(time.Millisecond) {
				var n int
				if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM import_batches WHERE import_id = 'undone-kept'`).Scan(&n); err != nil || n >= 1 {
					break
				}
			}
			p, err := a.Registry.Get(ctx, town, id)
			if err != nil || p.Name != "新5" {
				t.Errorf("during the import: %+v %v", p, err)
				return
			}
			if _, err := a.Registry.Patch(ctx, town, id, map[string]json.RawMessage{"name": json.RawMessage(`"王五"`), "version": json.RawMessage(fmt.Sprint(p.Version))}); err != nil {
				t.Error(err)
			}
		}}
		o := registry.ImportOptions{Mode: registry.ModeStrict, ID: "undone-kept", BatchRows: 500}
		if _, err := a.Registry.ImportPersons(ctx, town, src, o); err != nil {
			t.Fatal(err)
		}
		var name string
		var left int
		if err := d.QueryRow(ctx, `SELECT name FROM persons WHERE id = ?`, id).Scan(&name); err != nil || name != "王五" {
			t.Errorf("the clerk's change: %q %v", name, err)
		}
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM persons WHERE name LIKE '新%'`).Scan(&left); err != nil || left != 0 {
			t.Errorf("the import left %d of its names (%v)", left, err)
		}
		es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectImport, SubjectID: o.ID})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, `"undone":true,"undo_kept":1`) {
			t.Fatalf("audit of the undone import: %+v %v", es, err)
		}
	})
}
