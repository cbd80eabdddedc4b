package demo

import (
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
)

var (
	testToday = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	testYear  = 2025
)

func seedTowns() []orgunit.Unit {
	var ts []orgunit.Unit
	for _, u := range orgunit.Seed() {
		if u.Level == 3 {
			ts = append(ts, u)
		}
	}
	return ts
}

// big is generated once and shared by the tests that only read it.
var big = Generate(42, 20000, orgunit.Seed(), testYear, testToday)

func birthOf(t *testing.T, p registry.PersonInput) registry.IDNumber {
	t.Helper()
	id, fe := registry.ParseIDNumber("id_number", p.IDNumber, testToday)
	if fe != nil {
		t.Fatalf("%s: ID number %q invalid: %+v", p.Name, p.IDNumber, fe)
	}
	return id
}

func TestDeterminism(t *testing.T) {
	a := Generate(7, 3000, seedTowns(), testYear, testToday)
	b := Generate(7, 3000, seedTowns(), testYear, testToday)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different data")
	}
	c := Generate(8, 3000, seedTowns(), testYear, testToday)
	if reflect.DeepEqual(a.Persons, c.Persons) || reflect.DeepEqual(a.Units, c.Units) {
		t.Fatal("different seeds gave the same data")
	}
	if len(a.Persons) != 3000 || len(a.Annual) != 3000 {
		t.Fatalf("got %d persons, %d annual records", len(a.Persons), len(a.Annual))
	}
}

func TestEmpty(t *testing.T) {
	if ds := Generate(1, 100, nil, testYear, testToday); len(ds.Persons) != 0 || len(ds.Units) != 0 {
		t.Fatal("no towns should give no data")
	}
	ds := Generate(1, 0, seedTowns(), testYear, testToday)
	if len(ds.Persons) != 0 || len(ds.Annual) != 0 || len(ds.Units) == 0 {
		t.Fatalf("n=0: %d persons, %d units", len(ds.Persons), len(ds.Units))
	}
}

func TestPersonsValid(t *testing.T) {
	today := testToday.Format(time.DateOnly)
	for _, p := range big.Persons {
		id := birthOf(t, p)
		if id.Value != p.IDNumber {
			t.Fatalf("ID %q not normalized", p.IDNumber)
		}
		if age := testToday.Year() - id.BirthYear; age > 101 {
			t.Fatalf("%s too old: born %s", p.IDNumber, id.BirthDate)
		}
		if _, fe := registry.ParseCertificateNumber("certificate_number", p.CertificateNumber, p.IDNumber, p.Category, p.Grade); fe != nil {
			t.Fatalf("certificate %q of %q invalid: %+v", p.CertificateNumber, p.IDNumber, fe)
		}
		for _, ph := range []string{p.Phone, p.GuardianPhone} {
			if _, fe := registry.ParsePhone("phone", ph); fe != nil {
				t.Fatalf("phone %q invalid", ph)
			}
		}
		if p.Category < 1 || p.Category > 7 || p.Grade < 1 || p.Grade > 4 {
			t.Fatalf("category %d grade %d", p.Category, p.Grade)
		}
		if p.Category == 7 {
			c := p.Components
			if len(c) != 2 || c[0] == c[1] || c[0] < 1 || c[1] > 6 || c[0] > c[1] {
				t.Fatalf("components %v", c)
			}
		} else if p.Components != nil {
			t.Fatalf("components %v for category %d", p.Components, p.Category)
		}
		if _, err := time.Parse(time.DateOnly, p.CertificateIssued); err != nil {
			t.Fatalf("certificate_issued %q: %v", p.CertificateIssued, err)
		}
		if p.CertificateIssued > today || p.CertificateIssued < id.BirthDate {
			t.Fatalf("issued %s, born %s, today %s", p.CertificateIssued, id.BirthDate, today)
		}
		if n := len([]rune(p.Name)); n < 2 || n > 3 {
			t.Fatalf("name %q", p.Name)
		}
		if !slices.Contains(registry.Hukous, p.Hukou) || !slices.Contains(registry.EconomicStatuses, p.EconomicStatus) ||
			!slices.Contains(registry.Statuses, p.Status) {
			t.Fatalf("enumerations: %q %q %q", p.Hukou, p.EconomicStatus, p.Status)
		}
		if p.Address == "" || p.Household == "" {
			t.Fatalf("address %q household %q", p.Address, p.Household)
		}
		if (p.GuardianName == "") != (p.GuardianPhone == "") {
			t.Fatalf("guardian %q phone %q", p.GuardianName, p.GuardianPhone)
		}
		if testToday.Year()-id.BirthYear < 17 && p.GuardianName == "" {
			t.Fatalf("minor %s without guardian", p.IDNumber)
		}
	}
}

