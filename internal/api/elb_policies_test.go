package api_test

import (
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

var elbPolicyTypeNames = []string{
	"SSLNegotiationPolicyType",
	"BackendServerAuthenticationPolicyType",
	"PublicKeyPolicyType",
	"AppCookieStickinessPolicyType",
	"LBCookieStickinessPolicyType",
	"ProxyProtocolPolicyType",
}

var elbPredefinedPolicies = []string{
	"ELBSecurityPolicy-2016-08",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-TLS-1-1-2017-01",
	"ELBSecurityPolicy-2015-05",
	"ELBSecurityPolicy-2015-03",
	"ELBSecurityPolicy-2015-02",
	"ELBSecurityPolicy-2014-10",
	"ELBSecurityPolicy-2014-01",
	"ELBSecurityPolicy-2011-08",
	"ELBSample-ELBDefaultCipherPolicy",
	"ELBSample-OpenSSLDefaultCipherPolicy",
}

func elbPolicyNames(ps []types.PolicyDescription) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = aws.ToString(p.PolicyName)
	}
	return out
}

func TestELBDescribePolicyTypes(t *testing.T) {
	f := startELB(t, "")
	out, err := f.elb.DescribeLoadBalancerPolicyTypes(f.ctx, &elbsdk.DescribeLoadBalancerPolicyTypesInput{})
	elbOK(t, "DescribeLoadBalancerPolicyTypes()", err)
	var names []string
	byName := map[string]types.PolicyTypeDescription{}
	for _, d := range out.PolicyTypeDescriptions {
		names = append(names, aws.ToString(d.PolicyTypeName))
		byName[aws.ToString(d.PolicyTypeName)] = d
		if aws.ToString(d.Description) == "" {
			t.Errorf("%s.Description = empty", aws.ToString(d.PolicyTypeName))
		}
	}
	elbCheckStrings(t, "PolicyTypeNames", names, elbPolicyTypeNames)

	attr := func(typ string) []string {
		var out []string
		for _, a := range byName[typ].PolicyAttributeTypeDescriptions {
			out = append(out, aws.ToString(a.AttributeName)+":"+aws.ToString(a.AttributeType)+":"+aws.ToString(a.Cardinality))
		}
		return out
	}
	for typ, want := range map[string][]string{
		"ProxyProtocolPolicyType":               {"ProxyProtocol:Boolean:ONE"},
		"PublicKeyPolicyType":                   {"PublicKey:String:ONE"},
		"BackendServerAuthenticationPolicyType": {"PublicKeyPolicyName:PolicyName:ONE_OR_MORE"},
		"AppCookieStickinessPolicyType":         {"CookieName:String:ONE"},
		"LBCookieStickinessPolicyType":          {"CookieExpirationPeriod:Long:ZERO_OR_ONE"},
	} {
		elbCheckStrings(t, typ+" attributes", attr(typ), want)
	}
	ssl := attr("SSLNegotiationPolicyType")
	if len(ssl) < 90 {
		t.Errorf("SSLNegotiationPolicyType has %d attributes, want the protocols, cipher order, ciphers and Reference-Security-Policy", len(ssl))
	}
	for _, want := range []string{"Protocol-TLSv1.2:Boolean:ZERO_OR_ONE", "Server-Defined-Cipher-Order:Boolean:ZERO_OR_ONE",
		"ECDHE-RSA-AES128-GCM-SHA256:Boolean:ZERO_OR_ONE", "Reference-Security-Policy:String:ZERO_OR_ONE"} {
		found := false
		for _, a := range ssl {
			found = found || a == want
		}
		if !found {
			t.Errorf("SSLNegotiationPolicyType attributes lack %s", want)
		}
	}

	filtered, err := f.elb.DescribeLoadBalancerPolicyTypes(f.ctx, &elbsdk.DescribeLoadBalancerPolicyTypesInput{
		PolicyTypeNames: []string{"ProxyProtocolPolicyType", "LBCookieStickinessPolicyType"}})
	elbOK(t, "DescribeLoadBalancerPolicyTypes(filtered)", err)
	names = nil
	for _, d := range filtered.PolicyTypeDescriptions {
		names = append(names, aws.ToString(d.PolicyTypeName))
	}
	elbCheckStrings(t, "filtered PolicyTypeNames", names, []string{"ProxyProtocolPolicyType", "LBCookieStickinessPolicyType"})

	_, err = f.elb.DescribeLoadBalancerPolicyTypes(f.ctx, &elbsdk.DescribeLoadBalancerPolicyTypesInput{
		PolicyTypeNames: []string{"ProxyProtocolPolicyType", "DifferentProtocolPolicyType"}})
	wantELBErr(t, "DescribeLoadBalancerPolicyTypes", err, "PolicyTypeNotFound")
}

