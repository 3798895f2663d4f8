package elb

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/policy"
)

// CreateInput is CreateLoadBalancer's request in domain terms.
type CreateInput struct {
	Name              string
	Listeners         []model.Listener
	AvailabilityZones []string
	Subnets           []string
	SecurityGroups    []string
	Scheme            string // "" means internet-facing
	Tags              []model.Tag
}

// CreateLoadBalancer creates a load balancer, or returns the existing one
// when an identical one exists (the API is idempotent).
func (s *Service) CreateLoadBalancer(ctx context.Context, account string, in CreateInput) (*model.LoadBalancer, error) {
	lb, err := s.buildLoadBalancer(account, in)
	if err != nil {
		return nil, err
	}
	var out *model.LoadBalancer
	err = s.update(ctx, func(t *txn) error {
		if cur, ok := t.base.LoadBalancers[Key{account, in.Name}]; ok {
			if sameDefinition(cur, lb) {
				out = cur
				return nil
			}
			return model.Errorf(model.KindDuplicateLoadBalancerName, "The specified load balancer name already exists for this account.")
		}
		if n := countLBs(t.base, account); n >= s.cfg.Limits.LoadBalancersPerAccount {
			return model.Errorf(model.KindTooManyLoadBalancers, "Exceeded quota of account %s: %d load balancers (classic-load-balancers)", account, s.cfg.Limits.LoadBalancersPerAccount)
		}
		for _, l := range lb.Listeners {
			if err := s.checkCertificate(t.base, account, l.SSLCertificateID); err != nil {
				return err
			}
		}
		if err := s.assignNodes(t.base, lb); err != nil {
			return err
		}
		lb.CreatedTime = s.cfg.Now().UTC().Truncate(1e6)
		lb.DNSName = s.dnsName(lb.Name, lb.Scheme)
		t.putLB(lb)
		out = lb
		return nil
	})
	return out, err
}

func countLBs(st *State, account string) int {
	n := 0
	for k := range st.LoadBalancers {
		if k.Account == account {
			n++
		}
	}
	return n
}

// buildLoadBalancer validates a create request against the configuration
// (not the state) and returns the new load balancer without identity
// fields.
func (s *Service) buildLoadBalancer(account string, in CreateInput) (*model.LoadBalancer, error) {
	if err := model.ValidateName(in.Name); err != nil {
		return nil, err
	}
	switch {
	case len(in.AvailabilityZones) == 0 && len(in.Subnets) == 0:
		return nil, model.Errorf(model.KindValidation, "Either AvailabilityZones or SubnetIds must be specified")
	case len(in.AvailabilityZones) > 0 && len(in.Subnets) > 0:
		return nil, model.Errorf(model.KindValidation, "Only one of SubnetIds or AvailabilityZones may be specified")
	}
	lb := &model.LoadBalancer{Account: account, Name: in.Name, Scheme: model.SchemeInternetFacing,
		Attributes: model.DefaultAttributes()}
	classic := len(in.Subnets) == 0
	switch in.Scheme {
	case "", model.SchemeInternetFacing:
	case model.SchemeInternal:
		if classic {
			return nil, model.Errorf(model.KindInvalidScheme, "The specified value for the schema is not valid. You can only specify a scheme for load balancers in a VPC.")
		}
		lb.Scheme = model.SchemeInternal
	default:
		return nil, model.Errorf(model.KindInvalidScheme, "Scheme '%s' is not valid; use internet-facing or internal", in.Scheme)
	}
	if classic {
		zones, err := s.checkZones(in.AvailabilityZones)
		if err != nil {
			return nil, err
		}
		lb.AvailabilityZones = zones
		if len(in.SecurityGroups) > 0 {
			return nil, model.Errorf(model.KindInvalidConfiguration, "Security groups can only be applied to load balancers in a VPC (created with Subnets).")
		}
	} else {
		if err := s.setSubnets(lb, dedupe(in.Subnets)); err != nil {
			return nil, err
		}
		groups := dedupe(in.SecurityGroups)
		if len(groups) == 0 {
			groups = s.defaultGroups(lb.VPCID)
		}
		if err := s.checkGroups(lb.VPCID, groups); err != nil {
			return nil, err
		}
		lb.SecurityGroups = groups
	}
	if len(in.Listeners) == 0 {
		return nil, model.Errorf(model.KindValidation, "At least one listener is required")
	}
	ls, err := normalizeListeners(nil, in.Listeners, classic)
	if err != nil {
		return nil, err
	}
	if len(ls) > s.cfg.Limits.ListenersPerLoadBalancer {
		return nil, model.Errorf(model.KindInvalidConfiguration, "Exceeded quota of %d listeners per load balancer (classic-listeners)", s.cfg.Limits.ListenersPerLoadBalancer)
	}
	lb.Listeners = ls
	addDefaultSSLPolicy(lb, 0)
	lb.HealthCheck = model.DefaultHealthCheck(lb.Listeners)
	tags, err := mergeTags(nil, in.Tags, s.cfg.Limits.TagsPerLoadBalancer)
	if err != nil {
		return nil, err
	}
	lb.Tags = tags
	return lb, nil
}

