package devices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// LoanPeriod is how long a loan runs before it is due back or renewed.
const LoanPeriod = 180 * 24 * time.Hour

// Store keeps the catalogue, the service points and their stock.
type Store struct {
	db *db.DB
	// AssessorApproves lets the user who assessed a case approve it too
	// (a small service point with one member of staff); off by default.
	AssessorApproves bool
}

// NewStore returns a store.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// ServicePoint is a place that holds stock: the district centre and one per town.
type ServicePoint struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	NameEn  string `json:"name_en"`
	OrgUnit string `json:"orgunit"`
}

// EnsureSeed adds the catalogue and one service point per district and per
// town (DOMAIN.md §3) when missing.
func (s *Store) EnsureSeed(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, p := range Catalogue {
			if _, err := tx.Exec(ctx, `INSERT INTO device_catalogue (code, name, name_en, mode, referral) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (code) DO NOTHING`, p.Code, p.Name, p.NameEn, p.Mode, p.Referral); err != nil {
				return fmt.Errorf("seed device catalogue: %w", err)
			}
		}
		for _, u := range orgunit.Seed() {
			if u.Level != 2 && u.Level != 3 {
				continue
			}
			name, en := u.Name+"辅具服务点", u.NameEn+" assistive device service point"
			if u.Level == 2 {
				name, en = u.Name+"辅具服务中心", u.NameEn+" assistive device centre"
			}
			if _, err := tx.Exec(ctx, `INSERT INTO service_points (name, name_en, orgunit) VALUES (?, ?, ?) ON CONFLICT (orgunit) DO NOTHING`,
				name, en, u.Code); err != nil {
				return fmt.Errorf("seed service points: %w", err)
			}
		}
		return nil
	})
}

