package notify

import (
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

var (
	// anyone are the signed-in users: each has their own notifications.
	anyone = web.Access{}
	// runners may run the rules and the sending on demand.
	runners = web.Roles(identity.DistrictStaff, identity.SysAdmin)
	// outboxStaff see the deliveries of their scope and retry them.
	outboxStaff = web.Roles(identity.DistrictStaff, identity.TownStaff)
)

// API is the JSON API of the notifications (CONTRACT.md).
type API struct{ *Store }

// Routes registers the API.
func (s API) Routes(rt *web.Router) {
	rt.Handle("GET /api/v1/notifications", anyone, s.apiList, web.Types{Out: web.List[Notification]{}})
	rt.Handle("POST /api/v1/notifications/{id}/read", anyone, s.apiRead, web.Types{In: struct{}{}, Out: Notification{}})
	rt.Handle("POST /api/v1/notifications/read-all", anyone, s.apiReadAll, web.Types{In: struct{}{}, Status: http.StatusNoContent})
	rt.Handle("POST /api/v1/notifications/run", runners, s.apiRun, web.Types{In: struct{}{}, Out: Result{}})
	rt.Handle("GET /api/v1/notification-outbox", outboxStaff, s.apiOutbox, web.Types{Out: web.List[Delivery]{}})
	rt.Handle("POST /api/v1/notification-outbox/{id}/retry", outboxStaff, s.apiRetry, web.Types{In: struct{}{}, Out: Delivery{}})
}

func noNotification() error {
	return apperr.New(apperr.NotFound, "未找到该通知。", "The notification was not found.")
}

func (s API) apiList(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	limit, cursor, err := web.Paging(r)
	if err != nil {
		return err
	}
	cur, err := web.IntParam("cursor", cursor)
	if err != nil {
		return err
	}
	unread := false
	switch v := r.URL.Query().Get("unread"); v {
	case "", "false", "0":
	case "true", "1":
		unread = true
	default:
		return apperr.Validation(apperr.Field("unread", "invalid", "unread 应为 true 或 false。", "unread must be true or false."))
	}
	items, next, err := s.List(r.Context(), p.UserID, unread, limit, cur, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(items, next))
}

// noBody refuses a body that is not empty JSON ({}): these posts take none.
func noBody(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	return web.Decode(w, r, &struct{}{})
}

func (s API) apiRead(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, noNotification())
	if err != nil {
		return err
	}
	if _, err := s.One(r.Context(), p.UserID, id, web.Lang(r)); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return noNotification() // another user's answers as a missing one
		}
		return err
	}
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := s.MarkRead(r.Context(), p.UserID, id); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return noNotification()
		}
		return err
	}
	n, err := s.One(r.Context(), p.UserID, id, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, n)
}

// apiReadAll marks every notification of the caller read: 204.
func (s API) apiReadAll(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := s.MarkAllRead(r.Context(), p.UserID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s API) apiRun(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	res, err := s.Run(r.Context(), s.db.Now())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, res)
}

func (s API) apiOutbox(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	limit, _, err := web.Paging(r)
	if err != nil {
		return err
	}
	list, err := s.Outbox(r.Context(), access.Of(r, p), r.URL.Query().Get("state") == StateFailed, limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.SeqPage(list, 0))
}

func (s API) apiRetry(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, notFound())
	if err != nil {
		return err
	}
	if err := noBody(w, r); err != nil {
		return err
	}
	c := access.Of(r, p)
	if err := s.Retry(r.Context(), c, id); err != nil {
		return err
	}
	d, err := s.Delivery(r.Context(), c, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, d)
}
