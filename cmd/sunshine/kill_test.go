package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/demo"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// TestMain lets the test binary act as the sunshine command for the tests
// that run it as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("SUNSHINE_TEST_AS_CLI") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// prepareImport creates the database with the demo villages and writes n demo
// persons to a CSV file.
func prepareImport(t *testing.T, dsn, data string, n int) string {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DSN: dsn, DataDir: data, KeyFile: filepath.Join(data, "k")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var towns []orgunit.Unit
	for _, u := range orgunit.Seed() {
		if u.Parent == "310114" {
			towns = append(towns, u)
		}
	}
	ds := demo.Generate(3, n, towns, 2026, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error { return orgunit.InsertTx(ctx, tx, ds.Units...) }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "persons.csv")
	f, _ := os.Create(path)
	w := csv.NewWriter(f)
	w.Write(registry.Headers(registry.PersonColumns())[:14])
	for _, p := range ds.Persons {
		w.Write([]string{p.Name, p.IDNumber, p.CertificateNumber, strconv.Itoa(p.Category), strconv.Itoa(p.Grade), p.OrgUnit,
			p.Phone, p.Address, p.Hukou, p.EconomicStatus, p.GuardianName, p.GuardianPhone, p.CertificateIssued, p.Status})
	}
	w.Flush()
	f.Close()
	return path
}

// TestKilledImport runs `sunshine import` as its own process, kills it in the
// middle, and checks the database: whole batches of whole rows, kept in
// skip-invalid mode and undone at the next start in strict mode, and the
// audit chain intact.
func TestKilledImport(t *testing.T) {
	const n = 60000
	for engine, mk := range dsns(t) {
		for _, mode := range []string{registry.ModeStrict, registry.ModeSkipInvalid} {
			t.Run(engine+"/"+mode, func(t *testing.T) {
				dsn, data := mk(t), t.TempDir()
				file := prepareImport(t, dsn, data, n)
				cmd := exec.Command(os.Args[0], "import", "persons", file, "--mode", mode, "--db", dsn, "--data", data)
				cmd.Env = append(os.Environ(), "SUNSHINE_TEST_AS_CLI=1", "SUNSHINE_KEY_FILE="+filepath.Join(data, "k"))
				var out strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				d, err := db.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				// Kill once the import is under way: when the first batches are
				// committed.
				deadline := time.Now().Add(60 * time.Second)
				for time.Now().Before(deadline) {
					var k int
					_ = d.QueryRow(ctx, "SELECT count(*) FROM persons").Scan(&k)
					if k > 0 {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				err = cmd.Wait()
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
					t.Fatalf("the import finished before it was killed (%v): make the file bigger; output: %s", err, out.String())
				}
				var written, annual int
				if err := d.QueryRow(ctx, "SELECT count(*) FROM persons").Scan(&written); err != nil {
					t.Fatal(err)
				}
				// Every person written is whole.
				if err := d.QueryRow(ctx, "SELECT count(*) FROM persons WHERE name = '' OR id_enc IS NULL OR orgunit = ''").Scan(&annual); err != nil || annual != 0 {
					t.Fatalf("%d half-written persons (%v)", annual, err)
				}
				// The next start recovers the import: on PostgreSQL once its
				// heartbeat is stale (other servers may be importing), which a
				// clock three minutes on stands for.
				a, err := app.Open(ctx, app.Config{DSN: dsn, DataDir: data, KeyFile: filepath.Join(data, "k")})
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				if a.DB.Dialect == db.Postgres {
					a.DB.Clock = func() time.Time { return time.Now().UTC().Add(3 * time.Minute) }
					jobs, err := registry.NewJobs(ctx, a.Registry)
					if err != nil {
						t.Fatal(err)
					}
					jobs.Close()
				}
				var persons int
				if err := d.QueryRow(ctx, "SELECT count(*) FROM persons").Scan(&persons); err != nil {
					t.Fatal(err)
				}
				switch mode {
				case registry.ModeStrict:
					// It committed batches, and they were undone.
					if written == 0 || persons != 0 {
						t.Fatalf("killed strict import: %d persons written, %d left after the restart; want some, then none", written, persons)
					}
				default:
					if batch := registry.BatchSize; persons != written || persons == 0 || persons == n || persons%batch != 0 {
						t.Fatalf("killed skip-invalid import left %d persons (%d at the kill): want whole batches of %d, and not all", persons, written, batch)
					}
				}
				// The audit chain is intact.
				if v, err := a.Audit.VerifyAll(ctx); err != nil || !v.OK {
					t.Fatalf("audit chain after the kill: %+v %v", v, err)
				}
				// The import is audited as one entry: at the next start, the
				// interrupted import's, which lists the persons it created.
				var detail string
				err = d.QueryRow(ctx, "SELECT detail FROM audit_log WHERE subject_type = 'import'").Scan(&detail)
				if errors.Is(err, sql.ErrNoRows) && persons == 0 {
					return // nothing written, nothing to list
				}
				if err != nil {
					t.Fatal(err)
				}
				var entry struct {
					Interrupted bool   `json:"interrupted"`
					Created     string `json:"persons_created"`
				}
				if err := json.Unmarshal([]byte(detail), &entry); err != nil {
					t.Fatal(err)
				}
				created := len(strings.FieldsFunc(entry.Created, func(r rune) bool { return r == ',' }))
				if !entry.Interrupted || created != written {
					t.Fatalf("%d persons but %d created in the interrupted import's audit entry: %s", persons, created, detail)
				}
			})
		}
	}
}
