package registry

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// visitRoutes registers the API of home visits (visits.go).
func (s API) visitRoutes(rt *web.Router) {
	rt.Handle("GET /api/v1/visits/candidates", staff, s.apiVisitCandidates, web.Types{Out: VisitCandidates{}})
	rt.Handle("POST /api/v1/visits/sheets", staff, s.apiVisitSheets, web.Types{In: VisitSheetsInput{}, Out: web.List[VisitSheet]{}})
	rt.Handle("POST /api/v1/visits/saves", staff, s.apiVisitSave, web.Types{In: VisitSave{}, Out: VisitSaved{}})
	rt.Handle("POST /api/v1/visits/check", staff, s.apiVisitCheck, web.Types{In: VisitCheckInput{}, Out: VisitCheckResult{}})
	rt.Handle("GET /api/v1/visits/rules", staff, s.apiVisitRules, web.Types{Out: VisitRules{}})
}

// VisitCandidates is the answer of GET /api/v1/visits/candidates.
type VisitCandidates struct {
	Items []VisitCandidate `json:"items"`
	Total int              `json:"total"`
	Next  string           `json:"next"` // always empty: one page
	Year  int              `json:"year"`
	// More: the scope has more active persons than listed; choose a village.
	More bool `json:"more"`
}

func (s API) apiVisitCandidates(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := queryYear(r, s.db.Now().Year())
	if err != nil {
		return err
	}
	items, more, err := s.VisitCandidates(r.Context(), CallerOf(r, p), year, r.URL.Query().Get("orgunit"), web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, VisitCandidates{Items: items, Total: len(items), Year: year, More: more})
}

// queryYear reads ?year= (this year or the last; now when absent).
func queryYear(r *http.Request, now int) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return now, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil {
		return 0, checkVisitYear(-1, now)
	}
	return y, checkVisitYear(y, now)
}

// VisitSheetsInput asks for the visit sheets of persons for a year.
type VisitSheetsInput struct {
	Year      int     `json:"year"`
	PersonIDs []int64 `json:"person_ids"`
}

func (s API) apiVisitSheets(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in VisitSheetsInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	sheets, err := s.VisitSheets(r.Context(), CallerOf(r, p), in.Year, in.PersonIDs, web.Lang(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.List[VisitSheet]{Items: sheets, Total: len(sheets)})
}

// VisitSaved is the answer of a save: the record's new version, and the
// record's answers as saved.
type VisitSaved struct {
	PersonID int64             `json:"person_id"`
	Year     int               `json:"year"`
	Version  int               `json:"version"`
	Created  bool              `json:"created"`
	Answers  map[string]string `json:"answers"`
}

// VisitConflictBody is the answer (409) of a save that met a record changed
// since the sheet was made: the error, and the record as it is now.
type VisitConflictBody struct {
	Error   web.ErrorDetail `json:"error"`
	Current VisitCurrent    `json:"current"`
}

// VisitCurrent is a record as it is now, for the side-by-side view.
type VisitCurrent struct {
	Version int               `json:"version"`
	Answers map[string]string `json:"answers"`
	// UpdatedBy says who changed it, in words; UpdatedAt when (RFC 3339).
	UpdatedBy string `json:"updated_by"`
	UpdatedAt string `json:"updated_at"`
}

func (s API) apiVisitSave(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var in VisitSave
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	out, created, err := s.SaveVisit(r.Context(), CallerOf(r, p), in)
	var conflict *VisitConflict
	if errors.As(err, &conflict) {
		lang := web.Lang(r)
		_, d := web.ErrorDetailOf(apperr.New(apperr.Conflict, "这份记录在您走访期间已被他人修改，请对照两边的回答后决定保留哪些。",
			"This record was changed by someone else since you prepared the visit; compare both sets of answers and choose what to keep."), lang)
		cur := conflict.Current
		by := ""
		if cur.UpdatedBy != "" {
			actors, err := identity.DescribeActors(r.Context(), s.db, []string{cur.UpdatedBy}, lang)
			if err != nil {
				return err
			}
			by = actors[cur.UpdatedBy].Words("", lang)
		}
		return web.JSON(w, http.StatusConflict, VisitConflictBody{Error: d, Current: VisitCurrent{Version: cur.Version,
			Answers: formAnswers(&cur), UpdatedBy: by, UpdatedAt: cur.UpdatedAt.Format("2006-01-02T15:04:05Z07:00")}})
	}
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, VisitSaved{PersonID: out.PersonID, Year: out.Year, Version: out.Version, Created: created,
		Answers: formAnswers(&out)})
}

// VisitCheckInput asks whether answers would be saved, for a person of age
// in year (the phone's form checks itself by the rules; this answers the same
// question on the server).
type VisitCheckInput struct {
	Year    int               `json:"year"`
	Age     int               `json:"age"`
	Answers map[string]string `json:"answers"`
}

// VisitCheckResult lists the field errors of checked answers (none: they
// would be saved).
type VisitCheckResult struct {
	Errors []web.FieldDetail `json:"errors"`
}

