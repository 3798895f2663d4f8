package controller_test

// Helpers of the scenario_*_test.go tests: one test per ELB behaviour on
// the data plane (health, failover, draining, stickiness, zones, access
// logs, metrics), each through a real elbd with real back ends on
// loopback. Health checks run 20 times faster than configured
// (elbdtest's health_check_speedup), so a 5 s interval takes 250 ms.

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// scBackend is an HTTP back end whose health answer, slow requests and
// very life the test controls.
type scBackend struct {
	id   string
	addr string
	hits atomic.Int64
	// healthStatus is what GET /health answers.
	healthStatus atomic.Int32
	// proto is the X-Forwarded-Proto of the last request.
	proto atomic.Value
	// slowIn counts /slow requests received; release ends them.
	slowIn  atomic.Int64
	release chan struct{}
	relOnce sync.Once

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	srv   *http.Server
	dead  bool
}

// scHTTPBackend starts a back end named id on addr. Its answers carry its
// id in the body and in an X-Backend header; /health answers
// healthStatus (200 at first); /slow waits for release (or 20 s);
// /setcookie sets the application cookie APPSESSION.
func scHTTPBackend(t testing.TB, id, addr string) *scBackend {
	t.Helper()
	b := &scBackend{id: id, addr: addr, release: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	b.healthStatus.Store(200)
	b.start(t)
	t.Cleanup(func() { b.releaseSlow(); b.kill() })
	return b
}

func (b *scBackend) start(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		t.Fatalf("back end %s on %s: %v", b.id, b.addr, err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(b.serve),
		ConnState: func(c net.Conn, s http.ConnState) {
			b.mu.Lock()
			defer b.mu.Unlock()
			switch s {
			case http.StateNew:
				b.conns[c] = struct{}{}
			case http.StateClosed, http.StateHijacked:
				delete(b.conns, c)
			}
		},
	}
	b.mu.Lock()
	b.ln, b.srv, b.dead = ln, srv, false
	b.mu.Unlock()
	go srv.Serve(ln)
}

func (b *scBackend) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/health" {
		w.WriteHeader(int(b.healthStatus.Load()))
		return
	}
	b.hits.Add(1)
	b.proto.Store(r.Header.Get("X-Forwarded-Proto"))
	w.Header().Set("X-Backend", b.id)
	switch r.URL.Path {
	case "/slow":
		b.slowIn.Add(1)
		select {
		case <-b.release:
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Second):
		}
	case "/setcookie":
		http.SetCookie(w, &http.Cookie{Name: "APPSESSION", Value: "s-" + b.id, Path: "/", MaxAge: 600, HttpOnly: true})
	}
	io.WriteString(w, b.id)
}

func (b *scBackend) releaseSlow() { b.relOnce.Do(func() { close(b.release) }) }

// kill stops the back end the hard way: the listener closes and every
// open connection is reset, as when the process dies.
func (b *scBackend) kill() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead {
		return
	}
	b.dead = true
	b.ln.Close()
	for c := range b.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}

// scHealth configures a fast health check: GET /health on port every 5 s
// (250 ms in tests), thresholds 2 and 2.
func (h *dpHarness) scHealth(name string, target string) {
	h.t.Helper()
	_, err := h.c.ConfigureHealthCheck(h.ctx, &elbsdk.ConfigureHealthCheckInput{
		LoadBalancerName: aws.String(name),
		HealthCheck: &types.HealthCheck{Target: aws.String(target), Interval: aws.Int32(5), Timeout: aws.Int32(2),
			UnhealthyThreshold: aws.Int32(2), HealthyThreshold: aws.Int32(2)},
	})
	h.must(err)
}

// health returns DescribeInstanceHealth's answer for one instance as
// "State/ReasonCode/Description".
func (h *dpHarness) health(name, id string) string {
	h.t.Helper()
	out, err := h.c.DescribeInstanceHealth(h.ctx, &elbsdk.DescribeInstanceHealthInput{
		LoadBalancerName: aws.String(name), Instances: dpInstances(id)})
	h.must(err)
	if len(out.InstanceStates) != 1 {
		h.t.Fatalf("DescribeInstanceHealth(%s) returned %d states", id, len(out.InstanceStates))
	}
	s := out.InstanceStates[0]
	return aws.ToString(s.State) + "/" + aws.ToString(s.ReasonCode) + "/" + aws.ToString(s.Description)
}

