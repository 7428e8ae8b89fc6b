package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/schedules"
	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newRunsCmd) }

// newRunsCmd is `minqing runs`: the run history, so that whether last night's report was
// written and went out can be read without the logs.
func newRunsCmd(c *cli) *cobra.Command {
	var limit int
	var format string
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List scheduled and manual runs: job, started, finished, outcome, outputs, deliveries, notices",
		Long: `Lists the newest runs first: scheduled runs (and the catch-up of a run missed while
the server was down), and the runs started by hand (minqing run, report, supervise). For
each: the job, when it started and finished, its outcome and error, the files it wrote,
every delivery with its channel, target, attempts and outcome, and the supervision
notices (督办单) it issued. Nothing secret is kept: delivery targets name the server or
the folder, never a login, a password or a robot's URL.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			if limit < 1 {
				return fmt.Errorf("--limit %d: want 1 or more", limit)
			}
			return c.withPipeline(cmd, func(p *pipeline) error {
				hist, err := schedules.NewHistory(cmd.Context(), p.db, transform.Shanghai)
				if err != nil {
					return err
				}
				runs, err := hist.List(cmd.Context(), limit)
				if err != nil {
					return err
				}
				notices, err := noticesByRun(cmd.Context(), p.db)
				if err != nil {
					return err
				}
				if format == "json" {
					return writeRunsJSON(c.out, runs, notices)
				}
				return writeRuns(c.out, runs, notices)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs to list, newest first")
	cmd.Flags().StringVar(&format, "format", "table", "table, or json")
	return cmd
}

// noticesByRun maps a run's id to the numbers of the notices it issued (none when the
// store has issued no notice yet).
func noticesByRun(ctx context.Context, db *sql.DB) (map[string][]string, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, `select count(*) > 0 from duckdb_tables() where table_name = 'supervision_notices'`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("reading the notices issued: %w", err)
	}
	out := map[string][]string{}
	if !exists {
		return out, nil
	}
	rows, err := db.QueryContext(ctx, `select run_id, notice_no from supervision_notices where run_id is not null order by year, seq`)
	if err != nil {
		return nil, fmt.Errorf("reading the notices issued: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, no string
		if err := rows.Scan(&id, &no); err != nil {
			return nil, fmt.Errorf("reading the notices issued: %w", err)
		}
		out[id] = append(out[id], no)
	}
	return out, rows.Err()
}

// outcomeCN names a run's outcome.
var outcomeCN = map[string]string{schedules.OutcomeOK: "成功", schedules.OutcomeFailed: "失败", schedules.OutcomeSkipped: "跳过（另一运行未结束）"}

// triggerCN names what started a run.
var triggerCN = map[string]string{schedules.TriggerSchedule: "定时", schedules.TriggerCatchUp: "补运行", schedules.TriggerManual: "手动", "": "定时"}

// writeRuns writes the history as blocks, one per run, newest first.
func writeRuns(w io.Writer, runs []schedules.RunRecord, notices map[string][]string) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "no runs recorded yet: `minqing run`, `report`, `supervise` and scheduled runs are recorded here")
		return err
	}
	for i, r := range runs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		id := r.ID
		if id == "" {
			id = "（旧记录）"
		}
		fmt.Fprintf(w, "%s  %s  %s  %s → %s  %s\n", id, r.Job, triggerCN[r.Trigger],
			r.Started.Format("2006-01-02 15:04:05"), r.Finished.Format("15:04:05"), outcomeCN[r.Outcome])
		if r.Error != "" {
			fmt.Fprintf(w, "  错误：%s\n", r.Error)
		}
		for _, o := range r.Outputs {
			fmt.Fprintf(w, "  输出：%s\n", o)
		}
		for _, d := range r.Deliveries {
			state := "成功"
			if !d.OK {
				state = "失败：" + d.Err
			}
			fmt.Fprintf(w, "  送达：%-7s %s（尝试%d次）%s\n", d.Channel, d.Target, d.Attempts, state)
		}
		if ns := notices[r.ID]; len(ns) > 0 {
			fmt.Fprintf(w, "  督办单：%s\n", strings.Join(ns, "、"))
		}
	}
	return nil
}

type runJSON struct {
	ID         string         `json:"id"`
	Job        string         `json:"job"`
	Trigger    string         `json:"trigger"`
	Started    string         `json:"started"`
	Finished   string         `json:"finished"`
	Outcome    string         `json:"outcome"`
	Error      string         `json:"error,omitempty"`
	Outputs    []string       `json:"outputs"`
	Deliveries []deliveryJSON `json:"deliveries"`
	Notices    []string       `json:"notices"`
}

type deliveryJSON struct {
	Channel  string `json:"channel"`
	Target   string `json:"target"`
	Attempts int    `json:"attempts"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
	Started  string `json:"started"`
	Finished string `json:"finished"`
}

func writeRunsJSON(w io.Writer, runs []schedules.RunRecord, notices map[string][]string) error {
	const layout = "2006-01-02T15:04:05+08:00"
	out := make([]runJSON, 0, len(runs))
	for _, r := range runs {
		j := runJSON{ID: r.ID, Job: r.Job, Trigger: r.Trigger, Started: r.Started.Format(layout), Finished: r.Finished.Format(layout),
			Outcome: r.Outcome, Error: r.Error, Outputs: r.Outputs, Deliveries: []deliveryJSON{}, Notices: notices[r.ID]}
		if j.Outputs == nil {
			j.Outputs = []string{}
		}
		if j.Notices == nil {
			j.Notices = []string{}
		}
		for _, d := range r.Deliveries {
			j.Deliveries = append(j.Deliveries, deliveryJSON{Channel: d.Channel, Target: d.Target, Attempts: d.Attempts, OK: d.OK,
				Error: d.Err, Started: d.Started.Format(layout), Finished: d.Finished.Format(layout)})
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
