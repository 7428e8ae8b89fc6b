// Package spark runs SQL on an Apache Spark cluster through Spark Connect (issue 16) and
// hands the results back as Arrow tables of minqing's own arrow-go (v18).
//
// The official Go client, github.com/apache/spark-connect-go, is young: it has no tagged
// release, so go.mod pins a pseudo-version, and its DataFrame API still changes between
// commits. minqing therefore uses only the smallest part of it, SQL text in and Arrow record
// batches out, and keeps that behind this package: the rest of minqing sees Dial, Exec,
// Query and Close, and a client upgrade (or a move to another route to the same cluster,
// say the Spark Thrift server) touches this package alone.
//
// What the pinned client does and does not do, as far as it matters here:
//   - Its session builder opens a lazy gRPC connection and never closes it (SparkSession.Stop
//     is empty), so Dial keeps the connection to close it in Close, and probes the server
//     with "SELECT 1" so that a wrong address fails in Dial rather than in the first query.
//   - It does not send ReleaseSession: the server forgets a closed Session's temp views and
//     settings only when the session idles out (spark.connect.session.manager.defaultSessionTimeout).
//   - Its executions are not reattachable and it does not retry (its retrying client is
//     used only for reattachable executions, which the session builder cannot turn on): a
//     result streams over one gRPC call, and a dropped connection or a server restart fails
//     the call rather than resuming it. Callers retry whole steps if they want to.
//   - It cannot interrupt a running operation (the Interrupt request type is in its
//     internal package, and the session id is not exposed): cancelling ctx ends the call
//     at once, but Spark runs the query to its end anyway. Seen on Spark 4.3.0: a 4 s
//     deadline on a 28 s query returned after 4 s, and the job still took its 28 s.
//   - Its channel builder takes no gRPC options, so a result batch larger than gRPC's
//     4 MiB message limit would fail the query; keepConn builds the connection itself,
//     as the client does, with a larger limit (maxRecvMessage).
//   - Its errors carry the whole SQL text; Error keeps Spark's class, state and message and
//     names the statement by its first line only.
package spark

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/spark-connect-go/spark/client/channel"
	"github.com/apache/spark-connect-go/spark/sparkerrors"
	scsql "github.com/apache/spark-connect-go/spark/sql"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/credentials/oauth"
	"google.golang.org/grpc/status"
)

// Session is one Spark Connect session: temp views and SET values made by Exec are seen by
// later calls on the same Session and by no other. A Session is not safe for concurrent use.
type Session struct {
	url  string
	ss   scsql.SparkSession
	conn *grpc.ClientConn
}

// dialProbeTimeout bounds Dial's first round trip when ctx has no deadline of its own.
const dialProbeTimeout = 30 * time.Second

// Dial opens a session on the Spark Connect server at url, such as "sc://127.0.0.1:15002"
// (scripts/spark-cluster starts one there), and checks that the server answers.
func Dial(ctx context.Context, url string) (*Session, error) {
	base, err := channel.NewBuilder(url)
	if err != nil {
		return nil, &Error{Op: "dial", Statement: url, err: err, msg: rootMessage(err)}
	}
	kb := &keepConn{BaseBuilder: base}
	ss, err := scsql.NewSessionBuilder().WithChannelBuilder(kb).Build(ctx)
	if err != nil {
		if kb.conn != nil {
			kb.conn.Close()
		}
		return nil, newError("dial", url, err)
	}
	s := &Session{url: url, ss: ss, conn: kb.conn}
	pctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, dialProbeTimeout)
		defer cancel()
	}
	if _, err := ss.Sql(pctx, "SELECT 1"); err != nil {
		s.Close()
		return nil, newError("dial", url, err)
	}
	return s, nil
}

// keepConn is the client's own channel builder, remembering the connection it built so that
// Close can close it.
type keepConn struct {
	*channel.BaseBuilder
	conn *grpc.ClientConn
}

// maxRecvMessage bounds one message from the server. gRPC's default, 4 MiB, is less than
// one Arrow batch of a wide table (Spark 4.3 sent 6.2 MB for the fixture district's case
// versions), and a larger batch would fail the query.
const maxRecvMessage = 256 << 20

