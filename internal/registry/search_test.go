package registry_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// searchNames lists the names a search of q finds for caller c.
func searchNames(t *testing.T, a interface {
	List(context.Context, registry.Caller, registry.Filter) ([]registry.Person, int, string, error)
}, c registry.Caller, q string) []string {
	t.Helper()
	ps, total, _, err := a.List(context.Background(), c, registry.Filter{Q: q})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	if total != len(ps) {
		t.Errorf("search %q: total %d, %d listed", q, total, len(ps))
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

// TestSearchByTailAndPhone: a person is found by name, by the last 4
// characters of the ID number (an X in either case), by the full phone
// number (with or without spaces and hyphens) and by its last 4 digits;
// never outside the caller's scope, not even a person with the same ending.
// Nothing of the ID's end or the phone is stored in clear.
func TestSearchByTailAndPhone(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const other = "310114103201" // 安亭镇, another town
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC),
			orgunit.Unit{Code: other, Name: "安亭村", Level: 4, Parent: "310114103", Demo: true})
		district := apptest.Caller(identity.DistrictStaff, "310114")
		// Two persons whose ID numbers end alike ("123X"), in different
		// towns: the birth date makes the check character.
		endingX := func(year int) string {
			for day := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() == year; day = day.AddDate(0, 0, 1) {
				first17 := "310114" + day.Format("20060102") + "123"
				if registry.IDCheckChar(first17) == 'X' {
					return first17 + "X"
				}
			}
			t.Fatalf("no ID number of %d ends in 123X", year)
			return ""
		}
		xID, twin := endingX(1985), endingX(1990)
		mk := func(name, id, unit, phone string) int64 {
			p, err := a.Registry.Create(ctx, district, registry.PersonInput{Name: name, IDNumber: id, Category: 4, Grade: 2, OrgUnit: unit, Phone: phone})
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return p.ID
		}
		mk("王芳", xID, apptest.Village, "13812345678")
		mk("王芳芳", apptest.IDNumber("31011419700101456"), apptest.Village, "021-59531234")
		mk("李四", apptest.IDNumber("31011419600101789"), other, "13912345678")
		mk("赵六", twin, other, "")

		town := apptest.Caller(identity.TownStaff, "310114102")
		village := apptest.Caller(identity.VillageAssistant, apptest.Village)
		tail := xID[14:]
		for _, tc := range []struct {
			c    registry.Caller
			q    string
			want []string
		}{
			{village, "王芳", []string{"王芳", "王芳芳"}},
			{village, "王", []string{"王芳", "王芳芳"}},
			{village, tail, []string{"王芳"}},
			{village, tail[:3] + "x", []string{"王芳"}},
			{village, " " + tail + " ", []string{"王芳"}},
			{village, "13812345678", []string{"王芳"}},
			{village, "138 1234 5678", []string{"王芳"}},
			{village, "138-1234-5678", []string{"王芳"}},
			{village, "5678", []string{"王芳"}},
			{village, "021-59531234", []string{"王芳芳"}},
			{village, "02159531234", []string{"王芳芳"}},
			{village, "1234", []string{"王芳芳"}},
			{village, xID, []string{"王芳"}},
			// Outside the scope: never found, whatever the key.
			{village, "13912345678", nil},
			{village, "李四", nil},
			{town, "13912345678", nil},
			{town, tail, []string{"王芳"}},
			{town, "赵六", nil},
			// The district sees both towns.
			{district, "13912345678", []string{"李四"}},
			{district, "5678", []string{"李四", "王芳"}},
			{district, tail, []string{"王芳", "赵六"}},
			{district, "123x", []string{"王芳", "赵六"}},
			// Nothing matches.
			{village, "0000", nil},
			{village, "13800000000", nil},
		} {
			got := searchNames(t, a.Registry, tc.c, tc.q)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s searching %q: got %v, want %v", tc.c.Actor.Role, tc.q, got, want)
			}
		}
		// At rest: no column holds the ending or the phone in clear.
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM persons WHERE id_tail_bidx IS NULL OR phone_bidx IS NULL AND phone_masked <> ''`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d persons without their search indexes", n)
		}
	})
}

// TestFillSearchIndexes: persons stored before the search indexes existed
// (the columns NULL) get them when the app starts, and are found then.
func TestFillSearchIndexes(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		village := apptest.Caller(identity.VillageAssistant, apptest.Village)
		for i, name := range []string{"旧甲", "旧乙", "旧丙"} {
			apptest.Person(t, a, i+1, name, apptest.Village, 4, 2)
		}
		if _, err := d.Exec(ctx, `UPDATE persons SET id_tail_bidx = NULL, phone_bidx = NULL, phone_tail_bidx = NULL`); err != nil {
			t.Fatal(err)
		}
		tail := apptest.IDNumber("31011419800101102")[14:]
		if got := searchNames(t, a.Registry, village, tail); len(got) != 0 {
			t.Fatalf("found %v before the indexes were filled", got)
		}
		n, err := a.Registry.FillSearchIndexes(ctx)
		if err != nil || n != 3 {
			t.Fatalf("filled %d, %v; want 3", n, err)
		}
		if got := searchNames(t, a.Registry, village, tail); !slices.Equal(got, []string{"旧乙"}) {
			t.Errorf("after filling, %q finds %v", tail, got)
		}
		if n, err := a.Registry.FillSearchIndexes(ctx); err != nil || n != 0 {
			t.Errorf("second fill: %d, %v; want 0", n, err)
		}
	})
}

// TestPickEndpoint: GET /persons/pick lists the caller's persons that the
// search names, masked, by name, and never one of another area; a search
// too long is refused naming the field.
func TestPickEndpoint(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		type answer struct {
			Items []struct {
				ID       int64  `json:"id"`
				Name     string `json:"name"`
				Unit     string `json:"unit"`
				IDMasked string `json:"id_masked"`
			} `json:"items"`
			More bool `json:"more"`
		}
		village := apptest.UserOf(identity.VillageAssistant)
		var got answer
		if st := e.Do(village, "GET", "/persons/pick?q="+url.QueryEscape("测试"), nil, &got); st != 200 {
			t.Fatalf("pick: %d", st)
		}
		if len(got.Items) != 1 || got.Items[0].ID != e.In || got.Items[0].Name != "测试1" || got.Items[0].Unit != "永新村" ||
			got.Items[0].IDMasked != "310114************" {
			t.Errorf("village assistant picking 测试: %+v", got)
		}
		tail := e.InID[14:]
		got = answer{}
		if st := e.Do(village, "GET", "/persons/pick?q="+tail, nil, &got); st != 200 || len(got.Items) != 1 || got.Items[0].ID != e.In {
			t.Errorf("picking by the ID's end %s: %d %+v", tail, st, got)
		}
		// Another area's person: not found by name nor by the ID's end.
		for _, q := range []string{apptest.OutName, e.OutID[14:], e.OutID} {
			got = answer{}
			if st := e.Do(village, "GET", "/persons/pick?q="+url.QueryEscape(q), nil, &got); st != 200 || len(got.Items) != 0 {
				t.Errorf("picking %q outside the scope: %d %+v", q, st, got)
			}
		}
		district := apptest.UserOf(identity.DistrictStaff)
		got = answer{}
		if st := e.Do(district, "GET", "/persons/pick?q="+url.QueryEscape("测试"), nil, &got); st != 200 || len(got.Items) != 2 {
			t.Errorf("district picking 测试: %d %+v", st, got)
		}
		if st := e.Do(village, "GET", "/persons/pick?q="+strings.Repeat("王", registry.MaxQuery+1), nil, nil); st != 422 {
			t.Errorf("a search too long: %d, want 422", st)
		}
	})
}

// TestSearchIndexesFollowWrites: persons imported from a file are found by
// the ID's last 4 and their phone at once (both engines: PostgreSQL's bulk
// path copies through a staging table), and a changed phone is found by
// the new number, no longer by the old one.
func TestSearchIndexesFollowWrites(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		district := apptest.UserOf(identity.DistrictStaff)
		id := apptest.IDNumber("31011419750505321")
		file := "姓名,身份证号,残疾类别,残疾等级,所属村居,联系电话\n导入甲," + id + ",4,3," + apptest.Village + ",13700001111\n"
		if st, raw := e.Upload(district, "/api/v1/imports/persons", "p.csv", []byte(file), nil); st != 200 {
			t.Fatalf("import: %d %s", st, raw)
		}
		type list struct {
			Items []struct {
				ID      int64  `json:"id"`
				Name    string `json:"name"`
				Version int    `json:"version"`
			} `json:"items"`
		}
		find := func(q string) []string {
			var l list
			if st := e.Do(district, "GET", "/api/v1/persons?q="+url.QueryEscape(q), nil, &l); st != 200 {
				t.Fatalf("search %q: %d", q, st)
			}
			var out []string
			for _, it := range l.Items {
				out = append(out, it.Name)
			}
			return out
		}
		for _, q := range []string{id[14:], "13700001111", "1111"} {
			if got := find(q); !slices.Equal(got, []string{"导入甲"}) {
				t.Errorf("after the import, %q finds %v", q, got)
			}
		}
		var l list
		e.Do(district, "GET", "/api/v1/persons?q="+id, nil, &l)
		if len(l.Items) != 1 {
			t.Fatalf("by the full ID number: %+v", l)
		}
		p := l.Items[0]
		if st := e.Do(district, "PATCH", "/api/v1/persons/"+strconv.FormatInt(p.ID, 10), map[string]any{"version": e.Version(p.ID), "phone": "13922223333"}, nil); st != 200 {
			t.Fatalf("patch: %d", st)
		}
		if got := find("13922223333"); !slices.Equal(got, []string{"导入甲"}) {
			t.Errorf("the new phone finds %v", got)
		}
		if got := find("13700001111"); len(got) != 0 {
			t.Errorf("the old phone still finds %v", got)
		}
	})
}
