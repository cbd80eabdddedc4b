package testkit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EnvOffice names the LibreOffice program the spreadsheet tests convert
// files with (default: soffice on the PATH; Debian's libreoffice-calc-nogui).
const EnvOffice = "SUNSHINE_TEST_SOFFICE"

// Office returns the path of LibreOffice's soffice, skipping (locally) or
// failing (CI) when it is not installed.
func Office(t testing.TB) string {
	t.Helper()
	name := os.Getenv(EnvOffice)
	if name == "" {
		name = "soffice"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("LibreOffice (%s) is not installed: CI must open spreadsheets with it (apt-get install libreoffice-calc-nogui)", name)
		}
		t.Skipf("SKIPPED: LibreOffice is not installed (apt-get install libreoffice-calc-nogui; .ci/run does)")
	}
	return p
}

// Convert turns the file at src into another format with LibreOffice in
// headless mode, as a clerk's office suite would save it, and returns the
// path of the new file (in a temporary folder of the test). to is
// soffice's --convert-to argument: "xlsx", "xls" (Excel 97–2003),
// `csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1`
// (every sheet to its own CSV, UTF-8, cells as shown), and so on. infilter,
// when not empty, is soffice's --infilter (how a CSV source is read: e.g.
// "CSV:44,34,76,1" reads UTF-8 and turns digit strings into numbers, as a
// spreadsheet program does when it opens a CSV file).
//
// Each call runs its own soffice with its own profile folder, so tests may
// convert in parallel.
func Convert(t testing.TB, src, to, infilter string) string {
	t.Helper()
	soffice := Office(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	out := filepath.Join(dir, "out")
	args := []string{"-env:UserInstallation=file://" + filepath.ToSlash(profile), "--headless", "--norestore"}
	if infilter != "" {
		args = append(args, "--infilter="+infilter)
	}
	args = append(args, "--convert-to", to, "--outdir", out, src)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, args...) // #nosec G204 -- the test's own program and files
	cmd.Env = append(os.Environ(), "HOME="+dir)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("LibreOffice could not convert %s to %s: %v\n%s", src, to, err, b)
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) == 0 {
		t.Fatalf("LibreOffice wrote nothing converting %s to %s: %v\n%s", src, to, err, b)
	}
	ext := strings.SplitN(to, ":", 2)[0]
	base := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
	want := filepath.Join(out, base+"."+ext)
	if _, err := os.Stat(want); err == nil {
		return want
	}
	return filepath.Join(out, entries[0].Name())
}
