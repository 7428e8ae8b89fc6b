package dashboards_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/minqing/minqing/dashboards"
	"github.com/minqing/minqing/transform"
)

func ExampleWrite() {
	dir, err := os.MkdirTemp("", "dashboard")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	v := func(x float64) *float64 { return &x }
	end := time.Date(2024, 9, 30, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	district := transform.Unit{Code: "210102000000", Name: "和平区", Level: "district"}
	page, err := dashboards.Write(dir, dashboards.Input{
		District: district,
		Period:   transform.Period{ID: "2024Q3", Kind: "quarter", End: end, Cutoff: end},
		Headline: transform.UnitFigures{Unit: district, Values: map[string]*float64{"received": v(1432), "on_time_rate": v(0.963)}},
	})
	if err != nil {
		log.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "static"))
	fmt.Println(filepath.Base(page))
	for _, e := range entries {
		fmt.Println("static/" + e.Name())
	}
	// Output:
	// index.html
	// static/LICENSE
	// static/LICENSE-d3
	// static/LICENSE-zrender
	// static/NOTICE
	// static/echarts.min.js
}
