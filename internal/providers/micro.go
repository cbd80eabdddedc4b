package providers

// The yearly "ten micro-charity projects" selection (十大微公益项目).
//
// Organisations propose projects for a year: a title, a summary (what, for
// whom, where — no personal data: a run of digits that reads as an ID
// number or a phone number is refused), the towns the project serves, the
// budget asked (cents, above 0 and at most MaxMicroBudgetCents) and the
// number of people expected to benefit. A provider's worker proposes for its
// own organisation and sees only its organisation's proposals; district
// staff may enter one on an organisation's behalf. Proposals are taken until
// district staff close the year's call (publishing closes it too).
//
// District staff score each proposal with a fixed rubric, each criterion
// from 0 to its maximum, in whole points:
//
//	need (需求迫切程度)                    30
//	feasibility (可行性)                    25
//	benefit to disabled people (残疾人受益)  25
//	cost (成本合理性)                       10
//	sustainability (可持续性)               10
//
// A scorer's total is the sum (0..100); a project's score is the average of
// its scorers' totals, to the hundredth of a point (half up). Several
// district staff may score; each scores a project once (POST; again is 409)
// and may change their score (PUT). The organisations' own workers never
// score. Proposals rank by score, ties by the earlier proposal (lower id); a
// proposal nobody scored has no rank.
//
// Publishing freezes the year's top ten scored proposals (fewer when fewer
// were scored) as the published selection, which the public page
// /public/micro-projects shows to anyone without signing in: rank, title,
// organisation, towns, summary and budget — no personal data, no scorers.
// A second publication of a year is 409 until the selection is unpublished
// (with a reason); each step is audited.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/registry"
)

// Audit subjects and actions of the micro-charity projects.
const (
	SubjectMicroProject = "micro_project"
	SubjectMicroYear    = "micro_year"
	ActionMicroScore    = "score"
	ActionMicroClose    = "close"
	ActionMicroPublish  = "publish"
	ActionMicroUnpub    = "unpublish"
)

// Bounds of a micro-charity project.
const (
	MaxMicroBudgetCents   = 1_000_000_00 // 1 million yuan
	MaxMicroBeneficiaries = 100_000
	MaxMicroTowns         = 20
	MaxMicroTitle         = 60
	MaxMicroSummary       = 1000
	// MicroSelected is how many projects a year's selection publishes.
	MicroSelected = 10
)

