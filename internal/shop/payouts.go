package shop

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
)

// SoldLine is a line of a delivered order with its shares as ordered.
type SoldLine struct {
	ProductID int64
	Proceeds  int64 // quantity × price, cents
	Quantity  int
	Artisans  []int64 // by artisan id
	BPs       []int
}

// Payout is an artisan's part of a month's proceeds.
type Payout struct {
	ArtisanID int64
	Cents     int64
}

// Payouts splits each line's proceeds among its artisans (Split: the
// parts of a line add up to it to the cent) and sums them by artisan, by
// artisan id.
func Payouts(lines []SoldLine) []Payout {
	by := map[int64]int64{}
	for _, l := range lines {
		for i, c := range Split(l.Proceeds, l.BPs) {
			by[l.Artisans[i]] += c
		}
	}
	out := make([]Payout, 0, len(by))
	for a, c := range by {
		out = append(out, Payout{ArtisanID: a, Cents: c})
	}
	slices.SortFunc(out, func(a, b Payout) int { return cmp.Compare(a.ArtisanID, b.ArtisanID) })
	return out
}

// soldLines reads the lines of the delivered orders of a month ("" every
// month), with their shares in artisan order.
func soldLines(ctx context.Context, q querier, month string) ([]SoldLine, error) {
	where, args := `o.state = 'delivered'`, []any{}
	if month != "" {
		where += ` AND o.delivered_month = ?`
		args = append(args, month)
	}
	rows, err := q.Query(ctx, `SELECT l.order_id, l.product_id, l.quantity, l.price, s.artisan_id, s.share_bp
		FROM shop_orders o JOIN shop_order_lines l ON l.order_id = o.id
		JOIN shop_line_shares s ON s.order_id = l.order_id AND s.product_id = l.product_id
		WHERE `+where+` ORDER BY l.order_id, l.product_id, s.artisan_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sold lines: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []SoldLine
	var lastOrder, lastProduct int64
	for rows.Next() {
		var o, p, a, price int64
		var qty, bp int
		if err := rows.Scan(&o, &p, &qty, &price, &a, &bp); err != nil {
			return nil, fmt.Errorf("sold lines: %w", err)
		}
		if len(out) == 0 || o != lastOrder || p != lastProduct {
			out = append(out, SoldLine{ProductID: p, Proceeds: int64(qty) * price, Quantity: qty})
			lastOrder, lastProduct = o, p
		}
		l := &out[len(out)-1]
		l.Artisans = append(l.Artisans, a)
		l.BPs = append(l.BPs, bp)
	}
	return out, rows.Err()
}

// Roster is a month's payout roster.
type Roster struct {
	ID        int64
	Month     string
	State     string // draft, approved
	Total     int64
	CreatedBy string
	DecidedBy string
	Version   int
	Lines     []RosterLine
}

// RosterLine is an artisan's payout of a roster.
type RosterLine struct {
	ArtisanID int64
	PersonID  int64
	Name      string
	Region    string
	Cents     int64
}

// checkMonth checks a roster's month: YYYY-MM, ended (before this month).
func checkMonth(month string, now time.Time) error {
	t, err := time.Parse("2006-01", month)
	if err != nil || len(month) != 7 || t.Year() < 2000 {
		return invalid("month", "invalid", "月份须为 年-月，如 2026-10。", "The month must be YYYY-MM, such as 2026-10.")
	}
	if month >= Month(now) {
		return invalid("month", "not_ended", "只能为已结束的月份制作名册。", "A roster is made for a month that has ended.")
	}
	return nil
}

// CreateRoster makes the payout roster of an ended month (a draft): each
// artisan's share of the month's delivered orders. One roster a month.
func (s *Store) CreateRoster(ctx context.Context, c access.Caller, month string) (Roster, error) {
	if !CanManage(c) {
		return Roster{}, forbidden()
	}
	if err := checkMonth(month, s.db.Now()); err != nil {
		return Roster{}, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM shop_payouts WHERE month = ?`, month).Scan(&n); err != nil {
			return fmt.Errorf("read payouts: %w", err)
		}
		if n > 0 {
			return conflict("month", "exists", "该月的收益分配名册已存在。", "The payout roster of this month exists already.")
		}
		lines, err := soldLines(ctx, tx, month)
		if err != nil {
			return err
		}
		ps := Payouts(lines)
		var total int64
		for _, p := range ps {
			total += p.Cents
		}
		if err := tx.QueryRow(ctx, `INSERT INTO shop_payouts (month, state, total, created_by, created_at) VALUES (?, 'draft', ?, ?, ?) RETURNING id`,
			month, total, c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("month", "exists", "该月的收益分配名册已存在。", "The payout roster of this month exists already.")
			}
			return fmt.Errorf("insert payout: %w", err)
		}
		for _, p := range ps {
			if _, err := tx.Exec(ctx, `INSERT INTO shop_payout_lines (payout_id, artisan_id, cents) VALUES (?, ?, ?)`, id, p.ArtisanID, p.Cents); err != nil {
				return fmt.Errorf("insert payout line: %w", err)
			}
		}
		e := c.Actor.Entry(audit.ActionCreate, SubjectPayout, id64(id), "")
		e.Detail = month + " total " + money.Yuan(total)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Roster{}, err
	}
	return s.Roster(ctx, c, id)
}

