package controller_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestScenarioZones checks how zones shape traffic and health: without
// cross-zone each zone's address serves only its zone's instances, with
// it every enabled zone's; disabling a zone drains its instances
// ("Disable Availability Zone is currently in progress.") and then
// reports them as outside the enabled zones; enabling it brings them
// back; detaching and attaching subnets does the same for a VPC load
// balancer.
func TestScenarioZones(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.1.1", "127.0.1.2")
	scHTTPBackend(t, "a", at127(1, port))
	b := scHTTPBackend(t, "b", at127x(1, 2, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("zones"),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, AvailabilityZones: []string{"us-east-1a", "us-east-1b"}})
	h.scHealth("zones", fmt.Sprintf("HTTP:%d/health", port))
	h.register("zones", elbdtest.InstanceA, elbdtest.InstanceB)
	h.waitHealth("zones", elbdtest.InstanceA, hInService, dpWait)
	h.waitHealth("zones", elbdtest.InstanceB, hInService, dpWait)
	h.applied()
	lb := h.lb("zones")
	nodeA, nodeB := at(lb.node(t, "us-east-1a"), lp), at(lb.node(t, "us-east-1b"), lp)
	c := scClient()

	if d := distribution(t, c, url(nodeA, "/"), 20); d["a"] != 20 {
		t.Errorf("zone a's address without cross-zone: %v, want all on a", d)
	}
	if d := distribution(t, c, url(nodeB, "/"), 20); d["b"] != 20 {
		t.Errorf("zone b's address without cross-zone: %v, want all on b", d)
	}
	h.attrs("zones", dpCrossZone(true))
	h.applied()
	if d := distribution(t, c, url(nodeA, "/"), 60); d["a"] < 10 || d["b"] < 10 {
		t.Errorf("zone a's address with cross-zone: %v, want both instances used", d)
	}
	h.attrs("zones", dpCrossZone(false))
	h.applied()
	if d := distribution(t, c, url(nodeA, "/"), 20); d["a"] != 20 {
		t.Errorf("cross-zone off again: %v, want all on a", d)
	}

	// Disable zone b with a request in flight to b: b drains.
	h.attrs("zones", dpDraining(true, 60))
	done := slowRequest(nodeB)
	if waitSlow(t, b) != b {
		t.Fatal("slow request not on b")
	}
	_, err := h.c.DisableAvailabilityZonesForLoadBalancer(h.ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{
		LoadBalancerName: aws.String("zones"), AvailabilityZones: []string{"us-east-1b"}})
	h.must(err)
	if got := h.health("zones", elbdtest.InstanceB); got != hDisablingZone {
		t.Errorf("during the zone's drain: %q, want %q", got, hDisablingZone)
	}
	h.applied()
	if _, err := net.DialTimeout("tcp", nodeB, time.Second); err == nil {
		t.Error("zone b's address still accepts connections")
	}
	b.releaseSlow()
	if got := <-done; got != "200 b" {
		t.Errorf("request in flight when the zone was disabled: %q, want 200 b", got)
	}
	h.waitHealth("zones", elbdtest.InstanceB, hZoneOff, dpWait)
	if got := h.health("zones", elbdtest.InstanceA); got != hInService {
		t.Errorf("instance a: %q", got)
	}

	// Enabled again: b is checked anew and serves.
	_, err = h.c.EnableAvailabilityZonesForLoadBalancer(h.ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{
		LoadBalancerName: aws.String("zones"), AvailabilityZones: []string{"us-east-1b"}})
	h.must(err)
	h.waitHealth("zones", elbdtest.InstanceB, hInService, dpWait)
	h.applied()
	nodeB = at(h.lb("zones").node(t, "us-east-1b"), lp)
	if d := distribution(t, c, url(nodeB, "/"), 10); d["b"] != 10 {
		t.Errorf("zone b enabled again: %v, want all on b", d)
	}
}

// TestScenarioSubnets checks that detaching a VPC load balancer's subnet
// takes the zone's instances out of service and attaching it back
// returns them.
func TestScenarioSubnets(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.1.1", "127.0.1.2")
	scHTTPBackend(t, "a", at127(1, port))
	scHTTPBackend(t, "b", at127x(1, 2, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("subnets"),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, Subnets: []string{"subnet-0a000001", "subnet-0b000001"}})
	h.scHealth("subnets", fmt.Sprintf("TCP:%d", port))
	h.register("subnets", elbdtest.InstanceA, elbdtest.InstanceB)
	h.waitHealth("subnets", elbdtest.InstanceB, hInService, dpWait)
	_, err := h.c.DetachLoadBalancerFromSubnets(h.ctx, &elbsdk.DetachLoadBalancerFromSubnetsInput{
		LoadBalancerName: aws.String("subnets"), Subnets: []string{"subnet-0b000001"}})
	h.must(err)
	if got := h.health("subnets", elbdtest.InstanceB); got != hZoneOff {
		t.Errorf("after detaching its subnet: %q, want %q", got, hZoneOff)
	}
	_, err = h.c.AttachLoadBalancerToSubnets(h.ctx, &elbsdk.AttachLoadBalancerToSubnetsInput{
		LoadBalancerName: aws.String("subnets"), Subnets: []string{"subnet-0b000001"}})
	h.must(err)
	h.waitHealth("subnets", elbdtest.InstanceB, hInService, dpWait)
	// Its zone has an address again. (Traffic through it is refused by
	// the VPC's default security group, which opens no port.)
	h.applied()
	if lb := h.lb("subnets"); len(lb.Zones) != 2 {
		t.Errorf("zones with an address after attaching: %v", lb.Zones)
	}
}