// RubricCriterion is one line of the scoring rubric.
type RubricCriterion struct {
	Key    string `json:"key"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
	Max    int    `json:"max"`
	HintZh string `json:"-"`
	HintEn string `json:"-"`
}

// Label is the criterion's name in lang.
func (c RubricCriterion) Label(lang string) string { return apperr.T(c.Zh, c.En).In(lang) }

// Hint is what the criterion asks, in lang.
func (c RubricCriterion) Hint(lang string) string { return apperr.T(c.HintZh, c.HintEn).In(lang) }

// Rubric is the fixed scoring rubric: the maxima add up to 100.
var Rubric = []RubricCriterion{
	{Key: "need", Zh: "需求迫切程度", En: "Need", Max: 30,
		HintZh: "服务对象的需求是否真实、迫切，是否填补空白", HintEn: "Whether the need is real and pressing, and fills a gap"},
	{Key: "feasibility", Zh: "可行性", En: "Feasibility", Max: 25,
		HintZh: "方案、人员和时间安排能否落实", HintEn: "Whether the plan, staff and timetable can deliver it"},
	{Key: "benefit", Zh: "残疾人受益程度", En: "Benefit to disabled people", Max: 25,
		HintZh: "受益残疾人的人数和受益程度", HintEn: "How many disabled people benefit, and how much"},
	{Key: "cost", Zh: "成本合理性", En: "Cost", Max: 10,
		HintZh: "预算是否合理、节约", HintEn: "Whether the budget is reasonable and economical"},
	{Key: "sustainability", Zh: "可持续性", En: "Sustainability", Max: 10,
		HintZh: "项目结束后能否持续发挥作用", HintEn: "Whether it lasts after the project ends"},
}

// MicroScores are one scorer's points on the rubric.
type MicroScores struct {
	Need           int `json:"need"`
	Feasibility    int `json:"feasibility"`
	Benefit        int `json:"benefit"`
	Cost           int `json:"cost"`
	Sustainability int `json:"sustainability"`
}

// Values are the points in the order of Rubric.
func (m MicroScores) Values() []int {
	return []int{m.Need, m.Feasibility, m.Benefit, m.Cost, m.Sustainability}
}

// Total is the sum of the points.
func (m MicroScores) Total() int {
	t := 0
	for _, v := range m.Values() {
		t += v
	}
	return t
}

// check names every criterion out of its bounds.
func (m MicroScores) check() error {
	var fs []apperr.FieldError
	for i, v := range m.Values() {
		c := Rubric[i]
		if v < 0 || v > c.Max {
			fs = append(fs, apperr.Field(c.Key, "range", fmt.Sprintf("“%s”的分数应在 0 至 %d 分之间。", c.Zh, c.Max),
				fmt.Sprintf("The score for “%s” is from 0 to %d.", c.En, c.Max)))
		}
	}
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return nil
}

// MicroInput is the body of POST /api/v1/micro-projects (budget in cents).
// A provider's worker proposes for its own organisation (provider_id, if
// given, must be it); district staff name the organisation. year defaults to
// this year.
type MicroInput struct {
	ProviderID    int64    `json:"provider_id,omitempty" in:"optional"`
	Year          int      `json:"year,omitempty" in:"optional"`
	Title         string   `json:"title"`
	Summary       string   `json:"summary"`
	Towns         []string `json:"towns"`
	Budget        int64    `json:"budget"`
	Beneficiaries int      `json:"beneficiaries"`
}

// MicroProject is a proposed micro-charity project. Score, scorers and rank
// are for staff (a provider's worker sees none of them); selected is its
// place in the published selection (0: not in it, or not published).
type MicroProject struct {
	ID            int64    `json:"id"`
	Year          int      `json:"year"`
	ProviderID    int64    `json:"provider_id"`
	ProviderName  string   `json:"provider_name"`
	Title         string   `json:"title"`
	Summary       string   `json:"summary"`
	Towns         []string `json:"towns"`
	Budget        int64    `json:"budget"`
	Beneficiaries int      `json:"beneficiaries"`
	CreatedBy     string   `json:"-"`
	CreatedAt     int64    `json:"-"`
	Score         float64  `json:"score,omitempty"`
	Scorers       int      `json:"scorers,omitempty"`
	Rank          int      `json:"rank,omitempty"`
	Selected      int      `json:"selected,omitempty"`
	// Hundredths is the score in hundredths of a point.
	Hundredths int64 `json:"-"`
}

// MicroAverage is the average of a criterion over a project's scorers.
type MicroAverage struct {
	Key     string  `json:"key"`
	Max     int     `json:"max"`
	Average float64 `json:"average"`
}

// MicroDetail is a project with its averages per criterion and the caller's
// own scores (staff).
type MicroDetail struct {
	MicroProject
	Averages []MicroAverage `json:"averages,omitempty"`
	Mine     *MicroScores   `json:"my_scores,omitempty"`
}

// MicroYear is the state of a year's call.
type MicroYear struct {
	Year        int    `json:"year"`
	Open        bool   `json:"open"`
	Published   bool   `json:"published"`
	ClosedBy    string `json:"-"`
	ClosedAt    int64  `json:"-"`
	PublishedAt int64  `json:"-"`
}

// MicroList is the answer of GET /api/v1/micro-projects: the year's call
// and the proposals of the caller's view, by rank (staff) or newest first.
type MicroList struct {
	MicroYear
	Items []MicroProject `json:"items"`
}

// MicroTown is a town a published project serves.
type MicroTown struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PublicProject is a project of a published selection, as anyone sees it.
type PublicProject struct {
	Rank         int         `json:"rank"`
	Title        string      `json:"title"`
	Organisation string      `json:"organisation"`
	Towns        []MicroTown `json:"towns"`
	Summary      string      `json:"summary"`
	Budget       int64       `json:"budget"`
}

// PublicSelection is the answer of GET /api/v1/public/micro-projects: the
// year's published selection (empty and published false while there is none)
// and the years published.
type PublicSelection struct {
	Year        int             `json:"year"`
	Published   bool            `json:"published"`
	PublishedAt string          `json:"published_at,omitempty"` // the date, YYYY-MM-DD
	Years       []int           `json:"years"`
	Items       []PublicProject `json:"items"`
}

// MicroYearInput is the body of POST /api/v1/micro-projects/close, /publish and
// /unpublish (a reason is asked for unpublishing).
type MicroYearInput struct {
	Year   int    `json:"year"`
	Reason string `json:"reason,omitempty" in:"optional"`
}

// MicroYearNow is this year in Shanghai.
func (s *Store) MicroYearNow() int { return s.db.Now().In(microZone).Year() }

var microZone = time.FixedZone("CST", 8*3600)

func microNotFound() error {
	return apperr.New(apperr.NotFound, "找不到这个微公益项目。", "There is no such micro-charity project.")
}

// microStaff says whether the caller sees every proposal and its scores.
func microStaff(c access.Caller) bool {
	return (c.Role() == identity.DistrictStaff || c.Role() == identity.TownStaff) && c.PersonID == 0
}

// microScorer says whether the caller scores, closes and publishes.
func microScorer(c access.Caller) bool {
	return c.Role() == identity.DistrictStaff && c.PersonID == 0 && c.ProviderID == 0
}

// microPersonalData says whether s holds a run of digits that reads as an ID
// number (valid, or failing only its check character) or a mobile or
// landline number: a proposal's texts are published and hold none.
func microPersonalData(field, s string, today time.Time, zh, en string) *apperr.FieldError {
	n := safetext.Narrow(s)
	var runs []string
	// Maximal runs of digits (with a trailing X), and the same runs joined
	// across single spaces or hyphens (138 1234 5678, 021-59531234).
	cur, joined := strings.Builder{}, strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			runs = append(runs, cur.String())
			cur.Reset()
		}
	}
	flushJoined := func() {
		if joined.Len() > 0 {
			runs = append(runs, joined.String())
			joined.Reset()
		}
	}
	for i := 0; i < len(n); i++ {
		ch := n[i]
		switch {
		case ch >= '0' && ch <= '9', (ch == 'X' || ch == 'x') && cur.Len() == 17:
			cur.WriteByte(ch)
			joined.WriteByte(ch)
		case (ch == ' ' || ch == '-') && cur.Len() > 0 && i+1 < len(n) && n[i+1] >= '0' && n[i+1] <= '9':
			flush()
			if ch == '-' {
				joined.WriteByte('-')
			}
		default:
			flush()
			flushJoined()
		}
	}
	flush()
	flushJoined()
	for _, r := range runs {
		digits := strings.ReplaceAll(r, "-", "")
		switch {
		case len(digits) == 18 || len(digits) == 15:
			_, e := registry.ParseIDNumberLegacy(field, digits, today)
			if e == nil || e.Code == "checksum" {
				f := apperr.Field(field, "personal_data", zh+"中似乎有身份证号。公示的内容不能含有个人信息，请删除。",
					"The "+en+" seems to hold an ID number. What is published holds no personal data: remove it.")
				return &f
			}
		}
		if p, e := registry.ParsePhone(field, r); e == nil && p != "" || len(digits) == 11 && microMobile(digits) {
			f := apperr.Field(field, "personal_data", zh+"中似乎有电话号码。公示的内容不能含有个人信息，请删除。",
				"The "+en+" seems to hold a phone number. What is published holds no personal data: remove it.")
			return &f
		}
	}
	return nil
}

func microMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// microYear reads the state of a year's call (open and unpublished when no
// row).
func microYear(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, year int) (MicroYear, error) {
	y := MicroYear{Year: year}
	err := q.QueryRow(ctx, `SELECT closed_by, closed_at, published_at FROM micro_years WHERE year = ?`, year).Scan(&y.ClosedBy, &y.ClosedAt, &y.PublishedAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return y, fmt.Errorf("micro year %d: %w", year, err)
	}
	y.Open, y.Published = y.ClosedAt == 0, y.PublishedAt != 0
	return y, nil
}

// MicroYearOf reads the state of a year's call.
func (s *Store) MicroYearOf(ctx context.Context, year int) (MicroYear, error) {
	return microYear(ctx, s.db, year)
}

// ProposeMicro adds a proposal for the caller's organisation (a provider's
// worker) or, for district staff, the organisation named. A closed call is
// 409.
func (s *Store) ProposeMicro(ctx context.Context, c access.Caller, in MicroInput) (MicroProject, error) {
	in, fs, err := s.checkMicro(ctx, c, in)
	if err != nil {
		return MicroProject{}, err
	}
	if len(fs) > 0 {
		return MicroProject{}, apperr.Validation(fs...)
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		y, err := microYear(ctx, tx, in.Year)
		if err != nil {
			return err
		}
		if !y.Open {
			return apperr.New(apperr.Conflict, fmt.Sprintf("%d 年的微公益项目申报已经截止。", in.Year), fmt.Sprintf("The call for %d's micro-charity projects is closed.", in.Year))
		}
		if err := tx.QueryRow(ctx, `INSERT INTO micro_projects (year, provider_id, title, summary, towns, budget_cents, beneficiaries, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Year, in.ProviderID, in.Title, in.Summary, strings.Join(in.Towns, ","), in.Budget,
			in.Beneficiaries, c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("propose micro project: %w", err)
		}
		en := c.Actor.Entry(audit.ActionCreate, SubjectMicroProject, strconv.FormatInt(id, 10), "")
		en.Detail = fmt.Sprintf(`{"provider":%d,"year":%d}`, in.ProviderID, in.Year)
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return MicroProject{}, err
	}
	d, err := s.MicroProject(ctx, c, id)
	return d.MicroProject, err
}

