package elb

import (
	"context"
	"slices"
	"strconv"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/policy"
)

func fromPolicyAttrs(in []policy.Attribute) []model.Attribute {
	out := make([]model.Attribute, len(in))
	for i, a := range in {
		out[i] = model.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}

func toPolicyAttrs(in []model.Attribute) []policy.Attribute {
	out := make([]policy.Attribute, len(in))
	for i, a := range in {
		out[i] = policy.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}

// CreatePolicy creates a policy of any type on a load balancer.
func (s *Service) CreatePolicy(ctx context.Context, account, name, policyName, typeName string, attrs []model.Attribute) error {
	if err := model.ValidatePolicyName(policyName); err != nil {
		return err
	}
	if _, ok := policy.LookupType(typeName); !ok {
		return model.Errorf(model.KindPolicyTypeNotFound, "One or more of the specified policy types do not exist: %s", typeName)
	}
	if policy.HasReservedPrefix(policyName) {
		return model.Errorf(model.KindInvalidConfiguration, "Policy names starting with ELBSecurityPolicy- or ELBSample- are reserved for predefined policies; reference one with Reference-Security-Policy instead.")
	}
	_, err := s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		if _, ok := lb.Policy(policyName); ok {
			return model.Errorf(model.KindDuplicatePolicyName, "A policy named %s already exists for load balancer %s.", policyName, name)
		}
		if len(lb.Policies) >= s.cfg.Limits.PoliciesPerLoadBalancer {
			return model.Errorf(model.KindTooManyPolicies, "The quota of %d policies for this load balancer has been reached.", s.cfg.Limits.PoliciesPerLoadBalancer)
		}
		norm, err := policy.Normalize(typeName, toPolicyAttrs(attrs), func(n string) (string, bool) {
			p, ok := lb.Policy(n)
			return p.TypeName, ok
		})
		if err != nil {
			return err
		}
		lb.Policies = append(lb.Policies, model.Policy{Name: policyName, TypeName: typeName, Attributes: fromPolicyAttrs(norm)})
		return nil
	})
	return err
}

// CreateLBCookiePolicy creates a duration-based stickiness policy;
// period nil or 0 means a browser-session cookie.
func (s *Service) CreateLBCookiePolicy(ctx context.Context, account, name, policyName string, period *int64) error {
	var attrs []model.Attribute
	if period != nil {
		if *period < 0 {
			return model.Errorf(model.KindValidation, "CookieExpirationPeriod must not be negative")
		}
		attrs = []model.Attribute{{Name: "CookieExpirationPeriod", Value: strconv.FormatInt(*period, 10)}}
	}
	return s.CreatePolicy(ctx, account, name, policyName, policy.LBCookieStickinessType, attrs)
}

// CreateAppCookiePolicy creates an application-cookie stickiness policy.
func (s *Service) CreateAppCookiePolicy(ctx context.Context, account, name, policyName, cookieName string) error {
	if cookieName == "" {
		return model.Errorf(model.KindValidation, "CookieName is required")
	}
	return s.CreatePolicy(ctx, account, name, policyName, policy.AppCookieStickinessType,
		[]model.Attribute{{Name: "CookieName", Value: cookieName}})
}

// DeletePolicy deletes a policy that no listener, back-end port or other
// policy uses. Deleting a missing policy succeeds.
func (s *Service) DeletePolicy(ctx context.Context, account, name, policyName string) error {
	return s.update(ctx, func(t *txn) error {
		cur, err := t.base.lb(account, name)
		if err != nil {
			return err
		}
		if _, ok := cur.Policy(policyName); !ok {
			return nil
		}
		for _, l := range cur.Listeners {
			if slices.Contains(l.PolicyNames, policyName) {
				return model.Errorf(model.KindInvalidConfiguration, "Policy %s is enabled on the listener on port %d; remove it from the listener first.", policyName, l.LoadBalancerPort)
			}
		}
		for _, b := range cur.BackendServers {
			if slices.Contains(b.PolicyNames, policyName) {
				return model.Errorf(model.KindInvalidConfiguration, "Policy %s is set on instance port %d; remove it from the back-end server first.", policyName, b.InstancePort)
			}
		}
		for _, p := range cur.Policies {
			for _, a := range p.Attributes {
				if a.Name == "PublicKeyPolicyName" && a.Value == policyName {
					return model.Errorf(model.KindInvalidConfiguration, "Policy %s is referenced by policy %s; delete that first.", policyName, p.Name)
				}
			}
		}
		lb := cur.Clone()
		lb.Policies = slices.DeleteFunc(lb.Policies, func(p model.Policy) bool { return p.Name == policyName })
		t.putLB(lb)
		return nil
	})
}

