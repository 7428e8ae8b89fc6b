package serve

import (
	"context"

	"github.com/minqing/minqing/dashboards"
)

// warnKey names a cached warning panel: the data version, the unit and the as-of day, so
// a panel read yesterday is never served today.
type warnKey struct {
	version int
	unit    string
	day     string // 2006-01-02, Asia/Shanghai
}

// maxCachedWarnings bounds the cached warning panels (each holds dashboards.MaxWarnRows
// cases at most); the cache also drops every panel of another day when it stores one.
const maxCachedWarnings = 512

// warnings returns the early-warning panel of the request's unit as at today (Options.Now
// in Asia/Shanghai), read once per data version, unit and day; nil when the source
// cannot list warnings. Every viewer who may see the unit sees its panel: leaders and
// auditors any unit's, township users those of their township and its villages (canSee,
// checked before).
func (s *Server) warnings(ctx context.Context, q *request) (*dashboards.Warnings, error) {
	asOf := dashboards.AsOfDay(s.opts.Now())
	key := warnKey{version: q.version, unit: q.unit.Code, day: asOf.Format("2006-01-02")}
	s.mu.Lock()
	w, ok := s.warnCache[key]
	s.mu.Unlock()
	if ok {
		return w, nil
	}
	w, ok, err := dashboards.ReadWarnings(ctx, s.opts.Source, q.unit.Code, asOf, s.opts.WarnDays, dashboards.MaxWarnRows)
	if err != nil || !ok {
		return nil, err
	}
	s.storeWarnings(key, w)
	return w, nil
}

// storeWarnings caches a panel if it is of the current version, dropping those of other
// days.
func (s *Server) storeWarnings(key warnKey, w *dashboards.Warnings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version != key.version {
		return
	}
	for k := range s.warnCache {
		if k.day != key.day {
			delete(s.warnCache, k)
		}
	}
	if s.warnCache == nil || len(s.warnCache) >= maxCachedWarnings {
		s.warnCache = map[warnKey]*dashboards.Warnings{}
	}
	s.warnCache[key] = w
}
