package httpproxy

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/desync"
)

func TestForwardedHeaders(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{Scheme: "https", Port: 8443}, Options{}, be.b)
	rc := h.dial(t)
	r := rc.roundTrip("GET /path?q=1 HTTP/1.1\r\n" +
		"Host: example.com\r\n" +
		"X-Forwarded-For: 203.0.113.7\r\n" +
		"X-Forwarded-For: 198.51.100.1\r\n" +
		"X-Forwarded-Proto: gopher\r\n" +
		"X-Forwarded-Port: 1\r\n" +
		"Connection: keep-alive, X-Hop\r\n" +
		"X-Hop: secret\r\n" +
		"Keep-Alive: timeout=5\r\n" +
		"Proxy-Connection: keep-alive\r\n" +
		"TE: trailers\r\n" +
		"Trailer: X-T\r\n" +
		"Upgrade: websocket\r\n" +
		"Proxy-Authorization: Basic Zm9vOmJhcg==\r\n" +
		"X-End: kept\r\n" +
		"\r\n")
	if r.StatusCode != 200 || string(r.body) != "ok" {
		t.Fatalf("response %d %q, want 200 ok", r.StatusCode, r.body)
	}
	got := be.last(t).req
	if got.Method != "GET" || got.RequestURI != "/path?q=1" || got.Proto != "HTTP/1.1" || got.Host != "example.com" {
		t.Errorf("back end got %s %s %s Host %q, want GET /path?q=1 HTTP/1.1 Host example.com", got.Method, got.RequestURI, got.Proto, got.Host)
	}
	want := map[string]string{
		"X-Forwarded-For":     "203.0.113.7, 198.51.100.1, 127.0.0.1",
		"X-Forwarded-Proto":   "https",
		"X-Forwarded-Port":    "8443",
		"Proxy-Authorization": "Basic Zm9vOmJhcg==",
		"X-End":               "kept",
	}
	for k, v := range want {
		if vs := got.Header.Values(k); len(vs) != 1 || vs[0] != v {
			t.Errorf("back end got %s = %q, want [%q]", k, vs, v)
		}
	}
	for _, k := range []string{"Connection", "X-Hop", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Upgrade"} {
		if vs := got.Header.Values(k); len(vs) != 0 {
			t.Errorf("back end got hop-by-hop %s = %q, want it removed", k, vs)
		}
	}
	if r.Header.Get("Connection") != "" {
		t.Errorf("response to a keep-alive HTTP/1.1 client has Connection: %q", r.Header.Get("Connection"))
	}

	// Without an X-Forwarded-For the proxy creates one.
	rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if xff := be.last(t).req.Header.Values("X-Forwarded-For"); len(xff) != 1 || xff[0] != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want [127.0.0.1]", xff)
	}
}

func TestForwardedHeadersIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	be := newBackend(t, okHandler)
	p := New(Options{})
	defer p.CloseIdle()
	ln, err = net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cands := []*balance.Backend{be.b}
	cfg := &Config{Candidates: func() []*balance.Backend { return cands }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.ServeConn(t.Context(), c, func() *Config { return cfg })
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rc := &rawClient{t: t, c: c, br: bufio.NewReader(c)}
	rc.roundTrip("GET / HTTP/1.0\r\n\r\n")
	got := be.last(t).req
	if xff := got.Header.Get("X-Forwarded-For"); xff != "::1" {
		t.Errorf("X-Forwarded-For = %q, want ::1 (no brackets)", xff)
	}
	if got.Host != "[::1]" {
		t.Errorf("Host added for HTTP/1.0 = %q, want [::1]", got.Host)
	}
	c.Close()
	<-done
}

func TestHTTP10(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{}, Options{}, be.b)

	// No Host: the listener's IP is added; no keep-alive: closed.
	rc := h.dial(t)
	r := rc.roundTrip("GET /old HTTP/1.0\r\n\r\n")
	if r.StatusCode != 200 {
		t.Fatalf("status %d, want 200", r.StatusCode)
	}
	got := be.last(t).req
	if got.Host != "127.0.0.1" || got.Proto != "HTTP/1.1" {
		t.Errorf("back end got Host %q over %s, want 127.0.0.1 over HTTP/1.1", got.Host, got.Proto)
	}
	if !r.Close {
		t.Errorf("response to HTTP/1.0 without keep-alive lacks Connection: close")
	}
	rc.expectClosed()

	// Connection: keep-alive keeps it, and says so.
	rc = h.dial(t)
	for i := range 3 {
		r = rc.roundTrip("GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n")
		if r.StatusCode != 200 || r.Header.Get("Connection") != "keep-alive" {
			t.Fatalf("request %d: status %d Connection %q, want 200 keep-alive", i, r.StatusCode, r.Header.Get("Connection"))
		}
	}
	if got := be.last(t).req.Host; got != "h" {
		t.Errorf("Host = %q, want the client's h", got)
	}

	// HTTP/1.1 without Host is malformed.
	rc = h.dial(t)
	if r := rc.roundTrip("GET / HTTP/1.1\r\n\r\n"); r.StatusCode != 400 {
		t.Errorf("HTTP/1.1 without Host: status %d, want 400", r.StatusCode)
	}
	rc.expectClosed()
}