func TestELBDescribePredefinedPolicies(t *testing.T) {
	f := startELB(t, "")
	all := f.policies("")
	elbCheckStrings(t, "predefined policies", elbPolicyNames(all), elbPredefinedPolicies)
	for _, p := range all {
		if got := aws.ToString(p.PolicyTypeName); got != "SSLNegotiationPolicyType" {
			t.Errorf("%s.PolicyTypeName = %q, want SSLNegotiationPolicyType", aws.ToString(p.PolicyName), got)
		}
		if len(p.PolicyAttributeDescriptions) < 90 {
			t.Errorf("%s has %d attributes, want every SSL flag", aws.ToString(p.PolicyName), len(p.PolicyAttributeDescriptions))
		}
	}

	one := f.policies("", "ELBSecurityPolicy-TLS-1-2-2017-01")
	elbCheckStrings(t, "filtered", elbPolicyNames(one), []string{"ELBSecurityPolicy-TLS-1-2-2017-01"})
	m := elbAttrMap(one[0].PolicyAttributeDescriptions)
	for k, want := range map[string]string{"Protocol-TLSv1": "false", "Protocol-TLSv1.1": "false", "Protocol-TLSv1.2": "true",
		"Server-Defined-Cipher-Order": "true", "ECDHE-RSA-AES128-SHA": "false", "ECDHE-RSA-AES128-GCM-SHA256": "true"} {
		if m[k] != want {
			t.Errorf("ELBSecurityPolicy-TLS-1-2-2017-01 %s = %q, want %q", k, m[k], want)
		}
	}
	two := f.policies("", "ELBSecurityPolicy-2011-08", "ELBSecurityPolicy-2016-08")
	elbCheckStrings(t, "filtered (2)", elbPolicyNames(two), []string{"ELBSecurityPolicy-2011-08", "ELBSecurityPolicy-2016-08"})

	_, err := f.elb.DescribeLoadBalancerPolicies(f.ctx, &elbsdk.DescribeLoadBalancerPoliciesInput{PolicyNames: []string{"ELBSecurityPolicy-1999-01"}})
	wantELBErr(t, "DescribeLoadBalancerPolicies", err, "PolicyNotFound")
}

