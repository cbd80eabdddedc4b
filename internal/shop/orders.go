package shop

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/money"
)

// Line is a product and how many pieces of it are ordered.
type Line struct {
	ProductID int64 `json:"product_id"`
	Quantity  int   `json:"quantity"`
}

// Buyer is who orders and where the parcel goes.
type Buyer struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
}

// OrderInput is an order of the public (CONTRACT.md "Shop").
type OrderInput struct {
	Items []Line `json:"items"`
	Buyer Buyer  `json:"buyer"`
}

// Placed is the answer to an order: its number and total.
type Placed struct {
	ID    int64 `json:"id"`
	Total int64 `json:"-"`
}

func (in *OrderInput) check() error {
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	switch {
	case len(in.Items) == 0:
		add(fieldErr("items", "required", "请至少订购一件商品。", "Order at least one product."))
	case len(in.Items) > MaxLines:
		add(fieldErr("items", "too_many", "一张订单最多"+strconv.Itoa(MaxLines)+"种商品。", "An order holds at most "+strconv.Itoa(MaxLines)+" products."))
	}
	seen := map[int64]bool{}
	for i, l := range in.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		if l.ProductID <= 0 {
			add(fieldErr(f+".product_id", "not_found", "没有这件商品。", "There is no such product."))
		} else if seen[l.ProductID] {
			add(fieldErr(f+".product_id", "duplicate", "同一商品请只写一行，填写总数量。", "Give each product once, with its whole quantity."))
		}
		seen[l.ProductID] = true
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			add(fieldErr(f+".quantity", "range", "数量须为1到"+strconv.Itoa(MaxQuantity)+"件。", "The quantity must be 1 to "+strconv.Itoa(MaxQuantity)+" pieces."))
		}
	}
	add(text("buyer.name", &in.Buyer.Name, true, MaxName, "收货人姓名", "name"))
	phone, fe := CheckPhone("buyer.phone", in.Buyer.Phone)
	add(fe)
	in.Buyer.Phone = phone
	add(text("buyer.address", &in.Buyer.Address, true, MaxAddress, "收货地址", "address"))
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return nil
}

// PlaceOrder takes an order of the public: every line's stock is taken in
// the order's transaction by a conditional update (never below zero), all
// lines or none; more than the stock is a conflict (409) naming the line.
// The buyer's name, phone and address are sealed. Audited as by who.
func (s *Store) PlaceOrder(ctx context.Context, who audit.Actor, in OrderInput) (Placed, error) {
	if err := in.check(); err != nil {
		return Placed{}, err
	}
	// Lines in product order: concurrent orders lock products in the same
	// order (no deadlock on PostgreSQL).
	idx := make([]int, len(in.Items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(in.Items[a].ProductID, in.Items[b].ProductID) })
	var out Placed
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		prices := make([]int64, len(in.Items))
		var total int64
		for _, i := range idx {
			l := in.Items[i]
			f := "items[" + strconv.Itoa(i) + "]"
			err := tx.QueryRow(ctx, `UPDATE shop_products SET stock = stock - ? WHERE id = ? AND published AND stock >= ? RETURNING price`,
				l.Quantity, l.ProductID, l.Quantity).Scan(&prices[i])
			if errors.Is(err, sql.ErrNoRows) {
				var stock int
				var published bool
				err := tx.QueryRow(ctx, `SELECT stock, published FROM shop_products WHERE id = ?`, l.ProductID).Scan(&stock, &published)
				if errors.Is(err, sql.ErrNoRows) || err == nil && !published {
					return invalid(f+".product_id", "not_found", "没有这件商品。", "There is no such product.")
				}
				if err != nil {
					return fmt.Errorf("read stock: %w", err)
				}
				if stock == 0 {
					return conflict(f+".quantity", "sold_out", "这件商品已售完。", "This product is sold out.")
				}
				return conflict(f+".quantity", "stock", "库存不足：这件商品只剩"+strconv.Itoa(stock)+"件。",
					"Not enough in stock: only "+strconv.Itoa(stock)+" left of this product.")
			}
			if err != nil {
				return fmt.Errorf("take stock: %w", err)
			}
			total += prices[i] * int64(l.Quantity)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO shop_orders (state, total, buyer_name_enc, buyer_phone_enc, buyer_address_enc, created_at)
			VALUES ('new', ?, ?, ?, ?, ?) RETURNING id`, total, s.vault.Seal(fBuyerName, in.Buyer.Name), s.vault.Seal(fBuyerPhone, in.Buyer.Phone),
			s.vault.Seal(fBuyerAddress, in.Buyer.Address), db.Millis(tx.Now)).Scan(&out.ID); err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		for _, i := range idx {
			l := in.Items[i]
			if _, err := tx.Exec(ctx, `INSERT INTO shop_order_lines (order_id, product_id, quantity, price) VALUES (?, ?, ?, ?)`,
				out.ID, l.ProductID, l.Quantity, prices[i]); err != nil {
				return fmt.Errorf("insert order line: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO shop_line_shares (order_id, product_id, artisan_id, share_bp)
				SELECT ?, product_id, artisan_id, share_bp FROM shop_product_artisans WHERE product_id = ?`, out.ID, l.ProductID); err != nil {
				return fmt.Errorf("insert line shares: %w", err)
			}
		}
		out.Total = total
		e := who.Entry(audit.ActionCreate, SubjectOrder, id64(out.ID), "")
		e.Detail = "total " + money.Yuan(total)
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Placed{}, err
	}
	return out, nil
}

