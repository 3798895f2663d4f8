package balance

import (
	"slices"
	"sync/atomic"
)

// Set is an immutable snapshot of one load balancer's backends, grouped by
// zone. Build it with [NewSet], publish it through a [Holder], and build a
// new one when instances are registered or deregistered, zones are enabled or
// disabled, or cross-zone load balancing changes; health changes do not need a
// new Set.
//
// A Set holds only the backends that may receive new traffic: instances in
// enabled zones that are registered and not draining. A draining instance is
// left out of the next Set while the proxy keeps its *Backend for the requests
// already in flight.
//
// The methods of a nil *Set behave as for an empty one.
type Set struct {
	all   []*Backend            // every backend, in NewSet's order
	zones map[string][]*Backend // backends of each zone, in NewSet's order
	byID  map[string]*Backend
	// byToken finds a backend by its sticky-session token.
	byToken map[string]*Backend
}

// NewSet returns a Set of backends. The order of backends is kept, within
// each zone and across zones, and is the order round robin follows. Nil
// entries and repeated pointers are dropped; IDs should be unique (for a
// repeated ID, [Set.Backend] returns the first). NewSet keeps the pointers,
// not the backends slice itself.
func NewSet(backends []*Backend) *Set {
	s := &Set{
		all:   make([]*Backend, 0, len(backends)),
		zones: make(map[string][]*Backend),
		byID:  make(map[string]*Backend, len(backends)),
	}
	seen := make(map[*Backend]struct{}, len(backends))
	for _, b := range backends {
		if b == nil {
			continue
		}
		if _, dup := seen[b]; dup {
			continue
		}
		seen[b] = struct{}{}
		s.all = append(s.all, b)
		s.zones[b.Zone] = append(s.zones[b.Zone], b)
		if _, dup := s.byID[b.ID]; !dup {
			s.byID[b.ID] = b
		}
		if b.Token != "" {
			if s.byToken == nil {
				s.byToken = make(map[string]*Backend, len(backends))
			}
			s.byToken[b.Token] = b
		}
	}
	// Cap every slice at its length, so that a caller appending to a
	// candidate slice gets a copy instead of writing into the snapshot.
	s.all = slices.Clip(s.all)
	for z, bs := range s.zones {
		s.zones[z] = slices.Clip(bs)
	}
	return s
}

// Len returns the number of backends in s.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.all)
}

// Backends returns every backend of s in order. The slice is shared: do not
// modify it.
func (s *Set) Backends() []*Backend {
	if s == nil {
		return nil
	}
	return s.all
}

// Zones returns the names of the zones that have backends in s, sorted.
func (s *Set) Zones() []string {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(s.zones))
	for z := range s.zones {
		names = append(names, z)
	}
	slices.Sort(names)
	return names
}

// Backend returns the backend with the given instance ID, or nil. It does
// not allocate, so sticky sessions can use it on the request path.
func (s *Set) Backend(id string) *Backend {
	if s == nil {
		return nil
	}
	return s.byID[id]
}

// ByToken returns the backend whose [Backend.Token] is token, or nil. The
// conversion in the map index does not allocate, so the request path can
// pass a cookie value straight from the request head.
func (s *Set) ByToken(token []byte) *Backend {
	if s == nil || len(token) == 0 {
		return nil
	}
	return s.byToken[string(token)]
}

// Candidates returns the backends that a node address in zone may route to:
// the backends of that zone, or with crossZone every backend of the set (all
// enabled zones). Unhealthy and ejected backends are included; the pickers
// rank them. The slice is precomputed and shared: do not modify it. It is
// empty when zone has no backends and crossZone is false.
func (s *Set) Candidates(zone string, crossZone bool) []*Backend {
	if s == nil {
		return nil
	}
	if crossZone {
		return s.all
	}
	return s.zones[zone]
}

// CanEject reports whether passive health may eject b now: b is in s, and
// after ejecting it at most floor(n/2) of the n backends of b's zone in s
// would be ejected. Rounding down means "never more than half": a zone of one
// backend never ejects it, a zone of two or three ejects at most one, a zone
// of four or five at most two. CanEject reports true for a backend that is
// already ejected when its zone is within the cap.
func (s *Set) CanEject(b *Backend) bool {
	zone := s.zoneOf(b)
	if zone == nil {
		return false
	}
	n := 0
	for _, o := range zone {
		if o == b || o.Ejected() {
			n++
		}
	}
	return n <= len(zone)/2
}

// TryEject ejects b if [Set.CanEject] allows it, and reports whether this
// call ejected b (false if b was already ejected, is not in s, or the cap
// forbids it). It is safe for concurrent use: concurrent attempts in one
// zone never leave more than the cap ejected, though they may all fail
// when they race for the last slot.
func (s *Set) TryEject(b *Backend) bool {
	zone := s.zoneOf(b)
	if zone == nil || !b.ejected.CompareAndSwap(false, true) {
		return false
	}
	// Count after setting the flag, so that of two racing ejections at
	// least the later one sees both.
	n := 0
	for _, o := range zone {
		if o.Ejected() {
			n++
		}
	}
	if n <= len(zone)/2 {
		return true
	}
	b.ejected.CompareAndSwap(true, false)
	return false
}

// zoneOf returns the backends of b's zone if b is in s, else nil.
func (s *Set) zoneOf(b *Backend) []*Backend {
	if s == nil || b == nil {
		return nil
	}
	zone := s.zones[b.Zone]
	if !slices.Contains(zone, b) {
		return nil
	}
	return zone
}

// Holder publishes the current [Set] of a load balancer. The request path
// calls Load for a consistent snapshot without locks; the node calls Store
// with a new Set on reconfiguration. The zero Holder holds a nil Set, which
// behaves as an empty one.
type Holder struct {
	p atomic.Pointer[Set]
}

// Load returns the current set, or nil if none was stored.
func (h *Holder) Load() *Set { return h.p.Load() }

// Store publishes s as the current set. Requests that already loaded the
// previous set finish with it.
func (h *Holder) Store(s *Set) { h.p.Store(s) }
