package query_test

import (
	"encoding/xml"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/query"
)

// Realistic request bodies (captured from botocore and aws-sdk-go-v2; see
// docs/reference elb-api.md §2.2) and protocol edge cases.
var fuzzSeeds = []struct {
	get                         bool
	rawQuery, contentType, body string
}{
	{false, "", formCT + "; charset=utf-8", "Action=CreateLoadBalancer&Version=2012-06-01&LoadBalancerName=my-lb&Listeners.member.1.Protocol=HTTP&Listeners.member.1.LoadBalancerPort=80&Listeners.member.1.InstancePort=8080&Listeners.member.2.Protocol=HTTPS&Listeners.member.2.LoadBalancerPort=443&Listeners.member.2.InstanceProtocol=HTTP&Listeners.member.2.InstancePort=8080&Listeners.member.2.SSLCertificateId=arn%3Aaws%3Aiam%3A%3A123456789012%3Aserver-certificate%2Fmy-cert&AvailabilityZones.member.1=us-east-1a&AvailabilityZones.member.2=us-east-1b&Tags.member.1.Key=env&Tags.member.1.Value=prod&Tags.member.2.Key=k"},
	{false, "", formCT + "; charset=utf-8", "Action=ModifyLoadBalancerAttributes&Version=2012-06-01&LoadBalancerName=my-lb&LoadBalancerAttributes.CrossZoneLoadBalancing.Enabled=true&LoadBalancerAttributes.ConnectionDraining.Enabled=true&LoadBalancerAttributes.ConnectionDraining.Timeout=300&LoadBalancerAttributes.ConnectionSettings.IdleTimeout=60&LoadBalancerAttributes.AccessLog.Enabled=true&LoadBalancerAttributes.AccessLog.S3BucketName=b&LoadBalancerAttributes.AccessLog.EmitInterval=5&LoadBalancerAttributes.AccessLog.S3BucketPrefix=p&LoadBalancerAttributes.AdditionalAttributes.member.1.Key=elb.http.desyncmitigationmode&LoadBalancerAttributes.AdditionalAttributes.member.1.Value=strictest"},
	{false, "", formCT, "Action=CreateLoadBalancerPolicy&LoadBalancerName=my-lb&PolicyAttributes.member.1.AttributeName=Reference-Security-Policy&PolicyAttributes.member.1.AttributeValue=ELBSecurityPolicy-2016-08&PolicyName=p1&PolicyTypeName=SSLNegotiationPolicyType&Version=2012-06-01"},
	{false, "", formCT, "Action=SetLoadBalancerPoliciesOfListener&LoadBalancerName=my-lb&LoadBalancerPort=443&PolicyNames=&Version=2012-06-01"},
	{false, "", formCT, "Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=a&LoadBalancerNames.member.2=b&PageSize=10&Marker=abc"},
	{false, "", formCT, "Action=RemoveTags&Version=2012-06-01&LoadBalancerNames.member.1=my-lb&Tags.member.1.Key=env"},
	{false, "", formCT, "Action=DeleteLoadBalancerListeners&Version=2012-06-01&LoadBalancerName=my-lb&LoadBalancerPorts.member.1=80&LoadBalancerPorts.member.2=443"},
	{false, "", formCT, "Action=ConfigureHealthCheck&Version=2012-06-01&LoadBalancerName=my-lb&HealthCheck.Target=HTTP%3A80%2Findex.html&HealthCheck.Interval=30&HealthCheck.Timeout=5&HealthCheck.UnhealthyThreshold=2&HealthCheck.HealthyThreshold=10"},
	{false, "", formCT, "Action=RegisterInstancesWithLoadBalancer&Instances.member.1.InstanceId=i-1&Instances.member.10.InstanceId=i-10&Instances.member.3.InstanceId=i-3&LoadBalancerName=lb&Version=2012-06-01"},
	{false, "", formCT, "Action=UploadServerCertificate&Version=2010-05-08&ServerCertificateName=c&CertificateBody=-----BEGIN+CERTIFICATE-----%0AMIIB%0A-----END+CERTIFICATE-----%0A&PrivateKey=k"},
	{true, "Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=a", "", ""},
	{false, "Action=CreateLoadBalancer&Version=2012-06-01", formCT, "LoadBalancerName=x&Listeners.member.1.Protocol=tcp"},
	{false, "Action=A", formCT, "Action=B"},
	{false, "", formCT, "L.member.03=x&L.member.+3=y&L.member.0=z&L.member.x=w&L.member.3.K=v&L="},
	{false, "", formCT, "A=%zz&=v&%00=1"},
	{false, "", "multipart/form-data; boundary=x", "--x\r\n"},
	{false, "", "application/x-www-form-urlencoded; charset", "A=1"},
	{true, "a.b.c.member.1.d.e=1&a.b=2&a..b=3&.=4&a.=5&.a=6", "", ""},
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.get, s.rawQuery, s.contentType, s.body)
	}
	// Small limits keep the limit paths reachable and the oracle below
	// (which is quadratic in the number of key prefixes) fast.
	lim := query.Limits{MaxBodyBytes: 8 << 10, MaxParams: 64, MaxValueBytes: 1 << 10}
	f.Fuzz(func(t *testing.T, get bool, rawQuery, contentType, body string) {
		method := "POST"
		if get {
			method = "GET"
		}
		req, err := query.Decode(newRequest(method, rawQuery, contentType, body), lim)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if string(req.Body) != body {
			t.Fatalf("Body = %q, want %q", req.Body, body)
		}
		checkParams(t, req.Params)
		checkRoundTrip(t, req.Params)
	})
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var qe *query.Error
	if !errors.As(err, &qe) {
		t.Fatalf("error %v is a %T, not *query.Error", err, err)
	}
	if qe.Code == "" || qe.Message == "" {
		t.Fatalf("error %+v has an empty code or message", qe)
	}
	if qe.Status < 400 || qe.Status > 499 {
		t.Fatalf("error %+v: status is not 4xx", qe)
	}
	var r errorResponse
	if err := xml.Unmarshal(query.ErrorBody(ns, "id", qe), &r); err != nil {
		t.Fatalf("ErrorBody for %+v is not well-formed: %v", qe, err)
	}
	if r.Error.Code != qe.Code {
		t.Fatalf("ErrorBody code = %q, want %q", r.Error.Code, qe.Code)
	}
}