func TestUniqueIDs(t *testing.T) {
	seen := make(map[string]bool, len(big.Persons))
	for _, p := range big.Persons {
		if seen[p.IDNumber] {
			t.Fatalf("duplicate ID %s", p.IDNumber)
		}
		seen[p.IDNumber] = true
	}
	// A tiny population on one town and one district crowds the birth dates.
	ds := Generate(3, 20000, seedTowns()[:1], testYear, testToday)
	seen = map[string]bool{}
	for _, p := range ds.Persons {
		if seen[p.IDNumber] {
			t.Fatalf("duplicate ID %s", p.IDNumber)
		}
		seen[p.IDNumber] = true
	}
}

func share(n, of int) float64 { return 100 * float64(n) / float64(of) }

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s: %.2f%%, want %.2f%% ± %.1f", what, got, want, tol)
	} else {
		t.Logf("%s: %.2f%% (target %.2f%%)", what, got, want)
	}
}

func TestCategoryShares(t *testing.T) {
	want := []float64{14.86, 24.16, 1.53, 29.07, 6.68, 7.40, 16.30}
	count := make([]int, 8)
	grades := make([]int, 5)
	for _, p := range big.Persons {
		count[p.Category]++
		grades[p.Grade]++
	}
	for c := 1; c <= 7; c++ {
		within(t, registry.CategoryName(c, "en"), share(count[c], len(big.Persons)), want[c-1], 1.5)
	}
	for g, w := range []float64{12, 23, 30, 35} {
		within(t, registry.GradeName(g+1, "en"), share(grades[g+1], len(big.Persons)), w, 1.5)
	}
}

func TestDemographics(t *testing.T) {
	var minors, adults, elders, male, local, ownDistrict, mobile, landline, shared, reissued, expiring, expired, active int
	households := map[string]int{}
	for _, p := range big.Persons {
		households[p.Household]++
	}
	mob := regexp.MustCompile(`^1[3-9]\d{9}$`)
	soon := testToday.AddDate(0, 0, 90)
	for _, p := range big.Persons {
		id := birthOf(t, p)
		b, _ := time.Parse(time.DateOnly, id.BirthDate)
		switch age := ageOn(b, testToday); {
		case age < 18:
			minors++
		case age < 60:
			adults++
		default:
			elders++
		}
		if id.Sex == "M" {
			male++
		}
		if p.Hukou == "local" {
			local++
		}
		if p.IDNumber[:6] == p.OrgUnit[:6] {
			ownDistrict++
		}
		switch {
		case mob.MatchString(p.Phone):
			mobile++
		case p.Phone != "":
			landline++
			if !strings.HasPrefix(p.Phone, "021-5") && !strings.HasPrefix(p.Phone, "0512-5") {
				t.Errorf("landline %q", p.Phone)
			}
		}
		if households[p.Household] > 1 {
			shared++
		}
		if strings.HasSuffix(p.CertificateNumber, "B1") {
			reissued++
		}
		issued, _ := time.Parse(time.DateOnly, p.CertificateIssued)
		exp := issued.AddDate(10, 0, 0)
		switch {
		case !exp.After(testToday):
			expired++
		case !exp.After(soon):
			expiring++
		}
		if p.Status == "active" {
			active++
		}
	}
	n := len(big.Persons)
	within(t, "under 18", share(minors, n), 10, 2)
	within(t, "18–59", share(adults, n), 45, 3)
	within(t, "60+", share(elders, n), 45, 3)
	within(t, "male", share(male, n), 52, 1.5)
	within(t, "local hukou", share(local, n), 90, 1.5)
	within(t, "ID of own district", share(ownDistrict, n), 85, 1.5)
	within(t, "mobile", share(mobile, n), 87, 3)
	within(t, "shared household", share(shared, n), 10, 2)
	within(t, "reissued", share(reissued, n), 5, 1)
	within(t, "expiring within 90 days", share(expiring, n), 3, 1)
	within(t, "expired", share(expired, n), 9, 3)
	within(t, "active", share(active, n), 97, 1)
	if landline == 0 {
		t.Error("no landlines")
	}
}

func ageOn(birth, day time.Time) int {
	a := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		a--
	}
	return a
}

