package balance

import (
	"context"
	"net/netip"
	"sync/atomic"
)

// cacheLine is the size that keeps a backend's write-hot counter away from
// its read-mostly fields (and from the neighbouring backend's counter).
const cacheLine = 64

// Backend is one registered instance as the data plane sees it.
//
// ID, Zone and Addr are set when the backend is created and never change
// afterwards. The live state (outstanding count, health, ejection) is
// updated concurrently through methods and read by the pickers with atomic
// loads. A Backend must not be copied after first use.
//
// A new Backend is not healthy: like an instance registered with ELB it
// receives traffic only after the active health checker calls
// SetHealthy(true), or when the pickers fail open because no candidate is
// healthy.
type Backend struct {
	// outstanding is written on every request; it sits alone on its cache
	// line so that round-robin scans reading the flags below, and pickers
	// reading other backends, do not bounce it between cores.
	outstanding atomic.Int64
	_           [cacheLine - 8]byte

	// ID names the instance (for example "i-0123456789abcdef0").
	ID string
	// Zone is the availability zone the instance is in.
	Zone string
	// Addr is the address and port that requests and connections go to.
	Addr netip.AddrPort
	// Token names the backend in sticky-session cookies: an opaque value
	// that only the data plane can produce (an HMAC of its identity, see
	// internal/sticky). Empty when the balancer has no sticky sessions.
	Token string

	// retired ends when the backend is taken out of service for good
	// (deregistered and drained, or its balancer deleted): connections
	// still using it are closed then.
	retired context.Context
	retire  context.CancelFunc

	healthy atomic.Bool // verdict of the active health checker
	ejected atomic.Bool // passive health: ejected after failures on real traffic

	// Round the size up to a multiple of the cache line (256 bytes, a Go
	// size class whose objects are 64-byte aligned), so that the next
	// backend's counter does not share a line with these fields.
	_ [80]byte // after two 4-byte atomic.Bools
}

// NewBackend returns a backend for the instance id in zone, reached at addr.
// It starts unhealthy, not ejected, with nothing outstanding.
func NewBackend(id, zone string, addr netip.AddrPort) *Backend {
	b := &Backend{ID: id, Zone: zone, Addr: addr}
	b.retired, b.retire = context.WithCancel(context.Background())
	return b
}

// Retired returns a context that is cancelled when b is retired. Proxies
// tie each connection to b with context.AfterFunc(b.Retired(), ...) so
// that retiring b closes them, which is how a connection-draining timeout
// (or a deregistration without draining) ends the requests still in
// flight. The zero Backend's context is never cancelled.
func (b *Backend) Retired() context.Context {
	if b.retired == nil {
		return context.Background()
	}
	return b.retired
}

// Retire takes b out of service for good: every connection tied to
// [Backend.Retired] is closed. It is idempotent.
func (b *Backend) Retire() {
	if b.retire != nil {
		b.retire()
	}
}

// Acquire records the start of a request (HTTP) or connection (TCP) to b.
// Every Acquire must be matched by exactly one Release.
func (b *Backend) Acquire() { b.outstanding.Add(1) }

// Release records the end of a request or connection started with Acquire.
func (b *Backend) Release() { b.outstanding.Add(-1) }

// Outstanding returns the number of requests or connections in flight to b.
func (b *Backend) Outstanding() int64 { return b.outstanding.Load() }

// Healthy reports the active health checker's verdict.
func (b *Backend) Healthy() bool { return b.healthy.Load() }

// SetHealthy records the active health checker's verdict. It reports whether
// the verdict changed.
func (b *Backend) SetHealthy(healthy bool) (changed bool) {
	return b.healthy.Swap(healthy) != healthy
}

// Ejected reports whether passive health has ejected b. Ejection is set
// through [Set.TryEject], which enforces the per-zone cap.
func (b *Backend) Ejected() bool { return b.ejected.Load() }

// Readmit clears b's ejection, typically when an active check passes again.
// It reports whether b was ejected.
func (b *Backend) Readmit() (wasEjected bool) { return b.ejected.Swap(false) }

// Usable reports whether b is a first-choice candidate: healthy by active
// checks and not ejected by passive health.
func (b *Backend) Usable() bool { return b.healthy.Load() && !b.ejected.Load() }

// rank orders candidates for selection; lower is better:
//
//	0 healthy, not ejected (usable)
//	1 healthy, ejected
//	2 unhealthy, not ejected
//	3 unhealthy, ejected
//
// The pickers only choose among candidates of the lowest rank present (see
// the package documentation).
func (b *Backend) rank() int {
	r := 0
	if !b.healthy.Load() {
		r = 2
	}
	if b.ejected.Load() {
		r++
	}
	return r
}
