package benefits

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/registry"
)

// checkVersion validates a new version of a rule against every version
// (AddVersion and Simulate): the code's benefit and kind, a new code's
// fields, the condition (compiled: the error names its position) and the
// amount. It completes the version from the code's latest one. The month it
// takes effect from is the caller's to check.
func checkVersion(all []Rule, in RuleInput, createdBy string) (Rule, []apperr.FieldError, error) {
	var prev *Rule // the code's latest version
	for i := range all {
		if all[i].Code == in.Code && (prev == nil || all[i].EffectiveFrom > prev.EffectiveFrom) {
			prev = &all[i]
		}
	}
	var fields []apperr.FieldError
	r := Rule{Code: in.Code, Benefit: in.Benefit, Kind: in.Kind, Position: in.Position, Condition: in.Condition, AmountCents: in.AmountCents,
		EffectiveFrom: in.EffectiveFrom, TitleZh: in.TitleZh, TitleEn: in.TitleEn, CreatedBy: createdBy}
	if prev != nil {
		if r.Benefit != "" && r.Benefit != prev.Benefit || r.Kind != "" && r.Kind != prev.Kind {
			fields = append(fields, apperr.Field("code", "conflict", "同一规则编号的各版本须属于同一补贴、同一种类。",
				"The versions of a rule code keep its benefit and kind."))
		}
		r.Benefit, r.Kind = prev.Benefit, prev.Kind
		if r.Position == 0 {
			r.Position = prev.Position
		}
		if r.TitleZh == "" {
			r.TitleZh = prev.TitleZh
		}
		if r.TitleEn == "" {
			r.TitleEn = prev.TitleEn
		}
	} else {
		if !codeRE.MatchString(r.Code) {
			fields = append(fields, apperr.Field("code", "invalid", "规则编号为 3–50 个小写字母、数字或下划线，以字母开头。",
				"A rule code has 3 to 50 lower-case letters, digits or underscores, starting with a letter."))
		}
		if r.Benefit != Living && r.Benefit != Care {
			fields = append(fields, apperr.Field("benefit", "invalid", "请选择补贴：living_subsidy 或 care_subsidy。", "Choose the benefit: living_subsidy or care_subsidy."))
		}
		if r.Kind != Requires && r.Kind != Grants {
			fields = append(fields, apperr.Field("kind", "invalid", "请选择规则种类：requires 或 grants。", "Choose the kind: requires or grants."))
		}
		if r.TitleZh == "" || r.TitleEn == "" {
			fields = append(fields, apperr.Field("title_zh", "required", "新规则须有中文和英文说明。", "A new rule needs a description in Chinese and in English."))
		}
	}
	if _, err := Compile(r.Condition); err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return Rule{}, nil, err
		}
		fields = append(fields, e.Fields...)
	}
	switch {
	case r.Kind == Grants && (r.AmountCents <= 0 || r.AmountCents > MaxAmountCents):
		fields = append(fields, apperr.Field("amount_cents", "range", "发放条款的金额应大于 0、不超过每月 10,000 元。",
			"A clause that pays needs an amount above 0 and at most 10,000 yuan a month."))
	case r.Kind == Requires && r.AmountCents != 0:
		fields = append(fields, apperr.Field("amount_cents", "range", "必备条件不发放金额，金额应为 0。", "A requirement pays nothing: its amount is 0."))
	}
	return r, fields, nil
}

// ActionSimulate is the audit action of a simulation that listed persons
// (their names and villages): one entry per simulation.
const ActionSimulate = "simulate"

// MaxDraftRules bounds the rules of one draft.
const MaxDraftRules = 20

// SampleSize is how many gainers and how many losers a simulation lists.
const SampleSize = 200

// Draft is a change of rules to simulate for a month: each rule a new
// version of a code (or a new code) as AddVersion takes it; the month it
// takes effect from is the simulated month.
type Draft struct {
	Month string      `json:"month"`
	Rules []DraftRule `json:"rules"`
}

// DraftRule is one changed rule of a draft. For an existing code, benefit,
// kind, position and titles may be left out (the latest version's).
type DraftRule struct {
	Code        string `json:"code"`
	Benefit     string `json:"benefit,omitempty" in:"optional"`
	Kind        string `json:"kind,omitempty" in:"optional"`
	Position    int    `json:"position,omitempty" in:"optional"`
	Condition   string `json:"condition"`
	AmountCents int64  `json:"amount_cents" in:"optional"`
	TitleZh     string `json:"title_zh,omitempty" in:"optional"`
	TitleEn     string `json:"title_en,omitempty" in:"optional"`
}

