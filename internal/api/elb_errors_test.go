package api_test

// Error cases of all ELB actions, checked by wire code, HTTP status and —
// where the API model declares the code for the operation — the SDK's typed
// exception (see wantELBErr).
//
// Modeled codes elbd never returns:
//   - DependencyThrottle (DescribeLoadBalancers): AWS raises it when ELB's
//     own calls to another AWS service are throttled. elbd depends on no
//     other service, so there is nothing to throttle.
//   - OperationNotPermitted (CreateLoadBalancer): AWS uses it for account
//     or Region restrictions (e.g. EC2-Classic no longer available to the
//     account). elbd has no such restriction; everything it refuses is a
//     more specific code.
//   - LoadBalancerAttributeNotFound from DescribeLoadBalancerAttributes:
//     the request names no attribute, so only ModifyLoadBalancerAttributes
//     (with an unknown AdditionalAttributes key) can return it.
//   - UnsupportedProtocol from SetLoadBalancerListenerSSLCertificate:
//     elbd answers a certificate for a plain HTTP/TCP listener with
//     InvalidConfigurationRequest (409) instead (the contract leaves the
//     code open, §4.2).

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// elbErrCase is one failing call: the case name starts with the operation.
type elbErrCase struct {
	name string
	code string
	call func(f *elbFixture) error
}

func elbRunErrCases(t *testing.T, f *elbFixture, cases []elbErrCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op, _, _ := strings.Cut(tc.name, ":")
			wantELBErr(t, op, tc.call(f), tc.code)
		})
	}
}

// Request builders for the table.

func elbCreateLB(name string, zones, subnets []string, ls ...types.Listener) func(f *elbFixture) error {
	return elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String(name),
		AvailabilityZones: zones, Subnets: subnets, Listeners: ls})
}

func elbCreateLBIn(in *elbsdk.CreateLoadBalancerInput) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		if in.Listeners == nil {
			in.Listeners = []types.Listener{}
		}
		_, err := f.elb.CreateLoadBalancer(f.ctx, in)
		return err
	}
}

func elbAddListeners(lb string, ls ...types.Listener) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		if ls == nil {
			ls = []types.Listener{}
		}
		_, err := f.elb.CreateLoadBalancerListeners(f.ctx, &elbsdk.CreateLoadBalancerListenersInput{
			LoadBalancerName: aws.String(lb), Listeners: ls})
		return err
	}
}

func elbHealthCheck(lb, target string, interval, timeout, unhealthy, healthy int32) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		_, err := f.elb.ConfigureHealthCheck(f.ctx, &elbsdk.ConfigureHealthCheckInput{LoadBalancerName: aws.String(lb),
			HealthCheck: &types.HealthCheck{Target: aws.String(target), Interval: aws.Int32(interval), Timeout: aws.Int32(timeout),
				UnhealthyThreshold: aws.Int32(unhealthy), HealthyThreshold: aws.Int32(healthy)}})
		return err
	}
}

func elbListenerPolicies(lb string, port int32, names ...string) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		if names == nil {
			names = []string{}
		}
		_, err := f.elb.SetLoadBalancerPoliciesOfListener(f.ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
			LoadBalancerName: aws.String(lb), LoadBalancerPort: port, PolicyNames: names})
		return err
	}
}

func elbBackendPolicies(lb string, port int32, names ...string) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		if names == nil {
			names = []string{}
		}
		_, err := f.elb.SetLoadBalancerPoliciesForBackendServer(f.ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
			LoadBalancerName: aws.String(lb), InstancePort: aws.Int32(port), PolicyNames: names})
		return err
	}
}

func elbCreatePolicy(lb, name, typ string, attrs ...string) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		_, err := f.elb.CreateLoadBalancerPolicy(f.ctx, &elbsdk.CreateLoadBalancerPolicyInput{LoadBalancerName: aws.String(lb),
			PolicyName: aws.String(name), PolicyTypeName: aws.String(typ), PolicyAttributes: elbPolicyAttrs(attrs...)})
		return err
	}
}

func elbLBCookie(lb, name string, period *int64) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		_, err := f.elb.CreateLBCookieStickinessPolicy(f.ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
			LoadBalancerName: aws.String(lb), PolicyName: aws.String(name), CookieExpirationPeriod: period})
		return err
	}
}

func elbAppCookie(lb, name, cookie string) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		_, err := f.elb.CreateAppCookieStickinessPolicy(f.ctx, &elbsdk.CreateAppCookieStickinessPolicyInput{
			LoadBalancerName: aws.String(lb), PolicyName: aws.String(name), CookieName: aws.String(cookie)})
		return err
	}
}

func elbModifyAttrs(lb string, a types.LoadBalancerAttributes) func(f *elbFixture) error {
	return func(f *elbFixture) error {
		_, err := f.elb.ModifyLoadBalancerAttributes(f.ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
			LoadBalancerName: aws.String(lb), LoadBalancerAttributes: &a})
		return err
	}
}

func elbManyTags(n int) []types.Tag {
	var ts []types.Tag
	for i := range n {
		ts = append(ts, types.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("v")})
	}
	return ts
}

