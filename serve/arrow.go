package serve

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/minqing/minqing/transform"
)

// arrowType is what an Arrow IPC stream is served as.
const arrowType = "application/vnd.apache.arrow.stream"

// figuresSchema is one row per unit and figure (long form, like `stats --format arrow`),
// with 环比 and 同比; only the unit asked for and the units under it.
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

// writeFigures writes the figures of units inside scope as one record batch.
func writeFigures(w io.Writer, p transform.Period, figs []transform.UnitFigures, inScope func(string) bool) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, figuresSchema)
	defer b.Release()
	cutoff := arrow.Date32FromTime(p.Cutoff)
	for _, f := range figs {
		if !inScope(f.Unit.Code) {
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
	return writeRecord(w, figuresSchema, b)
}

func writeCases(w io.Writer, cases []transform.CaseRow) error {
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

func (s *Server) figuresArrow(w http.ResponseWriter, r *http.Request) {
	q := s.scoped(w, r, false, "arrow:figures")
	if q == nil {
		return
	}
	figs, err := s.opts.Source.Figures(r.Context(), q.period)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The stream holds the unit and its subtree, and of those only what the user may see
	// (the same check as the pages, so a township user never gets a neighbour's row).
	sub := func(code string) bool {
		return canSee(User{Role: RoleTownship, Unit: q.unit.Code}, q.meta.units, code) && canSee(q.user, q.meta.units, code)
	}
	var buf bytes.Buffer
	if err := writeFigures(&buf, q.period, figs, sub); err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveArrow(w, r, q, "figures", buf.Bytes())
}

func (s *Server) casesArrow(w http.ResponseWriter, r *http.Request) {
	q := s.scoped(w, r, false, "arrow:cases")
	if q == nil {
		return
	}
	if q.user.Role != RoleAuditor {
		s.access.record(accessEntry{Event: "denied", User: q.user.Name, Role: q.user.Role, Unit: q.unit.Code, What: "arrow:cases", Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusForbidden})
		s.metrics.denied.Inc()
		http.Error(w, "只有督查审计用户可查看诉求清单", http.StatusForbidden)
		return
	}
	in, err := s.input(r.Context(), q)
	if err == nil {
		in, err = s.fullCases(r.Context(), q, in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := writeCases(&buf, in.Detail.Cases); err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveArrow(w, r, q, "cases", buf.Bytes())
}

func (s *Server) serveArrow(w http.ResponseWriter, r *http.Request, q *request, what string, b []byte) {
	s.access.record(accessEntry{Event: "view", User: q.user.Name, Role: q.user.Role, Unit: q.unit.Code, Period: q.period.ID, What: "arrow:" + what, Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusOK})
	w.Header().Set("Content-Type", arrowType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.arrows"`, q.unit.Code, q.period.ID, what))
	w.Write(b)
}
