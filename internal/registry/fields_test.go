package registry

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sunshine/internal/platform/apperr"
)

// annualMeta are the JSON keys of Annual that are no field of the table: the
// record's key, its bookkeeping, and the list of unknown answers.
var annualMeta = []string{"person_id", "year", "version", "updated_at", "updated_by", "unknown"}

// TestAnnualFieldsCoverAnnual: every JSON key of Annual but the key and the
// bookkeeping has exactly one entry in AnnualFields, and each entry's value
// points at the struct field of that JSON key. So a field added to Annual
// without its entry (or an entry pointing at the wrong field) fails here.
func TestAnnualFieldsCoverAnnual(t *testing.T) {
	var keys []string
	rt := reflect.TypeFor[Annual]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if !slices.Contains(annualMeta, name) {
			keys = append(keys, name)
		}
	}
	var names []string
	for _, f := range AnnualFields {
		names = append(names, f.Field)
	}
	slices.Sort(keys)
	sorted := slices.Sorted(slices.Values(names))
	if !slices.Equal(keys, sorted) {
		t.Fatalf("JSON keys of Annual %v, fields of AnnualFields %v", keys, sorted)
	}
	if len(slices.Compact(sorted)) != len(names) {
		t.Fatalf("a field is named twice: %v", names)
	}
	for i, f := range AnnualFields {
		var a Annual
		var want any
		switch p := f.value(&a).(type) {
		case *bool:
			*p, want = true, true
		case *string:
			*p = "v-" + f.Field
			want = *p
		case **int64:
			n := int64(1000 + i)
			*p, want = &n, float64(n)
		default:
			t.Fatalf("%s: value of unknown kind %T", f.Field, p)
		}
		b, _ := json.Marshal(a)
		var got map[string]any
		_ = json.Unmarshal(b, &got)
		if got[f.Field] != want {
			t.Errorf("%s: set through the table, the JSON key %q is %v, want %v", f.Field, f.Field, got[f.Field], want)
		}
	}
}

// TestAnnualFieldEverywhere: each field of the table is a column of the
// import template and the export header (Chinese and English headers read
// back to it), a column of every SQL statement on annual_records, and a
// yes/no field is a box of the form that is read from files, forms and
// written to exports.
func TestAnnualFieldEverywhere(t *testing.T) {
	cols := AnnualColumns()
	header := Headers(cols)
	if cols[0].Field != "id_number" || len(cols) != len(AnnualFields)+1 {
		t.Fatalf("annual columns: %v", header)
	}
	sqls := map[string]string{"select": annualCols, "insert": annualInsertSQL, "update": annualUpdateSQL, "export": annualExportSQL("1 = 1")}
	if n := strings.Count(annualInsertSQL, "?"); n != len(AnnualFields)+5 { // + unknown, updated_at, updated_by, person_id, year
		t.Errorf("insert has %d placeholders for %d fields", n, len(AnnualFields))
	}
	if n := strings.Count(annualUpdateSQL, "?"); n != len(AnnualFields)+5 {
		t.Errorf("update has %d placeholders for %d fields", n, len(AnnualFields))
	}
	boxes := annualBoolFields()
	for i, f := range AnnualFields {
		if cols[i+1].Field != f.Field || header[i+1] != f.Zh {
			t.Errorf("%s: column %d is %s (%s)", f.Field, i+1, cols[i+1].Field, header[i+1])
		}
		for _, h := range []string{f.Zh, f.En, f.Field} {
			if got, _, _ := headerMap([]string{h}, cols); got[0] != f.Field {
				t.Errorf("%s: the header %q reads as %q", f.Field, h, got[0])
			}
		}
		col := regexp.MustCompile(`(^|[ ,.(])` + f.Field + `($|[ ,)=])`)
		for what, s := range sqls {
			if !col.MatchString(s) {
				t.Errorf("%s: not a column of the %s SQL: %s", f.Field, what, s)
			}
		}
		if f.LabelZh == "" || f.LabelEn == "" || annualLabel(f.Field, "en") != f.LabelEn || annualLabel(f.Field, "zh") != f.LabelZh {
			t.Errorf("%s: labels %q %q", f.Field, f.LabelZh, f.LabelEn)
		}
		if !f.YesNo {
			continue
		}
		if !slices.ContainsFunc(boxes, func(b AnnualField) bool { return b.Field == f.Field }) || f.noForm {
			t.Errorf("%s: no box on the form", f.Field)
		}
		var a Annual
		if e := f.readCell(&a, "是"); e != nil || !a.flags()[f.Field] || f.cellText(&a) != "是" || f.sqlValue(&a) != true {
			t.Errorf("%s: the cell 是 reads as %v (%v), exports as %q", f.Field, a.flags()[f.Field], e, f.cellText(&a))
		}
		if e := f.readCell(&a, "否"); e != nil || a.flags()[f.Field] || f.cellText(&a) != "否" {
			t.Errorf("%s: the cell 否 reads as %v (%v)", f.Field, a.flags()[f.Field], e)
		}
		if e := f.readCell(&a, "maybe"); e == nil || e.Field != f.Field {
			t.Errorf("%s: a bad cell gives %v", f.Field, e)
		}
		if e := f.readForm(&a, "1"); e != nil || !a.flags()[f.Field] {
			t.Errorf("%s: a ticked box reads as %v", f.Field, a.flags()[f.Field])
		}
		// Only this field changed.
		for k, v := range a.flags() {
			if v && k != f.Field {
				t.Errorf("%s: setting it set %s too", f.Field, k)
			}
		}
	}
}

