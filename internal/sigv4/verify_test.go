package sigv4

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVerifySDKSigned(t *testing.T) {
	form := map[string]string{"Content-Type": formType}
	tests := []struct {
		name       string
		opts       signOpts
		service    string
		wantSigned []string
		wantToken  string
		wantRegion string
	}{
		{
			name:       "elb form POST",
			opts:       signOpts{body: formBody, header: form},
			wantSigned: []string{"content-length", "content-type", "host", "x-amz-date"},
			wantRegion: "us-east-1",
		},
		{
			name:       "elb form POST without content-length, as the SDK client signs it",
			opts:       signOpts{body: formBody, header: form, noContentLength: true},
			wantSigned: []string{"content-type", "host", "x-amz-date"},
			wantRegion: "us-east-1",
		},
		{
			name:       "session token",
			opts:       signOpts{body: formBody, header: form, token: testToken, noContentLength: true},
			wantSigned: []string{"content-type", "host", "x-amz-date", "x-amz-security-token"},
			wantToken:  testToken,
			wantRegion: "us-east-1",
		},
		{
			name:       "other region",
			opts:       signOpts{body: formBody, header: form, region: "eu-west-1"},
			wantRegion: "eu-west-1",
		},
		{
			name:       "iam service",
			opts:       signOpts{body: "Action=GetUser&Version=2010-05-08", header: form, service: "iam"},
			service:    "iam",
			wantRegion: "us-east-1",
		},
		{
			name:       "GET with query string",
			opts:       signOpts{method: http.MethodGet, target: "/?Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=my-lb"},
			wantRegion: "us-east-1",
		},
		{
			name:       "query value needing encoding",
			opts:       signOpts{method: http.MethodGet, target: "/?Action=DescribeTags&Tag=a%2Fb%20c%2Bd~e&Empty="},
			wantRegion: "us-east-1",
		},
		{
			name: "path with escaped space and percent (double encoding)",
			opts: signOpts{method: http.MethodGet, target: "/2012-06-01/a%20b/c%25d/e%2Ff/"},
		},
		{
			name: "libcloud-like path",
			opts: signOpts{method: http.MethodGet, target: "/2012-06-01/?Action=DescribeLoadBalancers&Version=2012-06-01"},
		},
		{
			name: "extra signed header with repeated spaces",
			opts: signOpts{body: formBody, header: map[string]string{"Content-Type": formType, "X-Custom": "  a   b  c "}},
		},
		{
			name: "x-amz-content-sha256 header sent and signed",
			opts: signOpts{body: formBody, header: map[string]string{"Content-Type": formType, "X-Amz-Content-Sha256": hashHex(formBody)}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			service := tc.service
			if service == "" {
				service = elbService
			}
			r := signSDK(t, tc.opts)
			a, err := Parse(r)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if a.AccessKeyID != testAK || a.Service != service || !a.Time.Equal(testTime) || a.Presigned {
				t.Errorf("Parse = %+v", a)
			}
			if tc.wantRegion != "" && a.Region != tc.wantRegion {
				t.Errorf("Region = %q, want %q", a.Region, tc.wantRegion)
			}
			if tc.wantSigned != nil && !slices.Equal(a.SignedHeaders, tc.wantSigned) {
				t.Errorf("SignedHeaders = %v, want %v", a.SignedHeaders, tc.wantSigned)
			}
			if a.SecurityToken != tc.wantToken {
				t.Errorf("SecurityToken = %q, want %q", a.SecurityToken, tc.wantToken)
			}
			if err := a.CheckScope(service, "us-east-1", "eu-west-1"); err != nil {
				t.Errorf("CheckScope: %v", err)
			}
			if err := a.CheckTime(testTime.Add(3 * time.Minute)); err != nil {
				t.Errorf("CheckTime: %v", err)
			}
			if err := Verify(r, []byte(tc.opts.body), a, testSecret); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyPresigned(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		expires time.Duration
		token   string
		now     time.Time
		want    time.Duration // expected Auth.Expires
	}{
		{"explicit expiry", "/?Action=DescribeLoadBalancers&Version=2012-06-01", 10 * time.Minute, "", testTime.Add(9 * time.Minute), 10 * time.Minute},
		{"default expiry", "/?Action=DescribeLoadBalancers&Version=2012-06-01", 0, "", testTime.Add(time.Minute), DefaultPresignExpires},
		{"session token in query", "/?Action=DescribeLoadBalancers&Version=2012-06-01", time.Hour, testToken, testTime.Add(59 * time.Minute), time.Hour},
		{"one week", "/2012-06-01/?Action=DescribeLoadBalancers&Version=2012-06-01", MaxPresignExpires, "", testTime.Add(MaxPresignExpires), MaxPresignExpires},
		{"value with space", "/?Action=DescribeTags&Tag=a+b&Version=2012-06-01", time.Minute, "", testTime, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := presignSDK(t, tc.target, tc.expires, testTime, tc.token)
			if r.Header.Get("Authorization") != "" {
				t.Fatal("presigned request has an Authorization header")
			}
			a, err := Parse(r)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !a.Presigned || a.Expires != tc.want || a.Region != "us-west-2" || a.SecurityToken != tc.token {
				t.Errorf("Parse = %+v", a)
			}
			if err := a.CheckScope(elbService, "us-west-2"); err != nil {
				t.Errorf("CheckScope: %v", err)
			}
			if err := a.CheckTime(tc.now); err != nil {
				t.Errorf("CheckTime: %v", err)
			}
			if err := Verify(r, nil, a, testSecret); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if err := Verify(r, nil, a, "wrong"); err == nil {
				t.Error("Verify with wrong secret succeeded")
			}
		})
	}
}

// TestBotocoreStyle covers what botocore/AWS CLI send: a form POST whose
// content type carries a charset, signing exactly content-type;host;x-amz-date.
func TestBotocoreStyle(t *testing.T) {
	const ct = "application/x-www-form-urlencoded; charset=utf-8"
	const amzDate = "20261124T031917Z"
	tests := []struct {
		name    string
		headers map[string]string // signed headers other than host
		token   bool
	}{
		{"plain", map[string]string{"Content-Type": ct, "X-Amz-Date": amzDate}, false},
		{"session token", map[string]string{"Content-Type": ct, "X-Amz-Date": amzDate, "X-Amz-Security-Token": testToken}, true},
	}
	for _, tc := range tests {
		t.Run("reference/"+tc.name, func(t *testing.T) {
			signedHdrs := map[string]string{"host": "elasticloadbalancing.us-east-1.amazonaws.com"}
			for k, v := range tc.headers {
				signedHdrs[k] = v
			}
			sh, sig := refSign("POST", "/", nil, signedHdrs, formBody, amzDate, "us-east-1", elbService, testSecret, false)
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(formBody))
			r.Host = "elasticloadbalancing.us-east-1.amazonaws.com"
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			r.Header.Set("User-Agent", "aws-cli/2.27.0 md/Botocore#1.38.0") // unsigned
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAK+"/20261124/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders="+sh+", Signature="+sig)
			a, err := Parse(r)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := []string{"content-type", "host", "x-amz-date"}
			if tc.token {
				want = append(want, "x-amz-security-token")
			}
			if !slices.Equal(a.SignedHeaders, want) {
				t.Errorf("SignedHeaders = %v, want %v", a.SignedHeaders, want)
			}
			if err := parseAndVerify(r, formBody, elbService, testSecret, testTime); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
		t.Run("sdk/"+tc.name, func(t *testing.T) {
			o := signOpts{body: formBody, header: map[string]string{"Content-Type": ct}, noContentLength: true}
			if tc.token {
				o.token = testToken
			}
			r := signSDK(t, o)
			if err := parseAndVerify(r, formBody, elbService, testSecret, testTime); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

// The libcloud 3.4.1 vector from libcloud-elb.md §3.2, reproduced exactly.
const (
	libcloudCanonical = "GET\n" +
		"/2012-06-01/\n" +
		"Action=DescribeLoadBalancers&Version=2012-06-01\n" +
		"accept-encoding:gzip,deflate\n" +
		"host:127.0.0.1:18080\n" +
		"user-agent:libcloud/3.4.1 (Amazon Elastic Load Balancing)\n" +
		"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
		"x-amz-date:20261124T031917Z\n" +
		"\n" +
		"accept-encoding;host;user-agent;x-amz-content-sha256;x-amz-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	libcloudStringToSign = "AWS4-HMAC-SHA256\n" +
		"20261124T031917Z\n" +
		"20261124/us-east-1/elasticloadbalancing/aws4_request\n" +
		"65f04d719c015a1f68e7792c0e0682566ee18d1464e56110aa877b3b3c3158a6"
	libcloudSignature = "2d6a925c94abadfadc566514fc8f2486f0b5ef7658ffcf1ecc9dcdcde486dde3"
)

func libcloudRequest(target, amzDate, authz string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Host = "127.0.0.1:18080"
	r.Header.Set("User-Agent", "libcloud/3.4.1 (Amazon Elastic Load Balancing) ")
	r.Header.Set("Accept-Encoding", "gzip,deflate")
	r.Header.Set("X-AMZ-Date", amzDate)
	r.Header.Set("X-AMZ-Content-SHA256", hashHex(""))
	r.Header.Set("Accept", "*/*")              // unsigned
	r.Header.Set("Connection", "keep-alive")   // unsigned
	r.Header.Set("X-LC-Request-ID", "1234567") // unsigned
	r.Header.Set("Authorization", authz)
	return r
}

func TestLibcloudVector(t *testing.T) {
	r := libcloudRequest("/2012-06-01/?Action=DescribeLoadBalancers&Version=2012-06-01", "20261124T031917Z",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/elasticloadbalancing/aws4_request, "+
			"SignedHeaders=accept-encoding;host;user-agent;x-amz-content-sha256;x-amz-date, Signature="+libcloudSignature)
	a, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	crs, err := canonicalRequests(r, nil, a)
	if err != nil {
		t.Fatalf("canonicalRequests: %v", err)
	}
	if len(crs) != 1 || crs[0] != libcloudCanonical {
		t.Fatalf("canonical request =\n%q\nwant\n%q", crs, libcloudCanonical)
	}
	if sts := stringToSign(a, crs[0]); sts != libcloudStringToSign {
		t.Fatalf("string to sign =\n%s\nwant\n%s", sts, libcloudStringToSign)
	}
	if err := a.CheckScope(elbService); err != nil {
		t.Error(err)
	}
	if err := a.CheckTime(testTime); err != nil {
		t.Error(err)
	}
	if err := Verify(r, nil, a, testSecret); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := Verify(r, nil, a, testSecret+"x"); err == nil {
		t.Error("Verify with wrong secret succeeded")
	}
}

// TestLibcloudStyleQuery signs libcloud-shaped GETs with the independent
// reference: '+' on the wire is a space, canonically "%20", and libcloud
// sorts parameters before encoding them.
func TestLibcloudStyleQuery(t *testing.T) {
	const amzDate = "20261124T031917Z"
	tests := []struct {
		name     string
		rawQuery string
		params   [][2]string // decoded, as libcloud holds them
	}{
		{
			name:     "plus is space",
			rawQuery: "Action=CreateLoadBalancerPolicy&LoadBalancerName=lb&PolicyAttributes.member.1.AttributeValue=hello+world&Version=2012-06-01",
			params: [][2]string{{"Action", "CreateLoadBalancerPolicy"}, {"LoadBalancerName", "lb"},
				{"PolicyAttributes.member.1.AttributeValue", "hello world"}, {"Version", "2012-06-01"}},
		},
		{
			name:     "key with embedded space and newline (ex_create_balancer_policy bug)",
			rawQuery: "Action=CreateLoadBalancerPolicy&PolicyAttributes.member.1.+%0A++AttributeName=ProxyProtocol&Version=2012-06-01",
			params: [][2]string{{"Action", "CreateLoadBalancerPolicy"},
				{"PolicyAttributes.member.1. \n  AttributeName", "ProxyProtocol"}, {"Version", "2012-06-01"}},
		},
		{
			name:     "raw order differs from encoded order",
			rawQuery: "Action=X&Tag-b=1&Tag%2Fb=2&Version=2012-06-01",
			params:   [][2]string{{"Action", "X"}, {"Tag-b", "1"}, {"Tag/b", "2"}, {"Version", "2012-06-01"}},
		},
	}
	for _, tc := range tests {
		for _, sortRaw := range []bool{true, false} {
			name := tc.name + map[bool]string{true: "/libcloud order", false: "/spec order"}[sortRaw]
			t.Run(name, func(t *testing.T) {
				hdrs := map[string]string{
					"host":                 "127.0.0.1:18080",
					"User-Agent":           "libcloud/3.4.1 (Amazon Elastic Load Balancing) ",
					"Accept-Encoding":      "gzip,deflate",
					"X-AMZ-Date":           amzDate,
					"X-AMZ-Content-SHA256": hashHex(""),
				}
				sh, sig := refSign("GET", "/2012-06-01/", tc.params, hdrs, "", amzDate, "us-east-1", elbService, testSecret, sortRaw)
				r := libcloudRequest("/2012-06-01/?"+tc.rawQuery, amzDate,
					"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders="+sh+", Signature="+sig)
				if err := parseAndVerify(r, "", elbService, testSecret, testTime); err != nil {
					t.Fatalf("verify: %v", err)
				}
				// The same request with the space sent as %20 canonicalises identically.
				r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, "+", "%20")
				if err := parseAndVerify(r, "", elbService, testSecret, testTime); err != nil {
					t.Fatalf("verify with %%20: %v", err)
				}
			})
		}
	}
}

func TestVerifyUnsortedSignedHeaders(t *testing.T) {
	r := signSDK(t, signOpts{body: formBody, header: map[string]string{"Content-Type": formType}})
	authz := r.Header.Get("Authorization")
	r.Header.Set("Authorization", strings.Replace(authz, "content-length;content-type;host;x-amz-date", "x-amz-date;host;content-type;content-length", 1))
	if err := parseAndVerify(r, formBody, elbService, testSecret, testTime); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestVerifyDateHeaderFallback(t *testing.T) {
	date := testTime.Format(http.TimeFormat)
	hdrs := map[string]string{"host": "example.com", "Date": date, "Content-Type": formType}
	sh, sig := refSign("POST", "/", nil, hdrs, formBody, "20261124T031917Z", "us-east-1", elbService, testSecret, false)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(formBody))
	r.Header.Set("Date", date)
	r.Header.Set("Content-Type", formType)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/elasticloadbalancing/aws4_request,SignedHeaders="+sh+",Signature="+sig)
	a, err := Parse(r)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !a.Time.Equal(testTime) {
		t.Errorf("Time = %v", a.Time)
	}
	if err := Verify(r, []byte(formBody), a, testSecret); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyUnsignedPayload(t *testing.T) {
	// GET without a body: UNSIGNED-PAYLOAD is what the client signed.
	r := signSDK(t, signOpts{method: http.MethodGet, target: "/?Action=DescribeLoadBalancers&Version=2012-06-01",
		header: map[string]string{"X-Amz-Content-Sha256": unsignedPayload}, payloadHash: unsignedPayload})
	if err := parseAndVerify(r, "", elbService, testSecret, testTime); err != nil {
		t.Fatalf("GET with UNSIGNED-PAYLOAD: %v", err)
	}
	// With a body it would leave the action unauthenticated.
	r = signSDK(t, signOpts{body: formBody, header: map[string]string{"Content-Type": formType, "X-Amz-Content-Sha256": unsignedPayload},
		payloadHash: unsignedPayload})
	authError(t, parseAndVerify(r, formBody, elbService, testSecret, testTime), CodeSignatureDoesNotMatch, 403)
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct{ target, service, want string }{
		{"/", elbService, "/"},
		{"/2012-06-01/", elbService, "/2012-06-01/"},
		{"/a%20b", elbService, "/a%2520b"},
		{"/a%2Fb", elbService, "/a%252Fb"},
		{"/a~b_c.d-e", elbService, "/a~b_c.d-e"},
		{"/a%20b", "s3", "/a%20b"},
		{"?x=1", elbService, "/"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "http://h"+tc.target, nil)
		if got := canonicalURI(r.URL, tc.service); got != tc.want {
			t.Errorf("canonicalURI(%q, %s) = %q, want %q", tc.target, tc.service, got, tc.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		raw       string
		presigned bool
		want      []string
	}{
		{"", false, []string{""}},
		{"Version=2012-06-01&Action=DescribeLoadBalancers", false, []string{"Action=DescribeLoadBalancers&Version=2012-06-01"}},
		{"a=hello+world&b=x%2By", false, []string{"a=hello%20world&b=x%2By"}},
		{"b=2&a=&c", false, []string{"a=&b=2&c="}},
		{"a=2&a=1&a=10", false, []string{"a=1&a=10&a=2"}},
		{"a=%7e&b=%2a&&c=%c3%a9", false, []string{"a=~&b=%2A&c=%C3%A9"}},
		{"X-Amz-Signature=abc&X-Amz-Date=1", true, []string{"X-Amz-Date=1"}},
		{"X-Amz-Signature=abc&X-Amz-Date=1", false, []string{"X-Amz-Date=1&X-Amz-Signature=abc"}},
		{"k-b=1&k%2Fb=2", false, []string{"k%2Fb=2&k-b=1", "k-b=1&k%2Fb=2"}},
	}
	for _, tc := range tests {
		pairs, err := parseQuery(tc.raw)
		if err != nil {
			t.Fatalf("parseQuery(%q): %v", tc.raw, err)
		}
		if got := canonicalQueries(pairs, tc.presigned); !slices.Equal(got, tc.want) {
			t.Errorf("canonicalQueries(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
	if _, err := parseQuery("a=%zz"); err == nil {
		t.Error("parseQuery accepted a bad escape")
	}
}

func TestCanonicalHeaders(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("abc"))
	r.Host = "example.com:8080"
	r.Header.Add("X-Multi", " one ")
	r.Header.Add("X-Multi", "two   three")
	r.Header["x-lower"] = []string{"v"} // non-canonical key, as a hand-built request might have
	got, err := canonicalHeaders(r, []string{"content-length", "host", "x-lower", "x-multi"})
	if err != nil {
		t.Fatal(err)
	}
	want := "content-length:3\nhost:example.com:8080\nx-lower:v\nx-multi:one,two three\n"
	if got != want {
		t.Errorf("canonicalHeaders = %q, want %q", got, want)
	}
	if _, err := canonicalHeaders(r, []string{"host", "x-absent"}); err == nil {
		t.Error("missing signed header accepted")
	}
}
