package dataplane

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"
)

// echoBackend answers each line with "<id>:<line>".
func echoBackend(t *testing.T, id string) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					fmt.Fprintf(c, "%s:%s", id, line)
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func newPlane(t *testing.T, o Options) *Plane {
	t.Helper()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	p := New(o)
	t.Cleanup(p.Close)
	return p
}

func tcpBalancer(key string, node netip.Addr, port int, backend netip.AddrPort) Balancer {
	return Balancer{Key: key, Name: key, Nodes: []Node{{Zone: "z1", IPv4: node}},
		Listeners: []Listener{{Protocol: "TCP", Port: port, InstanceProtocol: "TCP", InstancePort: int(backend.Port())}},
		Instances: []Instance{{ID: "i-1", Zone: "z1", Addr: backend.Addr()}}, IdleTimeout: 5 * time.Second}
}

// roundTrip sends one line through addr and returns the reply.
func roundTrip(addr netip.AddrPort, line string) (string, error) {
	c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestApplyBindsSwapsAndRemoves(t *testing.T) {
	p := newPlane(t, Options{})
	be1, be2 := echoBackend(t, "one"), echoBackend(t, "two")
	node := netip.MustParseAddr("127.0.0.1")
	port := freePort(t)
	addr := netip.AddrPortFrom(node, uint16(port))

	st := p.Apply(&Config{Balancers: []Balancer{tcpBalancer("lb", node, port, be1)}})
	if len(st) != 1 || st[0].Err != nil {
		t.Fatalf("Apply status = %+v", st)
	}
	if got, err := roundTrip(addr, "a"); err != nil || got != "one:a\n" {
		t.Fatalf("through lb = %q, %v", got, err)
	}
	// An established connection survives reconfiguration and the
	// listener's removal while its instance drains.
	held, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	held.SetDeadline(time.Now().Add(5 * time.Second))
	hr := bufio.NewReader(held)
	io.WriteString(held, "x\n")
	if got, _ := hr.ReadString('\n'); got != "one:x\n" {
		t.Fatalf("held conn = %q", got)
	}
	drain := []Drain{{ID: "i-1", Until: time.Now().Add(time.Minute)}}
	// A new route (other backend) takes effect for new connections.
	swapped := tcpBalancer("lb", node, port, be2)
	swapped.Draining = drain
	p.Apply(&Config{Balancers: []Balancer{swapped}})
	if got, err := roundTrip(addr, "b"); err != nil || got != "two:b\n" {
		t.Fatalf("after swap = %q, %v", got, err)
	}
	p.Apply(&Config{Balancers: []Balancer{{Key: "lb", Name: "lb", Draining: drain}}})
	if _, err := roundTrip(addr, "c"); err == nil {
		t.Fatal("removed listener still accepts")
	}
	io.WriteString(held, "y\n")
	if got, err := hr.ReadString('\n'); got != "one:y\n" {
		t.Fatalf("established conn after removal = %q, %v", got, err)
	}
	// Once the balancer is gone, its connections are closed.
	p.Apply(&Config{})
	if got, err := hr.ReadString('\n'); err == nil {
		t.Fatalf("connection of a deleted balancer still open: read %q", got)
	}
}

func TestBindFailureReportedAndRetried(t *testing.T) {
	p := newPlane(t, Options{})
	be := echoBackend(t, "one")
	node := netip.MustParseAddr("127.0.0.1")
	blocker, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := blocker.Addr().(*net.TCPAddr).Port
	cfg := &Config{Balancers: []Balancer{tcpBalancer("lb", node, port, be)}}
	if st := p.Apply(cfg); len(st) != 1 || st[0].Err == nil {
		t.Fatalf("Apply with the port taken = %+v, want a bind error", st)
	}
	blocker.Close()
	if st := p.Apply(cfg); len(st) != 1 || st[0].Err != nil {
		t.Fatalf("Apply after the port is free = %+v", st)
	}
	if got, err := roundTrip(netip.AddrPortFrom(node, uint16(port)), "a"); err != nil || got != "one:a\n" {
		t.Fatalf("through lb = %q, %v", got, err)
	}
}

func TestSecurityGroupsAndProbe(t *testing.T) {
	p := newPlane(t, Options{})
	be := echoBackend(t, "one")
	node := netip.MustParseAddr("127.0.0.1")
	port := freePort(t)
	addr := netip.AddrPortFrom(node, uint16(port))
	b := tcpBalancer("lb", node, port, be)
	b.Firewall = true
	b.Rules = []Rule{{FromPort: port, ToPort: port, Sources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	p.Apply(&Config{Balancers: []Balancer{b}})
	if _, err := roundTrip(addr, "a"); err == nil {
		t.Fatal("connection from a source no rule allows was served")
	}
	// Probes are answered by the plane itself, even when groups would
	// refuse the source, and never reach the instance.
	if err := p.Probe(context.Background(), addr, time.Second); err != nil {
		t.Fatalf("Probe = %v", err)
	}
	b.Rules = append(b.Rules, Rule{FromPort: 0, ToPort: 65535, Sources: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	p.Apply(&Config{Balancers: []Balancer{b}})
	if got, err := roundTrip(addr, "b"); err != nil || got != "one:b\n" {
		t.Fatalf("allowed source = %q, %v", got, err)
	}
	if err := p.Probe(context.Background(), netip.AddrPortFrom(node, uint16(freePort(t))), 500*time.Millisecond); err == nil {
		t.Fatal("Probe of a port nobody listens on succeeded")
	}
}

func TestConnectionCap(t *testing.T) {
	p := newPlane(t, Options{MaxConns: 1})
	be := echoBackend(t, "one")
	node := netip.MustParseAddr("127.0.0.1")
	port := freePort(t)
	addr := netip.AddrPortFrom(node, uint16(port))
	p.Apply(&Config{Balancers: []Balancer{tcpBalancer("lb", node, port, be)}})
	first, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.SetDeadline(time.Now().Add(3 * time.Second))
	io.WriteString(first, "a\n")
	if got, _ := bufio.NewReader(first).ReadString('\n'); got != "one:a\n" {
		t.Fatalf("first conn = %q", got)
	}
	if _, err := roundTrip(addr, "b"); err == nil {
		t.Fatalf("second connection over the cap served: %v", err)
	}
}

func TestAllows(t *testing.T) {
	rules := []Rule{{FromPort: 80, ToPort: 443, Sources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}}
	for _, tc := range []struct {
		port int
		src  string
		want bool
	}{
		{80, "10.1.2.3", true}, {443, "10.1.2.3", true}, {444, "10.1.2.3", false},
		{80, "11.1.2.3", false}, {80, "::ffff:10.1.2.3", true}, {80, "fd00::1", true}, {80, "fe80::1", false},
	} {
		if got := allows(rules, tc.port, netip.MustParseAddr(tc.src)); got != tc.want {
			t.Errorf("allows(%d, %s) = %v, want %v", tc.port, tc.src, got, tc.want)
		}
	}
}
