package campaigns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/tabular"
	"sunshine/internal/registry"
)

// Import modes (as the registry's imports).
const (
	ModeStrict      = registry.ModeStrict      // any rejected row: nothing is written
	ModeSkipInvalid = registry.ModeSkipInvalid // the correct rows are written
)

// MaxImportRows bounds the rows of one file (a campaign's list is a
// district's persons at most).
const MaxImportRows = 200_000

// maxRejections is how many rejections a report lists.
const maxRejections = 1000

// Rejection is a rejected row of an import: its number in the file (header
// = the header row's number), the column as the file names it, a code and
// a message.
type Rejection struct {
	Row     int         `json:"row"`
	Column  string      `json:"column"`
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Msg     apperr.Text `json:"-"`
}

// ImportReport is the result of an import of completions.
type ImportReport struct {
	Mode         string      `json:"mode"`
	FileName     string      `json:"file_name,omitempty"`
	Sheet        string      `json:"sheet,omitempty"`
	HeaderRow    int         `json:"header_row"`
	Rows         int         `json:"rows"`
	Done         int         `json:"done"` // completions recorded
	RejectedRows int         `json:"rejected_rows"`
	Rejected     []Rejection `json:"rejected"`
	Truncated    bool        `json:"truncated,omitempty"`
}

// Localize writes the messages in lang.
func (r *ImportReport) Localize(lang string) {
	for i := range r.Rejected {
		r.Rejected[i].Message = r.Rejected[i].Msg.In(lang)
	}
}

// Failed reports whether a row was rejected.
func (r *ImportReport) Failed() bool { return r.RejectedRows > 0 }

