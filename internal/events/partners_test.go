package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/events"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// peerLink is how the test reaches a partner's installation: its server
// and the bearer token of the peer account it gave us.
type peerLink struct{ URL, Token string }

// httpPartners is events.Partners over real HTTP to other installations
// (the federation's implementation signs its calls; this one sends the
// partner's peer account's bearer token).
type httpPartners struct {
	mu    sync.Mutex
	list  []events.Partner
	links map[string]peerLink
	wait  time.Duration
}

func (h *httpPartners) Partners(context.Context) ([]events.Partner, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]events.Partner(nil), h.list...), nil
}

func (h *httpPartners) Get(ctx context.Context, district, pathQuery string, out any) error {
	h.mu.Lock()
	link, ok := h.links[district]
	wait := h.wait
	h.mu.Unlock()
	if !ok {
		return apperr.New(apperr.NotFound, "不是合作区。", "Not a partner district.")
	}
	if wait == 0 {
		wait = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link.URL+pathQuery, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+link.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return apperr.New(apperr.Conflict, "合作区系统没有应答。", "The partner's installation does not answer.")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return apperr.New(apperr.Conflict, fmt.Sprintf("合作区系统返回错误（%d）。", resp.StatusCode),
			fmt.Sprintf("The partner's installation answered an error (%d).", resp.StatusCode))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return apperr.New(apperr.Conflict, "合作区系统的回答无法读取。", "The partner's installation answered something unreadable.")
	}
	return nil
}

// secondDB is another fresh database of the engine of the subtest.
func secondDB(t *testing.T) *db.DB {
	if strings.HasSuffix(t.Name(), "/postgres") {
		return testkit.Postgres(t)
	}
	return testkit.SQLite(t)
}

