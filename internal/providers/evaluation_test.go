package providers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
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
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/providers"
)

// evalNow is 10:00 on 1 June 2026 in Shanghai.
var evalNow = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)

var (
	town2 = apptest.Caller(identity.TownStaff, "310114103")
)

func personCaller(id int64) access.Caller {
	return access.Caller{Actor: audit.Actor{Username: fmt.Sprintf("person%d", id), Role: identity.Person}, PersonID: id, Scope: orgunit.ScopeOf(village)}
}

func evalUSCC(n int) string {
	first17 := fmt.Sprintf("52310114MA1GT%04d", n)
	return first17 + string(employment.USCCCheckChar(first17))
}

// evalFixtureData is the hand-worked evaluation: provider X (阳光助残服务社) holds
// contract A (the one evaluated point by point) and contract C; provider Y
// (康乐服务中心) holds contract B.
type evalFixtureData struct {
	a       *app.App
	d       *db.DB
	x, y    int64
	ka, kb  int64
	kc      int64
	persons []int64 // 6 persons of 永新村
	cases   []int64 // cases[0..4] assigned to A; cases[5] closed, never assigned
}

const day = int64(24 * time.Hour / time.Millisecond)

// must(f())(t) is f's value, failing the test on f's error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantCode(t *testing.T, err error, code apperr.Code, fields ...string) {
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

