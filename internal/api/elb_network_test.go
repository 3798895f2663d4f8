package api_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"

	"github.com/elbd/elbd/internal/elbdtest"
)

func TestELBAvailabilityZones(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("zones", []string{usEast1b})
	enable := func(zs ...string) ([]string, error) {
		out, err := f.elb.EnableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{
			LoadBalancerName: aws.String("zones"), AvailabilityZones: zs})
		if err != nil {
			return nil, err
		}
		return out.AvailabilityZones, nil
	}
	disable := func(zs ...string) ([]string, error) {
		out, err := f.elb.DisableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{
			LoadBalancerName: aws.String("zones"), AvailabilityZones: zs})
		if err != nil {
			return nil, err
		}
		return out.AvailabilityZones, nil
	}
	steps := []struct {
		name string
		do   func() ([]string, error)
		want []string
	}{
		{"enable returns the full sorted list", func() ([]string, error) { return enable(usEast1c, usEast1a) }, []string{usEast1a, usEast1b, usEast1c}},
		{"enable an enabled zone", func() ([]string, error) { return enable(usEast1a) }, []string{usEast1a, usEast1b, usEast1c}},
		{"disable", func() ([]string, error) { return disable(usEast1b) }, []string{usEast1a, usEast1c}},
		{"disable a disabled zone", func() ([]string, error) { return disable(usEast1b) }, []string{usEast1a, usEast1c}},
		{"disable all but one", func() ([]string, error) { return disable(usEast1a, usEast1b) }, []string{usEast1c}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			got, err := s.do()
			elbOK(t, s.name, err)
			elbCheckStrings(t, "AvailabilityZones", got, s.want)
			elbCheckStrings(t, "DescribeLoadBalancers().AvailabilityZones", f.describe("zones").AvailabilityZones, s.want)
		})
	}
	f.createVPC("zones-vpc", []string{elbdtest.SubnetA})
	for _, tc := range []struct {
		name string
		op   string
		err  error
		code string
	}{
		{"disable the last zone", "DisableAvailabilityZonesForLoadBalancer", func() error { _, err := disable(usEast1c); return err }(), "InvalidConfigurationRequest"},
		{"unknown zone", "EnableAvailabilityZonesForLoadBalancer", func() error { _, err := enable("us-west-2a"); return err }(), "ValidationError"},
		{"enable on a VPC load balancer", "EnableAvailabilityZonesForLoadBalancer", func() error {
			_, err := f.elb.EnableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{
				LoadBalancerName: aws.String("zones-vpc"), AvailabilityZones: []string{usEast1b}})
			return err
		}(), "InvalidConfigurationRequest"},
		{"disable on a VPC load balancer", "DisableAvailabilityZonesForLoadBalancer", func() error {
			_, err := f.elb.DisableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{
				LoadBalancerName: aws.String("zones-vpc"), AvailabilityZones: []string{usEast1a}})
			return err
		}(), "InvalidConfigurationRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantELBErr(t, tc.op, tc.err, tc.code) })
	}
	elbCheckStrings(t, "AvailabilityZones after errors", f.describe("zones").AvailabilityZones, []string{usEast1c})
}

