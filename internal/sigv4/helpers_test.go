package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAK     = "AKIDEXAMPLE"
	testSecret = "demo-secret-key"
	testToken  = "FQoGZXIvYXdzEXAMPLETOKEN//+=="
	formBody   = "Action=DescribeLoadBalancers&Version=2012-06-01"
	formType   = "application/x-www-form-urlencoded"
	elbService = "elasticloadbalancing"
)

// testTime is the signing time used throughout (the libcloud vector's).
var testTime = time.Date(2026, 11, 24, 3, 19, 17, 0, time.UTC)

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

type signOpts struct {
	method, target, body string
	header               map[string]string
	service, region      string
	token                string
	secret               string
	at                   time.Time
	payloadHash          string // default: hash of body
	noContentLength      bool   // sign as if the length were unknown (as the real SDK client does)
}

// signSDK builds an in-process server-side request and signs it with
// aws-sdk-go-v2's SignHTTP.
func signSDK(t testing.TB, o signOpts) *http.Request {
	t.Helper()
	if o.method == "" {
		o.method = http.MethodPost
	}
	if o.target == "" {
		o.target = "/"
	}
	if o.service == "" {
		o.service = elbService
	}
	if o.region == "" {
		o.region = "us-east-1"
	}
	if o.secret == "" {
		o.secret = testSecret
	}
	if o.at.IsZero() {
		o.at = testTime
	}
	if o.payloadHash == "" {
		o.payloadHash = hashHex(o.body)
	}
	var body *strings.Reader
	if o.body != "" {
		body = strings.NewReader(o.body)
	}
	var r *http.Request
	if body != nil {
		r = httptest.NewRequest(o.method, o.target, body)
	} else {
		r = httptest.NewRequest(o.method, o.target, nil)
	}
	for k, v := range o.header {
		r.Header.Set(k, v)
	}
	length := r.ContentLength
	if o.noContentLength {
		r.ContentLength = 0
	}
	creds := aws.Credentials{AccessKeyID: testAK, SecretAccessKey: o.secret, SessionToken: o.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, o.payloadHash, o.service, o.region, o.at); err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
	r.ContentLength = length
	return r
}

// presignSDK presigns a GET with PresignHTTP and returns the request a
// server would see for that URL.
func presignSDK(t testing.TB, target string, expires time.Duration, at time.Time, token string) *http.Request {
	t.Helper()
	u, err := url.Parse("https://elb.example.test" + target)
	if err != nil {
		t.Fatal(err)
	}
	if expires > 0 {
		q := u.Query()
		q.Set("X-Amz-Expires", fmt.Sprint(int64(expires/time.Second)))
		u.RawQuery = q.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	creds := aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret, SessionToken: token}
	signed, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hashHex(""), elbService, "us-west-2", at)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	r := httptest.NewRequest(http.MethodGet, signed, nil)
	for k, vs := range hdr {
		if strings.EqualFold(k, "Host") {
			r.Host = vs[0]
			continue
		}
		r.Header[k] = vs
	}
	return r
}

// refSign is an independent, deliberately naive SigV4 implementation used
// to produce requests no SDK produces (botocore and libcloud shapes). sortRaw
// sorts query parameters before encoding, as libcloud 3.4.1 does.
func refSign(method, path string, query [][2]string, headers map[string]string, body, amzDate, region, service, secret string, sortRaw bool) (signedHeaders, sig string) {
	esc := func(s string) string {
		var b strings.Builder
		for _, c := range []byte(s) {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		return b.String()
	}
	q := append([][2]string(nil), query...)
	if sortRaw {
		sort.Slice(q, func(i, j int) bool { return q[i][0]+"\x00"+q[i][1] < q[j][0]+"\x00"+q[j][1] })
		for i := range q {
			q[i] = [2]string{esc(q[i][0]), esc(q[i][1])}
		}
	} else {
		for i := range q {
			q[i] = [2]string{esc(q[i][0]), esc(q[i][1])}
		}
		sort.Slice(q, func(i, j int) bool { return q[i][0]+"\x00"+q[i][1] < q[j][0]+"\x00"+q[j][1] })
	}
	var qs []string
	for _, kv := range q {
		qs = append(qs, kv[0]+"="+kv[1])
	}
	var names []string
	for k := range headers {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	lower := map[string]string{}
	for k, v := range headers {
		lower[strings.ToLower(k)] = strings.Join(strings.Fields(v), " ")
	}
	var ch string
	for _, n := range names {
		ch += n + ":" + lower[n] + "\n"
	}
	signedHeaders = strings.Join(names, ";")
	cr := strings.Join([]string{method, path, strings.Join(qs, "&"), ch, signedHeaders, hashHex(body)}, "\n")
	scope := amzDate[:8] + "/" + region + "/" + service + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hashHex(cr)
	mac := func(k []byte, s string) []byte { m := hmac.New(sha256.New, k); m.Write([]byte(s)); return m.Sum(nil) }
	k := mac(mac(mac(mac([]byte("AWS4"+secret), amzDate[:8]), region), service), "aws4_request")
	return signedHeaders, hex.EncodeToString(mac(k, sts))
}

// authError asserts err is an *Error with the given code and status.
func authError(t *testing.T, err error, code string, status int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %s", err, err, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("error = %s/%d %q, want %s/%d", e.Code, e.Status, e.Message, code, status)
	}
	return e
}

// parseAndVerify runs the full check sequence a server would.
func parseAndVerify(r *http.Request, body, service, secret string, now time.Time) error {
	a, err := Parse(r)
	if err != nil {
		return err
	}
	if err := a.CheckScope(service); err != nil {
		return err
	}
	if err := a.CheckTime(now); err != nil {
		return err
	}
	return Verify(r, []byte(body), a, secret)
}
