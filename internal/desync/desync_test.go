package desync

import (
	"strings"
	"testing"
)

// browserGET is a typical browser navigation (411 bytes); apiPOST a small API
// call. Both are Compliant and used by the allocation test and benchmarks.
const (
	browserGET = "GET /products/shoes?color=red&size=42 HTTP/1.1\r\n" +
		"Host: shop.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
		"Accept-Language: en-US,en;q=0.9\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\n" +
		"Connection: keep-alive\r\n" +
		"Cookie: session=8f14e45fceea167a\r\n" +
		"\r\n"
	apiPOST = "POST /api/v1/orders HTTP/1.1\r\n" +
		"Host: api.example.com\r\n" +
		"Content-Type: application/json\r\n" +
		"Content-Length: 24\r\n" +
		"\r\n"
)

// TestReasonClasses pins every reason to the class the references give it:
// aws/http-desync-guardian docs/README.md as summarised in anchors.md §2.3,
// and for the elbd additions, this package's documentation.
func TestReasonClasses(t *testing.T) {
	want := map[Reason]Class{
		NoReason:                           Compliant,
		NonCompliantHeader:                 Acceptable,
		SpaceInUri:                         Acceptable,
		NonCompliantVersion:                Acceptable,
		GetHeadZeroContentLength:           Acceptable,
		NonCrLfLineTermination:             Acceptable,
		EmptyHeader:                        Ambiguous,
		AmbiguousUri:                       Ambiguous,
		UndefinedContentLengthSemantics:    Ambiguous,
		UndefinedTransferEncodingSemantics: Ambiguous,
		DuplicateContentLength:             Ambiguous,
		BothTeClPresent:                    Ambiguous,
		SuspiciousHeader:                   Ambiguous,
		MultilineHeader:                    Ambiguous,
		PartialHeaderLine:                  Ambiguous,
		MissingLastEmptyLine:               Ambiguous,
		MissingHeaderColon:                 Ambiguous,
		MissingUri:                         Ambiguous,
		MixedLineTermination:               Ambiguous, // elbd
		MultipleHost:                       Ambiguous, // elbd
		BadHeader:                          Severe,
		BadUri:                             Severe,
		BadVersion:                         Severe,
		MultipleContentLength:              Severe,
		BadContentLength:                   Severe,
		MultipleTransferEncodingChunked:    Severe,
		BadTransferEncoding:                Severe,
		BadMethod:                          Severe,
	}
	if len(want) != int(reasonCount) {
		t.Errorf("table has %d reasons, package has %d", len(want), reasonCount)
	}
	names := map[string]bool{}
	for r := range reasonCount {
		if got := r.Class(); got != want[r] {
			t.Errorf("%v.Class() = %v, want %v", r, got, want[r])
		}
		name := r.String()
		if name == "" || strings.HasPrefix(name, "Reason(") || names[name] {
			t.Errorf("reason %d has a bad or duplicate name %q", int(r), name)
		}
		names[name] = true
	}
	if got := Reason(-1).Class(); got != Severe {
		t.Errorf("unknown reason class = %v, want Severe", got)
	}
	if got := reasonCount.String(); got != "Reason(28)" {
		t.Errorf("unknown reason String = %q", got)
	}
}

