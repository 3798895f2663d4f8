package dataplane

import (
	"crypto/tls"
	"net/netip"
	"time"

	"github.com/elbd/elbd/internal/desync"
	"github.com/elbd/elbd/internal/health"
	"github.com/elbd/elbd/internal/tlspolicy"
)

// Config is everything the data plane serves, as one immutable snapshot.
type Config struct {
	// Revision is the desired-state revision this was built from.
	Revision  uint64
	Balancers []Balancer
	// StickyKey signs sticky-session cookies (see internal/sticky); it
	// is the same for every balancer and across restarts. Empty
	// disables sticky sessions.
	StickyKey []byte
}

// Balancer is one load balancer as the data plane sees it.
type Balancer struct {
	// Key identifies the balancer across snapshots (account/name).
	Key  string
	Name string
	// Nodes are the per-zone addresses; listeners bind on each.
	Nodes     []Node
	Listeners []Listener
	// Instances are the registered, running instances in enabled zones.
	Instances []Instance
	// Draining are instances that stopped serving (deregistered, or
	// their zone disabled) and whose connections drain until Until.
	// They get no new traffic; their connections are closed when the
	// drain ends. An instance that stops serving without a Drain entry
	// has its connections closed at once (draining disabled).
	Draining []Drain
	// HealthCheck is the balancer's active health check; the zero Spec
	// (Interval 0) means no checks, and every instance is then taken as
	// healthy.
	HealthCheck health.Spec
	// AccessLog configures access logs; disabled when !Enabled.
	AccessLog AccessLog
	// CrossZone lets each node use the instances of every enabled zone.
	CrossZone bool
	// IdleTimeout closes connections idle this long on either side.
	IdleTimeout time.Duration
	// DesyncMode is the HTTP desync mitigation mode.
	DesyncMode desync.Mode
	// Firewall is false for balancers without security groups, which
	// accept every source like EC2-Classic ones; when true, a connection
	// is accepted only if a rule allows its source on the listener port.
	Firewall bool
	Rules    []Rule
}

// Drain is an instance whose connections drain.
type Drain struct {
	ID string
	// Until is when its connections are closed at the latest. The drain
	// ends earlier once nothing is in flight to the instance.
	Until time.Time
}

// AccessLog is a balancer's AccessLog attribute.
type AccessLog struct {
	Enabled bool
	// Bucket and Prefix become directories under the access-log root.
	Bucket, Prefix string
	// Interval is the emit interval: 5 or 60 minutes.
	Interval time.Duration
}

// Rule is one ingress rule of a security group applied to a balancer.
type Rule struct {
	// FromPort and ToPort bound the listener ports the rule opens,
	// inclusive; protocol "-1" rules are given as 0..65535.
	FromPort, ToPort int
	Sources          []netip.Prefix
}

// allows reports whether rules admit src on port.
func allows(rules []Rule, port int, src netip.Addr) bool {
	src = src.Unmap()
	for _, r := range rules {
		if port < r.FromPort || port > r.ToPort {
			continue
		}
		for _, p := range r.Sources {
			if p.Contains(src) {
				return true
			}
		}
	}
	return false
}

// Node is a balancer's address in one zone.
type Node struct {
	Zone string
	IPv4 netip.Addr
	// IPv6 is the zero Addr when no IPv6 pool is configured.
	IPv6 netip.Addr
}

// Listener is one front-end port.
type Listener struct {
	// Protocol is HTTP, HTTPS, TCP or SSL.
	Protocol         string
	Port             int
	InstanceProtocol string
	InstancePort     int
	// ProxyProtocol sends a PROXY v1 line to instances (TCP listeners).
	ProxyProtocol bool
	// Sticky is the listener's stickiness policy (HTTP and HTTPS
	// listeners); nil for none.
	Sticky *Sticky
	// TLS is the front end of an HTTPS or SSL listener: nil for HTTP and
	// TCP listeners.
	TLS *FrontTLS
	// BackendTLS makes connections to instances use TLS (instance
	// protocol HTTPS or SSL); nil for plain ones.
	BackendTLS *BackendTLS
}

// FrontTLS is what an HTTPS or SSL listener negotiates with clients.
type FrontTLS struct {
	// Certificates are the listener's certificate (first, served when
	// no other matches the client's server name) and, with SNI, the
	// others crypto/tls chooses from by server name.
	Certificates []tls.Certificate
	// Policy names the listener's SSL negotiation policy, for logs.
	Policy string
	// Negotiation is what the policy allows and Go can serve; its
	// Unservable and Ignored settings are logged when the listener
	// starts.
	Negotiation tlspolicy.Result
	// Err, when set, is why the policy cannot be served; the listener
	// is then reported as failed.
	Err error
	// HTTP2 offers h2 through ALPN (HTTPS listeners).
	HTTP2 bool
	// SessionTickets enables resumption with the plane's shared,
	// rotated ticket keys.
	SessionTickets bool
}

// BackendTLS is how the data plane talks TLS to instances.
type BackendTLS struct {
	// Pins are the public keys an instance's certificate must have one
	// of (health.Pins); empty accepts any certificate, unverified, as ELB
	// does without a back-end authentication policy.
	Pins string
}

// Sticky is a stickiness policy attached to a listener.
type Sticky struct {
	// AppCookie names the application cookie that the AWSELB cookie
	// follows (AppCookieStickinessPolicyType); empty for the duration
	// cookie of LBCookieStickinessPolicyType.
	AppCookie string
	// Expiration is the duration cookie's lifetime (CookieExpirationPeriod);
	// zero makes it a session cookie.
	Expiration time.Duration
}

// Instance is a back end.
type Instance struct {
	ID   string
	Zone string
	// Addr is the address traffic goes to (IPv4 preferred).
	Addr netip.Addr
}
