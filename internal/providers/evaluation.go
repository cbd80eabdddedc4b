package providers

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
)

// KPI codes of an evaluation, in the order they are listed.
const (
	KPICases        = "cases"
	KPICompletion   = "completion"
	KPITimeliness   = "timeliness"
	KPISatisfaction = "satisfaction"
	KPIComplaints   = "complaints"
	KPIBudget       = "budget"
	KPIExpert       = "expert"
)

// Weights of the KPIs (they add up to 100).
const (
	WeightCases        = 20
	WeightCompletion   = 20
	WeightTimeliness   = 20
	WeightSatisfaction = 15
	WeightComplaints   = 5
	WeightBudget       = 5
	WeightExpert       = 15
)

// kpiNames name the KPIs.
var kpiNames = map[string][2]string{
	KPICases: {"个案数", "Cases"}, KPICompletion: {"办结率", "Completion"}, KPITimeliness: {"及时率", "Timeliness"},
	KPISatisfaction: {"满意度", "Satisfaction"}, KPIComplaints: {"投诉", "Complaints"}, KPIBudget: {"预算执行", "Budget"},
	KPIExpert: {"专家评分", "Expert score"},
}

// KPIName names a KPI.
func KPIName(code, lang string) string {
	if n, ok := kpiNames[code]; ok {
		return apperr.T(n[0], n[1]).In(lang)
	}
	return code
}

// Item is one KPI of an evaluation: its value, target, weight and points
// (2 decimals), and how the points came, in words.
type Item struct {
	KPI         string  `json:"kpi" enum:"cases,completion,timeliness,satisfaction,complaints,budget,expert"`
	Name        string  `json:"name"`
	Value       float64 `json:"value"`
	Target      float64 `json:"target"`
	Weight      int     `json:"weight"`
	Points      float64 `json:"points"`
	Explanation string  `json:"explanation"`
	// ValueText and TargetText are the value and target as a page shows them.
	ValueText  string `json:"-"`
	TargetText string `json:"-"`
	points     int64  // hundredths
}

// Evaluation is a contract's performance evaluation (CONTRACT.md): the
// counts of its cases, the KPIs and the score (the sum of the points).
type Evaluation struct {
	ContractID      int64   `json:"contract_id"`
	ProviderID      int64   `json:"provider_id"`
	ProviderName    string  `json:"provider_name"`
	Title           string  `json:"title"`
	ServiceType     string  `json:"service_type"`
	Year            int     `json:"year"`
	BudgetCents     int64   `json:"budget"`
	ReleasedCents   int64   `json:"released"`
	Assigned        int     `json:"assigned"`
	Closed          int     `json:"closed"`
	ClosedOnTime    int     `json:"closed_on_time"`
	Feedback        int     `json:"feedback"`
	SatisfactionAvg float64 `json:"satisfaction_avg"`
	Complaints      int     `json:"complaints"`
	ExpertScore     *int    `json:"expert_score"`
	ExpertNote      string  `json:"expert_note,omitempty"`
	Score           float64 `json:"score"`
	Items           []Item  `json:"items"`
	score           int64   // hundredths
}

// ExpertInput is the body of PUT /api/v1/contracts/{id}/expert-score.
type ExpertInput struct {
	Score *int   `json:"score"`
	Note  string `json:"note,omitempty"`
}

// MaxExpertNoteRunes bounds an expert score's note.
const MaxExpertNoteRunes = 200

// ratio is num/den in hundredths, rounded half up (num, den ≥ 0, den > 0).
func ratio(num, den int64) int64 { return (200*num + den) / (2 * den) }

// hundredths writes a number of hundredths with 2 decimals.
func hundredths(h int64) string {
	sign := ""
	if h < 0 {
		sign, h = "-", -h
	}
	return fmt.Sprintf("%s%d.%02d", sign, h/100, h%100)
}

