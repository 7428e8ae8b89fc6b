package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// districtCode is the district bigcsv.py writes (长河区): the unit whose figures are compared.
const districtCode = "990300000000"

// Headline is the three figures compared between minqing and the pandas script. A nil
// figure was not found (printed as "—").
type Headline struct {
	Received   *float64 `json:"received"`
	Closed     *float64 `json:"closed"`
	OnTimeRate *float64 `json:"on_time_rate"`
}

// minqingHeadline reads the district's figures from `minqing stats` JSON:
// {"period", "cutoff", "units": [{"code", "figures": {ID: value|null}}]}.
func minqingHeadline(statsJSON []byte, unit string) (Headline, error) {
	var doc struct {
		Units []struct {
			Code    string              `json:"code"`
			Figures map[string]*float64 `json:"figures"`
		} `json:"units"`
	}
	if err := json.Unmarshal(statsJSON, &doc); err != nil {
		return Headline{}, fmt.Errorf("reading minqing stats JSON: %w", err)
	}
	for _, u := range doc.Units {
		if u.Code == unit {
			return Headline{Received: u.Figures["received"], Closed: u.Figures["closed"], OnTimeRate: u.Figures["on_time_rate"]}, nil
		}
	}
	return Headline{}, fmt.Errorf("reading minqing stats JSON: no unit %s among %d units", unit, len(doc.Units))
}

// pandasSheet is the sheet baseline_pandas.py writes its figures to: one row per unit, the
// header row naming the columns (code, received, closed, …, on_time_rate, …).
const pandasSheet = "分单位统计"

// pandasHeadline reads the district's row of the pandas script's workbook.
func pandasHeadline(path, unit string) (Headline, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return Headline{}, fmt.Errorf("opening the pandas workbook %s: %w", path, err)
	}
	defer f.Close()
	rows, err := f.GetRows(pandasSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return Headline{}, fmt.Errorf("reading sheet %s of %s: %w", pandasSheet, path, err)
	}
	if len(rows) == 0 {
		return Headline{}, fmt.Errorf("reading sheet %s of %s: empty", pandasSheet, path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if _, ok := col["code"]; !ok {
		return Headline{}, fmt.Errorf("reading sheet %s of %s: no column \"code\" in %v", pandasSheet, path, rows[0])
	}
	for _, r := range rows[1:] {
		if cell(r, col, "code") != unit {
			continue
		}
		num := func(name string) *float64 {
			v, err := strconv.ParseFloat(cell(r, col, name), 64)
			if err != nil {
				return nil
			}
			return &v
		}
		return Headline{Received: num("received"), Closed: num("closed"), OnTimeRate: num("on_time_rate")}, nil
	}
	return Headline{}, fmt.Errorf("reading sheet %s of %s: no row for unit %s", pandasSheet, path, unit)
}

func cell(row []string, col map[string]int, name string) string {
	i, ok := col[name]
	if !ok || i >= len(row) {
		return ""
	}
	return row[i]
}

// figureRow is one compared figure.
type figureRow struct {
	ID              string
	Minqing, Pandas *float64
	Agree           bool
}

// compare pairs the figures. Counts must be equal; rates within 1e-9, since both are a
// quotient of the same two counts computed in floating point by different programs. A
// figure missing on either side does not agree.
func compare(m, p Headline) []figureRow {
	rows := []figureRow{{ID: "received", Minqing: m.Received, Pandas: p.Received},
		{ID: "closed", Minqing: m.Closed, Pandas: p.Closed},
		{ID: "on_time_rate", Minqing: m.OnTimeRate, Pandas: p.OnTimeRate}}
	for i := range rows {
		a, b := rows[i].Minqing, rows[i].Pandas
		rows[i].Agree = a != nil && b != nil && math.Abs(*a-*b) <= 1e-9
	}
	return rows
}

// formatFigure prints a count as an integer, a rate as a percentage with three decimals
// (enough to see a one-case difference at a million cases), nil as "—".
func formatFigure(id string, v *float64) string {
	if v == nil {
		return "—"
	}
	if id == "on_time_rate" {
		return fmt.Sprintf("%.3f%%", *v*100)
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