// TestPersonFieldsCoverPersonInput: every JSON key of PersonInput has exactly
// one entry in PersonFields, whose value points at the struct field of that key.
func TestPersonFieldsCoverPersonInput(t *testing.T) {
	var keys, names []string
	rt := reflect.TypeFor[PersonInput]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	for _, f := range PersonFields {
		names = append(names, f.Field)
	}
	slices.Sort(keys)
	sorted := slices.Sorted(slices.Values(names))
	if !slices.Equal(keys, sorted) || len(slices.Compact(slices.Clone(sorted))) != len(names) {
		t.Fatalf("JSON keys of PersonInput %v, fields of PersonFields %v", keys, sorted)
	}
	for i, f := range PersonFields {
		var in PersonInput
		var want any
		switch p := f.value(&in).(type) {
		case *string:
			*p = "v-" + f.Field
			want = *p
		case *int:
			*p, want = 10+i, float64(10+i)
		case *[]int:
			*p, want = []int{1, i}, []any{float64(1), float64(i)}
		default:
			t.Fatalf("%s: value of unknown kind %T", f.Field, p)
		}
		b, _ := json.Marshal(in)
		var got map[string]any
		_ = json.Unmarshal(b, &got)
		if !reflect.DeepEqual(got[f.Field], want) {
			t.Errorf("%s: set through the table, the JSON key is %v, want %v", f.Field, got[f.Field], want)
		}
		if !reflect.DeepEqual(f.jsonValue(&in), reflect.ValueOf(f.value(&in)).Elem().Interface()) {
			t.Errorf("%s: jsonValue %v", f.Field, f.jsonValue(&in))
		}
	}
}

