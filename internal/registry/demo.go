package registry

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/module"
)

// DemoPersons lists the ids of persons for demo data (module.Demo.Persons):
// those of a unit's subtree, in id order, optionally of one grade or active.
func (s *Store) DemoPersons(ctx context.Context, f module.PersonFilter) ([]int64, error) {
	lo, hi := orgunit.ScopeOf(f.Unit).Range()
	q, args := `SELECT id FROM persons WHERE orgunit >= ? AND orgunit < ?`, []any{lo, hi}
	if f.Grade > 0 {
		q, args = q+` AND grade = ?`, append(args, f.Grade)
	}
	if f.Active {
		q += ` AND status = 'active'`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("read demo persons: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read demo persons: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// DemoLoad writes demo data of the district (internal/demo makes it; name
// is the district's for the message): the villages, the persons and each
// one's annual record of this year and a plausible one of last year, in
// batches of one transaction each. It returns the first person's id.
func (s *Store) DemoLoad(ctx context.Context, district, name string, units []orgunit.Unit, persons []PersonInput, annual []Annual, out io.Writer) (int64, error) {
	now := s.db.Now()
	if len(annual) != len(persons) {
		return 0, fmt.Errorf("demo: %d persons but %d annual records", len(persons), len(annual))
	}
	actor := audit.Actor{Username: access.DemoActor, Role: "system"}
	if err := s.db.InTx(ctx, func(tx *db.Tx) error { return orgunit.InsertTx(ctx, tx, units...) }); err != nil {
		return 0, err
	}
	const batch = 5000
	firstID := int64(0)
	for start := 0; start < len(persons); start += batch {
		end := min(start+batch, len(persons))
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			ids := make([]int64, 0, end-start)
			for i := start; i < end; i++ {
				norm, fields := ValidatePerson(persons[i], now, false)
				if len(fields) > 0 {
					return fmt.Errorf("demo person %d is not valid: %w", i, apperr.Validation(fields...))
				}
				id, err := s.InsertTx(ctx, tx, norm)
				if err != nil {
					return fmt.Errorf("demo person %d: %w", i, err)
				}
				if firstID == 0 {
					firstID = id
				}
				rec := annual[i]
				rec.PersonID = id
				if _, err := UpsertAnnualTx(ctx, tx, rec, actor.Username); err != nil {
					return fmt.Errorf("demo annual record %d: %w", i, err)
				}
				if _, err := UpsertAnnualTx(ctx, tx, lastYear(rec, i), actor.Username); err != nil {
					return fmt.Errorf("demo annual record %d of last year: %w", i, err)
				}
				ids = append(ids, id)
			}
			if err := s.changed(ctx, tx, ids...); err != nil {
				return err
			}
			e := actor.Entry(audit.ActionImport, "demo", strconv.Itoa(start/batch+1), district)
			e.Detail = fmt.Sprintf(`{"persons":%d}`, end-start)
			return audit.Append(ctx, tx, e)
		})
		if err != nil {
			return 0, err
		}
	}
	fmt.Fprintf(out, "demo data: %d persons in %d demo villages of %s, with %d and %d annual records\n", len(persons), len(units), name, now.Year()-1, now.Year())
	return firstID, nil
}

// lastYear makes a plausible record of the year before from this year's: a
// few services and benefits had not reached the person yet, so that the demo
// shows trends and year-over-year changes.
func lastYear(rec Annual, i int) Annual {
	prev := rec
	prev.Year--
	prev.Version = 0
	if i%5 == 0 {
		prev.RehabReceived = false
	}
	if i%6 == 0 {
		prev.DeviceReceived = false
	}
	if i%7 == 0 {
		prev.CultureSports = !rec.CultureSports
	}
	if i%9 == 0 {
		prev.PensionInsured = false
	}
	if i%13 == 0 && rec.Employment == "employed" {
		prev.Employment = "unemployed"
	}
	// Some villages did worse this year: medical insurance lapsed for some.
	if strings.HasSuffix(rec.OrgUnit, "3") && i%3 == 0 {
		prev.MedicalInsured = true
	}
	if rec.HouseholdIncomePerCapita != nil {
		v := *rec.HouseholdIncomePerCapita * 95 / 100
		prev.HouseholdIncomePerCapita = &v
	}
	return prev
}

// Now is the time of the registry's clock (the database's).
func (s *Store) Now() time.Time { return s.db.Now() }
