package app_test

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/registry"
)

var update = flag.Bool("update", false, "rewrite the import fixture in testdata")

// Files of the import fixture: 1,000 data rows, of which the rows listed in
// the expected file are bad, each for one reason.
const (
	fixtureCSV      = "testdata/persons_1000.csv"
	fixtureExpected = "testdata/persons_1000.expected.json"
)

type expectedRejection struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Code   string `json:"code"`
}

// fixtureVillages are the level-4 units the fixture's rows live in (created by newEnv).
var fixtureVillages = []string{villageIn, villageIn, villageIn, "310114102202"}

// TestWriteFixture regenerates the fixture with -update; otherwise it checks
// that the committed fixture is what the generator makes.
func TestWriteFixture(t *testing.T) {
	t.Parallel()
	rows, want := makeFixture()
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	exp, _ := json.MarshalIndent(want, "", " ")
	if *update {
		if err := os.WriteFile(fixtureCSV, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fixtureExpected, append(exp, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(fixtureCSV)
	if err != nil || string(got) != b.String() {
		t.Fatalf("%s is not what the generator makes (run go test ./internal/app -run TestWriteFixture -update): %v", fixtureCSV, err)
	}
}

// makeFixture builds the fixture rows (header first) and the expected rejections.
func makeFixture() ([][]string, []expectedRejection) {
	r := rand.New(rand.NewPCG(42, 1))
	header := registry.Headers(registry.PersonColumns())[:14]
	header[0], header[1] = "name", "id_number" // English headers work too, in any mix
	rows := [][]string{header}
	var want []expectedRejection
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂")
	ids := map[string]bool{}
	newID := func() string {
		for {
			y, m, d := 1940+r.IntN(70), 1+r.IntN(12), 1+r.IntN(28)
			id := apptest.IDNumber(fmt.Sprintf("310114%04d%02d%02d%03d", y, m, d, r.IntN(1000)))
			if !ids[id] {
				ids[id] = true
				return id
			}
		}
	}
	// Bad rows: each breaks one rule of DOMAIN.md §1–§2 (or of the file format).
	type bad struct {
		column, code string
		spoil        func(row []string)
	}
	bads := []bad{
		{"id_number", "length", func(x []string) { x[1] = x[1][:17] }},
		{"id_number", "length", func(x []string) { x[1] += "1" }},
		{"id_number", "charset", func(x []string) { x[1] = x[1][:5] + "A" + x[1][6:] }},
		{"id_number", "charset", func(x []string) { x[1] = x[1][:17] + "Y" }},
		{"id_number", "birth_date", func(x []string) { x[1] = apptest.IDNumber(x[1][:6] + "19990230" + x[1][14:17]); x[2] = "" }},
		{"id_number", "birth_date", func(x []string) { x[1] = apptest.IDNumber(x[1][:6] + "20990101" + x[1][14:17]); x[2] = "" }},
		{"id_number", "birth_date", func(x []string) { x[1] = apptest.IDNumber(x[1][:6] + "18991231" + x[1][14:17]); x[2] = "" }},
		{"id_number", "checksum", func(x []string) { x[1] = x[1][:17] + otherCheck(x[1]) }},
		{"id_number", "required", func(x []string) { x[1] = "" }},
		{"certificate_number", "id_mismatch", func(x []string) { x[2] = apptest.IDNumber("31011419500101123") + x[3] + x[4] }},
		{"certificate_number", "category_mismatch", func(x []string) { x[2] = x[1] + string(rune('0'+(atoi(x[3])%7)+1)) + x[4] }},
		{"certificate_number", "grade_mismatch", func(x []string) { x[2] = x[1] + x[3] + string(rune('0'+(atoi(x[4])%4)+1)) }},
		{"certificate_number", "length", func(x []string) { x[2] = x[1] + x[3] }},
		{"certificate_number", "reissue", func(x []string) { x[2] = x[1] + x[3] + x[4] + "C1" }},
		{"category", "invalid", func(x []string) { x[3], x[2] = "8", "" }},
		{"category", "invalid", func(x []string) { x[3], x[2] = "失明", "" }},
		{"grade", "invalid", func(x []string) { x[4], x[2] = "5", "" }},
		{"grade", "invalid", func(x []string) { x[4], x[2] = "五级", "" }},
		{"orgunit", "not_found", func(x []string) { x[5] = "310114102999" }},
		{"orgunit", "level", func(x []string) { x[5] = "310114102" }},
		{"orgunit", "scope", func(x []string) { x[5] = villageTown2 }},
		{"orgunit", "required", func(x []string) { x[5] = "" }},
		{"phone", "format", func(x []string) { x[6] = "1381234567" }},
		{"phone", "format", func(x []string) { x[6] = "12812345678" }},
		{"guardian_phone", "format", func(x []string) { x[10], x[11] = "监护人", "021-123" }},
		{"name", "required", func(x []string) { x[0] = "" }},
		{"hukou", "invalid", func(x []string) { x[8] = "火星" }},
		{"economic_status", "invalid", func(x []string) { x[9] = "富裕" }},
		{"certificate_issued", "format", func(x []string) { x[12] = "2020-13-45" }},
		{"certificate_issued", "future", func(x []string) { x[12] = "2099-01-01" }},
		{"status", "invalid", func(x []string) { x[13] = "失踪" }},
		{"id_number", "duplicate_in_file", nil}, // repeats an earlier row's ID number
		{"id_number", "duplicate_in_file", nil},
	}
	headerOf := map[string]string{}
	for i, f := range []string{"name", "id_number", "certificate_number", "category", "grade", "orgunit", "phone", "address", "hukou",
		"economic_status", "guardian_name", "guardian_phone", "certificate_issued", "status"} {
		headerOf[f] = header[i]
	}
	badAt := map[int]bad{}
	for i, b := range bads {
		badAt[20+i*29] = b // spread over the file: data rows 20, 49, … (file rows +1)
	}
	var firstIDs []string
	for i := 1; i <= 1000; i++ {
		id := newID()
		cat, grade := 1+r.IntN(7), 1+r.IntN(4)
		row := []string{
			string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))]), id, id + fmt.Sprint(cat) + fmt.Sprint(grade),
			fmt.Sprint(cat), fmt.Sprint(grade), fixtureVillages[r.IntN(len(fixtureVillages))], fmt.Sprintf("13%09d", r.IntN(1e9)),
			fmt.Sprintf("南翔镇民主街%d号", 1+r.IntN(300)), "local", "normal", "", "", fmt.Sprintf("20%02d-%02d-%02d", 10+r.IntN(15), 1+r.IntN(12), 1+r.IntN(28)), "active",
		}
		// Assorted valid spellings that must be accepted.
		switch i % 10 {
		case 1:
			row[1] = strings.ToLower(row[1]) + " "
		case 2:
			row[3] = registry.CategoryName(cat, "zh")
		case 3:
			row[3] = registry.CategoryName(cat, "en")
		case 4:
			row[4] = registry.GradeName(grade, "zh")
		case 5:
			row[8], row[9], row[13] = "本地", "低保", "在册"
		}
		if i < 10 {
			firstIDs = append(firstIDs, id)
		}
		if b, ok := badAt[i]; ok {
			if b.spoil == nil {
				row[1], row[2] = firstIDs[len(want)%len(firstIDs)], ""
			} else {
				b.spoil(row)
			}
			want = append(want, expectedRejection{Row: i + 1, Column: headerOf[b.column], Code: b.code})
		}
		rows = append(rows, row)
	}
	return rows, want
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// otherCheck returns a check character different from the right one.
func otherCheck(id string) string {
	if id[17] == '0' {
		return "1"
	}
	return "0"
}