// Products lists the catalogue.
func (s *Store) Products(ctx context.Context) ([]Product, error) {
	rows, err := s.db.Query(ctx, `SELECT code, name, name_en, mode, referral FROM device_catalogue ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("read catalogue: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var p Product
		if err := rows.Scan(&p.Code, &p.Name, &p.NameEn, &p.Mode, &p.Referral); err != nil {
			return nil, fmt.Errorf("read catalogue: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func product(ctx context.Context, tx *db.Tx, code string) (Product, bool, error) {
	var p Product
	err := tx.QueryRow(ctx, `SELECT code, name, name_en, mode, referral FROM device_catalogue WHERE code = ?`, code).Scan(&p.Code, &p.Name, &p.NameEn, &p.Mode, &p.Referral)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	return p, err == nil, err
}

// Points lists the service points the caller may use: those in their scope
// and those of the units above them (a town uses the district centre).
func (s *Store) Points(ctx context.Context, sc orgunit.Scope) ([]ServicePoint, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, name_en, orgunit FROM service_points ORDER BY orgunit`)
	if err != nil {
		return nil, fmt.Errorf("read service points: %w", err)
	}
	defer rows.Close()
	var out []ServicePoint
	for rows.Next() {
		var p ServicePoint
		if err := rows.Scan(&p.ID, &p.Name, &p.NameEn, &p.OrgUnit); err != nil {
			return nil, fmt.Errorf("read service points: %w", err)
		}
		if usable(sc, p.OrgUnit) {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// options offers the catalogue for the items (and names the items kept in
// a case's data), and the service points a case's devices may be dispensed
// from: the person's town's first (the default), then the district's; while
// the case waits to be dispensed, each with its stock of what is still to
// be given.
func (s *Store) options(ctx context.Context, c casework.Case, field string) ([]casework.Option, error) {
	switch field {
	case "items", "dispensed_items", "outstanding":
		return s.productOptions(ctx, c)
	case "service_point", "assigned_point":
	case "to_point":
		return s.transferOptions(ctx, c)
	default:
		return nil, nil
	}
	points, err := s.Points(ctx, orgunit.Scope{Prefix: c.OrgUnit})
	if err != nil {
		return nil, err
	}
	// The nearest point first: the longest unit code is the person's town's.
	slices.SortStableFunc(points, func(a, b ServicePoint) int { return len(b.OrgUnit) - len(a.OrgUnit) })
	// An approval transferred to a point waits there: that point first.
	if at := pointID(c.Data["assigned_point"]); at != 0 {
		slices.SortStableFunc(points, func(a, b ServicePoint) int {
			switch {
			case a.ID == at && b.ID != at:
				return -1
			case b.ID == at && a.ID != at:
				return 1
			}
			return 0
		})
	}
	var want []string
	if c.State == "approved" {
		if want = codesOf(c.Data["outstanding"]); len(want) == 0 {
			want = codesOf(c.Data["items"])
		}
	}
	out := make([]casework.Option, len(points))
	for i, pt := range points {
		o := casework.Option{Value: strconv.FormatInt(pt.ID, 10), Zh: pt.Name, En: pt.NameEn}
		var zh, en []string
		seen := map[string]bool{}
		for _, code := range want {
			if seen[code] {
				continue
			}
			seen[code] = true
			var name, nameEn string
			var referral bool
			var qty sql.NullInt64
			err := s.db.QueryRow(ctx, `SELECT c.name, c.name_en, c.referral, s.quantity FROM device_catalogue c
				LEFT JOIN device_stock s ON s.code = c.code AND s.service_point = ? WHERE c.code = ?`, pt.ID, code).Scan(&name, &nameEn, &referral, &qty)
			if errors.Is(err, sql.ErrNoRows) || err == nil && referral {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read stock: %w", err)
			}
			zh, en = append(zh, fmt.Sprintf("%s 有 %d 件", name, qty.Int64)), append(en, fmt.Sprintf("%s: %d in stock", nameEn, qty.Int64))
		}
		if len(zh) > 0 {
			o.Zh += "（库存：" + strings.Join(zh, "，") + "）"
			o.En += " (" + strings.Join(en, "; ") + ")"
		}
		out[i] = o
	}
	return out, nil
}

// categories are a person's disability categories: their category, or for a
// multiple disability its components (none recorded: none known).
func (s *Store) categories(ctx context.Context, personID int64) ([]int, error) {
	if personID == 0 {
		return nil, nil
	}
	var cat int
	var comps string
	err := s.db.QueryRow(ctx, `SELECT category, components FROM persons WHERE id = ?`, personID).Scan(&cat, &comps)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read category: %w", err)
	}
	if cat != 7 {
		return []int{cat}, nil
	}
	var out []int
	for _, f := range strings.Split(comps, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v >= 1 && v <= 6 {
			out = append(out, v)
		}
	}
	return out, nil
}

// usable: the point lies in the scope, or above it within the same district.
func usable(sc orgunit.Scope, unit string) bool {
	return sc.Contains(unit) || len(unit) >= 6 && strings.HasPrefix(sc.Prefix, unit)
}

func pointNotFound(id int64) error {
	return apperr.New(apperr.NotFound, fmt.Sprintf("找不到服务点 %d，或不在您的范围内。", id), fmt.Sprintf("Service point %d was not found or is outside your area.", id))
}

func point(ctx context.Context, q interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}, sc orgunit.Scope, id int64) (ServicePoint, error) {
	var p ServicePoint
	err := q.QueryRow(ctx, `SELECT id, name, name_en, orgunit FROM service_points WHERE id = ?`, id).Scan(&p.ID, &p.Name, &p.NameEn, &p.OrgUnit)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !usable(sc, p.OrgUnit) {
		return p, pointNotFound(id)
	}
	if err != nil {
		return p, fmt.Errorf("read service point: %w", err)
	}
	return p, nil
}

// StockItem is the quantity of one product at a point.
type StockItem struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Mode     string `json:"mode"`
	Quantity int    `json:"quantity"`
}

