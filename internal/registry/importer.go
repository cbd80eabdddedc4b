package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/tabular"
)

// RowSource is a stream of file rows (tabular.Reader satisfies it). Row gives
// the 1-based line of the row last returned, the header being row 1.
type RowSource interface {
	Header() []string
	Next() ([]string, error)
	Row() int
}

// Import modes (CONTRACT.md).
const (
	ModeStrict      = "strict"
	ModeSkipInvalid = "skip-invalid"
)

// Rejection is one reason a row was refused.
type Rejection struct {
	Row     int         `json:"row"`
	Column  string      `json:"column"`
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Msg     apperr.Text `json:"-"`
}

// ImportReport is the outcome of an import (CONTRACT.md), plus details.
type ImportReport struct {
	ID             string      `json:"id,omitempty"`
	Kind           string      `json:"kind"`
	Mode           string      `json:"mode"`
	Year           int         `json:"year,omitempty"`
	FileName       string      `json:"file_name,omitempty"`
	Rows           int         `json:"rows"`
	Created        int         `json:"created"`
	Updated        int         `json:"updated"`
	Unchanged      int         `json:"unchanged"`
	RejectedRows   int         `json:"rejected_rows"`
	Rejected       []Rejection `json:"rejected"`
	UnknownColumns []string    `json:"unknown_columns,omitempty"`
	Truncated      bool        `json:"truncated,omitempty"` // more rejections than maxRejections
	// Sheet is the sheet of a workbook that was read, Sheets every sheet
	// that could have been (visible ones), when there are several.
	Sheet  string   `json:"sheet,omitempty"`
	Sheets []string `json:"sheets,omitempty"`
	// HeaderRow is the row of the header when it is not the first row;
	// SkippedRows are the non-empty rows above it (a title, notes).
	HeaderRow   int      `json:"header_row,omitempty"`
	SkippedRows []int    `json:"skipped_rows,omitempty"`
	Notes       []Notice `json:"notes,omitempty"`
}

// Notice tells how the file was read, without rejecting anything: which
// sheet, which row was taken as the header.
type Notice struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Msg     apperr.Text `json:"-"`
}

// Localize fills the messages in the language.
func (r *ImportReport) Localize(lang string) {
	for i := range r.Rejected {
		r.Rejected[i].Message = r.Rejected[i].Msg.In(lang)
	}
	for i := range r.Notes {
		r.Notes[i].Message = r.Notes[i].Msg.In(lang)
	}
}

// sheetSource tells which sheet and header row of a workbook a source
// read (tabular.Table does).
type sheetSource interface {
	Sheet() string
	Sheets() []string
	HeaderRow() int
	Skipped() []int
}

// noteLayout notes in the report how the file was read: the sheet, when
// the workbook has several, and the header row, when rows above it were
// skipped.
func (r *ImportReport) noteLayout(src RowSource) {
	ss, ok := src.(sheetSource)
	if !ok {
		return
	}
	r.Sheet = ss.Sheet()
	if sheets := ss.Sheets(); len(sheets) > 1 {
		r.Sheets = sheets
		var others []string
		for _, n := range sheets {
			if n != r.Sheet {
				others = append(others, n)
			}
		}
		r.Notes = append(r.Notes, Notice{Code: "sheet", Msg: apperr.T(
			fmt.Sprintf("读取了工作表“%s”。工作簿里还有：%s；要导入其中一个，请在上传时填写它的名称。", r.Sheet, strings.Join(others, "、")),
			fmt.Sprintf("The sheet \"%s\" was read. The workbook also has: %s; to import one of them, give its name when you upload.", r.Sheet, strings.Join(others, ", ")))})
	}
	if skipped := ss.Skipped(); len(skipped) > 0 {
		r.HeaderRow, r.SkippedRows = ss.HeaderRow(), skipped
		rows := rowList(skipped)
		r.Notes = append(r.Notes, Notice{Code: "header_row", Msg: apperr.T(
			fmt.Sprintf("表头在第 %d 行；上面的第 %s 行（标题或说明）不是数据，没有导入。", r.HeaderRow, rows),
			fmt.Sprintf("The header is row %d; %s above it (a title or notes) %s.", r.HeaderRow, rowsAre(skipped, rows), notImported(skipped)))})
	}
}

// rowsAre writes "row 3" or "rows 1–2" (English) for rows, listed as list.
func rowsAre(rows []int, list string) string {
	if len(rows) == 1 {
		return "row " + list
	}
	return "rows " + list
}

// notImported says of rows that they are not data and were not imported.
func notImported(rows []int) string {
	if len(rows) == 1 {
		return "is not data and was not imported"
	}
	return "are not data and were not imported"
}

// noteRowsEn says in English that rows hold only a note.
func noteRowsEn(rows []int, list string) string {
	if len(rows) == 1 {
		return "Row " + list + " holds only a note (such as 填表人： or 合计), not data; it was not imported."
	}
	return "Rows " + list + " hold only a note each (such as 填表人： or 合计), not data; they were not imported."
}

