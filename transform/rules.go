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
	// ScoreWeights weigh response_rate, resolution_rate and satisfaction_rate in the score.
	ScoreWeights map[string]float64 `yaml:"score_weights"`
}

// DefaultRules returns domain.md's defaults.
func DefaultRules() Rules {
	return Rules{
		PartialResolutionWeight: 0.5,
		SatisfiedLabels:         []string{"满意", "基本满意"},
		EscalatedReplyDays:      3,
		ScoreWeights:            map[string]float64{"response_rate": 0.10, "resolution_rate": 0.45, "satisfaction_rate": 0.45},
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
