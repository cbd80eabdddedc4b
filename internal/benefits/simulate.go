package benefits

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// SimDraft is a change of rules to simulate for a month: each rule a new
// version of a code (or a new code) as AddVersion takes it; the month it
// takes effect from is the simulated month.
type SimDraft struct {
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

// usedFacts are the facts the rules of the sets read. The economic status,
// the employment and whether there is an annual record go together (the
// first two depend on the third).
func usedFacts(sets ...*RuleSet) map[string]bool {
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
	return used
}

// personKey is the registry's facts of a person that the rules read (the
// others left zero): persons with the same key are decided alike.
type personKey struct {
	hukou, status, components string
	cert                      bool
	category, grade           int
	birthYear                 int
}

// annualKey is the facts of the annual record (record false: none).
type annualKey struct {
	record               bool
	economic, employment string
}

// factKey is all the facts of a person that the rules read.
type factKey struct {
	p personKey
	a annualKey
}

// facts are the facts a key stands for.
func (k factKey) facts(month string) Facts {
	f := Facts{Month: month, Hukou: k.p.hukou, Status: k.p.status, Category: k.p.category, Grade: k.p.grade,
		BirthYear: k.p.birthYear, AnnualRecord: k.a.record, EconomicStatus: k.a.economic, Employment: k.a.employment}
	for _, c := range strings.Split(k.p.components, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
			f.Components = append(f.Components, n)
		}
	}
	f.Complete()
	f.CertificateActive = k.p.cert
	return f
}

// interner keeps one copy of each text read (few distinct values).
type interner map[string]string

func (in interner) of(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// personRow is a person of the scope as the simulation keeps them: the id,
// the town (an index) and the registry's facts (an index).
type personRow struct {
	id   int64
	town int
	key  int
}

// intOf is an integer column scanned into an any (database/sql converts
// into an int through text: slow over a registry).
func intOf(v any) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case int32:
		return int(x)
	case int:
		return x
	}
	return 0
}

// enumSQL is a column's value as its index in values (9: another value),
// and enumOf the value back ("" for another). Reading numbers instead of
// texts halves the cost of scanning the registry on SQLite.
func enumSQL(col string, values []string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, v := range values {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", strings.ReplaceAll(v, "'", "''"), i)
	}
	b.WriteString(" ELSE 9 END")
	return b.String()
}

func enumOf(values []string, i int) string {
	if i >= 0 && i < len(values) {
		return values[i]
	}
	return ""
}