// checkMicro checks a proposal: the fields in error (the input trimmed and
// its towns sorted), or an error that is not the input's.
func (s *Store) checkMicro(ctx context.Context, c access.Caller, in MicroInput) (MicroInput, []apperr.FieldError, error) {
	var fs []apperr.FieldError
	add := func(e *apperr.FieldError) {
		if e != nil {
			fs = append(fs, *e)
		}
	}
	switch {
	case c.IsProvider():
		if c.ProviderID == 0 {
			return in, nil, apperr.ErrForbidden()
		}
		if in.ProviderID != 0 && in.ProviderID != c.ProviderID {
			fs = append(fs, apperr.Field("provider_id", "not_found", "您只能为本机构申报项目。", "You propose for your own organisation only."))
		}
		in.ProviderID = c.ProviderID
	case microScorer(c):
		if in.ProviderID == 0 {
			fs = append(fs, apperr.Field("provider_id", "required", "请选择申报的服务机构。", "Choose the organisation that proposes."))
		} else if _, err := s.provider(ctx, in.ProviderID); apperr.CodeOf(err) == apperr.NotFound {
			fs = append(fs, apperr.Field("provider_id", "not_found", "找不到这个服务机构。", "There is no such provider."))
		} else if err != nil {
			return in, nil, err
		}
	default:
		return in, nil, apperr.ErrForbidden()
	}
	now := s.db.Now()
	this := now.In(microZone).Year()
	if in.Year == 0 {
		in.Year = this
	}
	if in.Year < this || in.Year > this+1 {
		fs = append(fs, apperr.Field("year", "range", fmt.Sprintf("申报年度应为 %d 或 %d 年。", this, this+1),
			fmt.Sprintf("The year is %d or %d.", this, this+1)))
	}
	var e *apperr.FieldError
	in.Title, e = text("title", in.Title, MaxMicroTitle, true, "项目名称", "project's title")
	add(e)
	if e == nil {
		add(microPersonalData("title", in.Title, now, "项目名称", "title"))
	}
	in.Summary, e = text("summary", in.Summary, MaxMicroSummary, true, "项目简介", "summary")
	add(e)
	if e == nil {
		add(microPersonalData("summary", in.Summary, now, "项目简介", "summary"))
	}
	if in.Budget <= 0 || in.Budget > MaxMicroBudgetCents {
		fs = append(fs, apperr.Field("budget", "range", "申请金额应大于 0 且不超过 100 万元。", "The budget asked is above 0 and at most 1 million yuan."))
	}
	if in.Beneficiaries < 1 || in.Beneficiaries > MaxMicroBeneficiaries {
		fs = append(fs, apperr.Field("beneficiaries", "range", fmt.Sprintf("预计受益人数应在 1 至 %d 之间。", MaxMicroBeneficiaries),
			fmt.Sprintf("The people expected to benefit are from 1 to %d.", MaxMicroBeneficiaries)))
	}
	towns := slices.Compact(slices.Sorted(slices.Values(in.Towns)))
	switch {
	case len(towns) == 0:
		fs = append(fs, apperr.Field("towns", "required", "请选择项目服务的镇（街道）。", "Choose the towns the project serves."))
	case len(towns) > MaxMicroTowns:
		fs = append(fs, apperr.Field("towns", "range", fmt.Sprintf("最多选择 %d 个镇（街道）。", MaxMicroTowns), fmt.Sprintf("At most %d towns.", MaxMicroTowns)))
	default:
		names, err := s.units.Labels(ctx, towns, "zh")
		if err != nil {
			return in, nil, err
		}
		for _, t := range towns {
			if names[t] == "" || len(t) != 9 {
				fs = append(fs, apperr.Field("towns", "unknown", "没有这个镇（街道）："+t, "There is no town "+t+"."))
				break
			}
		}
	}
	in.Towns = towns
	return in, fs, nil
}

