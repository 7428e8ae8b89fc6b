package dialect

import (
	"strings"
	"testing"
)

func TestToSpark(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"min_by", "select arg_min_null(x, r) filter (where p) from t", "select min_by(x, r) filter (where p) from t"},
		{"max_by", "select ARG_MAX_NULL(x, r) from t", "select max_by(x, r) from t"},
		{"exclude", "select * exclude (a, b) from t", "select * except (a, b) from t"},
		{"exclude as a name", "select exclude from t", "select exclude from t"},
		{"semi join", "select * from a semi join b using (k)", "select * from a left semi join b using (k)"},
		{"anti join", "select * from a\n  anti join b using (k)", "select * from a\n  left anti join b using (k)"},
		{"left anti join kept", "select * from a left anti join b using (k)", "select * from a left anti join b using (k)"},
		{"varchar", "select cast(x as varchar), ''::varchar", "select cast(x as string), ''::string"},
		{"array_to_string", "select array_to_string(l, ' vs ')", "select array_join(l, ' vs ')"},
		{"list_contains", "select list_contains(l, 1)", "select array_contains(l, 1)"},
		{"integer division", "select (n - 1) // 2", "select (n - 1)  div  2"},
		{"literal kept", "select 'arg_min_null // varchar semi join', x from t", "select 'arg_min_null // varchar semi join', x from t"},
		{"quote in literal", "select 'it''s varchar' as varchar_note", "select 'it''s varchar' as varchar_note"},
		{"comment kept", "-- varchar semi join stays\nselect 1", "-- varchar semi join stays\nselect 1"},
		{"name with the word inside", "select my_varchar_col from t", "select my_varchar_col from t"},
		{"empty list", "select coalesce(ids, []) || []", "select coalesce(ids, array()) || array()"},
		{"index kept", "select l[1]", "select l[1]"},
		{"grouping", "select grouping(a, b) as g from t group by grouping sets ((a), (a, b))", "select grouping_id(a, b) as g from t group by grouping sets ((a), (a, b))"},
		{"list functions", "select len(l), list_extract(l, 2), list_distinct(l), unnest(l)", "select size(l), try_element_at(l, 2), array_distinct(l), explode(l)"},
		{"view made temporary", "create or replace view cases as select 1", "create or replace temporary view cases as select 1"},
		{"temp view kept", "create or replace temp view v as select 1", "create or replace temp view v as select 1"},
	}
	for _, c := range cases {
		got, err := ToSpark(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// TestToSparkRefuses: a DuckDB form Spark has no spelling for is refused here, naming
// the form, rather than sent to Spark to fail there on the rewritten text.
func TestToSparkRefuses(t *testing.T) {
	for _, in := range []string{
		"select {'a': 1}",
		"select * from a union all by name select * from b",
	} {
		if got, err := ToSpark(in); err == nil {
			t.Errorf("ToSpark(%q) = %q, want an error", in, got)
		}
	}
}

func TestSplit(t *testing.T) {
	text := `-- a model
create or replace temp table a as select 1;

-- only on duckdb
-- why: the store keeps it
insert into kept select * from a;
-- only on spark
create or replace temp table kept as select * from a;

-- comments alone are no statement
;
create or replace view v as select * from kept semi join a using (x);
`
	duck, err := Split(text, DuckDB)
	if err != nil {
		t.Fatal(err)
	}
	spark, err := Split(text, Spark)
	if err != nil {
		t.Fatal(err)
	}
	nos := func(ss []Statement) (n []int) {
		for _, s := range ss {
			n = append(n, s.No)
		}
		return n
	}
	if got := nos(duck); len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 5 {
		t.Errorf("DuckDB runs statements %v, want [1 2 5]", got)
	}
	if got := nos(spark); len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 5 {
		t.Errorf("Spark runs statements %v, want [1 3 5]", got)
	}
	if !strings.Contains(duck[2].SQL, "create or replace view v as select * from kept semi join") {
		t.Errorf("DuckDB's statement was rewritten: %q", duck[2].SQL)
	}
	if !strings.Contains(spark[2].SQL, "create or replace temporary view v as select * from kept left semi join") {
		t.Errorf("Spark's statement: %q", spark[2].SQL)
	}
	if spark[1].Table != "kept" || strings.TrimSpace(spark[1].SQL) != "select * from a" {
		t.Errorf("Spark's temp table: %q from %q, want kept from the select", spark[1].Table, spark[1].SQL)
	}
	if st, err := Split("create or replace table t as\nselect 2;\n", Spark); err != nil || len(st) != 1 || st[0].Table != "t" || strings.TrimSpace(st[0].SQL) != "select 2" {
		t.Errorf("a model's table on Spark: %+v, %v; want t from the select", st, err)
	}
	if duck[0].Table != "" || !strings.Contains(duck[0].SQL, "create or replace temp table a as") {
		t.Errorf("DuckDB's temp table was taken apart: %+v", duck[0])
	}
	if _, err := Split("-- only on postgres\nselect 1;\n", DuckDB); err == nil {
		t.Error("an engine minqing does not know was accepted")
	}
}

func TestSparkMacrosRead(t *testing.T) {
	m, err := SparkMacros()
	if err != nil {
		t.Fatal(err)
	}
	if len(m) < 3 {
		t.Fatalf("%d Spark macros, want mq_fold, mq_desc_key and mq_row_ref", len(m))
	}
}

// TestMacrosExpanded: Spark has no macros, so a macro's calls become its body with the
// arguments in place, a table macro's query_table('t') the table t, across files.
func TestMacrosExpanded(t *testing.T) {
	tr := NewTranslator()
	first := `create or replace macro mq_half(n) as n // 2;
create or replace macro mq_pairs(cs, ps) as table
select c.k, p.id from query_table(cs) c join query_table(ps) p on p.id = c.p_id where c.n > mq_half(c.n);
`
	st, err := tr.Split(first)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 0 {
		t.Fatalf("macro definitions ran on Spark: %+v", st)
	}
	st, err = tr.Split("create or replace temp table x as\nselect k from mq_pairs('cases_all', 'periods') where mq_half(k + 1) > 0;\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "select k from (select c.k, p.id from cases_all c join periods p on p.id = c.p_id where c.n > ((c.n)  div  2)) where ((k + 1)  div  2) > 0"
	if len(st) != 1 || st[0].Table != "x" || strings.TrimSpace(st[0].SQL) != want {
		t.Errorf("got %+v\nwant SQL %q", st, want)
	}
	if _, err := tr.Split("select mq_half(1, 2);\n"); err == nil {
		t.Error("a call with the wrong number of arguments was expanded")
	}
	if _, err := NewTranslator().Split("create or replace macro f(a) as a, (a, b) as a + b;\n"); err == nil {
		t.Error("an overloaded macro was taken")
	}
	// a column of the same name as a macro, or a field, is not a call
	st, err = tr.Split("select t.mq_half, mq_half from t;\n")
	if err != nil || !strings.Contains(st[0].SQL, "select t.mq_half, mq_half from t") {
		t.Errorf("a column named as a macro was expanded: %+v, %v", st, err)
	}
}
