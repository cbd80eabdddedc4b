// Package rehab is the rehabilitation service (DOMAIN.md §8): the district
// rehabilitation centre and one sub-centre per town, each with a weekly
// capacity and the services it gives; the `rehabilitation` casework type:
// referral → assessment → a plan of sessions booked into a centre's weekly
// capacity (safe under concurrency) → sessions with attendance → outcome
// evaluation → close. Attended sessions count toward rehab_rate, live.
package rehab

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// Services are the rehabilitation services a centre may give.
var Services = []string{"physical", "occupational", "speech", "psychological", "children"}

// serviceNames are the services' names, zh and en.
var serviceNames = map[string][2]string{
	"physical":      {"物理治疗", "Physical therapy"},
	"occupational":  {"作业治疗", "Occupational therapy"},
	"speech":        {"言语治疗", "Speech therapy"},
	"psychological": {"心理康复", "Psychological rehabilitation"},
	"children":      {"儿童康复训练", "Children's rehabilitation training"},
}

// ServiceName is a service's name in lang.
func ServiceName(code, lang string) string {
	if n, ok := serviceNames[code]; ok {
		return apperr.T(n[0], n[1]).In(lang)
	}
	return code
}

// Outcomes are the results an evaluation records.
var Outcomes = []string{"improved", "stable", "declined"}

// labels names the data keys and choice values of rehabilitation cases, for
// the case page (zh, en).
func labels() map[string][2]string {
	m := map[string][2]string{
		"reason": {"转介原因", "Reason for referral"}, "service": {"康复服务", "Service"}, "sessions": {"计划次数", "Sessions planned"},
		"goals": {"康复目标", "Goals"}, "centre": {"康复中心", "Centre"}, "centre_name": {"康复中心", "Centre"}, "start": {"开始日期", "Start"},
		"per_week": {"每周次数", "Sessions per week"}, "weeks": {"计划周数", "Weeks planned"}, "end": {"计划结束", "Plan ends"},
		"sessions_recorded": {"已记录次数", "Sessions recorded"}, "sessions_attended": {"已参加次数", "Sessions attended"},
		"outcome": {"评估结果", "Outcome"}, "note": {"备注", "Note"}, "released_from": {"释放预约自", "Bookings released from"},
		"improved": {"改善", "improved"}, "stable": {"稳定", "stable"}, "declined": {"退步", "declined"},
	}
	for k, v := range serviceNames {
		m[k] = v
	}
	return m
}

// MaxSessions is the most sessions one plan may hold.
const MaxSessions = 200

// Store keeps the centres, their bookings and the sessions.
type Store struct {
	db  *db.DB
	log *audit.Log
}

// NewStore returns a store.
func NewStore(d *db.DB, log *audit.Log) *Store { return &Store{db: d, log: log} }

// shanghai is the time zone of dates (today, a session's day).
var shanghai = time.FixedZone("CST", 8*3600)

// district is the level-2 unit (6 digits) of a unit code.
func district(unit string) string {
	if len(unit) < 6 {
		return unit
	}
	return unit[:6]
}