// Order is an order as staff see it; the buyer's data only when revealed.
type Order struct {
	ID            int64
	State         string
	Total         int64
	Paid          int64
	Refunded      int64
	Method        string
	Reference     string
	PaidBy        string
	Tracking      string
	RefundReason  string
	Erased        bool
	Created       int64
	DeliveredAt   int64
	Lines         []OrderLine
	Buyer         Buyer
	BuyerRevealed bool
}

// OrderLine is a line of an order with the product's title.
type OrderLine struct {
	ProductID int64
	Title     string
	TitleEn   string
	Quantity  int
	Price     int64
}

const orderCols = `id, state, total, paid, refunded, payment_method, payment_ref, paid_by, tracking, refund_reason, buyer_erased_at IS NOT NULL, created_at, COALESCE(delivered_at, 0)`

func scanOrder(sc interface{ Scan(...any) error }) (Order, error) {
	var o Order
	err := sc.Scan(&o.ID, &o.State, &o.Total, &o.Paid, &o.Refunded, &o.Method, &o.Reference, &o.PaidBy, &o.Tracking, &o.RefundReason, &o.Erased, &o.Created, &o.DeliveredAt)
	return o, err
}

// Orders lists the orders (staff) of a state ("" every one), newest first.
func (s *Store) Orders(ctx context.Context, c access.Caller, state string) ([]Order, error) {
	if !CanManage(c) {
		return nil, forbidden()
	}
	q, args := `SELECT `+orderCols+` FROM shop_orders`, []any{}
	if state != "" {
		q += ` WHERE state = ?`
		args = append(args, state)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("list orders: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Order reads an order with its lines (staff); with reveal the buyer's
// name, phone and address are opened, and the reveal is audited.
func (s *Store) Order(ctx context.Context, c access.Caller, id int64, reveal bool) (Order, error) {
	if !CanManage(c) {
		return Order{}, forbidden()
	}
	var name, phone, address []byte
	row := s.db.QueryRow(ctx, `SELECT `+orderCols+`, buyer_name_enc, buyer_phone_enc, buyer_address_enc FROM shop_orders WHERE id = ?`, id)
	var o Order
	err := row.Scan(&o.ID, &o.State, &o.Total, &o.Paid, &o.Refunded, &o.Method, &o.Reference, &o.PaidBy, &o.Tracking, &o.RefundReason, &o.Erased, &o.Created, &o.DeliveredAt,
		&name, &phone, &address)
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, notFound()
	}
	if err != nil {
		return Order{}, fmt.Errorf("read order: %w", err)
	}
	for _, f := range []struct {
		field string
		b     []byte
		to    *string
	}{{fBuyerName, name, &o.Buyer.Name}, {fBuyerPhone, phone, &o.Buyer.Phone}, {fBuyerAddress, address, &o.Buyer.Address}} {
		if len(f.b) == 0 {
			continue
		}
		if *f.to, err = s.vault.Open(f.field, f.b); err != nil {
			return Order{}, fmt.Errorf("open buyer: %w", err)
		}
	}
	if !reveal {
		o.Buyer = Buyer{Name: MaskName(o.Buyer.Name), Phone: MaskPhone(o.Buyer.Phone), Address: maskAddress(o.Buyer.Address)}
	} else if !o.Erased {
		o.BuyerRevealed = true
		e := c.Actor.Entry(audit.ActionReveal, SubjectOrder, id64(id), "")
		e.Reason = "shipping"
		if err := s.log.Record(ctx, e); err != nil {
			return Order{}, err
		}
	}
	rows, err := s.db.Query(ctx, `SELECT l.product_id, p.title, p.title_en, l.quantity, l.price FROM shop_order_lines l JOIN shop_products p ON p.id = l.product_id
		WHERE l.order_id = ? ORDER BY l.product_id`, id)
	if err != nil {
		return Order{}, fmt.Errorf("order lines: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var l OrderLine
		if err := rows.Scan(&l.ProductID, &l.Title, &l.TitleEn, &l.Quantity, &l.Price); err != nil {
			return Order{}, fmt.Errorf("order lines: %w", err)
		}
		o.Lines = append(o.Lines, l)
	}
	return o, rows.Err()
}

func maskAddress(a string) string {
	r := []rune(a)
	if len(r) <= 6 {
		return "******"
	}
	return string(r[:6]) + "******"
}

// Payment records a payment: the method (bank transfer or reference) and
// the transfer's or payment's reference.
type Payment struct {
	Method    string `json:"method"`
	Reference string `json:"reference"`
}

// Refund gives back an amount (cents, at most what was paid) with a reason.
type Refund struct {
	Amount int64  `json:"amount"`
	Reason string `json:"reason"`
}

// transition moves an order from one of the states from to the state to,
// setting more columns; 404 when missing, 409 when in another state.
func (s *Store) transition(ctx context.Context, tx *db.Tx, id int64, from []string, set string, args ...any) error {
	var state string
	err := tx.QueryRow(ctx, `SELECT state FROM shop_orders WHERE id = ?`+tx.ForUpdate(), id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound()
	}
	if err != nil {
		return fmt.Errorf("read order: %w", err)
	}
	if !slices.Contains(from, state) {
		w := WordOf(States, state)
		return conflict("state", "state", "订单当前为“"+w.Zh+"”，不能这样办理。", "The order is "+w.En+": this cannot be done now.")
	}
	res, err := tx.Exec(ctx, `UPDATE shop_orders SET `+set+`, version = version + 1 WHERE id = ? AND state = ?`, append(args, id, state)...)
	if err != nil {
		return fmt.Errorf("update order: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrStale()
	}
	return nil
}

// RecordPayment records that an order awaiting payment was paid in full.
func (s *Store) RecordPayment(ctx context.Context, c access.Caller, id int64, in Payment) error {
	if !CanManage(c) {
		return forbidden()
	}
	var fs []apperr.FieldError
	if WordOf(Methods, in.Method).Code == "" {
		fs = append(fs, apperr.Field("method", "invalid", "请选择付款方式。", "Choose how it was paid."))
	}
	if fe := text("reference", &in.Reference, true, MaxReference, "转账或支付流水号", "transfer or payment reference"); fe != nil {
		fs = append(fs, *fe)
	}
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.transition(ctx, tx, id, []string{"new"}, `state = 'paid', paid = total, payment_method = ?, payment_ref = ?, paid_at = ?, paid_by = ?`,
			in.Method, in.Reference, db.Millis(tx.Now), c.Actor.Username); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.Actor.Entry("pay", SubjectOrder, id64(id), ""))
	})
}

// Ship records that a paid order was sent, with its tracking number.
func (s *Store) Ship(ctx context.Context, c access.Caller, id int64, tracking string) error {
	if !CanManage(c) {
		return forbidden()
	}
	if fe := text("tracking", &tracking, true, MaxTracking, "快递单号", "tracking number"); fe != nil {
		return apperr.Validation(*fe)
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.transition(ctx, tx, id, []string{"paid"}, `state = 'shipped', tracking = ?, shipped_at = ?`, tracking, db.Millis(tx.Now)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.Actor.Entry("ship", SubjectOrder, id64(id), ""))
	})
}