// healthAll returns DescribeInstanceHealth's answer for every instance,
// by id.
func (h *dpHarness) healthAll(name string) map[string]string {
	h.t.Helper()
	out, err := h.c.DescribeInstanceHealth(h.ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: aws.String(name)})
	h.must(err)
	m := map[string]string{}
	for _, s := range out.InstanceStates {
		m[aws.ToString(s.InstanceId)] = aws.ToString(s.State) + "/" + aws.ToString(s.ReasonCode) + "/" + aws.ToString(s.Description)
	}
	return m
}

// waitHealth polls DescribeInstanceHealth until id's answer is want, and
// fails the test with the answers seen after limit.
func (h *dpHarness) waitHealth(name, id, want string, limit time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(limit)
	var seen []string
	for i := 0; i < 10000 && time.Now().Before(deadline); i++ {
		got := h.health(name, id)
		if got == want {
			return
		}
		if len(seen) == 0 || seen[len(seen)-1] != got {
			seen = append(seen, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("%s on %s: want %q within %v; saw %q", id, name, want, limit, seen)
}

// Health answers, as health formats them.
const (
	hInService     = "InService/N/A/N/A"
	hRegistering   = "OutOfService/ELB/Instance registration is still in progress."
	hFailed        = "OutOfService/Instance/Instance has failed at least the UnhealthyThreshold number of health checks consecutively."
	hRecovering    = "OutOfService/Instance/Instance has not passed the configured HealthyThreshold number of health checks consecutively."
	hZoneOff       = "OutOfService/ELB/Instance is in the EC2 Availability Zone for which LoadBalancer is not configured to route traffic to."
	hNotRegistered = "OutOfService/ELB/Instance is not currently registered with the LoadBalancer."
	hDeregistering = "InService/ELB/Instance deregistration currently in progress."
	hDisablingZone = "OutOfService/ELB/Disable Availability Zone is currently in progress."
	hStopped       = "OutOfService/Instance/Instance is in stopped state."
)

// scClient is an HTTP client that keeps connections alive and never
// retries; cookies are handled by the tests themselves.
func scClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// scGet sends GET url with the given Cookie header ("" for none) and
// returns the status, the X-Backend header and the response's Set-Cookie
// lines.
func scGet(c *http.Client, url, cookie string) (status int, backend string, setCookies []string, err error) {
	req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	if err != nil {
		return 0, "", nil, err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, "", nil, err
	}
	return resp.StatusCode, resp.Header.Get("X-Backend"), resp.Header.Values("Set-Cookie"), nil
}

// cookieOf returns the NAME=value part of the Set-Cookie line for name.
func cookieOf(setCookies []string, name string) (string, bool) {
	for _, sc := range setCookies {
		nv, _, _ := strings.Cut(sc, ";")
		if strings.HasPrefix(nv, name+"=") {
			return strings.TrimSpace(nv), true
		}
	}
	return "", false
}

// distribution sends n GETs to url and counts them per back end.
func distribution(t testing.TB, c *http.Client, url string, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for range n {
		st, be, _, err := scGet(c, url, "")
		if err != nil || st != 200 {
			t.Fatalf("GET %s = %d, %v", url, st, err)
		}
		out[be]++
	}
	return out
}

func url(addr string, path string) string { return fmt.Sprintf("http://%s%s", addr, path) }

// at127x formats 127.0.x.y:port.
func at127x(x, y int, port int32) string { return fmt.Sprintf("127.0.%d.%d:%d", x, y, port) }

// lastProto returns the X-Forwarded-Proto of the last request b served.
func (b *scBackend) lastProto() string {
	s, _ := b.proto.Load().(string)
	return s
}

func b64(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
