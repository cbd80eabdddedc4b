package providers

import (
	"fmt"
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/web"
)

var (
	// microProposers propose micro-charity projects: a provider's worker for
	// its organisation, district staff on an organisation's behalf.
	microProposers = web.Roles(identity.DistrictStaff, identity.Provider)
	// microReaders see the proposals: staff every one, a provider's worker
	// its organisation's.
	microReaders = web.Roles(identity.DistrictStaff, identity.TownStaff, identity.Provider)
	// microJudges score, close the call and publish: district staff.
	microJudges = web.Roles(identity.DistrictStaff)
)

// microRoutes registers the API of the micro-charity projects.
func (s API) microRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/micro-projects", microProposers, s.apiProposeMicro, web.Types{In: MicroInput{}, Out: MicroProject{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/micro-projects", microReaders, s.apiMicroProjects, web.Types{Out: MicroList{}})
	rt.Handle("GET /api/v1/micro-projects/{id}", microReaders, s.apiMicroProject, web.Types{Out: MicroDetail{}})
	rt.Handle("POST /api/v1/micro-projects/{id}/scores", microJudges, s.apiScoreMicro(false), web.Types{In: MicroScores{}, Out: MicroDetail{}, Status: http.StatusCreated})
	rt.Handle("PUT /api/v1/micro-projects/{id}/scores", microJudges, s.apiScoreMicro(true), web.Types{In: MicroScores{}, Out: MicroDetail{}})
	rt.Handle("POST /api/v1/micro-projects/close", microJudges, s.apiCloseMicro, web.Types{In: MicroYearInput{}, Out: MicroYear{}})
	rt.Handle("POST /api/v1/micro-projects/publish", microJudges, s.apiPublishMicro, web.Types{In: MicroYearInput{}, Out: PublicSelection{}})
	rt.Handle("POST /api/v1/micro-projects/unpublish", microJudges, s.apiUnpublishMicro, web.Types{In: MicroYearInput{}, Out: MicroYear{}})
	rt.Handle("GET /api/v1/public/micro-projects", web.PublicAccess, s.apiPublicMicro, web.Types{Out: PublicSelection{}})
}

func (s API) apiProposeMicro(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in MicroInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.ProposeMicro(r.Context(), access.Of(r, p), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/micro-projects/%d", out.ID))
	return web.JSON(w, http.StatusCreated, out)
}

// yearParam reads ?year= (0 when absent).
func (s API) apiMicroProjects(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	out, err := s.MicroProjects(r.Context(), access.Of(r, p), year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiMicroProject(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, microNotFound())
	if err != nil {
		return err
	}
	out, err := s.MicroProject(r.Context(), access.Of(r, p), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

// apiScoreMicro records the caller's scores: POST once (201; again 409),
// PUT to set or change them (200).
func (s API) apiScoreMicro(change bool) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
		id, err := web.PathID(r, microNotFound())
		if err != nil {
			return err
		}
		var in MicroScores
		if err := web.Decode(w, r, &in); err != nil {
			return err
		}
		out, _, err := s.ScoreMicro(r.Context(), access.Of(r, p), id, in, change)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if !change {
			status = http.StatusCreated
		}
		return web.JSON(w, status, out)
	}
}

func (s API) apiCloseMicro(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in MicroYearInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.CloseMicro(r.Context(), access.Of(r, p), in.Year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiPublishMicro(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in MicroYearInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.PublishMicro(r.Context(), access.Of(r, p), in.Year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiUnpublishMicro(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in MicroYearInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.UnpublishMicro(r.Context(), access.Of(r, p), in.Year, in.Reason)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiPublicMicro(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	out, err := s.PublicMicro(r.Context(), year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}