// microRows reads the proposals of a year (those of one organisation when
// provider is not 0) with their scorers and score, and their place in the
// published selection, in one query; staff get them ranked.
func (s *Store) microRows(ctx context.Context, year int, provider int64) ([]MicroProject, error) {
	where, args := "m.year = ?", []any{year}
	if provider != 0 {
		where, args = where+" AND m.provider_id = ?", append(args, provider)
	}
	rows, err := s.db.Query(ctx, `SELECT m.id, m.year, m.provider_id, p.name, m.title, m.summary, m.towns, m.budget_cents, m.beneficiaries,
		m.created_by, m.created_at, COUNT(sc.scorer), COALESCE(SUM(sc.total), 0), COALESCE(sel.rank, 0)
		FROM micro_projects m JOIN providers p ON p.id = m.provider_id
		LEFT JOIN micro_scores sc ON sc.project_id = m.id
		LEFT JOIN micro_selection sel ON sel.project_id = m.id
		WHERE `+where+`
		GROUP BY m.id, m.year, m.provider_id, p.name, m.title, m.summary, m.towns, m.budget_cents, m.beneficiaries, m.created_by, m.created_at, sel.rank
		ORDER BY m.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("micro projects: %w", err)
	}
	defer rows.Close()
	out := []MicroProject{}
	for rows.Next() {
		var m MicroProject
		var towns string
		var sum int64
		if err := rows.Scan(&m.ID, &m.Year, &m.ProviderID, &m.ProviderName, &m.Title, &m.Summary, &towns, &m.Budget, &m.Beneficiaries,
			&m.CreatedBy, &m.CreatedAt, &m.Scorers, &sum, &m.Selected); err != nil {
			return nil, fmt.Errorf("micro projects: %w", err)
		}
		m.Towns = splitList(towns)
		if m.Scorers > 0 {
			m.Hundredths = microAverage(sum, int64(m.Scorers))
			m.Score = float64(m.Hundredths) / 100
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("micro projects: %w", err)
	}
	microRank(out)
	return out, nil
}

// microAverage is sum/n in hundredths, rounded half up.
func microAverage(sum, n int64) int64 {
	return (sum*200 + n) / (2 * n)
}

// microRank orders the projects by score (the scored first), ties by the
// earlier proposal, and numbers the scored ones.
func microRank(ps []MicroProject) {
	slices.SortStableFunc(ps, func(a, b MicroProject) int {
		switch {
		case (a.Scorers > 0) != (b.Scorers > 0):
			if a.Scorers > 0 {
				return -1
			}
			return 1
		case a.Hundredths != b.Hundredths:
			if a.Hundredths > b.Hundredths {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for i := range ps {
		if ps[i].Scorers > 0 {
			ps[i].Rank = i + 1
		}
	}
}

// microHideScores clears what a provider's worker does not see.
func microHideScores(m *MicroProject) {
	m.Score, m.Scorers, m.Rank, m.Hundredths = 0, 0, 0, 0
}

// MicroProjects lists the proposals of a year (0: this year) in the caller's
// view: staff every one, ranked by score; a provider's worker its
// organisation's, newest first, without scores.
func (s *Store) MicroProjects(ctx context.Context, c access.Caller, year int) (MicroList, error) {
	if year == 0 {
		year = s.MicroYearNow()
	}
	y, err := microYear(ctx, s.db, year)
	if err != nil {
		return MicroList{}, err
	}
	var list []MicroProject
	switch {
	case microStaff(c):
		list, err = s.microRows(ctx, year, 0)
	case c.IsProvider() && c.ProviderID != 0:
		list, err = s.microRows(ctx, year, c.ProviderID)
		slices.SortFunc(list, func(a, b MicroProject) int { return cmp.Compare(b.ID, a.ID) })
		for i := range list {
			microHideScores(&list[i])
		}
	default:
		return MicroList{}, apperr.ErrForbidden()
	}
	if err != nil {
		return MicroList{}, err
	}
	return MicroList{MicroYear: y, Items: list}, nil
}

// MicroProject reads a proposal in the caller's view (another
// organisation's is 404 to a provider's worker): for staff with its rank,
// its averages per criterion and the caller's own scores.
func (s *Store) MicroProject(ctx context.Context, c access.Caller, id int64) (MicroDetail, error) {
	var year int
	var provider int64
	err := s.db.QueryRow(ctx, `SELECT year, provider_id FROM micro_projects WHERE id = ?`, id).Scan(&year, &provider)
	if errors.Is(err, sql.ErrNoRows) {
		return MicroDetail{}, microNotFound()
	}
	if err != nil {
		return MicroDetail{}, fmt.Errorf("micro project %d: %w", id, err)
	}
	staff := microStaff(c)
	if !staff && (!c.IsProvider() || c.ProviderID == 0 || c.ProviderID != provider) {
		return MicroDetail{}, microNotFound()
	}
	only := int64(0)
	if !staff {
		only = provider
	}
	list, err := s.microRows(ctx, year, only)
	if err != nil {
		return MicroDetail{}, err
	}
	i := slices.IndexFunc(list, func(m MicroProject) bool { return m.ID == id })
	if i < 0 {
		return MicroDetail{}, microNotFound()
	}
	d := MicroDetail{MicroProject: list[i]}
	if !staff {
		microHideScores(&d.MicroProject)
		return d, nil
	}
	var n int64
	sums := make([]int64, len(Rubric))
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(need), 0), COALESCE(SUM(feasibility), 0), COALESCE(SUM(benefit), 0),
		COALESCE(SUM(cost), 0), COALESCE(SUM(sustainability), 0) FROM micro_scores WHERE project_id = ?`, id).
		Scan(&n, &sums[0], &sums[1], &sums[2], &sums[3], &sums[4]); err != nil {
		return MicroDetail{}, fmt.Errorf("micro project %d averages: %w", id, err)
	}
	if n > 0 {
		for i, cr := range Rubric {
			d.Averages = append(d.Averages, MicroAverage{Key: cr.Key, Max: cr.Max, Average: float64(microAverage(sums[i], n)) / 100})
		}
	}
	var m MicroScores
	err = s.db.QueryRow(ctx, `SELECT need, feasibility, benefit, cost, sustainability FROM micro_scores WHERE project_id = ? AND scorer = ?`,
		id, c.Actor.Username).Scan(&m.Need, &m.Feasibility, &m.Benefit, &m.Cost, &m.Sustainability)
	switch {
	case err == nil:
		d.Mine = &m
	case !errors.Is(err, sql.ErrNoRows):
		return MicroDetail{}, fmt.Errorf("micro project %d scores: %w", id, err)
	}
	return d, nil
}

