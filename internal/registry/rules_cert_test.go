package registry

import (
	"testing"
	"time"
)

// TestCertWindowAgreesWithState: the lists' dates (certWindow) count as
// expired, and as expiring within the days, exactly the certificates whose
// state says so, over four years of days and issue dates (29 February
// included, which CertificateExpiry takes to 1 March).
func TestCertWindowAgreesWithState(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := 0; d < 4*366; d++ {
		today := start.AddDate(0, 0, d)
		from, until := certWindow(today, CertificateWarnDays)
		for _, back := range []int{9*365 + 200, 10*365 - 5, 10*365 - 1, 10 * 365, 10*365 + 1, 10*365 + 2, 10*365 + 3, 11 * 365} {
			for _, issue := range []time.Time{today.AddDate(0, 0, -back), time.Date(today.Year()-10, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(today.Year()-10, 2, 28, 0, 0, 0, 0, time.UTC)} {
				issued := issue.Format(time.DateOnly)
				s := CertificateState(issued, today)
				if (issued < from) != s.Expired() || (issued >= from && issued < until) != s.Expiring() {
					t.Fatalf("today %s, issued %s: window [%s, %s), state %+v expired=%v expiring=%v", today.Format(time.DateOnly), issued, from, until, s, s.Expired(), s.Expiring())
				}
			}
		}
	}
}