// Stock lists a point's stock.
func (s *Store) Stock(ctx context.Context, sc orgunit.Scope, pointID int64, lang string) ([]StockItem, error) {
	if _, err := point(ctx, s.db, sc, pointID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT s.code, c.name, c.name_en, c.mode, s.quantity FROM device_stock s JOIN device_catalogue c ON c.code = s.code
		WHERE s.service_point = ? ORDER BY s.code`, pointID)
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	defer rows.Close()
	out := []StockItem{}
	for rows.Next() {
		var it StockItem
		var zh, en string
		if err := rows.Scan(&it.Code, &zh, &en, &it.Mode, &it.Quantity); err != nil {
			return nil, fmt.Errorf("read stock: %w", err)
		}
		it.Name = apperr.T(zh, en).In(lang)
		out = append(out, it)
	}
	return out, rows.Err()
}

// Move receives (quantity > 0) or adjusts (quantity < 0) the stock of a
// product at a point; stock never goes below zero (409). It returns the new
// quantity.
func (s *Store) Move(ctx context.Context, sc orgunit.Scope, actor audit.Actor, pointID int64, code string, quantity int, note string) (int, error) {
	var fields []apperr.FieldError
	switch {
	case quantity == 0:
		fields = append(fields, apperr.Field("quantity", "invalid", "数量不能为 0：入库为正数，调减为负数。", "The quantity cannot be 0: positive to receive, negative to adjust down."))
	case quantity > MaxMove || quantity < -MaxMove:
		fields = append(fields, apperr.Field("quantity", "range", fmt.Sprintf("一次入库或调减最多 %d 件。", MaxMove), fmt.Sprintf("One move takes at most %d items.", MaxMove)))
	}
	if utf8.RuneCountInString(note) > 500 {
		fields = append(fields, apperr.Field("note", "too_long", "说明最多 500 个字。", "The note takes at most 500 characters."))
	}
	if quantity < 0 && strings.TrimSpace(note) == "" {
		fields = append(fields, apperr.Field("note", "required", "调减库存请说明原因。", "Say why the stock is adjusted down."))
	}
	var left int
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := point(ctx, tx, sc, pointID)
		if err == nil && !sc.Contains(p.OrgUnit) { // keep only the stock of one's own area
			err = pointNotFound(pointID)
		}
		if err != nil {
			return err
		}
		prod, ok, err := product(ctx, tx, code)
		if err != nil {
			return fmt.Errorf("read catalogue: %w", err)
		}
		if !ok {
			fields = append(fields, apperr.Field("code", "unknown", "目录中没有这个辅具代码："+code, "The catalogue has no product "+code+"."))
		} else if prod.Referral {
			fields = append(fields, apperr.Field("code", "referral", "这是转介适配的产品，不入库存。", "This product is fitted by referral and not stocked."))
		}
		if len(fields) > 0 {
			return apperr.Validation(fields...)
		}
		if err := changeStock(ctx, tx, p.ID, code, quantity); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT quantity FROM device_stock WHERE service_point = ? AND code = ?`, p.ID, code).Scan(&left); err != nil {
			return fmt.Errorf("read stock: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO device_moves (service_point, code, delta, note, username, at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, code, quantity, note, actor.Username, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("record stock move: %w", err)
		}
		e := actor.Entry("stock", "service_point", strconv.FormatInt(p.ID, 10), p.OrgUnit)
		e.Detail = fmt.Sprintf(`{"code":%q,"quantity":%d}`, code, quantity)
		return audit.Append(ctx, tx, e)
	})
	return left, err
}

// Bounds of stock: one move, and what one point holds of one product (far
// below what a 32-bit column holds).
const (
	MaxMove  = 10000
	MaxStock = 100000
)