// ScoreMicro records the caller's rubric scores of a proposal (district
// staff). With change false a second score by the same scorer is 409; with
// change true (PUT) it replaces theirs, or records it when there was none.
// created says whether a score was added.
func (s *Store) ScoreMicro(ctx context.Context, c access.Caller, id int64, in MicroScores, change bool) (d MicroDetail, created bool, err error) {
	if !microScorer(c) {
		if c.IsProvider() {
			return MicroDetail{}, false, microNotFound()
		}
		return MicroDetail{}, false, apperr.ErrForbidden()
	}
	if _, err := s.MicroProject(ctx, c, id); err != nil {
		return MicroDetail{}, false, err
	}
	if err := in.check(); err != nil {
		return MicroDetail{}, false, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM micro_scores WHERE project_id = ? AND scorer = ?`, id, c.Actor.Username).Scan(&one)
		switch {
		case err == nil && !change:
			return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("您已经为这个项目评过分，可以修改您的评分。", "You have scored this project already: change your score instead."),
				Fields: []apperr.FieldError{apperr.Field("need", "scored", "您已经为这个项目评过分。", "You have scored this project already.")}}
		case errors.Is(err, sql.ErrNoRows):
			created = true
		case err != nil:
			return fmt.Errorf("micro score: %w", err)
		}
		args := []any{in.Need, in.Feasibility, in.Benefit, in.Cost, in.Sustainability, in.Total(), db.Millis(tx.Now), id, c.Actor.Username}
		if created {
			_, err = tx.Exec(ctx, `INSERT INTO micro_scores (need, feasibility, benefit, cost, sustainability, total, scored_at, project_id, scorer)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "您已经为这个项目评过分。", "You have scored this project already.")
			}
		} else {
			_, err = tx.Exec(ctx, `UPDATE micro_scores SET need = ?, feasibility = ?, benefit = ?, cost = ?, sustainability = ?, total = ?, scored_at = ?
				WHERE project_id = ? AND scorer = ?`, args...)
		}
		if err != nil {
			return fmt.Errorf("micro score: %w", err)
		}
		action := audit.ActionUpdate
		if created {
			action = ActionMicroScore
		}
		en := c.Actor.Entry(action, SubjectMicroProject, strconv.FormatInt(id, 10), "")
		en.Detail = fmt.Sprintf(`{"need":%d,"feasibility":%d,"benefit":%d,"cost":%d,"sustainability":%d,"total":%d}`,
			in.Need, in.Feasibility, in.Benefit, in.Cost, in.Sustainability, in.Total())
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return MicroDetail{}, false, err
	}
	d, err = s.MicroProject(ctx, c, id)
	return d, created, err
}

