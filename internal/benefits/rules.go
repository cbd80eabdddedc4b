// Package benefits decides the two monthly subsidies of DOMAIN.md §4 (the
// living subsidy and the care subsidy) from rules kept as data: each rule
// is a CEL condition over a person's facts with an amount in cents, a
// stable code, an order and the month it takes effect from. District staff
// enter next year's amounts or a new condition as a new version of a rule;
// no code changes.
//
// The decision is a pure function (Decide) of the rules in force for a
// month (RuleSet) and a person's facts (Facts); the store reads both.
package benefits

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/interpreter"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
)

// The benefits (DOMAIN.md §4).
const (
	Living = "living_subsidy"
	Care   = "care_subsidy"
)

// Benefits lists the benefits in the order of a decision's items.
var Benefits = []string{Living, Care}

// BenefitName is the name of a benefit in lang.
func BenefitName(benefit, lang string) string {
	switch benefit {
	case Living:
		return apperr.T("困难残疾人生活补贴", "Living subsidy for disabled persons in need").In(lang)
	case Care:
		return apperr.T("重度残疾人护理补贴", "Care subsidy for severely disabled persons").In(lang)
	}
	return benefit
}

// The kinds of rule. A requirement's condition must hold for the benefit
// to be paid at all (when it does not, the requirement's code decides: not
// eligible); a grant pays its amount when its condition holds. Of the
// grants that hold, the highest amount decides (the first in order on a
// tie): "one person gets one amount, the higher".
const (
	Requires = "requires"
	Grants   = "grants"
)

// NoClause is the code of the decision "no clause applies" for a benefit
// (every requirement holds, no grant does).
func NoClause(benefit string) string {
	if benefit == Living {
		return "living_no_clause"
	}
	return "care_no_clause"
}

// Rule is one version of a rule: from EffectiveFrom (a month, YYYY-MM) on,
// until a later version of the same code takes effect.
type Rule struct {
	ID            int64     `json:"id"`
	Code          string    `json:"code"`
	Benefit       string    `json:"benefit"`
	Kind          string    `json:"kind"`
	Position      int       `json:"position"`
	Condition     string    `json:"condition"`
	AmountCents   int64     `json:"amount_cents"`
	EffectiveFrom string    `json:"effective_from"`
	TitleZh       string    `json:"title_zh"`
	TitleEn       string    `json:"title_en"`
	CreatedAt     time.Time `json:"created_at"`
	CreatedBy     string    `json:"created_by"`
}

// Title is the rule's description in lang.
func (r Rule) Title(lang string) string { return apperr.T(r.TitleZh, r.TitleEn).In(lang) }

// The facts a condition may name, with their CEL types. Conditions are
// type-checked against them when saved.
var variables = []struct {
	Name string
	Type *cel.Type
}{
	{"hukou", cel.StringType},            // "local" or "nonlocal"
	{"certificate_active", cel.BoolType}, // status active and issued less than 10 years before the month's first day
	{"status", cel.StringType},           // "active", "moved_out", "deceased", "cancelled"
	{"category", cel.IntType},            // 1–7
	{"grade", cel.IntType},               // 1–4 (category 7: the grade of the multiple disability)
	{"components", cel.ListType(cel.IntType)},
	{"economic_status", cel.StringType}, // the year's annual record; "normal" without one
	{"employment", cel.StringType},      // the year's annual record; "unknown" without one
	{"annual_record", cel.BoolType},     // the person has an annual record of the month's year
	{"age", cel.IntType},                // the month's year − birth year (0 when unknown)
}

// VariableNames lists the facts a condition may name, in order.
func VariableNames() []string {
	out := make([]string, len(variables))
	for i, v := range variables {
		out[i] = v.Name
	}
	return out
}

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

func celEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		var opts []cel.EnvOption
		for _, v := range variables {
			opts = append(opts, cel.Variable(v.Name, v.Type))
		}
		env, envErr = cel.NewEnv(opts...)
	})
	return env, envErr
}

// MaxCondition bounds a condition's length (characters).
const MaxCondition = 2000

// costLimit bounds the estimated work of one evaluation: a condition that
// may cost more (comprehensions over long literal lists) is refused when
// saved, so that evaluating it over every person of a district stays fast
// without tracking the cost at run time.
const costLimit = 10_000

// sizes tells the cost estimator how large the facts are: components has
// at most 7 elements, a text at most 32 characters.
type sizes struct{}

func (sizes) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

func (sizes) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if p := n.Path(); len(p) == 1 {
		if p[0] == "components" {
			return &cost.SizeEstimate{Min: 0, Max: 7}
		}
		return &cost.SizeEstimate{Min: 0, Max: 32}
	}
	return nil
}

// Program is a compiled condition and the facts it names.
type Program struct {
	prg   cel.Program
	Facts []string // the variables the condition names, in the order of variables
}

// programs caches compiled conditions by their text: a rule is compiled
// once, and a new version (another text) compiles anew.
var programs sync.Map // string → *Program

