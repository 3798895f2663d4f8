package elb

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/loadbalancer"
)

// Protocols are the listener protocols ELB supports, as ListProtocols
// returns them.
var Protocols = []string{"tcp", "ssl", "http", "https"}

// ListProtocols returns tcp, ssl, http and https.
func (d *Driver) ListProtocols(context.Context) ([]string, error) {
	return slices.Clone(Protocols), nil
}

// ListSupportedAlgorithms returns LeastConnections and RoundRobin. ELB
// has no algorithm setting; it picks one from the listener protocol:
// HTTP and HTTPS listeners send each request to the instance with the
// fewest outstanding requests (LeastConnections), TCP and SSL listeners
// spread connections round robin (RoundRobin). See AlgorithmFor.
func (d *Driver) ListSupportedAlgorithms(context.Context) ([]loadbalancer.Algorithm, error) {
	return []loadbalancer.Algorithm{loadbalancer.LeastConnections, loadbalancer.RoundRobin}, nil
}

// AlgorithmFor returns the algorithm ELB uses for a listener protocol:
// LeastConnections for http and https, RoundRobin for tcp and ssl. ok is
// false for other protocols.
func AlgorithmFor(protocol string) (a loadbalancer.Algorithm, ok bool) {
	switch normProtocol(protocol) {
	case "http", "https":
		return loadbalancer.LeastConnections, true
	case "tcp", "ssl":
		return loadbalancer.RoundRobin, true
	}
	return 0, false
}

// ListBalancers returns every balancer, following NextMarker through all
// pages (libcloud reads only the first).
func (d *Driver) ListBalancers(ctx context.Context) ([]loadbalancer.Balancer, error) {
	out := []loadbalancer.Balancer{}
	p := elasticloadbalancing.NewDescribeLoadBalancersPaginator(d.elb, &elasticloadbalancing.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("DescribeLoadBalancers", err)
		}
		for _, lb := range page.LoadBalancerDescriptions {
			out = append(out, toBalancer(lb))
		}
	}
	return out, nil
}

// GetBalancer returns the balancer named id; an unknown name matches
// loadbalancer.ErrNotFound.
func (d *Driver) GetBalancer(ctx context.Context, id string) (loadbalancer.Balancer, error) {
	const op = "DescribeLoadBalancers"
	if id == "" {
		return loadbalancer.Balancer{}, invalid(op, "empty balancer name")
	}
	out, err := d.elb.DescribeLoadBalancers(ctx, &elasticloadbalancing.DescribeLoadBalancersInput{LoadBalancerNames: []string{id}})
	if err != nil {
		return loadbalancer.Balancer{}, wrapErr(op, err)
	}
	for _, lb := range out.LoadBalancerDescriptions {
		if aws.ToString(lb.LoadBalancerName) == id {
			return toBalancer(lb), nil
		}
	}
	return loadbalancer.Balancer{}, &loadbalancer.ProviderError{Op: op, Code: "LoadBalancerNotFound",
		Message: fmt.Sprintf("There is no ACTIVE Load Balancer named '%s'", id), Kind: loadbalancer.ErrNotFound}
}

// LoadBalancerSpec is the full form of CreateLoadBalancer, for what
// loadbalancer.CreateRequest cannot say.
type LoadBalancerSpec struct {
	Name      string
	Listeners []Listener
	// Zones or Subnets place the balancer; if both are empty the
	// driver's defaults (Options.Zones/Subnets) are used.
	Zones          []string
	Subnets        []string
	SecurityGroups []string
	// Scheme is "internet-facing" or "internal" (VPC only); "" lets ELB
	// choose internet-facing.
	Scheme string
	Tags   map[string]string
	// Instances are registered after the balancer is created.
	Instances []string
}