// TestELBExamples classifies each example of ELB's classification table
// (elb-api.md §4.9), one request per example.
func TestELBExamples(t *testing.T) {
	const (
		req  = "POST /p HTTP/1.1\r\nHost: a\r\n"
		get  = "GET /p HTTP/1.1\r\nHost: a\r\n"
		head = "HEAD /p HTTP/1.1\r\nHost: a\r\n"
	)
	tests := []struct {
		example string
		head    string
		want    Class
	}{
		{"RFC 7230 compliant", req + "Content-Length: 1\r\n\r\n", Compliant},

		{"non-ASCII char in header", req + "X-\xc3\xa9: 1\r\n\r\n", Acceptable},
		{"control char in header", req + "X-A: \x7f\r\n\r\n", Acceptable},
		{"bad version value", "GET / HTTP/1.9\r\nHost: a\r\n\r\n", Acceptable},
		{"Content-Length: 0 on GET", get + "Content-Length: 0\r\n\r\n", Acceptable},
		{"Content-Length: 0 on HEAD", head + "Content-Length: 0\r\n\r\n", Acceptable},
		{"unencoded space in URI", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", Acceptable},

		{"control chars in URI", "GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n", Ambiguous},
		{"both TE and CL", req + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", Ambiguous},
		{"duplicate identical CL", req + "Content-Length: 3\r\nContent-Length: 3\r\n\r\n", Ambiguous},
		{"empty header", req + ":\r\n\r\n", Ambiguous},
		{"whitespace-only line", req + "\t \r\n\r\n", Ambiguous},
		{"header normalisable to TE", req + "Transfer-Encoding\t: chunked\r\n\r\n", Ambiguous},
		{"header normalisable to CL", req + "content_length: 3\r\n\r\n", Ambiguous},
		{"CL on GET", get + "Content-Length: 3\r\n\r\n", Ambiguous},
		{"TE on HEAD", head + "Transfer-Encoding: chunked\r\n\r\n", Ambiguous},

		{"NUL in URI", "GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", Severe},
		{"CR in URI", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", Severe},
		{"NUL in header", req + "X-A: \x00\r\n\r\n", Severe},
		{"CR in header", req + "X-A: \r\r\n\r\n", Severe},
		{"unparsable Content-Length", req + "Content-Length: 3a\r\n\r\n", Severe},
		{"bad Transfer-Encoding value", req + "Transfer-Encoding: chunk\r\n\r\n", Severe},
		{"malformed method", "GET/ / HTTP/1.1\r\nHost: a\r\n\r\n", Severe},
		{"malformed version", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", Severe},
		{"multiple differing CL", req + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n", Severe},
		{"multiple TE: chunked", req + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", Severe},
	}
	for _, tt := range tests {
		if got := Classify([]byte(tt.head)); got.Class != tt.want {
			t.Errorf("%s: Classify(%q) = %v, want class %v", tt.example, tt.head, got, tt.want)
		}
	}
}

// TestVerdictOrder checks which reason wins when a head has several.
func TestVerdictOrder(t *testing.T) {
	tests := []struct {
		head string
		want Reason
	}{
		// The worst class wins, whatever comes first.
		{"GET /a b HTTP/1.1\r\nX-A: \x01\r\nContent-Length: 5\r\nX-B: \x00\r\n\r\n", BadHeader},
		// Within a class the first found wins: the request line before
		// the headers, headers in order, whole-head checks last.
		{"GET /a\x01 HTTP/1.1\r\nX_A: 1\r\nContent-Length: 5\r\n\r\n", AmbiguousUri},
		{"POST / HTTP/1.1\r\n:x\r\nTransfer_Encoding: chunked\r\n\r\n", EmptyHeader},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", DuplicateContentLength},
		{"GET / HTTP/1.1\r\nX: 1\r\n", MissingLastEmptyLine},
		{"GET / HTTP/1.1\nX: \x01\n\n", NonCrLfLineTermination},
		// The first Severe ends the scan.
		{"GET / HTTP/1.x\r\nX: \x00\r\n\r\n", BadVersion},
		{"GET /\x00 HTTP/x\r\n\r\n", BadUri},
	}
	for _, tt := range tests {
		if got := Classify([]byte(tt.head)); got.Reason != tt.want {
			t.Errorf("Classify(%q) = %v, want reason %v", tt.head, got, tt.want)
		}
	}
}

// TestClassifyEdges covers inputs the corpus does not: empty and cut-off
// heads, and the grammar corners of the request line.
func TestClassifyEdges(t *testing.T) {
	tests := []struct {
		head string
		want Reason
	}{
		{"", BadMethod},
		{"\r\n", BadMethod},
		{"GET", MissingUri},
		{"GET / HTTP/1.1", PartialHeaderLine},
		{"GET / HTTP/1.1\r\n", MissingLastEmptyLine},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r", PartialHeaderLine},
		{"GET / HTTP/1.1\r\n\r\n", NoReason},
		{"GET / HTTP/1.1\r\n\n", MixedLineTermination},
		{"GET \r\n\r\n", MissingUri},
		{"GET  HTTP/1.1\r\n\r\n", MissingUri},
		{"GET / HTTP/0.9\r\n\r\n", NonCompliantVersion},
		{"GET / HTTP/1.1\t\r\n\r\n", NonCompliantVersion},
		{"GET /a b\r\n\r\n", BadVersion},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", BadVersion},
		{"get / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", NoReason}, // an extension method, not GET
		{"GET /%41%2f?%zz HTTP/1.1\r\n\r\n", NoReason},            // only the path is decoded
		{"GET /%4 HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET http://a HTTP/1.1\r\n\r\n", NoReason},
		{"GET http:///p HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET http:/p HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET urn:isbn:0451450523 HTTP/1.1\r\n\r\n", NoReason},
		{"GET http://a:b/ HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET http://a%41/ HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET http://[::1/ HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET http://[1.2.3.4]/ HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET http://[fe80::1%25eth0]/ HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"GET 1http://a/ HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"CONNECT a:443 HTTP/1.1\r\n\r\n", NoReason},
		{"CONNECT [::1]:443 HTTP/1.1\r\n\r\n", NoReason},
		{"CONNECT a HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"CONNECT a: HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"CONNECT :443 HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"CONNECT /rpc HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"OPTIONS *x HTTP/1.1\r\n\r\n", AmbiguousUri},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: x-gzip, CHUNKED\r\n\r\n", NoReason},
		{"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", BadTransferEncoding},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: ,chunked\r\n\r\n", BadTransferEncoding},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", BadTransferEncoding},
		{"POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", NoReason},
		{"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 05\r\n\r\n", DuplicateContentLength},
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: x\r\n\r\n", BadContentLength},
		{"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", DuplicateContentLength},
		{"GET / HTTP/1.1\r\n\tX: 1\r\n\r\n", MultilineHeader},
		{"GET / HTTP/1.1\r\nX-Content-Length: 1\r\n\r\n", NoReason},
		{"GET / HTTP/1.1\r\nContent-Length2: 1\r\n\r\n", NoReason},
		{"GET / HTTP/1.1\r\nContent-Lengths: 1\r\n\r\n", NoReason},
		{"GET / HTTP/1.1\r\nTRANSFER-ENCODING\x7f: x\r\n\r\n", SuspiciousHeader},
		{"GET / HTTP/1.1\r\nTran\xc5\xbffer-Encoding: x\r\n\r\n", SuspiciousHeader},
		{"GET / HTTP/1.1\r\nContent-Length\r\n\r\n", MissingHeaderColon},
		{"GET / HTTP/1.1\r\nX\x00: 1\r\n\r\n", BadHeader},
		{"GET / HTTP/1.1\r\n \x00\r\n\r\n", BadHeader},
		{"GET / HTTP/1.1\r\nX \x00\r\n\r\n", BadHeader},
		{"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", NonCompliantHeader},
		{"GET / HTTP/1.1\r\nContent-Type: a\x01\r\n\r\n", NonCompliantHeader},
		{"GET / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n", MultilineHeader},
	}
	for _, tt := range tests {
		got := Classify([]byte(tt.head))
		if got.Reason != tt.want || got.Class != tt.want.Class() {
			t.Errorf("Classify(%q) = %v, want %v", tt.head, got, Verdict{tt.want.Class(), tt.want})
		}
	}
}

func TestValidIPv6(t *testing.T) {
	valid := []string{"::", "::1", "1::", "2001:db8::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
		"::ffff:192.0.2.1", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4", "ABCD:ef01::"}
	invalid := []string{"", ":", ":::", "1:::2", "1::2::3", ":1", "1:", "12345::", "1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1.2.3.4", "::1.2.3", "::1.2.3.4.5", "::01.2.3.4",
		"::256.1.1.1", "::1.2.3.4:1", "g::", "fe80::1%eth0", "v1.x"}
	for _, s := range valid {
		if !validIPv6([]byte(s)) {
			t.Errorf("validIPv6(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if validIPv6([]byte(s)) {
			t.Errorf("validIPv6(%q) = true", s)
		}
	}
}

func TestDecide(t *testing.T) {
	want := map[Mode][4]Action{
		Monitor:   {Allow, Allow, Allow, Allow},
		Defensive: {Allow, Allow, AllowThenClose, Block},
		Strictest: {Allow, Block, Block, Block},
	}
	for m, row := range want {
		for c, a := range row {
			if got := Decide(m, Class(c)); got != a {
				t.Errorf("Decide(%v, %v) = %v, want %v", m, Class(c), got, a)
			}
		}
		if got := Decide(m, Class(9)); got != Decide(m, Severe) {
			t.Errorf("Decide(%v, unknown class) = %v, want the Severe action", m, got)
		}
	}
	if got := Decide(Mode(9), Ambiguous); got != AllowThenClose {
		t.Errorf("Decide(unknown mode, Ambiguous) = %v, want allow-then-close", got)
	}
	var zero Mode
	if zero != Defensive {
		t.Errorf("zero Mode is %v, want defensive", zero)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []Mode{Monitor, Defensive, Strictest} {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	for _, s := range []string{"", "Defensive", "STRICTEST", " monitor", "monitor ", "off"} {
		if m, err := ParseMode(s); err == nil {
			t.Errorf("ParseMode(%q) = %v, want an error", s, m)
		} else if !strings.Contains(err.Error(), "monitor, defensive or strictest") {
			t.Errorf("ParseMode(%q) error %q does not name the valid modes", s, err)
		}
	}
}

func TestStrings(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Compliant.String(), "Compliant"},
		{Severe.String(), "Severe"},
		{Class(-1).String(), "Class(-1)"},
		{NoReason.String(), "-"},
		{BothTeClPresent.String(), "BothTeClPresent"},
		{Monitor.String(), "monitor"},
		{Mode(3).String(), "Mode(3)"},
		{AllowThenClose.String(), "allow-then-close"},
		{Action(3).String(), "Action(3)"},
		{Verdict{}.String(), "Compliant"},
		{Verdict{Ambiguous, BothTeClPresent}.String(), "Ambiguous/BothTeClPresent"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
