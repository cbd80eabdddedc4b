package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"sunshine/internal/employment"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/testkit"
)

// cellsAfter finds the text of the cell that follows a row head in a table
// of the page ("" when there is none).
func cellAfter(body, head string) string {
	re := regexp.MustCompile(`<th scope="row"[^>]*>` + regexp.QuoteMeta(head) + `</th><td[^>]*>([^<]*)</td>`)
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// TestLeaderHome (issue 14): the leader's home shows the figures of their
// area — the register by status, this year's service volumes by service,
// the renovation budget and the employment levy — and no personal data.
func TestLeaderHome(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// Nothing set yet: the budget says so; two active persons in the district.
		body := e.page(t, "leader", "/", 200, "在册人数", "服务量", "今年的预算还没有设定。", "残疾人就业保障金", "今年还没有服务个案。")
		if got := cellAfter(body, "在册"); got != "2" {
			t.Errorf("leader home: %q active persons, want 2 (测试1, 测试2; 测试3 is outside the district)", got)
		}
		// A renovation case opened, a budget set.
		var rc struct{ ID int64 }
		if st := e.Do("town", "POST", "/api/v1/cases", map[string]any{"person_id": e.In, "service_type": "home_renovation", "data": map[string]any{"need": "卫生间"}}, &rc); st != 201 {
			t.Fatalf("open a case: %d", st)
		}
		if st := e.Do("district", "PUT", "/api/v1/renovation/budget", map[string]any{"orgunit": "310114", "year": e.Year, "budget_cents": 50_000_000}, nil); st != 200 {
			t.Fatalf("set the budget: %d", st)
		}
		// The levy the district's two employers owe, as the API computes it one by one.
		var due int64
		for _, id := range []int64{e.EmpIn, e.EmpTown2} {
			var l employment.Levy
			if st := e.Do("district", "GET", fmt.Sprintf("/api/v1/employers/%d/levy?year=%d", id, e.Year), nil, &l); st != 200 {
				t.Fatalf("levy of %d: %d", id, st)
			}
			due += l.Result.Due
			if l.Outcome != nil && l.Result.Due == 0 {
				due += parseCents(t, l.Outcome.Due)
			}
		}
		body = e.page(t, "leader", "/", 200, "家庭无障碍改造", money.Yuan(50_000_000))
		for head, want := range map[string]string{
			"家庭无障碍改造":    "1", // opened this year (first number after the service's name)
			"全年预算":       money.Yuan(50_000_000),
			"剩余":         money.Yuan(50_000_000),
			"辖区用人单位":     "2",
			"已填报职工人数和工资": "2",
			"未达到安排比例（不含免缴单位）": "2",
			"应缴保障金合计（元）":      money.Yuan(due),
		} {
			if got := cellAfter(body, head); got != want {
				t.Errorf("leader home: %s = %q, want %q", head, got, want)
			}
		}
		if due == 0 {
			t.Error("the fixture's employers owe no levy: the test proves nothing")
		}
		for _, personal := range []string{"测试1", "测试2", "南翔精密制造", "/persons/", e.InID[:6] + "*"} {
			if strings.Contains(body, personal) {
				t.Errorf("leader home shows %q: figures only", personal)
			}
		}
		// English.
		e.page(t, "leader", "/?lang=en", 200, "The register", "Opened this year", "Home renovation budget", "Employment levy", "Levy due in total (yuan)")
	})
}

func parseCents(t *testing.T, s string) int64 {
	t.Helper()
	var yuan, cents int64
	if _, err := fmt.Sscanf(strings.ReplaceAll(s, ",", ""), "%d.%d", &yuan, &cents); err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return yuan*100 + cents
}

