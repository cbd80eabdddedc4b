// Package casework is the workflow engine: a service type is data (states,
// transitions with the roles allowed and the fields they require, a due time
// per state); cases of a type belong to a person, inherit their org unit for
// scope, and move one transaction per action, each step in the timeline and
// in the audit log.
package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/dates"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/view"
)

// Field kinds of transition data.
const (
	KindText  = "text"
	KindInt   = "int"
	KindDate  = "date"  // YYYY-MM-DD
	KindList  = "list"  // a JSON array of objects
	KindMoney = "money" // cents, an integer
	KindBool  = "bool"
	KindEnum  = "enum"
)

// Field is a piece of data a transition requires or accepts.
type Field struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices,omitempty"` // enum values
	Zh       string   `json:"name_zh"`
	En       string   `json:"name_en"`
	// Selects, for a list field with options, makes the case page offer
	// this many selects (a long list: the device catalogue) instead of a
	// checkbox per option.
	Selects int `json:"-"`
	// Short, for a text field, makes the case page ask it in one line (a
	// name, a job title) instead of a box for a few sentences.
	Short bool `json:"-"`
	// Max bounds an int or money field (money in cents); 0: the kind's
	// default (MaxInt, MaxMoneyCents).
	Max int64 `json:"max,omitempty"`
	// Ask makes the case page require the field although the API does
	// not: a field added to an action that API clients already take
	// without it (the reason for closing a device case).
	Ask bool `json:"-"`
}

// Bounds of case data: what a real case needs, far below what breaks a sum.
const (
	MaxText       = 2000        // runes of a text field (a few paragraphs)
	MaxShortText  = 200         // runes of a one-line text field
	MaxListItems  = 100         // items of a list field
	MaxInt        = 1000000000  // an int field, either sign
	MaxMoneyCents = 10000000000 // ¥100 million
)

// Transition is one action that moves a case from one of From to To.
type Transition struct {
	Action string   `json:"action"`
	From   []string `json:"from"`
	To     string   `json:"to"` // "" keeps the state (e.g. renew)
	Roles  []string `json:"roles"`
	Fields []Field  `json:"fields,omitempty"`
	Zh     string   `json:"name_zh"`
	En     string   `json:"name_en"`
}

// State is a state of a workflow.
type State struct {
	Code     string        `json:"code"`
	Zh       string        `json:"name_zh"`
	En       string        `json:"name_en"`
	Due      time.Duration `json:"-"`        // time allowed in this state; 0: none
	Terminal bool          `json:"terminal"` // closed, rejected, cancelled
}

// Effect is a module's side effect of an action, run inside the action's
// transaction after the checks (stock, budget…). It may change c.Data (what
// the case keeps) and return an error to refuse the action. ActorOf(ctx)
// tells who acts.
type Effect func(ctx context.Context, tx *db.Tx, c *Case, action string, data map[string]any) error

// Type is a service type.
type Type struct {
	Code        string
	Zh, En      string
	Initial     string   // the state of a new case
	CreateRoles []string // who may open a case
	// OwnEntry types are opened from their own link or button (a renewal
	// where the certificate is flagged, an appeal beside the decision),
	// not offered among the services of the new-request form unless the
	// link named them.
	OwnEntry     bool
	CreateFields []Field
	States       []State
	Transitions  []Transition
	Effect       Effect // nil: none
	// Options, when set, offers the values a field may take for this case
	// (a centre of the person's district…): the case page shows a list to
	// choose from instead of a box to type in. nil or no options: a box.
	Options func(ctx context.Context, c Case, field string) ([]Option, error)
	// Labels names, on the case page, the data keys the type's effects
	// write and the values its fields take (zh, en); Hidden keys (internal
	// ids) are not shown there.
	Labels map[string][2]string
	Hidden []string
	// Panels, when set, adds tables of the module's own to the case page
	// (the person's loan card…), read as the caller may see them.
	Panels func(ctx context.Context, caller access.Caller, c Case, lang string) ([]view.Table, error)
	// Offers, when set, says whether an action its state allows makes sense
	// for this case's data (a grant is not returned): the case page leaves
	// the others out and Act refuses them (409). nil: every allowed action.
	Offers func(c Case, action string) bool
	// ExpiredCertificate says what opening a case does for an active person
	// whose certificate has expired: CertWarn (the default) asks for a
	// reason and records it on the case, CertRefuse refuses until the
	// certificate is renewed, CertAllow says nothing.
	ExpiredCertificate string
	// Separate keeps duties apart: an action (the key) may not be taken by
	// the user who took the earlier action named (the value) on the same
	// case, e.g. {"approve": "assess"}: who assesses does not approve.
	Separate map[string]string
}

// What opening a case does for a person whose certificate has expired
// (Type.ExpiredCertificate).
const (
	CertWarn   = ""       // allowed with a reason, recorded on the case (the default)
	CertRefuse = "refuse" // refused: the certificate must be renewed first
	CertAllow  = "allow"  // allowed without a word (the renewal itself, a correction of the record)
)

// offers reports whether the type offers action for the case (Offers).
func (t *Type) offers(c Case, action string) bool { return t.Offers == nil || t.Offers(c, action) }

// Option is a value offered for a field, with its label.
type Option struct {
	Value  string
	Zh, En string
	// GroupZh, GroupEn put the option under a heading in a list shown as
	// selects (the items that suit the person first, then all the others);
	// consecutive options of one heading form one group.
	GroupZh, GroupEn string
}

// OptionGroup is a run of options under one heading (none: "").
type OptionGroup struct {
	Zh, En  string
	Options []Option
}

