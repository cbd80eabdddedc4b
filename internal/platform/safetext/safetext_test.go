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