func TestELBStickinessPolicies(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("sticky", []string{usEast1a}, elbListener("HTTP", 80, "HTTP", 8080), elbListener("HTTP", 8080, "HTTP", 8081))
	_, err := f.elb.CreateLBCookieStickinessPolicy(f.ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
		LoadBalancerName: aws.String("sticky"), PolicyName: aws.String("lb-60"), CookieExpirationPeriod: aws.Int64(60)})
	elbOK(t, "CreateLBCookieStickinessPolicy(lb-60)", err)
	_, err = f.elb.CreateLBCookieStickinessPolicy(f.ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
		LoadBalancerName: aws.String("sticky"), PolicyName: aws.String("lb-session")})
	elbOK(t, "CreateLBCookieStickinessPolicy(lb-session)", err)
	_, err = f.elb.CreateAppCookieStickinessPolicy(f.ctx, &elbsdk.CreateAppCookieStickinessPolicyInput{
		LoadBalancerName: aws.String("sticky"), PolicyName: aws.String("app"), CookieName: aws.String("SESSIONID")})
	elbOK(t, "CreateAppCookieStickinessPolicy(app)", err)

	// The same two types through the generic CreateLoadBalancerPolicy.
	_, err = f.elb.CreateLoadBalancerPolicy(f.ctx, &elbsdk.CreateLoadBalancerPolicyInput{
		LoadBalancerName: aws.String("sticky"), PolicyName: aws.String("generic-lb"),
		PolicyTypeName: aws.String("LBCookieStickinessPolicyType"), PolicyAttributes: elbPolicyAttrs("CookieExpirationPeriod", "86400")})
	elbOK(t, "CreateLoadBalancerPolicy(LBCookieStickinessPolicyType)", err)
	_, err = f.elb.CreateLoadBalancerPolicy(f.ctx, &elbsdk.CreateLoadBalancerPolicyInput{
		LoadBalancerName: aws.String("sticky"), PolicyName: aws.String("generic-app"),
		PolicyTypeName: aws.String("AppCookieStickinessPolicyType"), PolicyAttributes: elbPolicyAttrs("CookieName", "sid")})
	elbOK(t, "CreateLoadBalancerPolicy(AppCookieStickinessPolicyType)", err)

	d := f.describe("sticky")
	var lbc []string
	for _, p := range d.Policies.LBCookieStickinessPolicies {
		s := aws.ToString(p.PolicyName) + ":"
		if p.CookieExpirationPeriod != nil {
			s += strconv.FormatInt(*p.CookieExpirationPeriod, 10)
		} else {
			s += "nil"
		}
		lbc = append(lbc, s)
	}
	elbCheckStrings(t, "Policies.LBCookieStickinessPolicies", lbc, []string{"lb-60:60", "lb-session:nil", "generic-lb:86400"})
	var app []string
	for _, p := range d.Policies.AppCookieStickinessPolicies {
		app = append(app, aws.ToString(p.PolicyName)+":"+aws.ToString(p.CookieName))
	}
	elbCheckStrings(t, "Policies.AppCookieStickinessPolicies", app, []string{"app:SESSIONID", "generic-app:sid"})
	elbCheckStrings(t, "Policies.OtherPolicies", d.Policies.OtherPolicies, nil)

	ps := f.policies("sticky")
	var got []string
	for _, p := range ps {
		s := aws.ToString(p.PolicyName) + " " + aws.ToString(p.PolicyTypeName)
		for _, a := range p.PolicyAttributeDescriptions {
			s += " " + aws.ToString(a.AttributeName) + "=" + aws.ToString(a.AttributeValue)
		}
		got = append(got, s)
	}
	elbCheckStrings(t, "DescribeLoadBalancerPolicies(sticky)", got, []string{
		"lb-60 LBCookieStickinessPolicyType CookieExpirationPeriod=60",
		// Terraform reads attribute 0 as the period: "0" for session cookies.
		"lb-session LBCookieStickinessPolicyType CookieExpirationPeriod=0",
		"app AppCookieStickinessPolicyType CookieName=SESSIONID",
		"generic-lb LBCookieStickinessPolicyType CookieExpirationPeriod=86400",
		"generic-app AppCookieStickinessPolicyType CookieName=sid",
	})
	elbCheckStrings(t, "filtered", elbPolicyNames(f.policies("sticky", "app", "lb-60")), []string{"app", "lb-60"})

	setListener := func(port int32, names ...string) error {
		in := &elbsdk.SetLoadBalancerPoliciesOfListenerInput{LoadBalancerName: aws.String("sticky"), LoadBalancerPort: port, PolicyNames: names}
		if in.PolicyNames == nil {
			in.PolicyNames = []string{} // the SDK sends "PolicyNames=" for an empty, non-nil list
		}
		_, err := f.elb.SetLoadBalancerPoliciesOfListener(f.ctx, in)
		return err
	}
	elbOK(t, "SetLoadBalancerPoliciesOfListener(80, lb-60)", setListener(80, "lb-60"))
	elbOK(t, "SetLoadBalancerPoliciesOfListener(8080, app)", setListener(8080, "app"))
	elbCheckStrings(t, "listeners with policies", elbListenerStrings(f.describe("sticky").ListenerDescriptions), []string{
		"HTTP:80->HTTP:8080 cert= policies=[lb-60]",
		"HTTP:8080->HTTP:8081 cert= policies=[app]",
	})
	// Replacing the set.
	elbOK(t, "SetLoadBalancerPoliciesOfListener(80, lb-session)", setListener(80, "lb-session"))
	// In use: cannot be deleted.
	_, err = f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("sticky"), PolicyName: aws.String("lb-session")})
	wantELBErr(t, "DeleteLoadBalancerPolicy", err, "InvalidConfigurationRequest")
	// Terraform's delete path: clear the listener with an empty list, then delete.
	elbOK(t, "SetLoadBalancerPoliciesOfListener(80, [])", setListener(80))
	elbCheckStrings(t, "listeners after clearing", elbListenerStrings(f.describe("sticky").ListenerDescriptions), []string{
		"HTTP:80->HTTP:8080 cert= policies=[]",
		"HTTP:8080->HTTP:8081 cert= policies=[app]",
	})
	for _, name := range []string{"lb-session", "lb-60", "never-existed"} {
		_, err = f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("sticky"), PolicyName: aws.String(name)})
		elbOK(t, "DeleteLoadBalancerPolicy("+name+")", err)
	}
	elbCheckStrings(t, "policies after delete", elbPolicyNames(f.policies("sticky")), []string{"app", "generic-lb", "generic-app"})
	_, err = f.elb.DescribeLoadBalancerPolicies(f.ctx, &elbsdk.DescribeLoadBalancerPoliciesInput{
		LoadBalancerName: aws.String("sticky"), PolicyNames: []string{"lb-60"}})
	wantELBErr(t, "DescribeLoadBalancerPolicies", err, "PolicyNotFound")
}

