package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
	"sunshine/internal/towns"
)

// projectBody is a valid project definition with two custom fields.
func projectBody(name string) map[string]any {
	return map[string]any{"name": name, "name_en": "Project " + name, "description": "测试项目",
		"fields": []map[string]any{
			{"name": "school", "label_zh": "学校", "label_en": "School", "kind": "text", "required": true},
			{"name": "hours", "label_zh": "每周小时数", "label_en": "Hours a week", "kind": "int", "required": true},
			{"name": "level", "label_zh": "程度", "label_en": "Level", "kind": "enum", "choices": []string{"low", "high"}},
		}}
}

// errFields are the field errors of a JSON error answer.
type errBody struct {
	Error struct {
		Code    string
		Message string
		Fields  []struct{ Field, Code, Message string }
	}
}

func (b errBody) has(field, code string) bool {
	for _, f := range b.Error.Fields {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

func TestTownServiceSwitches(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		const nanxiang = "/api/v1/towns/310114102/services"
		var list struct{ Items []towns.Service }
		if st := e.Do("town", "GET", nanxiang, nil, &list); st != 200 || len(list.Items) < 2 {
			t.Fatalf("services: %d %+v", st, list)
		}
		for _, s := range list.Items {
			if !s.Enabled {
				t.Errorf("%s is off before anyone switched it", s.Code)
			}
		}
		// Who may switch: not village assistants (403), not another town's staff (404).
		if st := e.Do("village", "PUT", nanxiang+"/assistive_device", map[string]any{"enabled": false}, nil); st != 403 {
			t.Errorf("village assistant switches: %d, want 403", st)
		}
		if st := e.Do("town", "PUT", "/api/v1/towns/310114103/services/assistive_device", map[string]any{"enabled": false}, nil); st != 404 {
			t.Errorf("town staff switch another town: %d, want 404", st)
		}
		if st := e.Do("town", "PUT", nanxiang+"/no_such_service", map[string]any{"enabled": false}, nil); st != 404 {
			t.Errorf("unknown service: %d, want 404", st)
		}
		var eb errBody
		if st, _ := e.DoRaw("town", "PUT", nanxiang+"/assistive_device", map[string]any{}, &eb, nil); st != 422 || !eb.has("enabled", "required") {
			t.Errorf("no enabled: %d %+v", st, eb)
		}
		openCase := e.Case(e.In) // opened before the switch
		var sv towns.Service
		if st := e.Do("town", "PUT", nanxiang+"/assistive_device", map[string]any{"enabled": false}, &sv); st != 200 || sv.Enabled {
			t.Fatalf("switch off: %d %+v", st, sv)
		}
		if st, raw := e.DoRaw("town", "POST", fmt.Sprintf("/api/v1/cases/%d/transitions", openCase), map[string]any{"action": "cancel"}, nil, nil); st != 200 {
			t.Errorf("an open case stops when its service is switched off: %d %s", st, raw)
		}
		// New cases are refused in Nanxiang, with a message naming the town and the service.
		open := func(user string, person int64, typ string, data map[string]any, lang string) (int, errBody) {
			t.Helper()
			var b errBody
			h := http.Header{"Accept-Language": {lang}}
			st, _ := e.DoRaw(user, "POST", "/api/v1/cases", map[string]any{"person_id": person, "service_type": typ, "data": data}, &b, h)
			return st, b
		}
		st, b := open("village", e.In, "assistive_device", nil, "zh-CN")
		if st != 409 || !strings.Contains(b.Error.Message, "南翔镇") || !strings.Contains(b.Error.Message, "辅助器具适配") {
			t.Errorf("case of a switched-off service: %d %q", st, b.Error.Message)
		}
		if st, b = open("village", e.In, "assistive_device", nil, "en"); st != 409 || !strings.Contains(b.Error.Message, "switched off") || !strings.Contains(b.Error.Message, "Assistive devices") {
			t.Errorf("in English: %d %q", st, b.Error.Message)
		}
		// Other towns go on; so do the open cases of Nanxiang.
		if st, b = open("district", e.Town2, "assistive_device", nil, "zh-CN"); st != 201 {
			t.Errorf("Anting: %d %+v", st, b)
		}
		enabled := func(unit, typ string) bool {
			t.Helper()
			var out struct {
				Items []struct {
					Code    string
					Enabled *bool
				}
			}
			if st := e.Do("district", "GET", "/api/v1/service-types?orgunit="+unit, nil, &out); st != 200 {
				t.Fatalf("service types: %d", st)
			}
			for _, it := range out.Items {
				if it.Code == typ {
					if it.Enabled == nil {
						t.Fatalf("%s: no enabled for %s", unit, typ)
					}
					return *it.Enabled
				}
			}
			t.Fatalf("no type %s", typ)
			return false
		}
		if enabled(villageIn, "assistive_device") || !enabled(villageTown2, "assistive_device") || !enabled(villageIn, "home_renovation") {
			t.Error("service-types?orgunit= does not mark assistive_device off in Nanxiang only")
		}
		if st := e.Do("district", "GET", "/api/v1/service-types?orgunit="+villageOut, nil, nil); st != 404 {
			t.Errorf("service types of a unit out of scope: %d, want 404", st)
		}
		// District staff switch any town of their district; on again, cases open again.
		if st := e.Do("district", "PUT", "/api/v1/towns/310114103/services/home_renovation", map[string]any{"enabled": false}, nil); st != 200 {
			t.Errorf("district switches Anting: %d", st)
		}
		if st := e.Do("town", "PUT", nanxiang+"/assistive_device", map[string]any{"enabled": true}, &sv); st != 200 || !sv.Enabled {
			t.Fatalf("switch on: %d", st)
		}
		if st, b = open("village", e.In, "assistive_device", nil, "zh-CN"); st != 201 {
			t.Errorf("after switching on: %d %+v", st, b)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE subject_type = ? AND action = ?`, towns.SubjectService, audit.ActionUpdate).Scan(&n); err != nil || n != 3 {
			t.Errorf("audit entries of switches: %d, want 3 (%v)", n, err)
		}
	})
}

func TestTownProjects(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		const base = "/api/v1/towns/310114102/projects"
		// A town staff user in Anting, to open cases for Anting's person.
		if _, err := e.App.Users.Create(ctx, identity.User{Username: "town2", Role: identity.TownStaff, OrgUnit: "310114103"}, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		e.Tokens["town2"] = e.Login("town2")

		// Validation: 422 naming the field and the reason.
		bad := func(mod func(m map[string]any), field, code string) {
			t.Helper()
			body := projectBody("坏")
			mod(body)
			var b errBody
			if st, raw := e.DoRaw("town", "POST", base, body, &b, nil); st != 422 || !b.has(field, code) {
				t.Errorf("want 422 %s %s, got %d %s", field, code, st, raw)
			}
		}
		fields := func(m map[string]any) []map[string]any { return m["fields"].([]map[string]any) }
		bad(func(m map[string]any) { m["name"] = " " }, "name", "required")
		bad(func(m map[string]any) { m["name_en"] = strings.Repeat("x", 121) }, "name_en", "length")
		bad(func(m map[string]any) { m["name"] = "助\x00学" }, "name", "control_character")
		bad(func(m map[string]any) { fields(m)[2]["choices"] = []string{strings.Repeat("长", 61)} }, "fields[2].choices", "invalid")
		bad(func(m map[string]any) { fields(m)[1]["name"] = "Hours-2" }, "fields[1].name", "invalid")
		bad(func(m map[string]any) { fields(m)[1]["name"] = "9x" }, "fields[1].name", "invalid")
		bad(func(m map[string]any) { fields(m)[2]["name"] = "school" }, "fields[2].name", "duplicate")
		bad(func(m map[string]any) { fields(m)[0]["name"] = "need" }, "fields[0].name", "reserved")
		bad(func(m map[string]any) { fields(m)[1]["kind"] = "list" }, "fields[1].kind", "unknown")
		bad(func(m map[string]any) { fields(m)[2]["choices"] = []string{" "} }, "fields[2].choices", "required")
		bad(func(m map[string]any) { fields(m)[0]["label_zh"] = "" }, "fields[0].label_zh", "required")
		bad(func(m map[string]any) {
			var many []map[string]any
			for i := range towns.MaxFields + 1 {
				many = append(many, map[string]any{"name": fmt.Sprintf("f%d", i), "label_zh": "字段", "kind": "text"})
			}
			m["fields"] = many
		}, "fields", "too_many")
		if st := e.Do("village", "POST", base, projectBody("村"), nil); st != 403 {
			t.Errorf("village assistant defines a project: %d, want 403", st)
		}
		if st := e.Do("town2", "POST", base, projectBody("外镇"), nil); st != 404 {
			t.Errorf("another town's staff define a project here: %d, want 404", st)
		}

		var p towns.Project
		if st := e.Do("town", "POST", base, projectBody("助学"), &p); st != 201 || p.Code != "local_310114102_1" || len(p.Fields) != 3 || p.Fields[1].LabelEn != "Hours a week" {
			t.Fatalf("define: %d %+v", st, p)
		}
		var list struct{ Items []towns.Project }
		if st := e.Do("district", "GET", base, nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].Code != p.Code {
			t.Fatalf("list: %d %+v", st, list)
		}
		// The project is a service type with its fields.
		var types struct {
			Items []struct {
				Code         string
				CreateFields []struct{ Name string } `json:"create_fields"`
			}
		}
		e.Do("village", "GET", "/api/v1/service-types", nil, &types)
		found := false
		for _, it := range types.Items {
			found = found || it.Code == p.Code && len(it.CreateFields) == 3
		}
		if !found {
			t.Fatalf("service types lack %s with its fields: %+v", p.Code, types)
		}

		// Its fields are required on submission, by kind.
		open := func(user string, person int64, data map[string]any) (int, errBody, int64) {
			t.Helper()
			var b errBody
			var c struct{ ID int64 }
			st, raw := e.DoRaw(user, "POST", "/api/v1/cases", map[string]any{"person_id": person, "service_type": p.Code, "data": data}, nil, nil)
			if st == 201 {
				decodeJSON(strings.NewReader(string(raw)), &c)
			} else {
				decodeJSON(strings.NewReader(string(raw)), &b)
			}
			return st, b, c.ID
		}
		if st, b, _ := open("village", e.In, map[string]any{"hours": 3}); st != 422 || !b.has("school", "required") {
			t.Errorf("missing school: %d %+v", st, b)
		}
		if st, b, _ := open("village", e.In, map[string]any{"school": "一中", "hours": "three"}); st != 422 || !b.has("hours", "invalid") {
			t.Errorf("hours not a number: %d %+v", st, b)
		}
		if st, b, _ := open("village", e.In, map[string]any{"school": "一中", "hours": 3, "level": "medium"}); st != 422 || !b.has("level", "invalid") {
			t.Errorf("level not a choice: %d %+v", st, b)
		}
		if st, _, _ := open("district", e.In, map[string]any{"school": "一中", "hours": 3}); st != 403 {
			t.Errorf("district staff open a case of a local project: %d, want 403", st)
		}
		st, _, id := open("village", e.In, map[string]any{"school": "一中", "hours": 3, "level": "high"})
		if st != 201 {
			t.Fatalf("open: %d", st)
		}

		// Every transition, with a role refused and an allowed one.
		act := func(user string, id int64, action string, data map[string]any, want int, state string) {
			t.Helper()
			var c struct{ State string }
			st, raw := e.DoRaw(user, "POST", fmt.Sprintf("/api/v1/cases/%d/transitions", id), map[string]any{"action": action, "data": data}, &c, nil)
			if st != want || state != "" && c.State != state {
				t.Errorf("%s %s: %d %s, want %d %s", user, action, st, raw, want, state)
			}
		}
		act("village", id, "approve", nil, 403, "")
		act("town", id, "deliver", map[string]any{"note": "x"}, 409, "")
		act("town", id, "approve", nil, 200, "approved")
		act("village", id, "deliver", map[string]any{"note": "x"}, 403, "")
		// The provider delivers the cases assigned to its organisation only.
		act("provider", id, "deliver", map[string]any{"note": "辅导 4 次"}, 404, "")
		e.Assign(id)
		act("provider", id, "deliver", nil, 422, "")
		act("provider", id, "deliver", map[string]any{"note": "辅导 4 次"}, 200, "delivered")
		act("provider", id, "close", nil, 403, "")
		act("town", id, "close", nil, 200, "closed")
		_, _, id2 := open("person", e.In, map[string]any{"school": "二中", "hours": 1})
		act("village", id2, "reject", map[string]any{"reason": "x"}, 403, "")
		act("town", id2, "reject", nil, 422, "")
		act("town", id2, "reject", map[string]any{"reason": "不符合条件"}, 200, "rejected")
		_, _, id3 := open("town", e.In, map[string]any{"school": "三中", "hours": 2})
		act("provider", id3, "cancel", nil, 404, "")
		e.Assign(id3)
		act("provider", id3, "cancel", nil, 403, "")
		act("town", id3, "approve", nil, 200, "approved")
		act("person", id3, "cancel", nil, 200, "cancelled")

		// Changing: only names and description once cases exist.
		put := func(user string, id int64, body map[string]any, want int) {
			t.Helper()
			if st, raw := e.DoRaw(user, "PUT", fmt.Sprintf("%s/%d", base, id), body, nil, nil); st != want {
				t.Errorf("PUT %v: %d %s, want %d", body, st, raw, want)
			}
		}
		changed := projectBody("助学")
		fields(changed)[0]["required"] = false
		put("town", p.ID, changed, 409)
		put("town", p.ID, map[string]any{"name": "助学服务", "name_en": "School support", "description": "改过"}, 200)
		put("town", p.ID, map[string]any{"name": "助学服务", "name_en": "School support", "version": 1}, 409) // stale
		put("town2", p.ID, map[string]any{"name": "x", "name_en": "x"}, 404)
		var fresh towns.Project
		e.Do("town", "POST", base, projectBody("新项目"), &fresh)
		put("town", fresh.ID, changed, 200)
		if tp, ok := e.App.Cases.TypeOf(fresh.Code); !ok || tp.CreateFields[0].Required {
			t.Errorf("the changed fields are not registered: %+v", tp)
		}
		if tp, _ := e.App.Cases.TypeOf(p.Code); tp.Zh != "助学服务" {
			t.Errorf("the new name is not registered: %q", tp.Zh)
		}

		// A person of another town gets no case of it, until it is promoted.
		data := map[string]any{"school": "安亭中学", "hours": 2}
		if st, b, _ := open("town2", e.Town2, data); st != 409 || !strings.Contains(b.Error.Message, "南翔镇") {
			t.Errorf("another town's person: %d %+v", st, b)
		}
		if st := e.Do("town", "POST", fmt.Sprintf("/api/v1/projects/%d/promote", p.ID), nil, nil); st != 403 {
			t.Errorf("town staff promote: %d, want 403", st)
		}
		var promoted towns.Project
		if st := e.Do("district", "POST", fmt.Sprintf("/api/v1/projects/%d/promote", p.ID), nil, &promoted); st != 200 || promoted.PromotedTo != "310114" || promoted.Code != p.Code {
			t.Fatalf("promote: %d %+v", st, promoted)
		}
		if st := e.Do("district", "POST", fmt.Sprintf("/api/v1/projects/%d/promote", p.ID), nil, nil); st != 409 {
			t.Errorf("promote twice: %d, want 409", st)
		}
		if st, b, _ := open("town2", e.Town2, data); st != 201 {
			t.Errorf("after promotion: %d %+v", st, b)
		}
		var svc struct{ Items []towns.Service }
		e.Do("town2", "GET", "/api/v1/towns/310114103/services", nil, &svc)
		seen := false
		for _, s := range svc.Items {
			seen = seen || s.Code == p.Code && s.Promoted
			if s.Code == fresh.Code {
				t.Errorf("Anting lists Nanxiang's unpromoted project %s", s.Code)
			}
		}
		if !seen {
			t.Errorf("Anting does not list the promoted project: %+v", svc.Items)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE subject_type = ? AND subject_id = ?`, towns.SubjectProject, p.Code).Scan(&n); err != nil || n != 3 {
			t.Errorf("audit entries of the project (create, update, promote): %d (%v)", n, err)
		}

		// Projects survive a restart: a new app on the same database knows them.
		a2, err := app.New(ctx, d, apptest.Config(t))
		if err != nil {
			t.Fatal(err)
		}
		defer a2.Audit.Close()
		for _, code := range []string{p.Code, fresh.Code} {
			if _, ok := a2.Cases.TypeOf(code); !ok {
				t.Errorf("after a restart, %s is unknown", code)
			}
		}
		if err := a2.Towns.Allowed(ctx, d, fresh.Code, villageTown2); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("after a restart, the unpromoted project is open to Anting: %v", err)
		}
		// Two servers on one database: a project defined through the first is
		// known to the second at its next case operation.
		later, err := e.App.Towns.CreateProject(ctx, orgunit.ScopeOf("310114102"), audit.Actor{Username: "t", Role: identity.TownStaff}, "310114102",
			towns.ProjectInput{Name: "助餐", NameEn: "Meals", Fields: []towns.FieldDef{{Name: "meals", LabelZh: "餐数", LabelEn: "Meals", Kind: "int"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := a2.Cases.TypeOf(later.Code); ok {
			t.Fatalf("%s known to the second server before any operation", later.Code)
		}
		c2, err := a2.Cases.Create(ctx, registry.Caller{Actor: audit.Actor{Username: "t2", Role: identity.TownStaff}, Scope: orgunit.ScopeOf("310114102")},
			e.In, later.Code, map[string]any{"need": "午餐", "meals": json.Number("5")})
		if err != nil || c2.ServiceType != later.Code {
			t.Errorf("the second server opening a case of a project defined on the first: %+v %v", c2, err)
		}
	})
}

// TestTownProjectsConcurrent defines projects of one town at once: each gets
// its own number.
func TestTownProjectsConcurrent(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		const n = 8
		codes := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				p, err := e.App.Towns.CreateProject(context.Background(), orgunit.ScopeOf("310114102"), audit.Actor{Username: "town", Role: identity.TownStaff},
					"310114102", towns.ProjectInput{Name: fmt.Sprintf("项目%d", i), NameEn: "P"})
				if err != nil {
					t.Error(err)
					return
				}
				codes[i] = p.Code
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, c := range codes {
			if c == "" || seen[c] {
				t.Fatalf("codes: %v", codes)
			}
			seen[c] = true
		}
		for i := 1; i <= n; i++ {
			if !seen[fmt.Sprintf("local_310114102_%d", i)] {
				t.Errorf("codes are not 1…%d: %v", n, codes)
			}
		}
	})
}

func TestTownPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		get := func(user, path string, want int, wants ...string) string {
			t.Helper()
			return e.page(t, user, path, want, wants...)
		}
		post := func(user, path string, form url.Values, want int, wants ...string) string {
			t.Helper()
			return e.submit(t, user, path, form, want, wants...)
		}
		const services, projects = "/towns/310114102/services", "/towns/310114102/projects"
		newCase := fmt.Sprintf("/cases/new?person_id=%d", e.In)

		// Services: a switch per type; off, the new case form no longer offers it.
		get("town", services, 200, "南翔镇：服务开关", "辅助器具适配", `暂停受理“辅助器具适配”`)
		get("village", services, 403)
		get("town", "/towns/310114103/services", 404)
		get("village", newCase, 200, `value="assistive_device"`)
		post("town", services, url.Values{"service_type": {"assistive_device"}, "enabled": {"maybe"}}, 422, "error-summary")
		post("town", services, url.Values{"service_type": {"assistive_device"}, "enabled": {"0"}}, 303)
		get("town", services+"?done=assistive_device", 200, "暂停受理。", `恢复受理“辅助器具适配”`)
		if body := get("village", newCase, 200, `value="home_renovation"`); strings.Contains(body, `value="assistive_device"`) {
			t.Error("the new case form offers a service switched off in the person's town")
		}
		post("village", "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {"assistive_device"}, "need": {"轮椅"}}, 409, "南翔镇已暂停受理")
		// District staff choose a town; English is complete.
		get("district", services+"?lang=en", 200, "Nanxiang", "Choose a town", "Anting", `Switch on “Assistive devices”`)
		post("district", services, url.Values{"service_type": {"assistive_device"}, "enabled": {"1"}}, 303)
		get("village", newCase, 200, `value="assistive_device"`)

		// Projects: define one through the form; mistakes are shown at their row.
		// Defined in plain words: no internal field names, the English optional.
		if body := get("town", projects, 200, "还没有本地服务项目", `id="f-field_label_zh_4"`, `id="f-field_kind_0"`); strings.Contains(body, "field_name_") {
			t.Error("the project form still asks internal field names")
		}
		form := url.Values{"name": {"助学"}, "name_en": {"School support"},
			"field_label_zh_0": {"学校"}, "field_label_en_0": {"School"}, "field_kind_0": {"text"}, "field_required_0": {"1"},
			"field_label_zh_1": {"补贴金额"}, "field_label_en_1": {"Allowance"}, "field_kind_1": {"money"},
			"field_label_zh_2": {"程度"}, "field_kind_2": {"enum"}, "field_choices_2": {" "}}
		// An error names the field as the person typed it, and keeps the form.
		post("town", projects, form, 422, `id="e-field_choices_2"`, "error-summary", "第 3 个字段“程度”：选项类字段需要至少一个选项", `value="程度"`, `value="补贴金额"`)
		form.Set("field_choices_2", "低，高")
		post("town", projects, form, 303)
		p, err := e.App.Towns.Projects(context.Background(), orgunit.AllUnits(), "310114102")
		if err != nil || len(p) != 1 || len(p[0].Fields) != 3 || len(p[0].Fields[2].Choices) != 2 {
			t.Fatalf("the defined project: %+v %v", p, err)
		}
		code := p[0].Code
		if p[0].Fields[0].Name != "field_1" || p[0].Fields[2].Name != "field_3" {
			t.Errorf("internal field names: %+v", p[0].Fields)
		}
		get("town", fmt.Sprintf("%s?created=%d", projects, p[0].ID), 200, "已定义项目“助学”", "学校*、补贴金额、程度")
		if body := get("town", projects, 200); strings.Contains(body, "/promote") {
			t.Error("town staff see the promote button")
		}
		// The new case form asks the project's fields; they are required on submission.
		get("village", newCase, 200, `value="`+code+`"`, `id="f-`+code+`.field_1"`, `仅申请“助学”时填写`)
		post("village", "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {code}, "need": {"辅导"}}, 422, `id="e-`+code+`.field_1"`)
		// Amounts are typed in yuan: a bad one is named at its field.
		get("village", newCase, 200, `<label for="f-`+code+`.field_2">补贴金额（元）</label>`)
		post("village", "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {code}, "need": {"辅导"}, code + ".field_1": {"一中"},
			code + ".field_2": {"1.234"}}, 422, `id="e-`+code+`.field_2"`, "补贴金额：“1.234”的小数超过两位", `value="1.234"`)
		post("village", "/cases/new", url.Values{"person_id": {fmt.Sprint(e.In)}, "service_type": {code}, "need": {"辅导"}, code + ".field_1": {"一中"},
			code + ".field_2": {"1,200.5"}, code + ".field_3": {"高"}}, 303)
		var id int64
		if err := d.QueryRow(context.Background(), `SELECT max(id) FROM cases`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		get("town", fmt.Sprintf("/cases/%d?lang=en", id), 200, "School support", "School", "一中", "<dd>1,200.50 yuan</dd>", `value="approve"`)
		// Anting's person is not offered it, until district staff promote it.
		if _, err := e.App.Users.Create(context.Background(), identity.User{Username: "town2", Role: identity.TownStaff, OrgUnit: "310114103"}, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		e.Tokens["town2"] = e.Login("town2")
		anting := fmt.Sprintf("/cases/new?person_id=%d", e.Town2)
		if body := get("town2", anting, 200, `value="assistive_device"`); strings.Contains(body, code) {
			t.Error("the new case form offers Nanxiang's local project to Anting's person")
		}
		post("district", fmt.Sprintf("%s/%d/promote", projects, p[0].ID), url.Values{}, 303)
		get("town2", anting, 200, `value="`+code+`"`)
		get("district", fmt.Sprintf("%s?promoted=%d&lang=en", projects, p[0].ID), 200, "the whole district", "“School support” is now offered in the whole district")
		post("district", fmt.Sprintf("%s/%d/promote", projects, p[0].ID), url.Values{}, 409, "error-summary")
		post("district", fmt.Sprintf("/towns/310114103/projects/%d/promote", p[0].ID), url.Values{}, 404)
		get("town", "/towns/310114102/services?lang=en", 200, "local project, offered in the district")
	})
}

// TestDemoTowns loads the demo data: a local project with cases in the demo
// town, and a service switched off in another town.
func TestDemoTowns(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		d.Clock = testkit.Clock(apptest.Start())
		a, err := app.New(ctx, d, apptest.Config(t))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		var out strings.Builder
		if err := a.LoadDemo(ctx, 400, 3, &out); err != nil {
			t.Fatal(err)
		}
		ps, err := a.Towns.Projects(ctx, orgunit.AllUnits(), "310114102")
		if err != nil || len(ps) != 1 || len(ps[0].Fields) != 2 || ps[0].Cases == 0 {
			t.Fatalf("demo project: %+v %v\n%s", ps, err, out.String())
		}
		svc, err := a.Towns.Services(ctx, orgunit.AllUnits(), "310114103", "zh")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range svc {
			if s.Code == "home_renovation" && s.Enabled {
				t.Error("home renovation is on in Anting")
			}
		}
		// Device and renovation cases at every stage, one device on loan.
		if !strings.Contains(out.String(), "5 assistive device cases in 南翔镇") || !strings.Contains(out.String(), "4 home renovation cases in 南翔镇") {
			t.Errorf("demo output: %s", out.String())
		}
		var states, loans int
		if err := d.QueryRow(ctx, `SELECT count(DISTINCT service_type || state) FROM cases WHERE service_type IN ('assistive_device', 'home_renovation')`).Scan(&states); err != nil || states != 9 {
			t.Errorf("demo device and renovation cases in %d (service type, state) pairs, want 9 (each case its own stage): %v", states, err)
		}
		if err := d.QueryRow(ctx, `SELECT count(*) FROM device_loans WHERE returned_at = 0`).Scan(&loans); err != nil || loans != 1 {
			t.Errorf("demo loans: %d, want 1: %v", loans, err)
		}
	})
}