// Build is the client's BaseBuilder.Build with a larger message limit (maxRecvMessage),
// which the client has no option for: the same address, TLS and bearer token when the
// URL has a token, plaintext when it has none.
func (k *keepConn) Build(ctx context.Context) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{grpc.WithAuthority(k.Host()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvMessage))}
	if k.Token() == "" {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		roots, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("reading the system's certificates for the TLS to %s: %w", k.Host(), err)
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots})),
			grpc.WithPerRPCCredentials(oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: k.Token(), TokenType: "bearer"})}))
	}
	remote := net.JoinHostPort(k.Host(), strconv.Itoa(k.Port()))
	c, err := grpc.NewClient(remote, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", remote, err)
	}
	k.conn = c
	return c, nil
}

// Exec runs a statement for its effect: CREATE OR REPLACE TEMP VIEW …, SET …, DROP VIEW ….
// Spark Connect runs SQL commands as soon as they arrive; a SELECT given to Exec is only
// analysed, never computed.
func (s *Session) Exec(ctx context.Context, query string) error {
	if _, err := s.ss.Sql(ctx, query); err != nil {
		return newError("exec", label(query), err)
	}
	return nil
}

// Query runs a query and returns its whole result as one Arrow table (one chunk per batch
// Spark sent; an empty result keeps its schema), in the types Spark
// sends: DATE as date32, TIMESTAMP as timestamp[us, tz=session time zone], TIMESTAMP_NTZ as
// timestamp[us], DECIMAL(p,s) as decimal128(p,s), STRING as utf8. The result is held in
// memory (Spark sends it in batches; the client collects them); keep results small, as
// minqing's are (figures per township and period), and let Spark do the heavy work.
// The caller releases the table.
func (s *Session) Query(ctx context.Context, query string) (arrow.Table, error) {
	df, err := s.ss.Sql(ctx, query)
	if err != nil {
		return nil, newError("query", label(query), err)
	}
	t, err := df.ToArrow(ctx)
	if err != nil {
		return nil, newError("query", label(query), err)
	}
	if t == nil || *t == nil {
		// Spark sends an empty batch with the schema for an empty result, so this is not
		// expected; without a schema an empty table cannot be typed.
		return nil, &Error{Op: "query", Statement: label(query), msg: "no result batches (not even the schema) came back"}
	}
	return *t, nil
}

// Close closes the connection. It does not end the server-side session (see the package
// comment); that idles out on the server.
func (s *Session) Close() error {
	if s == nil || s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// Error is what Dial, Exec and Query return. It names the operation and the statement (its
// first line, shortened), and when Spark itself raised the error, Spark's error class and
// SQLSTATE (for example TABLE_OR_VIEW_NOT_FOUND, 42P01).
type Error struct {
	Op        string // "dial", "exec" or "query"
	Statement string // the statement's first line, shortened, or the URL for dial
	Class     string // Spark's error class, if Spark raised it
	SQLState  string
	msg       string
	err       error
}

func (e *Error) Error() string {
	return fmt.Sprintf("spark %s %q: %s", e.Op, e.Statement, e.msg)
}

// Unwrap gives the client's error, whose text includes the whole statement.
func (e *Error) Unwrap() error { return e.err }

func newError(op, stmt string, err error) *Error {
	e := &Error{Op: op, Statement: stmt, err: err}
	var se *sparkerrors.SparkError
	if errors.As(err, &se) {
		e.Class, e.SQLState = se.ErrorClass, se.SqlState
		// Spark's message starts with the class and ends with the SQLSTATE already.
		e.msg = strings.TrimSpace(se.Message)
		if e.msg == "" {
			e.msg = se.Error()
		}
		return e
	}
	// status.FromError would put the whole wrapped text (with the SQL) in the message.
	var gs interface{ GRPCStatus() *status.Status }
	if errors.As(err, &gs) {
		st := gs.GRPCStatus()
		e.msg = st.Code().String() + ": " + st.Message()
		return e
	}
	e.msg = rootMessage(err)
	return e
}

// rootMessage is the message of the innermost error: the client's wrappers around it repeat
// the statement.
func rootMessage(err error) string {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if es := u.Unwrap(); len(es) > 0 {
				next = es[len(es)-1]
			}
		}
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// label is the statement's first non-blank line, at most 80 characters.
func label(query string) string {
	for _, l := range strings.Split(query, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "--") {
			continue
		}
		if utf8.RuneCountInString(l) > 80 {
			r := []rune(l)
			l = string(r[:80]) + "…"
		}
		return l
	}
	return ""
}
