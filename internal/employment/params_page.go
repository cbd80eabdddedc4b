package employment

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
)

// hundredths reads a decimal with at most two places as hundredths (a
// percentage as basis points, a multiple as a percentage): digits and a
// point only, no 万 or 元.
func hundredths(field, s, zh, en string) (int, *apperr.FieldError) {
	t := strings.TrimSpace(s)
	if !plainDecimal.MatchString(t) {
		e := apperr.Field(field, "format", zh+"应为不小于 0 的数，最多两位小数："+"“"+t+"”。", en+" is a number, not negative, with at most two decimals: “"+t+"”.")
		return 0, &e
	}
	n, err := money.Parse(t)
	if err != nil || n > 1_000_000_00 {
		e := apperr.Field(field, "range", zh+"超出范围："+"“"+t+"”。", en+" is out of range: “"+t+"”.")
		return 0, &e
	}
	return int(n), nil
}

// plainDecimal is a decimal number with at most two places.
var plainDecimal = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,2})?$`)

// bpText shows basis points as a percentage without trailing zeros (150 → "1.5").
func bpText(bp int) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "0"), "0"), ".")
}

type paramsData struct {
	Year   int
	Form   url.Values
	Params Params
	Saved  bool
}

func paramsForm(p Params) url.Values {
	f := url.Values{
		"quota": {bpText(p.QuotaBP)}, "exempt_max_staff": {strconv.Itoa(p.ExemptMaxStaff)}, "exempt_until_year": {strconv.Itoa(p.ExemptUntilYear)},
		"wage_cap": {bpText(p.WageCapPct)}, "threshold": {bpText(p.ThresholdBP)}, "rate_at_or_above": {bpText(p.RateAtOrAboveBP)},
		"rate_below": {bpText(p.RateBelowBP)}, "social_average_wage": {p.SocialAverageWage},
	}
	if p.DoubleCountSevere {
		f.Set("double_count_severe", "on")
	}
	if p.SocialAverageWageCents == 0 {
		f.Set("social_average_wage", "")
	}
	return f
}

// paramsPage shows the levy parameters of the caller's district for a year.
func (pg *Pages) paramsPage(w http.ResponseWriter, r *http.Request, p *web.Principal, status int, year int, form url.Values, formErr error) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T(fmt.Sprintf("%d 年保障金征收参数", year), fmt.Sprintf("Levy parameters %d", year))
	if formErr != nil {
		if page.Error = web.FormErrorOf(formErr, page.Lang); page.Error == nil {
			return formErr
		}
	}
	cur, err := pg.Store.Params(r.Context(), p.OrgUnit, year)
	if err != nil {
		return err
	}
	if form == nil {
		form = paramsForm(cur)
	}
	page.Crumbs = []web.Crumb{{Label: page.T("首页", "Home"), Href: "/"}, {Label: page.T("保障金统计", "Levy statement"), Href: fmt.Sprintf("/levy/statement?year=%d", year)}, {Label: page.Title}}
	page.Data = paramsData{Year: year, Form: form, Params: cur, Saved: r.URL.Query().Get("saved") == "1"}
	return pg.Render(w, r, status, "levy_params.html", page)
}

func (pg *Pages) params(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	year, err := yearParam(r, pg.Store.ThisYear())
	if err != nil {
		return err
	}
	return pg.paramsPage(w, r, p, http.StatusOK, year, nil, nil)
}

func (pg *Pages) postParams(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	_ = r.ParseForm()
	year, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	if err != nil {
		year = pg.Store.ThisYear()
	}
	in := Params{OrgUnit: district(p.OrgUnit), Year: year, DoubleCountSevere: r.PostFormValue("double_count_severe") == "on"}
	var errs []apperr.FieldError
	for _, f := range []struct {
		name, zh, en string
		dst          *int
	}{
		{"quota", "安排比例", "The quota", &in.QuotaBP}, {"wage_cap", "工资封顶倍数", "The wage cap", &in.WageCapPct},
		{"threshold", "比例界限", "The threshold", &in.ThresholdBP}, {"rate_at_or_above", "达到界限时的征收比例", "The rate at or above the threshold", &in.RateAtOrAboveBP},
		{"rate_below", "低于界限时的征收比例", "The rate below the threshold", &in.RateBelowBP},
	} {
		v, fe := hundredths(f.name, r.PostFormValue(f.name), f.zh, f.en)
		switch {
		case fe != nil:
			errs = append(errs, *fe)
		case v > 10000: // 100% (or 100 times the social average wage)
			errs = append(errs, apperr.Field(f.name, "range", f.zh+"不能超过 100。", f.en+" cannot be more than 100."))
		}
		*f.dst = v
	}
	for _, f := range []struct {
		name, zh, en string
		dst          *int
	}{{"exempt_max_staff", "免征人数上限", "The exemption's staff limit", &in.ExemptMaxStaff}, {"exempt_until_year", "免征截止年份", "The exemption's last year", &in.ExemptUntilYear}} {
		v, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(f.name)))
		if err != nil {
			errs = append(errs, apperr.Field(f.name, "format", f.zh+"应为整数。", f.en+" is a whole number."))
		}
		*f.dst = v
	}
	if s := strings.TrimSpace(r.PostFormValue("social_average_wage")); s != "" {
		cents, fe := ParseMoney("social_average_wage", s)
		if fe != nil {
			errs = append(errs, *fe)
		}
		in.SocialAverageWageCents = cents
	}
	if len(errs) > 0 {
		err = apperr.Validation(errs...)
	} else {
		_, err = pg.Store.SetParams(r.Context(), CallerOf(r, p).Scope, CallerOf(r, p).Actor, in)
	}
	if err != nil {
		return pg.paramsPage(w, r, p, web.Status(apperr.CodeOf(err)), year, r.PostForm, err)
	}
	web.Redirect(w, r, fmt.Sprintf("/levy/params?year=%d&saved=1", year))
	return nil
}
