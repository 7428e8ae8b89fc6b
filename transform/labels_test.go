package transform

import (
	"testing"

	"github.com/minqing/minqing/internal/hanzi"
)

// TestLabelsUnique: a label means one thing per field, whatever its width or spacing.
func TestLabelsUnique(t *testing.T) {
	seen := map[string]string{}
	for i, r := range labelRows {
		key := r[0] + "\x00" + labelKey(r[1])
		if v, ok := seen[key]; ok {
			t.Errorf("labels.csv row %d: %s %q maps to %q and %q", i+2, r[0], r[1], v, r[2])
		}
		seen[key] = r[2]
		if !labelValues[r[0]][r[2]] {
			t.Errorf("labels.csv row %d: value %q not canonical", i+2, r[2])
		}
	}
}

// TestLabelsSimplified: labels.csv lists labels in simplified characters only; the
// traditional spellings come from the converter (loadLabels), never by hand.
func TestLabelsSimplified(t *testing.T) {
	for i, r := range labelRows {
		if s := hanzi.Simplified(r[1]); s != r[1] {
			t.Errorf("labels.csv row %d: %q is written in traditional characters (%q): the converter finds it", i+2, r[1], s)
		}
	}
}
