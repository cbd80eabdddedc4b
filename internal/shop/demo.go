package shop

import (
	"context"
	"fmt"

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
	_, _ = fmt.Fprintf(d.Out, "shop: %d artisans, %d products, %d orders\n", len(ids), len(pids), len(orders))
	return nil
}
