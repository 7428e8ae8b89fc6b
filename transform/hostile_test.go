package transform_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/transform"
)

// hostileValues are what a typed cell may hold in a real export: huge, negative and
// decimal numbers, text, full-width digits, empty, dates far outside the calendar.
var hostileValues = []string{
	"", " ", "0", "5", "5.0", "-3", "2.5", "１２", "12345678901234567890123", "9999999999", "2147483648",
	"1e23", "NaN", "五天", "３.０", "0x1F", "--", "99999", "45476.5", "1899-12-31", "9999-12-31", "2024-13-45",
	"2024-07-03", "2024/7/3 14:05", "20240703", "2024年7月3日", "1999-01-01", "2031-05-01", "00000000",
	"２０２４年７月３日", "12:00", "-1-1-1", strings.Repeat("9", 400), "2024-07-03 25:61", "\u0000", "＝SUM(A1)",
}

// caseDateColumns and caseNumberColumns are the typed columns of a case export, with
// headers ingest maps to them; likewise for visits and service activities.
var (
	caseDateColumns   = []string{"受理时间", "办结期限", "补正告知日期", "补齐日期", "上报日期", "上级批复日期", "办结时间", "首次联系时间", "反馈时间", "更新时间"}
	caseNumberColumns = []string{"承诺时限"}
	visitColumns      = []string{"走访日期", "人数", "收集意见建议", "解决问题"}
	serviceColumns    = []string{"服务日期", "参与人数", "服务人次"}
)

// TestHostileCellsNeverStopTheRun drives random cell values through every typed column of
// every record kind (a CSV of cases, a CSV of visits, a JSON array of service activities)
// and asserts that the transform completes and that every row is accounted for: loaded,
// quarantined with a reason, or skipped. One value that does not fit its field used to
// abort the whole transform with a conversion error naming no file.
func TestHostileCellsNeverStopTheRun(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			// Each row gets a hostile value in one typed column (or none), so every column
			// meets every kind of value on its own and the good rows still load.
			target, col := -1, 0
			newRow := func(width int) { target, col = rng.IntN(width+1)-1, 0 }
			value := func(good string) string {
				hit := col == target
				col++
				if !hit {
					return good
				}
				return hostileValues[rng.IntN(len(hostileValues))]
			}
			files := map[string]string{"units.csv": "code,name,level,parent,aliases\n330199000000,和平区,district,,\n330199001000,青石镇,township,330199000000,\n330199001001,西街村,village,330199001000,西街\n",
				"catalogue.csv": "item,days\n居住证明,3\n"}
			write := func(name, body string) { files[name] = body }

			const n = 120
			var cases strings.Builder
			cases.WriteString("诉求编号,承办单位,办理类别,服务事项,办理状态," + strings.Join(append(caseDateColumns, caseNumberColumns...), ",") + "\n")
			for i := 0; i < n; i++ {
				newRow(len(caseDateColumns) + len(caseNumberColumns))
				cells := []string{fmt.Sprintf("H%03d", i), "西街村", pick(rng, "即办件", "承诺件", "补办件", "上报件", "建议件"), "居住证明", pick(rng, "办理中", "已办结", "待补正", "已上报")}
				for _, c := range caseDateColumns {
					good := "2024-07-03 09:00"
					if c == "更新时间" {
						good = "2024-12-01 09:00"
					}
					cells = append(cells, csvCell(value(good)))
				}
				cells = append(cells, csvCell(value("3")))
				cases.WriteString(strings.Join(cells, ",") + "\n")
			}
			write("cases_20241231.csv", cases.String())

			var visits strings.Builder
			visits.WriteString("村居," + strings.Join(visitColumns, ",") + "\n")
			for i := 0; i < n; i++ {
				newRow(len(visitColumns))
				visits.WriteString("西街村," + csvCell(value("2024-07-03")) + "," + csvCell(value("2")) + "," + csvCell(value("1")) + "," + csvCell(value("1")) + "\n")
			}
			write("visits_20241231.csv", visits.String())

			var services []map[string]any
			for i := 0; i < n; i++ {
				newRow(len(serviceColumns))
				row := map[string]any{"服务单位": "西街村", "服务队": "志愿队", "服务类型": "志愿服务"}
				for _, c := range serviceColumns {
					v := value("2024-07-03")
					if c != "服务日期" {
						v = value("4")
					}
					// JSON carries numbers as numbers where they are ones, as platform APIs do
					if c != "服务日期" && isJSONNumber(v) {
						row[c] = json.Number(v)
					} else {
						row[c] = v
					}
				}
				services = append(services, row)
			}
			b, err := json.Marshal(services)
			if err != nil {
				t.Fatal(err)
			}
			write("services_20241231.json", string(b))

			db, err := testLoad(t, files, []ingest.SourceConfig{
				{Name: "cases", Kind: "cases", Level: "district", Paths: []string{"cases_*.csv"}, Encoding: "auto"},
				{Name: "visits", Kind: "visits", Level: "village", Paths: []string{"visits_*.csv"}, Encoding: "auto"},
				{Name: "services", Kind: "services", Level: "village", Paths: []string{"services_*.json"}, Encoding: "auto"},
			}, &transform.Options{})
			if err != nil {
				t.Fatalf("the transform stopped on a cell value: %v", err)
			}
			rows, err := db.Query(`select path, rows_read, loaded, quarantined, skipped, rows_data from source_accounting order by path`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			accounted := 0
			for rows.Next() {
				var path string
				var read, loaded, quarantined, skipped, data int
				if err := rows.Scan(&path, &read, &loaded, &quarantined, &skipped, &data); err != nil {
					t.Fatal(err)
				}
				accounted++
				if read != loaded+quarantined+skipped || data != n || loaded < 0 {
					t.Errorf("%s: read %d, loaded %d + quarantined %d + skipped %d; %d data rows, want %d", path, read, loaded, quarantined, skipped, data, n)
				}
				t.Logf("%s: %d loaded, %d quarantined", path, loaded, quarantined)
			}
			if accounted != 3 {
				t.Errorf("%d files accounted for, want 3", accounted)
			}
			// every quarantined row names its file, row and reason
			var unnamed int
			if err := db.QueryRow(`select count(*) from quarantine where reason is null or path is null or row_no is null`).Scan(&unnamed); err != nil || unnamed > 0 {
				t.Errorf("%d quarantined rows without a reason, file or row (%v)", unnamed, err)
			}
		})
	}
}

