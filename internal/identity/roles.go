// Package identity keeps users, roles, passwords, sessions and API tokens, and
// throttles failed logins.
package identity

// The roles of DESIGN.md.
const (
	DistrictStaff    = "district_staff"
	TownStaff        = "town_staff"
	VillageAssistant = "village_assistant"
	Provider         = "provider"
	Volunteer        = "volunteer"
	Person           = "person"
	Leader           = "leader"
	SysAdmin         = "sysadmin"
	SecAdmin         = "secadmin"
	Auditor          = "auditor"
	// Employer is an employer's staff account: only its own organisation.
	Employer = "employer"
	// Peer is a partner district's installation (federation): it reads
	// aggregates only, and reaches only the routes that name it.
	Peer = "peer"
)

// Roles lists every role, in display order.
func Roles() []string {
	return []string{DistrictStaff, TownStaff, VillageAssistant, Provider, Volunteer, Person, Leader, SysAdmin, SecAdmin, Auditor, Employer, Peer}
}

// Explicit are the roles that reach only the routes naming them: a route
// open to "any signed-in user" is not open to them (web.Router.Explicit).
func Explicit() []string { return []string{Peer} }

// Ordinary are the roles a route open to any signed-in user admits: every
// role but the explicit ones.
func Ordinary() []string {
	var out []string
	for _, r := range Roles() {
		if r != Peer {
			out = append(out, r)
		}
	}
	return out
}

// Staff are the federation staff roles that work on the registry in their scope.
func Staff() []string { return []string{DistrictStaff, TownStaff, VillageAssistant} }

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	for _, x := range Roles() {
		if x == r {
			return true
		}
	}
	return false
}

// RoleName returns a role's display name.
func RoleName(r, lang string) string {
	names := map[string][2]string{
		DistrictStaff: {"区残联工作人员", "District staff"}, TownStaff: {"街镇工作人员", "Town staff"},
		VillageAssistant: {"村居助残员", "Village assistant"}, Provider: {"服务机构人员", "Service provider"},
		Volunteer: {"志愿者", "Volunteer"}, Person: {"残疾人或监护人", "Disabled person or guardian"},
		Leader: {"领导", "Leader"}, SysAdmin: {"系统管理员", "System administrator"},
		SecAdmin: {"安全管理员", "Security administrator"}, Auditor: {"安全审计员", "Auditor"},
		Employer: {"用人单位", "Employer"}, Peer: {"合作区残联（只读汇总）", "Partner district (aggregates only)"},
	}
	n, ok := names[r]
	if !ok {
		return r
	}
	if len(lang) >= 2 && lang[:2] == "en" {
		return n[1]
	}
	return n[0]
}
