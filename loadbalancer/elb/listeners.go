package elb

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// Listener is a front-end port and protocol forwarding to an instance
// port and protocol.
type Listener struct {
	// Protocol is the front-end protocol: http, https, tcp or ssl
	// (any case on input; lower case on output).
	Protocol string
	// LoadBalancerPort is the front-end port.
	LoadBalancerPort int
	// InstanceProtocol is the back-end protocol; "" means the same
	// family as Protocol without TLS (http for http/https, tcp for
	// tcp/ssl) as ELB does.
	InstanceProtocol string
	// InstancePort is the port on the instances; 0 means
	// LoadBalancerPort.
	InstancePort int
	// SSLCertificateID is the certificate ARN, required for https and ssl.
	SSLCertificateID string
	// PolicyNames are the policies enabled on the listener (output only).
	PolicyNames []string
}

func (l Listener) toSDK() types.Listener {
	out := types.Listener{
		Protocol:         aws.String(strings.ToUpper(l.Protocol)),
		LoadBalancerPort: int32(l.LoadBalancerPort),
		InstancePort:     aws.Int32(int32(l.InstancePort)),
	}
	if l.InstancePort == 0 {
		out.InstancePort = aws.Int32(int32(l.LoadBalancerPort))
	}
	if l.InstanceProtocol != "" {
		out.InstanceProtocol = aws.String(strings.ToUpper(l.InstanceProtocol))
	}
	if l.SSLCertificateID != "" {
		out.SSLCertificateId = aws.String(l.SSLCertificateID)
	}
	return out
}

func listenerFromSDK(ld types.ListenerDescription) Listener {
	l := Listener{PolicyNames: nonNil(ld.PolicyNames)}
	if x := ld.Listener; x != nil {
		l.Protocol = strings.ToLower(aws.ToString(x.Protocol))
		l.LoadBalancerPort = int(x.LoadBalancerPort)
		l.InstanceProtocol = strings.ToLower(aws.ToString(x.InstanceProtocol))
		l.InstancePort = int(aws.ToInt32(x.InstancePort))
		l.SSLCertificateID = aws.ToString(x.SSLCertificateId)
	}
	return l
}

// CreateBalancerListeners adds listeners to balancer name (libcloud's
// ex_create_balancer_listeners, which never sends its request; this one
// does). An existing identical listener is not an error; one on the same
// port with different settings matches loadbalancer.ErrDuplicate.
func (d *Driver) CreateBalancerListeners(ctx context.Context, name string, listeners ...Listener) error {
	const op = "CreateLoadBalancerListeners"
	if len(listeners) == 0 {
		return invalid(op, "no listeners given")
	}
	in := &elasticloadbalancing.CreateLoadBalancerListenersInput{LoadBalancerName: aws.String(name)}
	for _, l := range listeners {
		in.Listeners = append(in.Listeners, l.toSDK())
	}
	_, err := d.elb.CreateLoadBalancerListeners(ctx, in)
	return wrapErr(op, err)
}

// DeleteBalancerListeners removes the listeners on the given front-end
// ports of balancer name. Ports with no listener are ignored, as in ELB.
func (d *Driver) DeleteBalancerListeners(ctx context.Context, name string, ports ...int) error {
	const op = "DeleteLoadBalancerListeners"
	if len(ports) == 0 {
		return invalid(op, "no ports given")
	}
	in := &elasticloadbalancing.DeleteLoadBalancerListenersInput{LoadBalancerName: aws.String(name)}
	for _, p := range ports {
		in.LoadBalancerPorts = append(in.LoadBalancerPorts, int32(p))
	}
	_, err := d.elb.DeleteLoadBalancerListeners(ctx, in)
	return wrapErr(op, err)
}

// SetListenerCertificate replaces the certificate of the https or ssl
// listener on port of balancer name.
func (d *Driver) SetListenerCertificate(ctx context.Context, name string, port int, certificateID string) error {
	const op = "SetLoadBalancerListenerSSLCertificate"
	_, err := d.elb.SetLoadBalancerListenerSSLCertificate(ctx, &elasticloadbalancing.SetLoadBalancerListenerSSLCertificateInput{
		LoadBalancerName: aws.String(name),
		LoadBalancerPort: int32(port),
		SSLCertificateId: aws.String(certificateID),
	})
	return wrapErr(op, err)
}

// nonNil returns s, or an empty slice if s is nil, so that callers and
// JSON output see [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
