package db

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// A backup is a gzip-compressed stream of JSON lines, the same for both
// engines (so a SQLite database can be restored into PostgreSQL and back):
//
//	{"format":"sunshine-backup","version":1,"schema":3,"dialect":"sqlite","created":"…"}
//	{"table":"persons","columns":["id",…],"kinds":["int",…]}
//	[1,"王芳",…]                       one line per row
//	{"end":"persons","rows":20000}
//	…
//	{"end":"backup","tables":11}
//
// Values: int and float as JSON numbers, bool as true/false, text as strings,
// bytes as base64 strings, NULL as null.
const backupFormat = "sunshine-backup"

type backupHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Schema  int64  `json:"schema"`
	Dialect string `json:"dialect"`
	Created string `json:"created"`
}

type tableHeader struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
	Kinds   []string `json:"kinds"`
}

type tableEnd struct {
	End    string `json:"end"`
	Rows   int64  `json:"rows,omitempty"`
	Tables int    `json:"tables,omitempty"`
}

// kindOf maps a column's declared type to how it is written.
func kindOf(decl string) string {
	t := strings.ToUpper(decl)
	switch {
	case strings.Contains(t, "BOOL"):
		return "bool"
	case strings.Contains(t, "INT"):
		return "int"
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOAT"), strings.Contains(t, "DOUBLE"), strings.Contains(t, "NUMERIC"):
		return "float"
	case strings.Contains(t, "BLOB"), strings.Contains(t, "BYTEA"):
		return "bytes"
	}
	return "text"
}

// BackupStats tells what a backup or restore moved.
type BackupStats struct {
	Tables int
	Rows   int64
}

// Backup writes the given tables, in order, to w, from one consistent snapshot
// (a read transaction), while the application may keep running.
func (d *DB) Backup(ctx context.Context, w io.Writer, schema int64, tables []string) (BackupStats, error) {
	var st BackupStats
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 1<<16)
	enc := json.NewEncoder(bw)
	// One snapshot: a SQLite read transaction in WAL mode sees one state of the
	// database; PostgreSQL needs REPEATABLE READ for that.
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := d.R.BeginTx(ctx, opts)
	if err != nil {
		return st, fmt.Errorf("backup: begin: %w", err)
	}
	defer tx.Rollback()
	dialect := "sqlite"
	if d.Dialect == Postgres {
		dialect = "postgres"
	}
	if err := enc.Encode(backupHeader{Format: backupFormat, Version: 1, Schema: schema, Dialect: dialect, Created: d.Now().Format(time.RFC3339)}); err != nil {
		return st, err
	}
	for _, table := range tables {
		n, err := backupTable(ctx, tx, enc, table)
		if err != nil {
			return st, err
		}
		st.Tables++
		st.Rows += n
	}
	if err := enc.Encode(tableEnd{End: "backup", Tables: st.Tables}); err != nil {
		return st, err
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("backup: %w", err)
	}
	if err := zw.Close(); err != nil {
		return st, fmt.Errorf("backup: %w", err)
	}
	return st, nil
}

