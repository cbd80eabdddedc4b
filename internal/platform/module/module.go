// Package module is what a domain module hands the app: one value with its
// routes, page templates and their functions, and its navigation entries.
// internal/app builds each module from its dependencies, keeps a list and
// loops over it; it holds no module's routes or pages.
package module

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"sunshine/internal/orgunit"
	"sunshine/internal/platform/view"
	"sunshine/internal/platform/web"
)

// Module is one domain module as the app sees it. Every field may be empty.
type Module struct {
	// Name identifies the module (errors, tests); each of its routes
	// records it (web.Route.Module).
	Name string
	// Routes registers the module's API and pages; kit renders its pages.
	Routes func(rt *web.Router, kit web.Kit)
	// Templates are the module's page templates; Funcs the template
	// functions they call beyond web.Funcs.
	Templates fs.FS
	Funcs     template.FuncMap
	// Nav are the module's entries in the navigation.
	Nav []Nav
	// Demo loads the module's demo data (sunshine demo, serve --demo).
	Demo func(ctx context.Context, d *Demo) error
	// Tables are the tables the module owns, parents before children: a
	// backup writes every module's, in the order of the app's module list
	// (a module comes after those whose tables its rows point at). Unsaved
	// are the tables it deliberately leaves out of backups (caches, sessions).
	Tables  []string
	Unsaved []string
	// Sealed are the columns of the module's tables that hold values sealed
	// with the data key (vault.Seal), with their blind indexes: a key
	// rotation re-encrypts every one of them (keys.Keys.Rotate), and a test
	// fails when a sealed column of the schema is not declared.
	Sealed []Sealed
	// Restored runs after a restore (reload what the module keeps in memory).
	Restored func(ctx context.Context) error
	// Home gives what the module shows a signed-in user on the home page
	// (nothing for roles it does not serve).
	Home func(r *http.Request, p *web.Principal, page *web.Page) (Home, error)
}

// Sealed is a column that holds values sealed with the data key.
type Sealed struct {
	Table string
	// Key are the columns of the table's primary key.
	Key []string
	// Column holds vault.Seal(Field, plain); NULL or empty for no value.
	Column string
	Field  string
	// FieldKeyed binds each value to its row: it is sealed for the field
	// Field + ":" + the row's key (a one-column key).
	FieldKeyed bool
	// Index, when set, is the column that holds vault.Index(Field, plain).
	Index string
	// Derived are further blind indexes of a part of the value (a search
	// by the last 4 characters, for instance), re-keyed with it.
	Derived []Derived
}

// Derived is a blind index of what Of makes of a sealed value: its Column
// holds vault.Index(Field, Of(plain)), or NULL when Of gives "".
type Derived struct {
	Column string
	Field  string
	Of     func(plain string) string
}

// Home is a module's part of the home page: cards under "what needs your
// attention", and sections below them. Each is placed by its Order among
// every module's.
type Home struct {
	Cards    []Card
	Sections []Section
}

// Card is a count (or a word) with a sentence, linking to where to act.
type Card struct {
	Order       int
	Href        string
	Count, Text string
}

// Section is a part of the home page: a heading, then a list of links (each
// with Tag after it), a table, a paragraph (an alert when Alert), and a link
// (a button when its Tag is "button"), each when set.
type Section struct {
	Order   int
	Heading string
	Items   []view.Cell
	Table   *view.Table
	Text    string
	Alert   bool
	Link    view.Cell
}

// HomeOf gathers the modules' home parts for a user, in order.
func HomeOf(mods []Module, r *http.Request, p *web.Principal, page *web.Page) (Home, error) {
	var h Home
	for _, m := range mods {
		if m.Home == nil {
			continue
		}
		part, err := m.Home(r, p, page)
		if err != nil {
			return Home{}, fmt.Errorf("home of %s: %w", m.Name, err)
		}
		h.Cards = append(h.Cards, part.Cards...)
		h.Sections = append(h.Sections, part.Sections...)
	}
	slices.SortStableFunc(h.Cards, func(a, b Card) int { return a.Order - b.Order })
	slices.SortStableFunc(h.Sections, func(a, b Section) int { return a.Order - b.Order })
	return h, nil
}

// Nav is an entry of the navigation, shown to the roles it lists.
type Nav struct {
	// Order places the entry among every module's entries (lower first).
	Order int
	Roles []string
	Zh    string
	En    string
	// Href is the link; HrefFor, when set, computes it for the user ("" hides
	// the entry: e.g. an employer account not linked to an employer).
	Href    string
	HrefFor func(ctx context.Context, p *web.Principal) string
	// Section, when set, is the path prefix under which the entry is current
	// (default: Href and the paths under it).
	Section string
}

// Navigation builds the navigation of a user from the modules' entries,
// after home, marking the entry of path as current.
func Navigation(ctx context.Context, mods []Module, p *web.Principal, page *web.Page, path string) []web.NavItem {
	var entries []Nav
	for _, m := range mods {
		for _, n := range m.Nav {
			if slices.Contains(n.Roles, p.Role) {
				entries = append(entries, n)
			}
		}
	}
	slices.SortStableFunc(entries, func(a, b Nav) int { return a.Order - b.Order })
	nav := []web.NavItem{{Label: page.T("首页", "Home"), Href: "/", Current: path == "/"}}
	for _, n := range entries {
		href := n.Href
		if n.HrefFor != nil {
			href = n.HrefFor(ctx, p)
		}
		if href == "" {
			continue
		}
		current := path == href || strings.HasPrefix(path, href+"/")
		if n.Section != "" {
			current = strings.HasPrefix(path, n.Section)
		}
		nav = append(nav, web.NavItem{Label: page.T(n.Zh, n.En), Href: href, Current: current})
	}
	return nav
}

// Funcs merges the template functions of the modules (a name defined twice
// is a programming error).
func Funcs(mods []Module) (template.FuncMap, error) {
	out := template.FuncMap{}
	owner := map[string]string{}
	for _, m := range mods {
		for name, fn := range m.Funcs {
			if o, ok := owner[name]; ok {
				return nil, fmt.Errorf("template function %s is defined by both %s and %s", name, o, m.Name)
			}
			out[name], owner[name] = fn, m.Name
		}
	}
	return out, nil
}

// Demo is what the app hands each module's demo loader (Module.Demo), in the
// order of the module list: the registry's first makes the demo persons.
type Demo struct {
	Out  io.Writer
	Year int
	// District is the installation's home district (a level-2 code of
	// DOMAIN.md §3): the demo's persons, units and records lie in it.
	District string
	// Place is the home district's units and names for the demo's
	// records and titles (orgunit.Store.DemoPlace of District).
	Place orgunit.Place
	// N and Seed are how many demo persons the registry makes, and from
	// which seed (the same seed makes the same persons).
	N    int
	Seed int64
	// Persons lists demo persons' ids (see PersonFilter).
	Persons func(ctx context.Context, f PersonFilter) ([]int64, error)
	// Accounts are demo accounts a module asks for (the app creates them,
	// with the demo password, on a database without users).
	Accounts []Account
}

// PersonFilter selects persons of an org unit's subtree, in id order.
type PersonFilter struct {
	Unit          string
	Grade         int  // 0: any
	Active        bool // only active registrations
	Offset, Limit int
}

// Account is a demo account a module needs.
type Account struct {
	Username, Name, Role, OrgUnit string
	PersonID, EmployerID          int64
	ProviderID                    int64
	VolunteerID                   int64
}
