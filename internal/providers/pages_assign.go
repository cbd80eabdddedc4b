package providers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

// caseFilter keeps the cases assigned to a contract now.
func caseFilter(contractID int64) casework.Filter {
	return casework.Filter{ContractID: contractID, Limit: 500}
}

// caseRows lists the cases of a filter in the caller's view with their
// persons' names and villages, and the total.
func (pg *Pages) caseRows(r *http.Request, p *web.Principal, f casework.Filter, lang string) ([]caseRow, int, error) {
	cases, total, _, err := pg.Store.cases.List(r.Context(), access.Of(r, p), f)
	if err != nil {
		return nil, 0, err
	}
	out, err := pg.rowsOf(r, p, cases, lang)
	return out, total, err
}

// rowsOf names the persons of cases (one lookup) and their states.
func (pg *Pages) rowsOf(r *http.Request, p *web.Principal, cases []casework.Case, lang string) ([]caseRow, error) {
	ctx, c := r.Context(), access.Of(r, p)
	ids := make([]int64, len(cases))
	for i, cs := range cases {
		ids[i] = cs.PersonID
	}
	labels, err := pg.Registry.Labels(ctx, c, ids, lang)
	if err != nil {
		return nil, err
	}
	out := make([]caseRow, 0, len(cases))
	for _, cs := range cases {
		row := caseRow{ID: cs.ID, TypeName: pg.typeName(cs.ServiceType, lang), StateName: cs.State, Closed: cs.ClosedAt != nil, Overdue: cs.Overdue,
			Person: apperr.T("其他辖区的档案", "Another area's record").In(lang)}
		if t, ok := pg.Store.cases.TypeOf(cs.ServiceType); ok {
			if st, ok := t.StateOf(cs.State); ok {
				row.StateName = apperr.T(st.Zh, st.En).In(lang)
			}
		}
		if l, ok := labels[cs.PersonID]; ok {
			row.Person, row.Village = l.Name, l.Unit
		}
		out = append(out, row)
	}
	return out, nil
}

// CaseExtras is the case page's part of purchased services (set as
// casework.Pages.Extras by the app): the organisation and contract the case
// is assigned to, and for district and town staff a link to assign it (or
// reassign it) when a contract could take it.
func (pg *Pages) CaseExtras(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error) {
	if p.Role == identity.Person || p.Role == identity.Volunteer {
		return nil, nil
	}
	ctx, c := r.Context(), access.Of(r, p)
	t := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := web.Table{ID: "assignment", Caption: t("购买服务", "Purchased service"), Head: []string{t("服务机构", "Organisation"), t("服务合同", "Contract")},
		Empty: t("尚未分配给服务机构。", "Not assigned to an organisation yet.")}
	staff := p.Role != identity.Provider
	if cs.ContractID != 0 {
		pv, err := pg.Store.provider(ctx, cs.ProviderID)
		if err != nil {
			return nil, err
		}
		row := []web.Cell{{Text: pv.Name, Href: fmt.Sprintf("/providers/%d", pv.ID)}, {Text: "—"}}
		if k, err := pg.Store.Contract(ctx, c, cs.ContractID); err == nil {
			row[1] = web.Cell{Text: k.Title, Href: fmt.Sprintf("/contracts/%d", k.ID)}
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return nil, err
		}
		if !staff && pv.ID != p.ProviderID {
			return nil, nil
		}
		tb.Rows = append(tb.Rows, row)
	}
	open := cs.ClosedAt == nil
	if slices.Contains(assigners.Roles, p.Role) && open {
		ks, err := pg.Store.ContractsFor(ctx, c, cs)
		if err != nil {
			return nil, err
		}
		switch {
		case len(ks) == 0 && cs.ContractID == 0:
			return nil, nil
		case cs.ContractID == 0:
			tb.Links = []web.Cell{{Text: t("分配给服务合同", "Assign to a contract"), Href: fmt.Sprintf("/cases/%d/assign", cs.ID)}}
		case len(ks) > 1 || ks[0].ID != cs.ContractID:
			tb.Links = []web.Cell{{Text: t("改派给其他合同", "Reassign to another contract"), Href: fmt.Sprintf("/cases/%d/assign", cs.ID)}}
		}
	} else if cs.ContractID == 0 {
		return nil, nil
	}
	return []web.Table{tb}, nil
}

// contractOption is a contract offered by a picker.
type contractOption struct {
	ID      int64
	Label   string
	Detail  string
	Current bool
	Checked bool
}

func (pg *Pages) contractOptions(list []Contract, current int64, chosen, lang string) []contractOption {
	out := make([]contractOption, 0, len(list))
	for _, k := range list {
		v := strconv.FormatInt(k.ID, 10)
		out = append(out, contractOption{ID: k.ID, Label: k.ProviderName + " · " + k.Title, Current: k.ID == current, Checked: chosen == v,
			Detail: apperr.T(fmt.Sprintf("%d 年度，预算 %s 元，目标 %d 个个案，%d 天内办结", k.Year, money.Grouped(k.BudgetCents), k.TargetCases, k.DueDays),
				fmt.Sprintf("%d, budget %s yuan, %d cases aimed at, closed within %d days", k.Year, money.Grouped(k.BudgetCents), k.TargetCases, k.DueDays)).In(lang)})
	}
	return out
}

