package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Roles a user of `minqing serve` can have.
const (
	RoleLeader   = "leader"   // every unit's figures, no case lists
	RoleTownship = "township" // one township and its villages, no case lists
	RoleAuditor  = "auditor"  // every unit's figures and the (masked) case lists
)

// Serve configures `minqing serve`: where it listens, its session key, the access log and
// who may log in.
type Serve struct {
	// Listen is host:port; default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// SessionKeyFile holds the secret that signs session cookies; created with a random
	// key when missing. Default: the store's path with ".session-key" appended. Logouts
	// are kept beside it, in the same name with ".revoked" appended, so that a logged-out
	// session stays refused after a restart.
	SessionKeyFile string `yaml:"session_key_file"`
	// AccessLog is the JSON-lines file recording who saw what and when; default
	// access.jsonl. It holds user names, unit codes and paths, never citizen data.
	AccessLog string `yaml:"access_log"`
	// SessionTTL is how long a login lasts; default 8h.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// TLSCertFile and TLSKeyFile serve HTTPS. Session cookies are Secure, so without TLS
	// a browser keeps them only for localhost: put a TLS proxy in front or set both.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// MemoryLimit caps the store's memory (DuckDB's memory_limit, e.g. "8GB"); past it
	// DuckDB spills to disk. The server runs loads beside other work for months: without
	// a cap DuckDB may take 80% of the machine's memory during a large transform. Empty
	// keeps DuckDB's default.
	MemoryLimit string `yaml:"memory_limit"`
	Users       []User `yaml:"users"`
}

var memoryLimit = regexp.MustCompile(`^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

// User is one person who may log in to `minqing serve`.
type User struct {
	Name string `yaml:"name"`
	// Role is leader, township or auditor.
	Role string `yaml:"role"`
	// Unit is the 12-digit code of a township user's township; empty for other roles.
	Unit string `yaml:"unit"`
	// PasswordHash is a bcrypt hash (`minqing passwd` makes one); never the password.
	PasswordHash string `yaml:"password_hash"`
}

var unitCode = regexp.MustCompile(`^\d{12}$`)

func (s *Serve) applyDefaults(store string) {
	if s.Listen == "" {
		s.Listen = "127.0.0.1:8080"
	}
	if s.SessionKeyFile == "" {
		s.SessionKeyFile = store + ".session-key"
	}
	if s.AccessLog == "" {
		s.AccessLog = "access.jsonl"
	}
	if s.SessionTTL == 0 {
		s.SessionTTL = 8 * time.Hour
	}
}

func (s *Serve) validate() []error {
	var errs []error
	if host, port, err := net.SplitHostPort(s.Listen); err != nil {
		errs = append(errs, fmt.Errorf("serve.listen: %q is not host:port: %w", s.Listen, err))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		errs = append(errs, fmt.Errorf("serve.listen: port %q of %q is not a number 0-65535", port, s.Listen))
	} else {
		_ = host
	}
	if s.SessionTTL < time.Minute {
		errs = append(errs, fmt.Errorf("serve.session_ttl: %s is shorter than a minute", s.SessionTTL))
	}
	if s.MemoryLimit != "" && !memoryLimit.MatchString(s.MemoryLimit) {
		errs = append(errs, fmt.Errorf("serve.memory_limit: %q is not a size such as 8GB or 512MiB", s.MemoryLimit))
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		errs = append(errs, errors.New("serve.tls_cert_file, serve.tls_key_file: give both or neither"))
	}
	names := map[string]bool{}
	for i, u := range s.Users {
		at := fmt.Sprintf("serve.users[%d]", i)
		switch {
		case u.Name == "":
			errs = append(errs, fmt.Errorf("%s.name: required", at))
		case names[u.Name]:
			errs = append(errs, fmt.Errorf("%s.name: %q used twice", at, u.Name))
		}
		names[u.Name] = true
		switch u.Role {
		case RoleTownship:
			if !unitCode.MatchString(u.Unit) {
				errs = append(errs, fmt.Errorf("%s.unit: %q is not a 12-digit township code (required for role township)", at, u.Unit))
			}
		case RoleLeader, RoleAuditor:
			if u.Unit != "" {
				errs = append(errs, fmt.Errorf("%s.unit: only township users have a unit (role %s sees the whole district)", at, u.Role))
			}
		default:
			errs = append(errs, fmt.Errorf("%s.role: %q is not leader, township or auditor", at, u.Role))
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			errs = append(errs, fmt.Errorf("%s.password_hash: not a bcrypt hash (make one with `minqing passwd`): %w", at, err))
		}
	}
	return errs
}