// Figures are the persons paid and what they are paid (cents); Yearly is
// 12 × Monthly.
type Figures struct {
	Persons      int64 `json:"persons"`
	MonthlyCents int64 `json:"monthly_cents"`
	YearlyCents  int64 `json:"yearly_cents"`
}

func (f *Figures) add(n, cents int64) {
	if cents > 0 {
		f.Persons += n
	}
	f.MonthlyCents += n * cents
	f.YearlyCents = 12 * f.MonthlyCents
}

// Change is After − Before.
func change(before, after Figures) Figures {
	return Figures{Persons: after.Persons - before.Persons, MonthlyCents: after.MonthlyCents - before.MonthlyCents,
		YearlyCents: after.YearlyCents - before.YearlyCents}
}

// TownFigures are one town's figures (or the total's: Town "") before and
// after the draft.
type TownFigures struct {
	Town     string  `json:"town"`
	Name     string  `json:"name"`
	NameEn   string  `json:"name_en"`
	Before   Figures `json:"before"`
	After    Figures `json:"after"`
	Change   Figures `json:"change"`
	Registry int64   `json:"registry"` // the persons of the registry in the town
}

// BenefitFigures are the figures of one benefit (or of both: Benefit "all")
// per town and in total.
type BenefitFigures struct {
	Benefit string        `json:"benefit"`
	Towns   []TownFigures `json:"towns"`
	Total   TownFigures   `json:"total"`
}

// Changed is a person whose monthly amount the draft changes.
type Changed struct {
	PersonID    int64  `json:"person_id"`
	Name        string `json:"name"`
	Village     string `json:"village"`
	VillageName string `json:"village_name"`
	VillageEn   string `json:"village_name_en"`
	BeforeCents int64  `json:"before_cents"`
	AfterCents  int64  `json:"after_cents"`
	RulesBefore string `json:"rules_before"`
	RulesAfter  string `json:"rules_after"`
}

// Simulation is what a draft would change for a month over the caller's
// scope: per benefit and town, before and after; the persons who would
// gain or lose (counts, and the first SampleSize of each by id).
type Simulation struct {
	Month    string           `json:"month"`
	Rules    []Rule           `json:"rules"` // the draft as it would be saved
	Benefits []BenefitFigures `json:"benefits"`
	Gainers  int64            `json:"gainers"`
	Losers   int64            `json:"losers"`
	Gaining  []Changed        `json:"gaining"`
	Losing   []Changed        `json:"losing"`
	Millis   int64            `json:"millis"`
}

// factPart is one fact of the group key: its SQL expression (text), and
// whether it needs the annual record joined.
type factPart struct {
	name, expr string
	annual     bool
}

// keyParts are the facts the rules of the sets read, as SQL text: the key
// of a group is their values joined by "|". Facts no rule reads are left
// out, so the groups are as few as the rules allow.
func keyParts(sets ...*RuleSet) []factPart {
	used := map[string]bool{}
	for _, rs := range sets {
		for _, r := range rs.rules {
			for _, f := range r.prg.Facts {
				used[f] = true
			}
		}
	}
	if used["economic_status"] || used["employment"] || used["annual_record"] {
		used["annual_record"], used["economic_status"], used["employment"] = true, true, true
	}
	all := []factPart{
		{name: "hukou", expr: "p.hukou"},
		{name: "status", expr: "p.status"},
		// The certificate cutoffs are parameters (computed in Go: the
		// engines' date arithmetic differs); CertificateActive's rule.
		{name: "certificate_active", expr: "CASE WHEN p.status = 'active' AND length(p.certificate_issued) = 10 AND p.certificate_issued > ? AND p.certificate_issued < ? THEN '1' ELSE '0' END"},
		{name: "category", expr: "CAST(p.category AS TEXT)"},
		{name: "grade", expr: "CAST(p.grade AS TEXT)"},
		{name: "components", expr: "p.components"},
		{name: "annual_record", expr: "CASE WHEN a.person_id IS NULL THEN '0' ELSE '1' END", annual: true},
		{name: "economic_status", expr: "COALESCE(a.economic_status, '')", annual: true},
		{name: "employment", expr: "COALESCE(a.employment, '')", annual: true},
		{name: "age", expr: "CAST(p.birth_year AS TEXT)"},
	}
	var out []factPart
	for _, p := range all {
		if used[p.name] {
			out = append(out, p)
		}
	}
	return out
}

