package shop

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/vault"
)

// Subjects of the audit log.
const (
	SubjectArtisan = "shop_artisan"
	SubjectProduct = "shop_product"
	SubjectOrder   = "shop_order"
	SubjectPayout  = "shop_payout"
	SubjectPerson  = "person"
)

// Vault fields of the buyer's sealed data.
const (
	fBuyerName    = "shop buyer name"
	fBuyerPhone   = "shop buyer phone"
	fBuyerAddress = "shop buyer address"
)

// Store keeps the shop. Staff methods take the caller.
type Store struct {
	db    *db.DB
	vault *vault.Vault
	log   *audit.Log
}

// NewStore returns a store.
func NewStore(d *db.DB, v *vault.Vault, log *audit.Log) *Store {
	return &Store{db: d, vault: v, log: log}
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func notFound() error { return apperr.ErrNotFound() }

func invalid(field, code, zh, en string) error {
	return apperr.Validation(apperr.Field(field, code, zh, en))
}

func conflict(field, code, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T(zh, en), Fields: []apperr.FieldError{apperr.Field(field, code, zh, en)}}
}

func forbidden() error {
	return apperr.New(apperr.Forbidden, "只有区残联工作人员可以管理网店。", "Only district staff may run the shop.")
}

// CanManage says whether the caller runs the shop (district staff).
func CanManage(c access.Caller) bool { return c.Actor.Role == identity.DistrictStaff }

// CanRead says whether the caller may read the shop's figures (district
// staff and leaders).
func CanRead(c access.Caller) bool {
	return c.Actor.Role == identity.DistrictStaff || c.Actor.Role == identity.Leader
}

func id64(n int64) string { return strconv.FormatInt(n, 10) }

// ---- artisans ----

// Artisan is a maker whose work the shop sells: a registered person
// (PersonID, their name from the registry) or an artisan of a paired region.
type Artisan struct {
	ID       int64  `json:"id"`
	PersonID int64  `json:"person_id,omitempty"`
	Name     string `json:"name"`
	OrgUnit  string `json:"-"`
	Region   string `json:"region"`
	Craft    string `json:"craft"`
	Story    string `json:"story"`
	Consent  bool   `json:"consent"`
	Active   bool   `json:"active"`
	Version  int    `json:"version"`
	// WorkshopID is the workshop (阳光工坊) the artisan belongs to (0: none).
	WorkshopID int64 `json:"workshop_id,omitempty"`
}

// ArtisanInput adds or changes an artisan: PersonID for a registered
// person (then Name is ignored), else Name.
type ArtisanInput struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	Craft    string `json:"craft"`
	Story    string `json:"story"`
	Consent  bool   `json:"consent"`
	Active   bool   `json:"active"`
	Version  int    `json:"version"`
	// WorkshopID is the workshop chosen (0: none).
	WorkshopID int64 `json:"workshop_id"`
}

const artisanCols = `a.id, COALESCE(a.person_id, 0), COALESCE(p.name, a.name), COALESCE(p.orgunit, ''), a.region, a.craft, a.story, a.consent, a.active, a.version, COALESCE(a.workshop_id, 0)`
const artisanFrom = ` FROM shop_artisans a LEFT JOIN persons p ON p.id = a.person_id`

func scanArtisan(sc interface{ Scan(...any) error }) (Artisan, error) {
	var a Artisan
	err := sc.Scan(&a.ID, &a.PersonID, &a.Name, &a.OrgUnit, &a.Region, &a.Craft, &a.Story, &a.Consent, &a.Active, &a.Version, &a.WorkshopID)
	return a, err
}