func TestHouseholdsShareVillageAndAddress(t *testing.T) {
	first := map[string]registry.PersonInput{}
	for _, p := range big.Persons {
		if f, ok := first[p.Household]; ok {
			if f.OrgUnit != p.OrgUnit || f.Address != p.Address || f.EconomicStatus != p.EconomicStatus {
				t.Fatalf("household %s spans %s/%s, %q/%q", p.Household, f.OrgUnit, p.OrgUnit, f.Address, p.Address)
			}
		} else {
			first[p.Household] = p
		}
	}
	// Household numbers of different towns never collide.
	town := map[string]string{}
	for _, p := range big.Persons {
		if tc, ok := town[p.Household]; ok && tc != p.OrgUnit[:9] {
			t.Fatalf("household %s in towns %s and %s", p.Household, tc, p.OrgUnit[:9])
		}
		town[p.Household] = p.OrgUnit[:9]
	}
}

func TestUnits(t *testing.T) {
	towns := map[string]orgunit.Unit{}
	for _, u := range seedTowns() {
		towns[u.Code] = u
	}
	codes := map[string]bool{}
	perTown := map[string]int{}
	names := map[string]bool{}
	digits := regexp.MustCompile(`^\d{3}$`)
	for _, u := range big.Units {
		town, ok := towns[u.Parent]
		if !ok {
			t.Fatalf("unit %s has parent %q, not a given town", u.Code, u.Parent)
		}
		if u.Level != 4 || !u.Demo || !strings.HasPrefix(u.Code, u.Parent) || !digits.MatchString(u.Code[len(u.Parent):]) {
			t.Fatalf("bad unit %+v", u)
		}
		if codes[u.Code] {
			t.Fatalf("duplicate unit code %s", u.Code)
		}
		codes[u.Code] = true
		if names[u.Parent+u.Name] {
			t.Fatalf("duplicate name %s in %s", u.Name, u.Parent)
		}
		names[u.Parent+u.Name] = true
		num, _ := strconv.Atoi(u.Code[9:])
		switch {
		case strings.HasSuffix(u.Name, "村"):
			if num < 201 || !strings.HasSuffix(u.NameEn, " Village") {
				t.Fatalf("village %+v", u)
			}
		case strings.HasSuffix(u.Name, "居委会"):
			if num < 1 || num > 200 || !strings.HasSuffix(u.NameEn, " Residential Committee") {
				t.Fatalf("residential committee %+v", u)
			}
		default:
			t.Fatalf("unit name %q", u.Name)
		}
		if strings.Contains(strings.ToLower(u.Name), "demo") {
			t.Fatalf("name %q", u.Name)
		}
		if strings.HasSuffix(town.Name, "街道") && !strings.HasSuffix(u.Name, "居委会") {
			t.Fatalf("sub-district %s has a village %s", town.Name, u.Name)
		}
		perTown[u.Parent]++
	}
	for code := range towns {
		if k := perTown[code]; k < 4 || k > 10 {
			t.Errorf("town %s has %d units", code, k)
		}
	}
	for _, p := range big.Persons {
		if !codes[p.OrgUnit] {
			t.Fatalf("person in unknown unit %s", p.OrgUnit)
		}
	}
	// Scaling: small data sets get 4–5 units per town, large ones up to 10.
	small := Generate(1, 100, seedTowns(), testYear, testToday)
	large := Generate(1, 100000, seedTowns()[:3], testYear, testToday)
	if len(small.Units) > 5*len(towns) || len(large.Units) < 27 {
		t.Errorf("small: %d units, large: %d units", len(small.Units), len(large.Units))
	}
	for _, u := range large.Units {
		if n := len(u.Code); n != 12 {
			t.Fatalf("code %s", u.Code)
		}
	}
}

