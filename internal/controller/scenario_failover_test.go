package controller_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestScenarioFailover kills one of two instances under a steady GET load
// from keep-alive clients and checks that no client request fails:
// requests reset or refused by the dead instance are retried on the other
// one, passive health ejects it at its first failure, and active checks
// then mark it failed. It logs the measurement the closing note reports:
// requests sent and failed, and the time from the kill to the last
// request that had to be retried (when the instance stopped costing
// anything).
func TestScenarioFailover(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.6.1", "127.0.6.2")
	a := scHTTPBackend(t, "a", at127x(6, 1, port))
	b := scHTTPBackend(t, "b", at127x(6, 2, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("failover"),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, AvailabilityZones: []string{"us-east-1a"}})
	// ELB's defaults apart from the interval: a dead instance is marked
	// failed only after 2 × 5 s (500 ms here); passive health must act
	// before that.
	h.scHealth("failover", fmt.Sprintf("HTTP:%d/health", port))
	h.register("failover", "127.0.6.1", "127.0.6.2")
	h.waitHealth("failover", "127.0.6.1", hInService, dpWait)
	h.waitHealth("failover", "127.0.6.2", hInService, dpWait)
	h.applied()
	u := url(at(h.lb("failover").node(t, "us-east-1a"), lp), "/")
	metricsURL := "http://" + h.env.Server.MetricsAddr().String() + "/metrics"
	errKey := `elbd_backend_connection_errors_total{account="` + elbdtest.AdminAccount + `",load_balancer="failover",zone="us-east-1a"}`

	const clients = 4
	var sent, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := scClient()
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				st, _, _, err := scGet(c, u, "")
				if err != nil || st != 200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d, %v", st, err))
				}
			}
		}()
	}
	// Let the load run on both, then kill a.
	waitUntil(t, "traffic on both instances", func() bool { return a.hits.Load() > 50 && b.hits.Load() > 50 })
	killed := time.Now()
	a.kill()
	// Watch the connection errors (each one a retried request) until
	// active checks have marked a failed and the load has run on.
	var lastErrAt time.Time
	var errs float64
	deadline := time.Now().Add(dpWait)
	for time.Now().Before(deadline) {
		flat := elbdtest.Scrape(t, metricsURL)
		if v := flat[errKey]; v != errs {
			errs, lastErrAt = v, time.Now()
		}
		if time.Since(killed) > 2*time.Second && h.health("failover", "127.0.6.1") == hFailed {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	bAfter := b.hits.Load()
	waitUntil(t, "load continuing on b", func() bool { return b.hits.Load() > bAfter+100 })
	close(stop)
	wg.Wait()
	if got := h.health("failover", "127.0.6.1"); got != hFailed {
		t.Errorf("killed instance: %q, want %q", got, hFailed)
	}
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed (first: %v)", failed.Load(), sent.Load(), firstErr.Load())
	}
	eject := time.Duration(0)
	if !lastErrAt.IsZero() {
		eject = lastErrAt.Sub(killed)
	}
	t.Logf("failover: %d requests from %d keep-alive clients, %d failed; %v back-end connection errors (retried); last one %v after the kill",
		sent.Load(), clients, failed.Load(), errs, eject.Round(time.Millisecond))
}

// waitUntil polls cond every few milliseconds until it holds, failing the
// test after dpWait.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(dpWait)
	for i := 0; i < 100000 && time.Now().Before(deadline); i++ {
		if cond() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
