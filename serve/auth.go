package serve

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Roles, as the config names them.
const (
	RoleLeader   = "leader"
	RoleTownship = "township"
	RoleAuditor  = "auditor"
)

// User is one person who may log in.
type User struct {
	Name         string
	Role         string // leader, township or auditor
	Unit         string // a township user's township code
	PasswordHash string // bcrypt
}

const cookieName = "minqing_session"

// session is what the signed cookie carries. ID lets a logout revoke it.
type session struct {
	User    string `json:"u"`
	Expires int64  `json:"e"`
	ID      string `json:"i"`
}

// sessions signs and checks session cookies with an HMAC key, so a login survives a
// restart of the server; logouts are remembered until the session would have expired,
// across restarts too when file is set (the key persists, so its revocations must).
type sessions struct {
	key     []byte
	ttl     time.Duration
	now     func() time.Time
	file    string // where revocations persist; "" keeps them in memory only
	mu      sync.Mutex
	revoked map[string]int64 // session ID → expiry
}

// load reads the revocations persisted in s.file (none when it does not exist yet),
// keeping those whose session has not expired anyway.
func (s *sessions) load() error {
	if s.file == "" {
		return nil
	}
	b, err := os.ReadFile(s.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading revoked sessions %q: %w", s.file, err)
	}
	var revoked map[string]int64
	if err := json.Unmarshal(b, &revoked); err != nil {
		return fmt.Errorf("reading revoked sessions %q: %w", s.file, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	for id, exp := range revoked {
		if exp > now {
			s.revoked[id] = exp
		}
	}
	return nil
}

// save writes the revocations to s.file, replacing it whole (a crash leaves the old file
// or the new one, never half of one). The caller holds s.mu.
func (s *sessions) save() error {
	if s.file == "" {
		return nil
	}
	b, err := json.Marshal(s.revoked)
	if err != nil {
		return fmt.Errorf("writing revoked sessions %q: %w", s.file, err)
	}
	f, err := os.CreateTemp(filepath.Dir(s.file), filepath.Base(s.file)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing revoked sessions %q: %w", s.file, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), s.file)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing revoked sessions %q: %w", s.file, err)
	}
	return nil
}

func (s *sessions) sign(b []byte) string {
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// issue makes a cookie for user.
func (s *sessions) issue(user string) *http.Cookie {
	id := make([]byte, 16)
	rand.Read(id)
	exp := s.now().Add(s.ttl)
	b, _ := json.Marshal(session{User: user, Expires: exp.Unix(), ID: base64.RawURLEncoding.EncodeToString(id)})
	v := base64.RawURLEncoding.EncodeToString(b) + "." + s.sign(b)
	return &http.Cookie{Name: cookieName, Value: v, Path: "/", Expires: exp, MaxAge: int(s.ttl.Seconds()),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
}

var errNoSession = errors.New("no valid session")

// check returns the session of a request's cookie, or errNoSession.
func (s *sessions) check(r *http.Request) (session, error) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return session{}, errNoSession
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return session{}, errNoSession
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || !hmac.Equal([]byte(sig), []byte(s.sign(b))) {
		return session{}, errNoSession
	}
	var ses session
	if err := json.Unmarshal(b, &ses); err != nil || s.now().Unix() >= ses.Expires {
		return session{}, errNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, gone := s.revoked[ses.ID]; gone {
		return session{}, errNoSession
	}
	return ses, nil
}

// revoke ends a session before its expiry, forgets revocations whose session has expired
// anyway, and persists the rest. The session is refused from now on even when persisting
// fails (the error says so): only a restart would bring it back.
func (s *sessions) revoke(ses session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	for id, exp := range s.revoked {
		if exp <= now {
			delete(s.revoked, id)
		}
	}
	s.revoked[ses.ID] = ses.Expires
	return s.save()
}

// csrf is the token a session's forms carry.
func (s *sessions) csrf(ses session) string {
	return s.sign([]byte("csrf\x00" + ses.ID))
}

// cleared is the cookie that removes a session from the browser.
func cleared() *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
}

// limiter counts failed logins per key (client address, user name) in a sliding window;
// past the limit every login for that key is refused, right password or not, until the
// window has moved on, so guessing is slow and a user who logs in correctly is not.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	seen   map[string][]time.Time
}

// wait says how long until key may try again: 0 when it may now.
func (l *limiter) wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.recent(key)
	if len(recent) < l.max {
		return 0
	}
	return max(l.window-l.now().Sub(recent[0]), time.Second)
}

// fail records a failed attempt of key.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[key] = append(l.recent(key), l.now())
	if len(l.seen) > 10000 { // a flood of addresses must not grow the map without bound
		for k := range l.seen {
			if len(l.recent(k)) == 0 {
				delete(l.seen, k)
			}
		}
	}
}

func (l *limiter) recent(key string) []time.Time {
	now := l.now()
	out := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			out = append(out, t)
		}
	}
	l.seen[key] = out
	return out
}

// dummyHash is compared against when the user name is unknown, so a response takes as
// long for a wrong name as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)

// authenticate checks a name and password against the users.
func authenticate(users map[string]User, name, password string) (User, bool) {
	u, ok := users[name]
	hash := []byte(u.PasswordHash)
	if !ok {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return User{}, false
	}
	return u, true
}
