package orgunit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"sunshine/internal/platform/apperr"
)

// Place is the district demo data is made for (module.Demo.Place): the
// installation's home district, its names and its towns.
type Place struct {
	District Unit   // the level-2 unit, e.g. 310114 嘉定区
	Parent   Unit   // its city or province, e.g. 31 上海市 (zero when unknown)
	Towns    []Unit // its level-3 units in code order (the persons' towns)
	// Picks are the towns the demo's records lie in, the demo town first:
	// Jiading's are 南翔镇, 安亭镇, 马陆镇, 江桥镇, 菊园新区 (the demo as it
	// always was); another district's are its first towns in code order.
	Picks []Unit
}

// jiadingPicks are Jiading's demo towns (see Place.Picks).
var jiadingPicks = []string{"310114102", "310114103", "310114106", "310114118", "310114401"}

// DemoPlace reads the district's units for its demo data. A code that is
// not a district, or a district without towns, is refused.
func (s *Store) DemoPlace(ctx context.Context, district string) (Place, error) {
	var p Place
	u, err := s.Get(ctx, district)
	if err != nil || u.Level != 2 {
		return p, apperr.New(apperr.Invalid,
			fmt.Sprintf("区县代码 %q 不是已知的区县，无法生成演示数据。", district),
			fmt.Sprintf("district code %q is not a known district: no demo data can be made for it", district))
	}
	p.District = u
	if u.Parent != "" {
		if parent, err := s.Get(ctx, u.Parent); err == nil {
			p.Parent = parent
		}
	}
	towns, err := s.Children(ctx, district)
	if err != nil {
		return p, fmt.Errorf("demo place: %w", err)
	}
	for _, t := range towns {
		if t.Level == 3 {
			p.Towns = append(p.Towns, t)
		}
	}
	if len(p.Towns) == 0 {
		return p, apperr.New(apperr.Invalid,
			fmt.Sprintf("区县 %s 没有乡镇（街道），无法生成演示数据。", district),
			fmt.Sprintf("district %s has no towns: no demo data can be made for it", district))
	}
	slices.SortFunc(p.Towns, func(a, b Unit) int { return strings.Compare(a.Code, b.Code) })
	for _, code := range jiadingPicks {
		if i := slices.IndexFunc(p.Towns, func(t Unit) bool { return t.Code == code }); i >= 0 {
			p.Picks = append(p.Picks, p.Towns[i])
		}
	}
	if len(p.Picks) < len(jiadingPicks) { // not Jiading (or Jiading without its towns)
		p.Picks = p.Towns[:min(len(p.Towns), len(jiadingPicks))]
	}
	return p, nil
}

// Code is the district's code.
func (p Place) Code() string { return p.District.Code }

// Town is the i-th demo town (Picks, repeated when the district has fewer):
// Town(0) is the demo town, that of the demo accounts.
func (p Place) Town(i int) Unit {
	if len(p.Picks) == 0 {
		return Unit{}
	}
	return p.Picks[i%len(p.Picks)]
}

// Name is the district's full name, e.g. 嘉定区, 昆山市.
func (p Place) Name() string { return p.District.Name }

// Short is the district's name without its kind, as titles use it: 嘉定,
// 昆山, 太仓 (a name of two characters is kept whole).
func (p Place) Short() string { return ShortName(p.District.Name) }

// Kind is the last character of the district's name, its kind as titles
// say it: 区 (嘉定区残联), 市 (昆山市残联), 县.
func (p Place) Kind() string {
	r := []rune(p.District.Name)
	if len(r) < 2 {
		return "区"
	}
	return string(r[len(r)-1])
}

// ShortEn is the district's English name without "District" or "City":
// Jiading, Kunshan.
func (p Place) ShortEn() string {
	if n := ShortNameEn(p.District.NameEn); n != "" {
		return n
	}
	return p.District.Code
}

// Seat is the district's seat town: the one named after the district
// (嘉定镇街道), else its first town (玉山镇, 城厢镇).
func (p Place) Seat() Unit {
	short := p.Short()
	for _, t := range p.Towns {
		if t.Name == short+"镇" || t.Name == short+"街道" || t.Name == short+"镇街道" {
			return t
		}
	}
	if len(p.Towns) == 0 {
		return Unit{}
	}
	return p.Towns[0]
}

// Landline is a made-up landline of the district with the local number:
// 021 in Shanghai, 0512 in Suzhou (Kunshan, Taicang).
func (p Place) Landline(local string) string {
	if strings.HasPrefix(p.District.Code, "3205") {
		return "0512" + local
	}
	return "021" + local
}

// ShortNameEn drops an English place name's kind: "Nanxiang Town" →
// "Nanxiang", "Jiading District" → "Jiading".
func ShortNameEn(name string) string {
	for _, suf := range []string{" District", " City", " County", " Town", " Subdistrict"} {
		name = strings.TrimSuffix(name, suf)
	}
	return name
}

// Address is the district's address prefix: 上海市嘉定区, 苏州市昆山市.
func (p Place) Address() string { return p.Parent.Name + p.District.Name }

// ShortName drops a place name's kind (区, 市, 县, 镇, 街道, 新区 …) when
// two characters or more are left: 嘉定区 → 嘉定, 南翔镇 → 南翔.
func ShortName(name string) string {
	for _, suf := range []string{"街道", "新区", "开发区", "区", "市", "县", "镇", "乡"} {
		if s, ok := strings.CutSuffix(name, suf); ok && len([]rune(s)) >= 2 {
			return s
		}
	}
	return name
}
