package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/minqing/minqing/transform"
)

// TestResolveUnit: --unit takes a code, a name, a name with another ending, or a township
// and a name; an ambiguous or unknown one is refused with the units it could mean.
func TestResolveUnit(t *testing.T) {
	units := []transform.Unit{
		{Code: "330199000000", Name: "城关区", Level: "district"},
		{Code: "330199001000", Name: "白沙乡", Level: "township", Parent: "330199000000"},
		{Code: "330199002000", Name: "东湖镇", Level: "township", Parent: "330199000000"},
		{Code: "330199001001", Name: "西街村", Level: "village", Parent: "330199001000"},
		{Code: "330199001002", Name: "新村", Level: "village", Parent: "330199001000"},
		{Code: "330199002001", Name: "新村", Level: "village", Parent: "330199002000"},
		{Code: "330199002002", Name: "南岭社区", Level: "village", Parent: "330199002000"},
	}
	for _, tc := range []struct {
		name, arg, code string
		err             error
		says            []string
	}{
		{"code", "330199001000", "330199001000", nil, nil},
		{"name", "白沙乡", "330199001000", nil, nil},
		{"spaces", " 东湖镇 ", "330199002000", nil, nil},
		{"other ending", "西街村委会", "330199001001", nil, nil},
		{"bare stem", "西街", "330199001001", nil, nil},
		{"community ending", "南岭社区居委会", "330199002002", nil, nil},
		{"government", "白沙乡人民政府", "330199001000", nil, nil},
		{"township and name", "东湖镇/新村", "330199002001", nil, nil},
		{"full-width slash", "白沙乡／新村", "330199001002", nil, nil},
		{"ambiguous", "新村", "", errAmbiguousUnit, []string{"330199001002  新村（白沙乡）", "330199002001  新村（东湖镇）", "白沙乡/新村"}},
		{"unknown with near", "西街镇", "", transform.ErrUnknownUnit, []string{"nearest", "330199001001  西街村（白沙乡）"}},
		{"code prefix", "3301990010", "", transform.ErrUnknownUnit, []string{"330199001000  白沙乡", "330199001001  西街村"}},
		{"unknown", "nowhere", "", transform.ErrUnknownUnit, []string{`--unit "nowhere"`, "330199000000 城关区"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := resolveUnit(units, tc.arg)
			if tc.err == nil {
				if err != nil || u.Code != tc.code {
					t.Fatalf("resolveUnit(%q) = %s, %v; want %s", tc.arg, u.Code, err, tc.code)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("resolveUnit(%q) = %s, %v; want %v", tc.arg, u.Code, err, tc.err)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
	if in := subtree(units, units[1]); len(in) != 3 || !in["330199001002"] || in["330199002001"] {
		t.Errorf("subtree of 白沙乡: %v", in)
	}
}
