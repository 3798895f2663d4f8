// Package controller turns each desired-state snapshot into running
// listeners and DNS answers: it builds a data-plane Config from the elb
// service's snapshot, applies it to the plane, probes every listener it
// runs, and publishes to DNS only the node addresses whose listeners all
// accept connections. It retries failed binds and re-probes on a timer.
package controller

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/elbd/elbd/internal/dataplane"
	"github.com/elbd/elbd/internal/dnsserver"
	"github.com/elbd/elbd/internal/elb"
)

// Controller reconciles the data plane and DNS with the desired state.
type Controller struct {
	svc   *elb.Service
	plane *dataplane.Plane
	dns   *dnsserver.Server // nil when DNS is off
	zone  string
	log   *slog.Logger
	// Interval between bind retries and listener probes.
	Interval time.Duration
	// ProbeTimeout bounds one listener probe.
	ProbeTimeout time.Duration
	// Build tunes the translation of each snapshot.
	Build Options

	mu      sync.Mutex
	applied uint64 // revision last applied
	changed chan struct{}
}

// New returns a controller; dns may be nil.
func New(svc *elb.Service, plane *dataplane.Plane, dns *dnsserver.Server, zone string, log *slog.Logger) *Controller {
	return &Controller{svc: svc, plane: plane, dns: dns, zone: zone, log: log,
		Interval: 2 * time.Second, ProbeTimeout: 500 * time.Millisecond, changed: make(chan struct{}),
		Build: Options{Certs: &CertCache{}}}
}

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	sub := c.svc.Subscribe(ctx)
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	var st *elb.State
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-sub:
			if !ok {
				return
			}
			st = s
		case <-t.C:
			if st == nil {
				continue
			}
		}
		c.reconcile(ctx, st)
	}
}

// Applied returns the last revision applied and a channel closed at the
// next apply; tests and the API use it to wait for a change to serve.
func (c *Controller) Applied() (uint64, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.applied, c.changed
}

func (c *Controller) reconcile(ctx context.Context, st *elb.State) {
	cfg := Build(st, c.svc.Instance, c.svc.SecurityGroup, c.Build)
	status := c.plane.Apply(cfg)
	up := c.probe(ctx, status)
	if c.dns != nil {
		c.publishDNS(st, status, up)
	}
	c.mu.Lock()
	c.applied = st.Revision
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// probe connects to every bound listener and returns the addresses that
// accepted. Probes run concurrently, bounded by ProbeTimeout each.
func (c *Controller) probe(ctx context.Context, status []dataplane.ListenerStatus) map[netip.AddrPort]bool {
	up := make(map[netip.AddrPort]bool, len(status))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range status {
		if s.Err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.plane.Probe(ctx, s.Addr, c.ProbeTimeout); err != nil {
				c.log.Warn("listener probe failed; withdrawing its address from DNS", "addr", s.Addr, "balancer", s.Balancer, "err", err)
				return
			}
			mu.Lock()
			up[s.Addr] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	return up
}

// publishDNS answers each balancer's name with the node addresses whose
// every listener is up.
func (c *Controller) publishDNS(st *elb.State, status []dataplane.ListenerStatus, up map[netip.AddrPort]bool) {
	healthy := map[netip.Addr]bool{}
	broken := map[netip.Addr]bool{}
	for _, s := range status {
		a := s.Addr.Addr()
		if s.Err != nil || !up[s.Addr] {
			broken[a] = true
		} else {
			healthy[a] = true
		}
	}
	var entries []dnsserver.Entry
	for _, lb := range st.LoadBalancers {
		e := dnsserver.Entry{Name: lb.DNSName}
		for _, n := range lb.Nodes {
			for _, s := range []string{n.IPv4, n.IPv6} {
				a, err := netip.ParseAddr(s)
				if err != nil || !healthy[a] || broken[a] {
					continue
				}
				if a.Is4() {
					e.IPv4 = append(e.IPv4, a)
				} else {
					e.IPv6 = append(e.IPv6, a)
				}
			}
		}
		entries = append(entries, e)
	}
	recs, err := dnsserver.NewRecords(c.zone, entries)
	if err != nil {
		c.log.Warn("some load balancer names are outside the DNS zone", "zone", c.zone, "err", err)
	}
	if err := c.dns.Set(recs, uint32(st.Revision)); err != nil {
		c.log.Error("DNS records not updated", "err", err)
	}
}