// microCheckYear bounds a year of the call: from 2000 to next year.
func (s *Store) microCheckYear(year int) error {
	if next := s.MicroYearNow() + 1; year < 2000 || year > next {
		return apperr.Validation(apperr.Field("year", "range", fmt.Sprintf("年度应在 2000 至 %d 之间。", next), fmt.Sprintf("The year is from 2000 to %d.", next)))
	}
	return nil
}

// microEnsureYear makes the row of a year's call.
func microEnsureYear(ctx context.Context, tx *db.Tx, year int) error {
	if _, err := tx.Exec(ctx, `INSERT INTO micro_years (year) VALUES (?) ON CONFLICT (year) DO NOTHING`, year); err != nil {
		return fmt.Errorf("micro year %d: %w", year, err)
	}
	return nil
}

// CloseMicro closes a year's call: no more proposals (district staff).
// Closing a closed call is 409.
func (s *Store) CloseMicro(ctx context.Context, c access.Caller, year int) (MicroYear, error) {
	if !microScorer(c) {
		return MicroYear{}, apperr.ErrForbidden()
	}
	if err := s.microCheckYear(year); err != nil {
		return MicroYear{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := microEnsureYear(ctx, tx, year); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE micro_years SET closed_by = ?, closed_at = ? WHERE year = ? AND closed_at = 0`, c.Actor.Username, db.Millis(tx.Now), year)
		if err != nil {
			return fmt.Errorf("close micro year %d: %w", year, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("%d 年的申报已经截止。", year), fmt.Sprintf("The call for %d is closed already.", year))
		}
		return audit.Append(ctx, tx, c.Actor.Entry(ActionMicroClose, SubjectMicroYear, strconv.Itoa(year), ""))
	})
	if err != nil {
		return MicroYear{}, err
	}
	return microYear(ctx, s.db, year)
}

// PublishMicro freezes the year's top ten scored proposals, by score and
// then the earlier proposal, as its published selection, and closes the
// call (district staff). A published year is 409 until unpublished; a year
// without a scored proposal is 422.
func (s *Store) PublishMicro(ctx context.Context, c access.Caller, year int, lang string) (PublicSelection, error) {
	if !microScorer(c) {
		return PublicSelection{}, apperr.ErrForbidden()
	}
	if err := s.microCheckYear(year); err != nil {
		return PublicSelection{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := microEnsureYear(ctx, tx, year); err != nil {
			return err
		}
		now := db.Millis(tx.Now)
		res, err := tx.Exec(ctx, `UPDATE micro_years SET published_by = ?, published_at = ?,
			closed_by = CASE WHEN closed_at = 0 THEN ? ELSE closed_by END, closed_at = CASE WHEN closed_at = 0 THEN ? ELSE closed_at END
			WHERE year = ? AND published_at = 0`, c.Actor.Username, now, c.Actor.Username, now, year)
		if err != nil {
			return fmt.Errorf("publish micro year %d: %w", year, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("%d 年的入选项目已经公布；如需重新公布，请先撤回。", year),
				fmt.Sprintf("The selection of %d is published already: unpublish it first to publish again.", year))
		}
		// The ranking is read inside the transaction: scores written
		// meanwhile wait for it (one writer).
		list, err := s.microRowsTx(ctx, tx, year)
		if err != nil {
			return err
		}
		var ids []string
		for _, m := range list {
			if m.Rank == 0 || m.Rank > MicroSelected {
				break
			}
			if _, err := tx.Exec(ctx, `INSERT INTO micro_selection (year, rank, project_id, title, provider_name, towns, summary, budget_cents, score)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, year, m.Rank, m.ID, m.Title, m.ProviderName, strings.Join(m.Towns, ","), m.Summary, m.Budget, m.Hundredths); err != nil {
				return fmt.Errorf("publish micro year %d: %w", year, err)
			}
			ids = append(ids, strconv.FormatInt(m.ID, 10))
		}
		if len(ids) == 0 {
			return apperr.Validation(apperr.Field("year", "none_scored", fmt.Sprintf("%d 年还没有评过分的项目，无法公布。", year),
				fmt.Sprintf("No project of %d is scored yet: there is nothing to publish.", year)))
		}
		en := c.Actor.Entry(ActionMicroPublish, SubjectMicroYear, strconv.Itoa(year), "")
		en.Detail = `{"projects":[` + strings.Join(ids, ",") + `]}`
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return PublicSelection{}, err
	}
	return s.PublicMicro(ctx, year, lang)
}

