package employment

import "testing"

func TestParseUSCC(t *testing.T) {
	for _, tc := range []struct {
		in, want, code string
	}{
		{"91350100M000100Y43", "91350100M000100Y43", ""}, // the example printed in GB 32100-2015 guides
		{" 91350100m000100y43 ", "91350100M000100Y43", ""},
		{"91310114MA1GT5XX9Q", "91310114MA1GT5XX9Q", ""},
		{"91310000MA1FL1C9X5", "91310000MA1FL1C9X5", ""},
		{"91350100M000100Y44", "", "checksum"},
		{"91350100M000100Y4", "", "length"},
		{"91350100M000100Y433", "", "length"},
		{"91350100M000100I43", "", "charset"}, // I is not in the alphabet
		{"91350100M000100O43", "", "charset"},
		{"9135010-M000100Y43", "", "charset"},
		{"", "", "required"},
	} {
		got, e := ParseUSCC("uscc", tc.in)
		code := ""
		if e != nil {
			code = e.Code
		}
		if got != tc.want || code != tc.code {
			t.Errorf("%q: %q %q, want %q %q", tc.in, got, code, tc.want, tc.code)
		}
	}
	// Every check value 0–30 is reachable, and 31 maps to '0'.
	seen := map[byte]bool{}
	for i := range 2000 {
		first := "913101" + padded(i)
		seen[USCCCheckChar(first)] = true
	}
	if len(seen) != 31 {
		t.Fatalf("check characters seen: %d of 31", len(seen))
	}
}

func padded(i int) string {
	s := "00000000000" + itoa(i)
	return s[len(s)-11:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
