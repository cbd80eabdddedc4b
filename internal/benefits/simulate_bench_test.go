package benefits_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/benefits"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// cpuTime is the CPU time the process has used (user and system): a
// measure of a simulation's work that a busy machine does not inflate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fillRegistry writes n persons with realistic facts (category, grade,
// hukou, status, certificate dates, birth years, components of multiple
// disabilities) over 120 villages of the district's 12 towns, and an annual
// record of year for most of them, with multi-row INSERTs in one
// transaction. The ID columns hold placeholders (no ID number is read).
func fillRegistry(tb testing.TB, d *db.DB, n, year int) {
	tb.Helper()
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(2026, 11))
	var villages []string
	var units []orgunit.Unit
	for _, u := range orgunit.Seed() {
		if u.Level == 3 && strings.HasPrefix(u.Code, "310114") {
			for v := range 10 {
				code := fmt.Sprintf("%s2%02d", u.Code, v+1)
				villages = append(villages, code)
				units = append(units, orgunit.Unit{Code: code, Name: fmt.Sprintf("%s第%d村", u.Name, v+1), Level: 4, Parent: u.Code, Demo: true})
			}
		}
	}
	weighted := func(ws ...int) int { // an index by weight
		total := 0
		for _, w := range ws {
			total += w
		}
		x := rnd.IntN(total)
		for i, w := range ws {
			if x < w {
				return i
			}
			x -= w
		}
		return len(ws) - 1
	}
	employment := []string{"employed", "unemployed", "unable", "retired", "student", "not_seeking"}
	economic := []string{"normal", "dibao", "near_dibao", "tekun"}
	now := time.Now().UnixMilli()
	const chunk = 400
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := orgunit.InsertTx(ctx, tx, units...); err != nil {
			return err
		}
		for start := 1; start <= n; start += chunk {
			var prows, arows []string
			var pargs, aargs []any
			for id := start; id < start+chunk && id <= n; id++ {
				cat := 1 + weighted(10, 12, 2, 45, 10, 12, 9)
				comps := ""
				if cat == 7 {
					comps = fmt.Sprintf("%d,%d", 1+rnd.IntN(3), 4+rnd.IntN(3))
				}
				grade := 1 + weighted(12, 20, 30, 38)
				hukou := []string{"local", "nonlocal"}[weighted(95, 5)]
				status := []string{"active", "moved_out", "deceased", "cancelled"}[weighted(90, 4, 5, 1)]
				issued := ""
				if rnd.IntN(50) > 0 {
					issued = time.Date(2008+rnd.IntN(19), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
				}
				village := villages[rnd.IntN(len(villages))]
				bidx := binary.BigEndian.AppendUint64(nil, uint64(id))
				prows = append(prows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				pargs = append(pargs, id, fmt.Sprintf("模拟%d", id), bidx, bidx, "310114************", []string{"M", "F"}[id%2],
					cat, comps, grade, village, hukou, issued, status, 1930+rnd.IntN(90), now, now)
				if rnd.IntN(100) < 85 {
					arows = append(arows, "(?, ?, ?, ?, ?, ?)")
					aargs = append(aargs, id, year, village, employment[weighted(30, 15, 25, 20, 5, 5)], economic[weighted(70, 15, 10, 5)], now)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO persons (id, name, id_enc, id_bidx, id_masked, sex, category, components, grade, orgunit,
				hukou, certificate_issued, status, birth_year, created_at, updated_at) VALUES `+strings.Join(prows, ", "), pargs...); err != nil {
				return err
			}
			if len(arows) > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO annual_records (person_id, year, orgunit, employment, economic_status, updated_at) VALUES `+
					strings.Join(arows, ", "), aargs...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
	// As the database's checkpointer would in a while: reading the registry
	// through a WAL holding all of it is slower.
	if _, err := d.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSimulate600k times simulations over 600,000 persons on SQLite
// — three drafts: "grade 3 physical also gets the care subsidy" (a new
// clause, 36,191 gainers), "the living subsidy at 480 a month" (a new
// amount of a clause that reads the annual record) and "grade 3 aged 70
// and over gets the care subsidy" (a condition on age, which splits the
// persons into many more distinct facts) — against a plain
// SELECT count(*) FROM persons in the same run, and reports each in ms,
// its CPU time, and the worst's ratio to the count. Run with:
//
//	go test -run '^$' -bench BenchmarkSimulate600k -benchtime 3x ./internal/benefits/
//
// The target is under 2 s. Measured on 2 December 2026, 2 CPUs, load
// average 2.5 (another test run going): 555 ms (care clause), 619 ms
// (living amount), 1,204 ms (age); count(*) 7.5 ms. The code before the
// split scan, the packed row and the parallel decisions, measured in the
// same conditions a minute later: 924 ms (care clause) and 2.0–2.3 s
// (age). The first version (one join with GROUP BY in SQL) took 8 s:
// modernc's SQLite sorts slowly.
func BenchmarkSimulate600k(b *testing.B) {
	const n = 600_000
	ctx := context.Background()
	d := testkit.SQLite(b)
	d.Clock = testkit.Clock(apptest.Start())
	a, err := app.New(ctx, d, apptest.Config(b))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	t0 := time.Now()
	fillRegistry(b, d, n, apptest.Start().Year())
	b.Logf("filled %d persons in %v", n, time.Since(t0).Round(time.Millisecond))
	caller := district()
	drafts := map[string]benefits.SimDraft{
		"care_grade3_physical": {Month: "2026-11", Rules: []benefits.DraftRule{{Code: "care_grade3_physical", Benefit: benefits.Care, Kind: benefits.Grants,
			Position: 40, Condition: "grade == 3 && category == 4", AmountCents: 18000, TitleZh: "三级肢体残疾", TitleEn: "grade 3 physical"}}},
		"living_480": {Month: "2026-11", Rules: []benefits.DraftRule{{Code: "living_dibao", Condition: `economic_status == "dibao"`, AmountCents: 48000}}},
		"age":        {Month: "2026-11", Rules: []benefits.DraftRule{{Code: "care_grade2", Condition: "grade == 2 || (grade == 3 && age >= 70)", AmountCents: 18000}}},
	}
	// Once each, untimed: what they find, and the warm-up of the caches.
	for name, dr := range drafts {
		t1 := time.Now()
		sim, err := a.Benefits.Simulate(ctx, caller, dr)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %v, %d gainers, %d losers, %d listed, %d towns", name, time.Since(t1).Round(time.Millisecond), sim.Gainers, sim.Losers,
			len(sim.Gaining)+len(sim.Losing), len(sim.Benefits[0].Towns))
	}
	// Timed: each draft in turn (a condition on grade and category; an
	// amount of a clause that reads the annual record; a condition on
	// age, which reads one more column and splits the persons finer).
	names := []string{"care_grade3_physical", "living_480", "age"}
	simTime, simCPU := map[string]time.Duration{}, map[string]time.Duration{}
	var countTime time.Duration
	b.ResetTimer()
	for range b.N {
		for _, name := range names {
			t1, c1 := time.Now(), cpuTime()
			if _, err := a.Benefits.Simulate(ctx, caller, drafts[name]); err != nil {
				b.Fatal(err)
			}
			simTime[name] += time.Since(t1)
			simCPU[name] += cpuTime() - c1
		}
		t1 := time.Now()
		var count int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM persons`).Scan(&count); err != nil || count < n {
			b.Fatal(count, err)
		}
		countTime += time.Since(t1)
	}
	b.StopTimer()
	per := func(t time.Duration) float64 { return float64(t.Microseconds()) / 1000 / float64(b.N) }
	countMs := per(countTime)
	var worst float64
	for _, name := range names {
		ms := per(simTime[name])
		worst = max(worst, ms)
		b.ReportMetric(ms, name+"-ms")
		b.ReportMetric(per(simCPU[name]), name+"-cpu-ms")
	}
	b.ReportMetric(countMs, "count-ms")
	b.ReportMetric(worst/countMs, "ratio")
	if worst > 2000 { // not a failure: a busy machine is slower; the ratio holds
		b.Logf("a simulation over %d persons took %.0f ms, more than 2 s", n, worst)
	}
}
