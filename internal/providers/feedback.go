package providers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// SubjectFeedback is the audit subject of a case's feedback (its id is the
// case's).
const SubjectFeedback = "case_feedback"

// Bounds of feedback.
const (
	MaxComplaintRunes = 500
	MaxNoteRunes      = 500
)

// Satisfaction words, 1 to 5.
var satisfactionWords = [6][2]string{{}, {"很不满意", "very dissatisfied"}, {"不满意", "dissatisfied"}, {"一般", "neither"},
	{"满意", "satisfied"}, {"很满意", "very satisfied"}}

// SatisfactionWord names a satisfaction score in words (1 to 5).
func SatisfactionWord(n int, lang string) string {
	if n < 1 || n > 5 {
		return strconv.Itoa(n)
	}
	return apperr.T(satisfactionWords[n][0], satisfactionWords[n][1]).In(lang)
}

// Feedback is a served person's rating of a closed case of a contract.
type Feedback struct {
	CaseID       int64     `json:"case_id"`
	ContractID   int64     `json:"contract_id"`
	ProviderID   int64     `json:"provider_id"`
	ProviderName string    `json:"provider_name"`
	Satisfaction int       `json:"satisfaction"`
	Complaint    string    `json:"complaint,omitempty"`
	GivenBy      string    `json:"given_by"`
	OnBehalf     bool      `json:"on_behalf"`
	GivenAt      time.Time `json:"given_at"`
	givenAt      int64
}

// FeedbackInput is the body of POST /api/v1/cases/{id}/feedback.
type FeedbackInput struct {
	Satisfaction int    `json:"satisfaction"`
	Complaint    string `json:"complaint,omitempty"`
}

// Complaint is a feedback with a complaint, as staff handle it.
type Complaint struct {
	Feedback
	PersonName  string     `json:"person_name"`
	OrgUnit     string     `json:"orgunit"`
	ServiceType string     `json:"service_type"`
	Handled     bool       `json:"handled"`
	HandledBy   string     `json:"handled_by,omitempty"`
	HandledAt   *time.Time `json:"handled_at,omitempty"`
	Note        string     `json:"note,omitempty"`
}

// HandleInput is the body of POST /api/v1/complaints/{case_id}/handle.
type HandleInput struct {
	Note string `json:"note"`
}

// feedbackGivers are the roles that give feedback: the person, or staff on
// their behalf.
func feedbackGiver(c access.Caller) bool {
	switch c.Role() {
	case identity.Person:
		return c.PersonID != 0
	case identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant:
		return true
	}
	return false
}

// CheckFeedback checks a feedback's input: satisfaction 1 to 5, the
// complaint at most MaxComplaintRunes without control characters.
func CheckFeedback(in FeedbackInput) (FeedbackInput, error) {
	var fs []apperr.FieldError
	if in.Satisfaction < 1 || in.Satisfaction > 5 {
		fs = append(fs, apperr.Field("satisfaction", "range", "请选择 1（很不满意）至 5（很满意）的满意度。",
			"Choose a satisfaction from 1 (very dissatisfied) to 5 (very satisfied)."))
	}
	var e *apperr.FieldError
	if in.Complaint, e = text("complaint", in.Complaint, MaxComplaintRunes, false, "投诉内容", "complaint"); e != nil {
		fs = append(fs, *e)
	}
	if len(fs) > 0 {
		return in, apperr.Validation(fs...)
	}
	return in, nil
}

// Feedbackable says why a case may not have feedback (nil: it may): it
// must be closed and assigned to a contract.
func Feedbackable(cs casework.Case) error {
	if cs.ContractID == 0 {
		return apperr.New(apperr.Invalid, "这个个案没有分派给服务机构，不能评价服务机构的服务。",
			"This case was not assigned to a provider, so there is no purchased service to rate.")
	}
	if cs.ClosedAt == nil {
		return apperr.New(apperr.Invalid, "个案办结后才能评价。", "Feedback can be given once the case is closed.")
	}
	return nil
}

func feedbackExists() error {
	return apperr.New(apperr.Conflict, "这个个案已经评价过了。", "Feedback on this case was given already.")
}

