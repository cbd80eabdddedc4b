// Package registry keeps the register of disabled persons: identity, certificate,
// category and grade, household, where they live, and their annual status
// records (DOMAIN.md §1, §2, §6).
package registry

import (
	"encoding/json"
	"time"
)

// Enumerations of the registry (DOMAIN.md §4, §6; CONTRACT.md).
var (
	Hukous           = []string{"local", "nonlocal"}
	EconomicStatuses = []string{"normal", "dibao", "near_dibao", "tekun"}
	Statuses         = []string{"active", "moved_out", "deceased", "cancelled"}
	Employments      = []string{"employed", "unemployed", "unable", "not_seeking", "student", "retired"}
)

// PersonInput is what a client sends to create or change a person. Only the
// name, ID number, category, grade and org unit must be given: in a request
// the others may be left out (`in:"optional"`; omitempty would change how
// Store.Patch sees the record). hukou, economic_status and status default to
// local, normal and active; their values may be in any case.
type PersonInput struct {
	Name              string `json:"name"`
	IDNumber          string `json:"id_number"`
	CertificateNumber string `json:"certificate_number" in:"optional"`
	Category          int    `json:"category"`
	Components        []int  `json:"components,omitempty"` // for category 7: the component categories
	Grade             int    `json:"grade"`
	OrgUnit           string `json:"orgunit"`
	Household         string `json:"household,omitempty"` // household number (户号), shared by members
	Phone             string `json:"phone" in:"optional"`
	Address           string `json:"address" in:"optional"`
	Hukou             string `json:"hukou" in:"optional" enum:"local,nonlocal"`
	EconomicStatus    string `json:"economic_status" in:"optional" enum:"normal,dibao,near_dibao,tekun"`
	GuardianName      string `json:"guardian_name" in:"optional"`
	GuardianPhone     string `json:"guardian_phone" in:"optional"`
	CertificateIssued string `json:"certificate_issued" in:"optional"`
	Status            string `json:"status" in:"optional" enum:"active,moved_out,deceased,cancelled"`
}

// PersonPatch is the body of PATCH /api/v1/persons/{id}: the version of the
// record as read, and the fields of PersonInput to change. A field left out
// stays as it is; null leaves a text or number as it is and clears the
// components. It decodes as the JSON values by name (Values), which
// Store.Patch checks and applies: the typed fields describe those values for
// the API document and are never set.
type PersonPatch struct {
	Version           int     `json:"version"`
	Name              *string `json:"name,omitempty"`
	IDNumber          *string `json:"id_number,omitempty"`
	CertificateNumber *string `json:"certificate_number,omitempty"`
	Category          *int    `json:"category,omitempty"`
	Components        *[]int  `json:"components,omitempty"`
	Grade             *int    `json:"grade,omitempty"`
	OrgUnit           *string `json:"orgunit,omitempty"`
	Household         *string `json:"household,omitempty"`
	Phone             *string `json:"phone,omitempty"`
	Address           *string `json:"address,omitempty"`
	Hukou             *string `json:"hukou,omitempty" enum:"local,nonlocal"`
	EconomicStatus    *string `json:"economic_status,omitempty" enum:"normal,dibao,near_dibao,tekun"`
	GuardianName      *string `json:"guardian_name,omitempty"`
	GuardianPhone     *string `json:"guardian_phone,omitempty"`
	CertificateIssued *string `json:"certificate_issued,omitempty"`
	Status            *string `json:"status,omitempty" enum:"active,moved_out,deceased,cancelled"`

	values map[string]json.RawMessage
}

// UnmarshalJSON keeps the JSON values of the patch as sent, by name.
func (p *PersonPatch) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &p.values) }

// Values are the JSON values of the patch as sent, by field name.
func (p PersonPatch) Values() map[string]json.RawMessage { return p.values }

// RevealInput is the body of POST /api/v1/persons/{id}/reveal: why the
// caller needs the unmasked details (2 to 200 characters, audited).
type RevealInput struct {
	Reason string `json:"reason"`
}

