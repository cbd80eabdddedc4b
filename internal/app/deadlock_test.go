package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// watchdog fails the whole test binary with a dump of every goroutine when
// stop is not called within limit: a deadlocked server never answers, so the
// test could not end by itself, and the dump shows who waits for whom.
func watchdog(limit time.Duration, what string) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(limit):
			buf := make([]byte, 64<<20)
			n := runtime.Stack(buf, true)
			fmt.Fprintf(os.Stderr, "\n=== %s: not finished after %s; every goroutine:\n%s\n", what, limit, buf[:n])
			panic(what + ": stuck for " + limit.String() + " (the goroutine dump is above)")
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// timed is an HTTP client whose requests give up after limit, so that a
// stuck server shows as an error, not a hung test.
func timed(limit time.Duration) *http.Client {
	return &http.Client{Timeout: limit, CheckRedirect: apptest.NoRedirect}
}

// TestImportWhileReading is issue 24's regression test: on a fresh app,
// district staff read a person's record in a loop (every read is audited and
// group-committed on the writer) while the first strict import of 2,000
// persons runs through the API. The import's last statement, prepared for the
// first time, used to wait for the writer while holding the statement cache's
// lock that the audit's transaction needed: nothing ever answered again.
// Not in parallel with other tests: it waits on timers and time limits.
func TestImportWhileReading(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		data, err := os.ReadFile(writePersonsCSV(t, d, 2000))
		if err != nil {
			t.Fatal(err)
		}
		stop := watchdog(2*time.Minute, t.Name())
		defer stop()

		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var reads, failures atomic.Int64
		var firstFailure atomic.Value
		client := timed(30 * time.Second)
		path := e.Srv.URL + "/api/v1/persons/" + strconv.FormatInt(e.In, 10)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
					}
					req, _ := http.NewRequest("GET", path, nil)
					req.Header.Set("Authorization", "Bearer "+e.Tokens["district"])
					resp, err := client.Do(req)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode != 200 {
							err = fmt.Errorf("status %d", resp.StatusCode)
						}
					}
					reads.Add(1)
					if err != nil {
						failures.Add(1)
						firstFailure.CompareAndSwap(nil, err.Error())
					}
				}
			}()
		}
		time.Sleep(100 * time.Millisecond) // the readers are under way
		start := time.Now()
		st, rep := e.importFile("district", "/api/v1/imports/persons?mode=strict", "persons.csv", data)
		took := time.Since(start)
		// Reads and writes still answer after the import.
		time.Sleep(200 * time.Millisecond)
		cancel()
		wg.Wait()
		stop()
		if st != 200 || rep.Created != 2000 {
			t.Fatalf("import: %d, created %d, rejected %d", st, rep.Created, rep.RejectedRows)
		}
		if n := failures.Load(); n > 0 {
			t.Fatalf("%d of %d reads failed, the first: %v", n, reads.Load(), firstFailure.Load())
		}
		if v := e.Version(e.In); v < 1 {
			t.Fatalf("version %d", v)
		}
		t.Logf("import of 2,000 persons in %s beside %d audited reads", took.Round(time.Millisecond), reads.Load())
	})
}

// TestReadyz: /readyz answers 503 when a write cannot start or the audit
// log's group commit is stuck for longer than app.ReadyLimit, and 200 again
// once the writer is free. A transaction holds the audit head (on SQLite,
// the writer itself) while an audited read waits for its group commit.
// Not in parallel with other tests: it measures how long readyz takes.
func TestReadyz(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		stop := watchdog(time.Minute, t.Name())
		defer stop()
		client := timed(30 * time.Second)
		ready := func() (int, string) {
			t.Helper()
			resp, err := client.Get(e.Srv.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			_, _ = io.Copy(&b, resp.Body)
			return resp.StatusCode, b.String()
		}
		if st, body := ready(); st != 200 || body != "ok" {
			t.Fatalf("readyz on a quiet server: %d %q", st, body)
		}
		held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- d.InTx(ctx, func(tx *db.Tx) error {
				var seq int64
				if err := tx.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`+tx.ForUpdate()).Scan(&seq); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		read := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest("GET", e.Srv.URL+"/api/v1/persons/"+strconv.FormatInt(e.In, 10), nil)
			req.Header.Set("Authorization", "Bearer "+e.Tokens["district"])
			resp, err := client.Do(req)
			if err != nil {
				read <- 0
				return
			}
			resp.Body.Close()
			read <- resp.StatusCode
		}()
		time.Sleep(app.ReadyLimit + 500*time.Millisecond)
		start := time.Now()
		st, body := ready()
		took := time.Since(start)
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if st != 503 || !strings.HasPrefix(body, "not ready: ") {
			t.Errorf("readyz with the writer held: %d %q, want 503", st, body)
		}
		if took > app.ReadyLimit+2*time.Second {
			t.Errorf("readyz took %s to answer", took)
		}
		if st := <-read; st != 200 {
			t.Errorf("the audited read after the writer was freed: %d", st)
		}
		if st, body := ready(); st != 200 {
			t.Errorf("readyz once the writer is free: %d %q", st, body)
		}
		t.Logf("readyz with the writer held: %d %q in %s", st, body, took.Round(time.Millisecond))
	})
}
