package controller_test

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestDataplaneTCPSemantics: a TCP listener through a real elbd rotates
// round robin over the instances of the node's zone, keeps rotating across
// reconfiguration, spreads over every enabled zone with cross-zone load
// balancing and only over its own zone without, passes half-closes through
// and closes idle connections after the ConnectionSettings idle timeout.
func TestDataplaneTCPSemantics(t *testing.T) {
	h := dpStart(t, "")
	// Two instances in zone a (the declared one and an IP literal outside
	// every subnet, which lands in the first zone) and one in zone b.
	const literal = "127.0.1.7"
	port := dpCommonPort(t, "127.0.1.1", literal, "127.0.1.2")
	dpTCPBackend(t, "a", at127(1, port))
	dpTCPBackend(t, "lit", at127(7, port))
	dpTCPBackend(t, "b", at127(2, port))
	ports := newPortSeq()
	lbPort := ports.take()
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("tcp-rr"),
		Listeners:         []types.Listener{dpListener("TCP", lbPort, port)},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	})
	h.register("tcp-rr", elbdtest.InstanceA, literal, elbdtest.InstanceB)
	h.applied()
	lb := h.lb("tcp-rr")
	zoneA, zoneB := at(lb.node(t, "us-east-1a"), lbPort), at(lb.node(t, "us-east-1b"), lbPort)

	count := func(addr string, n int, between func()) map[string]int {
		t.Helper()
		got := map[string]int{}
		for i := range n {
			if i > 0 && between != nil {
				between()
			}
			id, err := dpTCPHello(addr)
			if err != nil {
				t.Fatalf("connection %d to %s: %v", i, addr, err)
			}
			got[id]++
		}
		return got
	}
	want := func(what string, got, want map[string]int) {
		t.Helper()
		if !maps.Equal(got, want) {
			t.Errorf("%s: connections per instance = %v, want %v", what, got, want)
		}
	}

	t.Run("RoundRobinInZone", func(t *testing.T) {
		want("zone a, 4 connections", count(zoneA, 4, nil), map[string]int{"a": 2, "lit": 2})
		want("zone b, 3 connections", count(zoneB, 3, nil), map[string]int{"b": 3})
	})

	t.Run("RoundRobinAcrossReconfiguration", func(t *testing.T) {
		// Every change to the state (here a tag on the load balancer, which
		// changes nothing it serves) and every 2 s retry tick re-applies
		// the whole config; the rotation must carry on, or a client that
		// connects less often than that always lands on the same instance.
		n := 0
		between := func() {
			n++
			_, err := h.c.AddTags(h.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"tcp-rr"},
				Tags: []types.Tag{{Key: aws.String("round"), Value: aws.String(fmt.Sprint(n))}}})
			h.must(err)
			h.applied()
		}
		want("zone a, 4 connections with a re-apply before each", count(zoneA, 4, between), map[string]int{"a": 2, "lit": 2})
	})

	t.Run("CrossZone", func(t *testing.T) {
		h.attrs("tcp-rr", dpCrossZone(true))
		h.applied()
		all := map[string]int{"a": 2, "lit": 2, "b": 2}
		want("cross-zone on, zone b, 6 connections", count(zoneB, 6, nil), all)
		want("cross-zone on, zone a, 6 connections", count(zoneA, 6, nil), all)
		h.attrs("tcp-rr", dpCrossZone(false))
		h.applied()
		want("cross-zone off again, zone b, 3 connections", count(zoneB, 3, nil), map[string]int{"b": 3})
		want("cross-zone off again, zone a, 4 connections", count(zoneA, 4, nil), map[string]int{"a": 2, "lit": 2})
	})

	t.Run("HalfClose", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", zoneB, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(dpWait))
		io.WriteString(c, "last words")
		// The back end sees EOF only if elbd passes the FIN on; it then
		// finishes echoing and closes, which elbd passes back.
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "b\nlast words" {
			t.Errorf("after half-close read %q, %v; want %q then EOF", got, err, "b\nlast words")
		}
	})

	t.Run("IdleTimeout", func(t *testing.T) {
		h.attrs("tcp-rr", dpIdle(1))
		h.applied()
		c, err := net.DialTimeout("tcp", zoneB, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		br := bufio.NewReader(c)
		c.SetDeadline(time.Now().Add(dpWait))
		if line, err := br.ReadString('\n'); err != nil || line != "b\n" {
			t.Fatalf("hello = %q, %v", line, err)
		}
		r := &dpRaw{c: c, br: br}
		closed, took, err := r.closedWithin(dpWait)
		if !closed {
			t.Fatalf("idle TCP connection not closed within %v: %v", dpWait, err)
		}
		// Closing early would be a bug whatever the load; closing late is
		// only bounded by dpWait.
		if took < 900*time.Millisecond {
			t.Errorf("idle connection closed after %v, before the 1 s idle timeout", took)
		}
		t.Logf("idle TCP connection closed %v after its last byte (idle timeout 1 s)", took)
	})
}

// at127 formats 127.0.1.host:port, the topology's instance addresses.
func at127(host int, port int32) string {
	return fmt.Sprintf("127.0.1.%d:%d", host, port)
}
