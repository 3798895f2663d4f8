package query_test

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/query"
)

const formCT = "application/x-www-form-urlencoded"

// newRequest builds a request the way net/http's server hands it over:
// URL parsed, Body never nil.
func newRequest(method, rawQuery, contentType, body string) *http.Request {
	r := &http.Request{
		Method: method,
		URL:    &url.URL{Path: "/", RawQuery: rawQuery},
		Header: http.Header{},
		Body:   io.NopCloser(strings.NewReader(body)),
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// all returns every parameter of p as a map.
func all(p query.Params) map[string]string {
	m := map[string]string{}
	for _, k := range p.Keys() {
		m[k] = p.Get(k)
	}
	return m
}

func wantQueryError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var qe *query.Error
	if !errors.As(err, &qe) {
		t.Fatalf("err = %v (%T), want *query.Error %s", err, err, code)
	}
	if qe.Code != code || qe.Status != status {
		t.Fatalf("err = %s/%d %q, want %s/%d", qe.Code, qe.Status, qe.Message, code, status)
	}
	if qe.Message == "" {
		t.Fatalf("error %s has an empty message", qe.Code)
	}
}

func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		rawQuery    string
		contentType string
		body        string
		want        map[string]string
	}{
		{
			name:     "GET query string",
			method:   http.MethodGet,
			rawQuery: "Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=a",
			want:     map[string]string{"Action": "DescribeLoadBalancers", "Version": "2012-06-01", "LoadBalancerNames.member.1": "a"},
		},
		{
			name:        "POST form without charset (aws-sdk-go-v2)",
			method:      http.MethodPost,
			contentType: formCT,
			body:        "Action=AddTags&LoadBalancerNames.member.1=lb&Tags.member.1.Key=k&Tags.member.1.Value=v&Version=2012-06-01",
			want: map[string]string{"Action": "AddTags", "Version": "2012-06-01", "LoadBalancerNames.member.1": "lb",
				"Tags.member.1.Key": "k", "Tags.member.1.Value": "v"},
		},
		{
			name:        "POST form with charset (botocore)",
			method:      http.MethodPost,
			contentType: formCT + "; charset=utf-8",
			body:        "Action=ConfigureHealthCheck&Version=2012-06-01&HealthCheck.Target=HTTP%3A80%2Findex.html",
			want:        map[string]string{"Action": "ConfigureHealthCheck", "Version": "2012-06-01", "HealthCheck.Target": "HTTP:80/index.html"},
		},
		{
			name:        "POST form, upper-case media type",
			method:      http.MethodPost,
			contentType: "Application/X-WWW-Form-URLEncoded; Charset=UTF-8",
			body:        "Action=A",
			want:        map[string]string{"Action": "A"},
		},
		{
			name:   "POST body without Content-Type is read as a form",
			method: http.MethodPost,
			body:   "Action=A&Version=v",
			want:   map[string]string{"Action": "A", "Version": "v"},
		},
		{
			name:        "POST with a non-form body takes only the query",
			method:      http.MethodPost,
			rawQuery:    "Action=A",
			contentType: "application/json",
			body:        `{"Action":"B"}`,
			want:        map[string]string{"Action": "A"},
		},
		{
			name:     "GET ignores a body",
			method:   http.MethodGet,
			rawQuery: "Action=A",
			body:     "Version=v",
			want:     map[string]string{"Action": "A"},
		},
		{
			name:        "query and body are merged",
			method:      http.MethodPost,
			rawQuery:    "Action=CreateLoadBalancer&Version=2012-06-01",
			contentType: formCT,
			body:        "LoadBalancerName=lb&Listeners.member.1.Protocol=http",
			want: map[string]string{"Action": "CreateLoadBalancer", "Version": "2012-06-01", "LoadBalancerName": "lb",
				"Listeners.member.1.Protocol": "http"},
		},
		{
			name:        "same key with the same value in query and body",
			method:      http.MethodPost,
			rawQuery:    "Action=A&Version=v",
			contentType: formCT,
			body:        "Action=A&Version=v&X=1",
			want:        map[string]string{"Action": "A", "Version": "v", "X": "1"},
		},
		{
			name:     "same key with the same value twice in the query",
			method:   http.MethodGet,
			rawQuery: "A=1&A=1",
			want:     map[string]string{"A": "1"},
		},
		{
			name:     "empty value, key without '=', empty parts",
			method:   http.MethodGet,
			rawQuery: "&PolicyNames=&Flag&&X=1&",
			want:     map[string]string{"PolicyNames": "", "Flag": "", "X": "1"},
		},
		{
			name:     "plus is a space, percent escapes decoded, '=' in value kept",
			method:   http.MethodGet,
			rawQuery: "K=a+b%20c%2Bd&Policy=x%3Dy=z&%41ction=A",
			want:     map[string]string{"K": "a b c+d", "Policy": "x=y=z", "Action": "A"},
		},
		{
			name:     "UTF-8 values",
			method:   http.MethodGet,
			rawQuery: "Tags.member.1.Value=%C3%A9t%C3%A9",
			want:     map[string]string{"Tags.member.1.Value": "été"},
		},
		{
			name:   "no parameters at all",
			method: http.MethodPost,
			want:   map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := query.Decode(newRequest(tt.method, tt.rawQuery, tt.contentType, tt.body), query.Limits{})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := all(req.Params); !maps.Equal(got, tt.want) {
				t.Fatalf("params = %q\nwant     %q", got, tt.want)
			}
			if string(req.Body) != tt.body {
				t.Fatalf("Body = %q, want the raw body %q", req.Body, tt.body)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	small := query.Limits{MaxBodyBytes: 64, MaxParams: 3, MaxValueBytes: 8}
	tests := []struct {
		name        string
		method      string
		rawQuery    string
		contentType string
		body        string
		lim         query.Limits
		code        string
		status      int
	}{
		{name: "conflicting duplicate in the query", method: "GET", rawQuery: "A=1&A=2",
			code: "MalformedQueryString", status: 404},
		{name: "conflicting duplicate in the body", method: "POST", contentType: formCT, body: "A=1&B=2&A=3",
			code: "MalformedQueryString", status: 404},
		{name: "conflicting duplicate between query and body", method: "POST", rawQuery: "Action=A",
			contentType: formCT, body: "Action=B", code: "MalformedQueryString", status: 404},
		{name: "empty value conflicts with a value", method: "GET", rawQuery: "PolicyNames=&PolicyNames=p",
			code: "MalformedQueryString", status: 404},
		{name: "bad escape in a value", method: "GET", rawQuery: "A=%zz", code: "MalformedQueryString", status: 404},
		{name: "truncated escape in a value", method: "GET", rawQuery: "A=abc%4", code: "MalformedQueryString", status: 404},
		{name: "bad escape in a key", method: "GET", rawQuery: "A%g1=1", code: "MalformedQueryString", status: 404},
		{name: "bad escape in the body", method: "POST", contentType: formCT, body: "A=%", code: "MalformedQueryString", status: 404},
		{name: "NUL in a key", method: "GET", rawQuery: "A%00B=1", code: "MalformedQueryString", status: 404},
		{name: "empty key", method: "GET", rawQuery: "=v", code: "MalformedQueryString", status: 404},
		{name: "empty key in the body", method: "POST", contentType: formCT, body: "A=1&=2", code: "MalformedQueryString", status: 404},
		{name: "malformed Content-Type", method: "POST", contentType: "application/x-www-form-urlencoded; charset", body: "A=1",
			code: "MalformedQueryString", status: 404},
		{name: "too many parameters in the query", method: "GET", rawQuery: "A=1&B=2&C=3&D=4", lim: small,
			code: "ValidationError", status: 400},
		{name: "too many parameters in the body", method: "POST", contentType: formCT, body: "A=1&B=2&C=3&D=4", lim: small,
			code: "ValidationError", status: 400},
		{name: "too many parameters in query and body together", method: "POST", rawQuery: "A=1&B=2",
			contentType: formCT, body: "C=3&D=4", lim: small, code: "ValidationError", status: 400},
		{name: "too many parameters with default limits", method: "GET",
			rawQuery: strings.Repeat("A=1&", query.DefaultLimits.MaxParams) + "B=2", code: "ValidationError", status: 400},
		{name: "oversize body", method: "POST", contentType: formCT, body: "A=" + strings.Repeat("x", 63), lim: small,
			code: "ValidationError", status: 413},
		{name: "oversize body with a non-form type", method: "POST", contentType: "text/plain", body: strings.Repeat("x", 65),
			lim: small, code: "ValidationError", status: 413},
		{name: "oversize value in the query", method: "GET", rawQuery: "A=123456789", lim: small,
			code: "ValidationError", status: 400},
		{name: "oversize value after unescaping", method: "POST", contentType: formCT, body: "A=" + strings.Repeat("%C3%A9", 5),
			lim: small, code: "ValidationError", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := query.Decode(newRequest(tt.method, tt.rawQuery, tt.contentType, tt.body), tt.lim)
			if err == nil {
				t.Fatalf("Decode accepted it: %q", all(req.Params))
			}
			wantQueryError(t, err, tt.code, tt.status)
		})
	}
}

func TestDecodeLimitBoundaries(t *testing.T) {
	lim := query.Limits{MaxBodyBytes: 16, MaxParams: 3, MaxValueBytes: 8}
	for _, tt := range []struct{ name, rawQuery, body string }{
		{"body exactly at the limit", "", "A=12345678&B=123"},
		{"params exactly at the limit across query and body", "A=1", "B=2&C=3"},
		{"value exactly at the limit", "A=12345678", ""},
		{"repeated identical keys count once", "A=1&B=2", "A=1&C=3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := query.Decode(newRequest("POST", tt.rawQuery, formCT, tt.body), lim); err != nil {
				t.Fatalf("Decode: %v", err)
			}
		})
	}
}

