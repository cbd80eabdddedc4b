package documents_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app/apptest"
	"sunshine/internal/documents"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
)

// want checks that a document answers a PDF whose text has every string of
// wants, with the headers of a download never cached, and that its print
// page shows the same.
func want(t *testing.T, e *apptest.Env, user, path string, wants ...string) {
	t.Helper()
	path, query, _ := strings.Cut(path, "?")
	if query != "" {
		query = "?" + query
	}
	res, body := get(e, user, path+".pdf"+query)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s.pdf as %s: %d %s", path, user, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("%s.pdf: Content-Type %q", path, ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s.pdf: Cache-Control %q", path, cc)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"") || !strings.Contains(cd, "filename*=UTF-8''") {
		t.Errorf("%s.pdf: Content-Disposition %q", path, cd)
	}
	text := pdfText(t, body)
	header, pages := "上海市嘉定区残疾人联合会", "第 1 页 / 共 1 页"
	if strings.Contains(query, "lang=en") {
		header, pages = "Jiading District Disabled Persons' Federation, Shanghai", "Page 1 of 1"
	}
	for _, w := range append(wants, header, pages) {
		if !strings.Contains(text, w) {
			t.Errorf("%s.pdf: the text lacks %q:\n%s", path, w, text)
		}
	}
	res, page := get(e, user, path+query)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s as %s: %d %s", path, user, res.StatusCode, page)
	}
	html := string(page)
	for _, w := range append(wants, strings.ReplaceAll(header, "'", "&#39;"), `href="`+path+`.pdf`, `/documents/print.css`) {
		if !strings.Contains(html, w) {
			t.Errorf("%s: the print page lacks %q", path, w)
		}
	}
	if strings.Count(html, "<h1") != 1 {
		t.Errorf("%s: %d h1", path, strings.Count(html, "<h1"))
	}
}

// mainOf is the main part of a page.
func mainOf(page []byte) string {
	_, m, _ := strings.Cut(string(page), "<main")
	m, _, _ = strings.Cut(m, "</main>")
	return m
}

// status checks the status of a path, and that the answer says why.
func status(t *testing.T, e *apptest.Env, user, path string, code int, says string) {
	t.Helper()
	res, body := get(e, user, path)
	if res.StatusCode != code || !strings.Contains(string(body), says) {
		t.Errorf("%s as %s: %d, want %d saying %q: %.300s", path, user, res.StatusCode, code, says, body)
	}
}

