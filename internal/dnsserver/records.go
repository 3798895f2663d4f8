package dnsserver

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Prefixes of the derived owner names ELB publishes for every DNS name
// (reference §4.1): "ipv6." answers AAAA only, "dualstack." A and AAAA.
const (
	PrefixIPv6      = "ipv6."
	PrefixDualstack = "dualstack."
)

// Entry is one published DNS name with the addresses it currently resolves
// to. IPv4 addresses are served as A records of Name and dualstack.Name,
// IPv6 addresses as AAAA records of ipv6.Name and dualstack.Name.
type Entry struct {
	// Name is the fully qualified name, for example
	// "my-lb-1234567890.us-east-1.elb.internal". It is matched
	// case-insensitively; a trailing dot is optional.
	Name string
	// IPv4 holds the IPv4 addresses (IPv4-mapped IPv6 addresses are
	// unmapped). Order and duplicates do not matter.
	IPv4 []netip.Addr
	// IPv6 holds the IPv6 addresses. Order and duplicates do not matter.
	IPv6 []netip.Addr
}

// EntryError describes a problem NewRecords found with one entry. Name is
// the entry's name as given. Depending on the problem the whole entry was
// left out (bad name, outside the zone, duplicate) or only the offending
// address was dropped; Err says which.
type EntryError struct {
	Name string
	Err  error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("dnsserver: entry %q: %v", e.Name, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

// owner is one owner name's addresses. For a plain name v6 is nil, for an
// ipv6. name v4 is nil; for a dualstack. name both are set. The slices are
// sorted, free of duplicates and shared between the owners of an entry.
type owner struct {
	v4, v6 []netip.Addr
}

// Records is an immutable set of DNS entries for one zone, ready to be
// installed with Server.Set. The zero value and nil are not valid; use
// NewRecords. A Records may be shared between goroutines and servers.
type Records struct {
	zone    string              // canonical: lower case, trailing dot
	owners  map[string]owner    // canonical owner name -> addresses
	ents    map[string]struct{} // empty non-terminals (canonical)
	entries int
}

// NewRecords validates entries against zone (the apex of the DNS domain,
// for example "elb.internal") and returns the record set.
//
// Names are lower-cased and made fully qualified. An entry is left out,
// with an *EntryError in the returned error, when its name is not a valid
// host name (letters, digits and inner hyphens, labels up to 63
// characters, derived names up to 253), is not strictly below the zone, or
// when one of its three owner names (name, ipv6.name, dualstack.name)
// was already claimed by an earlier entry (first one wins). Addresses of
// the wrong family, invalid or zoned addresses are dropped, each with an
// *EntryError, and the rest of the entry is kept. Addresses are copied,
// de-duplicated and sorted; entries is not modified or retained.
//
// The returned error is nil or an errors.Join of *EntryError values (walk
// it with errors.As or Unwrap() []error). The *Records is usable whenever
// it is not nil; it is nil only when zone itself is invalid.
func NewRecords(zone string, entries []Entry) (*Records, error) {
	z, err := canonicalZone(zone)
	if err != nil {
		return nil, err
	}
	r := &Records{
		zone:   z,
		owners: make(map[string]owner, 3*len(entries)),
		ents:   make(map[string]struct{}),
	}
	var errs []error
	reject := func(name string, format string, args ...any) {
		errs = append(errs, &EntryError{Name: name, Err: fmt.Errorf(format, args...)})
	}
	for _, e := range entries {
		name := canonicalName(e.Name)
		if !isHostName(name) {
			reject(e.Name, "not a valid host name; entry ignored")
			continue
		}
		if !strings.HasSuffix(name, "."+z) {
			reject(e.Name, "not below zone %q; entry ignored", z)
			continue
		}
		names := [3]string{name, PrefixIPv6 + name, PrefixDualstack + name}
		if len(names[2]) > maxNameLen {
			reject(e.Name, "dualstack. name longer than %d characters; entry ignored", maxNameLen-1)
			continue
		}
		if slices.ContainsFunc(names[:], func(n string) bool { _, ok := r.owners[n]; return ok }) {
			reject(e.Name, "name, ipv6. or dualstack. name already defined by an earlier entry; entry ignored")
			continue
		}
		v4 := make([]netip.Addr, 0, len(e.IPv4))
		for _, a := range e.IPv4 {
			a = a.Unmap()
			if !a.Is4() {
				reject(e.Name, "IPv4 list holds %v, which is not an IPv4 address; address dropped", a)
				continue
			}
			v4 = append(v4, a)
		}
		v6 := make([]netip.Addr, 0, len(e.IPv6))
		for _, a := range e.IPv6 {
			if !a.Is6() || a.Is4In6() || a.Zone() != "" {
				reject(e.Name, "IPv6 list holds %v, which is not a plain IPv6 address; address dropped", a)
				continue
			}
			v6 = append(v6, a)
		}
		v4, v6 = sortAddrs(v4), sortAddrs(v6)
		r.owners[names[0]] = owner{v4: v4}
		r.owners[names[1]] = owner{v6: v6}
		r.owners[names[2]] = owner{v4: v4, v6: v6}
		r.entries++
		for _, n := range names {
			for p := parent(n); p != z; p = parent(p) {
				r.ents[p] = struct{}{}
			}
		}
	}
	// A name that is an owner is not an empty non-terminal, whichever
	// entry introduced it first.
	for n := range r.ents {
		if _, ok := r.owners[n]; ok {
			delete(r.ents, n)
		}
	}
	return r, errors.Join(errs...)
}

// Zone returns the zone apex in canonical form (lower case, trailing dot).
func (r *Records) Zone() string { return r.zone }

// Len returns the number of entries accepted.
func (r *Records) Len() int { return r.entries }

// sortAddrs sorts and de-duplicates addrs in place; an empty result is nil.
func sortAddrs(addrs []netip.Addr) []netip.Addr {
	if len(addrs) == 0 {
		return nil
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return slices.Clip(slices.Compact(addrs))
}

// maxNameLen is the longest presentation form (with trailing dot) of a
// name that fits the 255-octet wire limit: 253 characters plus the dot.
const maxNameLen = 254

// canonicalName lower-cases name and appends the trailing dot.
func canonicalName(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// canonicalZone validates and canonicalises a zone apex.
func canonicalZone(zone string) (string, error) {
	z := canonicalName(zone)
	if z == "." || !isHostName(z) {
		return "", fmt.Errorf("dnsserver: zone %q is not a valid domain name below the root", zone)
	}
	return z, nil
}

// isHostName reports whether name (canonical: lower case, trailing dot) is
// a sequence of LDH labels: [a-z0-9] and inner '-', 1 to 63 characters
// each, at most maxNameLen characters in all.
func isHostName(name string) bool {
	if len(name) < 2 || len(name) > maxNameLen || name[len(name)-1] != '.' {
		return false
	}
	for _, label := range strings.Split(name[:len(name)-1], ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// parent returns name without its first label; name must hold a dot
// before the trailing one.
func parent(name string) string {
	return name[strings.IndexByte(name, '.')+1:]
}
