package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fullRun is a `minqing run --log-level debug` log at 20,000 cases (models trimmed),
// with the lines the command prints on stdout mixed in, as when both go to one file.
const fullRun = `time=2026-12-03T18:36:29.196Z level=INFO msg="file read" component=ingest source=platform file=cases.csv status=loaded rows=20001 data_rows=20000 loader=read_csv duration=741ms
time=2026-12-03T18:36:29.196Z level=INFO msg="ingest finished" loaded=1 unchanged=0 failed=0
time=2026-12-03T18:36:29.696Z level=DEBUG msg="model built" component=transform model=sql/10_ref_units.sql duration=31ms
time=2026-12-03T18:36:56.771Z level=DEBUG msg="model built" component=transform model=sql/60_figures.sql duration=1m3.066s
time=2026-12-03T18:37:00.276Z level=INFO msg="transform finished" mode=incremental files_new=1 files_gone=0 cases_touched=6332 cases=20000 quarantined=0 periods=20 duration=31.079s
time=2026-12-03T18:37:03.214Z level=INFO msg="workbook written" period=2024Q3 unit=990300000000 path="/tmp/e2e probe/out/长河区_2024年第三季度_民情工作统计报表.xlsx"
time=2026-12-03T18:37:03.238Z level=INFO msg="report run recorded" run_id=a1404d88de91792712e7920c5e990034 period=2024Q3 files=1
workbook:  /tmp/e2e-probe/out/长河区_2024年第三季度_民情工作统计报表.xlsx
time=2026-12-03T18:37:47.393Z level=INFO msg="dashboard written" period=2024Q3 pages=521 path=/tmp/e2e-probe/out/dashboard/index.html
`

func dur(s string) *time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return &d
}

func TestParseLog(t *testing.T) {
	start := time.Date(2026, 12, 3, 18, 36, 28, 0, time.UTC)
	tests := []struct {
		name  string
		log   string
		start time.Time
		want  Stages
	}{{
		name: "full run",
		log:  fullRun, start: start,
		want: Stages{Ingest: dur("741ms"), Transform: dur("31.079s"), Workbook: dur("2.962s"), Dashboard: dur("44.155s"),
			Models: []Model{{"sql/10_ref_units.sql", *dur("31ms")}, {"sql/60_figures.sql", *dur("1m3.066s")}},
			Files:  1, Loaded: 1, Unchanged: 0, Cases: 20000, Quarantined: 0, TransformMode: "incremental", CasesTouched: 6332},
	}, {
		// No "file read" and no durations: the stages come from the timestamps.
		name: "timestamps only",
		log: `time=2026-12-03T18:36:30Z level=INFO msg="ingest finished" loaded=0 unchanged=1 failed=0
time=2026-12-03T18:36:40.5Z level=INFO msg="transform finished" cases=7 quarantined=2
time=2026-12-03T18:36:41.5Z level=INFO msg="workbook written" path=x
time=2026-12-03T18:36:43Z level=INFO msg="dashboard written"`,
		start: start,
		want: Stages{Ingest: dur("2s"), Transform: dur("10.5s"), Workbook: dur("1s"), Dashboard: dur("1.5s"),
			Loaded: 0, Unchanged: 1, Cases: 7, Quarantined: 2, CasesTouched: -1},
	}, {
		// A run that died in the transform: what is absent stays nil ("—"), no panic.
		name: "stopped in the transform",
		log: `time=2026-12-03T18:36:29.196Z level=INFO msg="file read" file=a.csv duration=1.5s
time=2026-12-03T18:36:29.197Z level=INFO msg="file failed" file=b.csv err="bad \"quote\""
time=2026-12-03T18:36:29.2Z level=INFO msg="ingest finished" loaded=1 unchanged=0 failed=1
time=2026-12-03T18:36:30Z level=DEBUG msg="model built" model=sql/10_ref_units.sql duration=oops
minqing run died of SIGKILL while transforming
time=2026-12-03T18:36:31Z level=INFO msg="unterminated`,
		want: Stages{Ingest: dur("1.5s"), Files: 1, FilesFailed: 1, Loaded: 1, Unchanged: 0, Cases: -1, Quarantined: -1, CasesTouched: -1},
	}, {
		name: "empty",
		log:  "", start: start,
		want: Stages{Loaded: -1, Unchanged: -1, Cases: -1, Quarantined: -1, CasesTouched: -1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseLog(strings.NewReader(tt.log), tt.start)
			if g, w := show(got), show(tt.want); g != w {
				t.Errorf("ParseLog:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// show prints stages with their durations' values, not their pointers.
func show(s Stages) string {
	d := func(p *time.Duration) string {
		if p == nil {
			return "—"
		}
		return p.String()
	}
	return fmt.Sprintf("ingest %s, transform %s, workbook %s, dashboard %s, models %v, files %d, failed %d, loaded %d, unchanged %d, cases %d, quarantined %d, mode %q, touched %d",
		d(s.Ingest), d(s.Transform), d(s.Workbook), d(s.Dashboard), s.Models, s.Files, s.FilesFailed, s.Loaded, s.Unchanged, s.Cases, s.Quarantined, s.TransformMode, s.CasesTouched)
}