// setup builds the contracts and cases, assigns and closes them, and moves
// the times of assignment and closing (SQL) so that of the three closed
// cases of A two are on time:
//
//	case 0: assigned to A on day 0, to B on day 1, back to A on day 20, closed on day 25 (5 days after its latest assignment to A: on time)
//	case 1: assigned on day 0, closed on day 10 (exactly 10 days: on time)
//	case 2: assigned on day 0, closed on day 11 (late)
//	cases 3, 4: assigned, open
//
// Contract A's first milestone (4,000.00 of 10,000.00 yuan) is released.
func evalSetup(t *testing.T, d *db.DB) evalFixtureData {
	t.Helper()
	ctx := context.Background()
	a := apptest.New(t, d, evalNow, orgunit.Unit{Code: village2, Name: "安亭村", Level: 4, Parent: "310114103", Demo: true})
	f := evalFixtureData{a: a, d: d}
	f.x = must(a.Providers.CreateProvider(ctx, district, providers.ProviderInput{Name: "阳光助残服务社", USCC: evalUSCC(1), OrgUnit: "310114"}))(t).ID
	f.y = must(a.Providers.CreateProvider(ctx, district, providers.ProviderInput{Name: "康乐服务中心", USCC: evalUSCC(2), OrgUnit: "310114"}))(t).ID
	contract := func(provider, budget int64, target int, milestones ...providers.MilestoneInput) int64 {
		return must(a.Providers.CreateContract(ctx, district, providers.ContractInput{ProviderID: provider, ServiceType: "assistive_device",
			Year: 2026, Budget: budget, TargetCases: target, DueDays: 10, TargetSatisfaction: 4.5, Milestones: milestones}))(t).ID
	}
	f.ka = contract(f.x, 1_000_000, 4, providers.MilestoneInput{Title: "首期", AmountCents: 400_000}, providers.MilestoneInput{Title: "尾款", AmountCents: 600_000})
	f.kb = contract(f.y, 500_000, 4)
	f.kc = contract(f.x, 3_000_000, 10)
	for i := range 6 {
		f.persons = append(f.persons, apptest.Person(t, a, 40+i, fmt.Sprintf("评价%d", i), village, 4, 2))
	}
	for _, p := range f.persons {
		f.cases = append(f.cases, must(a.Cases.Create(ctx, district, p, "assistive_device", apptest.Data(`{"need":"轮椅"}`)))(t).ID)
	}
	assign := func(i int, k int64) {
		t.Helper()
		must(a.Providers.Assign(ctx, district, f.cases[i], providers.AssignInput{ContractID: k}))(t)
	}
	assign(0, f.ka)
	assign(0, f.kb)
	assign(0, f.ka)
	for i := 1; i < 5; i++ {
		assign(i, f.ka)
	}
	for _, i := range []int{0, 1, 2, 5} {
		must(a.Cases.Act(ctx, district, f.cases[i], "cancel", nil, 0))(t)
	}
	d0 := evalNow.UnixMilli() - 40*day
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(c int64) []int64 {
		rows, err := d.Query(ctx, `SELECT id FROM case_assignments WHERE case_id = ? ORDER BY id`, c)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	for i, at := range []int64{d0, d0 + day, d0 + 20*day} {
		exec(`UPDATE case_assignments SET assigned_at = ? WHERE id = ?`, at, ids(f.cases[0])[i])
	}
	for i := 1; i < 5; i++ {
		exec(`UPDATE case_assignments SET assigned_at = ? WHERE case_id = ?`, d0, f.cases[i])
	}
	for i, at := range []int64{d0 + 25*day, d0 + 10*day, d0 + 11*day} {
		exec(`UPDATE cases SET closed_at = ? WHERE id = ?`, at, f.cases[i])
	}
	exec(`UPDATE contract_milestones SET released_at = ?, released_by = 'district_staff_user' WHERE contract_id = ? AND seq = 1`, evalNow.UnixMilli(), f.ka)
	return f
}

// TestEvaluationFixture works the evaluation of contract A by hand and
// asserts it point by point. Contract A: target 4 cases, due in 10 days,
// satisfaction aimed at 4.5, budget 10,000.00 yuan of which 4,000.00 is
// released; 5 cases assigned, 3 closed, 2 on time (see setup); feedback 5
// (the person) and 3 with a complaint (town staff on the person's behalf);
// expert score 80.
//
//	cases:        5 assigned ≥ 4 aimed at:       20 × min(1, 5/4)     = 20.00
//	completion:   3 of 5 closed:                 20 × 3/5             = 12.00
//	timeliness:   2 of 3 closed on time:         20 × 2/3 = 13.333…   = 13.33
//	satisfaction: average (5 + 3)/2 = 4, 4.5 aimed at: 15 × 4/4.5 = 13.333… = 13.33
//	complaints:   1:                             max(0, 5 − 1)        =  4.00
//	budget:       4,000/10,000 = 0.4 ≤ 1:                              =  5.00
//	expert:       80:                            15 × 80/100          = 12.00
//	score:        20 + 12 + 13.33 + 13.33 + 4 + 5 + 12                 = 79.66
func TestEvaluationFixture(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := evalSetup(t, d)
		ctx, p := context.Background(), f.a.Providers
		must(p.GiveFeedback(ctx, personCaller(f.persons[0]), f.cases[0], providers.FeedbackInput{Satisfaction: 5}))(t)
		fb := must(p.GiveFeedback(ctx, town, f.cases[1], providers.FeedbackInput{Satisfaction: 3, Complaint: " 上门服务迟到了好几次 "}))(t)
		if !fb.OnBehalf || fb.GivenBy != "town_staff_user" || fb.Complaint != "上门服务迟到了好几次" || fb.ProviderName != "阳光助残服务社" {
			t.Errorf("feedback on behalf %+v", fb)
		}
		score := func(n int) *int { return &n }
		must(p.SetExpertScore(ctx, district, f.ka, providers.ExpertInput{Score: score(80), Note: "台账完整"}, "en"))(t)

		ev := must(p.Evaluate(ctx, district, f.ka, "en"))(t)
		if ev.Assigned != 5 || ev.Closed != 3 || ev.ClosedOnTime != 2 || ev.SatisfactionAvg != 4 || ev.Complaints != 1 || ev.Feedback != 2 ||
			ev.ReleasedCents != 400_000 || ev.ExpertScore == nil || *ev.ExpertScore != 80 || ev.ExpertNote != "台账完整" {
			t.Errorf("counts %+v", ev)
		}
		type want struct {
			kpi           string
			value, target float64
			weight        int
			points        float64
			explanation   string
		}
		wants := []want{
			{"cases", 5, 4, 20, 20, "5 cases assigned, 4 aimed at: the target is met, 20 × 1 = 20.00 points"},
			{"completion", 0.6, 1, 20, 12, "3 of 5 assigned cases closed: 20 × 3/5 = 12.00 points"},
			{"timeliness", 0.67, 1, 20, 13.33, "2 of 3 closed cases closed within 10 days of their assignment: 20 × 2/3 = 13.33 points"},
			{"satisfaction", 4, 4.5, 15, 13.33, "Average satisfaction 4.00 of 2 feedback, 4.50 aimed at: 15 × min(1, 4.00/4.50) = 13.33 points"},
			{"complaints", 1, 0, 5, 4, "1 complaint: max(0, 5 − 1) = 4.00 points"},
			{"budget", 0.4, 1, 5, 5, "4,000.00 of the budget's 10,000.00 yuan released (0.40): within the budget, 5.00 points"},
			{"expert", 80, 100, 15, 12, "Expert score 80 of 100: 15 × 80/100 = 12.00 points"},
		}
		if len(ev.Items) != len(wants) {
			t.Fatalf("%d items, want %d", len(ev.Items), len(wants))
		}
		weights, sum := 0, 0.0
		for i, w := range wants {
			it := ev.Items[i]
			got := want{it.KPI, it.Value, it.Target, it.Weight, it.Points, it.Explanation}
			if got != w {
				t.Errorf("item %d:\n got %+v\nwant %+v", i, got, w)
			}
			weights += it.Weight
			sum += it.Points
		}
		if weights != 100 {
			t.Errorf("weights add up to %d", weights)
		}
		if ev.Score != 79.66 {
			t.Errorf("score %v, want 79.66 (points add up to %v)", ev.Score, sum)
		}
		zh := must(p.Evaluate(ctx, district, f.ka, "zh"))(t)
		if got := zh.Items[1].Explanation; got != "分派的 5 个个案中办结 3 个：20 × 3/5 = 12.00 分" {
			t.Errorf("zh explanation %q", got)
		}

		// A provider's worker reads its own contracts' evaluations only.
		worker := access.Caller{Actor: audit.Actor{Username: "w", Role: identity.Provider}, Scope: orgunit.ScopeOf("310114"), ProviderID: f.x}
		if ev, err := p.Evaluate(ctx, worker, f.ka, "en"); err != nil || ev.Score != 79.66 {
			t.Errorf("the provider's own evaluation: %v %v", ev.Score, err)
		}
		_, err := p.Evaluate(ctx, worker, f.kb, "en")
		wantCode(t, err, apperr.NotFound)

		// B: no case any more (case 0 went back to A), no feedback, expert
		// 100: complaints 5 + budget 5 + expert 15 = 25.00. C: 5 + 5 = 10.00.
		must(p.SetExpertScore(ctx, district, f.kb, providers.ExpertInput{Score: score(100)}, "en"))(t)
		if ev := must(p.Evaluate(ctx, district, f.kb, "en"))(t); ev.Score != 25 || ev.Assigned != 0 {
			t.Errorf("contract B %+v", ev)
		}
		if ev := must(p.Evaluate(ctx, district, f.kc, "en"))(t); ev.Score != 10 || ev.Items[0].Explanation != "0 of 10 cases assigned: 20 × 0/10 = 0.00 points" {
			t.Errorf("contract C %+v", ev)
		}

		// The ranking: X's score is (79.66 × 10,000 + 10.00 × 30,000) /
		// 40,000 = 27.415 → 27.42 (half up); Y's 25.00.
		rk := must(p.Rank(ctx, district, 2026, "en"))(t)
		if len(rk.Items) != 2 || rk.Items[0].ProviderID != f.x || rk.Items[0].Score != 27.42 || rk.Items[0].Rank != 1 ||
			rk.Items[1].ProviderID != f.y || rk.Items[1].Score != 25 || rk.Items[1].Rank != 2 || len(rk.Items[0].Contracts) != 2 {
			t.Errorf("ranking %+v", rk)
		}
		// Lowering A's expert score to 0 drops X to (67.66 × 10,000 + 10.00
		// × 30,000)/40,000 = 24.415 → 24.42, below Y's 25.00.
		must(p.SetExpertScore(ctx, district, f.ka, providers.ExpertInput{Score: score(0)}, "en"))(t)
		rk = must(p.Rank(ctx, district, 2026, "en"))(t)
		if rk.Items[0].ProviderID != f.y || rk.Items[1].ProviderID != f.x || rk.Items[1].Score != 24.42 {
			t.Errorf("ranking after the expert score changed %+v", rk)
		}
		if rk := must(p.Rank(ctx, district, 2025, "en"))(t); len(rk.Items) != 0 {
			t.Errorf("2025 ranking %+v", rk)
		}
		_, err = p.Rank(ctx, district, 1999, "en")
		wantCode(t, err, apperr.Invalid, "year")

		// Expert score: bounded, required; every entry audited.
		_, err = p.SetExpertScore(ctx, district, f.ka, providers.ExpertInput{Score: score(101)}, "en")
		wantCode(t, err, apperr.Invalid, "score")
		_, err = p.SetExpertScore(ctx, district, f.ka, providers.ExpertInput{Score: score(-1), Note: "bad\x00"}, "en")
		wantCode(t, err, apperr.Invalid, "score", "note")
		_, err = p.SetExpertScore(ctx, district, f.ka, providers.ExpertInput{}, "en")
		wantCode(t, err, apperr.Invalid, "score")
		_, err = p.SetExpertScore(ctx, district, 99999, providers.ExpertInput{Score: score(5)}, "en")
		wantCode(t, err, apperr.NotFound)
		var audited int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE subject_type = 'provider_contract' AND action = 'update' AND detail LIKE '%expert_score%'`).Scan(&audited); err != nil || audited != 3 {
			t.Errorf("%d expert scores audited, want 3 (%v)", audited, err)
		}
	})
}

// TestFeedbackBadInput: satisfaction 1 to 5, once (409), only on a closed
// case of a contract (422), only on a case in view (404).
func TestFeedbackBadInput(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := evalSetup(t, d)
		ctx, p := context.Background(), f.a.Providers
		me := personCaller(f.persons[0])
		for _, n := range []int{0, 6, -1} {
			_, err := p.GiveFeedback(ctx, me, f.cases[0], providers.FeedbackInput{Satisfaction: n})
			wantCode(t, err, apperr.Invalid, "satisfaction")
		}
		_, err := p.GiveFeedback(ctx, me, f.cases[0], providers.FeedbackInput{Satisfaction: 4, Complaint: strings.Repeat("慢", providers.MaxComplaintRunes+1)})
		wantCode(t, err, apperr.Invalid, "complaint")
		_, err = p.GiveFeedback(ctx, me, f.cases[0], providers.FeedbackInput{Satisfaction: 4, Complaint: "迟到\u202e"})
		wantCode(t, err, apperr.Invalid, "complaint")
		// Another person's case, another town's staff, a provider: 404.
		_, err = p.GiveFeedback(ctx, me, f.cases[1], providers.FeedbackInput{Satisfaction: 4})
		wantCode(t, err, apperr.NotFound)
		_, err = p.GiveFeedback(ctx, town2, f.cases[0], providers.FeedbackInput{Satisfaction: 4})
		wantCode(t, err, apperr.NotFound)
		worker := access.Caller{Actor: audit.Actor{Username: "w", Role: identity.Provider}, Scope: orgunit.ScopeOf("310114"), ProviderID: f.x}
		_, err = p.GiveFeedback(ctx, worker, f.cases[0], providers.FeedbackInput{Satisfaction: 4})
		wantCode(t, err, apperr.NotFound)
		// Not closed; closed but never assigned: 422.
		_, err = p.GiveFeedback(ctx, town, f.cases[3], providers.FeedbackInput{Satisfaction: 4})
		wantCode(t, err, apperr.Invalid)
		_, err = p.GiveFeedback(ctx, town, f.cases[5], providers.FeedbackInput{Satisfaction: 4})
		wantCode(t, err, apperr.Invalid)
		// Once: the second, by anyone, is 409.
		fb := must(p.GiveFeedback(ctx, me, f.cases[0], providers.FeedbackInput{Satisfaction: 4}))(t)
		if fb.OnBehalf || fb.GivenBy != me.Actor.Username || fb.ContractID != f.ka || fb.ProviderID != f.x {
			t.Errorf("feedback %+v", fb)
		}
		_, err = p.GiveFeedback(ctx, me, f.cases[0], providers.FeedbackInput{Satisfaction: 5})
		wantCode(t, err, apperr.Conflict)
		_, err = p.GiveFeedback(ctx, district, f.cases[0], providers.FeedbackInput{Satisfaction: 5})
		wantCode(t, err, apperr.Conflict)
		// The person's home lists the closed cases still to rate.
		if list := must(p.AwaitingFeedback(ctx, personCaller(f.persons[1])))(t); len(list) != 1 || list[0].ID != f.cases[1] {
			t.Errorf("awaiting feedback %+v", list)
		}
		if list := must(p.AwaitingFeedback(ctx, me))(t); len(list) != 0 {
			t.Errorf("awaiting feedback after giving it %+v", list)
		}
	})
}

// TestComplaints: a complaint is a task for the district and town staff of
// the case's scope, handled once with a note.
func TestComplaints(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := evalSetup(t, d)
		ctx, p := context.Background(), f.a.Providers
		must(p.GiveFeedback(ctx, personCaller(f.persons[0]), f.cases[0], providers.FeedbackInput{Satisfaction: 5}))(t)
		must(p.GiveFeedback(ctx, personCaller(f.persons[1]), f.cases[1], providers.FeedbackInput{Satisfaction: 2, Complaint: "轮椅尺寸不合适"}))(t)
		for _, c := range []access.Caller{district, town} {
			list := must(p.Complaints(ctx, c, true))(t)
			if len(list) != 1 || list[0].CaseID != f.cases[1] || list[0].PersonName != "评价1" || list[0].Complaint != "轮椅尺寸不合适" || list[0].Handled {
				t.Errorf("%s: open complaints %+v", c.Actor.Role, list)
			}
			if n := must(p.OpenComplaints(ctx, c))(t); n != 1 {
				t.Errorf("%s: %d open complaints", c.Actor.Role, n)
			}
		}
		for _, c := range []access.Caller{town2, apptest.Caller(identity.VillageAssistant, village), personCaller(f.persons[1])} {
			if list := must(p.Complaints(ctx, c, false))(t); len(list) != 0 {
				t.Errorf("%s sees complaints %+v", c.Actor.Role, list)
			}
		}
		_, err := p.HandleComplaint(ctx, town2, f.cases[1], providers.HandleInput{Note: "已联系"})
		wantCode(t, err, apperr.NotFound)
		_, err = p.HandleComplaint(ctx, town, f.cases[0], providers.HandleInput{Note: "没有投诉的评价"})
		wantCode(t, err, apperr.NotFound)
		_, err = p.HandleComplaint(ctx, town, f.cases[1], providers.HandleInput{Note: "  "})
		wantCode(t, err, apperr.Invalid, "note")
		k := must(p.HandleComplaint(ctx, town, f.cases[1], providers.HandleInput{Note: "已联系机构更换轮椅"}))(t)
		if !k.Handled || k.HandledBy != town.Actor.Username || k.Note != "已联系机构更换轮椅" || k.HandledAt == nil {
			t.Errorf("handled %+v", k)
		}
		_, err = p.HandleComplaint(ctx, district, f.cases[1], providers.HandleInput{Note: "再次处理"})
		wantCode(t, err, apperr.Conflict)
		if list := must(p.Complaints(ctx, district, true))(t); len(list) != 0 {
			t.Errorf("open complaints after handling %+v", list)
		}
		if list := must(p.Complaints(ctx, district, false))(t); len(list) != 1 || !list[0].Handled {
			t.Errorf("all complaints %+v", list)
		}
		var audited int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE subject_type = 'case_feedback'`).Scan(&audited); err != nil || audited != 3 {
			t.Errorf("%d feedback entries audited, want 3 (%v)", audited, err)
		}
	})
}

