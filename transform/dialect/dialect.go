// Package dialect is the one place where minqing's model SQL is made to run on Apache
// Spark as well as on DuckDB (issue 16). The model files in transform/sql stay the one
// definition of every case, version and figure; what the two engines spell differently is
// handled here and nowhere else:
//
//   - Statements a model needs on one engine only carry a comment line "-- only on duckdb"
//     or "-- only on spark" (the incremental upkeep of DuckDB's tables: deletes, inserts,
//     tables kept between runs; Spark builds every model whole from the lake). Split drops
//     the other engine's.
//   - A few names and forms are rewritten for Spark, outside string literals and comments
//     (sparkWords and ToSpark): DuckDB's arg_min_null is Spark's min_by (both keep a NULL
//     value of the least rank), "* exclude (…)" is "* except (…)", "semi join" and "anti
//     join" are "left semi join" and "left anti join", varchar is string, "//" (integer
//     division) is div; Split hands a temp table's query to the runner to write out
//     and read back (Statement.Table).
//   - Functions that need a different body on each engine are minqing's own mq_ macros:
//     transform/sql/00_macros.sql for DuckDB, spark/00_macros.sql (SparkMacros) for Spark,
//     with the same names, arguments and results (TestMacrosAgree runs both on the same
//     inputs).
//   - Session settings that make Spark read the models as DuckDB does (SparkSettings):
//     backslashes in string literals are literal, as in DuckDB's, so a regular expression
//     is written once; TIMESTAMP is wall-clock time (TIMESTAMP_NTZ), as DuckDB's is.
//
// What the models must keep to, so that both engines read them alike, is in
// docs/scale.md ("One definition, two engines").
package dialect

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

// Engine names an SQL engine the models run on.
type Engine string

const (
	DuckDB Engine = "duckdb"
	Spark  Engine = "spark"
)

// Statement is one statement of a model file as an engine runs it.
type Statement struct {
	No  int    // its place in the file, from 1, counting every statement
	SQL string // the text to run, comments kept
	// Table, on Spark, names the temp table a "create or replace temp table T as Q"
	// makes, and SQL is then Q alone: the runner writes Q's rows out and reads them back
	// as T (a cached view would keep Q's whole lineage in every later plan).
	Table string
}

