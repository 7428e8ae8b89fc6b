package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// alertColor is the red of a rate below its alert threshold: the font of the cell and,
// paler, its fill, so it shows on a black-and-white print as well as on screen.
const (
	alertColor = "C00000"
	alertFill  = "FFC7CE"
)

// alertIDs are the figures with an alert threshold, in the order of the Defs.
func (m *model) alertIDs() []string {
	var ids []string
	for _, d := range m.in.Defs {
		if _, ok := m.in.Alerts[d.ID]; ok {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// alert marks the cells of column col from row first to last red when their value is a
// number below figure id's threshold. It is a conditional format, not a colour set by
// the writer: a reader who corrects a value in Excel or WPS sees the mark follow it. A
// "—" (no value) is text and never marked.
func (s *sheet) alert(m *model, id string, col, first, last int) {
	limit, ok := m.in.Alerts[id]
	if !ok || s.err != nil || last < first {
		return
	}
	if s.b.alertStyle == nil {
		st, err := s.b.f.NewConditionalStyle(&excelize.Style{
			Font: &excelize.Font{Color: alertColor, Bold: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{alertFill}},
		})
		if err != nil {
			s.fail(fmt.Errorf("creating the alert style: %w", err))
			return
		}
		s.b.alertStyle = &st
	}
	top := cellName(col, first)
	rule := fmt.Sprintf("AND(ISNUMBER(%s),%s<%s)", top, top, strconv.FormatFloat(limit, 'f', -1, 64))
	s.fail(s.b.f.SetConditionalFormat(s.name, top+":"+cellName(col, last), []excelize.ConditionalFormatOptions{{
		Type: "formula", Criteria: rule, Format: s.b.alertStyle,
	}}))
}

// alertColumns marks the alerted figures among defs, written from column col, on rows
// first to last.
func (s *sheet) alertColumns(m *model, defs []transform.FigureDef, col, first, last int) {
	for i, d := range defs {
		s.alert(m, d.ID, col+i, first, last)
	}
}

// alertNote says which rates are marked red and below what; "" without alerts.
func alertNote(m *model) string {
	ids := m.alertIDs()
	if len(ids) == 0 {
		return ""
	}
	names := map[string]string{}
	for _, d := range m.in.Defs {
		names[d.ID] = d.Name
	}
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%s低于%s", names[id], shown(m.in.Alerts[id], fmtRate)))
	}
	return "红色底纹标示低于预警线的比率（报表设置 report.alerts）：" + strings.Join(parts, "，") + "。修改单元格的值后标示随之重算。"
}
