package transform

import "testing"

// TestLabelsUnique: a label means one thing per field, whatever its width or spacing.
func TestLabelsUnique(t *testing.T) {
	seen := map[string]string{}
	for i, r := range labelRows {
		key := r[0] + "\x00" + r[1]
		if v, ok := seen[key]; ok {
			t.Errorf("labels.csv row %d: %s %q maps to %q and %q", i+2, r[0], r[1], v, r[2])
		}
		seen[key] = r[2]
		if !labelValues[r[0]][r[2]] {
			t.Errorf("labels.csv row %d: value %q not canonical", i+2, r[2])
		}
	}
}
