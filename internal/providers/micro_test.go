package providers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/app"
	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/employment"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/providers"
)

// microNow is 11:00 on 4 May 2026 in Shanghai.
var microNow = time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC)

const (
	nanxiang = "310114102"
	anting   = "310114103"
)

// microStaff is a district staff member named user.
func microStaff(user string) access.Caller {
	return access.Caller{Actor: audit.Actor{Username: user, Role: identity.DistrictStaff}, Scope: orgunit.ScopeOf("310114")}
}

// microWorker is a worker of the provider id.
func microWorker(user string, id int64) access.Caller {
	return access.Caller{Actor: audit.Actor{Username: user, Role: identity.Provider}, Scope: orgunit.ScopeOf("310114"), ProviderID: id}
}

var microTown = access.Caller{Actor: audit.Actor{Username: "town1", Role: identity.TownStaff}, Scope: orgunit.ScopeOf(nanxiang)}

// uscc is a valid unified social credit code ending in n.
func microUSCC(n int) string {
	first17 := fmt.Sprintf("51310114MJ%07d", n)
	return first17 + string(employment.USCCCheckChar(first17))
}

type microFixture struct {
	a      *app.App
	p1, p2 int64 // two organisations
}

func microSetup(t *testing.T, d *db.DB) microFixture {
	t.Helper()
	a := apptest.New(t, d, microNow)
	f := microFixture{a: a}
	for i, id := range []*int64{&f.p1, &f.p2} {
		p, err := a.Providers.CreateProvider(context.Background(), microStaff("d1"), providers.ProviderInput{
			Name: []string{"阳光助残服务社", "安亭康复协会"}[i], USCC: microUSCC(i + 1), OrgUnit: "310114"})
		if err != nil {
			t.Fatal(err)
		}
		*id = p.ID
	}
	return f
}