func TestELBProxyProtocolPolicy(t *testing.T) {
	f := startELB(t, "")
	f.createVPC("pp", []string{elbdtest.SubnetA}, elbListener("TCP", 5000, "TCP", 5000), elbListener("HTTP", 80, "HTTP", 8080))
	_, err := f.elb.CreateLoadBalancerPolicy(f.ctx, &elbsdk.CreateLoadBalancerPolicyInput{
		LoadBalancerName: aws.String("pp"), PolicyName: aws.String("EnableProxyProtocol"),
		PolicyTypeName: aws.String("ProxyProtocolPolicyType"), PolicyAttributes: elbPolicyAttrs("ProxyProtocol", "True")})
	elbOK(t, "CreateLoadBalancerPolicy(ProxyProtocol)", err)
	ps := f.policies("pp")
	if len(ps) != 1 {
		t.Fatalf("DescribeLoadBalancerPolicies(pp) = %d policies, want 1", len(ps))
	}
	elbCheckString(t, "PolicyTypeName", ps[0].PolicyTypeName, "ProxyProtocolPolicyType")
	if m := elbAttrMap(ps[0].PolicyAttributeDescriptions); len(m) != 1 || m["ProxyProtocol"] != "true" {
		t.Errorf("attributes = %v, want ProxyProtocol=true (normalised)", m)
	}

	setBackend := func(port int32, names ...string) error {
		in := &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{LoadBalancerName: aws.String("pp"), InstancePort: aws.Int32(port), PolicyNames: names}
		if in.PolicyNames == nil {
			in.PolicyNames = []string{}
		}
		_, err := f.elb.SetLoadBalancerPoliciesForBackendServer(f.ctx, in)
		return err
	}
	elbOK(t, "SetLoadBalancerPoliciesForBackendServer(5000)", setBackend(5000, "EnableProxyProtocol"))
	d := f.describe("pp")
	if len(d.BackendServerDescriptions) != 1 {
		t.Fatalf("BackendServerDescriptions = %+v, want one entry", d.BackendServerDescriptions)
	}
	elbCheckInt32(t, "BackendServerDescriptions[0].InstancePort", d.BackendServerDescriptions[0].InstancePort, 5000)
	elbCheckStrings(t, "BackendServerDescriptions[0].PolicyNames", d.BackendServerDescriptions[0].PolicyNames, []string{"EnableProxyProtocol"})
	elbCheckStrings(t, "Policies.OtherPolicies", d.Policies.OtherPolicies, []string{"EnableProxyProtocol"})

	_, err = f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("pp"), PolicyName: aws.String("EnableProxyProtocol")})
	wantELBErr(t, "DeleteLoadBalancerPolicy", err, "InvalidConfigurationRequest")
	// A proxy protocol policy is not a listener policy.
	wantELBErr(t, "SetLoadBalancerPoliciesOfListener", func() error {
		_, err := f.elb.SetLoadBalancerPoliciesOfListener(f.ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
			LoadBalancerName: aws.String("pp"), LoadBalancerPort: 5000, PolicyNames: []string{"EnableProxyProtocol"}})
		return err
	}(), "InvalidConfigurationRequest")

	// The empty list (PolicyNames=) removes the entry.
	elbOK(t, "SetLoadBalancerPoliciesForBackendServer(5000, [])", setBackend(5000))
	if d := f.describe("pp"); len(d.BackendServerDescriptions) != 0 {
		t.Errorf("BackendServerDescriptions after clearing = %+v, want empty", d.BackendServerDescriptions)
	}
	_, err = f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("pp"), PolicyName: aws.String("EnableProxyProtocol")})
	elbOK(t, "DeleteLoadBalancerPolicy", err)
	if d := f.describe("pp"); len(d.Policies.OtherPolicies) != 0 {
		t.Errorf("Policies.OtherPolicies after delete = %q, want empty", d.Policies.OtherPolicies)
	}
}

