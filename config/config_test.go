package config

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/minqing/minqing/schedules"
)

func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yml")
	if len(files) == 0 {
		t.Fatal("no good configs")
	}
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if c.Store == "" || c.Out == "" || c.HashKeyFile == "" || c.Rules.EscalatedReplyDays != 3 {
			t.Errorf("%s: defaults not applied: %+v", f, c)
		}
	}
}

func TestFullConfig(t *testing.T) {
	c, err := Load("testdata/full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Path(c.Store); !strings.HasSuffix(got, "config/testdata/data/minqing.duckdb") || !filepath.IsAbs(got) {
		t.Errorf("store path %q not resolved against the config folder", got)
	}
	if c.Sources[0].Encoding != "auto" || c.Sources[1].Encoding != "gb18030" {
		t.Errorf("encodings %q %q", c.Sources[0].Encoding, c.Sources[1].Encoding)
	}
	if c.Sources[1].Headers["办件编号"] != "case_no" {
		t.Errorf("header override lost: %v", c.Sources[1].Headers)
	}
	if h := c.Sources[2].HTTP; h == nil || h.Timeout.Seconds() != 60 || h.TokenEnv != "DISTRICT_TOKEN" || h.MaxBytes != 209715200 {
		t.Errorf("http source: %+v", h)
	}
	if c.Schedules[0].Job != "run" || c.Schedules[0].Period != "last-quarter" {
		t.Errorf("schedule defaults: %+v", c.Schedules[0])
	}
	// on gets its default time of day; workdays_only goes with cron (and is implied by on).
	for i, want := range map[int]schedules.When{
		5: {Cron: "0 9 * * *", WorkdaysOnly: true},
		6: {On: "quarter_end+3wd", At: "08:00"},
		7: {On: "month_end+1wd", At: "17:30", WorkdaysOnly: true},
	} {
		if got := c.Schedules[i].When(); got != want {
			t.Errorf("schedules[%d].When() = %+v, want %+v", i, got, want)
		}
	}
}

