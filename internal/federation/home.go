// Package federation makes an installation the home of one district and
// lets it work with partner districts' installations as peers: their
// aggregate figures side by side (signed, time-limited calls answered by a
// peer account that reads aggregates only), the keys it issues to them, and
// the partners it calls. Personal data never leaves the installation here.
package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// DefaultDistrict is the home district of an installation started without
// one: Jiading (DOMAIN.md §3).
const DefaultDistrict = "310114"

// Home settles the installation's home district: the one stored in the
// database; on first start want, or DefaultDistrict when want is "", is
// stored. want naming another district than the stored one is refused,
// and so is a code that is not a district (level 2) of the org units.
func Home(ctx context.Context, d *db.DB, units *orgunit.Store, want string) (string, error) {
	var stored string
	err := d.QueryRow(ctx, `SELECT value FROM installation WHERE name = 'district'`).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read the home district: %w", err)
	}
	if stored != "" {
		if want != "" && want != stored {
			return "", apperr.New(apperr.Conflict,
				fmt.Sprintf("此数据库属于区县 %s，不能改为 %s（每个区县一套独立安装）。", stored, want),
				fmt.Sprintf("this database is the home of district %s; it cannot become %s (one installation per district)", stored, want))
		}
		return stored, nil
	}
	if want == "" {
		want = DefaultDistrict
	}
	u, err := units.Get(ctx, want)
	if err != nil || u.Level != 2 {
		return "", apperr.New(apperr.Invalid,
			fmt.Sprintf("区县代码 %q 不是已知的区县（6 位代码，见组织机构）。", want),
			fmt.Sprintf("district code %q is not a known district (a 6-digit code of the org units)", want))
	}
	if _, err := d.Exec(ctx, `INSERT INTO installation (name, value, updated_at) VALUES ('district', ?, ?) ON CONFLICT (name) DO NOTHING`,
		want, db.Millis(d.Now())); err != nil {
		return "", fmt.Errorf("store the home district: %w", err)
	}
	// A server that started at the same moment may have stored another.
	return Home(ctx, d, units, want)
}