// CreateLoadBalancer creates a balancer from spec, registers
// spec.Instances and returns the balancer as described afterwards. If
// registering fails, the new balancer is deleted and the error returned.
func (d *Driver) CreateLoadBalancer(ctx context.Context, spec LoadBalancerSpec) (loadbalancer.Balancer, error) {
	const op = "CreateLoadBalancer"
	if spec.Name == "" {
		return loadbalancer.Balancer{}, invalid(op, "empty balancer name")
	}
	if len(spec.Listeners) == 0 {
		return loadbalancer.Balancer{}, invalid(op, "a balancer needs at least one listener")
	}
	in := &elasticloadbalancing.CreateLoadBalancerInput{LoadBalancerName: aws.String(spec.Name)}
	for _, l := range spec.Listeners {
		in.Listeners = append(in.Listeners, l.toSDK())
	}
	zones, subnets, groups, scheme := spec.Zones, spec.Subnets, spec.SecurityGroups, spec.Scheme
	if len(zones) == 0 && len(subnets) == 0 {
		if len(d.subnets) > 0 {
			subnets = d.subnets
			if len(groups) == 0 {
				groups = d.securityGroups
			}
			if scheme == "" {
				scheme = d.scheme
			}
		} else {
			zones = d.defaultZones()
		}
	}
	in.AvailabilityZones = zones
	in.Subnets = subnets
	in.SecurityGroups = groups
	if scheme != "" {
		in.Scheme = aws.String(scheme)
	}
	in.Tags = toSDKTags(spec.Tags)
	if _, err := d.elb.CreateLoadBalancer(ctx, in); err != nil {
		return loadbalancer.Balancer{}, wrapErr(op, err)
	}
	if len(spec.Instances) > 0 {
		if err := d.register(ctx, spec.Name, spec.Instances); err != nil {
			if derr := d.deleteBalancer(ctx, spec.Name); derr != nil {
				err = errors.Join(err, derr)
			}
			return loadbalancer.Balancer{}, err
		}
	}
	return d.GetBalancer(ctx, spec.Name)
}

// CreateBalancer creates a balancer with one listener from req.Port
// (default 80) and req.Protocol (default http) to req.MemberPort (default
// Port) in the driver's default zones or subnets, registers req.Members
// and returns the balancer as ELB describes it (Address = DNS name,
// State = StateRunning).
//
// req.Algorithm must be the one ELB uses for the protocol (AlgorithmFor):
// LeastConnections for http/https, RoundRobin for tcp/ssl; anything else,
// including the zero value Random, matches loadbalancer.ErrInvalidInput.
// Each member's ID is an instance id (or an IP literal for elbd); an
// empty ID falls back to the member's IP; a member Port other than 0 or
// MemberPort matches ErrInvalidInput, since ELB registers instances, not
// ports. https and ssl need a certificate, which only CreateLoadBalancer
// can give. Nothing is created if validation fails, and the balancer is
// deleted again if members cannot be registered.
func (d *Driver) CreateBalancer(ctx context.Context, req loadbalancer.CreateRequest) (loadbalancer.Balancer, error) {
	const op = "CreateBalancer"
	proto := normProtocol(req.Protocol)
	if proto == "" {
		proto = "http"
	}
	want, ok := AlgorithmFor(proto)
	if !ok {
		return loadbalancer.Balancer{}, invalid(op, "unsupported protocol %q (want one of tcp, ssl, http, https)", req.Protocol)
	}
	if req.Algorithm != want {
		return loadbalancer.Balancer{}, invalid(op, "ELB uses %s for %s listeners; algorithm %s is not supported (use elb.AlgorithmFor)", want, proto, req.Algorithm)
	}
	port := req.Port
	if port == 0 {
		port = 80
	}
	memberPort := req.MemberPort
	if memberPort == 0 {
		memberPort = port
	}
	if port < 1 || port > 65535 || memberPort < 1 || memberPort > 65535 {
		return loadbalancer.Balancer{}, invalid(op, "ports must be 1-65535")
	}
	ids := make([]string, 0, len(req.Members))
	for i, m := range req.Members {
		id, err := memberID(op, m, []int{memberPort})
		if err != nil {
			return loadbalancer.Balancer{}, fmt.Errorf("member %d: %w", i+1, err)
		}
		ids = append(ids, id)
	}
	return d.CreateLoadBalancer(ctx, LoadBalancerSpec{
		Name:      req.Name,
		Listeners: []Listener{{Protocol: proto, LoadBalancerPort: port, InstancePort: memberPort}},
		Instances: ids,
	})
}

