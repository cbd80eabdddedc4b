package shop

import (
	"embed"
	"io/fs"

	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/web"
)

//go:embed templates
var templatesFS embed.FS

// Templates are the module's page templates (named shop_*.html).
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// Sealed are the sealed columns of the shop: the buyer's name, phone and
// address of each order.
var Sealed = []module.Sealed{
	{Table: "shop_orders", Key: []string{"id"}, Column: "buyer_name_enc", Field: fBuyerName},
	{Table: "shop_orders", Key: []string{"id"}, Column: "buyer_phone_enc", Field: fBuyerPhone},
	{Table: "shop_orders", Key: []string{"id"}, Column: "buyer_address_enc", Field: fBuyerAddress},
}

// Module is the shop as the app sees it: its tables (after the persons its
// artisans and income point at), the public API and pages, the staff's
// pages (pick reads the artisan form's person picker: registry.Store.PickerFrom),
// the navigation entries and the demo artisans and products.
func (s *Store) Module(pick PickFunc) module.Module {
	return module.Module{
		Name:      "shop",
		Templates: Templates(),
		Tables: []string{"shop_workshops", "shop_artisans", "shop_products", "shop_photos", "shop_product_artisans", "shop_orders", "shop_order_lines", "shop_line_shares",
			"shop_payouts", "shop_payout_lines", "shop_income"},
		Sealed: Sealed,
		Demo:   s.demo,
		Routes: func(rt *web.Router, kit web.Kit) {
			API{Store: s}.Routes(rt)
			(&Public{Store: s, Kit: kit}).Routes(rt)
			(&Staff{Store: s, Kit: kit, Pick: pick}).Routes(rt)
		},
		Nav: []module.Nav{
			{Order: 160, Roles: []string{identity.DistrictStaff}, Zh: "网店", En: "Shop", Href: "/shop/staff"},
			{Order: 160, Roles: []string{identity.Leader}, Zh: "网店销售", En: "Shop sales", Href: "/shop/staff/sales"},
		},
	}
}
