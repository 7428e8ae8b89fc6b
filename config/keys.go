package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// checkDocument walks the YAML document against the Config's shape before it is decoded,
// so that a typo or a value of the wrong kind is reported in the user's terms: the key as
// written, its line, the nearest valid key, and what the value should be, never a Go type.
func checkDocument(b []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("reading YAML: %s", plainYAMLError(err))
	}
	if len(doc.Content) == 0 {
		return nil
	}
	var errs []error
	checkNode(doc.Content[0], reflect.TypeOf(Config{}), "", &errs)
	return errors.Join(errs...)
}

var durationType = reflect.TypeOf(time.Duration(0))

// checkNode reports, into errs, every unknown key and every value that cannot be the kind
// t holds, under the dotted path at (the key path as the config writes it).
func checkNode(n *yaml.Node, t reflect.Type, at string, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch {
	case t == durationType:
		var d time.Duration
		if n.Kind != yaml.ScalarNode || n.Decode(&d) != nil {
			*errs = append(*errs, valueError(n, at, "a duration (e.g. 30s, 10m, 8h)"))
		}
		return
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			*errs = append(*errs, valueError(n, at, "a mapping of keys (key: value)"))
			return
		}
		keys := yamlKeys(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" { // <<: *defaults merges a mapping (or a list of them) in
				merged := []*yaml.Node{v}
				if v.Kind == yaml.SequenceNode {
					merged = v.Content
				}
				for _, m := range merged {
					checkNode(m, t, at, errs)
				}
				continue
			}
			ft, ok := keys[k.Value]
			if !ok {
				*errs = append(*errs, unknownKey(k, at, keys))
				continue
			}
			checkNode(v, ft, join(at, k.Value), errs)
		}
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			*errs = append(*errs, valueError(n, at, "a mapping (key: value)"))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkNode(n.Content[i+1], t.Elem(), join(at, n.Content[i].Value), errs)
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			*errs = append(*errs, valueError(n, at, "a list ([a, b] or one \"- item\" a line)"))
			return
		}
		for i, e := range n.Content {
			checkNode(e, t.Elem(), fmt.Sprintf("%s[%d]", at, i), errs)
		}
	default:
		if n.Kind != yaml.ScalarNode {
			*errs = append(*errs, valueError(n, at, kindWords(t)))
			return
		}
		if n.Decode(reflect.New(t).Interface()) != nil {
			*errs = append(*errs, valueError(n, at, kindWords(t)))
		}
	}
}

// kindWords says what a scalar of kind t must be, in the user's words.
func kindWords(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a single value (text or a number)"
}

func join(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

// valueError says what the value at n is and what it should be.
func valueError(n *yaml.Node, at, want string) error {
	got := ""
	switch n.Kind {
	case yaml.ScalarNode:
		got = strconv.Quote(n.Value)
	case yaml.MappingNode:
		got = "a mapping"
	case yaml.SequenceNode:
		got = "a list"
	default:
		got = "this value"
	}
	return fmt.Errorf("%s at line %d: %s is not %s", at, n.Line, got, want)
}

// unknownKey names the key, where it is and the nearest valid key there.
func unknownKey(k *yaml.Node, at string, keys map[string]reflect.Type) error {
	where := ""
	if at != "" {
		where = " in " + at
	}
	valid := make([]string, 0, len(keys))
	for name := range keys {
		valid = append(valid, name)
	}
	sort.Strings(valid)
	if s := nearest(k.Value, valid); s != "" {
		return fmt.Errorf("unknown key %q%s at line %d: did you mean %q?", k.Value, where, k.Line, s)
	}
	return fmt.Errorf("unknown key %q%s at line %d: the keys here are %s", k.Value, where, k.Line, strings.Join(valid, ", "))
}

// yamlKeys maps each YAML key of struct t to its field's type.
func yamlKeys(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlKeys(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// nearest returns the valid key closest to key by edit distance, or "" when none is close
// enough to be what was meant (more than a third of the key changed, and not a prefix).
func nearest(key string, valid []string) string {
	best, bestD := "", -1
	for _, v := range valid {
		d := editDistance(strings.ToLower(key), v)
		if bestD < 0 || d < bestD {
			best, bestD = v, d
		}
	}
	if bestD < 0 {
		return ""
	}
	if bestD <= max(2, len([]rune(key))/3) {
		return best
	}
	for _, v := range valid {
		if len(key) >= 4 && (strings.HasPrefix(v, key) || strings.HasPrefix(key, v)) {
			return v
		}
	}
	return ""
}

// editDistance is the Damerau–Levenshtein distance (with adjacent transpositions) of a and b.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// goTypeRE matches the Go type names yaml.v3 puts in its messages ("into bool",
// "in type config.Config", "!!str").
var goTypeRE = regexp.MustCompile(` (into|in type) [\w.\[\]*]+|!!\w+ `)

// plainYAMLError is a YAML library error without its "yaml: " prefix and Go type names.
func plainYAMLError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	return goTypeRE.ReplaceAllString(msg, " ")
}
