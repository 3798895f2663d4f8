package controller_test

import (
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestDataplaneChangeLatency: once the controller reports the revision of
// an acknowledged change as applied, the change serves: a new listener
// accepts and proxies, a registered instance takes requests. The time
// from the API's 200 to serving (the target is 100 ms) is logged,
// not asserted: wall time on a loaded machine says nothing reliable.
func TestDataplaneChangeLatency(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.1.1")
	dpHTTPBackend(t, "a", at127(1, port))
	ports := newPortSeq()
	base := ports.take()
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("fast"),
		Listeners:         []types.Listener{dpListener("HTTP", base, port)},
		AvailabilityZones: []string{"us-east-1a"},
	})
	h.register("fast", elbdtest.InstanceA)
	h.applied()
	node := h.lb("fast").node(t, "us-east-1a")

	// waitServing waits for the revision acknowledged at ack and returns
	// how long after ack the controller applied it.
	waitServing := func(ack time.Time) time.Duration {
		t.Helper()
		rev := h.env.Server.Service.Snapshot().Revision
		if err := dpWaitRevision(h.env, rev, dpWait); err != nil {
			t.Fatal(err)
		}
		return time.Since(ack)
	}

	const rounds = 5
	var applied, serving []time.Duration
	for i := range rounds {
		lp := ports.take()
		_, err := h.c.CreateLoadBalancerListeners(h.ctx, &elbsdk.CreateLoadBalancerListenersInput{
			LoadBalancerName: aws.String("fast"), Listeners: []types.Listener{dpListener("HTTP", lp, port)}})
		ack := time.Now()
		h.must(err)
		ap := waitServing(ack)
		// Applied means bound: the first connection attempt must succeed.
		c, err := net.DialTimeout("tcp", at(node, lp), 2*time.Second)
		if err != nil {
			t.Fatalf("round %d: listener %d not accepting once its revision was applied: %v", i, lp, err)
		}
		accepted := time.Since(ack)
		c.Close()
		if code, body, err := dpGet(fmt.Sprintf("http://%s/", at(node, lp))); err != nil || code != 200 || body != "a" {
			t.Fatalf("round %d: GET through the new listener = %d %q, %v", i, code, body, err)
		}
		applied, serving = append(applied, ap), append(serving, accepted)
	}
	slices.Sort(applied)
	slices.Sort(serving)
	t.Logf("new listener, %d rounds: applied after %v (median) / %v (max), accepting after %v / %v (target 100 ms)",
		rounds, applied[rounds/2], applied[rounds-1], serving[rounds/2], serving[rounds-1])

	// An instance registration serves once applied too: 503 without
	// instances, 200 right after the registration is applied.
	h.deregister("fast", elbdtest.InstanceA)
	h.applied()
	if code, _, err := dpGet(fmt.Sprintf("http://%s/", at(node, base))); err != nil || code != 503 {
		t.Fatalf("without instances: %d, %v; want 503", code, err)
	}
	_, err := h.c.RegisterInstancesWithLoadBalancer(h.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("fast"), Instances: dpInstances(elbdtest.InstanceA)})
	ack := time.Now()
	h.must(err)
	ap := waitServing(ack)
	if code, body, err := dpGet(fmt.Sprintf("http://%s/", at(node, base))); err != nil || code != 200 || body != "a" {
		t.Fatalf("after registration applied: %d %q, %v; want 200", code, body, err)
	}
	t.Logf("registered instance: applied %v after the 200, served %v after it", ap, time.Since(ack))
}
