package towns

import (
	"strings"
	"testing"
)

// TestValidateProjectPlainWords: names and English labels are made for
// people who give only Chinese ones; errors name fields by number and label.
func TestValidateProjectPlainWords(t *testing.T) {
	in, errs := ValidateProject(ProjectInput{Name: " 助残夜校 ", Fields: []FieldDef{
		{LabelZh: "地点", Kind: "text"}, {Name: "field_1", LabelZh: "时间", Kind: "date"}, {LabelZh: "补贴", Kind: "money"}}})
	if len(errs) > 0 {
		t.Fatalf("errors: %+v", errs)
	}
	var names []string
	for _, f := range in.Fields {
		names = append(names, f.Name+"="+f.LabelEn)
	}
	if in.Name != "助残夜校" || in.NameEn != "助残夜校" || strings.Join(names, ",") != "field_2=地点,field_1=时间,field_3=补贴" {
		t.Errorf("defaults: %q %q %v", in.Name, in.NameEn, names)
	}
	_, errs = ValidateProject(ProjectInput{Name: "x", Fields: []FieldDef{{LabelZh: "等级", Kind: "enum"}, {Kind: "list"}}})
	got := map[string]string{}
	for _, e := range errs {
		got[e.Field] = e.Msg.Zh + " | " + e.Msg.En
	}
	want := map[string]string{
		"fields[0].choices":  "第 1 个字段“等级”：选项类字段需要至少一个选项",
		"fields[1].label_zh": "第 2 个字段：请填写字段名称",
		"fields[1].kind":     "类型应为以下之一：文字、整数、日期、金额（元）、是或否、选项",
	}
	for k, w := range want {
		if !strings.Contains(got[k], w) {
			t.Errorf("%s: %q, want it to hold %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors: %v", got)
	}
}
