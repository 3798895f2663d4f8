package model

import "time"

// Scheme values.
const (
	SchemeInternetFacing = "internet-facing"
	SchemeInternal       = "internal"
)

// LoadBalancer is one Classic load balancer as desired by its owner. Values
// published in a snapshot are immutable: writers clone before changing.
type LoadBalancer struct {
	// Account is the 12-digit id of the owning account.
	Account string `json:"account"`
	// Name is unique per account: 1–32 of [A-Za-z0-9-], no leading or
	// trailing hyphen.
	Name string `json:"name"`
	// DNSName is <name>-<digits>.<region>.<dns-domain>, prefixed with
	// "internal-" for the internal scheme. Fixed at creation.
	DNSName string `json:"dnsName"`
	// CreatedTime is when CreateLoadBalancer first succeeded, UTC, ms.
	CreatedTime time.Time `json:"createdTime"`
	// Scheme is internet-facing (default) or internal (VPC only).
	Scheme string `json:"scheme"`
	// Listeners, at most Limits.ListenersPerLoadBalancer (default 100),
	// in creation order; LoadBalancerPort is unique.
	Listeners []Listener `json:"listeners"`
	// AvailabilityZones are the enabled zones, sorted. For a VPC load
	// balancer they are the zones of Subnets.
	AvailabilityZones []string `json:"availabilityZones"`
	// Subnets is empty for an EC2-Classic-style load balancer (created
	// with AvailabilityZones); at most one subnet per zone.
	Subnets []string `json:"subnets,omitempty"`
	// VPCID is the subnets' VPC, "" for EC2-Classic style.
	VPCID string `json:"vpcId,omitempty"`
	// SecurityGroups applied (VPC only), in the order given.
	SecurityGroups []string `json:"securityGroups,omitempty"`
	// Instances are the registered instance ids, in registration order.
	Instances []string `json:"instances,omitempty"`
	// HealthCheck is always set; see DefaultHealthCheck.
	HealthCheck HealthCheck `json:"healthCheck"`
	// Attributes are the load balancer attributes with defaults filled in.
	Attributes Attributes `json:"attributes"`
	// Policies created on this load balancer, in creation order.
	Policies []Policy `json:"policies,omitempty"`
	// BackendServers holds the policies set per instance port; entries
	// with no policies are removed.
	BackendServers []BackendServer `json:"backendServers,omitempty"`
	// Tags, at most Limits.TagsPerLoadBalancer (default 50), keys unique.
	Tags []Tag `json:"tags,omitempty"`
	// Nodes are the load balancer's addresses, one per enabled zone, in
	// zone order; allocated from the address pools and stable until the
	// zone is disabled or the load balancer deleted. Not part of the API.
	Nodes []Node `json:"nodes,omitempty"`
	// Draining lists the instances whose connections are draining after
	// they stopped serving (deregistered, or their zone disabled) while
	// connection draining was enabled. Entries past Until are dropped at
	// the next change. Not part of the API.
	Draining []Drain `json:"draining,omitempty"`
}

// Drain is one instance draining from a load balancer.
type Drain struct {
	// Instance is the instance id.
	Instance string `json:"instance"`
	// Until is when the drain ends at the latest: the moment the
	// instance stopped serving plus DrainingTimeout, UTC.
	Until time.Time `json:"until"`
	// Zone is true when the instance is still registered and drains
	// because its zone was disabled.
	Zone bool `json:"zone,omitempty"`
}

// DrainOf returns inst's drain entry that is still running at now.
func (lb *LoadBalancer) DrainOf(inst string, now time.Time) (Drain, bool) {
	for _, d := range lb.Draining {
		if d.Instance == inst && now.Before(d.Until) {
			return d, true
		}
	}
	return Drain{}, false
}

// Node is a load balancer's presence in one zone: the addresses its
// listeners bind there.
type Node struct {
	Zone string `json:"zone"`
	// IPv4 is from --address-pool; always set.
	IPv4 string `json:"ipv4"`
	// IPv6 is from --address-pool6; "" when no IPv6 pool is configured.
	IPv6 string `json:"ipv6,omitempty"`
}