// scanPersons reads the persons of the scope in id order: their town
// (the first 9 digits of their org unit) and the facts of used, as
// numbers where they can be.
func (s *Store) scanPersons(ctx context.Context, lo, hi string, first time.Time, used map[string]bool) ([]personRow, []string, []personKey, error) {
	// Over a large registry the scan is split by id into parts read at once
	// on as many connections as there are CPUs (SQLite reads a row at a
	// time on one core), then joined in id order.
	var minID, maxID int64
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(min(id), 0), COALESCE(max(id), 0) FROM persons`).Scan(&minID, &maxID); err != nil {
		return nil, nil, nil, fmt.Errorf("simulate, the persons: %w", err)
	}
	parts := 1
	if maxID-minID >= scanSplitAt {
		parts = max(1, min(runtime.NumCPU(), 8))
	}
	type part struct {
		rows  []personRow
		towns []string
		keys  []personKey
		err   error
	}
	res := make([]part, parts)
	var wg sync.WaitGroup
	step := (maxID-minID)/int64(parts) + 1
	for i := range parts {
		from, to := minID+int64(i)*step, minID+int64(i+1)*step
		if i == parts-1 {
			to = maxID + 1
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &res[i]
			p.rows, p.towns, p.keys, p.err = s.scanPersonsPart(ctx, lo, hi, from, to, first, used)
		}()
	}
	wg.Wait()
	if parts == 1 || res[0].err != nil {
		return res[0].rows, res[0].towns, res[0].keys, res[0].err
	}
	// Join: the first part's indexes stand; the others' are mapped.
	rows, towns, keys := res[0].rows, res[0].towns, res[0].keys
	townIdx, keyIdx := map[string]int{}, map[personKey]int{}
	for i, t := range towns {
		townIdx[t] = i
	}
	for i, k := range keys {
		keyIdx[k] = i
	}
	for _, p := range res[1:] {
		if p.err != nil {
			return nil, nil, nil, p.err
		}
		tmap, kmap := make([]int, len(p.towns)), make([]int, len(p.keys))
		for i, t := range p.towns {
			gi, ok := townIdx[t]
			if !ok {
				gi = len(towns)
				towns = append(towns, t)
				townIdx[t] = gi
			}
			tmap[i] = gi
		}
		for i, k := range p.keys {
			gi, ok := keyIdx[k]
			if !ok {
				gi = len(keys)
				keys = append(keys, k)
				keyIdx[k] = gi
			}
			kmap[i] = gi
		}
		for _, r := range p.rows {
			rows = append(rows, personRow{id: r.id, town: tmap[r.town], key: kmap[r.key]})
		}
	}
	return rows, towns, keys, nil
}

// scanSplitAt is the span of person ids from which the persons are read
// in parts at once.
const scanSplitAt = 50_000

// scanPersonsPart reads the persons of the scope with ids in [fromID, toID).
func (s *Store) scanPersonsPart(ctx context.Context, lo, hi string, fromID, toID int64, first time.Time, used map[string]bool) ([]personRow, []string, []personKey, error) {
	certFrom := first.AddDate(-registry.CertificateValidYears, 0, 0).Format(time.DateOnly)
	certTo := first.AddDate(0, 1, 0).Format(time.DateOnly)
	var (
		id, packed    any
		comps, status sql.RawBytes // valid until the next row: kept interned
	)
	// One number packs the town (the first 9 digits of the org unit), the
	// flags (1 a local hukou: the registry knows local and nonlocal; 2 an
	// active certificate on the date, compared as text: the registry keeps
	// valid YYYY-MM-DD dates), category × 10 + grade and the birth year
	// (when a rule reads the age): every column read costs, on SQLite.
	birth := "0"
	if used["age"] {
		birth = "COALESCE(p.birth_year, 0)"
	}
	cols := []string{"p.id", "((CAST(substr(p.orgunit, 1, 9) AS BIGINT) * 4 + CASE WHEN p.hukou = 'local' THEN 1 ELSE 0 END + " +
		"CASE WHEN p.status = 'active' AND p.certificate_issued > ? AND p.certificate_issued < ? THEN 2 ELSE 0 END) * 100 + " +
		"p.category * 10 + p.grade) * 10000 + " + birth}
	dest := []any{&id, &packed}
	if used["status"] {
		cols, dest = append(cols, "p.status"), append(dest, &status)
	}
	if used["components"] {
		cols, dest = append(cols, "p.components"), append(dest, &comps)
	}
	rows, err := s.db.Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM persons p WHERE p.id >= ? AND p.id < ? AND p.orgunit >= ? AND p.orgunit < ? ORDER BY p.id`,
		certFrom, certTo, fromID, toID, lo, hi)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simulate, the persons: %w", err)
	}
	defer rows.Close()
	texts := interner{}
	towns, townIdx := []string{}, map[int]int{}
	keys, keyIdx := []personKey{}, map[personKey]int{}
	var out []personRow
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, nil, fmt.Errorf("simulate, the persons: %w", err)
		}
		v := intOf(packed)
		by, cg, fl, t := v%10000, v/10000%100, v/1000000%4, v/4000000
		ti, ok := townIdx[t]
		if !ok {
			ti = len(towns)
			towns = append(towns, strconv.Itoa(t))
			townIdx[t] = ti
		}
		var k personKey
		if used["hukou"] {
			k.hukou = registry.Hukous[1-fl&1]
		}
		if used["status"] {
			k.status = texts.of(status)
		}
		if used["certificate_active"] {
			k.cert = fl&2 != 0
		}
		if used["category"] {
			k.category = cg / 10
		}
		if used["grade"] {
			k.grade = cg % 10
		}
		if used["components"] {
			k.components = texts.of(comps)
		}
		if used["age"] {
			k.birthYear = by
		}
		ki, ok := keyIdx[k]
		if !ok {
			ki = len(keys)
			keys = append(keys, k)
			keyIdx[k] = ki
		}
		out = append(out, personRow{id: int64(intOf(id)), town: ti, key: ki})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("simulate, the persons: %w", err)
	}
	return out, towns, keys, nil
}

