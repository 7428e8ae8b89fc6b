package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/minqing/minqing/transform"
)

// errAmbiguousUnit means a --unit name fits more than one unit of the register.
var errAmbiguousUnit = errors.New("names more than one unit")

// maxUnitCandidates caps the units an error about --unit lists.
const maxUnitCandidates = 12

// unitSuffixes are the endings a unit's name is written with or without (西街村 /
// 西街村委会 / 西街村民委员会 / 西街), longest first, each with the kind of unit it names.
var unitSuffixes = []struct{ ending, kind string }{
	{"社区居民委员会", "社区"}, {"村民委员会", "村"}, {"居民委员会", "社区"}, {"社区居委会", "社区"}, {"街道办事处", "街道"},
	{"人民政府", ""}, {"村委会", "村"}, {"居委会", "社区"}, {"办事处", "街道"},
	{"社区", "社区"}, {"街道", "街道"}, {"村", "村"}, {"乡", "乡镇"}, {"镇", "乡镇"}, {"区", "区县"}, {"县", "区县"},
}

// unitStem is a unit's name without the ending that names its kind, and that kind ("" for
// a bare name).
func unitStem(name string) (stem, kind string) {
	name = strings.TrimSpace(name)
	for _, s := range unitSuffixes {
		if stem, ok := strings.CutSuffix(name, s.ending); ok && stem != "" {
			if s.kind == "" { // 白沙乡人民政府
				return unitStem(stem)
			}
			return stem, s.kind
		}
	}
	return name, ""
}

// sameUnitName says whether a and b name one unit written two ways: the same stem, and
// the same kind unless one of them is bare (西街 for 西街村, never 西街镇 for 西街村).
func sameUnitName(a, b string) bool {
	sa, ka := unitStem(a)
	sb, kb := unitStem(b)
	return sa == sb && (ka == kb || ka == "" || kb == "")
}

// resolveUnit finds the unit --unit names in the register: by code, by name, by a
// name written with another ending (西街村委会 for 西街村), or by a township and a name
// (白沙乡/西街村) where two units share a name. An ambiguous name (errAmbiguousUnit) or an
// unknown one (transform.ErrUnknownUnit) is refused with the units it could mean.
func resolveUnit(units []transform.Unit, arg string) (transform.Unit, error) {
	arg = strings.TrimSpace(arg)
	byCode := map[string]transform.Unit{}
	for _, u := range units {
		byCode[u.Code] = u
		if u.Code == arg {
			return u, nil
		}
	}
	parent, name := "", arg
	if p, n, ok := strings.Cut(strings.ReplaceAll(arg, "／", "/"), "/"); ok {
		parent, name = strings.TrimSpace(p), strings.TrimSpace(n)
	}
	under := func(u transform.Unit) bool {
		if parent == "" {
			return true
		}
		p, ok := byCode[u.Parent]
		return ok && (p.Code == parent || sameUnitName(p.Name, parent))
	}
	pick := func(match func(transform.Unit) bool) []transform.Unit {
		var out []transform.Unit
		for _, u := range units {
			if under(u) && match(u) {
				out = append(out, u)
			}
		}
		return out
	}
	for _, match := range []func(transform.Unit) bool{
		func(u transform.Unit) bool { return u.Name == name },
		func(u transform.Unit) bool { return sameUnitName(u.Name, name) },
	} {
		switch found := pick(match); len(found) {
		case 0:
		case 1:
			return found[0], nil
		default:
			return transform.Unit{}, fmt.Errorf("--unit %q %w: give the code, or the township and the name (%s/%s):\n%s",
				arg, errAmbiguousUnit, parentName(byCode, found[0]), found[0].Name, listUnits(byCode, found))
		}
	}
	stem, _ := unitStem(name)
	near := pick(func(u transform.Unit) bool {
		us, _ := unitStem(u.Name)
		return strings.Contains(u.Name, stem) || strings.Contains(name, us) || (len(arg) >= 6 && strings.HasPrefix(u.Code, arg))
	})
	if len(near) == 0 {
		return transform.Unit{}, fmt.Errorf("--unit %q: %w: no unit of the register has that code or name (give a 12-digit code or a name of the units register, e.g. %s %s)",
			arg, transform.ErrUnknownUnit, units[0].Code, units[0].Name)
	}
	return transform.Unit{}, fmt.Errorf("--unit %q: %w: no unit of the register has that code or name; the nearest:\n%s",
		arg, transform.ErrUnknownUnit, listUnits(byCode, near))
}

func parentName(byCode map[string]transform.Unit, u transform.Unit) string {
	if p, ok := byCode[u.Parent]; ok {
		return p.Name
	}
	return ""
}

// listUnits lists units one a line: code, name and the township or district above.
func listUnits(byCode map[string]transform.Unit, units []transform.Unit) string {
	var b strings.Builder
	for i, u := range units {
		if i == maxUnitCandidates {
			fmt.Fprintf(&b, "  …and %d more", len(units)-i)
			break
		}
		fmt.Fprintf(&b, "  %s  %s", u.Code, u.Name)
		if p := parentName(byCode, u); p != "" {
			fmt.Fprintf(&b, "（%s）", p)
		}
		if i < len(units)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// unit resolves --unit against the store's register; "" is the district.
func (p *pipeline) unit(ctx context.Context, arg string) (transform.Unit, error) {
	if err := p.requireLoaded(ctx); err != nil {
		return transform.Unit{}, err
	}
	units, err := transform.NewReader(p.db).Units(ctx)
	if err != nil {
		return transform.Unit{}, err
	}
	if len(units) == 0 {
		return transform.Unit{}, errors.New("the store has no units register: run `minqing run` first")
	}
	if arg == "" {
		return units[0], nil
	}
	return resolveUnit(units, arg)
}

// subtree is the set of codes of u and every unit below it.
func subtree(units []transform.Unit, u transform.Unit) map[string]bool {
	in := map[string]bool{u.Code: true}
	for changed := true; changed; {
		changed = false
		for _, x := range units {
			if !in[x.Code] && in[x.Parent] {
				in[x.Code], changed = true, true
			}
		}
	}
	return in
}