// TestPersonFieldsRoundTrip: a person written as an export row reads back from
// it as the same person (import), and so does the person form posted with the
// same values; the columns and the headers come from the same table.
func TestPersonFieldsRoundTrip(t *testing.T) {
	p := PersonInput{Name: "张三", IDNumber: "11010519491231002X", CertificateNumber: "11010519491231002X72", Category: 7,
		Components: []int{1, 4}, Grade: 2, OrgUnit: "310114102201", Household: "H1", Phone: "13812345678", Address: "民主街12号",
		Hukou: "local", EconomicStatus: "dibao", GuardianName: "李四", GuardianPhone: "13912345678", CertificateIssued: "2020-05-01", Status: "active"}
	cols := PersonColumns()
	cells := personCells(p)
	if len(cols) != len(PersonFields) || len(cells) != len(cols) {
		t.Fatalf("%d columns, %d fields, %d cells", len(cols), len(PersonFields), len(cells))
	}
	var back PersonInput
	form := url.Values{}
	for i, f := range PersonFields {
		if cols[i].Field != f.Field {
			t.Errorf("column %d is %s, field %s", i, cols[i].Field, f.Field)
		}
		for _, h := range []string{f.Zh, f.En} {
			if got, _, _ := headerMap([]string{h}, cols); got[0] != f.Field {
				t.Errorf("%s: the header %q reads as %q", f.Field, h, got[0])
			}
		}
		if e := f.readCell(&back, cells[i]); e != nil {
			t.Errorf("%s: the cell %q: %v", f.Field, cells[i], e)
		}
		form.Set(f.Field, cells[i])
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("export then import:\n got %+v\nwant %+v", back, p)
	}
	r := httptest.NewRequest("POST", "/persons/new", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got, _ := formInput(r); !reflect.DeepEqual(got, p) {
		t.Errorf("the form:\n got %+v\nwant %+v", got, p)
	}
	// A file without a column keeps the stored value of that field.
	im := &importer{header: map[string]string{"id_number": "身份证号", "name": "姓名"}}
	merged := im.mergePerson(PersonInput{IDNumber: "X", Name: "新"}, p)
	want := p
	want.IDNumber, want.Name = "X", "新"
	if !reflect.DeepEqual(merged, want) {
		t.Errorf("merge:\n got %+v\nwant %+v", merged, want)
	}
}

// TestPersonFieldsInSQL: each person field is a column of the insert, the
// update and both reads of a full person (a secret: its encrypted column, and
// its masked one where the masked forms are read).
func TestPersonFieldsInSQL(t *testing.T) {
	if n := len(strings.Split(personInsertCols, ",")); n != personInsertN {
		t.Fatalf("%d insert columns, personInsertN %d", n, personInsertN)
	}
	if n := strings.Count(personUpdateSQL, "?"); n != personInsertN { // version and created_at are not set; p.id and p.version are asked
		t.Errorf("update has %d placeholders, want %d", n, personInsertN)
	}
	// The vault authenticates each secret with its field's name: a stored
	// person decrypts only under the names it was sealed with.
	var secrets []string
	for _, f := range PersonFields {
		if f.Secret {
			secrets = append(secrets, f.Field)
		}
	}
	if want := []string{fID, fCert, fPhone, fGuardian}; !slices.Equal(secrets, want) {
		t.Errorf("secret fields %v, vault names %v", secrets, want)
	}
	for _, f := range PersonFields {
		stored, read, masked := f.Field, f.Field, f.Field
		if f.Secret {
			stored, read, masked = f.stem+"_enc", f.stem+"_enc", f.stem+"_masked"
		}
		has := func(what, sql, col string) {
			if !regexp.MustCompile(`(^|[ ,.(\t\n])` + col + `($|[ ,)=\n])`).MatchString(sql) {
				t.Errorf("%s: %s is not a column of the %s: %s", f.Field, col, what, sql)
			}
		}
		has("insert", personInsertCols, stored)
		has("insert", personInsertCols, masked)
		has("update", personUpdateSQL, stored)
		has("update", personUpdateSQL, masked)
		has("full read", fullCols, read)
		has("masked read", maskedCols, masked)
	}
}

// TestAnnualQuestionsByAge: schooling is asked from 6 to 17, graduation from
// 16 to 40, pensions from 16; the rest at every age.
func TestAnnualQuestionsByAge(t *testing.T) {
	for _, c := range []struct {
		field string
		age   int
		want  bool
	}{
		{"school_enrolled", 5, false}, {"school_enrolled", 6, true}, {"school_enrolled", 17, true}, {"school_enrolled", 59, false},
		{"college_graduate", 15, false}, {"college_graduate", 22, true}, {"college_graduate", 40, true}, {"college_graduate", 59, false},
		{"pension_insured", 15, false}, {"pension_insured", 16, true}, {"pension_insured", 90, true},
		{"rehab_need", 0, true}, {"device_need", 90, true}, {"culture_sports", 59, true},
	} {
		f, ok := annualField(c.field)
		if !ok {
			t.Fatalf("no field %s", c.field)
		}
		if got := f.AppliesAt(c.age); got != c.want {
			t.Errorf("%s at %d: %v, want %v", c.field, c.age, got, c.want)
		}
	}
}

// TestUnknownAnswers: unknown is kept apart from no, in the order of the
// form, once; it cannot be yes as well, nor name a field that is no yes/no
// question; a file cell says 不详 and reads back.
func TestUnknownAnswers(t *testing.T) {
	a := Annual{Employment: "employed", Unknown: []string{"device_need", "rehab_need", "device_need"}}
	var errs []apperr.FieldError
	checkUnknown(&a, &errs)
	if len(errs) != 0 || !slices.Equal(a.Unknown, []string{"rehab_need", "device_need"}) {
		t.Errorf("tidy: %v %v", a.Unknown, errs)
	}
	for _, bad := range []Annual{{RehabNeed: true, Unknown: []string{"rehab_need"}}, {Unknown: []string{"employment"}}, {Unknown: []string{"colour"}}} {
		errs = nil
		checkUnknown(&bad, &errs)
		if len(errs) != 1 || errs[0].Field != "unknown" {
			t.Errorf("%+v: %v", bad, errs)
		}
	}
	f, _ := annualField("culture_sports")
	var b Annual
	if e := f.readCell(&b, "不详"); e != nil || !b.IsUnknown("culture_sports") || b.CultureSports || f.cellText(&b) != "不详" {
		t.Errorf("cell 不详: %+v %v", b, e)
	}
	if e := f.readCell(&b, "是"); e != nil || b.IsUnknown("culture_sports") || !b.CultureSports {
		t.Errorf("cell 是 after 不详: %+v %v", b, e)
	}
	if unknownText(&Annual{}) != "" || unknownList("") != nil || !slices.Equal(unknownList("a,b"), []string{"a", "b"}) {
		t.Error("the stored form of unknown answers")
	}
}
