package main

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/minqing/minqing/transform"
)

// statsSchema is the long form of `stats`: one row per unit and figure, so an analyst's
// pandas, polars or DuckDB reads typed columns instead of parsing JSON.
var statsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "period", Type: arrow.BinaryTypes.String},
	{Name: "cutoff", Type: arrow.FixedWidthTypes.Date32},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "level", Type: arrow.BinaryTypes.String},
	{Name: "parent", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "figure", Type: arrow.BinaryTypes.String},
	{Name: "kind", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// writeStatsArrow writes the figures as one Arrow IPC stream record batch.
func writeStatsArrow(w io.Writer, p transform.Period, figs []transform.UnitFigures) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, statsSchema)
	defer b.Release()
	cutoff := arrow.Date32FromTime(p.Cutoff)
	for _, f := range figs {
		for _, d := range transform.FigureDefs() {
			b.Field(0).(*array.StringBuilder).Append(p.ID)
			b.Field(1).(*array.Date32Builder).Append(cutoff)
			b.Field(2).(*array.StringBuilder).Append(f.Unit.Code)
			b.Field(3).(*array.StringBuilder).Append(f.Unit.Name)
			b.Field(4).(*array.StringBuilder).Append(f.Unit.Level)
			if f.Unit.Parent == "" {
				b.Field(5).AppendNull()
			} else {
				b.Field(5).(*array.StringBuilder).Append(f.Unit.Parent)
			}
			b.Field(6).(*array.StringBuilder).Append(d.ID)
			b.Field(7).(*array.StringBuilder).Append(string(d.Kind))
			if v := f.Values[d.ID]; v == nil {
				b.Field(8).AppendNull()
			} else {
				b.Field(8).(*array.Float64Builder).Append(*v)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	wr := ipc.NewWriter(w, ipc.WithSchema(statsSchema))
	if err := wr.Write(rec); err != nil {
		return fmt.Errorf("writing Arrow stream: %w", err)
	}
	if err := wr.Close(); err != nil {
		return fmt.Errorf("writing Arrow stream: %w", err)
	}
	return nil
}