func TestExpectContinue(t *testing.T) {
	be := newBackend(t, func(w *bufio.Writer, r *http.Request, body []byte) bool {
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		return true
	})
	h := newHarness(t, Config{}, Options{}, be.b)
	rc := h.dial(t)
	rc.send("PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
	// The 100 must come before any body byte is sent.
	line, err := rc.br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q (%v), want HTTP/1.1 100 Continue", line, err)
	}
	if line, _ = rc.br.ReadString('\n'); line != "\r\n" {
		t.Fatalf("100 Continue not followed by an empty line: %q", line)
	}
	rc.send("hello world")
	r := rc.read("PUT")
	if r.StatusCode != 200 || string(r.body) != "hello world" {
		t.Fatalf("response %d %q, want 200 echo", r.StatusCode, r.body)
	}
	if got := be.last(t).req.Header.Values("Expect"); len(got) != 0 {
		t.Errorf("back end got Expect %q, want it removed", got)
	}
	rc.expectOpen()
}

func TestKeepAliveReuse(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{}, Options{}, be.b)
	client := h.httpClient(t)
	const n = 20
	for i := range n {
		resp, err := client.Get(h.url(fmt.Sprintf("/r%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	seen := be.requests()
	if len(seen) != n {
		t.Fatalf("back end saw %d requests, want %d", len(seen), n)
	}
	for i, s := range seen {
		if s.conn != 1 {
			t.Errorf("request %d on back-end connection %d, want all on connection 1", i, s.conn)
		}
	}
	if got := be.accepted.Load(); got != 1 {
		t.Errorf("back end accepted %d connections, want 1", got)
	}
	// The connection goes back to the pool just after the response.
	waitFor(t, "one pooled connection", func() bool { return h.p.idleConns(be.b) == 1 })
}

func TestPipelining(t *testing.T) {
	be := newBackend(t, func(w *bufio.Writer, r *http.Request, body []byte) bool {
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(r.URL.Path), r.URL.Path)
		return true
	})
	h := newHarness(t, Config{}, Options{}, be.b)
	rc := h.dial(t)
	rc.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
		"\r\n" + // a stray CRLF between requests is ignored (RFC 9112 §2.2)
		"GET /third HTTP/1.1\r\nHost: a\r\n\r\n")
	for _, want := range []string{"/first", "/second", "/third"} {
		r := rc.read("GET")
		if r.StatusCode != 200 || string(r.body) != want {
			t.Fatalf("response %d %q, want 200 %q", r.StatusCode, r.body, want)
		}
	}
	if s := be.requests(); len(s) != 3 || string(s[1].body) != "abc" {
		t.Errorf("back end saw %d requests (second body %q), want 3 with abc", len(s), s[1].body)
	}
}

// patternReader produces n pseudo-random bytes in irregular read sizes.
type patternReader struct {
	r *rand.Rand
	n int
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n == 0 {
		return 0, io.EOF
	}
	k := min(len(b), p.n, 1+p.r.IntN(70000))
	for i := range b[:k] {
		b[i] = byte(p.r.Uint32())
	}
	p.n -= k
	return k, nil
}

func TestChunkedStreamingEcho(t *testing.T) {
	// A net/http echo server streams the body back while reading it:
	// with a proxy that sent the whole request before reading the
	// response, this would deadlock once the socket buffers filled.
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without full duplex net/http stops reading the request
		// body once the response starts.
		http.NewResponseController(w).EnableFullDuplex()
		io.Copy(w, r.Body)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	b := balance.NewBackend("i-echo", "z", addrOf(ln))
	b.SetHealthy(true)
	h := newHarness(t, Config{}, Options{}, b)
	client := h.httpClient(t)

	for _, size := range []int{0, 1, 100 << 10, 6 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			src := &patternReader{r: rand.New(rand.NewPCG(uint64(size), 1)), n: size}
			want := sha256.New()
			// An io.Reader of unknown length: net/http sends it chunked.
			req, _ := http.NewRequest("POST", h.url("/echo"), io.TeeReader(io.NopCloser(src), want))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got := sha256.New()
			n, err := io.Copy(got, resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(size) || string(got.Sum(nil)) != string(want.Sum(nil)) {
				t.Fatalf("echoed %d bytes (checksum match %v), want %d", n, string(got.Sum(nil)) == string(want.Sum(nil)), size)
			}
		})
	}
	recs := h.records()
	last := recs[len(recs)-1]
	if last.ReceivedBytes < 6<<20 || last.SentBytes < 6<<20 {
		t.Errorf("record counts received %d sent %d bytes, want ≥ 6 MiB each (framing included)", last.ReceivedBytes, last.SentBytes)
	}
}

