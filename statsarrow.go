package main

import (
	"io"
	"strconv"
	"time"

	"github.com/minqing/minqing/arrowio"
	"github.com/minqing/minqing/transform"
)

// writeStatsArrow writes every unit's figures, with 环比 and 同比, as the server's
// figures.arrow download does: one Arrow IPC stream, one row per unit and figure. The
// schema's metadata says what the JSON's fields do: complete, data_through ("" when
// nothing is loaded) and, for a period not over, note (transform.NotOverNote).
func writeStatsArrow(w io.Writer, p transform.Period, dataThrough time.Time, figs []transform.UnitFigures) error {
	meta := map[string]string{"complete": strconv.FormatBool(p.Complete(dataThrough)), "data_through": ""}
	if !dataThrough.IsZero() {
		meta["data_through"] = dataThrough.Format("2006-01-02")
		if !p.Complete(dataThrough) {
			meta["note"] = transform.NotOverNote(dataThrough)
		}
	}
	return arrowio.WriteFiguresWith(w, p, figs, nil, meta)
}
