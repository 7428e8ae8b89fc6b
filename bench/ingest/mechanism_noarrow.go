//go:build !duckdb_arrow

package main

import (
	"context"
	"database/sql"
	"errors"
)

// appendArrow needs the driver's Arrow interface, compiled only with -tags duckdb_arrow.
func appendArrow(context.Context, *sql.DB, string, string, int, func() ([]string, bool), int) error {
	return errors.New("the arrow variant needs: go run -tags duckdb_arrow ./bench/ingest")
}

const arrowAvailable = false
