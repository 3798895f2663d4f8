package controller_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestDataplaneReconfigurationUnderLoad runs a bounded client load against
// load balancer 1 (keep-alive HTTP and short TCP connections) while the
// state changes around it: load balancer 2 gains and loses listeners and
// instances and has its idle timeout and desync mode modified, a third
// load balancer is created and deleted, and load balancer 1 itself gains
// and loses an unrelated listener. No request on load balancer 1's
// listeners may fail, and load balancer 2's changes must take effect.
func TestDataplaneReconfigurationUnderLoad(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.1.1", "127.0.1.2")
	beA := dpHTTPBackend(t, "a", at127(1, port))
	dpHTTPBackend(t, "b", at127(2, port))
	tport := dpCommonPort(t, "127.0.1.1")
	dpTCPBackend(t, "a", at127(1, tport))

	ports := newPortSeq()
	p1h, p1t, p1x := ports.take(), ports.take(), ports.take() // LB 1: HTTP, TCP, churned
	p2a, p2b, p2c := ports.take(), ports.take(), ports.take() // LB 2: initial, churned, final
	p3 := ports.take()                                        // LB 3

	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("steady"),
		Listeners:         []types.Listener{dpListener("HTTP", p1h, port), dpListener("TCP", p1t, tport)},
		AvailabilityZones: []string{"us-east-1a"},
	})
	h.register("steady", elbdtest.InstanceA)
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("churn"),
		Listeners:         []types.Listener{dpListener("HTTP", p2a, port)},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	})
	h.register("churn", elbdtest.InstanceA, elbdtest.InstanceB)
	h.applied()
	steady, churn := h.lb("steady"), h.lb("churn")
	s1 := steady.node(t, "us-east-1a")
	c2a, c2b := churn.node(t, "us-east-1a"), churn.node(t, "us-east-1b")
	if code, body, err := dpGet(fmt.Sprintf("http://%s/", at(s1, p1h))); err != nil || code != 200 || body != "a" {
		t.Fatalf("load balancer 1 before the load: %d %q, %v", code, body, err)
	}

	// The load: bounded counts, each operation bounded by deadlines.
	const (
		httpWorkers, httpRequests = 8, 300
		tcpWorkers, tcpTrips      = 4, 100
	)
	var (
		failures atomic.Int64
		errMu    sync.Mutex
		firstErr []string
	)
	fail := func(format string, args ...any) {
		failures.Add(1)
		errMu.Lock()
		if len(firstErr) < 10 {
			firstErr = append(firstErr, fmt.Sprintf(format, args...))
		}
		errMu.Unlock()
	}
	var clients sync.WaitGroup
	hitsBefore := beA.hits.Load()
	start := time.Now()
	for w := range httpWorkers {
		clients.Add(1)
		go func() {
			defer clients.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: dpWait}
			for i := range httpRequests {
				resp, err := c.Get(fmt.Sprintf("http://%s/w%d/%d", at(s1, p1h), w, i))
				if err != nil {
					fail("HTTP worker %d request %d: %v", w, i, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || string(body) != "a" {
					fail("HTTP worker %d request %d: %d %q, %v", w, i, resp.StatusCode, body, err)
				}
			}
		}()
	}
	for w := range tcpWorkers {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for i := range tcpTrips {
				if err := tcpRoundTrip(at(s1, p1t), fmt.Sprintf("ping %d %d\n", w, i)); err != nil {
					fail("TCP worker %d trip %d: %v", w, i, err)
				}
			}
		}()
	}
	loadDone := make(chan struct{})
	go func() { clients.Wait(); close(loadDone) }()

	// The changes, in rounds until the load is done (at least two rounds,
	// at most 200). Only this goroutine calls the API meanwhile.
	modes := []string{"strictest", "monitor", "defensive"}
	var apiErr error
	var lastLB3 string
	rounds := 0
	step := func(what string, err error) bool {
		if err != nil && apiErr == nil {
			apiErr = fmt.Errorf("round %d, %s: %w", rounds, what, err)
		}
		return err == nil
	}
	c, ctx := h.c, h.ctx
	loadFinished := func() bool {
		select {
		case <-loadDone:
			return true
		default:
			return false
		}
	}
	for ; rounds < 200 && (rounds < 2 || !loadFinished()); rounds++ {
		_, err := c.CreateLoadBalancerListeners(ctx, &elbsdk.CreateLoadBalancerListenersInput{
			LoadBalancerName: aws.String("churn"), Listeners: []types.Listener{dpListener("HTTP", p2b, port)}})
		step("add LB 2 listener", err)
		if rounds%2 == 0 {
			_, err = c.DeregisterInstancesFromLoadBalancer(ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{
				LoadBalancerName: aws.String("churn"), Instances: dpInstances(elbdtest.InstanceB)})
		} else {
			_, err = c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
				LoadBalancerName: aws.String("churn"), Instances: dpInstances(elbdtest.InstanceB)})
		}
		step("toggle LB 2 instance", err)
		attrs := dpIdle(int32(5 + rounds%10))
		attrs.AdditionalAttributes = dpDesync(modes[rounds%len(modes)]).AdditionalAttributes
		_, err = c.ModifyLoadBalancerAttributes(ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
			LoadBalancerName: aws.String("churn"), LoadBalancerAttributes: attrs})
		step("modify LB 2 attributes", err)
		out, err := c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
			LoadBalancerName:  aws.String("transient"),
			Listeners:         []types.Listener{dpListener("HTTP", p3, port)},
			AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
		})
		if step("create LB 3", err) {
			lastLB3 = aws.ToString(out.DNSName)
		}
		_, err = c.CreateLoadBalancerListeners(ctx, &elbsdk.CreateLoadBalancerListenersInput{
			LoadBalancerName: aws.String("steady"), Listeners: []types.Listener{dpListener("TCP", p1x, tport)}})
		step("add LB 1 listener", err)
		_, err = c.DeleteLoadBalancer(ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String("transient")})
		step("delete LB 3", err)
		_, err = c.DeleteLoadBalancerListeners(ctx, &elbsdk.DeleteLoadBalancerListenersInput{
			LoadBalancerName: aws.String("steady"), LoadBalancerPorts: []int32{p1x}})
		step("remove LB 1 listener", err)
		_, err = c.DeleteLoadBalancerListeners(ctx, &elbsdk.DeleteLoadBalancerListenersInput{
			LoadBalancerName: aws.String("churn"), LoadBalancerPorts: []int32{p2b}})
		step("remove LB 2 listener", err)
		if apiErr != nil {
			break
		}
	}
	select {
	case <-loadDone:
	case <-time.After(2 * time.Minute):
		t.Fatal("client load did not finish within 2 minutes")
	}
	elapsed := time.Since(start)
	if apiErr != nil {
		t.Fatal(apiErr)
	}
	total := httpWorkers*httpRequests + tcpWorkers*tcpTrips
	t.Logf("%d requests (%d keep-alive HTTP, %d TCP connections) in %v during %d rounds of 8 changes (revision %d); %d failed",
		total, httpWorkers*httpRequests, tcpWorkers*tcpTrips, elapsed.Round(time.Millisecond), rounds,
		h.env.Server.Service.Snapshot().Revision, failures.Load())
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d requests to load balancer 1 failed; first: %s", n, strings.Join(firstErr, "; "))
	}
	if got := beA.hits.Load() - hitsBefore; got < httpWorkers*httpRequests {
		t.Errorf("the instance saw %d of %d HTTP requests", got, httpWorkers*httpRequests)
	}

	// Load balancer 2's changes took effect. The last round removed p2b
	// and left the mode and idle timeout of that round; now add p2c,
	// remove the original p2a, register B again and choose strictest.
	h.addListeners("churn", dpListener("HTTP", p2c, port))
	h.deleteListeners("churn", p2a)
	h.register("churn", elbdtest.InstanceB)
	h.attrs("churn", dpDesync("strictest"))
	h.applied()
	for zone, want := range map[string]string{"a": at(c2a, p2c), "b": at(c2b, p2c)} {
		if code, body, err := dpGet("http://" + want + "/"); err != nil || code != 200 || body != zone {
			t.Errorf("new listener of load balancer 2 in zone %s: %d %q, %v; want 200 %q", zone, code, body, err, zone)
		}
	}
	for _, gone := range []string{at(c2a, p2a), at(c2b, p2a), at(c2a, p2b), at(s1, p1x)} {
		if c, err := net.DialTimeout("tcp", gone, 2*time.Second); err == nil {
			c.Close()
			t.Errorf("removed listener %s still accepts", gone)
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("removed listener %s: %v; want connection refused", gone, err)
		}
	}
	r := dpDial(t, at(c2a, p2c))
	if resp, _, err := r.do("GET /bare-lf HTTP/1.1\nHost: x\n\n"); err != nil || resp.StatusCode != 400 {
		t.Errorf("strictest on load balancer 2: %v, %v; want 400 for a bare-LF head", resp, err)
	}
	if lastLB3 != "" {
		if m := dpQuery(t, h.dns, "udp", lastLB3, dns.TypeA); m.Rcode != dns.RcodeNameError {
			t.Errorf("deleted load balancer 3's name %s: rcode %s, want NXDOMAIN", lastLB3, dns.RcodeToString[m.Rcode])
		}
	}
	// Load balancer 1 still serves on both listeners.
	if err := tcpRoundTrip(at(s1, p1t), "after\n"); err != nil {
		t.Errorf("load balancer 1 TCP after the changes: %v", err)
	}
}

// tcpRoundTrip connects to a dpTCPBackend through addr, checks its hello,
// sends msg and reads the echo.
func tcpRoundTrip(addr, msg string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(dpWait))
	br := bufio.NewReader(c)
	if hello, err := br.ReadString('\n'); err != nil || hello != "a\n" {
		return fmt.Errorf("hello %q, %v", hello, err)
	}
	if _, err := io.WriteString(c, msg); err != nil {
		return err
	}
	echo, err := br.ReadString('\n')
	if err != nil || echo != msg {
		return fmt.Errorf("echo %q, %v", echo, err)
	}
	return nil
}