// TestDocuments: each of the six documents as a PDF whose extracted text
// has the name, the amounts as printed and the federation's header, and as
// a print page; documents of the wrong kind or out of scope are 404 alike,
// those not ready 409 saying why; every one is audited as a read.
func TestDocuments(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := apptest.NewEnv(t, d, apptest.Config(t))
		dev := deviceCase(e, "district", e.In, true)
		path := fmt.Sprintf("/cases/%d/documents/", dev)
		want(t, e, "district", path+"handover", "辅助器具发放签收单", "测试1", "手动轮椅（双手驱动）", "手杖", "0.00 元", "嘉定区辅具服务中心", "盖章")
		want(t, e, "person", path+"handover", "测试1")
		want(t, e, "district", path+"loan", "辅助器具借用卡", "测试1", "手动轮椅（双手驱动）", "2027-05-15", "借用中")
		want(t, e, "person", path+"loan?lang=en", "Assistive device loan card", "测试1", "wheelchair")
		status(t, e, "district", path+"acceptance", 404, "未找到")
		status(t, e, "district", path+"nonsense.pdf", 404, "未找到")
		status(t, e, "district", fmt.Sprintf("/cases/%d/documents/handover", deviceCase(e, "district", e.In, false)), 409, "还没有发放")
		out := deviceCase(e, "district", e.Out, true)
		_, missing := get(e, "district", "/cases/99999999/documents/handover.pdf")
		res, outBody := get(e, "district", fmt.Sprintf("/cases/%d/documents/handover.pdf", out))
		if res.StatusCode != 404 || mainOf(outBody) != mainOf(missing) {
			t.Errorf("out of scope: %d %q, missing %q", res.StatusCode, mainOf(outBody), mainOf(missing))
		}
		status(t, e, "person", fmt.Sprintf("/cases/%d/documents/handover", deviceCase(e, "district", e.Town2, true)), 404, "未找到")

		ren := renovationCase(e, "district", e.In, true)
		want(t, e, "town", fmt.Sprintf("/cases/%d/documents/acceptance", ren), "家庭无障碍改造验收单", "测试1", "12,500.50 元", "壹万贰仟伍佰元伍角整",
			"坡道", "扶手", "南翔建设")
		status(t, e, "town", fmt.Sprintf("/cases/%d/documents/acceptance.pdf", renovationCase(e, "district", e.In, false)), 409, "还没有验收")
		status(t, e, "town", fmt.Sprintf("/cases/%d/documents/handover", ren), 404, "未找到")

		v := volunteerWithHours(e, 0, "310114102")
		want(t, e, "district", fmt.Sprintf("/volunteers/%d/documents/hours", v), "志愿服务时长证明", "志愿者1", "4.0 小时", "2 次", "2026-10-05", "2026-10-12")
		want(t, e, "volunteer", fmt.Sprintf("/volunteers/%d/documents/hours", v), "志愿者1")
		other := volunteerWithHours(e, 7, apptest.Village)
		status(t, e, "volunteer", fmt.Sprintf("/volunteers/%d/documents/hours", other), 404, "未找到")
		status(t, e, "district", fmt.Sprintf("/volunteers/%d/documents/hours", apptest.VolunteerOf(t, e.App, 8, apptest.Village, "escort")), 409, "还没有审核通过")

		approvedRoster(e, "310114", "2026-10")
		approvedRoster(e, "310114", "2026-11")
		want(t, e, "district", fmt.Sprintf("/persons/%d/documents/subsidy", e.In), "残疾人补贴核定通知书", "测试1", "重度残疾人护理补贴", "180.00 元", "壹佰捌拾元整",
			"2026-10", "2026-11")
		want(t, e, "person", fmt.Sprintf("/persons/%d/documents/subsidy", e.In), "测试1")
		status(t, e, "district", fmt.Sprintf("/persons/%d/documents/subsidy?benefit=living_subsidy", e.In), 409, "补贴发放名册")
		status(t, e, "district", fmt.Sprintf("/persons/%d/documents/subsidy", e.Out), 404, "未找到")
		status(t, e, "person", fmt.Sprintf("/persons/%d/documents/subsidy", e.Town2), 404, "未找到")

		year := e.Year
		want(t, e, "district", fmt.Sprintf("/employers/%d/documents/levy?year=%d", e.EmpIn, year), "残疾人就业保障金核定通知", "南翔精密制造", "200", "3.00")
		want(t, e, "employer", fmt.Sprintf("/employers/%d/documents/levy?year=%d", e.EmpIn, year), "南翔精密制造")
		status(t, e, "employer", fmt.Sprintf("/employers/%d/documents/levy", e.EmpTown2), 404, "")
		status(t, e, "district", fmt.Sprintf("/employers/%d/documents/levy?year=1999", e.EmpIn), 422, "year")

		// Each document about a person was a read of the person.
		if n := e.Int64(`SELECT count(*) FROM audit_log WHERE action = 'read' AND subject_type = 'person' AND subject_id = ? AND detail LIKE '%document%'`,
			fmt.Sprint(e.In)); n < 10 {
			t.Errorf("%d reads of the person by documents audited", n)
		}
	})
}

// TestDisposition: the file's name in UTF-8 (RFC 5987) with an ASCII fallback.
func TestDisposition(t *testing.T) {
	got := documents.Disposition("辅助器具发放签收单-FJ-2026-000001.pdf")
	if got != `attachment; filename="FJ-2026-000001.pdf"; filename*=UTF-8''%E8%BE%85%E5%8A%A9%E5%99%A8%E5%85%B7%E5%8F%91%E6%94%BE%E7%AD%BE%E6%94%B6%E5%8D%95-FJ-2026-000001.pdf` {
		t.Errorf("Disposition: %s", got)
	}
	if got := documents.Disposition(`a"b;c'(d).pdf`); got != `attachment; filename="abcd.pdf"; filename*=UTF-8''a%22b%3Bc%27%28d%29.pdf` {
		t.Errorf("Disposition: %s", got)
	}
}

// BenchmarkHandoverPDF: one handover receipt, read (with its audit entry)
// and laid out as a PDF with the font's subset.
func BenchmarkHandoverPDF(b *testing.B) {
	ctx := context.Background()
	a := apptest.New(b, testkit.SQLite(b), apptest.Start())
	person := apptest.Person(b, a, 0, "基准测试", apptest.Village, 4, 2)
	cs, err := a.Cases.Create(ctx, everywhere, person, "assistive_device", nil)
	if err != nil {
		b.Fatal(err)
	}
	var point int64
	if err := a.DB.QueryRow(ctx, `SELECT id FROM service_points WHERE orgunit = '310114'`).Scan(&point); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Devices.Move(ctx, orgunit.AllUnits(), everywhere.Actor, point, wheelchair, 1, "bench"); err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct {
		who          access.Caller
		action, data string
	}{{fitter, "assess", `{"items":["` + wheelchair + `"]}`}, {everywhere, "approve", `{}`}, {fitter, "dispense", fmt.Sprintf(`{"service_point":%d}`, point)}} {
		if _, err := a.Cases.Act(ctx, s.who, cs.ID, s.action, apptest.Data(s.data), 0); err != nil {
			b.Fatal(err)
		}
	}
	size := 0
	for b.Loop() {
		d, err := a.Documents.CaseDoc(ctx, everywhere, cs.ID, documents.Handover, "zh")
		if err != nil {
			b.Fatal(err)
		}
		pdf, err := d.PDF(time.Now())
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}
