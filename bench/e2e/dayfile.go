package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// exportDay is the day of the incremental export: after bigcsv.py's last receipt
// (2024-12-31) and its latest reply date (receipt + 15 days), so that no closure in it
// comes before a date the case already carries; a Monday and a working day.
var exportDay = time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC)

// dayFileName carries no date on purpose: minqing orders the versions of a case with no
// 更新时间 by the date in the file's name, else by when the file was loaded. cases.csv has no
// date either, so it counts from its load (today); a name dated 2025-01-20 would make the
// updates older than the versions they replace, and they would be ignored.
const dayFileName = "cases-next-day.csv"

// dayStats says what a day file holds.
type dayStats struct {
	Updates int `json:"updates"` // cases of the full export that were open, now closed
	New     int `json:"new"`     // cases received on the export day
}

// writeDayFile writes one day's export of rows rows in the layout of casesPath (its header,
// GB18030): the first rows/2 cases that are open in casesPath, now closed on exportDay
// (same 受理编号, unit and receipt), and new cases received on exportDay numbered from
// firstNew on, most of them still open. Deterministic.
func writeDayFile(casesPath, unitsPath, out string, rows, firstNew int) (dayStats, error) {
	var st dayStats
	villages, err := villageNames(unitsPath)
	if err != nil {
		return st, err
	}
	in, err := os.Open(casesPath)
	if err != nil {
		return st, fmt.Errorf("opening the export: %w", err)
	}
	defer in.Close()
	r := csv.NewReader(bufio.NewReaderSize(simplifiedchinese.GB18030.NewDecoder().Reader(in), 1<<20))
	header, err := r.Read()
	if err != nil {
		return st, fmt.Errorf("reading the header of %s: %w", casesPath, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	need := []string{"受理编号", "承办单位", "来源渠道", "受理时间", "办理类别", "承诺时限", "补齐日期", "上级批复日期",
		"办结时间", "办理状态", "办理结果", "满意度", "是否代办", "首次联系时间", "诉求内容"}
	for _, h := range need {
		if _, ok := col[h]; !ok {
			return st, fmt.Errorf("reading the header of %s: no column %s (the day file copies bigcsv.py's layout)", casesPath, h)
		}
	}
	rnd := rand.New(rand.NewPCG(42, uint64(firstNew)))
	at := func(hour0, hours int) time.Time {
		return exportDay.Add(time.Duration(hour0+rnd.IntN(hours))*time.Hour + time.Duration(rnd.IntN(60))*time.Minute)
	}
	const stamp = "2006-01-02 15:04"

	var recs [][]string
	for len(recs) < rows/2 {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("reading %s: %w", casesPath, err)
		}
		if rec[col["办理状态"]] == "已办结" || rec[col["办结时间"]] != "" {
			continue
		}
		rec[col["办结时间"]] = at(9, 8).Format(stamp)
		rec[col["办理状态"]] = "已办结"
		rec[col["办理结果"]] = "已解决"
		if rec[col["办理类别"]] == "建议件" {
			rec[col["办理结果"]] = "已解释"
		}
		rec[col["满意度"]] = "满意"
		recs = append(recs, rec)
	}
	st.Updates = len(recs)

	// bigcsv.py's mix of classes and channels.
	classes := []struct {
		name   string
		weight int
	}{{"即办件", 45}, {"承诺件", 30}, {"补办件", 10}, {"上报件", 8}, {"建议件", 7}}
	channels := []string{"热线电话", "民情信箱", "网站", "上门走访", "接待日", "政务大厅窗口", "微信"}
	for i := 0; len(recs) < rows; i++ {
		rec := make([]string, len(header))
		recv := at(8, 10)
		klass := classes[len(classes)-1].name
		for w, c := rnd.IntN(100), 0; c < len(classes); c++ {
			if w < classes[c].weight {
				klass = classes[c].name
				break
			}
			w -= classes[c].weight
		}
		rec[col["受理编号"]] = fmt.Sprintf("CH%09d", firstNew+i)
		rec[col["承办单位"]] = villages[rnd.IntN(len(villages))]
		rec[col["来源渠道"]] = channels[rnd.IntN(len(channels))]
		rec[col["受理时间"]] = recv.Format(stamp)
		rec[col["办理类别"]] = klass
		if klass == "承诺件" || klass == "补办件" {
			rec[col["承诺时限"]] = fmt.Sprint([]int{3, 5, 7, 10, 15}[rnd.IntN(5)])
		}
		rec[col["办理状态"]] = "办理中"
		// Immediate and referred cases are closed the day they arrive; the others wait for
		// their limit, for documents (补办件) or for a reply (上报件).
		if klass == "即办件" || klass == "建议件" {
			rec[col["办结时间"]] = recv.Add(time.Duration(rnd.IntN(90)) * time.Minute).Format(stamp)
			rec[col["办理状态"]] = "已办结"
			rec[col["办理结果"]] = "已解决"
			if klass == "建议件" {
				rec[col["办理结果"]] = "已解释"
			}
			rec[col["满意度"]] = "满意"
		}
		rec[col["是否代办"]] = []string{"是", "否", "否", "否"}[rnd.IntN(4)]
		rec[col["首次联系时间"]] = recv.Add(time.Hour).Format(stamp)
		rec[col["诉求内容"]] = "居民反映楼道照明损坏，夜间上下楼不便，希望尽快维修"
		recs = append(recs, rec)
		st.New++
	}

	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return st, fmt.Errorf("creating the day file: %w", err)
	}
	defer os.Remove(tmp)
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(simplifiedchinese.GB18030.NewEncoder().Writer(bw))
	w.Write(header)
	w.WriteAll(recs) // flushes
	if err := errors.Join(w.Error(), bw.Flush(), f.Close()); err != nil {
		return st, fmt.Errorf("writing the day file %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return st, fmt.Errorf("writing the day file: %w", err)
	}
	return st, nil
}

// villageNames are the names of the village-level units in a units register as bigcsv.py
// writes it (code,name,level,parent_code,aliases; UTF-8).
func villageNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the units register: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading the units register %s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("reading the units register %s: empty", path)
	}
	name, level := -1, -1
	for i, h := range recs[0] {
		switch h {
		case "name":
			name = i
		case "level":
			level = i
		}
	}
	if name < 0 || level < 0 {
		return nil, fmt.Errorf("reading the units register %s: no name or level column in %v", path, recs[0])
	}
	var out []string
	for _, r := range recs[1:] {
		if level < len(r) && name < len(r) && r[level] == "village" {
			out = append(out, r[name])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("reading the units register %s: no village", path)
	}
	return out, nil
}
