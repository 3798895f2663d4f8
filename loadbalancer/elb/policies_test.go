package elb_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func TestListBalancerPolicies(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{"DescribeLoadBalancerPolicies": file("describe_load_balancer_policies.xml")})
	d := f.driver()
	ps, err := d.ListBalancerPolicies(bg, "web-lb")
	if err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DescribeLoadBalancerPolicies"), map[string]string{"LoadBalancerName": "web-lb"})
	want := []elb.Policy{
		{Name: "web-sticky", Type: "LBCookieStickinessPolicyType", Attributes: []elb.PolicyAttribute{{Name: "CookieExpirationPeriod", Value: "60"}}},
		{Name: "EnableProxyProtocol", Type: "ProxyProtocolPolicyType", Attributes: []elb.PolicyAttribute{{Name: "ProxyProtocol", Value: "true"}}},
		{Name: "backend-auth", Type: "BackendServerAuthenticationPolicyType", Attributes: []elb.PolicyAttribute{
			{Name: "PublicKeyPolicyName", Value: "key-1"}, {Name: "PublicKeyPolicyName", Value: "key-2"}}},
	}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("policies = %+v", ps)
	}
	if got := elb.PolicyNames(ps); !reflect.DeepEqual(got, []string{"web-sticky", "EnableProxyProtocol", "backend-auth"}) {
		t.Errorf("PolicyNames = %v", got)
	}
	if v, ok := ps[1].Attribute("ProxyProtocol"); !ok || v != "true" {
		t.Errorf("Attribute = %q, %v", v, ok)
	}
	if _, err := d.ListBalancerPolicies(bg, "web-lb", "web-sticky"); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DescribeLoadBalancerPolicies"), map[string]string{"PolicyNames.member.1": "web-sticky"})
	if _, err := d.ListPredefinedPolicies(bg); err != nil {
		t.Fatal(err)
	}
	noParamsWithPrefix(t, f.last("DescribeLoadBalancerPolicies"), "LoadBalancerName")
	if _, err := d.ListBalancerPolicies(bg, ""); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("empty name: %v", err)
	}
}

func TestListBalancerPolicyTypes(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{"DescribeLoadBalancerPolicyTypes": file("describe_load_balancer_policy_types.xml")})
	ts, err := f.driver().ListBalancerPolicyTypes(bg)
	if err != nil {
		t.Fatal(err)
	}
	if got := elb.PolicyTypeNames(ts); !reflect.DeepEqual(got, []string{"ProxyProtocolPolicyType", "LBCookieStickinessPolicyType", "SSLNegotiationPolicyType"}) {
		t.Errorf("types = %v", got)
	}
	if ts[0].Attributes[0] != (elb.PolicyAttributeType{Name: "ProxyProtocol", Type: "Boolean", Cardinality: "ONE"}) ||
		ts[2].Attributes[0].DefaultValue != "true" || !strings.HasPrefix(ts[0].Description, "Policy that controls") {
		t.Errorf("types = %+v", ts)
	}
	if _, err := f.driver().ListBalancerPolicyTypes(bg, "ProxyProtocolPolicyType"); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DescribeLoadBalancerPolicyTypes"), map[string]string{"PolicyTypeNames.member.1": "ProxyProtocolPolicyType"})
}

func TestCreateBalancerPolicySendsAttributes(t *testing.T) {
	f := newFixtureServer(t, nil)
	d := f.driver()
	err := d.CreateBalancerPolicy(bg, "web-lb", "EnableProxyProtocol", elb.ProxyProtocolPolicyType, elb.AttributesFromMap(map[string]string{"ProxyProtocol": "true"})...)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last("CreateLoadBalancerPolicy")
	wantParams(t, r, map[string]string{
		"LoadBalancerName": "web-lb",
		"PolicyName":       "EnableProxyProtocol",
		"PolicyTypeName":   "ProxyProtocolPolicyType",
		"PolicyAttributes.member.1.AttributeName":  "ProxyProtocol",
		"PolicyAttributes.member.1.AttributeValue": "true",
	})
	// libcloud sends "PolicyAttributes.member.1.<25 spaces>AttributeName".
	for k := range r.Params {
		if strings.ContainsAny(k, " \t\n") {
			t.Errorf("parameter key with whitespace: %q", k)
		}
	}
	// Repeated names keep their order.
	err = d.CreateBalancerPolicy(bg, "web-lb", "auth", elb.BackendServerAuthenticationPolicyType,
		elb.PolicyAttribute{Name: "PublicKeyPolicyName", Value: "k1"}, elb.PolicyAttribute{Name: "PublicKeyPolicyName", Value: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("CreateLoadBalancerPolicy"), map[string]string{
		"PolicyAttributes.member.1.AttributeValue": "k1", "PolicyAttributes.member.2.AttributeName": "PublicKeyPolicyName", "PolicyAttributes.member.2.AttributeValue": "k2",
	})
	if err := d.CreateBalancerPolicy(bg, "web-lb", "", "x"); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("empty policy name: %v", err)
	}
}

