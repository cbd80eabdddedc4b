package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sunshine/internal/platform/safetext"
	"sync"
	"time"
	"unicode/utf8"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/tabular"
)

// DefaultMaxUpload is the default limit of an uploaded file (50 MB).
const DefaultMaxUpload = 50 << 20

// fRejects is the vault field of the stored rejected rows.
const fRejects = "import_rejects"

// ImportFile imports the file at path ("persons" or "annual").
func (s *Store) ImportFile(ctx context.Context, c Caller, kind, path string, o ImportOptions) (*ImportResult, error) {
	rd, _, err := OpenImportFile(kind, path, o.Sheet)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	switch kind {
	case "persons":
		return s.ImportPersons(ctx, c, rd, o)
	case "annual":
		return s.ImportAnnual(ctx, c, rd, o)
	}
	return nil, apperr.ErrNotFound()
}

// MaxSheetName bounds the name of a sheet asked for (Excel allows 31
// characters).
const MaxSheetName = 100

// OpenImportFile opens a file to import as kind ("persons" or "annual"):
// the sheet named sheet, or else the one whose header names the most of
// kind's columns, and in it the header row among the first rows (a title
// or notes above it are skipped; tabular.Options). Errors are the
// contract's (fileError).
func OpenImportFile(kind, path, sheet string) (*tabular.Table, tabular.Format, error) {
	sheet = strings.TrimSpace(sheet)
	if utf8.RuneCountInString(sheet) > MaxSheetName || safetext.Bad(sheet) {
		return nil, "", apperr.Validation(apperr.Field("sheet", "invalid", fmt.Sprintf("工作表名称最多 %d 个字，且不能含控制字符。", MaxSheetName),
			fmt.Sprintf("A sheet name has at most %d characters and no control characters.", MaxSheetName)))
	}
	cols := PersonColumns()
	if kind == "annual" {
		cols = AnnualColumns()
	}
	t, format, err := tabular.OpenWith(path, tabular.Options{Sheet: sheet, Header: headerScore(cols)})
	if err != nil {
		return nil, "", fileError(err)
	}
	return t, format, nil
}

// fileError turns a tabular error into the contract's statuses.
func fileError(err error) error {
	var se *tabular.SheetError
	switch {
	case errors.As(err, &se):
		return apperr.Validation(apperr.Field("sheet", "not_found",
			fmt.Sprintf("工作簿里没有名为“%s”的工作表。可以导入的工作表：%s。", se.Name, strings.Join(se.Sheets, "、")),
			fmt.Sprintf("The workbook has no sheet named \"%s\". Sheets that can be imported: %s.", se.Name, strings.Join(se.Sheets, ", "))))
	case errors.Is(err, tabular.ErrEncrypted):
		return apperr.New(apperr.Unsupported, "这个工作簿设置了打开密码，无法读取：请在表格软件中取消密码后另存，再导入。",
			"The workbook is protected by a password and cannot be read: remove the password in the spreadsheet program, save it again and import that file.")
	case errors.Is(err, tabular.ErrUnsupported):
		return apperr.New(apperr.Unsupported, "只能导入 CSV 或 Excel 文件（.xlsx 或 Excel 97–2003 的 .xls）。", "Only CSV or Excel files (.xlsx, or .xls of Excel 97–2003) can be imported.")
	case errors.Is(err, tabular.ErrTooLarge):
		return apperr.New(apperr.TooLarge, "文件解压后过大，已拒绝（可能是压缩炸弹）。", "The file expands to too much data and was refused.")
	}
	return apperr.New(apperr.Invalid, "无法读取文件："+err.Error(), "The file cannot be read: "+err.Error())
}

// SaveUpload copies r into a temporary file, at most limit bytes, and returns
// its path and SHA-256. The caller removes the file.
func SaveUpload(r io.Reader, limit int64) (string, string, error) {
	f, err := os.CreateTemp("", "sunshine-import-*")
	if err != nil {
		return "", "", fmt.Errorf("save upload: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d MB 的上限。", limit>>20), fmt.Sprintf("The file is larger than the limit of %d MB.", limit>>20))
	}
	if err != nil {
		_ = os.Remove(f.Name()) // best effort: the upload already failed
		if _, ok := apperr.As(err); ok {
			return "", "", err
		}
		return "", "", fmt.Errorf("save upload: %w", err)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), nil
}

