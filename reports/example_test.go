package reports_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/minqing/minqing/reports"
	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// A district with no townships yet: the workbook still has every sheet (封面 and 目录
// first), every figure the read model left without a value shows "—", and charts with
// nothing to draw are left out.
func ExampleWrite() {
	cst := time.FixedZone("CST", 8*3600)
	district := transform.Unit{Code: "320102000000", Name: "和平区", Level: "district"}
	values := map[string]*float64{}
	for _, d := range transform.FigureDefs() {
		values[d.ID] = nil
	}
	dir, _ := os.MkdirTemp("", "reports")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "2024Q3.xlsx")

	err := reports.Write(path, reports.Input{
		District: district,
		Scope:    district,
		Period: transform.Period{ID: "2024Q3", Kind: "quarter",
			Start:  time.Date(2024, 7, 1, 0, 0, 0, 0, cst),
			End:    time.Date(2024, 9, 30, 0, 0, 0, 0, cst),
			Cutoff: time.Date(2024, 9, 30, 0, 0, 0, 0, cst)},
		Defs:  transform.FigureDefs(),
		Units: []transform.UnitFigures{{Unit: district, Values: values}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	wb, _ := xlsx.OpenFile(path)
	for _, sh := range wb.Sheets {
		fmt.Println(sh.Name)
	}
	title, _ := wb.Sheets[0].Cell(3, 0) // the cover's title, below three blank rows
	fmt.Println(title.Value)
	// Output:
	// 封面
	// 目录
	// 概览
	// 乡镇（街道）
	// 村（社区）
	// 办理类别
	// 来源渠道
	// 诉求类型
	// 代办
	// 走访
	// 服务活动
	// 综合排名
	// 超期及逾期办结
	// 按时办结明细
	// 等待中
	// 审计提示
	// 报送情况
	// 数据来源
	// 问题数据
	// 指标说明
	// 清单
	// 和平区2024年第三季度民情工作统计报表
}
