package config

import (
	"errors"
	"fmt"
	"sort"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/transform"
)

// validateShared checks the keys that apply to every source and to the registers:
// headers (per kind), labels, units_headers and catalogue_headers.
func (c *Config) validateShared() []error {
	var errs []error
	kinds := make([]string, 0, len(c.Headers))
	for kind := range c.Headers {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		if _, ok := ingest.Fields[kind]; !ok {
			errs = append(errs, fmt.Errorf("headers.%s: %q is not cases, visits or services (headers: {cases: {来电号码: citizen_phone}})", kind, kind))
			continue
		}
		for _, h := range sortedKeys(c.Headers[kind]) {
			if err := checkHeader(kind, h, c.Headers[kind][h]); err != nil {
				errs = append(errs, fmt.Errorf("headers.%s.%s: %w", kind, h, err))
			}
		}
	}
	errs = append(errs, checkLabels("labels", c.Labels)...)
	if err := transform.CheckRegisterHeaders(c.UnitsHeaders, transform.UnitsColumns); err != nil {
		errs = append(errs, prefixed("units_headers", err)...)
	}
	if err := transform.CheckRegisterHeaders(c.CatalogueHeaders, transform.CatalogueColumns); err != nil {
		errs = append(errs, prefixed("catalogue_headers", err)...)
	}
	if len(c.CatalogueHeaders) > 0 && c.Catalogue == "" {
		errs = append(errs, errors.New("catalogue_headers: given without a catalogue file"))
	}
	return errs
}

// validateVocabulary checks a source's own headers, labels and defaults; at is its
// place in the config (sources[2]).
func (c *Config) validateVocabulary(at string, s ingest.SourceConfig) []error {
	var errs []error
	if _, ok := ingest.Fields[s.Kind]; !ok {
		return nil // the kind's own error says why
	}
	for _, h := range sortedKeys(s.Headers) {
		if err := checkHeader(s.Kind, h, s.Headers[h]); err != nil {
			errs = append(errs, fmt.Errorf("%s.headers.%s: %w", at, h, err))
		}
	}
	errs = append(errs, checkLabels(at+".labels", s.Labels)...)
	for _, field := range sortedKeys(s.Defaults) {
		value := s.Defaults[field]
		key := fmt.Sprintf("%s.defaults.%s", at, field)
		if err := ingest.CheckDefault(s.Kind, field); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			continue
		}
		if value == "" {
			errs = append(errs, fmt.Errorf("%s: a default needs a value", key))
			continue
		}
		if transform.IsLabelField(field) {
			if _, err := transform.KnownLabel(field, value, c.Labels, s.Labels); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
			}
		}
	}
	return errs
}

// checkHeader checks that a header maps to a field of kind (or "-", ignored).
func checkHeader(kind, header, field string) error {
	if ingest.HeaderKey(header) == "" {
		return errors.New("an empty header")
	}
	if _, err := ingest.NewMapper(kind, map[string]string{header: field}); err != nil {
		return fmt.Errorf("%q is not a %s field (or \"-\" to ignore the column)", field, kind)
	}
	return nil
}

// checkLabels checks that every label maps to a canonical value of a labelled field.
func checkLabels(at string, labels map[string]map[string]string) []error {
	var errs []error
	for _, field := range sortedKeys(labels) {
		for _, label := range sortedKeys(labels[field]) {
			if err := transform.CheckLabel(field, labels[field][label]); err != nil {
				errs = append(errs, fmt.Errorf("%s.%s.%s: %w", at, field, label, err))
			}
		}
	}
	return errs
}

// shareHeaders gives every source the config's headers for its kind where it has no
// header of its own of the same key: a source's own win.
func (c *Config) shareHeaders() {
	for i := range c.Sources {
		s := &c.Sources[i]
		shared := c.Headers[s.Kind]
		if len(shared) == 0 {
			continue
		}
		own := map[string]bool{}
		for h := range s.Headers {
			own[ingest.HeaderKey(h)] = true
		}
		merged := make(map[string]string, len(s.Headers)+len(shared))
		for h, f := range s.Headers {
			merged[h] = f
		}
		for _, h := range sortedKeys(shared) {
			if k := ingest.HeaderKey(h); !own[k] {
				merged[h], own[k] = shared[h], true
			}
		}
		s.Headers = merged
	}
}

func prefixed(at string, err error) []error {
	var out []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, fmt.Errorf("%s.%w", at, e))
		}
		return out
	}
	return []error{fmt.Errorf("%s: %w", at, err)}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