// changeStock adds delta to a point's stock; a fall below zero is refused
// (409), as is a rise above MaxStock.
func changeStock(ctx context.Context, tx *db.Tx, pointID int64, code string, delta int) error {
	if delta > 0 {
		res, err := tx.Exec(ctx, `INSERT INTO device_stock (service_point, code, quantity) VALUES (?, ?, ?)
			ON CONFLICT (service_point, code) DO UPDATE SET quantity = device_stock.quantity + excluded.quantity
			WHERE device_stock.quantity + excluded.quantity <= ?`, pointID, code, delta, MaxStock)
		if err != nil {
			return fmt.Errorf("change stock: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 || delta > MaxStock {
			name := nameOf(ctx, tx, code)
			return apperr.New(apperr.Conflict, fmt.Sprintf("一个服务点的一种辅具最多存 %d 件：%s", MaxStock, name.Zh),
				fmt.Sprintf("A service point holds at most %d of one product: %s", MaxStock, name.En))
		}
		return nil
	}
	res, err := tx.Exec(ctx, `UPDATE device_stock SET quantity = quantity + ? WHERE service_point = ? AND code = ? AND quantity + ? >= 0`, delta, pointID, code, delta)
	if err != nil {
		return fmt.Errorf("change stock: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		name := nameOf(ctx, tx, code)
		return apperr.New(apperr.Conflict, "库存不足："+name.Zh, "Not enough in stock: "+name.En)
	}
	return nil
}

// nameOf is a product's name and code as errors name it (the bare code when
// the catalogue cannot say).
func nameOf(ctx context.Context, tx *db.Tx, code string) apperr.Text {
	if p, ok, err := product(ctx, tx, code); err == nil && ok {
		return productName(p)
	}
	return apperr.T(code, code)
}

// Loan is a device a person holds.
type Loan struct {
	CaseID       int64  `json:"case_id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	ServicePoint int64  `json:"service_point"`
	LentOn       string `json:"lent_on"`
	DueDate      string `json:"due_date"`
	Overdue      bool   `json:"overdue"`
}

// Loans lists what a person holds on loan (their loan card), on the cases
// the caller sees: staff those of their scope, a person their own, a
// provider's worker those assigned to its organisation (access.CaseWhere).
func (s *Store) Loans(ctx context.Context, c access.Caller, personID int64, lang string) ([]Loan, error) {
	where, args := c.CaseWhere("c")
	rows, err := s.db.Query(ctx, `SELECT l.case_id, l.code, d.name, d.name_en, l.service_point, l.lent_at, l.due_date
		FROM device_loans l JOIN cases c ON c.id = l.case_id JOIN device_catalogue d ON d.code = l.code
		WHERE l.person_id = ? AND l.returned_at = 0 AND `+where+` ORDER BY l.due_date, l.case_id`, append([]any{personID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read loans: %w", err)
	}
	defer rows.Close()
	out := []Loan{}
	today := s.db.Now().Format(time.DateOnly)
	for rows.Next() {
		var l Loan
		var zh, en string
		var lent int64
		if err := rows.Scan(&l.CaseID, &l.Code, &zh, &en, &l.ServicePoint, &lent, &l.DueDate); err != nil {
			return nil, fmt.Errorf("read loans: %w", err)
		}
		l.Name = apperr.T(zh, en).In(lang)
		l.LentOn = time.UnixMilli(lent).UTC().Format(time.DateOnly)
		l.Overdue = l.DueDate < today
		out = append(out, l)
	}
	return out, rows.Err()
}

// Type is the assistive_device service type (CONTRACT.md).
func (s *Store) Type() *casework.Type {
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	fitters := []string{identity.DistrictStaff, identity.TownStaff, identity.Provider}
	return &casework.Type{
		Code: "assistive_device", Zh: "辅助器具适配", En: "Assistive devices",
		Initial:     "submitted",
		CreateRoles: []string{identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff, identity.Person},
		CreateFields: []casework.Field{
			{Name: "need", Kind: casework.KindText, Zh: "需求说明", En: "What is needed"},
		},
		States: []casework.State{
			{Code: "submitted", Zh: "已申请", En: "submitted", Due: 7 * 24 * time.Hour},
			{Code: "assessed", Zh: "已评估", En: "assessed", Due: 7 * 24 * time.Hour},
			{Code: "approved", Zh: "已批准", En: "approved", Due: 14 * 24 * time.Hour},
			{Code: "dispensed", Zh: "已发放", En: "dispensed"},
			{Code: "returned", Zh: "已归还", En: "returned", Due: 7 * 24 * time.Hour},
			{Code: "closed", Zh: "已结案", En: "closed", Terminal: true},
			{Code: "rejected", Zh: "未通过", En: "rejected", Terminal: true},
			{Code: "cancelled", Zh: "已撤销", En: "cancelled", Terminal: true},
		},
		Transitions: []casework.Transition{
			{Action: "assess", From: []string{"submitted"}, To: "assessed", Roles: fitters, Zh: "评估", En: "assess",
				Fields: []casework.Field{{Name: "items", Kind: casework.KindList, Required: true, Zh: "适配的辅具", En: "Prescribed items", Selects: 3}}},
			{Action: "approve", From: []string{"assessed"}, To: "approved", Roles: staff, Zh: "批准", En: "approve"},
			{Action: "dispense", From: []string{"approved"}, To: "dispensed", Roles: fitters, Zh: "发放", En: "dispense",
				Fields: []casework.Field{{Name: "service_point", Kind: casework.KindInt, Required: true, Zh: "发放服务点", En: "Service point"}}},
			// Part of an approval: what the point has now; the rest stays
			// open (dispensed later, from this or another point, re-assessed,
			// or given up by closing).
			{Action: "dispense_part", From: []string{"approved"}, To: "", Roles: fitters, Zh: "先发放有库存的部分", En: "dispense what is in stock",
				Fields: []casework.Field{{Name: "service_point", Kind: casework.KindInt, Required: true, Zh: "发放服务点", En: "Service point"}}},
			{Action: "reassess", From: []string{"approved"}, To: "submitted", Roles: fitters, Zh: "重新评估", En: "re-assess"},
			{Action: "return", From: []string{"dispensed", "approved"}, To: "returned", Roles: fitters, Zh: "归还", En: "return",
				Fields: []casework.Field{{Name: "condition", Kind: casework.KindEnum, Choices: []string{"good", "worn", "damaged"}, Required: true, Zh: "归还时状况", En: "Condition on return"}}},
			{Action: "renew", From: []string{"dispensed", "approved"}, To: "", Roles: staff, Zh: "续借", En: "renew"},
			// An approval waiting at one point (the person's town's, at
			// first) moved to another to be dispensed there (transfer.go).
			{Action: "transfer", From: []string{"approved"}, To: "", Roles: staff, Zh: "转到其他服务点发放", En: "transfer to another service point",
				Fields: []casework.Field{
					{Name: "to_point", Kind: casework.KindInt, Required: true, Zh: "转到的服务点", En: "Service point to transfer to"},
					{Name: "reason", Kind: casework.KindText, Required: true, Zh: "转移原因", En: "Reason for the transfer"},
				}},
			{Action: "close", From: []string{"dispensed", "returned", "approved"}, To: "closed", Roles: staff, Zh: "结案", En: "close",
				Fields: []casework.Field{{Name: "close_reason", Kind: casework.KindText, Ask: true, Zh: "结案原因", En: "Reason for closing"}}},
			{Action: "reject", From: []string{"submitted", "assessed"}, To: "rejected", Roles: staff, Zh: "不予批准", En: "reject",
				Fields: []casework.Field{{Name: "reason", Kind: casework.KindText, Required: true, Zh: "原因", En: "Reason"}}},
			{Action: "cancel", From: []string{"submitted", "assessed", "approved"}, To: "cancelled",
				Roles: []string{identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff, identity.Person}, Zh: "撤销", En: "cancel"},
		},
		Effect:   s.effect,
		Options:  s.options,
		Labels:   labels(),
		Panels:   s.panels,
		Offers:   offers,
		Separate: s.separate(),
	}
}

// separate is the assistive_device type's separation of duties: by
// default who assesses a case does not approve it (Config.AssessorApproves
// turns that off).
func (s *Store) separate() map[string]string {
	if s.AssessorApproves {
		return nil
	}
	return map[string]string{"approve": "assess"}
}

// offers leaves out the actions a case's data makes pointless: only loans
// are returned or renewed, and only an approval partly dispensed is closed
// before all of it is.
func offers(c casework.Case, action string) bool {
	onLoan := c.Data["loan_due"] != nil && c.Data["returned_on"] == nil
	switch action {
	case "return", "renew":
		return onLoan
	case "close":
		return c.State != "approved" || len(codesOf(c.Data["dispensed_items"])) > 0
	case "cancel", "reject":
		return len(codesOf(c.Data["dispensed_items"])) == 0
	}
	return true
}

// codesOf reads a list of product codes kept in a case's data.
func codesOf(v any) []string {
	var out []string
	switch l := v.(type) {
	case []any:
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = append(out, l...)
	}
	return out
}

// effect applies the stock and loan side of each action, in the action's transaction.
func (s *Store) effect(ctx context.Context, tx *db.Tx, c *casework.Case, action string, data map[string]any) error {
	switch action {
	case "assess":
		return s.assess(ctx, tx, c, data)
	case "dispense", "dispense_part":
		return s.dispense(ctx, tx, c, data, action == "dispense_part")
	case "return":
		if err := s.giveBack(ctx, tx, c, data); err != nil {
			return err
		}
		if len(codesOf(c.Data["outstanding"])) > 0 { // the rest of a partial approval stays open
			c.State = "approved"
		}
		return nil
	case "renew":
		return s.renew(ctx, tx, c)
	case "transfer":
		return s.transfer(ctx, tx, c, data)
	case "close", "cancel", "reject":
		if action == "close" {
			if err := closeReason(c, data); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM device_loans WHERE case_id = ? AND returned_at = 0`, c.ID).Scan(&n); err != nil {
			return fmt.Errorf("read loans: %w", err)
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("还有 %d 件借用的辅具未归还，请先归还。", n), fmt.Sprintf("%d loaned items are not back yet: return them first.", n))
		}
	}
	return nil
}

