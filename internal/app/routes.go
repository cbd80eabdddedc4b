package app

import (
	"net/http"
	"strconv"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/web"
)

// Roles for the platform routes.
var (
	anyone       = web.Access{} // any signed-in user
	unitCreators = web.Roles(identity.DistrictStaff, identity.SysAdmin)
	userAdmins   = web.Roles(identity.SysAdmin)
	userReaders  = web.Roles(identity.SysAdmin, identity.SecAdmin)
	auditors     = web.Roles(identity.Auditor)
)

func actorOf(r *http.Request, p *web.Principal) audit.Actor {
	a := audit.Actor{Client: web.ClientAddr(r)}
	if p != nil {
		a.Username, a.Role = p.Username, p.Role
	}
	return a
}

func (a *App) platformRoutes(rt *web.Router) {
	rt.Handle("GET /healthz", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write([]byte("ok"))
		return err
	})
	rt.Handle("GET /readyz", web.PublicAccess, func(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if reason := a.Ready(r.Context()); reason != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(reason))
			return nil
		}
		_, err := w.Write([]byte("ok"))
		return err
	})
	rt.Handle("POST /api/v1/session", web.PublicAccess, a.apiLogin)
	rt.Handle("GET /api/v1/session", anyone, a.apiWhoAmI)
	rt.Handle("DELETE /api/v1/session", anyone, a.apiLogout)
	rt.Handle("GET /api/v1/orgunits", anyone, a.apiUnits)
	rt.Handle("POST /api/v1/orgunits", unitCreators, a.apiCreateUnit)
	rt.Handle("GET /api/v1/users", userReaders, a.apiUsers)
	rt.Handle("POST /api/v1/users", userAdmins, a.apiCreateUser)
	rt.Handle("GET /api/v1/audit", auditors, a.apiAudit)
	rt.Handle("GET /api/v1/audit/verify", auditors, a.apiAuditVerify)
}

type sessionUser struct {
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role"`
	OrgUnit  string `json:"orgunit"`
	PersonID int64  `json:"person_id,omitempty"`
}

func (a *App) apiLogin(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	token, sess, err := a.Users.Login(r.Context(), body.Username, body.Password, "api")
	actor := audit.Actor{Username: body.Username, Client: web.ClientAddr(r)}
	if err != nil {
		action := audit.ActionFailed
		if apperr.CodeOf(err) == apperr.TooMany {
			action = audit.ActionLocked
		}
		if apperr.CodeOf(err) == apperr.Unauthorized || apperr.CodeOf(err) == apperr.TooMany {
			_ = a.Audit.Record(r.Context(), actor.Entry(action, "user", body.Username, ""))
		}
		return err
	}
	u := sess.User
	actor.Role = u.Role
	if err := a.Audit.Record(r.Context(), actor.Entry(audit.ActionLogin, "user", u.Username, u.OrgUnit)); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{
		"token": token, "expires_at": sess.ExpiresAt(),
		"user": sessionUser{Username: u.Username, Name: u.Name, Role: u.Role, OrgUnit: u.OrgUnit, PersonID: u.PersonID},
	})
}

func (a *App) apiWhoAmI(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return web.JSON(w, http.StatusOK, map[string]any{
		"user": sessionUser{Username: p.Username, Name: p.Name, Role: p.Role, OrgUnit: p.OrgUnit, PersonID: p.PersonID},
	})
}

func (a *App) apiLogout(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := a.Users.Logout(r.Context(), p.Token); err != nil {
		return err
	}
	_ = a.Audit.Record(r.Context(), actorOf(r, p).Entry(audit.ActionLogout, "user", p.Username, p.OrgUnit))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *App) apiUnits(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	parent := r.URL.Query().Get("parent")
	if parent != "" {
		if _, err := a.Units.Get(r.Context(), parent); err != nil {
			return err
		}
	}
	units, err := a.Units.Children(r.Context(), parent)
	if err != nil {
		return err
	}
	if units == nil {
		units = []orgunit.Unit{}
	}
	return web.JSON(w, http.StatusOK, web.List[orgunit.Unit]{Items: units, Total: len(units)})
}

func (a *App) apiCreateUnit(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var u orgunit.Unit
	if err := web.Decode(w, r, &u); err != nil {
		return err
	}
	out, err := a.Units.Create(r.Context(), orgunit.ScopeOf(p.OrgUnit), orgunit.Unit{Code: u.Code, Name: u.Name, NameEn: u.NameEn, Parent: u.Parent},
		func(tx *db.Tx) error {
			return audit.Append(r.Context(), tx, actorOf(r, p).Entry(audit.ActionCreate, "orgunit", u.Code, u.Parent))
		})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, out)
}

func (a *App) apiUsers(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	users, err := a.Users.List(r.Context())
	if err != nil {
		return err
	}
	if users == nil {
		users = []identity.User{}
	}
	return web.JSON(w, http.StatusOK, web.List[identity.User]{Items: users, Total: len(users)})
}

func (a *App) apiCreateUser(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var body struct {
		Username string `json:"username"`
		Name     string `json:"name"`
		Role     string `json:"role"`
		OrgUnit  string `json:"orgunit"`
		PersonID int64  `json:"person_id"`
		Employer int64  `json:"employer_id"`
		Password string `json:"password"`
	}
	if err := web.Decode(w, r, &body); err != nil {
		return err
	}
	u, err := a.Users.Create(r.Context(), identity.User{Username: body.Username, Name: body.Name, Role: body.Role,
		OrgUnit: body.OrgUnit, PersonID: body.PersonID, EmployerID: body.Employer}, body.Password, func(tx *db.Tx) error {
		return audit.Append(r.Context(), tx, actorOf(r, p).Entry(audit.ActionUserAdd, "user", body.Username, body.OrgUnit))
	})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, u)
}

func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.Validation(apperr.Field(name, "format", name+" 应为 YYYY-MM-DD 或 RFC 3339 时间。",
		name+" must be a date (YYYY-MM-DD) or an RFC 3339 time."))
}

func (a *App) apiAudit(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	q := r.URL.Query()
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	f := audit.Filter{SubjectType: q.Get("subject_type"), SubjectID: q.Get("subject"), Username: q.Get("user"), Action: q.Get("action"), Limit: limit}
	if f.SubjectID == "" {
		f.SubjectID = q.Get("subject_id")
	}
	if f.Before, err = web.IntParam("cursor", cursor); err != nil {
		return err
	}
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return err
	}
	items, next, err := a.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := web.List[audit.Entry]{Items: items, Total: len(items)}
	if items == nil {
		out.Items = []audit.Entry{}
	}
	if next != 0 {
		out.Next = strconv.FormatInt(next, 10)
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *App) apiAuditVerify(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	v, err := a.Audit.Verify(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, v)
}
