package elb

import (
	"context"
	"net/netip"
	"slices"

	"github.com/elbd/elbd/internal/model"
)

// HealthSource reports what the data plane knows about an instance's
// health on a load balancer. ok is false when it has no verdict yet. For
// an instance that is draining it answers InService with
// model.DescDeregistering while connections remain, and OutOfService with
// model.DescNotRegistered once the drain has ended.
type HealthSource interface {
	InstanceHealth(account, lb, instanceID string) (state model.InstanceState, ok bool)
}

// Instance resolves an instance id visible to account: config-file
// instances first, then those added through the admin API, then IP
// literals (zone: the declared subnet containing it, else the first zone).
func (s *Service) Instance(account, id string) (model.Instance, bool) {
	return s.instance(s.state.Load(), account, id)
}

func (s *Service) instance(st *State, account, id string) (model.Instance, bool) {
	var in model.Instance
	found := false
	if s.cfg.Static != nil {
		in, found = s.cfg.Static.Instance(id)
	}
	if !found {
		if p, ok := st.Instances[id]; ok {
			in, found = *p, true
		}
	}
	if !found {
		addr, err := netip.ParseAddr(id)
		if err != nil || addr.Zone() != "" {
			return model.Instance{}, false
		}
		addr = addr.Unmap()
		in = model.Instance{ID: id, State: model.InstanceRunning, Zone: s.zoneOf(addr)}
		if addr.Is4() {
			in.IPv4 = addr.String()
		} else {
			in.IPv6 = addr.String()
		}
		found = true
	}
	if in.Account != "" && in.Account != account {
		return model.Instance{}, false
	}
	return in, found
}

func (s *Service) zoneOf(addr netip.Addr) string {
	for _, sn := range s.cfg.Subnets {
		if sn.CIDR.IsValid() && sn.CIDR.Contains(addr) || sn.IPv6CIDR.IsValid() && sn.IPv6CIDR.Contains(addr) {
			return sn.Zone
		}
	}
	if len(s.cfg.Zones) > 0 {
		return s.cfg.Zones[0]
	}
	return ""
}

func invalidInstance(id string) error {
	return model.Errorf(model.KindInvalidInstance, "Could not find EC2 instance %s.", id)
}

// RegisterInstances adds instances and returns the full registered list.
func (s *Service) RegisterInstances(ctx context.Context, account, name string, ids []string) ([]string, error) {
	var out []string
	_, err := s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		st := s.state.Load()
		for _, id := range ids {
			in, ok := s.instance(st, account, id)
			if !ok || in.State == model.InstanceTerminated {
				return invalidInstance(id)
			}
			if !slices.Contains(lb.Instances, id) {
				lb.Instances = append(lb.Instances, id)
			}
		}
		if len(lb.Instances) > s.cfg.Limits.InstancesPerLoadBalancer {
			return model.Errorf(model.KindInvalidConfiguration, "Exceeded quota of %d registered instances per load balancer (classic-registered-instances)", s.cfg.Limits.InstancesPerLoadBalancer)
		}
		out = lb.Instances
		return nil
	})
	return out, err
}

// DeregisterInstances removes instances and returns the remaining list.
// An id that is neither registered nor known is InvalidInstance.
func (s *Service) DeregisterInstances(ctx context.Context, account, name string, ids []string) ([]string, error) {
	var out []string
	_, err := s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		st := s.state.Load()
		for _, id := range ids {
			if i := slices.Index(lb.Instances, id); i >= 0 {
				lb.Instances = slices.Delete(lb.Instances, i, i+1)
				continue
			}
			if _, ok := s.instance(st, account, id); !ok {
				return invalidInstance(id)
			}
		}
		out = lb.Instances
		return nil
	})
	return out, err
}

// DescribeInstanceHealth reports every registered instance (terminated
// ones omitted) and every instance still draining, or the given ones,
// registered or not.
func (s *Service) DescribeInstanceHealth(account, name string, ids []string) ([]model.InstanceState, error) {
	st := s.state.Load()
	lb, err := st.lb(account, name)
	if err != nil {
		return nil, err
	}
	var out []model.InstanceState
	if len(ids) == 0 {
		for _, id := range lb.Instances {
			is := s.instanceState(st, lb, id)
			if is.Description == model.DescInstanceState(model.InstanceTerminated) {
				continue
			}
			out = append(out, is)
		}
		for _, d := range lb.Draining {
			if slices.Contains(lb.Instances, d.Instance) {
				continue
			}
			if is := s.unregisteredState(lb, d.Instance); is.Description == model.DescDeregistering {
				out = append(out, is)
			}
		}
		return out, nil
	}
	for _, id := range dedupe(ids) {
		if slices.Contains(lb.Instances, id) {
			out = append(out, s.instanceState(st, lb, id))
			continue
		}
		if _, ok := s.instance(st, account, id); !ok {
			return nil, invalidInstance(id)
		}
		out = append(out, s.unregisteredState(lb, id))
	}
	return out, nil
}

