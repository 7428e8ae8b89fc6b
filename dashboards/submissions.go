package dashboards

import (
	"context"
	"fmt"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// SubmissionsSource is a Source that knows who sent what for a period
// (transform.Reader.Submissions); Build and BuildAll read it where the source has it, and
// the pages then show the 报送情况 panel.
type SubmissionsSource interface {
	Submissions(ctx context.Context, p transform.Period) ([]transform.UnitSubmissions, error)
}

var _ SubmissionsSource = (*transform.Reader)(nil)

// addSubmissions gives each page the entries of its scope and the units below it, from
// one read of the source; nothing when the source cannot tell.
func addSubmissions(ctx context.Context, src Source, p transform.Period, pages []Input) error {
	s, ok := src.(SubmissionsSource)
	if !ok || len(pages) == 0 {
		return nil
	}
	subs, err := s.Submissions(ctx, p)
	if err != nil {
		return fmt.Errorf("reading who reported for %s: %w", p.ID, err)
	}
	parent := make(map[string]string, len(subs))
	for _, u := range subs {
		parent[u.Code] = u.Parent
	}
	under := func(code, scope string) bool {
		for ; code != ""; code = parent[code] {
			if code == scope {
				return true
			}
		}
		return false
	}
	for i := range pages {
		scope := pages[i].District.Code
		if pages[i].Detail != nil {
			scope = pages[i].Detail.Scope.Code
		}
		pages[i].Submissions = []transform.UnitSubmissions{}
		for _, u := range subs {
			if under(u.Code, scope) {
				pages[i].Submissions = append(pages[i].Submissions, u)
			}
		}
	}
	return nil
}

// submissionsPanel is what the 报送情况 panel shows: how many units of the page's scope
// reported, how many sent nothing (listed, highlighted) and how many are not judged.
type submissionsPanel struct {
	Title                        string
	Reported, Silent, NotJudged  int
	SubmittedLabel, SilentLabel  string
	NotJudgedLabel, LastOwnLabel string
	UnitLabel, TownshipLabel     string
	SourceLabel                  string
	Rows                         []submissionRow
	// SelfSilent: the page's own unit sent nothing, so its figures come from other
	// units' exports alone; the page says so above its cards.
	SelfSilent bool
	// NotOver says the period is not over in the data: units may not have sent yet.
	NotOver string
	Rule    string
}

// submissionRow is one unit that sent nothing: its name, township, newest export of its
// own and the sources that hold its rows of the period.
type submissionRow struct {
	Name, Township, LastOwn, Sources string
}

// submissionsPanelFor is the panel of a page; nil (no panel) when the input carries no
// submissions.
func submissionsPanelFor(in Input) *submissionsPanel {
	if in.Submissions == nil {
		return nil
	}
	scope := in.District.Code
	if in.Detail != nil {
		scope = in.Detail.Scope.Code
	}
	names := map[string]string{}
	for _, u := range in.Submissions {
		names[u.Code] = u.Name
	}
	sp := &submissionsPanel{
		Title: terms.Submissions, SubmittedLabel: terms.Submitted, SilentLabel: terms.NotSubmitted,
		NotJudgedLabel: terms.NotJudged, LastOwnLabel: terms.LastOwn, UnitLabel: terms.Unit,
		TownshipLabel: terms.Township, SourceLabel: terms.Source, Rule: transform.SubmissionRule,
	}
	if !in.DataThrough.IsZero() && !in.Period.Complete(in.DataThrough) {
		sp.NotOver = transform.NotOverNote(in.DataThrough) + "：单位可能尚未报送。"
	}
	for _, u := range in.Submissions {
		switch {
		case !u.Expected:
			sp.NotJudged++
			continue
		case !u.Silent:
			sp.Reported++
			continue
		}
		sp.Silent++
		if u.Code == scope {
			sp.SelfSilent = true
		}
		r := submissionRow{Name: u.Name, Township: "—", LastOwn: "—", Sources: "—"}
		switch u.Level {
		case transform.LevelTownship:
			r.Township = u.Name
		case transform.LevelVillage:
			r.Township = names[u.Parent]
			if r.Township == "" {
				r.Township = "—"
			}
		}
		if u.LastOwn != nil {
			r.LastOwn = u.LastOwn.Format("2006-01-02")
		}
		var srcs []string
		for _, s := range u.Sources {
			srcs = append(srcs, fmt.Sprintf("%s（%d行）", s.Source, s.Rows))
		}
		if len(srcs) > 0 {
			r.Sources = strings.Join(srcs, "、")
		}
		sp.Rows = append(sp.Rows, r)
	}
	return sp
}
