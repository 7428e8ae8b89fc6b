package dashboards

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/minqing/minqing/transform"
)

// OfflineKinds are the kinds of period an offline dashboard writes and lists by default:
// the quarters a department reports on and the years it sums up. Months are not written
// by default: every page already shows each month in its trend and heat map, and a page
// per unit and month would triple the files to share; Kinds or Default add them.
var OfflineKinds = []string{"quarter", "year"}

// OfflineOptions choose what WriteOffline writes.
type OfflineOptions struct {
	// Build is how each page is built (as `minqing serve` builds it). Its Cases must be
	// false: written files go to anyone they are shared with.
	Build BuildOptions
	// Kinds are the kinds of period written (quarter, year, month); nil means OfflineKinds.
	Kinds []string
	// Default is the period index.html shows. It is written (and listed) even when it has
	// no cases or is of a kind not in Kinds: it was asked for.
	Default transform.Period
}

// ErrNoPeriods means WriteOffline found no period with cases to write and was given no
// default period.
var ErrNoPeriods = errors.New("no period has cases")

// offlinePeriod is one period of an offline dashboard and where its pages go.
type offlinePeriod struct {
	transform.Period
	notOver bool
}

// WriteOffline writes the dashboard as files that work with no server and no network:
// for every period of the chosen kinds in which a case counts (transform.HasCases; and the
// default period), a folder named by the period id holding one page per unit
// (2024Q3/330199001000.html); index.html, the district's page of the default period; and
// the assets (static/). Every page lists the written periods as plain relative links to
// the same unit's page of each, and links the units of its own period (breadcrumbs,
// ranking, heat map, overdue list); it carries no control that needs a server. It
// returns index.html's path. Files are replaced atomically, index.html last; writing the
// same store twice gives the same bytes.
func WriteOffline(ctx context.Context, dir string, src Source, o OfflineOptions) (string, error) {
	if o.Build.Cases {
		return "", errors.New("writing the offline dashboard: case lists are for auditors on the server, never in shared files")
	}
	periods, err := offlinePeriods(ctx, src, o)
	if err != nil {
		return "", fmt.Errorf("listing the periods of the offline dashboard: %w", err)
	}
	if err := writeStatic(dir); err != nil {
		return "", err
	}
	// index.html is the default period's district page, its links made from dir itself.
	var index Input
	var codes []string  // the units of the pages written
	var free periodFree // the monthly series and the data's end, read once for every period
	for _, p := range periods {
		pages, err := buildAll(ctx, src, p.Period, o.Build, &free)
		if err != nil {
			return "", fmt.Errorf("building the dashboard of %s: %w", p.ID, err)
		}
		if len(pages) == 0 {
			continue
		}
		sub := filepath.Join(dir, p.ID)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return "", fmt.Errorf("creating %q: %w", sub, err)
		}
		files := make([]pageFile, 0, len(pages))
		for _, in := range pages {
			if in.Detail == nil {
				continue
			}
			in.Detail.Nav = offlineNav(periods, p.ID, in.Detail.Scope.Code, "../", "")
			files = append(files, pageFile{path: filepath.Join(sub, unitFile(in.Detail.Scope.Code)), in: in, assets: "../static/"})
		}
		if err := writePageFiles(files); err != nil {
			return "", err
		}
		if codes == nil {
			for _, f := range files {
				codes = append(codes, f.in.Detail.Scope.Code)
			}
		}
		if p.ID == o.Default.ID {
			index = pages[0]
			det := *index.Detail
			det.Nav = offlineNav(periods, p.ID, det.Scope.Code, "", p.ID+"/")
			index.Detail = &det
		}
	}
	if index.Detail == nil {
		return "", fmt.Errorf("writing the offline dashboard: the default period %q was not written", o.Default.ID)
	}
	path := filepath.Join(dir, "index.html")
	if err := writePageFiles([]pageFile{{path: path, in: index, assets: "static/"}}); err != nil {
		return "", err
	}
	// Earlier versions wrote one period's unit pages beside index.html, with controls that
	// need a server; left there, they would still be opened from old links.
	for _, code := range codes {
		old := filepath.Join(dir, unitFile(code))
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("removing %q of the earlier layout: %w", old, err)
		}
	}
	return path, nil
}

// unitFile is the name of a unit's page within its period's folder.
func unitFile(code string) string { return code + ".html" }

// offlineNav links a written page: units of its own period at unitBase (the period's
// folder as seen from the page), each period's page of the same unit at up+id/.
func offlineNav(periods []offlinePeriod, current, code, up, unitBase string) *Nav {
	n := &Nav{UnitHref: func(c string) string { return unitBase + unitFile(c) }}
	for _, p := range periods {
		n.PeriodLinks = append(n.PeriodLinks, PeriodLink{
			Kind: p.Kind, Label: periodLabel(p.Period), Href: up + p.ID + "/" + unitFile(code),
			Current: p.ID == current, NotOver: p.notOver,
		})
	}
	return n
}

// offlinePeriods lists the periods to write, newest first within each kind, the kinds in
// the order of the period list: those of the chosen kinds in which a case counts
// (transform.HasCases), and the default.
func offlinePeriods(ctx context.Context, src Source, o OfflineOptions) ([]offlinePeriod, error) {
	kinds := o.Kinds
	if kinds == nil {
		kinds = OfflineKinds
	}
	units, err := src.Units(ctx)
	if err != nil {
		return nil, err
	}
	district := ""
	for _, u := range units {
		if u.Level == transform.LevelDistrict {
			district = u.Code
			break
		}
	}
	if district == "" {
		return nil, errors.New("the register has no district")
	}
	through, err := dataThrough(ctx, src)
	if err != nil {
		return nil, err
	}
	var out []offlinePeriod
	seen := map[string]bool{}
	add := func(p transform.Period) {
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, offlinePeriod{Period: p, notOver: notOver(p, through)})
		}
	}
	byKind := map[string][]transform.Period{}
	for _, kind := range kinds {
		series, err := src.Series(ctx, district, kind)
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			if hasCases(s.Values) {
				byKind[kind] = append(byKind[kind], s.Period)
			}
		}
	}
	if o.Default.ID != "" {
		byKind[o.Default.Kind] = append(byKind[o.Default.Kind], o.Default)
	}
	for _, k := range periodKindNames {
		ps := byKind[k.Kind]
		// Newest first: the series runs oldest first, the default may be anywhere.
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Start.After(ps[j].Start) })
		for _, p := range ps {
			add(p)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoPeriods
	}
	return out, nil
}

// hasCases reports whether any case counts in a period's district figures, by the one
// rule every command refuses an empty period by (transform.HasCases).
func hasCases(v map[string]*float64) bool {
	return transform.HasCases(transform.UnitFigures{Values: v})
}

// notOver reports whether p is not over in data that ends on through (zero: not known,
// taken as over).
func notOver(p transform.Period, through time.Time) bool {
	return !through.IsZero() && !p.Complete(through)
}
