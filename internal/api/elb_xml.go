package api

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/model"
)

// The XML shapes of ELB responses. Lists are always emitted, empty as
// <X></X>, because real AWS does and scripts index them unconditionally.

type members[T any] struct {
	Items []T `xml:"member"`
}

func list[T any](items []T) members[T] { return members[T]{Items: items} }

type xListener struct {
	Protocol         string
	LoadBalancerPort int
	InstanceProtocol string
	InstancePort     int
	SSLCertificateId string `xml:",omitempty"`
}

type xListenerDescription struct {
	Listener    xListener
	PolicyNames members[string]
}

type xAppCookie struct {
	PolicyName string
	CookieName string
}

type xLBCookie struct {
	PolicyName             string
	CookieExpirationPeriod *int64 `xml:",omitempty"`
}

type xPolicies struct {
	AppCookieStickinessPolicies members[xAppCookie]
	LBCookieStickinessPolicies  members[xLBCookie]
	OtherPolicies               members[string]
}

type xBackend struct {
	InstancePort int
	PolicyNames  members[string]
}

type xHealthCheck struct {
	Target             string
	Interval           int
	Timeout            int
	UnhealthyThreshold int
	HealthyThreshold   int
}

type xInstance struct {
	InstanceId string
}

type xSourceSecurityGroup struct {
	OwnerAlias string
	GroupName  string
}

type xLoadBalancerDescription struct {
	LoadBalancerName          string
	DNSName                   string
	CanonicalHostedZoneName   string
	CanonicalHostedZoneNameID string
	ListenerDescriptions      members[xListenerDescription]
	Policies                  xPolicies
	BackendServerDescriptions members[xBackend]
	AvailabilityZones         members[string]
	Subnets                   members[string]
	VPCId                     string `xml:",omitempty"`
	Instances                 members[xInstance]
	HealthCheck               xHealthCheck
	SourceSecurityGroup       xSourceSecurityGroup
	SecurityGroups            members[string]
	CreatedTime               string
	Scheme                    string
}

const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func (h *Handler) describe(lb *model.LoadBalancer) xLoadBalancerDescription {
	d := xLoadBalancerDescription{
		LoadBalancerName:          lb.Name,
		DNSName:                   lb.DNSName,
		CanonicalHostedZoneName:   lb.DNSName,
		CanonicalHostedZoneNameID: hostedZoneID(h.svc.Region()),
		AvailabilityZones:         list(lb.AvailabilityZones),
		Subnets:                   list(lb.Subnets),
		VPCId:                     lb.VPCID,
		SecurityGroups:            list(lb.SecurityGroups),
		CreatedTime:               formatTime(lb.CreatedTime),
		Scheme:                    lb.Scheme,
		HealthCheck:               xHealthCheck(lb.HealthCheck),
	}
	for _, l := range lb.Listeners {
		d.ListenerDescriptions.Items = append(d.ListenerDescriptions.Items, xListenerDescription{
			Listener:    xListener{l.Protocol, l.LoadBalancerPort, l.InstanceProtocol, l.InstancePort, l.SSLCertificateID},
			PolicyNames: list(l.PolicyNames),
		})
	}
	for _, p := range lb.Policies {
		switch p.TypeName {
		case "AppCookieStickinessPolicyType":
			d.Policies.AppCookieStickinessPolicies.Items = append(d.Policies.AppCookieStickinessPolicies.Items,
				xAppCookie{PolicyName: p.Name, CookieName: attr(p, "CookieName")})
		case "LBCookieStickinessPolicyType":
			c := xLBCookie{PolicyName: p.Name}
			if v := attr(p, "CookieExpirationPeriod"); v != "" && v != "0" {
				n := parseInt64(v)
				c.CookieExpirationPeriod = &n
			}
			d.Policies.LBCookieStickinessPolicies.Items = append(d.Policies.LBCookieStickinessPolicies.Items, c)
		default:
			d.Policies.OtherPolicies.Items = append(d.Policies.OtherPolicies.Items, p.Name)
		}
	}
	for _, b := range lb.BackendServers {
		d.BackendServerDescriptions.Items = append(d.BackendServerDescriptions.Items,
			xBackend{InstancePort: b.InstancePort, PolicyNames: list(b.PolicyNames)})
	}
	for _, id := range lb.Instances {
		d.Instances.Items = append(d.Instances.Items, xInstance{id})
	}
	d.SourceSecurityGroup.OwnerAlias, d.SourceSecurityGroup.GroupName = h.svc.SourceSecurityGroup(lb)
	return d
}

