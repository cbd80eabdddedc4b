package providers

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the purchased services' page templates.
func Templates() fs.FS { return web.TemplateDir(templatesFS) }

// Pages serves the pages of purchased services: the organisations, the
// contracts with their milestones and cases, and the assignment of cases
// (one from its case page, or several from the open unassigned ones).
type Pages struct {
	Store *Store
	// Registry names the persons of the cases (in the caller's view).
	Registry *registry.Store
	web.Kit
}

// Routes registers the pages.
func (pg *Pages) Routes(rt *web.Router) {
	rt.Page("GET /providers", readers, pg.list)
	rt.Page("GET /providers/new", keepers, pg.newProvider)
	rt.Page("POST /providers", keepers, pg.createProvider)
	rt.Page("GET /providers/assign", assigners, pg.bulkForm)
	rt.Page("POST /providers/assign", assigners, pg.bulkPost)
	rt.Page("GET /providers/{id}", readers, pg.show)
	rt.Page("GET /contracts", readers, pg.contracts)
	rt.Page("GET /contracts/new", keepers, pg.newContract)
	rt.Page("POST /contracts", keepers, pg.createContract)
	rt.Page("GET /contracts/{id}", readers, pg.contract)
	rt.Page("POST /contracts/{id}/milestones/{seq}/release", keepers, pg.release)
	rt.Page("GET /cases/{id}/assign", assigners, pg.assignForm)
	rt.Page("POST /cases/{id}/assign", assigners, pg.assignPost)
}

func crumbs(page *web.Page, more ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("购买服务", "Purchased services"), Href: "/providers"}}, more...)
}

// cst is the time of Shanghai, in which the pages give dates.
var cst = time.FixedZone("CST", 8*3600)

// badForm is the error of a form that cannot be read.
func badForm() error {
	return apperr.Validation(apperr.Field("form", "invalid", "表单无法读取。", "The form could not be read."))
}

// formError localizes err for a form whose inputs are named by rename (an
// indexed field of the API, "services[2]", is the one input "services").
func formError(err error, lang string, rename func(string) string) *web.FormError {
	fe := web.FormErrorOf(err, lang)
	if fe == nil || rename == nil {
		return fe
	}
	by := map[string]string{}
	var out []web.FieldDetail
	for _, f := range fe.Fields {
		f.Field = rename(f.Field)
		if _, dup := by[f.Field]; dup {
			continue
		}
		by[f.Field] = f.Message
		out = append(out, f)
	}
	fe.Fields, fe.ByField = out, by
	return fe
}

// listField is the input of an indexed field: "services[2]" is "services".
func listField(f string) string {
	if i := strings.IndexByte(f, '['); i > 0 && !strings.HasPrefix(f, "milestones[") {
		return f[:i]
	}
	if strings.HasPrefix(f, "milestones[") { // milestones[1].amount → ms-amount-1
		rest := strings.TrimPrefix(f, "milestones[")
		n, part, ok := strings.Cut(rest, "].")
		if ok {
			return "ms-" + part + "-" + n
		}
	}
	return f
}

// kindName names a kind of provider.
func kindName(kind, lang string) string {
	if kind == Hub {
		return apperr.T("枢纽机构", "Hub").In(lang)
	}
	return apperr.T("成员机构", "Member").In(lang)
}

// typeName names a service type (its code when unknown).
func (pg *Pages) typeName(code, lang string) string {
	if t, ok := pg.Store.cases.TypeOf(code); ok {
		return t.Name(lang)
	}
	return code
}

// providerView is an organisation as the pages show it: names, not codes.
type providerView struct {
	Provider
	KindName     string
	HubName      string
	ServiceNames []string
	TownNames    []string
	UnitName     string
}

func (pg *Pages) views(ctx context.Context, list []Provider, all []Provider, lang string) ([]providerView, error) {
	var codes []string
	for _, p := range list {
		codes = append(codes, p.OrgUnit)
		codes = append(codes, p.Towns...)
	}
	names, err := pg.Store.units.Labels(ctx, codes, lang)
	if err != nil {
		return nil, err
	}
	hubs := map[int64]string{}
	for _, p := range all {
		hubs[p.ID] = p.Name
	}
	out := make([]providerView, 0, len(list))
	for _, p := range list {
		v := providerView{Provider: p, KindName: kindName(p.Kind, lang), HubName: hubs[p.HubID], UnitName: names[p.OrgUnit]}
		if p.HubID != 0 && v.HubName == "" {
			if hub, err := pg.Store.provider(ctx, p.HubID); err == nil {
				v.HubName = hub.Name
			}
		}
		for _, s := range p.Services {
			v.ServiceNames = append(v.ServiceNames, pg.typeName(s, lang))
		}
		for _, t := range p.Towns {
			n := names[t]
			if n == "" {
				n = t
			}
			v.TownNames = append(v.TownNames, n)
		}
		out = append(out, v)
	}
	return out, nil
}