// keyQuery is the SQL of the group key, the FROM clause and their
// parameters (in order: the key's, then the join's).
func keyQuery(parts []factPart, month string) (key, from string, args []any, err error) {
	first, err := MonthStart(month)
	if err != nil {
		return "", "", nil, err
	}
	var exprs []string
	join := false
	for _, p := range parts {
		exprs = append(exprs, p.expr)
		if p.name == "certificate_active" {
			args = append(args, first.AddDate(-registry.CertificateValidYears, 0, 0).Format(time.DateOnly), first.AddDate(0, 1, 0).Format(time.DateOnly))
		}
		join = join || p.annual
	}
	key = "''"
	if len(exprs) > 0 {
		key = strings.Join(exprs, " || '|' || ")
	}
	from = " FROM persons p"
	if join {
		from += " LEFT JOIN annual_records a ON a.person_id = p.id AND a.year = ?"
		args = append(args, first.Year())
	}
	return key, from, args, nil
}

// factsOfKey are the facts a group key stands for (the facts no rule reads
// keep their zero values).
func factsOfKey(parts []factPart, key, month string) Facts {
	f := Facts{Month: month}
	var vals []string
	if len(parts) > 0 {
		vals = strings.Split(key, "|")
	}
	cert := false
	for i, p := range parts {
		if i >= len(vals) {
			break
		}
		v := vals[i]
		switch p.name {
		case "hukou":
			f.Hukou = v
		case "status":
			f.Status = v
		case "certificate_active":
			cert = v == "1"
		case "category":
			f.Category, _ = strconv.Atoi(v)
		case "grade":
			f.Grade, _ = strconv.Atoi(v)
		case "components":
			for _, c := range strings.Split(v, ",") {
				if n, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
					f.Components = append(f.Components, n)
				}
			}
		case "annual_record":
			f.AnnualRecord = v == "1"
		case "economic_status":
			f.EconomicStatus = v
		case "employment":
			f.Employment = v
		case "age":
			f.BirthYear, _ = strconv.Atoi(v)
		}
	}
	f.Complete()
	f.CertificateActive = cert
	return f
}

// outcome is the amounts of both benefits before and after, and the rules
// that decided.
type outcome struct {
	before, after [2]Item
}

func (o outcome) total(after bool) int64 {
	items := o.before
	if after {
		items = o.after
	}
	return items[0].AmountCents + items[1].AmountCents
}

func rulesOf(items [2]Item) string { return items[0].Rule + ", " + items[1].Rule }

// draftRuleSet validates the draft against every version and gives the
// rules in force for the month with the draft applied, and the draft's
// rules as they would be saved. Field errors name the draft's rule:
// rules[i].condition.
func draftRuleSet(all []Rule, d Draft, actor string) (*RuleSet, []Rule, error) {
	var fields []apperr.FieldError
	if len(d.Rules) == 0 || len(d.Rules) > MaxDraftRules {
		fields = append(fields, apperr.Field("rules", "range", fmt.Sprintf("请修改 1 至 %d 条规则。", MaxDraftRules),
			fmt.Sprintf("Change 1 to %d rules.", MaxDraftRules)))
	}
	var maxID int64
	for _, r := range all {
		maxID = max(maxID, r.ID)
	}
	seen := map[string]bool{}
	withDraft := slices.Clone(all)
	var drafted []Rule
	for i, dr := range d.Rules {
		if i >= MaxDraftRules {
			break
		}
		in := RuleInput{Code: strings.TrimSpace(dr.Code), Benefit: dr.Benefit, Kind: dr.Kind, Position: dr.Position, Condition: dr.Condition,
			AmountCents: dr.AmountCents, EffectiveFrom: d.Month, TitleZh: strings.TrimSpace(dr.TitleZh), TitleEn: strings.TrimSpace(dr.TitleEn)}
		r, fe, err := checkVersion(all, in, actor)
		if err != nil {
			return nil, nil, err
		}
		if seen[in.Code] {
			fe = append(fe, apperr.Field("code", "duplicate", "同一规则在草案中只能出现一次。", "A rule appears once in a draft."))
		}
		seen[in.Code] = true
		for _, f := range fe {
			f.Field = fmt.Sprintf("rules[%d].%s", i, f.Field)
			fields = append(fields, f)
		}
		r.ID = maxID + int64(i) + 1 // after every saved version of the month
		withDraft = append(withDraft, r)
		drafted = append(drafted, r)
	}
	if len(fields) > 0 {
		return nil, nil, apperr.Validation(fields...)
	}
	rs, err := NewRuleSet(withDraft, d.Month)
	return rs, drafted, err
}

