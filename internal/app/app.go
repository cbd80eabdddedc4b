// Package app wires the modules together: it opens the database and the data
// key, builds the stores and registers every route. cmd/sunshine calls it; the
// end-to-end tests call it too, so that they exercise the real router.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/admin"
	"sunshine/internal/attachments"
	"sunshine/internal/audit"
	"sunshine/internal/benefits"
	"sunshine/internal/campaigns"
	"sunshine/internal/casework"
	"sunshine/internal/centres"
	"sunshine/internal/demo"
	"sunshine/internal/devices"
	"sunshine/internal/documents"
	"sunshine/internal/employment"
	"sunshine/internal/employment/jobs"
	"sunshine/internal/events"
	"sunshine/internal/federation"
	"sunshine/internal/identity"
	"sunshine/internal/indicators"
	"sunshine/internal/keys"
	"sunshine/internal/notify"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/vault"
	"sunshine/internal/platform/web"
	"sunshine/internal/privacy"
	"sunshine/internal/providers"
	"sunshine/internal/registry"
	"sunshine/internal/rehab"
	"sunshine/internal/renovation"
	"sunshine/internal/shop"
	"sunshine/internal/towns"
	"sunshine/internal/transfers"
	"sunshine/internal/volunteers"
)

// Config is what the binary needs to start.
type Config struct {
	DSN       string // "" → DATA/sunshine.db
	DataDir   string
	KeyFile   string // "" → DATA/sunshine.key
	MaxUpload int64  // bytes; 0 → 50 MB
	Log       *slog.Logger
	// PasswordHash is the cost of new password hashes; the zero value is the
	// production cost. Only tests set it (low, for their fixture users).
	PasswordHash identity.HashCost
	// TrustProxy: the server stands behind a reverse proxy that ends TLS and
	// sets X-Forwarded-Proto (and X-Forwarded-For), which are then believed.
	TrustProxy bool
	// District is the home district's code (serve --district): stored in
	// the database on first start ("" → the stored one, else 310114); a
	// different code later is refused.
	District string
	// Version is the build's version (shown to partner installations).
	Version string
}

// App is the running application.
type App struct {
	// District is the installation's home district (federation.Home).
	District string
	// Federation is the work with partner districts' installations.
	Federation *federation.Service
	DB         *db.DB
	Vault      *vault.Vault
	Units      *orgunit.Store
	Users      *identity.Store
	Audit      *audit.Log
	Registry   *registry.Store
	Jobs       *registry.Jobs
	Transfer   *registry.Transfer
	// Indicators keeps the plan indicators live (DOMAIN.md §7).
	Indicators *indicators.Store
	// Cases runs the service workflows; Devices is the assistive device service.
	Cases      *casework.Engine
	Devices    *devices.Store
	Renovation *renovation.Store
	// Seekers keeps job seekers' employment profiles and ranks them for jobs.
	Seekers *jobs.Store
	// Rehab is the rehabilitation service: centres, bookings, sessions.
	Rehab *rehab.Store
	// Towns keeps the towns' service switches and local projects.
	Towns *towns.Store
	// Employment keeps employers and computes the quota levy (DOMAIN.md §5).
	Employment *employment.Store
	// Benefits keeps the subsidy rules and decides the subsidies (DOMAIN.md §4).
	Benefits *benefits.Store
	// Campaigns are the yearly health checks and telecom packages (DOMAIN.md §8).
	Campaigns *campaigns.Store
	// Providers are purchased services: organisations, contracts, assignment.
	Providers *providers.Store
	// Volunteers are the volunteer corps: teams, volunteers, tasks, hours.
	Volunteers *volunteers.Store
	// Centres are the day centres: programmes, enrolment, roll calls.
	Centres *centres.Store
	// Documents prints the documents of the records above (documents.go).
	Documents *documents.Store
	// Attachments are the photos and scans of persons and cases.
	Attachments *attachments.Store
	// Transfers move persons between districts (its Partners are the
	// federation's).
	Transfers *transfers.Store
	// Events are the sport, culture and skills events: registration,
	// attendance (culture_sports_rate) and results.
	Events *events.Store
	// Shop is the handicraft shop of the paired-assistance artisans.
	Shop *shop.Store
	// Notify makes the reminders and notifications and sends them by SMS
	// and e-mail (its SMS and Mail gateways: nil, that channel is off).
	Notify  *notify.Store
	Log     *slog.Logger
	pages   *web.Renderer
	modules []module.Module
	routes  *web.Router // the router Handler serves
	// KeyCreated is true when this start created a new data key.
	KeyCreated bool
	KeyPath    string
	// TrustProxy believes X-Forwarded-Proto and X-Forwarded-For (Config).
	TrustProxy bool
	// Keys are the data key and what it seals: a rotation (Keys.Rotate)
	// seals every module's declared columns again (internal/keys).
	Keys *keys.Keys
}