// monday is the Monday of t's ISO week.
func monday(t time.Time) time.Time {
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// today is the date in Shanghai at the transaction's time.
func today(now time.Time) time.Time {
	n := now.In(shanghai)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// Type is the rehabilitation service type.
func (s *Store) Type() *casework.Type {
	staff := []string{identity.TownStaff, identity.DistrictStaff}
	workers := []string{identity.Provider, identity.TownStaff, identity.DistrictStaff}
	return &casework.Type{
		Code: "rehabilitation", Zh: "康复服务", En: "Rehabilitation",
		Initial:      "referred",
		CreateRoles:  []string{identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff, identity.Person},
		CreateFields: []casework.Field{{Name: "reason", Kind: casework.KindText, Zh: "转介原因", En: "Reason for referral"}},
		States: []casework.State{
			{Code: "referred", Zh: "已转介", En: "referred", Due: 7 * 24 * time.Hour},
			{Code: "assessed", Zh: "已评估", En: "assessed", Due: 14 * 24 * time.Hour},
			{Code: "scheduled", Zh: "已排期", En: "scheduled"}, // due: the plan's end, set by the effect
			{Code: "evaluated", Zh: "已评价", En: "evaluated", Due: 14 * 24 * time.Hour},
			{Code: "closed", Zh: "已结案", En: "closed", Terminal: true},
			{Code: "rejected", Zh: "未通过", En: "rejected", Terminal: true},
			{Code: "cancelled", Zh: "已撤销", En: "cancelled", Terminal: true},
		},
		Transitions: []casework.Transition{
			{Action: "assess", From: []string{"referred"}, To: "assessed", Roles: workers, Zh: "康复评估", En: "assess",
				Fields: []casework.Field{
					{Name: "service", Kind: casework.KindEnum, Required: true, Choices: Services, Zh: "康复服务", En: "Service"},
					{Name: "sessions", Kind: casework.KindInt, Required: true, Zh: "计划次数（1–200）", En: "Sessions planned (1–200)"},
					{Name: "goals", Kind: casework.KindText, Zh: "康复目标", En: "Goals"}}},
			{Action: "schedule", From: []string{"assessed"}, To: "scheduled", Roles: []string{identity.TownStaff, identity.DistrictStaff, identity.Provider},
				Zh: "安排训练", En: "schedule",
				Fields: []casework.Field{
					{Name: "centre", Kind: casework.KindInt, Required: true, Zh: "康复中心编号", En: "Centre number"},
					{Name: "start", Kind: casework.KindDate, Required: true, Zh: "开始日期", En: "Start date"},
					{Name: "per_week", Kind: casework.KindInt, Required: true, Zh: "每周次数（1–7）", En: "Sessions per week (1–7)"}}},
			{Action: "session", From: []string{"scheduled"}, To: "", Roles: workers, Zh: "记录训练", En: "record a session",
				Fields: []casework.Field{
					{Name: "date", Kind: casework.KindDate, Required: true, Zh: "训练日期", En: "Session date"},
					{Name: "attended", Kind: casework.KindBool, Required: true, Zh: "本人参加了训练", En: "The person attended"},
					{Name: "note", Kind: casework.KindText, Zh: "训练备注", En: "Session note"}}},
			{Action: "evaluate", From: []string{"scheduled"}, To: "evaluated", Roles: workers, Zh: "效果评价", En: "evaluate",
				Fields: []casework.Field{
					{Name: "outcome", Kind: casework.KindEnum, Required: true, Choices: Outcomes, Zh: "评估结果", En: "Outcome"},
					{Name: "note", Kind: casework.KindText, Zh: "评价说明", En: "Evaluation note"}}},
			{Action: "close", From: []string{"evaluated"}, To: "closed", Roles: staff, Zh: "结案", En: "close"},
			{Action: "reject", From: []string{"referred", "assessed"}, To: "rejected", Roles: staff, Zh: "不予服务", En: "reject",
				Fields: []casework.Field{{Name: "reason", Kind: casework.KindText, Required: true, Zh: "原因", En: "Reason"}}},
			{Action: "cancel", From: []string{"referred", "assessed", "scheduled"}, To: "cancelled",
				Roles: []string{identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff, identity.Person}, Zh: "撤销", En: "cancel"},
		},
		Effect:  s.effect,
		Options: s.options,
		Labels:  labels(),
		Panels:  s.panels,
	}
}

func intOf(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), float64(int64(n)) == n
	}
	return 0, false
}