// TestBadNumbersQuarantined: a number too large for its field, in a CSV or a JSON export,
// quarantines its row BAD_NUMBER with file and row; the other rows load.
func TestBadNumbersQuarantined(t *testing.T) {
	db := miniDistrict(t, header, []string{
		"N1,西街村,2024-07-01,承诺件,,12345678901234567890123,,,,,,办理中,,,,2024-07-05 09:00",
		"N2,西街村,2024-07-01,承诺件,,3,,,,,,办理中,,,,2024-07-05 09:00",
		"N3,西街村,2024-07-01,承诺件,," + strings.Repeat("9", 400) + ",,,,,,办理中,,,,2024-07-05 09:00",
		"N4,西街村,1999-07-01,即办件,,,,,,,,办理中,,,,2024-07-05 09:00",
	})
	want := map[string]string{"N1": "BAD_NUMBER", "N3": "BAD_NUMBER", "N4": "BAD_DATE"}
	for no, reason := range want {
		var got, path string
		var row int
		if err := db.QueryRow(`select reason, path, row_no from quarantine where case_no = ?`, no).Scan(&got, &path, &row); err != nil {
			t.Errorf("%s: not quarantined: %v", no, err)
			continue
		}
		if got != reason || path == "" || row == 0 {
			t.Errorf("%s: %s at %s row %d, want %s with its file and row", no, got, path, row, reason)
		}
	}
	var n int
	if err := db.QueryRow(`select count(*) from cases`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d cases loaded, want the one good row (%v)", n, err)
	}
}

func pick(rng *rand.Rand, xs ...string) string { return xs[rng.IntN(len(xs))] }

// csvCell quotes a value for CSV.
func csvCell(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

func isJSONNumber(s string) bool {
	var f json.Number
	return json.Unmarshal([]byte(s), &f) == nil
}
