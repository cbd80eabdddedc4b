// Package access says who is calling: the actor the audit log names, the
// org units they may see (a scope: their unit's subtree) and, for a person's
// or an employer's account, the record or organisation it is linked to.
// Every domain module takes a Caller in its store methods and restricts its
// SQL with it; none needs the registry for that.
package access

import (
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
)

// Caller is who asks, and what they may see.
type Caller struct {
	Actor audit.Actor
	Scope orgunit.Scope
	// PersonID is set for the role "person": the caller sees only this record.
	PersonID int64
	// EmployerID is the organisation of an employer account.
	EmployerID int64
}

// Role is the caller's role.
func (c Caller) Role() string { return c.Actor.Role }

// Where is the SQL condition restricting rows about persons to the caller: a
// person sees rows whose personCol is their own record; everyone else rows
// whose unitCol lies in their scope (an empty scope sees nothing).
func (c Caller) Where(personCol, unitCol string) (string, []any) {
	if c.PersonID != 0 {
		return personCol + " = ?", []any{c.PersonID}
	}
	lo, hi := c.Scope.Range()
	return unitCol + " >= ? AND " + unitCol + " < ?", []any{lo, hi}
}

// DemoActor is who writes the demo data, as the audit log names it.
const DemoActor = "sunshine demo"

// Demo is the caller that loads demo data acting in a role over a unit's
// subtree (sunshine demo, serve --demo).
func Demo(role, unit string) Caller {
	return Caller{Actor: audit.Actor{Username: DemoActor, Role: role}, Scope: orgunit.ScopeOf(unit)}
}
