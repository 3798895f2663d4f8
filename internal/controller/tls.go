package controller

import (
	"crypto/tls"
	"slices"
	"strings"
	"sync"

	"github.com/elbd/elbd/internal/certs"
	"github.com/elbd/elbd/internal/dataplane"
	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/health"
	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/policy"
	"github.com/elbd/elbd/internal/tlspolicy"
)

// CertCache parses stored server certificates into tls.Certificates once:
// Build runs on every snapshot and every retry tick, and parsing a private
// key costs far more than a map lookup. A certificate is keyed by its ARN
// and upload date, so a re-upload under the same name is parsed anew. The
// zero value is ready to use.
type CertCache struct {
	mu sync.Mutex
	m  map[string]*tls.Certificate
}

// get returns c parsed, or nil if it cannot be (the store holds only
// validated certificates, so this means a corrupted record).
func (cc *CertCache) get(c *model.Certificate) *tls.Certificate {
	if cc == nil {
		if tc, err := certs.TLSCertificate(c.Body, c.Chain, c.PrivateKey); err == nil {
			return &tc
		}
		return nil
	}
	k := c.ARN + "|" + c.UploadDate.String()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if tc, ok := cc.m[k]; ok {
		return tc
	}
	if cc.m == nil || len(cc.m) > 4096 {
		cc.m = map[string]*tls.Certificate{} // bound the cache; entries refill on demand
	}
	var tp *tls.Certificate
	if tc, err := certs.TLSCertificate(c.Body, c.Chain, c.PrivateKey); err == nil {
		tp = &tc
	}
	cc.m[k] = tp
	return tp
}

// frontTLS is the client side of an HTTPS or SSL listener: its certificate
// (and with SNI those under the same IAM path), and what its SSL
// negotiation policy allows Go to serve. A listener whose certificate is
// gone gets a FrontTLS without certificates, which the plane reports as a
// failed listener.
func frontTLS(st *elb.State, lb *model.LoadBalancer, l model.Listener, cc *CertCache) *dataplane.FrontTLS {
	ft := &dataplane.FrontTLS{HTTP2: lb.Attributes.HTTP2 && l.Protocol == "HTTPS", SessionTickets: lb.Attributes.SessionTickets}
	def := st.CertificateByARN(lb.Account, l.SSLCertificateID)
	if def != nil {
		if tc := cc.get(def); tc != nil {
			ft.Certificates = append(ft.Certificates, *tc)
		}
		if lb.Attributes.SNI {
			for _, c := range sniCertificates(st, lb.Account, def) {
				if tc := cc.get(c); tc != nil {
					ft.Certificates = append(ft.Certificates, *tc)
				}
			}
		}
	}
	name, attrs := negotiationPolicy(lb, l)
	ft.Policy = name
	// Stored policies were validated when created, so an error means a
	// record elbd cannot serve; the plane reports the listener as failed.
	ft.Negotiation, ft.Err = tlspolicy.Resolve(attrs, tlspolicy.Options{TLS13: lb.Attributes.TLS13})
	return ft
}

// negotiationPolicy returns the name and attributes of l's SSL negotiation
// policy, or of the default one when none is attached.
func negotiationPolicy(lb *model.LoadBalancer, l model.Listener) (string, []model.Attribute) {
	for _, n := range l.PolicyNames {
		if p, ok := lb.Policy(n); ok && p.TypeName == policy.SSLNegotiationType {
			return p.Name, p.Attributes
		}
		if p, ok := policy.LookupPredefined(n); ok && p.TypeName == policy.SSLNegotiationType {
			return p.Name, modelAttrs(p.Attributes)
		}
	}
	p, _ := policy.LookupPredefined(policy.DefaultSecurityPolicy)
	return p.Name, modelAttrs(p.Attributes)
}

func modelAttrs(as []policy.Attribute) []model.Attribute {
	out := make([]model.Attribute, len(as))
	for i, a := range as {
		out[i] = model.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}

// sniCertificates returns, sorted by name, account's other certificates
// under def's IAM path: the ones a listener with SNI also serves.
func sniCertificates(st *elb.State, account string, def *model.Certificate) []*model.Certificate {
	var out []*model.Certificate
	for k, c := range st.Certificates {
		if k.Account == account && c.Path == def.Path && c.ARN != def.ARN {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *model.Certificate) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// backendTLS is the TLS to instances on port for instance protocol proto:
// nil for plain protocols, with pins when a back-end authentication policy
// is set on the port.
func backendTLS(lb *model.LoadBalancer, proto string, port int) *dataplane.BackendTLS {
	if proto != "HTTPS" && proto != "SSL" {
		return nil
	}
	return &dataplane.BackendTLS{Pins: pins(lb, port)}
}

// pins returns the keys a BackendServerAuthenticationPolicyType policy on
// port pins, as health.Pins; "" when there is none.
func pins(lb *model.LoadBalancer, port int) string {
	var keys [][]byte
	for _, bs := range lb.BackendServers {
		if bs.InstancePort != port {
			continue
		}
		for _, name := range bs.PolicyNames {
			p, ok := lb.Policy(name)
			if !ok || p.TypeName != policy.BackendServerAuthenticationType {
				continue
			}
			for _, a := range p.Attributes {
				pk, ok := lb.Policy(a.Value)
				if a.Name != "PublicKeyPolicyName" || !ok {
					continue
				}
				for _, ka := range pk.Attributes {
					if ka.Name != "PublicKey" {
						continue
					}
					if der, err := policy.PublicKeyDER(ka.Value); err == nil {
						keys = append(keys, der)
					}
				}
			}
		}
	}
	if len(keys) == 0 {
		return ""
	}
	return health.Pins(keys)
}