// GiveFeedback records the served person's satisfaction with a closed case
// of a contract and their complaint, if any (the person, or staff whose
// view holds the case on their behalf). A case outside the caller's view
// is 404; a case not closed or never assigned 422; feedback twice 409.
func (s *Store) GiveFeedback(ctx context.Context, c access.Caller, caseID int64, in FeedbackInput) (Feedback, error) {
	if !feedbackGiver(c) {
		return Feedback{}, apperr.ErrNotFound()
	}
	cs, err := s.cases.Peek(ctx, c, caseID)
	if err != nil {
		return Feedback{}, err
	}
	in, err = CheckFeedback(in)
	if err != nil {
		return Feedback{}, err
	}
	if err := Feedbackable(cs); err != nil {
		return Feedback{}, err
	}
	onBehalf := c.PersonID == 0
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_feedback WHERE case_id = ?`, caseID).Scan(&n); err != nil {
			return fmt.Errorf("feedback on case %d: %w", caseID, err)
		}
		if n > 0 {
			return feedbackExists()
		}
		_, err := tx.Exec(ctx, `INSERT INTO case_feedback (case_id, contract_id, provider_id, person_id, orgunit, satisfaction, complaint, given_by, on_behalf, given_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, cs.ContractID, cs.ProviderID, cs.PersonID, cs.OrgUnit, in.Satisfaction, in.Complaint,
			c.Actor.Username, onBehalf, db.Millis(tx.Now))
		if db.IsUniqueViolation(err) {
			return feedbackExists()
		}
		if err != nil {
			return fmt.Errorf("feedback on case %d: %w", caseID, err)
		}
		en := c.Actor.Entry(audit.ActionCreate, SubjectFeedback, strconv.FormatInt(caseID, 10), cs.OrgUnit)
		en.Detail = fmt.Sprintf(`{"satisfaction":%d,"complaint":%t,"on_behalf":%t}`, in.Satisfaction, in.Complaint != "", onBehalf)
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return Feedback{}, err
	}
	f, _, err := s.feedbackOf(ctx, caseID)
	return f, err
}

const feedbackCols = `f.case_id, f.contract_id, f.provider_id, pr.name, f.satisfaction, f.complaint, f.given_by, f.on_behalf, f.given_at`

func scanFeedback(f *Feedback) []any {
	return []any{&f.CaseID, &f.ContractID, &f.ProviderID, &f.ProviderName, &f.Satisfaction, &f.Complaint, &f.GivenBy, &f.OnBehalf, &f.givenAt}
}

// feedbackOf reads the feedback of a case, if any (no scope check).
func (s *Store) feedbackOf(ctx context.Context, caseID int64) (Feedback, bool, error) {
	var f Feedback
	err := s.db.QueryRow(ctx, `SELECT `+feedbackCols+` FROM case_feedback f JOIN providers pr ON pr.id = f.provider_id WHERE f.case_id = ?`,
		caseID).Scan(scanFeedback(&f)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Feedback{}, false, nil
	}
	if err != nil {
		return Feedback{}, false, fmt.Errorf("feedback on case %d: %w", caseID, err)
	}
	f.GivenAt = time.UnixMilli(f.givenAt).UTC()
	return f, true, nil
}

// FeedbackOf reads the case (in the caller's view, else 404; the read is
// audited, as the case page's) and its feedback, if given.
func (s *Store) FeedbackOf(ctx context.Context, c access.Caller, caseID int64) (casework.Case, *Feedback, error) {
	cs, err := s.cases.Get(ctx, c, caseID)
	if err != nil {
		return cs, nil, err
	}
	f, ok, err := s.feedbackOf(ctx, caseID)
	if err != nil || !ok {
		return cs, nil, err
	}
	return cs, &f, nil
}

