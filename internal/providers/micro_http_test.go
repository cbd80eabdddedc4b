package providers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/providers"
)

// microClient calls the running app as its users (by name; "" signs in as
// nobody) and checks every answer against its route's schema.
type microClient struct {
	t      *testing.T
	f      microFixture
	srv    *httptest.Server
	tokens map[string]string
}

func microServe(t *testing.T, d *db.DB) *microClient {
	t.Helper()
	f := microSetup(t, d)
	srv := httptest.NewServer(f.a.Handler())
	t.Cleanup(srv.Close)
	c := &microClient{t: t, f: f, srv: srv, tokens: map[string]string{}}
	for _, u := range []identity.User{
		{Username: "staff1", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "staff2", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "town", Role: identity.TownStaff, OrgUnit: nanxiang},
		{Username: "worker1", Role: identity.Provider, OrgUnit: "310114", ProviderID: f.p1},
		{Username: "worker2", Role: identity.Provider, OrgUnit: "310114", ProviderID: f.p2},
		{Username: "village", Role: identity.VillageAssistant, OrgUnit: apptest.Village},
	} {
		if _, err := f.a.Users.Create(context.Background(), u, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		var out struct{ Token string }
		if st, raw := c.do("", "POST", "/api/v1/session", map[string]string{"username": u.Username, "password": apptest.Password}, &out); st != 200 {
			t.Fatalf("sign in %s: %d %s", u.Username, st, raw)
		}
		c.tokens[u.Username] = out.Token
	}
	return c
}

func (c *microClient) send(user string, req *http.Request) (int, []byte) {
	c.t.Helper()
	if tok := c.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := (&http.Client{CheckRedirect: apptest.NoRedirect}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if err := c.f.a.CheckAnswer(req, resp.StatusCode, raw); err != nil {
		c.t.Errorf("%s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	return resp.StatusCode, raw
}

func (c *microClient) do(user, method, path string, body, out any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	st, raw := c.send(user, req)
	if out != nil && st < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return st, raw
}

func (c *microClient) form(user, path string, v url.Values) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(user, req)
}

// TestMicroAPI walks the API and the pages as each kind of user: who may
// propose, read, score and publish; a worker sees its own organisation's
// proposals only (404 for another's) and never scores; the public API and
// page need no sign-in, list only what was published, and name no scorer
// and no person.
func TestMicroAPI(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := microServe(t, d)
		in := providers.MicroInput{Title: "视障人士出行训练", Summary: "为南翔镇的视力残疾人开展出行训练。", Towns: []string{nanxiang}, Budget: 60_000_00, Beneficiaries: 25}
		var p1 providers.MicroProject
		if st, raw := c.do("worker1", "POST", "/api/v1/micro-projects", in, &p1); st != 201 || p1.ProviderID != c.f.p1 {
			t.Fatalf("propose: %d %s", st, raw)
		}
		in.Title, in.ProviderID = "手语课堂", c.f.p2
		var p2 providers.MicroProject
		if st, raw := c.do("staff1", "POST", "/api/v1/micro-projects", in, &p2); st != 201 || p2.ProviderID != c.f.p2 {
			t.Fatalf("propose for p2: %d %s", st, raw)
		}
		for _, u := range []string{"town", "village"} {
			if st, _ := c.do(u, "POST", "/api/v1/micro-projects", in, nil); st != 403 {
				t.Errorf("%s proposes: %d", u, st)
			}
		}
		in.Summary = "联系人电话 13812345678"
		if st, raw := c.do("worker1", "POST", "/api/v1/micro-projects", in, nil); st != 422 || !strings.Contains(string(raw), `"summary"`) {
			t.Errorf("personal data: %d %s", st, raw)
		}
		if st, _ := c.do("", "GET", "/api/v1/micro-projects", nil, nil); st != 401 {
			t.Errorf("anonymous list: %d", st)
		}
		p1path, p2path := "/api/v1/micro-projects/"+strconv.FormatInt(p1.ID, 10), "/api/v1/micro-projects/"+strconv.FormatInt(p2.ID, 10)

		// The worker: its own only; another's is 404; no scoring.
		var l providers.MicroList
		if st, raw := c.do("worker1", "GET", "/api/v1/micro-projects?year=2026", nil, &l); st != 200 || len(l.Items) != 1 || l.Items[0].ID != p1.ID {
			t.Fatalf("worker's list: %d %s", st, raw)
		}
		if st, _ := c.do("worker1", "GET", p2path, nil, nil); st != 404 {
			t.Errorf("worker reads another's: %d", st)
		}
		if st, _ := c.do("worker1", "GET", "/micro-projects/"+strconv.FormatInt(p2.ID, 10), nil, nil); st != 404 {
			t.Errorf("worker opens another's page: %d", st)
		}
		for _, m := range []string{"POST", "PUT"} {
			if st, _ := c.do("worker1", m, p1path+"/scores", providers.MicroScores{Need: 30}, nil); st != 403 {
				t.Errorf("worker scores its own (%s): %d", m, st)
			}
		}
		if st, _ := c.do("town", "PUT", p1path+"/scores", providers.MicroScores{Need: 30}, nil); st != 403 {
			t.Errorf("town staff score: %d", st)
		}
		if st, _ := c.do("town", "GET", p2path, nil, nil); st != 200 {
			t.Errorf("town staff read: %d", st)
		}

		// Scoring: bounds 422 naming the criterion; twice 409; PUT changes.
		if st, raw := c.do("staff1", "POST", p1path+"/scores", providers.MicroScores{Need: 30, Feasibility: 26, Benefit: 25, Cost: 10, Sustainability: 11}, nil); st != 422 ||
			!strings.Contains(string(raw), `"feasibility"`) || !strings.Contains(string(raw), `"sustainability"`) || strings.Contains(string(raw), `"need"`) {
			t.Errorf("bounds: %d %s", st, raw)
		}
		var det providers.MicroDetail
		if st, raw := c.do("staff1", "POST", p1path+"/scores", providers.MicroScores{Need: 25, Feasibility: 20, Benefit: 20, Cost: 8, Sustainability: 8}, &det); st != 201 || det.Score != 81 {
			t.Fatalf("score: %d %s", st, raw)
		}
		if st, _ := c.do("staff1", "POST", p1path+"/scores", providers.MicroScores{}, nil); st != 409 {
			t.Errorf("scoring twice: %d", st)
		}
		if st, raw := c.do("staff2", "PUT", p1path+"/scores", providers.MicroScores{Need: 20, Feasibility: 20, Benefit: 20, Cost: 8, Sustainability: 8}, &det); st != 200 ||
			det.Score != 78.5 || det.Scorers != 2 || det.Mine == nil || det.Mine.Need != 20 {
			t.Fatalf("second scorer: %d %s", st, raw)
		}
		if st, raw := c.do("staff2", "POST", p2path+"/scores", providers.MicroScores{Need: 10}, &det); st != 201 || det.Rank != 2 {
			t.Fatalf("score p2: %d %s", st, raw)
		}
		// The worker sees no score.
		if st, raw := c.do("worker1", "GET", p1path, nil, nil); st != 200 || strings.Contains(string(raw), `"score"`) || strings.Contains(string(raw), "staff") {
			t.Errorf("worker's view: %d %s", st, raw)
		}

		// Public, before publishing: nothing.
		var pub providers.PublicSelection
		if st, raw := c.do("", "GET", "/api/v1/public/micro-projects?year=2026", nil, &pub); st != 200 || pub.Published || len(pub.Items) != 0 {
			t.Fatalf("public before: %d %s", st, raw)
		}
		if st, raw := c.do("", "GET", "/public/micro-projects?year=2026", nil, nil); st != 200 || strings.Contains(string(raw), "视障人士出行训练") {
			t.Fatalf("public page before: %d", st)
		}
		for _, u := range []string{"worker1", "town"} {
			if st, _ := c.do(u, "POST", "/api/v1/micro-projects/publish", map[string]int{"year": 2026}, nil); st != 403 {
				t.Errorf("%s publishes: %d", u, st)
			}
		}
		if st, raw := c.do("staff1", "POST", "/api/v1/micro-projects/publish", map[string]int{"year": 2026}, &pub); st != 200 || len(pub.Items) != 2 || pub.Items[0].Title != "视障人士出行训练" {
			t.Fatalf("publish: %d %s", st, raw)
		}
		if st, _ := c.do("staff1", "POST", "/api/v1/micro-projects/publish", map[string]int{"year": 2026}, nil); st != 409 {
			t.Errorf("publish twice: %d", st)
		}
		// Public, published: rank, title, organisation, towns, summary,
		// budget — no scorer, no score.
		st, raw := c.do("", "GET", "/api/v1/public/micro-projects?year=2026&lang=en", nil, &pub)
		if st != 200 || !pub.Published || len(pub.Items) != 2 || pub.Items[0].Rank != 1 || pub.Items[0].Organisation != "阳光助残服务社" ||
			pub.Items[0].Towns[0].Name != "Nanxiang Town" || pub.Items[0].Budget != 60_000_00 || pub.Items[1].Title != "手语课堂" {
			t.Fatalf("public: %d %s", st, raw)
		}
		for _, no := range []string{"staff1", "staff2", "worker1", "score", "scorer", "created_by", "beneficiaries", "provider_id"} {
			if strings.Contains(string(raw), no) {
				t.Errorf("the public answer holds %q: %s", no, raw)
			}
		}
		st, page := c.do("", "GET", "/public/micro-projects?year=2026&lang=en", nil, nil)
		if st != 200 || !strings.Contains(string(page), "No. 1: 视障人士出行训练") || !strings.Contains(string(page), "60,000.00") || strings.Contains(string(page), "staff1") {
			t.Errorf("public page: %d", st)
		}
		// The worker's list says selected.
		if st, raw := c.do("worker1", "GET", "/api/v1/micro-projects", nil, &l); st != 200 || l.Items[0].Selected != 1 || !l.Published {
			t.Errorf("worker's list after publishing: %d %s", st, raw)
		}
		// Unpublish (reason) and the close of next year's call.
		if st, raw := c.do("staff1", "POST", "/api/v1/micro-projects/unpublish", map[string]any{"year": 2026}, nil); st != 422 || !strings.Contains(string(raw), `"reason"`) {
			t.Errorf("unpublish without a reason: %d %s", st, raw)
		}
		var y providers.MicroYear
		if st, raw := c.do("staff1", "POST", "/api/v1/micro-projects/unpublish", map[string]any{"year": 2026, "reason": "复核"}, &y); st != 200 || y.Published {
			t.Errorf("unpublish: %d %s", st, raw)
		}
		if st, raw := c.do("staff1", "POST", "/api/v1/micro-projects/close", map[string]any{"year": 2027}, &y); st != 200 || y.Open || y.Year != 2027 {
			t.Errorf("close: %d %s", st, raw)
		}
	})
}

// TestMicroPages: the pages as staff, a worker and without sign-in; forms
// keep what was typed and name the field in error.
func TestMicroPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := microServe(t, d)
		// A worker's proposal form: mistakes name their fields and keep the text.
		bad := url.Values{"title": {"出行训练"}, "summary": {"请联系 138 1234 5678"}, "towns": {nanxiang}, "budget": {"5万5"}, "beneficiaries": {"三十"}}
		st, raw := c.form("worker1", "/micro-projects", bad)
		body := string(raw)
		if st != 422 || !strings.Contains(body, `href="#f-summary"`) || !strings.Contains(body, `href="#f-budget"`) || !strings.Contains(body, `href="#f-beneficiaries"`) ||
			!strings.Contains(body, `value="5万5"`) || !strings.Contains(body, "请联系 138 1234 5678</textarea>") || !strings.Contains(body, `value="310114102" checked`) {
			t.Fatalf("bad proposal: %d %s", st, body)
		}
		good := url.Values{"title": {"出行训练"}, "summary": {"为视力残疾人开展出行训练。\n每周两次。"}, "towns": {nanxiang, anting}, "budget": {"5.5万"}, "beneficiaries": {"30"}}
		st, raw = c.form("worker1", "/micro-projects", good)
		if st != 303 {
			t.Fatalf("proposal: %d %s", st, raw)
		}
		var l providers.MicroList
		c.do("worker1", "GET", "/api/v1/micro-projects", nil, &l)
		if len(l.Items) != 1 || l.Items[0].Budget != 55_000_00 || l.Items[0].Beneficiaries != 30 {
			t.Fatalf("proposed %+v", l.Items)
		}
		id := strconv.FormatInt(l.Items[0].ID, 10)
		// Pages of everyone.
		for _, tc := range []struct {
			user, path string
			want       int
			has        string
		}{
			{"worker1", "/micro-projects", 200, "出行训练"},
			{"worker1", "/micro-projects/" + id, 200, "每周两次。"},
			{"worker2", "/micro-projects/" + id, 404, ""},
			{"staff1", "/micro-projects?year=2026", 200, "阳光助残服务社"},
			{"staff1", "/micro-projects/" + id + "?lang=en", 200, "Need (0 to 30)"},
			{"town", "/micro-projects/" + id, 200, "出行训练"},
			{"village", "/micro-projects", 403, ""},
			{"", "/micro-projects", 303, ""},
			{"", "/public/micro-projects", 200, "尚未公布"},
		} {
			st, raw := c.do(tc.user, "GET", tc.path, nil, nil)
			if st != tc.want || !strings.Contains(string(raw), tc.has) {
				t.Errorf("%s as %q: %d, want %d with %q", tc.path, tc.user, st, tc.want, tc.has)
			}
		}
		// The rubric form: out of bounds named and kept; then saved; then changed.
		st, raw = c.form("staff1", "/micro-projects/"+id+"/scores", url.Values{"need": {"31"}, "feasibility": {"20"}, "benefit": {"x"}, "cost": {"5"}, "sustainability": {""}})
		body = string(raw)
		if st != 422 || !strings.Contains(body, `href="#f-need"`) || !strings.Contains(body, `href="#f-benefit"`) || !strings.Contains(body, `href="#f-sustainability"`) ||
			strings.Contains(body, `href="#f-cost"`) || !strings.Contains(body, `value="31"`) {
			t.Fatalf("bad score: %d %s", st, body)
		}
		score := url.Values{"need": {"28"}, "feasibility": {"20"}, "benefit": {"22"}, "cost": {"9"}, "sustainability": {"7"}}
		if st, raw := c.form("staff1", "/micro-projects/"+id+"/scores", score); st != 303 {
			t.Fatalf("score: %d %s", st, raw)
		}
		if st, raw := c.form("staff1", "/micro-projects/"+id+"/scores", score); st != 409 || !strings.Contains(string(raw), "error-summary") {
			t.Fatalf("score twice: %d %s", st, raw)
		}
		score.Set("change", "1")
		score.Set("need", "30")
		if st, raw := c.form("staff1", "/micro-projects/"+id+"/scores", score); st != 303 {
			t.Fatalf("change: %d %s", st, raw)
		}
		if st, raw := c.do("staff1", "GET", "/micro-projects/"+id, nil, nil); st != 200 || !strings.Contains(string(raw), "88.00") || !strings.Contains(string(raw), "修改您的评分") {
			t.Errorf("after scoring: %d", st)
		}
		// Publish from the page; again, the page says why not.
		if st, raw := c.form("staff1", "/micro-projects/publish", url.Values{"year": {"2026"}}); st != 303 {
			t.Fatalf("publish: %d %s", st, raw)
		}
		if st, raw := c.form("staff1", "/micro-projects/publish", url.Values{"year": {"2026"}}); st != 409 || !strings.Contains(string(raw), "已经公布") {
			t.Errorf("publish twice: %d", st)
		}
		if st, raw := c.do("", "GET", "/public/micro-projects", nil, nil); st != 200 || !strings.Contains(string(raw), "第 1 名：出行训练") || !strings.Contains(string(raw), "南翔镇、安亭镇") {
			t.Errorf("public page: %d %s", st, raw)
		}
		if st, raw := c.form("staff1", "/micro-projects/unpublish", url.Values{"year": {"2026"}}); st != 422 || !strings.Contains(string(raw), `href="#f-reason"`) {
			t.Errorf("unpublish without a reason: %d", st)
		}
		if st, _ := c.form("staff1", "/micro-projects/unpublish", url.Values{"year": {"2026"}, "reason": {"复核"}}); st != 303 {
			t.Errorf("unpublish: %d", st)
		}
		if st, _ := c.form("staff1", "/micro-projects/close", url.Values{"year": {"2027"}}); st != 303 {
			t.Errorf("close: %d", st)
		}
	})
}