func TestELBBackendServerAuthenticationPolicy(t *testing.T) {
	f := startELB(t, "")
	arn := f.uploadCert("backend-auth")
	f.createVPC("auth", []string{elbdtest.SubnetA}, elbSecureListener("HTTPS", 443, "HTTPS", 8443, arn), elbListener("HTTP", 80, "HTTP", 8080))
	create := func(name, typ string, attrs ...string) error {
		_, err := f.elb.CreateLoadBalancerPolicy(f.ctx, &elbsdk.CreateLoadBalancerPolicyInput{
			LoadBalancerName: aws.String("auth"), PolicyName: aws.String(name), PolicyTypeName: aws.String(typ), PolicyAttributes: elbPolicyAttrs(attrs...)})
		return err
	}
	key := elbPublicKey(t)
	elbOK(t, "CreateLoadBalancerPolicy(PublicKey)", create("my-key", "PublicKeyPolicyType", "PublicKey", key))
	// The reference must resolve to a PublicKeyPolicyType policy.
	wantELBErr(t, "CreateLoadBalancerPolicy", create("bad-auth", "BackendServerAuthenticationPolicyType", "PublicKeyPolicyName", "no-such-key"), "PolicyNotFound")
	elbOK(t, "CreateLoadBalancerPolicy(BackendServerAuthentication)",
		create("my-auth", "BackendServerAuthenticationPolicyType", "PublicKeyPolicyName", "my-key"))

	ps := f.policies("auth", "my-key", "my-auth")
	elbCheckStrings(t, "policies", elbPolicyNames(ps), []string{"my-key", "my-auth"})
	if m := elbAttrMap(ps[0].PolicyAttributeDescriptions); m["PublicKey"] != key {
		t.Errorf("my-key PublicKey = %q, want the key given", m["PublicKey"])
	}
	if m := elbAttrMap(ps[1].PolicyAttributeDescriptions); m["PublicKeyPolicyName"] != "my-key" {
		t.Errorf("my-auth PublicKeyPolicyName = %q, want my-key", m["PublicKeyPolicyName"])
	}

	setBackend := func(port int32, names ...string) error {
		_, err := f.elb.SetLoadBalancerPoliciesForBackendServer(f.ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
			LoadBalancerName: aws.String("auth"), InstancePort: aws.Int32(port), PolicyNames: names})
		return err
	}
	elbOK(t, "SetLoadBalancerPoliciesForBackendServer(8443, my-auth)", setBackend(8443, "my-auth"))
	d := f.describe("auth")
	if len(d.BackendServerDescriptions) != 1 || aws.ToInt32(d.BackendServerDescriptions[0].InstancePort) != 8443 ||
		!elbSameStrings(d.BackendServerDescriptions[0].PolicyNames, []string{"my-auth"}) {
		t.Errorf("BackendServerDescriptions = %+v, want [{8443 [my-auth]}]", d.BackendServerDescriptions)
	}
	elbCheckStrings(t, "Policies.OtherPolicies", d.Policies.OtherPolicies, []string{elbDefaultSSLPolicy, "my-key", "my-auth"})

	for _, tc := range []struct {
		name string
		err  error
		op   string
		code string
	}{
		{"auth policy on a plain HTTP back end", setBackend(8080, "my-auth"), "SetLoadBalancerPoliciesForBackendServer", "InvalidConfigurationRequest"},
		{"public key policy directly on a back end", setBackend(8443, "my-key"), "SetLoadBalancerPoliciesForBackendServer", "InvalidConfigurationRequest"},
		{"unknown policy", setBackend(8443, "nope"), "SetLoadBalancerPoliciesForBackendServer", "PolicyNotFound"},
		{"delete referenced key", func() error {
			_, err := f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("auth"), PolicyName: aws.String("my-key")})
			return err
		}(), "DeleteLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"bad public key", create("bad-key", "PublicKeyPolicyType", "PublicKey", "not a key"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"missing required attribute", create("no-attr", "ProxyProtocolPolicyType"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"attribute of another type", create("wrong-attr", "ProxyProtocolPolicyType", "CookieName", "x"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantELBErr(t, tc.op, tc.err, tc.code) })
	}
}

