package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// Limits of a workshop.
const (
	MaxWorkshopName = 40
	MaxPlace        = 60
	MaxWorkshopDesc = 500
)

// SubjectWorkshop is the audit subject of a workshop.
const SubjectWorkshop = "shop_workshop"

// Workshop is a Sunshine workshop (阳光工坊) where artisans work: in a town
// of the district (OrgUnit) or a place of a paired region (Place).
type Workshop struct {
	ID          int64
	Name        string
	OrgUnit     string
	UnitName    string
	Place       string
	Description string
	Version     int
}

// Where is the workshop's town or place.
func (w Workshop) Where() string {
	if w.UnitName != "" {
		return w.UnitName
	}
	return w.Place
}

// WorkshopInput adds or changes a workshop: OrgUnit (a town of the
// district) or Place (free text, for a paired region).
type WorkshopInput struct {
	Name, OrgUnit, Place, Description string
	Version                           int
}

// Town is an org unit a workshop may be in.
type Town struct{ Code, Name string }

// Towns are the towns (level 3) in the caller's scope.
func (s *Store) Towns(ctx context.Context, c access.Caller) ([]Town, error) {
	lo, hi := c.Scope.Range()
	rows, err := s.db.Query(ctx, `SELECT code, name FROM orgunits WHERE level = 3 AND code >= ? AND code < ? ORDER BY code`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("towns: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Town
	for rows.Next() {
		var t Town
		if err := rows.Scan(&t.Code, &t.Name); err != nil {
			return nil, fmt.Errorf("towns: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const workshopCols = `w.id, w.name, w.orgunit, COALESCE(o.name, ''), w.place, w.description, w.version`
const workshopFrom = ` FROM shop_workshops w LEFT JOIN orgunits o ON o.code = w.orgunit AND w.orgunit <> ''`

func scanWorkshop(sc interface{ Scan(...any) error }) (Workshop, error) {
	var w Workshop
	err := sc.Scan(&w.ID, &w.Name, &w.OrgUnit, &w.UnitName, &w.Place, &w.Description, &w.Version)
	return w, err
}

// Workshops lists the workshops (staff), by name.
func (s *Store) Workshops(ctx context.Context, c access.Caller) ([]Workshop, error) {
	if !CanManage(c) {
		return nil, forbidden()
	}
	rows, err := s.db.Query(ctx, `SELECT `+workshopCols+workshopFrom+` ORDER BY w.name, w.id`)
	if err != nil {
		return nil, fmt.Errorf("list workshops: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Workshop{}
	for rows.Next() {
		w, err := scanWorkshop(rows)
		if err != nil {
			return nil, fmt.Errorf("list workshops: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Workshop reads a workshop (staff).
func (s *Store) Workshop(ctx context.Context, c access.Caller, id int64) (Workshop, error) {
	if !CanManage(c) {
		return Workshop{}, forbidden()
	}
	w, err := scanWorkshop(s.db.QueryRow(ctx, `SELECT `+workshopCols+workshopFrom+` WHERE w.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Workshop{}, notFound()
	}
	if err != nil {
		return Workshop{}, fmt.Errorf("read workshop: %w", err)
	}
	return w, nil
}

func (s *Store) checkWorkshop(ctx context.Context, q querier, c access.Caller, in *WorkshopInput) error {
	var fs []apperr.FieldError
	add := func(fe *apperr.FieldError) {
		if fe != nil {
			fs = append(fs, *fe)
		}
	}
	add(text("name", &in.Name, true, MaxWorkshopName, "工坊名称", "name of the workshop"))
	add(text("place", &in.Place, false, MaxPlace, "地点", "place"))
	add(text("description", &in.Description, false, MaxWorkshopDesc, "简介", "description"))
	if in.OrgUnit != "" {
		var level int
		err := q.QueryRow(ctx, `SELECT level FROM orgunits WHERE code = ?`, in.OrgUnit).Scan(&level)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (level != 3 || !c.Scope.Contains(in.OrgUnit)) {
			add(fieldErr("orgunit", "invalid", "请选择本区的街镇。", "Choose a town of the district."))
		} else if err != nil {
			return fmt.Errorf("read town: %w", err)
		}
		if in.Place != "" {
			add(fieldErr("place", "both", "选了街镇就不填地点（地点用于对口地区）。", "Give either a town or a place (a place is for a paired region), not both."))
		}
	} else if in.Place == "" && len(fs) == 0 {
		add(fieldErr("orgunit", "required", "请选择街镇，或填写对口地区的地点。", "Choose the town, or give the place in a paired region."))
	}
	if len(fs) > 0 {
		return apperr.Validation(fs...)
	}
	return nil
}

// CreateWorkshop adds a workshop (district staff). Audited.
func (s *Store) CreateWorkshop(ctx context.Context, c access.Caller, in WorkshopInput) (Workshop, error) {
	if !CanManage(c) {
		return Workshop{}, forbidden()
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkWorkshop(ctx, tx, c, &in); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO shop_workshops (name, orgunit, place, description, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, in.OrgUnit, in.Place, in.Description, c.Actor.Username, db.Millis(tx.Now)).Scan(&id); err != nil {
			return fmt.Errorf("insert workshop: %w", err)
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionCreate, SubjectWorkshop, id64(id), in.OrgUnit))
	})
	if err != nil {
		return Workshop{}, err
	}
	return s.Workshop(ctx, c, id)
}

// UpdateWorkshop changes a workshop with the version read (409 when stale).
func (s *Store) UpdateWorkshop(ctx context.Context, c access.Caller, id int64, in WorkshopInput) (Workshop, error) {
	if !CanManage(c) {
		return Workshop{}, forbidden()
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkWorkshop(ctx, tx, c, &in); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE shop_workshops SET name = ?, orgunit = ?, place = ?, description = ?, version = version + 1 WHERE id = ? AND version = ?`,
			in.Name, in.OrgUnit, in.Place, in.Description, id, in.Version)
		if err != nil {
			return fmt.Errorf("update workshop: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM shop_workshops WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return notFound()
			}
			return apperr.ErrStale()
		}
		return audit.Append(ctx, tx, c.Actor.Entry(audit.ActionUpdate, SubjectWorkshop, id64(id), in.OrgUnit))
	})
	if err != nil {
		return Workshop{}, err
	}
	return s.Workshop(ctx, c, id)
}