// plural picks the English word for n.
func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// facts are what an evaluation counts from a contract's cases.
type facts struct {
	assigned, closed, onTime   int64
	feedback, satSum, complain int64
	released, budget           int64
	targetCases, dueDays       int64
	targetSat                  int64 // hundredths
	expert                     *int
}

// items computes the KPIs (see the package documentation for the formula),
// in integers of hundredths.
func (f facts) items(lang string) []Item {
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	var out []Item
	add := func(code string, value, target int64, weight int, points int64, vt, tt, zh, en string) {
		out = append(out, Item{KPI: code, Name: KPIName(code, lang), Value: float64(value) / 100, Target: float64(target) / 100, Weight: weight,
			Points: float64(points) / 100, points: points, ValueText: vt, TargetText: tt, Explanation: t(zh, en)})
	}
	// cases: 20 × min(1, assigned/target)
	p := min(WeightCases*100, ratio(WeightCases*f.assigned, f.targetCases))
	if f.assigned >= f.targetCases {
		add(KPICases, f.assigned*100, f.targetCases*100, WeightCases, p, strconv.FormatInt(f.assigned, 10), strconv.FormatInt(f.targetCases, 10),
			fmt.Sprintf("已分派 %d 个个案，目标 %d 个，已达到：20 × 1 = %s 分", f.assigned, f.targetCases, hundredths(p)),
			fmt.Sprintf("%d cases assigned, %d aimed at: the target is met, 20 × 1 = %s points", f.assigned, f.targetCases, hundredths(p)))
	} else {
		add(KPICases, f.assigned*100, f.targetCases*100, WeightCases, p, strconv.FormatInt(f.assigned, 10), strconv.FormatInt(f.targetCases, 10),
			fmt.Sprintf("目标 %d 个个案，已分派 %d 个：20 × %d/%d = %s 分", f.targetCases, f.assigned, f.assigned, f.targetCases, hundredths(p)),
			fmt.Sprintf("%d of %d cases assigned: 20 × %d/%d = %s points", f.assigned, f.targetCases, f.assigned, f.targetCases, hundredths(p)))
	}
	// completion: 20 × closed/assigned
	if f.assigned == 0 {
		add(KPICompletion, 0, 100, WeightCompletion, 0, "0", "1", "还没有分派的个案：0 分", "No case assigned yet: 0 points")
	} else {
		v := ratio(f.closed, f.assigned)
		p := ratio(WeightCompletion*f.closed, f.assigned)
		add(KPICompletion, v, 100, WeightCompletion, p, hundredths(v), "1",
			fmt.Sprintf("分派的 %d 个个案中办结 %d 个：20 × %d/%d = %s 分", f.assigned, f.closed, f.closed, f.assigned, hundredths(p)),
			fmt.Sprintf("%d of %d assigned cases closed: 20 × %d/%d = %s points", f.closed, f.assigned, f.closed, f.assigned, hundredths(p)))
	}
	// timeliness: 20 × closed_on_time/closed
	if f.closed == 0 {
		add(KPITimeliness, 0, 100, WeightTimeliness, 0, "0", "1", "还没有办结的个案：0 分", "No case closed yet: 0 points")
	} else {
		v := ratio(f.onTime, f.closed)
		p := ratio(WeightTimeliness*f.onTime, f.closed)
		add(KPITimeliness, v, 100, WeightTimeliness, p, hundredths(v), "1",
			fmt.Sprintf("办结的 %d 个个案中有 %d 个在分派后 %d 天内办结：20 × %d/%d = %s 分", f.closed, f.onTime, f.dueDays, f.onTime, f.closed, hundredths(p)),
			fmt.Sprintf("%d of %d closed cases closed within %d days of their assignment: 20 × %d/%d = %s points", f.onTime, f.closed, f.dueDays, f.onTime, f.closed, hundredths(p)))
	}
	// satisfaction: 15 × min(1, average/target)
	if f.feedback == 0 {
		add(KPISatisfaction, 0, f.targetSat, WeightSatisfaction, 0, "—", hundredths(f.targetSat), "还没有服务对象的评价：0 分", "No feedback yet: 0 points")
	} else {
		avg := ratio(f.satSum, f.feedback)
		p := min(WeightSatisfaction*100, ratio(WeightSatisfaction*100*f.satSum, f.feedback*f.targetSat))
		add(KPISatisfaction, avg, f.targetSat, WeightSatisfaction, p, hundredths(avg), hundredths(f.targetSat),
			fmt.Sprintf("%d 份评价的平均满意度 %s，目标 %s：15 × min(1, %s/%s) = %s 分", f.feedback, hundredths(avg), hundredths(f.targetSat), hundredths(avg), hundredths(f.targetSat), hundredths(p)),
			fmt.Sprintf("Average satisfaction %s of %d feedback, %s aimed at: 15 × min(1, %s/%s) = %s points", hundredths(avg), f.feedback, hundredths(f.targetSat), hundredths(avg), hundredths(f.targetSat), hundredths(p)))
	}
	// complaints: max(0, 5 − complaints)
	p = max(0, WeightComplaints*100-100*f.complain)
	add(KPIComplaints, f.complain*100, 0, WeightComplaints, p, strconv.FormatInt(f.complain, 10), "0",
		fmt.Sprintf("%d 条投诉：max(0, 5 − %d) = %s 分", f.complain, f.complain, hundredths(p)),
		fmt.Sprintf("%d %s: max(0, 5 − %d) = %s points", f.complain, plural(f.complain, "complaint", "complaints"), f.complain, hundredths(p)))
	// budget: 5 when released/budget ≤ 1
	v := ratio(f.released, f.budget)
	if f.released <= f.budget {
		p = WeightBudget * 100
		add(KPIBudget, v, 100, WeightBudget, p, hundredths(v), "1",
			fmt.Sprintf("已支付 %s 元，预算 %s 元（%s）：未超预算，%s 分", money.Grouped(f.released), money.Grouped(f.budget), hundredths(v), hundredths(p)),
			fmt.Sprintf("%s of the budget's %s yuan released (%s): within the budget, %s points", money.Grouped(f.released), money.Grouped(f.budget), hundredths(v), hundredths(p)))
	} else {
		add(KPIBudget, v, 100, WeightBudget, 0, hundredths(v), "1",
			fmt.Sprintf("已支付 %s 元，超过预算 %s 元（%s）：0 分", money.Grouped(f.released), money.Grouped(f.budget), hundredths(v)),
			fmt.Sprintf("%s yuan released, over the budget's %s yuan (%s): 0 points", money.Grouped(f.released), money.Grouped(f.budget), hundredths(v)))
	}
	// expert: 15 × score/100
	if f.expert == nil {
		add(KPIExpert, 0, 10000, WeightExpert, 0, "—", "100", "还没有专家评分：0 分", "No expert score yet: 0 points")
	} else {
		e := int64(*f.expert)
		p = WeightExpert * e
		add(KPIExpert, e*100, 10000, WeightExpert, p, strconv.FormatInt(e, 10), "100",
			fmt.Sprintf("专家评分 %d（满分 100）：15 × %d/100 = %s 分", e, e, hundredths(p)),
			fmt.Sprintf("Expert score %d of 100: 15 × %d/100 = %s points", e, e, hundredths(p)))
	}
	return out
}

