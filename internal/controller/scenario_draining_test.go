package controller_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// dpDraining sets the ConnectionDraining attribute.
func dpDraining(on bool, timeout int32) *types.LoadBalancerAttributes {
	return &types.LoadBalancerAttributes{ConnectionDraining: &types.ConnectionDraining{Enabled: on, Timeout: aws.Int32(timeout)}}
}

// drainSetup makes an HTTP load balancer over two healthy instances in
// one zone and returns the listener's address.
func drainSetup(t *testing.T, h *dpHarness, name string) (a, b *scBackend, addr string) {
	t.Helper()
	port := dpCommonPort(t, "127.0.4.1", "127.0.4.2")
	a = scHTTPBackend(t, "a", at127x(4, 1, port))
	b = scHTTPBackend(t, "b", at127x(4, 2, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String(name),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, AvailabilityZones: []string{"us-east-1a"}})
	h.scHealth(name, fmt.Sprintf("HTTP:%d/health", port))
	h.register(name, "127.0.4.1", "127.0.4.2")
	h.waitHealth(name, "127.0.4.1", hInService, dpWait)
	h.waitHealth(name, "127.0.4.2", hInService, dpWait)
	h.applied()
	return a, b, at(h.lb(name).node(t, "us-east-1a"), lp)
}

// slowRequest sends GET /slow on its own connection and reports the
// outcome on the returned channel: the status line's code and the body,
// or the error.
func slowRequest(addr string) <-chan string {
	out := make(chan string, 1)
	go func() {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			out <- "dial: " + err.Error()
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		b, err := io.ReadAll(bufio.NewReader(c))
		s := string(b)
		if i := strings.Index(s, "\r\n\r\n"); i >= 0 && strings.HasPrefix(s, "HTTP/1.1 ") {
			out <- s[9:12] + " " + s[i+4:]
			return
		}
		out <- fmt.Sprintf("no response (%q, %v)", s, err)
	}()
	return out
}

// waitSlow waits until one of the back ends has received a /slow request
// and returns it.
func waitSlow(t *testing.T, bs ...*scBackend) *scBackend {
	t.Helper()
	deadline := time.Now().Add(dpWait)
	for i := 0; i < 10000 && time.Now().Before(deadline); i++ {
		for _, b := range bs {
			if b.slowIn.Load() > 0 {
				return b
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no back end received the slow request")
	return nil
}

// TestScenarioDraining deregisters an instance with a request in flight:
// the request completes, new requests go to the other instance, and
// DescribeInstanceHealth reports the drain and then the deregistration.
func TestScenarioDraining(t *testing.T) {
	h := dpStart(t, "")
	a, b, addr := drainSetup(t, h, "drain")
	h.attrs("drain", dpDraining(true, 60))

	done := slowRequest(addr)
	busy := waitSlow(t, a, b)
	other, busyIP := b, "127.0.4.1"
	if busy == b {
		other, busyIP = a, "127.0.4.2"
	}
	h.deregister("drain", busyIP)
	if got := h.health("drain", busyIP); got != hDeregistering {
		t.Errorf("during the drain: %q, want %q", got, hDeregistering)
	}
	if all := h.healthAll("drain"); all[busyIP] != hDeregistering || len(all) != 2 {
		t.Errorf("all instances during the drain: %v", all)
	}
	h.applied()
	c := scClient()
	if d := distribution(t, c, url(addr, "/"), 20); d[other.id] != 20 {
		t.Errorf("new requests during the drain: %v, want all 20 on %s", d, other.id)
	}
	busy.releaseSlow()
	select {
	case got := <-done:
		if got != "200 "+busy.id {
			t.Errorf("in-flight request: %q, want 200 %s", got, busy.id)
		}
	case <-time.After(dpWait):
		t.Fatal("in-flight request did not complete")
	}
	// Nothing is in flight any more: the drain ends before its timeout.
	h.waitHealth("drain", busyIP, hNotRegistered, dpWait)
	if all := h.healthAll("drain"); len(all) != 1 {
		t.Errorf("after the drain DescribeInstanceHealth lists %v", all)
	}
}

// TestScenarioDrainingTimeout checks that a request still in flight when
// the draining timeout ends is cut, and the instance is then reported as
// not registered.
func TestScenarioDrainingTimeout(t *testing.T) {
	h := dpStart(t, "")
	a, b, addr := drainSetup(t, h, "drain-to")
	h.attrs("drain-to", dpDraining(true, 1))
	done := slowRequest(addr)
	busy := waitSlow(t, a, b)
	ip := "127.0.4.1"
	if busy == b {
		ip = "127.0.4.2"
	}
	start := time.Now()
	h.deregister("drain-to", ip)
	select {
	case got := <-done:
		if strings.HasPrefix(got, "200 ") {
			t.Errorf("request past the draining timeout completed: %q", got)
		}
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Errorf("request cut after %v, before the 1 s timeout", d)
		}
	case <-time.After(dpWait):
		t.Fatal("request in flight past the draining timeout was not cut")
	}
	h.waitHealth("drain-to", ip, hNotRegistered, dpWait)
}

// TestScenarioNoDraining checks that without connection draining a
// deregistration cuts the instance's requests at once.
func TestScenarioNoDraining(t *testing.T) {
	h := dpStart(t, "")
	a, b, addr := drainSetup(t, h, "nodrain")
	done := slowRequest(addr)
	busy := waitSlow(t, a, b)
	ip := "127.0.4.1"
	if busy == b {
		ip = "127.0.4.2"
	}
	h.deregister("nodrain", ip)
	if got := h.health("nodrain", ip); got != hNotRegistered {
		t.Errorf("after deregistration: %q, want %q", got, hNotRegistered)
	}
	select {
	case got := <-done:
		if strings.HasPrefix(got, "200 ") {
			t.Errorf("request to a deregistered instance completed: %q", got)
		}
	case <-time.After(dpWait):
		t.Fatal("request to a deregistered instance without draining was not cut")
	}
}

// TestScenarioDrainingTCP checks draining on a TCP listener: an open
// connection keeps working during the drain and is closed at its end.
func TestScenarioDrainingTCP(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.4.3")
	dpTCPBackend(t, "t", at127x(4, 3, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("drain-tcp"),
		Listeners: []types.Listener{dpListener("TCP", lp, port)}, AvailabilityZones: []string{"us-east-1a"}})
	h.scHealth("drain-tcp", fmt.Sprintf("TCP:%d", port))
	h.attrs("drain-tcp", dpDraining(true, 2))
	h.register("drain-tcp", "127.0.4.3")
	h.waitHealth("drain-tcp", "127.0.4.3", hInService, dpWait)
	h.applied()
	c, err := net.DialTimeout("tcp", at(h.lb("drain-tcp").node(t, "us-east-1a"), lp), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(dpWait))
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || line != "t\n" {
		t.Fatalf("hello = %q, %v", line, err)
	}
	start := time.Now()
	h.deregister("drain-tcp", "127.0.4.3")
	if got := h.health("drain-tcp", "127.0.4.3"); got != hDeregistering {
		t.Errorf("during the drain: %q, want %q", got, hDeregistering)
	}
	// The connection still echoes during the drain.
	io.WriteString(c, "ping\n")
	if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("echo during the drain = %q, %v", line, err)
	}
	// And is closed when the 2 s drain ends.
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("connection still open after the drain")
	}
	if d := time.Since(start); d < 1500*time.Millisecond || d > 8*time.Second {
		t.Errorf("connection closed %v after deregistration, want about 2 s", d)
	}
	h.waitHealth("drain-tcp", "127.0.4.3", hNotRegistered, dpWait)
}