// TestForbiddenKeepsNavigation (issue 14): a page the role may not open
// answers 403 with the user's own menu, in their language, and says what
// they can do instead.
func TestForbiddenKeepsNavigation(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		menu := regexp.MustCompile(`(?s)<nav class="site-nav"[^>]*>(.*?)</nav>`)
		for _, c := range []struct{ user, path, lang, nav, says string }{
			{"leader", "/persons", "zh", `<a href="/indicators">指标</a>`, "您可以做什么"},
			{"leader", "/persons?lang=en", "en", `<a href="/indicators">Indicators</a>`, "What you can do"},
			{"volunteer", "/cases", "zh", `<a href="/">首页</a>`, "联系本单位负责账户的管理员"},
			{"employer", "/persons", "en", `<a href="/vacancies">`, "ask the administrator"},
		} {
			path := c.path
			if c.lang == "en" && !strings.Contains(path, "lang=") {
				path += "?lang=en"
			}
			body := e.page(t, c.user, path, 403, c.says)
			m := menu.FindStringSubmatch(body)
			if m == nil {
				t.Errorf("%s %s: the 403 page has no main menu", c.user, path)
				continue
			}
			if !strings.Contains(m[1], c.nav) {
				t.Errorf("%s %s: the 403 page's menu lacks %s:\n%s", c.user, path, c.nav, m[1])
			}
			// The role's links are repeated in the text as what they can do.
			if !strings.Contains(body, `<ul class="inline-links"><li><a href="/">`) {
				t.Errorf("%s %s: the 403 page does not list what the role can open", c.user, path)
			}
		}
		// Out of scope stays 404 (nothing leaks), still with the menu.
		body := e.page(t, "village", fmt.Sprintf("/persons/%d", e.Out), 404)
		if !menu.MatchString(body) || strings.Contains(body, "您可以做什么") {
			t.Error("a 404 for a record outside the scope should keep the menu and not explain roles")
		}
	})
}

// TestRoleHomesSayWhatTheyCanDo (issue 14): the provider's and the
// volunteer's homes say in plain words what the role can do today, with links.
func TestRoleHomesSayWhatTheyCanDo(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.page(t, "provider", "/", 200, "您可以做什么", "分配给本机构的服务个案", `href="/devices/stock"`, `href="/rehab/schedule"`, `href="/cases?show=open"`)
		e.page(t, "provider", "/?lang=en", 200, "What you can do", "assigned to your organisation")
		body := e.page(t, "volunteer", "/", 200, "您可以做什么", "报名本镇（街道）和区里的志愿服务任务", `href="/my/tasks"`, `href="/my/hours"`,
			`href="/account/2fa"`, "您的下一项任务")
		if strings.Contains(body, "目前没有需要您处理的事项。") || strings.Contains(body, "正在建设中") {
			t.Error("the volunteer's home still says only that nothing needs attention, or that it is being built")
		}
		e.page(t, "volunteer", "/?lang=en", 200, "What you can do", "sign up for the tasks of your town", "Your next task", "Two-step verification")
		// Staff's home has no such text.
		if body := e.page(t, "district", "/", 200); strings.Contains(body, "您可以做什么") {
			t.Error("district staff's home explains a role's limits")
		}
	})
}

// TestHeaderMenu (issue 14): the header folds language, display and
// sign-out into one <details> menu (no script needed), keeping the forms'
// targets and field names (CONTRACT: POST /preferences with lang or
// display, POST /logout).
func TestHeaderMenu(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		header := regexp.MustCompile(`(?s)<header class="site-header">(.*?)</header>`)
		body := e.page(t, "district", "/persons?lang=en", 200)
		h := header.FindStringSubmatch(body)
		if h == nil {
			t.Fatal("no header")
		}
		menu := regexp.MustCompile(`(?s)<details class="menu" id="site-menu">\s*<summary>(.*?)</summary>(.*)</details>`).FindStringSubmatch(h[1])
		if menu == nil {
			t.Fatalf("the header has no <details> menu:\n%s", h[1])
		}
		if !strings.Contains(menu[1], "Account &amp; settings") {
			t.Errorf("the menu's button: %s", menu[1])
		}
		for _, want := range []string{
			`<form method="post" action="/preferences" class="prefs">`,
			`<input type="hidden" name="next" value="/persons?lang=en">`,
			`name="lang" value="zh"`, `name="lang" value="en"`,
			`name="display" value="standard"`, `name="display" value="large"`, `name="display" value="contrast"`,
			`<form method="post" action="/logout" class="logout"`, "Sign out", "Signed in as",
		} {
			if !strings.Contains(menu[2], want) {
				t.Errorf("the header menu lacks %s", want)
			}
		}
		if strings.Count(menu[2], `aria-describedby="pref-chosen"`) != 2 {
			t.Error("the current language and display should each be marked as the current choice")
		}
		// Signed out: the menu holds the preferences and no sign-out.
		st, raw := e.DoRaw("", "GET", "/login", nil, nil, nil)
		if st != 200 || !strings.Contains(string(raw), `<details class="menu" id="site-menu">`) || strings.Contains(string(raw), `action="/logout"`) {
			t.Errorf("/login: %d, the menu without a sign-out expected", st)
		}
	})
}
