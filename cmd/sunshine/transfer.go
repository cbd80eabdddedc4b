package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/registry"
)

// cliCaller is the command line's caller: the whole platform, audited as the
// operating-system user.
func cliCaller() access.Caller {
	who := os.Getenv("USER")
	if who == "" {
		who = "unknown"
	}
	return access.Caller{Actor: audit.Actor{Username: "cli:" + who, Role: "system", Client: "cli"}, Scope: orgunit.AllUnits()}
}

// errRejected makes the CLI exit 1 after printing a report with rejections.
var errRejected = errors.New("some rows were rejected (see the report above)")

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) == 0 || (args[0] != "persons" && args[0] != "annual") {
		return errors.New("usage: sunshine import persons|annual FILE [--mode strict|skip-invalid] [--year Y] [--sheet NAME]")
	}
	kind := args[0]
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var c common
	c.register(fs)
	mode := fs.String("mode", registry.ModeStrict, "strict (all or nothing) or skip-invalid")
	year := fs.Int("year", 0, "survey year (annual records)")
	sheet := fs.String("sheet", "", "the sheet of a workbook to import (default: the one whose header matches)")
	lang := fs.String("lang", env("SUNSHINE_LANG", langOfEnv()), "language of the report: zh or en")
	// Flags may follow the file name.
	var file string
	rest := args[1:]
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) > 0 {
			if file != "" {
				return fmt.Errorf("one file at a time (got %s and %s)", file, rest[0])
			}
			file, rest = rest[0], rest[1:]
		}
	}
	if file == "" {
		return errors.New("name the file to import")
	}
	if kind == "annual" && *year == 0 {
		return errors.New("annual records need --year Y")
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("cannot read %s: %w", file, err)
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	o := registry.ImportOptions{Mode: *mode, Year: *year, ID: registry.NewImportID(), FileName: filepath.Base(file), Sheet: *sheet}
	total := 0
	if strings.HasSuffix(strings.ToLower(file), ".csv") {
		total = registry.CountLines(file)
	}
	bar := newProgress(stderr, total)
	o.Progress = bar.update
	res, err := a.Registry.ImportFile(ctx, cliCaller(), kind, file, o)
	bar.done()
	if err != nil {
		return err
	}
	res.Report.Localize(*lang)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res.Report); err != nil {
		return err
	}
	if res.Report.Failed() {
		return errRejected
	}
	return nil
}

func langOfEnv() string {
	if strings.HasPrefix(os.Getenv("LANG"), "en") {
		return "en"
	}
	return "zh"
}

func exportCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || (args[0] != "persons" && args[0] != "annual") {
		return errors.New("usage: sunshine export persons|annual [--orgunit CODE] [--format csv|xlsx] [--out FILE] [--year Y]")
	}
	kind := args[0]
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var c common
	c.register(fs)
	unit := fs.String("orgunit", "", "only this org unit and its subtree")
	format := fs.String("format", "csv", "csv or xlsx")
	out := fs.String("out", "", "output file (default: standard output)")
	year := fs.Int("year", time.Now().Year(), "survey year (annual records)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	f := tabular.Format(*format)
	if f != tabular.CSV && f != tabular.XLSX {
		return errors.New("--format must be csv or xlsx")
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	var w io.Writer = stdout
	if *out != "" {
		file, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("create %s: %w", *out, err)
		}
		defer file.Close()
		w = file
	}
	tw, err := tabular.NewWriter(f, w, kind)
	if err != nil {
		return err
	}
	var n int
	if kind == "annual" {
		n, err = a.Registry.ExportAnnual(ctx, cliCaller(), *year, *unit, "command line export", true, tw)
	} else {
		n, err = a.Registry.ExportPersons(ctx, cliCaller(), *unit, "command line export", true, tw)
	}
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(os.Stderr, "exported %d rows to %s\n", n, *out)
	}
	return nil
}

// progress draws a progress bar with rows per second on a terminal.
type progress struct {
	w     io.Writer
	tty   bool
	total int
	start time.Time
	last  time.Time
	rows  int
}

func newProgress(w io.Writer, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, total: total, start: time.Now()}
}

func (p *progress) update(rows int) {
	p.rows = rows
	if !p.tty || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progress) draw() {
	rate := float64(p.rows) / max(time.Since(p.start).Seconds(), 1e-3)
	if p.total > 0 {
		const width = 30
		frac := min(1, float64(p.rows)/float64(p.total))
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d/%d rows, %.0f rows/s ", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, p.rows, p.total, rate)
		return
	}
	fmt.Fprintf(p.w, "\r%d rows, %.0f rows/s ", p.rows, rate)
}

func (p *progress) done() {
	if p.tty {
		p.draw()
		fmt.Fprintln(p.w)
	}
}