// Rosters lists the payout rosters, newest month first.
func (s *Store) Rosters(ctx context.Context, c access.Caller) ([]Roster, error) {
	if !CanManage(c) {
		return nil, forbidden()
	}
	rows, err := s.db.Query(ctx, `SELECT id, month, state, total, created_by, decided_by, version FROM shop_payouts ORDER BY month DESC`)
	if err != nil {
		return nil, fmt.Errorf("list payouts: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Roster{}
	for rows.Next() {
		var r Roster
		if err := rows.Scan(&r.ID, &r.Month, &r.State, &r.Total, &r.CreatedBy, &r.DecidedBy, &r.Version); err != nil {
			return nil, fmt.Errorf("list payouts: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Roster reads a payout roster with its lines.
func (s *Store) Roster(ctx context.Context, c access.Caller, id int64) (Roster, error) {
	if !CanManage(c) {
		return Roster{}, forbidden()
	}
	var r Roster
	err := s.db.QueryRow(ctx, `SELECT id, month, state, total, created_by, decided_by, version FROM shop_payouts WHERE id = ?`, id).
		Scan(&r.ID, &r.Month, &r.State, &r.Total, &r.CreatedBy, &r.DecidedBy, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Roster{}, notFound()
	}
	if err != nil {
		return Roster{}, fmt.Errorf("read payout: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT l.artisan_id, COALESCE(a.person_id, 0), COALESCE(p.name, a.name), COALESCE(p.orgunit, ''), a.region, l.cents
		FROM shop_payout_lines l JOIN shop_artisans a ON a.id = l.artisan_id LEFT JOIN persons p ON p.id = a.person_id
		WHERE l.payout_id = ? ORDER BY l.artisan_id`, id)
	if err != nil {
		return Roster{}, fmt.Errorf("payout lines: %w", err)
	}
	defer func() { _ = rows.Close() }()
	persons := map[int64]string{}
	for rows.Next() {
		var l RosterLine
		var unit string
		if err := rows.Scan(&l.ArtisanID, &l.PersonID, &l.Name, &unit, &l.Region, &l.Cents); err != nil {
			return Roster{}, fmt.Errorf("payout lines: %w", err)
		}
		r.Lines = append(r.Lines, l)
		if l.PersonID != 0 {
			persons[l.PersonID] = unit
		}
	}
	if err := rows.Err(); err != nil {
		return Roster{}, fmt.Errorf("payout lines: %w", err)
	}
	return r, s.readPersons(ctx, c, "shop payout", persons)
}

// ApproveRoster approves a draft roster: by another member of staff than
// its maker (403 for the maker). The month's delivered orders must still
// give the roster's figures (409 otherwise: discard it and make it again).
// Each registered person's payout is added to their shop income of the
// month's year.
func (s *Store) ApproveRoster(ctx context.Context, c access.Caller, id int64) error {
	if !CanManage(c) {
		return forbidden()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var month, state, maker string
		err := tx.QueryRow(ctx, `SELECT month, state, created_by FROM shop_payouts WHERE id = ?`+tx.ForUpdate(), id).Scan(&month, &state, &maker)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("read payout: %w", err)
		}
		if state != "draft" {
			return conflict("state", "state", "该名册已审核。", "This roster is approved already.")
		}
		if maker == c.Actor.Username {
			return apperr.New(apperr.Forbidden, "名册须由制作人以外的工作人员审核：您制作了这份名册，不能审核它。",
				"A roster is approved by someone other than its maker: you made this roster, so you cannot approve it.")
		}
		lines, err := soldLines(ctx, tx, month)
		if err != nil {
			return err
		}
		now := Payouts(lines)
		rows, err := tx.Query(ctx, `SELECT artisan_id, cents FROM shop_payout_lines WHERE payout_id = ? ORDER BY artisan_id`, id)
		if err != nil {
			return fmt.Errorf("payout lines: %w", err)
		}
		var was []Payout
		for rows.Next() {
			var p Payout
			if err := rows.Scan(&p.ArtisanID, &p.Cents); err != nil {
				_ = rows.Close()
				return fmt.Errorf("payout lines: %w", err)
			}
			was = append(was, p)
		}
		_ = rows.Close()
		if !slices.Equal(now, was) {
			return conflict("state", "changed", "名册制作后该月的订单有变化：请作废后重新制作。",
				"The month's orders changed after the roster was made: discard it and make it again.")
		}
		if _, err := tx.Exec(ctx, `UPDATE shop_payouts SET state = 'approved', decided_by = ?, decided_at = ?, version = version + 1 WHERE id = ?`,
			c.Actor.Username, db.Millis(tx.Now), id); err != nil {
			return fmt.Errorf("approve payout: %w", err)
		}
		year, _ := strconv.Atoi(month[:4])
		entries := []audit.Entry{c.Actor.Entry("approve", SubjectPayout, id64(id), "")}
		for _, p := range was {
			var person int64
			var unit string
			if err := tx.QueryRow(ctx, `SELECT COALESCE(a.person_id, 0), COALESCE(p.orgunit, '') FROM shop_artisans a LEFT JOIN persons p ON p.id = a.person_id WHERE a.id = ?`,
				p.ArtisanID).Scan(&person, &unit); err != nil {
				return fmt.Errorf("read artisan: %w", err)
			}
			if person == 0 || p.Cents == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO shop_income (person_id, year, cents) VALUES (?, ?, ?)
				ON CONFLICT (person_id, year) DO UPDATE SET cents = shop_income.cents + excluded.cents`, person, year, p.Cents); err != nil {
				return fmt.Errorf("record income: %w", err)
			}
			e := c.Actor.Entry(audit.ActionUpdate, SubjectPerson, id64(person), unit)
			e.Detail = "shop income " + month + " " + money.Yuan(p.Cents)
			entries = append(entries, e)
		}
		return audit.Append(ctx, tx, entries...)
	})
}

// DiscardRoster removes a draft roster (its maker or another member of
// staff), so that the month's roster can be made again.
func (s *Store) DiscardRoster(ctx context.Context, c access.Caller, id int64) error {
	if !CanManage(c) {
		return forbidden()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM shop_payouts WHERE id = ?`+tx.ForUpdate(), id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("read payout: %w", err)
		}
		if state != "draft" {
			return conflict("state", "state", "已审核的名册不能作废。", "An approved roster cannot be discarded.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM shop_payout_lines WHERE payout_id = ?`, id); err != nil {
			return fmt.Errorf("discard payout: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM shop_payouts WHERE id = ?`, id); err != nil {
			return fmt.Errorf("discard payout: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry("discard", SubjectPayout, id64(id), ""))
	})
}

// Income is a registered person's shop income of a year.
type Income struct {
	PersonID int64
	Name     string
	Year     int
	Cents    int64
}

// Incomes lists the recorded shop incomes (staff), newest year first. The
// read of the persons is audited.
func (s *Store) Incomes(ctx context.Context, c access.Caller) ([]Income, error) {
	if !CanManage(c) {
		return nil, forbidden()
	}
	rows, err := s.db.Query(ctx, `SELECT i.person_id, p.name, p.orgunit, i.year, i.cents FROM shop_income i JOIN persons p ON p.id = i.person_id ORDER BY i.year DESC, p.name, i.person_id`)
	if err != nil {
		return nil, fmt.Errorf("list income: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Income{}
	var entries []audit.Entry
	for rows.Next() {
		var in Income
		var unit string
		if err := rows.Scan(&in.PersonID, &in.Name, &unit, &in.Year, &in.Cents); err != nil {
			return nil, fmt.Errorf("list income: %w", err)
		}
		out = append(out, in)
		e := c.Actor.Entry(audit.ActionRead, SubjectPerson, id64(in.PersonID), unit)
		e.Detail = "shop income"
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list income: %w", err)
	}
	if len(entries) > 0 {
		if err := s.log.Record(ctx, entries...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Figure is a row of the sales figures: what it is of, pieces sold and
// proceeds in cents.
type Figure struct {
	Key      string
	Zh, En   string
	Pieces   int
	Proceeds int64
}

// Sales are the sales figures of the delivered orders by product, artisan
// and region.
type Sales struct {
	Products, Artisans, Regions []Figure
	Total                       int64
}

// SalesFigures sums the delivered orders (district staff and leaders):
// by product, by artisan (their shares), by region (of the artisans).
func (s *Store) SalesFigures(ctx context.Context, c access.Caller) (Sales, error) {
	if !CanRead(c) {
		return Sales{}, forbidden()
	}
	lines, err := soldLines(ctx, s.db, "")
	if err != nil {
		return Sales{}, err
	}
	titles := map[int64][2]string{}
	rows, err := s.db.Query(ctx, `SELECT id, title, title_en FROM shop_products`)
	if err != nil {
		return Sales{}, fmt.Errorf("sales: %w", err)
	}
	for rows.Next() {
		var id int64
		var t, te string
		if err := rows.Scan(&id, &t, &te); err != nil {
			_ = rows.Close()
			return Sales{}, fmt.Errorf("sales: %w", err)
		}
		titles[id] = [2]string{t, te}
	}
	_ = rows.Close()
	type who struct{ name, region string }
	artisans := map[int64]who{}
	rows, err = s.db.Query(ctx, `SELECT a.id, COALESCE(a.person_id, 0), COALESCE(p.orgunit, ''), COALESCE(p.name, a.name), a.region FROM shop_artisans a LEFT JOIN persons p ON p.id = a.person_id`)
	if err != nil {
		return Sales{}, fmt.Errorf("sales: %w", err)
	}
	persons := map[int64]string{}
	for rows.Next() {
		var id, person int64
		var unit string
		var w who
		if err := rows.Scan(&id, &person, &unit, &w.name, &w.region); err != nil {
			_ = rows.Close()
			return Sales{}, fmt.Errorf("sales: %w", err)
		}
		switch {
		case !CanManage(c):
			w.name = "" // leaders: no personal data
		case person != 0:
			persons[person] = unit
		}
		artisans[id] = w
	}
	_ = rows.Close()
	if err := s.readPersons(ctx, c, "shop sales", persons); err != nil {
		return Sales{}, err
	}
	prod, art, reg := map[int64]*Figure{}, map[int64]*Figure{}, map[string]*Figure{}
	var out Sales
	for _, l := range lines {
		out.Total += l.Proceeds
		f := prod[l.ProductID]
		if f == nil {
			t := titles[l.ProductID]
			f = &Figure{Key: id64(l.ProductID), Zh: t[0], En: apperr.T(t[0], t[1]).In("en")}
			prod[l.ProductID] = f
		}
		f.Pieces += l.Quantity
		f.Proceeds += l.Proceeds
		for i, cents := range Split(l.Proceeds, l.BPs) {
			a := artisans[l.Artisans[i]]
			fa := art[l.Artisans[i]]
			if fa == nil {
				fa = &Figure{Key: id64(l.Artisans[i]), Zh: a.name, En: a.name}
				if a.name == "" {
					fa.Zh, fa.En = "匠人 #"+fa.Key, "Artisan #"+fa.Key
				}
				art[l.Artisans[i]] = fa
			}
			fa.Pieces += l.Quantity
			fa.Proceeds += cents
			fr := reg[a.region]
			if fr == nil {
				w := WordOf(Regions, a.region)
				fr = &Figure{Key: a.region, Zh: w.Zh, En: w.En}
				reg[a.region] = fr
			}
			fr.Proceeds += cents
		}
	}
	collect := func(m map[int64]*Figure) []Figure {
		var fs []Figure
		for _, f := range m {
			fs = append(fs, *f)
		}
		slices.SortFunc(fs, func(a, b Figure) int {
			return cmp.Or(cmp.Compare(b.Proceeds, a.Proceeds), cmp.Compare(a.Zh, b.Zh), cmp.Compare(a.Key, b.Key))
		})
		return fs
	}
	out.Products, out.Artisans = collect(prod), collect(art)
	for _, w := range Regions {
		if f := reg[w.Code]; f != nil {
			out.Regions = append(out.Regions, *f)
		}
	}
	return out, nil
}