type listData struct {
	Items     []providerView
	CanCreate bool
	CanAssign bool
	IsStaff   bool
}

func (pg *Pages) list(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.NewPage(r, p, "")
	page.Title = page.T("购买服务", "Purchased services")
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.Title}}
	list, err := pg.Store.Providers(ctx, c)
	if err != nil {
		return err
	}
	items, err := pg.views(ctx, list, list, page.Lang)
	if err != nil {
		return err
	}
	if q := r.URL.Query().Get("created"); q != "" {
		page.Flash = page.T("服务机构已登记："+q, "The organisation is registered: "+q)
	}
	page.Data = listData{Items: items, CanCreate: slices.Contains(keepers.Roles, p.Role), CanAssign: slices.Contains(assigners.Roles, p.Role),
		IsStaff: p.Role != identity.Provider}
	return pg.Render(w, r, http.StatusOK, "providers.html", page)
}

type option struct {
	Value, Label string
	Checked      bool
}

type providerForm struct {
	Form     url.Values
	Kinds    []option
	Hubs     []option
	Services []option
	Towns    []option
	Places   []orgunit.PickGroup
	Unit     string
}

// serviceOptions are the service types a provider may offer or a contract
// buy (not those opened from their own link), ticked when in chosen.
func (pg *Pages) serviceOptions(chosen []string, lang string) []option {
	var out []option
	for _, t := range pg.Store.cases.Types() {
		if t.OwnEntry {
			continue
		}
		out = append(out, option{Value: t.Code, Label: t.Name(lang), Checked: slices.Contains(chosen, t.Code)})
	}
	return out
}

func (pg *Pages) providerPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, formErr error) error {
	ctx := r.Context()
	page := pg.NewPage(r, p, "")
	page.Title = page.T("登记服务机构", "Register an organisation")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	sc := orgunit.ScopeOf(p.OrgUnit)
	if form == nil {
		form = url.Values{"kind": {Member}, "orgunit": {p.OrgUnit}}
	}
	d := providerForm{Form: form, Unit: form.Get("orgunit")}
	for _, k := range []string{Member, Hub} {
		d.Kinds = append(d.Kinds, option{Value: k, Label: kindName(k, page.Lang), Checked: form.Get("kind") == k})
	}
	all, err := pg.Store.Providers(ctx, access.Of(r, p))
	if err != nil {
		return err
	}
	for _, h := range all {
		if h.Kind == Hub {
			d.Hubs = append(d.Hubs, option{Value: strconv.FormatInt(h.ID, 10), Label: h.Name, Checked: form.Get("hub_id") == strconv.FormatInt(h.ID, 10)})
		}
	}
	d.Services = pg.serviceOptions(form["services"], page.Lang)
	towns, err := pg.Store.units.InScope(ctx, orgunit.ScopeOf(p.OrgUnit[:min(6, len(p.OrgUnit))]), 3)
	if err != nil {
		return err
	}
	for _, t := range towns {
		d.Towns = append(d.Towns, option{Value: t.Code, Label: t.Label(page.Lang), Checked: slices.Contains(form["towns"], t.Code)})
	}
	if d.Places, err = pg.Store.units.Picker(ctx, sc, page.Lang, false, d.Unit); err != nil {
		return err
	}
	if formErr != nil {
		page.Error = formError(formErr, page.Lang, listField)
	}
	page.Data = d
	return pg.Render(w, r, status, "provider_new.html", page)
}

func (pg *Pages) newProvider(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.providerPage(w, r, p, http.StatusOK, nil, nil)
}