func (s *Store) effect(ctx context.Context, tx *db.Tx, c *casework.Case, action string, data map[string]any) error {
	switch action {
	case "assess":
		n, _ := intOf(data["sessions"])
		if n < 1 || n > MaxSessions {
			return apperr.Validation(apperr.Field("sessions", "range", fmt.Sprintf("计划次数应在 1–%d 之间。", MaxSessions),
				fmt.Sprintf("The sessions planned must be between 1 and %d.", MaxSessions)))
		}
		c.Data["service"], c.Data["sessions"] = data["service"], n
		if g, _ := data["goals"].(string); strings.TrimSpace(g) != "" {
			c.Data["goals"] = strings.TrimSpace(g)
		}
	case "schedule":
		return s.schedule(ctx, tx, c, data)
	case "session":
		return s.session(ctx, tx, c, data)
	case "evaluate":
		c.Data["outcome"] = data["outcome"]
		if n, _ := data["note"].(string); strings.TrimSpace(n) != "" {
			c.Data["note"] = strings.TrimSpace(n)
		}
	case "reject":
		c.Data["reason"] = data["reason"]
	case "cancel", "close":
		return release(ctx, tx, c)
	}
	return nil
}

// release frees a case's bookings from today on: the weeks to come, and the
// current week unless a session of the case was recorded in it.
func release(ctx context.Context, tx *db.Tx, c *casework.Case) error {
	cur := day(monday(today(tx.Now)))
	var used int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM rehab_sessions WHERE case_id = ? AND date >= ?`, c.ID, cur).Scan(&used); err != nil {
		return fmt.Errorf("release bookings: %w", err)
	}
	q := `DELETE FROM rehab_bookings WHERE case_id = ? AND week >= ?`
	if used > 0 {
		q = `DELETE FROM rehab_bookings WHERE case_id = ? AND week > ?`
	}
	res, err := tx.Exec(ctx, q, c.ID, cur)
	if err != nil {
		return fmt.Errorf("release bookings: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		c.Data["released_from"] = day(today(tx.Now))
	}
	return nil
}

// Centre is a rehabilitation centre.
type Centre struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	NameEn   string   `json:"name_en"`
	OrgUnit  string   `json:"orgunit"`
	Capacity int      `json:"capacity"` // sessions per week
	Services []string `json:"services"`
}

// options offers the centres of the person's district for scheduling, those
// that give the planned service first (the person's own town's first among
// them), each with its capacity and services.
func (s *Store) options(ctx context.Context, c casework.Case, field string) ([]casework.Option, error) {
	if field != "centre" {
		return nil, nil
	}
	centres, err := s.Centres(ctx, orgunit.Scope{Prefix: district(c.OrgUnit)})
	if err != nil {
		return nil, err
	}
	planned, _ := c.Data["service"].(string)
	rank := func(ct Centre) int { // those giving the service first, the person's own town's first among them
		r := 0
		if !ct.Gives(planned) {
			r += 2
		}
		if len(c.OrgUnit) < 9 || !strings.HasPrefix(ct.OrgUnit, c.OrgUnit[:9]) {
			r++
		}
		return r
	}
	slices.SortStableFunc(centres, func(a, b Centre) int { return rank(a) - rank(b) })
	out := make([]casework.Option, len(centres))
	for i, ct := range centres {
		var zh, en []string
		for _, sv := range ct.Services {
			zh, en = append(zh, ServiceName(sv, "zh")), append(en, ServiceName(sv, "en"))
		}
		out[i] = casework.Option{Value: strconv.FormatInt(ct.ID, 10),
			Zh: fmt.Sprintf("%s（每周 %d 次；%s）", ct.Name, ct.Capacity, strings.Join(zh, "、")),
			En: fmt.Sprintf("%s (%d a week; %s)", ct.Label("en"), ct.Capacity, strings.Join(en, ", "))}
	}
	return out, nil
}

// Gives tells whether the centre gives a service.
func (c Centre) Gives(service string) bool { return slices.Contains(c.Services, service) }

// Label is the centre's name in lang.
func (c Centre) Label(lang string) string { return apperr.T(c.Name, c.NameEn).In(lang) }

func parseServices(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

const centreCols = `id, name, name_en, orgunit, capacity, services`

func scanCentre(sc interface{ Scan(...any) error }) (Centre, error) {
	var c Centre
	var services string
	err := sc.Scan(&c.ID, &c.Name, &c.NameEn, &c.OrgUnit, &c.Capacity, &services)
	c.Services = parseServices(services)
	return c, err
}

func centreNotFound(id int64) error {
	return apperr.New(apperr.NotFound, fmt.Sprintf("找不到康复中心 %d，或不在您的范围内。", id), fmt.Sprintf("Rehabilitation centre %d was not found or is outside your area.", id))
}

// schedule books the plan's sessions into a centre of the person's district
// that gives the planned service: per_week slots in each ISO week from the
// start until the sessions are covered. A week without room refuses the plan
// (409, naming the first full week and its free slots). The centre's row is
// locked first, so concurrent plans for one centre queue and never overbook.
func (s *Store) schedule(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	var fields []apperr.FieldError
	centreID, _ := intOf(data["centre"])
	perWeek, _ := intOf(data["per_week"])
	start, _ := time.Parse(time.DateOnly, fmt.Sprint(data["start"]))
	now := today(tx.Now)
	if perWeek < 1 || perWeek > 7 {
		fields = append(fields, apperr.Field("per_week", "range", "每周次数应在 1–7 之间。", "The sessions per week must be between 1 and 7."))
	}
	if start.Before(now.AddDate(0, 0, -90)) || start.After(now.AddDate(1, 0, 0)) {
		fields = append(fields, apperr.Field("start", "range", "开始日期应在今天之前 90 天到之后一年之间。", "The start must be between 90 days ago and a year from today."))
	}
	sessions, _ := intOf(c.Data["sessions"])
	service, _ := c.Data["service"].(string)
	if sessions < 1 || service == "" {
		return apperr.New(apperr.Conflict, "个案缺少评估结果（服务和次数），不能排期。", "The case has no assessment (service and sessions) to schedule.")
	}
	centre, err := scanCentre(tx.QueryRow(ctx, `SELECT `+centreCols+` FROM rehab_centres WHERE id = ?`+tx.ForUpdate(), centreID))
	if errors.Is(err, sql.ErrNoRows) || err == nil && district(centre.OrgUnit) != district(c.OrgUnit) {
		fields = append(fields, apperr.Field("centre", "unknown", fmt.Sprintf("本区没有编号为 %d 的康复中心。", centreID),
			fmt.Sprintf("There is no rehabilitation centre %d in the person's district.", centreID)))
	} else if err != nil {
		return fmt.Errorf("read centre: %w", err)
	}
	if len(fields) > 0 {
		return apperr.Validation(fields...)
	}
	if !centre.Gives(service) {
		return apperr.New(apperr.Conflict, fmt.Sprintf("%s不提供%s。", centre.Name, ServiceName(service, "zh")),
			fmt.Sprintf("%s does not give %s.", centre.NameEn, strings.ToLower(ServiceName(service, "en"))))
	}
	weeks := int((sessions + perWeek - 1) / perWeek)
	first := monday(start)
	last := first.AddDate(0, 0, 7*(weeks-1))
	booked, err := bookedWeeks(ctx, tx, centre.ID, day(first), day(last))
	if err != nil {
		return err
	}
	for i := range weeks {
		w := day(first.AddDate(0, 0, 7*i))
		if free := centre.Capacity - booked[w]; free < int(perWeek) {
			return apperr.New(apperr.Conflict,
				fmt.Sprintf("%s在 %s 起的一周已满：剩余 %d 个名额，本计划每周需要 %d 个。", centre.Name, w, max(free, 0), perWeek),
				fmt.Sprintf("%s is full in the week of %s: %d free slots, the plan needs %d a week.", centre.NameEn, w, max(free, 0), perWeek))
		}
	}
	for i := range weeks {
		if _, err := tx.Exec(ctx, `INSERT INTO rehab_bookings (case_id, centre, week, slots) VALUES (?, ?, ?, ?)`,
			c.ID, centre.ID, day(first.AddDate(0, 0, 7*i)), perWeek); err != nil {
			return fmt.Errorf("book centre: %w", err)
		}
	}
	end := last.AddDate(0, 0, 6)
	c.Data["centre"], c.Data["centre_name"], c.Data["start"], c.Data["per_week"] = centre.ID, centre.Name, day(start), perWeek
	c.Data["weeks"], c.Data["end"] = weeks, day(end)
	// Due: the end of the plan's last day, in Shanghai.
	c.Data["_due_at"] = time.Date(end.Year(), end.Month(), end.Day()+1, 0, 0, 0, 0, shanghai).UTC()
	return nil
}

// bookedWeeks sums a centre's bookings per week (Monday) from..to.
func bookedWeeks(ctx context.Context, q interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, centre int64, from, to string) (map[string]int, error) {
	rows, err := q.Query(ctx, `SELECT week, SUM(slots) FROM rehab_bookings WHERE centre = ? AND week >= ? AND week <= ? GROUP BY week`, centre, from, to)
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var w string
		var n int
		if err := rows.Scan(&w, &n); err != nil {
			return nil, fmt.Errorf("read bookings: %w", err)
		}
		out[w] = n
	}
	return out, rows.Err()
}

// session records one session of the plan: dated within the plan (from its
// start to the end of its last week) and not in the future.
func (s *Store) session(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	date, _ := time.Parse(time.DateOnly, fmt.Sprint(data["date"]))
	start, _ := time.Parse(time.DateOnly, fmt.Sprint(c.Data["start"]))
	end, _ := time.Parse(time.DateOnly, fmt.Sprint(c.Data["end"]))
	switch {
	case date.Before(start):
		return apperr.Validation(apperr.Field("date", "range", "训练日期早于计划开始日期 "+day(start)+"。", "The session is dated before the plan's start, "+day(start)+"."))
	case date.After(end):
		return apperr.Validation(apperr.Field("date", "range", "训练日期晚于计划的最后一周（至 "+day(end)+"）。", "The session is dated beyond the plan's last week (ending "+day(end)+")."))
	case date.After(today(tx.Now)):
		return apperr.Validation(apperr.Field("date", "future", "不能记录将来的训练。", "A session in the future cannot be recorded."))
	}
	var twice int // the case's row is locked (Act): no second session of a day slips in
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM rehab_sessions WHERE case_id = ? AND date = ?`, c.ID, day(date)).Scan(&twice); err != nil {
		return fmt.Errorf("read sessions: %w", err)
	}
	if twice > 0 {
		return apperr.Validation(apperr.Field("date", "duplicate", "这一天（"+day(date)+"）的训练已经记录过了。", "A session on "+day(date)+" is recorded already."))
	}
	centre, _ := intOf(c.Data["centre"])
	attended, _ := data["attended"].(bool)
	note, _ := data["note"].(string)
	if _, err := tx.Exec(ctx, `INSERT INTO rehab_sessions (case_id, person_id, centre, date, attended, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PersonID, centre, day(date), attended, strings.TrimSpace(note), db.Millis(tx.Now)); err != nil {
		return fmt.Errorf("record session: %w", err)
	}
	rec, _ := intOf(c.Data["sessions_recorded"])
	c.Data["sessions_recorded"] = rec + 1
	att, _ := intOf(c.Data["sessions_attended"])
	if attended {
		att++
	}
	c.Data["sessions_attended"] = att
	return nil
}

// EnsureSeed adds the district rehabilitation centre and one sub-centre per
// town (DOMAIN.md §3) when missing, with a default capacity and services.
func (s *Store) EnsureSeed(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, u := range orgunit.Seed() {
			if u.Level != 2 && u.Level != 3 {
				continue
			}
			name, en, capacity, services := u.Name+"康复分中心", u.NameEn+" rehabilitation sub-centre", 20, "physical,occupational,psychological"
			if u.Level == 2 {
				name, en, capacity, services = u.Name+"康复中心", u.NameEn+" rehabilitation centre", 40, strings.Join(Services, ",")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO rehab_centres (name, name_en, orgunit, capacity, services) VALUES (?, ?, ?, ?, ?) ON CONFLICT (orgunit) DO NOTHING`,
				name, en, u.Code, capacity, services); err != nil {
				return fmt.Errorf("seed rehabilitation centres: %w", err)
			}
		}
		return nil
	})
}
