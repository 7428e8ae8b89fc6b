package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// missingHeader heads the tab-separated rows of `minqing sources --missing`, with the
// columns of the workbook's 报送情况.
var missingHeader = strings.Join([]string{terms.UnitCode, terms.Unit, terms.Township, terms.LastOwn, terms.Source}, "\t")

// missingJSON is one unit that sent nothing, as `sources --missing --format json` writes it.
type missingJSON struct {
	UnitCode string `json:"unit_code"`
	Unit     string `json:"unit"`
	Level    string `json:"level"`
	Township string `json:"township"`
	LastOwn  string `json:"last_own,omitempty"` // the date of its newest export of its own, any period
	// Sources are the other units' exports that hold its rows of the period.
	Sources []missingSourceJSON `json:"sources"`
}

type missingSourceJSON struct {
	Source     string `json:"source"`
	Files      int    `json:"files"`
	Rows       int    `json:"rows"`
	Newest     string `json:"newest,omitempty"`
	NewestRows int    `json:"newest_rows"`
}

// printMissing writes `minqing sources --missing`: the units of the register that sent
// nothing for the period periodID ("" for the default quarter), as writeMissing lays
// them out.
func (p *pipeline) printMissing(ctx context.Context, w io.Writer, periodID, format string) error {
	r, per, _, err := p.figures(ctx, periodID)
	if err != nil {
		return err
	}
	subs, err := r.Submissions(ctx, per)
	if err != nil {
		return err
	}
	through, err := r.DataThrough(ctx)
	if err != nil {
		return err
	}
	notOver := ""
	if !per.Complete(through) {
		notOver = transform.NotOverNote(through) + "：单位可能尚未报送。"
	}
	return writeMissing(w, per, subs, notOver, format)
}

// writeMissing writes the units of subs that sent nothing for per (docs/rules.md "Who
// reported"), in register order: a summary line, notOver when the period is not over in
// the data, the rule, and a tab-separated table naming, for each, its newest export of
// its own and the sources that hold its rows of the period; or, with format json,
// {period, not_over, rule, units}.
func writeMissing(w io.Writer, per transform.Period, subs []transform.UnitSubmissions, notOver, format string) error {
	names := map[string]string{}
	for _, s := range subs {
		names[s.Code] = s.Name
	}
	var units []missingJSON
	for _, s := range subs {
		if !s.Silent {
			continue
		}
		u := missingJSON{UnitCode: s.Code, Unit: s.Name, Level: s.Level, Sources: []missingSourceJSON{}}
		switch s.Level {
		case "township":
			u.Township = s.Name
		case "district":
		default:
			u.Township = names[s.Parent]
		}
		if s.LastOwn != nil {
			u.LastOwn = s.LastOwn.Format("2006-01-02")
		}
		for _, src := range s.Sources {
			j := missingSourceJSON{Source: src.Source, Files: src.Files, Rows: src.Rows, NewestRows: src.NewestRows}
			if src.Newest != nil {
				j.Newest = src.Newest.Format("2006-01-02")
			}
			u.Sources = append(u.Sources, j)
		}
		units = append(units, u)
	}
	if format == "json" {
		if units == nil {
			units = []missingJSON{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Period  string        `json:"period"`
			NotOver string        `json:"not_over,omitempty"`
			Rule    string        `json:"rule"`
			Units   []missingJSON `json:"units"`
		}{per.ID, notOver, transform.SubmissionRule, units})
	}
	fmt.Fprintf(w, "%s%s：共%d个单位\n", per.Label(), terms.NotSubmitted, len(units))
	if notOver != "" {
		fmt.Fprintln(w, notOver)
	}
	fmt.Fprintf(w, "%s\n%s\n", transform.SubmissionRule, missingHeader)
	for _, u := range units {
		last := "—"
		if u.LastOwn != "" {
			last = u.LastOwn
		}
		var srcs []string
		for _, s := range u.Sources {
			srcs = append(srcs, fmt.Sprintf("%s（%d行）", s.Source, s.Rows))
		}
		src := "—"
		if len(srcs) > 0 {
			src = strings.Join(srcs, "、")
		}
		township := u.Township
		if township == "" {
			township = "—"
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.UnitCode, u.Unit, township, last, src); err != nil {
			return err
		}
	}
	return nil
}
