package reports

import "github.com/xuri/excelize/v2"

// statRows is how many rows the statutory header takes above a statistical table when
// the config gives neither 批准机关 nor 批准文号: 表号, 制表机关 and 填报单位.
const statRows = 3

// st is ref on a statistical sheet, moved down below the statutory header: the row a
// sheet without the header would have had it on, plus statRows.
func st(ref string) string {
	col, row, err := excelize.CellNameToCoordinates(ref)
	if err != nil {
		panic(err)
	}
	return cellName(col, row+statRows)
}
