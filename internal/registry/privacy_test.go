package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/registry"
)

// TestNothingRebuildsTheID: neither a person's answer without a reveal nor
// their row at rest (which a backup copies) holds the birth date, and what
// they hold leaves at least 10,000 possible ID numbers. The reveal gives the
// birth date.
func TestNothingRebuildsTheID(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		const first17 = "31011419850615123"
		id := first17 + string(registry.IDCheckChar(first17))
		staff := apptest.Caller(identity.DistrictStaff, "310114")
		p, err := a.Registry.Create(ctx, staff, registry.PersonInput{Name: "隐私", IDNumber: id, CertificateNumber: id + "42",
			Category: 4, Grade: 2, OrgUnit: apptest.Village, Phone: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Registry.Get(ctx, staff, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(got)
		var answer map[string]any
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatal(err)
		}
		if answer["birth_year"] != 1985.0 || answer["age"] != 41.0 || answer["birth_date"] != nil {
			t.Errorf("answer: birth_year %v, age %v, birth_date %v", answer["birth_year"], answer["age"], answer["birth_date"])
		}
		holdsBirthDate := func(s string) bool { return strings.Contains(s, "19850615") || strings.Contains(s, "1985-06-15") }
		if holdsBirthDate(string(raw)) {
			t.Errorf("the answer holds the birth date: %s", raw)
		}
		if n := registry.Candidates(got.IDNumberMasked, got.CertificateNumberMasked, got.BirthYear, got.Sex); n < 10000 {
			t.Errorf("the answer leaves %d candidate ID numbers", n)
		}

		// At rest: every column of the row, as text.
		rows, err := d.Query(ctx, `SELECT * FROM persons WHERE id = ?`, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !rows.Next() {
			t.Fatal("no row")
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		stored := map[string]string{}
		for i, c := range cols {
			stored[c] = fmt.Sprintf("%s", vals[i])
			if holdsBirthDate(stored[c]) || strings.Contains(stored[c], id[14:]) {
				t.Errorf("column %s holds the birth date or the ID's last digits at rest: %q", c, stored[c])
			}
		}
		if n := registry.Candidates(stored["id_masked"], stored["cert_masked"], 1985, stored["sex"]); n < 10000 {
			t.Errorf("the stored row leaves %d candidate ID numbers", n)
		}

		rev, err := a.Registry.Reveal(ctx, staff, p.ID, "核对出生日期")
		if err != nil || rev.BirthDate != "1985-06-15" || rev.IDNumber != id {
			t.Errorf("reveal: %+v %v", rev, err)
		}
	})
}

// TestOutOfScopeRegistrationIsNeutral: registering an ID number that is
// registered in another town, by import (strict or not) or by hand, gives one
// neutral answer that tells nothing of the record (not its category, not its
// grade), and the attempt is audited on that person even when nothing is
// written.
func TestOutOfScopeRegistrationIsNeutral(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		other := orgunit.Unit{Code: "310114103201", Name: "安亭村", Level: 4, Parent: "310114103"}
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), other)
		const first17 = "31011419850615123"
		id := first17 + string(registry.IDCheckChar(first17))
		anting := apptest.Caller(identity.TownStaff, "310114103")
		p, err := a.Registry.Create(ctx, anting, registry.PersonInput{Name: "别处", IDNumber: id, CertificateNumber: id + "42",
			Category: 4, Grade: 2, OrgUnit: other.Code})
		if err != nil {
			t.Fatal(err)
		}
		nanxiang := apptest.Caller(identity.TownStaff, "310114102")
		refusals := func() int {
			t.Helper()
			es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectPerson, SubjectID: fmt.Sprint(p.ID), Action: registry.ActionRegisterRefused})
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		// A file that says another category and grade and the certificate of
		// the stored ones: none of them may be told apart from the others.
		for i, row := range []string{
			"名字," + id + "," + id + "51,5,1," + apptest.Village,
			"名字," + id + "," + id + "42,4,2," + apptest.Village,
			"名字," + id + ",,4,2," + apptest.Village,
		} {
			for _, mode := range []string{registry.ModeStrict, registry.ModeSkipInvalid} {
				file := "姓名,身份证号,残疾证号,残疾类别,残疾等级,所属村居\n" + row + "\n"
				src, err := tabular.OpenCSV(strings.NewReader(file))
				if err != nil {
					t.Fatal(err)
				}
				before := refusals()
				res, err := a.Registry.ImportPersons(ctx, nanxiang, src, registry.ImportOptions{Mode: mode, ID: fmt.Sprintf("imp-%d-%s", i, mode)})
				if err != nil {
					t.Fatal(err)
				}
				rej := res.Report.Rejected
				if len(rej) != 1 || rej[0].Code != "not_here" || rej[0].Row != 2 || res.Report.Created+res.Report.Updated != 0 {
					t.Errorf("row %d, %s: %+v", i, mode, res.Report)
				}
				if refusals() != before+1 {
					t.Errorf("row %d, %s: the refused registration is not audited", i, mode)
				}
			}
		}
		// By hand: the same neutral answer, audited.
		before := refusals()
		_, err = a.Registry.Create(ctx, nanxiang, registry.PersonInput{Name: "名字", IDNumber: id, Category: 5, Grade: 1, OrgUnit: apptest.Village})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Conflict || len(ae.Fields) != 1 || ae.Fields[0].Code != "not_here" ||
			strings.Contains(ae.Msg.Zh, "已登记") || strings.Contains(ae.Msg.En, "already") {
			t.Errorf("create: %v", err)
		}
		if refusals() != before+1 {
			t.Error("the refused creation is not audited")
		}
		// In the caller's own area a repeat is still "already registered".
		_, err = a.Registry.Create(ctx, anting, registry.PersonInput{Name: "名字", IDNumber: id, Category: 4, Grade: 2, OrgUnit: other.Code})
		if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Code != "duplicate" {
			t.Errorf("create in scope: %v", err)
		}
	})
}

