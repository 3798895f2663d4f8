package elb

import (
	"net/netip"
	"slices"

	"github.com/elbd/elbd/internal/model"
)

// assignNodes makes lb.Nodes match lb.AvailabilityZones: nodes of zones no
// longer enabled are released, and each newly enabled zone gets the lowest
// free address of each pool. Addresses used by any other load balancer in
// st (of any account) are taken. Kept nodes keep their addresses, so
// DNS answers stay stable.
func (s *Service) assignNodes(st *State, lb *model.LoadBalancer) error {
	if !s.cfg.AddressPool.IsValid() {
		return nil
	}
	var nodes []model.Node
	for _, z := range lb.AvailabilityZones {
		if i := slices.IndexFunc(lb.Nodes, func(n model.Node) bool { return n.Zone == z }); i >= 0 {
			nodes = append(nodes, lb.Nodes[i])
			continue
		}
		nodes = append(nodes, model.Node{Zone: z})
	}
	var used map[string]bool
	for i := range nodes {
		n := &nodes[i]
		if n.IPv4 != "" && (n.IPv6 != "" || !s.cfg.AddressPool6.IsValid()) {
			continue
		}
		if used == nil {
			used = usedAddresses(st, lb, nodes)
		}
		if n.IPv4 == "" {
			a, ok := lowestFree(s.cfg.AddressPool, used)
			if !ok {
				return model.Errorf(model.KindInvalidConfiguration, "The address pool %s has no free address for zone %s; free one by deleting a load balancer or disabling a zone.", s.cfg.AddressPool, n.Zone)
			}
			n.IPv4, used[a] = a, true
		}
		if n.IPv6 == "" && s.cfg.AddressPool6.IsValid() {
			a, ok := lowestFree(s.cfg.AddressPool6, used)
			if !ok {
				return model.Errorf(model.KindInvalidConfiguration, "The IPv6 address pool %s has no free address for zone %s.", s.cfg.AddressPool6, n.Zone)
			}
			n.IPv6, used[a] = a, true
		}
	}
	lb.Nodes = nodes
	return nil
}

// usedAddresses collects every address taken by other load balancers and
// by lb's kept nodes.
func usedAddresses(st *State, lb *model.LoadBalancer, kept []model.Node) map[string]bool {
	used := map[string]bool{}
	for k, o := range st.LoadBalancers {
		if k == (Key{lb.Account, lb.Name}) {
			continue
		}
		for _, n := range o.Nodes {
			used[n.IPv4], used[n.IPv6] = true, true
		}
	}
	for _, n := range kept {
		used[n.IPv4], used[n.IPv6] = true, true
	}
	delete(used, "")
	return used
}

// lowestFree returns the lowest address of pool, skipping the network
// address and the last one, that is not in used.
func lowestFree(pool netip.Prefix, used map[string]bool) (string, bool) {
	for a := pool.Addr().Next(); a.IsValid() && pool.Contains(a); a = a.Next() {
		if !pool.Contains(a.Next()) {
			break // the last address (IPv4 broadcast) is never handed out
		}
		if s := a.String(); !used[s] {
			return s, true
		}
	}
	return "", false
}
