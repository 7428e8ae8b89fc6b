package transform_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/transform"
	"github.com/minqing/minqing/transform/calendar"
)

// clearNotices drops the notice tables, so that a test numbers from a store that has
// issued none.
func clearNotices(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`drop table if exists supervision_notice_cases; drop table if exists supervision_notices`); err != nil {
		t.Fatal(err)
	}
}

// noticeUnit is the unit a case on w goes to: its township, or the district for its own.
func noticeUnit(w wantWarning) string {
	if w.township != "" {
		return w.township
	}
	return w.unit
}

// issue lists the warnings of unit as at asOf and issues their notices.
func issue(t *testing.T, r *transform.Reader, db *sql.DB, unit, asOf, runID string) (transform.Warnings, []transform.Notice) {
	t.Helper()
	ctx := context.Background()
	w, err := r.Warnings(ctx, unit, day(asOf), 2)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := transform.IssueNotices(ctx, db, w, runID, day(asOf).Add(9*time.Hour+30*time.Minute))
	if err != nil {
		t.Fatalf("issuing as at %s for %s: %v", asOf, unit, err)
	}
	return w, ns
}

// storedCases reads a notice's cases back from the store: key, kind and days, in order.
func storedCases(t *testing.T, db *sql.DB, no string) []string {
	t.Helper()
	rows, err := db.Query(`select case_key, kind, days_overdue, days_left from supervision_notice_cases
		where notice_no = ? order by position`, no)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var key, kind string
		var over, left int
		if err := rows.Scan(&key, &kind, &over, &left); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(key, kind, over, left))
	}
	return out
}

func listedCases(cases []transform.WarnCase) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = fmt.Sprint(c.CaseKey, c.Kind, c.DaysOverdue, c.DaysLeft)
	}
	return out
}