type assignData struct {
	Case      casework.Case
	Person    string
	Village   string
	TypeName  string
	StateName string
	Current   string // the organisation and contract now ("" none)
	Contracts []contractOption
	Reason    string
}

func (pg *Pages) assignPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, chosen, reason string, fe *web.FormError) error {
	id, err := web.PathID(r, apperr.ErrNotFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	cs, err := pg.Store.cases.Peek(ctx, c, id)
	if err != nil {
		return err
	}
	page := pg.NewPage(r, p, "")
	rows, err := pg.rowsOf(r, p, []casework.Case{cs}, page.Lang)
	if err != nil {
		return err
	}
	d := assignData{Case: cs, TypeName: rows[0].TypeName, Reason: reason, Person: rows[0].Person, Village: rows[0].Village, StateName: rows[0].StateName}
	list, err := pg.Store.ContractsFor(ctx, c, cs)
	if err != nil {
		return err
	}
	if chosen == "" && cs.ContractID == 0 && len(list) > 0 {
		chosen = strconv.FormatInt(list[0].ID, 10)
	}
	d.Contracts = pg.contractOptions(list, cs.ContractID, chosen, page.Lang)
	if cs.ContractID != 0 {
		for _, k := range d.Contracts {
			if k.Current {
				d.Current = k.Label
			}
		}
		if d.Current == "" {
			if pv, err := pg.Store.provider(ctx, cs.ProviderID); err == nil {
				d.Current = pv.Name
			}
		}
	}
	caseTitle := page.T(fmt.Sprintf("个案 %d", cs.ID), fmt.Sprintf("Case %d", cs.ID))
	page.Title = page.T("分配给服务合同", "Assign to a contract")
	if cs.ContractID != 0 {
		page.Title = page.T("改派服务合同", "Reassign to another contract")
	}
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("个案", "Cases"), Href: "/cases"},
		{Label: caseTitle, Href: fmt.Sprintf("/cases/%d", cs.ID)}, {Label: page.Title}}
	page.Error = fe
	page.Data = d
	return pg.Render(w, r, status, "case_assign.html", page)
}

func (pg *Pages) assignForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.assignPage(w, r, p, http.StatusOK, "", "", nil)
}

func (pg *Pages) assignPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	id, err := web.PathID(r, apperr.ErrNotFound())
	if err != nil {
		return err
	}
	ctx, c, lang := r.Context(), access.Of(r, p), web.PageLang(r)
	chosen, reason := strings.TrimSpace(r.PostFormValue("contract_id")), r.PostFormValue("reason")
	cs, err := pg.Store.cases.Peek(ctx, c, id)
	if err != nil {
		return err
	}
	var fs []apperr.FieldError
	k, perr := strconv.ParseInt(chosen, 10, 64)
	if perr != nil || k <= 0 {
		fs = append(fs, apperr.Field("contract_id", "required", "请选择服务合同。", "Choose a contract."))
	}
	if cs.ContractID != 0 && strings.TrimSpace(reason) == "" {
		fs = append(fs, apperr.Field("reason", "required", "改派时请填写原因。", "Give the reason for the reassignment."))
	}
	if len(fs) == 0 {
		if _, err = pg.Store.Assign(ctx, c, id, AssignInput{ContractID: k, Reason: reason}); err == nil {
			web.Redirect(w, r, fmt.Sprintf("/cases/%d?done=assign", id))
			return nil
		}
	} else {
		err = apperr.Validation(fs...)
	}
	fe := web.FormErrorOf(err, lang)
	if fe == nil {
		return err
	}
	return pg.assignPage(w, r, p, web.Status(apperr.CodeOf(err)), chosen, reason, fe)
}

type bulkRow struct {
	caseRow
	Checked bool
	Error   string
}

type bulkData struct {
	Type      string
	Types     []option
	Rows      []bulkRow
	Total     int
	Contracts []contractOption
	Reason    string
}

