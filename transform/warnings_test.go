package transform_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
	"github.com/minqing/minqing/transform/calendar"
)

// warnFixture is the fixture district, generated, loaded and transformed once for the
// warning and notice tests, with its truth. The tests that issue notices clear the notice
// tables first (clearNotices); nothing else writes to the store.
var warnFixture struct {
	once  sync.Once
	truth *fixtures.Truth
	db    *sql.DB
	err   error
}

func warnStore(t *testing.T) (*fixtures.Truth, *sql.DB) {
	t.Helper()
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	f := &warnFixture
	f.once.Do(func() { f.truth, f.db, f.err = loadWarnFixture() })
	if f.err != nil {
		t.Fatal(f.err)
	}
	return f.truth, f.db
}

// loadWarnFixture does what fixtureStore does, outside a test so that its store outlives
// the first test that asks for it.
func loadWarnFixture() (*fixtures.Truth, *sql.DB, error) {
	dir, err := os.MkdirTemp("", "minqing-warn-*")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	truth, err := fixtures.Generate(dir, fixtures.Options{Seed: 1})
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(dir + "/minqing.yaml")
	if err != nil {
		return nil, nil, err
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	keyer, _ := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
	res, err := ingest.Run(ctx, db, ingest.Options{Sources: cfg.Sources, BaseDir: cfg.Dir, Keyer: keyer})
	if err != nil {
		return nil, nil, err
	}
	for _, r := range res {
		if r.Err != nil {
			return nil, nil, fmt.Errorf("loading %s: %w", r.Path, r.Err)
		}
	}
	if _, err := transform.Run(ctx, db, transform.Options{
		UnitsFile: cfg.Path(cfg.Units), CatalogueFile: cfg.Path(cfg.Catalogue), Rules: cfg.Rules,
		UnitsHeaders: cfg.UnitsHeaders, CatalogueHeaders: cfg.CatalogueHeaders,
		LabelOverrides: cfg.LabelOverrides(), TopicSeparators: cfg.TopicSeparators(),
	}); err != nil {
		return nil, nil, err
	}
	if err := adoptStoreKeys(db, truth); err != nil {
		return nil, nil, err
	}
	return truth, db, nil
}

// adoptStoreKeys gives the truth's cases without a number the store's keys. The truth
// keys them by their fingerprint in clear (unit, receipt date, citizen, description), the
// store by a keyed hash of it; both are matched on what each holds in the open: the unit,
// the time of receipt and the citizen masked. The match must be one to one.
func adoptStoreKeys(db *sql.DB, truth *fixtures.Truth) error {
	const layout = "2006-01-02 15:04:05"
	byIdentity := map[string]int{}
	for i, c := range truth.Cases {
		if !strings.HasPrefix(c.Key, "fp:") {
			continue
		}
		parts := strings.SplitN(strings.TrimPrefix(c.Key, "fp:"), "|", 4)
		if len(parts) != 4 {
			return fmt.Errorf("the truth's fingerprint %q has an unknown form", c.Key)
		}
		who := strings.SplitN(parts[2], "\x00", 2)
		if len(who) != 2 {
			return fmt.Errorf("the truth's fingerprint %q has an unknown form", c.Key)
		}
		id := strings.Join([]string{c.Unit, c.Received.In(transform.Shanghai).Format(layout),
			privacy.MaskName(who[0]), privacy.MaskPhone(who[1])}, "|")
		if _, dup := byIdentity[id]; dup {
			return fmt.Errorf("two cases of the truth are %s", id)
		}
		byIdentity[id] = i
	}
	rows, err := db.Query(`select case_key, unit_code, strftime(received_at, '%Y-%m-%d %H:%M:%S'),
		coalesce(citizen_name_masked, ''), coalesce(citizen_phone_masked, '') from cases where case_no is null`)
	if err != nil {
		return err
	}
	defer rows.Close()
	matched := 0
	for rows.Next() {
		var key, unit, received, name, phone string
		if err := rows.Scan(&key, &unit, &received, &name, &phone); err != nil {
			return err
		}
		id := strings.Join([]string{unit, received, name, phone}, "|")
		i, ok := byIdentity[id]
		if !ok {
			return fmt.Errorf("the store's case %s (%s) is not in the truth", key, id)
		}
		delete(byIdentity, id)
		truth.Cases[i].Key = key
		matched++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(byIdentity) > 0 {
		return fmt.Errorf("%d cases of the truth without a number are not in the store (%d are)", len(byIdentity), matched)
	}
	return nil
}

// unitTree answers, from the truth's register, which units are under which and the
// township each unit belongs to.
type unitTree map[string]transform.Unit

func newUnitTree(units []transform.Unit) unitTree {
	t := unitTree{}
	for _, u := range units {
		t[u.Code] = u
	}
	return t
}

// under says whether code is ancestor or ancestor's descendant.
func (t unitTree) under(code, ancestor string) bool {
	for code != "" {
		if code == ancestor {
			return true
		}
		code = t[code].Parent
	}
	return false
}

// township is the township code belongs to (itself for a township), "" for the district.
func (t unitTree) township(code string) string {
	for code != "" {
		if t[code].Level == "township" {
			return code
		}
		code = t[code].Parent
	}
	return ""
}

// wantWarning is a case on a warning list as the oracle computes it.
type wantWarning struct {
	key, unit, township string
	kind                string
	daysOverdue         int
	daysLeft            int
	deadline, received  time.Time
	closedSince         bool // closed (with or without a date) after the as-of day
}

func localDay(t time.Time) time.Time {
	y, m, d := t.In(transform.Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, transform.Shanghai)
}

// expectWarnings computes the warning list of unitCode as at asOf from the truth's cases
// and the official calendar, in the order the doc comment of transform.Warnings states.
func expectWarnings(t *testing.T, truth *fixtures.Truth, tree unitTree, unitCode string, asOf time.Time, warnDays int) []wantWarning {
	t.Helper()
	cal := calendar.Official()
	until, err := cal.AddWorkdays(asOf, warnDays)
	if err != nil {
		t.Fatal(err)
	}
	var out []wantWarning
	for _, c := range truth.Cases {
		switch {
		case !tree.under(c.Unit, unitCode), localDay(c.Received).After(asOf), c.Withdrawn, c.Deadline == nil,
			c.ClockStart.After(asOf), // the documents or the reply came after the as-of day
			c.Closed != nil && !localDay(*c.Closed).After(asOf),
			c.ClosedSeen != nil && !c.ClosedSeen.After(asOf),
			c.Deadline.After(until):
			continue
		}
		w := wantWarning{key: c.Key, unit: c.Unit, township: tree.township(c.Unit), deadline: *c.Deadline, received: c.Received,
			closedSince: c.Closed != nil || c.ClosedSeen != nil}
		if c.Deadline.Before(asOf) {
			w.kind = transform.WarnOverdue
			if w.daysOverdue, err = cal.Workdays(*c.Deadline, asOf); err != nil {
				t.Fatal(err)
			}
			w.daysOverdue = max(w.daysOverdue, 1)
		} else {
			w.kind = transform.WarnDueSoon
			if w.daysLeft, err = cal.Workdays(asOf, *c.Deadline); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.kind != b.kind:
			return a.kind == transform.WarnOverdue
		case a.daysOverdue != b.daysOverdue:
			return a.daysOverdue > b.daysOverdue
		case a.daysLeft != b.daysLeft:
			return a.daysLeft < b.daysLeft
		case a.township != b.township:
			return a.township < b.township
		case a.unit != b.unit:
			return a.unit < b.unit
		case !a.deadline.Equal(b.deadline):
			return a.deadline.Before(b.deadline)
		case !a.received.Equal(b.received):
			return a.received.Before(b.received)
		}
		return a.key < b.key
	})
	return out
}

func day(s string) time.Time {
	d, err := time.ParseInLocation("2006-01-02", s, transform.Shanghai)
	if err != nil {
		panic(err)
	}
	return d
}

// checkWarnCase compares one listed case with the oracle's.
func checkWarnCase(t *testing.T, where string, got transform.WarnCase, want wantWarning) {
	t.Helper()
	if got.CaseKey != want.key || got.Kind != want.kind || got.DaysOverdue != want.daysOverdue ||
		got.DaysLeft != want.daysLeft || got.UnitCode != want.unit || got.TownshipCode != want.township ||
		!got.Deadline.Equal(want.deadline) || !got.ReceivedAt.Equal(want.received) {
		t.Errorf("%s: got %s %s overdue %d left %d unit %s township %q due %s received %s,\n"+
			"want %s %s overdue %d left %d unit %s township %q due %s received %s", where,
			got.CaseKey, got.Kind, got.DaysOverdue, got.DaysLeft, got.UnitCode, got.TownshipCode,
			got.Deadline.Format(time.DateOnly), got.ReceivedAt.Format(time.DateTime),
			want.key, want.kind, want.daysOverdue, want.daysLeft, want.unit, want.township,
			want.deadline.Format(time.DateOnly), want.received.Format(time.DateTime))
	}
	if got.CaseNo == "" && (got.File == "" || got.Row == 0) {
		t.Errorf("%s: %s has neither a number nor a file and row to find it by", where, got.CaseKey)
	}
	if got.CaseNo != "" && got.CaseNo != got.CaseKey {
		t.Errorf("%s: %s has number %q", where, got.CaseKey, got.CaseNo)
	}
}

// warnScopes picks the district, a township and a village of the fixture register.
func warnScopes(t *testing.T, truth *fixtures.Truth) (district, township, village string) {
	t.Helper()
	for _, u := range truth.Units {
		switch {
		case u.Level == "district" && district == "":
			district = u.Code
		case u.Level == "township" && township == "":
			township = u.Code
		case u.Level == "village" && village == "" && township != "" && u.Parent == township:
			village = u.Code
		}
	}
	if district == "" || township == "" || village == "" {
		t.Fatalf("the fixture register lacks a level: %q %q %q", district, township, village)
	}
	return district, township, village
}

// TestWarningsAgainstTruth holds the warning lists to the fixtures' truth, case by case:
// the district, a township and a village, on the first working day after 国庆, weekdays
// in November and December and a Saturday, with horizons of 0, 2 and 5 working days.
func TestWarningsAgainstTruth(t *testing.T) {
	truth, db := warnStore(t)
	district, township, village := warnScopes(t, truth)
	tree := newUnitTree(truth.Units)
	r := transform.NewReader(db)
	ctx := context.Background()
	through, err := r.DataThrough(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.Official()
	unnumbered := 0
	for _, tc := range []struct {
		asOf     string
		unit     string
		warnDays int
	}{
		{"2024-10-08", district, 2},
		{"2024-10-08", township, 2},
		{"2024-12-20", district, 2},
		{"2024-12-20", township, 5},
		{"2024-12-20", village, 2},
		{"2024-06-15", district, 0},
		{"2024-11-15", district, 2},
	} {
		name := fmt.Sprintf("%s %s %d", tc.asOf, tc.unit, tc.warnDays)
		asOf := day(tc.asOf)
		want := expectWarnings(t, truth, tree, tc.unit, asOf, tc.warnDays)
		// at noon: only the date in Asia/Shanghai counts
		got, err := r.Warnings(ctx, tc.unit, asOf.Add(12*time.Hour), tc.warnDays)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		until, _ := cal.AddWorkdays(asOf, tc.warnDays)
		if got.UnitCode != tc.unit || !got.AsOf.Equal(asOf) || got.WarnDays != tc.warnDays || !got.Until.Equal(until) ||
			!got.DataThrough.Equal(through) {
			t.Errorf("%s: header %s %s %d %s %s, want %s %s %d %s %s", name, got.UnitCode, got.AsOf, got.WarnDays,
				got.Until, got.DataThrough, tc.unit, asOf, tc.warnDays, until, through)
		}
		kinds := map[string]int{}
		for _, w := range want {
			kinds[w.kind]++
		}
		if tc.unit == district && (kinds[transform.WarnOverdue] == 0 || kinds[transform.WarnDueSoon] == 0) {
			t.Fatalf("%s: the truth lists %v: the fixture no longer tests both kinds", name, kinds)
		}
		for _, w := range want {
			if strings.HasPrefix(w.key, "fp:") {
				kinds["without a number"]++
			}
		}
		t.Logf("%s: %d listed %v", name, len(got.Cases), kinds)
		unnumbered += kinds["without a number"]
		if len(got.Cases) != len(want) {
			t.Errorf("%s: %d cases listed, the truth %d (%v)", name, len(got.Cases), len(want), kinds)
		}
		for i := range min(len(got.Cases), len(want)) {
			checkWarnCase(t, fmt.Sprintf("%s #%d", name, i+1), got.Cases[i], want[i])
		}
		// Every listed case was open at the as-of day: none is stated 已办结, though many
		// were closed since.
		closedSince := 0
		for i, c := range got.Cases {
			if i < len(want) && want[i].closedSince {
				closedSince++
			}
			if c.Status == "已办结" || c.Status == "" {
				t.Errorf("%s: case %s listed with status %q as at %s", name, c.CaseKey, c.Status, tc.asOf)
			}
		}
		if tc.unit == district && closedSince == 0 {
			t.Errorf("%s: no listed case was closed since: the status as at the day is not tested", name)
		}
	}
	if unnumbered == 0 {
		t.Error("no list has a case without a number: the fixture no longer tests how one is found")
	}
}

// TestWarningCountsAgainstTruth holds the counts of the district and a township to the
// truth's lists: the unit's own row first, then each unit directly under it (every one,
// with zeros), by most overdue, most due soon, code.
func TestWarningCountsAgainstTruth(t *testing.T) {
	truth, db := warnStore(t)
	district, township, _ := warnScopes(t, truth)
	tree := newUnitTree(truth.Units)
	r := transform.NewReader(db)
	for _, asOf := range []string{"2024-10-08", "2024-12-20"} {
		for _, unit := range []string{district, township} {
			name := asOf + " " + unit
			list := expectWarnings(t, truth, tree, unit, day(asOf), 2)
			var want []transform.WarnCount
			rows := []transform.Unit{tree[unit]}
			for _, u := range truth.Units {
				if u.Parent == unit {
					rows = append(rows, u)
				}
			}
			for _, u := range rows {
				c := transform.WarnCount{UnitCode: u.Code, UnitName: u.Name, Level: u.Level}
				for _, w := range list {
					if tree.under(w.unit, u.Code) {
						if w.kind == transform.WarnOverdue {
							c.Overdue++
						} else {
							c.DueSoon++
						}
					}
				}
				want = append(want, c)
			}
			sort.SliceStable(want[1:], func(i, j int) bool {
				a, b := want[1+i], want[1+j]
				if a.Overdue != b.Overdue {
					return a.Overdue > b.Overdue
				}
				if a.DueSoon != b.DueSoon {
					return a.DueSoon > b.DueSoon
				}
				return a.UnitCode < b.UnitCode
			})
			got, err := r.WarningCounts(context.Background(), unit, day(asOf), 2)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: counts\n%v\nwant\n%v", name, got, want)
			}
			if want[0].Overdue == 0 {
				t.Errorf("%s: the truth has no overdue case: the fixture no longer tests the counts", name)
			}
		}
	}
}

// TestWarningsRefused: an as-of day, or a horizon, outside the calendar, an unknown unit
// and a negative horizon are errors, the first two wrapping ErrAsOfNotCovered.
func TestWarningsRefused(t *testing.T) {
	truth, db := warnStore(t)
	district, _, _ := warnScopes(t, truth)
	r := transform.NewReader(db)
	ctx := context.Background()
	_, last := calendar.Official().Years()
	lastDay := time.Date(last, 12, 31, 0, 0, 0, 0, transform.Shanghai)
	for _, tc := range []struct {
		name     string
		unit     string
		asOf     time.Time
		warnDays int
		want     error
		says     string
	}{
		{"after the calendar", district, lastDay.AddDate(0, 0, 1), 2, transform.ErrAsOfNotCovered, lastDay.AddDate(0, 0, 1).Format(time.DateOnly)},
		{"before the calendar", district, day("1999-07-01"), 2, transform.ErrAsOfNotCovered, "1999-07-01"},
		{"horizon after the calendar", district, lastDay, 2, transform.ErrAsOfNotCovered, lastDay.Format(time.DateOnly)},
		{"unknown unit", "330199999999", day("2024-10-08"), 2, transform.ErrUnknownUnit, "330199999999"},
		{"negative horizon", district, day("2024-10-08"), -1, nil, "negative"},
	} {
		_, err := r.Warnings(ctx, tc.unit, tc.asOf, tc.warnDays)
		_, errCounts := r.WarningCounts(ctx, tc.unit, tc.asOf, tc.warnDays)
		for _, err := range []error{err, errCounts} {
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s: %v, want %v naming %s", tc.name, err, tc.want, tc.says)
			}
		}
	}
	// the last day itself, with no horizon, is covered
	if _, err := r.Warnings(ctx, district, lastDay, 0); err != nil {
		t.Errorf("the calendar's last day: %v", err)
	}
}
