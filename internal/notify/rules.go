package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sunshine/internal/platform/db"
)

// China is the time zone of the reminders' days.
var China = time.FixedZone("CST", 8*3600)

// Today is the day (midnight UTC of the date in China) of a moment.
func Today(now time.Time) time.Time {
	t := now.In(China)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Notice is a notification a rule makes for one recipient. Its Key makes
// it once: (rule, subject, due date or threshold, recipient).
type Notice struct {
	Kind    string
	Subject string // what it is about: "person:12", "loan:7:wheelchair", …
	Due     string // the due date or threshold it is for (YYYY-MM-DD)
	UserID  int64
	Params  map[string]string
	Link    string
	OrgUnit string
}

// Key is the notice's dedupe key.
func (n Notice) Key() string {
	return n.Kind + "|" + n.Subject + "|" + n.Due + "|" + strconv.FormatInt(n.UserID, 10)
}

// Recipient is a user who may be notified.
type Recipient struct {
	ID       int64
	Role     string
	OrgUnit  string
	PersonID int64
}

// Directory is who is notified about what: the active users, looked up
// by what the rules need.
type Directory struct {
	// Persons are the person accounts of a person; Assistants the village
	// assistants of a village; ByName the users by user name (case owners);
	// Volunteers the volunteer accounts of a volunteer.
	Persons    map[int64][]int64
	Assistants map[string][]int64
	ByName     map[string]int64
	Volunteers map[int64][]int64
}

// loadDirectory reads the active users once per run.
func (s *Store) loadDirectory(ctx context.Context) (Directory, error) {
	d := Directory{Persons: map[int64][]int64{}, Assistants: map[string][]int64{}, ByName: map[string]int64{}, Volunteers: map[int64][]int64{}}
	err := s.each(ctx, `SELECT id, username, role, orgunit, COALESCE(person_id, 0), COALESCE(volunteer_id, 0) FROM users WHERE state = 'active'`, nil, func(sc scanner) error {
		var id, person, volunteer int64
		var name, role, unit string
		if err := sc.Scan(&id, &name, &role, &unit, &person, &volunteer); err != nil {
			return err
		}
		d.ByName[name] = id
		switch role {
		case "person":
			if person != 0 {
				d.Persons[person] = append(d.Persons[person], id)
			}
		case "village_assistant":
			d.Assistants[unit] = append(d.Assistants[unit], id)
		case "volunteer":
			if volunteer != 0 {
				d.Volunteers[volunteer] = append(d.Volunteers[volunteer], id)
			}
		}
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("read users: %w", err)
	}
	return d, nil
}

// ---- pure rules ----

// CertRow is an active person's certificate.
type CertRow struct {
	PersonID int64
	OrgUnit  string
	Issued   string // YYYY-MM-DD
}

// CertThreshold is the reminder a certificate issued on issued is due for
// on today: KindCert30 within 30 days of its expiry (valid 10 years),
// KindCert90 within 90; "" otherwise (expired, or further away).
func CertThreshold(issued string, today time.Time) (kind, expires string) {
	d, err := time.Parse(time.DateOnly, issued)
	if err != nil {
		return "", ""
	}
	exp := d.AddDate(10, 0, 0)
	days := int(exp.Sub(Today(today)).Hours() / 24)
	switch {
	case days < 0:
		return "", ""
	case days <= 30:
		return KindCert30, exp.Format(time.DateOnly)
	case days <= 90:
		return KindCert90, exp.Format(time.DateOnly)
	}
	return "", ""
}

// CertNotices: the person and their village's assistants, once per
// threshold (90, then 30 days) of each expiry.
func CertNotices(rows []CertRow, dir Directory, now time.Time) []Notice {
	var out []Notice
	for _, r := range rows {
		kind, exp := CertThreshold(r.Issued, now)
		if kind == "" {
			continue
		}
		subj := "person:" + strconv.FormatInt(r.PersonID, 10)
		p := map[string]string{"date": exp}
		for _, u := range dir.Persons[r.PersonID] {
			out = append(out, Notice{Kind: kind, Subject: subj, Due: exp, UserID: u, Params: p, Link: "/me", OrgUnit: r.OrgUnit})
		}
		for _, u := range dir.Assistants[r.OrgUnit] {
			out = append(out, Notice{Kind: kind, Subject: subj, Due: exp, UserID: u, Params: p, Link: "/persons/" + strconv.FormatInt(r.PersonID, 10), OrgUnit: r.OrgUnit})
		}
	}
	return out
}

// LoanRow is a device not returned.
type LoanRow struct {
	CaseID   int64
	Code     string
	PersonID int64
	OrgUnit  string
	Due      string // YYYY-MM-DD
	Owner    string // the case's creator
}

// LoanStage is the reminder a loan due on due is for on today: overdue
// after the day, due within 14 days; "" otherwise.
func LoanStage(due string, today time.Time) string {
	d, err := time.Parse(time.DateOnly, due)
	if err != nil {
		return ""
	}
	days := int(d.Sub(Today(today)).Hours() / 24)
	switch {
	case days < 0:
		return KindLoanOverdue
	case days <= 14:
		return KindLoanDue
	}
	return ""
}

// LoanNotices: the person, the village's assistants and the case owner.
func LoanNotices(rows []LoanRow, dir Directory, now time.Time) []Notice {
	var out []Notice
	for _, r := range rows {
		kind := LoanStage(r.Due, now)
		if kind == "" {
			continue
		}
		subj := "loan:" + strconv.FormatInt(r.CaseID, 10) + ":" + r.Code
		p := map[string]string{"date": r.Due}
		caseLink := "/cases/" + strconv.FormatInt(r.CaseID, 10)
		for _, u := range dir.Persons[r.PersonID] {
			out = append(out, Notice{Kind: kind, Subject: subj, Due: r.Due, UserID: u, Params: p, Link: "/me", OrgUnit: r.OrgUnit})
		}
		for _, u := range staffOf(dir, r.OrgUnit, r.Owner) {
			out = append(out, Notice{Kind: kind, Subject: subj, Due: r.Due, UserID: u, Params: p, Link: caseLink, OrgUnit: r.OrgUnit})
		}
	}
	return out
}

// staffOf are the village's assistants and the owner, each once.
func staffOf(dir Directory, unit, owner string) []int64 {
	out := append([]int64(nil), dir.Assistants[unit]...)
	if id, ok := dir.ByName[owner]; ok && owner != "" {
		seen := false
		for _, x := range out {
			seen = seen || x == id
		}
		if !seen {
			out = append(out, id)
		}
	}
	return out
}

// CaseRow is an open case with a due time.
type CaseRow struct {
	ID          int64
	OrgUnit     string
	ServiceType string
	State       string
	DueAt       time.Time
	Owner       string
}

// CaseNotices: a case past its due time in its state (KindCaseOverdue), and
// an employment placement's follow-up due within 14 days (KindFollowUp), to
// the case owner and the village's assistants, once per state and due day.
func CaseNotices(rows []CaseRow, dir Directory, now time.Time) []Notice {
	var out []Notice
	for _, r := range rows {
		due := Today(r.DueAt).Format(time.DateOnly)
		var kind string
		switch {
		case !r.DueAt.After(now):
			kind = KindCaseOverdue
		case r.ServiceType == "employment" && (r.State == "placed" || r.State == "followed_3m") && r.DueAt.Sub(now) <= 14*24*time.Hour:
			kind = KindFollowUp
		default:
			continue
		}
		subj := "case:" + strconv.FormatInt(r.ID, 10) + ":" + r.State
		for _, u := range staffOf(dir, r.OrgUnit, r.Owner) {
			out = append(out, Notice{Kind: kind, Subject: subj, Due: due, UserID: u, Params: map[string]string{"date": due},
				Link: "/cases/" + strconv.FormatInt(r.ID, 10), OrgUnit: r.OrgUnit})
		}
	}
	return out
}

// TaskRow is a volunteer's sign-up for a task.
type TaskRow struct {
	TaskID      int64
	Title       string
	OrgUnit     string
	StartsAt    time.Time
	VolunteerID int64
	Owner       string
}

// TaskNotices: the volunteers signed up for a task that starts tomorrow
// (in China), and the task's owner, once per task and day.
func TaskNotices(rows []TaskRow, dir Directory, now time.Time) []Notice {
	tomorrow := Today(now).AddDate(0, 0, 1)
	var out []Notice
	owners := map[int64]bool{}
	for _, r := range rows {
		day := Today(r.StartsAt)
		if !day.Equal(tomorrow) {
			continue
		}
		d := day.Format(time.DateOnly)
		subj := "task:" + strconv.FormatInt(r.TaskID, 10)
		p := map[string]string{"date": d, "title": r.Title}
		for _, u := range dir.Volunteers[r.VolunteerID] {
			out = append(out, Notice{Kind: KindTaskTomorrow, Subject: subj, Due: d, UserID: u, Params: p, Link: "/my/tasks/" + strconv.FormatInt(r.TaskID, 10), OrgUnit: r.OrgUnit})
		}
		if id, ok := dir.ByName[r.Owner]; ok && !owners[r.TaskID] {
			owners[r.TaskID] = true
			out = append(out, Notice{Kind: KindTaskTomorrow, Subject: subj, Due: d, UserID: id, Params: p, Link: "/volunteer-tasks/" + strconv.FormatInt(r.TaskID, 10), OrgUnit: r.OrgUnit})
		}
	}
	return out
}

// CampaignRow counts a campaign's persons of one village not yet reached.
type CampaignRow struct {
	ID      int64
	Name    string
	Year    int
	Village string
	Open    int
}

// CampaignNotices: from 1 November of a campaign's year, the assistants of
// each village with persons not reached, once per campaign and village.
func CampaignNotices(rows []CampaignRow, dir Directory, now time.Time) []Notice {
	var out []Notice
	today := Today(now)
	for _, r := range rows {
		from := time.Date(r.Year, time.November, 1, 0, 0, 0, 0, time.UTC)
		if r.Open <= 0 || today.Before(from) || today.Year() != r.Year {
			continue
		}
		due := from.Format(time.DateOnly)
		subj := "campaign:" + strconv.FormatInt(r.ID, 10) + ":" + r.Village
		p := map[string]string{"n": strconv.Itoa(r.Open), "title": r.Name}
		for _, u := range dir.Assistants[r.Village] {
			out = append(out, Notice{Kind: KindCampaignOpen, Subject: subj, Due: due, UserID: u, Params: p, Link: "/campaigns/" + strconv.FormatInt(r.ID, 10), OrgUnit: r.Village})
		}
	}
	return out
}

// ---- reading the other modules' tables ----

// gather reads the rows of every rule and makes their notices.
func (s *Store) gather(ctx context.Context, now time.Time) ([]Notice, error) {
	dir, err := s.loadDirectory(ctx)
	if err != nil {
		return nil, err
	}
	today := Today(now)
	var out []Notice

	// Certificates: valid 10 years; those expiring within 90 days.
	lo := today.AddDate(-10, 0, -1).Format(time.DateOnly)
	hi := today.AddDate(-10, 0, 91).Format(time.DateOnly)
	var certs []CertRow
	err = s.each(ctx, `SELECT id, orgunit, certificate_issued FROM persons WHERE status = 'active' AND certificate_issued >= ? AND certificate_issued <= ?`,
		[]any{lo, hi}, func(sc scanner) error {
			var r CertRow
			err := sc.Scan(&r.PersonID, &r.OrgUnit, &r.Issued)
			certs = append(certs, r)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	out = append(out, CertNotices(certs, dir, now)...)

	// Loans not returned, due within 14 days or overdue.
	var loans []LoanRow
	err = s.each(ctx, `SELECT l.case_id, l.code, l.person_id, p.orgunit, l.due_date, c.created_by FROM device_loans l
		JOIN persons p ON p.id = l.person_id JOIN cases c ON c.id = l.case_id
		WHERE l.returned_at = 0 AND l.due_date <= ?`, []any{today.AddDate(0, 0, 14).Format(time.DateOnly)}, func(sc scanner) error {
		var r LoanRow
		err := sc.Scan(&r.CaseID, &r.Code, &r.PersonID, &r.OrgUnit, &r.Due, &r.Owner)
		loans = append(loans, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loans: %w", err)
	}
	out = append(out, LoanNotices(loans, dir, now)...)

	// Open cases due within 14 days (follow-ups) or overdue.
	var cases []CaseRow
	err = s.each(ctx, `SELECT id, orgunit, service_type, state, due_at, created_by FROM cases WHERE closed_at = 0 AND due_at > 0 AND due_at <= ?`,
		[]any{db.Millis(now.Add(14 * 24 * time.Hour))}, func(sc scanner) error {
			var r CaseRow
			var due int64
			err := sc.Scan(&r.ID, &r.OrgUnit, &r.ServiceType, &r.State, &due, &r.Owner)
			r.DueAt = db.FromMillis(due)
			cases = append(cases, r)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	out = append(out, CaseNotices(cases, dir, now)...)

	// Volunteer tasks starting tomorrow (China time).
	from := today.AddDate(0, 0, 1).Add(-8 * time.Hour)
	var tasks []TaskRow
	err = s.each(ctx, `SELECT t.id, t.title, t.orgunit, t.starts_at, s.volunteer_id, t.owner FROM volunteer_signups s
		JOIN volunteer_tasks t ON t.id = s.task_id
		WHERE s.cancelled_at = 0 AND t.state <> 'cancelled' AND t.starts_at >= ? AND t.starts_at < ?`,
		[]any{db.Millis(from), db.Millis(from.Add(24 * time.Hour))}, func(sc scanner) error {
			var r TaskRow
			var starts int64
			err := sc.Scan(&r.TaskID, &r.Title, &r.OrgUnit, &starts, &r.VolunteerID, &r.Owner)
			r.StartsAt = db.FromMillis(starts)
			tasks = append(tasks, r)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("volunteer tasks: %w", err)
	}
	out = append(out, TaskNotices(tasks, dir, now)...)

	// Campaigns of this year, from 1 November: persons not reached, by village.
	if today.Month() >= time.November {
		var camps []CampaignRow
		err = s.each(ctx, `SELECT c.id, c.name, c.year, p.orgunit, count(*) FROM campaigns c
			JOIN campaign_persons cp ON cp.campaign_id = c.id JOIN persons p ON p.id = cp.person_id
			WHERE c.year = ? AND cp.done_on = '' AND p.status = 'active'
			GROUP BY c.id, c.name, c.year, p.orgunit`, []any{today.Year()}, func(sc scanner) error {
			var r CampaignRow
			err := sc.Scan(&r.ID, &r.Name, &r.Year, &r.Village, &r.Open)
			camps = append(camps, r)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("campaigns: %w", err)
		}
		out = append(out, CampaignNotices(camps, dir, now)...)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

// each runs a query and calls fn for each row.
func (s *Store) each(ctx context.Context, q string, args []any, fn func(scanner) error) error {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// batchSize is how many notices one transaction writes.
var batchSize = 200

// Generated counts what a run of the rules made.
type Generated struct {
	Notices       int `json:"notices"`       // the rules' notices, made before or now
	Notifications int `json:"notifications"` // new notifications
	Deliveries    int `json:"deliveries"`    // new outbox rows
}

// Generate runs the rules on now and writes their notifications that do
// not exist yet, with an outbox row for each channel the recipient chose,
// in batches of one transaction each: a run stopped mid-way keeps the
// batches it wrote, and a run again makes the rest (never one twice).
func (s *Store) Generate(ctx context.Context, now time.Time) (Generated, error) {
	notices, err := s.gather(ctx, now)
	if err != nil {
		return Generated{}, err
	}
	g := Generated{Notices: len(notices)}
	for start := 0; start < len(notices); start += batchSize {
		if err := ctx.Err(); err != nil {
			return g, fmt.Errorf("generate notifications: %w", err)
		}
		batch := notices[start:min(start+batchSize, len(notices))]
		var made, sends int
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			made, sends = 0, 0
			for _, n := range batch {
				m, d, err := s.insert(ctx, tx, n, now)
				if err != nil {
					return err
				}
				made += m
				sends += d
			}
			if s.afterBatch != nil {
				return s.afterBatch(start)
			}
			return nil
		})
		if err != nil {
			return g, err
		}
		g.Notifications += made
		g.Deliveries += sends
	}
	return g, nil
}

// insert writes one notice unless its key exists, and its outbox rows.
func (s *Store) insert(ctx context.Context, tx *db.Tx, n Notice, now time.Time) (made, sends int, err error) {
	params, err := json.Marshal(n.Params)
	if err != nil {
		return 0, 0, fmt.Errorf("notification params: %w", err)
	}
	res, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, dedupe, kind, params, link, orgunit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedupe) DO NOTHING`, n.UserID, n.Key(), n.Kind, string(params), n.Link, n.OrgUnit, db.Millis(now))
	if err != nil {
		return 0, 0, fmt.Errorf("write notification: %w", err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return 0, 0, fmt.Errorf("write notification: %w", err)
	} else if k == 0 {
		return 0, 0, nil // made before
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM notifications WHERE dedupe = ?`, n.Key()).Scan(&id); err != nil {
		return 0, 0, fmt.Errorf("read notification: %w", err)
	}
	channel := ChannelApp // no choice made: in the app only
	err = tx.QueryRow(ctx, `SELECT channel FROM notify_prefs WHERE user_id = ?`, n.UserID).Scan(&channel)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("read notification settings: %w", err)
	}
	if channel != ChannelSMS && channel != ChannelEmail {
		return 1, 0, nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO notify_outbox (notification_id, channel, orgunit, next_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (notification_id, channel) DO NOTHING`, id, channel, n.OrgUnit, db.Millis(now), db.Millis(now), db.Millis(now)); err != nil {
		return 0, 0, fmt.Errorf("write delivery: %w", err)
	}
	return 1, 1, nil
}
