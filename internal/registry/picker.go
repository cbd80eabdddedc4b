package registry

import (
	"context"

	"sunshine/internal/orgunit"
)

// unitPicker lists the org units of the caller's scope grouped by town for
// a picker by name (orgunit.Store.Picker); a person's account picks none.
func (pg *Pages) unitPicker(ctx context.Context, c Caller, lang string, villages bool, selected string) ([]orgunit.PickGroup, error) {
	if c.PersonID != 0 {
		return nil, nil
	}
	return pg.Units.Picker(ctx, c.Scope, lang, villages, selected)
}