// propose adds a valid proposal of the organisation as its worker.
func (f microFixture) propose(t *testing.T, provider int64, title string) int64 {
	t.Helper()
	m, err := f.a.Providers.ProposeMicro(context.Background(), microWorker("w", provider), providers.MicroInput{
		Title: title, Summary: "为南翔镇的视力残疾人开展出行训练，每周两次，共 40 次。", Towns: []string{nanxiang}, Budget: 50_000_00, Beneficiaries: 30})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// score scores a project as user with a total split over the rubric.
func (f microFixture) score(t *testing.T, user string, id int64, s providers.MicroScores) {
	t.Helper()
	if _, _, err := f.a.Providers.ScoreMicro(context.Background(), microStaff(user), id, s, false); err != nil {
		t.Fatal(err)
	}
}

// total spreads a total of 0..100 over the rubric, filling the criteria in order.
func total(n int) providers.MicroScores {
	v := make([]int, len(providers.Rubric))
	for i, c := range providers.Rubric {
		v[i] = min(n, c.Max)
		n -= v[i]
	}
	return providers.MicroScores{Need: v[0], Feasibility: v[1], Benefit: v[2], Cost: v[3], Sustainability: v[4]}
}

func microWant(t *testing.T, err error, code apperr.Code, fields ...string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	e, _ := apperr.As(err)
	for _, f := range fields {
		if !slices.ContainsFunc(e.Fields, func(fe apperr.FieldError) bool { return fe.Field == f }) {
			t.Errorf("error %v names no field %s", err, f)
		}
	}
}

// TestMicroRubric: the rubric's maxima add up to 100.
func TestMicroRubric(t *testing.T) {
	sum := 0
	for _, c := range providers.Rubric {
		sum += c.Max
	}
	if sum != 100 || total(100).Total() != 100 || total(37).Total() != 37 {
		t.Fatalf("the rubric adds up to %d", sum)
	}
}

// TestMicroPropose: a worker proposes for its own organisation and sees its
// own proposals only (another's is 404); district staff propose on an
// organisation's behalf; personal data, bad bounds and a closed call are
// refused.
func TestMicroPropose(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := microSetup(t, d)
		ctx, s := context.Background(), f.a.Providers
		w1, w2 := microWorker("w1", f.p1), microWorker("w2", f.p2)
		m, err := s.ProposeMicro(ctx, w1, providers.MicroInput{Title: " 盲人出行训练 ", Summary: "为视力残疾人开展出行训练，服务 300 人次，预算 50000 元（2026-2027 年）。",
			Towns: []string{anting, nanxiang, nanxiang}, Budget: 50_000_00, Beneficiaries: 30})
		if err != nil {
			t.Fatal(err)
		}
		if m.ProviderID != f.p1 || m.Title != "盲人出行训练" || m.Year != 2026 || !slices.Equal(m.Towns, []string{nanxiang, anting}) || m.Score != 0 || m.Rank != 0 {
			t.Fatalf("proposed %+v", m)
		}
		// Another organisation's id in the body: refused.
		_, err = s.ProposeMicro(ctx, w1, providers.MicroInput{ProviderID: f.p2, Title: "x", Summary: "y", Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1})
		microWant(t, err, apperr.Invalid, "provider_id")
		// District staff on p2's behalf; without naming it, refused.
		byStaff, err := s.ProposeMicro(ctx, microStaff("d1"), providers.MicroInput{ProviderID: f.p2, Year: 2027, Title: "手语培训", Summary: "面向听力残疾人家属的手语课。",
			Towns: []string{anting}, Budget: 20_000_00, Beneficiaries: 50})
		if err != nil || byStaff.ProviderID != f.p2 || byStaff.Year != 2027 {
			t.Fatalf("staff proposed %+v, %v", byStaff, err)
		}
		_, err = s.ProposeMicro(ctx, microStaff("d1"), providers.MicroInput{Title: "x", Summary: "y", Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1})
		microWant(t, err, apperr.Invalid, "provider_id")
		_, err = s.ProposeMicro(ctx, microTown, providers.MicroInput{ProviderID: f.p1, Title: "x", Summary: "y", Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1})
		microWant(t, err, apperr.Forbidden)

		// Bad input names each field.
		_, err = s.ProposeMicro(ctx, w1, providers.MicroInput{Year: 2025, Title: "", Summary: strings.Repeat("长", providers.MaxMicroSummary+1),
			Towns: []string{"310114102001"}, Budget: providers.MaxMicroBudgetCents + 1, Beneficiaries: 0})
		microWant(t, err, apperr.Invalid, "year", "title", "summary", "towns", "budget", "beneficiaries")
		_, err = s.ProposeMicro(ctx, w1, providers.MicroInput{Title: "a\x00b", Summary: "y", Budget: 0, Beneficiaries: providers.MaxMicroBeneficiaries + 1})
		microWant(t, err, apperr.Invalid, "title", "towns", "budget", "beneficiaries")
		// Personal data: an ID number (valid, or with a wrong check
		// character), a mobile (also spaced or hyphenated, or full-width), a
		// landline.
		id := apptest.IDNumber("31011419800101123")
		wrong := id[:17] + map[bool]string{true: "1", false: "2"}[id[17] != '1']
		for _, summary := range []string{"服务对象张某，身份证 " + id + "。", "身份证" + wrong, "联系 13812345678", "联系 138 1234 5678", "联系 138-1234-5678",
			"联系１３８１２３４５６７８", "电话 021-59531234", "旧证 310114800101123"} {
			_, err = s.ProposeMicro(ctx, w1, providers.MicroInput{Title: "出行训练", Summary: summary, Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1})
			microWant(t, err, apperr.Invalid, "summary")
			if e, _ := apperr.As(err); e.Fields[0].Code != "personal_data" {
				t.Errorf("%q: %+v", summary, e.Fields)
			}
		}
		_, err = s.ProposeMicro(ctx, w1, providers.MicroInput{Title: "热线 13912345678", Summary: "y", Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1})
		microWant(t, err, apperr.Invalid, "title")

		// Views: the worker its own, staff (district and town) every one.
		p2own := f.propose(t, f.p2, "康复操")
		l1, err := s.MicroProjects(ctx, w1, 0)
		if err != nil || len(l1.Items) != 1 || l1.Items[0].ID != m.ID || !l1.Open || l1.Published {
			t.Fatalf("worker 1 lists %+v, %v", l1, err)
		}
		if _, err := s.MicroProject(ctx, w1, p2own); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("worker 1 reads p2's project: %v", err)
		}
		if _, err := s.MicroProject(ctx, w2, p2own); err != nil {
			t.Error(err)
		}
		if _, err := s.MicroProject(ctx, microWorker("w0", 0), p2own); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a worker of no organisation reads a project: %v", err)
		}
		for _, c := range []access.Caller{microStaff("d2"), microTown} {
			l, err := s.MicroProjects(ctx, c, 2026)
			if err != nil || len(l.Items) != 2 {
				t.Fatalf("%s lists %+v, %v", c.Actor.Username, l, err)
			}
		}

		// Closed: proposals refused (409); closing twice 409.
		if _, err := s.CloseMicro(ctx, microStaff("d1"), 2026); err != nil {
			t.Fatal(err)
		}
		_, err = s.CloseMicro(ctx, microStaff("d1"), 2026)
		microWant(t, err, apperr.Conflict)
		_, err = s.ProposeMicro(ctx, w1, providers.MicroInput{Title: "晚到的项目", Summary: "y", Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1})
		microWant(t, err, apperr.Conflict)
		_, err = s.CloseMicro(ctx, microWorker("w1", f.p1), 2027)
		microWant(t, err, apperr.Forbidden)
		// Next year's call is still open.
		if _, err := s.ProposeMicro(ctx, w1, providers.MicroInput{Year: 2027, Title: "明年的项目", Summary: "y", Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE subject_type = ? AND action = ?`, providers.SubjectMicroProject, audit.ActionCreate).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d proposals audited, want 4 (%v)", n, err)
		}
	})
}

// TestMicroScores: a project's score is the average of its scorers' totals
// to the hundredth (half up); the rubric's bounds are 422 naming the
// criterion; scoring twice is 409 and PUT changes the score; the
// organisations' workers and town staff never score.
func TestMicroScores(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := microSetup(t, d)
		ctx, s := context.Background(), f.a.Providers
		a, b := f.propose(t, f.p1, "A"), f.propose(t, f.p2, "B")
		f.score(t, "d1", a, providers.MicroScores{Need: 27, Feasibility: 20, Benefit: 20, Cost: 8, Sustainability: 5}) // 80
		f.score(t, "d2", a, total(81))
		f.score(t, "d3", a, total(81))
		got, err := s.MicroProject(ctx, microStaff("d1"), a)
		if err != nil {
			t.Fatal(err)
		}
		// (80 + 81 + 81) / 3 = 80.666… → 80.67
		if got.Score != 80.67 || got.Hundredths != 8067 || got.Scorers != 3 || got.Rank != 1 {
			t.Fatalf("score %+v", got.MicroProject)
		}
		if got.Mine == nil || got.Mine.Need != 27 || got.Mine.Total() != 80 {
			t.Errorf("my scores %+v", got.Mine)
		}
		// need: 27, 30, 30 → 29.00; sustainability: 5, 0, 0 → 1.67
		if len(got.Averages) != 5 || got.Averages[0].Average != 29 || got.Averages[0].Max != 30 || got.Averages[4].Average != 1.67 {
			t.Errorf("averages %+v", got.Averages)
		}
		// Half up: (80 + 81) / 2 = 80.50; 80.5 ties A's 80.67? no: B below.
		f.score(t, "d1", b, total(80))
		f.score(t, "d2", b, total(81))
		gb, _ := s.MicroProject(ctx, microStaff("d3"), b)
		if gb.Score != 80.5 || gb.Rank != 2 || gb.Mine != nil {
			t.Fatalf("B %+v mine %v", gb.MicroProject, gb.Mine)
		}
		// Twice: 409; PUT changes it (and may set a first score).
		_, _, err = s.ScoreMicro(ctx, microStaff("d1"), b, total(90), false)
		microWant(t, err, apperr.Conflict)
		if _, created, err := s.ScoreMicro(ctx, microStaff("d1"), b, total(100), true); err != nil || created {
			t.Fatalf("change: %v created %v", err, created)
		}
		gb, _ = s.MicroProject(ctx, microStaff("d1"), b)
		if gb.Score != 90.5 || gb.Rank != 1 || gb.Scorers != 2 {
			t.Fatalf("B after the change %+v", gb.MicroProject)
		}
		if _, created, err := s.ScoreMicro(ctx, microStaff("d4"), b, total(0), true); err != nil || !created {
			t.Fatalf("a first score by PUT: %v created %v", err, created)
		}
		gb, _ = s.MicroProject(ctx, microStaff("d1"), b)
		if gb.Score != 60.33 || gb.Scorers != 3 { // (100 + 81 + 0) / 3
			t.Fatalf("B after a zero %+v", gb.MicroProject)
		}
		// Bounds: each criterion out of its range is named.
		_, _, err = s.ScoreMicro(ctx, microStaff("d5"), a, providers.MicroScores{Need: 31, Feasibility: 25, Benefit: 26, Cost: -1, Sustainability: 10}, false)
		microWant(t, err, apperr.Invalid, "need", "benefit", "cost")
		if e, _ := apperr.As(err); len(e.Fields) != 3 || !strings.Contains(e.Fields[0].Msg.En, "Need") || !strings.Contains(e.Fields[0].Msg.Zh, "30") {
			t.Errorf("bounds: %+v", e.Fields)
		}
		// Workers and town staff: no scoring; a worker is not told the
		// project exists.
		_, _, err = s.ScoreMicro(ctx, microWorker("w1", f.p1), a, total(100), false)
		microWant(t, err, apperr.NotFound)
		_, _, err = s.ScoreMicro(ctx, microTown, a, total(100), false)
		microWant(t, err, apperr.Forbidden)
		_, _, err = s.ScoreMicro(ctx, microStaff("d1"), 9999, total(100), false)
		microWant(t, err, apperr.NotFound)
		// A worker sees its project without scores or rank.
		mine, err := s.MicroProject(ctx, microWorker("w1", f.p1), a)
		if err != nil || mine.Score != 0 || mine.Scorers != 0 || mine.Rank != 0 || mine.Averages != nil || mine.Mine != nil {
			t.Fatalf("the worker's view %+v, %v", mine, err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE subject_type = ? AND action IN (?, ?)`, providers.SubjectMicroProject,
			providers.ActionMicroScore, audit.ActionUpdate).Scan(&n); err != nil || n != 7 {
			t.Errorf("%d scores audited, want 7 (%v)", n, err)
		}
	})
}

