package registry

import (
	"fmt"
	"time"

	"sunshine/internal/platform/apperr"
)

// CertificateWarnDays is how many days before its expiry a certificate is
// flagged as expiring soon (the home page's count, the lists' flag).
const CertificateWarnDays = 90

// CertState is how a certificate stands on a day (DOMAIN.md §1.2: valid
// CertificateValidYears from issue). The zero value: unknown (no issue date).
type CertState struct {
	Expires string // YYYY-MM-DD, the last day it is valid; "" when unknown
	// Days counts from the day asked about to the expiry: 0 on the last
	// valid day, negative once it has expired (-3: expired 3 days ago).
	Days int
}

// CertificateState is the state on today (a date; its time of day is
// ignored) of a certificate issued on issued (YYYY-MM-DD).
func CertificateState(issued string, today time.Time) CertState {
	exp := CertificateExpiry(issued)
	if exp == "" {
		return CertState{}
	}
	e, _ := time.Parse(time.DateOnly, exp)
	d := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return CertState{Expires: exp, Days: int(e.Sub(d).Hours() / 24)}
}

// Known reports whether the issue date, and so the expiry, is known.
func (s CertState) Known() bool { return s.Expires != "" }

// Expired reports whether the certificate is no longer valid.
func (s CertState) Expired() bool { return s.Known() && s.Days < 0 }

// Expiring reports whether the certificate is still valid but expires
// within CertificateWarnDays.
func (s CertState) Expiring() bool {
	return s.Known() && s.Days >= 0 && s.Days <= CertificateWarnDays
}

// Flag is the words that flag an expired or soon-expiring certificate in
// lang ("" when neither): a text, never a colour only.
func (s CertState) Flag(lang string) string {
	days := func(n int) string {
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	switch {
	case s.Expired():
		return apperr.T(fmt.Sprintf("残疾证已过期 %d 天", -s.Days), "Certificate expired "+days(-s.Days)+" ago").In(lang)
	case s.Expiring() && s.Days == 0:
		return apperr.T("残疾证今天到期", "Certificate expires today").In(lang)
	case s.Expiring():
		return apperr.T(fmt.Sprintf("残疾证 %d 天后到期", s.Days), "Certificate expires in "+days(s.Days)).In(lang)
	}
	return ""
}

// CertFlag is a person's certificate flag on the day the record was read,
// in lang ("" when it is neither expired nor expiring soon; only active
// persons are flagged).
func (p Person) CertFlag(lang string) string {
	if p.Status != "active" {
		return ""
	}
	return p.Cert.Flag(lang)
}

// CertExpired reports whether an active person's certificate has expired.
func (p Person) CertExpired() bool { return p.Status == "active" && p.Cert.Expired() }

// certWindow gives the issue dates (YYYY-MM-DD) of the certificates that
// are valid on today and expire within days: issued on or after from (an
// earlier issue has expired) and before until.
func certWindow(today time.Time, days int) (from, until string) {
	d := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return firstValidIssue(d).Format(time.DateOnly), firstValidIssue(d.AddDate(0, 0, days+1)).Format(time.DateOnly)
}

// firstValidIssue is the earliest issue date of a certificate still valid
// on day (CertificateExpiry on or after it): ten years before, or 29
// February when that expires on 1 March.
func firstValidIssue(day time.Time) time.Time {
	x := day.AddDate(-CertificateValidYears, 0, 0)
	if prev := x.AddDate(0, 0, -1); prev.Month() == time.February && prev.Day() == 29 {
		return prev
	}
	return x
}
