package shop

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
)

// demo adds the demo artisans — two registered persons of the district who
// weave straw (黄草编织) and two Yi embroiderers of Chuxiong (彝绣) — their
// products, and a few orders: one delivered, one shipped, one paid, one
// awaiting payment.
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	c := access.Demo(identity.DistrictStaff, d.Place.Code())
	c.Actor.Username = "demo"
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT id FROM persons WHERE status = 'active' AND orgunit >= ? AND orgunit < ? ORDER BY id LIMIT 2`, lo, hi)
	if err != nil {
		return fmt.Errorf("demo shop: %w", err)
	}
	var persons []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return fmt.Errorf("demo shop: %w", err)
		}
		persons = append(persons, id)
	}
	_ = rows.Close()
	var ins []ArtisanInput
	for i, p := range persons {
		story := ""
		if i == 0 {
			story = "跟着母亲学了三十年黄草编织，双腿不便后在阳光之家教大家编草包。Thirty years of straw weaving learnt from my mother; now I teach it at the Sunshine Home."
		}
		ins = append(ins, ArtisanInput{PersonID: p, Region: "jiading", Craft: "黄草编织", Story: story, Consent: i == 0})
	}
	ins = append(ins,
		ArtisanInput{Name: "阿依", Region: "chuxiong", Craft: "彝绣", Story: "楚雄彝族刺绣传承人，听力残疾，带领村里的姐妹一起绣花。A Yi embroiderer of Chuxiong who is deaf; she leads the women of her village in embroidery.", Consent: true},
		ArtisanInput{Name: "李秀英", Region: "chuxiong", Craft: "彝绣", Consent: false})
	// Two Sunshine workshops: one in a town of the district (the first of
	// the demo place's, when it has one), one in Chuxiong.
	towns, err := s.Towns(ctx, c)
	if err != nil {
		return fmt.Errorf("demo workshops: %w", err)
	}
	home := WorkshopInput{Name: "嘉定阳光工坊", Place: "嘉定区", Description: "残疾人匠人每周在这里一起编织黄草。"}
	if len(towns) > 0 {
		home.OrgUnit, home.Place = towns[0].Code, ""
	}
	wHome, err := s.CreateWorkshop(ctx, c, home)
	if err != nil {
		return fmt.Errorf("demo workshop: %w", err)
	}
	wChux, err := s.CreateWorkshop(ctx, c, WorkshopInput{Name: "楚雄彝绣阳光工坊", Place: "云南省楚雄市", Description: "对口协作地区的彝绣工坊。"})
	if err != nil {
		return fmt.Errorf("demo workshop: %w", err)
	}
	for i := range ins {
		if ins[i].Region == "jiading" {
			ins[i].WorkshopID = wHome.ID
		} else {
			ins[i].WorkshopID = wChux.ID
		}
	}
	var ids []int64
	for _, in := range ins {
		a, err := s.CreateArtisan(ctx, c, in)
		if err != nil {
			return fmt.Errorf("demo artisan: %w", err)
		}
		ids = append(ids, a.ID)
	}
	n := len(ids)
	weaver, ayi, li := ids[0], ids[n-2], ids[n-1]
	joint := []Share{{weaver, 3334}, {ayi, 3333}, {li, 3333}}
	if weaver == ayi { // no demo persons: the Chuxiong artisans alone
		joint = []Share{{ayi, 5000}, {li, 5000}}
	}
	products := []ProductInput{
		{Title: "黄草编织手提包", TitleEn: "Woven straw handbag", Category: "straw", Price: 16800, Stock: 12, Published: true,
			Description: "嘉定黄草手工编织，轻巧耐用。Hand-woven from Jiading straw: light and hard-wearing.", Shares: []Share{{weaver, 10000}}},
		{Title: "彝绣零钱包", TitleEn: "Yi embroidered purse", Category: "embroidery", Price: 6800, Stock: 30, Published: true,
			Description: "楚雄彝族传统马缨花纹样。The traditional Chuxiong Yi azalea pattern.", Shares: []Share{{ayi, 6000}, {li, 4000}}},
		{Title: "黄草彝绣联名杯垫（四只）", TitleEn: "Straw and Yi embroidery coasters (set of four)", Category: "joint", Price: 9900, Stock: 20, Published: true,
			Description: "嘉定黄草与楚雄彝绣结合的联名作品。Jiading straw and Chuxiong embroidery in one piece.", Shares: joint},
		{Title: "黄草收纳篮（样品）", TitleEn: "Straw basket (sample)", Category: "straw", Price: 12000, Stock: 3, Published: false, Shares: []Share{{weaver, 10000}}},
	}
	var pids []int64
	for _, in := range products {
		p, err := s.CreateProduct(ctx, c, in)
		if err != nil {
			return fmt.Errorf("demo product: %w", err)
		}
		pids = append(pids, p.ID)
	}
	// Photos: generated tiles (no binary files in the repository).
	photos := []struct {
		product    int
		r, g, b    uint8
		alt, altEn string
	}{
		{0, 0xC8, 0xA2, 0x4B, "黄草编织手提包，正面", "The woven straw handbag, from the front"},
		{0, 0xB0, 0x8A, 0x3A, "黄草编织手提包的编织纹理特写", "A close view of the handbag's weave"},
		{1, 0xB2, 0x22, 0x3A, "红底彝绣零钱包，绣有马缨花", "A red Yi embroidered purse with azalea flowers"},
		{2, 0x3A, 0x6E, 0x8F, "四只联名杯垫摆在桌上", "The four coasters laid out on a table"},
		{3, 0x8A, 0x6A, 0x2A, "黄草收纳篮样品", "The straw basket sample"},
	}
	for i, ph := range photos {
		if _, err := s.AddProductPhoto(ctx, c, pids[ph.product], PhotoInput{Data: DemoPNG(480, 360, i, color.NRGBA{ph.r, ph.g, ph.b, 0xFF}), Alt: ph.alt, AltEn: ph.altEn}); err != nil {
			return fmt.Errorf("demo photo: %w", err)
		}
	}
	if _, err := s.SetArtisanPhoto(ctx, c, ayi, PhotoInput{Data: DemoPNG(240, 240, 9, color.NRGBA{0x7A, 0x2E, 0x5C, 0xFF}), Alt: "阿依在绣花", AltEn: "Ayi embroidering"}); err != nil {
		return fmt.Errorf("demo photo: %w", err)
	}
	buyer := audit.Actor{Username: "demo", Role: "buyer"}
	orders := []struct {
		line  Line
		buyer Buyer
		steps int // 0 new, 1 paid, 2 shipped, 3 delivered
	}{
		{Line{pids[0], 1}, Buyer{"张三", "13800138000", "上海市嘉定区博乐路 1 号"}, 3},
		{Line{pids[1], 2}, Buyer{"李四", "021-59990000", "上海市静安区南京西路 100 号"}, 3},
		{Line{pids[2], 1}, Buyer{"王五", "13912345678", "云南省楚雄市鹿城南路 8 号"}, 2},
		{Line{pids[1], 1}, Buyer{"赵六", "13700001111", "上海市嘉定区城中路 20 号"}, 1},
		{Line{pids[0], 2}, Buyer{"孙七", "13600002222", "上海市嘉定区沪宜公路 300 号"}, 0},
	}
	for i, o := range orders {
		placed, err := s.PlaceOrder(ctx, buyer, OrderInput{Items: []Line{o.line}, Buyer: o.buyer})
		if err != nil {
			return fmt.Errorf("demo order: %w", err)
		}
		if o.steps >= 1 {
			if err := s.RecordPayment(ctx, c, placed.ID, Payment{Method: "bank_transfer", Reference: fmt.Sprintf("ICBC2026%04d", i+1)}); err != nil {
				return fmt.Errorf("demo payment: %w", err)
			}
		}
		if o.steps >= 2 {
			if err := s.Ship(ctx, c, placed.ID, fmt.Sprintf("SF10%08d", i+1)); err != nil {
				return fmt.Errorf("demo shipping: %w", err)
			}
		}
		if o.steps >= 3 {
			if err := s.Deliver(ctx, c, placed.ID); err != nil {
				return fmt.Errorf("demo delivery: %w", err)
			}
		}
	}
	_, _ = fmt.Fprintf(d.Out, "shop: 2 workshops, %d artisans, %d products, %d photos, %d orders\n", len(ids), len(pids), len(photos)+1, len(orders))
	return nil
}

// DemoPNG draws a w×h tile of a colour with a pattern (diagonal stripes
// and a lighter border, varied by seed) as a PNG: the demo's photos.
func DemoPNG(w, h, seed int, base color.NRGBA) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	light := color.NRGBA{lighten(base.R), lighten(base.G), lighten(base.B), 0xFF}
	step := 12 + seed%5*4
	for y := range h {
		for x := range w {
			c := base
			if (x+y+seed*7)/step%2 == 0 || x < 8 || y < 8 || x >= w-8 || y >= h-8 {
				c = light
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding into memory does not fail
	}
	return buf.Bytes()
}

func lighten(v uint8) uint8 { return v + (0xFF-v)/3 }
