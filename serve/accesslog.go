package serve

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// accessEntry is one line of the access log: who saw (or was refused) what, and when. It
// has no field for citizen data, and none of its values come from case rows.
type accessEntry struct {
	Time   string `json:"time"`
	Event  string `json:"event"` // view, denied, login, login_failed, login_limited, logout
	User   string `json:"user,omitempty"`
	Role   string `json:"role,omitempty"`
	Unit   string `json:"unit,omitempty"`
	Period string `json:"period,omitempty"`
	What   string `json:"what,omitempty"` // page, csv:<chart>, arrow:figures, arrow:cases
	Path   string `json:"path,omitempty"`
	Remote string `json:"remote,omitempty"`
	Status int    `json:"status"`
}

// accessLog writes entries as JSON lines, one write per entry, serialised.
type accessLog struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func (l *accessLog) record(e accessEntry) {
	if l.w == nil {
		return
	}
	e.Time = l.now().UTC().Format(time.RFC3339Nano)
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(b)
}