// Open opens the database, migrates it, seeds the org units and loads the key.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	if cfg.DSN == "" {
		cfg.DSN = filepath.Join(cfg.DataDir, "sunshine.db")
	}
	if cfg.KeyFile == "" {
		cfg.KeyFile = filepath.Join(cfg.DataDir, "sunshine.key")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	d, err := db.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, err
	}
	a, err := New(ctx, d, cfg)
	if err != nil {
		_ = d.Close() // the error of New is the one to report
		return nil, err
	}
	return a, nil
}

// New builds the application on an open database (tests pass their own).
func New(ctx context.Context, d *db.DB, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if _, err := d.Migrate(ctx); err != nil {
		return nil, err
	}
	units := orgunit.NewStore(d)
	if err := units.EnsureSeed(ctx); err != nil {
		return nil, err
	}
	district, err := federation.Home(ctx, d, units, cfg.District)
	if err != nil {
		return nil, err
	}
	key, created, err := vault.LoadOrCreateKey(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	v, err := vault.New(key)
	if err != nil {
		return nil, err
	}
	// The audit chain's keys are derived from the audit root key, which is
	// not in the database (internal/audit): the data key, or after a key
	// rotation the data key from before the first rotation (internal/keys).
	root, err := keys.AuditRoot(cfg.KeyFile, key)
	if err != nil {
		return nil, err
	}
	log, err := audit.NewLog(d, root)
	if err != nil {
		return nil, err
	}
	reg := registry.NewStore(d, v, units, log)
	ind := indicators.NewStore(d, units)
	seekers := jobs.NewStore(d, log)
	reg.Hook = registry.Hooks{ind, seekers}
	imports, err := registry.NewJobs(ctx, reg)
	if err != nil {
		log.Close()
		return nil, err
	}
	a := &App{
		DB: d, Vault: v, Units: units, Users: identity.NewStoreCost(d, units.Exists, cfg.PasswordHash), Audit: log,
		Registry: reg, Jobs: imports, Indicators: ind, Log: cfg.Log, District: district, KeyCreated: created, KeyPath: cfg.KeyFile, TrustProxy: cfg.TrustProxy,
		Keys: &keys.Keys{DB: d, File: cfg.KeyFile, Key: key, Vault: v, AuditRoot: root, Log: cfg.Log},
	}
	a.Users.UseVault(v, vault.Derive(root, "sunshine recovery codes v1"))
	a.Devices = devices.NewStore(d)
	if err := a.Devices.EnsureSeed(ctx); err != nil {
		log.Close()
		return nil, err
	}
	a.Cases = casework.NewEngine(d, log)
	a.Cases.Changed = ind
	a.Renovation = renovation.NewStore(d)
	a.Seekers = seekers
	a.Rehab = rehab.NewStore(d, log)
	if err := a.Rehab.EnsureSeed(ctx); err != nil {
		log.Close()
		return nil, err
	}
	a.Towns = towns.NewStore(d, a.Cases)
	a.Cases.Allowed = a.Towns.Allowed
	a.Cases.Sync = a.Towns.Sync
	a.Employment = employment.NewStore(d, v, units, reg, log)
	a.Benefits = benefits.NewStore(d, log)
	if err := a.Benefits.EnsureSeed(ctx); err != nil {
		log.Close()
		return nil, err
	}
	a.Cases.Register(a.Benefits.AppealType())
	a.Campaigns = campaigns.NewStore(d, reg, units, log)
	a.Providers = providers.NewStore(d, a.Cases, units, v, log)
	a.Volunteers = volunteers.NewStore(d, reg, a.Cases, units, v, log)
	a.Campaigns.MaxUpload = cfg.MaxUpload
	a.Centres = centres.NewStore(d, units, log)
	a.Centres.Changed = ind
	a.Events = events.NewStore(d, units, log)
	a.Events.Changed = ind
	a.Events.Sessions = a.centreSessions
	a.Events.Home = district
	a.Attachments = attachments.NewStore(d, v, log)
	a.Transfers = transfers.NewStore(d, reg, units, log, a.District)
	a.Notify = notify.NewStore(d, v, log)
	a.Shop = shop.NewStore(d, v, log)
	a.Federation = a.federation(district, cmp.Or(cfg.Version, "dev"))
	a.Events.Partners = eventPartners{a.Federation}
	a.Transfers.Partners = transferPartners{a.Federation}
	casePages := casework.NewPages(a.Cases, reg)
	// A case page shows the contract it is assigned to (and the link to
	// assign it) and the volunteer tasks made for it.
	a.Documents = documents.NewStore(d, log)
	casePages.Extras = caseExtras(a.Providers.CaseExtras(reg), a.Volunteers.CaseExtras, a.caseDocuments, a.caseAttachments)
	a.Transfer = &registry.Transfer{Store: reg, Jobs: imports, MaxUpload: cfg.MaxUpload,
		Log: func(err error) { cfg.Log.Error("import", "err", err) }}
	// The modules, each after those whose tables its rows point at (backup
	// and restore go in this order).
	a.modules = []module.Module{
		{Name: "demo persons", Demo: demo.Persons(reg)}, // first: the other modules' demo data is about them
		reg.Module(a.Transfer, units, casePages.PersonCases, a.withDocuments(a.Devices.LoanCard, true), a.Seekers.PersonProposals, a.withDocuments(a.Benefits.PersonSection, false),
			a.Centres.PersonSection, a.Events.PersonSection, a.Attachments.PersonSection, a.Transfers.PersonSection, a.Shop.PersonSection),
		a.Employment.Module(func(r *http.Request, sc orgunit.Scope) ([]orgunit.Unit, error) {
			return units.InScope(r.Context(), sc, 3)
		}),
		a.Providers.Module(reg), // before the accounts and cases that point at providers and contracts
		a.Volunteers.Module(),   // before the accounts that point at volunteers
		(&admin.Admin{DB: d, Users: a.Users, Units: units, Audit: log, Organisations: a.organisations, Volunteers: a.volunteerPicker}).Module(),
		ind.Module(reg),
		casePages.Module(),
		a.Devices.Module(a.Cases),
		a.Renovation.Module(a.Cases),
		seekers.Module(a.Cases, a.Employment, func(r *http.Request, code, lang string) string {
			if u, err := units.Get(r.Context(), code); err == nil {
				return u.Label(lang)
			}
			return code
		}, func(r *http.Request, sc orgunit.Scope, lang, selected string) ([]orgunit.PickGroup, error) {
			return units.Picker(r.Context(), sc, lang, false, selected)
		}),
		a.Rehab.Module(a.Cases),
		(&privacy.Store{Registry: reg, Cases: a.Cases}).Module(),
		a.Towns.Module(),
		a.Benefits.Module(),
		a.Campaigns.Module(),
		a.Providers.CasesModule(),        // after the modules that make cases
		a.Events.Module(reg),             // events point at persons and org units
		a.Volunteers.TasksModule(),       // tasks point at cases and persons
		a.Centres.Module(reg.PickerFrom), // centres point at persons and org units
		a.documentsModule(),              // no tables: reads the modules' above
		a.Attachments.Module(),           // attachments point at persons and cases
		a.Transfers.Module(),             // transfers point at persons
		a.Shop.Module(reg.PickerFrom),    // artisans and income point at persons
		a.Notify.Module(),                // notifications point at users; the rules read the modules above
		a.Federation.Module(),            // keys point at users
		a.overview(),                     // last: the leader's figures read the modules above
	}
	// The towns' local projects are service types registered after the
	// modules' own (which each module registers as it is built).
	if err := a.Towns.Load(ctx); err != nil {
		log.Close()
		return nil, err
	}
	// A key rotation that committed but did not put its new key in place
	// is finished now.
	for _, m := range a.Modules() {
		a.Keys.Sealed = append(a.Keys.Sealed, m.Sealed...)
	}
	if _, err := a.Keys.Finish(ctx); err != nil {
		log.Close()
		return nil, err
	}
	// Persons stored before the search indexes existed get them (once).
	if n, err := reg.FillSearchIndexes(ctx); err != nil {
		log.Close()
		return nil, err
	} else if n > 0 {
		cfg.Log.Info("filled the person search indexes", "persons", n)
	}
	funcs, err := module.Funcs(a.modules)
	if err != nil {
		log.Close()
		return nil, err
	}
	var tmpls []fs.FS
	for _, m := range a.Modules() {
		if m.Templates != nil {
			tmpls = append(tmpls, m.Templates)
		}
	}
	if a.pages, err = web.NewRenderer(funcs, tmpls...); err != nil {
		log.Close()
		return nil, err
	}
	return a, nil
}

// ReadyLimit is how long a write may wait for the writer, and the audit
// log's group commit may run, before /readyz says the server is not ready.
const ReadyLimit = 3 * time.Second

// Ready tells whether the server can serve reads and writes now: "" when it
// can, else the reason (for /readyz's 503). A read must answer, a write
// transaction must be able to start, and the audit log's group commit (which
// every audited read waits for) must not be stuck, each within ReadyLimit.
func (a *App) Ready(ctx context.Context) string {
	rctx, cancel := context.WithTimeout(ctx, ReadyLimit)
	defer cancel()
	var one int
	if err := a.DB.QueryRow(rctx, "SELECT 1").Scan(&one); err != nil {
		return "not ready: the database does not answer reads"
	}
	if err := a.DB.ProbeWriter(ctx, ReadyLimit); err != nil {
		return "not ready: a write cannot start within " + ReadyLimit.String()
	}
	if a.Audit.Stalled(ReadyLimit) {
		return "not ready: the audit log has not committed for more than " + ReadyLimit.String()
	}
	return ""
}

// Close waits for running imports, stops the audit writer and closes the database.
func (a *App) Close() error {
	a.Jobs.Close()
	a.Jobs.Wait()
	a.Audit.Close()
	return a.DB.Close()
}

// Authenticate resolves a token to a principal.
func (a *App) Authenticate(ctx context.Context, token string) (*web.Principal, error) {
	s, err := a.Users.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	u := s.User
	return a.principalOf(u, token, s.ExpiresAt()), nil
}

// principalOf is the principal of a user. A partner installation's account
// (role peer) names the partner district in its org unit; it reads the
// aggregates of this whole installation: its scope is the home district,
// and Peer names the partner.
func (a *App) principalOf(u identity.User, token string, expires time.Time) *web.Principal {
	p := &web.Principal{UserID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role, OrgUnit: u.OrgUnit,
		PersonID: u.PersonID, EmployerID: u.EmployerID, ProviderID: u.ProviderID, VolunteerID: u.VolunteerID, Lang: u.Lang, Display: u.Display, Token: token, ExpiresAt: expires}
	if u.Role == identity.Peer {
		p.Peer, p.OrgUnit = u.OrgUnit, a.District
	}
	return p
}

// OwnModule is the name of the app's own part as a module (Modules): the
// routes it registers itself (health, static files, the home page, the API
// document) and its page templates.
const OwnModule = "app"

// Modules lists the app's own part (OwnModule) and then the modules, in
// order.
func (a *App) Modules() []module.Module {
	own := module.Module{Name: OwnModule, Templates: pageTemplates(), Routes: func(rt *web.Router, _ web.Kit) {
		a.platformRoutes(rt)
		a.pageRoutes(rt)
	}}
	return append([]module.Module{own}, a.modules...)
}

// Router builds the router with every route, each marked with the module
// that registered it (web.Route.Module).
func (a *App) Router() *web.Router {
	rt := web.NewRouter(a.Authenticate, a.Log)
	rt.Explicit = identity.Explicit()
	rt.Request = a.authenticateSigned
	rt.Pages, rt.NewPage = a.pages, a.newPage
	kit := web.Kit{Render: a.pages.Render, NewPage: a.newPage}
	for _, m := range a.Modules() {
		if m.Routes != nil {
			rt.Module = m.Name
			m.Routes(rt, kit)
		}
	}
	return rt
}

// Handler is the whole HTTP handler with middleware.
func (a *App) Handler() http.Handler {
	rt := a.Router()
	a.routes = rt
	return web.Logged(a.Log, web.Secure(rt, a.TrustProxy))
}

// CheckAnswer checks an answer of the server against its route's schema
// (web.Router.CheckAnswer), for the API tests.
func (a *App) CheckAnswer(r *http.Request, status int, body []byte) error {
	if a.routes == nil {
		return errors.New("check answer: Handler was not called")
	}
	return a.routes.CheckAnswer(r, status, body)
}

// CheckRequest checks the JSON body of a request to the server against its
// route's schema (web.Router.CheckRequest) once it was answered with status,
// for the API tests.
func (a *App) CheckRequest(r *http.Request, status int, body []byte) error {
	if a.routes == nil {
		return errors.New("check request: Handler was not called")
	}
	return a.routes.CheckRequest(r, status, body)
}

// TemplateNames lists the page templates; TemplatesRendered counts renders.
// The tests use them to fail when a template is never rendered.
func (a *App) TemplateNames() []string { return a.pages.Names() }

// TemplatesRendered returns how often each page template was rendered.
func (a *App) TemplatesRendered() map[string]int { return a.pages.Rendered() }

// Procs is how many goroutines the server runs at once (GOMAXPROCS) on a
// machine of cpus processors: more than the processors, so that the
// operating system shares them out among a bulk writer's goroutines and
// the requests'. With one per processor, an import's producer and writer
// held both of a 2-processor machine's, and reads waited for a time slice
// of Go's scheduler: p99 of reads during a 100,000-person import on SQLite
// 45–50 ms; with 4, 14 ms; with 8, 9 ms, at the same import speed
// (BenchmarkReadsDuringImport, which runs with Procs too).
func Procs(cpus int) int { return max(8, 2*cpus) }

// organisations are the provider organisations by name, for the
// administrators' new-user form (admin does not import providers).
func (a *App) organisations(ctx context.Context) ([]admin.Organisation, error) {
	list, err := a.Providers.Providers(ctx, access.Caller{Actor: audit.Actor{Username: "admin form", Role: identity.SysAdmin}, Scope: orgunit.AllUnits()})
	if err != nil {
		return nil, err
	}
	out := make([]admin.Organisation, len(list))
	for i, p := range list {
		out[i] = admin.Organisation{ID: p.ID, Name: p.Name}
	}
	return out, nil
}

// volunteerPicker lists the active volunteers by name with their unit, for
// the administrators' new-user form (admin does not import volunteers).
func (a *App) volunteerPicker(ctx context.Context) ([]admin.Organisation, error) {
	list, err := a.Volunteers.Roster(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]admin.Organisation, len(list))
	for i, v := range list {
		out[i] = admin.Organisation{ID: v.ID, Name: v.Name + "（" + v.Unit + "）"}
	}
	return out, nil
}

// caseExtras puts the case page's tables of several modules one after the
// other.
func caseExtras(parts ...func(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error)) func(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error) {
	return func(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error) {
		var out []web.Table
		for _, part := range parts {
			more, err := part(r, p, cs, lang)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
		return out, nil
	}
}

// caseAttachments is the case page's table of the case's attachments.
func (a *App) caseAttachments(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error) {
	return a.Attachments.CaseSection(r.Context(), access.Of(r, p), cs.ID, lang)
}

// centreSessions gives the events' calendar the meetings of the centres'
// programmes (events does not import centres).
func (a *App) centreSessions(ctx context.Context, c access.Caller, from, to, lang string) ([]events.Session, error) {
	list, err := a.Centres.Sessions(ctx, c, from, to, lang)
	if err != nil {
		return nil, err
	}
	out := make([]events.Session, len(list))
	for i, s := range list {
		out[i] = events.Session{Date: s.Date, Title: s.Programme, Where: s.Centre, Kind: s.Kind, Href: fmt.Sprintf("/centres/%d", s.CentreID)}
		if s.Starts != "" {
			out[i].Time = s.Starts
			if s.Ends != "" {
				out[i].Time += "–" + s.Ends
			}
		}
	}
	return out, nil
}
