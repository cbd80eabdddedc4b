package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"sunshine/internal/platform/testkit"
)

// TestNavigation: the main menu each role sees, in order, made from the
// modules' entries (module.Nav), and the entry of the page marked current.
func TestNavigation(t *testing.T) {
	d := testkit.SQLite(t)
	e := newEnv(t, d)
	menu := regexp.MustCompile(`(?s)<nav class="site-nav"[^>]*>(.*?)</nav>`)
	link := regexp.MustCompile(`<a href="([^"]*)"( aria-current="page")?>`)
	for user, want := range map[string]string{
		"district":  "/ /persons /imports /indicators /orgunits /employers /jobs/seekers /cases /devices/stock /renovation/budget /benefits/rules /benefits/rosters /rehab/schedule /centres /transfers /towns/310114001/services /campaigns /providers /federation /volunteers /shop/staff /events /notifications/outbox",
		"town":      "/ /persons /visits /imports /indicators /employers /jobs/seekers /cases /devices/stock /benefits/rosters /rehab/schedule /centres /transfers /towns/310114102/services /campaigns /providers /volunteers /events /notifications/outbox",
		"village":   "/ /persons /visits /imports /indicators /jobs/seekers /cases /rehab/schedule /centres /campaigns /volunteers /events",
		"provider":  "/ /cases /devices/stock /rehab/schedule /providers",
		"volunteer": "/ /my/tasks",
		"person":    "/ /me /me/data /my/events /cases",
		"leader":    "/ /indicators /federation /shop/staff/sales",
		"sysadmin":  "/ /users /federation/peers",
		"secadmin":  "/ /users",
		"auditor":   "/ /audit",
		"employer":  fmt.Sprintf("/ /employers/%d /vacancies", e.EmpIn),
	} {
		body := e.page(t, user, "/", 200)
		m := menu.FindStringSubmatch(body)
		if m == nil {
			t.Errorf("%s: no main menu", user)
			continue
		}
		var hrefs, current []string
		for _, l := range link.FindAllStringSubmatch(m[1], -1) {
			hrefs = append(hrefs, l[1])
			if l[2] != "" {
				current = append(current, l[1])
			}
		}
		if got := strings.Join(hrefs, " "); got != want {
			t.Errorf("%s's menu:\n got %s\nwant %s", user, got, want)
		}
		if len(current) != 1 || current[0] != "/" {
			t.Errorf("%s on the home page: current %v, want /", user, current)
		}
	}
	body := e.page(t, "town", "/towns/310114102/projects", 200)
	if !strings.Contains(body, `<a href="/towns/310114102/services" aria-current="page">`) {
		t.Error("the town services entry is not current on a town page")
	}
	// The corps' entry is current on each of its pages (/volunteers, /volunteer-tasks…).
	for _, path := range []string{"/volunteers", "/volunteer-tasks", "/volunteer-hours", "/volunteer-teams"} {
		if body := e.page(t, "town", path, 200); !strings.Contains(body, `<a href="/volunteers" aria-current="page">`) {
			t.Errorf("the volunteers entry is not current on %s", path)
		}
	}
	// The centres' entry is current on each of their pages (Section "/centre").
	for _, path := range []string{"/centres", "/centres/new", "/centres/absences"} {
		if body := e.page(t, "town", path, 200); !strings.Contains(body, `<a href="/centres" aria-current="page">`) {
			t.Errorf("the centres entry is not current on %s", path)
		}
	}
}
