package registry

import (
	"testing"
	"time"
)

var today = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func codes(t *testing.T, in PersonInput, legacy bool) map[string]string {
	t.Helper()
	_, errs := ValidatePerson(in, today, legacy)
	out := map[string]string{}
	for _, e := range errs {
		if e.Msg.Zh == "" || e.Msg.En == "" {
			t.Errorf("%s/%s lacks a message in one language", e.Field, e.Code)
		}
		out[e.Field] = e.Code
	}
	return out
}

func TestValidatePerson(t *testing.T) {
	good := PersonInput{Name: " 王五 ", IDNumber: "11010519491231002x", CertificateNumber: "11010519491231002X42B1", Category: 4, Grade: 2,
		OrgUnit: "310114102201", Phone: " 13812345678 ", CertificateIssued: "2019-03-04"}
	n, errs := ValidatePerson(good, today, false)
	if len(errs) != 0 {
		t.Fatalf("valid person refused: %+v", errs)
	}
	if n.Name != "王五" || n.IDNumber != "11010519491231002X" || n.Phone != "13812345678" || n.Hukou != "local" ||
		n.Status != "active" || n.EconomicStatus != "normal" || n.ID.Sex != "F" || n.ID.BirthDate != "1949-12-31" {
		t.Fatalf("normalized = %+v", n)
	}
	// Every error is reported at once, not only the first.
	bad := PersonInput{Name: "", IDNumber: "123", Category: 9, Grade: 5, Phone: "12", Hukou: "x", Status: "gone",
		EconomicStatus: "rich", CertificateIssued: "2030-01-01", Components: []int{1, 2}}
	got := codes(t, bad, false)
	want := map[string]string{"name": "required", "id_number": "length", "category": "invalid", "grade": "invalid",
		"orgunit": "required", "phone": "format", "hukou": "invalid", "status": "invalid", "economic_status": "invalid",
		"certificate_issued": "future", "components": "not_multiple"}
	for f, c := range want {
		if got[f] != c {
			t.Errorf("%s: got %q, want %q", f, got[f], c)
		}
	}
	// Multiple disability components.
	multi := good
	multi.Category, multi.CertificateNumber = 7, "11010519491231002X72"
	for comps, want := range map[string]string{"": "", "1,4": "", "4,4": "invalid", "1": "invalid", "1,7": "invalid"} {
		multi.Components = parseComponents(comps)
		if got := codes(t, multi, false)["components"]; got != want {
			t.Errorf("components %q: %q, want %q", comps, got, want)
		}
	}
	// A legacy 15-digit number is refused by the API and converted on import.
	legacy := good
	legacy.IDNumber, legacy.CertificateNumber = "110105491231002", ""
	if codes(t, legacy, false)["id_number"] != "length" {
		t.Error("15-digit ID accepted by the API")
	}
	n, errs = ValidatePerson(legacy, today, true)
	if len(errs) != 0 || n.IDNumber != "11010519491231002X" || !n.ID.Converted {
		t.Errorf("legacy import: %+v %+v", n, errs)
	}
	early := good
	early.CertificateIssued = "1940-01-01"
	if codes(t, early, false)["certificate_issued"] != "before_birth" {
		t.Error("a certificate issued before birth was accepted")
	}
	if CertificateExpiry("2016-02-29") != "2026-03-01" || CertificateExpiry("") != "" {
		t.Errorf("expiry of 2016-02-29 = %s", CertificateExpiry("2016-02-29"))
	}
}

func TestValidateAnnual(t *testing.T) {
	income := int64(-5)
	a := Annual{Year: 1999, Employment: "astronaut", EconomicStatus: "x", HouseholdIncomePerCapita: &income}
	errs := ValidateAnnual(&a, 2026)
	got := map[string]string{}
	for _, e := range errs {
		got[e.Field] = e.Code
	}
	for f, c := range map[string]string{"year": "invalid", "employment": "invalid", "economic_status": "invalid", "household_income_per_capita": "range"} {
		if got[f] != c {
			t.Errorf("%s: %q, want %q", f, got[f], c)
		}
	}
	ok := Annual{Year: 2026, Employment: " Employed "}
	if errs := ValidateAnnual(&ok, 2026); len(errs) != 0 || ok.Employment != "employed" || ok.EconomicStatus != "normal" {
		t.Errorf("valid record: %+v %+v", ok, errs)
	}
}