// AwaitingFeedback lists the person's closed cases of a contract that have
// no feedback yet, newest first (at most 20).
func (s *Store) AwaitingFeedback(ctx context.Context, c access.Caller) ([]casework.Case, error) {
	if c.PersonID == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT c.id, c.service_type, c.closed_at FROM cases c WHERE c.person_id = ? AND c.contract_id IS NOT NULL AND c.closed_at > 0
		AND NOT EXISTS (SELECT 1 FROM case_feedback f WHERE f.case_id = c.id) ORDER BY c.closed_at DESC, c.id DESC LIMIT 20`, c.PersonID)
	if err != nil {
		return nil, fmt.Errorf("cases awaiting feedback: %w", err)
	}
	defer rows.Close()
	var out []casework.Case
	for rows.Next() {
		var cs casework.Case
		var closed int64
		if err := rows.Scan(&cs.ID, &cs.ServiceType, &closed); err != nil {
			return nil, fmt.Errorf("cases awaiting feedback: %w", err)
		}
		t := time.UnixMilli(closed).UTC()
		cs.ClosedAt = &t
		out = append(out, cs)
	}
	return out, rows.Err()
}

// complaintScope restricts complaints (alias f) to the staff whose scope
// holds the case's unit; others see none.
func complaintScope(c access.Caller) (string, []any) {
	if c.Role() != identity.DistrictStaff && c.Role() != identity.TownStaff {
		return "1 = 0", nil
	}
	lo, hi := c.Scope.Range()
	return "f.orgunit >= ? AND f.orgunit < ?", []any{lo, hi}
}

// MaxComplaints is how many complaints a list holds at most.
const MaxComplaints = 200

// Complaints lists the complaints of the caller's scope (district and town
// staff), the open ones only when open, oldest open first. Each case listed
// (its person named) is audited as seen in a list.
func (s *Store) Complaints(ctx context.Context, c access.Caller, open bool) ([]Complaint, error) {
	cond := ""
	if open {
		cond = " AND f.handled_at = 0"
	}
	list, err := s.complaints(ctx, c, cond, nil)
	if err != nil || len(list) == 0 {
		return list, err
	}
	entries := make([]audit.Entry, len(list))
	for i, k := range list {
		entries[i] = c.Actor.Entry(audit.ActionList, casework.SubjectCase, strconv.FormatInt(k.CaseID, 10), k.OrgUnit)
	}
	return list, s.log.Record(ctx, entries...)
}

func (s *Store) complaints(ctx context.Context, c access.Caller, cond string, condArgs []any) ([]Complaint, error) {
	where, args := complaintScope(c)
	rows, err := s.db.Query(ctx, `SELECT `+feedbackCols+`, p.name, f.orgunit, c.service_type, f.handled_by, f.handled_at, f.handled_note
		FROM case_feedback f JOIN providers pr ON pr.id = f.provider_id JOIN persons p ON p.id = f.person_id JOIN cases c ON c.id = f.case_id
		WHERE f.complaint <> '' AND `+where+cond+` ORDER BY CASE WHEN f.handled_at = 0 THEN 0 ELSE 1 END, f.given_at, f.case_id LIMIT `+strconv.Itoa(MaxComplaints),
		append(args, condArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("complaints: %w", err)
	}
	defer rows.Close()
	out := []Complaint{}
	for rows.Next() {
		var k Complaint
		var handled int64
		dst := append(scanFeedback(&k.Feedback), &k.PersonName, &k.OrgUnit, &k.ServiceType, &k.HandledBy, &handled, &k.Note)
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("complaints: %w", err)
		}
		k.GivenAt = time.UnixMilli(k.givenAt).UTC()
		if handled != 0 {
			t := time.UnixMilli(handled).UTC()
			k.Handled, k.HandledAt = true, &t
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// OpenComplaints counts the open complaints of the caller's scope.
func (s *Store) OpenComplaints(ctx context.Context, c access.Caller) (int, error) {
	where, args := complaintScope(c)
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM case_feedback f WHERE f.complaint <> '' AND f.handled_at = 0 AND `+where, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("open complaints: %w", err)
	}
	return n, nil
}

func complaintNotFound() error {
	return apperr.New(apperr.NotFound, "找不到这条投诉，或不在您的管辖范围内。", "There is no such complaint in your area.")
}

// HandleComplaint marks a complaint of the caller's scope handled, with a
// note of what was done (district and town staff): a complaint outside
// the scope, or a case without one, is 404; handled twice 409.
func (s *Store) HandleComplaint(ctx context.Context, c access.Caller, caseID int64, in HandleInput) (Complaint, error) {
	note, e := text("note", in.Note, MaxNoteRunes, true, "处理情况", "note of what was done")
	if e != nil {
		return Complaint{}, apperr.Validation(*e)
	}
	where, args := complaintScope(c)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var unit string
		var handled int64
		err := tx.QueryRow(ctx, `SELECT f.orgunit, f.handled_at FROM case_feedback f WHERE f.case_id = ? AND f.complaint <> '' AND `+where+tx.ForUpdate(),
			append([]any{caseID}, args...)...).Scan(&unit, &handled)
		if errors.Is(err, sql.ErrNoRows) {
			return complaintNotFound()
		}
		if err != nil {
			return fmt.Errorf("handle complaint %d: %w", caseID, err)
		}
		if handled != 0 {
			return apperr.New(apperr.Conflict, "这条投诉已经处理过了。", "This complaint was handled already.")
		}
		res, err := tx.Exec(ctx, `UPDATE case_feedback SET handled_by = ?, handled_at = ?, handled_note = ? WHERE case_id = ? AND handled_at = 0`,
			c.Actor.Username, db.Millis(tx.Now), note, caseID)
		if err != nil {
			return fmt.Errorf("handle complaint %d: %w", caseID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "这条投诉已经处理过了。", "This complaint was handled already.")
		}
		en := c.Actor.Entry(audit.ActionUpdate, SubjectFeedback, strconv.FormatInt(caseID, 10), unit)
		en.Detail, en.Reason = `{"complaint":"handled"}`, note
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return Complaint{}, err
	}
	return s.complaint(ctx, c, caseID)
}

// complaint reads one complaint of the caller's scope.
func (s *Store) complaint(ctx context.Context, c access.Caller, caseID int64) (Complaint, error) {
	list, err := s.complaints(ctx, c, " AND f.case_id = ?", []any{caseID})
	if err != nil {
		return Complaint{}, err
	}
	if len(list) == 0 {
		return Complaint{}, complaintNotFound()
	}
	return list[0], nil
}
