package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sunshine/internal/platform/testkit"
)

// dsns gives the CLI a fresh database on each engine.
func dsns(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "s.db") },
		"postgres": func(t *testing.T) string { return testkit.PostgresSchemaDSN(t) },
	}
}

func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String() + errb.String(), err
}

func TestCommands(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := dsns(t)[engine](t)
			data := t.TempDir()
			t.Setenv("SUNSHINE_KEY_FILE", filepath.Join(data, "k"))
			if out, err := runCLI(t, "", "version"); err != nil || !strings.HasPrefix(out, "sunshine ") {
				t.Fatalf("version: %q %v", out, err)
			}
			// user add works on a new database before serve ever ran; the password comes from stdin.
			if out, err := runCLI(t, "a long enough secret\n", "user", "add", "--db", dsn, "--data", data, "--username", "li", "--role", "town_staff", "--orgunit", "310114102"); err != nil {
				t.Fatalf("user add: %q %v", out, err)
			}
			if _, err := runCLI(t, "short\n", "user", "add", "--db", dsn, "--data", data, "--username", "li2", "--role", "town_staff", "--orgunit", "310114102"); err == nil || !strings.Contains(oneLine(err), "password") {
				t.Fatalf("short password accepted: %v", err)
			}
			if _, err := runCLI(t, "a long enough secret\n", "user", "add", "--db", dsn, "--data", data, "--username", "li3", "--role", "town_staff", "--orgunit", "999"); err == nil || !strings.Contains(oneLine(err), "orgunit") {
				t.Fatalf("unknown org unit accepted: %v", err)
			}
			if out, err := runCLI(t, "", "migrate", "--db", dsn, "--data", data); err != nil {
				t.Fatalf("migrate: %q %v", out, err)
			}
			if _, err := runCLI(t, "", "nonsense"); err == nil {
				t.Fatal("unknown command accepted")
			}
			if out, err := runCLI(t, "", "demo", "--db", dsn, "--data", data, "--persons", "200"); err != nil || !strings.Contains(out, "200 persons") {
				t.Fatalf("demo: %q %v", out, err)
			}
			// A volunteer's account names its volunteer (the demo made some).
			if _, err := runCLI(t, "a long enough secret\n", "user", "add", "--db", dsn, "--data", data, "--username", "vol1", "--role", "volunteer", "--orgunit", "310114102"); err == nil || !strings.Contains(oneLine(err), "volunteer") {
				t.Fatalf("a volunteer account without its volunteer: %v", err)
			}
			if out, err := runCLI(t, "a long enough secret\n", "user", "add", "--db", dsn, "--data", data, "--username", "vol1", "--role", "volunteer", "--orgunit", "310114102", "--volunteer", "1"); err != nil {
				t.Fatalf("user add --volunteer: %q %v", out, err)
			}
			// The demo keeps the indicator rollups in step; a rebuild gives the same.
			if out, err := runCLI(t, "", "indicators", "check", "--db", dsn, "--data", data); err != nil || !strings.Contains(out, "consistent") {
				t.Fatalf("indicators check after demo: %q %v", out, err)
			}
			if out, err := runCLI(t, "", "indicators", "rebuild", "--db", dsn, "--data", data); err != nil || !strings.Contains(out, "rebuilt from 600 person-years") {
				t.Fatalf("indicators rebuild: %q %v", out, err)
			}
			if _, err := runCLI(t, "", "indicators", "nonsense", "--db", dsn, "--data", data); err == nil {
				t.Fatal("indicators nonsense accepted")
			}
			// A workbook of several sheets: the matching one below its title,
			// or the one named; a sheet that is not there is named with those
			// there are.
			book := filepath.Join(data, "名册.xlsx")
			writeBook(t, book)
			out, err := runCLI(t, "", "import", "persons", book, "--mode", "skip-invalid", "--db", dsn, "--data", data, "--lang", "en")
			if err != nil || !strings.Contains(out, `"sheet": "名册"`) || !strings.Contains(out, `"header_row": 2`) || !strings.Contains(out, `"created": 1`) {
				t.Fatalf("import a workbook: %q %v", out, err)
			}
			if out, err := runCLI(t, "", "import", "persons", book, "--sheet", "说明", "--db", dsn, "--data", data); err == nil || !strings.Contains(out, "missing_column") {
				t.Fatalf("import --sheet 说明: %q %v", out, err)
			}
			if _, err := runCLI(t, "", "import", "persons", book, "--sheet", "无此表", "--db", dsn, "--data", data); err == nil || !strings.Contains(oneLine(err), "说明、名册") {
				t.Fatalf("import --sheet 无此表: %v", err)
			}
			// The audit chain: a checkpoint to keep, and a full verification with it.
			kept := filepath.Join(data, "checkpoint.json")
			if out, err := runCLI(t, "", "audit", "checkpoint", "--db", dsn, "--data", data, "--out", kept); err != nil {
				t.Fatalf("audit checkpoint: %q %v", out, err)
			}
			if out, err := runCLI(t, "", "audit", "verify", "--db", dsn, "--data", data, "--checkpoint", kept); err != nil ||
				!strings.Contains(out, "the audit chain is intact") || !strings.Contains(out, "with the checkpoint's chain value") {
				t.Fatalf("audit verify: %q %v", out, err)
			}
		})
	}
}

