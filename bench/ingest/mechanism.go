package main

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/duckdb/duckdb-go/v2"
)

// appendAppender loads rows through DuckDB's Appender, row by row.
func appendAppender(ctx context.Context, db *sql.DB, table string, cols int, next func() ([]string, bool)) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "", "main", table)
		if err != nil {
			return err
		}
		vals := make([]driver.Value, cols)
		for {
			row, ok := next()
			if !ok {
				break
			}
			for i := range vals {
				vals[i] = ""
				if i < len(row) {
					vals[i] = row[i]
				}
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}