// UpdateBalancer changes a balancer's front-end Port and/or Protocol by
// replacing its first listener (same instance port; the certificate is
// kept for https/ssl; policies enabled on the old listener are not
// carried over). A Name change matches loadbalancer.ErrNotSupported (ELB
// cannot rename), as does an Algorithm other than the one ELB uses for
// the resulting protocol. It returns the balancer as described afterwards.
func (d *Driver) UpdateBalancer(ctx context.Context, b loadbalancer.Balancer, req loadbalancer.UpdateRequest) (loadbalancer.Balancer, error) {
	const op = "UpdateBalancer"
	cur, err := d.GetBalancer(ctx, balancerName(b))
	if err != nil {
		return loadbalancer.Balancer{}, err
	}
	if req.Name != nil && *req.Name != cur.Name {
		return loadbalancer.Balancer{}, unsupported(op, "ELB cannot rename a load balancer")
	}
	det := DetailsOf(cur)
	if len(det.Listeners) == 0 {
		if req.Port != nil || req.Protocol != nil {
			return loadbalancer.Balancer{}, invalid(op, "balancer %s has no listener to change; use CreateBalancerListeners", cur.Name)
		}
		return cur, nil
	}
	old := det.Listeners[0]
	nl := Listener{Protocol: old.Protocol, LoadBalancerPort: old.LoadBalancerPort, InstanceProtocol: old.InstanceProtocol,
		InstancePort: old.InstancePort, SSLCertificateID: old.SSLCertificateID}
	if req.Protocol != nil {
		nl.Protocol = normProtocol(*req.Protocol)
		if _, ok := AlgorithmFor(nl.Protocol); !ok {
			return loadbalancer.Balancer{}, invalid(op, "unsupported protocol %q", *req.Protocol)
		}
		nl.InstanceProtocol = instanceProtocolFor(nl.Protocol, old.InstanceProtocol)
		if nl.Protocol != "https" && nl.Protocol != "ssl" {
			nl.SSLCertificateID = ""
		}
	}
	if req.Port != nil {
		if *req.Port < 1 || *req.Port > 65535 {
			return loadbalancer.Balancer{}, invalid(op, "port %d out of range 1-65535", *req.Port)
		}
		nl.LoadBalancerPort = *req.Port
	}
	if req.Algorithm != nil {
		if want, _ := AlgorithmFor(nl.Protocol); *req.Algorithm != want {
			return loadbalancer.Balancer{}, unsupported(op, "ELB uses %s for %s listeners and cannot use %s", want, nl.Protocol, *req.Algorithm)
		}
	}
	if nl.Protocol == old.Protocol && nl.LoadBalancerPort == old.LoadBalancerPort {
		return cur, nil
	}
	if err := d.replaceListener(ctx, cur.Name, old, nl); err != nil {
		return loadbalancer.Balancer{}, err
	}
	return d.GetBalancer(ctx, cur.Name)
}

// replaceListener swaps old for nl. With a new port the new listener is
// created first; on the same port the old one must go first and is put
// back if the new one is refused.
func (d *Driver) replaceListener(ctx context.Context, name string, old, nl Listener) error {
	old.PolicyNames = nil
	if nl.LoadBalancerPort != old.LoadBalancerPort {
		if err := d.CreateBalancerListeners(ctx, name, nl); err != nil {
			return err
		}
		return d.DeleteBalancerListeners(ctx, name, old.LoadBalancerPort)
	}
	if err := d.DeleteBalancerListeners(ctx, name, old.LoadBalancerPort); err != nil {
		return err
	}
	if err := d.CreateBalancerListeners(ctx, name, nl); err != nil {
		if rerr := d.CreateBalancerListeners(ctx, name, old); rerr != nil {
			return errors.Join(err, fmt.Errorf("restoring the old listener: %w", rerr))
		}
		return err
	}
	return nil
}

// instanceProtocolFor keeps the back end's TLS-ness when the front-end
// protocol family changes (http/https <-> tcp/ssl).
func instanceProtocolFor(front, oldBack string) string {
	secure := oldBack == "https" || oldBack == "ssl"
	switch front {
	case "http", "https":
		if secure {
			return "https"
		}
		return "http"
	default:
		if secure {
			return "ssl"
		}
		return "tcp"
	}
}

// DestroyBalancer deletes b (by b.ID, else b.Name). Deleting a balancer
// that does not exist succeeds, as in ELB.
func (d *Driver) DestroyBalancer(ctx context.Context, b loadbalancer.Balancer) error {
	name := balancerName(b)
	if name == "" {
		return invalid("DeleteLoadBalancer", "empty balancer id")
	}
	return d.deleteBalancer(ctx, name)
}

func (d *Driver) deleteBalancer(ctx context.Context, name string) error {
	_, err := d.elb.DeleteLoadBalancer(ctx, &elasticloadbalancing.DeleteLoadBalancerInput{LoadBalancerName: aws.String(name)})
	return wrapErr("DeleteLoadBalancer", err)
}

func toSDKTags(m map[string]string) []types.Tag {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}
