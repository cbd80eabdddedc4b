package benefits

import (
	"context"
	"fmt"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/module"
)

// demo makes one draft roster: the living subsidy of the current month for
// the home district (嘉定区 …; made by the demo loader, so the demo account
// may approve it).
func (s *Store) demo(ctx context.Context, d *module.Demo) error {
	c := access.Demo(identity.DistrictStaff, d.Place.Code())
	if _, err := s.CreateRoster(ctx, c, RosterInput{Benefit: Living, Month: s.CurrentMonth(), OrgUnit: d.Place.Code()}); err != nil {
		return fmt.Errorf("demo roster: %w", err)
	}
	return nil
}