func TestLargeUploadBoundedMemory(t *testing.T) {
	const size = 64 << 20
	sums := make(chan string, 1)
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		hsh := sha256.New()
		n, err := io.Copy(hsh, r.Body)
		sum := fmt.Sprintf("%x %d %v", hsh.Sum(nil), n, err)
		sums <- sum
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(sum), sum)
		return true
	}
	h := newHarness(t, Config{}, Options{}, be.b)
	client := h.httpClient(t)
	src := &patternReader{r: rand.New(rand.NewPCG(7, 7)), n: size}
	want := sha256.New()
	req, _ := http.NewRequest("POST", h.url("/upload"), io.TeeReader(io.NopCloser(src), want))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	var peak uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
		}
	}()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&after)
	if wantSum := fmt.Sprintf("%x %d <nil>", want.Sum(nil), size); string(body) != wantSum || <-sums != wantSum {
		t.Fatalf("back end hashed %q, want %q", body, wantSum)
	}
	// The body passes through a few 32 KiB buffers; whole-body buffering
	// would show as ≥ 64 MiB in use.
	if grew := int64(peak) - int64(before.HeapInuse); grew > 16<<20 {
		t.Errorf("heap in use grew by %d MiB while streaming 64 MiB", grew>>20)
	}
	t.Logf("64 MiB upload: heap in use %d MiB before, peak %d MiB; %d MiB allocated in total (client, back end and proxy)",
		before.HeapInuse>>20, peak>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
}

func TestResponseFraming(t *testing.T) {
	be := newBackend(t, func(w *bufio.Writer, r *http.Request, body []byte) bool {
		switch r.URL.Path {
		case "/chunked":
			io.WriteString(w, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6; ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
		case "/eof":
			io.WriteString(w, "HTTP/1.0 200 OK\r\n\r\nuntil close")
			return false
		case "/head":
			io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
		case "/204":
			io.WriteString(w, "HTTP/1.1 204 No Content\r\n\r\n")
		case "/304":
			io.WriteString(w, "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n")
		case "/close":
			io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			return false
		case "/103":
			io.WriteString(w, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		default:
			return okHandler(w, r, body)
		}
		return true
	})
	h := newHarness(t, Config{}, Options{}, be.b)

	t.Run("chunked to HTTP/1.1 passes through", func(t *testing.T) {
		rc := h.dial(t)
		r := rc.roundTrip("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n")
		if string(r.body) != "hello world" || len(r.TransferEncoding) != 1 || r.Trailer.Get("X-Trailer") != "t" {
			t.Errorf("body %q TE %v trailer %v, want hello world, chunked, X-Trailer", r.body, r.TransferEncoding, r.Trailer)
		}
		rc.expectOpen()
	})
	t.Run("chunked to HTTP/1.0 is de-chunked", func(t *testing.T) {
		rc := h.dial(t)
		r := rc.roundTrip("GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		if string(r.body) != "hello world" || len(r.TransferEncoding) != 0 || !r.Close {
			t.Errorf("body %q TE %v close %v, want hello world, no TE, Connection: close", r.body, r.TransferEncoding, r.Close)
		}
		rc.expectClosed()
	})
	t.Run("until close", func(t *testing.T) {
		rc := h.dial(t)
		r := rc.roundTrip("GET /eof HTTP/1.1\r\nHost: a\r\n\r\n")
		if string(r.body) != "until close" || !r.Close {
			t.Errorf("body %q close %v, want until close and Connection: close", r.body, r.Close)
		}
		rc.expectClosed()
	})
	t.Run("HEAD", func(t *testing.T) {
		rc := h.dial(t)
		r := rc.roundTrip("HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n")
		if r.StatusCode != 200 || r.ContentLength != 1000 || len(r.body) != 0 {
			t.Errorf("HEAD: %d CL %d body %d bytes, want 200 CL 1000 no body", r.StatusCode, r.ContentLength, len(r.body))
		}
		rc.expectOpen()
	})
	t.Run("204 and 304", func(t *testing.T) {
		rc := h.dial(t)
		if r := rc.roundTrip("GET /204 HTTP/1.1\r\nHost: a\r\n\r\n"); r.StatusCode != 204 {
			t.Errorf("status %d, want 204", r.StatusCode)
		}
		if r := rc.roundTrip("GET /304 HTTP/1.1\r\nHost: a\r\n\r\n"); r.StatusCode != 304 {
			t.Errorf("status %d, want 304", r.StatusCode)
		}
		rc.expectOpen()
	})
	t.Run("back end closes, client kept", func(t *testing.T) {
		rc := h.dial(t)
		r := rc.roundTrip("GET /close HTTP/1.1\r\nHost: a\r\n\r\n")
		if r.StatusCode != 200 || r.Close {
			t.Errorf("status %d close %v, want 200 without Connection: close", r.StatusCode, r.Close)
		}
		rc.expectOpen()
	})
	t.Run("interim responses", func(t *testing.T) {
		rc := h.dial(t)
		rc.send("GET /103 HTTP/1.1\r\nHost: a\r\n\r\n")
		r := rc.read("GET")
		if r.StatusCode != 103 || r.Header.Get("Link") != "</s.css>" {
			t.Fatalf("first response %d %v, want 103 with Link", r.StatusCode, r.Header)
		}
		// The back end's 100 is absorbed.
		if r = rc.read("GET"); r.StatusCode != 200 || string(r.body) != "ok" {
			t.Fatalf("final response %d %q, want 200 ok", r.StatusCode, r.body)
		}
		rc.expectOpen()
	})
}

func TestChunkedRequestValidation(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{}, Options{}, be.b)
	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"valid", "3\r\nabc\r\n0\r\n\r\n", 200},
		{"extension and trailer", "3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n", 200},
		{"bare LF", "3\nabc\n0\n\n", 400},
		{"bad size", "zz\r\nabc\r\n0\r\n\r\n", 400},
		{"data longer than size", "2\r\nabc\r\n0\r\n\r\n", 400},
		{"huge size", "ffffffffffffffffff\r\n", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc := h.dial(t)
			r := rc.roundTrip("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + tt.body)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			if tt.status == 400 {
				rc.expectClosed()
			}
		})
	}
	// A malformed chunk arriving after the request was sent (the body is
	// streamed) cuts the back-end connection: the back end never gets a
	// complete request.
	before := len(be.requests())
	rc := h.dial(t)
	rc.send("POST /streamed HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	rc.send("3\r\nabc\r\n3\nxyz\r\n0\r\n\r\n")
	if r := rc.read("POST"); r.StatusCode != 400 {
		t.Errorf("streamed malformed chunk: status %d, want 400", r.StatusCode)
	}
	rc.expectClosed()
	if after := len(be.requests()); after != before {
		t.Errorf("back end completed %d requests with a malformed body", after-before)
	}
}

