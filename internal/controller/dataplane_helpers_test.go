package controller_test

// Shared helpers of the dataplane_*_test.go end-to-end tests: a harness
// around a real elbd (elbdtest), HTTP and TCP back ends on the topology's
// instance addresses, raw HTTP exchanges and DNS queries. Every wait is
// bounded by a deadline; nothing sleeps to wait for state.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/miekg/dns"

	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/elbdtest"
)

// dpWait bounds every wait for state in these tests.
const dpWait = 10 * time.Second

// dpHarness is a running elbd with an ELB client for the admin account.
type dpHarness struct {
	t   testing.TB
	env *elbdtest.Env
	c   *elbsdk.Client
	ctx context.Context
	dns string // DNS server address (UDP and TCP)
}

func dpStart(t testing.TB, extraYAML string, opts ...elbdtest.Option) *dpHarness {
	t.Helper()
	env := elbdtest.Start(t, extraYAML, opts...)
	return &dpHarness{t: t, env: env, c: env.ELB(elbdtest.Admin), ctx: context.Background(), dns: env.Server.DNSAddr().String()}
}

// applied waits until the controller has applied the state current at the
// call (listeners bound, probed, DNS published) and returns its revision.
// It waits on the controller's change channel, bounded by dpWait.
func (h *dpHarness) applied() uint64 {
	h.t.Helper()
	want := h.env.Server.Service.Snapshot().Revision
	if err := dpWaitRevision(h.env, want, dpWait); err != nil {
		h.t.Fatal(err)
	}
	return want
}

// dpWaitRevision waits until the controller has applied revision want.
func dpWaitRevision(env *elbdtest.Env, want uint64, limit time.Duration) error {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		got, changed := env.Server.Controller.Applied()
		if got >= want {
			return nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return fmt.Errorf("controller did not apply revision %d within %v (at %d)", want, limit, got)
		}
	}
}

// lb returns the stored load balancer name of the admin account.
func (h *dpHarness) lb(name string) *dpLB {
	h.t.Helper()
	st := h.env.Server.Service.Snapshot()
	m, ok := st.LoadBalancers[elb.Key{Account: elbdtest.AdminAccount, Name: name}]
	if !ok {
		h.t.Fatalf("load balancer %s not in the state", name)
	}
	out := &dpLB{DNSName: m.DNSName}
	for _, n := range m.Nodes {
		a, err := netip.ParseAddr(n.IPv4)
		if err != nil {
			h.t.Fatalf("node %+v: %v", n, err)
		}
		out.Zones = append(out.Zones, n.Zone)
		out.V4 = append(out.V4, a)
		var a6 netip.Addr
		if n.IPv6 != "" {
			a6 = netip.MustParseAddr(n.IPv6)
		}
		out.V6 = append(out.V6, a6)
	}
	return out
}

// dpLB is what the tests need of a stored load balancer: its name and
// node addresses per zone.
type dpLB struct {
	DNSName string
	Zones   []string
	V4, V6  []netip.Addr
}

// node returns the IPv4 node address of zone.
func (l *dpLB) node(t testing.TB, zone string) netip.Addr {
	t.Helper()
	i := slices.Index(l.Zones, zone)
	if i < 0 {
		t.Fatalf("no node in zone %s (zones %v)", zone, l.Zones)
	}
	return l.V4[i]
}

// at formats address:port.
func at(a netip.Addr, port int32) string {
	return netip.AddrPortFrom(a, uint16(port)).String()
}

func (h *dpHarness) must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *dpHarness) create(in *elbsdk.CreateLoadBalancerInput) {
	h.t.Helper()
	_, err := h.c.CreateLoadBalancer(h.ctx, in)
	h.must(err)
}

func (h *dpHarness) register(name string, ids ...string) {
	h.t.Helper()
	_, err := h.c.RegisterInstancesWithLoadBalancer(h.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String(name), Instances: dpInstances(ids...)})
	h.must(err)
}