// TestTownProjectsInPlainWords: a project is defined with its Chinese name
// and field names only (issue 14): the English name defaults to the Chinese,
// internal field names are made (past the ones given), and an error names the
// field by its number and label, never a machine key.
func TestTownProjectsInPlainWords(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		const base = "/api/v1/towns/310114102/projects"
		var p towns.Project
		body := map[string]any{"name": "助残夜校", "fields": []map[string]any{
			{"name": "field_2", "label_zh": "上课时间", "kind": "text"}, {"label_zh": "交通补贴", "kind": "money"}, {"label_zh": "是否需要接送", "kind": "bool"}}}
		if st := e.Do("town", "POST", base, body, &p); st != 201 {
			t.Fatalf("define in Chinese only: %d", st)
		}
		if p.NameEn != "助残夜校" || p.Fields[0].Name != "field_2" || p.Fields[1].Name != "field_3" || p.Fields[2].Name != "field_4" || p.Fields[1].LabelEn != "交通补贴" {
			t.Errorf("defaults: %+v", p)
		}
		for _, lang := range []string{"zh-CN", "en"} {
			var b errBody
			bad := map[string]any{"name": "助残夜校二", "fields": []map[string]any{{"label_zh": "等级", "kind": "enum"}, {"label_zh": "", "kind": "whatever"}}}
			st, raw := e.DoRaw("town", "POST", base, bad, &b, http.Header{"Accept-Language": {lang}})
			if st != 422 || !b.has("fields[0].choices", "required") || !b.has("fields[1].label_zh", "required") || !b.has("fields[1].kind", "unknown") {
				t.Fatalf("%s: %d %s", lang, st, raw)
			}
			for _, f := range b.Error.Fields {
				if strings.Contains(f.Message, "fields[") || strings.Contains(f.Message, "label_zh") || strings.Contains(f.Message, "enum") {
					t.Errorf("%s: the message names a machine key: %q", lang, f.Message)
				}
			}
			want := map[string][]string{"zh-CN": {"第 1 个字段“等级”：", "第 2 个字段：", "文字、整数"}, "en": {"Field 1 “等级”: ", "Field 2: ", "text, whole number"}}[lang]
			all := string(raw)
			for _, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("%s: the errors do not say %q: %s", lang, w, raw)
				}
			}
		}
	})
}
