package api_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// The exact descriptions of DescribeInstanceHealth (API model text).
const (
	elbDescRegistering   = "Instance registration is still in progress."
	elbDescStopped       = "Instance is in stopped state."
	elbDescZoneDisabled  = "Instance is in the EC2 Availability Zone for which LoadBalancer is not configured to route traffic to."
	elbDescNotRegistered = "Instance is not currently registered with the LoadBalancer."
)

func elbStateStrings(ss []types.InstanceState) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = aws.ToString(s.InstanceId) + " " + aws.ToString(s.State) + " " + aws.ToString(s.ReasonCode) + " " + aws.ToString(s.Description)
	}
	return out
}

func TestELBRegisterDeregisterInstances(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("pool", []string{usEast1a, usEast1b})
	register := func(ids ...string) ([]string, error) {
		out, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
			LoadBalancerName: aws.String("pool"), Instances: elbInstances(ids...)})
		if err != nil {
			return nil, err
		}
		return elbInstanceIDs(out.Instances), nil
	}
	deregister := func(ids ...string) ([]string, error) {
		out, err := f.elb.DeregisterInstancesFromLoadBalancer(f.ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{
			LoadBalancerName: aws.String("pool"), Instances: elbInstances(ids...)})
		if err != nil {
			return nil, err
		}
		return elbInstanceIDs(out.Instances), nil
	}
	a, b, c := elbdtest.InstanceA, elbdtest.InstanceB, elbdtest.InstanceC
	steps := []struct {
		name string
		do   func() ([]string, error)
		want []string
	}{
		{"register two", func() ([]string, error) { return register(a, b) }, []string{a, b}},
		{"register returns the full list", func() ([]string, error) { return register(c, a) }, []string{a, b, c}},
		{"IP literal instance", func() ([]string, error) { return register("127.0.0.1", "::1") }, []string{a, b, c, "127.0.0.1", "::1"}},
		{"stopped instance may be registered", func() ([]string, error) { return register(elbdtest.InstanceStopped) }, []string{a, b, c, "127.0.0.1", "::1", elbdtest.InstanceStopped}},
		{"deregister returns the rest", func() ([]string, error) { return deregister(b, "::1") }, []string{a, c, "127.0.0.1", elbdtest.InstanceStopped}},
		{"deregister known but unregistered is fine", func() ([]string, error) { return deregister(b) }, []string{a, c, "127.0.0.1", elbdtest.InstanceStopped}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			got, err := s.do()
			elbOK(t, s.name, err)
			elbCheckStrings(t, "Instances", got, s.want)
			elbCheckStrings(t, "DescribeLoadBalancers().Instances", elbInstanceIDs(f.describe("pool").Instances), s.want)
		})
	}
	for _, tc := range []struct {
		name string
		op   string
		do   func() ([]string, error)
	}{
		{"register unknown", "RegisterInstancesWithLoadBalancer", func() ([]string, error) { return register("i-0123456789abcdef0") }},
		{"register terminated", "RegisterInstancesWithLoadBalancer", func() ([]string, error) { return register(elbdtest.InstanceGone) }},
		{"register other account's", "RegisterInstancesWithLoadBalancer", func() ([]string, error) { return register(elbdtest.InstanceOther) }},
		{"register one good one bad", "RegisterInstancesWithLoadBalancer", func() ([]string, error) { return register(b, "i-0123456789abcdef0") }},
		{"register not an IP", "RegisterInstancesWithLoadBalancer", func() ([]string, error) { return register("127.0.0.300") }},
		{"deregister unknown", "DeregisterInstancesFromLoadBalancer", func() ([]string, error) { return deregister("i-0123456789abcdef0") }},
		{"deregister other account's", "DeregisterInstancesFromLoadBalancer", func() ([]string, error) { return deregister(elbdtest.InstanceOther) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.do()
			wantELBErr(t, tc.op, err, "InvalidInstance")
		})
	}
	// Failed calls are atomic.
	elbCheckStrings(t, "Instances after errors", elbInstanceIDs(f.describe("pool").Instances), []string{a, c, "127.0.0.1", elbdtest.InstanceStopped})

	// The other account can use its own instance.
	other := f.client(elbdtest.Other)
	_, err := other.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("pool"),
		AvailabilityZones: []string{usEast1a}, Listeners: []types.Listener{elbListener("HTTP", 80, "HTTP", 80)}})
	elbOK(t, "CreateLoadBalancer as other account", err)
	out, err := other.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("pool"), Instances: elbInstances(elbdtest.InstanceOther, elbdtest.InstanceA)})
	elbOK(t, "RegisterInstancesWithLoadBalancer as other account", err)
	elbCheckStrings(t, "other account's Instances", elbInstanceIDs(out.Instances), []string{elbdtest.InstanceOther, elbdtest.InstanceA})
}

