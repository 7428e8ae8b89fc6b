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
//     division) is div, a DuckDB list function its Spark name, grouping() grouping_id();
//     Split hands a table's query to the runner to write out and read back
//     (Statement.Table).
//   - Macros a model defines ("create or replace macro", scalar or table) are expanded
//     where a later statement calls them (Translator): Spark has none.
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
	// Table, on Spark, names the table a "create or replace [temp] table T as Q"
	// makes, and SQL is then Q alone: the runner writes Q's rows out and reads them back
	// as T (a cached view would keep Q's whole lineage in every later plan).
	Table string
}

// Split returns the statements of a model file (each ends with ";" at the end of a line)
// that run on engine e, in order, rewritten for it. A statement marked for the other
// engine is left out; one whose only code is comments is too. On Spark, the file's
// macros are expanded where the file calls them; a Translator carries them from file to
// file.
func Split(text string, e Engine) ([]Statement, error) {
	if e == Spark {
		return NewTranslator().Split(text)
	}
	return split(text, e, nil)
}

// Translator rewrites the model files for Spark in order, remembering the macros each
// defines ("create or replace macro", scalar or table) for the files after it: Spark has
// no macros, so a call is replaced by the macro's body with the arguments in place of
// its parameters, and query_table('t') by t.
type Translator struct{ macros map[string]macro }

type macro struct {
	params []string
	body   []token
	table  bool
}

// NewTranslator returns a Translator that knows no macros yet.
func NewTranslator() *Translator { return &Translator{macros: map[string]macro{}} }

// Split is Split(text, Spark) with the macros of the files before.
func (tr *Translator) Split(text string) ([]Statement, error) { return split(text, Spark, tr) }

