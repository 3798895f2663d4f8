package desync

import (
	"bufio"
	"bytes"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// FuzzClassify checks that Classify never panics, that its verdicts are
// consistent, and, as a differential check against an independent parser,
// that every head it calls Compliant is read by net/http's ReadRequest with
// the same method and the same body framing (Content-Length or chunked).
//
// The one known, deliberate difference: RFC 9112 allows transfer codings
// before the final chunked ("gzip, chunked", or one coding per field),
// which net/http refuses as unsupported. Such heads are Compliant here.
func FuzzClassify(f *testing.F) {
	f.Add([]byte(browserGET))
	f.Add([]byte(apiPOST))
	for _, c := range loadCorpus(f) {
		f.Add(c.head)
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		var p parser
		p.run(head)
		v := p.v
		if v != Classify(head) {
			t.Fatalf("Classify(%q) is not deterministic", head)
		}
		if v.Class != v.Reason.Class() || (v.Class == Compliant) != (v.Reason == NoReason) {
			t.Fatalf("Classify(%q) = %#v: class and reason disagree", head, v)
		}
		if p.end >= 0 {
			h := head[:p.end]
			if got := Classify(append(slices.Clip(h), "\x00\r\n"...)); got != v {
				t.Fatalf("Classify(%q) = %v, but %v with bytes after the head", h, v, got)
			}
		}
		if v.Class == Compliant {
			checkCompliant(t, head, &p)
		}
	})
}

// checkCompliant checks a head Classify found Compliant (p is its parser
// state) against net/http and against its bare-LF twin.
func checkCompliant(t *testing.T, head []byte, p *parser) {
	t.Helper()
	if p.end < 0 {
		t.Fatalf("Classify(%q) = Compliant without an empty line", head)
	}
	h := head[:p.end]

	// Compliant heads have only CRLF line endings; with bare LF
	// instead they are Acceptable for that reason alone.
	lf := bytes.ReplaceAll(h, []byte("\r\n"), []byte("\n"))
	if got := Classify(lf); got != (Verdict{Acceptable, NonCrLfLineTermination}) {
		t.Fatalf("Classify(%q) = Compliant, but Classify(%q) = %v", h, lf, got)
	}

	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(h)))
	if err != nil {
		if strings.Contains(err.Error(), "transfer encoding") && (p.teFields > 1 || p.codings > 1) {
			return // codings before chunked: see FuzzClassify
		}
		t.Fatalf("Classify(%q) = Compliant, but net/http: %v", h, err)
	}
	method, _, _ := bytes.Cut(h, []byte(" "))
	if req.Method != string(method) {
		t.Fatalf("Classify(%q): method %q, net/http %q", h, method, req.Method)
	}
	switch {
	case p.chunked:
		if req.ContentLength != -1 || !slices.Equal(req.TransferEncoding, []string{"chunked"}) {
			t.Fatalf("Classify(%q): chunked, net/http: Content-Length %d, Transfer-Encoding %q",
				h, req.ContentLength, req.TransferEncoding)
		}
	case p.clCount > 0:
		if req.ContentLength != int64(p.clValue) || req.TransferEncoding != nil {
			t.Fatalf("Classify(%q): Content-Length %d, net/http: Content-Length %d, Transfer-Encoding %q",
				h, p.clValue, req.ContentLength, req.TransferEncoding)
		}
	default:
		if req.ContentLength != 0 || req.TransferEncoding != nil {
			t.Fatalf("Classify(%q): no body, net/http: Content-Length %d, Transfer-Encoding %q",
				h, req.ContentLength, req.TransferEncoding)
		}
	}
}

// FuzzValidIPv6 checks the hand-written IPv6 literal check against
// net/netip, which net/url uses for bracketed hosts: it may be stricter,
// never more lenient.
func FuzzValidIPv6(f *testing.F) {
	for _, s := range []string{"::", "::1", "2001:db8::1", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1",
		"1:2:3:4:5:6:1.2.3.4", "1::2::3", "fe80::1%eth0", "::01.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validIPv6([]byte(s)) {
			return
		}
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Zone() != "" {
			t.Fatalf("validIPv6(%q) = true, but netip: %v, %v", s, a, err)
		}
	})
}