// TestConcurrentFirstAnnualSaves: saves racing to make one person's first
// record of a year give one record and, for the others, an update or a 409;
// never a 500 (PostgreSQL once answered "duplicate key").
func TestConcurrentFirstAnnualSaves(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		id := apptest.Person(t, a, 1, "并发", apptest.Village, 4, 2)
		staff := apptest.Caller(identity.DistrictStaff, "310114")
		const n = 12
		var mu sync.Mutex
		created, updated, conflicts := 0, 0, 0
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, made, err := a.Registry.PutAnnual(ctx, staff, id, registry.Annual{Year: 2026, Employment: "employed", EconomicStatus: "normal", RehabNeed: i%2 == 0})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && made:
					created++
				case err == nil:
					updated++
				case apperr.CodeOf(err) == apperr.Conflict:
					conflicts++
				default:
					t.Errorf("save %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		got, err := a.Registry.GetAnnual(ctx, staff, id, 2026)
		if created != 1 || created+updated+conflicts != n || err != nil || got.Version != 1+updated {
			t.Errorf("created %d, updated %d, conflicts %d; record version %d (%v)", created, updated, conflicts, got.Version, err)
		}
	})
}

// TestExportReason: an export is audited once, as a whole, with its reason,
// its area, whether it held full numbers, its row count and its persons (not
// one entry per row); each person's access log shows it, without the others;
// a reason of one character is refused.
func TestExportReason(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.New(t, d, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
		first := apptest.Person(t, a, 1, "导出", apptest.Village, 4, 2)
		for i := 2; i <= 12; i++ {
			apptest.Person(t, a, i, fmt.Sprint("导出", i), apptest.Village, 4, 2)
		}
		staff := apptest.Caller(identity.DistrictStaff, "310114")
		before, _, _ := a.Audit.List(ctx, audit.Filter{Action: audit.ActionExport, Limit: 500})
		var rows [][]string
		n, err := a.Registry.ExportPersons(ctx, staff, "", "核对年度名单", true, sinkFunc(func(r []string) error { rows = append(rows, r); return nil }))
		if err != nil || n != 12 || len(rows) != 13 {
			t.Fatalf("export: %d rows, %v", n, err)
		}
		all, _, _ := a.Audit.List(ctx, audit.Filter{Action: audit.ActionExport, Limit: 500})
		es, _, err := a.Audit.List(ctx, audit.Filter{SubjectType: registry.SubjectExport})
		if err != nil || len(all)-len(before) != 1 || len(es) != 1 || es[0].Reason != "核对年度名单" ||
			!strings.Contains(es[0].Detail, `"full_numbers":true,"rows":12`) || !strings.Contains(es[0].Detail, registry.ExportMention(first)) {
			t.Errorf("export audit: %d entries, %+v %v", len(all)-len(before), es, err)
		}
		// The first person sees the export in their access log, as one line
		// that names no one else; a person not exported does not.
		log, _, err := a.Registry.AccessLog(ctx, staff, first, 0, 50)
		if err != nil || len(log) == 0 || log[0].Action != audit.ActionExport || strings.Contains(log[0].Detail, `"persons":`) || log[0].Reason != "核对年度名单" {
			t.Errorf("access log: %+v %v", log, err)
		}
		other := apptest.Person(t, a, 13, "未导出", apptest.Village, 4, 2)
		if log, _, err := a.Registry.AccessLog(ctx, staff, other, 0, 50); err != nil || slices.ContainsFunc(log, func(e audit.Entry) bool { return e.Action == audit.ActionExport }) {
			t.Errorf("a person not exported: %+v %v", log, err)
		}
		if registry.CheckExportReason("x") == nil || registry.CheckExportReason("") != nil {
			t.Error("reason check")
		}
	})
}

type sinkFunc func([]string) error

func (f sinkFunc) Write(r []string) error { return f(r) }
