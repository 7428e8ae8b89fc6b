package main

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
)

// Stages are the parts of one `minqing run`, read from its log. A nil duration is a stage
// whose log line was absent (printed as "—"): the parse is tolerant on purpose, since a
// benchmark must not crash because a message was renamed or a stage was skipped.
type Stages struct {
	Ingest    *time.Duration `json:"ingest_ns,omitempty"`    // the files' own read durations, summed; else start → "ingest finished"
	Transform *time.Duration `json:"transform_ns,omitempty"` // "transform finished" duration=; else the gap after "ingest finished"
	Workbook  *time.Duration `json:"workbook_ns,omitempty"`  // "transform finished" → "workbook written" (or "report run recorded", which follows it)
	Dashboard *time.Duration `json:"dashboard_ns,omitempty"` // the workbook's last line → "dashboard written"

	// Models are the transform's SQL models in log order, each with its own duration.
	Models []Model `json:"models,omitempty"`

	Files       int `json:"files"`        // "file read" lines
	FilesFailed int `json:"files_failed"` // "file failed" lines
	// Loaded and Unchanged are the file counts "ingest finished" reports, -1 when absent.
	Loaded    int `json:"loaded"`
	Unchanged int `json:"unchanged"`
	// Cases and Quarantined are the counts "transform finished" reports, -1 when absent.
	Cases       int `json:"cases"`
	Quarantined int `json:"quarantined"`
	// TransformMode (full, incremental, unchanged) and CasesTouched are what newer builds
	// add to "transform finished"; "" and -1 when absent.
	TransformMode string `json:"transform_mode,omitempty"`
	CasesTouched  int    `json:"cases_touched"`
}

// Model is one "model built" line.
type Model struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}

// ParseLog reads minqing's logfmt log (slog's text handler: time=… level=… msg=… key=value)
// and returns the stages of one run. start is when the process was started, used only where
// no duration is logged (zero: unknown). Lines that are not logfmt, or whose values do not
// parse, are skipped.
func ParseLog(r io.Reader, start time.Time) Stages {
	s := Stages{Cases: -1, Quarantined: -1, Loaded: -1, Unchanged: -1, CasesTouched: -1}
	var (
		readSum                                   time.Duration
		ingestAt, transformAt, workbookAt, dashAt time.Time
		transformDur                              *time.Duration
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		kv := parseLogfmt(sc.Text())
		msg, ok := kv["msg"]
		if !ok {
			continue
		}
		at, _ := time.Parse(time.RFC3339Nano, kv["time"]) // zero when absent or unreadable
		switch msg {
		case "file read":
			s.Files++
			if d, ok := duration(kv); ok {
				readSum += d
			}
		case "file failed":
			s.FilesFailed++
		case "ingest finished":
			ingestAt = at
			s.Loaded = atoi(kv["loaded"])
			s.Unchanged = atoi(kv["unchanged"])
		case "model built":
			if d, ok := duration(kv); ok {
				s.Models = append(s.Models, Model{Name: kv["model"], Duration: d})
			}
		case "transform finished":
			transformAt = at
			if d, ok := duration(kv); ok {
				transformDur = &d
			}
			s.Cases = atoi(kv["cases"])
			s.Quarantined = atoi(kv["quarantined"])
			s.TransformMode = kv["mode"]
			s.CasesTouched = atoi(kv["cases_touched"])
		case "workbook written", "report run recorded":
			if at.After(workbookAt) {
				workbookAt = at
			}
		case "dashboard written":
			dashAt = at
		}
	}
	switch {
	case s.Files > 0:
		s.Ingest = &readSum
	default:
		s.Ingest = between(start, ingestAt)
	}
	if transformDur != nil {
		s.Transform = transformDur
	} else {
		s.Transform = between(ingestAt, transformAt)
	}
	s.Workbook = between(transformAt, workbookAt)
	s.Dashboard = between(workbookAt, dashAt)
	return s
}

// between is b−a, or nil when either time is unknown or they are out of order.
func between(a, b time.Time) *time.Duration {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return nil
	}
	d := b.Sub(a)
	return &d
}

// atoi is the count s, or -1 when s is absent or not a count.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func duration(kv map[string]string) (time.Duration, bool) {
	d, err := time.ParseDuration(kv["duration"])
	return d, err == nil
}

// parseLogfmt splits one line into its key=value pairs. Values are bare or double-quoted
// with Go escapes (strconv.Quote, as slog writes them); a line that breaks off mid-value
// keeps the pairs before it.
func parseLogfmt(line string) map[string]string {
	kv := map[string]string{}
	for i := 0; i < len(line); {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		eq := strings.IndexByte(line[i:], '=')
		if eq <= 0 {
			break
		}
		key := line[i : i+eq]
		if strings.ContainsAny(key, " \t\"") {
			break // not logfmt (a plain line the command printed)
		}
		i += eq + 1
		if i < len(line) && line[i] == '"' {
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(line) {
				break
			}
			v, err := strconv.Unquote(line[i : j+1])
			if err != nil {
				v = line[i+1 : j]
			}
			kv[key] = v
			i = j + 1
			continue
		}
		j := strings.IndexByte(line[i:], ' ')
		if j < 0 {
			j = len(line) - i
		}
		kv[key] = line[i : i+j]
		i += j
	}
	return kv
}
