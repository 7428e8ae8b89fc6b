package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's Prometheus series.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	cache    *prometheus.CounterVec
	logins   *prometheus.CounterVec
	denied   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, s *Server) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minqing_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "minqing_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minqing_page_cache_total", Help: "Page figure lookups by result (hit, miss, preparing: not built in time while Warm runs).",
		}, []string{"result"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minqing_logins_total", Help: "Login attempts by outcome (ok, failed, limited).",
		}, []string{"outcome"}),
		denied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "minqing_access_denied_total", Help: "Requests refused because the unit or list is outside the user's scope.",
		}),
	}
	dataTime := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "minqing_data_time_seconds", Help: "Unix time at which the figures served were made (0: unknown).",
	}, func() float64 {
		t := s.DataTime()
		if t.IsZero() {
			return 0
		}
		return float64(t.Unix())
	})
	warming := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "minqing_pages_warming", Help: "1 while the pages of the default period are being built (Warm).",
	}, func() float64 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.warming != nil {
			return 1
		}
		return 0
	})
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.cache, m.logins, m.denied, dataTime, warming} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// instrument counts and times a route's requests.
func (m *metrics) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	})
}
