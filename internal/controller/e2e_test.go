package controller_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/miekg/dns"

	"github.com/elbd/elbd/internal/elbdtest"
	"github.com/elbd/elbd/internal/proxyproto"
)

// backend is an HTTP server on a fixed loopback address that reports
// which instance answered and what headers it received.
type backend struct {
	id   string
	ln   net.Listener
	hits atomic.Int64
	last atomic.Pointer[http.Header]
}

func startBackend(t *testing.T, id, addr string) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("backend %s: %v", id, err)
	}
	b := &backend{id: id, ln: ln}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		b.last.Store(&h)
		io.WriteString(w, id)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return b
}

// freePortPair finds a port free on both addresses.
func freePortPair(t *testing.T, a, b string) int {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", a+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if ln2, err := net.Listen("tcp", fmt.Sprintf("%s:%d", b, port)); err == nil {
			ln2.Close()
			return port
		}
	}
	t.Fatal("no common free port")
	return 0
}

func resolve(t *testing.T, server, name string, qtype uint16) []netip.Addr {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		t.Fatalf("DNS %s: %v", name, err)
	}
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
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// waitApplied waits until the controller has applied the current state.
func waitApplied(t *testing.T, env *elbdtest.Env) {
	t.Helper()
	want := env.Server.Service.Snapshot().Revision
	waitFor(t, fmt.Sprintf("revision %d applied", want), func() bool {
		got, _ := env.Server.Controller.Applied()
		return got >= want
	})
}

func get(t *testing.T, url string) (string, int) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

func TestHTTPThroughDNSAndZones(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	c := env.ELB(elbdtest.Admin)
	port := freePortPair(t, "127.0.1.1", "127.0.1.2")
	a := startBackend(t, "a", fmt.Sprintf("127.0.1.1:%d", port))
	b := startBackend(t, "b", fmt.Sprintf("127.0.1.2:%d", port))
	lbPort := int32(freePortPair(t, "127.0.0.1", "127.0.0.1"))
	out, err := c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("web"),
		Listeners:         []types.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: lbPort, InstancePort: aws.Int32(int32(port))}},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("web"),
		Instances:        []types.Instance{{InstanceId: aws.String(elbdtest.InstanceA)}, {InstanceId: aws.String(elbdtest.InstanceB)}},
	}); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, env)
	dnsAddr := env.Server.DNSAddr().String()
	name := aws.ToString(out.DNSName)
	var addrs []netip.Addr
	waitFor(t, "two A records", func() bool { addrs = resolve(t, dnsAddr, name, dns.TypeA); return len(addrs) == 2 })
	// Without cross-zone, each zone's address reaches only its zone's
	// instance: the first address is zone a's.
	for i, want := range []string{"a", "b"} {
		url := fmt.Sprintf("http://%s:%d/x", addrs[i], lbPort)
		waitFor(t, "listener "+url, func() bool {
			conn, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", addrs[i], lbPort), time.Second)
			if err == nil {
				conn.Close()
			}
			return err == nil
		})
		for range 5 {
			if body, code := get(t, url); code != 200 || body != want {
				t.Fatalf("GET via zone %d = %d %q, want 200 %q", i, code, body, want)
			}
		}
	}
	h := *a.last.Load()
	if got := h.Get("X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want 127.0.0.1", got)
	}
	if h.Get("X-Forwarded-Proto") != "http" || h.Get("X-Forwarded-Port") != fmt.Sprint(lbPort) {
		t.Errorf("X-Forwarded-Proto/Port = %q/%q", h.Get("X-Forwarded-Proto"), h.Get("X-Forwarded-Port"))
	}
	// Cross-zone: zone a's address now spreads over both instances.
	if _, err := c.ModifyLoadBalancerAttributes(ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
		LoadBalancerName:       aws.String("web"),
		LoadBalancerAttributes: &types.LoadBalancerAttributes{CrossZoneLoadBalancing: &types.CrossZoneLoadBalancing{Enabled: true}},
	}); err != nil {
		t.Fatal(err)
	}
	bBefore := b.hits.Load()
	waitFor(t, "cross-zone traffic to b through zone a", func() bool {
		get(t, fmt.Sprintf("http://%s:%d/", addrs[0], lbPort))
		return b.hits.Load() > bBefore
	})
	// Unknown names are NXDOMAIN; disabling a zone withdraws its address.
	if got := resolve(t, dnsAddr, "nope-1."+elbdtest.Region+".elb.test", dns.TypeA); len(got) != 0 {
		t.Errorf("unknown name resolved to %v", got)
	}
	if _, err := c.DisableAvailabilityZonesForLoadBalancer(ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{
		LoadBalancerName: aws.String("web"), AvailabilityZones: []string{"us-east-1b"},
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "zone b withdrawn from DNS", func() bool {
		got := resolve(t, dnsAddr, name, dns.TypeA)
		return len(got) == 1 && got[0] == addrs[0]
	})
}

func TestTCPWithProxyProtocol(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	c := env.ELB(elbdtest.Admin)
	ln, err := net.Listen("tcp", "127.0.1.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	lines := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		line, _ := br.ReadString('\n')
		lines <- line
		io.Copy(conn, br) // echo the rest
	}()
	lbPort := int32(freePortPair(t, "127.0.0.1", "127.0.0.1"))
	out, err := c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("tcp"),
		Listeners:         []types.Listener{{Protocol: aws.String("TCP"), LoadBalancerPort: lbPort, InstancePort: aws.Int32(int32(port))}},
		AvailabilityZones: []string{"us-east-1a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error {
			_, err := c.CreateLoadBalancerPolicy(ctx, &elbsdk.CreateLoadBalancerPolicyInput{LoadBalancerName: aws.String("tcp"),
				PolicyName: aws.String("pp"), PolicyTypeName: aws.String("ProxyProtocolPolicyType"),
				PolicyAttributes: []types.PolicyAttribute{{AttributeName: aws.String("ProxyProtocol"), AttributeValue: aws.String("true")}}})
			return err
		},
		func() error {
			_, err := c.SetLoadBalancerPoliciesForBackendServer(ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
				LoadBalancerName: aws.String("tcp"), InstancePort: aws.Int32(int32(port)), PolicyNames: []string{"pp"}})
			return err
		},
		func() error {
			_, err := c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
				LoadBalancerName: aws.String("tcp"), Instances: []types.Instance{{InstanceId: aws.String(elbdtest.InstanceA)}}})
			return err
		},
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	waitApplied(t, env)
	var addrs []netip.Addr
	waitFor(t, "A record", func() bool {
		addrs = resolve(t, env.Server.DNSAddr().String(), aws.ToString(out.DNSName), dns.TypeA)
		return len(addrs) == 1
	})
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", addrs[0], lbPort), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "hello\n")
	var line string
	select {
	case line = <-lines:
	case <-time.After(5 * time.Second):
		t.Fatal("backend got no connection")
	}
	h, err := proxyproto.ParseV1([]byte(line))
	if err != nil {
		t.Fatalf("PROXY line %q: %v", line, err)
	}
	local := conn.LocalAddr().(*net.TCPAddr).AddrPort()
	if !strings.HasPrefix(line, "PROXY TCP4 127.0.0.1 "+addrs[0].String()+" ") || h.Src.Port() != local.Port() || int(h.Dst.Port()) != int(lbPort) {
		t.Errorf("PROXY line = %q, want client %s → %s:%d", line, local, addrs[0], lbPort)
	}
	reply := make([]byte, 6)
	if _, err := io.ReadFull(conn, reply); err != nil || string(reply) != "hello\n" {
		t.Errorf("echo = %q, %v", reply, err)
	}
}