// elbErrorFixture creates:
//   - "cl": EC2-Classic style, zone a, HTTP 80->8080 with LB cookie policy
//     "lbc" enabled, TCP 1024->1024; also an app cookie policy "appc";
//   - "vpc": subnet A, HTTPS 443->HTTP 8080 (default SSL policy), TCP
//     5000->5000; proxy protocol policy "pp" on instance port 5000.
func elbErrorFixture(t *testing.T) (*elbFixture, string) {
	f := startELB(t, "")
	arn := f.uploadCert("errors")
	f.createClassic("cl", []string{usEast1a}, elbListener("HTTP", 80, "HTTP", 8080), elbListener("TCP", 1024, "TCP", 1024))
	f.createVPC("vpc", []string{elbdtest.SubnetA}, elbSecureListener("HTTPS", 443, "HTTP", 8080, arn), elbListener("TCP", 5000, "TCP", 5000))
	for _, step := range []struct {
		name string
		do   func(f *elbFixture) error
	}{
		{"lbc", elbLBCookie("cl", "lbc", aws.Int64(30))},
		{"appc", elbAppCookie("cl", "appc", "JSESSIONID")},
		{"lbc on 80", elbListenerPolicies("cl", 80, "lbc")},
		{"pp", elbCreatePolicy("vpc", "pp", "ProxyProtocolPolicyType", "ProxyProtocol", "true")},
		{"pp on 5000", elbBackendPolicies("vpc", 5000, "pp")},
	} {
		elbOK(t, "setup "+step.name, step.do(f))
	}
	return f, arn
}