func (s *Store) assess(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	list, _ := data["items"].([]any)
	var codes []string
	var fields []apperr.FieldError
	for i, it := range list {
		code, _ := it.(string) // a bare code (the case page's selects), or {"code"} (CONTRACT.md)
		if m, isMap := it.(map[string]any); isMap {
			code, _ = m["code"].(string)
		}
		_, ok, err := product(ctx, tx, code)
		if err != nil {
			return fmt.Errorf("read catalogue: %w", err)
		}
		if !ok {
			fields = append(fields, apperr.Field(fmt.Sprintf("items[%d].code", i), "unknown", "目录中没有这个辅具代码："+code, "The catalogue has no product "+code+"."))
		}
		codes = append(codes, code)
	}
	if len(fields) > 0 {
		return apperr.Validation(fields...)
	}
	c.Data["items"] = codes
	if len(codesOf(c.Data["dispensed_items"])) > 0 { // re-assessed after a part was dispensed: the new items are the rest
		c.Data["outstanding"] = codes
	}
	return nil
}

// productName is a product's name and code, as errors name it.
func productName(p Product) apperr.Text {
	return apperr.T(p.Name+"（"+p.Code+"）", p.NameEn+" ("+p.Code+")")
}

// shortage is the refusal of a dispense that the point's stock cannot cover,
// naming the products short.
func shortage(p ServicePoint, short []Product, partial bool) error {
	var zh, en []string
	for _, pr := range short {
		zh, en = append(zh, productName(pr).Zh), append(en, productName(pr).En)
	}
	hintZh, hintEn := "可以先发放有库存的部分，或选择其他服务点。", " Dispense what is in stock first, or choose another service point."
	if partial {
		hintZh, hintEn = "这个服务点现在没有其中任何一件，请选择其他服务点，或重新评估。", " This point has none of them now: choose another service point, or re-assess."
	}
	return apperr.New(apperr.Conflict, p.Name+"库存不足："+strings.Join(zh, "、")+"。"+hintZh,
		"Not enough in stock at "+p.NameEn+": "+strings.Join(en, ", ")+"."+hintEn)
}