// Listener maps a front-end port to an instance port.
type Listener struct {
	// Protocol is HTTP, HTTPS, TCP or SSL (upper case).
	Protocol string `json:"protocol"`
	// LoadBalancerPort is 1–65535 (EC2-Classic style: 25, 80, 443, 465,
	// 587 or 1024–65535).
	LoadBalancerPort int `json:"loadBalancerPort"`
	// InstanceProtocol is HTTP or HTTPS behind HTTP/HTTPS listeners and TCP
	// or SSL behind TCP/SSL ones; it defaults to Protocol.
	InstanceProtocol string `json:"instanceProtocol"`
	// InstancePort is 1–65535.
	InstancePort int `json:"instancePort"`
	// SSLCertificateID is the certificate ARN; required for HTTPS and SSL.
	SSLCertificateID string `json:"sslCertificateId,omitempty"`
	// PolicyNames are the listener policies (stickiness, SSL negotiation).
	PolicyNames []string `json:"policyNames,omitempty"`
}

// Secure reports whether the front end terminates TLS.
func (l Listener) Secure() bool { return l.Protocol == "HTTPS" || l.Protocol == "SSL" }

// HealthCheck configures active checks of registered instances.
type HealthCheck struct {
	// Target is PROTO:PORT for TCP/SSL or PROTO:PORT/PATH for HTTP/HTTPS.
	Target string `json:"target"`
	// Interval between checks of one instance, seconds, 5–300, default 30.
	Interval int `json:"interval"`
	// Timeout for one check, seconds, 2–60, below Interval, default 5.
	Timeout int `json:"timeout"`
	// UnhealthyThreshold consecutive failures mark an instance
	// OutOfService; 2–10, default 2.
	UnhealthyThreshold int `json:"unhealthyThreshold"`
	// HealthyThreshold consecutive successes mark it InService; 2–10,
	// default 10.
	HealthyThreshold int `json:"healthyThreshold"`
}

// Attributes are the load balancer attributes.
type Attributes struct {
	// CrossZone spreads each zone's traffic over all enabled zones.
	// Default false (the API default).
	CrossZone bool `json:"crossZone"`
	// AccessLog configures access logging.
	AccessLog AccessLog `json:"accessLog"`
	// DrainingEnabled enables connection draining; default false.
	DrainingEnabled bool `json:"drainingEnabled"`
	// DrainingTimeout is the drain limit in seconds, 1–3600, default 300;
	// kept while draining is disabled.
	DrainingTimeout int `json:"drainingTimeout"`
	// IdleTimeout is the connection idle timeout in seconds, 1–4000,
	// default 60.
	IdleTimeout int `json:"idleTimeout"`
	// DesyncMode is elb.http.desyncmitigationmode: monitor, defensive
	// (default) or strictest.
	DesyncMode string `json:"desyncMode"`
	// DesyncAlias records that the mode was last set through Terraform's
	// alias key, so that Describe echoes that key too.
	DesyncAlias bool `json:"desyncAlias,omitempty"`
	// TLS13 lets HTTPS and SSL listeners negotiate TLS 1.3 when their
	// policy enables TLS 1.2 (elbd.tls.tls13.enabled); default false, as
	// Classic ELB never negotiates TLS 1.3.
	TLS13 bool `json:"tls13,omitempty"`
	// SNI makes HTTPS and SSL listeners also serve, chosen by the client's
	// server name, every certificate uploaded under the IAM path of the
	// listener's certificate (elbd.tls.sni.enabled); default false.
	SNI bool `json:"sni,omitempty"`
	// SessionTickets enables TLS session resumption with ticket keys that
	// elbd rotates and shares across its listeners
	// (elbd.tls.sessiontickets.enabled); default false.
	SessionTickets bool `json:"sessionTickets,omitempty"`
	// HTTP2 offers HTTP/2 to clients of HTTPS listeners through ALPN
	// (elbd.https.http2.enabled); default false.
	HTTP2 bool `json:"http2,omitempty"`
}