func TestELBSSLNegotiationPolicy(t *testing.T) {
	f := startELB(t, "")
	arn := f.uploadCert("negotiation")
	f.createClassic("tls", []string{usEast1a}, elbSecureListener("HTTPS", 443, "HTTP", 80, arn), elbSecureListener("SSL", 465, "TCP", 25, arn))
	create := func(name string, attrs ...string) error {
		_, err := f.elb.CreateLoadBalancerPolicy(f.ctx, &elbsdk.CreateLoadBalancerPolicyInput{
			LoadBalancerName: aws.String("tls"), PolicyName: aws.String(name), PolicyTypeName: aws.String("SSLNegotiationPolicyType"),
			PolicyAttributes: elbPolicyAttrs(attrs...)})
		return err
	}
	elbOK(t, "CreateLoadBalancerPolicy(ref)", create("tls12", "Reference-Security-Policy", "ELBSecurityPolicy-TLS-1-2-2017-01"))
	elbOK(t, "CreateLoadBalancerPolicy(custom)", create("custom", "Protocol-TLSv1.2", "true", "ECDHE-RSA-AES128-GCM-SHA256", "true"))

	// Explicit flags next to a reference override the referenced values.
	elbOK(t, "CreateLoadBalancerPolicy(ref+override)", create("no-tls10", "Reference-Security-Policy", "ELBSecurityPolicy-2016-08", "Protocol-TLSv1", "false"))
	if m := elbAttrMap(f.policies("tls", "no-tls10")[0].PolicyAttributeDescriptions); m["Reference-Security-Policy"] != "ELBSecurityPolicy-2016-08" ||
		m["Protocol-TLSv1"] != "false" || m["Protocol-TLSv1.1"] != "true" || m["Protocol-TLSv1.2"] != "true" {
		t.Errorf("no-tls10 = reference %q TLSv1 %q TLSv1.1 %q TLSv1.2 %q, want ELBSecurityPolicy-2016-08 false true true",
			m["Reference-Security-Policy"], m["Protocol-TLSv1"], m["Protocol-TLSv1.1"], m["Protocol-TLSv1.2"])
	}

	ps := f.policies("tls", "tls12", "custom")
	elbCheckStrings(t, "policies", elbPolicyNames(ps), []string{"tls12", "custom"})
	ref := ps[0].PolicyAttributeDescriptions
	if len(ref) == 0 || aws.ToString(ref[0].AttributeName) != "Reference-Security-Policy" || aws.ToString(ref[0].AttributeValue) != "ELBSecurityPolicy-TLS-1-2-2017-01" {
		t.Errorf("tls12 first attribute = %+v, want Reference-Security-Policy=ELBSecurityPolicy-TLS-1-2-2017-01", ref[:min(1, len(ref))])
	}
	if m := elbAttrMap(ref); m["Protocol-TLSv1.2"] != "true" || m["Protocol-TLSv1"] != "false" {
		t.Errorf("tls12 protocols = TLSv1.2 %q TLSv1 %q, want true false", m["Protocol-TLSv1.2"], m["Protocol-TLSv1"])
	}
	custom := elbAttrMap(ps[1].PolicyAttributeDescriptions)
	if _, ok := custom["Reference-Security-Policy"]; ok {
		t.Errorf("custom policy has Reference-Security-Policy, want none")
	}
	trues := 0
	for k, v := range custom {
		if v == "true" {
			trues++
			if k != "Protocol-TLSv1.2" && k != "ECDHE-RSA-AES128-GCM-SHA256" {
				t.Errorf("custom %s = true, want false", k)
			}
		}
	}
	if trues != 2 || len(custom) < 90 {
		t.Errorf("custom: %d true of %d attributes, want 2 true and every flag listed", trues, len(custom))
	}

	set := func(port int32, names ...string) error {
		_, err := f.elb.SetLoadBalancerPoliciesOfListener(f.ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
			LoadBalancerName: aws.String("tls"), LoadBalancerPort: port, PolicyNames: names})
		return err
	}
	elbOK(t, "SetLoadBalancerPoliciesOfListener(443, tls12)", set(443, "tls12"))
	elbOK(t, "SetLoadBalancerPoliciesOfListener(465, custom)", set(465, "custom"))
	d := f.describe("tls")
	elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(d.ListenerDescriptions), []string{
		"HTTPS:443->HTTP:80 cert=" + arn + " policies=[tls12]",
		"SSL:465->TCP:25 cert=" + arn + " policies=[custom]",
	})
	elbCheckStrings(t, "Policies.OtherPolicies", d.Policies.OtherPolicies, []string{elbDefaultSSLPolicy, "tls12", "custom", "no-tls10"})
	// The default policy is no longer in use and can go.
	_, err := f.elb.DeleteLoadBalancerPolicy(f.ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: aws.String("tls"), PolicyName: aws.String(elbDefaultSSLPolicy)})
	elbOK(t, "DeleteLoadBalancerPolicy(default)", err)
	elbCheckStrings(t, "policies after delete", elbPolicyNames(f.policies("tls")), []string{"tls12", "custom", "no-tls10"})

	for _, tc := range []struct {
		name string
		err  error
		op   string
		code string
	}{
		{"two SSL policies on one listener", set(443, "tls12", "custom"), "SetLoadBalancerPoliciesOfListener", "InvalidConfigurationRequest"},
		{"no protocol enabled", create("none", "Protocol-TLSv1.2", "false", "ECDHE-RSA-AES128-GCM-SHA256", "true"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"nothing Go can serve: SSLv3 and a DHE cipher", create("unservable", "Protocol-SSLv3", "true", "DHE-RSA-AES128-SHA", "true"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"nothing Go can serve: GCM with TLS 1.0 only", create("gcm-tls10", "Protocol-TLSv1", "true", "ECDHE-RSA-AES128-GCM-SHA256", "true"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"unknown reference policy", create("ref-x", "Reference-Security-Policy", "ELBSecurityPolicy-1999-01"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"reserved name", create("ELBSecurityPolicy-Mine", "Reference-Security-Policy", "ELBSecurityPolicy-2016-08"), "CreateLoadBalancerPolicy", "InvalidConfigurationRequest"},
		{"duplicate name", create("tls12", "Reference-Security-Policy", "ELBSecurityPolicy-2016-08"), "CreateLoadBalancerPolicy", "DuplicatePolicyName"},
		{"bad name", create("my_policy", "Reference-Security-Policy", "ELBSecurityPolicy-2016-08"), "CreateLoadBalancerPolicy", "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantELBErr(t, tc.op, tc.err, tc.code) })
	}
}
