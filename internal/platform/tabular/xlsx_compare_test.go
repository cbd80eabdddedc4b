//go:build linux

package tabular

// The comparison of OpenXLSX with excelize's streaming reader (issue 13).
// It is slow and measures a child process's peak RSS (Linux), so it runs
// only with SUNSHINE_BENCH_XLSX=1:
//
//	SUNSHINE_BENCH_XLSX=1 go test -run '^$' -bench XLSXCompare -benchtime 1x ./internal/platform/tabular/
//	SUNSHINE_BENCH_XLSX=1 go test -run TestXLSXHostileCompare -v ./internal/platform/tabular/
//
// SUNSHINE_BENCH_XLSX_ROWS changes the 600,000 rows; SUNSHINE_BENCH_XLSX_DIR
// keeps the generated files between runs. Every read runs in a child process
// (this test binary again, TestXLSXCompareChild) with its own TMPDIR, so
// that peak RSS (VmHWM), heap and temporary files are the reader's alone.
//
// Figures of two runs on the 2-CPU development machine, shared with other
// work (load 3–7; go1.27.3, excelize v2.11.1): 600,000 rows × 16 persons
// columns, 2.7 million distinct texts, open and every row read, the same
// cells from both readers. Each line is one run; ratios are excelize/ours
// within that run. The decision and what it rests on are at the top of
// xlsxread.go.
//
//	shared strings (Excel's way; 58 MB file, sheet 305 MB, strings 98 MB unzipped)
//	run  reader    wall s  CPU s  rows/CPU-s  peak RSS MB  alloc GB  tmp MB
//	1    unzip      1.1     1.1      528k         14         0.0       0
//	1    ours      22.2    21.5     27.9k         95         4.1      57
//	1    excelize  66.3    49.4     12.2k        357         9.2     461
//	     ratio      2.99    2.30                 3.75        2.24
//	2    unzip      1.2     0.9      643k         14         0.0       0
//	2    ours      40.5    20.1     29.8k         95         4.1      57
//	2    excelize  92.1    59.5     10.1k        315         9.2     461
//	     ratio      2.27    2.96                 3.30        2.24
//
//	inline strings (Sunshine's export; 60 MB file, sheet 548 MB unzipped)
//	1    unzip      1.2     1.2      508k         16         0.0       0
//	1    ours      30.7    26.7     22.4k         22         5.8       0
//	1    excelize  68.2    45.6     13.2k         45        13.1     549
//	     ratio      2.22    1.71                 2.01        2.25
//	2    unzip      1.6     1.6      377k         17         0.0       0
//	2    ours      21.4    24.0     25.0k         19         5.8       0
//	2    excelize  47.6    54.9     10.9k         21        13.1     549
//	     ratio      2.23    2.29                 1.12        2.25
//
// TestXLSXHostileCompare (same machine, both readers in child processes):
//   - both refuse a corrupt zip, the 100 KB MaxEntry and MaxTotal limits, a
//     cell beyond column XFD and billion laughs in the shared strings;
//   - both refuse, excelize only with "EOF": 10,001 entries, a docx, and
//     the 300 MB zip bomb of zeros (excelize after writing it to a 293 MB
//     temporary file; ours in 0.01 s from the zip directory);
//   - excelize reads, ours refuses: a valid workbook whose 300 MB sheet
//     zips to 860 KB (excelize: 12 million rows in 47–64 s, 300 MB
//     temporary file); billion laughs or an external entity in the sheet,
//     a cell without its end tag, a bad shared-string index (excelize:
//     fewer rows or an empty cell, no error); a 100 MB cell (excelize 571
//     MB RSS; ours stops at 4 MB, 25 MB RSS);
//   - both read a 47 MB file of 10 million shared strings: ours 128 MB RSS
//     in 11 s, excelize 1,052–1,078 MB in 48–51 s.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const benchXLSXEnv = "SUNSHINE_BENCH_XLSX"

func skipUnlessBenchXLSX(tb testing.TB) {
	tb.Helper()
	if os.Getenv(benchXLSXEnv) == "" {
		tb.Skip("set " + benchXLSXEnv + "=1 to compare OpenXLSX with excelize")
	}
}