func TestGeneratedErrors(t *testing.T) {
	good := newBackend(t, okHandler)
	garbage := newBackend(t, func(w *bufio.Writer, r *http.Request, body []byte) bool {
		io.WriteString(w, "HELLO\r\n\r\n")
		return true
	})
	silent := newBackend(t, nil)
	silent.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		io.Copy(io.Discard, c) // never answers
		return false
	}
	closer := newBackend(t, nil)
	closer.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool { return false }

	tests := []struct {
		name    string
		backend *balance.Backend // nil: no candidates
		req     string
		status  int
		closed  bool
	}{
		{"malformed request line", good.b, "GET\r\n\r\n", 400, true},
		{"no Host in HTTP/1.1", good.b, "GET / HTTP/1.1\r\n\r\n", 400, true},
		{"CONNECT", good.b, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400, true},
		{"bad Content-Length", good.b, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400, true},
		{"HTTP/0.9", good.b, "GET /\r\n\r\n", 400, true},
		{"HTTP/2 preface", good.b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, true},
		{"head too large", good.b, "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 400, true},
		{"too many headers", good.b, "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", 101) + "\r\n", 400, true},
		{"method of 128 bytes", good.b, strings.Repeat("M", 128) + " / HTTP/1.1\r\nHost: a\r\n\r\n", 405, true},
		{"method of 127 bytes", good.b, strings.Repeat("M", 127) + " / HTTP/1.1\r\nHost: a\r\n\r\n", 200, false},
		{"unparseable response", garbage.b, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 502, false},
		{"connection refused", deadBackend(t), "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 502, false},
		{"no candidates", nil, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 503, false},
		{"no candidates, body unread", nil, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n", 503, true},
		{"no response in idle timeout", silent.b, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 504, false},
		{"back end closes without answering", closer.b, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 504, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{IdleTimeout: 300 * time.Millisecond}
			var backends []*balance.Backend
			if tt.backend != nil {
				backends = append(backends, tt.backend, good.b)
				cfg.Candidates = func() []*balance.Backend { return backends[:1] }
			} else {
				cfg.Candidates = func() []*balance.Backend { return nil }
			}
			h := newHarness(t, cfg, Options{}, backends...)
			rc := h.dial(t)
			rc.send(tt.req)
			method, _, _ := strings.Cut(tt.req, " ")
			r := rc.read(method)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			if tt.status != 200 {
				if ct := r.Header.Get("Content-Type"); ct != "text/html" || !strings.Contains(string(r.body), fmt.Sprint(tt.status)) {
					t.Errorf("generated response: Content-Type %q body %q, want a small HTML page", ct, r.body)
				}
				if r.Close != tt.closed {
					t.Errorf("Connection: close = %v, want %v", r.Close, tt.closed)
				}
			}
			if tt.closed {
				rc.expectClosed()
			} else {
				cfg.Candidates = func() []*balance.Backend { return []*balance.Backend{good.b} }
				h.cfg.Store(&cfg)
				rc.expectOpen()
			}
			recs := h.waitRecords(t, 1)
			if got := recs[0]; got.ELBStatusCode != tt.status || (tt.status >= 500 && got.BackendStatusCode != 0) {
				t.Errorf("record: ELB status %d back-end status %d, want %d and none", got.ELBStatusCode, got.BackendStatusCode, tt.status)
			}
		})
	}
}