func TestDeleteBalancerPolicy(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"DeleteLoadBalancerPolicy": func(p url.Values) reply {
			if p.Get("PolicyName") == "web-sticky" {
				return reply{Status: 409, File: "error_invalid_configuration_request.xml"}
			}
			return emptyResult("DeleteLoadBalancerPolicy")
		},
	})
	d := f.driver()
	if err := d.DeleteBalancerPolicy(bg, "web-lb", "EnableProxyProtocol"); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DeleteLoadBalancerPolicy"), map[string]string{"LoadBalancerName": "web-lb", "PolicyName": "EnableProxyProtocol"})
	err := d.DeleteBalancerPolicy(bg, "web-lb", "web-sticky")
	var pe *loadbalancer.ProviderError
	if !errors.Is(err, loadbalancer.ErrInvalidInput) || !errors.As(err, &pe) || pe.Code != "InvalidConfigurationRequest" || pe.StatusCode != 409 {
		t.Errorf("error = %#v", err)
	}
}

func TestSetPoliciesSendsEmptyList(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policies []string
		want     map[string]string
		body     string
	}{
		{"one", []string{"EnableProxyProtocol"}, map[string]string{"PolicyNames.member.1": "EnableProxyProtocol"}, "PolicyNames.member.1=EnableProxyProtocol"},
		{"two", []string{"a", "b"}, map[string]string{"PolicyNames.member.1": "a", "PolicyNames.member.2": "b"}, "PolicyNames.member.2=b"},
		{"empty", []string{}, map[string]string{"PolicyNames": ""}, "PolicyNames=&"},
		{"nil", nil, map[string]string{"PolicyNames": ""}, "PolicyNames=&"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureServer(t, nil)
			d := f.driver()
			if err := d.SetBalancerPoliciesBackendServer(bg, "web-lb", 8080, tc.policies); err != nil {
				t.Fatal(err)
			}
			r := f.last("SetLoadBalancerPoliciesForBackendServer")
			wantParams(t, r, map[string]string{"LoadBalancerName": "web-lb", "InstancePort": "8080"})
			wantParams(t, r, tc.want)
			if !strings.Contains(r.Body, tc.body) {
				t.Errorf("body %q lacks %q", r.Body, tc.body)
			}
			if err := d.SetBalancerPoliciesListener(bg, "web-lb", 80, tc.policies); err != nil {
				t.Fatal(err)
			}
			r = f.last("SetLoadBalancerPoliciesOfListener")
			wantParams(t, r, map[string]string{"LoadBalancerName": "web-lb", "LoadBalancerPort": "80"})
			wantParams(t, r, tc.want)
		})
	}
}

func TestStickinessPolicies(t *testing.T) {
	f := newFixtureServer(t, nil)
	d := f.driver()
	if err := d.CreateLBCookieStickinessPolicy(bg, "web-lb", "lb-sticky", 60); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("CreateLBCookieStickinessPolicy"), map[string]string{"LoadBalancerName": "web-lb", "PolicyName": "lb-sticky", "CookieExpirationPeriod": "60"})
	if err := d.CreateLBCookieStickinessPolicy(bg, "web-lb", "session", 0); err != nil {
		t.Fatal(err)
	}
	noParamsWithPrefix(t, f.last("CreateLBCookieStickinessPolicy"), "CookieExpirationPeriod")
	if err := d.CreateAppCookieStickinessPolicy(bg, "web-lb", "app-sticky", "JSESSIONID"); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("CreateAppCookieStickinessPolicy"), map[string]string{"PolicyName": "app-sticky", "CookieName": "JSESSIONID"})
}