// CountLines counts the lines of a text file (the progress total of a CSV).
func CountLines(path string) int {
	f, err := os.Open(path) // #nosec G304 G703 -- an upload saved by SaveUpload (os.CreateTemp) or a file the operator named to the CLI
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	buf := make([]byte, 256<<10)
	n, last := 0, byte('\n')
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if k > 0 {
			last = buf[k-1] // #nosec G602 -- 0 < k <= len(buf) (io.Reader's contract)
		}
		if err != nil {
			break
		}
	}
	if last != '\n' {
		n++
	}
	return max(0, n-1) // the header
}

// JobStatus is what GET /api/v1/imports/{id} answers.
type JobStatus struct {
	ID        string        `json:"id"`
	Kind      string        `json:"kind"`
	State     string        `json:"state"` // running, done, failed
	RowsDone  int           `json:"rows_done"`
	RowsTotal int           `json:"rows_total"`
	Report    *ImportReport `json:"report,omitempty"`
	Error     string        `json:"error,omitempty"`
	FileName  string        `json:"file_name,omitempty"`
	Created   time.Time     `json:"created_at"`
	username  string
}

// Jobs runs imports in the background and remembers their progress.
type Jobs struct {
	s *Store
	// mu guards live (the progress of running imports) and the statuses in
	// it; it is held only for map and field updates, never across a database
	// call (Begin and Finish write the imports table before or after it).
	mu   sync.Mutex
	live map[string]*JobStatus
	wg   sync.WaitGroup
	// stop ends the sweep for stopped imports (PostgreSQL), swept waits
	// for it.
	stop  context.CancelFunc
	swept sync.WaitGroup
}

// NewJobs returns the import jobs of a store, after recovering the imports
// whose process stopped (recoverImports): on SQLite (one server) every import
// left writing; on PostgreSQL, where other servers may be importing, those
// without a heartbeat for staleAfter, and a sweep keeps looking every minute
// until Close.
func NewJobs(ctx context.Context, s *Store) (*Jobs, error) {
	j := &Jobs{s: s, live: map[string]*JobStatus{}, stop: func() {}}
	before := s.db.Now().Add(-staleAfter)
	if s.db.Dialect == db.SQLite {
		before = s.db.Now().Add(time.Hour) // whatever the clock says
	}
	if err := s.recoverImports(ctx, before); err != nil {
		return nil, fmt.Errorf("recover interrupted imports: %w", err)
	}
	if s.db.Dialect == db.Postgres {
		// The sweep outlives the caller's context (the server's start).
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		j.stop = cancel
		j.swept.Add(1)
		go j.sweep(sctx)
	}
	return j, nil
}

// sweep recovers, every minute, the imports of servers that stopped.
func (j *Jobs) sweep(ctx context.Context) {
	defer j.swept.Done()
	t := time.NewTicker(staleAfter / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = j.s.recoverImports(ctx, j.s.db.Now().Add(-staleAfter)) // tried again at the next tick
		}
	}
}

// Close stops the sweep (Wait waits for the imports running).
func (j *Jobs) Close() {
	j.stop()
	j.swept.Wait()
}