// microRowsTx is microRows of a whole year inside a transaction.
func (s *Store) microRowsTx(ctx context.Context, tx *db.Tx, year int) ([]MicroProject, error) {
	rows, err := tx.Query(ctx, `SELECT m.id, p.name, m.title, m.summary, m.towns, m.budget_cents, COUNT(sc.scorer), COALESCE(SUM(sc.total), 0)
		FROM micro_projects m JOIN providers p ON p.id = m.provider_id
		LEFT JOIN micro_scores sc ON sc.project_id = m.id
		WHERE m.year = ?
		GROUP BY m.id, p.name, m.title, m.summary, m.towns, m.budget_cents
		ORDER BY m.id`, year)
	if err != nil {
		return nil, fmt.Errorf("micro ranking %d: %w", year, err)
	}
	defer rows.Close()
	var out []MicroProject
	for rows.Next() {
		var m MicroProject
		var towns string
		var sum int64
		if err := rows.Scan(&m.ID, &m.ProviderName, &m.Title, &m.Summary, &towns, &m.Budget, &m.Scorers, &sum); err != nil {
			return nil, fmt.Errorf("micro ranking %d: %w", year, err)
		}
		m.Towns = splitList(towns)
		if m.Scorers > 0 {
			m.Hundredths = microAverage(sum, int64(m.Scorers))
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("micro ranking %d: %w", year, err)
	}
	microRank(out)
	return out, nil
}

// UnpublishMicro withdraws a year's published selection, with a reason
// (district staff): the year may then be published again. The call stays
// closed. A year not published is 409.
func (s *Store) UnpublishMicro(ctx context.Context, c access.Caller, year int, reason string) (MicroYear, error) {
	if !microScorer(c) {
		return MicroYear{}, apperr.ErrForbidden()
	}
	if err := s.microCheckYear(year); err != nil {
		return MicroYear{}, err
	}
	reason, e := text("reason", reason, 200, true, "撤回原因", "reason")
	if e != nil {
		return MicroYear{}, apperr.Validation(*e)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE micro_years SET published_by = '', published_at = 0 WHERE year = ? AND published_at <> 0`, year)
		if err != nil {
			return fmt.Errorf("unpublish micro year %d: %w", year, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("%d 年的入选项目还没有公布。", year), fmt.Sprintf("The selection of %d is not published.", year))
		}
		if _, err := tx.Exec(ctx, `DELETE FROM micro_selection WHERE year = ?`, year); err != nil {
			return fmt.Errorf("unpublish micro year %d: %w", year, err)
		}
		en := c.Actor.Entry(ActionMicroUnpub, SubjectMicroYear, strconv.Itoa(year), "")
		en.Reason = reason
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return MicroYear{}, err
	}
	return microYear(ctx, s.db, year)
}

// PublicMicro reads a year's published selection for anyone (year 0: the
// latest published year, else this year), town names in lang: two queries
// and one for the names, whatever the number of projects.
func (s *Store) PublicMicro(ctx context.Context, year int, lang string) (PublicSelection, error) {
	out := PublicSelection{Years: []int{}, Items: []PublicProject{}}
	rows, err := s.db.Query(ctx, `SELECT year, published_at FROM micro_years WHERE published_at <> 0 ORDER BY year DESC`)
	if err != nil {
		return out, fmt.Errorf("published micro years: %w", err)
	}
	at := map[int]int64{}
	for rows.Next() {
		var y int
		var t int64
		if err := rows.Scan(&y, &t); err != nil {
			_ = rows.Close() // the scan's error is the one to report
			return out, fmt.Errorf("published micro years: %w", err)
		}
		out.Years, at[y] = append(out.Years, y), t
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return out, fmt.Errorf("published micro years: %w", err)
	}
	switch {
	case year != 0:
		out.Year = year
	case len(out.Years) > 0:
		out.Year = out.Years[0]
	default:
		out.Year = s.MicroYearNow()
	}
	t, ok := at[out.Year]
	if !ok {
		return out, nil
	}
	out.Published, out.PublishedAt = true, db.FromMillis(t).In(microZone).Format(time.DateOnly)
	rows, err = s.db.Query(ctx, `SELECT rank, title, provider_name, towns, summary, budget_cents FROM micro_selection WHERE year = ? ORDER BY rank`, out.Year)
	if err != nil {
		return out, fmt.Errorf("micro selection %d: %w", out.Year, err)
	}
	defer rows.Close()
	var codes []string
	var townsOf [][]string
	for rows.Next() {
		var p PublicProject
		var towns string
		if err := rows.Scan(&p.Rank, &p.Title, &p.Organisation, &towns, &p.Summary, &p.Budget); err != nil {
			return out, fmt.Errorf("micro selection %d: %w", out.Year, err)
		}
		ts := splitList(towns)
		codes, townsOf = append(codes, ts...), append(townsOf, ts)
		out.Items = append(out.Items, p)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("micro selection %d: %w", out.Year, err)
	}
	names, err := s.units.Labels(ctx, codes, lang)
	if err != nil {
		return out, err
	}
	for i, ts := range townsOf {
		out.Items[i].Towns = []MicroTown{}
		for _, code := range ts {
			n := names[code]
			if n == "" {
				n = code
			}
			out.Items[i].Towns = append(out.Items[i].Towns, MicroTown{Code: code, Name: n})
		}
	}
	return out, nil
}
