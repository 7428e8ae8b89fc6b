package transform

import (
	"context"
	"fmt"

	"github.com/minqing/minqing/internal/terms"
)

// NotFilled says where the cases of a breakdown's row 未填写 (terms.NotFilled) come from:
// of the cases received in the period without the value, NoColumn come only from exports
// that have no such column at all, from the sources NoColumnSources (every source those
// cases came from), and EmptyCell from an export that has the column but left the cell
// empty, from EmptyCellSources (the source of the newest such export of each case, the
// one the value is taken from). NoColumn + EmptyCell is the row's 受理量; the source
// lists are the config's source names, sorted.
type NotFilled struct {
	NoColumn         int
	NoColumnSources  []string
	EmptyCell        int
	EmptyCellSources []string
}

// notFilledDims are the breakdowns whose cases may lack their value, and the column of
// cases and case_versions each reads.
var notFilledDims = map[string]string{"channel": "channel", "topic": "topic"}

// NotFilled returns where the 未填写 cases of a unit's subtree received in p come from,
// for dim channel or topic (any other dim is an error: classes are always stated, and
// topic levels and departments have no 未填写 row).
func (r *Reader) NotFilled(ctx context.Context, p Period, unitCode, dim string) (NotFilled, error) {
	col, ok := notFilledDims[dim]
	if !ok {
		return NotFilled{}, fmt.Errorf("reading the sources of the %s breakdown's 未填写 row: no such row for %q", dim, dim)
	}
	// A value written as 未填写 is the row's too: the export has the column, and the cell
	// says nobody filled it in.
	rows, err := r.db.QueryContext(ctx, `
		with c as (
			select c.case_key from cases c
			join ref_unit_tree t on t.code = c.unit_code and t.ancestor = ?
			where c.received_date between cast(? as date) and cast(? as date) and coalesce(c.`+col+`, ?) = ?
		),
		v as (
			select v.case_key, bool_or(v.`+col+`_p) as has_column,
				case when bool_or(v.`+col+`_p) then [arg_min(v.source, v.version_rank) filter (where v.`+col+`_p)]
				     else list(distinct v.source) end as sources
			from case_versions v semi join c using (case_key)
			group by v.case_key
		)
		select has_column, count(*), list_sort(list_distinct(flatten(list(sources))))::varchar[]
		from v group by has_column`,
		unitCode, p.Start.Format("2006-01-02"), p.End.Format("2006-01-02"), terms.NotFilled, terms.NotFilled)
	if err != nil {
		return NotFilled{}, fmt.Errorf("reading the sources of %s's %s breakdown's 未填写 row: %w", unitCode, dim, err)
	}
	defer rows.Close()
	var out NotFilled
	for rows.Next() {
		var hasColumn bool
		var n int
		var sources []any
		if err := rows.Scan(&hasColumn, &n, &sources); err != nil {
			return NotFilled{}, fmt.Errorf("reading the sources of %s's %s breakdown's 未填写 row: %w", unitCode, dim, err)
		}
		names := make([]string, 0, len(sources))
		for _, s := range sources {
			if s, ok := s.(string); ok {
				names = append(names, s)
			}
		}
		if hasColumn {
			out.EmptyCell, out.EmptyCellSources = n, names
		} else {
			out.NoColumn, out.NoColumnSources = n, names
		}
	}
	if err := rows.Err(); err != nil {
		return NotFilled{}, fmt.Errorf("reading the sources of %s's %s breakdown's 未填写 row: %w", unitCode, dim, err)
	}
	return out, nil
}
