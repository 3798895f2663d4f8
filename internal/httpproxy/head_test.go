package httpproxy

import (
	"bufio"
	"bytes"
	"io"
	"net/http/httputil"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/desync"
)

func parse(t testing.TB, head string) (*request, int) {
	t.Helper()
	var req request
	st := parseRequest([]byte(head), &req, make([]header, 0, 100), 100)
	return &req, st
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name, head string
		status     int
		check      func(t *testing.T, r *request)
	}{
		{"simple", "GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if string(r.method) != "GET" || string(r.target) != "/a?b" || r.minor != 1 || r.hosts != 1 || r.framing != bodyNone || !r.keepAlive() || !r.idempotent {
				t.Errorf("got %+v", r)
			}
		}},
		{"bare LF", "POST / HTTP/1.0\nContent-Length: 12\n\n", stOK, func(t *testing.T, r *request) {
			if r.minor != 0 || r.framing != bodyLength || r.contentLength != 12 || r.keepAlive() {
				t.Errorf("got %+v", r)
			}
		}},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if !r.keepAlive() || r.hosts != 0 {
				t.Errorf("got %+v", r)
			}
		}},
		{"HTTP/1.1 close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if r.keepAlive() || !r.connOther {
				t.Errorf("got %+v", r)
			}
		}},
		{"HTTP/1.5 is 1.1", "GET / HTTP/1.5\r\nHost: x\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if r.minor != 1 {
				t.Errorf("minor %d", r.minor)
			}
		}},
		{"chunked wins over CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if r.framing != bodyChunked || !r.hasCL || !r.hasTE {
				t.Errorf("got %+v", r)
			}
		}},
		{"duplicate equal CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if r.framing != bodyLength || r.contentLength != 5 {
				t.Errorf("got %+v", r)
			}
		}},
		{"CL 0 is no body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if r.framing != bodyNone || !r.hasCL {
				t.Errorf("got %+v", r)
			}
		}},
		{"obs-fold joined in place", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\t two \r\nX-B: b\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if len(r.headers) != 3 || string(r.headers[1].value) != "one    two" || string(r.headers[2].value) != "b" {
				t.Errorf("headers %q", r.headers)
			}
		}},
		{"bad lines dropped", "GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n: empty\r\nBad Name: v\r\n  cont of dropped\r\nOK: v\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if len(r.headers) != 2 || string(r.headers[1].name) != "OK" {
				t.Errorf("headers %q", r.headers)
			}
		}},
		{"NUL and CR in value become spaces", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\rc\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if string(r.headers[1].value) != "a b c" {
				t.Errorf("value %q", r.headers[1].value)
			}
		}},
		{"upgrade", "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if !r.upgrade {
				t.Errorf("not an upgrade")
			}
		}},
		{"upgrade needs Connection", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if r.upgrade {
				t.Errorf("upgrade without Connection: upgrade")
			}
		}},
		{"expect", "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if !r.expectContinue {
				t.Errorf("no expectContinue")
			}
		}},
		{"expect ignored in 1.0", "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if r.expectContinue {
				t.Errorf("expectContinue in HTTP/1.0")
			}
		}},
		{"space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", stOK, func(t *testing.T, r *request) {
			if string(r.target) != "/a b" || !r.encodeTarget {
				t.Errorf("target %q encode %v", r.target, r.encodeTarget)
			}
		}},
		{"no host", "GET / HTTP/1.1\r\n\r\n", stBadRequest, nil},
		{"CONNECT", "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n", stBadRequest, nil},
		{"long method", strings.Repeat("A", 128) + " / HTTP/1.1\r\nHost: x\r\n\r\n", stMethodNotAllowed, nil},
		{"bad method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", stBadRequest, nil},
		{"HTTP/0.9", "GET /\r\n\r\n", stBadRequest, nil},
		{"HTTP/2", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", stBadRequest, nil},
		{"lower-case version", "GET / http/1.1\r\nHost: x\r\n\r\n", stBadRequest, nil},
		{"no target", "GET  HTTP/1.1\r\nHost: x\r\n\r\n", stBadRequest, nil},
		{"different CLs", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", stBadRequest, nil},
		{"CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", stBadRequest, nil},
		{"CL sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", stBadRequest, nil},
		{"CL huge", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", stBadRequest, nil},
		{"TE not chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", stBadRequest, nil},
		{"TE chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", stBadRequest, nil},
		{"TE chunked not last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", stBadRequest, nil},
		{"TE with parameter", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", stBadRequest, nil},
		{"folded CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n 5\r\n\r\n", stBadRequest, nil},
		{"too many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("A: b\r\n", 100) + "\r\n", stBadRequest, nil},
		{"100 headers", "GET / HTTP/1.1\r\n" + strings.Repeat("Host: b\r\n", 100) + "\r\n", stOK, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, st := parse(t, tt.head)
			if st != tt.status {
				t.Fatalf("parseRequest(%q) = %d, want %d", tt.head, st, tt.status)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		head    string
		ok      bool
		framing framing
		keep    bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", true, bodyLength, true},
		{"HTTP/1.1 200 OK\r\n\r\n", true, bodyEOF, true},
		{"HTTP/1.1 200\r\nTransfer-Encoding: chunked\r\n\r\n", true, bodyChunked, true},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", true, bodyEOF, true},
		{"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", true, bodyLength, false},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n", true, bodyLength, true},
		{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\n", true, bodyLength, false},
		{"HTTP/1.1 204 No Content\r\n\r\n", true, bodyEOF, true}, // the caller knows 204 has no body
		{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", false, 0, false},
		{"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", false, 0, false},
		{"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", false, 0, false},
		{"HTTP/1.1 20 OK\r\n\r\n", false, 0, false},
		{"HTTP/1.1 099 OK\r\n\r\n", false, 0, false},
		{"HTTP/1.1 200OK\r\n\r\n", false, 0, false},
		{"HTTP/2 200 OK\r\n\r\n", false, 0, false},
		{"HELLO\r\n\r\n", false, 0, false},
	}
	for _, tt := range tests {
		var resp response
		ok := parseResponse([]byte(tt.head), &resp, make([]header, 0, 10), 10)
		if ok != tt.ok || ok && (resp.framing != tt.framing || resp.keepAlive() != tt.keep) {
			t.Errorf("parseResponse(%q) = %v framing %d keep %v, want %v %d %v", tt.head, ok, resp.framing, resp.keepAlive(), tt.ok, tt.framing, tt.keep)
		}
	}
}

func TestFindHeadEnd(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"GET / HTTP/1.1\r\n\r\n", 18},
		{"GET / HTTP/1.1\n\nrest", 16},
		{"GET / HTTP/1.1\r\nA: b\r\n\r\nrest", 24},
		{"GET / HTTP/1.1\r\nA: b\r\n\r", -1},
		{"GET / HTTP/1.1\r\nA: b\r\n", -1},
		{"GET / HTTP/1.1\r\n\r\r\n\r\n", 21}, // "\r\r\n" is a line holding a CR
	} {
		scan := 0
		if got := findHeadEnd([]byte(tt.in), &scan); got != tt.want {
			t.Errorf("findHeadEnd(%q) = %d, want %d", tt.in, got, tt.want)
		}
		// Byte by byte, as a slow client would send it.
		scan = 0
		got := -1
		for i := 1; i <= len(tt.in) && got < 0; i++ {
			got = findHeadEnd([]byte(tt.in[:i]), &scan)
		}
		if got != tt.want {
			t.Errorf("findHeadEnd(%q) incrementally = %d, want %d", tt.in, got, tt.want)
		}
	}
}

var testFI = forwardInfo{clientIP: []byte("192.0.2.1"), localHost: []byte("10.0.0.1"), scheme: "http", port: 80}

func TestAppendRequest(t *testing.T) {
	r, st := parse(t, "POST /a%20b HTTP/1.0\r\n"+
		"Content-Length: 3\r\n"+
		"Content-Length: 3\r\n"+
		"Connection: keep-alive, X-Drop\r\n"+
		"X-Drop: 1\r\n"+
		"X-Forwarded-For: 1.1.1.1\r\n"+
		"Expect: 100-continue\r\n"+
		"Expect: other\r\n"+
		"\r\n")
	if st != stOK {
		t.Fatal(st)
	}
	got := string(appendRequest(nil, r, &testFI))
	want := "POST /a%20b HTTP/1.1\r\n" +
		"Content-Length: 3\r\n" +
		"Expect: other\r\n" +
		"Host: 10.0.0.1\r\n" +
		"X-Forwarded-For: 1.1.1.1, 192.0.2.1\r\n" +
		"X-Forwarded-Proto: http\r\n" +
		"X-Forwarded-Port: 80\r\n\r\n"
	if got != want {
		t.Errorf("appendRequest =\n%s\nwant\n%s", got, want)
	}
}

func TestChunkScanner(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int // bytes of body; -1: error
		data string
	}{
		{"0\r\n\r\n", 5, ""},
		{"0\r\n\r\nGET", 5, ""},
		{"3\r\nabc\r\n0\r\n\r\n", 13, "abc"},
		{"A\r\n0123456789\r\n0\r\n\r\n", 20, "0123456789"},
		{"3;a=b;c\r\nabc\r\n0\r\n\r\n", 19, "abc"},
		{"3 ;a\r\nabc\r\n0\r\n\r\n", 16, "abc"},
		{"000003\r\nabc\r\n0\r\nA: b\r\nC: d\r\n\r\n", 30, "abc"},
		{"0000000000000003\r\nabc\r\n0\r\n\r\n", -1, ""}, // 16 digits, even if zeros
		{"3 \r\nabc\r\n0\r\n\r\n", -1, ""},
		{"3\nabc\r\n0\r\n\r\n", -1, ""},
		{"3\r\nabc\n0\r\n\r\n", -1, ""},
		{"3\r\nabcd\r\n0\r\n\r\n", -1, ""},
		{"\r\nabc\r\n0\r\n\r\n", -1, ""},
		{"-3\r\nabc\r\n0\r\n\r\n", -1, ""},
		{"0x3\r\nabc\r\n0\r\n\r\n", -1, ""},
		{"1000000000000000\r\n", -1, ""},
		{"0\r\nA b: c\r\n\r\n", -1, ""},
		{"0\r\n folded\r\n\r\n", -1, ""},
		{"0\r\nA: b\n\r\n", -1, ""},
		{"3;\x00\r\nabc\r\n0\r\n\r\n", -1, ""},
	} {
		// Whole, then byte by byte.
		for _, step := range []int{len(tt.in), 1} {
			var s chunkScanner
			var data []byte
			n, failed := 0, false
			for n < len(tt.in) && !s.done() {
				end := min(n+step, len(tt.in))
				k, isData, err := s.next([]byte(tt.in[n:end]))
				if err != nil {
					failed = true
					break
				}
				if isData {
					data = append(data, tt.in[n:n+k]...)
				}
				n += k
			}
			switch {
			case tt.n < 0 && !failed:
				t.Errorf("step %d: %q accepted (%d bytes, done %v), want an error", step, tt.in, n, s.done())
			case tt.n >= 0 && (failed || !s.done() || n != tt.n || string(data) != tt.data):
				t.Errorf("step %d: %q: failed %v done %v n %d data %q, want %d %q", step, tt.in, failed, s.done(), n, data, tt.n, tt.data)
			}
		}
	}
}

// frameReasons are the desync reasons that describe how a head frames its
// body or its lines. The head the proxy forwards must never have one.
var frameReasons = map[desync.Reason]bool{
	desync.NonCrLfLineTermination:          true,
	desync.EmptyHeader:                     true,
	desync.DuplicateContentLength:          true,
	desync.BothTeClPresent:                 true,
	desync.MultilineHeader:                 true,
	desync.PartialHeaderLine:               true,
	desync.MissingLastEmptyLine:            true,
	desync.MissingHeaderColon:              true,
	desync.MissingUri:                      true,
	desync.MixedLineTermination:            true,
	desync.BadHeader:                       true,
	desync.BadUri:                          true,
	desync.BadVersion:                      true,
	desync.MultipleContentLength:           true,
	desync.BadContentLength:                true,
	desync.MultipleTransferEncodingChunked: true,
	desync.BadMethod:                       true,
	desync.SpaceInUri:                      true,
}

// FuzzParseHead checks that the head parser never panics, and that a head
// it accepts is forwarded in a form that (1) parses again to the same
// request and (2) has none of the framing problems desync.Classify
// detects, whatever the original looked like.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.0\n\n",
		"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET /a b HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n: e\r\nno colon\r\nTransfer-Encoding : chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X\r\nX: y\r\nUpgrade: w\r\nExpect: 100-continue\r\n\r\n",
		"GET /\x01\x7f HTTP/1.1\r\nHost: a\r\nX: a\x00\rb\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		scan := 0
		end := findHeadEnd(in, &scan)
		if end < 0 {
			return
		}
		head := bytes.Clone(in[:end])
		var req request
		hdrs := make([]header, 0, 100)
		if parseRequest(head, &req, hdrs, 100) != stOK {
			return
		}
		out := appendRequest(nil, &req, &testFI)
		if v := desync.Classify(out); frameReasons[v.Reason] {
			t.Fatalf("forwarded head %q classified %v", out, v)
		}
		var again request
		if st := parseRequest(bytes.Clone(out), &again, make([]header, 0, 110), 110); st != stOK {
			t.Fatalf("forwarded head %q does not parse: %d", out, st)
		}
		if !bytes.Equal(req.method, again.method) || again.minor != 1 || again.framing != req.framing ||
			again.contentLength != req.contentLength && req.framing == bodyLength || again.upgrade != req.upgrade {
			t.Fatalf("round trip changed the request:\n%q\n%q", head, out)
		}
		if !req.encodeTarget && !bytes.Equal(req.target, again.target) {
			t.Fatalf("round trip changed the target %q to %q", req.target, again.target)
		}
		// Every forwarded field is one of the original's.
		for _, h := range again.headers {
			if h.kind == hXForwardedFor || h.kind == hXForwardedProto || h.kind == hXForwardedPort || h.kind == hConnection || h.kind == hHost && req.hosts == 0 {
				continue
			}
			found := false
			for _, o := range req.headers {
				if bytes.Equal(o.name, h.name) && bytes.Equal(o.value, h.value) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("forwarded field %q: %q not in the original %q", h.name, h.value, head)
			}
		}
		// And the response rewriting of the same fields does not panic.
		resp := response{message: req.message, statusText: []byte("200 OK")}
		appendResponse(nil, &resp, respHead{keep: true, minor: req.minor})
	})
}

// FuzzChunked checks the chunk scanner against net/http/httputil's chunked
// reader: what the scanner accepts, Go decodes to the same data.
func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"0\r\n\r\n",
		"3\r\nabc\r\n0\r\n\r\n",
		"3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n",
		"3\nabc\n0\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var s chunkScanner
		var data []byte
		n := 0
		for n < len(in) && !s.done() {
			k, isData, err := s.next(in[n:])
			if err != nil {
				return
			}
			if isData {
				data = append(data, in[n:n+k]...)
			}
			n += k
		}
		if !s.done() {
			return
		}
		got, err := io.ReadAll(httputil.NewChunkedReader(bufio.NewReader(bytes.NewReader(in[:n]))))
		if err != nil {
			if strings.Contains(err.Error(), "too much non-data") {
				return // Go's defence against extension-heavy bodies
			}
			t.Fatalf("scanner accepted %q (data %q), Go: %v", in[:n], data, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("scanner data %q, Go data %q for %q", data, got, in[:n])
		}
	})
}