func attr(p model.Policy, name string) string {
	for _, a := range p.Attributes {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

func parseInt64(s string) int64 {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// hostedZoneIDs are ELB's Route 53 zone ids per region (from the Terraform
// provider's table); users paste them into alias records.
var hostedZoneIDs = map[string]string{
	"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
	"us-west-2": "Z1H1FL5HABSF5", "ca-central-1": "ZQSVJUPU6J1EY", "eu-west-1": "Z32O12XQLNTSW2",
	"eu-west-2": "ZHURV8PSTC4K8", "eu-west-3": "Z3Q77PNBQS71R4", "eu-central-1": "Z215JYRZR1TBD5",
	"eu-north-1": "Z23TAZ6LKFMNIO", "eu-south-1": "Z3ULH7SSC9OV64", "ap-east-1": "Z3DQVH9N71FHZ0",
	"ap-northeast-1": "Z14GRHDCWA56QT", "ap-northeast-2": "ZWKZPGTI48KDX", "ap-northeast-3": "Z5LXEXXYW11ES",
	"ap-south-1": "ZP97RAFLXTNZK", "ap-southeast-1": "Z1LMS91P8CMLE5", "ap-southeast-2": "Z1GM3OXH4ZPM65",
	"sa-east-1": "Z2P70J7HTTTPLU", "me-south-1": "ZS929ML54UICD", "af-south-1": "Z268VQBMOI5EKX",
	"cn-north-1": "Z1GDH35T77C1KE", "cn-northwest-1": "ZM7IZAIOVVDZF", "us-gov-west-1": "Z33AYJ8TM3BH4J",
	"us-gov-east-1": "Z166TLBEWOO7G0",
}

// hostedZoneID returns the region's id; regions AWS does not have get a
// stable id of the same shape derived from the name.
func hostedZoneID(region string) string {
	if id, ok := hostedZoneIDs[region]; ok {
		return id
	}
	sum := sha256.Sum256([]byte(region))
	return "Z" + strings.TrimRight(base32.StdEncoding.EncodeToString(sum[:]), "=")[:13]
}

type xPage struct {
	LoadBalancerDescriptions members[xLoadBalancerDescription]
	NextMarker               string `xml:",omitempty"`
}

func (h *Handler) page(p elb.Page) xPage {
	out := xPage{NextMarker: p.NextMarker}
	out.LoadBalancerDescriptions.Items = make([]xLoadBalancerDescription, 0, len(p.LoadBalancers))
	for _, lb := range p.LoadBalancers {
		out.LoadBalancerDescriptions.Items = append(out.LoadBalancerDescriptions.Items, h.describe(lb))
	}
	return out
}

type xAccessLog struct {
	Enabled        bool
	S3BucketName   string `xml:",omitempty"`
	EmitInterval   int    `xml:",omitempty"`
	S3BucketPrefix string `xml:",omitempty"`
}

type xDraining struct {
	Enabled bool
	Timeout int
}

type xKV struct {
	Key   string
	Value string
}

type xAttributes struct {
	CrossZoneLoadBalancing struct{ Enabled bool }
	AccessLog              xAccessLog
	ConnectionDraining     xDraining
	ConnectionSettings     struct{ IdleTimeout int }
	AdditionalAttributes   members[xKV]
}

func attributes(a model.Attributes) xAttributes {
	var x xAttributes
	x.CrossZoneLoadBalancing.Enabled = a.CrossZone
	x.AccessLog = xAccessLog{Enabled: a.AccessLog.Enabled, S3BucketName: a.AccessLog.S3BucketName,
		S3BucketPrefix: a.AccessLog.S3BucketPrefix}
	if a.AccessLog.Enabled || a.AccessLog.S3BucketName != "" {
		x.AccessLog.EmitInterval = a.AccessLog.EmitInterval
	}
	x.ConnectionDraining = xDraining{a.DrainingEnabled, a.DrainingTimeout}
	x.ConnectionSettings.IdleTimeout = a.IdleTimeout
	x.AdditionalAttributes.Items = []xKV{{model.DesyncKey, a.DesyncMode}}
	if a.DesyncAlias {
		x.AdditionalAttributes.Items = append(x.AdditionalAttributes.Items, xKV{model.DesyncAliasKey, a.DesyncMode})
	}
	// elbd's own keys appear once set to true, so that a load balancer
	// that does not use them looks exactly like an ELB one.
	for _, kv := range []struct {
		key string
		on  bool
	}{{model.TLS13Key, a.TLS13}, {model.SNIKey, a.SNI}, {model.SessionTicketsKey, a.SessionTickets}, {model.HTTP2Key, a.HTTP2}} {
		if kv.on {
			x.AdditionalAttributes.Items = append(x.AdditionalAttributes.Items, xKV{kv.key, "true"})
		}
	}
	return x
}

type xPolicyAttribute struct {
	AttributeName  string
	AttributeValue string
}

type xPolicyDescription struct {
	PolicyName                  string
	PolicyTypeName              string
	PolicyAttributeDescriptions members[xPolicyAttribute]
}

type xPolicyAttributeType struct {
	AttributeName string
	AttributeType string
	Description   string `xml:",omitempty"`
	DefaultValue  string `xml:",omitempty"`
	Cardinality   string
}

type xPolicyType struct {
	PolicyTypeName                  string
	Description                     string
	PolicyAttributeTypeDescriptions members[xPolicyAttributeType]
}

type xInstanceState struct {
	InstanceId  string
	State       string
	ReasonCode  string
	Description string
}

type xTagDescription struct {
	LoadBalancerName string
	Tags             members[xKV]
}

type xLimit struct {
	Name string
	Max  string
}
