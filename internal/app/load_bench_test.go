package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/platform/testkit"
)

// loadResult is what one load run measured.
type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

// load sends requests from `clients` concurrent clients for dur and measures
// throughput and latency. Every answer must be 200.
func load(client *http.Client, clients int, dur time.Duration, build func(i int) *http.Request) loadResult {
	var (
		mu    sync.Mutex
		lats  []time.Duration
		errs  atomic.Int64
		total atomic.Int64
		wg    sync.WaitGroup
	)
	stop := time.Now().Add(dur)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for i := c; time.Now().Before(stop); i += clients {
				t0 := time.Now()
				resp, err := client.Do(build(i))
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs.Add(1)
				}
				local = append(local, time.Since(t0))
				total.Add(1)
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lats)
	r := loadResult{rps: float64(total.Load()) / elapsed.Seconds(), errors: errs.Load()}
	if n := len(lats); n > 0 {
		r.p50, r.p99 = lats[n/2], lats[n*99/100]
	}
	return r
}

// BenchmarkReadLoad measures person reads (GET /api/v1/persons/{id}, each
// audited) against /healthz on the same server, with 200 concurrent clients on
// SQLite, and reports the ratio. Run with: make bench.
func BenchmarkReadLoad(b *testing.B) {
	ctx := context.Background()
	d := testkit.SQLite(b)
	a, err := app.New(ctx, d, app.Config{KeyFile: filepath.Join(b.TempDir(), "key")})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if err := a.LoadDemo(ctx, 20000, 7, io.Discard); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: a.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 400, MaxIdleConnsPerHost: 400}}
	resp, err := client.Post(base+"/api/v1/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"demo","password":%q}`, app.DemoPassword)))
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("login: %v %v", resp, err)
	}
	var tok struct{ Token string }
	decodeJSON(resp.Body, &tok)
	resp.Body.Close()
	ids := jiadingPersons(b, d)
	const clients = 200
	dur := 5 * time.Second
	health := func(int) *http.Request {
		r, _ := http.NewRequest("GET", base+"/healthz", nil)
		return r
	}
	person := func(i int) *http.Request {
		r, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/persons/%d", base, ids[i%len(ids)]), nil)
		r.Header.Set("Authorization", "Bearer "+tok.Token)
		return r
	}
	load(client, clients, time.Second, person) // warm up connections and caches
	b.ResetTimer()
	h := load(client, clients, dur, health)
	p := load(client, clients, dur, person)
	b.StopTimer()
	if h.errors+p.errors > 0 {
		b.Fatalf("errors: healthz %d, person %d", h.errors, p.errors)
	}
	b.ReportMetric(h.rps, "healthz_req/s")
	b.ReportMetric(p.rps, "person_req/s")
	b.ReportMetric(p.rps/h.rps, "ratio")
	b.ReportMetric(float64(h.p99.Microseconds())/1000, "healthz_p99_ms")
	b.ReportMetric(float64(p.p99.Microseconds())/1000, "person_p99_ms")
	b.ReportMetric(float64(p.p50.Microseconds())/1000, "person_p50_ms")
	var audited int
	_ = d.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'read'`).Scan(&audited)
	b.Logf("healthz %.0f req/s (p99 %v); person reads %.0f req/s (p50 %v, p99 %v); ratio %.2f; %d reads audited",
		h.rps, h.p99, p.rps, p.p50, p.p99, p.rps/h.rps, audited)
}