var benchHead = []byte("GET /api/v1/items?id=12345 HTTP/1.1\r\n" +
	"Host: example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=abcdef0123456789; theme=dark\r\n" +
	"X-Forwarded-For: 203.0.113.9\r\n" +
	"\r\n")

func BenchmarkParseHead(b *testing.B) {
	hdrs := make([]header, 0, 100)
	buf := make([]byte, len(benchHead))
	var req request
	b.SetBytes(int64(len(benchHead)))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, benchHead)
		scan := 0
		end := findHeadEnd(buf, &scan)
		if parseRequest(buf[:end], &req, hdrs, 100) != stOK {
			b.Fatal("parse failed")
		}
	}
}

func BenchmarkClassifyAndParseHead(b *testing.B) {
	hdrs := make([]header, 0, 100)
	buf := make([]byte, len(benchHead))
	var req request
	b.SetBytes(int64(len(benchHead)))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, benchHead)
		scan := 0
		end := findHeadEnd(buf, &scan)
		desync.Classify(buf[:end])
		parseRequest(buf[:end], &req, hdrs, 100)
	}
}

func BenchmarkRewriteHead(b *testing.B) {
	var req request
	head := bytes.Clone(benchHead)
	if parseRequest(head, &req, make([]header, 0, 100), 100) != stOK {
		b.Fatal("parse failed")
	}
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out = appendRequest(out[:0], &req, &testFI)
	}
	b.SetBytes(int64(len(out)))
}

func BenchmarkRewriteResponseHead(b *testing.B) {
	var resp response
	head := []byte("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 24 Nov 2026 05:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n")
	if !parseResponse(head, &resp, make([]header, 0, 100), 100) {
		b.Fatal("parse failed")
	}
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out = appendResponse(out[:0], &resp, respHead{keep: true, minor: 1})
	}
}
