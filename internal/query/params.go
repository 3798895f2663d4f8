package query

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Params is a decoded, flattened parameter set: "Listeners.member.1.Protocol"
// style keys mapped to their values. A Params value may be a view below a
// prefix (see Struct and Structs); all lookups are relative to that prefix.
type Params struct {
	m      map[string]string
	prefix string
}

// NewParams wraps a flat key/value map.
func NewParams(m map[string]string) Params { return Params{m: m} }

func (p Params) key(name string) string { return p.prefix + name }

// Has reports whether name was sent, even with an empty value.
func (p Params) Has(name string) bool {
	_, ok := p.m[p.key(name)]
	return ok
}

// String returns the value of name and whether it was sent.
func (p Params) String(name string) (string, bool) {
	v, ok := p.m[p.key(name)]
	return v, ok
}

// Get returns the value of name, or "" when it was not sent.
func (p Params) Get(name string) string { return p.m[p.key(name)] }

// Int parses name as a decimal integer. ok is false when name was not sent.
func (p Params) Int(name string) (n int64, ok bool, err error) {
	v, ok := p.String(name)
	if !ok {
		return 0, false, nil
	}
	n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, true, invalidValue(p.key(name), v, "an integer")
	}
	return n, true, nil
}

// Bool parses name as "true" or "false" (any case).
func (p Params) Bool(name string) (b bool, ok bool, err error) {
	v, ok := p.String(name)
	if !ok {
		return false, false, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, invalidValue(p.key(name), v, "true or false")
}

// List returns a list of scalars sent as name.member.N, ordered by N. A
// list sent as "name=" (the SDKs' encoding of an empty list) is present
// and empty. ok is false when the list was not sent at all.
func (p Params) List(name string) (vals []string, ok bool) {
	idx := p.indexes(name, false)
	if idx == nil {
		return nil, p.Has(name)
	}
	vals = make([]string, 0, len(idx))
	for _, n := range idx {
		vals = append(vals, p.m[p.key(name)+".member."+strconv.Itoa(n)])
	}
	return vals, true
}

// Struct returns the view of the structure sent as name.Field=... and
// whether any of its members were sent.
func (p Params) Struct(name string) (Params, bool) {
	sub := Params{m: p.m, prefix: p.key(name) + "."}
	for k := range p.m {
		if strings.HasPrefix(k, sub.prefix) {
			return sub, true
		}
	}
	return sub, false
}

// Structs returns the list of structures sent as name.member.N.Field=...,
// ordered by N.
func (p Params) Structs(name string) (items []Params, ok bool) {
	idx := p.indexes(name, true)
	if idx == nil {
		return nil, p.Has(name)
	}
	items = make([]Params, 0, len(idx))
	for _, n := range idx {
		items = append(items, Params{m: p.m, prefix: p.key(name) + ".member." + strconv.Itoa(n) + "."})
	}
	return items, true
}

// indexes collects the distinct member indexes N below name, sorted; gaps
// are tolerated (AWS behaviour is to sort numerically).
func (p Params) indexes(name string, structs bool) []int {
	pre := p.key(name) + ".member."
	seen := map[int]bool{}
	for k := range p.m {
		rest, found := strings.CutPrefix(k, pre)
		if !found {
			continue
		}
		num := rest
		if structs {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				continue
			}
			num = rest[:i]
		} else if strings.IndexByte(rest, '.') >= 0 {
			continue
		}
		// Only canonical decimal indexes count: "03" or "+3" would map to
		// 3, whose keys are then looked up as "member.3." and not found.
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || strconv.Itoa(n) != num {
			continue
		}
		seen[n] = true
	}
	if len(seen) == 0 {
		return nil
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// Keys returns every key below this view, for diagnostics and tests.
func (p Params) Keys() []string {
	var ks []string
	for k := range p.m {
		if strings.HasPrefix(k, p.prefix) {
			ks = append(ks, strings.TrimPrefix(k, p.prefix))
		}
	}
	sort.Strings(ks)
	return ks
}

func invalidValue(key, v, want string) *Error {
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	return &Error{Code: "ValidationError", Status: http.StatusBadRequest,
		Message: "Value '" + v + "' at '" + key + "' failed to satisfy constraint: Member must be " + want}
}

// FullKey returns the full key of name below this view, for messages.
func (p Params) FullKey(name string) string { return p.key(name) }