func (pg *Pages) bulkPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, typ string, form url.Values, fe *web.FormError) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("批量分配个案", "Assign cases in bulk")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	if form == nil {
		form = url.Values{}
	}
	d := bulkData{Reason: form.Get("reason")}
	for _, o := range pg.serviceOptions(nil, page.Lang) {
		o.Checked = o.Value == typ
		d.Types = append(d.Types, o)
		if o.Checked {
			d.Type = typ
		}
	}
	if d.Type != "" {
		rows, total, err := pg.caseRows(r, p, casework.Filter{ServiceType: d.Type, Open: true, Unassigned: true, Limit: MaxBatch}, page.Lang)
		if err != nil {
			return err
		}
		d.Total = total
		for _, row := range rows {
			br := bulkRow{caseRow: row, Checked: slices.Contains(form["cases"], strconv.FormatInt(row.ID, 10))}
			if fe != nil {
				br.Error = fe.ByField[CaseField(row.ID)]
			}
			d.Rows = append(d.Rows, br)
		}
		list, err := pg.Store.ContractsOfType(r.Context(), access.Of(r, p), d.Type)
		if err != nil {
			return err
		}
		chosen := form.Get("contract_id")
		if chosen == "" && len(list) > 0 {
			chosen = strconv.FormatInt(list[0].ID, 10)
		}
		d.Contracts = pg.contractOptions(list, 0, chosen, page.Lang)
	}
	if n := r.URL.Query().Get("assigned"); n != "" && fe == nil {
		page.Flash = page.T("已分配 "+n+" 个个案。", n+" cases assigned.")
	}
	page.Error = fe
	page.Data = d
	return pg.Render(w, r, status, "assign_bulk.html", page)
}

func (pg *Pages) bulkForm(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	typ := r.URL.Query().Get("type")
	if _, ok := pg.Store.cases.TypeOf(typ); !ok {
		typ = ""
	}
	return pg.bulkPage(w, r, p, http.StatusOK, typ, nil, nil)
}

func (pg *Pages) bulkPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	typ := f.Get("type")
	if _, ok := pg.Store.cases.TypeOf(typ); !ok {
		return apperr.Validation(apperr.Field("type", "unknown", "没有这种服务类型。", "There is no such service type."))
	}
	lang := web.PageLang(r)
	if len(f["cases"]) > MaxBatch {
		return pg.bulkPage(w, r, p, http.StatusUnprocessableEntity, typ, f, web.FormErrorOf(apperr.Validation(apperr.Field("cases", "range",
			fmt.Sprintf("一次最多分配 %d 个个案。", MaxBatch), fmt.Sprintf("At most %d cases at a time.", MaxBatch))), lang))
	}
	var ids []int64
	for _, v := range f["cases"] {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			return apperr.ErrNotFound()
		}
		ids = append(ids, id)
	}
	var k int64
	if v := strings.TrimSpace(f.Get("contract_id")); v != "" {
		var err error
		if k, err = strconv.ParseInt(v, 10, 64); err != nil || k <= 0 {
			k = -1
		}
	}
	var err error
	if k == 0 {
		err = apperr.Validation(apperr.Field("contract_id", "required", "请选择服务合同。", "Choose a contract."))
	} else {
		var out []casework.Case
		out, err = pg.Store.AssignMany(r.Context(), access.Of(r, p), ids, AssignInput{ContractID: k, Reason: f.Get("reason")})
		if err == nil {
			web.Redirect(w, r, fmt.Sprintf("/providers/assign?type=%s&assigned=%d", url.QueryEscape(typ), len(out)))
			return nil
		}
	}
	fe := web.FormErrorOf(err, lang)
	if fe == nil {
		return err
	}
	status := web.Status(apperr.CodeOf(err))
	// A case that does not fit is named by its person, with the reason.
	names, err := pg.caseNames(r, p, ids, lang)
	if err != nil {
		return err
	}
	for i, fd := range fe.Fields {
		if id, ok := strings.CutPrefix(fd.Field, "cases."); ok {
			n, _ := strconv.ParseInt(id, 10, 64)
			fe.Fields[i].Message = names[n] + apperr.T("：", ": ").In(lang) + fd.Message
			fe.ByField[fd.Field] = fe.Fields[i].Message
			fe.Fields[i].Field = "cases-" + id
		}
	}
	if fe.Message == "" || len(fe.Fields) > 0 {
		fe.Message = apperr.T("有个案不能分配给这份合同，没有分配任何个案。", "Some cases cannot go to this contract; no case was assigned.").In(lang)
	}
	return pg.bulkPage(w, r, p, status, typ, f, fe)
}

// caseNames names the cases of ids by their persons ("个案 n" when the
// case or person lies outside the caller's view).
func (pg *Pages) caseNames(r *http.Request, p *web.Principal, ids []int64, lang string) (map[int64]string, error) {
	ctx, c := r.Context(), access.Of(r, p)
	out := map[int64]string{}
	persons := map[int64]int64{}
	var pids []int64
	for _, id := range ids {
		out[id] = apperr.T(fmt.Sprintf("个案 %d", id), fmt.Sprintf("Case %d", id)).In(lang)
		if cs, err := pg.Store.cases.Peek(ctx, c, id); err == nil {
			persons[id] = cs.PersonID
			pids = append(pids, cs.PersonID)
		} else if apperr.CodeOf(err) != apperr.NotFound {
			return nil, err
		}
	}
	labels, err := pg.Registry.Labels(ctx, c, pids, lang)
	if err != nil {
		return nil, err
	}
	for id, pid := range persons {
		if l, ok := labels[pid]; ok {
			out[id] = l.Name + apperr.T("（个案 "+strconv.FormatInt(id, 10)+"）", " (case "+strconv.FormatInt(id, 10)+")").In(lang)
		}
	}
	return out, nil
}
