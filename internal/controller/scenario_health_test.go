package controller_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestScenarioHealthTransitions drives one instance through every state
// of the active health check with an HTTP target and checks
// DescribeInstanceHealth's exact strings at each step, and that traffic
// follows: a failed instance gets no requests while a healthy one is
// there, and gets them again once it is back.
func TestScenarioHealthTransitions(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.3.1", "127.0.3.2")
	a := scHTTPBackend(t, "a", at127x(3, 1, port))
	b := scHTTPBackend(t, "b", at127x(3, 2, port))
	a.healthStatus.Store(500)
	b.healthStatus.Store(500)
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("health"),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, AvailabilityZones: []string{"us-east-1a"}})
	h.scHealth("health", "HTTP:"+fmt.Sprint(port)+"/health")
	h.register("health", "127.0.3.1", "127.0.3.2")

	// Just registered, failing: registration in progress until
	// UnhealthyThreshold checks have failed, then failed.
	if got := h.health("health", "127.0.3.1"); got != hRegistering {
		t.Errorf("just registered: %q, want %q", got, hRegistering)
	}
	h.waitHealth("health", "127.0.3.1", hFailed, dpWait)

	// A first pass puts a never-healthy instance InService at once.
	a.healthStatus.Store(200)
	h.waitHealth("health", "127.0.3.1", hInService, dpWait)
	h.applied()
	node := h.lb("health").node(t, "us-east-1a")
	c := scClient()
	if d := distribution(t, c, url(at(node, lp), "/"), 20); d["a"] != 20 {
		t.Errorf("with only a healthy: %v, want all 20 on a", d)
	}

	// Anything but 200 fails: after UnhealthyThreshold failures a is
	// out; b comes in.
	b.healthStatus.Store(200)
	h.waitHealth("health", "127.0.3.2", hInService, dpWait)
	a.healthStatus.Store(302)
	h.waitHealth("health", "127.0.3.1", hFailed, dpWait)
	if d := distribution(t, c, url(at(node, lp), "/"), 20); d["b"] != 20 {
		t.Errorf("with a failed: %v, want all 20 on b", d)
	}

	// Recovery takes HealthyThreshold passes: the first pass reports
	// "not yet", the second InService.
	a.healthStatus.Store(200)
	h.waitHealth("health", "127.0.3.1", hRecovering, dpWait)
	h.waitHealth("health", "127.0.3.1", hInService, dpWait)
	if d := distribution(t, c, url(at(node, lp), "/"), 40); d["a"] == 0 || d["b"] == 0 {
		t.Errorf("both healthy: %v, want both used", d)
	}

	// A dead instance fails its TCP connect like a 500.
	a.kill()
	h.waitHealth("health", "127.0.3.1", hFailed, dpWait)

	// States decided by registration, zones and the inventory.
	h.register("health", elbdtest.InstanceB, elbdtest.InstanceStopped)
	if got := h.health("health", elbdtest.InstanceB); got != hZoneOff {
		t.Errorf("instance in a zone not enabled: %q, want %q", got, hZoneOff)
	}
	if got := h.health("health", elbdtest.InstanceStopped); got != hStopped {
		t.Errorf("stopped instance: %q, want %q", got, hStopped)
	}
	if got := h.health("health", elbdtest.InstanceA); got != hNotRegistered {
		t.Errorf("instance never registered: %q, want %q", got, hNotRegistered)
	}
}

// TestScenarioHealthTargets checks each target protocol against a live
// and a dead port: TCP passes on connect, HTTP only on 200.
func TestScenarioHealthTargets(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.3.3")
	dead := dpCommonPort(t, "127.0.3.3")
	for dead == port {
		dead = dpCommonPort(t, "127.0.3.3")
	}
	scHTTPBackend(t, "c", at127x(3, 3, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("targets"),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, AvailabilityZones: []string{"us-east-1a"}})
	h.register("targets", "127.0.3.3")
	for _, tc := range []struct {
		target, want string
	}{
		{"TCP:" + fmt.Sprint(port), hInService},
		{"TCP:" + fmt.Sprint(dead), hFailed},
		{"HTTP:" + fmt.Sprint(port) + "/health", hInService},
		{"HTTP:" + fmt.Sprint(port) + "/missing-is-200-too", hInService},
		{"HTTP:" + fmt.Sprint(dead) + "/health", hFailed},
	} {
		h.scHealth("targets", tc.target)
		h.waitHealth("targets", "127.0.3.3", tc.want, dpWait)
	}
}
