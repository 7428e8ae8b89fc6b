//go:build duckdb_arrow

package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// appendArrow loads rows as Arrow record batches of batch rows: each batch is registered
// as a view in a scratch in-memory catalog, copied into the file database and released
// (a view on the file catalog would outlive its memory: ../shared/libraries.md).
func appendArrow(ctx context.Context, db *sql.DB, catalog, table string, cols int, next func() ([]string, bool), batch int) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "attach ':memory:' as scratch"); err != nil {
		return err
	}
	fields := make([]arrow.Field, cols)
	for i := range fields {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: arrow.BinaryTypes.String}
	}
	schema := arrow.NewSchema(fields, nil)
	return conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		execer := dc.(driver.ExecerContext)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		flush := func() error {
			rec := b.NewRecordBatch()
			defer rec.Release()
			if rec.NumRows() == 0 {
				return nil
			}
			rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
			if err != nil {
				return err
			}
			defer rdr.Release()
			if _, err := execer.ExecContext(ctx, "use scratch", nil); err != nil {
				return err
			}
			release, err := ar.RegisterView(rdr, "batch")
			if err != nil {
				return err
			}
			_, err = execer.ExecContext(ctx, fmt.Sprintf(`insert into "%s".main.%s select * from scratch.main.batch`, catalog, table), nil)
			release()
			if _, uerr := execer.ExecContext(ctx, `use "`+catalog+`"`, nil); err == nil {
				err = uerr
			}
			return err
		}
		n := 0
		for {
			row, ok := next()
			if !ok {
				break
			}
			for i := 0; i < cols; i++ {
				v := ""
				if i < len(row) {
					v = row[i]
				}
				b.Field(i).(*array.StringBuilder).Append(v)
			}
			n++
			if n%batch == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
}

const arrowAvailable = true