// normalizeListeners validates add against existing and returns the
// listeners to append. A listener identical to an existing or earlier one
// is skipped (idempotent); a different one on a taken port is
// DuplicateListener.
func normalizeListeners(existing, add []model.Listener, classic bool) ([]model.Listener, error) {
	var out []model.Listener
	for _, raw := range add {
		l, err := model.NormalizeListener(raw, classic)
		if err != nil {
			return nil, err
		}
		dup := false
		for _, o := range slices.Concat(existing, out) {
			if o.LoadBalancerPort != l.LoadBalancerPort {
				continue
			}
			if !model.SameListener(o, l) {
				return nil, model.Errorf(model.KindDuplicateListener, "A listener already exists with LoadBalancerPort %d, but with a different InstancePort, Protocol, or SSLCertificateId", l.LoadBalancerPort)
			}
			dup = true
		}
		if !dup {
			out = append(out, l)
		}
	}
	if err := model.CheckInstancePortProtocols(slices.Concat(existing, out)); err != nil {
		return nil, err
	}
	return out, nil
}

// addDefaultSSLPolicy gives every new secure listener (lb.Listeners[from:])
// without an SSL negotiation policy the default security policy, as ELB
// does: the load balancer gains a policy named after it and the listener
// lists it. Existing listeners are left alone: their policies may have been
// cleared on purpose with SetLoadBalancerPoliciesOfListener.
func addDefaultSSLPolicy(lb *model.LoadBalancer, from int) {
	for i := from; i < len(lb.Listeners); i++ {
		l := lb.Listeners[i]
		if !l.Secure() || hasPolicyOfType(lb, l.PolicyNames, policy.SSLNegotiationType) {
			continue
		}
		if _, ok := lb.Policy(policy.DefaultSecurityPolicy); !ok {
			attrs, err := policy.Normalize(policy.SSLNegotiationType,
				[]policy.Attribute{{Name: "Reference-Security-Policy", Value: policy.DefaultSecurityPolicy}}, nil)
			if err != nil {
				panic("elb: default security policy does not normalise: " + err.Error())
			}
			lb.Policies = append(lb.Policies, model.Policy{Name: policy.DefaultSecurityPolicy,
				TypeName: policy.SSLNegotiationType, Attributes: fromPolicyAttrs(attrs)})
		}
		lb.Listeners[i].PolicyNames = append(lb.Listeners[i].PolicyNames, policy.DefaultSecurityPolicy)
	}
}

func hasPolicyOfType(lb *model.LoadBalancer, names []string, typeName string) bool {
	for _, n := range names {
		if p, ok := lb.Policy(n); ok && p.TypeName == typeName {
			return true
		}
	}
	return false
}

// sameDefinition compares what CreateLoadBalancer controls.
func sameDefinition(a, b *model.LoadBalancer) bool {
	if a.Scheme != b.Scheme || !sameSet(a.AvailabilityZones, b.AvailabilityZones) ||
		!sameSet(a.Subnets, b.Subnets) || !sameSet(a.SecurityGroups, b.SecurityGroups) {
		return false
	}
	for _, l := range b.Listeners {
		o, _, ok := a.Listener(l.LoadBalancerPort)
		if !ok || !model.SameListener(o, l) {
			return false
		}
	}
	return len(a.Listeners) == len(b.Listeners)
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func dedupe(in []string) []string {
	var out []string
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// dnsName builds <name>-<digits>.<region>.<domain>, lower-cased as DNS is.
func (s *Service) dnsName(name, scheme string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	host := strings.ToLower(name) + "-" + n.Add(n, big.NewInt(1_000_000_000)).String()
	if scheme == model.SchemeInternal {
		host = "internal-" + host
	}
	return host + "." + s.cfg.Region + "." + s.cfg.DNSDomain
}

// DeleteLoadBalancer deletes a load balancer; deleting a missing one
// succeeds, as in ELB.
func (s *Service) DeleteLoadBalancer(ctx context.Context, account, name string) error {
	return s.update(ctx, func(t *txn) error {
		k := Key{account, name}
		if _, ok := t.base.LoadBalancers[k]; ok {
			t.deleteLB(k)
		}
		return nil
	})
}

// DescribeLoadBalancer returns one load balancer.
func (s *Service) DescribeLoadBalancer(account, name string) (*model.LoadBalancer, error) {
	return s.state.Load().lb(account, name)
}

// Page is one page of DescribeLoadBalancers.
type Page struct {
	LoadBalancers []*model.LoadBalancer
	NextMarker    string
}

// DescribeLoadBalancers returns a page of the account's load balancers,
// restricted to names when given (any unknown name fails the call), sorted
// by name. pageSize is 1–400 (0 means 400); marker is opaque.
func (s *Service) DescribeLoadBalancers(account string, names []string, marker string, pageSize int) (Page, error) {
	if pageSize == 0 {
		pageSize = 400
	}
	if pageSize < 1 || pageSize > 400 {
		return Page{}, model.Errorf(model.KindValidation, "PageSize %d must be between 1 and 400", pageSize)
	}
	st := s.state.Load()
	var all []*model.LoadBalancer
	if len(names) > 0 {
		for _, n := range dedupe(names) {
			lb, err := st.lb(account, n)
			if err != nil {
				return Page{}, err
			}
			all = append(all, lb)
		}
	} else {
		for k, lb := range st.LoadBalancers {
			if k.Account == account {
				all = append(all, lb)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	start := 0
	if marker != "" {
		after, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(after) == 0 {
			return Page{}, model.Errorf(model.KindValidation, "Invalid Marker '%s'", marker)
		}
		start = sort.Search(len(all), func(i int) bool { return all[i].Name > string(after) })
	}
	end := min(start+pageSize, len(all))
	p := Page{LoadBalancers: all[start:end]}
	if end < len(all) {
		p.NextMarker = base64.RawURLEncoding.EncodeToString([]byte(all[end-1].Name))
	}
	return p, nil
}
