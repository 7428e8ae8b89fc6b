// Package arrowio writes minqing's figures and case lists as Arrow IPC streams, so that an
// analyst's pandas, polars or DuckDB reads typed columns instead of parsing text. One
// format for `minqing stats --format arrow` and the server's downloads.
package arrowio

import (
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/minqing/minqing/transform"
)

// ContentType is what an Arrow IPC stream is served as.
const ContentType = "application/vnd.apache.arrow.stream"

// figuresSchema is one row per unit and figure (long form), with 环比 and 同比.
var figuresSchema = arrow.NewSchema([]arrow.Field{
	{Name: "period", Type: arrow.BinaryTypes.String},
	{Name: "cutoff", Type: arrow.FixedWidthTypes.Date32},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "level", Type: arrow.BinaryTypes.String},
	{Name: "parent", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "figure", Type: arrow.BinaryTypes.String},
	{Name: "kind", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "mom", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "yoy", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

// casesSchema is the auditors' list of overdue and late cases, citizens masked.
var casesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "case_key", Type: arrow.BinaryTypes.String},
	{Name: "case_no", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "township", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "category", Type: arrow.BinaryTypes.String},
	{Name: "channel", Type: arrow.BinaryTypes.String},
	{Name: "topic", Type: arrow.BinaryTypes.String},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "received_date", Type: arrow.FixedWidthTypes.Date32},
	{Name: "deadline", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "closed_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "is_overdue_open", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "is_proxy", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "days_late", Type: arrow.PrimitiveTypes.Int32},
	{Name: "citizen_masked", Type: arrow.BinaryTypes.String},
	{Name: "phone_masked", Type: arrow.BinaryTypes.String},
	{Name: "description_scrubbed", Type: arrow.BinaryTypes.String},
}, nil)

func appendString(b array.Builder, s string, nullIfEmpty bool) {
	if s == "" && nullIfEmpty {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(s)
}

func appendFloat(b array.Builder, v *float64) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.(*array.Float64Builder).Append(*v)
}

// WriteFigures writes the figures of the units inScope accepts (all when nil) as one
// record batch.
func WriteFigures(w io.Writer, p transform.Period, figs []transform.UnitFigures, inScope func(string) bool) error {
	return WriteFiguresWith(w, p, figs, inScope, nil)
}

// WriteFiguresWith is WriteFigures with key-value metadata on the stream's schema (such
// as whether the period is over in the data); the columns are the same.
func WriteFiguresWith(w io.Writer, p transform.Period, figs []transform.UnitFigures, inScope func(string) bool, meta map[string]string) error {
	schema := figuresSchema
	if len(meta) > 0 {
		md := arrow.MetadataFrom(meta)
		schema = arrow.NewSchema(figuresSchema.Fields(), &md)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	cutoff := arrow.Date32FromTime(p.Cutoff)
	for _, f := range figs {
		if inScope != nil && !inScope(f.Unit.Code) {
			continue
		}
		for _, d := range transform.FigureDefs() {
			appendString(b.Field(0), p.ID, false)
			b.Field(1).(*array.Date32Builder).Append(cutoff)
			appendString(b.Field(2), f.Unit.Code, false)
			appendString(b.Field(3), f.Unit.Name, false)
			appendString(b.Field(4), f.Unit.Level, false)
			appendString(b.Field(5), f.Unit.Parent, true)
			appendString(b.Field(6), d.ID, false)
			appendString(b.Field(7), string(d.Kind), false)
			appendFloat(b.Field(8), f.Values[d.ID])
			appendFloat(b.Field(9), f.MoM[d.ID])
			appendFloat(b.Field(10), f.YoY[d.ID])
		}
	}
	return writeRecord(w, schema, b)
}

// WriteCases writes a list of overdue and late cases, as the store holds them (masked),
// as one record batch.
func WriteCases(w io.Writer, cases []transform.CaseRow) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, casesSchema)
	defer b.Release()
	date := func(f array.Builder, t *time.Time) {
		if t == nil {
			f.AppendNull()
			return
		}
		f.(*array.Date32Builder).Append(arrow.Date32FromTime(*t))
	}
	for _, c := range cases {
		appendString(b.Field(0), c.CaseKey, false)
		appendString(b.Field(1), c.CaseNo, true)
		appendString(b.Field(2), c.UnitCode, false)
		appendString(b.Field(3), c.UnitName, false)
		appendString(b.Field(4), c.TownshipName, true)
		appendString(b.Field(5), c.Category, false)
		appendString(b.Field(6), c.Channel, false)
		appendString(b.Field(7), c.Topic, false)
		appendString(b.Field(8), c.Status, false)
		received := c.ReceivedAt
		date(b.Field(9), &received)
		date(b.Field(10), c.Deadline)
		date(b.Field(11), c.ClosedAt)
		b.Field(12).(*array.BooleanBuilder).Append(c.Overdue)
		b.Field(13).(*array.BooleanBuilder).Append(c.Proxy)
		b.Field(14).(*array.Int32Builder).Append(int32(c.DaysLate))
		appendString(b.Field(15), c.Citizen, false)
		appendString(b.Field(16), c.Phone, false)
		appendString(b.Field(17), c.Description, false)
	}
	return writeRecord(w, casesSchema, b)
}

func writeRecord(w io.Writer, schema *arrow.Schema, b *array.RecordBuilder) error {
	rec := b.NewRecordBatch()
	defer rec.Release()
	wr := ipc.NewWriter(w, ipc.WithSchema(schema))
	if err := wr.Write(rec); err != nil {
		return fmt.Errorf("writing Arrow stream: %w", err)
	}
	if err := wr.Close(); err != nil {
		return fmt.Errorf("writing Arrow stream: %w", err)
	}
	return nil
}