// Compile type-checks a condition and compiles it, or refuses it with the
// field "condition": the position (line:column) and the reason of the first
// error, or that it does not give true or false.
func Compile(condition string) (*Program, error) {
	if p, ok := programs.Load(condition); ok {
		return p.(*Program), nil
	}
	field := func(code, zh, en string) error {
		return apperr.Validation(apperr.Field("condition", code, zh, en))
	}
	if strings.TrimSpace(condition) == "" {
		return nil, field("required", "请填写条件。", "Enter the condition.")
	}
	if len([]rune(condition)) > MaxCondition {
		return nil, field("too_long", fmt.Sprintf("条件最多 %d 个字符。", MaxCondition), fmt.Sprintf("The condition has at most %d characters.", MaxCondition))
	}
	e, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("benefit rules environment: %w", err)
	}
	ast, iss := e.Compile(condition)
	if iss != nil && iss.Err() != nil {
		errs := iss.Errors()
		line, col, msg := 1, 1, iss.Err().Error()
		if len(errs) > 0 {
			line, col, msg = errs[0].Location.Line(), errs[0].Location.Column()+1, errs[0].Message
		}
		return nil, field("compile", fmt.Sprintf("条件第 %d 行第 %d 列有错误：%s。", line, col, celZh(msg)),
			fmt.Sprintf("The condition has an error at line %d, column %d: %s.", line, col, msg))
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, field("not_boolean", fmt.Sprintf("条件第 1 行第 1 列有错误：条件的结果必须是“真”或“假”（bool），而不是 %s。", ast.OutputType()),
			fmt.Sprintf("The condition has an error at line 1, column 1: it must give true or false (bool), not %s.", ast.OutputType()))
	}
	if est, err := e.EstimateCost(ast, sizes{}); err != nil || est.Max > costLimit {
		return nil, field("too_costly", "条件第 1 行第 1 列有错误：条件过于复杂（对很长的列表做运算），请简化。",
			"The condition has an error at line 1, column 1: it is too complex (it works over very long lists); make it simpler.")
	}
	prg, err := e.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fmt.Errorf("compile benefit rule: %w", err)
	}
	named := map[string]bool{}
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref != nil && len(ref.OverloadIDs) == 0 {
			named[ref.Name] = true
		}
	}
	p := &Program{prg: prg}
	for _, v := range variables {
		if named[v.Name] {
			p.Facts = append(p.Facts, v.Name)
		}
	}
	actual, _ := programs.LoadOrStore(condition, p)
	return actual.(*Program), nil
}

// celZh puts the common CEL messages into Chinese (the English message
// follows in brackets); others stay as CEL writes them.
func celZh(msg string) string {
	for _, t := range []struct{ prefix, zh string }{
		{"undeclared reference to", "未知的名称"},
		{"Syntax error", "语法错误"},
		{"found no matching overload for", "运算的对象类型不匹配"},
		{"no matching overload", "运算的对象类型不匹配"},
	} {
		if strings.HasPrefix(msg, t.prefix) {
			return t.zh + "（" + msg + "）"
		}
	}
	return msg
}

// Eval evaluates the condition on a person's facts.
func (p *Program) Eval(f Facts) (bool, error) {
	out, _, err := p.prg.Eval(activation{&f})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition gave %v, not true or false", out.Value())
	}
	return b, nil
}

// activation resolves the variables of a condition from facts without
// building a map per person.
type activation struct{ f *Facts }

func (a activation) ResolveName(name string) (any, bool) {
	f := a.f
	switch name {
	case "hukou":
		return f.Hukou, true
	case "certificate_active":
		return f.CertificateActive, true
	case "status":
		return f.Status, true
	case "category":
		return int64(f.Category), true
	case "grade":
		return int64(f.Grade), true
	case "components":
		out := make([]int64, len(f.Components))
		for i, c := range f.Components {
			out[i] = int64(c)
		}
		return out, true
	case "economic_status":
		return f.EconomicStatus, true
	case "employment":
		return f.Employment, true
	case "annual_record":
		return f.AnnualRecord, true
	case "age":
		return int64(f.Age), true
	}
	return nil, false
}

func (activation) Parent() interpreter.Activation { return nil }

// compiled is a rule in force with its program.
type compiled struct {
	Rule
	prg *Program
}

// RuleSet is the rules in force for a month, compiled: per benefit the
// requirements, then the grants, each in order.
type RuleSet struct {
	Month string
	rules []compiled
}

// Rules are the rules of the set, in order.
func (rs *RuleSet) Rules() []Rule {
	out := make([]Rule, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = r.Rule
	}
	return out
}

