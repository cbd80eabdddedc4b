package shop

import (
	"math/rand/v2"
	"testing"
)

func TestParsePrice(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		code string
	}{
		{"128", 12800, ""}, {"12.5", 1250, ""}, {"¥0.01", 1, ""}, {"1000000", 100000000, ""},
		{"0", 0, "zero"}, {"0.00", 0, "zero"}, {"1000000.01", 0, "too_large"}, {"99999999999999999", 0, "too_large"},
		{"-5", 0, "invalid"}, {"abc", 0, "invalid"}, {"1.234", 0, "invalid"}, {"", 0, "required"},
	} {
		got, fe := ParsePrice("price", c.in)
		code := ""
		if fe != nil {
			code = fe.Code
		}
		if code != c.code || c.code == "" && got != c.want {
			t.Errorf("ParsePrice(%q) = %d, %q; want %d, %q", c.in, got, code, c.want, c.code)
		}
	}
}

func TestShares(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{{"50", 5000, true}, {"33.33", 3333, true}, {"33.3", 3330, true}, {"100%", 10000, true}, {"0.01", 1, true},
		{"0", 0, false}, {"100.01", 0, false}, {"-5", 0, false}, {"1e2", 0, false}, {"50.", 0, false}, {"", 0, false}, {"+5", 0, false}} {
		got, fe := ParseShare("s", c.in)
		if (fe == nil) != c.ok || c.ok && got != c.want {
			t.Errorf("ParseShare(%q) = %d, %v", c.in, got, fe)
		}
	}
	for _, c := range []struct {
		shares []Share
		code   string
	}{
		{[]Share{{1, 10000}}, ""},
		{[]Share{{1, 3334}, {2, 3333}, {3, 3333}}, ""},
		{[]Share{{1, 5000}, {2, 4999}}, "sum"},
		{[]Share{{1, 5000}, {2, 5001}}, "sum"},
		{[]Share{{1, 5000}, {1, 5000}}, "duplicate"},
		{[]Share{{1, 0}, {2, 10000}}, "range"},
		{nil, "required"},
		{[]Share{{1, 1000}, {2, 1000}, {3, 1000}, {4, 1000}, {5, 1000}, {6, 1000}, {7, 4000}}, "too_many"},
	} {
		fe := CheckShares(c.shares)
		code := ""
		if fe != nil {
			code = fe.Code
		}
		if code != c.code {
			t.Errorf("CheckShares(%v) = %q, want %q", c.shares, code, c.code)
		}
	}
	if Percent(3333) != "33.33%" || Percent(10000) != "100%" || Percent(5050) != "50.5%" {
		t.Errorf("Percent: %s %s %s", Percent(3333), Percent(10000), Percent(5050))
	}
}

func TestPhone(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"13800138000", "13800138000"}, {"+86 138-0013-8000", "13800138000"}, {"021-59990000", "02159990000"}, {"(0871)3123456", "08713123456"},
		{"0878-3123456", "08783123456"},
	} {
		got, fe := CheckPhone("p", c.in)
		if fe != nil || got != c.want {
			t.Errorf("CheckPhone(%q) = %q, %v", c.in, got, fe)
		}
	}
	for _, in := range []string{"", "12345", "59990000", "hello", "1380013800\x00", "+1 415 555 0100", "4008001234", "138001380001234567890123456789012345678901234567890"} {
		if _, fe := CheckPhone("p", in); fe == nil {
			t.Errorf("CheckPhone(%q) accepted", in)
		}
	}
	if MaskPhone("13800138000") != "138****8000" {
		t.Error(MaskPhone("13800138000"))
	}
}

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		cents int64
		bps   []int
		want  []int64
	}{
		{100, []int{3334, 3333, 3333}, []int64{34, 33, 33}},
		{1, []int{5000, 5000}, []int64{1, 0}},
		{3, []int{3333, 3334, 3333}, []int64{1, 1, 1}},
		{10000, []int{10000}, []int64{10000}},
		{99, []int{2500, 2500, 2500, 2500}, []int64{25, 25, 25, 24}},
	} {
		got := Split(c.cents, c.bps)
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("Split(%d, %v) = %v, want %v", c.cents, c.bps, got, c.want)
				break
			}
		}
	}
}

// randomShares splits 100% among n artisans at random (each at least 1 bp).
func randomShares(r *rand.Rand, n int) []int {
	cuts := map[int]bool{}
	for len(cuts) < n-1 {
		cuts[1+r.IntN(WholeShare-1)] = true
	}
	var points []int
	for c := range cuts {
		points = append(points, c)
	}
	points = append(points, 0, WholeShare)
	for i := range points {
		for j := i + 1; j < len(points); j++ {
			if points[j] < points[i] {
				points[i], points[j] = points[j], points[i]
			}
		}
	}
	out := make([]int, n)
	for i := range out {
		out[i] = points[i+1] - points[i]
	}
	return out
}

// TestPayoutsAddUp is the property: for random lines and shares, the
// payouts add up to the proceeds to the cent, no part is negative, and each
// part is within one cent of its exact share.
func TestPayoutsAddUp(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 2026))
	for round := 0; round < 2000; round++ {
		var lines []SoldLine
		var proceeds int64
		for range 1 + r.IntN(30) {
			n := 1 + r.IntN(MaxArtisans)
			bps := randomShares(r, n)
			arts := r.Perm(12)[:n]
			l := SoldLine{Proceeds: int64(1+r.IntN(MaxQuantity)) * (1 + r.Int64N(MaxPrice)), BPs: bps}
			for _, a := range arts {
				l.Artisans = append(l.Artisans, int64(a+1))
			}
			for i, part := range Split(l.Proceeds, bps) {
				exact := float64(l.Proceeds) * float64(bps[i]) / WholeShare
				if part < 0 || float64(part) < exact-1 || float64(part) > exact+1 {
					t.Fatalf("Split(%d, %v)[%d] = %d, exact %f", l.Proceeds, bps, i, part, exact)
				}
			}
			proceeds += l.Proceeds
			lines = append(lines, l)
		}
		var paid int64
		for _, p := range Payouts(lines) {
			paid += p.Cents
		}
		if paid != proceeds {
			t.Fatalf("round %d: payouts %d, proceeds %d", round, paid, proceeds)
		}
	}
}