func TestELBErrors(t *testing.T) {
	f, arn := elbErrorFixture(t)
	http80 := elbListener("HTTP", 80, "HTTP", 80)
	missingCert := "arn:aws:iam::" + elbdtest.AdminAccount + ":server-certificate/missing"
	z := []string{usEast1a}
	cases := []elbErrCase{
		// CreateLoadBalancer: parameters.
		{"CreateLoadBalancer: name too long", "ValidationError", elbCreateLB(strings.Repeat("a", 33), z, nil, http80)},
		{"CreateLoadBalancer: name with underscore", "ValidationError", elbCreateLB("my_lb", z, nil, http80)},
		{"CreateLoadBalancer: name with leading hyphen", "ValidationError", elbCreateLB("-lb", z, nil, http80)},
		{"CreateLoadBalancer: name with trailing hyphen", "ValidationError", elbCreateLB("lb-", z, nil, http80)},
		{"CreateLoadBalancer: empty name", "MissingParameter", elbCreateLB("", z, nil, http80)},
		{"CreateLoadBalancer: neither zones nor subnets", "ValidationError", elbCreateLB("x", nil, nil, http80)},
		{"CreateLoadBalancer: zones and subnets", "ValidationError", elbCreateLB("x", z, []string{elbdtest.SubnetA}, http80)},
		{"CreateLoadBalancer: unknown zone", "ValidationError", elbCreateLB("x", []string{"us-east-1z"}, nil, http80)},
		{"CreateLoadBalancer: no listeners", "ValidationError", elbCreateLB("x", z, nil)},
		{"CreateLoadBalancer: EC2-Classic port 81", "ValidationError", elbCreateLB("x", z, nil, elbListener("HTTP", 81, "HTTP", 80))},
		{"CreateLoadBalancer: EC2-Classic port 1023", "ValidationError", elbCreateLB("x", z, nil, elbListener("TCP", 1023, "TCP", 80))},
		{"CreateLoadBalancer: port 0", "ValidationError", elbCreateLB("x", nil, []string{elbdtest.SubnetA}, elbListener("HTTP", 0, "HTTP", 80))},
		{"CreateLoadBalancer: port 65536", "ValidationError", elbCreateLB("x", nil, []string{elbdtest.SubnetA}, elbListener("HTTP", 65536, "HTTP", 80))},
		{"CreateLoadBalancer: instance port 0", "ValidationError", elbCreateLB("x", z, nil, elbListener("HTTP", 80, "HTTP", 0))},
		{"CreateLoadBalancer: HTTPS without certificate", "ValidationError", elbCreateLB("x", z, nil, elbListener("HTTPS", 443, "HTTP", 80))},
		{"CreateLoadBalancer: SSL without certificate", "ValidationError", elbCreateLB("x", z, nil, elbListener("SSL", 443, "TCP", 80))},
		{"CreateLoadBalancer: certificate on HTTP", "ValidationError", elbCreateLB("x", z, nil, elbSecureListener("HTTP", 80, "HTTP", 80, arn))},
		{"CreateLoadBalancer: HTTP to TCP instance", "ValidationError", elbCreateLB("x", z, nil, elbListener("HTTP", 80, "TCP", 80))},
		{"CreateLoadBalancer: TCP to HTTPS instance", "ValidationError", elbCreateLB("x", z, nil, elbListener("TCP", 1024, "HTTPS", 80))},
		{"CreateLoadBalancer: protocol FTP", "UnsupportedProtocol", elbCreateLB("x", z, nil, elbListener("FTP", 1024, "", 21))},
		{"CreateLoadBalancer: instance protocol UDP", "UnsupportedProtocol", elbCreateLB("x", z, nil, elbListener("TCP", 1024, "UDP", 53))},
		{"CreateLoadBalancer: unknown certificate", "CertificateNotFound", elbCreateLB("x", z, nil, elbSecureListener("HTTPS", 443, "HTTP", 80, missingCert))},
		{"CreateLoadBalancer: ACM certificate", "CertificateNotFound", elbCreateLB("x", z, nil,
			elbSecureListener("HTTPS", 443, "HTTP", 80, "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"))},
		{"CreateLoadBalancer: same port twice", "DuplicateListener", elbCreateLB("x", z, nil, elbListener("HTTP", 80, "HTTP", 80), elbListener("TCP", 80, "TCP", 80))},
		// CreateLoadBalancer: network.
		{"CreateLoadBalancer: two subnets in one zone", "InvalidConfigurationRequest", elbCreateLB("x", nil, []string{elbdtest.SubnetA, elbdtest.SubnetA2}, http80)},
		{"CreateLoadBalancer: subnets of two VPCs", "InvalidConfigurationRequest", elbCreateLB("x", nil, []string{elbdtest.SubnetA, elbdtest.SubnetOther}, http80)},
		{"CreateLoadBalancer: security groups on EC2-Classic style", "InvalidConfigurationRequest", elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String("x"), AvailabilityZones: z, SecurityGroups: []string{elbdtest.GroupWeb}, Listeners: []types.Listener{http80}})},
		{"CreateLoadBalancer: secure and plain on one instance port", "InvalidConfigurationRequest", elbCreateLB("x", z, nil,
			elbListener("HTTP", 80, "HTTP", 8080), elbSecureListener("HTTPS", 443, "HTTPS", 8080, arn))},
		{"CreateLoadBalancer: unknown subnet", "SubnetNotFound", elbCreateLB("x", nil, []string{"subnet-0nope0001"}, http80)},
		{"CreateLoadBalancer: private subnet, internet-facing", "InvalidSubnet", elbCreateLB("x", nil, []string{elbdtest.SubnetPrivate}, http80)},
		{"CreateLoadBalancer: unknown security group", "InvalidSecurityGroup", elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String("x"), Subnets: []string{elbdtest.SubnetA}, SecurityGroups: []string{"sg-0nope000001"}, Listeners: []types.Listener{http80}})},
		{"CreateLoadBalancer: security group of another VPC", "InvalidSecurityGroup", elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String("x"), Subnets: []string{elbdtest.SubnetA}, SecurityGroups: []string{elbdtest.GroupOther}, Listeners: []types.Listener{http80}})},
		{"CreateLoadBalancer: internal on EC2-Classic style", "InvalidScheme", elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String("x"), AvailabilityZones: z, Scheme: aws.String("internal"), Listeners: []types.Listener{http80}})},
		{"CreateLoadBalancer: unknown scheme", "InvalidScheme", elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String("x"), Subnets: []string{elbdtest.SubnetA}, Scheme: aws.String("public"), Listeners: []types.Listener{http80}})},
		// CreateLoadBalancer: tags and names.
		{"CreateLoadBalancer: 51 tags", "TooManyTags", elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String("x"), AvailabilityZones: z, Tags: elbManyTags(51), Listeners: []types.Listener{http80}})},
		{"CreateLoadBalancer: duplicate tag keys", "DuplicateTagKeys", elbCreateLBIn(&elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String("x"), AvailabilityZones: z, Tags: elbTags("k", "1", "k", "2"), Listeners: []types.Listener{http80}})},
		{"CreateLoadBalancer: existing name, other definition", "DuplicateLoadBalancerName", elbCreateLB("cl", z, nil, http80)},

		// Listeners.
		{"CreateLoadBalancerListeners: taken port", "DuplicateListener", elbAddListeners("cl", elbListener("TCP", 80, "TCP", 8080))},
		{"CreateLoadBalancerListeners: taken port, other instance port", "DuplicateListener", elbAddListeners("cl", elbListener("HTTP", 80, "HTTP", 9090))},
		{"CreateLoadBalancerListeners: FTP", "UnsupportedProtocol", elbAddListeners("cl", elbListener("FTP", 2121, "", 21))},
		{"CreateLoadBalancerListeners: unknown certificate", "CertificateNotFound", elbAddListeners("cl", elbSecureListener("HTTPS", 443, "HTTP", 80, missingCert))},
		{"CreateLoadBalancerListeners: secure and plain on one instance port", "InvalidConfigurationRequest", elbAddListeners("cl", elbSecureListener("SSL", 465, "SSL", 1024, arn))},
		{"CreateLoadBalancerListeners: EC2-Classic port 81", "ValidationError", elbAddListeners("cl", elbListener("HTTP", 81, "HTTP", 80))},
		{"CreateLoadBalancerListeners: HTTPS without certificate", "ValidationError", elbAddListeners("vpc", elbListener("HTTPS", 8443, "HTTP", 80))},
		{"CreateLoadBalancerListeners: none", "ValidationError", elbAddListeners("cl")},
		{"SetLoadBalancerListenerSSLCertificate: no listener", "ListenerNotFound", func(f *elbFixture) error {
			_, err := f.elb.SetLoadBalancerListenerSSLCertificate(f.ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
				LoadBalancerName: aws.String("vpc"), LoadBalancerPort: 8443, SSLCertificateId: aws.String(arn)})
			return err
		}},
		{"SetLoadBalancerListenerSSLCertificate: TCP listener", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.SetLoadBalancerListenerSSLCertificate(f.ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
				LoadBalancerName: aws.String("vpc"), LoadBalancerPort: 5000, SSLCertificateId: aws.String(arn)})
			return err
		}},
		{"SetLoadBalancerListenerSSLCertificate: unknown certificate", "CertificateNotFound", func(f *elbFixture) error {
			_, err := f.elb.SetLoadBalancerListenerSSLCertificate(f.ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
				LoadBalancerName: aws.String("vpc"), LoadBalancerPort: 443, SSLCertificateId: aws.String(missingCert)})
			return err
		}},

		// Health check.
		{"ConfigureHealthCheck: timeout equal to interval", "ValidationError", elbHealthCheck("cl", "TCP:80", 5, 5, 2, 2)},
		{"ConfigureHealthCheck: timeout above interval", "ValidationError", elbHealthCheck("cl", "TCP:80", 20, 23, 2, 2)},
		{"ConfigureHealthCheck: protocol FTP", "ValidationError", elbHealthCheck("cl", "FTP:21", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: HTTP without path", "ValidationError", elbHealthCheck("cl", "HTTP:80", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: TCP with path", "ValidationError", elbHealthCheck("cl", "TCP:80/index.html", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: no port", "ValidationError", elbHealthCheck("cl", "TCP", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: port 0", "ValidationError", elbHealthCheck("cl", "TCP:0", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: port 65536", "ValidationError", elbHealthCheck("cl", "TCP:65536", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: port not a number", "ValidationError", elbHealthCheck("cl", "HTTP:http/", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: space in path", "ValidationError", elbHealthCheck("cl", "HTTP:80/a b", 30, 5, 2, 10)},
		{"ConfigureHealthCheck: target over 1024 characters", "ValidationError", elbHealthCheck("cl", "HTTP:80/"+strings.Repeat("x", 1020), 30, 5, 2, 10)},
		{"ConfigureHealthCheck: interval 4", "ValidationError", elbHealthCheck("cl", "TCP:80", 4, 2, 2, 10)},
		{"ConfigureHealthCheck: interval 301", "ValidationError", elbHealthCheck("cl", "TCP:80", 301, 5, 2, 10)},
		{"ConfigureHealthCheck: timeout 1", "ValidationError", elbHealthCheck("cl", "TCP:80", 30, 1, 2, 10)},
		{"ConfigureHealthCheck: timeout 61", "ValidationError", elbHealthCheck("cl", "TCP:80", 300, 61, 2, 10)},
		{"ConfigureHealthCheck: unhealthy threshold 1", "ValidationError", elbHealthCheck("cl", "TCP:80", 30, 5, 1, 10)},
		{"ConfigureHealthCheck: unhealthy threshold 11", "ValidationError", elbHealthCheck("cl", "TCP:80", 30, 5, 11, 10)},
		{"ConfigureHealthCheck: healthy threshold 1", "ValidationError", elbHealthCheck("cl", "TCP:80", 30, 5, 2, 1)},
		{"ConfigureHealthCheck: healthy threshold 11", "ValidationError", elbHealthCheck("cl", "TCP:80", 30, 5, 2, 11)},

		// Paging.
		{"DescribeLoadBalancers: PageSize 0", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{PageSize: aws.Int32(0)})
			return err
		}},
		{"DescribeLoadBalancers: PageSize 401", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
			return err
		}},
		{"DescribeLoadBalancers: bad marker", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{Marker: aws.String("!!not-a-marker!!")})
			return err
		}},
		{"DescribeAccountLimits: PageSize 0", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.DescribeAccountLimits(f.ctx, &elbsdk.DescribeAccountLimitsInput{PageSize: aws.Int32(0)})
			return err
		}},
		{"DescribeAccountLimits: PageSize 401", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.DescribeAccountLimits(f.ctx, &elbsdk.DescribeAccountLimitsInput{PageSize: aws.Int32(401)})
			return err
		}},
		{"DescribeAccountLimits: bad marker", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.DescribeAccountLimits(f.ctx, &elbsdk.DescribeAccountLimitsInput{Marker: aws.String("x")})
			return err
		}},

		// Policies.
		{"CreateLBCookieStickinessPolicy: duplicate name", "DuplicatePolicyName", elbLBCookie("cl", "lbc", nil)},
		{"CreateLBCookieStickinessPolicy: name of an app cookie policy", "DuplicatePolicyName", elbLBCookie("cl", "appc", nil)},
		{"CreateLBCookieStickinessPolicy: negative period", "ValidationError", elbLBCookie("cl", "neg", aws.Int64(-1))},
		{"CreateLBCookieStickinessPolicy: bad name", "ValidationError", elbLBCookie("cl", "a b", nil)},
		{"CreateAppCookieStickinessPolicy: duplicate name", "DuplicatePolicyName", elbAppCookie("cl", "appc", "other")},
		{"CreateAppCookieStickinessPolicy: bad cookie name", "ValidationError", elbAppCookie("cl", "app2", "a;b")},
		{"CreateLoadBalancerPolicy: unknown type", "PolicyTypeNotFound", elbCreatePolicy("cl", "x", "DifferentProtocolPolicyType")},
		{"CreateLoadBalancerPolicy: duplicate name", "DuplicatePolicyName", elbCreatePolicy("vpc", "pp", "ProxyProtocolPolicyType", "ProxyProtocol", "false")},
		{"CreateLoadBalancerPolicy: bad boolean", "InvalidConfigurationRequest", elbCreatePolicy("vpc", "pp2", "ProxyProtocolPolicyType", "ProxyProtocol", "yes")},
		{"CreateLoadBalancerPolicy: reserved name", "InvalidConfigurationRequest", elbCreatePolicy("vpc", "ELBSample-Mine", "ProxyProtocolPolicyType", "ProxyProtocol", "true")},
		{"SetLoadBalancerPoliciesOfListener: no listener", "ListenerNotFound", elbListenerPolicies("cl", 8080, "lbc")},
		{"SetLoadBalancerPoliciesOfListener: unknown policy", "PolicyNotFound", elbListenerPolicies("cl", 80, "lbc", "nope")},
		{"SetLoadBalancerPoliciesOfListener: stickiness on TCP", "InvalidConfigurationRequest", elbListenerPolicies("cl", 1024, "lbc")},
		{"SetLoadBalancerPoliciesOfListener: two cookie policies", "InvalidConfigurationRequest", elbListenerPolicies("cl", 80, "lbc", "appc")},
		{"SetLoadBalancerPoliciesOfListener: SSL policy on HTTP", "InvalidConfigurationRequest", func(f *elbFixture) error {
			if err := elbCreatePolicy("cl", "ssl", "SSLNegotiationPolicyType", "Reference-Security-Policy", "ELBSecurityPolicy-2016-08")(f); err != nil {
				return err
			}
			return elbListenerPolicies("cl", 80, "ssl")(f)
		}},
		{"SetLoadBalancerPoliciesOfListener: proxy protocol on a listener", "InvalidConfigurationRequest", elbListenerPolicies("vpc", 5000, "pp")},
		{"SetLoadBalancerPoliciesForBackendServer: unknown policy", "PolicyNotFound", elbBackendPolicies("vpc", 5000, "nope")},
		{"SetLoadBalancerPoliciesForBackendServer: stickiness on a back end", "InvalidConfigurationRequest", elbBackendPolicies("cl", 8080, "lbc")},
		{"SetLoadBalancerPoliciesForBackendServer: instance port 0", "ValidationError", elbBackendPolicies("vpc", 0, "pp")},
		{"DeleteLoadBalancerPolicy: enabled on a listener", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("cl"), PolicyName: aws.String("lbc")})
			return err
		}},
		{"DeleteLoadBalancerPolicy: set on a back end", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("vpc"), PolicyName: aws.String("pp")})
			return err
		}},
		{"DeleteLoadBalancerPolicy: default SSL policy in use", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("vpc"), PolicyName: aws.String(elbDefaultSSLPolicy)})
			return err
		}},
		{"DescribeLoadBalancerPolicies: unknown policy", "PolicyNotFound", func(f *elbFixture) error {
			_, err := f.elb.DescribeLoadBalancerPolicies(f.ctx, &elbsdk.DescribeLoadBalancerPoliciesInput{LoadBalancerName: aws.String("cl"), PolicyNames: []string{"lbc", "nope"}})
			return err
		}},
		{"DescribeLoadBalancerPolicyTypes: unknown type", "PolicyTypeNotFound", func(f *elbFixture) error {
			_, err := f.elb.DescribeLoadBalancerPolicyTypes(f.ctx, &elbsdk.DescribeLoadBalancerPolicyTypesInput{PolicyTypeNames: []string{"NoSuchPolicyType"}})
			return err
		}},

		// Instances.
		{"RegisterInstancesWithLoadBalancer: unknown", "InvalidInstance", func(f *elbFixture) error {
			_, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String("cl"), Instances: elbInstances("i-0123456789abcdef0")})
			return err
		}},
		{"RegisterInstancesWithLoadBalancer: terminated", "InvalidInstance", func(f *elbFixture) error {
			_, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String("cl"), Instances: elbInstances(elbdtest.InstanceGone)})
			return err
		}},
		{"RegisterInstancesWithLoadBalancer: other account's", "InvalidInstance", func(f *elbFixture) error {
			_, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String("cl"), Instances: elbInstances(elbdtest.InstanceOther)})
			return err
		}},
		{"DeregisterInstancesFromLoadBalancer: unknown", "InvalidInstance", func(f *elbFixture) error {
			_, err := f.elb.DeregisterInstancesFromLoadBalancer(f.ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{LoadBalancerName: aws.String("cl"), Instances: elbInstances("i-0123456789abcdef0")})
			return err
		}},
		{"DescribeInstanceHealth: unknown", "InvalidInstance", func(f *elbFixture) error {
			_, err := f.elb.DescribeInstanceHealth(f.ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: aws.String("cl"), Instances: elbInstances("i-0123456789abcdef0")})
			return err
		}},

		// Attributes.
		{"ModifyLoadBalancerAttributes: unknown additional attribute", "LoadBalancerAttributeNotFound", elbModifyAttrs("cl", types.LoadBalancerAttributes{
			AdditionalAttributes: []types.AdditionalAttribute{{Key: aws.String("elb.http.nosuchthing"), Value: aws.String("on")}}})},
		{"ModifyLoadBalancerAttributes: access log without bucket", "InvalidConfigurationRequest", elbModifyAttrs("cl", types.LoadBalancerAttributes{
			AccessLog: &types.AccessLog{Enabled: true, EmitInterval: aws.Int32(5)}})},
		{"ModifyLoadBalancerAttributes: idle timeout 4001", "ValidationError", elbModifyAttrs("cl", types.LoadBalancerAttributes{
			ConnectionSettings: &types.ConnectionSettings{IdleTimeout: aws.Int32(4001)}})},
		{"ModifyLoadBalancerAttributes: emit interval 15", "ValidationError", elbModifyAttrs("cl", types.LoadBalancerAttributes{
			AccessLog: &types.AccessLog{Enabled: true, S3BucketName: aws.String("logs"), EmitInterval: aws.Int32(15)}})},

		// Tags.
		{"AddTags: two load balancers", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.AddTags(f.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"cl", "vpc"}, Tags: elbTags("k", "v")})
			return err
		}},
		{"AddTags: 51 tags", "TooManyTags", func(f *elbFixture) error {
			_, err := f.elb.AddTags(f.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"cl"}, Tags: elbManyTags(51)})
			return err
		}},
		{"AddTags: duplicate keys", "DuplicateTagKeys", func(f *elbFixture) error {
			_, err := f.elb.AddTags(f.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"cl"}, Tags: elbTags("k", "1", "k", "1")})
			return err
		}},
		{"RemoveTags: two load balancers", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.RemoveTags(f.ctx, &elbsdk.RemoveTagsInput{LoadBalancerNames: []string{"cl", "vpc"}, Tags: []types.TagKeyOnly{{Key: aws.String("k")}}})
			return err
		}},
		{"DescribeTags: 21 names", "ValidationError", func(f *elbFixture) error {
			var names []string
			for i := range 21 {
				names = append(names, fmt.Sprintf("lb-%d", i))
			}
			_, err := f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: names})
			return err
		}},

		// Zones, subnets, security groups.
		{"DisableAvailabilityZonesForLoadBalancer: last zone", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.DisableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{LoadBalancerName: aws.String("cl"), AvailabilityZones: z})
			return err
		}},
		{"EnableAvailabilityZonesForLoadBalancer: unknown zone", "ValidationError", func(f *elbFixture) error {
			_, err := f.elb.EnableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{LoadBalancerName: aws.String("cl"), AvailabilityZones: []string{"eu-west-1a"}})
			return err
		}},
		{"AttachLoadBalancerToSubnets: unknown subnet", "SubnetNotFound", func(f *elbFixture) error {
			_, err := f.elb.AttachLoadBalancerToSubnets(f.ctx, &elbsdk.AttachLoadBalancerToSubnetsInput{LoadBalancerName: aws.String("vpc"), Subnets: []string{"subnet-0nope0001"}})
			return err
		}},
		{"AttachLoadBalancerToSubnets: private subnet, internet-facing", "InvalidSubnet", func(f *elbFixture) error {
			_, err := f.elb.AttachLoadBalancerToSubnets(f.ctx, &elbsdk.AttachLoadBalancerToSubnetsInput{LoadBalancerName: aws.String("vpc"), Subnets: []string{elbdtest.SubnetPrivate}})
			return err
		}},
		{"AttachLoadBalancerToSubnets: second subnet of a zone", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.AttachLoadBalancerToSubnets(f.ctx, &elbsdk.AttachLoadBalancerToSubnetsInput{LoadBalancerName: aws.String("vpc"), Subnets: []string{elbdtest.SubnetA2}})
			return err
		}},
		{"DetachLoadBalancerFromSubnets: last subnet", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.DetachLoadBalancerFromSubnets(f.ctx, &elbsdk.DetachLoadBalancerFromSubnetsInput{LoadBalancerName: aws.String("vpc"), Subnets: []string{elbdtest.SubnetA}})
			return err
		}},
		{"ApplySecurityGroupsToLoadBalancer: unknown group", "InvalidSecurityGroup", func(f *elbFixture) error {
			_, err := f.elb.ApplySecurityGroupsToLoadBalancer(f.ctx, &elbsdk.ApplySecurityGroupsToLoadBalancerInput{LoadBalancerName: aws.String("vpc"), SecurityGroups: []string{"sg-0nope000001"}})
			return err
		}},
		{"ApplySecurityGroupsToLoadBalancer: EC2-Classic style", "InvalidConfigurationRequest", func(f *elbFixture) error {
			_, err := f.elb.ApplySecurityGroupsToLoadBalancer(f.ctx, &elbsdk.ApplySecurityGroupsToLoadBalancerInput{LoadBalancerName: aws.String("cl"), SecurityGroups: []string{elbdtest.GroupWeb}})
			return err
		}},
	}
	elbRunErrCases(t, f, cases)

	// The failed calls changed nothing (only "ssl" was created on purpose).
	cl := f.describe("cl")
	elbCheckStrings(t, "cl listeners", elbListenerStrings(cl.ListenerDescriptions), []string{
		"HTTP:80->HTTP:8080 cert= policies=[lbc]", "TCP:1024->TCP:1024 cert= policies=[]"})
	elbCheckStrings(t, "cl policies", elbPolicyNames(f.policies("cl")), []string{"lbc", "appc", "ssl"})
	elbCheckStrings(t, "cl zones", cl.AvailabilityZones, z)
	if hc := cl.HealthCheck; hc == nil || aws.ToString(hc.Target) != "TCP:8080" {
		t.Errorf("cl HealthCheck = %+v, want the default TCP:8080", hc)
	}
	vpc := f.describe("vpc")
	elbCheckStrings(t, "vpc subnets", vpc.Subnets, []string{elbdtest.SubnetA})
	elbCheckStrings(t, "vpc security groups", vpc.SecurityGroups, []string{elbdtest.GroupDefault})
	all, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{})
	elbOK(t, "DescribeLoadBalancers", err)
	if len(all.LoadBalancerDescriptions) != 2 {
		t.Errorf("DescribeLoadBalancers() = %d load balancers, want 2 (no failed create left one behind)", len(all.LoadBalancerDescriptions))
	}
}

