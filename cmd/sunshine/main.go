// Command sunshine is the Sunshine platform: one binary that serves the web app
// and the JSON API, and runs the administrative commands of CONTRACT.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"sunshine/internal/app"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `sunshine — 阳光助残云 Sunshine disability services platform

usage:
  sunshine serve   [--addr 127.0.0.1:8080] [--db DSN] [--data DIR] [--demo] [--max-upload-mb 50]
  sunshine migrate [--db DSN]
  sunshine user add --username U --role ROLE --orgunit CODE [--name NAME]   (password: one line on stdin)
  sunshine import persons FILE [--mode strict|skip-invalid] [--year Y]      (.csv or .xlsx)
  sunshine import annual  FILE --year Y [--mode strict|skip-invalid]
  sunshine export persons|annual [--orgunit CODE] [--format csv|xlsx] [--out FILE] [--year Y]
  sunshine demo    [--persons N] [--seed S]
  sunshine backup  FILE [--db DSN]      (a consistent copy of the database, while it runs; keep the data key apart)
  sunshine restore FILE [--db DSN]      (into a new, empty database; SQLite and PostgreSQL backups are interchangeable)
  sunshine notify run [--db DSN] [--data DIR]   (run the reminder rules and send the due SMS and e-mail now)
  sunshine indicators rebuild|check [--db DSN]   (recompute the live indicator rollups / compare them with a recomputation)
  sunshine audit verify [--checkpoint FILE] [--db DSN]   (verify the whole audit chain, and a kept checkpoint against it)
  sunshine audit checkpoint [--out FILE] [--db DSN]      (take a signed checkpoint of the audit log, to keep elsewhere)
  sunshine key rotate --new-key-file PATH [--db DSN] [--data DIR]  (re-encrypt with a new data key; stop the server first; see sunshine key rotate)
  sunshine peer add --name NAME --url URL --token-file F   (register a partner district; also: peer list|revoke|issue|keys|revoke-key)
  sunshine version

every command takes --district CODE (SUNSHINE_DISTRICT): the installation's home district, kept on first start (default 310114)