// cmpHeader are the columns of the generated persons file.
var cmpHeader = []string{"姓名", "性别", "民族", "出生日期", "身份证号", "残疾证号", "残疾类别", "残疾等级",
	"所属村居", "住址", "联系电话", "监护人", "监护人电话", "就业状况", "发证日期", "备注"}

const (
	cmpSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
	cmpGiven    = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉梅红志文金凤海波云燕鹏辉春雪琴德宇浩"
)

var (
	cmpSurnameRunes = []rune(cmpSurnames)
	cmpGivenRunes   = []rune(cmpGiven)
	cmpEthnic       = []string{"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "回族", "满族", "蒙古族", "壮族"}
	cmpCategory     = []string{"视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"}
	cmpGrade        = []string{"一级", "二级", "三级", "四级"}
	cmpWork         = []string{"未就业", "按比例就业", "集中就业", "个体就业", "灵活就业"}
	cmpNotes        = []string{"低保户", "特困供养", "重度残疾人护理补贴", "困难残疾人生活补贴"}
	cmpBase         = time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
)

func cmpName(i int) string {
	return string([]rune{cmpSurnameRunes[i%len(cmpSurnameRunes)],
		cmpGivenRunes[(i/7)%len(cmpGivenRunes)], cmpGivenRunes[(i/331)%len(cmpGivenRunes)]})
}

// cmpRow returns the 16 cells of data row i (1-based) of a persons file as
// a federation keeps one: names, dates and codes that repeat, ID and
// certificate numbers, addresses and phone numbers that do not (about 2.7
// million distinct texts in 600,000 rows), a guardian for a third of the
// persons and a note for a tenth.
func cmpRow(i int, cells []string) []string {
	birth := cmpBase.AddDate(0, 0, (i*7919)%27000)
	id := fmt.Sprintf("3101%02d%s%03d", 10+i%17, birth.Format("20060102"), (i/27000)%1000) // unique below 27 million
	id += string(idCheck(id))
	cat, grade := (i*31)%len(cmpCategory), (i*17)%len(cmpGrade)
	guardian, guardianPhone, note := "", "", ""
	if i%3 == 0 {
		guardian, guardianPhone = cmpName(i*13+5), fmt.Sprintf("139%08d", (i*48271)%100_000_000)
	}
	if i%10 == 0 {
		note = cmpNotes[(i/10)%len(cmpNotes)]
	}
	return append(cells[:0],
		cmpName(i),
		[]string{"男", "女"}[i%2],
		cmpEthnic[i%len(cmpEthnic)],
		birth.Format(time.DateOnly),
		id,
		id+strconv.Itoa(cat+1)+strconv.Itoa(grade+1),
		cmpCategory[cat],
		cmpGrade[grade],
		fmt.Sprintf("310114%03d%03d", 100+i%12, 1+(i/12)%25),
		fmt.Sprintf("上海市嘉定区%s路%d弄%d号%d室", cmpCategory[i%7][:6], 1+i%997, 1+i/997, 101+i%1204),
		fmt.Sprintf("138%08d", (i*69621)%100_000_000),
		guardian,
		guardianPhone,
		cmpWork[(i/3)%len(cmpWork)],
		cmpBase.AddDate(60, 0, (i*13)%3650).Format(time.DateOnly),
		note,
	)
}

// idCheck computes the check character of an 18-character ID number.
func idCheck(first17 string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

func cmpRows() int {
	if s := os.Getenv("SUNSHINE_BENCH_XLSX_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 600_000
}

// cmpDir is where the generated files are kept.
func cmpDir(tb testing.TB) string {
	if d := os.Getenv("SUNSHINE_BENCH_XLSX_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o750); err != nil {
			tb.Fatal(err)
		}
		return d
	}
	return tb.TempDir()
}

// inlineBook writes the persons file with NewXLSXWriter (excelize's
// StreamWriter): every cell an inline string, as Sunshine exports it.
func inlineBook(tb testing.TB, dir string, rows int) string {
	p := filepath.Join(dir, fmt.Sprintf("persons-inline-%d.xlsx", rows))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	f, err := os.Create(p + ".part")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := NewXLSXWriter(bw, "人员")
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Write(cmpHeader); err != nil {
		tb.Fatal(err)
	}
	var cells []string
	for i := 1; i <= rows; i++ {
		if err := w.Write(cmpRow(i, cells)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(p+".part", p); err != nil {
		tb.Fatal(err)
	}
	return p
}

// sharedBook writes the persons file as Excel saves one: every text cell a
// shared string (each distinct text once, numbered in order of first use),
// cells and rows with their references, the sheet before the shared-string
// part.
func sharedBook(tb testing.TB, dir string, rows int) string {
	p := filepath.Join(dir, fmt.Sprintf("persons-shared-%d.xlsx", rows))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	f, err := os.Create(p + ".part")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(bufio.NewWriterSize(f, 1<<20))
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			tb.Fatal(err)
		}
	}
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n"
	put("[Content_Types].xml", head+`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	put("_rels/.rels", head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+nsRel+`/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", head+`<workbook `+nsMain+` xmlns:r="`+nsRel+`"><workbookPr/><sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+nsRel+`/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="`+nsRel+`/styles" Target="styles.xml"/><Relationship Id="rId3" Type="`+nsRel+`/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	index := make(map[string]int, rows*6)
	var order []string
	count := 0
	_, _ = bw.WriteString(head + `<worksheet ` + nsMain + ` xmlns:r="` + nsRel + `"><dimension ref="A1:P` + strconv.Itoa(rows+1) + `"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="14.25"/><sheetData>`)
	var cells []string
	for r := 0; r <= rows; r++ {
		if r == 0 {
			cells = append(cells[:0], cmpHeader...)
		} else {
			cells = cmpRow(r, cells)
		}
		fmt.Fprintf(bw, `<row r="%d" spans="1:16">`, r+1)
		for c, s := range cells {
			if s == "" {
				continue
			}
			n, ok := index[s]
			if !ok {
				n = len(order)
				index[s] = n
				order = append(order, s)
			}
			count++
			fmt.Fprintf(bw, `<c r="%c%d" t="s"><v>%d</v></c>`, 'A'+c, r+1, n)
		}
		_, _ = bw.WriteString(`</row>`)
	}
	_, _ = bw.WriteString(`</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	put("xl/styles.xml", head+`<styleSheet `+nsMain+`><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>`)
	index = nil
	w, err = zw.Create("xl/sharedStrings.xml")
	if err != nil {
		tb.Fatal(err)
	}
	bw = bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, head+`<sst %s count="%d" uniqueCount="%d">`, nsMain, count, len(order))
	for _, s := range order {
		_, _ = bw.WriteString(`<si><t>` + s + `</t></si>`)
	}
	_, _ = bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(p+".part", p); err != nil {
		tb.Fatal(err)
	}
	return p
}

// childResult is what a child process reports of one read.
type childResult struct {
	Rows      int     `json:"rows"`
	Hash      uint64  `json:"hash"`       // of every cell of the data rows, cleaned
	OpenSec   float64 `json:"open_sec"`   // until the header (ours) or the row iterator (excelize)
	Sec       float64 `json:"sec"`        // open and every row
	CPUSec    float64 `json:"cpu_sec"`    // user and system CPU time of the process, GC included
	PeakHeap  uint64  `json:"peak_heap"`  // HeapInuse, sampled every 10 ms
	TotalHeap uint64  `json:"total_heap"` // TotalAlloc
	PeakTmp   int64   `json:"peak_tmp"`   // bytes in TMPDIR, sampled every 10 ms
	PeakRSS   uint64  `json:"peak_rss"`   // VmHWM
	Err       string  `json:"err,omitempty"`
	// Filled in by the parent:
	Wall   time.Duration `json:"-"`
	Killed string        `json:"-"`
}

const childMark = "XLSXCOMPARE-RESULT "

// TestXLSXCompareChild is the child process of the comparison: it reads the
// file in SUNSHINE_XLSX_CHILD_FILE with the reader named in
// SUNSHINE_XLSX_CHILD ("ours" or "excelize") and prints a childResult.
func TestXLSXCompareChild(t *testing.T) {
	reader := os.Getenv("SUNSHINE_XLSX_CHILD")
	if reader == "" {
		t.Skip("the comparison's child process")
	}
	// A hostile file must not take the shared machine down with it.
	lim := uint64(4 << 30)
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: lim, Max: lim})
	var limits Limits
	limits.MaxEntry, _ = strconv.ParseUint(os.Getenv("SUNSHINE_XLSX_CHILD_MAXENTRY"), 10, 64)
	limits.MaxTotal, _ = strconv.ParseUint(os.Getenv("SUNSHINE_XLSX_CHILD_MAXTOTAL"), 10, 64)
	path := os.Getenv("SUNSHINE_XLSX_CHILD_FILE")

	runtime.GC()
	var peakHeap atomic.Uint64
	var peakTmp atomic.Int64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peakHeap.Store(max(peakHeap.Load(), ms.HeapInuse))
			peakTmp.Store(max(peakTmp.Load(), dirSize(os.TempDir())))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	var res childResult
	h := fnv.New64a()
	sum := func(cells []string) {
		res.Rows++
		for _, c := range cells {
			_, _ = io.WriteString(h, c)
			_, _ = h.Write([]byte{0x1f})
		}
		_, _ = h.Write([]byte{0x1e})
	}
	start := time.Now()
	var err error
	switch reader {
	case "ours":
		err = readOurs(path, limits, &res, start, sum)
	case "excelize":
		err = readExcelize(path, limits, &res, start, sum)
	case "unzip":
		err = readUnzip(path, &res)
	case "none": // the baseline: the child process reading nothing
	default:
		err = fmt.Errorf("unknown reader %q", reader)
	}
	res.Sec = time.Since(start).Seconds()
	close(done)
	<-finished
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.PeakHeap, res.TotalHeap, res.PeakTmp, res.Hash = peakHeap.Load(), ms.TotalAlloc, peakTmp.Load(), h.Sum64()
	res.PeakRSS = vmHWM()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		res.CPUSec = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	if err != nil {
		res.Err = err.Error()
		if len(res.Err) > 300 {
			res.Err = res.Err[:300] + "…"
		}
	}
	b, _ := json.Marshal(res)
	fmt.Println(childMark + string(b))
}

func readOurs(path string, limits Limits, res *childResult, start time.Time, sum func([]string)) error {
	r, err := OpenXLSX(path, limits)
	if err != nil {
		return err
	}
	defer r.Close()
	res.OpenSec = time.Since(start).Seconds()
	for {
		cells, err := r.Next()
		if err == io.EOF {
			return r.Close()
		}
		if err != nil {
			return err
		}
		sum(cells)
	}
}

// readUnzip is the floor: it inflates every part of the file and parses
// nothing.
func readUnzip(path string, res *childResult) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	defer zr.Close()
	buf := make([]byte, 64<<10)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(io.Discard, rc, buf)
		_ = rc.Close()
		if err != nil {
			return err
		}
	}
	res.Rows = -1
	return nil
}

// readExcelize reads the first visible sheet with excelize's row iterator,
// with its unzip limits set from limits as far as they go (excelize has one
// limit for each entry and for their sum: the smaller of ours, 1 GiB by
// default) and the size above which it
// unzips a sheet or the shared strings to a temporary file set to the 32 MB
// of shared-string text that OpenXLSX keeps in memory. Rows and cells are
// cleaned as OpenXLSX cleans them; the first non-empty row is the header.
func readExcelize(path string, limits Limits, res *childResult, start time.Time, sum func([]string)) error {
	limits = limits.withDefaults()
	total := min(limits.MaxEntry, limits.MaxTotal)
	opts := excelize.Options{UnzipSizeLimit: int64(total), UnzipXMLSizeLimit: int64(min(total, sstMemChunks*sstChunk))} // #nosec G115 -- at most 2 GiB
	f, err := excelize.OpenFile(path, opts)
	if err != nil {
		return err
	}
	defer f.Close()
	sheet := ""
	for _, name := range f.GetSheetList() {
		if visible, _ := f.GetSheetVisible(name); visible {
			sheet = name
			break
		}
	}
	if sheet == "" {
		return errors.New("no visible sheet")
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return err
	}
	res.OpenSec = time.Since(start).Seconds()
	header := false
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			_ = rows.Close()
			return err
		}
		cells, ok := cleanRow(cells)
		if !ok {
			continue
		}
		if !header {
			header = true
			continue
		}
		sum(cells)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return f.Close()
}

// vmHWM returns the peak resident set size of this process. (The rusage
// of a child is no good: Go starts it with vfork, and exec records the
// parent's peak as the child's.)
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// dirSize returns the bytes of the files in dir (not recursing).
func dirSize(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n
}

// runChild reads path with reader in a child process and returns what it
// reported, its peak RSS and its wall time.
func runChild(tb testing.TB, reader, path string, limits Limits) childResult {
	tb.Helper()
	tmp, err := os.MkdirTemp("", "xlsxcompare-")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(os.Args[0], "-test.run=^TestXLSXCompareChild$", "-test.count=1", "-test.v=false") // #nosec G204 -- this test binary
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "SUNSHINE_XLSX_CHILD="+reader, "SUNSHINE_XLSX_CHILD_FILE="+path,
		"SUNSHINE_XLSX_CHILD_MAXENTRY="+strconv.FormatUint(limits.MaxEntry, 10),
		"SUNSHINE_XLSX_CHILD_MAXTOTAL="+strconv.FormatUint(limits.MaxTotal, 10))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	runErr := cmd.Run()
	var res childResult
	res.Wall = time.Since(start)
	for line := range strings.SplitSeq(out.String(), "\n") {
		if s, ok := strings.CutPrefix(line, childMark); ok {
			if err := json.Unmarshal([]byte(s), &res); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if runErr != nil && !strings.Contains(out.String(), childMark) {
		o := out.String()
		if i := strings.Index(o, "fatal error"); i >= 0 {
			o = o[i:]
		}
		res.Killed = fmt.Sprintf("%v: %.200s", runErr, o)
	}
	return res
}

const mb = 1 << 20

// BenchmarkXLSXCompare reads one 600,000-row persons file, written once
// with shared strings as Excel does and once with inline strings as
// Sunshine's export does, with OpenXLSX and with excelize's row iterator,
// each in a child process, and reports rows/s, peak RSS, peak heap, bytes
// allocated and temporary files, then both readers' figures as ratios.
func BenchmarkXLSXCompare(b *testing.B) {
	skipUnlessBenchXLSX(b)
	rows := cmpRows()
	dir := cmpDir(b)
	files := map[string]string{}
	var once sync.Once
	build := func() {
		start := time.Now()
		files["shared"] = sharedBook(b, dir, rows)
		files["inline"] = inlineBook(b, dir, rows)
		for _, kind := range []string{"shared", "inline"} {
			b.Logf("%s: %s", kind, describeBook(b, files[kind]))
		}
		b.Logf("files ready in %v", time.Since(start).Round(time.Second))
		base := runChild(b, "none", files["shared"], Limits{})
		b.Logf("baseline: a child process that reads nothing peaks at %d MB RSS", base.PeakRSS/mb)
	}
	results := map[string]childResult{}
	for _, kind := range []string{"shared", "inline"} {
		for _, reader := range []string{"unzip", "ours", "excelize"} {
			b.Run(kind+"/"+reader, func(b *testing.B) {
				once.Do(build)
				var res childResult
				for b.Loop() {
					res = runChild(b, reader, files[kind], Limits{})
				}
				if res.Killed != "" || res.Err != "" {
					b.Fatalf("%s%s", res.Killed, res.Err)
				}
				if reader == "unzip" {
					res.Rows = rows
				} else if res.Rows != rows {
					b.Fatalf("%d rows, want %d", res.Rows, rows)
				}
				results[kind+"/"+reader] = res
				b.ReportMetric(float64(res.Rows)/res.Sec, "rows/s")
				b.ReportMetric(float64(res.Rows)/res.CPUSec, "rows/cpu-s")
				b.ReportMetric(res.OpenSec, "open-s")
				b.ReportMetric(float64(res.PeakRSS)/mb, "peak-RSS-MB")
				b.ReportMetric(float64(res.PeakHeap)/mb, "peak-heap-MB")
				b.ReportMetric(float64(res.TotalHeap)/mb, "alloc-MB")
				b.ReportMetric(float64(res.PeakTmp)/mb, "tmp-MB")
			})
		}
	}
	for _, kind := range []string{"shared", "inline"} {
		o, e, u := results[kind+"/ours"], results[kind+"/excelize"], results[kind+"/unzip"]
		if o.Rows == 0 || e.Rows == 0 || u.Rows == 0 {
			continue
		}
		b.Logf("%s strings: unzipping alone (the floor) %.2f s, CPU %.2f s; time/floor: ours %.1f, excelize %.1f",
			kind, u.Sec, u.CPUSec, o.Sec/u.Sec, e.Sec/u.Sec)
		b.Logf("%s strings, %d rows: ours %.0f rows/s in %.1f s (open %.1f s, CPU %.1f s), peak RSS %d MB, heap %d MB, alloc %d MB, tmp %d MB; "+
			"excelize %.0f rows/s in %.1f s (open %.1f s, CPU %.1f s), peak RSS %d MB, heap %d MB, alloc %d MB, tmp %d MB; "+
			"excelize/ours: time %.2f, CPU %.2f, peak RSS %.2f, alloc %.2f; same cells: %v",
			kind, o.Rows, float64(o.Rows)/o.Sec, o.Sec, o.OpenSec, o.CPUSec, o.PeakRSS/mb, o.PeakHeap/mb, o.TotalHeap/mb, o.PeakTmp/mb,
			float64(e.Rows)/e.Sec, e.Sec, e.OpenSec, e.CPUSec, e.PeakRSS/mb, e.PeakHeap/mb, e.TotalHeap/mb, e.PeakTmp/mb,
			e.Sec/o.Sec, e.CPUSec/o.CPUSec, float64(e.PeakRSS)/float64(o.PeakRSS), float64(e.TotalHeap)/float64(o.TotalHeap), o.Hash == e.Hash)
	}
}

// describeBook gives the size of a file and of its biggest parts.
func describeBook(tb testing.TB, path string) string {
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	fi, _ := os.Stat(path)
	s := fmt.Sprintf("%d MB", fi.Size()/mb)
	for _, f := range zr.File {
		if f.UncompressedSize64 > mb {
			s += fmt.Sprintf("; %s %d MB (%d MB zipped)", f.Name, f.UncompressedSize64/mb, f.CompressedSize64/mb)
		}
	}
	return s
}

// rawBook is a minimal valid workbook with a sheet and shared strings
// written as whole XML documents, so that they can carry a DOCTYPE or be
// hundreds of megabytes long.
type rawBook struct {
	sheet func(w io.Writer)
	sst   func(w io.Writer) // nil for none
}

func (rb rawBook) build(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	part := func(name string, body func(w io.Writer)) {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		body(bw)
		if err := bw.Flush(); err != nil {
			tb.Fatal(err)
		}
	}
	text := func(s string) func(io.Writer) { return func(w io.Writer) { _, _ = io.WriteString(w, s) } }
	rels := `<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>`
	if rb.sst != nil {
		rels += `<Relationship Id="rId2" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>`
	}
	part("[Content_Types].xml", text(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`))
	part("_rels/.rels", text(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+nsRel+`/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	part("xl/workbook.xml", text(`<workbook `+nsMain+` xmlns:r="`+nsRel+`"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	part("xl/_rels/workbook.xml.rels", text(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels+`</Relationships>`))
	part("xl/worksheets/sheet1.xml", rb.sheet)
	if rb.sst != nil {
		part("xl/sharedStrings.xml", rb.sst)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// sheetDoc returns a sheet document with rows between a header row and the
// end; doctype, when set, comes before the root element.
func sheetDoc(doctype string, rows func(w io.Writer)) func(io.Writer) {
	return func(w io.Writer) {
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+doctype+`<worksheet `+nsMain+`><sheetData>`+
			`<row r="1"><c r="A1" t="inlineStr"><is><t>header</t></is></c></row>`)
		rows(w)
		_, _ = io.WriteString(w, `</sheetData></worksheet>`)
	}
}

func rowsText(s string) func(io.Writer) {
	return func(w io.Writer) { _, _ = io.WriteString(w, s) }
}

// laughs is the "billion laughs" DOCTYPE: &l9; expands to 10^9 bytes.
const laughs = `<!DOCTYPE lolz [<!ENTITY l0 "lollollol!">` +
	`<!ENTITY l1 "&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;"><!ENTITY l2 "&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;">` +
	`<!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;"><!ENTITY l4 "&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;">` +
	`<!ENTITY l5 "&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;"><!ENTITY l6 "&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;">` +
	`<!ENTITY l7 "&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;"><!ENTITY l8 "&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;">` +
	`<!ENTITY l9 "&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;">]>`

// xxe declares an external entity that names a local file.
const xxe = `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`

// hostileCase is a file that a reader must refuse, or read within bounds.
type hostileCase struct {
	name   string
	limits Limits
	build  func(t *testing.T) string
}

func hostileCases() []hostileCase {
	smallBook := func(t *testing.T) string { // as in TestXLSXZipBomb
		var buf bytes.Buffer
		w, _ := NewXLSXWriter(&buf, "")
		for i := range 2000 {
			_ = w.Write([]string{strconv.Itoa(i), strings.Repeat("x", 100)})
		}
		_ = w.Close()
		return writeFile(t, "small.xlsx", buf.Bytes())
	}
	zipOf := func(t *testing.T, names ...string) string { // as in TestXLSXNotAWorkbook
		p := filepath.Join(t.TempDir(), "z.xlsx")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zw := zip.NewWriter(f)
		for _, n := range names {
			w, _ := zw.Create(n)
			_, _ = io.WriteString(w, "<x/>")
		}
		_ = zw.Close()
		return p
	}
	return []hostileCase{
		{"zip bomb: 300 MB of zeros as the sheet (TestXLSXZipBomb)", Limits{}, func(t *testing.T) string { return zipBomb(t, 300<<20) }},
		{"zip bomb: valid workbook, 300 MB sheet of 11.5 million rows", Limits{}, func(t *testing.T) string {
			return rawBook{sheet: sheetDoc("", func(w io.Writer) {
				for range 300 << 20 / 26 {
					_, _ = io.WriteString(w, `<row><c><v>1</v></c></row>`)
				}
			})}.build(t, "bomb-valid.xlsx")
		}},
		{"MaxEntry 100 KB, 2,000-row workbook (TestXLSXZipBomb)", Limits{MaxEntry: 100 << 10}, smallBook},
		{"MaxTotal 100 KB, 2,000-row workbook (TestXLSXZipBomb)", Limits{MaxTotal: 100 << 10}, smallBook},
		{"10,001 zip entries (TestXLSXZipBomb)", Limits{}, func(t *testing.T) string {
			names := make([]string, maxZipEntries+1)
			for i := range names {
				names[i] = fmt.Sprintf("f%d", i)
			}
			return zipOf(t, names...)
		}},
		{"docx, not a workbook (TestXLSXNotAWorkbook)", Limits{}, func(t *testing.T) string {
			return zipOf(t, "[Content_Types].xml", "word/document.xml")
		}},
		{"corrupt zip (TestXLSXNotAWorkbook)", Limits{}, func(t *testing.T) string {
			return writeFile(t, "corrupt.xlsx", []byte("PK\x03\x04 this is not really a zip"))
		}},
		{"billion laughs in the sheet", Limits{}, func(t *testing.T) string {
			return rawBook{sheet: sheetDoc(laughs, rowsText(`<row r="2"><c r="A2" t="inlineStr"><is><t>&l9;</t></is></c></row>`))}.build(t, "laughs.xlsx")
		}},
		{"billion laughs in the shared strings", Limits{}, func(t *testing.T) string {
			return rawBook{
				sheet: sheetDoc("", rowsText(`<row r="2"><c r="A2" t="s"><v>0</v></c></row>`)),
				sst:   rowsText(`<?xml version="1.0"?>` + laughs + `<sst ` + nsMain + `><si><t>&l9;</t></si></sst>`),
			}.build(t, "laughs-sst.xlsx")
		}},
		{"external entity (XXE) file:///etc/passwd in the sheet", Limits{}, func(t *testing.T) string {
			return rawBook{sheet: sheetDoc(xxe, rowsText(`<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>`))}.build(t, "xxe.xlsx")
		}},
		{"shared-string bomb: 10 million strings, 2 used", Limits{}, func(t *testing.T) string {
			const n = 10_000_000
			return rawBook{
				sheet: sheetDoc("", rowsText(`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>`+strconv.Itoa(n-1)+`</v></c></row>`)),
				sst: func(w io.Writer) {
					fmt.Fprintf(w, `<sst %s count="2" uniqueCount="%d">`, nsMain, n)
					for i := range n {
						fmt.Fprintf(w, `<si><t>%d</t></si>`, i*7919)
					}
					_, _ = io.WriteString(w, `</sst>`)
				},
			}.build(t, "sst-bomb.xlsx")
		}},
		{"oversized cell: one 100 MB inline string", Limits{}, func(t *testing.T) string {
			return rawBook{sheet: sheetDoc("", func(w io.Writer) {
				_, _ = io.WriteString(w, `<row r="2"><c r="A2" t="inlineStr"><is><t>`)
				chunk := []byte(strings.Repeat("x", 150))
				for i := range 100 << 20 / 151 {
					chunk[0] = 'a' + byte(i*7919%26)
					_, _ = w.Write(chunk)
					_, _ = io.WriteString(w, strconv.Itoa(i%10))
				}
				_, _ = io.WriteString(w, `</t></is></c></row>`)
			})}.build(t, "big-cell.xlsx")
		}},
		{"cell beyond column XFD", Limits{}, func(t *testing.T) string {
			return rawBook{sheet: sheetDoc("", rowsText(`<row r="2"><c r="XFE2"><v>1</v></c></row>`))}.build(t, "xfe.xlsx")
		}},
		{"malformed sheet XML at row 3 of 5", Limits{}, func(t *testing.T) string {
			return rawBook{sheet: sheetDoc("", rowsText(`<row r="2"><c r="A2"><v>2</v></c></row>`+
				`<row r="3"><c r="A3"><v>3</v></row>`+
				`<row r="4"><c r="A4"><v>4</v></c></row><row r="5"><c r="A5"><v>5</v></c></row>`))}.build(t, "malformed.xlsx")
		}},
		{"shared-string index out of range", Limits{}, func(t *testing.T) string {
			return rawBook{
				sheet: sheetDoc("", rowsText(`<row r="2"><c r="A2" t="s"><v>7</v></c></row>`)),
				sst:   rowsText(`<sst ` + nsMain + `><si><t>only</t></si></sst>`),
			}.build(t, "sst-index.xlsx")
		}},
	}
}

// TestXLSXHostileCompare reads every hostile file with OpenXLSX and with
// excelize's row iterator (limits as in readExcelize), each in a child
// process, and logs what each did: refused (with the error), or read how
// many rows, in what time, peak RSS and temporary files.
func TestXLSXHostileCompare(t *testing.T) {
	skipUnlessBenchXLSX(t)
	for _, hc := range hostileCases() {
		t.Run(hc.name, func(t *testing.T) {
			p := hc.build(t)
			fi, _ := os.Stat(p)
			for _, reader := range []string{"ours", "excelize"} {
				res := runChild(t, reader, p, hc.limits)
				outcome := fmt.Sprintf("read %d data rows", res.Rows)
				switch {
				case res.Killed != "":
					outcome = "CRASHED: " + res.Killed
				case res.Err != "":
					outcome = "refused: " + res.Err
				}
				t.Logf("%-8s %s; %.2f s (CPU %.2f s), peak RSS %d MB, alloc %d MB, tmp %d MB (file %d KB)",
					reader, outcome, res.Wall.Seconds(), res.CPUSec, res.PeakRSS/mb, res.TotalHeap/mb, res.PeakTmp/mb, fi.Size()>>10)
			}
		})
	}
}