func TestRequestTimeout(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{IdleTimeout: 200 * time.Millisecond}, Options{}, be.b)

	// A head that does not arrive in full within the idle timeout: 408.
	rc := h.dial(t)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n")
	start := time.Now()
	if r := rc.read("GET"); r.StatusCode != 408 || !r.Close {
		t.Fatalf("status %d close %v, want 408 with Connection: close", r.StatusCode, r.Close)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("408 after %v, want about the 200 ms idle timeout", d)
	}
	rc.expectClosed()

	// A slow-header client trickling bytes is cut off by the head
	// timeout even though no single gap reaches the idle timeout.
	h2 := newHarness(t, Config{IdleTimeout: time.Second}, Options{HeadTimeout: 300 * time.Millisecond}, be.b)
	rc = h2.dial(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range "GET / HTTP/1.1\r\nHost: a\r\n" {
			if _, err := rc.c.Write([]byte{byte(c)}); err != nil {
				return
			}
			time.Sleep(30 * time.Millisecond)
		}
	}()
	if r := rc.read("GET"); r.StatusCode != 408 {
		t.Errorf("slow head: status %d, want 408", r.StatusCode)
	}
	<-done

	// An idle keep-alive connection is closed without a response.
	rc = h.dial(t)
	rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	rc.expectClosed()
}

func TestStalePooledConnectionRetried(t *testing.T) {
	closed := make(chan struct{}, 100)
	be := newBackend(t, nil)
	// The back end answers without Connection: close, then closes the
	// connection: the pooled connection is dead when the next request
	// takes it.
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		w.Flush()
		c.Close()
		closed <- struct{}{}
		return false
	}
	h := newHarness(t, Config{}, Options{}, be.b)
	rc := h.dial(t)
	reqs := []string{
		"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",                           // idempotent: retried
		"POST /3 HTTP/1.1\r\nHost: a\r\n\r\n",                          // no body: retried
		"POST /4 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody", // body: peeked first
		"PUT /5 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n",
	}
	for i, req := range reqs {
		r := rc.roundTrip(req)
		if r.StatusCode != 200 {
			t.Fatalf("request %d: status %d, want 200", i+1, r.StatusCode)
		}
		<-closed
		time.Sleep(5 * time.Millisecond) // let the FIN arrive
	}
	recs := h.waitRecords(t, len(reqs))
	retries := 0
	for _, r := range recs {
		retries += r.Retries
		if r.ConnectErrors != 0 {
			t.Errorf("%s: ConnectErrors = %d: a stale pooled connection is not a connection error", r.URL, r.ConnectErrors)
		}
	}
	if retries == 0 {
		t.Errorf("no retries recorded; the stale connections were not reused")
	}
	if got := be.accepted.Load(); got != int32(len(reqs)) {
		t.Errorf("back end accepted %d connections, want %d", got, len(reqs))
	}
}

func TestConnectRefusedTriesAnotherBackend(t *testing.T) {
	be := newBackend(t, okHandler)
	dead := deadBackend(t)
	h := newHarness(t, Config{}, Options{}, dead, be.b)
	rc := h.dial(t)
	for i := range 20 {
		if r := rc.roundTrip("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx"); r.StatusCode != 200 {
			t.Fatalf("request %d: status %d, want 200", i, r.StatusCode)
		}
	}
	retried := 0
	for _, r := range h.waitRecords(t, 20) {
		if r.Backend != be.b {
			t.Errorf("record names back end %v, want the live one", r.Backend.ID)
		}
		retried += r.Retries
		if r.ConnectErrors != r.Retries {
			t.Errorf("ConnectErrors = %d, Retries = %d: each retry follows a refused connect", r.ConnectErrors, r.Retries)
		}
	}
	if retried == 0 {
		t.Errorf("the dead back end was never tried first (no retries in 20 requests)")
	}
	if dead.Outstanding() != 0 || be.b.Outstanding() != 0 {
		t.Errorf("outstanding after the requests: dead %d live %d, want 0 0", dead.Outstanding(), be.b.Outstanding())
	}
}