// The columns a provider's spreadsheet may name (Chinese or English).
var (
	idHeaders   = []string{"身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "ID number"}
	dateHeaders = []string{"完成日期", "体检日期", "办理日期", "日期", "date", "done_on"}
)

func isHeader(cell string, names []string) bool {
	n := registry.NormHeader(cell)
	return slices.ContainsFunc(names, func(h string) bool { return registry.NormHeader(h) == n })
}

// headerScore scores a row as the header row (tabular.Options.Header).
func headerScore(cells []string) int {
	n := 0
	for _, c := range cells {
		if isHeader(c, idHeaders) || isHeader(c, dateHeaders) {
			n++
		}
	}
	return n
}

// fileError turns a tabular error into the contract's statuses.
func fileError(err error) error {
	switch {
	case errors.Is(err, tabular.ErrEncrypted):
		return apperr.New(apperr.Unsupported, "这个工作簿设置了打开密码，无法读取：请在表格软件中取消密码后另存，再导入。",
			"The workbook is protected by a password and cannot be read: remove the password, save it again and import that file.")
	case errors.Is(err, tabular.ErrUnsupported):
		return apperr.New(apperr.Unsupported, "只能导入 CSV 或 Excel 文件（.xlsx 或 Excel 97–2003 的 .xls）。", "Only CSV or Excel files (.xlsx, or .xls of Excel 97–2003) can be imported.")
	case errors.Is(err, tabular.ErrTooLarge):
		return apperr.New(apperr.TooLarge, "文件解压后过大，已拒绝。", "The file expands to too much data and was refused.")
	case errors.Is(err, tabular.ErrNoHeader):
		return apperr.Validation(apperr.Field("file", "no_header", "文件是空的，没有表头行。", "The file is empty: it has no header row."))
	}
	return apperr.New(apperr.Invalid, "无法读取文件："+err.Error(), "The file cannot be read: "+err.Error())
}

// importRow is a row of the file being checked.
type importRow struct {
	row    int
	bidx   []byte
	date   string
	person int64
	unit   string
	errs   []apperr.FieldError
}

// errStrictRejected rolls back a strict import with rejected rows.
var errStrictRejected = errors.New("campaign import: rows rejected in strict mode")

// Import records the completions of a provider's spreadsheet (the file at
// path: CSV, XLSX or XLS), matched by ID number: a column of ID numbers and
// one of dates, under a header row that may stand below a title. Each row
// is refused, with its number, column, code and message, when its ID number
// is not one of a person in the caller's scope (whether it exists elsewhere
// is not told), the person is not on the list, was reached already, or is
// repeated in the file, or its date is not a day of the campaign's year up
// to today. In strict mode one refused row writes nothing; in skip-invalid
// mode the correct rows are written, in one transaction either way. Each
// completion is audited, and the import once more.
func (s *Store) Import(ctx context.Context, c access.Caller, id int64, path, mode, fileName string) (*ImportReport, error) {
	if mode == "" {
		mode = ModeStrict
	}
	if mode != ModeStrict && mode != ModeSkipInvalid {
		return nil, apperr.Validation(apperr.Field("mode", "invalid", "导入模式应为 strict 或 skip-invalid。", "The mode must be strict or skip-invalid."))
	}
	cp, err := s.campaign(ctx, s.db, c, id)
	if err != nil {
		return nil, err
	}
	t, _, err := tabular.OpenWith(path, tabular.Options{Header: headerScore})
	if err != nil {
		return nil, fileError(err)
	}
	defer t.Close()
	rep := &ImportReport{Mode: mode, FileName: fileName, Sheet: t.Sheet(), HeaderRow: t.HeaderRow(), Rejected: []Rejection{}}
	idCol, dateCol := -1, -1
	header := t.Header()
	for i, h := range header {
		if idCol < 0 && isHeader(h, idHeaders) {
			idCol = i
		} else if dateCol < 0 && isHeader(h, dateHeaders) {
			dateCol = i
		}
	}
	var missing []apperr.FieldError
	if idCol < 0 {
		missing = append(missing, apperr.Field("file", "no_id_column", "表头中没有“身份证号”列（也可写 id_number）。", "The header has no column 身份证号 (or id_number)."))
	}
	if dateCol < 0 {
		missing = append(missing, apperr.Field("file", "no_date_column", "表头中没有“完成日期”列（也可写 体检日期、办理日期 或 date）。",
			"The header has no column 完成日期 (or 体检日期, 办理日期, date)."))
	}
	if len(missing) > 0 {
		return nil, apperr.Validation(missing...)
	}
	idName, dateName := header[idCol], header[dateCol]
	now := s.db.Now()
	today := Today(now)
	var rows []*importRow
	seen := map[string]int{}
	for {
		cells, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *tabular.RowError
		if errors.As(err, &re) {
			rows = append(rows, &importRow{row: re.Row, errs: []apperr.FieldError{apperr.Field("", "unreadable",
				"该行无法读取（分隔符或引号有误）：请在表格软件中检查后重新保存。", "The row cannot be read (a separator or quote is wrong): check it in the spreadsheet program and save again.")}})
			continue
		}
		if err != nil {
			return nil, apperr.New(apperr.Invalid, fmt.Sprintf("第 %d 行之后无法读取文件：%v", t.Row(), err), fmt.Sprintf("The file cannot be read after row %d: %v", t.Row(), err))
		}
		cell := func(i int) (string, tabular.Kind) {
			if i >= len(cells) {
				return "", tabular.KindText
			}
			k := tabular.KindText
			if ks := t.Kinds(); i < len(ks) {
				k = ks[i]
			}
			return strings.TrimSpace(cells[i]), k
		}
		rawID, idKind := cell(idCol)
		rawDate, dateKind := cell(dateCol)
		if rawID == "" && rawDate == "" {
			continue // an empty row, or a note beside the table
		}
		if len(rows) >= MaxImportRows {
			return nil, apperr.New(apperr.TooLarge, fmt.Sprintf("文件超过 %d 行的上限。", MaxImportRows), fmt.Sprintf("The file has more than %d rows.", MaxImportRows))
		}
		r := &importRow{row: t.Row()}
		rows = append(rows, r)
		if safetext.Bad(rawID) || safetext.Bad(rawDate) {
			r.errs = append(r.errs, apperr.Field("", "control_character", "单元格含有不可见的控制字符，请删除后重新保存文件。", "A cell holds an invisible control character; remove it and save the file again."))
			continue
		}
		if idn, e := registry.IDCell("id_number", rawID, idKind, now); e != nil {
			r.errs = append(r.errs, *e)
		} else if first, dup := seen[idn.Value]; dup {
			r.errs = append(r.errs, apperr.Field("id_number", "duplicate_in_file", fmt.Sprintf("该身份证号与第 %d 行重复。", first), fmt.Sprintf("This ID number repeats row %d.", first)))
		} else {
			seen[idn.Value] = r.row
			r.bidx = s.reg.IDIndex(idn.Value)
		}
		r.date = registry.DateCell(rawDate, dateKind)
		if rawDate == "" {
			r.errs = append(r.errs, apperr.Field("date", "required", "请填写完成日期。", "Enter the date the person was reached."))
		} else if fe := CheckDate("date", r.date, cp.Year, today); fe != nil {
			r.errs = append(r.errs, *fe)
		}
	}
	rep.Rows = len(rows)
	column := map[string]string{"id_number": idName, "date": dateName}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.matchTx(ctx, tx, c, cp.ID, rows); err != nil {
			return err
		}
		for _, r := range rows {
			if len(r.errs) == 0 {
				continue
			}
			rep.RejectedRows++
			for _, e := range r.errs {
				if len(rep.Rejected) >= maxRejections {
					rep.Truncated = true
					break
				}
				rep.Rejected = append(rep.Rejected, Rejection{Row: r.row, Column: column[e.Field], Code: e.Code, Msg: e.Msg})
			}
		}
		if rep.Failed() && mode == ModeStrict {
			return errStrictRejected
		}
		var entries []audit.Entry
		for _, r := range rows {
			if len(r.errs) > 0 {
				continue
			}
			e, err := s.markTx(ctx, tx, c, cp, r.person, r.unit, r.date, "import")
			if err != nil {
				return err
			}
			entries = append(entries, e)
			rep.Done++
		}
		sum := c.Actor.Entry(audit.ActionImport, SubjectCampaign, strconv.FormatInt(cp.ID, 10), cp.OrgUnit)
		sum.Detail = fmt.Sprintf(`{"mode":%q,"rows":%d,"done":%d,"rejected_rows":%d}`, mode, rep.Rows, rep.Done, rep.RejectedRows)
		return audit.Append(ctx, tx, append(entries, sum)...)
	})
	if errors.Is(err, errStrictRejected) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// matchTx finds the persons of the rows by the blind index of their ID
