package controller

import (
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elbd/elbd/internal/dataplane"
	"github.com/elbd/elbd/internal/desync"
	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/health"
	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/policy"
)

// InstanceLookup resolves an instance id as seen by an account.
type InstanceLookup func(account, id string) (model.Instance, bool)

// Options tune how Build translates desired state.
type Options struct {
	// HealthSpeedup divides health-check intervals and timeouts (tests
	// and demonstrations); 0 or 1 keeps them.
	HealthSpeedup int
	// Certs caches parsed server certificates; nil parses them on every
	// Build.
	Certs *CertCache
}

// Build translates a desired-state snapshot into a data-plane config. It
// is a pure function of its inputs.
func Build(st *elb.State, lookup InstanceLookup, groups GroupLookup, opts Options) *dataplane.Config {
	keys := make([]elb.Key, 0, len(st.LoadBalancers))
	for k := range st.LoadBalancers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b elb.Key) int {
		return strings.Compare(a.Account+"/"+a.Name, b.Account+"/"+b.Name)
	})
	cfg := &dataplane.Config{Revision: st.Revision, StickyKey: st.StickyKey}
	for _, k := range keys {
		cfg.Balancers = append(cfg.Balancers, balancer(st, st.LoadBalancers[k], lookup, groups, opts))
	}
	return cfg
}

// GroupLookup resolves a declared security group.
type GroupLookup func(id string) (model.SecurityGroup, bool)

func balancer(st *elb.State, lb *model.LoadBalancer, lookup InstanceLookup, groups GroupLookup, opts Options) dataplane.Balancer {
	mode, err := desync.ParseMode(lb.Attributes.DesyncMode)
	if err != nil {
		mode = desync.Defensive
	}
	b := dataplane.Balancer{
		Key: lb.Account + "/" + lb.Name, Name: lb.Name,
		CrossZone:   lb.Attributes.CrossZone,
		IdleTimeout: time.Duration(lb.Attributes.IdleTimeout) * time.Second,
		DesyncMode:  mode,
		HealthCheck: healthSpec(lb.HealthCheck, opts.HealthSpeedup),
	}
	if t := &b.HealthCheck.Target; t.Protocol == "SSL" || t.Protocol == "HTTPS" {
		t.Pins = pins(lb, t.Port)
	}
	if al := lb.Attributes.AccessLog; al.Enabled {
		b.AccessLog = dataplane.AccessLog{Enabled: true, Bucket: al.S3BucketName, Prefix: al.S3BucketPrefix,
			Interval: time.Duration(al.EmitInterval) * time.Minute}
	}
	for _, d := range lb.Draining {
		b.Draining = append(b.Draining, dataplane.Drain{ID: d.Instance, Until: d.Until})
	}
	if len(lb.SecurityGroups) > 0 {
		b.Firewall = true
		for _, id := range lb.SecurityGroups {
			g, ok := groups(id)
			if !ok {
				continue
			}
			for _, r := range g.Ingress {
				if r.Protocol != "tcp" && r.Protocol != "-1" {
					continue
				}
				rule := dataplane.Rule{FromPort: r.FromPort, ToPort: r.ToPort, Sources: r.CIDRs}
				if r.Protocol == "-1" {
					rule.FromPort, rule.ToPort = 0, 65535
				}
				b.Rules = append(b.Rules, rule)
			}
		}
	}
	for _, n := range lb.Nodes {
		node := dataplane.Node{Zone: n.Zone}
		node.IPv4, _ = netip.ParseAddr(n.IPv4)
		if n.IPv6 != "" {
			node.IPv6, _ = netip.ParseAddr(n.IPv6)
		}
		b.Nodes = append(b.Nodes, node)
	}
	for _, l := range lb.Listeners {
		dl := dataplane.Listener{
			Protocol: l.Protocol, Port: l.LoadBalancerPort,
			InstanceProtocol: l.InstanceProtocol, InstancePort: l.InstancePort,
			ProxyProtocol: proxyProtocol(lb, l.InstancePort),
			Sticky:        stickiness(lb, l),
			BackendTLS:    backendTLS(lb, l.InstanceProtocol, l.InstancePort),
		}
		if l.Secure() {
			dl.TLS = frontTLS(st, lb, l, opts.Certs)
		}
		b.Listeners = append(b.Listeners, dl)
	}
	for _, id := range lb.Instances {
		in, ok := lookup(lb.Account, id)
		if !ok || in.State != model.InstanceRunning || !slices.Contains(lb.AvailabilityZones, in.Zone) {
			continue
		}
		addr, err := netip.ParseAddr(in.IPv4)
		if err != nil {
			if addr, err = netip.ParseAddr(in.IPv6); err != nil {
				continue
			}
		}
		b.Instances = append(b.Instances, dataplane.Instance{ID: id, Zone: in.Zone, Addr: addr})
	}
	return b
}

// proxyProtocol reports whether a ProxyProtocolPolicyType policy with
// ProxyProtocol=true is set on the instance port.
func proxyProtocol(lb *model.LoadBalancer, port int) bool {
	for _, bs := range lb.BackendServers {
		if bs.InstancePort != port {
			continue
		}
		for _, name := range bs.PolicyNames {
			p, ok := lb.Policy(name)
			if !ok || p.TypeName != policy.ProxyProtocolType {
				continue
			}
			for _, a := range p.Attributes {
				if a.Name == "ProxyProtocol" && a.Value == "true" {
					return true
				}
			}
		}
	}
	return false
}

// healthSpec is the checker's view of hc, sped up by speedup. An invalid
// check (none is stored) gives the zero Spec: no checks.
func healthSpec(hc model.HealthCheck, speedup int) health.Spec {
	spec, err := health.SpecFrom(hc)
	if err != nil {
		return health.Spec{}
	}
	if speedup > 1 {
		spec.Interval /= time.Duration(speedup)
		spec.Timeout = max(spec.Timeout/time.Duration(speedup), 500*time.Millisecond)
	}
	return spec
}

// stickiness returns the stickiness policy among l's policies, if any.
func stickiness(lb *model.LoadBalancer, l model.Listener) *dataplane.Sticky {
	for _, name := range l.PolicyNames {
		p, ok := lb.Policy(name)
		if !ok {
			continue
		}
		switch p.TypeName {
		case policy.LBCookieStickinessType:
			s := &dataplane.Sticky{}
			for _, a := range p.Attributes {
				if a.Name == "CookieExpirationPeriod" {
					if n, err := strconv.ParseInt(a.Value, 10, 64); err == nil && n > 0 {
						s.Expiration = time.Duration(min(n, int64(math.MaxInt64/int64(time.Second)))) * time.Second
					}
				}
			}
			return s
		case policy.AppCookieStickinessType:
			for _, a := range p.Attributes {
				if a.Name == "CookieName" {
					return &dataplane.Sticky{AppCookie: a.Value}
				}
			}
		}
	}
	return nil
}
