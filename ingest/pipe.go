package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pipeCSV sends text files' rows (delimited or JSON) to DuckDB's read_csv through a
// named pipe rather than the Appender, which stages them in a temp table first. Tests
// turn it off to compare the two paths.
var pipeCSV = fifoSupported

// readCSVMaxLine is the longest row read_csv accepts from the pipe; a file with a longer
// one is loaded through the Appender instead.
const readCSVMaxLine = 16 << 20

func isDelimited(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		return true
	}
	return false
}

// loadPiped loads a text file (delimited or JSON) in one transaction with DuckDB's own
// CSV reader doing the storing: Go decodes the file (DuckDB cannot read GB18030 or UTF-16), finds the
// header, classifies rows, hashes and masks, and writes the shaped rows as clean UTF-8
// CSV into a named pipe, while read_csv reads the other end into the raw table. The two
// run side by side, and nothing the size of the file is ever held or written to disk.
//
// loaded is false with res.Err set when the file itself could not be read, and false
// with res.Err nil when read_csv refused the rows Go wrote (the caller then loads the
// file through the Appender); err is a failure of the store.
func loadPiped(ctx context.Context, conn *sql.Conn, opts Options, src SourceConfig, mapper *Mapper, sheets []streamSheet, res *FileResult, size int64, snap *time.Time) (loaded bool, err error) {
	dir, err := os.MkdirTemp("", "minqing-pipe-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	fifo := filepath.Join(dir, "rows.csv")
	if err := makeFIFO(fifo); err != nil {
		return false, err
	}
	cols, err := rawColumns(ctx, conn, rawTables[src.Kind])
	if err != nil {
		return false, err
	}
	var spec []string
	for _, c := range cols[1:] { // file_id is bound, not written
		spec = append(spec, fmt.Sprintf("'%s': '%s'", c[0], c[1]))
	}
	query := fmt.Sprintf(`insert into %s select ?::varchar, * from %s`, rawTables[src.Kind], readCSVCall(fifo, spec))

	var readErr, refused error
	insert := func(tx *sql.Tx) error {
		written := make(chan error, 1)
		go func() { written <- writePipe(fifo, opts, src, mapper, sheets, res) }()
		result, qerr := tx.ExecContext(ctx, query, res.SHA256)
		// A writer still waiting for a reader, or still writing, is released: a reader
		// that opens and closes at once makes its writes fail.
		if f, err := openFIFOReader(fifo); err == nil {
			f.Close()
		}
		werr := <-written
		switch {
		case werr != nil && !isBrokenPipe(werr):
			readErr = werr // the file: reported, nothing stored
			return werr
		case qerr != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			refused = qerr
			return qerr
		case werr != nil:
			return werr
		}
		n, err := result.RowsAffected()
		if err != nil {
			return err
		}
		if int(n) != res.Data {
			refused = fmt.Errorf("read_csv stored %d rows of %d", n, res.Data)
			return refused
		}
		return nil
	}
	err = commitFile(ctx, conn, opts, src, res, size, snap, insert)
	switch {
	case readErr != nil:
		res.Status, res.Err = StatusFailed, fmt.Errorf("reading %q: %w", res.Path, readErr)
		return false, nil
	case refused != nil:
		opts.Logger.Debug("read_csv refused rows", "file", res.Path, "err", refused)
		return false, nil
	}
	return err == nil, err
}

// readCSVCall is the read_csv call that reads what appendCSVRow writes, with no
// sniffing (a pipe cannot be read twice): columns are name-and-type pairs.
func readCSVCall(path string, columns []string) string {
	return fmt.Sprintf(`read_csv('%s', header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
		new_line = '\n', allow_quoted_nulls = false, null_padding = false, strict_mode = true, max_line_size = %d,
		columns = {%s})`, strings.ReplaceAll(path, "'", "''"), readCSVMaxLine, strings.Join(columns, ", "))
}

// writePipe reads every sheet into res and writes each data row, shaped, to the pipe.
func writePipe(fifo string, opts Options, src SourceConfig, mapper *Mapper, sheets []streamSheet, res *FileResult) error {
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	shape := shapers{k: opts.Keyer, kind: src.Kind, defaults: src.Defaults, res: res}
	var line []byte
	err = readSheetsInto(sheets, mapper, res, func(sheetName string, cols []column, r gridRow) error {
		line = appendCSVRow(line[:0], shape.get(cols).row(sheetName, r)[1:])
		res.Data++
		_, err := w.Write(line)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// appendCSVRow writes one row as read_csv above reads it: NULL as an empty field, the
// empty string quoted (so it is not NULL), text with quotes, commas or line breaks
// quoted with its quotes doubled, other text as it is.
func appendCSVRow(b []byte, vals []driver.Value) []byte {
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := v.(type) {
		case nil:
		case string:
			if v != "" && strings.IndexAny(v, "\",\r\n") < 0 {
				b = append(b, v...)
				break
			}
			b = append(b, '"')
			for {
				j := strings.IndexByte(v, '"')
				if j < 0 {
					break
				}
				b = append(b, v[:j+1]...)
				b = append(b, '"')
				v = v[j+1:]
			}
			b = append(b, v...)
			b = append(b, '"')
		case int32:
			b = strconv.AppendInt(b, int64(v), 10)
		case bool:
			b = strconv.AppendBool(b, v)
		default:
			panic(fmt.Sprintf("appendCSVRow: unexpected %T", v))
		}
	}
	return append(b, '\n')
}

// rawColumns lists a raw table's columns and types in order.
func rawColumns(ctx context.Context, conn *sql.Conn, table string) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, `select column_name, data_type from information_schema.columns
		where table_name = ? and table_schema = 'main' order by ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
