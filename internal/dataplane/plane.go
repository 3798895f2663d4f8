package dataplane

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/accesslog"
	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/health"
	"github.com/elbd/elbd/internal/httpproxy"
	"github.com/elbd/elbd/internal/metrics"
	"github.com/elbd/elbd/internal/sticky"
	"github.com/elbd/elbd/internal/tcpproxy"
)

// Plane runs the listeners of every balancer.
type Plane struct {
	log            *slog.Logger
	maxConns       int64
	maxPerInstance int64
	// surges keeps each balancer's surge queue across snapshots.
	surges  map[string]*httpproxy.Surge
	http    *httpproxy.Proxy
	metrics *metrics.Metrics // nil: no metrics

	ctx    context.Context // ends when the plane closes
	cancel context.CancelFunc
	conns  sync.WaitGroup // accept loops and connections

	mu        sync.Mutex
	listeners map[netip.AddrPort]*listener
	// backends keeps one *balance.Backend per (balancer, instance, port)
	// across snapshots so that outstanding counts and health survive
	// reconfiguration.
	backends map[backendKey]*balance.Backend
	status   []ListenerStatus
	// drains are the instances draining, by balancer and instance;
	// draining is set while drainLoop runs.
	drains   map[health.Key]*drainState
	draining bool

	// checker runs the active health checks; index maps its keys to
	// backends for its callbacks.
	checker *health.Checker
	index   atomic.Pointer[healthIndex]

	// sinks are the access logs of node addresses; retiredSinks are
	// those replaced during the current Apply, closed at its end.
	accessLogRoot, region string
	sinks                 map[sinkKey]*sinkEntry
	retiredSinks          []*accesslog.Sink
	// closedDrops counts the dropped lines of closed sinks.
	closedDrops atomic.Uint64

	// tickets are the session-ticket keys shared by TLS listeners;
	// backendTLSConfigs the client configurations for TLS to instances,
	// by balancer and pins.
	tickets           tickets
	backendTLSConfigs map[string]*tls.Config
	// h2 serves HTTPS connections that negotiated HTTP/2.
	h2 h2

	// probes holds the source addresses of Probe connections in flight.
	probes sync.Map // netip.AddrPort → struct{}
}

type backendKey struct {
	balancer, instance string
	port               int
}

// ListenerStatus reports one bound or failed listener.
type ListenerStatus struct {
	Balancer string
	Zone     string
	Addr     netip.AddrPort
	Protocol string
	// Err is why the listener is not serving; nil when it is.
	Err error
}

// Options configures a Plane.
type Options struct {
	Logger *slog.Logger
	// MaxConns caps the open connections of one listener; connections
	// over the cap are closed at once. Default 10000.
	MaxConns int64
	// MaxPerInstance caps the HTTP requests in flight to one instance;
	// requests over it wait in the balancer's surge queue (1,024 deep, as
	// ELB's) and spill over with 503 beyond that. Default 1000.
	MaxPerInstance int64
	// Metrics receives the ELB metrics of every balancer and zone, and the
	// listeners' state. Nil means no metrics.
	Metrics *metrics.Metrics
	// Prober runs the active health checks; nil means a real
	// health.NetProber.
	Prober health.Prober
	// AccessLogRoot is the directory access logs are written under (one
	// sub-directory per S3 bucket name); "" disables access logs.
	AccessLogRoot string
	// Region names the region in access-log paths and file names.
	Region string
}

// New returns a plane serving nothing.
func New(o Options) *Plane {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxConns == 0 {
		o.MaxConns = 10000
	}
	if o.MaxPerInstance == 0 {
		o.MaxPerInstance = 1000
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Plane{log: o.Logger, maxConns: o.MaxConns, maxPerInstance: o.MaxPerInstance, surges: map[string]*httpproxy.Surge{}, http: httpproxy.New(httpproxy.Options{}), ctx: ctx, cancel: cancel,
		listeners: map[netip.AddrPort]*listener{}, backends: map[backendKey]*balance.Backend{}, metrics: o.Metrics,
		drains: map[health.Key]*drainState{}, sinks: map[sinkKey]*sinkEntry{}, backendTLSConfigs: map[string]*tls.Config{},
		accessLogRoot: o.AccessLogRoot, region: o.Region}
	p.index.Store(&healthIndex{})
	p.checker = health.New(health.Options{Prober: o.Prober, OnChange: p.onHealthChange, OnCheck: p.onHealthCheck})
	if o.Metrics != nil {
		o.Metrics.AccessLogDrops(p.droppedLines)
	}
	return p
}

// route is what a listener serves at one moment. Immutable.
type route struct {
	balancer string
	zone     string
	protocol string
	port     int
	// firewall and rules decide which sources may connect.
	firewall bool
	rules    []Rule
	tcp      *tcpproxy.Config
	http     *httpproxy.Config
	// tls, for HTTPS and SSL listeners, configures client handshakes;
	// tlsPolicy says what it serves, to log changes.
	tls       *tls.Config
	tlsPolicy string
	// metrics are the balancer's metrics in this zone; nil without metrics.
	metrics *metrics.Handles
}

type listener struct {
	addr  netip.AddrPort
	ln    net.Listener
	route atomic.Pointer[route]
	done  chan struct{}
	// open counts the listener's connections, bounded by MaxConns.
	open atomic.Int64
	// removed is set when the listener is closed: its keep-alive HTTP
	// connections then end instead of serving more requests with a
	// route that is no longer updated.
	removed atomic.Bool
}

// Apply makes the running listeners match cfg: new (address, port) pairs
// are bound, vanished ones closed (their established connections run on),
// and every other listener gets its new route atomically. Bind failures
// are reported in the returned status and retried by the next Apply.
func (p *Plane) Apply(cfg *Config) []ListenerStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := map[netip.AddrPort]*route{}
	wantInfo := map[netip.AddrPort]ListenerStatus{}
	usedBackends := map[backendKey]bool{}
	live := map[metrics.Key]bool{} // balancers and zones with metrics
	var status []ListenerStatus
	index := healthIndex{}
	usedSinks := map[sinkKey]bool{}
	usedTLS := map[string]bool{}
	wantListener := map[netip.AddrPort]Listener{}
	for i := range cfg.Balancers {
		b := &cfg.Balancers[i]
		sets := map[int]*balance.Set{}
		for _, l := range b.Listeners {
			if _, ok := sets[l.InstancePort]; !ok {
				sets[l.InstancePort] = p.backendSet(cfg, b, l.InstancePort, usedBackends, index)
			}
		}
		p.observeHosts(b, sets, live)
		for _, n := range b.Nodes {
			for _, l := range b.Listeners {
				for _, ip := range []netip.Addr{n.IPv4, n.IPv6} {
					if !ip.IsValid() {
						continue
					}
					ap := netip.AddrPortFrom(ip, uint16(l.Port))
					st := ListenerStatus{Balancer: b.Key, Zone: n.Zone, Addr: ap, Protocol: l.Protocol}
					r, err := p.buildRoute(b, n.Zone, l, sets[l.InstancePort], p.sinkFor(b, ip, usedSinks), usedTLS)
					if err != nil {
						st.Err = err
						status = append(status, st)
						continue
					}
					if _, dup := want[ap]; dup {
						st.Err = fmt.Errorf("address %s is used by two listeners", ap)
						status = append(status, st)
						continue
					}
					want[ap], wantInfo[ap], wantListener[ap] = r, st, l
				}
			}
		}
	}
	for ap, l := range p.listeners {
		if _, ok := want[ap]; !ok {
			l.removed.Store(true)
			l.ln.Close()
			delete(p.listeners, ap)
			p.log.Info("listener removed", "addr", ap)
		}
	}
	for ap, r := range want {
		st := wantInfo[ap]
		if l, ok := p.listeners[ap]; ok {
			// Keep the round-robin position: every Apply (each change
			// and each retry tick) builds new routes, and a fresh
			// RoundRobin would send the first connection after each one
			// to the first candidate again.
			old := l.route.Load()
			if old.tcp != nil && r.tcp != nil && old.tcp.Picker != nil {
				r.tcp.Picker = old.tcp.Picker
			}
			if r.tlsPolicy != old.tlsPolicy {
				p.logTLSPolicy(st.Balancer, wantListener[ap])
			}
			l.route.Store(r)
			status = append(status, st)
			continue
		}
		ln, err := listen(p.ctx, ap)
		if err != nil {
			st.Err = err
			p.log.Warn("listener failed to bind; will retry", "addr", ap, "balancer", st.Balancer, "err", err)
			p.bindFailed(st)
			status = append(status, st)
			continue
		}
		l := &listener{addr: ap, ln: ln, done: make(chan struct{})}
		l.route.Store(r)
		p.listeners[ap] = l
		p.conns.Add(1)
		go p.accept(l)
		p.log.Info("listener started", "addr", ap, "balancer", st.Balancer, "protocol", st.Protocol)
		p.logTLSPolicy(st.Balancer, wantListener[ap])
		status = append(status, st)
	}
	p.applyDrains(cfg, usedBackends)
	p.applyHealth(cfg, index)
	p.closeSinks(usedSinks)
	p.pruneBackendTLS(usedTLS)
	liveBalancers := map[string]bool{}
	for i := range cfg.Balancers {
		liveBalancers[cfg.Balancers[i].Key] = true
	}
	for k := range p.surges {
		if !liveBalancers[k] {
			delete(p.surges, k)
		}
	}
	slices.SortFunc(status, func(a, b ListenerStatus) int { return a.Addr.Compare(b.Addr) })
	p.observeListeners(status, live)
	p.status = status
	return status
}

// listen binds a listener on ap; IPv6 node addresses are bound with
// IP_FREEBIND (see freebind).
func listen(ctx context.Context, ap netip.AddrPort) (net.Listener, error) {
	var lc net.ListenConfig
	if ap.Addr().Is6() {
		lc.Control = freebind
	}
	return lc.Listen(ctx, "tcp", ap.String())
}

// Status returns the listener status of the last Apply.
func (p *Plane) Status() []ListenerStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.status)
}

// backendSet returns the set of b's instances on port, reusing Backend
// values across snapshots, and adds them to index.
func (p *Plane) backendSet(cfg *Config, b *Balancer, port int, used map[backendKey]bool, index healthIndex) *balance.Set {
	var bs []*balance.Backend
	for _, in := range b.Instances {
		k := backendKey{b.Key, in.ID, port}
		hk := health.Key{Balancer: b.Key, Instance: in.ID}
		be := p.backends[k]
		addr := netip.AddrPortFrom(in.Addr, uint16(port))
		if be == nil || be.Addr != addr || be.Zone != in.Zone {
			if be != nil {
				be.Retire() // moved: its connections go to the old address
			}
			be = balance.NewBackend(in.ID, in.Zone, addr)
			if len(cfg.StickyKey) > 0 {
				// The instance port is part of the name: ELB loses
				// stickiness when a listener's instance port changes.
				be.Token = sticky.Token(cfg.StickyKey, b.Key, in.ID, strconv.Itoa(port))
			}
			be.SetHealthy(p.healthy(b, hk))
			p.backends[k] = be
		}
		used[k] = true
		index[hk] = append(index[hk], be)
		bs = append(bs, be)
	}
	return balance.NewSet(bs)
}

func (p *Plane) buildRoute(b *Balancer, zone string, l Listener, set *balance.Set, sink *accesslog.Sink, usedTLS map[string]bool) (*route, error) {
	cands := set.Candidates(zone, b.CrossZone)
	candidates := func() []*balance.Backend { return cands }
	idle := b.IdleTimeout
	if idle == 0 {
		idle = 60 * time.Second
	}
	r := &route{balancer: b.Key, zone: zone, protocol: l.Protocol, port: l.Port, firewall: b.Firewall, rules: b.Rules}
	if l.Protocol == "HTTPS" || l.Protocol == "SSL" {
		cfg, err := p.frontTLS(l)
		if err != nil {
			return nil, err
		}
		r.tls, r.tlsPolicy = cfg, l.TLS.Policy+": "+l.TLS.Negotiation.String()
	}
	switch l.Protocol {
	case "TCP", "SSL":
		if l.InstanceProtocol != "TCP" && l.InstanceProtocol != "SSL" {
			return nil, fmt.Errorf("instance protocol %s behind a %s listener", l.InstanceProtocol, l.Protocol)
		}
		r.tcp = &tcpproxy.Config{Candidates: candidates, Picker: &balance.RoundRobin{},
			ProxyProtocol: l.ProxyProtocol, IdleTimeout: idle, Logger: p.log,
			OnBackendFailure: p.ejector(b, set), BackendTLS: p.backendTLS(b, l.BackendTLS, usedTLS)}
	case "HTTP", "HTTPS":
		if l.InstanceProtocol != "HTTP" && l.InstanceProtocol != "HTTPS" {
			return nil, fmt.Errorf("instance protocol %s behind a %s listener", l.InstanceProtocol, l.Protocol)
		}
		surge := p.surges[b.Key]
		if surge == nil {
			surge = httpproxy.NewSurge(httpproxy.DefaultSurgeQueue)
			p.surges[b.Key] = surge
		}
		r.http = &httpproxy.Config{Candidates: candidates, Picker: &balance.LeastOutstanding{},
			Scheme: strings.ToLower(l.Protocol), Port: l.Port, IdleTimeout: idle, DesyncMode: b.DesyncMode, Logger: p.log,
			MaxPerBackend: p.maxPerInstance, Surge: surge, OnBackendFailure: p.ejector(b, set),
			Sticky: stickiness(l.Sticky, set, zone, b.CrossZone), BackendTLS: p.backendTLS(b, l.BackendTLS, usedTLS)}
	default:
		return nil, fmt.Errorf("unknown listener protocol %q", l.Protocol)
	}
	p.instrument(r, sink, b.Name)
	return r, nil
}

// ejector returns the passive-health hook of b's listeners on one
// instance port: a failure seen on live traffic ejects the instance at
// once, within the per-zone cap of set, until an active check passes
// again. Balancers without active checks never eject, since nothing would
// readmit.
func (p *Plane) ejector(b *Balancer, set *balance.Set) func(*balance.Backend, error) {
	if b.HealthCheck.Interval <= 0 {
		return nil
	}
	key := b.Key
	return func(be *balance.Backend, err error) {
		if set.TryEject(be) {
			p.log.Warn("instance ejected after failing live traffic; an active check readmits it",
				"balancer", key, "instance", be.ID, "addr", be.Addr, "err", err)
		}
	}
}

// stickiness returns the proxy's view of a listener's stickiness policy:
// a cookie names a backend of set, which this node uses only if it could
// route to it anyway (its zone, or any with cross-zone).
func stickiness(s *Sticky, set *balance.Set, zone string, crossZone bool) *httpproxy.Sticky {
	if s == nil {
		return nil
	}
	return &httpproxy.Sticky{AppCookie: s.AppCookie, Expiration: s.Expiration,
		Lookup: func(token []byte) *balance.Backend {
			be := set.ByToken(token)
			if be == nil || !crossZone && be.Zone != zone {
				return nil
			}
			return be
		}}
}

func (p *Plane) accept(l *listener) {
	defer p.conns.Done()
	defer close(l.done)
	var delay time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary failures (e.g. EMFILE): back off, bounded.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			p.log.Warn("accept failed", "addr", l.addr, "err", err, "retry_in", delay)
			select {
			case <-time.After(delay):
				continue
			case <-p.ctx.Done():
				return
			}
		}
		delay = 0
		r := l.route.Load()
		if !p.admit(c, l, r) {
			continue
		}
		p.conns.Add(1)
		go p.serve(c, l, r)
	}
}

// admit applies the security groups and the connection cap before a byte
// is read; a refused connection is reset.
func (p *Plane) admit(c net.Conn, l *listener, r *route) bool {
	src := netip.AddrPort{}
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		src = ta.AddrPort()
	}
	if src.Addr() == l.addr.Addr() && p.isProbe(src) {
		c.Close()
		return false
	}
	if r.firewall && !allows(r.rules, r.port, src.Addr()) {
		p.log.Debug("connection refused by security groups", "addr", l.addr, "source", src, "balancer", r.balancer)
		reset(c)
		return false
	}
	if l.open.Add(1) > p.maxConns {
		l.open.Add(-1)
		p.log.Warn("connection refused: listener at its connection cap", "addr", l.addr, "cap", p.maxConns)
		reset(c)
		return false
	}
	return true
}

// reset closes c with an RST rather than a FIN, so that a refused client
// sees the refusal at once.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

func (p *Plane) serve(c net.Conn, l *listener, r *route) {
	defer p.conns.Done()
	defer l.open.Add(-1)
	var tc *tls.Conn
	if r.tls != nil {
		var ok bool
		if tc, ok = p.handshake(c, r); !ok {
			return
		}
	}
	switch {
	case r.tcp != nil:
		if r.metrics != nil {
			r.metrics.Request() // RequestCount counts TCP connections when made
		}
		if tc != nil {
			tcpproxy.ProxyConn(p.ctx, tc, r.tcp)
			return
		}
		plain, ok := c.(*net.TCPConn)
		if !ok {
			c.Close()
			return
		}
		tcpproxy.Proxy(p.ctx, plain, r.tcp)
	case r.http != nil:
		if tc != nil {
			c = tc
			if tc.ConnectionState().NegotiatedProtocol == "h2" {
				p.serveH2(tc, l, r)
				return
			}
		}
		// The HTTP engine re-reads the route between requests, so a
		// keep-alive connection follows reconfiguration, and ends once
		// its listener is gone (a zone disabled, a listener deleted).
		p.http.ServeConn(p.ctx, c, func() *httpproxy.Config {
			if l.removed.Load() {
				return nil
			}
			if cur := l.route.Load(); cur.http != nil {
				return cur.http
			}
			return r.http
		})
	default:
		c.Close()
	}
}

// Close stops every listener and connection and waits for them.
func (p *Plane) Close() {
	p.mu.Lock()
	for ap, l := range p.listeners {
		l.ln.Close()
		delete(p.listeners, ap)
	}
	p.mu.Unlock()
	p.checker.Close()
	p.cancel()
	p.conns.Wait()
	p.http.CloseIdle()
	p.h2.mu.Lock()
	for _, tr := range p.h2.transports {
		tr.CloseIdleConnections()
	}
	p.h2.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.sinks {
		if err := e.sink.Close(); err != nil {
			p.log.Warn("access log: closing a file failed", "err", err)
		}
		delete(p.sinks, k)
	}
}
