package dataplane

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// Probe checks that the listener on addr accepts and serves connections:
// it connects from a source port it registers first, and the accept loop
// answers such probe connections by closing them at once instead of
// proxying them, so probes never reach instances. Probe succeeds only if
// the connection is accepted and closed by the plane within timeout.
func (p *Plane) Probe(ctx context.Context, addr netip.AddrPort, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr error
	for range 8 {
		src := netip.AddrPortFrom(addr.Addr(), uint16(32768+rand.IntN(28000)))
		if _, loaded := p.probes.LoadOrStore(src, struct{}{}); loaded {
			continue
		}
		err := p.probeFrom(ctx, src, addr)
		p.probes.Delete(src)
		if errors.Is(err, syscall.EADDRINUSE) {
			lastErr = err
			continue
		}
		return err
	}
	return fmt.Errorf("probe %s: no free source port: %w", addr, lastErr)
}

func (p *Plane) probeFrom(ctx context.Context, src, dst netip.AddrPort) error {
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(src)}
	if src.Addr().Is6() {
		d.Control = freebind // bind the node's address as listen does
	}
	c, err := d.DialContext(ctx, "tcp", dst.String())
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetReadDeadline(dl)
	}
	var b [1]byte
	if _, err := c.Read(b[:]); err == nil {
		return fmt.Errorf("probe %s: listener sent data to a probe", dst)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return fmt.Errorf("probe %s: connection accepted by the kernel but not served", dst)
	}
	return nil
}

// isProbe reports whether a connection from src is one of Probe's.
func (p *Plane) isProbe(src netip.AddrPort) bool {
	_, ok := p.probes.Load(src)
	return ok
}