func (s API) apiVisitCheck(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	var in VisitCheckInput
	if err := web.Decode(w, r, &in); err != nil {
		return err
	}
	if in.Age < 0 || in.Age > 150 {
		return apperr.Validation(apperr.Field("age", "range", "年龄应在 0 至 150 之间。", "The age must be between 0 and 150."))
	}
	now := s.db.Now().Year()
	if err := checkVisitYear(in.Year, now); err != nil {
		return err
	}
	errs, err := CheckVisit(in.Year, in.Age, now, in.Answers)
	if err != nil {
		return err
	}
	lang := web.Lang(r)
	out := VisitCheckResult{Errors: []web.FieldDetail{}}
	for _, e := range errs {
		out.Errors = append(out.Errors, web.FieldDetail{Field: e.Field, Code: e.Code, Message: e.Msg.In(lang)})
	}
	return web.JSON(w, http.StatusOK, out)
}

func (s API) apiVisitRules(w http.ResponseWriter, r *http.Request, _ *web.Principal) error {
	return web.JSON(w, http.StatusOK, VisitRulesOf(s.db.Now().Year(), web.Lang(r)))
}

// VisitRules are the rules of the annual form as the phone's form applies
// them: made from AnnualFields and their own checks (the messages are what
// the checks say), never written again by hand.
type VisitRules struct {
	Year     int         `json:"year"`
	KeepDays int         `json:"keep_days"`
	Fields   []VisitRule `json:"fields"`
	// Words are the answers of a yes/no question in words.
	Words map[string]string `json:"words"`
}

// VisitRule is the rule of one field of the form.
type VisitRule struct {
	Field string `json:"field"`
	// Kind is "choice" (one of Choices), "yesno" ("1", "0" or "unknown";
	// unanswered is unknown when the question applies at the age, else no)
	// or "amount" (a number of yuan, read as money.Field reads it).
	Kind  string `json:"kind" enum:"choice,yesno,amount"`
	Label string `json:"label"`
	// Required: an empty answer is refused (Messages["empty"]); else an
	// empty choice is Default.
	Required bool              `json:"required"`
	Default  string            `json:"default"`
	Choices  []string          `json:"choices,omitempty"`
	Names    map[string]string `json:"names,omitempty"`
	MinAge   int               `json:"min_age"`
	MaxAge   int               `json:"max_age"`
	// An amount: Max in fen, Whole (whole yuan only), Negative (allowed).
	Max      int64 `json:"max"`
	Whole    bool  `json:"whole"`
	Negative bool  `json:"negative"`
	// Messages by case, in the request's language; {v} stands for what
	// was typed (quoted as the server quotes it). Cases: choice "invalid",
	// "empty"; yesno "invalid"; amount "format", "whole", "range",
	// "negative".
	Messages map[string]string `json:"messages"`
}

// visitSample is what the rules' messages are made with: a text no check
// takes, replaced by {v} in the messages.
const visitSample = "VISITSAMPLE"

// VisitRulesOf makes the rules of the phone's form, in lang, for year.
func VisitRulesOf(year int, lang string) VisitRules {
	out := VisitRules{Year: year, KeepDays: VisitKeepDays, Words: map[string]string{}}
	for _, v := range []string{"1", "0", "unknown"} {
		out.Words[v] = answerWords(v, lang)
	}
	msg := func(es []apperr.FieldError, typed string) string {
		if len(es) == 0 {
			return ""
		}
		m := es[0].Msg.In(lang)
		if typed != "" {
			m = strings.ReplaceAll(m, "“"+typed+"”", "“{v}”")
		}
		return m
	}
	for _, f := range visitFields() {
		r := VisitRule{Field: f.Field, Label: apperr.T(f.LabelZh, f.LabelEn).In(lang), MinAge: f.MinAge, MaxAge: f.MaxAge,
			Messages: map[string]string{}}
		switch {
		case f.YesNo:
			r.Kind = "yesno"
			r.Messages["invalid"] = yesNoChoiceError(f).Msg.In(lang)
		case f.amount != nil:
			r.Kind, r.Max, r.Whole, r.Negative = "amount", f.amount.Max, f.amount.Whole, f.amount.Negative
			for name, typed := range map[string]string{"format": visitSample, "whole": "1.25", "range": "9" + strings.Repeat("0", 14),
				"negative": "-7"} {
				var a Annual
				if e := f.readForm(&a, typed); e != nil {
					r.Messages[name] = msg([]apperr.FieldError{*e}, typed)
				}
			}
		default:
			r.Kind, r.Choices, r.Names = "choice", f.Choices, map[string]string{}
			for _, c := range f.Choices {
				r.Names[c] = EnumName(c, lang)
			}
			for name, typed := range map[string]string{"invalid": visitSample, "empty": ""} {
				a := Annual{Year: year}
				*f.value(&a).(*string) = typed
				var es []apperr.FieldError
				f.check(&a, &es)
				if name == "empty" && len(es) == 0 {
					r.Default = *f.value(&a).(*string)
					continue
				}
				if name == "empty" {
					r.Required = true
				}
				r.Messages[name] = msg(es, "")
			}
		}
		out.Fields = append(out.Fields, r)
	}
	return out
}