func TestUpgradeTunnel(t *testing.T) {
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		if r.Header.Get("Upgrade") != "echo" || r.Header.Get("Connection") != "Upgrade" {
			io.WriteString(w, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
			return true
		}
		io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhi ")
		w.Flush()
		io.Copy(c, c)
		return false
	}
	h := newHarness(t, Config{}, Options{}, be.b)
	rc := h.dial(t)
	rc.send("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: echo\r\n\r\nearly ")
	r, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 101 || r.Header.Get("Upgrade") != "echo" || r.Header.Get("Connection") != "Upgrade" {
		t.Fatalf("response %d %v, want 101 with Upgrade: echo", r.StatusCode, r.Header)
	}
	rc.send("hello")
	rc.c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(rc.br)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hi early hello" {
		t.Errorf("through the tunnel: %q, want %q", got, "hi early hello")
	}
	if rec := h.waitRecords(t, 1)[0]; rec.ELBStatusCode != 101 || rec.BackendStatusCode != 101 {
		t.Errorf("record statuses %d/%d, want 101/101", rec.ELBStatusCode, rec.BackendStatusCode)
	}
}

func TestTunnelIdleTimeout(t *testing.T) {
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		w.Flush()
		io.Copy(io.Discard, c)
		return false
	}
	h := newHarness(t, Config{IdleTimeout: 200 * time.Millisecond}, Options{}, be.b)
	rc := h.dial(t)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
	if r, err := http.ReadResponse(rc.br, nil); err != nil || r.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", r, err)
	}
	// Keep one direction busy for longer than the idle timeout: the
	// tunnel stays up.
	for range 6 {
		time.Sleep(80 * time.Millisecond)
		rc.send("x")
	}
	start := time.Now()
	rc.expectClosed()
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("tunnel closed %v after the last byte, want about the 200 ms idle timeout", d)
	}
}

