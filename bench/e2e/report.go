package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// printResult writes the Markdown tables bench/README.md quotes: one row per variant with
// medians over its runs, then the headline figures side by side.
func printResult(w io.Writer, res *Result) {
	o := res.Options
	fmt.Fprintf(w, "## minqing against the analyst's pandas script: %d cases, %s\n\n", o.Cases, o.Period)
	built := ""
	if res.Source != "" {
		built = "; minqing built from " + res.Source
	}
	fmt.Fprintf(w, "Measured %s on %s; runs interleaved, every full minqing run on a new store%s.\n\n",
		res.Date.Format("2006-01-02"), res.Machine, built)
	fmt.Fprintln(w, "| variant | runs | wall (median) | wall (min–max) | CPU (median) | peak RSS (median) | stages (medians) | minqing / pandas |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|---|")
	pandasRuns := byVariant(res.Runs, variantPandas)
	for _, v := range []string{variantMinqing, variantSpark, variantPandas, variantDay, variantNothingNew} {
		runs := byVariant(res.Runs, v)
		if len(runs) == 0 {
			continue
		}
		walls := collect(runs, func(r Run) time.Duration { return r.Wall })
		lo, hi := slices.Min(walls), slices.Max(walls)
		ratio := ""
		if v != variantPandas && len(pandasRuns) > 0 {
			ratio = ratios(runs, pandasRuns)
			if v != variantMinqing && v != variantSpark {
				ratio += " ¹"
			}
		}
		label := v
		if v == variantDay && res.Day != nil {
			label = fmt.Sprintf("%s (+%d rows: %d updates, %d new)", v, res.Day.Updates+res.Day.New, res.Day.Updates, res.Day.New)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s |\n", label, len(runs),
			secs(median(walls)), secsRange(lo, hi),
			secs(median(collect(runs, Run.CPU))),
			mib(median(collect(runs, func(r Run) int64 { return r.PeakKiB }))),
			stageMedians(runs), ratio)
	}
	if len(byVariant(res.Runs, variantDay)) > 0 {
		fmt.Fprintln(w, "\n¹ against a full pandas run: the script has no incremental mode, the analyst reruns it on every export.")
		var modes []string
		for _, r := range res.Runs {
			if r.Variant != variantPandas && r.Stages != nil && r.Stages.TransformMode != "" {
				m := fmt.Sprintf("%s %d: %s", r.Variant, r.Run, r.Stages.TransformMode)
				if r.Stages.CasesTouched >= 0 {
					m += fmt.Sprintf(", %d cases touched", r.Stages.CasesTouched)
				}
				modes = append(modes, m)
			}
		}
		if len(modes) > 0 {
			fmt.Fprintf(w, "\nThe transform as minqing logged it: %s.\n", strings.Join(modes, "; "))
		}
	}
	if len(res.StoreSizes) > 0 {
		var parts []string
		for _, s := range res.StoreSizes {
			p := fmt.Sprintf("%s after %s", mib(s.Bytes/1024), s.After)
			if s.WAL > 0 {
				p += fmt.Sprintf(" (+%s WAL)", mib(s.WAL/1024))
			}
			parts = append(parts, p)
		}
		fmt.Fprintf(w, "\nStore (.duckdb file): %s.\n", strings.Join(parts, ", "))
	}

	fmt.Fprintf(w, "\nHeadline figures, district %s, %s:\n\n", districtCode, o.Period)
	fmt.Fprintln(w, "| figure | minqing | pandas | agree |")
	fmt.Fprintln(w, "|---|---:|---:|---|")
	var differ []string
	for _, f := range compare(res.Minqing, res.Pandas) {
		agree := "yes"
		if !f.Agree {
			agree = "**no**"
			differ = append(differ, f.ID)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", f.ID, formatFigure(f.ID, f.Minqing), formatFigure(f.ID, f.Pandas), agree)
	}
	if len(differ) == 0 {
		fmt.Fprintln(w, "\nThe headline figures agree.")
	} else {
		fmt.Fprintf(w, "\nTHE HEADLINE FIGURES DISAGREE on %s: minqing and the pandas script count differently (bench/README.md says why).\n", strings.Join(differ, ", "))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}

func byVariant(runs []Run, v string) []Run {
	var out []Run
	for _, r := range runs {
		if r.Variant == v {
			out = append(out, r)
		}
	}
	return out
}

func collect[T any](runs []Run, f func(Run) T) []T {
	out := make([]T, len(runs))
	for i, r := range runs {
		out[i] = f(r)
	}
	return out
}

// median of an even count is the mean of the middle two.
func median[T time.Duration | int64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// medianOf is the median of the stage's values over the runs that logged it; nil when none did.
func medianOf(runs []Run, f func(Run) *time.Duration) *time.Duration {
	var xs []time.Duration
	for _, r := range runs {
		if d := f(r); d != nil {
			xs = append(xs, *d)
		}
	}
	if len(xs) == 0 {
		return nil
	}
	m := median(xs)
	return &m
}

func stageMedians(runs []Run) string {
	type stage struct {
		name string
		f    func(Run) *time.Duration
	}
	var stages []stage
	if runs[0].Stages != nil {
		stages = []stage{
			{"ingest", func(r Run) *time.Duration { return r.Stages.Ingest }},
			{"transform", func(r Run) *time.Duration { return r.Stages.Transform }},
			{"workbook", func(r Run) *time.Duration { return r.Stages.Workbook }},
			{"dashboard", func(r Run) *time.Duration { return r.Stages.Dashboard }},
		}
	} else {
		stages = []stage{
			{"compute", func(r Run) *time.Duration { return r.PandasCompute }},
			{"workbook", func(r Run) *time.Duration { return r.PandasWorkbook }},
		}
	}
	var parts []string
	for _, s := range stages {
		v := "—"
		if d := medianOf(runs, s.f); d != nil {
			v = secs(*d)
		}
		parts = append(parts, s.name+" "+v)
	}
	return strings.Join(parts, " · ")
}

// ratios compares medians: wall, CPU and peak.
func ratios(a, b []Run) string {
	r := func(x, y float64) string {
		if y == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f×", x/y)
	}
	return fmt.Sprintf("wall %s, CPU %s, peak %s",
		r(float64(median(collect(a, func(r Run) time.Duration { return r.Wall }))), float64(median(collect(b, func(r Run) time.Duration { return r.Wall })))),
		r(float64(median(collect(a, Run.CPU))), float64(median(collect(b, Run.CPU)))),
		r(float64(median(collect(a, func(r Run) int64 { return r.PeakKiB }))), float64(median(collect(b, func(r Run) int64 { return r.PeakKiB })))))
}

func secs(d time.Duration) string {
	switch {
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// secsRange prints lo–hi in hi's precision.
func secsRange(lo, hi time.Duration) string {
	if hi < 10*time.Second {
		return fmt.Sprintf("%.2f–%.2f s", lo.Seconds(), hi.Seconds())
	}
	return fmt.Sprintf("%.1f–%.1f s", lo.Seconds(), hi.Seconds())
}

func mib(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }
