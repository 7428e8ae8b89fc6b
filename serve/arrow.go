package serve

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/minqing/minqing/arrowio"
)

func (s *Server) figuresArrow(w http.ResponseWriter, r *http.Request) {
	q := s.scoped(w, r, false, "arrow:figures")
	if q == nil {
		return
	}
	figs, err := s.opts.Source.Figures(r.Context(), q.period)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The stream holds the unit and its subtree, and of those only what the user may see
	// (the same check as the pages, so a township user never gets a neighbour's row).
	sub := func(code string) bool {
		return canSee(User{Role: RoleTownship, Unit: q.unit.Code}, q.meta.units, code) && canSee(q.user, q.meta.units, code)
	}
	var buf bytes.Buffer
	if err := arrowio.WriteFigures(&buf, q.period, figs, sub); err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveArrow(w, r, q, "figures", buf.Bytes())
}

func (s *Server) casesArrow(w http.ResponseWriter, r *http.Request) {
	q := s.scoped(w, r, false, "arrow:cases")
	if q == nil {
		return
	}
	if q.user.Role != RoleAuditor {
		s.access.record(accessEntry{Event: "denied", User: q.user.Name, Role: q.user.Role, Unit: q.unit.Code, What: "arrow:cases", Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusForbidden})
		s.metrics.denied.Inc()
		http.Error(w, problemCasesAuditorsOnly, http.StatusForbidden)
		return
	}
	in, err := s.input(r.Context(), q)
	if err == nil {
		in, err = s.fullCases(r.Context(), q, in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := arrowio.WriteCases(&buf, in.Detail.Cases); err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveArrow(w, r, q, "cases", buf.Bytes())
}

func (s *Server) serveArrow(w http.ResponseWriter, r *http.Request, q *request, what string, b []byte) {
	s.access.record(accessEntry{Event: "view", User: q.user.Name, Role: q.user.Role, Unit: q.unit.Code, Period: q.period.ID, What: "arrow:" + what, Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusOK})
	w.Header().Set("Content-Type", arrowio.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.arrows"`, q.unit.Code, q.period.ID, what))
	w.Write(b)
}
