// Package access says who is calling: the actor the audit log names, the
// org units they may see (a scope: their unit's subtree) and, for a person's
// or an employer's account, the record or organisation it is linked to.
// Every domain module takes a Caller in its store methods and restricts its
// SQL with it; none needs the registry for that.
package access

import (
	"sunshine/internal/audit"
	"sunshine/internal/identity"
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
	// ProviderID is the organisation of a provider account: it sees only the
	// cases assigned to its organisation and their persons (none without).
	ProviderID int64
	// VolunteerID is the volunteer of a volunteer account: it reaches the
	// tasks of the corps rule and its own hours (none without).
	VolunteerID int64
}

// Role is the caller's role.
func (c Caller) Role() string { return c.Actor.Role }

// Where is the SQL condition restricting rows about persons to the caller: a
// person sees rows whose personCol is their own record; a provider's worker
// the persons of the cases assigned to its organisation (within its scope);
// everyone else rows whose unitCol lies in their scope (an empty scope sees
// nothing).
func (c Caller) Where(personCol, unitCol string) (string, []any) {
	if c.PersonID != 0 {
		return personCol + " = ?", []any{c.PersonID}
	}
	lo, hi := c.Scope.Range()
	if c.IsProvider() {
		return personCol + " IN (SELECT pc.person_id FROM cases pc WHERE pc.provider_id = ?) AND " + unitCol + " >= ? AND " + unitCol + " < ?",
			[]any{c.ProviderID, lo, hi}
	}
	return unitCol + " >= ? AND " + unitCol + " < ?", []any{lo, hi}
}

// IsProvider says whether the caller is a provider's worker, whose view is
// restricted to its organisation's assigned cases (ProviderID 0: nothing).
func (c Caller) IsProvider() bool { return c.Actor.Role == identity.Provider }

// CaseWhere restricts cases (alias cAlias: its person_id, orgunit and
// provider_id columns) to the caller: a person their own, a provider's
// worker those assigned to its organisation, staff those of their scope.
func (c Caller) CaseWhere(cAlias string) (string, []any) {
	if c.IsProvider() {
		lo, hi := c.Scope.Range()
		return cAlias + ".provider_id = ? AND " + cAlias + ".orgunit >= ? AND " + cAlias + ".orgunit < ?", []any{c.ProviderID, lo, hi}
	}
	return c.Where(cAlias+".person_id", cAlias+".orgunit")
}

// DemoActor is who writes the demo data, as the audit log names it.
const DemoActor = "sunshine demo"

// Demo is the caller that loads demo data acting in a role over a unit's
// subtree (sunshine demo, serve --demo).
func Demo(role, unit string) Caller {
	return Caller{Actor: audit.Actor{Username: DemoActor, Role: role}, Scope: orgunit.ScopeOf(unit)}
}