// Artisans lists the artisans (staff), by region and name. The registered
// persons among them are read from the registry: the read is audited.
func (s *Store) Artisans(ctx context.Context, c access.Caller) ([]Artisan, error) {
	if !CanManage(c) {
		return nil, forbidden()
	}
	rows, err := s.db.Query(ctx, `SELECT `+artisanCols+artisanFrom+` ORDER BY a.region, a.id`)
	if err != nil {
		return nil, fmt.Errorf("list artisans: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Artisan{}
	for rows.Next() {
		a, err := scanArtisan(rows)
		if err != nil {
			return nil, fmt.Errorf("list artisans: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list artisans: %w", err)
	}
	persons := map[int64]string{}
	for _, a := range out {
		if a.PersonID != 0 {
			persons[a.PersonID] = a.OrgUnit
		}
	}
	if err := s.readPersons(ctx, c, "shop artisans", persons); err != nil {
		return nil, err
	}
	return out, nil
}

// readPersons records that the caller read registered persons (by id, with
// their org unit) as artisans: every read of a person is audited.
func (s *Store) readPersons(ctx context.Context, c access.Caller, detail string, persons map[int64]string) error {
	ids := slices.Sorted(maps.Keys(persons))
	entries := make([]audit.Entry, 0, len(ids))
	for _, id := range ids {
		e := c.Actor.Entry(audit.ActionRead, SubjectPerson, id64(id), persons[id])
		e.Detail = detail
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil
	}
	return s.log.Record(ctx, entries...)
}

// Artisan reads an artisan (staff).
func (s *Store) Artisan(ctx context.Context, c access.Caller, id int64) (Artisan, error) {
	if !CanManage(c) {
		return Artisan{}, forbidden()
	}
	a, err := scanArtisan(s.db.QueryRow(ctx, `SELECT `+artisanCols+artisanFrom+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Artisan{}, notFound()
	}
	if err != nil {
		return Artisan{}, fmt.Errorf("read artisan: %w", err)
	}
	if a.PersonID != 0 {
		if err := s.readPersons(ctx, c, "shop artisan", map[int64]string{a.PersonID: a.OrgUnit}); err != nil {
			return Artisan{}, err
		}
	}
	return a, nil
}

// checkArtisan checks an artisan's input; a registered person must be one
// the caller sees (a person out of scope is refused as a missing one).
func (s *Store) checkArtisan(ctx context.Context, q querier, c access.Caller, in *ArtisanInput) (string, error) {
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	unit := ""
	if in.PersonID < 0 {
		add(fieldErr("person_id", "not_found", "登记中没有这个人。", "There is no such person in the registry."))
	} else if in.PersonID > 0 {
		in.Name = ""
		err := q.QueryRow(ctx, `SELECT orgunit FROM persons WHERE id = ?`, in.PersonID).Scan(&unit)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !c.Scope.Contains(unit) {
			add(fieldErr("person_id", "not_found", "登记中没有这个人。", "There is no such person in the registry."))
		} else if err != nil {
			return "", fmt.Errorf("read person: %w", err)
		}
	} else {
		add(text("name", &in.Name, true, MaxName, "姓名", "name"))
	}
	if WordOf(Regions, in.Region).Code == "" {
		add(fieldErr("region", "invalid", "请选择地区。", "Choose the region."))
	}
	add(text("craft", &in.Craft, true, MaxCraft, "手艺", "craft"))
	add(text("story", &in.Story, false, MaxStory, "故事", "story"))
	if in.WorkshopID != 0 {
		var one int
		err := q.QueryRow(ctx, `SELECT 1 FROM shop_workshops WHERE id = ?`, in.WorkshopID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			add(fieldErr("workshop_id", "not_found", "没有这个工坊。", "There is no such workshop."))
		} else if err != nil {
			return "", fmt.Errorf("read workshop: %w", err)
		}
	}
	if len(fs) > 0 {
		return "", apperr.Validation(fs...)
	}
	return unit, nil
}

func (s *Store) personTaken(err error) error {
	if err != nil && db.IsUniqueViolation(err) {
		return invalid("person_id", "taken", "此人已登记为匠人。", "This person is already an artisan.")
	}
	return err
}

// CreateArtisan adds an artisan (district staff). Audited (and, for a
// registered person, as a change of their record's use).
func (s *Store) CreateArtisan(ctx context.Context, c access.Caller, in ArtisanInput) (Artisan, error) {
	if !CanManage(c) {
		return Artisan{}, forbidden()
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		unit, err := s.checkArtisan(ctx, tx, c, &in)
		if err != nil {
			return err
		}
		var person, workshop any
		if in.PersonID > 0 {
			person = in.PersonID
		}
		if in.WorkshopID != 0 {
			workshop = in.WorkshopID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO shop_artisans (person_id, name, region, craft, story, consent, active, workshop_id, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id`, person, in.Name, in.Region, in.Craft, in.Story, in.Consent, workshop, c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return s.personTaken(fmt.Errorf("insert artisan: %w", err))
		}
		entries := []audit.Entry{c.Actor.Entry(audit.ActionCreate, SubjectArtisan, id64(id), unit)}
		if in.PersonID > 0 {
			e := c.Actor.Entry(audit.ActionUpdate, SubjectPerson, id64(in.PersonID), unit)
			e.Detail = "shop artisan " + id64(id)
			entries = append(entries, e)
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return Artisan{}, err
	}
	return s.Artisan(ctx, c, id)
}

// UpdateArtisan changes an artisan with the version read (409 when stale).
func (s *Store) UpdateArtisan(ctx context.Context, c access.Caller, id int64, in ArtisanInput) (Artisan, error) {
	if !CanManage(c) {
		return Artisan{}, forbidden()
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		unit, err := s.checkArtisan(ctx, tx, c, &in)
		if err != nil {
			return err
		}
		var person, workshop any
		if in.PersonID > 0 {
			person = in.PersonID
		}
		if in.WorkshopID != 0 {
			workshop = in.WorkshopID
		}
		res, err := tx.Exec(ctx, `UPDATE shop_artisans SET person_id = ?, name = ?, region = ?, craft = ?, story = ?, consent = ?, active = ?, workshop_id = ?, version = version + 1
			WHERE id = ? AND version = ?`, person, in.Name, in.Region, in.Craft, in.Story, in.Consent, in.Active, workshop, id, in.Version)
		if err != nil {
			return s.personTaken(fmt.Errorf("update artisan: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM shop_artisans WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return notFound()
			}
			return apperr.ErrStale()
		}
		entries := []audit.Entry{c.Actor.Entry(audit.ActionUpdate, SubjectArtisan, id64(id), unit)}
		if in.PersonID > 0 {
			e := c.Actor.Entry(audit.ActionUpdate, SubjectPerson, id64(in.PersonID), unit)
			e.Detail = "shop artisan " + id64(id)
			entries = append(entries, e)
		}
		return audit.Append(ctx, tx, entries...)
	})
	if err != nil {
		return Artisan{}, err
	}
	return s.Artisan(ctx, c, id)
}

// ---- products ----

// Product is a product of the shop with its artisans' shares.
type Product struct {
	ID          int64          `json:"id"`
	Title       string         `json:"title"`
	TitleEn     string         `json:"title_en"`
	Description string         `json:"description"`
	Category    string         `json:"category"`
	Price       int64          `json:"price"` // cents
	Stock       int            `json:"stock"`
	Published   bool           `json:"published"`
	Version     int            `json:"version"`
	Artisans    []ProductMaker `json:"artisans"`
	// Photo is the first photo (ID 0 when none): lists fill it.
	Photo Photo `json:"-"`
}

// Label is the product's title in a language.
func (p Product) Label(lang string) string { return apperr.T(p.Title, p.TitleEn).In(lang) }

// ProductMaker is an artisan of a product as lists show them: the name is
// empty on public lists when the artisan has not consented to be shown.
type ProductMaker struct {
	ID      int64  `json:"-"`
	Name    string `json:"name"`
	Region  string `json:"region"`
	Craft   string `json:"-"`
	Story   string `json:"-"`
	Consent bool   `json:"-"`
	BP      int    `json:"-"`
	// Workshop is the artisan's workshop and its town or place ("" when
	// none, or hidden without consent).
	Workshop string `json:"-"`
	// WorkshopPlace is the workshop's town or place ("" when none).
	WorkshopPlace string `json:"-"`
	// Photo is the artisan's photo (ID 0 when none, or hidden without
	// consent).
	Photo Photo `json:"-"`
}

// ProductInput adds or changes a product; Price in cents.
type ProductInput struct {
	Title       string  `json:"title"`
	TitleEn     string  `json:"title_en"`
	Description string  `json:"description"`
	Category    string  `json:"category"`
	Price       int64   `json:"price"`
	Stock       int     `json:"stock"`
	Published   bool    `json:"published"`
	Shares      []Share `json:"shares"`
	Version     int     `json:"version"`
}

func (s *Store) checkProduct(ctx context.Context, q querier, in *ProductInput) error {
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	add(text("title", &in.Title, true, MaxTitle, "名称", "title"))
	add(text("title_en", &in.TitleEn, false, MaxTitle, "英文名称", "English title"))
	add(text("description", &in.Description, false, MaxDescription, "介绍", "description"))
	if WordOf(Categories, in.Category).Code == "" {
		add(fieldErr("category", "invalid", "请选择类别。", "Choose the category."))
	}
	add(CheckPrice("price", in.Price))
	if in.Stock < 0 || in.Stock > MaxStock {
		add(fieldErr("stock", "range", "库存须为0到"+strconv.Itoa(MaxStock)+"件。", "The stock must be 0 to "+strconv.Itoa(MaxStock)+" pieces."))
	}
	if fe := CheckShares(in.Shares); fe != nil {
		add(fe)
	} else {
		for _, sh := range in.Shares {
			var active bool
			err := q.QueryRow(ctx, `SELECT active FROM shop_artisans WHERE id = ?`, sh.ArtisanID).Scan(&active)
			if errors.Is(err, sql.ErrNoRows) || err == nil && !active {
				add(fieldErr("shares", "artisan", "所选匠人不存在或已停用。", "A chosen artisan does not exist or is inactive."))
				break
			}
			if err != nil {
				return fmt.Errorf("read artisan: %w", err)
			}
		}
	}
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return nil
}

func writeShares(ctx context.Context, tx *db.Tx, id int64, shares []Share) error {
	if _, err := tx.Exec(ctx, `DELETE FROM shop_product_artisans WHERE product_id = ?`, id); err != nil {
		return fmt.Errorf("clear shares: %w", err)
	}
	for _, sh := range shares {
		if _, err := tx.Exec(ctx, `INSERT INTO shop_product_artisans (product_id, artisan_id, share_bp) VALUES (?, ?, ?)`, id, sh.ArtisanID, sh.BP); err != nil {
			return fmt.Errorf("insert share: %w", err)
		}
	}
	return nil
}

// CreateProduct adds a product (district staff). Audited.
func (s *Store) CreateProduct(ctx context.Context, c access.Caller, in ProductInput) (Product, error) {
	if !CanManage(c) {
		return Product{}, forbidden()
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkProduct(ctx, tx, &in); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO shop_products (title, title_en, description, category, price, stock, published, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Title, in.TitleEn, in.Description, in.Category, in.Price, in.Stock, in.Published,
			c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert product: %w", err)
		}
		if err := writeShares(ctx, tx, id, in.Shares); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectProduct, id64(id), ""))
	})
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, c, id)
}

// UpdateProduct changes a product with the version read (409 when stale).
func (s *Store) UpdateProduct(ctx context.Context, c access.Caller, id int64, in ProductInput) (Product, error) {
	if !CanManage(c) {
		return Product{}, forbidden()
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkProduct(ctx, tx, &in); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE shop_products SET title = ?, title_en = ?, description = ?, category = ?, price = ?, stock = ?, published = ?, version = version + 1
			WHERE id = ? AND version = ?`, in.Title, in.TitleEn, in.Description, in.Category, in.Price, in.Stock, in.Published, id, in.Version)
		if err != nil {
			return fmt.Errorf("update product: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM shop_products WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return notFound()
			}
			return apperr.ErrStale()
		}
		if err := writeShares(ctx, tx, id, in.Shares); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionUpdate, SubjectProduct, id64(id), ""))
	})
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, c, id)
}

const productCols = `id, title, title_en, description, category, price, stock, published, version`

func scanProduct(sc interface{ Scan(...any) error }) (Product, error) {
	var p Product
	err := sc.Scan(&p.ID, &p.Title, &p.TitleEn, &p.Description, &p.Category, &p.Price, &p.Stock, &p.Published, &p.Version)
	return p, err
}

// makers reads the artisans of products (of the product id, else of
// every product), by product, the largest share first: the artisans once,
// then the shares in their key's order.
func (s *Store) makers(ctx context.Context, ids []int64) (map[int64][]ProductMaker, error) {
	rows, err := s.db.Query(ctx, `SELECT a.id, COALESCE(p.name, a.name), a.region, a.craft, a.story, a.consent,
		COALESCE(w.name, ''), COALESCE(o.name, w.place, ''),
		COALESCE(ph.id, 0), COALESCE(ph.mime, ''), COALESCE(ph.width, 0), COALESCE(ph.height, 0), COALESCE(ph.alt, ''), COALESCE(ph.alt_en, '')
		FROM shop_artisans a LEFT JOIN persons p ON p.id = a.person_id
		LEFT JOIN shop_workshops w ON w.id = a.workshop_id LEFT JOIN orgunits o ON o.code = w.orgunit AND w.orgunit <> ''
		LEFT JOIN shop_photos ph ON ph.artisan_id = a.id`)
	if err != nil {
		return nil, fmt.Errorf("product artisans: %w", err)
	}
	who := map[int64]ProductMaker{}
	for rows.Next() {
		var m ProductMaker
		var wname, where string
		ph := &m.Photo
		if err := rows.Scan(&m.ID, &m.Name, &m.Region, &m.Craft, &m.Story, &m.Consent, &wname, &where,
			&ph.ID, &ph.Type, &ph.Width, &ph.Height, &ph.Alt, &ph.AltEn); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("product artisans: %w", err)
		}
		ph.ArtisanID = m.ID
		if wname != "" {
			m.Workshop, m.WorkshopPlace = wname, where
		}
		who[m.ID] = m
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("product artisans: %w", err)
	}
	q, args := `SELECT product_id, artisan_id, share_bp FROM shop_product_artisans`, []any{}
	if ids != nil {
		q += ` WHERE product_id IN (` + inList(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err = s.db.Query(ctx, q+` ORDER BY product_id, artisan_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("product artisans: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[int64][]ProductMaker{}
	for rows.Next() {
		var pid, aid int64
		var bp int
		if err := rows.Scan(&pid, &aid, &bp); err != nil {
			return nil, fmt.Errorf("product artisans: %w", err)
		}
		m := who[aid]
		m.BP = bp
		out[pid] = append(out[pid], m)
	}
	for _, ms := range out {
		slices.SortStableFunc(ms, func(a, b ProductMaker) int { return cmp.Compare(b.BP, a.BP) })
	}
	return out, rows.Err()
}

// Product reads a product (staff: drafts too).
func (s *Store) Product(ctx context.Context, c access.Caller, id int64) (Product, error) {
	if !CanManage(c) {
		return Product{}, forbidden()
	}
	return s.product(ctx, id, false)
}

func (s *Store) product(ctx context.Context, id int64, public bool) (Product, error) {
	p, err := scanProduct(s.db.QueryRow(ctx, `SELECT `+productCols+` FROM shop_products WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && public && !p.Published {
		return Product{}, notFound()
	}
	if err != nil {
		return Product{}, fmt.Errorf("read product: %w", err)
	}
	ms, err := s.makers(ctx, []int64{id})
	if err != nil {
		return Product{}, err
	}
	p.Artisans = ms[id]
	if public {
		hide(p.Artisans)
	}
	return p, nil
}

// hide blanks what an artisan has not consented to show.
func hide(ms []ProductMaker) {
	for i := range ms {
		if !ms[i].Consent {
			ms[i].Name, ms[i].Story, ms[i].Workshop, ms[i].WorkshopPlace, ms[i].Photo = "", "", "", "", Photo{}
		}
	}
}

// Products lists every product (staff), newest first.
func (s *Store) Products(ctx context.Context, c access.Caller) ([]Product, error) {
	if !CanManage(c) {
		return nil, forbidden()
	}
	return s.products(ctx, Filter{}, false)
}

// Filter narrows the public catalogue.
type Filter struct {
	Query    string
	Category string
	// After and Limit page the list by id (0: no paging); Offset skips
	// that many first (the catalogue's numbered pages).
	After  int64
	Limit  int
	Offset int
}

// CountPublic counts the published products a filter finds.
func (s *Store) CountPublic(ctx context.Context, f Filter) (int, error) {
	where, args := productWhere(f, true)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM shop_products WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count products: %w", err)
	}
	return n, nil
}

// PublicProducts lists the published products (no sign-in): newest first,
// the artisans' names and stories only where they consented.
func (s *Store) PublicProducts(ctx context.Context, f Filter) ([]Product, error) {
	return s.products(ctx, f, true)
}

// PublicProduct reads a published product (404 for a draft).
func (s *Store) PublicProduct(ctx context.Context, id int64) (Product, error) {
	return s.product(ctx, id, true)
}

func likeEscape(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s)) + "%"
}