// rowList writes row numbers briefly: "1", "1–2", "1, 3".
func rowList(rows []int) string {
	if len(rows) > 1 && rows[len(rows)-1]-rows[0] == len(rows)-1 {
		return fmt.Sprintf("%d–%d", rows[0], rows[len(rows)-1])
	}
	parts := make([]string, len(rows))
	for i, n := range rows {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// Failed reports whether any row was rejected.
func (r *ImportReport) Failed() bool { return r.RejectedRows > 0 }

// maxRejections bounds the rejections listed in a report; counts stay exact.
const maxRejections = 20000

// maxRejectRows bounds the rejected rows kept for the download of rejects.
const maxRejectRows = 50000

// ImportOptions steer an import.
type ImportOptions struct {
	Mode     string
	Year     int // annual imports
	ID       string
	FileName string
	SHA256   string
	// Progress is called after each batch with the rows read so far.
	Progress func(rows int)
	// KeepRejects keeps the cells of rejected rows for the rejects download.
	KeepRejects bool
	// BatchRows, when set, is the rows of each batch (BatchSize unless set).
	BatchRows int
	// Sheet names the sheet of a workbook to import (OpenImportFile).
	Sheet string
}

// ImportResult is the report plus the rejected rows, for the download.
type ImportResult struct {
	Report       ImportReport
	Header       []string
	RejectRows   [][]string
	RejectErrors []apperr.Text
}

// BatchSize is the number of rows validated and written together, in one
// transaction (ImportOptions.BatchRows unless set). Reads do not wait for
// an import's batches on either engine (on SQLite, their audit entries go
// to the queue while an import runs: audit.Log.Bulk), so a batch is large:
// each commit of a batch rewrites the pages it touched (the blind index's
// random leaves) into SQLite's write-ahead log, and on PostgreSQL costs a
// round trip. 100,000 persons on SQLite, BenchmarkImport100k: 500 rows a
// batch 6.5k rows/s, 2,000 15.4k, 5,000 17–21k; on PostgreSQL 5,000 rows
// imported 2.4 times as fast as 500. Other writes wait for the batch in
// progress (on SQLite, a quarter of a second).
const BatchSize = 5000

// yieldLimit bounds how long an import's next batch lets audited reads,
// and the move of their queued entries into the log, go first (SQLite:
// audit.Log.Yield).
const yieldLimit = 30 * time.Millisecond

// flushRows is how much of what an import's batches derived (the indicator
// rollups, BulkHook) each batch applies, of what the batches before it
// held back; at the end, the rest is applied drainRows at a time. Figures
// lag behind the import's persons until then.
const (
	flushRows = 300
	drainRows = 1000
)

type rowWork struct {
	row   int
	cells []string
	in    PersonInput
	errs  []apperr.FieldError
	norm  Normalized
	bidx  []byte
	old   *stored
	ann   Annual
	oldA  *Annual
	act   int   // actCreate…
	vals  []any // the insert values of a new person, encrypted
	conv  bool  // the file gave a legacy 15-digit ID number
	// broken is a row that could not be read as cells (tabular.RowError):
	// rejected with errs, never prepared.
	broken bool
	// kinds are what the file's cells held (tabular.Kind; nil: all text),
	// lost the columns that tidyRow rejected (importcells.go).
	kinds []tabular.Kind
	lost  []int
	// typed are the cells as the file gave them, when tidyRow changed
	// any (nil otherwise: cells are).
	typed []string
}

// kindSource gives the kinds of the cells of the row last read
// (tabular.Table does).
type kindSource interface {
	Kinds() []tabular.Kind
}

// badCell is the index of the first cell with text that safetext refuses,
// or -1.
func badCell(cells []string) int {
	for i, c := range cells {
		if safetext.Bad(c) {
			return i
		}
	}
	return -1
}

// rowReadError says why a row could not be read as cells.
func rowReadError(re *tabular.RowError) apperr.FieldError {
	var fc *tabular.FieldCountError
	if errors.As(re.Err, &fc) {
		return apperr.Field("", "field_count", fmt.Sprintf("该行有 %d 个字段，而表头有 %d 列：请检查是否多了或少了分隔符（逗号）。", fc.Got, fc.Want),
			fmt.Sprintf("The row has %d fields and the header %d columns: check for a missing or extra separator (comma).", fc.Got, fc.Want))
	}
	return apperr.Field("", "quote", "该行的引号没有成对闭合（文件可能在引号中间被截断）：请在表格软件中重新保存文件。",
		"A quote in this row is not closed (the file may have been cut in the middle of a quoted field): save the file again from the spreadsheet program.")
}

const (
	actReject = iota
	actCreate
	actUpdate
	actUnchanged
)

// importer holds the state of one import.
type importer struct {
	s      *Store
	c      Caller
	o      ImportOptions
	cols   []Column
	fields []string          // field of each file column ("" for unknown)
	header map[string]string // field → header as written
	units  map[string]int    // org unit code → level
	seen   map[[16]byte]int  // blind index → first row (duplicates in the file)
	res    *ImportResult
	// created and updated list the persons (of annual records, for an annual
	// import) that the import wrote in committed transactions, as an export
	// lists its persons: its summary audit entry holds them, and each
	// person's access log finds it by ExportMention (one entry per import,
	// not one per row).
	created, updated exported
	// batchCreated and batchUpdated are the persons of the batch being
	// written, moved to created and updated once its transaction commits.
	batchCreated, batchUpdated []int64
	batchSeq                   int
	// undo is what the batch being written changed (strict mode).
	undo      undoRecord
	batchRows int
	// wctx is the context of the import's writes: the hooks hold back
	// what they derive (BulkHook) until a flush.
	wctx context.Context
	// refused are the audit entries of rows whose ID number is registered
	// outside the caller's area (appended by concurrent validation).
	refusedMu  sync.Mutex
	refused    []audit.Entry
	changedIDs []int64   // persons written in the current batch (for the change hook)
	now        time.Time // the time written on every row of the import

	// villages finds the caller's villages by name (importnames.go).
	villages villageIndex
	// noteRows are the rows that hold only a note (noteRow), skipped;
	// written by the batch producer, read once it has stopped.
	noteRows []int
}

// noteRow reports whether a row holds only a note — "填表人：张三",
// "注：…", "合计 12 人" — rather than data: one non-empty cell, in any
// column, with a colon or starting with a word of notes and totals (which
// no ID number, name or code does). Such rows stand below the data of many
// registers.
func (im *importer) noteRow(cells []string) bool {
	text, at := "", -1
	for i, c := range cells {
		if strings.TrimSpace(c) != "" {
			if at >= 0 {
				return false
			}
			text, at = strings.TrimSpace(c), i
		}
	}
	if at < 0 {
		return false
	}
	if strings.ContainsAny(text, ":：") {
		return true
	}
	for _, w := range []string{"注", "备注", "说明", "合计", "总计", "小计", "共计"} {
		if strings.HasPrefix(text, w) {
			return true
		}
	}
	return false
}

func (im *importer) reject(w *rowWork) {
	r := &im.res.Report
	r.RejectedRows++
	seenField := map[string]bool{}
	var texts []string
	for _, e := range w.errs {
		if seenField[e.Field] {
			continue
		}
		seenField[e.Field] = true
		col := im.header[e.Field]
		if col == "" {
			col = e.Field
		}
		if len(r.Rejected) < maxRejections {
			r.Rejected = append(r.Rejected, Rejection{Row: w.row, Column: col, Code: e.Code, Msg: e.Msg})
		} else {
			r.Truncated = true
		}
		texts = append(texts, col+"："+e.Msg.Zh+" / "+e.Msg.En)
	}
	if im.o.KeepRejects && len(im.res.RejectRows) < maxRejectRows {
		cells := w.cells
		if w.typed != nil {
			cells = w.typed
		}
		im.res.RejectRows = append(im.res.RejectRows, cells)
		im.res.RejectErrors = append(im.res.RejectErrors, apperr.T(strings.Join(texts, "；"), ""))
	}
}

func newImporter(s *Store, c Caller, o ImportOptions, kind string, cols []Column, src RowSource) (*importer, error) {
	if o.Mode == "" {
		o.Mode = ModeStrict
	}
	if o.ID == "" {
		o.ID = NewImportID()
	}
	if o.BatchRows <= 0 || o.BatchRows > 50000 {
		o.BatchRows = BatchSize
	}
	if o.Mode != ModeStrict && o.Mode != ModeSkipInvalid {
		return nil, apperr.Validation(apperr.Field("mode", "invalid", "导入模式应为 strict（全部或全不）或 skip-invalid（跳过错误行）。",
			"The mode must be strict (all or nothing) or skip-invalid (skip bad rows)."))
	}
	im := &importer{s: s, c: c, o: o, batchRows: o.BatchRows, cols: cols, header: map[string]string{}, seen: map[[16]byte]int{}, now: s.db.Now(),
		res: &ImportResult{Report: ImportReport{ID: o.ID, Kind: kind, Mode: o.Mode, Year: o.Year, FileName: o.FileName, Rejected: []Rejection{}}}}
	im.res.Header = src.Header()
	im.res.Report.noteLayout(src)
	var dup []string
	im.fields, im.res.Report.UnknownColumns, dup = headerMap(src.Header(), cols)
	for i, f := range im.fields {
		if f != "" {
			im.header[f] = src.Header()[i]
		}
	}
	for _, h := range dup {
		im.res.Report.RejectedRows++
		im.res.Report.Rejected = append(im.res.Report.Rejected, Rejection{Row: headerRow(src), Column: h, Code: "duplicate_column",
			Msg: apperr.T("该列在表头中出现了两次。", "This column appears twice in the header.")})
	}
	if im.header["id_number"] == "" {
		im.res.Report.RejectedRows++
		im.res.Report.Rejected = append(im.res.Report.Rejected, Rejection{Row: headerRow(src), Column: "身份证号", Code: "missing_column",
			Msg: missingIDColumn(len(im.header) == 0)})
	}
	units, err := s.unitLevels(context.Background())
	if err != nil {
		return nil, err
	}
	im.units = units
	return im, nil
}

// missingIDColumn says that the file has no ID number column; noHeader:
// no row near the top names any known column.
func missingIDColumn(noHeader bool) apperr.Text {
	if noHeader {
		return apperr.T(fmt.Sprintf("找不到表头：前 %d 行里没有一行写着“身份证号”“姓名”等列名，无法识别每一行对应的人。", tabular.HeaderSearchRows),
			fmt.Sprintf("No header found: none of the first %d rows names columns such as id_number (身份证号) or name (姓名), so rows cannot be matched to persons.", tabular.HeaderSearchRows))
	}
	return apperr.T("缺少“身份证号”列（id_number），无法识别每一行对应的人。", "The id_number (身份证号) column is missing, so rows cannot be matched to persons.")
}

// headerRow is the row of src's header: 1 unless the source says.
func headerRow(src RowSource) int {
	if ss, ok := src.(sheetSource); ok && ss.HeaderRow() > 0 {
		return ss.HeaderRow()
	}
	return 1
}

// unitLevels loads every org unit's level (thousands of rows at most).
func (s *Store) unitLevels(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `SELECT code, level FROM orgunits`)
	if err != nil {
		return nil, fmt.Errorf("load org units: %w", err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var code string
		var level int
		if err := rows.Scan(&code, &level); err != nil {
			return nil, fmt.Errorf("load org units: %w", err)
		}
		m[code] = level
	}
	return m, rows.Err()
}

func (im *importer) unitErrors(code string) []apperr.FieldError {
	level, ok := im.units[code]
	switch {
	case code == "":
		return nil
	case !ok:
		return []apperr.FieldError{apperr.Field("orgunit", "not_found", "所属村居代码不存在："+code, "No org unit has the code "+code)}
	case level != 4:
		return []apperr.FieldError{apperr.Field("orgunit", "level", "残疾人应登记在村（居）委会一级（第4级）单位。",
			"A person belongs to a village or residential committee (a level-4 unit).")}
	case !im.c.Scope.Contains(code):
		return []apperr.FieldError{apperr.Field("orgunit", "scope", "该村居不在您的管辖范围内。", "This unit is outside your area.")}
	}
	return nil
}

// run reads every row, validating and writing in batches of BatchSize rows,
// one transaction each, so that no read or other write waits long behind an
// import. Skip-invalid mode writes the valid rows of every batch; strict mode
// writes until a row is rejected, and then undoes what it wrote (undo.go).
func (im *importer) run(ctx context.Context, src RowSource, prepare func([]*rowWork) error, write func(*db.Tx, []*rowWork) error) (*ImportResult, error) {
	rep := &im.res.Report
	headerBroken := rep.RejectedRows > 0
	readBatch := func() ([]*rowWork, error) {
		var batch []*rowWork
		for len(batch) < im.batchRows {
			cells, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var re *tabular.RowError
			if errors.As(err, &re) {
				batch = append(batch, &rowWork{row: re.Row, broken: true, errs: []apperr.FieldError{rowReadError(re)}})
				continue
			}
			if err != nil {
				return nil, apperr.New(apperr.Invalid, fmt.Sprintf("第 %d 行之后无法读取文件：%v", src.Row(), err),
					fmt.Sprintf("The file cannot be read after row %d: %v", src.Row(), err))
			}
			if col := badCell(cells); col >= 0 {
				field := fmt.Sprintf("#%d", col+1) // the column's number, when it has no name
				if h := src.Header(); col < len(h) && h[col] != "" {
					field = h[col]
				}
				if col < len(im.fields) && im.fields[col] != "" {
					field = im.fields[col]
				}
				batch = append(batch, &rowWork{row: src.Row(), broken: true, errs: []apperr.FieldError{apperr.Field(field, "control_character",
					"单元格含有不可见的控制字符，请删除后重新保存文件。", "The cell holds an invisible control character; remove it and save the file again.")}})
				continue
			}
			if im.noteRow(cells) {
				im.noteRows = append(im.noteRows, src.Row())
				continue
			}
			w := &rowWork{row: src.Row(), cells: cells}
			if ks, ok := src.(kindSource); ok {
				w.kinds = ks.Kinds()
			}
			im.tidyRow(w)
			batch = append(batch, w)
		}
		return batch, nil
	}
	// A producer reads and prepares batches (parse, validate, look up, encrypt)
	// while the caller's goroutine writes the previous one.
	type prepared struct {
		batch []*rowWork
		err   error
	}
	batches := make(chan prepared, 2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(batches)
		for {
			batch, err := readBatch()
			if err == nil && len(batch) > 0 && !headerBroken {
				readable := make([]*rowWork, 0, len(batch))
				for _, w := range batch {
					if !w.broken {
						readable = append(readable, w)
					}
				}
				err = prepare(readable)
			}
			if err != nil || len(batch) == 0 {
				if err != nil {
					select {
					case batches <- prepared{err: err}:
					case <-stop:
					}
				}
				return
			}
			select {
			case batches <- prepared{batch: batch}:
			case <-stop:
				return
			}
		}
	}()
	// process writes a prepared batch in tx. The batch is taken from the
	// producer before the transaction begins: a transaction never holds
	// the writer (on SQLite, the write lock) while it waits for rows.
	process := func(tx *db.Tx, batch []*rowWork) error {
		rep.Rows += len(batch)
		im.batchCreated, im.batchUpdated = nil, nil
		var good []*rowWork
		for _, w := range batch {
			if headerBroken {
				continue
			}
			switch w.act {
			case actReject:
				im.reject(w)
			case actUnchanged:
				rep.Unchanged++
			default:
				good = append(good, w)
			}
		}
		// A strict import stops writing at its first rejected row (and is
		// undone at the end); the rest of the file is still checked.
		writing := len(good) > 0 && (im.o.Mode == ModeSkipInvalid || rep.RejectedRows == 0)
		if writing {
			im.undo = undoRecord{Year: im.o.Year}
			if err := write(tx, good); err != nil {
				return err
			}
		}
		// The rows done go with the rows written: after a crash the record
		// says how far the import came.
		if _, err := tx.Exec(ctx, `UPDATE imports SET rows_done = ? WHERE id = ?`, rep.Rows, im.o.ID); err != nil {
			return fmt.Errorf("record import progress: %w", err)
		}
		if err := heartbeat(ctx, tx, im.o.ID); err != nil {
			return err
		}
		// And so do the records written: the import's audit entry lists
		// their persons from here after a crash (NewJobs), and a strict
		// import is undone from here.
		if writing && len(im.batchCreated)+len(im.batchUpdated) > 0 {
			im.batchSeq++
			var c, u exported
			c.addAll(im.batchCreated)
			u.addAll(im.batchUpdated)
			var undo []byte
			if im.o.Mode == ModeStrict {
				var err error
				if undo, err = im.s.sealUndo(im.undo); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO import_batches (import_id, seq, created, updated, undo) VALUES (?, ?, ?, ?, ?)`,
				im.o.ID, im.batchSeq, c.b.String(), u.b.String(), undo); err != nil {
				return fmt.Errorf("record import progress: %w", err)
			}
		}
		for _, w := range good {
			if w.act == actCreate {
				rep.Created++
			} else {
				rep.Updated++
			}
		}
		if im.o.Progress != nil {
			im.o.Progress(rep.Rows)
		}
		return nil
	}
	wctx, flush := im.s.bulk(ctx)
	im.wctx = wctx
	// drain applies what the batches held back, flushRows at a time, each
	// in a transaction of its own (the summary's then has little left).
	drain := func() error {
		for more := true; more; {
			if err := im.s.db.InTx(ctx, func(tx *db.Tx) error {
				var err error
				more, err = flush(ctx, tx, drainRows)
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	}
	// summary audits the import, with the persons it created and updated,
	// and each refused registration on its person, whether the import wrote
	// anything or not; failed says the import stopped on an error, undone
	// that a strict import's batches were undone (kept: records left because
	// someone changed them since). It ends the import's run.
	summary := func(tx *db.Tx, failed, undone bool, kept int) error {
		e := im.c.Actor.Entry(audit.ActionImport, SubjectImport, im.o.ID, im.c.Scope.Prefix)
		e.Detail = fmt.Sprintf(`{"kind":%q,"file":%q,"sha256":%q,"mode":%q,"rows":%d,"created":%d,"updated":%d,"unchanged":%d,"rejected":%d,`,
			rep.Kind, im.o.FileName, im.o.SHA256, rep.Mode, rep.Rows, rep.Created, rep.Updated, rep.Unchanged, rep.RejectedRows)
		if failed {
			e.Detail += `"failed":true,`
		}
		if undone {
			// The persons written and then taken back are still listed: each
			// one's access log shows the import.
			e.Detail += fmt.Sprintf(`"undone":true,"undo_kept":%d,`, kept)
		}
		e.Detail += fmt.Sprintf(`%q:%q,%q:%q}`, importCreated, im.created.b.String(), importUpdated, im.updated.b.String())
		for _, q := range []string{`DELETE FROM import_batches WHERE import_id = ?`, `DELETE FROM import_runs WHERE import_id = ?`} {
			if _, err := tx.Exec(ctx, q, im.o.ID); err != nil {
				return fmt.Errorf("record import: %w", err)
			}
		}
		if _, err := flush(ctx, tx, 0); err != nil {
			return err
		}
		return audit.Append(ctx, tx, append(im.refused, e)...)
	}
	strict := im.o.Mode == ModeStrict
	// undo takes a strict import's committed batches back.
	undo := func() (int, error) {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		// What the batches derived is applied, and taken back with them.
		if err := drain(); err != nil {
			return 0, err
		}
		return im.s.undoImport(ctx, im.o.ID, rep.Kind)
	}
	if err := im.s.beginRun(ctx, im.o.ID, rep.Kind, im.o.Mode, im.c.Actor.Username); err != nil {
		return im.res, err
	}
	if im.s.log != nil {
		// Audited reads do not wait for the batches (audit.Log.Bulk).
		defer im.s.log.Bulk()()
	}
	for {
		p, more := <-batches
		if !more {
			break
		}
		err := p.err
		if err == nil && im.s.db.Dialect == db.SQLite && im.s.log != nil {
			im.s.log.Yield(ctx, yieldLimit)
		}
		if err == nil {
			err = im.s.db.InTx(ctx, func(tx *db.Tx) error {
				if err := process(tx, p.batch); err != nil {
					return err
				}
				_, err := flush(ctx, tx, flushRows)
				return err
			})
		}
		if err != nil {
			// Skip-invalid: the batches committed before stay, and the summary
			// names their persons (the failed batch's are not among them).
			// Strict: they are undone.
			var kept int
			var uerr error
			if strict {
				kept, uerr = undo()
			}
			if uerr != nil {
				return im.res, errors.Join(err, uerr) // the run stays: recoverImports finishes the undo
			}
			return im.res, errors.Join(err, im.s.db.InTx(ctx, func(tx *db.Tx) error { return summary(tx, true, strict, kept) }))
		}
		im.batchDone()
	}
	// The producer has stopped (batches is closed): its note rows are all in.
	if len(im.noteRows) > 0 {
		rows := rowList(im.noteRows)
		rep.Notes = append(rep.Notes, Notice{Code: "note_rows", Msg: apperr.T(
			fmt.Sprintf("第 %s 行只有一段说明文字（如“填表人：”“合计”），不是数据，没有导入。", rows),
			noteRowsEn(im.noteRows, rows))})
	}
	if err := drain(); err != nil {
		return im.res, err
	}
	if strict && rep.RejectedRows > 0 {
		kept, err := undo()
		if err != nil {
			return im.res, err
		}
		return im.res, im.s.db.InTx(ctx, func(tx *db.Tx) error { return summary(tx, false, true, kept) })
	}
	if err := im.s.db.InTx(ctx, func(tx *db.Tx) error { return summary(tx, false, false, 0) }); err != nil {
		return im.res, err
	}
	im.analyze(ctx)
	return im.res, nil
}

// analyzeRows is how many rows an import writes before it refreshes the
// PostgreSQL planner's statistics of what it wrote.
const analyzeRows = 10000

// analyze refreshes the planner's statistics after a big import on
// PostgreSQL: just after 20,000 persons came into an empty registry the
// planner counted on 56, and chose plans for that (autovacuum comes to it
// only a minute or more later). SQLite plans by its indexes without them.
// Best effort: the import is done whether or not this works, and
// autovacuum does it later anyway.
func (im *importer) analyze(ctx context.Context) {
	rep := im.res.Report
	if im.s.db.Dialect != db.Postgres || rep.Created+rep.Updated < analyzeRows {
		return
	}
	q := `ANALYZE persons, indicator_facts`
	if rep.Kind == "annual" {
		q = `ANALYZE annual_records, indicator_facts`
	}
	_, _ = im.s.db.Exec(ctx, q)
}

// SubjectImport is the audit subject type of an import: one entry per import
// (importer.go run, or NewJobs for an interrupted one), which lists the
// persons it created and updated.
const SubjectImport = "import"

// The keys of an import's audit entry that list the persons it created and
// updated (",id,id,…,").
const (
	importCreated = "persons_created"
	importUpdated = "persons_updated"
)

// batchDone moves the persons of the batch just committed (or, in strict
// mode, written in the one transaction) to the import's lists.
func (im *importer) batchDone() {
	im.created.addAll(im.batchCreated)
	im.updated.addAll(im.batchUpdated)
	im.batchCreated, im.batchUpdated = nil, nil
}

// ImportPersons imports a person file (CONTRACT.md): rows are matched to
// persons by ID number; new ones are created, changed ones updated, and
// columns absent from the file keep their stored values.
func (s *Store) ImportPersons(ctx context.Context, c Caller, src RowSource, o ImportOptions) (*ImportResult, error) {
	im, err := newImporter(s, c, o, "persons", PersonColumns(), src)
	if err != nil {
		return nil, err
	}
	s.db.Warm(ctx, insertPersonsSQL(insertChunk))
	return im.run(ctx, src, im.preparePersons, im.writePersons)
}

// parsePersonRow turns cells into a PersonInput, with errors for cells that
// cannot be read at all (e.g. an unknown category name).
func (im *importer) parsePersonRow(w *rowWork) {
	for i, name := range im.fields {
		if name == "" || i >= len(w.cells) || w.isLost(i) {
			continue
		}
		k, ok := personFieldIndex[name]
		if !ok {
			continue
		}
		if e := PersonFields[k].readCell(&w.in, strings.TrimSpace(w.cells[i])); e != nil {
			w.errs = append(w.errs, *e)
		}
	}
	if e := im.resolveVillage(&w.in.OrgUnit); e != nil {
		w.errs = append(w.errs, *e)
	}
}

// has reports whether the file has a column for field.
func (im *importer) has(field string) bool { return im.header[field] != "" }

// mergePerson fills the fields the file does not have from the stored person
// (the ID number, which matched them, is the file's).
func (im *importer) mergePerson(in PersonInput, old PersonInput) PersonInput {
	for _, f := range PersonFields {
		if f.Field != "id_number" && !im.has(f.Field) {
			f.copyFrom(&in, &old)
		}
	}
	return in
}

func samePerson(a, b PersonInput) bool {
	ca, cb := formatComponents(a.Components), formatComponents(b.Components)
	a.Components, b.Components = nil, nil
	return ca == cb && reflect.DeepEqual(a, b)
}

// lookup loads the stored persons with the given blind indexes.
func (s *Store) lookup(ctx context.Context, bidxs [][]byte) (map[[16]byte]*stored, error) {
	out := map[[16]byte]*stored{}
	if len(bidxs) == 0 {
		return out, nil
	}
	args := make([]any, len(bidxs))
	for i, b := range bidxs {
		args[i] = b
	}
	rows, err := s.db.Query(ctx, `SELECT `+fullCols+` FROM persons p WHERE p.id_bidx IN (`+placeholders(len(bidxs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("look up persons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		st, err := s.scanFull(rows)
		if err != nil {
			return nil, fmt.Errorf("look up persons: %w", err)
		}
		out[[16]byte(st.bidx)] = &st
	}
	return out, rows.Err()
}

// idOf parses the ID number of a row and checks it is not repeated in the file.
func (im *importer) idOf(w *rowWork, raw string) bool {
	id, e := ParseIDNumberLegacy("id_number", raw, im.s.db.Now())
	if e != nil {
		w.errs = append(w.errs, *e)
		return false
	}
	w.in.IDNumber, w.conv = id.Value, id.Converted
	w.bidx = im.s.vault.Index(fID, id.Value)
	key := [16]byte(w.bidx)
	if first, dup := im.seen[key]; dup {
		w.errs = append(w.errs, apperr.Field("id_number", "duplicate_in_file", fmt.Sprintf("该身份证号与第 %d 行重复。", first),
			fmt.Sprintf("This ID number repeats row %d.", first)))
		return false
	}
	im.seen[key] = w.row
	return true
}

func (im *importer) preparePersons(batch []*rowWork) error {
	ctx := context.Background()
	var bidxs [][]byte
	for _, w := range batch {
		im.parsePersonRow(w)
		if im.idOf(w, w.in.IDNumber) {
			bidxs = append(bidxs, w.bidx)
		}
	}
	existing, err := im.s.lookup(ctx, bidxs)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	chunk := (len(batch) + 1) / 2
	for start := 0; start < len(batch); start += chunk {
		part := batch[start:min(start+chunk, len(batch))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, w := range part {
				im.validatePerson(w, existing)
			}
		}()
	}
	wg.Wait()
	return nil
}

func (im *importer) validatePerson(w *rowWork, existing map[[16]byte]*stored) {
	if w.bidx != nil {
		w.old = existing[[16]byte(w.bidx)]
	}
	if w.old != nil && !im.c.Scope.Contains(w.old.in.OrgUnit) {
		// Registered outside the caller's area: one neutral answer, nothing of
		// the record (not even by what else would be found wrong), and the
		// attempt is audited on that person.
		w.errs = append(w.errs, notHere())
		w.act = actReject
		im.refusedMu.Lock()
		im.refused = append(im.refused, im.refusal(w.old.id, w.old.in.OrgUnit, w.row))
		im.refusedMu.Unlock()
		return
	}
	if w.old != nil {
		w.in = im.mergePerson(w.in, w.old.in)
	}
	n, errs := ValidatePerson(w.in, im.s.db.Now(), true)
	w.errs = append(w.errs, errs...)
	w.errs = append(w.errs, im.unitErrors(n.OrgUnit)...)
	// A failed ID number is already reported; drop validation's repeat of it.
	if len(w.errs) > 0 {
		w.act = actReject
		return
	}
	n.ID.Converted = w.conv
	w.norm = n
	switch {
	case w.old == nil:
		w.act = actCreate
		w.vals = im.s.insertValues(n, im.now)
	case samePerson(n.PersonInput, w.old.in) && (n.ID.Converted == w.old.converted || w.old.converted):
		w.act = actUnchanged
	default:
		w.norm.ID.Converted = w.old.converted || n.ID.Converted // once converted, always noted
		w.act = actUpdate
	}
}

// insertChunk is how many persons one INSERT statement writes.
const insertChunk = 100

// insertPersonsSQL is the INSERT of n persons, returning their ids.
func insertPersonsSQL(n int) string {
	row := "(" + placeholders(personInsertN) + ")"
	return `INSERT INTO persons (` + personInsertCols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + ` RETURNING id, id_bidx`
}

func (im *importer) writePersons(tx *db.Tx, rows []*rowWork) error {
	ctx := im.wctx
	var creates []*rowWork
	for _, w := range rows {
		if w.act == actCreate {
			creates = append(creates, w)
			continue
		}
		res, err := im.s.updateTx(ctx, tx, im.c, w.old.id, w.old.version, w.norm)
		if err != nil {
			return fmt.Errorf("row %d: %w", w.row, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("第 %d 行的人员在导入期间被他人修改，请重新导入。", w.row),
				fmt.Sprintf("The person of row %d was changed by someone else during the import; import again.", w.row))
		}
		if im.o.Mode == ModeStrict {
			im.undo.Persons = append(im.undo.Persons, undoPerson{ID: w.old.id, Version: w.old.version + 1, Converted: w.old.converted, In: w.old.in})
		}
		im.wrote(false, w.old.id)
	}
	if tx.Dialect == db.Postgres && len(creates) > 0 {
		if err := im.copyPersons(ctx, tx, creates); err != nil {
			return err
		}
		creates = nil
	}
	for start := 0; start < len(creates); start += insertChunk {
		part := creates[start:min(start+insertChunk, len(creates))]
		vals := make([]any, 0, len(part)*personInsertN)
		for _, w := range part {
			vals = append(vals, w.vals...)
		}
		q := insertPersonsSQL(len(part))
		rs, err := tx.Query(ctx, q, vals...)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "导入期间有人登记了同一身份证号的人员，请重新导入。",
					"Someone registered a person with one of these ID numbers during the import; import again.")
			}
			return fmt.Errorf("insert persons: %w", err)
		}
		ids := map[[16]byte]int64{}
		for rs.Next() {
			var id int64
			var b []byte
			if err := rs.Scan(&id, &b); err != nil {
				_ = rs.Close()
				return fmt.Errorf("insert persons: %w", err)
			}
			ids[[16]byte(b)] = id
		}
		if err := rs.Err(); err != nil {
			return fmt.Errorf("insert persons: %w", err)
		}
		for _, w := range part {
			im.wrote(true, ids[[16]byte(w.bidx)])
		}
	}
	return im.flush(ctx, tx)
}

// copyPersons writes new persons on PostgreSQL: COPY into a staging table,
// then one INSERT … SELECT into persons.
func (im *importer) copyPersons(ctx context.Context, tx *db.Tx, creates []*rowWork) error {
	cols := strings.Fields(strings.NewReplacer(",", " ").Replace(personInsertCols))
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS persons_staging ON COMMIT DROP AS SELECT `+personInsertCols+` FROM persons WITH NO DATA`); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	rows := make([][]any, len(creates))
	for i, w := range creates {
		rows[i] = w.vals
	}
	if _, err := tx.CopyFrom(ctx, "persons_staging", cols, rows); err != nil {
		return err
	}
	rs, err := tx.Query(ctx, `INSERT INTO persons (`+personInsertCols+`) SELECT `+personInsertCols+` FROM persons_staging RETURNING id, id_bidx`)
	if err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "导入期间有人登记了同一身份证号的人员，请重新导入。",
				"Someone registered a person with one of these ID numbers during the import; import again.")
		}
		return fmt.Errorf("insert persons: %w", err)
	}
	ids := map[[16]byte]int64{}
	for rs.Next() {
		var id int64
		var b []byte
		if err := rs.Scan(&id, &b); err != nil {
			_ = rs.Close()
			return fmt.Errorf("insert persons: %w", err)
		}
		ids[[16]byte(b)] = id
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("insert persons: %w", err)
	}
	for _, w := range creates {
		im.wrote(true, ids[[16]byte(w.bidx)])
	}
	if _, err := tx.Exec(ctx, `TRUNCATE persons_staging`); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	return nil
}

// refusal is the audit entry of an attempt to register, at a row of this
// import, a person registered outside the caller's area.
func (im *importer) refusal(id int64, unit string, row int) audit.Entry {
	e := im.c.Actor.Entry(ActionRegisterRefused, SubjectPerson, strconv.FormatInt(id, 10), unit)
	e.Detail = fmt.Sprintf(`{"import":%q,"row":%d}`, im.o.ID, row)
	return e
}

// wrote notes a person the batch created or updated: for the change hook,
// and for the import's audit entry.
func (im *importer) wrote(created bool, id int64) {
	im.changedIDs = append(im.changedIDs, id)
	if created {
		im.batchCreated = append(im.batchCreated, id)
	} else {
		im.batchUpdated = append(im.batchUpdated, id)
	}
}

// flush ends the writing of a batch: the change hook.
func (im *importer) flush(ctx context.Context, tx *db.Tx) error {
	ids := im.changedIDs
	im.changedIDs = nil
	return im.s.changed(ctx, tx, ids...)
}

// ImportAnnual imports annual records for o.Year (DOMAIN.md §6): one row per
// person, matched by ID number; columns absent from the file keep the stored
// record's values (or the defaults for a new record).
func (s *Store) ImportAnnual(ctx context.Context, c Caller, src RowSource, o ImportOptions) (*ImportResult, error) {
	if o.Year < 2000 || o.Year > s.db.Now().Year()+1 {
		return nil, apperr.Validation(apperr.Field("year", "invalid", "请给出年度，例如 2026。", "Give the year, e.g. 2026."))
	}
	im, err := newImporter(s, c, o, "annual", AnnualColumns(), src)
	if err != nil {
		return nil, err
	}
	if !im.has("employment") && im.res.Report.RejectedRows == 0 {
		// Without employment a new record cannot be made; existing ones can still be changed.
		im.header["employment"] = ""
	}
	return im.run(ctx, src, im.prepareAnnual, im.writeAnnual)
}

func (im *importer) prepareAnnual(batch []*rowWork) error {
	ctx := context.Background()
	var bidxs [][]byte
	for _, w := range batch {
		raw := ""
		for i, f := range im.fields {
			if f == "id_number" && i < len(w.cells) && !w.isLost(i) {
				raw = w.cells[i]
			}
		}
		if im.idOf(w, raw) {
			bidxs = append(bidxs, w.bidx)
		}
	}
	persons, err := im.s.lookupIDs(ctx, bidxs)
	if err != nil {
		return err
	}
	var ids []int64
	for _, p := range persons {
		ids = append(ids, p.id)
	}
	olds, err := im.s.annualOf(ctx, ids, im.o.Year)
	if err != nil {
		return err
	}
	for _, w := range batch {
		if len(w.errs) > 0 {
			w.act = actReject
			continue
		}
		p, ok := persons[[16]byte(w.bidx)]
		if !ok || !im.c.Scope.Contains(p.orgunit) {
			w.errs = append(w.errs, apperr.Field("id_number", "not_found", "在您的管辖范围内没有登记此身份证号的人员。",
				"No person with this ID number is registered in your area."))
			w.act = actReject
			continue
		}
		a := Annual{PersonID: p.id, Year: im.o.Year, OrgUnit: p.orgunit, EconomicStatus: p.economic}
		if old, ok := olds[p.id]; ok {
			a = old
			a.Unknown = slices.Clone(old.Unknown) // the row's answers must not change the old record's
			w.oldA = &old
		}
		im.parseAnnualRow(w, &a)
		w.errs = append(w.errs, ValidateAnnual(&a, im.s.db.Now().Year())...)
		w.errs = append(w.errs, im.unitErrors(a.OrgUnit)...)
		if len(w.errs) > 0 {
			w.act = actReject
			continue
		}
		w.ann = a
		switch {
		case w.oldA == nil:
			w.act = actCreate
		case sameAnnual(a, *w.oldA):
			w.act = actUnchanged
		default:
			w.act = actUpdate
		}
	}
	return nil
}

func sameAnnual(a, b Annual) bool {
	ia, ib := a.HouseholdIncomePerCapita, b.HouseholdIncomePerCapita
	if (ia == nil) != (ib == nil) || (ia != nil && *ia != *ib) {
		return false
	}
	if !slices.Equal(a.Unknown, b.Unknown) {
		return false
	}
	a.HouseholdIncomePerCapita, b.HouseholdIncomePerCapita = nil, nil
	a.Unknown, b.Unknown = nil, nil
	a.UpdatedAt, a.UpdatedBy, a.Version = b.UpdatedAt, b.UpdatedBy, b.Version
	return reflect.DeepEqual(a, b)
}

// parseAnnualRow reads the cells of a row into a, each by its field of
// AnnualFields (the ID number is read already).
func (im *importer) parseAnnualRow(w *rowWork, a *Annual) {
	for i, name := range im.fields {
		if name == "" || i >= len(w.cells) || w.isLost(i) {
			continue
		}
		f, ok := annualField(name)
		if !ok {
			continue
		}
		if e := f.readCell(a, strings.TrimSpace(w.cells[i])); e != nil {
			w.errs = append(w.errs, *e)
		}
	}
	if e := im.resolveVillage(&a.OrgUnit); e != nil {
		w.errs = append(w.errs, *e)
	}
}

type personRef struct {
	id       int64
	orgunit  string
	economic string
}

func (s *Store) lookupIDs(ctx context.Context, bidxs [][]byte) (map[[16]byte]personRef, error) {
	out := map[[16]byte]personRef{}
	if len(bidxs) == 0 {
		return out, nil
	}
	args := make([]any, len(bidxs))
	for i, b := range bidxs {
		args[i] = b
	}
	rows, err := s.db.Query(ctx, `SELECT id, id_bidx, orgunit, economic_status FROM persons WHERE id_bidx IN (`+placeholders(len(bidxs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("look up persons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p personRef
		var b []byte
		if err := rows.Scan(&p.id, &b, &p.orgunit, &p.economic); err != nil {
			return nil, fmt.Errorf("look up persons: %w", err)
		}
		out[[16]byte(b)] = p
	}
	return out, rows.Err()
}

func (s *Store) annualOf(ctx context.Context, ids []int64, year int) (map[int64]Annual, error) {
	out := map[int64]Annual{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{year}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, `SELECT `+annualCols+` FROM annual_records WHERE year = ? AND person_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("look up annual records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAnnual(rows)
		if err != nil {
			return nil, fmt.Errorf("look up annual records: %w", err)
		}
		out[a.PersonID] = a
	}
	return out, rows.Err()
}

func (im *importer) writeAnnual(tx *db.Tx, rows []*rowWork) error {
	ctx := im.wctx
	// The file's values were merged with the record as it was read: when it
	// changed since, writing them would undo the other change.
	changed := func(w *rowWork) error {
		return apperr.New(apperr.Conflict, fmt.Sprintf("第 %d 行人员的年度记录在导入期间被他人修改，请重新导入。", w.row),
			fmt.Sprintf("The annual record of row %d was changed by someone else during the import; import again.", w.row))
	}
	var creates []*rowWork
	for _, w := range rows {
		if w.oldA == nil {
			creates = append(creates, w)
			continue
		}
		a := w.ann
		vals := append(annualValues(&a), unknownText(&a), db.Millis(tx.Now), im.c.Actor.Username, a.PersonID, a.Year, w.oldA.Version)
		res, err := tx.Exec(ctx, annualUpdateSQL+` AND version = ?`, vals...)
		if err != nil {
			return fmt.Errorf("row %d: update annual record: %w", w.row, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return changed(w)
		}
		if im.o.Mode == ModeStrict {
			im.undo.Annual = append(im.undo.Annual, *w.oldA)
		}
		im.wrote(false, a.PersonID)
	}
	// New records, insertChunk to a statement.
	for start := 0; start < len(creates); start += insertChunk {
		part := creates[start:min(start+insertChunk, len(creates))]
		vals := make([]any, 0, len(part)*(len(AnnualFields)+5))
		for _, w := range part {
			vals = append(append(vals, annualValues(&w.ann)...), unknownText(&w.ann), db.Millis(tx.Now), im.c.Actor.Username, w.ann.PersonID, w.ann.Year)
		}
		rs, err := tx.Query(ctx, annualInsertManySQL(len(part)), vals...)
		if err != nil {
			return fmt.Errorf("insert annual records: %w", err)
		}
		made := map[int64]bool{}
		for rs.Next() {
			var id int64
			if err := rs.Scan(&id); err != nil {
				_ = rs.Close()
				return fmt.Errorf("insert annual records: %w", err)
			}
			made[id] = true
		}
		if err := rs.Err(); err != nil {
			return fmt.Errorf("insert annual records: %w", err)
		}
		for _, w := range part {
			if !made[w.ann.PersonID] {
				return changed(w) // someone made it since the file was read
			}
			im.wrote(true, w.ann.PersonID)
		}
	}
	return im.flush(ctx, tx)
}

// annualInsertManySQL inserts n annual records (the values of
// annualInsertSQL for each), leaving any that exists, and returns the
// persons of those it made.
func annualInsertManySQL(n int) string {
	row := "(" + placeholders(len(AnnualFields)+5) + ", 1)"
	return `INSERT INTO annual_records (` + strings.Join(annualColumns(""), ", ") + `, unknown, updated_at, updated_by, person_id, year, version) VALUES ` +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + ` ON CONFLICT (person_id, year) DO NOTHING RETURNING person_id`
}