// recoverImports finishes the imports whose last heartbeat is before
// before: a strict one is undone; each gets an audit entry saying how far it
// came and which persons it wrote, and its imports row is marked failed. A
// server claims an import by moving its heartbeat, so only one recovers it.
// Imports of earlier releases (no run row) are recovered as they were: their
// committed batches stay.
func (s *Store) recoverImports(ctx context.Context, before time.Time) error {
	type run struct {
		id, kind, mode, user string
		beat                 int64
	}
	var runs []run
	rows, err := s.db.Query(ctx, `SELECT import_id, kind, mode, username, heartbeat FROM import_runs WHERE heartbeat < ?`, db.Millis(before))
	if err != nil {
		return err
	}
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.id, &r.kind, &r.mode, &r.user, &r.beat); err != nil {
			_ = rows.Close()
			return err
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	recovered := 0
	for _, r := range runs {
		claimed := false
		var created, updated string
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			// The new heartbeat differs from the one read even when the
			// clock has not moved, so that one claim wins.
			res, err := tx.Exec(ctx, `UPDATE import_runs SET heartbeat = ? WHERE import_id = ? AND heartbeat = ?`, max(db.Millis(tx.Now), r.beat+1), r.id, r.beat)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil // another server has it, or it is alive after all
			}
			claimed = true
			created, updated, err = importBatches(ctx, tx, r.id)
			return err
		})
		if err != nil {
			return err
		}
		if !claimed {
			continue
		}
		report, detail := interruptedReport, ""
		if r.mode == ModeStrict {
			kept, err := s.undoImport(ctx, r.id, r.kind)
			if err != nil {
				return err
			}
			report, detail = interruptedStrictReport, fmt.Sprintf(`,"undone":true,"undo_kept":%d`, kept)
		}
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			var file, sum string
			var done, total int
			err := tx.QueryRow(ctx, `SELECT file_name, sha256, rows_done, rows_total FROM imports WHERE id = ?`, r.id).Scan(&file, &sum, &done, &total)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			e := audit.Actor{Username: r.user}.Entry(audit.ActionImport, SubjectImport, r.id, "")
			e.Detail = fmt.Sprintf(`{"kind":%q,"file":%q,"sha256":%q,"mode":%q,"interrupted":true,"rows_done":%d,"rows_total":%d%s,%q:%q,%q:%q}`,
				r.kind, file, sum, r.mode, done, total, detail, importCreated, created, importUpdated, updated)
			for _, q := range []string{`DELETE FROM import_batches WHERE import_id = ?`, `DELETE FROM import_runs WHERE import_id = ?`} {
				if _, err := tx.Exec(ctx, q, r.id); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE imports SET state = 'failed', report = ? WHERE id = ? AND state = 'running'`, report, r.id); err != nil {
				return err
			}
			return audit.Append(ctx, tx, e)
		})
		if err != nil {
			return err
		}
		recovered++
	}
	// What the stopped imports' hooks held back and never applied (BulkHook).
	if r, ok := s.Hook.(RebuildHook); ok && recovered > 0 {
		if _, err := r.Rebuild(ctx); err != nil {
			return fmt.Errorf("rebuild after stopped imports: %w", err)
		}
	}
	return s.recoverLegacy(ctx, before)
}

// recoverLegacy recovers the imports that an earlier release left running
// (imports rows, and committed batches of command-line imports, without a
// run row): their committed batches stay.
func (s *Store) recoverLegacy(ctx context.Context, before time.Time) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, kind, username, file_name, sha256, rows_done, rows_total FROM imports i WHERE state = 'running' AND created_at < ?
				AND NOT EXISTS (SELECT 1 FROM import_runs r WHERE r.import_id = i.id)
			UNION SELECT DISTINCT b.import_id, COALESCE(i.kind, ''), COALESCE(i.username, ''), COALESCE(i.file_name, ''), COALESCE(i.sha256, ''),
				COALESCE(i.rows_done, 0), COALESCE(i.rows_total, 0)
			FROM import_batches b LEFT JOIN imports i ON i.id = b.import_id WHERE (i.id IS NULL OR i.state <> 'running')
				AND NOT EXISTS (SELECT 1 FROM import_runs r WHERE r.import_id = b.import_id)`, db.Millis(before))
		if err != nil {
			return err
		}
		var entries []audit.Entry
		for rows.Next() {
			var id, kind, user, file, sum string
			var done, total int
			if err := rows.Scan(&id, &kind, &user, &file, &sum, &done, &total); err != nil {
				_ = rows.Close()
				return err
			}
			e := audit.Actor{Username: user}.Entry(audit.ActionImport, SubjectImport, id, "")
			e.Detail = fmt.Sprintf(`{"kind":%q,"file":%q,"sha256":%q,"interrupted":true,"rows_done":%d,"rows_total":%d`, kind, file, sum, done, total)
			entries = append(entries, e)
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The persons of the batches committed before the stop (recorded
		// with each batch by the importer).
		for i := range entries {
			created, updated, err := importBatches(ctx, tx, entries[i].SubjectID)
			if err != nil {
				return err
			}
			entries[i].Detail += fmt.Sprintf(`,%q:%q,%q:%q}`, importCreated, created, importUpdated, updated)
			if _, err := tx.Exec(ctx, `DELETE FROM import_batches WHERE import_id = ?`, entries[i].SubjectID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE imports SET state = 'failed', report = ? WHERE id = ? AND state = 'running'`, interruptedReport, entries[i].SubjectID); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, entries...)
	})
}

// importBatches joins the lists of persons created and updated by the
// committed batches of an import.
func importBatches(ctx context.Context, tx *db.Tx, id string) (string, string, error) {
	rows, err := tx.Query(ctx, `SELECT created, updated FROM import_batches WHERE import_id = ? ORDER BY seq`, id)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	var created, updated strings.Builder
	join := func(b *strings.Builder, list string) {
		if b.Len() > 0 {
			list = strings.TrimPrefix(list, ",")
		}
		b.WriteString(list)
	}
	for rows.Next() {
		var c, u string
		if err := rows.Scan(&c, &u); err != nil {
			return "", "", err
		}
		join(&created, c)
		join(&updated, u)
	}
	return created.String(), updated.String(), rows.Err()
}

// interruptedReport is the stored report of a skip-invalid import the server
// stopped in, and interruptedStrictReport of a strict one.
var interruptedReport, interruptedStrictReport = func() (string, string) {
	b, _ := json.Marshal(storedReport{Error: "服务在导入过程中停止，导入未完成；已写入的行保留。请重新导入该文件（已导入的行将显示为未变化）。 / " +
		"The server stopped during the import, which did not finish; rows already written are kept. Import the file again (those rows will show as unchanged)."})
	c, _ := json.Marshal(storedReport{Error: "服务在导入过程中停止，导入未完成；按“全部或全不”模式，已写入的行均已撤销。请重新导入该文件。 / " +
		"The server stopped during the import, which did not finish; as it was all or nothing, the rows it had written were taken back. Import the file again."})
	return string(b), string(c)
}()

// Wait waits for running jobs (graceful shutdown, tests).
func (j *Jobs) Wait() { j.wg.Wait() }

// NewImportID returns a random import id.
func NewImportID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// storedRejection keeps both languages of a rejection in the database.
type storedRejection struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Code   string `json:"code"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
}

type storedReport struct {
	ImportReport
	Rejected []storedRejection `json:"rejected"`
	Notes    []storedNote      `json:"notes,omitempty"`
	Error    string            `json:"error,omitempty"`
}

// storedNote is a Notice in both languages.
type storedNote struct {
	Code string `json:"code"`
	Zh   string `json:"zh"`
	En   string `json:"en"`
}

// Begin records a new import as running.
func (j *Jobs) Begin(ctx context.Context, c Caller, kind string, o ImportOptions, total int) (*JobStatus, error) {
	st := &JobStatus{ID: o.ID, Kind: kind, State: "running", RowsTotal: total, username: c.Actor.Username}
	_, err := j.s.db.Exec(ctx, `INSERT INTO imports (id, kind, username, file_name, sha256, state, rows_total, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`,
		o.ID, kind, c.Actor.Username, o.FileName, o.SHA256, total, db.Millis(j.s.db.Now()))
	if err != nil {
		return nil, fmt.Errorf("record import: %w", err)
	}
	// Its run, from now: no other server takes it for stopped before it starts.
	mode := o.Mode
	if mode == "" {
		mode = ModeStrict
	}
	if err := j.s.beginRun(ctx, o.ID, kind, mode, c.Actor.Username); err != nil {
		return nil, err
	}
	j.mu.Lock()
	j.live[o.ID] = st
	j.mu.Unlock()
	return st, nil
}

// Progress updates the rows done of a running import.
func (j *Jobs) Progress(id string, rows int) {
	j.mu.Lock()
	if st := j.live[id]; st != nil {
		st.RowsDone = rows
		st.RowsTotal = max(st.RowsTotal, rows)
	}
	j.mu.Unlock()
}

// Finish stores the outcome of an import.
func (j *Jobs) Finish(ctx context.Context, id string, res *ImportResult, runErr error) error {
	state, msg := "done", ""
	var report, rejects []byte
	rows := 0
	if runErr != nil {
		state, msg = "failed", runErr.Error()
		if e, ok := apperr.As(runErr); ok {
			msg = e.Msg.Zh + " / " + e.Msg.En
		}
	}
	sr := storedReport{Error: msg}
	if res != nil {
		rows = res.Report.Rows
		sr.ImportReport = res.Report
		for _, r := range res.Report.Rejected {
			sr.Rejected = append(sr.Rejected, storedRejection{r.Row, r.Column, r.Code, r.Msg.Zh, r.Msg.En})
		}
		for _, n := range res.Report.Notes {
			sr.Notes = append(sr.Notes, storedNote{n.Code, n.Msg.Zh, n.Msg.En})
		}
		if len(res.RejectRows) > 0 {
			var buf bytes.Buffer
			errs := make([]string, len(res.RejectErrors))
			for i, e := range res.RejectErrors {
				errs[i] = e.Zh
			}
			if err := tabular.WriteRejects(&buf, "rejected", res.Header, "错误 errors", res.RejectRows, errs); err == nil {
				rejects = j.s.vault.Seal(fRejects, buf.String())
			}
		}
	}
	report, _ = json.Marshal(sr)
	err := j.s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE imports SET state = ?, rows_done = ?, rows_total = ?, report = ?, rejects_enc = ?, finished_at = ? WHERE id = ?`,
			state, rows, rows, string(report), rejects, db.Millis(tx.Now), id); err != nil {
			return err
		}
		// The run ends with the import's summary; one that stopped before it
		// began writing (a bad mode, an unreadable file) ends here. One with
		// batches left to undo stays for recoverImports.
		_, err := tx.Exec(ctx, `DELETE FROM import_runs WHERE import_id = ? AND NOT EXISTS (SELECT 1 FROM import_batches WHERE import_id = ?)`, id, id)
		return err
	})
	j.mu.Lock()
	delete(j.live, id)
	j.mu.Unlock()
	if err != nil {
		return fmt.Errorf("record import outcome: %w", err)
	}
	return nil
}

// Status returns an import of this user (404 for anyone else's).
func (j *Jobs) Status(ctx context.Context, c Caller, id, lang string) (JobStatus, error) {
	j.mu.Lock()
	if st := j.live[id]; st != nil && st.username == c.Actor.Username {
		out := *st
		j.mu.Unlock()
		return out, nil
	}
	j.mu.Unlock()
	var st JobStatus
	var report string
	err := j.s.db.QueryRow(ctx, `SELECT id, kind, state, rows_done, rows_total, report FROM imports WHERE id = ? AND username = ?`,
		id, c.Actor.Username).Scan(&st.ID, &st.Kind, &st.State, &st.RowsDone, &st.RowsTotal, &report)
	if errors.Is(err, sql.ErrNoRows) {
		return JobStatus{}, apperr.ErrNotFound()
	}
	if err != nil {
		return JobStatus{}, fmt.Errorf("import status: %w", err)
	}
	if report != "" && report != "null" {
		var sr storedReport
		if err := json.Unmarshal([]byte(report), &sr); err != nil {
			return JobStatus{}, fmt.Errorf("import report: %w", err)
		}
		st.Error = sr.Error
		if sr.Kind != "" {
			rep := sr.ImportReport
			rep.Rejected = make([]Rejection, len(sr.Rejected))
			for i, r := range sr.Rejected {
				rep.Rejected[i] = Rejection{Row: r.Row, Column: r.Column, Code: r.Code, Msg: apperr.T(r.Zh, r.En)}
			}
			rep.Notes = nil
			for _, n := range sr.Notes {
				rep.Notes = append(rep.Notes, Notice{Code: n.Code, Msg: apperr.T(n.Zh, n.En)})
			}
			rep.Localize(lang)
			st.Report = &rep
		}
	}
	return st, nil
}

// Recent lists the latest imports of this user, newest first.
func (j *Jobs) Recent(ctx context.Context, c Caller, n int) ([]JobStatus, error) {
	rows, err := j.s.db.Query(ctx, `SELECT id, kind, state, rows_done, rows_total, file_name, created_at FROM imports WHERE username = ? ORDER BY created_at DESC LIMIT ?`,
		c.Actor.Username, n)
	if err != nil {
		return nil, fmt.Errorf("recent imports: %w", err)
	}
	defer rows.Close()
	var out []JobStatus
	for rows.Next() {
		var st JobStatus
		var created int64
		if err := rows.Scan(&st.ID, &st.Kind, &st.State, &st.RowsDone, &st.RowsTotal, &st.FileName, &created); err != nil {
			return nil, fmt.Errorf("recent imports: %w", err)
		}
		st.Created = db.FromMillis(created)
		out = append(out, st)
	}
	return out, rows.Err()
}

// Rejects returns the XLSX of rejected rows of an import of this user.
func (j *Jobs) Rejects(ctx context.Context, c Caller, id string) ([]byte, error) {
	var enc []byte
	err := j.s.db.QueryRow(ctx, `SELECT rejects_enc FROM imports WHERE id = ? AND username = ? AND state <> 'running'`, id, c.Actor.Username).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(enc) == 0) {
		return nil, apperr.New(apperr.NotFound, "这次导入没有被拒绝的行。", "This import has no rejected rows.")
	}
	if err != nil {
		return nil, fmt.Errorf("import rejects: %w", err)
	}
	plain, err := j.s.vault.Open(fRejects, enc)
	if err != nil {
		return nil, err
	}
	return []byte(plain), nil
}

// Run imports in the background; the file at path is removed afterwards.
func (j *Jobs) Run(c Caller, kind, path string, o ImportOptions, log func(error)) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer os.Remove(path)
		ctx := context.Background()
		o.Progress = func(rows int) { j.Progress(o.ID, rows) }
		res, err := j.s.ImportFile(ctx, c, kind, path, o)
		if ferr := j.Finish(ctx, o.ID, res, err); ferr != nil && log != nil {
			log(ferr)
		}
	}()
}