// annualIndex maps person ids to the index of their annual facts: a slice
// by id (ids are dense), a map for ids beyond it.
type annualIndex struct {
	dense  []uint16
	sparse map[int64]uint16
}

const denseIDs = 1 << 24

func (ai *annualIndex) set(id int64, v uint16) {
	if id >= 0 && id < denseIDs {
		if int(id) >= len(ai.dense) {
			ai.dense = append(ai.dense, make([]uint16, max(int(id)+1-len(ai.dense), len(ai.dense)))...)
		}
		ai.dense[id] = v
		return
	}
	if ai.sparse == nil {
		ai.sparse = map[int64]uint16{}
	}
	ai.sparse[id] = v
}

func (ai *annualIndex) get(id int64) uint16 {
	if id >= 0 && id < int64(len(ai.dense)) {
		return ai.dense[id]
	}
	return ai.sparse[id]
}

// scanAnnual reads the annual records of year: person id → the index of
// their facts in the keys (0 is "no record").
func (s *Store) scanAnnual(ctx context.Context, year int) (*annualIndex, []annualKey, error) {
	rows, err := s.db.Query(ctx, `SELECT person_id, (`+enumSQL("economic_status", registry.EconomicStatuses)+`) * 10 + (`+
		enumSQL("employment", registry.Employments)+`) FROM annual_records WHERE year = ?`, year)
	if err != nil {
		return nil, nil, fmt.Errorf("simulate, the annual records: %w", err)
	}
	defer rows.Close()
	keys, keyIdx := []annualKey{{}}, map[int]uint16{}
	out := &annualIndex{}
	var id, code any
	for rows.Next() {
		if err := rows.Scan(&id, &code); err != nil {
			return nil, nil, fmt.Errorf("simulate, the annual records: %w", err)
		}
		c := intOf(code)
		ki, ok := keyIdx[c]
		if !ok {
			ki = uint16(len(keys)) // #nosec G115 -- at most 10 × 10 codes
			keys = append(keys, annualKey{record: true, economic: enumOf(registry.EconomicStatuses, c/10), employment: enumOf(registry.Employments, c%10)})
			keyIdx[c] = ki
		}
		out.set(int64(intOf(id)), ki)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("simulate, the annual records: %w", err)
	}
	return out, keys, nil
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
func draftRuleSet(all []Rule, d SimDraft, actor string) (*RuleSet, []Rule, error) {
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
// month). The persons of the scope and the year's annual records are read
// in two plain queries at once; persons are grouped by town and the facts
// the rules read (a few thousand distinct facts), each distinct facts is
// decided once with the rules in force and once with the draft, and the
// groups' counts give the figures. A last query names the first gainers
// and losers by id (names and villages, never ID numbers); the simulation
// is then audited as one entry (ActionSimulate).
func (s *Store) Simulate(ctx context.Context, c access.Caller, d SimDraft) (Simulation, error) {
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
	used := usedFacts(before, after)
	first, _ := MonthStart(d.Month)
	lo, hi := c.Scope.Range()
	// The persons and the year's annual records are read at once (two
	// connections) and joined here: on SQLite a join and GROUP BY over the
	// registry cost several times two plain scans.
	var (
		annual     = &annualIndex{}
		annualKeys = []annualKey{{}}
		annualErr  error
		done       = make(chan struct{})
	)
	go func() {
		defer close(done)
		if used["annual_record"] {
			annual, annualKeys, annualErr = s.scanAnnual(ctx, first.Year())
		}
	}()
	persons, townCodes, personKeys, err := s.scanPersons(ctx, lo, hi, first, used)
	<-done
	if err != nil {
		return Simulation{}, err
	}
	if annualErr != nil {
		return Simulation{}, annualErr
	}

	// Count the persons of each town and facts; then decide each facts
	// once (at once on every CPU: a condition on age splits the persons
	// into tens of thousands of facts); then find who gains and who loses.
	type listed struct {
		id  int64
		key int
	}
	var gaining, losing []listed
	factIdx := make([]int, len(personKeys)*len(annualKeys)) // registry facts × annual facts → index of facts + 1
	var keys []factKey
	type townSums struct {
		registry      int64
		before, after [3]Figures // living, care, both
	}
	counts := make([][]int64, len(townCodes)) // town → facts → persons
	factOf := make([]int32, len(persons))     // person → facts
	for pi, pr := range persons {
		ak := annual.get(pr.id)
		slot := int(pr.key)*len(annualKeys) + int(ak)
		fi := factIdx[slot] - 1
		if fi < 0 {
			fi = len(keys)
			keys = append(keys, factKey{p: personKeys[pr.key], a: annualKeys[ak]})
			factIdx[slot] = fi + 1
		}
		factOf[pi] = int32(fi) // #nosec G115 -- fewer facts than persons
		tc := counts[pr.town]
		for len(tc) <= fi {
			tc = append(tc, 0)
		}
		tc[fi]++
		counts[pr.town] = tc
	}
	outcomes := make([]outcome, len(keys))
	workers := max(1, min(runtime.NumCPU(), len(keys)/512+1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for fi := w; fi < len(keys); fi += workers {
				f := keys[fi].facts(d.Month)
				o := &outcomes[fi]
				for i, b := range Benefits {
					o.before[i], o.after[i] = DecideAmount(before, b, f), DecideAmount(after, b, f)
				}
			}
		}()
	}
	wg.Wait()
	for pi, pr := range persons {
		fi := int(factOf[pi])
		o := &outcomes[fi]
		switch b, a := o.total(false), o.total(true); {
		case a > b:
			sim.Gainers++
			if len(gaining) < SampleSize {
				gaining = append(gaining, listed{pr.id, fi})
			}
		case a < b:
			sim.Losers++
			if len(losing) < SampleSize {
				losing = append(losing, listed{pr.id, fi})
			}
		}
	}
	towns := make([]townSums, len(townCodes))
	for ti, tc := range counts {
		ts := &towns[ti]
		for fi, n := range tc {
			if n == 0 {
				continue
			}
			o := outcomes[fi]
			ts.registry += n
			for i := range 2 {
				ts.before[i].add(n, o.before[i].AmountCents)
				ts.after[i].add(n, o.after[i].AmountCents)
			}
			ts.before[2].add(n, o.total(false))
			ts.after[2].add(n, o.total(true))
		}
	}

	order := make([]int, len(townCodes))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return townCodes[order[i]] < townCodes[order[j]] })
	names, err := s.simUnitNames(ctx, townCodes)
	if err != nil {
		return Simulation{}, err
	}
	for i := range 3 {
		bf := BenefitFigures{Benefit: "all", Towns: []TownFigures{}}
		if i < 2 {
			bf.Benefit = Benefits[i]
		}
		for _, ti := range order {
			ts, code := towns[ti], townCodes[ti]
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

	if len(gaining)+len(losing) > 0 {
		var ids []int64
		for _, l := range append(slices.Clone(gaining), losing...) {
			ids = append(ids, l.id)
		}
		named, err := s.changedPersons(ctx, ids)
		if err != nil {
			return Simulation{}, err
		}
		fill := func(ls []listed) []Changed {
			out := []Changed{}
			for _, l := range ls {
				ch, o := named[l.id], outcomes[l.key]
				ch.PersonID = l.id
				ch.BeforeCents, ch.AfterCents = o.total(false), o.total(true)
				ch.RulesBefore, ch.RulesAfter = rulesOf(o.before), rulesOf(o.after)
				out = append(out, ch)
			}
			return out
		}
		sim.Gaining, sim.Losing = fill(gaining), fill(losing)
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

// changedPersons are the names and villages of the persons listed (never
// their ID numbers).
func (s *Store) changedPersons(ctx context.Context, ids []int64) (map[int64]Changed, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.name, p.orgunit, COALESCE(o.name, ''), COALESCE(o.name_en, '')
		FROM persons p LEFT JOIN orgunits o ON o.code = p.orgunit WHERE p.id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("simulate, the persons listed: %w", err)
	}
	defer rows.Close()
	out := map[int64]Changed{}
	for rows.Next() {
		var ch Changed
		if err := rows.Scan(&ch.PersonID, &ch.Name, &ch.Village, &ch.VillageName, &ch.VillageEn); err != nil {
			return nil, fmt.Errorf("simulate, the persons listed: %w", err)
		}
		out[ch.PersonID] = ch
	}
	return out, rows.Err()
}

// simUnitNames are the names of org units by code, in Chinese and English.
func (s *Store) simUnitNames(ctx context.Context, codes []string) (map[string][2]string, error) {
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
