package api_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// mustCreate creates a classic load balancer with an HTTP listener 80->8080.
func mustCreate(t testing.TB, c *elbsdk.Client, name string, zones ...string) {
	t.Helper()
	if len(zones) == 0 {
		zones = []string{"us-east-1a"}
	}
	_, err := c.CreateLoadBalancer(context.Background(), &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String(name),
		Listeners:         []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)}},
		AvailabilityZones: zones})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

func lbNames(root *xnode) []string {
	var out []string
	for _, m := range root.path("DescribeLoadBalancersResult", "LoadBalancerDescriptions").Children {
		out = append(out, m.child("LoadBalancerName").text())
	}
	return out
}

// TestProtocolGetAndPost sends the same actions as GET with a query string,
// as POST with a form body, and split across both.
func TestProtocolGetAndPost(t *testing.T) {
	env := elbdtest.Start(t, "")
	create := func(name string) []string {
		return []string{"Action", "CreateLoadBalancer", "Version", "2012-06-01", "LoadBalancerName", name,
			"Listeners.member.1.Protocol", "http", "Listeners.member.1.LoadBalancerPort", "80",
			"Listeners.member.1.InstancePort", "8080", "AvailabilityZones.member.1", "us-east-1a"}
	}
	cases := []queryReq{
		{Method: "GET", Query: form(create("via-get")...)},
		{Body: form(create("via-post")...)},
		{Body: form(create("via-post-sdk-ct")...), ContentType: "application/x-www-form-urlencoded"},
		{Query: "Action=CreateLoadBalancer&Version=2012-06-01", Body: form(create("via-both")[4:]...)},
		// The same Action and Version in query and body agree: fine.
		{Query: "Action=CreateLoadBalancer&Version=2012-06-01", Body: form(create("via-both-dup")...)},
	}
	for _, q := range cases {
		q.Key = &elbdtest.Admin
		root := checkSuccess(t, q.do(t, env), elbNS, "CreateLoadBalancer")
		if root.path("CreateLoadBalancerResult", "DNSName").text() == "" {
			t.Errorf("no DNSName for %+v", q)
		}
	}
	want := "via-both,via-both-dup,via-get,via-post,via-post-sdk-ct"
	for _, q := range []queryReq{
		{Method: "GET", Query: "Action=DescribeLoadBalancers&Version=2012-06-01"},
		{Body: "Action=DescribeLoadBalancers&Version=2012-06-01"},
	} {
		q.Key = &elbdtest.Admin
		root := checkSuccess(t, q.do(t, env), elbNS, "DescribeLoadBalancers")
		if got := strings.Join(lbNames(root), ","); got != want {
			t.Errorf("%s: %s, want %s", q.Method, got, want)
		}
	}
	// Protocols are case-insensitive on input, upper-case on output.
	d, err := env.ELB(elbdtest.Admin).DescribeLoadBalancers(context.Background(), &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"via-get"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := aws.ToString(d.LoadBalancerDescriptions[0].ListenerDescriptions[0].Listener.Protocol); p != "HTTP" {
		t.Errorf("protocol %q", p)
	}
}

// TestProtocolPaths: any path serves the Query API (libcloud uses
// /2012-06-01/).
func TestProtocolPaths(t *testing.T) {
	env := elbdtest.Start(t, "")
	for _, p := range []string{"/", "/2012-06-01/", "/anything", "/a/b/c/"} {
		for _, m := range []string{"GET", "POST"} {
			q := queryReq{Method: m, Path: p, Key: &elbdtest.Admin}
			if m == "GET" {
				q.Query = "Action=DescribeLoadBalancers&Version=2012-06-01"
			} else {
				q.Body = "Action=DescribeLoadBalancers&Version=2012-06-01"
			}
			checkSuccess(t, q.do(t, env), elbNS, "DescribeLoadBalancers")
		}
	}
	q := queryReq{Path: "/2012-06-01/", Body: "Action=ListServerCertificates&Version=2010-05-08", Key: &elbdtest.Admin, Service: iamService}
	checkSuccess(t, q.do(t, env), iamNS, "ListServerCertificates")
}

// TestProtocolDispatch covers the Action/Version dispatch errors.
func TestProtocolDispatch(t *testing.T) {
	env := elbdtest.Start(t, "")
	for _, tc := range []struct {
		name   string
		body   string
		ns     string
		status int
		code   string
		msg    []string
	}{
		{"ELBv2 version", "Action=DescribeLoadBalancers&Version=2015-12-01", elbNS, 400, "InvalidAction", []string{"2015-12-01", "2012-06-01"}},
		{"unknown version", "Action=DescribeLoadBalancers&Version=2099-01-01", elbNS, 400, "InvalidAction", []string{"2099-01-01"}},
		{"unknown action", "Action=DescribeThings&Version=2012-06-01", elbNS, 400, "InvalidAction", []string{"DescribeThings"}},
		{"IAM action on ELB", "Action=ListServerCertificates&Version=2012-06-01", elbNS, 400, "InvalidAction", []string{"ListServerCertificates"}},
		{"ELB action on IAM", "Action=DescribeLoadBalancers&Version=2010-05-08", iamNS, 400, "InvalidAction", []string{"DescribeLoadBalancers"}},
		{"missing action", "Version=2012-06-01", elbNS, 400, "MissingAction", nil},
		{"empty action", "Action=&Version=2012-06-01", elbNS, 400, "MissingAction", nil},
		{"missing action IAM", "Version=2010-05-08", iamNS, 400, "MissingAction", nil},
		{"missing version", "Action=DescribeLoadBalancers", elbNS, 400, "MissingParameter", []string{"Version"}},
		{"missing required parameter", "Action=DeleteLoadBalancer&Version=2012-06-01", elbNS, 400, "MissingParameter", []string{"LoadBalancerName"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			service := elbService
			if tc.ns == iamNS {
				service = iamService
			}
			r := queryReq{Body: tc.body, Key: &elbdtest.Admin, Service: service}.do(t, env)
			msg := checkError(t, r, tc.ns, tc.status, tc.code)
			for _, m := range tc.msg {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
		})
	}
	r := queryReq{Method: "PUT", Body: "Action=DescribeLoadBalancers&Version=2012-06-01", Key: &elbdtest.Admin}.do(t, env)
	checkError(t, r, elbNS, 405, "InvalidAction")
}

// TestProtocolEnvelopes checks the success envelope of every kind of
// action, including empty results, in both namespaces.
func TestProtocolEnvelopes(t *testing.T) {
	env := elbdtest.Start(t, "")
	leaf := ecLeaf(t, "envelope.example.test")
	steps := []struct {
		action string
		kv     []string
		empty  bool // the Result element must be present and empty
		first  string
	}{
		{"CreateLoadBalancer", []string{"LoadBalancerName", "env-lb", "Listeners.member.1.Protocol", "HTTP",
			"Listeners.member.1.LoadBalancerPort", "80", "Listeners.member.1.InstancePort", "8080",
			"AvailabilityZones.member.1", "us-east-1a"}, false, "DNSName"},
		{"AddTags", []string{"LoadBalancerNames.member.1", "env-lb", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, true, ""},
		{"DescribeTags", []string{"LoadBalancerNames.member.1", "env-lb"}, false, "TagDescriptions"},
		{"RemoveTags", []string{"LoadBalancerNames.member.1", "env-lb", "Tags.member.1.Key", "k"}, true, ""},
		{"CreateLoadBalancerListeners", []string{"LoadBalancerName", "env-lb", "Listeners.member.1.Protocol", "TCP",
			"Listeners.member.1.LoadBalancerPort", "8443", "Listeners.member.1.InstancePort", "8443"}, true, ""},
		{"DeleteLoadBalancerListeners", []string{"LoadBalancerName", "env-lb", "LoadBalancerPorts.member.1", "8443"}, true, ""},
		{"CreateLBCookieStickinessPolicy", []string{"LoadBalancerName", "env-lb", "PolicyName", "sticky"}, true, ""},
		{"CreateAppCookieStickinessPolicy", []string{"LoadBalancerName", "env-lb", "PolicyName", "app", "CookieName", "SID"}, true, ""},
		{"CreateLoadBalancerPolicy", []string{"LoadBalancerName", "env-lb", "PolicyName", "pp", "PolicyTypeName", "ProxyProtocolPolicyType",
			"PolicyAttributes.member.1.AttributeName", "ProxyProtocol", "PolicyAttributes.member.1.AttributeValue", "true"}, true, ""},
		{"SetLoadBalancerPoliciesOfListener", []string{"LoadBalancerName", "env-lb", "LoadBalancerPort", "80", "PolicyNames.member.1", "sticky"}, true, ""},
		{"SetLoadBalancerPoliciesForBackendServer", []string{"LoadBalancerName", "env-lb", "InstancePort", "8080", "PolicyNames.member.1", "pp"}, true, ""},
		{"DescribeLoadBalancerPolicies", []string{"LoadBalancerName", "env-lb"}, false, "PolicyDescriptions"},
		{"DescribeLoadBalancerPolicyTypes", nil, false, "PolicyTypeDescriptions"},
		{"DeleteLoadBalancerPolicy", []string{"LoadBalancerName", "env-lb", "PolicyName", "app"}, true, ""},
		{"ConfigureHealthCheck", []string{"LoadBalancerName", "env-lb", "HealthCheck.Target", "HTTP:8080/ping", "HealthCheck.Interval", "10",
			"HealthCheck.Timeout", "5", "HealthCheck.UnhealthyThreshold", "2", "HealthCheck.HealthyThreshold", "3"}, false, "HealthCheck"},
		{"RegisterInstancesWithLoadBalancer", []string{"LoadBalancerName", "env-lb", "Instances.member.1.InstanceId", elbdtest.InstanceA}, false, "Instances"},
		{"DescribeInstanceHealth", []string{"LoadBalancerName", "env-lb"}, false, "InstanceStates"},
		{"DeregisterInstancesFromLoadBalancer", []string{"LoadBalancerName", "env-lb", "Instances.member.1.InstanceId", elbdtest.InstanceA}, false, "Instances"},
		{"DescribeLoadBalancerAttributes", []string{"LoadBalancerName", "env-lb"}, false, "LoadBalancerAttributes"},
		{"ModifyLoadBalancerAttributes", []string{"LoadBalancerName", "env-lb", "LoadBalancerAttributes.CrossZoneLoadBalancing.Enabled", "true"}, false, "LoadBalancerName"},
		{"EnableAvailabilityZonesForLoadBalancer", []string{"LoadBalancerName", "env-lb", "AvailabilityZones.member.1", "us-east-1b"}, false, "AvailabilityZones"},
		{"DisableAvailabilityZonesForLoadBalancer", []string{"LoadBalancerName", "env-lb", "AvailabilityZones.member.1", "us-east-1b"}, false, "AvailabilityZones"},
		{"DescribeAccountLimits", nil, false, "Limits"},
		{"DescribeLoadBalancers", nil, false, "LoadBalancerDescriptions"},
		{"DeleteLoadBalancer", []string{"LoadBalancerName", "env-lb"}, true, ""},
		{"DeleteLoadBalancer", []string{"LoadBalancerName", "env-lb"}, true, ""}, // idempotent
	}
	for _, s := range steps {
		r := post(t, env, append([]string{"Action", s.action, "Version", "2012-06-01"}, s.kv...)...)
		root := checkSuccess(t, r, elbNS, s.action)
		res := root.Children[0]
		if s.empty && (len(res.Children) != 0 || res.text() != "") {
			t.Errorf("%s: Result should be empty:\n%s", s.action, r.Body)
		}
		if !s.empty && (len(res.Children) == 0 || res.Children[0].Name.Local != s.first) {
			t.Errorf("%s: Result should start with %s:\n%s", s.action, s.first, r.Body)
		}
		for _, c := range res.Children {
			if c.Name.Space != elbNS {
				t.Errorf("%s: element %s in namespace %q", s.action, c.Name.Local, c.Name.Space)
			}
		}
	}

	iamSteps := []struct {
		action string
		kv     []string
		empty  bool
	}{
		{"UploadServerCertificate", []string{"ServerCertificateName", "env-cert", "CertificateBody", leaf.CertPEM, "PrivateKey", leaf.KeyPEM}, false},
		{"GetServerCertificate", []string{"ServerCertificateName", "env-cert"}, false},
		{"ListServerCertificates", nil, false},
		{"DeleteServerCertificate", []string{"ServerCertificateName", "env-cert"}, true},
	}
	for _, s := range iamSteps {
		r := post(t, env, append([]string{"Action", s.action, "Version", "2010-05-08"}, s.kv...)...)
		root := checkSuccess(t, r, iamNS, s.action)
		if res := root.Children[0]; s.empty != (len(res.Children) == 0) {
			t.Errorf("%s: Result emptiness %v, want %v:\n%s", s.action, len(res.Children) == 0, s.empty, r.Body)
		}
		if !bytes.Contains(r.Body, []byte(`xmlns="`+iamNS+`"`)) || bytes.Contains(r.Body, []byte(elbNS)) {
			t.Errorf("%s: wrong namespace:\n%s", s.action, r.Body)
		}
	}
}

// TestProtocolLimits: oversize bodies, too many parameters, malformed and
// conflicting parameters fail cleanly, and the server keeps serving.
func TestProtocolLimits(t *testing.T) {
	env := elbdtest.Start(t, "")
	base := "Action=DescribeLoadBalancers&Version=2012-06-01"
	alive := func() {
		t.Helper()
		checkSuccess(t, queryReq{Body: base, Key: &elbdtest.Admin}.do(t, env), elbNS, "DescribeLoadBalancers")
	}

	t.Run("oversize body", func(t *testing.T) {
		body := base + "&Pad=" + strings.Repeat("a", 4<<20)
		r := queryReq{Body: body, Key: &elbdtest.Admin}.do(t, env)
		if r.Status < 400 || r.Status >= 500 {
			t.Fatalf("status %d, want a 4xx error: %s", r.Status, r)
		}
		checkError(t, r, elbNS, http.StatusRequestEntityTooLarge, "ValidationError")
		// Unsigned, it fails the same way (the body is bounded before auth).
		r = queryReq{Body: body}.do(t, env)
		checkError(t, r, elbNS, http.StatusRequestEntityTooLarge, "ValidationError")
		alive()
	})

	t.Run("IAM's 2 MiB chain fits", func(t *testing.T) {
		p := pki(t)
		var chain strings.Builder
		for chain.Len()+len(p.Intermediate.CertPEM) <= 2097152 {
			chain.WriteString(p.Intermediate.CertPEM)
		}
		leaf := ecLeaf(t, "bigchain.example.test")
		r := post(t, env, "Action", "UploadServerCertificate", "Version", "2010-05-08", "ServerCertificateName", "big-chain",
			"CertificateBody", leaf.CertPEM, "PrivateKey", leaf.KeyPEM, "CertificateChain", chain.String())
		checkSuccess(t, r, iamNS, "UploadServerCertificate")
		r = post(t, env, "Action", "UploadServerCertificate", "Version", "2010-05-08", "ServerCertificateName", "too-big-chain",
			"CertificateBody", leaf.CertPEM, "PrivateKey", leaf.KeyPEM, "CertificateChain", chain.String()+p.Intermediate.CertPEM)
		if r.Status != 400 {
			t.Errorf("chain over 2 MiB: %s", r)
		}
	})

	t.Run("too many parameters", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(base)
		for i := 0; i < 6000; i++ {
			fmt.Fprintf(&b, "&P%d=v", i)
		}
		r := queryReq{Body: b.String(), Key: &elbdtest.Admin}.do(t, env)
		checkError(t, r, elbNS, 400, "ValidationError")
		r = queryReq{Method: "GET", Query: b.String(), Key: &elbdtest.Admin}.do(t, env)
		checkError(t, r, elbNS, 400, "ValidationError")
		// Within the limit, unknown parameters are ignored.
		b.Reset()
		b.WriteString(base)
		for i := 0; i < 4000; i++ {
			fmt.Fprintf(&b, "&P%d=v", i)
		}
		checkSuccess(t, queryReq{Body: b.String(), Key: &elbdtest.Admin}.do(t, env), elbNS, "DescribeLoadBalancers")
		alive()
	})

	t.Run("malformed escapes", func(t *testing.T) {
		for _, q := range []queryReq{
			{Body: base + "&LoadBalancerNames.member.1=%zz"},
			{Body: base + "&Bad%=x"},
			{Body: base + "&x=%4"},
			// The SDK signer re-encodes the query it signs, dropping what it
			// cannot decode, so the bad escape is put back after signing.
			{Method: "GET", Query: base, After: func(r *http.Request) { r.URL.RawQuery = base + "&LoadBalancerNames.member.1=%G1" }},
		} {
			q.Key = &elbdtest.Admin
			checkError(t, q.do(t, env), elbNS, 404, "MalformedQueryString")
		}
		alive()
	})

	t.Run("conflicting duplicates", func(t *testing.T) {
		for _, q := range []queryReq{
			{Body: base + "&PageSize=1&PageSize=2"},
			{Query: "PageSize=1", Body: base + "&PageSize=2"},
			{Query: "Action=CreateLoadBalancer", Body: base},
			{Method: "GET", Query: base, After: func(r *http.Request) { r.URL.RawQuery = base + "&Marker=a&Marker=b" }},
		} {
			q.Key = &elbdtest.Admin
			checkError(t, q.do(t, env), elbNS, 404, "MalformedQueryString")
		}
		// Repeats with the same value are harmless.
		checkSuccess(t, queryReq{Body: base + "&PageSize=1&PageSize=1", Key: &elbdtest.Admin}.do(t, env), elbNS, "DescribeLoadBalancers")
	})

	t.Run("bad values", func(t *testing.T) {
		for _, kv := range [][]string{
			{"PageSize", "ten"},
			{"PageSize", "0"},
			{"PageSize", "99999999999"},
		} {
			r := post(t, env, "Action", "DescribeLoadBalancers", "Version", "2012-06-01", kv[0], kv[1])
			checkError(t, r, elbNS, 400, "ValidationError")
		}
	})
}

// TestProtocolEmptyPolicyList: "PolicyNames=" is an empty list and clears a
// listener's (and a backend's) policies; the SDK sends exactly that for
// PolicyNames: []string{}; libcloud omits the parameter.
func TestProtocolEmptyPolicyList(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	c := env.ELB(elbdtest.Admin)
	mustCreate(t, c, "pol")
	if _, err := c.CreateLBCookieStickinessPolicy(ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
		LoadBalancerName: aws.String("pol"), PolicyName: aws.String("sticky")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLoadBalancerPolicy(ctx, &elbsdk.CreateLoadBalancerPolicyInput{LoadBalancerName: aws.String("pol"),
		PolicyName: aws.String("pp"), PolicyTypeName: aws.String("ProxyProtocolPolicyType"),
		PolicyAttributes: []elbtypes.PolicyAttribute{{AttributeName: aws.String("ProxyProtocol"), AttributeValue: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	set := func() {
		t.Helper()
		if _, err := c.SetLoadBalancerPoliciesOfListener(ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
			LoadBalancerName: aws.String("pol"), LoadBalancerPort: 80, PolicyNames: []string{"sticky"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetLoadBalancerPoliciesForBackendServer(ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
			LoadBalancerName: aws.String("pol"), InstancePort: aws.Int32(8080), PolicyNames: []string{"pp"}}); err != nil {
			t.Fatal(err)
		}
	}
	policies := func() (listener, backend []string) {
		t.Helper()
		d, err := c.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"pol"}})
		if err != nil {
			t.Fatal(err)
		}
		lb := d.LoadBalancerDescriptions[0]
		listener = lb.ListenerDescriptions[0].PolicyNames
		for _, b := range lb.BackendServerDescriptions {
			if aws.ToInt32(b.InstancePort) == 8080 {
				backend = b.PolicyNames
			}
		}
		return listener, backend
	}
	check := func(how string, wantL, wantB string) {
		t.Helper()
		l, b := policies()
		if strings.Join(l, ",") != wantL || strings.Join(b, ",") != wantB {
			t.Errorf("%s: listener %v backend %v, want [%s] [%s]", how, l, b, wantL, wantB)
		}
	}

	set()
	check("after set", "sticky", "pp")
	checkSuccess(t, post(t, env, "Action", "SetLoadBalancerPoliciesOfListener", "Version", "2012-06-01",
		"LoadBalancerName", "pol", "LoadBalancerPort", "80", "PolicyNames", ""), elbNS, "SetLoadBalancerPoliciesOfListener")
	check("listener PolicyNames=", "", "pp")
	checkSuccess(t, post(t, env, "Action", "SetLoadBalancerPoliciesForBackendServer", "Version", "2012-06-01",
		"LoadBalancerName", "pol", "InstancePort", "8080", "PolicyNames", ""), elbNS, "SetLoadBalancerPoliciesForBackendServer")
	check("backend PolicyNames=", "", "")

	// The SDK's encoding of an empty list.
	set()
	if _, err := c.SetLoadBalancerPoliciesOfListener(ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
		LoadBalancerName: aws.String("pol"), LoadBalancerPort: 80, PolicyNames: []string{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetLoadBalancerPoliciesForBackendServer(ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
		LoadBalancerName: aws.String("pol"), InstancePort: aws.Int32(8080), PolicyNames: []string{}}); err != nil {
		t.Fatal(err)
	}
	check("SDK empty list", "", "")

	// libcloud's: no PolicyNames at all.
	set()
	checkSuccess(t, send(t, libcloudRequest(t, env, elbdtest.Admin, "", time.Now(), "Action", "SetLoadBalancerPoliciesOfListener",
		"LoadBalancerName", "pol", "LoadBalancerPort", "80")), elbNS, "SetLoadBalancerPoliciesOfListener")
	check("libcloud without PolicyNames", "", "pp")

	// Policies still exist: only the assignment was cleared.
	out, err := c.DescribeLoadBalancerPolicies(ctx, &elbsdk.DescribeLoadBalancerPoliciesInput{LoadBalancerName: aws.String("pol")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.PolicyDescriptions) != 2 {
		t.Errorf("%d policies, want 2", len(out.PolicyDescriptions))
	}
}

// ---------------------------------------------------------------------------
// Golden files
// ---------------------------------------------------------------------------

var normalisers = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`<RequestId>[^<]*</RequestId>`), "<RequestId>REQUEST-ID</RequestId>"},
	{regexp.MustCompile(`-\d{10}\.(us-east-1\.elb\.test)`), "-NNNNNNNNNN.$1"},
	// Timestamps keep their shape (milliseconds or not) in the golden file.
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`), "YYYY-MM-DDThh:mm:ss.sssZ"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`), "YYYY-MM-DDThh:mm:ssZ"},
	{regexp.MustCompile(`ASCA[A-Z2-7]{17}`), "ASCAXXXXXXXXXXXXXXXXX"},
}

// prettyXML re-indents an XML document (one element per line, text kept
// verbatim) so that golden files are readable and diffs point at elements.
func prettyXML(t testing.TB, b []byte) string {
	t.Helper()
	var out strings.Builder
	if bytes.HasPrefix(b, []byte("<?xml")) {
		end := bytes.Index(b, []byte("?>"))
		out.Write(b[:end+2])
		out.WriteByte('\n')
	}
	var write func(n *xnode, depth int)
	write = func(n *xnode, depth int) {
		ind := strings.Repeat("  ", depth)
		out.WriteString(ind + "<" + n.Name.Local)
		for _, a := range n.Attrs {
			name := a.Name.Local
			if a.Name.Space == "xmlns" {
				name = "xmlns:" + name
			}
			var v bytes.Buffer
			xml.EscapeText(&v, []byte(a.Value))
			out.WriteString(" " + name + `="` + v.String() + `"`)
		}
		switch {
		case len(n.Children) == 0 && n.Text == "":
			out.WriteString("/>\n")
		case len(n.Children) == 0:
			var v bytes.Buffer
			xml.EscapeText(&v, []byte(n.Text))
			out.WriteString(">" + v.String() + "</" + n.Name.Local + ">\n")
		default:
			if strings.TrimSpace(n.Text) != "" {
				t.Errorf("mixed content in %s", n.Name.Local)
			}
			out.WriteString(">\n")
			for _, c := range n.Children {
				write(c, depth+1)
			}
			out.WriteString(ind + "</" + n.Name.Local + ">\n")
		}
	}
	write(parseTree(t, b), 0)
	s := out.String()
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}

func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	got := prettyXML(t, body)
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is intended)\n--- got:\n%s\n--- want:\n%s", name, got, want)
	}
}