func backupTable(ctx context.Context, tx *sql.Tx, enc *json.Encoder, table string) (int64, error) {
	// In key order: parents (shorter org unit codes) before their children.
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY 1`) // #nosec G202 -- table is one of the code's own table names, never input
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", table, err)
	}
	h := tableHeader{Table: table}
	for _, c := range cols {
		h.Columns = append(h.Columns, c.Name())
		h.Kinds = append(h.Kinds, kindOf(c.DatabaseTypeName()))
	}
	if err := enc.Encode(h); err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	out := make([]any, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("backup %s: %w", table, err)
		}
		for i, v := range vals {
			if out[i], err = encodeValue(h.Kinds[i], v); err != nil {
				return n, fmt.Errorf("backup %s.%s: %w", table, h.Columns[i], err)
			}
		}
		if err := enc.Encode(out); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("backup %s: %w", table, err)
	}
	return n, enc.Encode(tableEnd{End: table, Rows: n})
}

func encodeValue(kind string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case "bool":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	case "bytes":
		switch x := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(x), nil
		case string:
			return base64.StdEncoding.EncodeToString([]byte(x)), nil
		}
	case "text":
		switch x := v.(type) {
		case []byte:
			return string(x), nil
		case string:
			return x, nil
		}
	case "int", "float":
		switch v.(type) {
		case int64, float64, int32, float32:
			return v, nil
		}
	}
	return nil, fmt.Errorf("unexpected %T for a %s column", v, kind)
}

func decodeValue(kind string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case "bool":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "bytes":
		if s, ok := v.(string); ok {
			return base64.StdEncoding.DecodeString(s)
		}
	case "text":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "int":
		if n, ok := v.(json.Number); ok {
			return n.Int64()
		}
	case "float":
		if n, ok := v.(json.Number); ok {
			return n.Float64()
		}
	}
	return nil, fmt.Errorf("unexpected %v for a %s column", v, kind)
}

// ErrNotEmpty is returned when a restore is asked of a database that holds data.
var ErrNotEmpty = errors.New("the database already holds data: restore into a new, empty database")

// Restore reads a backup into this database, in one transaction. The database
// must be at the backup's schema version and hold no data in the tables of
// mustBeEmpty; the tables of clear (the seed rows) are emptied first, children
// before parents (clear lists parents first). On PostgreSQL the identity
// sequences are moved past the restored ids.
func (d *DB) Restore(ctx context.Context, r io.Reader, schema int64, mustBeEmpty, clear []string) (BackupStats, error) {
	var st BackupStats
	zr, err := gzip.NewReader(r)
	if err != nil {
		return st, fmt.Errorf("restore: not a Sunshine backup (not gzip): %w", err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(zr, 1<<16))
	dec.UseNumber()
	var h backupHeader
	if err := dec.Decode(&h); err != nil || h.Format != backupFormat {
		return st, errors.New("restore: not a Sunshine backup")
	}
	if h.Schema != schema {
		return st, fmt.Errorf("restore: the backup has schema version %d, this database %d: use the same Sunshine version", h.Schema, schema)
	}
	err = d.InTx(ctx, func(tx *Tx) error {
		for _, t := range mustBeEmpty {
			var n int64
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			if n > 0 {
				return fmt.Errorf("restore: %w (table %s has %d rows)", ErrNotEmpty, t, n)
			}
		}
		for i := len(clear) - 1; i >= 0; i-- {
			if _, err := tx.Exec(ctx, `DELETE FROM `+clear[i]); err != nil {
				return fmt.Errorf("restore: clear %s: %w", clear[i], err)
			}
		}
		var tables []tableHeader
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("restore: the backup is cut short: %w", err)
			}
			var end tableEnd
			if json.Unmarshal(raw, &end) == nil && end.End == "backup" {
				if end.Tables != len(tables) {
					return fmt.Errorf("restore: the backup says %d tables, it holds %d", end.Tables, len(tables))
				}
				break
			}
			var th tableHeader
			if err := json.Unmarshal(raw, &th); err != nil || th.Table == "" || len(th.Columns) != len(th.Kinds) {
				return errors.New("restore: a table header is damaged")
			}
			n, err := restoreTable(ctx, tx, dec, th)
			if err != nil {
				return err
			}
			tables = append(tables, th)
			st.Tables++
			st.Rows += n
		}
		if tx.Dialect == Postgres {
			for _, th := range tables {
				if th.Columns[0] != "id" || th.Kinds[0] != "int" {
					continue
				}
				q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT COALESCE(max(id), 0) FROM %s), 1))
					WHERE pg_get_serial_sequence('%s', 'id') IS NOT NULL`, th.Table, th.Table, th.Table)
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("restore: sequence of %s: %w", th.Table, err)
				}
			}
		}
		return nil
	})
	return st, err
}

func restoreTable(ctx context.Context, tx *Tx, dec *json.Decoder, th tableHeader) (int64, error) {
	const chunk = 100
	colList := strings.Join(th.Columns, ", ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(th.Columns)), ", ") + ")"
	var n int64
	var args []any
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		q := `INSERT INTO ` + th.Table + ` (` + colList + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", pending), ", ")
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("restore %s: %w", th.Table, err)
		}
		args, pending = args[:0], 0
		return nil
	}
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, fmt.Errorf("restore %s: the backup is cut short: %w", th.Table, err)
		}
		if len(raw) > 0 && raw[0] == '{' {
			var end tableEnd
			if err := json.Unmarshal(raw, &end); err != nil || end.End != th.Table {
				return n, fmt.Errorf("restore %s: damaged end of table", th.Table)
			}
			if err := flush(); err != nil {
				return n, err
			}
			if end.Rows != n {
				return n, fmt.Errorf("restore %s: the backup says %d rows, it holds %d", th.Table, end.Rows, n)
			}
			return n, nil
		}
		var vals []any
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		if err := d.Decode(&vals); err != nil || len(vals) != len(th.Columns) {
			return n, fmt.Errorf("restore %s: row %d is damaged", th.Table, n+1)
		}
		for i, v := range vals {
			x, err := decodeValue(th.Kinds[i], v)
			if err != nil {
				return n, fmt.Errorf("restore %s.%s row %d: %w", th.Table, th.Columns[i], n+1, err)
			}
			args = append(args, x)
		}
		pending++
		n++
		if pending == chunk {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
}