// TestELBLimitErrors runs against an elbd with small quotas.
func TestELBLimitErrors(t *testing.T) {
	f := startELB(t, "limits: {load_balancers: 2, policies: 2, listeners: 2, registered_instances: 2}\n")
	arn := f.uploadCert("limits")
	f.createClassic("one", []string{usEast1a}, elbSecureListener("HTTPS", 443, "HTTP", 80, arn))
	f.createClassic("two", []string{usEast1a})

	t.Run("TooManyLoadBalancers", func(t *testing.T) {
		wantELBErr(t, "CreateLoadBalancer", elbCreateLB("three", []string{usEast1a}, nil, elbListener("HTTP", 80, "HTTP", 80))(f), "TooManyLoadBalancers")
		// An idempotent repeat of an existing one is still fine.
		elbOK(t, "CreateLoadBalancer(two) again", elbCreateLB("two", []string{usEast1a}, nil, elbListener("HTTP", 80, "HTTP", 8080))(f))
		// Another account has its own quota.
		_, err := f.client(elbdtest.Other).CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("three"),
			AvailabilityZones: []string{usEast1a}, Listeners: []types.Listener{elbListener("HTTP", 80, "HTTP", 80)}})
		elbOK(t, "CreateLoadBalancer as other account", err)
	})

	t.Run("TooManyPolicies", func(t *testing.T) {
		// "one" already holds the default SSL policy of its HTTPS listener.
		elbOK(t, "CreateLBCookieStickinessPolicy(first)", elbLBCookie("one", "first", nil)(f))
		wantELBErr(t, "CreateLBCookieStickinessPolicy", elbLBCookie("one", "second", nil)(f), "TooManyPolicies")
		wantELBErr(t, "CreateAppCookieStickinessPolicy", elbAppCookie("one", "second", "c")(f), "TooManyPolicies")
		wantELBErr(t, "CreateLoadBalancerPolicy", elbCreatePolicy("one", "second", "ProxyProtocolPolicyType", "ProxyProtocol", "true")(f), "TooManyPolicies")
		// A duplicate name is reported as such even at the limit.
		wantELBErr(t, "CreateLBCookieStickinessPolicy", elbLBCookie("one", "first", nil)(f), "DuplicatePolicyName")
		// Deleting one makes room.
		_, err := f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("one"), PolicyName: aws.String("first")})
		elbOK(t, "DeleteLoadBalancerPolicy", err)
		elbOK(t, "CreateAppCookieStickinessPolicy(second)", elbAppCookie("one", "second", "c")(f))
	})

	t.Run("listener quota", func(t *testing.T) {
		elbOK(t, "CreateLoadBalancerListeners(second)", elbAddListeners("two", elbListener("TCP", 1024, "TCP", 1024))(f))
		wantELBErr(t, "CreateLoadBalancerListeners", elbAddListeners("two", elbListener("TCP", 1025, "TCP", 1025))(f), "InvalidConfigurationRequest")
		elbOK(t, "CreateLoadBalancerListeners(identical repeat)", elbAddListeners("two", elbListener("TCP", 1024, "TCP", 1024))(f))
	})

	t.Run("instance quota", func(t *testing.T) {
		_, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
			LoadBalancerName: aws.String("two"), Instances: elbInstances(elbdtest.InstanceA, elbdtest.InstanceB)})
		elbOK(t, "RegisterInstancesWithLoadBalancer(2)", err)
		_, err = f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
			LoadBalancerName: aws.String("two"), Instances: elbInstances(elbdtest.InstanceC)})
		wantELBErr(t, "RegisterInstancesWithLoadBalancer", err, "InvalidConfigurationRequest")
	})

	t.Run("DescribeAccountLimits reports them", func(t *testing.T) {
		out, err := f.elb.DescribeAccountLimits(f.ctx, &elbsdk.DescribeAccountLimitsInput{})
		elbOK(t, "DescribeAccountLimits", err)
		var got []string
		for _, l := range out.Limits {
			got = append(got, aws.ToString(l.Name)+"="+aws.ToString(l.Max))
		}
		elbCheckStrings(t, "Limits", got, []string{"classic-load-balancers=2", "classic-listeners=2", "classic-registered-instances=2"})
	})
}

