package providers

import (
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/platform/web"
)

var (
	// feedbackGivers give feedback: the served person, or staff on their
	// behalf.
	feedbackGivers = web.Roles(identity.Person, identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant)
	// complaintHandlers see and handle the complaints of their scope.
	complaintHandlers = web.Roles(identity.DistrictStaff, identity.TownStaff)
	// rankers see the ranking of the contracts of their view.
	rankers = web.Roles(identity.DistrictStaff, identity.TownStaff)
	// evalReaders read a contract's evaluation (a provider's worker: its own
	// contracts').
	evalReaders = readers
	// experts enter expert scores: the district's staff.
	experts = keepers
)

// evaluationRoutes registers the API of feedback, complaints and the
// evaluation (called from API.Routes).
func (s API) evaluationRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/cases/{id}/feedback", feedbackGivers, s.apiFeedback, web.Types{In: FeedbackInput{}, Out: Feedback{}, Status: http.StatusCreated})
	rt.Handle("GET /api/v1/complaints", complaintHandlers, s.apiComplaints, web.Types{Out: web.List[Complaint]{}})
	rt.Handle("POST /api/v1/complaints/{case_id}/handle", complaintHandlers, s.apiHandle, web.Types{In: HandleInput{}, Out: Complaint{}})
	rt.Handle("GET /api/v1/contracts/{id}/evaluation", evalReaders, s.apiEvaluation, web.Types{Out: Evaluation{}})
	rt.Handle("PUT /api/v1/contracts/{id}/expert-score", experts, s.apiExpert, web.Types{In: ExpertInput{}, Out: Evaluation{}})
	rt.Handle("GET /api/v1/providers/ranking", rankers, s.apiRanking, web.Types{Out: Ranking{}})
	rt.Handle("GET /api/v1/providers/evaluation.xlsx", rankers, s.apiEvaluationXLSX)
}

func (s API) apiFeedback(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, apperr.ErrNotFound())
	if err != nil {
		return err
	}
	var in FeedbackInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.GiveFeedback(r.Context(), access.Of(r, p), id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, out)
}

func (s API) apiComplaints(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	open := false
	switch r.URL.Query().Get("open") {
	case "", "false":
	case "true":
		open = true
	default:
		return apperr.Validation(apperr.Field("open", "invalid", "open 应为 true 或 false。", "open is true or false."))
	}
	list, err := s.Complaints(r.Context(), access.Of(r, p), open)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[Complaint]{Items: list, Total: len(list)})
}

func complaintID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("case_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, complaintNotFound()
	}
	return id, nil
}

func (s API) apiHandle(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := complaintID(r)
	if err != nil {
		return err
	}
	var in HandleInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.HandleComplaint(r.Context(), access.Of(r, p), id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiEvaluation(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	out, err := s.Evaluate(r.Context(), access.Of(r, p), id, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiExpert(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	var in ExpertInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.SetExpertScore(r.Context(), access.Of(r, p), id, in, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func yearParam(r *http.Request) (int, error) {
	y, err := web.IntParam("year", r.URL.Query().Get("year"))
	if err != nil {
		return 0, err
	}
	if y != 0 && (y < 2000 || y > 2100) { // 0: not given (this year)
		return 0, apperr.Validation(apperr.Field("year", "range", "年度应在 2000 至 2100 之间。", "The year is from 2000 to 2100."))
	}
	return int(y), nil
}

func (s API) apiRanking(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	out, err := s.Rank(r.Context(), access.Of(r, p), year, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiEvaluationXLSX(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	if year, err = s.CheckYear(year); err != nil {
		return err // before any header is sent
	}
	web.Attachment(w, "provider-evaluation-"+strconv.Itoa(year)+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	tw, err := tabular.NewXLSXSheets(w, "合同评估")
	if err != nil {
		return err
	}
	if err := s.WriteEvaluation(r.Context(), access.Of(r, p), year, tw); err != nil {
		return err // headers may be sent already; the client sees a cut file
	}
	return tw.Close()
}