// Split returns the statements of a model file (each ends with ";" at the end of a line)
// that run on engine e, in order, rewritten for it. A statement marked for the other
// engine is left out; one whose only code is comments is too.
func Split(text string, e Engine) ([]Statement, error) {
	var out []Statement
	for i, stmt := range strings.Split(text, ";\n") {
		code := strings.TrimSpace(Code(stmt))
		if code == "" {
			continue
		}
		only := ""
		for _, line := range strings.Split(stmt, "\n") {
			l := strings.TrimSpace(line)
			if rest, ok := strings.CutPrefix(l, "-- only on "); ok {
				w, _, _ := strings.Cut(rest, " ")
				w = strings.TrimRight(w, ":,.")
				if w != string(DuckDB) && w != string(Spark) {
					return nil, fmt.Errorf("statement %d: %q names no engine (want duckdb or spark)", i+1, l)
				}
				only = w
			}
		}
		if only != "" && only != string(e) {
			continue
		}
		st := Statement{No: i + 1, SQL: stmt}
		if e == Spark {
			s, err := ToSpark(stmt)
			if err != nil {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			st.SQL = s
			if m := tempTable.FindStringSubmatchIndex(s); m != nil {
				st.Table, st.SQL = s[m[4]:m[5]], s[m[1]:]
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Code is a statement without its comment lines.
func Code(stmt string) string {
	var b strings.Builder
	for _, line := range strings.Split(stmt, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// sparkWords are DuckDB names Spark knows by another (lower case; words are matched
// whole and case-insensitively).
var sparkWords = map[string]string{
	"arg_min_null":    "min_by",
	"arg_max_null":    "max_by",
	"varchar":         "string",
	"array_to_string": "array_join",
	"list_contains":   "array_contains",
}

// tempTable is DuckDB's "create or replace temp table NAME as": on Spark a cached temp view.
var tempTable = regexp.MustCompile(`(?is)^(\s*(?:--[^\n]*\n\s*)*)create\s+or\s+replace\s+temp(?:orary)?\s+table\s+(\w+)\s+as\s`)

// plainView is "create or replace view": on Spark a temp view, the session's own.
var plainView = regexp.MustCompile(`(?is)^(\s*(?:--[^\n]*\n\s*)*)create\s+or\s+replace\s+view\s`)

// ToSpark rewrites one DuckDB statement of a model for Spark SQL. It fails on a DuckDB
// form it does not know how to carry over, rather than letting Spark fail on it later
// with a message about the rewritten text.
func ToSpark(stmt string) (string, error) {
	toks := tokens(stmt)
	var b strings.Builder
	prev := "" // the last word outside literals and comments, lower case
	for i, t := range toks {
		if t.kind != word && t.kind != symbol {
			b.WriteString(t.text)
			continue
		}
		lw := strings.ToLower(t.text)
		switch {
		case t.kind == symbol && t.text == "//":
			b.WriteString(" div ")
		case t.kind == symbol && t.text == "{":
			return "", fmt.Errorf("a struct literal {…} has no Spark form: use a macro (mq_row_ref) or named fields")
		case lw == "exclude" && nextCode(toks, i) == "(":
			b.WriteString("except")
		case (lw == "semi" || lw == "anti") && prev != "left" && strings.EqualFold(nextCode(toks, i), "join"):
			b.WriteString("left " + t.text)
		case lw == "by" && prev == "all" && (strings.EqualFold(nextCode(toks, i), "name")):
			return "", fmt.Errorf("union all by name has no Spark form: name the columns")
		default:
			if r, ok := sparkWords[lw]; ok && t.kind == word {
				b.WriteString(r)
			} else {
				b.WriteString(t.text)
			}
		}
		if t.kind == word {
			prev = lw
		}
	}
	s := b.String()
	if m := plainView.FindStringSubmatchIndex(s); m != nil {
		s = s[m[2]:m[3]] + "create or replace temporary view " + s[m[1]:]
	}
	return s, nil
}

type tokenKind int

const (
	space tokenKind = iota
	word
	symbol
	literal // '…' or "…"
	comment // -- … to the end of the line
)

type token struct {
	kind tokenKind
	text string
}

// tokens splits SQL into words, symbols, white space, literals and comments: enough to
// rewrite words without touching what a string literal or a comment holds.
func tokens(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		var k tokenKind
		switch {
		case c == '\'' || c == '"':
			k = literal
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // '' inside a literal
						j += 2
						continue
					}
					j++
					break
				}
				j++
			}
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			k = comment
			for j < len(s) && s[j] != '\n' {
				j++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			k = space
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
				j++
			}
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			k = word
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] >= 0x80) {
				j++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			k = symbol
			j = i + 2
		default:
			k = symbol
		}
		out = append(out, token{k, s[i:j]})
		i = j
	}
	return out
}

// nextCode is the text of the first word or symbol after toks[i].
func nextCode(toks []token, i int) string {
	for _, t := range toks[i+1:] {
		if t.kind == word || t.kind == symbol {
			return t.text
		}
	}
	return ""
}

//go:embed spark/00_macros.sql
var sparkMacros string

// SparkMacros are the Spark definitions of the mq_ macros the shared models call, as
// statements to run in order on a session (temporary functions: a session's own).
func SparkMacros() ([]Statement, error) { return Split(sparkMacros, Spark) }

// SparkSettings are the session settings under which Spark reads the models as DuckDB
// does; run them on a session before the macros and the models.
var SparkSettings = []string{
	// '\d' in a literal is backslash-d, as in DuckDB, not an escaped d
	"SET spark.sql.parser.escapedStringLiterals=true",
	// TIMESTAMP (a cast, a literal, a column Spark makes) is wall-clock time, as in DuckDB
	"SET spark.sql.timestampType=TIMESTAMP_NTZ",
	// a lake's partition folder 330199001000 is a code, not a number
	"SET spark.sql.sources.partitionColumnTypeInference.enabled=false",
}