// TestELBLoadBalancerNotFound calls every action that names a load
// balancer with one that does not exist, with otherwise valid parameters.
func TestELBLoadBalancerNotFound(t *testing.T) {
	f := startELB(t, "")
	arn := f.uploadCert("ghost")
	// A load balancer of the other account is as absent as a missing one.
	_, err := f.client(elbdtest.Other).CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("theirs"),
		AvailabilityZones: []string{usEast1a}, Listeners: []types.Listener{elbListener("HTTP", 80, "HTTP", 80)}})
	elbOK(t, "CreateLoadBalancer as other account", err)
	for _, lb := range []string{"ghost", "theirs"} {
		name := aws.String(lb)
		cases := []struct {
			op   string
			call func() error
		}{
			{"AddTags", func() error {
				_, err := f.elb.AddTags(f.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{lb}, Tags: elbTags("k", "v")})
				return err
			}},
			{"ApplySecurityGroupsToLoadBalancer", func() error {
				_, err := f.elb.ApplySecurityGroupsToLoadBalancer(f.ctx, &elbsdk.ApplySecurityGroupsToLoadBalancerInput{LoadBalancerName: name, SecurityGroups: []string{elbdtest.GroupWeb}})
				return err
			}},
			{"AttachLoadBalancerToSubnets", func() error {
				_, err := f.elb.AttachLoadBalancerToSubnets(f.ctx, &elbsdk.AttachLoadBalancerToSubnetsInput{LoadBalancerName: name, Subnets: []string{elbdtest.SubnetB}})
				return err
			}},
			{"ConfigureHealthCheck", func() error { return elbHealthCheck(lb, "TCP:80", 30, 5, 2, 10)(f) }},
			{"CreateAppCookieStickinessPolicy", func() error { return elbAppCookie(lb, "p", "c")(f) }},
			{"CreateLBCookieStickinessPolicy", func() error { return elbLBCookie(lb, "p", aws.Int64(10))(f) }},
			{"CreateLoadBalancerListeners", func() error { return elbAddListeners(lb, elbListener("HTTP", 8080, "HTTP", 80))(f) }},
			{"CreateLoadBalancerPolicy", func() error {
				return elbCreatePolicy(lb, "p", "ProxyProtocolPolicyType", "ProxyProtocol", "true")(f)
			}},
			{"DeleteLoadBalancerListeners", func() error {
				_, err := f.elb.DeleteLoadBalancerListeners(f.ctx, &elbsdk.DeleteLoadBalancerListenersInput{LoadBalancerName: name, LoadBalancerPorts: []int32{80}})
				return err
			}},
			{"DeleteLoadBalancerPolicy", func() error {
				_, err := f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: name, PolicyName: aws.String("p")})
				return err
			}},
			{"DeregisterInstancesFromLoadBalancer", func() error {
				_, err := f.elb.DeregisterInstancesFromLoadBalancer(f.ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{LoadBalancerName: name, Instances: elbInstances(elbdtest.InstanceA)})
				return err
			}},
			{"DescribeInstanceHealth", func() error {
				_, err := f.elb.DescribeInstanceHealth(f.ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: name})
				return err
			}},
			{"DescribeLoadBalancerAttributes", func() error {
				_, err := f.elb.DescribeLoadBalancerAttributes(f.ctx, &elbsdk.DescribeLoadBalancerAttributesInput{LoadBalancerName: name})
				return err
			}},
			{"DescribeLoadBalancerPolicies", func() error {
				_, err := f.elb.DescribeLoadBalancerPolicies(f.ctx, &elbsdk.DescribeLoadBalancerPoliciesInput{LoadBalancerName: name})
				return err
			}},
			{"DescribeLoadBalancers", func() error {
				_, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{lb}})
				return err
			}},
			{"DescribeTags", func() error {
				_, err := f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{lb}})
				return err
			}},
			{"DetachLoadBalancerFromSubnets", func() error {
				_, err := f.elb.DetachLoadBalancerFromSubnets(f.ctx, &elbsdk.DetachLoadBalancerFromSubnetsInput{LoadBalancerName: name, Subnets: []string{elbdtest.SubnetA}})
				return err
			}},
			{"DisableAvailabilityZonesForLoadBalancer", func() error {
				_, err := f.elb.DisableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{LoadBalancerName: name, AvailabilityZones: []string{usEast1a}})
				return err
			}},
			{"EnableAvailabilityZonesForLoadBalancer", func() error {
				_, err := f.elb.EnableAvailabilityZonesForLoadBalancer(f.ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{LoadBalancerName: name, AvailabilityZones: []string{usEast1b}})
				return err
			}},
			{"ModifyLoadBalancerAttributes", func() error {
				return elbModifyAttrs(lb, types.LoadBalancerAttributes{CrossZoneLoadBalancing: &types.CrossZoneLoadBalancing{Enabled: true}})(f)
			}},
			{"RegisterInstancesWithLoadBalancer", func() error {
				_, err := f.elb.RegisterInstancesWithLoadBalancer(f.ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: name, Instances: elbInstances(elbdtest.InstanceA)})
				return err
			}},
			{"RemoveTags", func() error {
				_, err := f.elb.RemoveTags(f.ctx, &elbsdk.RemoveTagsInput{LoadBalancerNames: []string{lb}, Tags: []types.TagKeyOnly{{Key: aws.String("k")}}})
				return err
			}},
			{"SetLoadBalancerListenerSSLCertificate", func() error {
				_, err := f.elb.SetLoadBalancerListenerSSLCertificate(f.ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
					LoadBalancerName: name, LoadBalancerPort: 443, SSLCertificateId: aws.String(arn)})
				return err
			}},
			{"SetLoadBalancerPoliciesForBackendServer", func() error { return elbBackendPolicies(lb, 80)(f) }},
			{"SetLoadBalancerPoliciesOfListener", func() error { return elbListenerPolicies(lb, 80)(f) }},
		}
		if len(cases) != 25 {
			t.Fatalf("%d cases, want the 25 actions that name an existing load balancer", len(cases))
		}
		for _, tc := range cases {
			t.Run(lb+"/"+tc.op, func(t *testing.T) {
				err := tc.call()
				wantELBErr(t, tc.op, err, "LoadBalancerNotFound")
				if err != nil && !strings.Contains(err.Error(), "There is no ACTIVE Load Balancer named '"+lb+"'") {
					t.Errorf("%s(...) = %v, want the message \"There is no ACTIVE Load Balancer named '%s'\"", tc.op, err, lb)
				}
			})
		}
	}
	// The four that name no existing load balancer succeed.
	_, err = f.elb.DeleteLoadBalancer(f.ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String("ghost")})
	elbOK(t, "DeleteLoadBalancer(ghost)", err)
	_, err = f.elb.DeleteLoadBalancer(f.ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String("theirs")})
	elbOK(t, "DeleteLoadBalancer(theirs)", err)
	if _, err := f.client(elbdtest.Other).DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"theirs"}}); err != nil {
		t.Errorf("other account's load balancer after DeleteLoadBalancer by admin: %v, want it untouched", err)
	}
}
