package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/transform"
)

// snapshotDays are the fixtures' export dates for quarter q: the early district export
// (quarter end + 5 days) and the late district and township exports (+40).
func snapshotDays(t *testing.T, q string) (early, late time.Time) {
	t.Helper()
	p, err := transform.ParsePeriod(q)
	if err != nil {
		t.Fatal(err)
	}
	return p.End.AddDate(0, 0, 5), p.End.AddDate(0, 0, 40)
}

// sameFigures compares every figure of every unit with a truth's, returning how many.
func sameFigures(t *testing.T, what string, got []transform.UnitFigures, want map[string]map[string]*float64) int {
	t.Helper()
	n := 0
	for _, u := range got {
		for _, d := range transform.FigureDefs() {
			g, w := u.Values[d.ID], want[u.Unit.Code][d.ID]
			if (g == nil) != (w == nil) || (g != nil && math.Abs(*g-*w) > 1e-9) {
				t.Errorf("%s %s %s: got %s, truth %s", what, u.Unit.Code, d.ID, fmtPtr(g), fmtPtr(w))
			}
			n++
		}
	}
	return n
}

// TestReportAsOf: a report made --as-of a date counts only the exports dated on or before
// it (every figure equals the truth of those files alone), made twice it is byte-identical,
// the store's current figures are untouched, and every report run is recorded with its
// inputs.
func TestReportAsOf(t *testing.T) {
	cfg, truth := district(t)
	ctx := context.Background()
	current, _ := stats(t, cfg, "2024Q2")
	p, err := openPipeline(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	early, late := snapshotDays(t, "2024Q2")
	var paths []string
	for i := 0; i < 2; i++ {
		path, err := p.writeReport(ctx, reportOptions{Period: "2024Q2", Out: t.TempDir(), AsOf: early.Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(filepath.Base(path), "截至"+early.Format("2006-01-02")) {
			t.Errorf("as-of workbook %s does not say its knowledge date", filepath.Base(path))
		}
		paths = append(paths, path)
	}
	a, _ := os.ReadFile(paths[0])
	b, _ := os.ReadFile(paths[1])
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("two --as-of runs differ: %d and %d bytes", len(a), len(b))
	}
	if !strings.Contains(xlsxText(t, paths[0]), "仅含导出日期不晚于此日的文件") {
		t.Error("the as-of workbook's manifest does not state its knowledge date")
	}

	// What was known then, figure by figure, against the truth of those files alone.
	checked := 0
	for _, d := range []time.Time{early, late} {
		want, err := truth.AsOf(d)
		if err != nil {
			t.Fatal(err)
		}
		known, err := p.knownAt(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		r := transform.NewReader(known.db)
		for _, id := range []string{"2024Q2", "2024-05", "2024Q1"} {
			per, err := r.Period(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			figs, err := r.Figures(ctx, per)
			if err != nil {
				t.Fatal(err)
			}
			checked += sameFigures(t, d.Format("2006-01-02")+" "+id, figs, want.Figures[id])
		}
		known.Close()
	}
	t.Logf("as-of: %d figures at two knowledge dates equal the truth of the files known then", checked)
	if early, late := truthAt(t, truth, early), truthAt(t, truth, late); early == late {
		t.Error("the fixtures' two snapshots give the same 2024Q2 closures: the as-of test shows nothing")
	}

	// The store's own figures are what they were.
	after, _ := stats(t, cfg, "2024Q2")
	for i, u := range after.Units {
		for id, v := range u.Figures {
			if w := current.Units[i].Figures[id]; (v == nil) != (w == nil) || (v != nil && *v != *w) {
				t.Errorf("after --as-of, %s %s is %s, was %s", u.Code, id, fmtPtr(v), fmtPtr(w))
			}
		}
	}

	// Every report run is in the store: the two as-of runs with their knowledge date and
	// only the files known then.
	var runs, asOfRuns, files, knownFiles int
	var snaps string
	if err := p.db.QueryRowContext(ctx, `select count(*), count(as_of) from report_runs`).Scan(&runs, &asOfRuns); err != nil {
		t.Fatal(err)
	}
	if err := p.db.QueryRowContext(ctx, `select (select count(*) from report_run_files f where f.run_id = r.run_id), cast(snapshots as varchar)
		from report_runs r where as_of is not null order by made_at limit 1`).Scan(&files, &snaps); err != nil {
		t.Fatal(err)
	}
	if err := p.db.QueryRowContext(ctx, `select count(*) from ingest_files where `+strings.Replace(knownSQL, "%s", early.Format("2006-01-02"), 1)).Scan(&knownFiles); err != nil {
		t.Fatal(err)
	}
	if runs < 3 || asOfRuns != 2 || files != knownFiles || files == 0 || !strings.Contains(snaps, early.Format("2006-01-02")) || strings.Contains(snaps, late.Format("2006-01-02")) {
		t.Errorf("report_runs: %d runs, %d as-of; the as-of run lists %d files (known then: %d), snapshots %s", runs, asOfRuns, files, knownFiles, snaps)
	}
	var cfgHash, cfgText, wbHash string
	if err := p.db.QueryRowContext(ctx, `select config_sha256, config, workbook_sha256 from report_runs where as_of is not null limit 1`).Scan(&cfgHash, &cfgText, &wbHash); err != nil {
		t.Fatal(err)
	}
	if sum, _ := fileSHA256(paths[0]); cfgHash != p.cfgHash || !strings.Contains(cfgText, "sources:") || wbHash != sum {
		t.Errorf("report_runs records config %s (want %s), workbook %s (want %s)", cfgHash, p.cfgHash, wbHash, sum)
	}
}

// truthAt sums the district's 2024Q2 closures as known at d, for telling snapshots apart.
func truthAt(t *testing.T, truth *fixtures.Truth, d time.Time) float64 {
	t.Helper()
	at, err := truth.AsOf(d)
	if err != nil {
		t.Fatal(err)
	}
	if v := at.Figures["2024Q2"][truth.Units[0].Code]["closed"]; v != nil {
		return *v
	}
	return 0
}

// TestRestateFindsBackdatedClosures: between each quarter's early and late export,
// restate marks exactly the closures the fixtures back-dated, and every figure it says
// moved moves from the truth of the files known at the first date to that at the second.
func TestRestateFindsBackdatedClosures(t *testing.T) {
	cfg, truth := district(t)
	ctx := context.Background()
	p, err := openPipeline(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	total := 0
	for _, q := range []string{"2023Q3", "2024Q1", "2024Q3"} {
		per, _ := transform.ParsePeriod(q)
		early, late := snapshotDays(t, q)
		rs, err := p.restate(ctx, q, early, late)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, c := range rs.Cases {
			if c.Backdated {
				got = append(got, c.CaseKey)
			}
		}
		for _, c := range truth.Cases {
			if c.Backdated && per.Start.Compare(c.Received) <= 0 && c.Received.Before(per.End.AddDate(0, 0, 1)) {
				want = append(want, c.Key)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") || len(want) == 0 {
			t.Errorf("%s: restate marks %v back-dated, the fixtures back-dated %v", q, got, want)
		}
		total += len(got)
		if len(rs.Cases) <= len(got) {
			t.Errorf("%s: only %d changed cases: the honest closures between the snapshots are missing", q, len(rs.Cases))
		}
		before, err := truth.AsOf(early)
		if err != nil {
			t.Fatal(err)
		}
		after, err := truth.AsOf(late)
		if err != nil {
			t.Fatal(err)
		}
		moved := map[string]bool{}
		for _, m := range rs.Figures {
			moved[m.Unit.Code+" "+m.FigureID] = true
			for _, c := range []struct {
				got  *float64
				want *float64
				when string
			}{{m.Before, before.Figures[q][m.Unit.Code][m.FigureID], "before"}, {m.After, after.Figures[q][m.Unit.Code][m.FigureID], "after"}} {
				if (c.got == nil) != (c.want == nil) || (c.got != nil && math.Abs(*c.got-*c.want) > 1e-9) {
					t.Errorf("%s %s %s %s: restate says %s, truth %s", q, m.Unit.Code, m.FigureID, c.when, fmtPtr(c.got), fmtPtr(c.want))
				}
			}
		}
		// …and no figure moved that restate left out.
		for code, figs := range after.Figures[q] {
			for id, a := range figs {
				b := before.Figures[q][code][id]
				if differ := (a == nil) != (b == nil) || (a != nil && math.Abs(*a-*b) > 1e-12); differ != moved[code+" "+id] {
					t.Errorf("%s %s %s: moved %v (%s → %s), restate says %v", q, code, id, differ, fmtPtr(b), fmtPtr(a), moved[code+" "+id])
				}
			}
		}
	}
	t.Logf("restate: %d back-dated closures found, exactly the fixtures'", total)

	early, late := snapshotDays(t, "2024Q3")
	out := string(minqing(t, "restate", "--config", cfg, "--period", "2024Q3", "--from", early.Format("2006-01-02"), "--to", late.Format("2006-01-02")))
	if !strings.Contains(out, "\t倒签办结：") || !strings.Contains(out, restateFigureHeader) {
		t.Errorf("restate printed no back-dated closure or no figure table:\n%.1500s", out)
	}
	// --unit by name: the rows of the township and its villages, and only those.
	var town transform.Unit
	for _, u := range truth.Units {
		if u.Level == transform.LevelTownship {
			town = u
			break
		}
	}
	in := map[string]bool{town.Code: true}
	for _, u := range truth.Units {
		if u.Parent == town.Code {
			in[u.Code] = true
		}
	}
	rowsOf := func(out string) (all, inTown []string) {
		for _, line := range strings.Split(out, "\n") {
			f := strings.Split(line, "\t")
			switch {
			case len(f) == 8 && line != restateCaseHeader:
				all = append(all, line)
				if in[f[1]] {
					inTown = append(inTown, line)
				}
			case len(f) == 6 && line != restateFigureHeader:
				all = append(all, line)
				if in[f[0]] {
					inTown = append(inTown, line)
				}
			}
		}
		return all, inTown
	}
	_, want := rowsOf(out)
	townOut := string(minqing(t, "restate", "--config", cfg, "--period", "2024Q3", "--unit", town.Name, "--from", early.Format("2006-01-02"), "--to", late.Format("2006-01-02")))
	got, _ := rowsOf(townOut)
	if !slices.Equal(got, want) || len(want) == 0 || !strings.Contains(townOut, town.Name+"（含下辖单位）") {
		t.Errorf("restate --unit %s: %d rows, the full list has %d of its units:\n%.800s", town.Name, len(got), len(want), townOut)
	}
}
