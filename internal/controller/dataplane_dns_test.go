package controller_test

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/miekg/dns"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestDataplaneDNS checks elbd's DNS answers with a real DNS client over
// UDP and TCP: A records for the name, the ipv6. and dualstack. names
// (without an IPv6 pool: no AAAA anywhere), TTL 60 and AA, SOA and NS at
// the zone apex, NXDOMAIN for unknown names, REFUSED outside the zone,
// internal-scheme names of VPC load balancers, and NXDOMAIN for every
// name of a deleted load balancer.
func TestDataplaneDNS(t *testing.T) {
	h := dpStart(t, "")
	ports := newPortSeq()
	lp := ports.take()
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("pub"),
		Listeners:         []types.Listener{dpListener("HTTP", lp, 8080)},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	})
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("priv"),
		Listeners:        []types.Listener{dpListener("TCP", lp, 8080)},
		Subnets:          []string{elbdtest.SubnetA, elbdtest.SubnetB},
		Scheme:           aws.String("internal"),
	})
	h.applied()
	pub, priv := h.lb("pub"), h.lb("priv")
	zone := "elb.test."

	// A answer for name with the nodes of pub, over both transports.
	for _, network := range []string{"udp", "tcp"} {
		var r *dns.Msg
		dpEventually(t, "both A records of pub over "+network, func() bool {
			r = dpQuery(t, h.dns, network, pub.DNSName, dns.TypeA)
			return slices.Equal(dpAddrs(r), dpSorted(pub.V4...))
		})
		if !r.Authoritative || r.Rcode != dns.RcodeSuccess {
			t.Errorf("%s A %s: AA %v rcode %s", network, pub.DNSName, r.Authoritative, dns.RcodeToString[r.Rcode])
		}
		for _, rr := range r.Answer {
			if rr.Header().Ttl != 60 {
				t.Errorf("%s: TTL %d, want 60", rr, rr.Header().Ttl)
			}
		}
	}
	// Case does not matter, and the answer spells the owner as asked.
	if r := dpQuery(t, h.dns, "udp", strings.ToUpper(pub.DNSName), dns.TypeA); len(r.Answer) != 2 ||
		r.Answer[0].Header().Name != dns.Fqdn(strings.ToUpper(pub.DNSName)) {
		t.Errorf("upper-case query: %v", r.Answer)
	}

	nodata := func(name string, qtype uint16) {
		t.Helper()
		r := dpQuery(t, h.dns, "udp", name, qtype)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || !hasSOA(r.Ns) {
			t.Errorf("%s %s: rcode %s, %d answers, authority %v; want NOERROR/NODATA with the SOA",
				dns.TypeToString[qtype], name, dns.RcodeToString[r.Rcode], len(r.Answer), r.Ns)
		}
	}
	nxdomain := func(name string) {
		t.Helper()
		r := dpQuery(t, h.dns, "udp", name, dns.TypeA)
		if r.Rcode != dns.RcodeNameError || !r.Authoritative || !hasSOA(r.Ns) {
			t.Errorf("A %s: rcode %s AA %v authority %v; want authoritative NXDOMAIN with the SOA",
				name, dns.RcodeToString[r.Rcode], r.Authoritative, r.Ns)
		}
	}

	// Without --address-pool6 there are no IPv6 addresses: the ipv6.
	// name exists without data, dualstack. answers A like the name.
	nodata(pub.DNSName, dns.TypeAAAA)
	nodata("ipv6."+pub.DNSName, dns.TypeAAAA)
	nodata("dualstack."+pub.DNSName, dns.TypeAAAA)
	dpEventually(t, "dualstack. A records", func() bool {
		return slices.Equal(dpAddrs(dpQuery(t, h.dns, "udp", "dualstack."+pub.DNSName, dns.TypeA)), dpSorted(pub.V4...))
	})

	// The zone apex: SOA and NS, authoritative.
	if r := dpQuery(t, h.dns, "udp", zone, dns.TypeSOA); r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 1 || !hasSOA(r.Answer) {
		t.Errorf("SOA %s: rcode %s AA %v answer %v", zone, dns.RcodeToString[r.Rcode], r.Authoritative, r.Answer)
	} else if soa := r.Answer[0].(*dns.SOA); soa.Hdr.Name != zone {
		t.Errorf("SOA owner %q, want %q", soa.Hdr.Name, zone)
	}
	if r := dpQuery(t, h.dns, "tcp", zone, dns.TypeNS); r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) == 0 {
		t.Errorf("NS %s: rcode %s AA %v answer %v", zone, dns.RcodeToString[r.Rcode], r.Authoritative, r.Answer)
	} else {
		for _, rr := range r.Answer {
			if _, ok := rr.(*dns.NS); !ok {
				t.Errorf("NS answer holds %v", rr)
			}
		}
	}

	// Unknown names in the zone: NXDOMAIN; outside it: REFUSED.
	nxdomain("nope-1234567890.us-east-1.elb.test")
	nxdomain("ipv6.nope-1234567890.us-east-1.elb.test")
	if r := dpQuery(t, h.dns, "udp", "www.example.com", dns.TypeA); r.Rcode != dns.RcodeRefused {
		t.Errorf("A www.example.com: rcode %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}

	// The internal scheme: internal-<name>-<digits>.<region>.<domain>,
	// answered like any other name.
	if !strings.HasPrefix(priv.DNSName, "internal-priv-") || !strings.HasSuffix(priv.DNSName, ".us-east-1.elb.test") {
		t.Errorf("internal load balancer DNS name %q", priv.DNSName)
	}
	dpEventually(t, "A records of the internal load balancer", func() bool {
		return slices.Equal(dpAddrs(dpQuery(t, h.dns, "udp", priv.DNSName, dns.TypeA)), dpSorted(priv.V4...))
	})

	// Deleting a load balancer removes all three of its names at once.
	_, err := h.c.DeleteLoadBalancer(h.ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String("pub")})
	h.must(err)
	h.applied()
	for _, n := range []string{pub.DNSName, "ipv6." + pub.DNSName, "dualstack." + pub.DNSName} {
		nxdomain(n)
	}
	dpEventually(t, "priv still answering after pub's deletion", func() bool {
		return slices.Equal(dpAddrs(dpQuery(t, h.dns, "udp", priv.DNSName, dns.TypeA)), dpSorted(priv.V4...))
	})
}

