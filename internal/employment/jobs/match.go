package jobs

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
)

// Profile is what matching reads of a job seeker.
type Profile struct {
	PersonID  int64
	OrgUnit   string // where the person lives (village)
	Education int    // index in Education
	Hours     int    // index in Hours
	Skills    uint64
	Needs     uint64 // accommodations needed
}

// Opening is what matching reads of a vacancy.
type Opening struct {
	ID           int64
	OrgUnit      string // where the work is (village or town)
	MinEducation int
	Hours        int
	Skills       uint64 // skills required
	Offers       uint64 // accommodations offered
}

// Points of each factor; a score is their sum, 0–100.
const (
	SkillPoints    = 40
	AccomPoints    = 25
	DistancePoints = 20
	HoursPoints    = 15
	// EducationPenalty is taken off when the seeker's education is below the
	// vacancy's minimum (the score does not go below 0).
	EducationPenalty = 20
)

// Reason explains the points of one factor, in both languages.
type Reason struct {
	Factor string `json:"factor"` // skills, accommodations, distance, hours, education
	Points int    `json:"points"`
	Max    int    `json:"max"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
}

// Match is a scored pair.
type Match struct {
	PersonID  int64    `json:"person_id"`
	VacancyID int64    `json:"vacancy_id"`
	Score     int      `json:"score"`
	Reasons   []Reason `json:"reasons,omitempty"`
}

// distance is how far apart two org unit codes are: 0 same village, 1 same
// town, 2 same district, 3 farther. Codes are hierarchical (DOMAIN.md §3).
func distance(a, b string) int {
	switch {
	case len(a) >= 12 && len(b) >= 12 && a[:12] == b[:12]:
		return 0
	case len(a) >= 9 && len(b) >= 9 && a[:9] == b[:9]:
		return 1
	case len(a) >= 6 && len(b) >= 6 && a[:6] == b[:6]:
		return 2
	}
	return 3
}

var distancePoints = [4]int{20, 14, 6, 0}

func share(have, want uint64, max int) int {
	n := bits.OnesCount64(want)
	if n == 0 {
		return max
	}
	return max * bits.OnesCount64(have&want) / n
}

func hoursPoints(seeker, vacancy int) int {
	flexible := index(Hours, "flexible")
	switch {
	case seeker == vacancy:
		return HoursPoints
	case seeker == flexible || vacancy == flexible:
		return 10
	}
	return 0
}

// Score scores a seeker for an opening without explaining (the fast path of
// ranking).
func Score(p Profile, o Opening) int {
	s := share(p.Skills, o.Skills, SkillPoints) + share(o.Offers, p.Needs, AccomPoints) +
		distancePoints[distance(p.OrgUnit, o.OrgUnit)] + hoursPoints(p.Hours, o.Hours)
	if p.Education < o.MinEducation {
		s = max(s-EducationPenalty, 0)
	}
	return s
}

// Explain scores a seeker for an opening and says why, factor by factor.
func Explain(p Profile, o Opening) Match {
	m := Match{PersonID: p.PersonID, VacancyID: o.ID, Score: Score(p, o)}
	have, want := p.Skills&o.Skills, o.Skills
	sk := Reason{Factor: "skills", Points: share(p.Skills, o.Skills, SkillPoints), Max: SkillPoints}
	if want == 0 {
		sk.Zh, sk.En = "岗位不要求特定技能。", "The job asks for no particular skill."
	} else {
		sk.Zh = fmt.Sprintf("具备岗位所需 %d 项技能中的 %d 项", bits.OnesCount64(want), bits.OnesCount64(have))
		sk.En = fmt.Sprintf("Has %d of the %d skills the job asks for", bits.OnesCount64(have), bits.OnesCount64(want))
		sk.Zh, sk.En = withList(sk.Zh, sk.En, "；缺少：", "; missing: ", want&^have, Skills)
	}
	missing := p.Needs &^ o.Offers
	ac := Reason{Factor: "accommodations", Points: share(o.Offers, p.Needs, AccomPoints), Max: AccomPoints}
	switch {
	case p.Needs == 0:
		ac.Zh, ac.En = "不需要特别的便利安排。", "Needs no particular accommodation."
	case missing == 0:
		ac.Zh, ac.En = withList("用人单位提供所需的全部便利安排", "The employer offers every accommodation needed", "：", ": ", p.Needs, Accommodations)
	default:
		ac.Zh, ac.En = withList("用人单位未提供部分所需便利安排", "The employer does not offer some accommodations needed", "：", ": ", missing, Accommodations)
	}
	d := distance(p.OrgUnit, o.OrgUnit)
	di := Reason{Factor: "distance", Points: distancePoints[d], Max: DistancePoints,
		Zh: [4]string{"住在工作地所在村居。", "住在工作地所在街镇。", "住在同一区县。", "不在同一区县。"}[d],
		En: [4]string{"Lives in the village of the workplace.", "Lives in the town of the workplace.", "Lives in the same district.", "Lives outside the district."}[d]}
	ho := Reason{Factor: "hours", Points: hoursPoints(p.Hours, o.Hours), Max: HoursPoints}
	ho.Zh = fmt.Sprintf("希望%s，岗位为%s。", Hours[p.Hours].Zh, Hours[o.Hours].Zh)
	ho.En = fmt.Sprintf("Wants %s work; the job is %s.", strings.ToLower(Hours[p.Hours].En), strings.ToLower(Hours[o.Hours].En))
	m.Reasons = []Reason{sk, ac, di, ho}
	if p.Education < o.MinEducation {
		m.Reasons = append(m.Reasons, Reason{Factor: "education", Points: -EducationPenalty, Max: 0,
			Zh: fmt.Sprintf("学历（%s）低于岗位要求（%s）。", Education[p.Education].Zh, Education[o.MinEducation].Zh),
			En: fmt.Sprintf("Education (%s) is below what the job asks for (%s).", Education[p.Education].En, Education[o.MinEducation].En)})
	}
	return m
}

func withList(zh, en, sepZh, sepEn string, b uint64, ts []Term) (string, string) {
	if b == 0 {
		return zh + "。", en + "."
	}
	return zh + sepZh + strings.Join(names(ts, b, "zh"), "、") + "。", en + sepEn + strings.Join(names(ts, b, "en"), ", ") + "."
}

// Rank scores every seeker for an opening and returns the best n, highest
// score first (ties: lower person id first), each explained. Scores are whole
// numbers 0–100, so the seekers are put into one bucket per score rather than
// sorted; only the buckets that reach the top n are sorted, by person id.
func Rank(o Opening, seekers []Profile, n int) []Match {
	var buckets [SkillPoints + AccomPoints + DistancePoints + HoursPoints + 1][]int32
	for i, p := range seekers {
		sc := Score(p, o)
		buckets[sc] = append(buckets[sc], int32(i))
	}
	out := make([]Match, 0, min(n, len(seekers)))
	for sc := len(buckets) - 1; sc >= 0 && len(out) < n; sc-- {
		b := buckets[sc]
		slices.SortFunc(b, func(x, y int32) int { return cmp.Compare(seekers[x].PersonID, seekers[y].PersonID) })
		for _, i := range b[:min(len(b), n-len(out))] {
			out = append(out, Explain(seekers[i], o))
		}
	}
	return out
}

// RankOpenings scores every opening for a seeker, best n first (ties: lower
// vacancy id first), each explained.
func RankOpenings(p Profile, openings []Opening, n int) []Match {
	out := make([]Match, len(openings))
	for i, o := range openings {
		out[i] = Explain(p, o)
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return cmp.Compare(a.VacancyID, b.VacancyID)
	})
	return out[:min(n, len(out))]
}
