package dashboards

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/minqing/minqing/transform"
)

//go:embed preparing.html.tmpl
var preparingSource string

var preparingTemplate = template.Must(template.New("preparing").Parse(preparingSource))

// Preparing describes a unit's page that is not built yet.
type Preparing struct {
	District transform.Unit
	// Path lists the units above Scope, the district first; Scope is the page's unit.
	Path   []transform.Unit
	Scope  transform.Unit
	Period transform.Period
	// Refresh is how many seconds the page waits before it loads itself again.
	Refresh int
	// Nav holds the server's links (the units above, the viewer and the logout form);
	// nil for none.
	Nav *Nav
}

type preparingData struct {
	Title       string
	PeriodLabel string
	Crumbs      []Link
	ScopeName   string
	Refresh     int
	Served      bool
	User, Role  string
	Logout      string
	CSRF        string
}

// WritePreparing renders the page shown in place of a unit's page while it is being
// built: the page's header (its title, the units above it and the period) and a notice
// that it is being prepared, reloading itself after p.Refresh seconds. Nothing is written
// to w when rendering fails.
func WritePreparing(w io.Writer, p Preparing) error {
	if strings.TrimSpace(p.District.Name) == "" {
		return errors.New("rendering a page being prepared: the district has no name")
	}
	label := periodLabel(p.Period)
	d := preparingData{
		Title:       unitName(p.District, p.Path, p.Scope) + " " + label + " 民情工作看板",
		PeriodLabel: label,
		ScopeName:   p.Scope.Name,
		Refresh:     max(p.Refresh, 1),
	}
	if p.Scope.Code == "" {
		d.ScopeName = p.District.Name
	}
	for _, u := range p.Path {
		l := Link{Label: u.Name}
		if p.Nav != nil && p.Nav.UnitHref != nil {
			l.Href = p.Nav.UnitHref(u.Code)
		}
		d.Crumbs = append(d.Crumbs, l)
	}
	if n := p.Nav; n != nil {
		d.Served = true
		d.User, d.Role, d.Logout, d.CSRF = n.User, roleNames[n.Role], n.LogoutAction, n.CSRF
	}
	var buf bytes.Buffer
	if err := preparingTemplate.Execute(&buf, d); err != nil {
		return fmt.Errorf("rendering a page being prepared: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
