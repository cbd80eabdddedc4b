package jobs

import (
	"strings"
	"testing"
)

func bitsFor(t *testing.T, ts []Term, list ...string) uint64 {
	t.Helper()
	b, errs := bitsOf(ts, "x", list)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return b
}

// TestRankKnownOrder: a fixture whose right order is worked out by hand from
// the points of each factor.
func TestRankKnownOrder(t *testing.T) {
	const village, town = "310114102201", "310114102"
	full, flexible, senior, junior := index(Hours, "full_time"), index(Hours, "flexible"), index(Education, "senior"), index(Education, "junior")
	o := Opening{ID: 9, OrgUnit: village, MinEducation: senior, Hours: full,
		Skills: bitsFor(t, Skills, "computer", "data_entry"), Offers: bitsFor(t, Accommodations, "step_free", "accessible_toilet")}
	seekers := []Profile{
		// 20 (1 of 2 skills) + 0 (screen reader not offered) + 20 (village) + 15 (hours) = 55
		{PersonID: 3, OrgUnit: village, Education: senior, Hours: full, Skills: bitsFor(t, Skills, "computer"), Needs: bitsFor(t, Accommodations, "screen_reader")},
		// 40 + 25 (needs nothing) + 14 (same town) + 10 (flexible) = 89
		{PersonID: 2, OrgUnit: town + "205", Education: senior, Hours: flexible, Skills: bitsFor(t, Skills, "computer", "data_entry", "sewing")},
		// 40 + 25 + 0 (Kunshan) + 15 = 80
		{PersonID: 5, OrgUnit: "320583100201", Education: senior, Hours: full, Skills: bitsFor(t, Skills, "computer", "data_entry")},
		// 40 + 25 (step-free offered) + 20 + 15 = 100
		{PersonID: 7, OrgUnit: village, Education: senior, Hours: full, Skills: bitsFor(t, Skills, "computer", "data_entry"), Needs: bitsFor(t, Accommodations, "step_free")},
		// 100 − 20 (junior < senior) = 80; ties with 5, after it (higher id)
		{PersonID: 6, OrgUnit: village, Education: junior, Hours: full, Skills: bitsFor(t, Skills, "computer", "data_entry")},
		// 0 skills + 25 + 6 (same district) + 0 (part time) = 31
		{PersonID: 1, OrgUnit: "310114103201", Education: senior, Hours: index(Hours, "part_time")},
	}
	got := Rank(o, seekers, 10)
	want := []struct {
		id    int64
		score int
	}{{7, 100}, {2, 89}, {5, 80}, {6, 80}, {3, 55}, {1, 31}}
	if len(got) != len(want) {
		t.Fatalf("ranked %d, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].PersonID != w.id || got[i].Score != w.score {
			t.Errorf("#%d: person %d score %d, want person %d score %d", i+1, got[i].PersonID, got[i].Score, w.id, w.score)
		}
		sum := 0
		for _, r := range got[i].Reasons {
			sum += r.Points
		}
		if max(sum, 0) != got[i].Score {
			t.Errorf("person %d: reasons add up to %d, score %d", got[i].PersonID, sum, got[i].Score)
		}
	}
	if top := Rank(o, seekers, 2); len(top) != 2 || top[1].PersonID != 2 {
		t.Errorf("top 2: %+v", top)
	}
	// The explanations name what is missing, in both languages.
	three := got[4].Reasons
	if !strings.Contains(three[0].Zh, "缺少：数据录入") || !strings.Contains(three[0].En, "missing: Data entry") ||
		!strings.Contains(three[1].Zh, "读屏软件") || !strings.Contains(three[1].En, "Screen reader") || three[1].Points != 0 {
		t.Errorf("explanations of person 3: %+v", three)
	}
	six := got[3].Reasons
	if last := six[len(six)-1]; last.Factor != "education" || last.Points != -EducationPenalty || !strings.Contains(last.Zh, "初中") {
		t.Errorf("education reason of person 6: %+v", six)
	}

	// Vacancies for a seeker: the one in their village that offers what they need first.
	p := seekers[0] // person 3: computer; needs a screen reader
	openings := []Opening{
		{ID: 1, OrgUnit: "310114103201", Hours: full, Skills: bitsFor(t, Skills, "computer"), Offers: bitsFor(t, Accommodations, "screen_reader")}, // 40+25+6+15 = 86
		{ID: 2, OrgUnit: village, Hours: full, Skills: bitsFor(t, Skills, "computer"), Offers: bitsFor(t, Accommodations, "screen_reader")},        // 100
		{ID: 3, OrgUnit: village, Hours: full, Skills: bitsFor(t, Skills, "computer")},                                                             // 75
	}
	ranked := RankOpenings(p, openings, 3)
	if ranked[0].VacancyID != 2 || ranked[1].VacancyID != 1 || ranked[2].VacancyID != 3 || ranked[0].Score != 100 || ranked[1].Score != 86 || ranked[2].Score != 75 {
		t.Errorf("vacancies for person 3: %+v", ranked)
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"310114102201", "310114102201", 0}, {"310114102201", "310114102", 1}, {"310114102201", "310114102202", 1},
		{"310114102201", "310114103201", 2}, {"310114102201", "310114", 2}, {"310114102201", "320583100201", 3},
	} {
		if got := distance(c.a, c.b); got != c.want {
			t.Errorf("distance(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