// A Limits with only some fields set takes the defaults for the others.
func TestDecodePartialLimits(t *testing.T) {
	for _, lim := range []query.Limits{{MaxBodyBytes: 1 << 10}, {MaxParams: 10}, {MaxValueBytes: 10}} {
		req, err := query.Decode(newRequest("POST", "Action=A", formCT, "Version=2012-06-01&X=y"), lim)
		if err != nil {
			t.Fatalf("Decode with %+v: %v", lim, err)
		}
		if got := req.Params.Get("Version"); got != "2012-06-01" {
			t.Fatalf("Version = %q", got)
		}
	}
	_, err := query.Decode(newRequest("GET", "A=12345678901", "", ""), query.Limits{MaxValueBytes: 10})
	wantQueryError(t, err, "ValidationError", 400)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestDecodeBodyReadError(t *testing.T) {
	r := newRequest("POST", "", formCT, "")
	r.Body = io.NopCloser(errReader{})
	_, err := query.Decode(r, query.Limits{})
	wantQueryError(t, err, "MalformedQueryString", 404)
}

func TestDecodeNilBody(t *testing.T) {
	r := newRequest("GET", "Action=A", "", "")
	r.Body = nil
	req, err := query.Decode(r, query.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if req.Params.Get("Action") != "A" || len(req.Body) != 0 {
		t.Fatalf("params %q body %q", all(req.Params), req.Body)
	}
}

// Error messages quote at most 64 bytes of a user-supplied key.
func TestDecodeErrorMessageIsBounded(t *testing.T) {
	long := strings.Repeat("k", 5000)
	_, err := query.Decode(newRequest("GET", long+"=1&"+long+"=2", "", ""), query.Limits{})
	wantQueryError(t, err, "MalformedQueryString", 404)
	if n := len(err.(*query.Error).Message); n > 200 {
		t.Fatalf("message is %d bytes long", n)
	}
}