func policyNotFound(n string) error {
	return model.Errorf(model.KindPolicyNotFound, "There is no policy with name %s for load balancer", n)
}

// SetListenerPolicies replaces the policies of the listener on port; an
// empty list removes them all.
func (s *Service) SetListenerPolicies(ctx context.Context, account, name string, port int, names []string) error {
	_, err := s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		l, i, ok := lb.Listener(port)
		if !ok {
			return model.Errorf(model.KindListenerNotFound, "The load balancer does not have a listener configured at port %d.", port)
		}
		names = dedupe(names)
		cookies, ssl := 0, 0
		for _, n := range names {
			p, ok := lb.Policy(n)
			if !ok {
				return policyNotFound(n)
			}
			if !policy.AttachableToListener(p.TypeName, l.Protocol) {
				return model.Errorf(model.KindInvalidConfiguration, "Policy %s of type %s cannot be enabled on a %s listener.", n, p.TypeName, l.Protocol)
			}
			if policy.IsCookieStickiness(p.TypeName) {
				cookies++
			}
			if p.TypeName == policy.SSLNegotiationType {
				ssl++
			}
		}
		if cookies > 1 {
			return model.Errorf(model.KindInvalidConfiguration, "A listener can have at most one cookie stickiness policy.")
		}
		if ssl > 1 {
			return model.Errorf(model.KindInvalidConfiguration, "A listener can have at most one SSL negotiation policy.")
		}
		lb.Listeners[i].PolicyNames = names
		return nil
	})
	return err
}

// SetBackendPolicies replaces the policies of an instance port; an empty
// list removes the entry.
func (s *Service) SetBackendPolicies(ctx context.Context, account, name string, instancePort int, names []string) error {
	_, err := s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		if instancePort < 1 || instancePort > 65535 {
			return model.Errorf(model.KindValidation, "InstancePort %d must be between 1 and 65535", instancePort)
		}
		var protos []string
		for _, l := range lb.Listeners {
			if l.InstancePort == instancePort {
				protos = append(protos, l.InstanceProtocol)
			}
		}
		names = dedupe(names)
		for _, n := range names {
			p, ok := lb.Policy(n)
			if !ok {
				return policyNotFound(n)
			}
			if !policy.AttachableToBackend(p.TypeName, protos) {
				return model.Errorf(model.KindInvalidConfiguration, "Policy %s of type %s cannot be set on instance port %d (instance protocols %v).", n, p.TypeName, instancePort, protos)
			}
		}
		lb.BackendServers = slices.DeleteFunc(lb.BackendServers, func(b model.BackendServer) bool { return b.InstancePort == instancePort })
		if len(names) > 0 {
			lb.BackendServers = append(lb.BackendServers, model.BackendServer{InstancePort: instancePort, PolicyNames: names})
			slices.SortFunc(lb.BackendServers, func(a, b model.BackendServer) int { return a.InstancePort - b.InstancePort })
		}
		return nil
	})
	return err
}

// DescribePolicies returns the load balancer's policies, or the predefined
// ones when name is "", optionally filtered; any unknown name fails.
func (s *Service) DescribePolicies(account, name string, names []string) ([]model.Policy, error) {
	var all []model.Policy
	if name == "" {
		for _, p := range policy.Predefined() {
			all = append(all, model.Policy{Name: p.Name, TypeName: p.TypeName, Attributes: fromPolicyAttrs(p.Attributes)})
		}
	} else {
		lb, err := s.state.Load().lb(account, name)
		if err != nil {
			return nil, err
		}
		all = lb.Policies
	}
	if len(names) == 0 {
		return all, nil
	}
	var out []model.Policy
	for _, n := range dedupe(names) {
		i := slices.IndexFunc(all, func(p model.Policy) bool { return p.Name == n })
		if i < 0 {
			return nil, policyNotFound(n)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// DescribePolicyTypes returns all policy types or the named ones.
func (s *Service) DescribePolicyTypes(names []string) ([]policy.Type, error) {
	if len(names) == 0 {
		return policy.Types(), nil
	}
	var out []policy.Type
	for _, n := range dedupe(names) {
		t, ok := policy.LookupType(n)
		if !ok {
			return nil, model.Errorf(model.KindPolicyTypeNotFound, "One or more of the specified policy types do not exist: %s", n)
		}
		out = append(out, t)
	}
	return out, nil
}
