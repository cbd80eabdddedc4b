package sms

import (
	"fmt"
	"sort"
	"unicode"
	"unicode/utf8"
)

// MaxParamLen is the longest value, in characters, that a template
// parameter takes: the gateway's limit for a variable of a notification
// template ("other" variables: names, places, dates) is 35 characters.
const MaxParamLen = 35

// maxParams bounds the parameters of one template.
const maxParams = 20

// Template is one template approved by the gateway: its code there and the
// names of its parameters, all of which a message must fill.
type Template struct {
	Code   string   // the gateway's template code, e.g. "SMS_123456789"
	Params []string // the template's variable names, e.g. "name", "date"
}

// Templates maps Sunshine's message kinds (e.g. "loan_due") to the gateway's
// approved templates. It is read-only once made, so safe for concurrent use.
type Templates struct {
	byKind map[string]Template
	byCode map[string]Template
}

// ParamError says why a message's parameters are refused. It wraps
// ErrPermanent: the same parameters fail again.
type ParamError struct {
	Param string // the parameter, "" for the message as a whole
	Code  string // "unknown_kind", "unknown_template", "unknown_param", "missing_param", "control", "too_long", "empty"
	ZH    string
	EN    string
}

func (e *ParamError) Error() string { return "sms: " + e.EN }

// Unwrap makes errors.Is(err, ErrPermanent) true.
func (e *ParamError) Unwrap() error { return ErrPermanent }

// NewTemplates checks and keeps the templates by kind: each needs a code made
// of letters, digits and _-., no code twice, and parameter names of letters,
// digits and underscores, each once.
func NewTemplates(kinds map[string]Template) (*Templates, error) {
	t := &Templates{byKind: map[string]Template{}, byCode: map[string]Template{}}
	for kind, tp := range kinds {
		if kind == "" || tp.Code == "" || !isCode(tp.Code) {
			return nil, fmt.Errorf("sms: template for kind %q: code %q must be made of letters, digits, \"_\", \"-\" and \".\" only", kind, tp.Code)
		}
		if _, dup := t.byCode[tp.Code]; dup {
			return nil, fmt.Errorf("sms: template code %q given for two kinds", tp.Code)
		}
		if len(tp.Params) > maxParams {
			return nil, fmt.Errorf("sms: template %q: at most %d parameters", tp.Code, maxParams)
		}
		seen := map[string]bool{}
		for _, p := range tp.Params {
			if p == "" || !isName(p) || seen[p] {
				return nil, fmt.Errorf("sms: template %q: parameter name %q is empty, repeated or not letters, digits and _", tp.Code, p)
			}
			seen[p] = true
		}
		tp.Params = append([]string(nil), tp.Params...)
		t.byKind[kind] = tp
		t.byCode[tp.Code] = tp
	}
	return t, nil
}

// Message builds the message of a kind to a phone number: the number
// normalised (NormalizePhone), the kind's template code, and exactly the
// template's parameters, checked by Check. Errors wrap ErrPermanent.
func (t *Templates) Message(kind, phone string, params map[string]string) (Message, error) {
	tp, ok := t.byKind[kind]
	if !ok {
		return Message{}, &ParamError{"", "unknown_kind", "没有“" + kind + "”类消息的短信模板。", "no SMS template for messages of kind " + kind}
	}
	p, err := NormalizePhone(phone)
	if err != nil {
		return Message{}, err
	}
	m := Message{Phone: p, Template: tp.Code, Params: params}
	if err := t.Check(m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// Check refuses a message whose template is not in the registry, that has a
// parameter the template lacks or lacks one it has, or whose values break
// CheckParams' rules. Errors are *ParamError.
func (t *Templates) Check(m Message) error {
	tp, ok := t.byCode[m.Template]
	if !ok {
		return &ParamError{"", "unknown_template", "短信模板“" + m.Template + "”未登记。", "SMS template " + m.Template + " is not registered"}
	}
	allowed := map[string]bool{}
	for _, p := range tp.Params {
		allowed[p] = true
		if _, ok := m.Params[p]; !ok {
			return &ParamError{p, "missing_param", "缺少模板参数“" + p + "”。", "the template parameter " + p + " is missing"}
		}
	}
	for _, name := range sortedKeys(m.Params) {
		if !allowed[name] {
			return &ParamError{name, "unknown_param", "模板没有参数“" + name + "”。", "the template has no parameter " + name}
		}
	}
	return CheckParams(m.Params)
}

// CheckParams refuses a parameter value that is empty, holds a control or
// format character (line breaks included), or is longer than MaxParamLen
// characters. Errors are *ParamError.
func CheckParams(params map[string]string) error {
	if len(params) > maxParams {
		return &ParamError{"", "too_many", fmt.Sprintf("模板参数过多，最多%d个。", maxParams), fmt.Sprintf("too many template parameters: at most %d", maxParams)}
	}
	for _, name := range sortedKeys(params) {
		v := params[name]
		switch {
		case name == "" || !isName(name):
			return &ParamError{name, "unknown_param", "模板参数名“" + name + "”无效。", "the template parameter name " + name + " is not valid"}
		case v == "":
			return &ParamError{name, "empty", "模板参数“" + name + "”为空。", "the template parameter " + name + " is empty"}
		case !utf8.ValidString(v) || hasControl(v):
			return &ParamError{name, "control", "模板参数“" + name + "”含有控制字符。", "the template parameter " + name + " holds control characters"}
		case utf8.RuneCountInString(v) > MaxParamLen:
			return &ParamError{name, "too_long", fmt.Sprintf("模板参数“%s”过长，最多%d个字。", name, MaxParamLen), fmt.Sprintf("the template parameter %s is too long: at most %d characters", name, MaxParamLen)}
		}
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

func isName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return len(s) <= 64
}

func isCode(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return len(s) <= 64
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