// TestProtocolGolden compares three representative full responses with
// golden files: a rich DescribeLoadBalancers, an IAM
// ListServerCertificates and an ErrorResponse.
func TestProtocolGolden(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	c := env.ELB(elbdtest.Admin)
	ic := env.IAM(elbdtest.Admin)
	leaf := ecLeaf(t, "golden.example.test")
	meta := uploadCert(t, ic, "golden-cert", "/elb/", leaf, pki(t).Intermediate.CertPEM)
	if _, err := c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("golden"),
		Listeners: []elbtypes.Listener{
			{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)},
			{Protocol: aws.String("HTTPS"), LoadBalancerPort: 443, InstanceProtocol: aws.String("HTTP"), InstancePort: aws.Int32(8080), SSLCertificateId: meta.Arn},
		},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLBCookieStickinessPolicy(ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{LoadBalancerName: aws.String("golden"),
		PolicyName: aws.String("sticky"), CookieExpirationPeriod: aws.Int64(300)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetLoadBalancerPoliciesOfListener(ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{LoadBalancerName: aws.String("golden"),
		LoadBalancerPort: 80, PolicyNames: []string{"sticky"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfigureHealthCheck(ctx, &elbsdk.ConfigureHealthCheckInput{LoadBalancerName: aws.String("golden"),
		HealthCheck: &elbtypes.HealthCheck{Target: aws.String("HTTP:8080/health"), Interval: aws.Int32(15), Timeout: aws.Int32(5),
			UnhealthyThreshold: aws.Int32(3), HealthyThreshold: aws.Int32(4)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String("golden"),
		Instances: []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceA)}}}); err != nil {
		t.Fatal(err)
	}

	r := post(t, env, "Action", "DescribeLoadBalancers", "Version", "2012-06-01")
	checkSuccess(t, r, elbNS, "DescribeLoadBalancers")
	golden(t, "describe_load_balancers.xml", r.Body)

	r = post(t, env, "Action", "ListServerCertificates", "Version", "2010-05-08")
	checkSuccess(t, r, iamNS, "ListServerCertificates")
	golden(t, "list_server_certificates.xml", r.Body)

	r = post(t, env, "Action", "DescribeLoadBalancers", "Version", "2012-06-01", "LoadBalancerNames.member.1", "absent")
	checkError(t, r, elbNS, 400, "LoadBalancerNotFound")
	golden(t, "error_load_balancer_not_found.xml", r.Body)

	// The normalisers must not hide real content.
	if !strings.Contains(prettyXML(t, r.Body), "There is no ACTIVE Load Balancer named &#39;absent&#39;") &&
		!strings.Contains(prettyXML(t, r.Body), "There is no ACTIVE Load Balancer named 'absent'") {
		t.Errorf("error message lost in normalisation")
	}
}