func (pg *Pages) createProvider(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	f := r.PostForm
	in := ProviderInput{Name: f.Get("name"), USCC: f.Get("uscc"), OrgUnit: f.Get("orgunit"), Kind: f.Get("kind"),
		Services: f["services"], Towns: f["towns"], ContactName: f.Get("contact_name"), ContactPhone: f.Get("contact_phone")}
	if len(in.Services) > 50 || len(in.Towns) > 50 {
		return badForm()
	}
	if h := strings.TrimSpace(f.Get("hub_id")); h != "" && in.Kind != Hub {
		id, err := strconv.ParseInt(h, 10, 64)
		if err != nil || id <= 0 {
			return pg.providerPage(w, r, p, http.StatusUnprocessableEntity, f,
				apperr.Validation(apperr.Field("hub_id", "not_hub", "所选的枢纽机构不存在或不是枢纽。", "The hub chosen is not a hub organisation.")))
		}
		in.HubID = id
	}
	out, err := pg.Store.CreateProvider(r.Context(), access.Of(r, p), in)
	if err != nil {
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
		return pg.providerPage(w, r, p, web.Status(apperr.CodeOf(err)), f, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/providers/%d?created=1", out.ID))
	return nil
}

// contractRow is a contract as a list shows it.
type contractRow struct {
	Contract
	TypeName string
	UnitName string
	Budget   string
	Cases    int
}

func (pg *Pages) contractRows(r *http.Request, p *web.Principal, list []Contract, lang string) ([]contractRow, error) {
	ctx := r.Context()
	var codes []string
	for _, k := range list {
		codes = append(codes, k.OrgUnit)
	}
	names, err := pg.Store.units.Labels(ctx, codes, lang)
	if err != nil {
		return nil, err
	}
	out := make([]contractRow, 0, len(list))
	for _, k := range list {
		row := contractRow{Contract: k, TypeName: pg.typeName(k.ServiceType, lang), UnitName: names[k.OrgUnit],
			Budget: apperr.T(money.Grouped(k.BudgetCents)+" 元", money.Grouped(k.BudgetCents)+" yuan").In(lang)}
		if row.Cases, err = pg.Store.cases.Count(ctx, access.Of(r, p), caseFilter(k.ID)); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

type showData struct {
	P         providerView
	Accounts  int
	Members   []providerView
	Contracts []contractRow
	IsStaff   bool
}

func (pg *Pages) show(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, providerNotFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.NewPage(r, p, "")
	pv, err := pg.Store.Provider(ctx, c, id)
	if err != nil {
		return err
	}
	views, err := pg.views(ctx, []Provider{pv}, nil, page.Lang)
	if err != nil {
		return err
	}
	d := showData{P: views[0], IsStaff: p.Role != identity.Provider}
	if d.Accounts, err = pg.Store.Accounts(ctx, id); err != nil {
		return err
	}
	if pv.Kind == Hub {
		all, err := pg.Store.Providers(ctx, c)
		if err != nil {
			return err
		}
		var members []Provider
		for _, m := range all {
			if m.HubID == id {
				members = append(members, m)
			}
		}
		if d.Members, err = pg.views(ctx, members, all, page.Lang); err != nil {
			return err
		}
	}
	all, err := pg.Store.Contracts(ctx, c, 0)
	if err != nil {
		return err
	}
	var mine []Contract
	for _, k := range all {
		if k.ProviderID == id {
			mine = append(mine, k)
		}
	}
	if d.Contracts, err = pg.contractRows(r, p, mine, page.Lang); err != nil {
		return err
	}
	page.Title = pv.Name
	page.Crumbs = crumbs(page, web.Crumb{Label: page.Title})
	if r.URL.Query().Get("created") != "" {
		page.Flash = page.T("服务机构已登记。", "The organisation is registered.")
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "provider.html", page)
}

type contractsData struct {
	Year      int
	Years     []int
	Rows      []contractRow
	CanCreate bool
}

func (pg *Pages) contracts(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	this := pg.Store.db.Now().Year()
	year := this
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return apperr.Validation(apperr.Field("year", "invalid", "年度应为四位数字。", "The year is four digits."))
		}
		year = n
	}
	page := pg.NewPage(r, p, "")
	page.Title = page.T(fmt.Sprintf("%d 年度服务合同", year), fmt.Sprintf("Contracts of %d", year))
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("服务合同", "Contracts")})
	list, err := pg.Store.Contracts(r.Context(), access.Of(r, p), year)
	if err != nil {
		return err
	}
	d := contractsData{Year: year, Years: []int{this + 1, this, this - 1, this - 2}, CanCreate: slices.Contains(keepers.Roles, p.Role)}
	if d.Rows, err = pg.contractRows(r, p, list, page.Lang); err != nil {
		return err
	}
	page.Data = d
	return pg.Render(w, r, http.StatusOK, "contracts.html", page)
}

// milestoneRows is how many milestone rows the new contract form offers.
const milestoneRows = 4

type contractForm struct {
	Form       url.Values
	Providers  []option
	Services   []option
	Places     []orgunit.PickGroup
	Unit       string
	Milestones []int
}