// unregisteredState is the state of an instance not registered with lb:
// InService while its connections drain, then not registered.
func (s *Service) unregisteredState(lb *model.LoadBalancer, id string) model.InstanceState {
	out := model.InstanceState{InstanceID: id, State: model.OutOfService,
		ReasonCode: model.ReasonELB, Description: model.DescNotRegistered}
	if _, ok := lb.DrainOf(id, s.cfg.Now()); ok && s.stillDraining(lb, id) {
		out.State, out.Description = model.InService, model.DescDeregistering
	}
	return out
}

// stillDraining asks the data plane whether id's drain from lb is still
// running: it ends before its deadline once nothing is in flight, and the
// plane then answers "not registered". Without a data plane the deadline
// alone decides.
func (s *Service) stillDraining(lb *model.LoadBalancer, id string) bool {
	if s.cfg.Health == nil {
		return true
	}
	// Until the data plane has applied the change it may still answer
	// with the instance's last health; only "not registered" ends it.
	h, ok := s.cfg.Health.InstanceHealth(lb.Account, lb.Name, id)
	return !ok || h.Description != model.DescNotRegistered
}

func (s *Service) instanceState(st *State, lb *model.LoadBalancer, id string) model.InstanceState {
	out := model.InstanceState{InstanceID: id, State: model.OutOfService}
	in, ok := s.instance(st, lb.Account, id)
	switch {
	case !ok:
		// Registered, then removed from the inventory: gone like a
		// terminated instance.
		out.ReasonCode, out.Description = model.ReasonInstance, model.DescInstanceState(model.InstanceTerminated)
	case in.State != model.InstanceRunning:
		out.ReasonCode, out.Description = model.ReasonInstance, model.DescInstanceState(in.State)
	case !slices.Contains(lb.AvailabilityZones, in.Zone):
		out.ReasonCode, out.Description = model.ReasonELB, model.DescZoneNotEnabled
		if d, ok := lb.DrainOf(id, s.cfg.Now()); ok && d.Zone && s.stillDraining(lb, id) {
			out.Description = model.DescDisablingZone
		}
	default:
		if s.cfg.Health != nil {
			if h, ok := s.cfg.Health.InstanceHealth(lb.Account, lb.Name, id); ok {
				h.InstanceID = id
				return h
			}
		}
		out.ReasonCode, out.Description = model.ReasonELB, model.DescRegistering
	}
	return out
}

// PutInstance adds or replaces an admin-API instance.
func (s *Service) PutInstance(ctx context.Context, in model.Instance) error {
	if s.cfg.Static != nil {
		if _, ok := s.cfg.Static.Instance(in.ID); ok {
			return model.Errorf(model.KindInvalidConfiguration, "Instance %s is declared in the config file; change it there.", in.ID)
		}
	}
	if err := s.validateInstance(in); err != nil {
		return err
	}
	return s.update(ctx, func(t *txn) error {
		cp := in
		t.putInstance(&cp)
		return nil
	})
}

// DeleteInstance removes an admin-API instance. Load balancers keep the
// registration; the instance then reports as terminated.
func (s *Service) DeleteInstance(ctx context.Context, id string) error {
	return s.update(ctx, func(t *txn) error {
		if _, ok := t.base.Instances[id]; !ok {
			return invalidInstance(id)
		}
		t.deleteInstance(id)
		return nil
	})
}

// Instances lists admin-API instances sorted by id.
func (s *Service) Instances() []model.Instance {
	st := s.state.Load()
	out := make([]model.Instance, 0, len(st.Instances))
	for _, in := range st.Instances {
		out = append(out, *in)
	}
	slices.SortFunc(out, func(a, b model.Instance) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

func (s *Service) validateInstance(in model.Instance) error {
	if len(in.ID) < 3 || len(in.ID) > 64 || in.ID[:2] != "i-" {
		return model.Errorf(model.KindValidation, "Instance id '%s' must look like i-0123abcd", in.ID)
	}
	for _, r := range in.ID[2:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return model.Errorf(model.KindValidation, "Instance id '%s' must look like i-0123abcd", in.ID)
		}
	}
	if !s.zones[in.Zone] {
		return model.Errorf(model.KindValidation, "Instance zone '%s' is not one of %v", in.Zone, s.cfg.Zones)
	}
	if in.IPv4 == "" && in.IPv6 == "" {
		return model.Errorf(model.KindValidation, "Instance %s needs an ipv4 or ipv6 address", in.ID)
	}
	if in.IPv4 != "" {
		if a, err := netip.ParseAddr(in.IPv4); err != nil || !a.Is4() {
			return model.Errorf(model.KindValidation, "Instance ipv4 '%s' is not an IPv4 address", in.IPv4)
		}
	}
	if in.IPv6 != "" {
		if a, err := netip.ParseAddr(in.IPv6); err != nil || !a.Is6() || a.Is4In6() {
			return model.Errorf(model.KindValidation, "Instance ipv6 '%s' is not an IPv6 address", in.IPv6)
		}
	}
	if in.Account != "" && !slices.Contains(s.cfg.Accounts, in.Account) {
		return model.Errorf(model.KindValidation, "Instance account '%s' is not a known account", in.Account)
	}
	switch in.State {
	case model.InstancePending, model.InstanceRunning, model.InstanceStopped, model.InstanceTerminated:
	default:
		return model.Errorf(model.KindValidation, "Instance state '%s' must be pending, running, stopped or terminated", in.State)
	}
	return nil
}