environment: SUNSHINE_ADDR, SUNSHINE_DISTRICT, SUNSHINE_DB, SUNSHINE_DATA, SUNSHINE_KEY_FILE, SUNSHINE_MAX_UPLOAD_MB, SUNSHINE_TRUST_PROXY (1: behind a TLS proxy),
SUNSHINE_DEVICE_ASSESSOR_APPROVES (1: who assesses a device case may approve it too)
`

func main() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(app.Procs(runtime.NumCPU()))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sunshine: "+oneLine(err))
		os.Exit(1)
	}
}

// oneLine renders an error for the terminal: field errors in English and Chinese.
func oneLine(err error) string {
	if e, ok := apperr.As(err); ok {
		parts := []string{e.Msg.En}
		for _, f := range e.Fields {
			parts = append(parts, fmt.Sprintf("%s: %s (%s)", f.Field, f.Msg.En, f.Msg.Zh))
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

// common are the flags every database command takes.
type common struct {
	db, data, key, district string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.db, "db", env("SUNSHINE_DB", ""), "database: a path, sqlite:PATH or postgres://… (default DATA/sunshine.db)")
	fs.StringVar(&c.data, "data", env("SUNSHINE_DATA", "data"), "data folder")
	fs.StringVar(&c.district, "district", env("SUNSHINE_DISTRICT", ""),
		"home district code (kept in the database on first start; default 310114 Jiading; another code later is refused)")
	c.key = env("SUNSHINE_KEY_FILE", "")
}

func (c *common) open(ctx context.Context, log *slog.Logger) (*app.App, error) {
	a, err := app.Open(ctx, app.Config{DSN: c.db, DataDir: c.data, KeyFile: c.key, District: c.district, Version: version, Log: log})
	if err != nil {
		return nil, err
	}
	if a.KeyCreated {
		log.Warn("created a new data key; back it up: without it the encrypted fields (ID numbers, phones) cannot be read", "file", a.KeyPath)
	}
	return a, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "sunshine", version)
		return nil
	case "serve":
		return serve(ctx, rest, stdout, log)
	case "migrate":
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		var c common
		c.register(fs)
		if err := fs.Parse(rest); err != nil {
			return err
		}
		a, err := c.open(ctx, log)
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintln(stdout, "database is at the current schema")
		return nil
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New("usage: sunshine user add --username U --role ROLE --orgunit CODE [--name NAME]")
		}
		return userAdd(ctx, rest[1:], stdin, stdout, log)
	case "demo":
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		var c common
		c.register(fs)
		n := fs.Int("persons", 3000, "number of synthetic persons")
		seed := fs.Int64("seed", 1, "random seed")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if *n < 1 || *n > 5_000_000 {
			return errors.New("--persons must be between 1 and 5000000")
		}
		a, err := c.open(ctx, log)
		if err != nil {
			return err
		}
		defer a.Close()
		return a.LoadDemo(ctx, *n, *seed, stdout)
	case "notify":
		return notifyCmd(ctx, rest, stdout, log)
	case "peer":
		return peerCmd(ctx, rest, stdout, log)
	case "indicators":
		return indicatorsCmd(ctx, rest, stdout, log)
	case "audit":
		return auditCmd(ctx, rest, stdout, log)
	case "key":
		return keyCmd(ctx, rest, stdout, log)
	case "backup":
		return backupCmd(ctx, rest, stdout, log)
	case "restore":
		return restoreCmd(ctx, rest, stdout, log)
	case "import":
		return importCmd(ctx, rest, stdout, stderr, log)
	case "export":
		return exportCmd(ctx, rest, stdout, log)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	var c common
	c.register(fs)
	username := fs.String("username", "", "username")
	role := fs.String("role", "", "role: "+strings.Join(identity.Roles(), ", "))
	unit := fs.String("orgunit", "", "org unit code")
	name := fs.String("name", "", "display name")
	person := fs.Int64("person", 0, "registry person id (role person)")
	employer := fs.Int64("employer", 0, "employer id (role employer)")
	provider := fs.Int64("provider", 0, "provider organisation id (role provider)")
	volunteer := fs.Int64("volunteer", 0, "volunteer id (role volunteer)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return errors.New("give the password as one line on standard input")
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Users.Create(ctx, identity.User{Username: *username, Role: *role, OrgUnit: *unit, Name: *name, PersonID: *person, EmployerID: *employer, ProviderID: *provider, VolunteerID: *volunteer}, password,
		func(tx *db.Tx) error {
			return audit.Append(ctx, tx, audit.Actor{Username: "cli", Role: "system"}.Entry(audit.ActionUserAdd, "user", *username, *unit))
		})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added (%s, %s)\n", u.Username, u.Role, u.OrgUnit)
	return nil
}

// shutdownGrace is how long a stopping server lets running requests finish.
const shutdownGrace = 10 * time.Second

func serve(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs)
	addr := fs.String("addr", env("SUNSHINE_ADDR", "127.0.0.1:8080"), "listen address")
	withDemo := fs.Bool("demo", false, "load demo data into an empty database")
	maxUpload := fs.Int64("max-upload-mb", envInt("SUNSHINE_MAX_UPLOAD_MB", 50), "largest file accepted for import, in MB")
	trustProxy := fs.Bool("trust-proxy", env("SUNSHINE_TRUST_PROXY", "") == "1",
		"behind a reverse proxy that ends TLS: believe its X-Forwarded-Proto and X-Forwarded-For")
	assessorApproves := fs.Bool("device-assessor-approves", env("SUNSHINE_DEVICE_ASSESSOR_APPROVES", "") == "1",
		"let the user who assessed an assistive device case approve it too (default: another user must)")
	var gw gateways
	gw.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *maxUpload < 1 {
		return errors.New("--max-upload-mb must be at least 1")
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	a.Transfer.MaxUpload = *maxUpload << 20
	a.TrustProxy = *trustProxy
	if *assessorApproves {
		a.Devices.AssessorApproves = true
		a.Cases.Register(a.Devices.Type())
	}
	defer a.Close()
	if err := gw.apply(a); err != nil {
		return err
	}
	// Servers sharing a database must all have its data key: one that made
	// a key of its own would seal what it writes with a key the others lack.
	if err := a.CheckKey(ctx); err != nil {
		return err
	}
	if *withDemo {
		// Of servers started at once on a new database, one loads the demo.
		err := a.DB.Exclusive(ctx, "demo", func(ctx context.Context) error {
			empty, err := a.IsEmpty(ctx)
			if err != nil {
				return err
			}
			if !empty {
				fmt.Fprintln(stdout, "the database already holds data: demo data not loaded")
				return nil
			}
			return a.LoadDemo(ctx, 3000, 1, stdout)
		})
		if err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		// A request, upload included, has five minutes to arrive and its
		// answer five minutes to leave: a slow client cannot hold a
		// connection (or the shutdown) for ever.
		ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The reminders: the rules once a day, the due deliveries every minute
	// (of servers sharing a database, one does each: leases).
	nctx, stopNotify := context.WithCancel(ctx)
	notifyDone := make(chan struct{})
	go func() {
		defer close(notifyDone)
		a.Notify.Loop(nctx, time.Minute, log)
	}()
	defer func() { stopNotify(); <-notifyDone }() // before the database closes
	// The shop's retention: buyers' data erased a year after delivery.
	shopDone := make(chan struct{})
	go func() {
		defer close(shopDone)
		a.Shop.Loop(nctx, time.Hour, log)
	}()
	defer func() { stopNotify(); <-shopDone }()
	fmt.Fprintf(stdout, "Sunshine is running at http://%s/ (%s)\n", ln.Addr(), a.DB.Dialect)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests still running after the grace period (a slow client) are
		// cut off: a stop is a stop, and it is not a failure.
		log.Warn("requests still running at shutdown were cut off", "after", shutdownGrace, "err", err)
		return srv.Close()
	}
	return nil
}

// indicatorsCmd rebuilds the indicator rollups from the registry, or checks
// them against a full recomputation (exit 1 when they differ).
func indicatorsCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || (args[0] != "rebuild" && args[0] != "check") {
		return errors.New("usage: sunshine indicators rebuild|check [--db DSN] [--data DIR]")
	}
	fs := flag.NewFlagSet("indicators "+args[0], flag.ContinueOnError)
	var c common
	c.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if args[0] == "rebuild" {
		n, err := a.Indicators.Rebuild(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "indicators rebuilt from %d person-years in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	}
	diffs, err := a.Indicators.Check(ctx, 20)
	if err != nil {
		return err
	}
	if len(diffs) == 0 {
		fmt.Fprintf(stdout, "indicators are consistent with a full recomputation (%s)\n", time.Since(start).Round(time.Millisecond))
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintf(stdout, "year %d %s %s %q %s: stored %d, recomputed %d\n", d.Year, d.Dim, d.OrgUnit, d.Val, d.Counter, d.Stored, d.Want)
	}
	return fmt.Errorf("indicator rollups differ from a recomputation (%d differences shown); run: sunshine indicators rebuild", len(diffs))
}