// numbers, and refuses the rows whose person is not in the caller's scope,
// not on the list or reached already.
func (s *Store) matchTx(ctx context.Context, tx *db.Tx, c access.Caller, id int64, rows []*importRow) error {
	type match struct {
		person int64
		unit   string
		listed bool
		done   string
	}
	found := map[string]match{}
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		q, err := tx.Query(ctx, `SELECT p.id, p.id_bidx, p.orgunit, cp.person_id, cp.done_on FROM persons p
			LEFT JOIN campaign_persons cp ON cp.person_id = p.id AND cp.campaign_id = ?
			WHERE p.id_bidx IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(batch)), ", ")+`)`, append([]any{id}, batch...)...)
		if err != nil {
			return fmt.Errorf("match ID numbers: %w", err)
		}
		defer q.Close()
		for q.Next() {
			var m match
			var b []byte
			var listed *int64
			var done *string
			if err := q.Scan(&m.person, &b, &m.unit, &listed, &done); err != nil {
				return fmt.Errorf("match ID numbers: %w", err)
			}
			m.listed = listed != nil
			if done != nil {
				m.done = *done
			}
			found[string(b)] = m
		}
		batch = batch[:0]
		return q.Err()
	}
	for _, r := range rows {
		if r.bidx == nil {
			continue
		}
		if batch = append(batch, r.bidx); len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.bidx == nil {
			continue
		}
		m, ok := found[string(r.bidx)]
		switch {
		case !ok || !c.Scope.Contains(m.unit) || c.PersonID != 0:
			r.errs = append(r.errs, apperr.Field("id_number", "not_found", "在您的管辖范围内没有登记此身份证号的人员。", "No person with this ID number is registered in your area."))
		case !m.listed:
			r.errs = append(r.errs, notOnList("id_number"))
		case m.done != "":
			r.errs = append(r.errs, apperr.Field("id_number", "already_done", "这个人已登记完成（"+m.done+"）。", "This person is recorded as reached already ("+m.done+")."))
		default:
			r.person, r.unit = m.person, m.unit
		}
	}
	return nil
}