func (pg *Pages) contractPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, form url.Values, fe *web.FormError) error {
	ctx := r.Context()
	page := pg.NewPage(r, p, "")
	page.Title = page.T("新建服务合同", "New contract")
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("服务合同", "Contracts"), Href: "/contracts"}, web.Crumb{Label: page.Title})
	if form == nil {
		form = url.Values{"year": {strconv.Itoa(pg.Store.db.Now().Year())}, "orgunit": {p.OrgUnit}, "target_satisfaction": {"4.5"},
			"provider_id": {r.URL.Query().Get("provider")}}
	}
	d := contractForm{Form: form, Unit: form.Get("orgunit")}
	all, err := pg.Store.Providers(ctx, access.Of(r, p))
	if err != nil {
		return err
	}
	for _, pv := range all {
		v := strconv.FormatInt(pv.ID, 10)
		d.Providers = append(d.Providers, option{Value: v, Label: pv.Name, Checked: form.Get("provider_id") == v})
	}
	d.Services = pg.serviceOptions([]string{form.Get("service_type")}, page.Lang)
	if d.Places, err = pg.Store.units.Picker(ctx, orgunit.ScopeOf(p.OrgUnit), page.Lang, false, d.Unit); err != nil {
		return err
	}
	for i := range milestoneRows {
		d.Milestones = append(d.Milestones, i)
	}
	page.Error = fe
	page.Data = d
	return pg.Render(w, r, status, "contract_new.html", page)
}

func (pg *Pages) newContract(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.contractPage(w, r, p, http.StatusOK, nil, nil)
}

// contractInput reads the new contract form: amounts in yuan, numbers that
// cannot be read are field errors.
func contractInput(f url.Values) (ContractInput, []apperr.FieldError) {
	in := ContractInput{ServiceType: f.Get("service_type"), Title: f.Get("title"), OrgUnit: f.Get("orgunit")}
	var fs []apperr.FieldError
	num := func(field, zh, en string) int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			fs = append(fs, apperr.Field(field, "invalid", zh+"应为整数。", en+" must be a whole number."))
			return 0
		}
		return n
	}
	in.ProviderID = int64(num("provider_id", "服务机构", "The provider"))
	if in.ProviderID == 0 && len(fs) == 0 {
		fs = append(fs, apperr.Field("provider_id", "required", "请选择服务机构。", "Choose the provider."))
	}
	in.Year = num("year", "年度", "The year")
	in.TargetCases = num("target_cases", "目标个案数", "The target number of cases")
	in.DueDays = num("due_days", "办结时限", "The days to close a case")
	if v := strings.TrimSpace(f.Get("target_satisfaction")); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			fs = append(fs, apperr.Field("target_satisfaction", "invalid", "满意度目标应为 1 至 5 的数字。", "The satisfaction aimed at is a number from 1 to 5."))
		} else {
			in.TargetSatisfaction = x
		}
	}
	budget := money.Field{Name: "budget", Zh: "预算", En: "The budget", Max: MaxBudgetCents}
	if cents, given, bad := budget.Read(f.Get("budget")); bad != nil {
		fs = append(fs, *bad)
	} else if !given {
		fs = append(fs, apperr.Field("budget", "required", "请填写预算（元）。", "Enter the budget (yuan)."))
	} else {
		in.Budget = cents
	}
	for i := range milestoneRows {
		title, amount := strings.TrimSpace(f.Get(fmt.Sprintf("ms-title-%d", i))), f.Get(fmt.Sprintf("ms-amount-%d", i))
		if title == "" && strings.TrimSpace(amount) == "" {
			continue
		}
		mf := money.Field{Name: fmt.Sprintf("ms-amount-%d", i), Zh: "付款金额", En: "The payment", Max: MaxBudgetCents}
		cents, given, bad := mf.Read(amount)
		switch {
		case bad != nil:
			fs = append(fs, *bad)
		case !given:
			fs = append(fs, apperr.Field(fmt.Sprintf("ms-amount-%d", i), "required", "请填写付款金额（元）。", "Enter the payment (yuan)."))
		}
		in.Milestones = append(in.Milestones, MilestoneInput{Title: title, AmountCents: cents})
	}
	return in, fs
}

