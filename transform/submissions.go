package transform

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SubmissionRule is docs/rules.md's "Who reported" in one sentence, as the 报送情况 sheet
// and the dashboard's panel state it.
const SubmissionRule = "本期未报送：村（社区）或乡镇（街道）本级的来源（民情台账、走访记录、乡镇诉求件、服务活动等）" +
	"中，没有一份由本单位导出的文件含有日期在本期内的行（诉求件的受理日期、走访日期、服务日期）。" +
	"导出日期取自文件名，不作判断依据：台账常在期末之后导出。所在层级没有本级来源的单位不作判断。" +
	"未报送单位的指标只来自上级平台的导出，不是本单位报送的数字。"

// SourceSubmission is what one source's files hold of a unit (its own rows or its
// units') dated in a period.
type SourceSubmission struct {
	Source string
	// Own is true when the unit exported these files itself: the source is at the
	// unit's level (a village's ledger, a township's case export).
	Own   bool
	Files int // files of the source holding such rows
	Rows  int // such rows across those files
	// Newest is the date of the newest of those files, from its name; nil when its name
	// carries no date. NewestRows counts its rows of the unit dated in the period.
	Newest     *time.Time
	NewestPath string
	NewestRows int
}

// UnitSubmissions is who sent what of one unit of the register for a period.
type UnitSubmissions struct {
	Unit
	// Expected is true when units of the unit's level export at all (some village- or
	// township-level source has files exported by a unit of that level); only then can a
	// unit be Silent.
	Expected bool
	// Silent: expected, and none of the unit's own exports holds a row dated in the
	// period. Its figures for the period come from other units' exports alone.
	Silent bool
	// LastOwn is the date of the unit's newest own export of any period (nil when it
	// never sent one, or its files' names carry no date).
	LastOwn *time.Time
	// Sources lists every source with rows of the unit dated in the period: own
	// sources first, then by name.
	Sources []SourceSubmission
}

// Submissions lists, for every unit of the register (the district first, then townships
// and villages by code), which sources sent rows of it dated in p and whether it sent
// anything itself (docs/rules.md "Who reported"). It reads the unit_exports mart that
// the auditors' EXPORTS_STOPPED reads too.
func (r *Reader) Submissions(ctx context.Context, p Period) ([]UnitSubmissions, error) {
	units, err := r.Units(ctx)
	if err != nil {
		return nil, err
	}
	expected := map[string]bool{}
	rows, err := r.db.QueryContext(ctx, `select distinct a.level from unit_exports e join ref_units a on a.code = e.unit_code where e.exported`)
	if err != nil {
		return nil, fmt.Errorf("listing the levels that export for %s: %w", p.ID, err)
	}
	for rows.Next() {
		var level string
		if err := rows.Scan(&level); err != nil {
			rows.Close()
			return nil, fmt.Errorf("listing the levels that export for %s: %w", p.ID, err)
		}
		expected[level] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing the levels that export for %s: %w", p.ID, err)
	}

	lastOwn := map[string]time.Time{}
	rows, err = r.db.QueryContext(ctx, `select unit_code, max(snapshot_date) from unit_exports
		where exported and snapshot_date is not null group by unit_code`)
	if err != nil {
		return nil, fmt.Errorf("reading the units' newest exports: %w", err)
	}
	for rows.Next() {
		var code string
		var d time.Time
		if err := rows.Scan(&code, &d); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading the units' newest exports: %w", err)
		}
		lastOwn[code] = localDate(d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the units' newest exports: %w", err)
	}

	bySource := map[string][]SourceSubmission{}
	rows, err = r.db.QueryContext(ctx, `with in_period as (
			select e.unit_code, e.source, e.file_id, f.path, e.snapshot_date, bool_or(e.exported) as exported, sum(e.rows) as rows
			from unit_exports e join ingest_files f using (file_id)
			where e.row_month between ? and ?
			group by all
		),
		ranked as (
			select *, row_number() over (partition by unit_code, source order by snapshot_date desc nulls last, path desc) as rn,
				count(*) over (partition by unit_code, source) as files,
				sum(rows) over (partition by unit_code, source) as all_rows,
				bool_or(exported) over (partition by unit_code, source) as own
			from in_period
		)
		select unit_code, source, own, files, all_rows, snapshot_date, path, rows
		from ranked where rn = 1
		order by unit_code, own desc, source`, p.Start.Format("2006-01-02"), p.End.Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("reading the exports of %s: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var s SourceSubmission
		var newest sql.NullTime
		if err := rows.Scan(&code, &s.Source, &s.Own, &s.Files, &s.Rows, &newest, &s.NewestPath, &s.NewestRows); err != nil {
			return nil, fmt.Errorf("reading the exports of %s: %w", p.ID, err)
		}
		if newest.Valid {
			d := localDate(newest.Time)
			s.Newest = &d
		}
		bySource[code] = append(bySource[code], s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the exports of %s: %w", p.ID, err)
	}

	out := make([]UnitSubmissions, len(units))
	for i, u := range units {
		s := UnitSubmissions{Unit: u, Expected: expected[u.Level], Sources: bySource[u.Code]}
		if d, ok := lastOwn[u.Code]; ok {
			s.LastOwn = &d
		}
		if s.Expected {
			s.Silent = true
			for _, src := range s.Sources {
				if src.Own {
					s.Silent = false
				}
			}
		}
		out[i] = s
	}
	return out, nil
}

// SilentUnits is the set of the codes of the units that sent nothing for the period
// (UnitSubmissions.Silent): a figure of one of them is marked 未报送, never shown as a
// plain 0.
func SilentUnits(subs []UnitSubmissions) map[string]bool {
	out := map[string]bool{}
	for _, s := range subs {
		if s.Silent {
			out[s.Code] = true
		}
	}
	return out
}
