package elb

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// Policy types ELB knows.
const (
	ProxyProtocolPolicyType               = "ProxyProtocolPolicyType"
	PublicKeyPolicyType                   = "PublicKeyPolicyType"
	BackendServerAuthenticationPolicyType = "BackendServerAuthenticationPolicyType"
	AppCookieStickinessPolicyType         = "AppCookieStickinessPolicyType"
	LBCookieStickinessPolicyType          = "LBCookieStickinessPolicyType"
	SSLNegotiationPolicyType              = "SSLNegotiationPolicyType"
)

// PolicyAttribute is one attribute of a policy. Attributes are ordered
// and names may repeat (e.g. several PublicKeyPolicyName values).
type PolicyAttribute struct {
	Name  string
	Value string
}

// AttributesFromMap returns m as attributes sorted by name, for callers
// who hold attributes in a map as libcloud does.
func AttributesFromMap(m map[string]string) []PolicyAttribute {
	out := make([]PolicyAttribute, 0, len(m))
	for k, v := range m {
		out = append(out, PolicyAttribute{Name: k, Value: v})
	}
	slices.SortFunc(out, func(a, b PolicyAttribute) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Policy is a policy on a balancer, or a predefined one.
type Policy struct {
	Name       string
	Type       string
	Attributes []PolicyAttribute
}

// Attribute returns the first value of the named attribute.
func (p Policy) Attribute(name string) (string, bool) {
	for _, a := range p.Attributes {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// PolicyType describes a policy type and its attributes.
type PolicyType struct {
	Name        string
	Description string
	Attributes  []PolicyAttributeType
}

// PolicyAttributeType describes one attribute of a policy type.
type PolicyAttributeType struct {
	Name         string
	Type         string
	Description  string
	DefaultValue string
	// Cardinality is ONE, ZERO_OR_ONE, ZERO_OR_MORE or ONE_OR_MORE.
	Cardinality string
}

func toPolicies(in []types.PolicyDescription) []Policy {
	out := make([]Policy, 0, len(in))
	for _, p := range in {
		pol := Policy{Name: aws.ToString(p.PolicyName), Type: aws.ToString(p.PolicyTypeName), Attributes: []PolicyAttribute{}}
		for _, a := range p.PolicyAttributeDescriptions {
			pol.Attributes = append(pol.Attributes, PolicyAttribute{Name: aws.ToString(a.AttributeName), Value: aws.ToString(a.AttributeValue)})
		}
		out = append(out, pol)
	}
	return out
}

// ListBalancerPolicies returns the policies of balancer name, or only
// the named ones (an unknown name matches loadbalancer.ErrNotFound).
// libcloud's ex_list_balancer_policies returns only the names; use
// PolicyNames for that.
func (d *Driver) ListBalancerPolicies(ctx context.Context, name string, policyNames ...string) ([]Policy, error) {
	const op = "DescribeLoadBalancerPolicies"
	if name == "" {
		return nil, invalid(op, "empty balancer name (use ListPredefinedPolicies for ELB's own policies)")
	}
	return d.describePolicies(ctx, name, policyNames)
}

// ListPredefinedPolicies returns ELB's predefined policies (the
// ELBSecurityPolicy-* SSL negotiation policies), or only the named ones.
func (d *Driver) ListPredefinedPolicies(ctx context.Context, policyNames ...string) ([]Policy, error) {
	return d.describePolicies(ctx, "", policyNames)
}

func (d *Driver) describePolicies(ctx context.Context, name string, policyNames []string) ([]Policy, error) {
	in := &elasticloadbalancing.DescribeLoadBalancerPoliciesInput{PolicyNames: policyNames}
	if name != "" {
		in.LoadBalancerName = aws.String(name)
	}
	out, err := d.elb.DescribeLoadBalancerPolicies(ctx, in)
	if err != nil {
		return nil, wrapErr("DescribeLoadBalancerPolicies", err)
	}
	return toPolicies(out.PolicyDescriptions), nil
}

// PolicyNames returns the names of policies, in order.
func PolicyNames(policies []Policy) []string {
	out := make([]string, 0, len(policies))
	for _, p := range policies {
		out = append(out, p.Name)
	}
	return out
}

// ListBalancerPolicyTypes returns all policy types, or only the named
// ones (an unknown name matches loadbalancer.ErrNotFound).
func (d *Driver) ListBalancerPolicyTypes(ctx context.Context, typeNames ...string) ([]PolicyType, error) {
	out, err := d.elb.DescribeLoadBalancerPolicyTypes(ctx, &elasticloadbalancing.DescribeLoadBalancerPolicyTypesInput{PolicyTypeNames: typeNames})
	if err != nil {
		return nil, wrapErr("DescribeLoadBalancerPolicyTypes", err)
	}
	res := make([]PolicyType, 0, len(out.PolicyTypeDescriptions))
	for _, t := range out.PolicyTypeDescriptions {
		pt := PolicyType{Name: aws.ToString(t.PolicyTypeName), Description: aws.ToString(t.Description), Attributes: []PolicyAttributeType{}}
		for _, a := range t.PolicyAttributeTypeDescriptions {
			pt.Attributes = append(pt.Attributes, PolicyAttributeType{
				Name:         aws.ToString(a.AttributeName),
				Type:         aws.ToString(a.AttributeType),
				Description:  aws.ToString(a.Description),
				DefaultValue: aws.ToString(a.DefaultValue),
				Cardinality:  aws.ToString(a.Cardinality),
			})
		}
		res = append(res, pt)
	}
	return res, nil
}

// PolicyTypeNames returns the names of policy types, in order.
func PolicyTypeNames(ts []PolicyType) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

// CreateBalancerPolicy creates policy policyName of type policyType on
// balancer name with the given attributes, sent in order as
// PolicyAttributes.member.N.AttributeName/AttributeValue (libcloud
// crashes on attributes under Python 3 and mangles the keys). Pass a map as
// AttributesFromMap(m)...
func (d *Driver) CreateBalancerPolicy(ctx context.Context, name, policyName, policyType string, attrs ...PolicyAttribute) error {
	const op = "CreateLoadBalancerPolicy"
	if policyName == "" || policyType == "" {
		return invalid(op, "policy name and type are required")
	}
	in := &elasticloadbalancing.CreateLoadBalancerPolicyInput{
		LoadBalancerName: aws.String(name),
		PolicyName:       aws.String(policyName),
		PolicyTypeName:   aws.String(policyType),
	}
	for _, a := range attrs {
		in.PolicyAttributes = append(in.PolicyAttributes, types.PolicyAttribute{AttributeName: aws.String(a.Name), AttributeValue: aws.String(a.Value)})
	}
	_, err := d.elb.CreateLoadBalancerPolicy(ctx, in)
	return wrapErr(op, err)
}

// DeleteBalancerPolicy deletes policy policyName from balancer name. A
// policy still enabled on a listener or back-end port cannot be deleted
// (loadbalancer.ErrInvalidInput); disable it first.
func (d *Driver) DeleteBalancerPolicy(ctx context.Context, name, policyName string) error {
	_, err := d.elb.DeleteLoadBalancerPolicy(ctx, &elasticloadbalancing.DeleteLoadBalancerPolicyInput{
		LoadBalancerName: aws.String(name),
		PolicyName:       aws.String(policyName),
	})
	return wrapErr("DeleteLoadBalancerPolicy", err)
}

// SetBalancerPoliciesListener replaces the policies enabled on the
// listener on front-end port of balancer name. An empty (or nil) list
// disables them all; it is sent as "PolicyNames=" as AWS expects.
func (d *Driver) SetBalancerPoliciesListener(ctx context.Context, name string, port int, policies []string) error {
	_, err := d.elb.SetLoadBalancerPoliciesOfListener(ctx, &elasticloadbalancing.SetLoadBalancerPoliciesOfListenerInput{
		LoadBalancerName: aws.String(name),
		LoadBalancerPort: int32(port),
		PolicyNames:      nonNil(policies),
	})
	return wrapErr("SetLoadBalancerPoliciesOfListener", err)
}

// SetBalancerPoliciesBackendServer replaces the policies enabled for
// instance port instancePort of balancer name (e.g. a ProxyProtocol
// policy). An empty (or nil) list disables them all; it is sent as
// "PolicyNames=" so that the server clears them.
func (d *Driver) SetBalancerPoliciesBackendServer(ctx context.Context, name string, instancePort int, policies []string) error {
	_, err := d.elb.SetLoadBalancerPoliciesForBackendServer(ctx, &elasticloadbalancing.SetLoadBalancerPoliciesForBackendServerInput{
		LoadBalancerName: aws.String(name),
		InstancePort:     aws.Int32(int32(instancePort)),
		PolicyNames:      nonNil(policies),
	})
	return wrapErr("SetLoadBalancerPoliciesForBackendServer", err)
}

// CreateLBCookieStickinessPolicy creates an LBCookieStickinessPolicyType
// policy whose balancer-generated cookie expires after expirationSeconds
// (0: when the browser session ends).
func (d *Driver) CreateLBCookieStickinessPolicy(ctx context.Context, name, policyName string, expirationSeconds int64) error {
	in := &elasticloadbalancing.CreateLBCookieStickinessPolicyInput{
		LoadBalancerName: aws.String(name),
		PolicyName:       aws.String(policyName),
	}
	if expirationSeconds > 0 {
		in.CookieExpirationPeriod = aws.Int64(expirationSeconds)
	}
	_, err := d.elb.CreateLBCookieStickinessPolicy(ctx, in)
	return wrapErr("CreateLBCookieStickinessPolicy", err)
}

// CreateAppCookieStickinessPolicy creates an
// AppCookieStickinessPolicyType policy following the application cookie
// cookieName.
func (d *Driver) CreateAppCookieStickinessPolicy(ctx context.Context, name, policyName, cookieName string) error {
	_, err := d.elb.CreateAppCookieStickinessPolicy(ctx, &elasticloadbalancing.CreateAppCookieStickinessPolicyInput{
		LoadBalancerName: aws.String(name),
		PolicyName:       aws.String(policyName),
		CookieName:       aws.String(cookieName),
	})
	return wrapErr("CreateAppCookieStickinessPolicy", err)
}
