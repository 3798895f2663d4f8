//go:build linux && !386

package tcpproxy

import (
	"os"
	"strings"
	"testing"
)

// pipeFDs counts the process's open pipe descriptors.
func pipeFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list open descriptors: %v", err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(target, "pipe:") {
			n++
		}
	}
	return n
}

// TestQuietConnectionsHoldNoPipes checks that a direction waiting for data
// does so without a splice pipe: with a pipe per waiting direction, 40
// quiet connections would hold 80 pipes, 160 descriptors.
func TestQuietConnectionsHoldNoPipes(t *testing.T) {
	checkGoroutines(t)
	b := startBackend(t, "i-1", echo)
	p := startProxy(t, "", &Config{Candidates: candidates(b)})
	before := pipeFDs(t)
	const conns = 40
	for range conns {
		roundTrip(t, p.dial(t), "splice me")
	}
	// Each round trip borrowed a pipe per direction from the standard
	// library's pool and gave it back. The pool can still grow: under the
	// race detector sync.Pool drops a quarter of what is put back, and the
	// dropped pipes stay open until a garbage collection.
	if after := pipeFDs(t); after-before >= 2*conns {
		t.Errorf("%d quiet connections: %d pipe descriptors open, %d before; want fewer than %d more (one pipe per connection)",
			conns, after, before, 2*conns)
	}
}
