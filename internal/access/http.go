package access

import (
	"net/http"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/web"
)

// Of is the caller of a request signed in as p.
func Of(r *http.Request, p *web.Principal) Caller {
	c := Caller{Actor: audit.Actor{Username: p.Username, Role: p.Role, Client: web.ClientAddr(r)}, Scope: orgunit.ScopeOf(p.OrgUnit)}
	switch p.Role {
	case identity.Person:
		c.PersonID = p.PersonID
		if c.PersonID == 0 {
			c.Scope = orgunit.Scope{} // a person account without a record sees nothing
		}
	case identity.Employer:
		c.EmployerID = p.EmployerID
	case identity.Provider:
		c.ProviderID = p.ProviderID
	case identity.Volunteer:
		c.VolunteerID = p.VolunteerID
	}
	return c
}