// TestEvaluationXLSX reads the year's workbook back with tabular: a row per
// contract with every KPI's points and the score, and the ranking sheet.
func TestEvaluationXLSX(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := evalSetup(t, d)
		ctx, p := context.Background(), f.a.Providers
		must(p.GiveFeedback(ctx, personCaller(f.persons[0]), f.cases[0], providers.FeedbackInput{Satisfaction: 5}))(t)
		must(p.GiveFeedback(ctx, town, f.cases[1], providers.FeedbackInput{Satisfaction: 3, Complaint: "迟到"}))(t)
		score := 80
		must(p.SetExpertScore(ctx, district, f.ka, providers.ExpertInput{Score: &score}, "zh"))(t)
		var buf bytes.Buffer
		w, err := tabular.NewXLSXSheets(&buf, "合同评估")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.WriteEvaluation(ctx, district, 2026, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		contracts := readSheet(t, buf.Bytes(), "合同评估")
		if !slices.Equal(contracts[0], providers.EvaluationHeader) {
			t.Errorf("header %v", contracts[0])
		}
		a := []string{"2026", "阳光助残服务社", "2026年辅助器具适配", "辅助器具适配", "10000.00", "5", "3", "2", "4.00", "1",
			"20.00", "12.00", "13.33", "13.33", "4.00", "5.00", "12.00", "79.66"}
		if len(contracts) != 4 || !slices.Equal(contracts[1], a) {
			t.Errorf("contracts sheet %q", contracts)
		}
		ranking := readSheet(t, buf.Bytes(), "排名")
		want := [][]string{providers.RankingHeader, {"1", "阳光助残服务社", "2", "40000.00", "27.42"}, {"2", "康乐服务中心", "1", "5000.00", "10.00"}}
		if !slices.EqualFunc(ranking, want, slices.Equal) {
			t.Errorf("ranking sheet %q", ranking)
		}
		var audited int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND subject_type = 'provider_evaluation' AND subject_id = '2026'`).Scan(&audited); err != nil || audited != 1 {
			t.Errorf("%d exports audited (%v)", audited, err)
		}
	})
}

// readSheet reads every row of a sheet, its header first.
func readSheet(t *testing.T, book []byte, sheet string) [][]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := os.WriteFile(path, book, 0o600); err != nil {
		t.Fatal(err)
	}
	tb, _, err := tabular.OpenWith(path, tabular.Options{Sheet: sheet})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	out := [][]string{tb.Header()}
	for {
		row, err := tb.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
}

// server serves the fixture's app with signed-in users: district, town,
// town2 (安亭镇), person0 and person1 (the persons of cases 0 and 1).
type server struct {
	t      *testing.T
	a      *app.App
	srv    *httptest.Server
	tokens map[string]string
}

func serve(t *testing.T, f evalFixtureData) *server {
	t.Helper()
	s := &server{t: t, a: f.a, srv: httptest.NewServer(f.a.Handler()), tokens: map[string]string{}}
	t.Cleanup(s.srv.Close)
	users := []identity.User{{Username: "district", Role: identity.DistrictStaff, OrgUnit: "310114"},
		{Username: "town", Role: identity.TownStaff, OrgUnit: "310114102"}, {Username: "town2", Role: identity.TownStaff, OrgUnit: "310114103"},
		{Username: "person0", Role: identity.Person, OrgUnit: village, PersonID: f.persons[0]},
		{Username: "person1", Role: identity.Person, OrgUnit: village, PersonID: f.persons[1]}}
	for _, u := range users {
		must(f.a.Users.Create(context.Background(), u, apptest.Password, nil))(t)
		var out struct{ Token string }
		if st, _ := s.do("", "POST", "/api/v1/session", map[string]string{"username": u.Username, "password": apptest.Password}, &out); st != 200 {
			t.Fatalf("login %s: %d", u.Username, st)
		}
		s.tokens[u.Username] = out.Token
	}
	return s
}

func (s *server) send(user string, req *http.Request, sent []byte) (int, []byte) {
	s.t.Helper()
	if tok := s.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := (&http.Client{CheckRedirect: apptest.NoRedirect}).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if err := s.a.CheckAnswer(req, resp.StatusCode, raw); err != nil {
		s.t.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	if sent != nil {
		if err := s.a.CheckRequest(req, resp.StatusCode, sent); err != nil {
			s.t.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
		}
	}
	return resp.StatusCode, raw
}

func (s *server) do(user, method, path string, body, out any) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	var sent []byte
	if body != nil {
		sent, _ = json.Marshal(body)
		rd = bytes.NewReader(sent)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	st, raw := s.send(user, req, sent)
	if out != nil && st < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return st, raw
}

func (s *server) form(user, path string, v url.Values) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.srv.URL)
	return s.send(user, req, nil)
}

func (s *server) page(user, path string, status int, texts ...string) string {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	st, raw := s.send(user, req, nil)
	if st != status {
		s.t.Errorf("GET %s as %s: %d, want %d", path, user, st, status)
	}
	for _, x := range texts {
		if !strings.Contains(string(raw), x) {
			s.t.Errorf("GET %s as %s: no %q in the page", path, user, x)
		}
	}
	return string(raw)
}

// TestAPIAndPages walks the routes: feedback (201, 409, 422, 404), the
// complaint's handling, the evaluation, the expert score, the ranking, the
// workbook, and the pages with their forms.
func TestAPIAndPages(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := evalSetup(t, d)
		s := serve(t, f)
		fb := func(c int64) string { return fmt.Sprintf("/api/v1/cases/%d/feedback", c) }
		var out providers.Feedback
		if st, raw := s.do("person0", "POST", fb(f.cases[0]), map[string]any{"satisfaction": 6}, nil); st != 422 || !strings.Contains(string(raw), "satisfaction") {
			t.Errorf("satisfaction 6: %d %s", st, raw)
		}
		if st, _ := s.do("person0", "POST", fb(f.cases[1]), map[string]any{"satisfaction": 4}, nil); st != 404 {
			t.Errorf("a person on another's case: %d", st)
		}
		if st, _ := s.do("town2", "POST", fb(f.cases[0]), map[string]any{"satisfaction": 4}, nil); st != 404 {
			t.Errorf("another town's staff: %d", st)
		}
		if st, raw := s.do("town", "POST", fb(f.cases[3]), map[string]any{"satisfaction": 4}, nil); st != 422 || !strings.Contains(string(raw), "closed") && !strings.Contains(string(raw), "办结") {
			t.Errorf("an open case: %d %s", st, raw)
		}
		if st, _ := s.do("person0", "POST", fb(f.cases[0]), map[string]any{"satisfaction": 5}, &out); st != 201 || out.Satisfaction != 5 || out.OnBehalf {
			t.Errorf("feedback: %d %+v", st, out)
		}
		if st, _ := s.do("town", "POST", fb(f.cases[0]), map[string]any{"satisfaction": 1}, nil); st != 409 {
			t.Errorf("feedback twice: %d", st)
		}

		// Person 1's home and case page offer their closed case to rate.
		s.page("person1", "/", 200, fmt.Sprintf(`href="/cases/%d/feedback"`, f.cases[1]))
		s.page("person1", fmt.Sprintf("/cases/%d", f.cases[1]), 200, fmt.Sprintf(`href="/cases/%d/feedback"`, f.cases[1]))
		s.page("person1", fmt.Sprintf("/cases/%d/feedback", f.cases[1]), 200, "很不满意", "很满意", `type="radio"`)
		page := s.page("person1", fmt.Sprintf("/cases/%d/feedback?lang=en", f.cases[1]), 200, "very dissatisfied", "very satisfied")
		if strings.Contains(page, "on the person's behalf") {
			t.Error("the person is told they act on their own behalf")
		}
		if st, body := s.form("person1", fmt.Sprintf("/cases/%d/feedback", f.cases[1]), url.Values{"complaint": {"轮椅太重"}}); st != 422 ||
			!strings.Contains(string(body), "轮椅太重") || !strings.Contains(string(body), `href="#f-satisfaction"`) {
			t.Errorf("feedback form without a choice: %d (keeps the complaint, links the error)", st)
		}
		if st, _ := s.form("person1", fmt.Sprintf("/cases/%d/feedback", f.cases[1]), url.Values{"satisfaction": {"2"}, "complaint": {"轮椅太重"}}); st != 303 {
			t.Errorf("feedback form: %d", st)
		}
		s.page("person1", fmt.Sprintf("/cases/%d/feedback?done=1", f.cases[1]), 200, "谢谢您的评价", "轮椅太重", "不满意")
		s.page("district", fmt.Sprintf("/cases/%d/feedback", f.cases[3]), 200, "个案办结后才能评价")

		// The complaint: a card on town staff's home, the list, handled.
		s.page("town", "/", 200, `href="/providers/complaints"`, "条服务投诉待处理")
		var list struct{ Items []providers.Complaint }
		if st, _ := s.do("town", "GET", "/api/v1/complaints?open=true", nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].CaseID != f.cases[1] {
			t.Errorf("open complaints: %d %+v", st, list)
		}
		if st, _ := s.do("town2", "GET", "/api/v1/complaints?open=true", nil, &list); st != 200 || len(list.Items) != 0 {
			t.Errorf("another town's complaints: %d %+v", st, list)
		}
		s.page("town", "/providers/complaints", 200, "评价1", "轮椅太重", "阳光助残服务社")
		handle := fmt.Sprintf("/providers/complaints/%d/handle", f.cases[1])
		if st, body := s.form("town", handle, url.Values{"note": {""}}); st != 422 || !strings.Contains(string(body), fmt.Sprintf(`href="#f-note-%d"`, f.cases[1])) {
			t.Errorf("handle without a note: %d", st)
		}
		if st, _ := s.do("town2", "POST", fmt.Sprintf("/api/v1/complaints/%d/handle", f.cases[1]), map[string]string{"note": "已处理"}, nil); st != 404 {
			t.Errorf("another town handles: %d", st)
		}
		if st, _ := s.form("town", handle, url.Values{"note": {"已电话回访"}}); st != 303 {
			t.Errorf("handle: %d", st)
		}
		if st, _ := s.do("district", "POST", fmt.Sprintf("/api/v1/complaints/%d/handle", f.cases[1]), map[string]string{"note": "再处理"}, nil); st != 409 {
			t.Errorf("handled twice: %d", st)
		}
		s.page("town", "/providers/complaints", 200, "没有待处理的投诉")

		// The evaluation, the expert score (district staff only), the ranking.
		var ev providers.Evaluation
		path := fmt.Sprintf("/api/v1/contracts/%d/evaluation", f.ka)
		if st, _ := s.do("town", "GET", path, nil, &ev); st != 200 || ev.Assigned != 5 || len(ev.Items) != 7 {
			t.Errorf("evaluation: %d %+v", st, ev)
		}
		before := ev.Score
		expert := fmt.Sprintf("/api/v1/contracts/%d/expert-score", f.ka)
		if st, _ := s.do("town", "PUT", expert, map[string]any{"score": 80}, nil); st != 403 {
			t.Errorf("town staff's expert score: %d", st)
		}
		if st, _ := s.do("district", "PUT", expert, map[string]any{"score": 101}, nil); st != 422 {
			t.Errorf("expert score 101: %d", st)
		}
		if st, _ := s.do("district", "PUT", expert, map[string]any{"score": 80, "note": "台账完整"}, &ev); st != 200 || ev.Score != before+12 {
			t.Errorf("expert score: %d %v → %v", st, before, ev.Score)
		}
		evPage := fmt.Sprintf("/contracts/%d/evaluation", f.ka)
		s.page("district", evPage+"?lang=en", 200, "Expert score 80 of 100: 15 × 80/100 = 12.00 points", `id="f-score"`)
		if page := s.page("town", evPage, 200, "专家评分 80"); strings.Contains(page, `id="f-score"`) {
			t.Error("town staff are offered the expert score form")
		}
		if st, body := s.form("district", evPage, url.Values{"score": {"九十"}, "note": {"复核"}}); st != 422 || !strings.Contains(string(body), "复核") {
			t.Errorf("expert form with words: %d", st)
		}
		if st, _ := s.form("district", evPage, url.Values{"score": {"９０"}}); st != 303 {
			t.Errorf("expert form: %d", st)
		}
		s.page("district", evPage+"?saved=1", 200, "专家评分 90（满分 100）")
		var rk providers.Ranking
		if st, _ := s.do("district", "GET", "/api/v1/providers/ranking?year=2026", nil, &rk); st != 200 || len(rk.Items) != 2 || rk.Items[0].ProviderID != f.x {
			t.Errorf("ranking: %d %+v", st, rk)
		}
		s.page("district", "/providers/evaluation?year=2026", 200, "阳光助残服务社", "康乐服务中心", fmt.Sprintf(`href="/contracts/%d/evaluation"`, f.ka),
			`href="/api/v1/providers/evaluation.xlsx?year=2026"`)
		st, book := s.do("district", "GET", "/api/v1/providers/evaluation.xlsx?year=2026", nil, nil)
		if st != 200 {
			t.Fatalf("workbook: %d", st)
		}
		if rows := readSheet(t, book, "排名"); len(rows) != 3 || rows[1][1] != "阳光助残服务社" {
			t.Errorf("workbook's ranking %q", rows)
		}
		if st, _ := s.do("person0", "GET", "/api/v1/providers/ranking", nil, nil); st != 403 {
			t.Errorf("a person's ranking: %d", st)
		}
	})
}