// TestSharedEventsTwoInstallations runs Jiading's and Kunshan's
// installations side by side: Jiading's shared event shows in Kunshan's
// event list; Kunshan's staff register and mark their residents; Jiading's
// organiser sees Kunshan's counts, and no name or ID number crosses; a
// stopped partner is shown as not answering while the pages render.
func TestSharedEventsTwoInstallations(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.NewEnv(t, d, apptest.Config(t)) // Jiading, 310114
		cfg := apptest.Config(t)
		cfg.District = "320583"
		b := apptest.NewEnv(t, secondDB(t), cfg) // Kunshan
		if a.App.District != "310114" || b.App.District != "320583" {
			t.Fatalf("districts %s and %s", a.App.District, b.App.District)
		}
		// Kunshan's account for Jiading's installation (a's fixture has
		// "peer", orgunit 320583: Kunshan's account on Jiading's).
		if _, err := b.App.Users.Create(ctx, identity.User{Username: "jiading", Role: identity.Peer, OrgUnit: "310114"}, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		b.Tokens["jiading"] = b.Login("jiading")
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close() // Taicang's installation, stopped
		a.App.Events.Partners = &httpPartners{list: []events.Partner{{District: "320583", Name: "昆山市"}, {District: "320585", Name: "太仓市"}},
			links: map[string]peerLink{"320583": {b.Srv.URL, b.Tokens["jiading"]}, "320585": {dead.URL, "x"}}}
		b.App.Events.Partners = &httpPartners{list: []events.Partner{{District: "310114", Name: "嘉定区"}},
			links: map[string]peerLink{"310114": {a.Srv.URL, a.Tokens["peer"]}}}

		today := events.Today(a.App.DB.Now())
		var shared, local events.Event
		if st := a.Do("district", "POST", "/api/v1/events", map[string]any{"title": "嘉昆太文化艺术节", "kind": "culture", "orgunit": "310114102",
			"date": today, "shared": true, "place": "嘉定体育馆"}, &shared); st != http.StatusCreated {
			t.Fatalf("create shared: %d", st)
		}
		if st := a.Do("district", "POST", "/api/v1/events", map[string]any{"title": "本区象棋赛", "kind": "sport", "orgunit": "310114102",
			"date": today}, &local); st != http.StatusCreated {
			t.Fatalf("create local: %d", st)
		}
		// Jiading registers one of its own: it must not cross either.
		if _, err := a.App.Events.Register(ctx, everywhere, shared.ID, a.In); err != nil {
			t.Fatal(err)
		}

		// What Kunshan's installation reads of Jiading's.
		st, raw := a.DoRaw("peer", "GET", "/api/v1/federation/events?year="+today[:4], nil, nil, nil)
		if st != http.StatusOK || !strings.Contains(string(raw), "嘉昆太文化艺术节") || strings.Contains(string(raw), "本区象棋赛") ||
			!strings.Contains(string(raw), `"district":"310114"`) || !strings.Contains(string(raw), `"orgunit_name":"南翔镇"`) {
			t.Fatalf("federation events: %d %s", st, raw)
		}
		noPersonal(t, raw, a)
		if st := a.Do("peer", "GET", "/api/v1/federation/events?year=1999", nil, nil); st != http.StatusUnprocessableEntity {
			t.Errorf("year 1999: %d", st)
		}

		// Kunshan's list of events shows Jiading's shared one.
		st, raw = get(t, b, "district", "/events")
		link := fmt.Sprintf("/events/partners/310114/%d", shared.ID)
		if st != http.StatusOK || !strings.Contains(string(raw), "嘉昆太文化艺术节") || !strings.Contains(string(raw), link) {
			t.Fatalf("kunshan /events: %d %s", st, raw)
		}
		if st, _ := get(t, b, "district", fmt.Sprintf("/events/partners/310114/%d", local.ID)); st != http.StatusNotFound {
			t.Errorf("a partner's unshared event: %d, want 404", st)
		}
		if st, _ := get(t, b, "district", fmt.Sprintf("/events/partners/320585/%d", shared.ID)); st != http.StatusNotFound {
			t.Errorf("not a partner: %d, want 404", st)
		}

		// Kunshan records its residents: the town staff two, one attends.
		before := culture(t, b)
		form := func(id int64) url.Values { return url.Values{"person_id": {fmt.Sprint(id)}} }
		if st, raw := b.Form("town", link+"/registrations", form(b.In)); st != http.StatusSeeOther {
			t.Fatalf("register: %d %s", st, raw)
		}
		if st, raw := b.Form("district", link+"/registrations", form(b.Town2)); st != http.StatusSeeOther {
			t.Fatalf("register 2: %d %s", st, raw)
		}
		if st, _ := b.Form("town", link+"/registrations", form(b.In)); st != http.StatusConflict {
			t.Errorf("twice: %d, want 409", st)
		}
		if st, _ := b.Form("village", link+"/registrations", form(b.Out)); st != http.StatusNotFound {
			t.Errorf("out of scope: %d, want 404", st)
		}
		if st, _ := b.Form("village", link+"/attendance", form(b.Town2)); st != http.StatusNotFound {
			t.Errorf("attendance out of scope: %d, want 404", st)
		}
		if st, raw := b.Form("town", link+"/attendance", form(b.In)); st != http.StatusSeeOther {
			t.Fatalf("attend: %d %s", st, raw)
		}
		if got := culture(t, b); got != before+1 {
			t.Errorf("attending a partner's culture event: culture_sports_rate %d, want %d", got, before+1)
		}
		st, raw = get(t, b, "town", link)
		if st != http.StatusOK || !strings.Contains(string(raw), "测试1") || strings.Contains(string(raw), "测试2") {
			t.Errorf("kunshan's partner event page as town staff: %d %s", st, raw)
		}
		if n := b.Int64(`SELECT count(*) FROM audit_log WHERE subject_type = 'person' AND action = 'update' AND detail LIKE '%partner_event%'`); n != 3 {
			t.Errorf("audit entries of partner events: %d", n)
		}

		// The counts Jiading receives carry no names or ID numbers.
		st, raw = b.DoRaw("jiading", "GET", "/api/v1/federation/event-counts?year="+today[:4], nil, nil, nil)
		if want := fmt.Sprintf(`{"event_id":%d,"registered":2,"attended":1}`, shared.ID); st != http.StatusOK || !strings.Contains(string(raw), want) {
			t.Fatalf("event counts: %d %s, want %s", st, raw, want)
		}
		noPersonal(t, raw, b)
		if st := b.Do("district", "GET", "/api/v1/federation/event-counts?year=2026", nil, nil); st != http.StatusForbidden {
			t.Errorf("event counts as staff: %d, want 403", st)
		}

		// Jiading's organiser sees the counts per district; Taicang does
		// not answer.
		var pc events.PartnerCounts
		if st := a.Do("district", "GET", fmt.Sprintf("/api/v1/events/%d/partner-counts", shared.ID), nil, &pc); st != http.StatusOK || len(pc.Items) != 2 {
			t.Fatalf("partner counts: %d %+v", st, pc)
		}
		if got := pc.Items[0]; got.District != "320583" || got.Registered != 2 || got.Attended != 1 || got.Error != "" {
			t.Errorf("kunshan's counts: %+v", got)
		}
		if got := pc.Items[1]; got.District != "320585" || got.Error == "" || got.Registered != 0 {
			t.Errorf("taicang (stopped): %+v", got)
		}
		st, raw = get(t, a, "district", fmt.Sprintf("/events/%d", shared.ID))
		if st != http.StatusOK || !strings.Contains(string(raw), "合作区参与人数") || !strings.Contains(string(raw), "<td>2</td><td>1</td>") ||
			!strings.Contains(string(raw), "合作区系统没有应答") {
			t.Errorf("organiser's event page: %d %s", st, raw)
		}
		st, raw = get(t, a, "district", "/events?lang=en")
		if st != http.StatusOK || !strings.Contains(string(raw), "太仓市 does not answer") {
			t.Errorf("jiading's /events with taicang stopped: %d %s", st, raw)
		}
		var none events.PartnerCounts
		if st := a.Do("district", "GET", fmt.Sprintf("/api/v1/events/%d/partner-counts", local.ID), nil, &none); st != http.StatusOK || len(none.Items) != 0 {
			t.Errorf("partner counts of an unshared event: %d %+v", st, none)
		}

		// Jiading stops: Kunshan's page of the event still lists its own.
		a.Srv.Close()
		st, raw = get(t, b, "district", link)
		if st != http.StatusOK || !strings.Contains(string(raw), "嘉定区没有应答") || !strings.Contains(string(raw), "测试1") ||
			!strings.Contains(string(raw), "嘉昆太文化艺术节") {
			t.Errorf("partner event page with the partner stopped: %d %s", st, raw)
		}
		st, raw = get(t, b, "district", "/events")
		if st != http.StatusOK || !strings.Contains(string(raw), "嘉定区没有应答") {
			t.Errorf("kunshan's /events with jiading stopped: %d %s", st, raw)
		}
		if st, _ := b.Form("district", link+"/attendance", form(b.Town2)); st != http.StatusConflict {
			t.Errorf("attendance with the partner stopped: %d, want 409", st)
		}
		if st, raw := b.Form("district", link+"/absences", form(b.In)); st != http.StatusSeeOther {
			t.Errorf("removing attendance works without the partner: %d %s", st, raw)
		}
		if got := culture(t, b); got != before {
			t.Errorf("attendance removed: culture_sports_rate %d, want %d", got, before)
		}
	})
}

// noPersonal fails when a peer's answer names a person of the fixture or
// an ID number or phone.
func noPersonal(t *testing.T, raw []byte, e *apptest.Env) {
	t.Helper()
	s := string(raw)
	for _, bad := range []string{"测试", e.InID, e.OutID, "13812345678", "person"} {
		if strings.Contains(s, bad) {
			t.Errorf("a peer's answer carries %q: %s", bad, s)
		}
	}
}

// get reads a page as a user.
func get(t *testing.T, e *apptest.Env, user, path string) (int, []byte) {
	t.Helper()
	return e.DoRaw(user, "GET", path, nil, nil, nil)
}