func TestELBSubnets(t *testing.T) {
	f := startELB(t, "")
	f.createVPC("net", []string{elbdtest.SubnetA})
	attach := func(ids ...string) ([]string, error) {
		out, err := f.elb.AttachLoadBalancerToSubnets(f.ctx, &elbsdk.AttachLoadBalancerToSubnetsInput{
			LoadBalancerName: aws.String("net"), Subnets: ids})
		if err != nil {
			return nil, err
		}
		return out.Subnets, nil
	}
	detach := func(ids ...string) ([]string, error) {
		out, err := f.elb.DetachLoadBalancerFromSubnets(f.ctx, &elbsdk.DetachLoadBalancerFromSubnetsInput{
			LoadBalancerName: aws.String("net"), Subnets: ids})
		if err != nil {
			return nil, err
		}
		return out.Subnets, nil
	}
	a, a2, b, c := elbdtest.SubnetA, elbdtest.SubnetA2, elbdtest.SubnetB, elbdtest.SubnetC
	steps := []struct {
		name      string
		do        func() ([]string, error)
		want      []string
		wantZones []string
	}{
		{"attach", func() ([]string, error) { return attach(c, b) }, []string{a, c, b}, []string{usEast1a, usEast1b, usEast1c}},
		{"attach an attached subnet", func() ([]string, error) { return attach(b) }, []string{a, c, b}, []string{usEast1a, usEast1b, usEast1c}},
		{"detach", func() ([]string, error) { return detach(a) }, []string{c, b}, []string{usEast1b, usEast1c}},
		{"detach an unattached subnet", func() ([]string, error) { return detach(a) }, []string{c, b}, []string{usEast1b, usEast1c}},
		{"second subnet of zone a, now free", func() ([]string, error) { return attach(a2) }, []string{c, b, a2}, []string{usEast1a, usEast1b, usEast1c}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			got, err := s.do()
			elbOK(t, s.name, err)
			elbCheckStrings(t, "Subnets", got, s.want)
			d := f.describe("net")
			elbCheckStrings(t, "DescribeLoadBalancers().Subnets", d.Subnets, s.want)
			elbCheckStrings(t, "DescribeLoadBalancers().AvailabilityZones", d.AvailabilityZones, s.wantZones)
			elbCheckString(t, "VPCId", d.VPCId, elbdtest.VPC)
		})
	}
	f.createClassic("net-classic", []string{usEast1a})
	for _, tc := range []struct {
		name string
		op   string
		err  error
		code string
	}{
		{"two subnets in one zone", "AttachLoadBalancerToSubnets", func() error { _, err := attach(a); return err }(), "InvalidConfigurationRequest"},
		{"other VPC", "AttachLoadBalancerToSubnets", func() error { _, err := attach(elbdtest.SubnetOther); return err }(), "InvalidConfigurationRequest"},
		{"unknown subnet", "AttachLoadBalancerToSubnets", func() error { _, err := attach("subnet-0nope0001"); return err }(), "SubnetNotFound"},
		{"private subnet for internet-facing", "AttachLoadBalancerToSubnets", func() error {
			if _, err := detach(b); err != nil {
				return err
			}
			_, err := attach(elbdtest.SubnetPrivate)
			return err
		}(), "InvalidSubnet"},
		{"detach all", "DetachLoadBalancerFromSubnets", func() error { _, err := detach(a2, c); return err }(), "InvalidConfigurationRequest"},
		{"attach on EC2-Classic style", "AttachLoadBalancerToSubnets", func() error {
			_, err := f.elb.AttachLoadBalancerToSubnets(f.ctx, &elbsdk.AttachLoadBalancerToSubnetsInput{
				LoadBalancerName: aws.String("net-classic"), Subnets: []string{b}})
			return err
		}(), "InvalidConfigurationRequest"},
		{"detach on EC2-Classic style", "DetachLoadBalancerFromSubnets", func() error {
			_, err := f.elb.DetachLoadBalancerFromSubnets(f.ctx, &elbsdk.DetachLoadBalancerFromSubnetsInput{
				LoadBalancerName: aws.String("net-classic"), Subnets: []string{b}})
			return err
		}(), "InvalidConfigurationRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantELBErr(t, tc.op, tc.err, tc.code) })
	}
	elbCheckStrings(t, "Subnets after errors", f.describe("net").Subnets, []string{c, a2})
}

func TestELBSecurityGroups(t *testing.T) {
	f := startELB(t, "")
	f.createVPC("sg", []string{elbdtest.SubnetA})
	apply := func(lb string, ids ...string) ([]string, error) {
		out, err := f.elb.ApplySecurityGroupsToLoadBalancer(f.ctx, &elbsdk.ApplySecurityGroupsToLoadBalancerInput{
			LoadBalancerName: aws.String(lb), SecurityGroups: ids})
		if err != nil {
			return nil, err
		}
		return out.SecurityGroups, nil
	}
	elbCheckStrings(t, "initial SecurityGroups", f.describe("sg").SecurityGroups, []string{elbdtest.GroupDefault})
	for _, s := range []struct {
		name     string
		ids      []string
		want     []string
		wantName string
	}{
		{"replace", []string{elbdtest.GroupWeb, elbdtest.GroupDefault}, []string{elbdtest.GroupWeb, elbdtest.GroupDefault}, "web"},
		{"duplicates collapse", []string{elbdtest.GroupDefault, elbdtest.GroupDefault}, []string{elbdtest.GroupDefault}, "default"},
	} {
		t.Run(s.name, func(t *testing.T) {
			got, err := apply("sg", s.ids...)
			elbOK(t, "ApplySecurityGroupsToLoadBalancer", err)
			elbCheckStrings(t, "SecurityGroups", got, s.want)
			d := f.describe("sg")
			elbCheckStrings(t, "DescribeLoadBalancers().SecurityGroups", d.SecurityGroups, s.want)
			if d.SourceSecurityGroup == nil {
				t.Fatalf("SourceSecurityGroup = nil")
			}
			elbCheckString(t, "SourceSecurityGroup.OwnerAlias", d.SourceSecurityGroup.OwnerAlias, elbdtest.AdminAccount)
			elbCheckString(t, "SourceSecurityGroup.GroupName", d.SourceSecurityGroup.GroupName, s.wantName)
		})
	}
	f.createClassic("sg-classic", []string{usEast1a})
	for _, tc := range []struct {
		name string
		lb   string
		ids  []string
		code string
	}{
		{"unknown group", "sg", []string{"sg-0nope000001"}, "InvalidSecurityGroup"},
		{"group of another VPC", "sg", []string{elbdtest.GroupWeb, elbdtest.GroupOther}, "InvalidSecurityGroup"},
		{"empty list", "sg", []string{}, "ValidationError"},
		{"EC2-Classic style", "sg-classic", []string{elbdtest.GroupWeb}, "InvalidConfigurationRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := apply(tc.lb, tc.ids...)
			wantELBErr(t, "ApplySecurityGroupsToLoadBalancer", err, tc.code)
		})
	}
	elbCheckStrings(t, "SecurityGroups after errors", f.describe("sg").SecurityGroups, []string{elbdtest.GroupDefault})
}