// Evaluate computes a contract's evaluation (a contract in the caller's
// view, else 404; a provider's worker its own), its explanations in lang.
func (s *Store) Evaluate(ctx context.Context, c access.Caller, id int64, lang string) (Evaluation, error) {
	k, err := s.Contract(ctx, c, id)
	if err != nil {
		return Evaluation{}, err
	}
	return s.evaluate(ctx, k, lang)
}

func (s *Store) evaluate(ctx context.Context, k Contract, lang string) (Evaluation, error) {
	f := facts{budget: k.BudgetCents, targetCases: int64(k.TargetCases), dueDays: int64(k.DueDays), targetSat: int64(k.TargetSatisfaction*100 + 0.5)}
	for _, m := range k.Milestones {
		if m.Released {
			f.released += m.AmountCents
		}
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE contract_id = ?`, k.ID).Scan(&f.assigned); err != nil {
		return Evaluation{}, fmt.Errorf("evaluate contract %d: %w", k.ID, err)
	}
	// A case is on time when it closed within due_days of its latest
	// assignment to this contract.
	rows, err := s.db.Query(ctx, `SELECT c.closed_at, COALESCE((SELECT MAX(a.assigned_at) FROM case_assignments a WHERE a.case_id = c.id AND a.contract_id = c.contract_id), c.created_at)
		FROM cases c WHERE c.contract_id = ? AND c.closed_at > 0`, k.ID)
	if err != nil {
		return Evaluation{}, fmt.Errorf("evaluate contract %d: %w", k.ID, err)
	}
	due := f.dueDays * 24 * 60 * 60 * 1000
	for rows.Next() {
		var closed, assigned int64
		if err := rows.Scan(&closed, &assigned); err != nil {
			_ = rows.Close()
			return Evaluation{}, fmt.Errorf("evaluate contract %d: %w", k.ID, err)
		}
		f.closed++
		if closed-assigned <= due {
			f.onTime++
		}
	}
	if err := rows.Close(); err != nil {
		return Evaluation{}, fmt.Errorf("evaluate contract %d: %w", k.ID, err)
	}
	if err := rows.Err(); err != nil {
		return Evaluation{}, fmt.Errorf("evaluate contract %d: %w", k.ID, err)
	}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(f.satisfaction), 0), COALESCE(SUM(CASE WHEN f.complaint <> '' THEN 1 ELSE 0 END), 0)
		FROM case_feedback f JOIN cases c ON c.id = f.case_id WHERE c.contract_id = ?`, k.ID).Scan(&f.feedback, &f.satSum, &f.complain); err != nil {
		return Evaluation{}, fmt.Errorf("evaluate contract %d: %w", k.ID, err)
	}
	ev := Evaluation{ContractID: k.ID, ProviderID: k.ProviderID, ProviderName: k.ProviderName, Title: k.Title, ServiceType: k.ServiceType, Year: k.Year,
		BudgetCents: k.BudgetCents, ReleasedCents: f.released, Assigned: int(f.assigned), Closed: int(f.closed), ClosedOnTime: int(f.onTime),
		Feedback: int(f.feedback), Complaints: int(f.complain)}
	var score int
	err = s.db.QueryRow(ctx, `SELECT score, note FROM contract_expert_scores WHERE contract_id = ?`, k.ID).Scan(&score, &ev.ExpertNote)
	switch {
	case err == nil:
		f.expert, ev.ExpertScore = &score, &score
	case !errors.Is(err, sql.ErrNoRows):
		return Evaluation{}, fmt.Errorf("evaluate contract %d: %w", k.ID, err)
	}
	if f.feedback > 0 {
		ev.SatisfactionAvg = float64(ratio(f.satSum, f.feedback)) / 100
	}
	ev.Items = f.items(lang)
	for _, it := range ev.Items {
		ev.score += it.points
	}
	ev.Score = float64(ev.score) / 100
	return ev, nil
}

