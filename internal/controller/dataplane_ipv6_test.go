package controller_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/miekg/dns"

	"github.com/elbd/elbd/internal/elbdtest"
	"github.com/elbd/elbd/internal/proxyproto"
)

// dpNetnsEnv names the network namespace the test binary was re-run in.
const dpNetnsEnv = "ELBD_DATAPLANE_TEST_NETNS"

// dpPool6 is the IPv6 address pool inside the namespace; an AnyIP route
// ("local fd00:e1b::/64 dev lo") makes every address in it bindable.
const dpPool6 = "fd00:e1b::/64"

// TestDataplaneIPv6 runs elbd with --address-pool6 in a network namespace
// it creates (and deletes): IPv6 node addresses under ipv6. and dualstack.
// names, HTTP and TCP (with a PROXY TCP6 line) listeners on them. It
// needs root and iproute2 and is skipped, saying why, without them. The
// test re-runs its own binary inside the namespace with `ip netns exec`,
// since a Go process cannot move all its threads into a namespace.
func TestDataplaneIPv6(t *testing.T) {
	if os.Getenv(dpNetnsEnv) != "" {
		dataplaneIPv6InNamespace(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping the IPv6 data-plane test: it creates a network namespace with an AnyIP route, which needs root")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("skipping the IPv6 data-plane test: the ip command (iproute2) is not installed")
	}
	ns := fmt.Sprintf("elbdtest-dp6-%d", os.Getpid())
	run := func(args ...string) error {
		out, err := exec.Command(ip, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
		return nil
	}
	if err := run("netns", "add", ns); err != nil {
		t.Skipf("skipping the IPv6 data-plane test: cannot create a network namespace: %v", err)
	}
	t.Cleanup(func() {
		if err := run("netns", "del", ns); err != nil {
			t.Errorf("deleting namespace %s: %v", ns, err)
		}
	})
	for _, args := range [][]string{
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", ns, "-6", "route", "add", "local", dpPool6, "dev", "lo"},
	} {
		if err := run(args...); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ip, "netns", "exec", ns, exe,
		"-test.run=^TestDataplaneIPv6$", "-test.count=1", "-test.v", "-test.timeout=100s")
	cmd.Env = append(os.Environ(), dpNetnsEnv+"="+ns)
	out, err := cmd.CombinedOutput()
	// Keep the test's own lines, not elbd's debug log (-test.v turns it on).
	var kept []string
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, "level=") && strings.TrimSpace(line) != "" {
			kept = append(kept, line)
		}
	}
	t.Logf("in namespace %s:\n%s", ns, strings.Join(kept, "\n"))
	if err != nil {
		t.Fatalf("the test failed inside the namespace: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestDataplaneIPv6") {
		t.Fatal("the test did not pass inside the namespace (skipped?)")
	}
}

func dataplaneIPv6InNamespace(t *testing.T) {
	h := dpStart(t, "address_pool6: "+dpPool6+"\n")
	pool6 := netip.MustParsePrefix(dpPool6)
	port := dpCommonPort(t, "127.0.1.3")
	be := dpHTTPBackend(t, "c", at127(3, port))
	// A TCP instance that sends back the PROXY line it receives.
	tport := dpCommonPort(t, "127.0.1.3")
	pln, err := net.Listen("tcp", at127(3, tport))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pln.Close() })
	go func() {
		for {
			c, err := pln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(dpWait))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Write([]byte(line))
			c.Close()
		}
	}()

	ports := newPortSeq()
	lp, lt := ports.take(), ports.take()
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("six"),
		Listeners:         []types.Listener{dpListener("HTTP", lp, port), dpListener("TCP", lt, tport)},
		AvailabilityZones: []string{"us-east-1c"},
	})
	_, err = h.c.CreateLoadBalancerPolicy(h.ctx, &elbsdk.CreateLoadBalancerPolicyInput{LoadBalancerName: aws.String("six"),
		PolicyName: aws.String("pp"), PolicyTypeName: aws.String("ProxyProtocolPolicyType"),
		PolicyAttributes: []types.PolicyAttribute{{AttributeName: aws.String("ProxyProtocol"), AttributeValue: aws.String("true")}}})
	h.must(err)
	_, err = h.c.SetLoadBalancerPoliciesForBackendServer(h.ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
		LoadBalancerName: aws.String("six"), InstancePort: aws.Int32(tport), PolicyNames: []string{"pp"}})
	h.must(err)
	h.register("six", elbdtest.InstanceC)
	h.applied()
	lb := h.lb("six")
	v4, v6 := lb.V4[0], lb.V6[0]
	if !v6.Is6() || !pool6.Contains(v6) {
		t.Fatalf("node IPv6 address %v, want one from %s", v6, pool6)
	}

	// DNS: A only on the name, AAAA only on ipv6., both on dualstack.
	answers := func(name string, qtype uint16) []netip.Addr {
		return dpAddrs(dpQuery(t, h.dns, "udp", name, qtype))
	}
	cases := []struct {
		name  string
		qtype uint16
		want  []netip.Addr
	}{
		{lb.DNSName, dns.TypeA, []netip.Addr{v4}},
		{lb.DNSName, dns.TypeAAAA, nil},
		{"ipv6." + lb.DNSName, dns.TypeAAAA, []netip.Addr{v6}},
		{"ipv6." + lb.DNSName, dns.TypeA, nil},
		{"dualstack." + lb.DNSName, dns.TypeA, []netip.Addr{v4}},
		{"dualstack." + lb.DNSName, dns.TypeAAAA, []netip.Addr{v6}},
		{"dualstack." + lb.DNSName, dns.TypeANY, dpSorted(v4, v6)},
	}
	var last string
	// Eventually: a listener probe that times out on a loaded machine
	// withdraws an address until the next one.
	dpEventually(t, "A on the name, AAAA on ipv6., both on dualstack.", func() bool {
		mismatch := ""
		for _, c := range cases {
			if got := answers(c.name, c.qtype); !slices.Equal(got, c.want) {
				mismatch += fmt.Sprintf("; %s %s = %v, want %v", dns.TypeToString[c.qtype], c.name, got, c.want)
			}
		}
		if mismatch != "" && mismatch != last {
			t.Logf("not yet%s", mismatch)
		}
		last = mismatch
		return mismatch == ""
	})
	if m := dpQuery(t, h.dns, "tcp", "ipv6."+lb.DNSName, dns.TypeAAAA); len(m.Answer) != 1 || m.Answer[0].Header().Ttl != 60 || !m.Authoritative {
		t.Errorf("AAAA over TCP: %v (AA %v), want one record with TTL 60", m.Answer, m.Authoritative)
	}

	// HTTP over IPv6: X-Forwarded-For carries the IPv6 client, and an
	// HTTP/1.0 request gets the bracketed listener address as Host.
	r := dpDial(t, at(v6, lp))
	client := r.c.LocalAddr().(*net.TCPAddr).AddrPort().Addr()
	if resp, body, err := r.do("GET /six HTTP/1.1\r\nHost: six.example\r\n\r\n"); err != nil || resp.StatusCode != 200 || body != "c" {
		t.Fatalf("GET over IPv6 = %v %q, %v", resp, body, err)
	}
	seen := be.last.Load()
	if got := seen.Header.Get("X-Forwarded-For"); got != client.String() {
		t.Errorf("X-Forwarded-For = %q, want %s", got, client)
	}
	if got := seen.Header.Get("X-Forwarded-Port"); got != fmt.Sprint(lp) {
		t.Errorf("X-Forwarded-Port = %q, want %d", got, lp)
	}
	r10 := dpDial(t, at(v6, lp))
	if resp, _, err := r10.do("GET /ten HTTP/1.0\r\n\r\n"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTP/1.0 GET over IPv6 = %v, %v", resp, err)
	}
	if got, want := be.last.Load().Host, "["+v6.String()+"]"; got != want {
		t.Errorf("Host added to an HTTP/1.0 request = %q, want %q", got, want)
	}
	// The IPv4 node serves too.
	if code, body, err := dpGet(fmt.Sprintf("http://%s/", at(v4, lp))); err != nil || code != 200 || body != "c" {
		t.Errorf("GET over IPv4 = %d %q, %v", code, body, err)
	}

	// TCP over IPv6 with the PROXY protocol: a TCP6 line.
	c, err := net.DialTimeout("tcp", at(v6, lt), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(dpWait))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no PROXY line back: %v", err)
	}
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	want := fmt.Sprintf("PROXY TCP6 %s %s %d %d\r\n", local.Addr(), v6, local.Port(), lt)
	if line != want {
		t.Errorf("PROXY line = %q, want %q", line, want)
	}
	if _, err := proxyproto.ParseV1([]byte(line)); err != nil {
		t.Errorf("PROXY line %q does not parse: %v", line, err)
	}
}
