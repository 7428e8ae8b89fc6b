package transform

import (
	"errors"
	"fmt"
)

// Rules are the configurable counting rules (docs/rules.md); the defaults follow domain.md.
type Rules struct {
	// PartialResolutionWeight is what one 部分解决 case counts for in resolution_rate.
	PartialResolutionWeight float64 `yaml:"partial_resolution_weight"`
	// SatisfiedLabels are the satisfaction labels that count as satisfied.
	SatisfiedLabels []string `yaml:"satisfied_labels"`
	// EscalatedReplyDays is the limit of a 上报件 after the higher level's reply.
	EscalatedReplyDays int `yaml:"escalated_reply_days"`
	// ImmediateDays and ReferredDays are the limits, in working days after receipt, of
	// a 即办件 and a 建议件: 0, the day of receipt, by default.
	ImmediateDays int `yaml:"immediate_days"`
	ReferredDays  int `yaml:"referred_days"`
	// ResponseHours is the response rate's window: first contact within this many hours
	// of receipt (exactly at the limit counts).
	ResponseHours int `yaml:"response_hours"`
	// ScoreWeights weigh response_rate, resolution_rate and satisfaction_rate in the score.
	ScoreWeights map[string]float64 `yaml:"score_weights"`
	// QuarterEndMinCases and QuarterEndFactor flag a unit closing unusually many of its
	// own cases on the last working day of a quarter (QUARTER_END_CLOSURES): at least
	// QuarterEndMinCases, and at least QuarterEndFactor times its average closures per
	// working day in that quarter.
	QuarterEndMinCases int     `yaml:"quarter_end_min_cases"`
	QuarterEndFactor   float64 `yaml:"quarter_end_factor"`
	// ExportGapDays flags a unit whose own exports stopped arriving (EXPORTS_STOPPED):
	// its newest export in a village- or township-level source is at least this many days
	// older than the source's newest.
	ExportGapDays int `yaml:"export_gap_days"`
	// LongWaitDays flags a 补办件 or 上报件 that waited, or has been waiting, for the
	// documents or the reply more than this many working days (LONG_WAIT).
	LongWaitDays int `yaml:"long_wait_days"`
	// WarnDays is the early warning's horizon (预警): an open case due within this many
	// working days of the as-of date is listed as due soon (临期). It changes no figure.
	WarnDays int `yaml:"warn_days"`
	// NoticeDays is how many working days after a supervision notice (督办单) a case
	// closed counts as closed in response to it (督办成效). It changes no figure.
	NoticeDays int `yaml:"notice_days"`
}

// DefaultRules returns domain.md's defaults.
func DefaultRules() Rules {
	return Rules{
		PartialResolutionWeight: 0.5,
		SatisfiedLabels:         []string{"满意", "基本满意"},
		EscalatedReplyDays:      3,
		ImmediateDays:           0,
		ReferredDays:            0,
		ResponseHours:           24,
		ScoreWeights:            map[string]float64{"response_rate": 0.10, "resolution_rate": 0.45, "satisfaction_rate": 0.45},
		QuarterEndMinCases:      5,
		QuarterEndFactor:        4,
		ExportGapDays:           30,
		LongWaitDays:            30,
		WarnDays:                2,
		NoticeDays:              5,
	}
}

// Validate reports every invalid setting, naming it.
func (r Rules) Validate() error {
	var errs []error
	if r.PartialResolutionWeight < 0 || r.PartialResolutionWeight > 1 {
		errs = append(errs, fmt.Errorf("partial_resolution_weight: %v is not between 0 and 1", r.PartialResolutionWeight))
	}
	valid := map[string]bool{"满意": true, "基本满意": true, "不满意": true}
	if len(r.SatisfiedLabels) == 0 {
		errs = append(errs, errors.New("satisfied_labels: at least one label is required"))
	}
	for _, l := range r.SatisfiedLabels {
		if !valid[l] {
			errs = append(errs, fmt.Errorf("satisfied_labels: %q is not 满意, 基本满意 or 不满意", l))
		}
	}
	if r.EscalatedReplyDays < 0 {
		errs = append(errs, fmt.Errorf("escalated_reply_days: %d is negative", r.EscalatedReplyDays))
	}
	if r.ImmediateDays < 0 {
		errs = append(errs, fmt.Errorf("immediate_days: %d is negative", r.ImmediateDays))
	}
	if r.ReferredDays < 0 {
		errs = append(errs, fmt.Errorf("referred_days: %d is negative", r.ReferredDays))
	}
	if r.ResponseHours < 1 {
		errs = append(errs, fmt.Errorf("response_hours: %d is less than 1", r.ResponseHours))
	}
	if r.QuarterEndMinCases < 1 {
		errs = append(errs, fmt.Errorf("quarter_end_min_cases: %d is less than 1", r.QuarterEndMinCases))
	}
	if r.QuarterEndFactor <= 0 {
		errs = append(errs, fmt.Errorf("quarter_end_factor: %v is not above 0", r.QuarterEndFactor))
	}
	if r.ExportGapDays < 1 {
		errs = append(errs, fmt.Errorf("export_gap_days: %d is less than 1", r.ExportGapDays))
	}
	if r.LongWaitDays < 1 {
		errs = append(errs, fmt.Errorf("long_wait_days: %d is less than 1", r.LongWaitDays))
	}
	if r.WarnDays < 0 {
		errs = append(errs, fmt.Errorf("warn_days: %d is negative", r.WarnDays))
	}
	if r.NoticeDays < 1 {
		errs = append(errs, fmt.Errorf("notice_days: %d is less than 1", r.NoticeDays))
	}
	sum := 0.0
	for k, w := range r.ScoreWeights {
		switch k {
		case "response_rate", "resolution_rate", "satisfaction_rate":
		default:
			errs = append(errs, fmt.Errorf("score_weights: %q is not response_rate, resolution_rate or satisfaction_rate", k))
		}
		if w < 0 {
			errs = append(errs, fmt.Errorf("score_weights.%s: %v is negative", k, w))
		}
		sum += w
	}
	if sum <= 0 {
		errs = append(errs, errors.New("score_weights: the weights must add up to more than 0"))
	}
	return errors.Join(errs...)
}