// SetExpertScore enters the expert score of a contract's evaluation
// (district staff; a contract outside their view is 404): 0 to 100, with
// an optional note; entering it again replaces it. Audited.
func (s *Store) SetExpertScore(ctx context.Context, c access.Caller, id int64, in ExpertInput, lang string) (Evaluation, error) {
	var fs []apperr.FieldError
	if in.Score == nil {
		fs = append(fs, apperr.Field("score", "required", "请填写专家评分（0 至 100）。", "Enter the expert score (0 to 100)."))
	} else if *in.Score < 0 || *in.Score > 100 {
		fs = append(fs, apperr.Field("score", "range", "专家评分应在 0 至 100 之间。", "The expert score is from 0 to 100."))
	}
	note, e := text("note", in.Note, MaxExpertNoteRunes, false, "评分说明", "note")
	if e != nil {
		fs = append(fs, *e)
	}
	k, err := s.Contract(ctx, c, id)
	if err != nil {
		return Evaluation{}, err
	}
	if c.IsProvider() || c.PersonID != 0 {
		return Evaluation{}, contractNotFound()
	}
	if len(fs) > 0 {
		return Evaluation{}, apperr.Validation(fs...)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO contract_expert_scores (contract_id, score, note, scored_by, scored_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (contract_id) DO UPDATE SET score = excluded.score, note = excluded.note, scored_by = excluded.scored_by, scored_at = excluded.scored_at`,
			id, *in.Score, note, c.Actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("expert score of contract %d: %w", id, err)
		}
		en := c.Actor.Entry(audit.ActionUpdate, SubjectContract, strconv.FormatInt(id, 10), k.OrgUnit)
		en.Detail, en.Reason = fmt.Sprintf(`{"expert_score":%d}`, *in.Score), note
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return Evaluation{}, err
	}
	return s.evaluate(ctx, k, lang)
}

// Ranked is a provider's place in a year's ranking: its score is the
// budget-weighted average of its contracts' scores.
type Ranked struct {
	Rank         int             `json:"rank"`
	ProviderID   int64           `json:"provider_id"`
	ProviderName string          `json:"provider_name"`
	Score        float64         `json:"score"`
	BudgetCents  int64           `json:"budget"`
	Contracts    []ContractScore `json:"contracts"`
	score        int64           // hundredths
	evals        []Evaluation    // the contracts' evaluations
}

// ContractScore is a contract's score in a ranking.
type ContractScore struct {
	ContractID  int64   `json:"contract_id"`
	Title       string  `json:"title"`
	ServiceType string  `json:"service_type"`
	BudgetCents int64   `json:"budget"`
	Score       float64 `json:"score"`
}

// Ranking is the providers of a year ranked by their score.
type Ranking struct {
	Year  int      `json:"year"`
	Items []Ranked `json:"items"`
}

// CheckYear checks a ranking's year (0: this year).
func (s *Store) CheckYear(year int) (int, error) {
	if year == 0 {
		return s.db.Now().Year(), nil
	}
	if year < 2000 || year > 2100 {
		return 0, apperr.Validation(apperr.Field("year", "range", "年度应在 2000 至 2100 之间。", "The year is from 2000 to 2100."))
	}
	return year, nil
}

// Rank evaluates the contracts of a year in the caller's view and ranks
// their providers: a provider's score is the average of its contracts'
// scores weighted by their budgets (rounded to hundredths); equal scores
// share a rank; then by name.
func (s *Store) Rank(ctx context.Context, c access.Caller, year int, lang string) (Ranking, error) {
	year, err := s.CheckYear(year)
	if err != nil {
		return Ranking{}, err
	}
	list, err := s.Contracts(ctx, c, year)
	if err != nil {
		return Ranking{}, err
	}
	by := map[int64]*Ranked{}
	var order []int64
	for _, k := range list {
		k, err := s.Contract(ctx, c, k.ID) // with its milestones
		if err != nil {
			return Ranking{}, err
		}
		ev, err := s.evaluate(ctx, k, lang)
		if err != nil {
			return Ranking{}, err
		}
		r, ok := by[k.ProviderID]
		if !ok {
			r = &Ranked{ProviderID: k.ProviderID, ProviderName: k.ProviderName}
			by[k.ProviderID] = r
			order = append(order, k.ProviderID)
		}
		r.BudgetCents += k.BudgetCents
		r.Contracts = append(r.Contracts, ContractScore{ContractID: k.ID, Title: k.Title, ServiceType: k.ServiceType, BudgetCents: k.BudgetCents, Score: ev.Score})
		r.evals = append(r.evals, ev)
	}
	out := Ranking{Year: year, Items: []Ranked{}}
	for _, id := range order {
		r := by[id]
		var sum int64
		for _, ev := range r.evals {
			sum += ev.score * ev.BudgetCents
		}
		if r.BudgetCents > 0 {
			r.score = (2*sum + r.BudgetCents) / (2 * r.BudgetCents)
		}
		r.Score = float64(r.score) / 100
		out.Items = append(out.Items, *r)
	}
	slices.SortStableFunc(out.Items, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(b.score, a.score), strings.Compare(a.ProviderName, b.ProviderName), cmp.Compare(a.ProviderID, b.ProviderID))
	})
	for i := range out.Items {
		out.Items[i].Rank = i + 1
		if i > 0 && out.Items[i].score == out.Items[i-1].score {
			out.Items[i].Rank = out.Items[i-1].Rank
		}
	}
	return out, nil
}

// EvaluationHeader is the header of the XLSX's sheet of contracts.
var EvaluationHeader = []string{"年度", "服务机构", "合同", "服务类型", "预算（元）", "已分派个案", "已办结", "按时办结", "平均满意度", "投诉",
	"个案数得分", "办结率得分", "及时率得分", "满意度得分", "投诉得分", "预算执行得分", "专家评分得分", "总分"}

// RankingHeader is the header of the XLSX's ranking sheet.
var RankingHeader = []string{"名次", "服务机构", "合同数", "预算合计（元）", "得分（按预算加权）"}

// SheetSink writes rows on sheets: the first row of each sheet is its header.
type SheetSink interface {
	Write(cells []string) error
	NextSheet(name string) error
}

// WriteEvaluation writes a year's evaluation (the caller's view): a row per
// contract with every KPI's points and the score, then a sheet of the
// ranking. Audited as an export.
func (s *Store) WriteEvaluation(ctx context.Context, c access.Caller, year int, sink SheetSink) error {
	rk, err := s.Rank(ctx, c, year, "zh")
	if err != nil {
		return err
	}
	if err := sink.Write(EvaluationHeader); err != nil {
		return err
	}
	for _, r := range rk.Items {
		for _, ev := range r.evals {
			name := ev.ServiceType
			if t, ok := s.cases.TypeOf(ev.ServiceType); ok {
				name = t.Name("zh")
			}
			sat := ""
			if ev.Feedback > 0 {
				sat = hundredths(int64(ev.SatisfactionAvg*100 + 0.5))
			}
			row := []string{strconv.Itoa(ev.Year), ev.ProviderName, ev.Title, name, money.Yuan(ev.BudgetCents), strconv.Itoa(ev.Assigned),
				strconv.Itoa(ev.Closed), strconv.Itoa(ev.ClosedOnTime), sat, strconv.Itoa(ev.Complaints)}
			for _, it := range ev.Items {
				row = append(row, hundredths(it.points))
			}
			if err := sink.Write(append(row, hundredths(ev.score))); err != nil {
				return err
			}
		}
	}
	if err := sink.NextSheet("排名"); err != nil {
		return err
	}
	if err := sink.Write(RankingHeader); err != nil {
		return err
	}
	for _, r := range rk.Items {
		if err := sink.Write([]string{strconv.Itoa(r.Rank), r.ProviderName, strconv.Itoa(len(r.Contracts)), money.Yuan(r.BudgetCents), hundredths(r.score)}); err != nil {
			return err
		}
	}
	en := c.Actor.Entry(audit.ActionExport, "provider_evaluation", strconv.Itoa(rk.Year), c.Scope.Prefix)
	en.Detail = fmt.Sprintf(`{"year":%d,"providers":%d}`, rk.Year, len(rk.Items))
	return s.log.Record(ctx, en)
}
