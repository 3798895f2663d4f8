package elb

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
)

// EnableZones adds availability zones to balancer name (not in a VPC)
// and returns all its zones afterwards.
func (d *Driver) EnableZones(ctx context.Context, name string, zones ...string) ([]string, error) {
	const op = "EnableAvailabilityZonesForLoadBalancer"
	if len(zones) == 0 {
		return nil, invalid(op, "no zones given")
	}
	out, err := d.elb.EnableAvailabilityZonesForLoadBalancer(ctx, &elasticloadbalancing.EnableAvailabilityZonesForLoadBalancerInput{
		LoadBalancerName: aws.String(name), AvailabilityZones: zones,
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return nonNil(out.AvailabilityZones), nil
}

// DisableZones removes availability zones from balancer name and
// returns the remaining ones. The last zone cannot be removed.
func (d *Driver) DisableZones(ctx context.Context, name string, zones ...string) ([]string, error) {
	const op = "DisableAvailabilityZonesForLoadBalancer"
	if len(zones) == 0 {
		return nil, invalid(op, "no zones given")
	}
	out, err := d.elb.DisableAvailabilityZonesForLoadBalancer(ctx, &elasticloadbalancing.DisableAvailabilityZonesForLoadBalancerInput{
		LoadBalancerName: aws.String(name), AvailabilityZones: zones,
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return nonNil(out.AvailabilityZones), nil
}

// AttachSubnets adds VPC subnets to balancer name and returns all its
// subnets afterwards. An unknown subnet matches loadbalancer.ErrNotFound.
func (d *Driver) AttachSubnets(ctx context.Context, name string, subnets ...string) ([]string, error) {
	const op = "AttachLoadBalancerToSubnets"
	if len(subnets) == 0 {
		return nil, invalid(op, "no subnets given")
	}
	out, err := d.elb.AttachLoadBalancerToSubnets(ctx, &elasticloadbalancing.AttachLoadBalancerToSubnetsInput{
		LoadBalancerName: aws.String(name), Subnets: subnets,
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return nonNil(out.Subnets), nil
}

// DetachSubnets removes subnets from balancer name and returns the
// remaining ones.
func (d *Driver) DetachSubnets(ctx context.Context, name string, subnets ...string) ([]string, error) {
	const op = "DetachLoadBalancerFromSubnets"
	if len(subnets) == 0 {
		return nil, invalid(op, "no subnets given")
	}
	out, err := d.elb.DetachLoadBalancerFromSubnets(ctx, &elasticloadbalancing.DetachLoadBalancerFromSubnetsInput{
		LoadBalancerName: aws.String(name), Subnets: subnets,
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return nonNil(out.Subnets), nil
}

// ApplySecurityGroups replaces the security groups of VPC balancer name
// and returns them.
func (d *Driver) ApplySecurityGroups(ctx context.Context, name string, groups ...string) ([]string, error) {
	const op = "ApplySecurityGroupsToLoadBalancer"
	if len(groups) == 0 {
		return nil, invalid(op, "no security groups given")
	}
	out, err := d.elb.ApplySecurityGroupsToLoadBalancer(ctx, &elasticloadbalancing.ApplySecurityGroupsToLoadBalancerInput{
		LoadBalancerName: aws.String(name), SecurityGroups: groups,
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return nonNil(out.SecurityGroups), nil
}