func TestAnnualConsistent(t *testing.T) {
	var pensionD, pensionN, school, schoolN, rehab, rehabN, device, deviceN, emp, empN, livingD, livingN, careD, careN, income, grads int
	for i, a := range big.Annual {
		p := big.Persons[i]
		id := birthOf(t, p)
		age := testYear - id.BirthYear
		if a.Year != testYear || a.OrgUnit != p.OrgUnit || a.PersonID != 0 || a.EconomicStatus != p.EconomicStatus {
			t.Fatalf("record %d: %+v for %+v", i, a, p)
		}
		if !slices.Contains(registry.Employments, a.Employment) {
			t.Fatalf("employment %q", a.Employment)
		}
		if a.SchoolEnrolled && (age < 6 || age > 15 || a.Employment != "student") {
			t.Fatalf("school_enrolled at age %d (%s)", age, a.Employment)
		}
		if a.Employment == "student" && (age < 6 || age > 22) {
			t.Fatalf("student at age %d", age)
		}
		if a.Employment == "retired" && age < 60 {
			t.Fatalf("retired at %d", age)
		}
		if age < 16 && a.Employment != "student" && a.Employment != "unable" && a.Employment != "not_seeking" {
			t.Fatalf("%s at age %d", a.Employment, age)
		}
		if a.CollegeGraduate && (age < 21 || age > 24 || a.Employment == "student") {
			t.Fatalf("college graduate at %d, %s", age, a.Employment)
		}
		if a.RehabReceived && !a.RehabNeed || a.DeviceReceived && !a.DeviceNeed {
			t.Fatalf("received without need: %+v", a)
		}
		if a.PensionInsured && (age < 16 || a.Employment == "student") {
			t.Fatalf("pension at %d, %s", age, a.Employment)
		}
		if age >= 16 && a.Employment != "student" {
			pensionD++
			if a.PensionInsured {
				pensionN++
			}
		}
		if age >= 6 && age <= 15 {
			school++
			if a.SchoolEnrolled {
				schoolN++
			}
		}
		if a.RehabNeed {
			rehab++
			if a.RehabReceived {
				rehabN++
			}
		}
		if a.DeviceNeed {
			device++
			if a.DeviceReceived {
				deviceN++
			}
		}
		if age >= 16 && age <= 59 && (a.Employment == "employed" || a.Employment == "unemployed") {
			emp++
			if a.Employment == "employed" {
				empN++
			}
		}
		if a.CollegeGraduate {
			grads++
		}
		living, care := refEligible(p, a)
		if a.LivingSubsidyReceived && !living || a.CareSubsidyReceived && !care {
			t.Fatalf("subsidy without eligibility: %+v / %+v", p, a)
		}
		if living {
			livingD++
			if a.LivingSubsidyReceived {
				livingN++
			}
		}
		if care {
			careD++
			if a.CareSubsidyReceived {
				careN++
			}
		}
		if v := a.HouseholdIncomePerCapita; v != nil {
			income++
			if *v < 5000 || *v > 100000 {
				t.Fatalf("income %d", *v)
			}
			if (a.EconomicStatus == "dibao" || a.EconomicStatus == "tekun") && *v > 20000 {
				t.Fatalf("dibao income %d", *v)
			}
		}
	}
	n := len(big.Annual)
	within(t, "pension insured", share(pensionN, pensionD), 92, 1.5)
	within(t, "school enrolled", share(schoolN, school), 97, 1.5)
	within(t, "rehab need", share(rehab, n), 40, 3)
	within(t, "rehab received", share(rehabN, rehab), 85, 2)
	within(t, "device need", share(device, n), 30, 3)
	within(t, "device received", share(deviceN, device), 85, 2)
	within(t, "employment rate", share(empN, emp), 99, 0.8)
	within(t, "living subsidy coverage", share(livingN, livingD), 97, 1.5)
	within(t, "care subsidy coverage", share(careN, careD), 97, 1.5)
	within(t, "income known", share(income, n), 90, 1.5)
	if grads < 10 {
		t.Errorf("only %d college graduates", grads)
	}
}

// refEligible restates DOMAIN.md §4 independently of the generator.
func refEligible(p registry.PersonInput, a registry.Annual) (living, care bool) {
	if p.Hukou != "local" || p.Status != "active" {
		return false, false
	}
	severe := p.Grade <= 2
	noWork := a.Employment != "employed" && a.Employment != "student"
	living = a.EconomicStatus == "dibao" || a.EconomicStatus == "tekun" || a.EconomicStatus == "near_dibao" || (severe && noWork)
	care = severe || (p.Grade == 3 && (p.Category == 5 || p.Category == 6))
	return
}

func TestDates(t *testing.T) {
	for z := daysFromCivil(1899, 1, 1); z < daysFromCivil(2101, 1, 1); z += 1 {
		y, m, d := civilFromDays(z)
		want := time.Unix(int64(z)*86400, 0).UTC()
		if y != want.Year() || m != int(want.Month()) || d != want.Day() || daysFromCivil(y, m, d) != z {
			t.Fatalf("day %d: %d-%d-%d, want %s", z, y, m, d, want)
		}
		if z%997 == 0 && formatDay(z) != want.Format(time.DateOnly) {
			t.Fatalf("formatDay(%d) = %s", z, formatDay(z))
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	towns := seedTowns()
	for b.Loop() {
		ds := Generate(1, 100000, towns, testYear, testToday)
		if len(ds.Persons) != 100000 {
			b.Fatal(len(ds.Persons))
		}
	}
}