// checkParams looks at every key prefix as a scalar, a list, a struct and a
// list of structs, and checks each view against the flat map.
func checkParams(t *testing.T, p query.Params) {
	t.Helper()
	flat := all(p)
	names := map[string]bool{}
	for k := range flat {
		// The first few prefixes of each key cover every real shape
		// (A.member.N.B.member.M.C); more only slow the oracle down.
		dots := 0
		for i := 0; i < len(k) && dots < 8; i++ {
			if k[i] == '.' {
				names[k[:i]] = true
				dots++
			}
		}
		names[k] = true
	}
	for name := range names {
		checkScalar(t, p, name)
		checkList(t, p, flat, name)
		checkStruct(t, p, flat, name, 0)
	}
}

func checkScalar(t *testing.T, p query.Params, name string) {
	t.Helper()
	for _, err := range []error{intErr(p, name), boolErr(p, name)} {
		if err == nil {
			continue
		}
		var qe *query.Error
		if !errors.As(err, &qe) || qe.Code != "ValidationError" || qe.Status != 400 {
			t.Fatalf("%s: parse error %v is not a ValidationError", name, err)
		}
	}
}

func intErr(p query.Params, name string) error  { _, _, err := p.Int(name); return err }
func boolErr(p query.Params, name string) error { _, _, err := p.Bool(name); return err }

// canonicalIndex returns N for a canonical decimal member index N ≥ 1.
func canonicalIndex(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && strconv.Itoa(n) == s
}

func checkList(t *testing.T, p query.Params, flat map[string]string, name string) {
	t.Helper()
	type entry struct {
		n int
		v string
	}
	var want []entry
	pre := name + ".member."
	for k, v := range flat {
		if rest, ok := strings.CutPrefix(k, pre); ok {
			if n, ok := canonicalIndex(rest); ok {
				want = append(want, entry{n, v})
			}
		}
	}
	slices.SortFunc(want, func(a, b entry) int { return a.n - b.n })
	wantVals := make([]string, 0, len(want))
	for _, e := range want {
		wantVals = append(wantVals, e.v)
	}
	_, has := flat[name]
	got, ok := p.List(name)
	if ok != (len(want) > 0 || has) {
		t.Fatalf("List(%q) ok = %v with %d members, Has = %v", name, ok, len(want), has)
	}
	if len(want) > 0 && !slices.Equal(got, wantVals) {
		t.Fatalf("List(%q) = %q, want %q", name, got, wantVals)
	}
}

func checkStruct(t *testing.T, p query.Params, flat map[string]string, name string, depth int) {
	t.Helper()
	full := p.FullKey(name)
	sub, ok := p.Struct(name)
	wantOK := false
	for k := range flat {
		if strings.HasPrefix(k, full+".") {
			wantOK = true
			break
		}
	}
	if ok != wantOK {
		t.Fatalf("Struct(%q) ok = %v, want %v", full, ok, wantOK)
	}
	checkView(t, sub, flat)
	items, _ := p.Structs(name)
	seen := map[string]bool{}
	for _, it := range items {
		if len(it.Keys()) == 0 {
			t.Fatalf("Structs(%q) returned an item with no keys (prefix %q)", full, it.FullKey(""))
		}
		if seen[it.FullKey("")] {
			t.Fatalf("Structs(%q) returned %q twice", full, it.FullKey(""))
		}
		seen[it.FullKey("")] = true
		checkView(t, it, flat)
		if depth < 2 {
			for _, k := range it.Keys() {
				if i := strings.IndexByte(k, '.'); i > 0 {
					checkStruct(t, it, flat, k[:i], depth+1)
				}
			}
		}
	}
}

// checkView checks that a view's keys map back to the flat map.
func checkView(t *testing.T, v query.Params, flat map[string]string) {
	t.Helper()
	for _, k := range v.Keys() {
		fk := v.FullKey(k)
		fv, ok := flat[fk]
		if !ok {
			t.Fatalf("view key %q -> %q is not a parameter", k, fk)
		}
		if got, ok := v.String(k); !ok || got != fv {
			t.Fatalf("view String(%q) = %q, %v; want %q", k, got, ok, fv)
		}
	}
}

// checkRoundTrip re-encodes the parameters as a form body and decodes them
// again: the result must be the same set.
func checkRoundTrip(t *testing.T, p query.Params) {
	t.Helper()
	flat := all(p)
	var b strings.Builder
	for k, v := range flat {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
	}
	req, err := query.Decode(newRequest("POST", "", formCT, b.String()), query.Limits{MaxBodyBytes: 1 << 20, MaxParams: 1000, MaxValueBytes: 1 << 16})
	if err != nil {
		t.Fatalf("re-decoding %q: %v", b.String(), err)
	}
	if got := all(req.Params); len(got) != len(flat) {
		t.Fatalf("round trip: %d params, want %d", len(got), len(flat))
	}
	for k, v := range flat {
		if got, ok := req.Params.String(k); !ok || got != v {
			t.Fatalf("round trip %q = %q, %v; want %q", k, got, ok, v)
		}
	}
}
