package benefits

// SeedFrom is the month the seeded rules take effect from: every month that
// may be asked about (FirstMonth) has them.
const SeedFrom = FirstMonth

// Seed are the rules of DOMAIN.md §4 as the store starts with them
// (EnsureSeed adds each code that has no version yet). Amounts are the
// Shanghai defaults; staff change them by adding versions.
var Seed = []Rule{
	{Code: "living_local_hukou", Benefit: Living, Kind: Requires, Position: 10, Condition: `hukou == "local"`,
		TitleZh: "须为本地户籍", TitleEn: "local household registration is required"},
	{Code: "living_certificate_active", Benefit: Living, Kind: Requires, Position: 20, Condition: `certificate_active`,
		TitleZh: "须持有有效残疾证（在册，发证不满 10 年）", TitleEn: "an active certificate is required (status active, issued less than 10 years before)"},
	{Code: "living_dibao", Benefit: Living, Kind: Grants, Position: 10, AmountCents: 45000, Condition: `economic_status == "dibao"`,
		TitleZh: "低保家庭", TitleEn: "the household receives dibao"},
	{Code: "living_tekun", Benefit: Living, Kind: Grants, Position: 20, AmountCents: 45000, Condition: `economic_status == "tekun"`,
		TitleZh: "特困人员", TitleEn: "the person is in extreme poverty (tekun)"},
	{Code: "living_severe_no_work", Benefit: Living, Kind: Grants, Position: 30, AmountCents: 45000,
		Condition: `grade <= 2 && employment in ["unemployed", "unable", "not_seeking", "retired"]`,
		TitleZh:   "重度残疾（一、二级）且无业（既非就业也非在校学生）", TitleEn: "severely disabled (grade 1 or 2) and without work (neither employed nor a student)"},
	{Code: "living_near_dibao", Benefit: Living, Kind: Grants, Position: 40, AmountCents: 32000, Condition: `economic_status == "near_dibao"`,
		TitleZh: "低保边缘家庭", TitleEn: "the household is near dibao"},

	{Code: "care_local_hukou", Benefit: Care, Kind: Requires, Position: 10, Condition: `hukou == "local"`,
		TitleZh: "须为本地户籍", TitleEn: "local household registration is required"},
	{Code: "care_certificate_active", Benefit: Care, Kind: Requires, Position: 20, Condition: `certificate_active`,
		TitleZh: "须持有有效残疾证（在册，发证不满 10 年）", TitleEn: "an active certificate is required (status active, issued less than 10 years before)"},
	{Code: "care_grade1", Benefit: Care, Kind: Grants, Position: 10, AmountCents: 35000, Condition: `grade == 1`,
		TitleZh: "一级残疾（多重残疾按其等级）", TitleEn: "grade 1 (a multiple disability by its grade)"},
	{Code: "care_grade2", Benefit: Care, Kind: Grants, Position: 20, AmountCents: 18000, Condition: `grade == 2`,
		TitleZh: "二级残疾（多重残疾按其等级）", TitleEn: "grade 2 (a multiple disability by its grade)"},
	{Code: "care_grade3_intellectual_mental", Benefit: Care, Kind: Grants, Position: 30, AmountCents: 18000,
		Condition: `grade == 3 && category in [5, 6]`,
		TitleZh:   "三级智力残疾或三级精神残疾", TitleEn: "grade 3 intellectual or grade 3 mental disability"},
}

// SeedRules are the seeded rules as versions from SeedFrom (tests decide
// with them without a database).
func SeedRules() []Rule {
	out := make([]Rule, len(Seed))
	for i, r := range Seed {
		r.ID, r.EffectiveFrom, r.CreatedBy = int64(i+1), SeedFrom, "sunshine"
		out[i] = r
	}
	return out
}