func (pg *Pages) createContract(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	if err := r.ParseForm(); err != nil {
		return badForm()
	}
	in, fs := contractInput(r.PostForm)
	// The form's milestone rows are numbered from 0 with blanks left out;
	// the store's errors count the milestones given.
	var rows []int
	for i := range milestoneRows {
		if strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("ms-title-%d", i))) != "" || strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("ms-amount-%d", i))) != "" {
			rows = append(rows, i)
		}
	}
	rename := func(f string) string {
		f = listField(f)
		for _, part := range []string{"ms-title-", "ms-amount-"} {
			if n, err := strconv.Atoi(strings.TrimPrefix(f, part)); strings.HasPrefix(f, part) && err == nil && n < len(rows) {
				return part + strconv.Itoa(rows[n])
			}
		}
		if f == "milestones" {
			return "ms-amount-0"
		}
		return f
	}
	var err error
	if len(fs) > 0 {
		err = apperr.Validation(fs...)
	} else {
		var out Contract
		if out, err = pg.Store.CreateContract(r.Context(), access.Of(r, p), in); err == nil {
			web.Redirect(w, r, fmt.Sprintf("/contracts/%d?created=1", out.ID))
			return nil
		}
		if web.FormErrorOf(err, web.PageLang(r)) == nil {
			return err
		}
	}
	lang := web.PageLang(r)
	fe := formError(err, lang, rename)
	if len(fs) > 0 { // the form's own errors name the rows already
		fe = formError(err, lang, listField)
	}
	return pg.contractPage(w, r, p, web.Status(apperr.CodeOf(err)), r.PostForm, fe)
}

type milestoneRow struct {
	Milestone
	Amount     string
	ReleasedBy string
	ReleasedOn string
}

type caseRow struct {
	ID        int64
	Person    string
	Village   string
	TypeName  string
	StateName string
	Closed    bool
	Overdue   bool
}

type contractData struct {
	K          contractRow
	Milestones []milestoneRow
	Cases      []caseRow
	Total      int
	Released   string
	CanRelease bool
	CanAssign  bool
	IsStaff    bool
}

func (pg *Pages) contract(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	return pg.contractShow(w, r, p, http.StatusOK, nil)
}

func (pg *Pages) contractShow(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, fe *web.FormError) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	ctx, c := r.Context(), access.Of(r, p)
	page := pg.NewPage(r, p, "")
	k, err := pg.Store.Contract(ctx, c, id)
	if err != nil {
		return err
	}
	rows, err := pg.contractRows(r, p, []Contract{k}, page.Lang)
	if err != nil {
		return err
	}
	d := contractData{K: rows[0], CanRelease: slices.Contains(keepers.Roles, p.Role), CanAssign: slices.Contains(assigners.Roles, p.Role),
		IsStaff: p.Role != identity.Provider}
	var who []string
	for _, m := range k.Milestones {
		who = append(who, m.ReleasedBy)
	}
	actors, err := identity.DescribeActors(ctx, pg.Store.db, who, page.Lang)
	if err != nil {
		return err
	}
	var released int64
	for _, m := range k.Milestones {
		row := milestoneRow{Milestone: m, Amount: page.T(money.Grouped(m.AmountCents)+" 元", money.Grouped(m.AmountCents)+" yuan")}
		if m.Released {
			released += m.AmountCents
			row.ReleasedBy = actors[m.ReleasedBy].Words("", page.Lang)
			row.ReleasedOn = time.UnixMilli(m.ReleasedAt).In(cst).Format(time.DateOnly)
		}
		d.Milestones = append(d.Milestones, row)
	}
	d.Released = page.T(money.Grouped(released)+" 元", money.Grouped(released)+" yuan")
	if d.Cases, d.Total, err = pg.caseRows(r, p, caseFilter(id), page.Lang); err != nil {
		return err
	}
	page.Title = k.Title
	page.Crumbs = crumbs(page, web.Crumb{Label: page.T("服务合同", "Contracts"), Href: fmt.Sprintf("/contracts?year=%d", k.Year)}, web.Crumb{Label: page.Title})
	q := r.URL.Query()
	switch {
	case q.Get("created") != "":
		page.Flash = page.T("服务合同已建立。", "The contract is created.")
	case q.Get("released") != "":
		page.Flash = page.T("付款节点已拨付。", "The payment milestone is released.")
	}
	page.Error = fe
	page.Data = d
	return pg.Render(w, r, status, "contract.html", page)
}

func (pg *Pages) release(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil || seq < 1 || seq > MaxMilestones {
		return milestoneNotFound()
	}
	if _, err := pg.Store.ReleaseMilestone(r.Context(), access.Of(r, p), id, seq); err != nil {
		if apperr.CodeOf(err) != apperr.Conflict {
			return err
		}
		fe := web.FormErrorOf(err, web.PageLang(r))
		fe.Fields = []web.FieldDetail{{Field: fmt.Sprintf("release-%d", seq), Code: "conflict", Message: fe.Message}}
		fe.ByField[fmt.Sprintf("release-%d", seq)] = fe.Message
		return pg.contractShow(w, r, p, http.StatusConflict, fe)
	}
	web.Redirect(w, r, fmt.Sprintf("/contracts/%d?released=%d", id, seq))
	return nil
}
