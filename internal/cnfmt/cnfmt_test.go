package cnfmt

import (
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 250647: "250,647",
		1234567: "1,234,567", -1234: "-1,234", -999: "-999"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	// 16:30 UTC on 30 September is already 1 October in Shanghai.
	if got := Date(time.Date(2024, 9, 30, 16, 30, 0, 0, time.UTC)); got != "2024年10月1日" {
		t.Errorf("Date = %q", got)
	}
	if got := Date(time.Date(2025, 1, 6, 0, 0, 0, 0, shanghai)); got != "2025年1月6日" {
		t.Errorf("Date = %q", got)
	}
}