// serveUntilListening runs serve with args until it prints the address it
// listens on, and returns that address, what it printed, and the channel
// that gets serve's result once ctx is cancelled.
func serveUntilListening(t *testing.T, ctx context.Context, args ...string) (string, string, chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	var printed bytes.Buffer
	addrRE := regexp.MustCompile(`http://([0-9.:]+)/`)
	buf := make([]byte, 4096)
	deadline := time.Now().Add(60 * time.Second)
	for !addrRE.Match(printed.Bytes()) && time.Now().Before(deadline) {
		n, err := pr.Read(buf)
		printed.Write(buf[:n])
		if err != nil {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	m := addrRE.FindSubmatch(printed.Bytes())
	if m == nil {
		t.Fatalf("serve printed %q", printed.String())
	}
	return string(m[1]), printed.String(), done
}

// stopped cancels a server and waits for it to end without an error.
func stopped(t *testing.T, cancel context.CancelFunc, done chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// TestServeDemoAndShutdown starts the server with --demo on an empty database,
// signs in with the printed demo login, and stops it by cancelling (SIGTERM).
// A second start with --demo, once it listens, leaves the data alone.
func TestServeDemoAndShutdown(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	addr, printed, done := serveUntilListening(t, ctx, "--data", data, "--addr", "127.0.0.1:0", "--demo")
	if !strings.Contains(printed, "demo logins") {
		t.Fatalf("serve printed %q", printed)
	}
	body := `{"username":"demo","password":"sunshine-demo-310114"}`
	resp, err := http.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo login: %v %v", resp, err)
	}
	resp.Body.Close()
	stopped(t, cancel, done)
	// A second start with --demo leaves existing data alone.
	ctx2, cancel2 := context.WithCancel(context.Background())
	_, printed, done = serveUntilListening(t, ctx2, "--data", data, "--addr", "127.0.0.1:0", "--demo")
	stopped(t, cancel2, done)
	if !strings.Contains(printed, "already holds data") {
		t.Fatalf("second start printed %q", printed)
	}
}

// TestShutdownWithSlowClient: a client that sends its headers and then
// trickles nothing does not keep the server from stopping: after the grace
// period the request is cut off, and the stop is not a failure.
func TestShutdownWithSlowClient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr, _, done := serveUntilListening(t, ctx, "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is being read
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve ended with %v", err)
		}
		if took := time.Since(start); took > shutdownGrace+5*time.Second {
			t.Errorf("the stop took %v", took)
		}
	case <-time.After(shutdownGrace + 20*time.Second):
		t.Fatal("serve did not shut down")
	}
}

// writeBook writes an .xlsx of two sheets: notes, then one person under a
// title row.
func writeBook(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for _, err := range []error{
		f.SetSheetName("Sheet1", "说明"),
		f.SetCellStr("说明", "A1", "填表说明"),
		func() error { _, err := f.NewSheet("名册"); return err }(),
		f.SetCellStr("名册", "A1", "南翔镇残疾人名册"),
		f.SetSheetRow("名册", "A2", &[]any{"姓名", "身份证号", "残疾类别", "残疾等级", "所属村居"}),
		f.SetSheetRow("名册", "A3", &[]any{"工作簿", "31011419900101308X", "4", "2", "310114102201"}),
		f.SaveAs(path),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}
