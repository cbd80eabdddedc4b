package safetext

import "testing"

func TestNarrow(t *testing.T) {
	for in, want := range map[string]string{
		"１１０１０５１９４９１２３１００２Ｘ": "11010519491231002X",
		"０２１－５９５３１２３４":       "021-59531234",
		"\u3000１３８":          " 138", // the ideographic space becomes a space, for TrimSpace
		"ｂ１":                 "b1",
		"plain 123":          "plain 123",
		"":                   "",
	} {
		if got := Narrow(in); got != want {
			t.Errorf("Narrow(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBad(t *testing.T) {
	for in, want := range map[string]bool{
		"张三":           false,
		"line\r\nnext": false,
		"tab\there":    false,
		"nul\x00":      true,
		"bell\a":       true,
		"c1\u0085":     true,
		"rtl\u202e":    true,
		"iso\u2066":    true,
	} {
		if got := Bad(in); got != want {
			t.Errorf("Bad(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestField(t *testing.T) {
	for _, c := range []struct {
		in       string
		required bool
		want     string // the error's code, "" none
		kept     string
	}{
		{"  合唱团 ", true, "", "合唱团"},
		{"   ", true, "required", ""},
		{"", false, "", ""},
		{"a\x00b", false, "control", "a\x00b"},
		{"一二三四五六", false, "too_long", "一二三四五六"},
		{"一二三四五", true, "", "一二三四五"},
	} {
		s := c.in
		fe := Field("name", &s, c.required, 5, "名称", "name")
		got := ""
		if fe != nil {
			got = fe.Code
			if fe.Field != "name" {
				t.Errorf("%q: field %q", c.in, fe.Field)
			}
		}
		if got != c.want || s != c.kept {
			t.Errorf("%q: got %q and %q, want %q and %q", c.in, got, s, c.want, c.kept)
		}
	}
}