// productWhere is the condition of a product list and its arguments.
func productWhere(f Filter, public bool) (string, []any) {
	where := `TRUE`
	var args []any
	if public {
		where = `published`
	}
	if f.Category != "" {
		where += ` AND category = ?`
		args = append(args, f.Category)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where += ` AND (lower(title) LIKE ? ESCAPE '\' OR lower(title_en) LIKE ? ESCAPE '\' OR lower(description) LIKE ? ESCAPE '\')`
		l := likeEscape(q)
		args = append(args, l, l, l)
	}
	if f.After > 0 {
		where += ` AND id < ?`
		args = append(args, f.After)
	}
	return where, args
}

func (s *Store) products(ctx context.Context, f Filter, public bool) ([]Product, error) {
	where, args := productWhere(f, public)
	limit := ""
	if f.Limit > 0 {
		limit = ` LIMIT ` + strconv.Itoa(f.Limit)
		if f.Offset > 0 {
			limit += ` OFFSET ` + strconv.Itoa(f.Offset)
		}
	}
	rows, err := s.db.Query(ctx, `SELECT `+productCols+` FROM shop_products WHERE `+where+` ORDER BY id DESC`+limit, args...)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Product{}
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// A page of the list reads its own products' artisans and photos;
	// an unbounded list reads them all at once.
	var ids []int64
	if f.Limit > 0 {
		ids = make([]int64, len(out))
		for i, p := range out {
			ids[i] = p.ID
		}
	}
	ms, err := s.makers(ctx, ids)
	if err != nil {
		return nil, err
	}
	first, err := s.firstPhotos(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Artisans = ms[out[i].ID]
		out[i].Photo = first[out[i].ID]
		if public {
			hide(out[i].Artisans)
		}
	}
	return out, nil
}

// Raised is the income raised for the artisans so far: the proceeds of the
// delivered orders, in cents.
func (s *Store) Raised(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE(sum(l.quantity * l.price), 0) FROM shop_order_lines l JOIN shop_orders o ON o.id = l.order_id
		WHERE o.state = 'delivered'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("raised: %w", err)
	}
	return n, nil
}

// inList is the placeholders of an IN list of n values (n ≥ 1).
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
