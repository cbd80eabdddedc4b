package app_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// bareRecord is a record number shown where a person's name belongs.
var bareRecord = regexp.MustCompile(`档案 ?#\s*\d+|Record ?#\s*\d+`)

// checkNames fails when a page shows a bare record number instead of a name.
func checkNames(t *testing.T, where, body string) {
	t.Helper()
	if m := bareRecord.FindString(body); m != "" {
		t.Errorf("%s: a bare record number %q where a name belongs", where, m)
	}
}

// links are the same-site page links of a body, unescaped.
var links = regexp.MustCompile(`href="(/[^"#]*)"`)

// skipLink tells the links a walk does not follow: the API, static files,
// downloads, signing out, language and display switches.
func skipLink(path string) bool {
	for _, p := range []string{"/api/", "/static/", "/logout", "/sign-out", "/login"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	for _, s := range []string{"export", "download", "template", ".csv", ".xlsx", "lang=", "display="} {
		if strings.Contains(path, s) {
			return true
		}
	}
	return false
}

// digits makes a link's shape: the walk opens a few links of each shape
// (three cases, not three hundred).
var digits = regexp.MustCompile(`\d+`)

// TestNamesNotNumbers walks the HTML pages each role reaches from its home
// (district, town and village staff, a provider, the person themself), on
// demo data with cases, in both languages, and fails where a page shows a
// bare record number ("档案 #9") instead of the person's name. A case whose
// person moved out of the caller's area names no one.
func TestNamesNotNumbers(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		if err := e.App.LoadDemo(ctx, 300, 5, io.Discard); err != nil {
			t.Fatal(err)
		}
		// The person's own request (assigned to the provider, whose walk
		// reaches it), and a case in 安亭镇 whose person has since moved
		// out of the district.
		e.Assign(e.Case(e.In))
		moved := e.Case(e.Town2)
		if _, err := e.App.DB.Exec(ctx, `UPDATE persons SET orgunit = ? WHERE id = ?`, apptest.VillageOut, e.Town2); err != nil {
			t.Fatal(err)
		}
		body := e.page(t, "district", fmt.Sprintf("/cases/%d", moved), 200, "其他辖区的档案")
		if strings.Contains(body, "测试2") {
			t.Error("a case names a person outside the caller's area")
		}
		e.page(t, "district", fmt.Sprintf("/cases/%d?lang=en", moved), 200, "Another area&#39;s record")
		e.page(t, "district", "/cases?show=open", 200, "其他辖区的档案")
		e.page(t, "village", fmt.Sprintf("/cases/%d", e.Case(e.In)), 200, "测试1", "永新村", "310114")

		for _, user := range []string{"district", "town", "village", "provider", "person"} {
			for _, lang := range []string{"zh", "en"} {
				walkNames(t, e, user, lang)
			}
		}
	})
}

