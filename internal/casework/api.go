package casework

import (
	"context"
	"encoding/json"
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// API is the JSON API of the module over its engine: the handlers live on
// it, so the engine itself never sees HTTP.
type API struct{ *Engine }

// Who may see and work cases: staff, service providers and the person
// concerned (their own cases).
var (
	caseRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person)
	creators  = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Person)
	typeRoles = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant, identity.Provider, identity.Person, identity.Leader)
)

// Routes registers the cases API.
func (e API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/service-types", typeRoles, e.apiTypes, web.Types{Out: web.Items[TypeView]{}})
	rt.Handle("POST /api/v1/cases", creators, e.apiCreate, web.Types{In: CaseInput{}, Out: Case{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/cases", caseRoles, e.apiList, web.Types{Out: web.List[Case]{}})
	rt.Handle("GET /api/v1/cases/{id}", caseRoles, e.apiGet, web.Types{Out: Case{}})
	rt.Handle("POST /api/v1/cases/{id}/transitions", caseRoles, e.apiAct, web.Types{In: ActionInput{}, Out: Case{}})
}

// TypeView is a service type as the API shows it.
type TypeView struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	States      []string `json:"states"`
	StateInfo   []State  `json:"state_info"`
	Initial     string   `json:"initial"`
	CreateRoles []string `json:"create_roles"`
	// CreateFields are the data a new case takes (a local project's own fields).
	CreateFields []Field         `json:"create_fields"`
	Transitions  []TransitionOut `json:"transitions"`
	// Enabled, with ?orgunit=, says whether a case may be opened there.
	Enabled *bool `json:"enabled,omitempty"`
	// ExpiredCertificate says what opening a case does for a person whose
	// certificate has expired: "warn" (data.certificate_override, a reason,
	// is required and recorded), "refuse" (409) or "allow".
	ExpiredCertificate string `json:"expired_certificate" enum:"warn,refuse,allow"`
}

// TransitionOut is a transition as the API shows it (one per from-state).
type TransitionOut struct {
	Action string   `json:"action"`
	From   string   `json:"from"`
	To     string   `json:"to"`
	Roles  []string `json:"roles"`
	Fields []Field  `json:"fields"`
}

func (e API) apiTypes(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	lang := web.Lang(r)
	unit := r.URL.Query().Get("orgunit")
	if unit != "" {
		if _, ok := access.Of(r, p).Scope.Narrow(unit); !ok {
			return apperr.New(apperr.NotFound, "找不到这个组织单位，或不在您的管辖范围内。", "This org unit was not found or is outside your area.")
		}
	}
	if err := e.Refresh(r.Context()); err != nil {
		return err
	}
	items := []TypeView{}
	for _, t := range e.Types() {
		v := TypeView{Code: t.Code, Name: t.Name(lang), StateInfo: t.States, Initial: t.Initial, CreateRoles: t.CreateRoles, CreateFields: t.CreateFields}
		if v.CreateFields == nil {
			v.CreateFields = []Field{}
		}
		v.ExpiredCertificate = t.ExpiredCertificate
		if v.ExpiredCertificate == CertWarn {
			v.ExpiredCertificate = "warn"
		}
		if unit != "" {
			ok, err := e.Available(r.Context(), t.Code, unit)
			if err != nil {
				return err
			}
			v.Enabled = &ok
		}
		for _, s := range t.States {
			v.States = append(v.States, s.Code)
		}
		for _, tr := range t.Transitions {
			for _, from := range tr.From {
				to := tr.To
				if to == "" {
					to = from
				}
				fields := tr.Fields
				if fields == nil {
					fields = []Field{}
				}
				v.Transitions = append(v.Transitions, TransitionOut{Action: tr.Action, From: from, To: to, Roles: tr.Roles, Fields: fields})
			}
		}
		items = append(items, v)
	}
	return web.JSON(w, http.StatusOK, web.Items[TypeView]{Items: items})
}

// CaseInput is the body of POST /api/v1/cases: whose case (a person's own
// account may leave it out), of which service type, and the data the type
// takes to open a case (an object; left out or null: none).
type CaseInput struct {
	PersonID    int64           `json:"person_id,omitempty"`
	ServiceType string          `json:"service_type"`
	Data        json.RawMessage `json:"data,omitempty"`
}

// ActionInput is the body of POST /api/v1/cases/{id}/transitions: the
// action, the data it takes (an object; left out or null: none) and the
// version of the case as read (left out or 0: not checked).
type ActionInput struct {
	Action  string          `json:"action"`
	Data    json.RawMessage `json:"data,omitempty"`
	Version int             `json:"version,omitempty"`
}

func (e API) apiCreate(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in CaseInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	c := access.Of(r, p)
	if p.Role == identity.Person && in.PersonID == 0 {
		in.PersonID = p.PersonID
	}
	data, err := ParseData(in.Data)
	if err != nil {
		return err
	}
	cs, err := e.Create(context.WithValue(r.Context(), lenientKey{}, true), c, in.PersonID, in.ServiceType, data)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, cs)
}

func (e API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pid, err := web.IntParam("person_id", q.Get("person_id"))
	if err != nil {
		return err
	}
	f := Filter{PersonID: pid, ServiceType: q.Get("service_type"), State: q.Get("state"), OrgUnit: q.Get("orgunit"),
		Open: q.Get("open") == "1", Overdue: q.Get("overdue") == "1", ByDue: q.Get("order") == "due", Cursor: cursor, Limit: limit}
	if q.Get("waiting") == "me" {
		f.WaitingFor = p.Role
	}
	items, total, next, err := e.List(r.Context(), access.Of(r, p), f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []Case{}
	}
	return web.JSON(w, http.StatusOK, web.List[Case]{Items: items, Total: total, Next: next})
}

func caseID(r *http.Request) (int64, error) {
	return web.PathID(r, apperr.New(apperr.NotFound, "找不到这个个案。", "There is no such case."))
}

func (e API) apiGet(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	cs, err := e.Get(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, cs)
}

func (e API) apiAct(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	var in ActionInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	data, err := ParseData(in.Data)
	if err != nil {
		return err
	}
	cs, err := e.Act(r.Context(), access.Of(r, p), id, in.Action, data, in.Version)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, cs)
}
