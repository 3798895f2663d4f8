package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary Authorization headers, X-Amz-Date values and raw
// queries to Parse and the checks after it. Nothing may panic, and every
// failure must be an *Error with a code and status.
func FuzzParse(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host;x-amz-date, Signature="+libcloudSignature,
		"20261124T031917Z", "Action=DescribeLoadBalancers&Version=2012-06-01")
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261124%2Fus-east-1%2Felb%2Faws4_request&X-Amz-Date=20261124T031917Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=ab")
	f.Add("AWS4-HMAC-SHA256 ,,,=,Credential=/////", "2026", "a=%zz&&=&X-Amz-Signature")
	f.Add("AWS AK:sig", "20261124T031917Z", "")
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=99999999999999999999999")
	f.Fuzz(func(t *testing.T, authz, amzDate, rawQuery string) {
		r := &http.Request{
			Method: http.MethodGet,
			URL:    &url.URL{Path: "/", RawQuery: rawQuery},
			Header: http.Header{},
			Host:   "example.com",
		}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		a, err := Parse(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Status == 0 || e.Message == "" {
				t.Fatalf("Parse error %#v is not a complete *Error", err)
			}
			if a != nil {
				t.Fatal("Parse returned both Auth and error")
			}
			return
		}
		if a == nil || a.AccessKeyID == "" || a.Region == "" || a.Service == "" || !isHex(a.Signature) {
			t.Fatalf("Parse accepted an incomplete Auth: %+v", a)
		}
		if len(a.Date) != 8 || a.requestDate()[:8] != a.Date {
			t.Fatalf("scope date %q does not match request date %q", a.Date, a.requestDate())
		}
		_ = a.CheckScope(a.Service, a.Region)
		_ = a.CheckTime(testTime)
		if err := Verify(r, nil, a, testSecret); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" {
				t.Fatalf("Verify error %#v is not an *Error", err)
			}
		}
	})
}

// FuzzVerify mutates a genuinely signed request (method, path, query, a
// signed header and the body). Verify must never panic, must accept the
// unmodified request, and must reject any change to what was signed.
func FuzzVerify(f *testing.F) {
	f.Add("POST", "/", "", "v", formBody)
	f.Add("GET", "/a b/%", "a=b+c&&d", "  x  y ", "")
	f.Add("", "", "%", "", "\x00")
	base := signSDK(f, signOpts{body: formBody, header: map[string]string{"Content-Type": formType, "X-Custom": "v"}})
	a, err := Parse(base)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, rawQuery, custom, body string) {
		r := base.Clone(base.Context())
		r.Method = method
		u := *base.URL
		u.Path, u.RawPath, u.RawQuery = path, "", rawQuery
		r.URL = &u
		r.Header.Set("X-Custom", custom)
		err := Verify(r, []byte(body), a, testSecret)
		// Requests that canonicalise like the original: "" is the path "/",
		// and a query of only empty segments is no query.
		pairs, qerr := parseQuery(rawQuery)
		unchanged := method == "POST" && (path == "/" || path == "") && qerr == nil && len(pairs) == 0 &&
			normalizeValue(custom) == "v" && body == formBody
		if unchanged && err != nil {
			t.Fatalf("unmodified request rejected: %v", err)
		}
		if !unchanged && err == nil {
			t.Fatalf("modified request accepted: %q %q %q %q %q", method, path, rawQuery, custom, body)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" {
				t.Fatalf("Verify error %#v is not an *Error", err)
			}
		}
	})
}

// FuzzCanonicalQuery checks that canonicalisation is stable: the canonical
// query uses only unreserved bytes and escapes, and parsing it again yields
// the same canonical form.
func FuzzCanonicalQuery(f *testing.F) {
	f.Add("Action=DescribeLoadBalancers&Version=2012-06-01")
	f.Add("a=hello+world&b=%2B&c&&=x&a=1")
	f.Add("k-b=1&k%2Fb=2&%E2%82%AC=%ff")
	f.Fuzz(func(t *testing.T, raw string) {
		pairs, err := parseQuery(raw)
		if err != nil {
			return
		}
		got := canonicalQueries(pairs, false)
		for i := 0; i < len(got[0]); i++ {
			c := got[0][i]
			if !isUnreserved(c) && c != '%' && c != '=' && c != '&' {
				t.Fatalf("canonical query %q has raw byte %q", got[0], c)
			}
		}
		again, err := parseQuery(got[0])
		if err != nil {
			t.Fatalf("canonical query %q does not parse: %v", got[0], err)
		}
		if g2 := canonicalQueries(again, false); g2[0] != got[0] {
			t.Fatalf("not idempotent: %q -> %q", got[0], g2[0])
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	r := signSDK(b, signOpts{body: formBody, header: map[string]string{"Content-Type": formType}})
	body := []byte(formBody)
	now := testTime.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		a, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.CheckScope(elbService); err != nil {
			b.Fatal(err)
		}
		if err := a.CheckTime(now); err != nil {
			b.Fatal(err)
		}
		if err := Verify(r, body, a, testSecret); err != nil {
			b.Fatal(err)
		}
	}
}