// TestMicroPublish: publishing freezes the top ten scored projects by score,
// ties by the earlier proposal; a second publication is 409 until
// unpublished (with a reason); the public selection shows only what was
// published.
func TestMicroPublish(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := microSetup(t, d)
		ctx, s := context.Background(), f.a.Providers
		d1 := microStaff("d1")
		_, err := s.PublishMicro(ctx, d1, 2026, "zh")
		microWant(t, err, apperr.Invalid, "year") // nothing scored
		// 13 projects: totals by index; 2 and 5 tie with 7 (70), 12 unscored.
		totals := []int{50, 90, 70, 40, 85, 70, 60, 70, 95, 30, 65, 75, -1}
		ids := make([]int64, len(totals))
		for i, tot := range totals {
			ids[i] = f.propose(t, []int64{f.p1, f.p2}[i%2], fmt.Sprintf("项目%02d", i))
			if tot >= 0 {
				f.score(t, "d1", ids[i], total(tot))
			}
		}
		// One more scorer on project 5: (70 + 70) / 2 stays 70.
		f.score(t, "d2", ids[5], total(70))
		sel, err := s.PublishMicro(ctx, d1, 2026, "en")
		if err != nil {
			t.Fatal(err)
		}
		// 95 (8), 90 (1), 85 (4), 75 (11), 70 (2), 70 (5), 70 (7), 65 (10), 60 (6), 50 (0)
		want := []int{8, 1, 4, 11, 2, 5, 7, 10, 6, 0}
		if !sel.Published || len(sel.Items) != 10 || !slices.Equal(sel.Years, []int{2026}) || sel.PublishedAt != "2026-05-04" {
			t.Fatalf("published %+v", sel)
		}
		for i, it := range sel.Items {
			if it.Rank != i+1 || it.Title != fmt.Sprintf("项目%02d", want[i]) {
				t.Errorf("rank %d: %+v, want 项目%02d", i+1, it, want[i])
			}
			if len(it.Towns) != 1 || it.Towns[0].Name != "Nanxiang Town" || it.Budget != 50_000_00 || it.Organisation == "" {
				t.Errorf("item %+v", it)
			}
		}
		// The list marks the selected; the call is closed.
		l, _ := s.MicroProjects(ctx, d1, 2026)
		if !l.Published || l.Open || l.Items[0].ID != ids[8] || l.Items[0].Selected != 1 || l.Items[10].Selected != 0 || l.Items[12].ID != ids[12] || l.Items[12].Rank != 0 {
			t.Fatalf("list after publishing %+v", l)
		}
		_, err = s.ProposeMicro(ctx, microWorker("w", f.p1), providers.MicroInput{Title: "x", Summary: "y", Towns: []string{nanxiang}, Budget: 1, Beneficiaries: 1})
		microWant(t, err, apperr.Conflict)
		// Frozen: a later score does not change the published list.
		if _, _, err := s.ScoreMicro(ctx, d1, ids[9], total(100), true); err != nil {
			t.Fatal(err)
		}
		pub, _ := s.PublicMicro(ctx, 2026, "zh")
		if len(pub.Items) != 10 || pub.Items[0].Title != "项目08" || pub.Items[0].Towns[0].Name != "南翔镇" {
			t.Fatalf("public %+v", pub)
		}
		// Twice: 409; unpublish needs a reason; then publish again.
		_, err = s.PublishMicro(ctx, d1, 2026, "zh")
		microWant(t, err, apperr.Conflict)
		_, err = s.UnpublishMicro(ctx, d1, 2026, " ")
		microWant(t, err, apperr.Invalid, "reason")
		_, err = s.UnpublishMicro(ctx, microTown, 2026, "复核")
		microWant(t, err, apperr.Forbidden)
		if y, err := s.UnpublishMicro(ctx, d1, 2026, "评分复核后重新公布"); err != nil || y.Published || y.Open {
			t.Fatalf("unpublished %+v, %v", y, err)
		}
		_, err = s.UnpublishMicro(ctx, d1, 2026, "again")
		microWant(t, err, apperr.Conflict)
		if pub, _ := s.PublicMicro(ctx, 2026, "zh"); pub.Published || len(pub.Items) != 0 || len(pub.Years) != 0 {
			t.Fatalf("public after unpublishing %+v", pub)
		}
		sel, err = s.PublishMicro(ctx, d1, 2026, "zh")
		if err != nil || sel.Items[0].Title != "项目09" || len(sel.Items) != 10 {
			t.Fatalf("republished %+v, %v", sel, err)
		}
		// Fewer than ten scored: fewer published; another year is apart.
		x, err := s.ProposeMicro(ctx, microWorker("w", f.p2), providers.MicroInput{Year: 2027, Title: "明年", Summary: "y", Towns: []string{anting}, Budget: 1, Beneficiaries: 1})
		if err != nil {
			t.Fatal(err)
		}
		f.score(t, "d1", x.ID, total(10))
		sel27, err := s.PublishMicro(ctx, d1, 2027, "zh")
		if err != nil || len(sel27.Items) != 1 || !slices.Equal(sel27.Years, []int{2027, 2026}) {
			t.Fatalf("2027: %+v, %v", sel27, err)
		}
		if latest, _ := s.PublicMicro(ctx, 0, "zh"); latest.Year != 2027 {
			t.Errorf("the latest published year is %d", latest.Year)
		}
		_, err = s.PublishMicro(ctx, d1, 2031, "zh")
		microWant(t, err, apperr.Invalid, "year")
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE subject_type = ? AND action IN (?, ?)`, providers.SubjectMicroYear,
			providers.ActionMicroPublish, providers.ActionMicroUnpub).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d publications audited, want 4 (%v)", n, err)
		}
		var reason string
		if err := d.QueryRow(ctx, `SELECT reason FROM audit_log WHERE action = ?`, providers.ActionMicroUnpub).Scan(&reason); err != nil || reason != "评分复核后重新公布" {
			t.Errorf("unpublish audited with %q (%v)", reason, err)
		}
	})
}
