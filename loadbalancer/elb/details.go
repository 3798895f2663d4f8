package elb

import (
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/loadbalancer"
)

// Details is the ELB description of a balancer, found in
// loadbalancer.Balancer.Extra (use DetailsOf).
type Details struct {
	DNSName                   string
	CanonicalHostedZoneName   string
	CanonicalHostedZoneNameID string
	// Scheme is "internet-facing" or "internal".
	Scheme      string
	VPCID       string
	CreatedTime time.Time
	// Listeners are all the balancer's listeners, in ELB's order.
	Listeners []Listener
	// BackendServers are the instance ports that have policies.
	BackendServers []BackendServer
	Policies       Policies
	HealthCheck    HealthCheck
	// Instances are the registered instance ids.
	Instances           []string
	AvailabilityZones   []string
	Subnets             []string
	SecurityGroups      []string
	SourceSecurityGroup SourceSecurityGroup
	// Tags are set only by calls that fetch them (FetchTags,
	// GetBalancerWithTags, ListBalancersWithTags).
	Tags map[string]string
}

// BackendServer is an instance port with policies enabled on it.
type BackendServer struct {
	InstancePort int
	PolicyNames  []string
}

// Policies are a balancer's policies grouped as ELB reports them.
type Policies struct {
	AppCookieStickiness []AppCookieStickinessPolicy
	LBCookieStickiness  []LBCookieStickinessPolicy
	// Other are the names of all other policies.
	Other []string
}

// AppCookieStickinessPolicy follows an application cookie.
type AppCookieStickinessPolicy struct {
	PolicyName string
	CookieName string
}

// LBCookieStickinessPolicy uses a balancer-generated cookie.
type LBCookieStickinessPolicy struct {
	PolicyName string
	// CookieExpirationPeriod is in seconds; 0 means a session cookie.
	CookieExpirationPeriod int64
}

// SourceSecurityGroup is the group to allow in instances' security groups.
type SourceSecurityGroup struct {
	OwnerAlias string
	GroupName  string
}

// DetailsOf returns the *Details in b.Extra, or nil if b did not come
// from this driver.
func DetailsOf(b loadbalancer.Balancer) *Details {
	d, _ := b.Extra.(*Details)
	return d
}

// HealthOf returns the *InstanceHealth in m.Extra, or nil if there is
// none (members from ListMembers carry it).
func HealthOf(m loadbalancer.Member) *InstanceHealth {
	h, _ := m.Extra.(*InstanceHealth)
	return h
}

// toBalancer converts a LoadBalancerDescription. Address is the DNS name
// and Port/Protocol are the first listener's front end (libcloud reads
// both from the wrong element). ELB has no lifecycle state, so a balancer
// that is described is StateRunning.
func toBalancer(lb types.LoadBalancerDescription) loadbalancer.Balancer {
	det := &Details{
		DNSName:                   aws.ToString(lb.DNSName),
		CanonicalHostedZoneName:   aws.ToString(lb.CanonicalHostedZoneName),
		CanonicalHostedZoneNameID: aws.ToString(lb.CanonicalHostedZoneNameID),
		Scheme:                    aws.ToString(lb.Scheme),
		VPCID:                     aws.ToString(lb.VPCId),
		CreatedTime:               aws.ToTime(lb.CreatedTime),
		Listeners:                 []Listener{},
		BackendServers:            []BackendServer{},
		Instances:                 []string{},
		AvailabilityZones:         nonNil(lb.AvailabilityZones),
		Subnets:                   nonNil(lb.Subnets),
		SecurityGroups:            nonNil(lb.SecurityGroups),
		Policies: Policies{
			AppCookieStickiness: []AppCookieStickinessPolicy{},
			LBCookieStickiness:  []LBCookieStickinessPolicy{},
			Other:               []string{},
		},
	}
	for _, ld := range lb.ListenerDescriptions {
		det.Listeners = append(det.Listeners, listenerFromSDK(ld))
	}
	for _, b := range lb.BackendServerDescriptions {
		det.BackendServers = append(det.BackendServers, BackendServer{InstancePort: int(aws.ToInt32(b.InstancePort)), PolicyNames: nonNil(b.PolicyNames)})
	}
	if p := lb.Policies; p != nil {
		for _, a := range p.AppCookieStickinessPolicies {
			det.Policies.AppCookieStickiness = append(det.Policies.AppCookieStickiness, AppCookieStickinessPolicy{PolicyName: aws.ToString(a.PolicyName), CookieName: aws.ToString(a.CookieName)})
		}
		for _, l := range p.LBCookieStickinessPolicies {
			det.Policies.LBCookieStickiness = append(det.Policies.LBCookieStickiness, LBCookieStickinessPolicy{PolicyName: aws.ToString(l.PolicyName), CookieExpirationPeriod: aws.ToInt64(l.CookieExpirationPeriod)})
		}
		det.Policies.Other = nonNil(p.OtherPolicies)
	}
	if hc := lb.HealthCheck; hc != nil {
		det.HealthCheck = healthCheckFromSDK(hc)
	}
	if sg := lb.SourceSecurityGroup; sg != nil {
		det.SourceSecurityGroup = SourceSecurityGroup{OwnerAlias: aws.ToString(sg.OwnerAlias), GroupName: aws.ToString(sg.GroupName)}
	}
	b := loadbalancer.Balancer{
		ID:      aws.ToString(lb.LoadBalancerName),
		Name:    aws.ToString(lb.LoadBalancerName),
		State:   loadbalancer.StateRunning,
		Address: det.DNSName,
		Members: []loadbalancer.Member{},
		Extra:   det,
	}
	memberPort := 0
	if len(det.Listeners) > 0 {
		b.Port = det.Listeners[0].LoadBalancerPort
		b.Protocol = det.Listeners[0].Protocol
		memberPort = det.Listeners[0].InstancePort
	}
	for _, in := range lb.Instances {
		id := aws.ToString(in.InstanceId)
		det.Instances = append(det.Instances, id)
		b.Members = append(b.Members, newMember(id, "", memberPort))
	}
	return b
}

// newMember builds a member; an IP-literal id is also its IP.
func newMember(id, ip string, port int) loadbalancer.Member {
	if ip == "" {
		if a, err := netip.ParseAddr(id); err == nil {
			ip = a.String()
		}
	}
	return loadbalancer.Member{ID: id, IP: ip, Port: port}
}

// normProtocol lower-cases and trims a protocol name.
func normProtocol(p string) string { return strings.ToLower(strings.TrimSpace(p)) }