func (h *dpHarness) deregister(name string, ids ...string) {
	h.t.Helper()
	_, err := h.c.DeregisterInstancesFromLoadBalancer(h.ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{
		LoadBalancerName: aws.String(name), Instances: dpInstances(ids...)})
	h.must(err)
}

func (h *dpHarness) addListeners(name string, ls ...types.Listener) {
	h.t.Helper()
	_, err := h.c.CreateLoadBalancerListeners(h.ctx, &elbsdk.CreateLoadBalancerListenersInput{
		LoadBalancerName: aws.String(name), Listeners: ls})
	h.must(err)
}

func (h *dpHarness) deleteListeners(name string, ports ...int32) {
	h.t.Helper()
	_, err := h.c.DeleteLoadBalancerListeners(h.ctx, &elbsdk.DeleteLoadBalancerListenersInput{
		LoadBalancerName: aws.String(name), LoadBalancerPorts: ports})
	h.must(err)
}

func (h *dpHarness) attrs(name string, a *types.LoadBalancerAttributes) {
	h.t.Helper()
	_, err := h.c.ModifyLoadBalancerAttributes(h.ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
		LoadBalancerName: aws.String(name), LoadBalancerAttributes: a})
	h.must(err)
}

func dpIdle(secs int32) *types.LoadBalancerAttributes {
	return &types.LoadBalancerAttributes{ConnectionSettings: &types.ConnectionSettings{IdleTimeout: aws.Int32(secs)}}
}

func dpDesync(mode string) *types.LoadBalancerAttributes {
	return &types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{
		{Key: aws.String("elb.http.desyncmitigationmode"), Value: aws.String(mode)}}}
}

func dpCrossZone(on bool) *types.LoadBalancerAttributes {
	return &types.LoadBalancerAttributes{CrossZoneLoadBalancing: &types.CrossZoneLoadBalancing{Enabled: on}}
}

func dpInstances(ids ...string) []types.Instance {
	out := make([]types.Instance, 0, len(ids))
	for _, id := range ids {
		out = append(out, types.Instance{InstanceId: aws.String(id)})
	}
	return out
}

func dpListener(proto string, lbPort, instancePort int32) types.Listener {
	return types.Listener{Protocol: aws.String(proto), LoadBalancerPort: lbPort, InstancePort: aws.Int32(instancePort)}
}

// dpCommonPort returns a port that is free on every address, preferring
// one outside the kernel's ephemeral range so that it cannot collide with
// the random source ports of elbd's listener probes.
func dpCommonPort(t testing.TB, addrs ...string) int32 {
	t.Helper()
	for range 200 {
		port := 10000 + rand.IntN(20000)
		ok := true
		var held []net.Listener
		for _, a := range addrs {
			ln, err := net.Listen("tcp", net.JoinHostPort(a, fmt.Sprint(port)))
			if err != nil {
				ok = false
				break
			}
			held = append(held, ln)
		}
		for _, ln := range held {
			ln.Close()
		}
		if ok {
			return int32(port)
		}
	}
	t.Fatal("no common free port")
	return 0
}

// dpPortSeq hands out distinct load balancer ports within one test: node
// addresses are unique to the test process, so only distinctness matters.
type dpPortSeq struct {
	mu   sync.Mutex
	next int32
}

// Ports start at a random base below the ephemeral range (32768 and up),
// where elbd's listener probes pick their source ports.
func newPortSeq() *dpPortSeq {
	return &dpPortSeq{next: int32(10000 + rand.IntN(20000))}
}

func (s *dpPortSeq) take() int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	return s.next
}

// dpSeen is one request as an HTTP back end received it.
type dpSeen struct {
	Method, URI, Proto, Host string
	Header                   http.Header
}

// dpHTTP is an HTTP back end on a fixed address. It answers with its id;
// /slow waits until the test ends (or 10 s) before answering.
type dpHTTP struct {
	id    string
	hits  atomic.Int64
	conns atomic.Int64
	last  atomic.Pointer[dpSeen]
	byURI sync.Map // URI → *atomic.Int64
}