// TestMicroRoles walks every route of the micro-charity projects as no one,
// a village assistant, town staff, a worker of another organisation
// (worker2: out of scope), the proposing organisation's worker and district
// staff, in that order: the statuses each gets.
func TestMicroRoles(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := microServe(t, d)
		a := c.f.propose(t, c.f.p1, "甲项目")
		ap, aa := "/micro-projects/"+strconv.FormatInt(a, 10), "/api/v1/micro-projects/"+strconv.FormatInt(a, 10)
		p1 := strconv.FormatInt(c.f.p1, 10)
		users := []string{"", "village", "town", "worker2", "worker1", "staff1"}
		proposal := map[string]any{"provider_id": c.f.p1, "title": "乙项目", "summary": "为残疾人服务。", "towns": []string{nanxiang}, "budget": 100, "beneficiaries": 1}
		proposalForm := url.Values{"provider_id": {p1}, "title": {"丙项目"}, "summary": {"为残疾人服务。"}, "towns": {nanxiang}, "budget": {"1"}, "beneficiaries": {"1"}}
		scores := map[string]int{"need": 30, "feasibility": 25, "benefit": 25, "cost": 10, "sustainability": 10}
		scoresForm := url.Values{"need": {"30"}, "feasibility": {"25"}, "benefit": {"25"}, "cost": {"10"}, "sustainability": {"10"}, "change": {"1"}}
		year := func(y int, reason string) (map[string]any, url.Values) {
			return map[string]any{"year": y, "reason": reason}, url.Values{"year": {strconv.Itoa(y)}, "reason": {reason}}
		}
		c26, c26f := year(2026, "")
		c27, _ := year(2027, "")
		u26, u26f := year(2026, "复核")
		for _, r := range []struct {
			method, path string
			body         any
			form         url.Values
			want         []int // by users
		}{
			{"GET", "/api/v1/micro-projects", nil, nil, []int{401, 403, 200, 200, 200, 200}},
			{"GET", aa, nil, nil, []int{401, 403, 200, 404, 200, 200}},
			{"POST", "/api/v1/micro-projects", proposal, nil, []int{401, 403, 403, 422, 201, 201}},
			{"GET", "/micro-projects", nil, nil, []int{303, 403, 200, 200, 200, 200}},
			{"GET", ap, nil, nil, []int{303, 403, 200, 404, 200, 200}},
			{"POST", "/micro-projects", nil, proposalForm, []int{303, 403, 403, 422, 303, 303}},
			{"POST", aa + "/scores", scores, nil, []int{401, 403, 403, 403, 403, 201}},
			{"PUT", aa + "/scores", scores, nil, []int{401, 403, 403, 403, 403, 200}},
			{"POST", ap + "/scores", nil, scoresForm, []int{303, 403, 403, 403, 403, 303}},
			{"POST", "/micro-projects/close", nil, c26f, []int{303, 403, 403, 403, 403, 303}},
			{"POST", "/api/v1/micro-projects/close", c27, nil, []int{401, 403, 403, 403, 403, 200}},
			{"POST", "/api/v1/micro-projects/publish", c26, nil, []int{401, 403, 403, 403, 403, 200}},
			{"POST", "/api/v1/micro-projects/unpublish", u26, nil, []int{401, 403, 403, 403, 403, 200}},
			{"POST", "/micro-projects/publish", nil, c26f, []int{303, 403, 403, 403, 403, 303}},
			{"POST", "/micro-projects/unpublish", nil, u26f, []int{303, 403, 403, 403, 403, 303}},
			{"GET", "/api/v1/public/micro-projects", nil, nil, []int{200, 200, 200, 200, 200, 200}},
			{"GET", "/public/micro-projects", nil, nil, []int{200, 200, 200, 200, 200, 200}},
		} {
			for i, u := range users {
				var st int
				var raw []byte
				if r.form != nil {
					st, raw = c.form(u, r.path, r.form)
				} else {
					st, raw = c.do(u, r.method, r.path, r.body, nil)
				}
				if st != r.want[i] {
					t.Errorf("%s %s as %q: %d, want %d: %.200s", r.method, r.path, u, st, r.want[i], raw)
				}
			}
		}
	})
}
