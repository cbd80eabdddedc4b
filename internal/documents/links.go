package documents

import (
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
