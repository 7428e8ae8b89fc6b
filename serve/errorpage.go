package serve

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/minqing/minqing/dashboards"
	"github.com/minqing/minqing/transform"
)

// problem is what the server answers instead of a page: its status, a heading, one
// sentence, and the way back. The words of every such answer are here.
type problem struct {
	Status  int
	Heading string
	Detail  string
	Back    dashboards.Link
}

// The answers. 404 says the thing asked for does not exist; 403 that it exists (or may)
// but the account may not see it: the two never share words.
func problemNoUnit(code string, back dashboards.Link) problem {
	return problem{http.StatusNotFound, "没有该单位", fmt.Sprintf("单位名册中没有编码为 %s 的单位，请检查链接中的单位编码。", code), back}
}

func problemNotAllowed(u User, meta *storeMeta, back dashboards.Link) problem {
	detail := "您的账号无权查看该单位的数据。"
	if u.Role == RoleTownship {
		detail = fmt.Sprintf("您的账号只能查看%s及其下辖村（社区）的数据。", meta.units[u.Unit].Name)
	}
	return problem{http.StatusForbidden, "无权查看该单位", detail, back}
}

func problemNoPeriod(id string, latest transform.Period, back dashboards.Link) problem {
	return problem{http.StatusNotFound, "没有该统计期的数据", fmt.Sprintf("统计期 %s 没有数据；最新统计期是%s。", id, latest.Label()), back}
}

func problemNoPage(back dashboards.Link) problem {
	return problem{http.StatusNotFound, "没有该页面", "您访问的地址不存在，请从首页进入。", back}
}

// problemCasesAuditorsOnly answers a request for the case list by a user who is not an
// auditor (data requests only: no page links there).
const problemCasesAuditorsOnly = "无权查看诉求清单：只有督查审计用户可查看"

// backHome is the link to the page a user starts from, for the period given ("" = the
// newest); the index when there is no user.
func backHome(u *User, meta *storeMeta, period string) dashboards.Link {
	if u == nil || meta == nil {
		return dashboards.Link{Label: "返回首页", Href: "/"}
	}
	code := home(*u, meta)
	if code == "" {
		return dashboards.Link{Label: "返回首页", Href: "/"}
	}
	if period == "" {
		period = meta.latest.ID
	}
	return dashboards.Link{Label: "返回" + meta.units[code].Name + "首页", Href: unitHref(code, period)}
}

// unknownUnitShown says whether a request for a code not in the register may be answered
// 404: when the user could see every unit, or the code would lie under the user's own
// township (its first 9 digits, as 统计用区划代码 are built). Otherwise it is 403 like a
// unit outside the scope, so that the answer does not tell which codes exist elsewhere.
func unknownUnitShown(u User, code string) bool {
	switch u.Role {
	case RoleLeader, RoleAuditor:
		return true
	case RoleTownship:
		return len(u.Unit) >= 9 && len(code) == len(u.Unit) && strings.HasPrefix(code, u.Unit[:9])
	}
	return false
}

// answer writes p: as a page with the dashboard's header and the way back when page is
// true, else as one line of text (CSV and Arrow clients).
func (s *Server) answer(w http.ResponseWriter, page bool, u *User, meta *storeMeta, p problem) {
	if !page {
		http.Error(w, p.Heading+"："+p.Detail, p.Status)
		return
	}
	title := "民情工作看板"
	if meta != nil && u != nil {
		for _, unit := range meta.units {
			if unit.Level == transform.LevelDistrict {
				title = unit.Name + " 民情工作看板"
			}
		}
	}
	d := struct {
		problem
		Title, User string
	}{problem: p, Title: title}
	if u != nil {
		d.User = u.Name
	}
	var b bytes.Buffer
	if err := errorTemplate.Execute(&b, d); err != nil {
		s.opts.Logger.Error("rendering an error page", "status", p.Status, "err", err)
		http.Error(w, p.Heading, p.Status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(p.Status)
	w.Write(b.Bytes())
}

// notFound answers a path no route serves, with the way back to the user's page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var u *User
	var meta *storeMeta
	if ses, err := s.sessions.check(r); err == nil {
		if x, ok := s.users[ses.User]; ok {
			u = &x
			meta, _, _ = s.current(r.Context())
		}
	}
	s.answer(w, true, u, meta, problemNoPage(backHome(u, meta, "")))
}

var errorTemplate = template.Must(template.ParseFS(templates, "error.html.tmpl"))
