package elb

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/loadbalancer"
)

// balancerName is b.ID, or b.Name for a Balancer built by hand.
func balancerName(b loadbalancer.Balancer) string {
	if b.ID != "" {
		return b.ID
	}
	return b.Name
}

// memberID returns the instance id to register for m: m.ID, else m.IP
// (an IP literal, which elbd accepts). A non-zero m.Port must be one of
// ports, the balancer's instance ports.
func memberID(op string, m loadbalancer.Member, ports []int) (string, error) {
	id := m.ID
	if id == "" {
		id = m.IP
	}
	if id == "" {
		return "", invalid(op, "member has neither an ID (instance id) nor an IP")
	}
	if m.Port != 0 && !slices.Contains(ports, m.Port) {
		return "", invalid(op, "member %s has port %d, but ELB registers instances, not ports: the balancer forwards to instance port(s) %v", id, m.Port, ports)
	}
	return id, nil
}

// instancePorts returns the distinct instance ports of b's listeners,
// first listener's first.
func instancePorts(b loadbalancer.Balancer) []int {
	var ports []int
	if det := DetailsOf(b); det != nil {
		for _, l := range det.Listeners {
			if !slices.Contains(ports, l.InstancePort) {
				ports = append(ports, l.InstancePort)
			}
		}
	}
	return ports
}

func firstPort(ports []int) int {
	if len(ports) == 0 {
		return 0
	}
	return ports[0]
}

func (d *Driver) register(ctx context.Context, name string, ids []string) error {
	in := &elasticloadbalancing.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String(name)}
	for _, id := range ids {
		in.Instances = append(in.Instances, types.Instance{InstanceId: aws.String(id)})
	}
	_, err := d.elb.RegisterInstancesWithLoadBalancer(ctx, in)
	return wrapErr("RegisterInstancesWithLoadBalancer", err)
}

// AttachComputeNode registers node with b and returns the new member.
// The instance is node.ID; if that is empty, the node's first public IP,
// else its first private IP, as an IP literal (elbd accepts those; AWS
// does not). The member's Port is b's first instance port.
func (d *Driver) AttachComputeNode(ctx context.Context, b loadbalancer.Balancer, n loadbalancer.Node) (loadbalancer.Member, error) {
	m := loadbalancer.Member{ID: n.ID}
	switch {
	case len(n.PublicIPs) > 0:
		m.IP = n.PublicIPs[0]
	case len(n.PrivateIPs) > 0:
		m.IP = n.PrivateIPs[0]
	}
	if m.ID == "" && m.IP == "" {
		return loadbalancer.Member{}, invalid("AttachComputeNode", "node %q has no ID and no IP addresses", n.Name)
	}
	return d.AttachMember(ctx, b, m)
}

// AttachMember registers m with b (libcloud's ELB driver does not
// implement this). m.ID is the instance id (or an IP literal for elbd);
// if empty, m.IP is used. A non-zero m.Port must be an instance port of
// one of b's listeners, else the error matches
// loadbalancer.ErrInvalidInput. The returned member has the
// registered ID and b's first instance port unless m named another.
func (d *Driver) AttachMember(ctx context.Context, b loadbalancer.Balancer, m loadbalancer.Member) (loadbalancer.Member, error) {
	cur, err := d.GetBalancer(ctx, balancerName(b))
	if err != nil {
		return loadbalancer.Member{}, err
	}
	ports := instancePorts(cur)
	id, err := memberID("RegisterInstancesWithLoadBalancer", m, ports)
	if err != nil {
		return loadbalancer.Member{}, err
	}
	if err := d.register(ctx, cur.ID, []string{id}); err != nil {
		return loadbalancer.Member{}, err
	}
	out := newMember(id, m.IP, m.Port)
	if out.Port == 0 {
		out.Port = firstPort(ports)
	}
	out.Extra = m.Extra
	return out, nil
}

// DetachMember deregisters m (m.ID, else m.IP) from b. A member that is
// neither registered nor a known instance matches loadbalancer.ErrNotFound
// (ELB's InvalidInstance).
func (d *Driver) DetachMember(ctx context.Context, b loadbalancer.Balancer, m loadbalancer.Member) error {
	const op = "DeregisterInstancesFromLoadBalancer"
	id := m.ID
	if id == "" {
		id = m.IP
	}
	if id == "" {
		return invalid(op, "member has neither an ID nor an IP")
	}
	_, err := d.elb.DeregisterInstancesFromLoadBalancer(ctx, &elasticloadbalancing.DeregisterInstancesFromLoadBalancerInput{
		LoadBalancerName: aws.String(balancerName(b)),
		Instances:        []types.Instance{{InstanceId: aws.String(id)}},
	})
	return wrapErr(op, err)
}

// ListMembers returns b's registered instances, read fresh from ELB (not
// from b.Members), each with its health as an *InstanceHealth in Extra
// (see HealthOf) and Port set to b's first instance port. IP is set for
// IP-literal members.
func (d *Driver) ListMembers(ctx context.Context, b loadbalancer.Balancer) ([]loadbalancer.Member, error) {
	cur, err := d.GetBalancer(ctx, balancerName(b))
	if err != nil {
		return nil, err
	}
	members := cur.Members
	if len(members) == 0 {
		return members, nil
	}
	health, err := d.DescribeInstanceHealth(ctx, cur.ID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*InstanceHealth, len(health))
	for i := range health {
		byID[health[i].InstanceID] = &health[i]
	}
	for i := range members {
		if h := byID[members[i].ID]; h != nil {
			members[i].Extra = h
		}
	}
	return members, nil
}