// walkNames opens the pages user reaches from the home page and the case
// inbox, following links breadth first, a few of each shape.
func walkNames(t *testing.T, e *env, user, lang string) {
	t.Helper()
	const maxPages, perShape = 60, 2
	queue := []string{"/", "/cases?show=open", "/cases?show=mine", "/persons", "/me"}
	seen, shapes := map[string]bool{}, map[string]int{}
	pages := 0
	for len(queue) > 0 && pages < maxPages {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		shape := digits.ReplaceAllString(path, "N")
		if shapes[shape] >= perShape {
			continue
		}
		shapes[shape]++
		req, err := http.NewRequest("GET", e.Srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.Tokens[user])
		req.Header.Set("Accept-Language", lang)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode >= 500 {
			t.Errorf("%s %s (%s): %d", user, path, lang, res.StatusCode)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		pages++
		body := string(raw)
		checkNames(t, fmt.Sprintf("%s %s (%s)", user, path, lang), body)
		for _, m := range links.FindAllStringSubmatch(body, -1) {
			if next := html.UnescapeString(m[1]); !skipLink(next) && !seen[next] {
				queue = append(queue, next)
			}
		}
	}
	t.Logf("%s (%s): %d pages", user, lang, pages)
	if pages < 5 {
		t.Errorf("%s (%s): the walk opened only %d pages", user, lang, pages)
	}
}

// TestPlacePickers: the persons filter and the person form pick a town or
// village by name from the caller's area, grouped by town; nobody types a
// 9- or 12-digit code (the codes still work in links).
func TestPlacePickers(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// The town staff's filter: 南翔镇 as a whole and its villages, nothing of 安亭镇.
		body := e.page(t, "town", "/persons", 200, `<select id="f-orgunit" name="orgunit">`, `<optgroup label="南翔镇">`,
			`<option value="310114102">南翔镇（全镇）</option>`, `<option value="310114102201">永新村</option>`, `<option value="310114102202">永乐村</option>`)
		if strings.Contains(body, "安亭") || strings.Contains(body, `inputmode="numeric" value=""`) {
			t.Error("the town's filter offers another town, or asks for a typed code")
		}
		// A chosen village stays chosen; the district sees every town, in English too.
		e.page(t, "district", "/persons?orgunit=310114103201", 200, `<option value="310114103201" selected>安亭村</option>`, `<optgroup label="安亭镇">`, `<option value="310114">嘉定区（全部）</option>`)
		e.page(t, "district", "/persons?lang=en", 200, `<optgroup label="Anting Town">`, `Nanxiang Town (whole town)`, "Town or village")
		// The village assistant's own village, under its town.
		e.page(t, "village", "/persons", 200, `<optgroup label="南翔镇">`, `<option value="310114102201">永新村</option>`)
		// The new person form offers villages only; the link's village is chosen;
		// a form sent without one says so at the picker and keeps what was typed.
		body = e.page(t, "town", "/persons/new?orgunit=310114102202", 200, `<select id="f-orgunit" name="orgunit">`, `<option value="310114102202" selected>永乐村</option>`)
		if strings.Contains(body, "（全镇）") {
			t.Error("the person form offers a whole town as a place to live")
		}
		e.submit(t, "town", "/persons/new", url.Values{"name": {"王小明"}, "orgunit": {""}}, 422,
			`<select id="f-orgunit" name="orgunit" aria-invalid="true" aria-describedby="e-orgunit">`, `id="e-orgunit"`, "请选择所属村居", `value="王小明"`)
	})
}

// TestLogsInWords: the person's access log and the audit page say who
// looked in words (their unit, role and name), what they did in the page's
// language, and the audit page names no person.
func TestLogsInWords(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if _, err := e.App.DB.Exec(context.Background(), `UPDATE users SET name = ? WHERE username = ?`, "王芳", "town"); err != nil {
			t.Fatal(err)
		}
		pp := fmt.Sprintf("/persons/%d", e.In)
		e.page(t, "town", pp, 200, "测试1")
		e.page(t, "district", pp+"/access-log", 200, "南翔镇 街镇工作人员 王芳", "查看了档案")
		e.page(t, "district", pp+"/access-log?lang=en", 200, "Nanxiang Town · Town staff · 王芳", "viewed the record")
		e.page(t, "person", "/me", 200, "南翔镇 街镇工作人员 王芳", "查看了档案", "您本人")
		body := e.page(t, "auditor", "/audit", 200, "南翔镇 街镇工作人员 王芳", "用户名 town", "查看了", fmt.Sprintf("残疾人档案 %d", e.In), "永新村")
		if strings.Contains(body, "测试1") {
			t.Error("the audit page names a person")
		}
		e.page(t, "auditor", "/audit?lang=en", 200, "Nanxiang Town · Town staff · 王芳", "viewed", fmt.Sprintf("person record %d", e.In))
		// A case says who opened it and who acted, in words.
		e.submit(t, "town", "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {"assistive_device"}, "need": {"轮椅"}}, 303)
		cp := fmt.Sprintf("/cases/%d", e.Int64(`SELECT max(id) FROM cases`))
		e.page(t, "village", cp, 200, "<dd>南翔镇 街镇工作人员 王芳 · ", "· 南翔镇 街镇工作人员 王芳 · <strong>申请</strong>")
	})
}