func TestDesyncModes(t *testing.T) {
	type outcome int
	const (
		keep      outcome = iota // forwarded, both connections kept
		thenClose                // forwarded, then both closed
		blocked                  // 400 and closed, not forwarded
	)
	cases := []struct {
		class desync.Class
		req   string
		want  [3]outcome // monitor, defensive, strictest
	}{
		{desync.Compliant, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", [3]outcome{keep, keep, keep}},
		{desync.Acceptable, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", [3]outcome{keep, keep, blocked}},
		{desync.Ambiguous, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", [3]outcome{keep, thenClose, blocked}},
		{desync.Severe, "GET / HTTP/1.1\r\nHost: a\r\nX-Bad: a\x00b\r\n\r\n", [3]outcome{keep, blocked, blocked}},
	}
	modes := []desync.Mode{desync.Monitor, desync.Defensive, desync.Strictest}
	for _, tc := range cases {
		for i, mode := range modes {
			t.Run(tc.class.String()+"/"+mode.String(), func(t *testing.T) {
				be := newBackend(t, okHandler)
				h := newHarness(t, Config{DesyncMode: mode}, Options{}, be.b)
				rc := h.dial(t)
				r := rc.roundTrip(tc.req)
				rec := h.waitRecords(t, 1)[0]
				if rec.Desync.Class != tc.class {
					t.Fatalf("recorded class %v, want %v", rec.Desync, tc.class)
				}
				switch tc.want[i] {
				case keep, thenClose:
					if r.StatusCode != 200 || len(be.requests()) != 1 {
						t.Fatalf("status %d, back end saw %d requests; want 200 and forwarded", r.StatusCode, len(be.requests()))
					}
				case blocked:
					if r.StatusCode != 400 || len(be.requests()) != 0 {
						t.Fatalf("status %d, back end saw %d requests; want 400 and not forwarded", r.StatusCode, len(be.requests()))
					}
				}
				switch tc.want[i] {
				case keep:
					rc.expectOpen()
					if got := be.accepted.Load(); got != 1 {
						t.Errorf("back end accepted %d connections, want 1 (reused)", got)
					}
				case thenClose, blocked:
					if !r.Close {
						t.Errorf("response lacks Connection: close")
					}
					rc.expectClosed()
				}
				if tc.want[i] == thenClose {
					// The back-end connection was closed too: the
					// next request needs a new one.
					rc := h.dial(t)
					rc.expectOpen()
					if got := be.accepted.Load(); got != 2 {
						t.Errorf("back end accepted %d connections, want 2 (first one closed)", got)
					}
				}
				if tc.class == desync.Severe && mode == desync.Monitor {
					if v := be.requests()[0].req.Header.Get("X-Bad"); v != "a b" {
						t.Errorf("forwarded X-Bad = %q, want the NUL replaced by a space", v)
					}
				}
			})
		}
	}
}

func TestSmugglingAttemptsNotForwardedAmbiguously(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{DesyncMode: desync.Monitor}, Options{}, be.b)
	// Even in monitor mode the back end never sees both framings, a
	// folded or whitespace-padded Transfer-Encoding, or bare-LF lines.
	rc := h.dial(t)
	r := rc.roundTrip("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
	if r.StatusCode != 200 || !r.Close {
		t.Fatalf("TE+CL: status %d close %v, want 200 and Connection: close", r.StatusCode, r.Close)
	}
	got := be.last(t).req
	if got.Header.Get("Content-Length") != "" || len(got.TransferEncoding) != 1 {
		t.Errorf("TE+CL forwarded as CL %q TE %v, want chunked only", got.Header.Get("Content-Length"), got.TransferEncoding)
	}
	rc.expectClosed()

	rc = h.dial(t)
	r = rc.roundTrip("GET /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nX-Folded: a\r\n  b\r\n\r\n")
	if r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	got = be.last(t).req
	if len(got.TransferEncoding) != 0 || got.Header.Get("X-Folded") != "a    b" {
		t.Errorf("forwarded TE %v X-Folded %q, want no TE and the fold replaced by spaces", got.TransferEncoding, got.Header.Get("X-Folded"))
	}
	rc.expectOpen()

	rc = h.dial(t)
	if r := rc.roundTrip("GET /c d HTTP/1.1\nHost: a\n\n"); r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	if got := be.last(t).req.RequestURI; got != "/c%20d" {
		t.Errorf("forwarded target %q, want the space percent-encoded", got)
	}
}

func TestGracefulCancel(t *testing.T) {
	release := make(chan struct{})
	be := newBackend(t, func(w *bufio.Writer, r *http.Request, body []byte) bool {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return true
	})
	h := newHarness(t, Config{}, Options{}, be.b)
	idle := h.dial(t)
	idle.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	busy := h.dial(t)
	busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	for len(be.requests()) < 2 {
		time.Sleep(time.Millisecond)
	}
	h.cancel()
	// The idle connection is closed at once, the busy one after its
	// response, which says so.
	idle.expectClosed()
	close(release)
	r := busy.read("GET")
	if r.StatusCode != 200 || !r.Close {
		t.Errorf("in-flight response %d close %v, want 200 with Connection: close", r.StatusCode, r.Close)
	}
	busy.expectClosed()
}

func TestIdleBackendConnsReaped(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{IdleTimeout: 50 * time.Millisecond}, Options{}, be.b)
	rc := h.dial(t)
	rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	waitFor(t, "one pooled connection", func() bool { return h.p.idleConns(be.b) == 1 })
	deadline := time.Now().Add(3 * time.Second)
	for h.p.idleConns(be.b) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("idle back-end connection not closed after its idle timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.p.reapMu.Lock()
	armed := h.p.reapArmed.Load()
	h.p.reapMu.Unlock()
	if armed {
		t.Errorf("reaper still armed with nothing idle")
	}
}

func TestMaxIdlePerBackend(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{}, Options{MaxIdlePerBackend: 2}, be.b)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 6 {
		rc := h.dial(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rc.c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
			http.ReadResponse(rc.br, nil)
		}()
	}
	close(start)
	wg.Wait()
	if n := h.p.idleConns(be.b); n > 2 {
		t.Errorf("idle conns %d, want at most 2", n)
	}
	h.p.CloseIdle()
	if n := h.p.idleConns(be.b); n != 0 {
		t.Errorf("after CloseIdle: %d idle conns", n)
	}
}

func TestRecord(t *testing.T) {
	be := newBackend(t, func(w *bufio.Writer, r *http.Request, body []byte) bool {
		io.WriteString(w, "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello")
		return true
	})
	h := newHarness(t, Config{}, Options{}, be.b)
	rc := h.dial(t)
	rc.roundTrip("POST /x?y HTTP/1.1\r\nHost: a\r\nUser-Agent: ua/1\r\nContent-Length: 3\r\n\r\nabc")
	rec := h.waitRecords(t, 1)[0]
	if string(rec.Method) != "POST" || string(rec.URL) != "/x?y" || string(rec.Proto) != "HTTP/1.1" || string(rec.UserAgent) != "ua/1" {
		t.Errorf("record request %q %q %q %q", rec.Method, rec.URL, rec.Proto, rec.UserAgent)
	}
	if rec.ELBStatusCode != 201 || rec.BackendStatusCode != 201 || rec.ReceivedBytes != 3 || rec.SentBytes != 5 {
		t.Errorf("record statuses %d/%d bytes %d/%d, want 201/201 3/5", rec.ELBStatusCode, rec.BackendStatusCode, rec.ReceivedBytes, rec.SentBytes)
	}
	if rec.Backend != be.b || rec.Client.Addr().String() != "127.0.0.1" {
		t.Errorf("record back end %v client %v", rec.Backend, rec.Client)
	}
	if rec.RequestProcessingTime < 0 || rec.BackendProcessingTime < 0 || rec.ResponseProcessingTime < 0 || rec.Time.IsZero() {
		t.Errorf("record times %v %v %v at %v", rec.RequestProcessingTime, rec.BackendProcessingTime, rec.ResponseProcessingTime, rec.Time)
	}
	if rec.Desync.Class != desync.Compliant {
		t.Errorf("record desync %v", rec.Desync)
	}
}

func TestNoGoroutinesLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		be := newBackend(t, okHandler)
		p := New(Options{})
		cands := []*balance.Backend{be.b}
		cfg := &Config{Candidates: func() []*balance.Backend { return cands }}
		for range 3 {
			c1, c2 := net.Pipe()
			done := make(chan struct{})
			go func() { p.ServeConn(t.Context(), c2, func() *Config { return cfg }); close(done) }()
			c1.Write([]byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"))
			go c1.Write([]byte("3\r\nabc\r\n0\r\n\r\n"))
			http.ReadResponse(bufio.NewReader(c1), nil)
			c1.Close()
			<-done
		}
		p.CloseIdle()
		be.close()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestEarlyResponseBodyDiscarded(t *testing.T) {
	release := make(chan struct{})
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		if r.URL.Path != "/big" {
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			return true
		}
		// Refuse at once, without reading the body, and keep the
		// connection open.
		io.WriteString(w, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n")
		w.Flush()
		<-release
		return false
	}
	t.Cleanup(func() { close(release) })
	h := newHarness(t, Config{}, Options{}, be.b)
	rc := h.dial(t)
	const size = 4 << 20
	rc.send(fmt.Sprintf("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", size))
	chunk := strings.Repeat("x", 64<<10)
	rc.send(chunk)
	if r := rc.read("POST"); r.StatusCode != 413 {
		t.Fatalf("status %d, want 413", r.StatusCode)
	}
	// The rest of the body still arrives; the proxy reads and drops it,
	// and the connection serves the next request.
	for sent := len(chunk); sent < size; sent += len(chunk) {
		rc.send(chunk)
	}
	r := rc.roundTrip("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
	if r.StatusCode != 200 {
		t.Fatalf("follow-up status %d, want 200", r.StatusCode)
	}
	if got := be.accepted.Load(); got != 2 {
		t.Errorf("back end accepted %d connections, want 2 (the one with a half-sent body is not reused)", got)
	}
	if rec := h.waitRecords(t, 1)[0]; rec.ELBStatusCode != 413 || rec.ReceivedBytes != size {
		t.Errorf("record status %d received %d, want 413 and %d", rec.ELBStatusCode, rec.ReceivedBytes, size)
	}
}

func TestBackendTLS(t *testing.T) {
	var conns sync.Map
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %v", r.Header.Get("X-Forwarded-Proto"), r.Proto, r.TLS != nil)
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Store(c, true)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	b := balance.NewBackend("i-tls", "z", addrOf(srv.Listener))
	b.SetHealthy(true)
	h := newHarness(t, Config{Scheme: "https", BackendTLS: &tls.Config{InsecureSkipVerify: true}}, Options{}, b)
	rc := h.dial(t)
	for range 3 {
		r := rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		if r.StatusCode != 200 || string(r.body) != "https HTTP/1.1 true" {
			t.Fatalf("response %d %q, want 200 \"https HTTP/1.1 true\"", r.StatusCode, r.body)
		}
	}
	n := 0
	conns.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("back end saw %d TLS connections, want 1 (pooled)", n)
	}
}

// TestSlowUploadIsNotIdle pins that a request body still streaming to the
// back end keeps the exchange alive past IdleTimeout: only the absence of
// traffic in both directions is idle.
func TestSlowUploadIsNotIdle(t *testing.T) {
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		n, err := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		if err != nil || n != 10 {
			t.Errorf("back end read %d bytes, %v", n, err)
		}
		return true
	}
	h := newHarness(t, Config{IdleTimeout: 300 * time.Millisecond}, Options{}, be.b)
	pr, pw := io.Pipe()
	go func() {
		// Ten bytes, one every 100 ms: 1 s in all, more than three idle
		// timeouts, but never 300 ms without traffic.
		for range 10 {
			time.Sleep(100 * time.Millisecond)
			pw.Write([]byte("x"))
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", h.url("/slow"), pr)
	req.ContentLength = 10
	resp, err := h.httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("slow upload = %d %q, want 200", resp.StatusCode, b)
	}
}
