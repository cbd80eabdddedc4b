package volunteers

import (
	"sunshine/internal/identity"
	"sunshine/internal/platform/web"
)

// Who may do what on the corps' pages and API.
var (
	// staffRoles run the corps: volunteers, tasks, hours of their area.
	staffRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)
	// districtStaff rename the teams and name their leaders.
	districtStaff = web.Roles(identity.DistrictStaff)
	// taskReaders see tasks: staff, volunteers (the corps rule) and the
	// persons served (their own).
	taskReaders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Volunteer, identity.Person)
	// corps are staff and volunteers.
	corps = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Volunteer)
	// feedbackGivers are the served person and staff on their behalf.
	feedbackGivers = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
)

// Pages serves the corps' pages: the staff's (pages_staff.go) and the
// volunteer's phone pages (pages_phone.go).
type Pages struct {
	*Store
	web.Kit
}

// Routes registers the pages.
func (p *Pages) Routes(rt *web.Router) {
	p.staffRoutes(rt)
	p.phoneRoutes(rt)
}