// optionGroups splits options into runs of one heading, in order.
func optionGroups(opts []Option) []OptionGroup {
	var out []OptionGroup
	for _, o := range opts {
		if n := len(out); n > 0 && out[n-1].Zh == o.GroupZh && out[n-1].En == o.GroupEn {
			out[n-1].Options = append(out[n-1].Options, o)
			continue
		}
		out = append(out, OptionGroup{Zh: o.GroupZh, En: o.GroupEn, Options: []Option{o}})
	}
	return out
}

// StateOf finds a state.
func (t *Type) StateOf(code string) (State, bool) {
	for _, s := range t.States {
		if s.Code == code {
			return s, true
		}
	}
	return State{}, false
}

// Name is the type's name in lang.
func (t *Type) Name(lang string) string { return apperr.T(t.Zh, t.En).In(lang) }

// check validates the type's definition (at registration).
func (t *Type) check() error {
	if _, ok := t.StateOf(t.Initial); !ok {
		return fmt.Errorf("service type %s: initial state %q is not a state", t.Code, t.Initial)
	}
	for _, tr := range t.Transitions {
		for _, f := range tr.From {
			if _, ok := t.StateOf(f); !ok {
				return fmt.Errorf("service type %s: %s starts from unknown state %q", t.Code, tr.Action, f)
			}
		}
		if _, ok := t.StateOf(tr.To); tr.To != "" && !ok {
			return fmt.Errorf("service type %s: %s goes to unknown state %q", t.Code, tr.Action, tr.To)
		}
	}
	return nil
}

// checkData validates data against fields: required ones present, kinds
// right. Errors name the field, in Chinese and English. Dates typed in the
// common Chinese forms are rewritten YYYY-MM-DD in data.
func checkData(fields []Field, data map[string]any) []apperr.FieldError {
	var out []apperr.FieldError
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if !slices.ContainsFunc(fields, func(f Field) bool { return f.Name == k }) {
			out = append(out, apperr.Field(k, "unknown", "此步骤不接受这项数据："+k+"。", "This step takes no data named "+k+"."))
		}
	}
	for _, f := range fields {
		v, ok := data[f.Name]
		if !ok || v == nil || v == "" {
			if f.Required {
				out = append(out, apperr.Field(f.Name, "required", "请填写"+f.Zh+"。", f.En+" is required."))
			}
			continue
		}
		bad := false
		switch f.Kind {
		case KindText:
			s, isStr := v.(string)
			bad = !isStr
			limit := MaxText
			if f.Short {
				limit = MaxShortText
			}
			if isStr && utf8.RuneCountInString(s) > limit {
				out = append(out, apperr.Field(f.Name, "too_long", fmt.Sprintf("%s最多 %d 个字。", f.Zh, limit), fmt.Sprintf("%s takes at most %d characters.", f.En, limit)))
				continue
			}
		case KindInt, KindMoney:
			n, isNum := v.(json.Number)
			if isNum {
				i, err := n.Int64()
				bad = err != nil
				lo, hi := int64(-MaxInt), int64(MaxInt)
				if f.Kind == KindMoney {
					lo, hi = 0, MaxMoneyCents
				}
				if f.Max > 0 {
					hi = f.Max
				}
				if err == nil && (i < lo || i > hi) {
					zh, en := fmt.Sprintf("%s应在 %d 到 %d 之间。", f.Zh, lo, hi), fmt.Sprintf("%s must be from %d to %d.", f.En, lo, hi)
					if f.Kind == KindMoney {
						zh, en = fmt.Sprintf("%s应大于 0，不超过 %s 元。", f.Zh, money.Yuan(hi)), fmt.Sprintf("%s must be more than 0 and at most %s yuan.", f.En, money.Yuan(hi))
					}
					out = append(out, apperr.Field(f.Name, "range", zh, en))
					continue
				}
			} else {
				bad = true
			}
		case KindBool:
			_, isBool := v.(bool)
			bad = !isBool
		case KindDate: // the common Chinese forms too, kept as YYYY-MM-DD
			s, isStr := v.(string)
			iso, err := dates.ISO(s)
			bad = !isStr || err != nil
			if !bad {
				data[f.Name] = iso
			}
		case KindEnum:
			s, isStr := v.(string)
			bad = !isStr || !slices.Contains(f.Choices, s)
		case KindList:
			l, isList := v.([]any)
			bad = !isList || len(l) == 0 && f.Required
			if isList && len(l) > MaxListItems {
				out = append(out, apperr.Field(f.Name, "too_long", fmt.Sprintf("%s最多 %d 项。", f.Zh, MaxListItems), fmt.Sprintf("%s takes at most %d items.", f.En, MaxListItems)))
				continue
			}
		}
		if bad {
			want := map[string][2]string{KindText: {"文字", "text"}, KindInt: {"整数", "a whole number"}, KindMoney: {"金额（分，整数）", "an amount in cents"},
				KindBool: {"是或否", "true or false"}, KindDate: {"日期，如 2026-03-05 或 2026年3月5日", "a date, e.g. 2026-03-05 or 2026年3月5日"},
				KindEnum: {"以下之一：" + strings.Join(f.Choices, "、"), "one of " + strings.Join(f.Choices, ", ")}, KindList: {"非空列表", "a non-empty list"}}[f.Kind]
			out = append(out, apperr.Field(f.Name, "invalid", f.Zh+"应为"+want[0]+"。", f.En+" must be "+want[1]+"."))
		}
	}
	return out
}

type actorKey struct{}

// withActor tells effects who acts.
func withActor(ctx context.Context, a audit.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf is who takes the action an effect runs for (the zero actor outside
// an action).
func ActorOf(ctx context.Context) audit.Actor {
	a, _ := ctx.Value(actorKey{}).(audit.Actor)
	return a
}
