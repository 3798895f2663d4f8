package controller

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/elbd/elbd/internal/dataplane"
	"github.com/elbd/elbd/internal/desync"
	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/policy"
)

// InstanceLookup resolves an instance id as seen by an account.
type InstanceLookup func(account, id string) (model.Instance, bool)

// Build translates a desired-state snapshot into a data-plane config. It
// is a pure function of its inputs.
func Build(st *elb.State, lookup InstanceLookup, groups GroupLookup) *dataplane.Config {
	keys := make([]elb.Key, 0, len(st.LoadBalancers))
	for k := range st.LoadBalancers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b elb.Key) int {
		return strings.Compare(a.Account+"/"+a.Name, b.Account+"/"+b.Name)
	})
	cfg := &dataplane.Config{Revision: st.Revision}
	for _, k := range keys {
		cfg.Balancers = append(cfg.Balancers, balancer(st.LoadBalancers[k], lookup, groups))
	}
	return cfg
}

// GroupLookup resolves a declared security group.
type GroupLookup func(id string) (model.SecurityGroup, bool)

func balancer(lb *model.LoadBalancer, lookup InstanceLookup, groups GroupLookup) dataplane.Balancer {
	mode, err := desync.ParseMode(lb.Attributes.DesyncMode)
	if err != nil {
		mode = desync.Defensive
	}
	b := dataplane.Balancer{
		Key: lb.Account + "/" + lb.Name, Name: lb.Name,
		CrossZone:   lb.Attributes.CrossZone,
		IdleTimeout: time.Duration(lb.Attributes.IdleTimeout) * time.Second,
		DesyncMode:  mode,
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
		b.Listeners = append(b.Listeners, dataplane.Listener{
			Protocol: l.Protocol, Port: l.LoadBalancerPort,
			InstanceProtocol: l.InstanceProtocol, InstancePort: l.InstancePort,
			ProxyProtocol: proxyProtocol(lb, l.InstancePort),
		})
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
