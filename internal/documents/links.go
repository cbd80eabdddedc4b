package documents

import (
	"context"
	"fmt"
	"net/http"

	"sunshine/internal/access"
	"sunshine/internal/platform/web"
)

// CaseLinks is the case page's table of the case's documents that can be
// printed now (none for other cases, or those not ready): the print page
// and the PDF of each.
func (s *Store) CaseLinks(r *http.Request, p *web.Principal, caseID int64, lang string) ([]web.Table, error) {
	cs, err := s.Case(r.Context(), access.Of(r, p), caseID)
	if err != nil {
		return nil, nil // the case page has said what it may of the case
	}
	var kinds []string
	switch cs.ServiceType {
	case deviceType:
		if len(strs(cs.Data["dispensed_items"])) > 0 {
			kinds = append(kinds, Handover)
		}
		if cs.Data["loan_due"] != nil {
			kinds = append(kinds, Loan)
		}
	case renovationType:
		if cs.State == "accepted" || cs.State == "paid" || cs.State == "closed" {
			kinds = append(kinds, Acceptance)
		}
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	names := map[string][2]string{Handover: {"辅助器具发放签收单", "Device handover receipt"}, Loan: {"辅助器具借用卡", "Device loan card"},
		Acceptance: {"无障碍改造验收单", "Renovation acceptance form"}}
	t := web.Table{ID: "documents", Caption: tr(lang, "打印文书", "Documents to print"), Head: []string{tr(lang, "文书", "Document"), "PDF"}}
	for _, k := range kinds {
		n := tr(lang, names[k][0], names[k][1])
		t.Rows = append(t.Rows, []web.Cell{{Text: n + tr(lang, "（打印）", " (print)"), Href: fmt.Sprintf("/cases/%d/documents/%s", caseID, k)},
			{Text: tr(lang, "下载 PDF", "Download the PDF") + tr(lang, "："+n, ": "+n), Href: fmt.Sprintf("/cases/%d/documents/%s.pdf", caseID, k)}})
	}
	return []web.Table{t}, nil
}

// PersonLinks are the links to a person's documents that can be printed
// now, as the caller may see them: the loan card of each case with a device
// on loan, and the subsidy decision letter when an approved roster pays the
// person. (They go under the person page's loan card and subsidies.)
func (s *Store) PersonLinks(ctx context.Context, c access.Caller, personID int64, lang string) (loans, subsidy []web.Cell, err error) {
	where, args := c.Where("p.id", "p.orgunit")
	var n int64
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM persons p WHERE p.id = ? AND `+where, append([]any{personID}, args...)...).Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("read person %d: %w", personID, err)
	}
	if n == 0 {
		return nil, nil, nil
	}
	cw, cargs := c.CaseWhere("c")
	rows, err := s.db.Query(ctx, `SELECT DISTINCT c.id FROM device_loans l JOIN cases c ON c.id = l.case_id
		WHERE l.person_id = ? AND l.returned_at = 0 AND `+cw+` ORDER BY c.id`, append([]any{personID}, cargs...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("read person %d's loans: %w", personID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return nil, nil, fmt.Errorf("read person %d's loans: %w", personID, err)
		}
		ids = append(ids, id)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read person %d's loans: %w", personID, err)
	}
	for _, id := range ids {
		loans = append(loans, web.Cell{Text: tr(lang, fmt.Sprintf("打印借用卡（个案 %d）", id), fmt.Sprintf("Print the loan card (case %d)", id)),
			Href: fmt.Sprintf("/cases/%d/documents/loan", id)})
	}
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM benefit_roster_rows w JOIN benefit_rosters r ON r.id = w.roster_id
		WHERE w.person_id = ? AND r.state = 'approved'`, personID).Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("read person %d's rosters: %w", personID, err)
	}
	if n > 0 {
		subsidy = []web.Cell{{Text: tr(lang, "打印补贴核定通知书", "Print the subsidy decision letter"), Href: fmt.Sprintf("/persons/%d/documents/subsidy", personID)}}
	}
	return loans, subsidy, nil
}
