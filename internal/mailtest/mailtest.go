// Package mailtest is an SMTP server for tests, on 127.0.0.1 (go-smtp), and a reader of
// the messages it receives: the delivery tests of package deliver and the command's
// end-to-end tests send real mail to it.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/minqing/minqing/config"
)

// Backend is a test SMTP server's mailbox; with a user set, it offers AUTH PLAIN and
// refuses mail from a session that has not logged in.
type Backend struct {
	User, Pass string
	mu         sync.Mutex
	received   []Mail
}

type Mail struct {
	From   string
	To     []string
	Data   []byte
	Authed bool // the session logged in
	TLS    bool // the session ran over TLS
}

func (b *Backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, conn: c}, nil
}

func (b *Backend) Mails() []Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.received)
}

type session struct {
	b      *Backend
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *session) AuthMechanisms() []string {
	if s.b.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.User || pass != s.b.Pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.User != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	_, isTLS := s.conn.TLSConnectionState()
	s.b.received = append(s.b.received, Mail{From: s.from, To: s.to, Data: data, Authed: s.authed, TLS: isTLS})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// Start serves b on 127.0.0.1 with implicit TLS, STARTTLS or no TLS, and returns the
// port.
func Start(t testing.TB, mode string, b *Backend, serverTLS *tls.Config) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	s := smtp.NewServer(b)
	s.Domain = "localhost"
	switch mode {
	case config.TLSImplicit:
		l = tls.NewListener(l, serverTLS)
	case config.TLSStartTLS:
		s.TLSConfig = serverTLS
	case config.TLSNone:
		s.AllowInsecureAuth = true // offers AUTH PLAIN in the clear, which the client must refuse
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return port
}

// Parsed is a received message taken apart with net/mail and mime/multipart.
type Parsed struct {
	Subject, From, Body string
	Files               map[string][]byte // attachment file name → bytes
}

func Parse(t testing.TB, data []byte) Parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reading the received message: %v", err)
	}
	var dec mime.WordDecoder
	p := Parsed{Files: map[string][]byte{}}
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decoding the subject: %v", err)
	}
	p.From = msg.Header.Get("From")
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: want multipart/mixed (%v)", msg.Header.Get("Content-Type"), err)
	}
	var walk func(r *multipart.Reader)
	walk = func(r *multipart.Reader) {
		for {
			part, err := r.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("reading a part: %v", err)
			}
			ct, ps, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if strings.HasPrefix(ct, "multipart/") {
				walk(multipart.NewReader(part, ps["boundary"]))
				continue
			}
			raw, err := io.ReadAll(part)
			if err != nil {
				t.Fatalf("reading a part: %v", err)
			}
			if part.FileName() == "" {
				if ct != "text/plain" || ps["charset"] != "UTF-8" {
					t.Errorf("body part is %q charset %q, want text/plain UTF-8", ct, ps["charset"])
				}
				p.Body += string(raw) // multipart.Reader has undone quoted-printable
				continue
			}
			name, err := dec.DecodeHeader(part.FileName())
			if err != nil {
				t.Fatalf("decoding file name %q: %v", part.FileName(), err)
			}
			if enc := part.Header.Get("Content-Transfer-Encoding"); enc != "base64" {
				t.Fatalf("attachment %s: Content-Transfer-Encoding %q, want base64", name, enc)
			}
			b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
			if err != nil {
				t.Fatalf("decoding attachment %s: %v", name, err)
			}
			p.Files[name] = b
		}
	}
	walk(multipart.NewReader(msg.Body, params["boundary"]))
	return p
}

// TLS makes a self-signed certificate for 127.0.0.1 and returns the server's config
// and a client config that trusts it.
func TLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "minqing test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}