// Deliver records that a shipped order arrived: its proceeds count toward
// the payout of this month.
func (s *Store) Deliver(ctx context.Context, c access.Caller, id int64) error {
	if !CanManage(c) {
		return forbidden()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.transition(ctx, tx, id, []string{"shipped"}, `state = 'delivered', delivered_at = ?, delivered_month = ?, closed_at = ?`,
			db.Millis(tx.Now), Month(tx.Now), db.Millis(tx.Now)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, c.Actor.Entry("deliver", SubjectOrder, id64(id), ""))
	})
}

// RefundOrder refunds an order (at most what was paid; nothing for one
// never paid, which cancels it). Refunded before shipping, its pieces go
// back into stock. A delivered order whose month has a payout roster is
// not refunded here (the roster would no longer match).
func (s *Store) RefundOrder(ctx context.Context, c access.Caller, id int64, in Refund) error {
	if !CanManage(c) {
		return forbidden()
	}
	if fe := text("reason", &in.Reason, true, MaxReason, "退款原因", "reason"); fe != nil {
		return apperr.Validation(*fe)
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var state, month string
		var paid int64
		err := tx.QueryRow(ctx, `SELECT state, paid, delivered_month FROM shop_orders WHERE id = ?`+tx.ForUpdate(), id).Scan(&state, &paid, &month)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("read order: %w", err)
		}
		switch {
		case in.Amount < 0:
			return invalid("amount", "range", "退款金额不能为负。", "The refund cannot be negative.")
		case in.Amount > paid:
			return invalid("amount", "beyond_paid", "退款金额不能超过已付金额（"+money.Yuan(paid)+"元）。",
				"The refund cannot exceed the amount paid ("+money.Yuan(paid)+" yuan).")
		case paid > 0 && in.Amount == 0:
			return invalid("amount", "zero", "请填写退款金额。", "Enter the amount refunded.")
		}
		if month != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM shop_payouts WHERE month = ?`, month).Scan(&n); err != nil {
				return fmt.Errorf("read payouts: %w", err)
			}
			if n > 0 {
				return conflict("state", "paid_out", "该订单所在月份已制作收益分配名册，不能在此退款。",
					"A payout roster exists for this order's month: it cannot be refunded here.")
			}
		}
		if err := s.transition(ctx, tx, id, []string{"new", "paid", "shipped", "delivered"}, `state = 'refunded', refunded = ?, refund_reason = ?, refunded_at = ?, closed_at = ?`,
			in.Amount, in.Reason, db.Millis(tx.Now), db.Millis(tx.Now)); err != nil {
			return err
		}
		if state == "new" || state == "paid" {
			if _, err := tx.Exec(ctx, `UPDATE shop_products SET stock = stock + (SELECT l.quantity FROM shop_order_lines l WHERE l.order_id = ? AND l.product_id = shop_products.id)
				WHERE id IN (SELECT product_id FROM shop_order_lines WHERE order_id = ?)`, id, id); err != nil {
				return fmt.Errorf("return stock: %w", err)
			}
		}
		e := c.Actor.Entry("refund", SubjectOrder, id64(id), "")
		e.Reason, e.Detail = in.Reason, "amount "+money.Yuan(in.Amount)
		return audit.Append(ctx, tx, e)
	})
}

// ExpireUnpaid cancels the orders awaiting payment for more than PayDays
// (their pieces go back into stock), audited as by the system; it answers
// how many.
func (s *Store) ExpireUnpaid(ctx context.Context) (int, error) {
	var n int
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cut := db.Millis(tx.Now.AddDate(0, 0, -PayDays))
		rows, err := tx.Query(ctx, `SELECT id FROM shop_orders WHERE state = 'new' AND created_at < ? ORDER BY id`, cut)
		if err != nil {
			return fmt.Errorf("unpaid orders: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return fmt.Errorf("unpaid orders: %w", err)
			}
			ids = append(ids, id)
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("unpaid orders: %w", err)
		}
		system := audit.Actor{Username: "system", Role: "system"}
		for _, id := range ids {
			res, err := tx.Exec(ctx, `UPDATE shop_orders SET state = 'refunded', refunded = 0, refund_reason = ?, refunded_at = ?, closed_at = ?, version = version + 1
				WHERE id = ? AND state = 'new'`, "未在"+strconv.Itoa(PayDays)+"天内付款，已自动取消 / not paid within "+strconv.Itoa(PayDays)+" days: cancelled",
				db.Millis(tx.Now), db.Millis(tx.Now), id)
			if err != nil {
				return fmt.Errorf("expire order: %w", err)
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE shop_products SET stock = stock + (SELECT l.quantity FROM shop_order_lines l WHERE l.order_id = ? AND l.product_id = shop_products.id)
				WHERE id IN (SELECT product_id FROM shop_order_lines WHERE order_id = ?)`, id, id); err != nil {
				return fmt.Errorf("return stock: %w", err)
			}
			e := system.Entry("expire", SubjectOrder, id64(id), "")
			e.Reason = "unpaid"
			if err := audit.Append(ctx, tx, e); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// EraseBuyers blanks the buyer's name, phone and address of the orders
// delivered or refunded more than RetentionDays ago; it answers how many.
func (s *Store) EraseBuyers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cut := db.Millis(tx.Now.AddDate(0, 0, -RetentionDays))
		res, err := tx.Exec(ctx, `UPDATE shop_orders SET buyer_name_enc = NULL, buyer_phone_enc = NULL, buyer_address_enc = NULL, buyer_erased_at = ?
			WHERE buyer_erased_at IS NULL AND closed_at IS NOT NULL AND closed_at < ?`, db.Millis(tx.Now), cut)
		if err != nil {
			return fmt.Errorf("erase buyers: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
