package devices

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/web"
)

// An approval waits to be dispensed at a service point: the person's town's
// at first, or the one it was transferred to. A transfer is recorded (from
// and to which point, who, when and why) and listed on the case; the case's
// data keeps the point it waits at (assigned_point), which the dispense
// form then offers first.

// pointID reads a service point's id kept in a case's data.
func pointID(v any) int64 {
	switch n := v.(type) {
	case json.Number:
		id, _ := n.Int64()
		return id
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

// servingPoints are the points that serve a case's area, the nearest (the
// person's town's) first.
func (s *Store) servingPoints(ctx context.Context, c casework.Case) ([]ServicePoint, error) {
	points, err := s.Points(ctx, orgunit.Scope{Prefix: c.OrgUnit})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(points, func(a, b ServicePoint) int { return len(b.OrgUnit) - len(a.OrgUnit) })
	return points, nil
}

// waitingAt is the point an approval waits at: the one it was transferred
// to, else the nearest serving the case's area (0 when none does).
func (s *Store) waitingAt(ctx context.Context, c casework.Case) (int64, error) {
	if id := pointID(c.Data["assigned_point"]); id != 0 {
		return id, nil
	}
	points, err := s.servingPoints(ctx, c)
	if err != nil || len(points) == 0 {
		return 0, err
	}
	return points[0].ID, nil
}

// transferOptions are the points an approval may be transferred to: those
// serving the case's area but the one it waits at.
func (s *Store) transferOptions(ctx context.Context, c casework.Case) ([]casework.Option, error) {
	points, err := s.servingPoints(ctx, c)
	if err != nil {
		return nil, err
	}
	at, err := s.waitingAt(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []casework.Option
	for _, p := range points {
		if p.ID != at {
			out = append(out, casework.Option{Value: strconv.FormatInt(p.ID, 10), Zh: p.Name, En: p.NameEn})
		}
	}
	return out, nil
}

// cleanReason is a typed reason, trimmed; control characters (but line
// breaks and tabs) refused.
func cleanReason(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return "", apperr.Validation(apperr.Field(field, "invalid", "原因中有无法显示的控制字符，请重新输入。", "The reason holds control characters: type it again."))
	}
	return v, nil
}

// transfer moves an approval to another point serving the case's area and
// records the move.
func (s *Store) transfer(ctx context.Context, tx *db.Tx, c *casework.Case, data map[string]any) error {
	n, _ := data["to_point"].(json.Number)
	to, _ := n.Int64()
	reason, _ := data["reason"].(string)
	reason, err := cleanReason("reason", reason)
	if err != nil {
		return err
	}
	if reason == "" {
		return apperr.Validation(apperr.Field("reason", "required", "请填写转移原因。", "Reason for the transfer is required."))
	}
	p, err := point(ctx, tx, orgunit.Scope{Prefix: c.OrgUnit}, to)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.Validation(apperr.Field("to_point", "unknown", "请从列表中选择为这个个案所在地区服务的服务点。",
			"Choose one of the listed service points that serve the case's area."))
	}
	if err != nil {
		return err
	}
	from, err := s.waitingAt(ctx, *c)
	if err != nil {
		return err
	}
	if from == p.ID {
		return apperr.Validation(apperr.Field("to_point", "same", "这个个案已在"+p.Name+"等待发放，请选择其他服务点。",
			"The case already waits at "+p.NameEn+": choose another service point."))
	}
	if from == 0 {
		from = p.ID // no point served the area before: the move starts here
	}
	actor := casework.ActorOf(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO device_transfers (case_id, from_point, to_point, username, role, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, from, p.ID, actor.Username, actor.Role, db.Millis(tx.Now), reason); err != nil {
		return fmt.Errorf("record transfer: %w", err)
	}
	c.Data["assigned_point"] = p.ID
	return nil
}

// closeReason keeps why a case was closed in its data (the case page shows
// it; the audit entry of the close carries it too).
func closeReason(c *casework.Case, data map[string]any) error {
	v, _ := data["close_reason"].(string)
	v, err := cleanReason("close_reason", v)
	if err != nil {
		return err
	}
	if v != "" {
		c.Data["close_reason"] = v
	}
	return nil
}

// Transfer is one move of an approval to another service point.
type Transfer struct {
	At       time.Time `json:"at"`
	From     string    `json:"from"` // the points' names in the page's language
	To       string    `json:"to"`
	Username string    `json:"username"`
	Role     string    `json:"role"`
	Reason   string    `json:"reason"`
}

// Transfers lists a case's transfers, oldest first (the caller has read the
// case: the case page's panels are asked only then).
func (s *Store) Transfers(ctx context.Context, caseID int64, lang string) ([]Transfer, error) {
	rows, err := s.db.Query(ctx, `SELECT t.at, f.name, f.name_en, p.name, p.name_en, t.username, t.role, t.reason
		FROM device_transfers t JOIN service_points f ON f.id = t.from_point JOIN service_points p ON p.id = t.to_point
		WHERE t.case_id = ? ORDER BY t.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("read transfers: %w", err)
	}
	defer rows.Close()
	var out []Transfer
	for rows.Next() {
		var t Transfer
		var at int64
		var fzh, fen, tzh, ten string
		if err := rows.Scan(&at, &fzh, &fen, &tzh, &ten, &t.Username, &t.Role, &t.Reason); err != nil {
			return nil, fmt.Errorf("read transfers: %w", err)
		}
		t.At = db.FromMillis(at)
		t.From, t.To = apperr.T(fzh, fen).In(lang), apperr.T(tzh, ten).In(lang)
		out = append(out, t)
	}
	return out, rows.Err()
}

// transfersTable is the case page's list of transfers (no rows: none).
func (s *Store) transfersTable(ctx context.Context, cs casework.Case, lang string) (web.Table, error) {
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := web.Table{ID: "transfers-caption", Caption: t("服务点转移记录", "Transfers to another service point"),
		Head: []string{t("时间 · 经办人", "When · by whom"), t("从 → 转到", "From → to"), t("原因", "Why")}}
	moves, err := s.Transfers(ctx, cs.ID, lang)
	if err != nil || len(moves) == 0 {
		return tb, err
	}
	users := make([]string, len(moves))
	for i, m := range moves {
		users[i] = m.Username
	}
	actors, err := identity.DescribeActors(ctx, s.db, users, lang)
	if err != nil {
		return tb, err
	}
	for _, m := range moves {
		// Three columns, so that a phone's width still reads them.
		tb.Rows = append(tb.Rows, []web.Cell{{Text: web.Date(m.At) + " · " + actors[m.Username].Words(m.Role, lang)}, {Text: m.From + " → " + m.To}, {Text: m.Reason}})
	}
	return tb, nil
}
