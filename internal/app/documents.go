package app

import (
	"context"
	"net/http"

	"sunshine/internal/access"

	"sunshine/internal/benefits"
	"sunshine/internal/casework"
	"sunshine/internal/documents"
	"sunshine/internal/employment"
	"sunshine/internal/platform/module"
	"sunshine/internal/platform/money"
	"sunshine/internal/platform/web"
	"sunshine/internal/registry"
)

// documentsModule is the printable documents, given the benefits' names and
// the employment levy (documents imports neither module).
func (a *App) documentsModule() module.Module {
	return a.Documents.Module(documents.Config{BenefitName: benefits.BenefitName, Levy: a.levyFigures})
}

// caseDocuments adds the case's printable documents to its page.
func (a *App) caseDocuments(r *http.Request, p *web.Principal, cs casework.Case, lang string) ([]web.Table, error) {
	return a.Documents.CaseLinks(r, p, cs.ID, lang)
}

// levyFigures computes an employer's levy as the levy page does (scope,
// audit and all) for the levy statement.
func (a *App) levyFigures(r *http.Request, p *web.Principal, id int64, year int) (documents.LevyFigures, error) {
	l, err := a.Employment.Levy(r.Context(), employment.CallerOf(r, p), id, year)
	if err != nil {
		return documents.LevyFigures{}, err
	}
	wage, err := money.Amount(l.AverageWage)
	if err != nil {
		return documents.LevyFigures{}, err
	}
	res := l.Result
	return documents.LevyFigures{EmployerID: l.EmployerID, Employer: l.Name, OrgUnit: l.OrgUnit, Year: l.Year, Staff: l.Staff,
		AverageWageCents: wage, RequiredU: res.RequiredU, CountedU: res.CountedU, Employees: res.Employees, Severe: res.Severe,
		ShortPeople: res.ShortPeople, WageBaseCents: res.WageBase, GrossCents: res.Gross, DueCents: res.Due, RateBP: res.RateBP,
		QuotaBP: l.Params.QuotaBP, Exempt: res.Exempt, AtOrAboveRate: res.AtOrAbove}, nil
}

// withDocuments adds, under the first table of a person page's section, the
// links to the person's documents that belong there (loans: the loan cards;
// else the subsidy decision letter).
func (a *App) withDocuments(sec registry.Section, loans bool) registry.Section {
	return func(ctx context.Context, c access.Caller, personID int64, lang string) ([]web.Table, error) {
		tables, err := sec(ctx, c, personID, lang)
		if err != nil || len(tables) == 0 {
			return tables, err
		}
		l, s, err := a.Documents.PersonLinks(ctx, c, personID, lang)
		if err != nil {
			return nil, err
		}
		if !loans {
			l = s
		}
		tables[0].Links = append(tables[0].Links, l...)
		return tables, nil
	}
}
