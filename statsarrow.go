package main

import (
	"io"

	"github.com/minqing/minqing/arrowio"
	"github.com/minqing/minqing/transform"
)

// writeStatsArrow writes every unit's figures, with 环比 and 同比, as the server's
// figures.arrow download does: one Arrow IPC stream, one row per unit and figure.
func writeStatsArrow(w io.Writer, p transform.Period, figs []transform.UnitFigures) error {
	return arrowio.WriteFigures(w, p, figs, nil)
}