// TestVocabularyConfig: headers and labels for every source, the registers' own column
// names, defaults, and gbk/gb2312 read as GB18030.
func TestVocabularyConfig(t *testing.T) {
	c, err := Load("testdata/vocabulary.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	hotline, mailbox := c.Sources[0], c.Sources[1]
	if hotline.Encoding != "gbk" || mailbox.Encoding != "gb2312" {
		t.Errorf("encodings %q %q", hotline.Encoding, mailbox.Encoding)
	}
	// a source's own header wins over the shared one; the others are shared
	if hotline.Headers["来电号码"] != "-" || hotline.Headers["辦結時限"] != "due_at" || mailbox.Headers["来电号码"] != "citizen_phone" {
		t.Errorf("headers: hotline %v, mailbox %v", hotline.Headers, mailbox.Headers)
	}
	if _, ok := c.Sources[2].Headers["来电号码"]; ok || c.Sources[2].Headers["走访时间"] != "visited_on" {
		t.Errorf("visits got the headers of another kind: %v", c.Sources[2].Headers)
	}
	if hotline.Defaults["channel"] != "12345热线" || c.Sources[2].Defaults["persons"] != "1" {
		t.Errorf("defaults: %v %v", hotline.Defaults, c.Sources[2].Defaults)
	}
	if c.UnitsHeaders["parent_code"] != "parent" || c.CatalogueHeaders["limit_days"] != "days" {
		t.Errorf("register headers: %v %v", c.UnitsHeaders, c.CatalogueHeaders)
	}
	shared, own := 0, 0
	for _, o := range c.LabelOverrides() {
		switch o.Source {
		case "":
			shared++
		case "mailbox":
			own++
		}
	}
	if shared != 3 || own != 1 {
		t.Errorf("label overrides: %d shared, %d of mailbox; want 3 and 1", shared, own)
	}
}

func TestServeConfig(t *testing.T) {
	c, err := Load("testdata/serve.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Serve
	if s.Listen != "0.0.0.0:8443" || s.SessionTTL.Hours() != 4 || s.MemoryLimit != "8GB" || len(s.Users) != 3 {
		t.Errorf("serve section: %+v", s)
	}
	if u := s.Users[1]; u.Role != RoleTownship || u.Unit != "330199001000" {
		t.Errorf("township user: %+v", u)
	}
	m, err := Load("testdata/minimal.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Serve; d.Listen != "127.0.0.1:8080" || d.SessionKeyFile != m.Store+".session-key" || d.AccessLog != "access.jsonl" || d.SessionTTL.Hours() != 8 {
		t.Errorf("serve defaults: %+v", d)
	}
}

// TestEngineConfig: DuckDB by default; spark with its Connect address, and the lake
// beside the store unless given.
func TestEngineConfig(t *testing.T) {
	m, err := Parse([]byte("units: units.csv\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Engine != (Engine{Kind: EngineDuckDB}) {
		t.Errorf("default engine %+v", m.Engine)
	}
	s, err := Parse([]byte("units: units.csv\nstore: data/m.duckdb\nengine:\n  kind: Spark\n  connect: sc://spark.example:15002\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Engine{Kind: EngineSpark, Connect: "sc://spark.example:15002", Lake: "data/m.duckdb.lake"}); s.Engine != want {
		t.Errorf("spark engine %+v, want %+v", s.Engine, want)
	}
}

func TestBadConfigs(t *testing.T) {
	table := map[string]string{
		"unknown-key.bad.yml":           `unknown key "sourcs" at line 2: did you mean "sources"?`,
		"no-units.bad.yml":              "units: the units register file is required",
		"bad-kind.bad.yml":              `sources[0].kind: "complaints"`,
		"dup-source.bad.yml":            `sources[1].name: "a" used twice`,
		"bad-level.bad.yml":             `sources[0].level: "county"`,
		"no-paths.bad.yml":              "sources[0].paths: at least one glob pattern is required",
		"bad-encoding.bad.yml":          `sources[0].encoding: "big5"`,
		"bad-date-order.bad.yml":        `sources[0].date_order: source "city-hotline": "us" is not ymd, mdy or dmy`,
		"bad-label.bad.yml":             `satisfied_labels: "还行"`,
		"bad-weight.bad.yml":            "partial_resolution_weight: 2 is not between 0 and 1",
		"bad-score.bad.yml":             `score_weights: "speed"`,
		"no-cron.bad.yml":               "schedules[0].cron: required",
		"bad-cron.bad.yml":              `schedules[1].cron: "61 25 * * *": minute 61 out of range 0–59; hour 25 out of range 0–23`,
		"cron-never.bad.yml":            `schedules[0].cron: "0 2 30 2 *": never fires`,
		"bad-period.bad.yml":            `schedules[0].period: "2024Q5" is not last-quarter, a quarter (2024Q3)`,
		"dup-schedule.bad.yml":          `schedules[1].name: "nightly" used twice`,
		"on-not-wd.bad.yml":             `schedules[0].on: "quarter_end+3d" is not quarter_end+Nwd, month_end+Nwd or year_end+Nwd`,
		"on-zero.bad.yml":               `schedules[0].on: "quarter_end+0wd": N must be 1–30 working days`,
		"on-and-cron.bad.yml":           "schedules[1].on: give cron or on, not both",
		"on-bad-at.bad.yml":             `schedules[0].at: "25:00" is not a time of day HH:MM`,
		"cron-with-at.bad.yml":          "schedules[0].at: goes with on; a cron spec states its own time",
		"bad-source-label.bad.yml":      `sources[0].labels.satisfaction.5: "很好" is not a satisfaction value`,
		"serve-role.bad.yml":            `serve.users[0].role: "admin" is not leader, township or auditor`,
		"serve-unit.bad.yml":            `serve.users[0].unit: "青石镇" is not a 12-digit township code`,
		"serve-hash.bad.yml":            "serve.users[0].password_hash: not a bcrypt hash",
		"serve-listen.bad.yml":          `serve.listen: "8080" is not host:port`,
		"serve-dup-user.bad.yml":        `serve.users[1].name: "a" used twice`,
		"serve-unknown.bad.yml":         `unknown key "password" in serve.users[0] at line 4: did you mean "password_hash"?`,
		"serve-memory.bad.yml":          `serve.memory_limit: "lots" is not a size`,
		"bad-headers-kind.bad.yml":      `headers.complaints: "complaints" is not cases, visits or services`,
		"bad-headers-field.bad.yml":     `headers.cases.来电号码: "phone" is not a cases field`,
		"bad-shared-label.bad.yml":      `labels.channel.市民热线: "电话热线" is not a channel value`,
		"bad-units-headers.bad.yml":     `units_headers.parent_code: "parents" is not a column (code, name, level, parent, aliases`,
		"bad-catalogue-headers.bad.yml": `catalogue_headers.limit_days: "limit" is not a column (item, days`,
		"bad-source-header.bad.yml":     `sources[0].headers.办件号: "case_number" is not a cases field`,
		"bad-default-field.bad.yml":     `sources[0].defaults.colour: "colour" is not a cases field`,
		"bad-default-label.bad.yml":     `sources[0].defaults.channel: "飞鸽传书" is not a channel label`,
		"bad-default-case-no.bad.yml":   `sources[0].defaults.case_no: case_no cannot be a constant`,
		"engine-kind.bad.yml":           `engine.kind: "sparkle" is not duckdb or spark`,
		"engine-connect.bad.yml":        `engine.connect: "127.0.0.1:15002" is not a Spark Connect address (sc://host:port)`,
		"engine-lake.bad.yml":           `engine: connect and lake go with kind: spark, not duckdb`,
	}
	for file, want := range table {
		_, err := Load(filepath.Join("testdata", file))
		if err == nil {
			t.Errorf("%s: accepted", file)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q does not contain %q", file, err, want)
		}
		if !strings.Contains(err.Error(), file) {
			t.Errorf("%s: error %q does not name the file", file, err)
		}
		if m := goTypeName.FindString(err.Error()); m != "" {
			t.Errorf("%s: error %q names a Go type (%s)", file, err, m)
		}
	}
	all, _ := filepath.Glob("testdata/*.bad.yml")
	if len(all) != len(table) {
		t.Errorf("%d bad configs on disk, the table pairs %d: pair each with its error", len(all), len(table))
	}
}

// goTypeName matches what a Go type name looks like in a message: a package-qualified
// name, a Go builtin or composite type, or a YAML tag.
var goTypeName = regexp.MustCompile(`\b(config|ingest|transform|fetch|time|reflect)\.[A-Z]\w*|\b(int|int64|uint|float64|bool|string)\b|map\[|\[\]\w|!!\w+|\bstruct\b|\bin type\b`)

// TestConfigTypos: a misspelt key is named with its line and the nearest valid key; a value
// of the wrong kind names its key, its line and what it should be; no Go type name shows.
func TestConfigTypos(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"top-level typo", "units: u.csv\nout: out\nsorces: []\n", `unknown key "sorces" at line 3: did you mean "sources"?`},
		{"transposed letters", "untis: u.csv\n", `unknown key "untis" at line 1: did you mean "units"?`},
		{"in a source", "units: u.csv\nsources:\n  - name: a\n    kind: cases\n    levle: district\n    paths: [x]\n",
			`unknown key "levle" in sources[0] at line 5: did you mean "level"?`},
		{"in rules", "units: u.csv\nrules:\n  escalated_reply_day: 3\n", `unknown key "escalated_reply_day" in rules at line 3: did you mean "escalated_reply_days"?`},
		{"in http", "units: u.csv\nsources:\n  - {name: a, kind: cases, level: district, http: {url: \"https://x\", timout: 5s}}\n",
			`unknown key "timout" in sources[0].http at line 3: did you mean "timeout"?`},
		{"nothing near", "units: u.csv\nzzzzqqq: 1\n", `unknown key "zzzzqqq" at line 2: the keys here are archive, catalogue,`},
		{"bool", "units: u.csv\nprivacy:\n  keep_personal_data: maybe\n", `privacy.keep_personal_data at line 3: "maybe" is not true or false`},
		{"number", "units: u.csv\nrules:\n  escalated_reply_days: three\n", `rules.escalated_reply_days at line 3: "three" is not a whole number`},
		{"duration", "units: u.csv\nserve:\n  session_ttl: forever\n", `serve.session_ttl at line 3: "forever" is not a duration (e.g. 30s, 10m, 8h)`},
		{"list wanted", "units: u.csv\nsources: hotline\n", `sources at line 2: "hotline" is not a list`},
		{"mapping wanted", "units: u.csv\nserve: yes\n", `serve at line 2: "yes" is not a mapping of keys`},
		{"list for a value", "units: [a, b]\n", `units at line 1: a list is not a single value`},
		{"bad YAML", "units: u.csv\n  out: [\n", `reading YAML: line`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if m := goTypeName.FindString(err.Error()); m != "" {
				t.Errorf("error %q names a Go type (%s)", err, m)
			}
		})
	}
}

// TestConfigMergeKeys: a mapping merged in with <<: is checked like one written out.
func TestConfigMergeKeys(t *testing.T) {
	good := "units: u.csv\nsources:\n  - &src {name: a, kind: cases, level: district, paths: [\"a/*.csv\"]}\n  - <<: *src\n    name: b\n"
	if _, err := Parse([]byte(good)); err != nil {
		t.Errorf("a merged source: %v", err)
	}
	bad := "units: u.csv\nsources:\n  - &src {name: a, kind: cases, levle: district, paths: [\"a/*.csv\"]}\n  - <<: *src\n    name: b\n"
	_, err := Parse([]byte(bad))
	if err == nil || !strings.Contains(err.Error(), `unknown key "levle" in sources[1] at line 3: did you mean "level"?`) {
		t.Errorf("a typo merged in: %v", err)
	}
}

func TestNearest(t *testing.T) {
	valid := []string{"archive", "out", "serve", "sources", "store", "units"}
	for key, want := range map[string]string{"sorces": "sources", "sourcs": "sources", "stroe": "store",
		"OUT": "out", "srv": "serve", "xyzzy": "", "qq": "", "source": "sources"} {
		if got := nearest(key, valid); got != want {
			t.Errorf("nearest(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestFiguresHash(t *testing.T) {
	base := "store: s.duckdb\nunits: u.csv\nrules:\n  escalated_reply_days: 3\nout: out\n"
	hash := func(s string) string {
		t.Helper()
		h, err := FiguresHash([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := hash(base)
	for _, same := range []string{
		base + "serve:\n  users:\n    - {name: a, role: leader, password_hash: x}\n",
		base + "schedules:\n  - {name: n, cron: \"0 2 * * *\"}\n",
		strings.Replace(base, "out: out", "out: elsewhere", 1),
		base + "deliver:\n  folder: /mnt/share\n",
		strings.Replace(base, "escalated_reply_days: 3", "escalated_reply_days: 3\n  warn_days: 5\n  notice_days: 3", 1),
	} {
		if hash(same) != h {
			t.Errorf("an output-only change moved the hash:\n%s", same)
		}
	}
	for _, other := range []string{
		strings.Replace(base, "escalated_reply_days: 3", "escalated_reply_days: 5", 1),
		strings.Replace(base, "u.csv", "units2.csv", 1),
	} {
		if hash(other) == h {
			t.Errorf("a change that moves figures kept the hash:\n%s", other)
		}
	}
}