// TestIssueNotices: one notice per township with cases on the list and one to the
// district for its own, in code order, each listing exactly the truth's cases of the
// township as at the day and stored as listed; numbers run 1, 2, … within a year,
// continue across calls (a second notice on the same day and township is a new number)
// and start again from 1 in another year; a list with no case issues nothing.
func TestIssueNotices(t *testing.T) {
	truth, db := warnStore(t)
	clearNotices(t, db)
	district, township, _ := warnScopes(t, truth)
	tree := newUnitTree(truth.Units)
	r := transform.NewReader(db)

	next := map[int]int{} // year → the number the next notice must have
	for _, step := range []struct{ unit, asOf, run string }{
		{district, "2024-10-08", "run-1"},
		{township, "2024-12-20", "run-2"},
		{district, "2024-12-20", "run-3"}, // the township again on the same day: a new number
		{district, "2023-12-15", "run-4"},
	} {
		name := step.asOf + " " + step.unit
		want := map[string][]wantWarning{}
		for _, w := range expectWarnings(t, truth, tree, step.unit, day(step.asOf), 2) {
			want[noticeUnit(w)] = append(want[noticeUnit(w)], w)
		}
		codes := make([]string, 0, len(want))
		for code := range want {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		if step.unit == district && len(codes) < 3 {
			t.Fatalf("%s: the truth lists cases of %d units: the fixture no longer tests the split", name, len(codes))
		}

		_, ns := issue(t, r, db, step.unit, step.asOf, step.run)
		if len(ns) != len(codes) {
			t.Fatalf("%s: %d notices, want %d (%v)", name, len(ns), len(codes), codes)
		}
		year := day(step.asOf).Year()
		for i, n := range ns {
			if next[year] == 0 {
				next[year] = 1
			}
			seq := next[year]
			next[year]++
			wantNo := fmt.Sprintf("督办〔%d〕%d号", year, seq)
			if n.No != wantNo || n.Year != year || n.Seq != seq || n.UnitCode != codes[i] || n.UnitName != tree[codes[i]].Name ||
				!n.IssuedOn.Equal(day(step.asOf)) || n.RunID != step.run || n.WarnDays != 2 {
				t.Errorf("%s: notice %d is %s %d %d to %s %s on %s by %s, want %s to %s %s", name, i+1, n.No, n.Year, n.Seq,
					n.UnitCode, n.UnitName, n.IssuedOn, n.RunID, wantNo, codes[i], tree[codes[i]].Name)
			}
			listed := want[codes[i]]
			if len(n.Cases) != len(listed) {
				t.Errorf("%s: %s lists %d cases, the truth %d", name, n.No, len(n.Cases), len(listed))
				continue
			}
			for j, c := range n.Cases {
				checkWarnCase(t, fmt.Sprintf("%s %s #%d", name, n.No, j+1), c, listed[j])
			}
			if got, want := storedCases(t, db, n.No), listedCases(n.Cases); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: %s stored\n%v\nlisted\n%v", name, n.No, got, want)
			}
		}
	}
	var stored int
	if err := db.QueryRow(`select count(*) from supervision_notices`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if want := next[2023] + next[2024] - 2; stored != want {
		t.Errorf("%d notices stored, %d issued", stored, want)
	}

	// nothing on the list: no notice, and no number taken
	ns, err := transform.IssueNotices(context.Background(), db, transform.Warnings{UnitCode: district, AsOf: day("2024-12-23")}, "run-5", time.Now())
	if err != nil || len(ns) != 0 {
		t.Errorf("an empty list issued %v, %v", ns, err)
	}
	_, ns = issue(t, r, db, township, "2024-12-23", "run-6")
	if len(ns) != 1 || ns[0].Seq != next[2024] {
		t.Errorf("after an empty list the township's notice is %v, want number %d", ns, next[2024])
	}
}

// effectWant is what the truth says came of a notice's cases.
type effectWant struct {
	inTime, later, withdrawn int
	remaining                []string
}

func expectEffect(truth *fixtures.Truth, cases []transform.WarnCase, respondBy time.Time) effectWant {
	byKey := map[string]fixtures.CaseTruth{}
	for _, c := range truth.Cases {
		byKey[c.Key] = c
	}
	var e effectWant
	for _, listed := range cases {
		c := byKey[listed.CaseKey]
		var closed *time.Time
		switch {
		case c.Closed != nil:
			d := localDay(*c.Closed)
			closed = &d
		case c.ClosedSeen != nil:
			closed = c.ClosedSeen
		}
		switch {
		case c.Withdrawn:
			e.withdrawn++
		case closed == nil:
			e.remaining = append(e.remaining, listed.CaseKey)
		case !closed.After(respondBy):
			e.inTime++
		default:
			e.later++
		}
	}
	return e
}

// TestNoticeEffectsAgainstTruth issues the district's notices on two days and holds what
// came of each to the truth: its cases closed by the fifth working day after it, closed
// later, still open; and the period and unit select the notices.
func TestNoticeEffectsAgainstTruth(t *testing.T) {
	truth, db := warnStore(t)
	clearNotices(t, db)
	district, township, village := warnScopes(t, truth)
	r := transform.NewReader(db)
	ctx := context.Background()
	q4, _ := transform.ParsePeriod("2024Q4")
	oct, _ := transform.ParsePeriod("2024-10")

	if effects, err := r.NoticeEffects(ctx, q4, district, 5); err != nil || len(effects) != 0 {
		t.Fatalf("a store that never issued a notice: %v, %v", effects, err)
	}
	_, first := issue(t, r, db, district, "2024-10-08", "run-1")
	_, second := issue(t, r, db, district, "2024-11-15", "run-2")
	issued := append(append([]transform.Notice{}, first...), second...)

	cal := calendar.Official()
	effects, err := r.NoticeEffects(ctx, q4, district, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(effects) != len(issued) {
		t.Fatalf("%d effects, %d notices issued", len(effects), len(issued))
	}
	var total effectWant
	for i, e := range effects {
		n := issued[i]
		if e.Notice.No != n.No || e.Notice.UnitCode != n.UnitCode || !e.Notice.IssuedOn.Equal(n.IssuedOn) ||
			!e.Notice.IssuedAt.Equal(n.IssuedAt) || e.Notice.RunID != n.RunID {
			t.Errorf("effect %d is of %s %s %s %s, want %s %s %s %s", i+1, e.Notice.No, e.Notice.UnitCode, e.Notice.IssuedOn,
				e.Notice.IssuedAt, n.No, n.UnitCode, n.IssuedOn, n.IssuedAt)
			continue
		}
		if got, want := listedCases(e.Notice.Cases), listedCases(n.Cases); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: read back\n%v\nissued\n%v", n.No, got, want)
		}
		respondBy, _ := cal.AddWorkdays(n.IssuedOn, 5)
		if !e.RespondBy.Equal(respondBy) {
			t.Errorf("%s: respond by %s, want %s", n.No, e.RespondBy, respondBy)
		}
		want := expectEffect(truth, n.Cases, respondBy)
		var remaining []string
		for _, c := range e.Remaining {
			remaining = append(remaining, c.CaseKey)
		}
		if e.Listed != len(n.Cases) || e.ClosedInTime != want.inTime || e.ClosedLater != want.later ||
			e.Withdrawn != want.withdrawn || e.Untraced != 0 || fmt.Sprint(remaining) != fmt.Sprint(want.remaining) {
			t.Errorf("%s: listed %d in time %d later %d withdrawn %d untraced %d remaining %v,\n"+
				"want listed %d in time %d later %d withdrawn %d remaining %v", n.No, e.Listed, e.ClosedInTime,
				e.ClosedLater, e.Withdrawn, e.Untraced, remaining, len(n.Cases), want.inTime, want.later, want.withdrawn,
				want.remaining)
		}
		if e.InTimeRate == nil || math.Abs(*e.InTimeRate-float64(want.inTime)/float64(len(n.Cases))) > 1e-12 {
			t.Errorf("%s: 办结率 %v, want %d/%d", n.No, e.InTimeRate, want.inTime, len(n.Cases))
		}
		total.inTime += want.inTime
		total.later += want.later
		total.remaining = append(total.remaining, want.remaining...)
	}
	if total.inTime == 0 || total.later == 0 || len(total.remaining) == 0 {
		t.Errorf("the truth has %d closed in time, %d later, %d remaining: the fixture no longer tests each outcome",
			total.inTime, total.later, len(total.remaining))
	}

	// the period and the unit choose the notices
	for _, tc := range []struct {
		name string
		p    transform.Period
		unit string
		want []transform.Notice
	}{
		{"October", oct, district, first},
		{"the township", q4, township, noticesTo(issued, township)},
		{"a village", q4, village, nil},
	} {
		effects, err := r.NoticeEffects(ctx, tc.p, tc.unit, 5)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, e := range effects {
			got = append(got, e.Notice.No)
		}
		for _, n := range tc.want {
			want = append(want, n.No)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: notices %v, want %v", tc.name, got, want)
		}
	}
	if len(noticesTo(issued, township)) != 2 {
		t.Errorf("the township had %d notices, want one on each day", len(noticesTo(issued, township)))
	}

	// a listed case the store no longer counts (say its files were forgotten) is untraced:
	// neither closed nor remaining
	if _, err := db.Exec(`insert into supervision_notice_cases
		select * replace ('gone' as case_key, 1000 as position) from supervision_notice_cases
		where notice_no = ? and position = 1`, first[0].No); err != nil {
		t.Fatal(err)
	}
	effects, err = r.NoticeEffects(ctx, oct, district, 5)
	if err != nil {
		t.Fatal(err)
	}
	before := expectEffect(truth, first[0].Cases, effects[0].RespondBy)
	if e := effects[0]; e.Notice.No != first[0].No || e.Listed != len(first[0].Cases)+1 || e.Untraced != 1 ||
		e.ClosedInTime != before.inTime || e.ClosedLater != before.later || len(e.Remaining) != len(before.remaining) {
		t.Errorf("with a case gone, %s: listed %d untraced %d in time %d later %d remaining %d", e.Notice.No, e.Listed,
			e.Untraced, e.ClosedInTime, e.ClosedLater, len(e.Remaining))
	}
}

func noticesTo(ns []transform.Notice, unit string) []transform.Notice {
	var out []transform.Notice
	for _, n := range ns {
		if n.UnitCode == unit {
			out = append(out, n)
		}
	}
	return out
}