func dpHTTPBackend(t testing.TB, id, addr string) *dpHTTP {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("HTTP back end %s on %s: %v", id, addr, err)
	}
	b := &dpHTTP{id: id}
	stop := make(chan struct{})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b.hits.Add(1)
			n, _ := b.byURI.LoadOrStore(r.RequestURI, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
			b.last.Store(&dpSeen{Method: r.Method, URI: r.RequestURI, Proto: r.Proto, Host: r.Host, Header: r.Header.Clone()})
			if r.URL.Path == "/slow" {
				select {
				case <-stop:
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			}
			io.WriteString(w, id)
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				b.conns.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	t.Cleanup(func() { close(stop); srv.Close() })
	return b
}

func (b *dpHTTP) hitsFor(uri string) int64 {
	if n, ok := b.byURI.Load(uri); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// dpTCPBackend is a TCP back end on addr: for each connection it writes
// its id and a newline, then echoes what it reads until EOF, then closes.
func dpTCPBackend(t testing.TB, id, addr string) *atomic.Int64 {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("TCP back end %s on %s: %v", id, addr, err)
	}
	var accepted atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(dpWait))
				if _, err := io.WriteString(c, id+"\n"); err != nil {
					return
				}
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return &accepted
}

// dpTCPHello connects to addr and returns the id line the back end sent.
func dpTCPHello(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}

// dpRaw is a client connection for hand-written HTTP exchanges.
type dpRaw struct {
	c  net.Conn
	br *bufio.Reader
}

func dpDial(t testing.TB, addr string) *dpRaw {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &dpRaw{c: c, br: bufio.NewReader(c)}
}

// do writes raw and reads one response with its body.
func (r *dpRaw) do(raw string) (*http.Response, string, error) {
	r.c.SetDeadline(time.Now().Add(dpWait))
	if _, err := io.WriteString(r.c, raw); err != nil {
		return nil, "", err
	}
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil {
		return nil, "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body), err
}

// closedWithin reports whether the peer closes the connection within
// limit without sending anything more, and how long that took.
func (r *dpRaw) closedWithin(limit time.Duration) (bool, time.Duration, error) {
	start := time.Now()
	r.c.SetReadDeadline(start.Add(limit))
	b, err := r.br.ReadByte()
	took := time.Since(start)
	switch {
	case err == nil:
		return false, took, fmt.Errorf("unexpected byte %q", b)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return true, took, nil
	default:
		return false, took, err
	}
}

// dpResetBeforeRead checks that a connection to addr is accepted by the
// kernel and then reset by elbd without the client sending anything: the
// refusal happens before elbd reads a byte. It returns nil when so.
func dpResetBeforeRead(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if errors.Is(err, syscall.ECONNRESET) {
		// The reset came before connect(2) reported success: the kernel
		// completed the handshake, elbd accepted and reset.
		return nil
	}
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	n, err := c.Read(b[:])
	if n > 0 || !errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("connection to %s: read %d bytes, err %v; want a reset before any byte", addr, n, err)
	}
	return nil
}

// dpGet does one GET with a fresh connection.
func dpGet(url string) (int, string, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// dpQuery sends one DNS question over net ("udp" or "tcp").
func dpQuery(t testing.TB, server, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		t.Fatalf("DNS %s %s over %s: %v", dns.TypeToString[qtype], name, network, err)
	}
	return r
}

// dpAddrs extracts the A and AAAA answers of r, sorted.
func dpAddrs(r *dns.Msg) []netip.Addr {
	var out []netip.Addr
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.A:
			a, _ := netip.AddrFromSlice(v.A.To4())
			out = append(out, a)
		case *dns.AAAA:
			a, _ := netip.AddrFromSlice(v.AAAA)
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// dpEventually polls cond every 10 ms until it holds or dpWait passes.
func dpEventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(dpWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", dpWait, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func dpSorted(addrs ...netip.Addr) []netip.Addr {
	out := slices.Clone(addrs)
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}
