package elb

import (
	"context"
	"slices"

	"github.com/elbd/elbd/internal/model"
)

// checkZones validates zone names and returns them sorted and unique.
func (s *Service) checkZones(zones []string) ([]string, error) {
	out := dedupe(zones)
	for _, z := range out {
		if !s.zones[z] {
			return nil, model.Errorf(model.KindValidation, "Invalid Availability Zone: %s (this elbd serves %v)", z, s.cfg.Zones)
		}
	}
	slices.Sort(out)
	return out, nil
}

// setSubnets validates ids and sets lb's subnets, VPC and zones from them.
func (s *Service) setSubnets(lb *model.LoadBalancer, ids []string) error {
	if len(ids) == 0 {
		return model.Errorf(model.KindInvalidConfiguration, "A load balancer must be attached to at least one subnet.")
	}
	vpc := ""
	seenZone := map[string]bool{}
	zones := []string{}
	for _, id := range ids {
		sn, ok := s.subnets[id]
		if !ok {
			return model.Errorf(model.KindSubnetNotFound, "One or more of the specified subnets do not exist: %s", id)
		}
		if vpc != "" && sn.VPC != vpc {
			return model.Errorf(model.KindInvalidConfiguration, "All subnets must be in the same VPC (%s is in %s, not %s).", id, sn.VPC, vpc)
		}
		vpc = sn.VPC
		if seenZone[sn.Zone] {
			return model.Errorf(model.KindInvalidConfiguration, "A load balancer cannot be attached to multiple subnets in the same Availability Zone.")
		}
		seenZone[sn.Zone] = true
		zones = append(zones, sn.Zone)
		if lb.Scheme == model.SchemeInternetFacing && !sn.Public {
			return model.Errorf(model.KindInvalidSubnet, "The specified VPC has no associated Internet gateway (subnet %s).", id)
		}
	}
	if lb.VPCID != "" && lb.VPCID != vpc {
		return model.Errorf(model.KindInvalidConfiguration, "Subnets must be in the load balancer's VPC %s.", lb.VPCID)
	}
	slices.Sort(zones)
	lb.Subnets, lb.VPCID, lb.AvailabilityZones = ids, vpc, zones
	return nil
}

// defaultGroups is what a VPC load balancer gets when no security group is
// given: the VPC's group named "default", if one is declared.
func (s *Service) defaultGroups(vpc string) []string {
	for _, g := range s.cfg.Groups {
		if g.VPC == vpc && g.Name == "default" {
			return []string{g.ID}
		}
	}
	return nil
}

func (s *Service) checkGroups(vpc string, ids []string) error {
	for _, id := range ids {
		g, ok := s.groups[id]
		if !ok || g.VPC != vpc {
			return model.Errorf(model.KindInvalidSecurityGroup, "One or more of the specified security groups do not exist: %s", id)
		}
	}
	return nil
}

// SourceSecurityGroup returns the group instances should allow traffic
// from: ELB's own group for EC2-Classic style, else the first group.
func (s *Service) SourceSecurityGroup(lb *model.LoadBalancer) (owner, name string) {
	if lb.VPCID == "" {
		return "amazon-elb", "amazon-elb-sg"
	}
	if len(lb.SecurityGroups) > 0 {
		if g, ok := s.groups[lb.SecurityGroups[0]]; ok {
			return lb.Account, g.Name
		}
	}
	return lb.Account, "default"
}

// EnableZones adds zones to an EC2-Classic-style load balancer.
func (s *Service) EnableZones(ctx context.Context, account, name string, zones []string) (*model.LoadBalancer, error) {
	return s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		if lb.VPCID != "" {
			return model.Errorf(model.KindInvalidConfiguration, "Load balancer %s is in a VPC: use AttachLoadBalancerToSubnets.", name)
		}
		add, err := s.checkZones(zones)
		if err != nil {
			return err
		}
		lb.AvailabilityZones, _ = s.checkZones(append(lb.AvailabilityZones, add...))
		return nil
	})
}

// DisableZones removes zones; at least one must remain.
func (s *Service) DisableZones(ctx context.Context, account, name string, zones []string) (*model.LoadBalancer, error) {
	return s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		if lb.VPCID != "" {
			return model.Errorf(model.KindInvalidConfiguration, "Load balancer %s is in a VPC: use DetachLoadBalancerFromSubnets.", name)
		}
		rest := slices.DeleteFunc(slices.Clone(lb.AvailabilityZones), func(z string) bool { return slices.Contains(zones, z) })
		if len(rest) == 0 {
			return model.Errorf(model.KindInvalidConfiguration, "Cannot remove all Availability Zones from a load balancer; at least one must remain.")
		}
		lb.AvailabilityZones = rest
		return nil
	})
}

// AttachSubnets adds subnets to a VPC load balancer.
func (s *Service) AttachSubnets(ctx context.Context, account, name string, ids []string) (*model.LoadBalancer, error) {
	return s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		if lb.VPCID == "" {
			return model.Errorf(model.KindInvalidConfiguration, "Load balancer %s is not in a VPC: use EnableAvailabilityZonesForLoadBalancer.", name)
		}
		all := dedupe(append(slices.Clone(lb.Subnets), ids...))
		return s.setSubnets(lb, all)
	})
}

// DetachSubnets removes subnets; at least one must remain.
func (s *Service) DetachSubnets(ctx context.Context, account, name string, ids []string) (*model.LoadBalancer, error) {
	return s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		if lb.VPCID == "" {
			return model.Errorf(model.KindInvalidConfiguration, "Load balancer %s is not in a VPC: use DisableAvailabilityZonesForLoadBalancer.", name)
		}
		rest := slices.DeleteFunc(slices.Clone(lb.Subnets), func(id string) bool { return slices.Contains(ids, id) })
		if len(rest) == 0 {
			return model.Errorf(model.KindInvalidConfiguration, "Cannot detach all subnets from a load balancer; at least one must remain.")
		}
		return s.setSubnets(lb, rest)
	})
}

// ApplySecurityGroups replaces a VPC load balancer's groups.
func (s *Service) ApplySecurityGroups(ctx context.Context, account, name string, ids []string) (*model.LoadBalancer, error) {
	return s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		if lb.VPCID == "" {
			return model.Errorf(model.KindInvalidConfiguration, "Security groups can only be applied to load balancers in a VPC.")
		}
		ids = dedupe(ids)
		if len(ids) == 0 {
			return model.Errorf(model.KindValidation, "At least one security group is required")
		}
		if err := s.checkGroups(lb.VPCID, ids); err != nil {
			return err
		}
		lb.SecurityGroups = ids
		return nil
	})
}