func split(text string, e Engine, tr *Translator) ([]Statement, error) {
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
			defined, err := tr.define(stmt)
			if err != nil {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			if defined {
				continue
			}
			expanded, err := tr.expand(stmt)
			if err != nil {
				return nil, fmt.Errorf("statement %d: %w", i+1, err)
			}
			s, err := ToSpark(expanded)
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

var macroHead = regexp.MustCompile(`(?is)^\s*create\s+or\s+replace\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(table\s+)?`)

// define records a "create or replace macro" statement and says whether stmt was one.
func (tr *Translator) define(stmt string) (bool, error) {
	code := Code(stmt)
	m := macroHead.FindStringSubmatchIndex(code)
	if m == nil {
		return false, nil
	}
	name := strings.ToLower(code[m[2]:m[3]])
	var params []string
	for _, p := range strings.Split(code[m[4]:m[5]], ",") {
		if p = strings.TrimSpace(p); p != "" {
			params = append(params, strings.ToLower(p))
		}
	}
	body := tokens(strings.TrimSpace(code[m[1]:]))
	for i, t := range body {
		// DuckDB's overloads: "macro f(a) as …, (a, b) as …"
		if t.kind == symbol && t.text == "," && depthAt(body, i) == 0 && strings.EqualFold(nextCode(body, i), "(") {
			return false, fmt.Errorf("macro %s has overloads, which the Spark translation does not expand", name)
		}
	}
	tr.macros[name] = macro{params: params, body: body, table: m[6] >= 0}
	return true, nil
}

// depthAt is the parenthesis depth before toks[i].
func depthAt(toks []token, i int) int {
	d := 0
	for _, t := range toks[:i] {
		if t.kind == symbol {
			switch t.text {
			case "(":
				d++
			case ")":
				d--
			}
		}
	}
	return d
}

// expand replaces every call of a known macro in stmt by its body, repeatedly (a macro's
// body may call another).
func (tr *Translator) expand(stmt string) (string, error) {
	if tr == nil || len(tr.macros) == 0 {
		return stmt, nil
	}
	for round := 0; ; round++ {
		if round > 20 {
			return "", fmt.Errorf("macros nest more than 20 deep")
		}
		toks := tokens(stmt)
		var b strings.Builder
		changed := false
		for i := 0; i < len(toks); i++ {
			t := toks[i]
			mac, ok := tr.macros[strings.ToLower(t.text)]
			if t.kind != word || !ok || i+1 >= len(toks) || toks[i+1].text != "(" || (i > 0 && toks[i-1].text == ".") {
				b.WriteString(t.text)
				continue
			}
			args, end, err := callArgs(toks, i+1)
			if err != nil {
				return "", fmt.Errorf("macro %s: %w", t.text, err)
			}
			if len(args) != len(mac.params) {
				return "", fmt.Errorf("macro %s takes %d arguments, called with %d", t.text, len(mac.params), len(args))
			}
			b.WriteString("(")
			b.WriteString(mac.instance(args))
			b.WriteString(")")
			i = end
			changed = true
		}
		stmt = b.String()
		if !changed {
			return stmt, nil
		}
	}
}

// callArgs reads the arguments of a call whose "(" is toks[open]: their text, and the
// index of the closing ")".
func callArgs(toks []token, open int) ([]string, int, error) {
	var args []string
	var cur strings.Builder
	depth := 0
	for i := open; i < len(toks); i++ {
		t := toks[i]
		if t.kind == symbol {
			switch t.text {
			case "(", "[":
				depth++
				if depth == 1 {
					continue
				}
			case ")", "]":
				depth--
				if depth == 0 {
					if a := strings.TrimSpace(cur.String()); a != "" || len(args) > 0 {
						args = append(args, a)
					}
					return args, i, nil
				}
			case ",":
				if depth == 1 {
					args = append(args, strings.TrimSpace(cur.String()))
					cur.Reset()
					continue
				}
			}
		}
		if t.kind != comment {
			cur.WriteString(t.text)
		}
	}
	return nil, 0, fmt.Errorf("a call without its closing parenthesis")
}

// instance is the macro's body with args in place of its parameters: a parameter read
// through query_table('t') becomes the table t, any other use the argument in parentheses.
func (m macro) instance(args []string) string {
	val := map[string]string{}
	for i, p := range m.params {
		val[p] = args[i]
	}
	var b strings.Builder
	toks := m.body
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == word && strings.EqualFold(t.text, "query_table") && i+3 < len(toks) && toks[i+1].text == "(" && toks[i+3].text == ")" {
			if a, ok := val[strings.ToLower(toks[i+2].text)]; ok && len(a) >= 2 && a[0] == '\'' {
				b.WriteString(strings.ReplaceAll(a[1:len(a)-1], "''", "'"))
				i += 3
				continue
			}
		}
		if a, ok := val[strings.ToLower(t.text)]; ok && t.kind == word && (i == 0 || toks[i-1].text != ".") {
			if isName(a) {
				// a column or a table's alias, as in w.received with w a row: no parentheses
				b.WriteString(a)
			} else {
				b.WriteString("(" + a + ")")
			}
			continue
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// isName says whether s is one name (a column, a table's alias), not an expression.
func isName(s string) bool {
	toks := tokens(s)
	return len(toks) == 1 && toks[0].kind == word
}

// sparkWords are DuckDB names Spark knows by another (lower case; words are matched
// whole and case-insensitively).
var sparkWords = map[string]string{
	"arg_min_null":    "min_by",
	"arg_max_null":    "max_by",
	"varchar":         "string",
	"array_to_string": "array_join",
	"list_contains":   "array_contains",
	"list_distinct":   "array_distinct",
	"list_extract":    "try_element_at", // 1-based, NULL past the end, in both
	"len":             "size",
	"unnest":          "explode", // in a select list: a row per element, none for an empty list
}

// tempTable is DuckDB's "create or replace [temp] table NAME as": on Spark every table a
// model makes is the build's own, written out and read back (Statement.Table).
var tempTable = regexp.MustCompile(`(?is)^(\s*(?:--[^\n]*\n\s*)*)create\s+or\s+replace\s+(?:temp(?:orary)?\s+)?table\s+(\w+)\s+as\s`)

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
		case t.kind == symbol && t.text == "[" && nextCode(toks, i) == "]":
			b.WriteString("array(")
		case t.kind == symbol && t.text == "]" && i > 0 && prevCode(toks, i) == "[":
			b.WriteString(")")
		case lw == "grouping" && nextCode(toks, i) == "(":
			// DuckDB's grouping(a, b, …) is Spark's grouping_id: a bit per column, the first the highest
			b.WriteString("grouping_id")
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

// prevCode is the text of the last word or symbol before toks[i].
func prevCode(toks []token, i int) string {
	for j := i - 1; j >= 0; j-- {
		if toks[j].kind == word || toks[j].kind == symbol {
			return toks[j].text
		}
	}
	return ""
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