// dispense gives out a case's items (those still outstanding after a
// partial dispense) from a point's stock. All of them, or refused naming
// the products short; partial: those in stock now, the rest kept as
// outstanding (the case stays approved) — refused when none is in stock.
func (s *Store) dispense(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any, partial bool) error {
	n, _ := data["service_point"].(json.Number)
	pointID, _ := n.Int64()
	// The point must serve the case's area: its unit or one above it in the same district.
	p, err := point(ctx, tx, orgunit.Scope{Prefix: c.OrgUnit}, pointID)
	if err != nil {
		return err
	}
	codes := codesOf(c.Data["outstanding"])
	if len(codes) == 0 {
		codes = codesOf(c.Data["items"])
	}
	due := tx.Now.Add(LoanPeriod)
	loans := 0
	var short []Product
	var rest, given []string
	for _, code := range codes {
		prod, ok, err := product(ctx, tx, code)
		if err != nil || !ok {
			return fmt.Errorf("dispense %s: unknown product", code)
		}
		if prod.Referral {
			given = append(given, code)
			continue // fitted by a specialist on referral: nothing from stock
		}
		if err := changeStock(ctx, tx, p.ID, code, -1); err != nil {
			if apperr.CodeOf(err) != apperr.Conflict {
				return err
			}
			short, rest = append(short, prod), append(rest, code)
			continue
		}
		given = append(given, code)
		if _, err := tx.Exec(ctx, `INSERT INTO device_moves (service_point, code, delta, case_id, note, at) VALUES (?, ?, -1, ?, 'dispense', ?)`,
			p.ID, code, c.ID, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("record stock move: %w", err)
		}
		if prod.Mode == "loan" {
			loans++
			if _, err := tx.Exec(ctx, `INSERT INTO device_loans (case_id, code, person_id, service_point, lent_at, due_date) VALUES (?, ?, ?, ?, ?, ?)`,
				c.ID, code, c.PersonID, p.ID, db.Millis(tx.Now), due.Format(time.DateOnly)); err != nil {
				return fmt.Errorf("record loan: %w", err)
			}
		}
	}
	// A refusal rolls the whole transaction back, the stock taken above included.
	if len(short) > 0 && (!partial || len(given) == 0) {
		return shortage(p, short, partial)
	}
	c.Data["service_point"] = p.ID
	c.Data["dispensed_on"] = tx.Now.Format(time.DateOnly)
	c.Data["dispensed_items"] = append(codesOf(c.Data["dispensed_items"]), given...)
	if len(rest) > 0 {
		c.Data["outstanding"] = rest
	} else {
		delete(c.Data, "outstanding")
		c.State = "dispensed"
	}
	if loans > 0 {
		delete(c.Data, "returned_on")
		c.Data["loan_due"] = due.Format(time.DateOnly)
		c.Data["_due_at"] = due
	}
	return nil
}

