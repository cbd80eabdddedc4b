package indicators_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// BenchmarkCity loads a whole city — SUNSHINE_BENCH_PERSONS demo persons
// (default 600,000) with annual records, on SQLite and, when SUNSHINE_TEST_PG
// is set, on PostgreSQL — and then, over 21 rounds that each begin with a write
// (an annual record changed, so no figure can come from a stale cache), times:
// one plain SELECT count(*) over annual_records (the baseline), all indicators
// for the district, all for a town, and one breakdown by child unit. It
// reports the medians in ms and as ratios to the baseline.
//
//	go test -run '^$' -bench City -benchtime 1x -timeout 60m ./internal/indicators/
func BenchmarkCity(b *testing.B) {
	n := 600_000
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_PERSONS")); err == nil && v > 0 {
		n = v
	}
	engines := []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", testkit.SQLite}, {"postgres", testkit.Postgres}}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			d := e.open(b)
			ctx := context.Background()
			a, err := app.New(ctx, d, app.Config{KeyFile: filepath.Join(b.TempDir(), "key")})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			start := time.Now()
			if err := a.LoadDemo(ctx, n, 11, io.Discard); err != nil {
				b.Fatal(err)
			}
			load := time.Since(start)
			if e.name == "postgres" {
				if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			year := d.Now().Year()
			var pid int64
			var village string
			if err := d.QueryRow(ctx, `SELECT person_id, orgunit FROM annual_records WHERE year = ? ORDER BY person_id LIMIT 1`, year).Scan(&pid, &village); err != nil {
				b.Fatal(err)
			}
			town := village[:9]
			sys := access.Caller{Scope: orgunit.ScopeOf("3")}
			all := orgunit.ScopeOf("3")
			// The alternative the rollups replace: a direct query over the annual
			// records and persons, here for only four of the indicators.
			direct := `SELECT count(*),
				SUM(CASE WHEN a.employment IN ('employed', 'unemployed') AND ? - CAST(substr(p.birth_date, 1, 4) AS INTEGER) BETWEEN 16 AND 59 THEN 1 ELSE 0 END),
				SUM(CASE WHEN a.employment = 'employed' AND ? - CAST(substr(p.birth_date, 1, 4) AS INTEGER) BETWEEN 16 AND 59 THEN 1 ELSE 0 END),
				SUM(CASE WHEN a.medical_insured THEN 1 ELSE 0 END), SUM(CASE WHEN a.culture_sports THEN 1 ELSE 0 END),
				(SELECT count(*) FROM persons q WHERE q.status = 'active' AND q.orgunit >= ? AND q.orgunit < ?)
				FROM annual_records a JOIN persons p ON p.id = a.person_id WHERE a.year = ? AND a.orgunit >= ? AND a.orgunit < ?`
			var times [6][]time.Duration
			measure := func(i int, fn func() error) {
				t0 := time.Now()
				if err := fn(); err != nil {
					b.Fatal(err)
				}
				times[i] = append(times[i], time.Since(t0))
			}
			for b.Loop() {
				for round := range 21 {
					measure(0, func() error {
						_, _, err := a.Registry.PutAnnual(ctx, sys, pid, registry.Annual{Year: year, Employment: "employed", CultureSports: round%2 == 0, MedicalInsured: true})
						return err
					})
					measure(1, func() error {
						var c int64
						return d.QueryRow(ctx, `SELECT count(*) FROM annual_records`).Scan(&c)
					})
					measure(2, func() error {
						_, err := a.Indicators.Indicators(ctx, all, "310114", year, "zh")
						return err
					})
					measure(3, func() error {
						_, err := a.Indicators.Indicators(ctx, all, town, year, "zh")
						return err
					})
					measure(4, func() error {
						_, err := a.Indicators.Breakdown(ctx, all, "employment_rate", "310114", year, "orgunit", "zh")
						return err
					})
					if round < 5 { // slow: five rounds are enough
						measure(5, func() error {
							var x [6]*int64
							return d.QueryRow(ctx, direct, year, year, "310114", "310114:", year, "310114", "310114:").Scan(&x[0], &x[1], &x[2], &x[3], &x[4], &x[5])
						})
					}
				}
			}
			med := func(ds []time.Duration) float64 {
				s := slices.Clone(ds)
				slices.Sort(s)
				return float64(s[len(s)/2].Microseconds()) / 1000
			}
			base := med(times[1])
			b.ReportMetric(med(times[0]), "write-ms")
			b.ReportMetric(base, "count-ms")
			for i, name := range []string{"district", "town", "breakdown"} {
				b.ReportMetric(med(times[i+2]), name+"-ms")
				b.ReportMetric(med(times[i+2])/base, name+"/count")
			}
			b.ReportMetric(med(times[5]), "direct-ms")
			b.Logf("%s, %d persons (loaded in %s): write %.1f ms; SELECT count(*) %.1f ms; district %.1f ms (%.2f×); town %.1f ms (%.2f×); breakdown %.1f ms (%.2f×); a direct query for 4 indicators of the district %.1f ms (%.2f×)",
				e.name, n, load.Round(time.Second), med(times[0]), base, med(times[2]), med(times[2])/base, med(times[3]), med(times[3])/base, med(times[4]), med(times[4])/base,
				med(times[5]), med(times[5])/base)
		})
	}
}