// Simulate computes what a draft would change for a month over the
// caller's scope, saving nothing. The draft is validated as AddVersion
// validates a version (the month it takes effect from is the simulated
// month). The registry is read in one grouped query (per town and distinct
// facts the rules read); each distinct facts is decided once with the
// rules in force and with the draft; a second query lists the first
// gainers and losers (names and villages, never ID numbers) and the
// simulation is then audited as one entry (ActionSimulate).
func (s *Store) Simulate(ctx context.Context, c access.Caller, d Draft) (Simulation, error) {
	t0 := time.Now()
	d.Month = strings.TrimSpace(d.Month)
	if c.PersonID != 0 {
		return Simulation{}, apperr.ErrNotFound()
	}
	if err := CheckMonth("month", d.Month, s.CurrentMonth()); err != nil {
		return Simulation{}, err
	}
	all, err := s.Versions(ctx)
	if err != nil {
		return Simulation{}, err
	}
	after, drafted, err := draftRuleSet(all, d, c.Actor.Username)
	if err != nil {
		return Simulation{}, err
	}
	before, err := NewRuleSet(all, d.Month)
	if err != nil {
		return Simulation{}, err
	}
	sim := Simulation{Month: d.Month, Rules: drafted, Benefits: []BenefitFigures{}, Gaining: []Changed{}, Losing: []Changed{}}
	parts := keyParts(before, after)
	key, from, args, err := keyQuery(parts, d.Month)
	if err != nil {
		return Simulation{}, err
	}
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT substr(p.orgunit, 1, 9), `+key+`, COUNT(*)`+from+
		` WHERE p.orgunit >= ? AND p.orgunit < ? GROUP BY 1, 2`, append(slices.Clone(args), lo, hi)...)
	if err != nil {
		return Simulation{}, fmt.Errorf("simulate: %w", err)
	}
	defer rows.Close()
	outcomes := map[string]outcome{}
	decideKey := func(k string) outcome {
		if o, ok := outcomes[k]; ok {
			return o
		}
		f := factsOfKey(parts, k, d.Month)
		var o outcome
		for i, b := range Benefits {
			o.before[i], o.after[i] = DecideAmount(before, b, f), DecideAmount(after, b, f)
		}
		outcomes[k] = o
		return o
	}
	type townSums struct {
		registry      int64
		before, after [3]Figures // living, care, both
	}
	towns := map[string]*townSums{}
	changedKeys := map[string]bool{}
	for rows.Next() {
		var town, k string
		var n int64
		if err := rows.Scan(&town, &k, &n); err != nil {
			return Simulation{}, fmt.Errorf("simulate: %w", err)
		}
		o := decideKey(k)
		ts := towns[town]
		if ts == nil {
			ts = &townSums{}
			towns[town] = ts
		}
		ts.registry += n
		for i := range 2 {
			ts.before[i].add(n, o.before[i].AmountCents)
			ts.after[i].add(n, o.after[i].AmountCents)
		}
		ts.before[2].add(n, o.total(false))
		ts.after[2].add(n, o.total(true))
		switch b, a := o.total(false), o.total(true); {
		case a > b:
			sim.Gainers += n
			changedKeys[k] = true
		case a < b:
			sim.Losers += n
			changedKeys[k] = true
		}
	}
	if err := rows.Err(); err != nil {
		return Simulation{}, fmt.Errorf("simulate: %w", err)
	}
	rows.Close()

	codes := make([]string, 0, len(towns))
	for t := range towns {
		codes = append(codes, t)
	}
	sort.Strings(codes)
	names, err := s.unitNames(ctx, codes)
	if err != nil {
		return Simulation{}, err
	}
	for i := range 3 {
		bf := BenefitFigures{Benefit: "all", Towns: []TownFigures{}}
		if i < 2 {
			bf.Benefit = Benefits[i]
		}
		for _, code := range codes {
			ts := towns[code]
			tf := TownFigures{Town: code, Name: names[code][0], NameEn: names[code][1], Before: ts.before[i], After: ts.after[i], Registry: ts.registry}
			tf.Change = change(tf.Before, tf.After)
			bf.Towns = append(bf.Towns, tf)
			bf.Total.Registry += ts.registry
			bf.Total.Before.Persons += tf.Before.Persons
			bf.Total.Before.MonthlyCents += tf.Before.MonthlyCents
			bf.Total.After.Persons += tf.After.Persons
			bf.Total.After.MonthlyCents += tf.After.MonthlyCents
		}
		bf.Total.Before.YearlyCents, bf.Total.After.YearlyCents = 12*bf.Total.Before.MonthlyCents, 12*bf.Total.After.MonthlyCents
		bf.Total.Change = change(bf.Total.Before, bf.Total.After)
		sim.Benefits = append(sim.Benefits, bf)
	}

	if len(changedKeys) > 0 {
		if err := s.listChanged(ctx, &sim, key, from, args, lo, hi, changedKeys, outcomes); err != nil {
			return Simulation{}, err
		}
	}
	if len(sim.Gaining)+len(sim.Losing) > 0 {
		var codes []string
		for _, r := range drafted {
			codes = append(codes, r.Code)
		}
		detail, _ := json.Marshal(map[string]any{"month": d.Month, "rules": codes, "gainers": sim.Gainers, "losers": sim.Losers,
			"listed": len(sim.Gaining) + len(sim.Losing)})
		e := c.Actor.Entry(ActionSimulate, SubjectRule, strings.Join(codes, ","), c.Scope.Prefix)
		e.Detail = string(detail)
		if err := s.log.Record(ctx, e); err != nil {
			return Simulation{}, err
		}
	}
	sim.Millis = time.Since(t0).Milliseconds()
	return sim, nil
}

// maxKeysInSQL bounds the changed group keys the second query names; with
// more, it reads the scope in id order and stops once both lists are full
// (many changed groups: the lists fill early).
const maxKeysInSQL = 400

// listChanged lists the first SampleSize gainers and losers by id.
func (s *Store) listChanged(ctx context.Context, sim *Simulation, key, from string, args []any, lo, hi string,
	changed map[string]bool, outcomes map[string]outcome) error {
	q := `SELECT p.id, p.name, p.orgunit, COALESCE(o.name, ''), COALESCE(o.name_en, ''), ` + key + from + ` LEFT JOIN orgunits o ON o.code = p.orgunit
		WHERE p.orgunit >= ? AND p.orgunit < ?`
	qargs := append(slices.Clone(args), lo, hi)
	if len(changed) <= maxKeysInSQL {
		keys := make([]string, 0, len(changed))
		for k := range changed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		q += ` AND ` + key + ` IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + `)`
		qargs = append(qargs, args[:len(args)-countJoinArgs(from)]...)
		for _, k := range keys {
			qargs = append(qargs, k)
		}
	}
	q += ` ORDER BY p.id`
	rows, err := s.db.Query(ctx, q, qargs...)
	if err != nil {
		return fmt.Errorf("simulate, the persons: %w", err)
	}
	defer rows.Close()
	wantGain, wantLose := min(sim.Gainers, SampleSize), min(sim.Losers, SampleSize)
	for rows.Next() && (int64(len(sim.Gaining)) < wantGain || int64(len(sim.Losing)) < wantLose) {
		var ch Changed
		var k string
		if err := rows.Scan(&ch.PersonID, &ch.Name, &ch.Village, &ch.VillageName, &ch.VillageEn, &k); err != nil {
			return fmt.Errorf("simulate, the persons: %w", err)
		}
		if !changed[k] {
			continue
		}
		o := outcomes[k]
		ch.BeforeCents, ch.AfterCents = o.total(false), o.total(true)
		ch.RulesBefore, ch.RulesAfter = rulesOf(o.before), rulesOf(o.after)
		if ch.AfterCents > ch.BeforeCents && int64(len(sim.Gaining)) < wantGain {
			sim.Gaining = append(sim.Gaining, ch)
		} else if ch.AfterCents < ch.BeforeCents && int64(len(sim.Losing)) < wantLose {
			sim.Losing = append(sim.Losing, ch)
		}
	}
	return rows.Err()
}

// countJoinArgs is how many parameters the FROM clause of keyQuery takes
// (the year of the annual records when joined).
func countJoinArgs(from string) int {
	if strings.Contains(from, "annual_records") {
		return 1
	}
	return 0
}

// unitNames are the names of org units by code, in Chinese and English.
func (s *Store) unitNames(ctx context.Context, codes []string) (map[string][2]string, error) {
	out := map[string][2]string{}
	if len(codes) == 0 {
		return out, nil
	}
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	rows, err := s.db.Query(ctx, `SELECT code, name, name_en FROM orgunits WHERE code IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(codes)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("simulate, the towns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, name, en string
		if err := rows.Scan(&code, &name, &en); err != nil {
			return nil, fmt.Errorf("simulate, the towns: %w", err)
		}
		out[code] = [2]string{name, en}
	}
	return out, rows.Err()
}
