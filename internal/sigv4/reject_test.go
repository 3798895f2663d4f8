package sigv4

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const goodCred = "Credential=AKIDEXAMPLE/20261124/us-east-1/elasticloadbalancing/aws4_request"
const goodSig = "Signature=" + libcloudSignature

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name    string
		authz   []string // Authorization header values
		amzDate string   // X-Amz-Date header; "-" for none
		query   string
		code    string
		status  int
		msg     string // substring of Message
	}{
		{name: "no auth", code: CodeMissingAuthenticationToken, status: 403, msg: "Request is missing Authentication Token"},
		{name: "blank header", authz: []string{"  "}, code: CodeMissingAuthenticationToken, status: 403},
		{name: "sigv2 query params only", query: "AWSAccessKeyId=AK&Signature=x&SignatureVersion=2", code: CodeMissingAuthenticationToken, status: 403},
		{name: "algorithm only", authz: []string{"AWS4-HMAC-SHA256"}, code: CodeIncompleteSignature, status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{name: "missing credential", authz: []string{"AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "'Credential'"},
		{name: "missing signed headers", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "'SignedHeaders'"},
		{name: "missing signature", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host;x-amz-date"}, code: CodeIncompleteSignature, status: 400, msg: "'Signature'"},
		{name: "empty signature", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, Signature="}, code: CodeIncompleteSignature, status: 400, msg: "'Signature'"},
		{name: "no date", amzDate: "-", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "'X-Amz-Date' or a 'Date'"},
		{name: "component without =", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "key=value"},
		{name: "duplicate component", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", " + goodCred + ", SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "duplicate"},
		{name: "scope with 4 parts", authz: []string{"AWS4-HMAC-SHA256 Credential=AK/20261124/us-east-1/aws4_request, SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "exactly 5"},
		{name: "scope with 6 parts", authz: []string{"AWS4-HMAC-SHA256 Credential=AK/x/20261124/us-east-1/elb/aws4_request, SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "exactly 5"},
		{name: "scope with empty part", authz: []string{"AWS4-HMAC-SHA256 Credential=AK/20261124//elb/aws4_request, SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "empty"},
		{name: "bad terminator", authz: []string{"AWS4-HMAC-SHA256 Credential=AK/20261124/us-east-1/elb/aws4_reqest, SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "terminator"},
		{name: "bad scope date", authz: []string{"AWS4-HMAC-SHA256 Credential=AK/2026-11-24/us-east-1/elb/aws4_request, SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "yyyyMMdd"},
		{name: "impossible scope date", authz: []string{"AWS4-HMAC-SHA256 Credential=AK/20261324/us-east-1/elb/aws4_request, SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "yyyyMMdd"},
		{name: "signature not hex", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, Signature=xyz"}, code: CodeIncompleteSignature, status: 400, msg: "hexadecimal"},
		{name: "signed headers without host", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=x-amz-date, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "'Host' must be a 'SignedHeader'"},
		{name: "signed headers with empty name", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host;;x-amz-date, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "invalid header name"},
		{name: "signed headers repeated", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host;host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "more than once"},
		{name: "unsupported algorithm", authz: []string{"AWS4-HMAC-SHA512 " + goodCred + ", SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "Unsupported Authorization algorithm 'AWS4-HMAC-SHA512'"},
		{name: "sigv4a", authz: []string{"AWS4-ECDSA-P256-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "Unsupported"},
		{name: "sigv2 header", authz: []string{"AWS AKIDEXAMPLE:c2lnbmF0dXJl"}, code: CodeIncompleteSignature, status: 400, msg: "Unsupported"},
		{name: "malformed x-amz-date", amzDate: "2026-11-24T03:19:17Z", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "ISO8601"},
		{name: "short x-amz-date", amzDate: "20261124T31917Z", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig}, code: CodeIncompleteSignature, status: 400, msg: "ISO8601"},
		{name: "scope date differs from x-amz-date", amzDate: "20261125T000001Z", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig}, code: CodeSignatureDoesNotMatch, status: 403,
			msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261124' != '20261125', from '20261125T000001Z'."},
		{name: "two authorization headers", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig, "x"}, code: CodeIncompleteSignature, status: 400, msg: "Only one Authorization"},
		{name: "header and presign", authz: []string{"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig}, query: "X-Amz-Algorithm=AWS4-HMAC-SHA256", code: CodeIncompleteSignature, status: 400, msg: "Only one auth mechanism"},

		// Presigned (query-string) forms.
		{name: "presign missing signature", amzDate: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Felb%2Faws4_request&X-Amz-Date=20261124T031917Z&X-Amz-SignedHeaders=host",
			code: CodeIncompleteSignature, status: 400, msg: "AWS query-string parameters must include"},
		{name: "presign signature only", amzDate: "-", query: "X-Amz-Signature=abc", code: CodeIncompleteSignature, status: 400, msg: "AWS query-string parameters must include"},
		{name: "presign bad algorithm", amzDate: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Felb%2Faws4_request&X-Amz-Date=20261124T031917Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab",
			code: CodeIncompleteSignature, status: 400, msg: "X-Amz-Algorithm only supports"},
		{name: "presign expires not a number", amzDate: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Felb%2Faws4_request&X-Amz-Date=20261124T031917Z&X-Amz-Expires=-5&X-Amz-SignedHeaders=host&X-Amz-Signature=ab",
			code: CodeIncompleteSignature, status: 400, msg: "X-Amz-Expires should be a number"},
		{name: "presign duplicate param", amzDate: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Felb%2Faws4_request&X-Amz-Date=20261124T031917Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab",
			code: CodeIncompleteSignature, status: 400, msg: "only once"},
		{name: "presign bad date", amzDate: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Felb%2Faws4_request&X-Amz-Date=yesterday&X-Amz-SignedHeaders=host&X-Amz-Signature=ab",
			code: CodeIncompleteSignature, status: 400, msg: "ISO8601"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := "/"
			if tc.query != "" {
				target += "?" + tc.query
			}
			r := httptest.NewRequest(http.MethodGet, target, nil)
			switch tc.amzDate {
			case "-":
			case "":
				r.Header.Set("X-Amz-Date", "20261124T031917Z")
			default:
				r.Header.Set("X-Amz-Date", tc.amzDate)
			}
			for _, v := range tc.authz {
				r.Header.Add("Authorization", v)
			}
			a, err := Parse(r)
			if a != nil {
				t.Errorf("Parse returned %+v with error", a)
			}
			e := authError(t, err, tc.code, tc.status)
			if !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tc.msg)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	signed := func() *http.Request {
		return signSDK(t, signOpts{body: formBody, header: map[string]string{"Content-Type": formType, "X-Custom": "v"}})
	}
	mismatch := msgSignatureMismatch
	tests := []struct {
		name   string
		mutate func(r *http.Request) (body string)
		secret string
		msg    string
	}{
		{name: "wrong secret", secret: "not-the-secret", msg: mismatch},
		{name: "tampered body", mutate: func(*http.Request) string { return "Action=DeleteLoadBalancer&Version=2012-06-01" }, msg: mismatch},
		{name: "truncated body", mutate: func(*http.Request) string { return formBody[:10] }, msg: mismatch},
		{name: "added query parameter", mutate: func(r *http.Request) string { r.URL.RawQuery = "Action=DeleteLoadBalancer"; return formBody }, msg: mismatch},
		{name: "tampered signed header", mutate: func(r *http.Request) string { r.Header.Set("Content-Type", "text/plain"); return formBody }, msg: mismatch},
		{name: "tampered custom signed header", mutate: func(r *http.Request) string { r.Header.Set("X-Custom", "w"); return formBody }, msg: mismatch},
		{name: "extra value for signed header", mutate: func(r *http.Request) string { r.Header.Add("X-Custom", "w"); return formBody }, msg: mismatch},
		{name: "tampered host", mutate: func(r *http.Request) string { r.Host = "evil.example"; return formBody }, msg: mismatch},
		{name: "tampered method", mutate: func(r *http.Request) string { r.Method = http.MethodPut; return formBody }, msg: mismatch},
		{name: "tampered path", mutate: func(r *http.Request) string { r.URL.Path = "/x"; return formBody }, msg: mismatch},
		{name: "signed header removed", mutate: func(r *http.Request) string { r.Header.Del("X-Custom"); return formBody }, msg: "'x-custom' is listed in SignedHeaders"},
		{name: "tampered signature", mutate: func(r *http.Request) string {
			h := r.Header.Get("Authorization")
			i := strings.LastIndex(h, "=") + 1
			c := "0"
			if h[i] == '0' {
				c = "1"
			}
			r.Header.Set("Authorization", h[:i]+c+h[i+1:])
			return formBody
		}, msg: mismatch},
		{name: "content sha256 mismatch", mutate: func(r *http.Request) string {
			r.Header.Set("X-Amz-Content-Sha256", hashHex("something else"))
			return formBody
		}, msg: "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{name: "malformed query", mutate: func(r *http.Request) string { r.URL.RawQuery = "a=%zz"; return formBody }, msg: "percent-encoded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := signed()
			body := formBody
			if tc.mutate != nil {
				body = tc.mutate(r)
			}
			secret := testSecret
			if tc.secret != "" {
				secret = tc.secret
			}
			e := authError(t, parseAndVerify(r, body, elbService, secret, testTime), CodeSignatureDoesNotMatch, 403)
			if !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tc.msg)
			}
		})
	}

	t.Run("content sha256 claimed for a different body, signed consistently", func(t *testing.T) {
		// The client signed the hash of the body it claims; the body sent differs.
		other := "Action=DeleteLoadBalancer&Version=2012-06-01"
		r := signSDK(t, signOpts{body: formBody, header: map[string]string{"Content-Type": formType, "X-Amz-Content-Sha256": hashHex(other)},
			payloadHash: hashHex(other)})
		e := authError(t, parseAndVerify(r, formBody, elbService, testSecret, testTime), CodeSignatureDoesNotMatch, 403)
		if !strings.Contains(e.Message, "x-amz-content-sha256") {
			t.Errorf("Message = %q", e.Message)
		}
	})
	t.Run("tampered presigned query", func(t *testing.T) {
		r := presignSDK(t, "/?Action=DescribeLoadBalancers&Version=2012-06-01", time.Hour, testTime, "")
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "DescribeLoadBalancers", "DeleteLoadBalancer", 1)
		authError(t, parseAndVerify(r, "", elbService, testSecret, testTime), CodeSignatureDoesNotMatch, 403)
	})
	t.Run("presigned with body", func(t *testing.T) {
		r := presignSDK(t, "/?Action=DescribeLoadBalancers&Version=2012-06-01", time.Hour, testTime, "")
		authError(t, parseAndVerify(r, "Action=DeleteLoadBalancer", elbService, testSecret, testTime), CodeSignatureDoesNotMatch, 403)
	})
	t.Run("nil inputs", func(t *testing.T) {
		authError(t, Verify(nil, nil, &Auth{}, "s"), CodeSignatureDoesNotMatch, 403)
		authError(t, Verify(signed(), nil, nil, "s"), CodeMissingAuthenticationToken, 403)
		authError(t, Verify(signed(), nil, &Auth{}, "s"), CodeIncompleteSignature, 400)
		_, err := Parse(nil)
		authError(t, err, CodeMissingAuthenticationToken, 403)
	})
}

func TestCheckTime(t *testing.T) {
	header := &Auth{Time: testTime}
	tests := []struct {
		name string
		a    *Auth
		now  time.Time
		code string // "" for success
		msg  string
	}{
		{"header exact", header, testTime, "", ""},
		{"header 14 min later", header, testTime.Add(14 * time.Minute), "", ""},
		{"header 14 min earlier", header, testTime.Add(-14 * time.Minute), "", ""},
		{"header 15 min later", header, testTime.Add(15 * time.Minute), "", ""},
		{"header 16 min later", header, testTime.Add(16 * time.Minute), CodeRequestExpired,
			"Request has expired. Signature date 20261124T031917Z is earlier than 20261124T032017Z (20261124T033517Z - 15 min.)"},
		{"header 16 min earlier", header, testTime.Add(-16 * time.Minute), CodeRequestExpired,
			"Signature not yet current: 20261124T031917Z is still later than 20261124T031817Z (20261124T030317Z + 15 min.)"},
		{"header non-UTC now", header, testTime.Add(10 * time.Minute).In(time.FixedZone("X", 5*3600)), "", ""},

		{"presign within expiry", &Auth{Time: testTime, Presigned: true, Expires: time.Minute}, testTime.Add(59 * time.Second), "", ""},
		{"presign at expiry", &Auth{Time: testTime, Presigned: true, Expires: time.Minute}, testTime.Add(time.Minute), "", ""},
		{"presign expired", &Auth{Time: testTime, Presigned: true, Expires: time.Minute}, testTime.Add(61 * time.Second), CodeRequestExpired,
			"Request has expired. Presigned request signed at 20261124T031917Z with X-Amz-Expires=60 expired at 20261124T032017Z; it is now 20261124T032018Z."},
		{"presign long expiry beyond skew", &Auth{Time: testTime, Presigned: true, Expires: 24 * time.Hour}, testTime.Add(23 * time.Hour), "", ""},
		{"presign signed in the future", &Auth{Time: testTime, Presigned: true, Expires: time.Hour}, testTime.Add(-16 * time.Minute), CodeRequestExpired, "Signature not yet current"},
		{"presign expires zero", &Auth{Time: testTime, Presigned: true, Expires: 0}, testTime, CodeIncompleteSignature, "X-Amz-Expires must be between 1 and 604800 seconds, got 0."},
		{"presign expires too long", &Auth{Time: testTime, Presigned: true, Expires: MaxPresignExpires + time.Second}, testTime, CodeIncompleteSignature, "got 604801"},
		{"nil auth", nil, testTime, CodeMissingAuthenticationToken, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.CheckTime(tc.now)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("CheckTime: %v", err)
				}
				return
			}
			status := map[string]int{CodeRequestExpired: 400, CodeIncompleteSignature: 400, CodeMissingAuthenticationToken: 403}[tc.code]
			e := authError(t, err, tc.code, status)
			if !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tc.msg)
			}
		})
	}

	// Parsed presigned requests carry the clamped expiry through to CheckTime.
	r := presignSDK(t, "/?Action=DescribeLoadBalancers", 0, testTime, "")
	r.URL.RawQuery += "&X-Amz-Expires=99999999999999999999999"
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	authError(t, a.CheckTime(testTime), CodeIncompleteSignature, 400)
}

func TestCheckScope(t *testing.T) {
	a := &Auth{Region: "us-east-1", Service: elbService}
	tests := []struct {
		name    string
		service string
		regions []string
		msg     string // "" for success
	}{
		{"any region", elbService, nil, ""},
		{"listed region", elbService, []string{"eu-west-1", "us-east-1"}, ""},
		{"wrong service", "iam", nil, "Credential should be scoped to correct service: 'iam'."},
		{"wrong region", elbService, []string{"eu-west-1"}, "Credential should be scoped to a valid region, not 'us-east-1'."},
		{"wrong service and region", "ec2", []string{"eu-west-1"}, "Credential should be scoped to correct service: 'ec2'."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := a.CheckScope(tc.service, tc.regions...)
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := authError(t, err, CodeSignatureDoesNotMatch, 403); e.Message != tc.msg {
				t.Errorf("Message = %q, want %q", e.Message, tc.msg)
			}
		})
	}
}

// TestFullFlowRejects runs real signed requests through Parse, CheckScope,
// CheckTime and Verify as a server would, with explicit clocks.
func TestFullFlowRejects(t *testing.T) {
	form := map[string]string{"Content-Type": formType}
	tests := []struct {
		name    string
		r       *http.Request
		service string
		now     time.Time
		code    string
		status  int
	}{
		{"skew +16 min", signSDK(t, signOpts{body: formBody, header: form}), elbService, testTime.Add(16 * time.Minute), CodeRequestExpired, 400},
		{"skew -16 min", signSDK(t, signOpts{body: formBody, header: form}), elbService, testTime.Add(-16 * time.Minute), CodeRequestExpired, 400},
		{"skew +14 min ok", signSDK(t, signOpts{body: formBody, header: form}), elbService, testTime.Add(14 * time.Minute), "", 0},
		{"skew -14 min ok", signSDK(t, signOpts{body: formBody, header: form}), elbService, testTime.Add(-14 * time.Minute), "", 0},
		{"iam credentials at elb", signSDK(t, signOpts{body: formBody, header: form, service: "iam"}), elbService, testTime, CodeSignatureDoesNotMatch, 403},
		{"presign expired", presignSDK(t, "/?Action=DescribeLoadBalancers&Version=2012-06-01", 5*time.Minute, testTime, ""), elbService, testTime.Add(6 * time.Minute), CodeRequestExpired, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := formBody
			if tc.r.Method == http.MethodGet {
				body = ""
			}
			err := parseAndVerify(tc.r, body, tc.service, testSecret, tc.now)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			authError(t, err, tc.code, tc.status)
		})
	}
}