// AccessLog configures access logs.
type AccessLog struct {
	// Enabled turns logging on; default false.
	Enabled bool `json:"enabled"`
	// S3BucketName maps to a directory under the access-log root.
	S3BucketName string `json:"s3BucketName,omitempty"`
	// S3BucketPrefix maps to a sub-directory; must not contain "AWSLogs".
	S3BucketPrefix string `json:"s3BucketPrefix,omitempty"`
	// EmitInterval is the rotation period in minutes: 5 or 60 (default).
	EmitInterval int `json:"emitInterval"`
}

// Policy is a named policy instance on a load balancer.
type Policy struct {
	Name       string      `json:"name"`
	TypeName   string      `json:"typeName"`
	Attributes []Attribute `json:"attributes,omitempty"`
}

// Attribute is one policy attribute.
type Attribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// BackendServer lists the policies set on one instance port.
type BackendServer struct {
	InstancePort int      `json:"instancePort"`
	PolicyNames  []string `json:"policyNames"`
}

// Tag is a key/value label; key 1–128, value 0–256 characters.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Instance is a back-end machine in the inventory.
type Instance struct {
	// ID is i-... or an IP literal.
	ID string `json:"id"`
	// Zone is one of the configured zones.
	Zone string `json:"zone"`
	// IPv4 and IPv6 are the addresses traffic is sent to; at least one.
	IPv4 string `json:"ipv4,omitempty"`
	IPv6 string `json:"ipv6,omitempty"`
	// State is pending, running, stopped or terminated.
	State string `json:"state"`
	// Account restricts the instance to one account; "" means any.
	Account string `json:"account,omitempty"`
	// Static is true for instances declared in the config file.
	Static bool `json:"-"`
}

// Instance states.
const (
	InstancePending    = "pending"
	InstanceRunning    = "running"
	InstanceStopped    = "stopped"
	InstanceTerminated = "terminated"
)

// Certificate is an IAM server certificate.
type Certificate struct {
	Account    string    `json:"account"`
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	ID         string    `json:"id"`
	ARN        string    `json:"arn"`
	UploadDate time.Time `json:"uploadDate"`
	Expiration time.Time `json:"expiration"`
	Body       string    `json:"body"`
	Chain      string    `json:"chain,omitempty"`
	// PrivateKey is PKCS#8 PEM; never returned by any API.
	PrivateKey string `json:"privateKey"`
	Tags       []Tag  `json:"tags,omitempty"`
}

// Clone returns a deep copy that may be changed freely.
func (lb *LoadBalancer) Clone() *LoadBalancer {
	c := *lb
	c.Listeners = make([]Listener, len(lb.Listeners))
	for i, l := range lb.Listeners {
		l.PolicyNames = append([]string(nil), l.PolicyNames...)
		c.Listeners[i] = l
	}
	c.AvailabilityZones = append([]string(nil), lb.AvailabilityZones...)
	c.Subnets = append([]string(nil), lb.Subnets...)
	c.SecurityGroups = append([]string(nil), lb.SecurityGroups...)
	c.Instances = append([]string(nil), lb.Instances...)
	c.Policies = make([]Policy, len(lb.Policies))
	for i, p := range lb.Policies {
		p.Attributes = append([]Attribute(nil), p.Attributes...)
		c.Policies[i] = p
	}
	c.BackendServers = make([]BackendServer, len(lb.BackendServers))
	for i, b := range lb.BackendServers {
		b.PolicyNames = append([]string(nil), b.PolicyNames...)
		c.BackendServers[i] = b
	}
	c.Tags = append([]Tag(nil), lb.Tags...)
	c.Nodes = append([]Node(nil), lb.Nodes...)
	c.Draining = append([]Drain(nil), lb.Draining...)
	return &c
}

// Listener returns the listener on port, if any.
func (lb *LoadBalancer) Listener(port int) (Listener, int, bool) {
	for i, l := range lb.Listeners {
		if l.LoadBalancerPort == port {
			return l, i, true
		}
	}
	return Listener{}, -1, false
}

// Policy returns the named policy, if any.
func (lb *LoadBalancer) Policy(name string) (Policy, bool) {
	for _, p := range lb.Policies {
		if p.Name == name {
			return p, true
		}
	}
	return Policy{}, false
}
