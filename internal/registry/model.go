// Package registry keeps the register of disabled persons: identity, certificate,
// category and grade, household, where they live, and their annual status
// records (DOMAIN.md §1, §2, §6).
package registry

import "time"

// Enumerations of the registry (DOMAIN.md §4, §6; CONTRACT.md).
var (
	Hukous           = []string{"local", "nonlocal"}
	EconomicStatuses = []string{"normal", "dibao", "near_dibao", "tekun"}
	Statuses         = []string{"active", "moved_out", "deceased", "cancelled"}
	Employments      = []string{"employed", "unemployed", "unable", "not_seeking", "student", "retired"}
)

// PersonInput is what a client sends to create or change a person.
type PersonInput struct {
	Name              string `json:"name"`
	IDNumber          string `json:"id_number"`
	CertificateNumber string `json:"certificate_number"`
	Category          int    `json:"category"`
	Components        []int  `json:"components,omitempty"` // for category 7: the component categories
	Grade             int    `json:"grade"`
	OrgUnit           string `json:"orgunit"`
	Household         string `json:"household,omitempty"` // household number (户号), shared by members
	Phone             string `json:"phone"`
	Address           string `json:"address"`
	Hukou             string `json:"hukou"`
	EconomicStatus    string `json:"economic_status"`
	GuardianName      string `json:"guardian_name"`
	GuardianPhone     string `json:"guardian_phone"`
	CertificateIssued string `json:"certificate_issued"`
	Status            string `json:"status"`
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
type Annual struct {
	PersonID                 int64     `json:"person_id"`
	Year                     int       `json:"year"`
	OrgUnit                  string    `json:"orgunit"`
	Employment               string    `json:"employment"`
	CollegeGraduate          bool      `json:"college_graduate"`
	SchoolEnrolled           bool      `json:"school_enrolled"`
	RehabNeed                bool      `json:"rehab_need"`
	RehabReceived            bool      `json:"rehab_received"`
	DeviceNeed               bool      `json:"device_need"`
	DeviceReceived           bool      `json:"device_received"`
	PensionInsured           bool      `json:"pension_insured"`
	MedicalInsured           bool      `json:"medical_insured"`
	CultureSports            bool      `json:"culture_sports"`
	EconomicStatus           string    `json:"economic_status"`
	LivingSubsidyReceived    bool      `json:"living_subsidy_received"`
	CareSubsidyReceived      bool      `json:"care_subsidy_received"`
	HouseholdIncomePerCapita *int64    `json:"household_income_per_capita"` // yuan per year; null when unknown
	Version                  int       `json:"version"`
	UpdatedAt                time.Time `json:"updated_at"`
	UpdatedBy                string    `json:"updated_by,omitempty"`
}