// InForce picks, of every code, the latest version that takes effect by
// month (YYYY-MM); codes with no such version are left out.
func InForce(all []Rule, month string) []Rule {
	latest := map[string]Rule{}
	for _, r := range all {
		if r.EffectiveFrom > month {
			continue
		}
		if cur, ok := latest[r.Code]; !ok || r.EffectiveFrom > cur.EffectiveFrom || (r.EffectiveFrom == cur.EffectiveFrom && r.ID > cur.ID) {
			latest[r.Code] = r
		}
	}
	out := make([]Rule, 0, len(latest))
	for _, r := range latest {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Benefit != b.Benefit {
			return slices.Index(Benefits, a.Benefit) < slices.Index(Benefits, b.Benefit)
		}
		if a.Kind != b.Kind {
			return a.Kind == Requires
		}
		if a.Position != b.Position {
			return a.Position < b.Position
		}
		return a.Code < b.Code
	})
	return out
}

// NewRuleSet compiles the rules in force for month out of all versions.
func NewRuleSet(all []Rule, month string) (*RuleSet, error) {
	rs := &RuleSet{Month: month}
	for _, r := range InForce(all, month) {
		p, err := Compile(r.Condition)
		if err != nil {
			return nil, fmt.Errorf("rule %s (from %s): %w", r.Code, r.EffectiveFrom, err)
		}
		rs.rules = append(rs.rules, compiled{Rule: r, prg: p})
	}
	return rs, nil
}

// Item is the decision on one benefit: eligible or not, the amount a month
// in cents (0 when not eligible), the code of the rule that decided, and
// the reasons: sentences naming the facts used.
type Item struct {
	Benefit     string
	Eligible    bool
	AmountCents int64
	Rule        string
	// RuleTitle names the rule that decided in words, for pages (Rule is
	// the stable code the API gives).
	RuleTitle apperr.Text
	Reasons   []apperr.Text
}

// Decision is the decision on both benefits for a month.
type Decision struct {
	Month string
	Items []Item
}

// Decide decides both benefits for the facts of a person (pure: tests call
// it without a database).
func Decide(rs *RuleSet, f Facts) Decision {
	d := Decision{Month: rs.Month}
	for _, b := range Benefits {
		d.Items = append(d.Items, DecideBenefit(rs, b, f))
	}
	return d
}

// DecideBenefit decides one benefit: the first requirement that does not
// hold decides "not eligible"; else the grant that holds with the highest
// amount; else NoClause. The reasons name the facts used.
func DecideBenefit(rs *RuleSet, benefit string, f Facts) Item { return decide(rs, benefit, f, true) }

// DecideAmount is DecideBenefit without the reasons (Reasons nil): for
// rosters and simulations over many persons, where only the amount and the
// rule code are kept.
func DecideAmount(rs *RuleSet, benefit string, f Facts) Item { return decide(rs, benefit, f, false) }

func decide(rs *RuleSet, benefit string, f Facts, explain bool) Item {
	it := Item{Benefit: benefit}
	var used []string
	var notes []apperr.Text
	var best *compiled
	var grantFacts []string
	for i := range rs.rules {
		r := &rs.rules[i]
		if r.Benefit != benefit {
			continue
		}
		ok, err := r.prg.Eval(f)
		if err != nil && explain {
			notes = append(notes, apperr.T(fmt.Sprintf("规则 %s 无法计算（%v），按不符合处理。", r.Code, err),
				fmt.Sprintf("Rule %s could not be evaluated (%v); taken as not met.", r.Code, err)))
		}
		switch r.Kind {
		case Requires:
			if explain {
				used = append(used, r.prg.Facts...)
			}
			if !ok {
				it.Rule, it.RuleTitle = r.Code, apperr.T("未满足："+r.TitleZh, "Not met: "+r.TitleEn)
				if explain {
					it.Reasons = append(factReasons(f, used), notes...)
					it.Reasons = append(it.Reasons, apperr.T("不符合条件："+r.TitleZh+"。", "A requirement is not met: "+r.TitleEn+"."))
				}
				return it
			}
		case Grants:
			if explain {
				grantFacts = append(grantFacts, r.prg.Facts...)
			}
			if ok && (best == nil || r.AmountCents > best.AmountCents) {
				best = r
			}
		}
	}
	if best == nil {
		it.Rule, it.RuleTitle = NoClause(benefit), apperr.T("没有适用的发放条款", "No clause applies")
		if explain {
			it.Reasons = append(factReasons(f, append(used, grantFacts...)), notes...)
			it.Reasons = append(it.Reasons, apperr.T("没有适用的发放条款。", "No clause of the benefit applies."))
		}
		return it
	}
	it.Eligible, it.AmountCents, it.Rule, it.RuleTitle = true, best.AmountCents, best.Code, apperr.T(best.TitleZh, best.TitleEn)
	if explain {
		it.Reasons = append(factReasons(f, append(used, best.prg.Facts...)), notes...)
		it.Reasons = append(it.Reasons, apperr.T(fmt.Sprintf("适用条款：%s，每月 %s 元。", best.TitleZh, money.Yuan(best.AmountCents)),
			fmt.Sprintf("The clause that applies: %s, %s yuan a month.", best.TitleEn, money.Yuan(best.AmountCents))))
	}
	return it
}