func (s *Store) giveBack(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	cond, _ := data["condition"].(string)
	rows, err := tx.Query(ctx, `SELECT code, service_point FROM device_loans WHERE case_id = ? AND returned_at = 0 ORDER BY code`, c.ID)
	if err != nil {
		return fmt.Errorf("read loans: %w", err)
	}
	type loan struct {
		code  string
		point int64
	}
	var ls []loan
	for rows.Next() {
		var l loan
		if err := rows.Scan(&l.code, &l.point); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read loans: %w", err)
		}
		ls = append(ls, l)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read loans: %w", err)
	}
	if len(ls) == 0 {
		return apperr.New(apperr.Conflict, "这个个案没有借出未还的辅具。", "Nothing of this case is on loan.")
	}
	for _, l := range ls {
		if cond != "damaged" { // damaged items go to repair, not back on the shelf
			if err := changeStock(ctx, tx, l.point, l.code, 1); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO device_moves (service_point, code, delta, case_id, note, at) VALUES (?, ?, ?, ?, ?, ?)`,
			l.point, l.code, map[bool]int{true: 0, false: 1}[cond == "damaged"], c.ID, "return: "+cond, db.Millis(tx.Now)); err != nil {
			return fmt.Errorf("record stock move: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE device_loans SET returned_at = ?, condition = ? WHERE case_id = ? AND code = ?`,
			db.Millis(tx.Now), cond, c.ID, l.code); err != nil {
			return fmt.Errorf("record return: %w", err)
		}
	}
	c.Data["returned_on"] = tx.Now.Format(time.DateOnly)
	return nil
}

func (s *Store) renew(ctx context.Context, tx *db.Tx, c *casework.Case) error {
	due := tx.Now.Add(LoanPeriod)
	res, err := tx.Exec(ctx, `UPDATE device_loans SET due_date = ? WHERE case_id = ? AND returned_at = 0`, due.Format(time.DateOnly), c.ID)
	if err != nil {
		return fmt.Errorf("renew loans: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "这个个案没有借出未还的辅具，无法续借。", "Nothing of this case is on loan to renew.")
	}
	c.Data["loan_due"] = due.Format(time.DateOnly)
	c.Data["_due_at"] = due
	return nil
}