func hasSOA(rrs []dns.RR) bool {
	return slices.ContainsFunc(rrs, func(rr dns.RR) bool { _, ok := rr.(*dns.SOA); return ok })
}

// TestDataplaneDNSWithdrawsUnboundListener: a listener whose port another
// process holds on one node address does not bind there; that node's
// address is left out of DNS (the other node's stays), the other process
// keeps its port, and the API is unaffected. Once the port is freed the
// controller's retry (every 2 s) binds it and the address comes back.
func TestDataplaneDNSWithdrawsUnboundListener(t *testing.T) {
	h := dpStart(t, "")
	// A fresh elbd hands out the lowest free addresses of its pool, in
	// zone order: .1 for zone a, .2 for zone b.
	pool := netip.MustParsePrefix(elbdtest.AddressPool)
	wantA := pool.Addr().Next()
	wantB := wantA.Next()
	ports := newPortSeq()
	lp := ports.take()
	port := dpCommonPort(t, "127.0.1.1", "127.0.1.2")
	dpTCPBackend(t, "a", at127(1, port))
	dpTCPBackend(t, "b", at127(2, port))

	// Another process's socket on zone b's address and the listener port.
	squat, err := net.Listen("tcp", at(wantB, lp))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := squat.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "squatter")
			c.Close()
		}
	}()
	freed := false
	t.Cleanup(func() {
		if !freed {
			squat.Close()
		}
		wg.Wait()
	})

	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("taken"),
		Listeners:         []types.Listener{dpListener("TCP", lp, port)},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	})
	h.register("taken", elbdtest.InstanceA, elbdtest.InstanceB)
	h.applied()
	lb := h.lb("taken")
	if lb.node(t, "us-east-1a") != wantA || lb.node(t, "us-east-1b") != wantB {
		t.Fatalf("nodes %v in zones %v; the test assumes a fresh elbd allocates %s and %s", lb.V4, lb.Zones, wantA, wantB)
	}

	// Only zone a's address is published, for every name.
	dpEventually(t, "only zone a's address in DNS", func() bool {
		return slices.Equal(dpAddrs(dpQuery(t, h.dns, "udp", lb.DNSName, dns.TypeA)), []netip.Addr{wantA})
	})
	if got := dpAddrs(dpQuery(t, h.dns, "udp", "dualstack."+lb.DNSName, dns.TypeA)); !slices.Equal(got, []netip.Addr{wantA}) {
		t.Errorf("dualstack. A = %v, want [%s]", got, wantA)
	}
	// Zone a serves; the other process keeps zone b's port.
	if id, err := dpTCPHello(at(wantA, lp)); err != nil || id != "a" {
		t.Errorf("through zone a: %q, %v", id, err)
	}
	if id, err := dpTCPHello(at(wantB, lp)); err != nil || id != "squatter" {
		t.Errorf("zone b's port answered %q, %v; want the other process", id, err)
	}
	// The API does not care.
	out, err := h.c.DescribeLoadBalancers(h.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"taken"}})
	h.must(err)
	if len(out.LoadBalancerDescriptions) != 1 || len(out.LoadBalancerDescriptions[0].ListenerDescriptions) != 1 {
		t.Errorf("DescribeLoadBalancers = %+v", out.LoadBalancerDescriptions)
	}

	// Free the port: the next retry binds it and publishes the address.
	freed = true
	squat.Close()
	wg.Wait()
	start := time.Now()
	dpEventually(t, "zone b's address back in DNS after the port was freed", func() bool {
		return slices.Equal(dpAddrs(dpQuery(t, h.dns, "udp", lb.DNSName, dns.TypeA)), []netip.Addr{wantA, wantB})
	})
	t.Logf("zone b's address published %v after the port was freed (retry interval 2 s)", time.Since(start))
	c, err := net.DialTimeout("tcp", at(wantB, lp), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(dpWait))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "b\n" {
		t.Errorf("through zone b after the retry: %q, %v", line, err)
	}
}