// Person is a person as returned to clients: secrets only masked.
type Person struct {
	ID                      int64     `json:"id"`
	Name                    string    `json:"name"`
	IDNumberMasked          string    `json:"id_number_masked"`
	IDConverted             bool      `json:"id_converted,omitempty"`
	CertificateNumberMasked string    `json:"certificate_number_masked"`
	Category                int       `json:"category"`
	Components              []int     `json:"components,omitempty"`
	Grade                   int       `json:"grade"`
	OrgUnit                 string    `json:"orgunit"`
	Household               string    `json:"household,omitempty"`
	PhoneMasked             string    `json:"phone_masked"`
	Address                 string    `json:"address"`
	Hukou                   string    `json:"hukou"`
	EconomicStatus          string    `json:"economic_status"`
	GuardianName            string    `json:"guardian_name"`
	GuardianPhoneMasked     string    `json:"guardian_phone_masked"`
	CertificateIssued       string    `json:"certificate_issued"`
	CertificateExpires      string    `json:"certificate_expires,omitempty"`
	Cert                    CertState `json:"-"` // the certificate's state on the day it was read
	Status                  string    `json:"status"`
	Sex                     string    `json:"sex"`
	BirthYear               int       `json:"birth_year"` // the full birth date is part of the ID number: only with a reveal
	Age                     int       `json:"age"`        // this year − birth year (DOMAIN.md §7)
	Version                 int       `json:"version"`
	CreatedAt               time.Time `json:"created_at"`
	UpdatedAt               time.Time `json:"updated_at"`
}

// Revealed holds the unmasked secrets of a person, given only with a reason.
type Revealed struct {
	ID                int64  `json:"id"`
	IDNumber          string `json:"id_number"`
	CertificateNumber string `json:"certificate_number"`
	Phone             string `json:"phone"`
	GuardianPhone     string `json:"guardian_phone"`
	BirthDate         string `json:"birth_date"` // from the ID number
}

// Annual is one person's annual status record for one year (DOMAIN.md §6).
// As the body of PUT /api/v1/persons/{id}/annual/{year} only employment must
// be given (`in:"optional"`: answers always have every field).
type Annual struct {
	PersonID                 int64     `json:"person_id" in:"optional"`
	Year                     int       `json:"year" in:"optional"`
	OrgUnit                  string    `json:"orgunit" in:"optional"`
	Employment               string    `json:"employment"`
	CollegeGraduate          bool      `json:"college_graduate" in:"optional"`
	SchoolEnrolled           bool      `json:"school_enrolled" in:"optional"`
	RehabNeed                bool      `json:"rehab_need" in:"optional"`
	RehabReceived            bool      `json:"rehab_received" in:"optional"`
	DeviceNeed               bool      `json:"device_need" in:"optional"`
	DeviceReceived           bool      `json:"device_received" in:"optional"`
	PensionInsured           bool      `json:"pension_insured" in:"optional"`
	MedicalInsured           bool      `json:"medical_insured" in:"optional"`
	CultureSports            bool      `json:"culture_sports" in:"optional"`
	EconomicStatus           string    `json:"economic_status" in:"optional"`
	LivingSubsidyReceived    bool      `json:"living_subsidy_received" in:"optional"`
	CareSubsidyReceived      bool      `json:"care_subsidy_received" in:"optional"`
	HouseholdIncomePerCapita *int64    `json:"household_income_per_capita" in:"optional"` // yuan per year; null when unknown
	Version                  int       `json:"version" in:"optional"`
	UpdatedAt                time.Time `json:"updated_at" in:"optional"`
	UpdatedBy                string    `json:"updated_by,omitempty"`

	// Unknown names the yes/no fields whose answer is not known ("不详"),
	// distinct from no; their value is false. Empty: every answer is known.
	Unknown []string `json:"unknown,omitempty" in:"optional"`
}