func TestELBDescribeInstanceHealth(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("health", []string{usEast1a, usEast1b})
	_, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("health"),
		Instances:        elbInstances(elbdtest.InstanceA, elbdtest.InstanceStopped, elbdtest.InstanceC, "127.0.0.1")})
	elbOK(t, "RegisterInstancesWithLoadBalancer", err)
	health := func(ids ...string) ([]string, error) {
		out, err := f.elb.DescribeInstanceHealth(f.ctx, &elbsdk.DescribeInstanceHealthInput{
			LoadBalancerName: aws.String("health"), Instances: elbInstances(ids...)})
		if err != nil {
			return nil, err
		}
		return elbStateStrings(out.InstanceStates), nil
	}
	a := elbdtest.InstanceA + " OutOfService ELB " + elbDescRegistering
	stopped := elbdtest.InstanceStopped + " OutOfService Instance " + elbDescStopped
	cOff := elbdtest.InstanceC + " OutOfService ELB " + elbDescZoneDisabled
	ip := "127.0.0.1 OutOfService ELB " + elbDescRegistering // not in any declared subnet: first zone, a

	t.Run("all registered", func(t *testing.T) {
		got, err := health()
		elbOK(t, "DescribeInstanceHealth", err)
		elbCheckStrings(t, "InstanceStates", got, []string{a, stopped, cOff, ip})
	})
	t.Run("explicit, including unregistered", func(t *testing.T) {
		got, err := health(elbdtest.InstanceB, elbdtest.InstanceC)
		elbOK(t, "DescribeInstanceHealth", err)
		elbCheckStrings(t, "InstanceStates", got, []string{elbdtest.InstanceB + " OutOfService ELB " + elbDescNotRegistered, cOff})
	})
	t.Run("unknown instance", func(t *testing.T) {
		_, err := health(elbdtest.InstanceA, "i-0123456789abcdef0")
		wantELBErr(t, "DescribeInstanceHealth", err, "InvalidInstance")
	})
	t.Run("other account's instance", func(t *testing.T) {
		_, err := health(elbdtest.InstanceOther)
		wantELBErr(t, "DescribeInstanceHealth", err, "InvalidInstance")
	})
	t.Run("zone enabled", func(t *testing.T) {
		_, err := f.elb.EnableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{
			LoadBalancerName: aws.String("health"), AvailabilityZones: []string{usEast1c}})
		elbOK(t, "EnableAvailabilityZonesForLoadBalancer", err)
		got, err := health(elbdtest.InstanceC)
		elbOK(t, "DescribeInstanceHealth", err)
		elbCheckStrings(t, "InstanceStates", got, []string{elbdtest.InstanceC + " OutOfService ELB " + elbDescRegistering})
	})
	t.Run("IP literals take the zone of their subnet", func(t *testing.T) {
		_, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
			LoadBalancerName: aws.String("health"), Instances: elbInstances("10.0.2.5", "10.1.3.7", "fd00:1::5")})
		elbOK(t, "RegisterInstancesWithLoadBalancer", err)
		// Zones a and b were enabled at first; c since the step before.
		_, err = f.elb.DisableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{
			LoadBalancerName: aws.String("health"), AvailabilityZones: []string{usEast1c}})
		elbOK(t, "DisableAvailabilityZonesForLoadBalancer", err)
		got, err := health("10.0.2.5", "10.1.3.7", "fd00:1::5")
		elbOK(t, "DescribeInstanceHealth", err)
		elbCheckStrings(t, "InstanceStates", got, []string{
			"10.0.2.5 OutOfService ELB " + elbDescRegistering,  // subnet B, zone b
			"10.1.3.7 OutOfService ELB " + elbDescZoneDisabled, // other VPC's subnet, zone c
			"fd00:1::5 OutOfService ELB " + elbDescRegistering, // subnet A's IPv6 range, zone a
		})
	})
	t.Run("deregistered, asked explicitly", func(t *testing.T) {
		_, err := f.elb.DeregisterInstancesFromLoadBalancer(f.ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{
			LoadBalancerName: aws.String("health"), Instances: elbInstances(elbdtest.InstanceA)})
		elbOK(t, "DeregisterInstancesFromLoadBalancer", err)
		got, err := health(elbdtest.InstanceA)
		elbOK(t, "DescribeInstanceHealth", err)
		elbCheckStrings(t, "InstanceStates", got, []string{elbdtest.InstanceA + " OutOfService ELB " + elbDescNotRegistered})
		got, err = health()
		elbOK(t, "DescribeInstanceHealth", err)
		if len(got) != 6 {
			t.Errorf("DescribeInstanceHealth() = %q, want the 6 still registered", got)
		}
	})
}
