package httpproxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
)

// testBackend is a back end for tests: a TCP server that reads requests
// with net/http's parser (so what it sees is what a Go back end would see),
// records them, and answers with handle.
type testBackend struct {
	t  *testing.T
	ln net.Listener
	b  *balance.Backend

	accepted atomic.Int32
	mu       sync.Mutex
	seen     []seenRequest
	conns    map[net.Conn]bool
	wg       sync.WaitGroup

	// handle answers one request; it returns false to close the
	// connection afterwards. The body has been read in full unless the
	// handler set streamBody.
	handle     func(w *bufio.Writer, r *http.Request, body []byte) bool
	streamBody func(c net.Conn, w *bufio.Writer, r *http.Request) bool
}

type seenRequest struct {
	req  *http.Request
	body []byte
	conn int32 // which accepted connection (1-based)
}

// okHandler answers 200 with body "ok".
func okHandler(w *bufio.Writer, r *http.Request, body []byte) bool {
	io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	return true
}

func newBackend(t *testing.T, handle func(w *bufio.Writer, r *http.Request, body []byte) bool) *testBackend {
	t.Helper()
	return newTLSBackend(t, nil, handle)
}

// newTLSBackend is newBackend serving HTTPS with conf, or HTTP if conf is
// nil.
func newTLSBackend(t *testing.T, conf *tls.Config, handle func(w *bufio.Writer, r *http.Request, body []byte) bool) *testBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if conf != nil {
		ln = tls.NewListener(ln, conf)
	}
	tb := &testBackend{t: t, ln: ln, handle: handle, conns: map[net.Conn]bool{}}
	tb.b = balance.NewBackend(fmt.Sprintf("i-%d", ln.Addr().(*net.TCPAddr).Port), "z", ln.Addr().(*net.TCPAddr).AddrPort())
	tb.b.SetHealthy(true)
	tb.wg.Add(1)
	go tb.serve()
	t.Cleanup(tb.close)
	return tb
}

func (tb *testBackend) serve() {
	defer tb.wg.Done()
	for {
		c, err := tb.ln.Accept()
		if err != nil {
			return
		}
		n := tb.accepted.Add(1)
		tb.mu.Lock()
		tb.conns[c] = true
		tb.mu.Unlock()
		tb.wg.Add(1)
		go func() {
			defer tb.wg.Done()
			defer func() {
				tb.mu.Lock()
				delete(tb.conns, c)
				tb.mu.Unlock()
				c.Close()
			}()
			br := bufio.NewReader(c)
			bw := bufio.NewWriter(c)
			for {
				r, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				if tb.streamBody != nil {
					tb.record(r, nil, n)
					keep := tb.streamBody(c, bw, r)
					if bw.Flush() != nil || !keep {
						return
					}
					continue
				}
				body, err := io.ReadAll(r.Body)
				if err != nil {
					return
				}
				tb.record(r, body, n)
				keep := tb.handle(bw, r, body)
				if bw.Flush() != nil || !keep {
					return
				}
			}
		}()
	}
}

func (tb *testBackend) record(r *http.Request, body []byte, conn int32) {
	tb.mu.Lock()
	tb.seen = append(tb.seen, seenRequest{req: r, body: body, conn: conn})
	tb.mu.Unlock()
}

func (tb *testBackend) requests() []seenRequest {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]seenRequest(nil), tb.seen...)
}

func (tb *testBackend) last(t *testing.T) seenRequest {
	t.Helper()
	s := tb.requests()
	if len(s) == 0 {
		t.Fatal("back end saw no request")
	}
	return s[len(s)-1]
}

func (tb *testBackend) close() {
	tb.ln.Close()
	tb.mu.Lock()
	for c := range tb.conns {
		c.Close()
	}
	tb.mu.Unlock()
	tb.wg.Wait()
}

// deadBackend returns a healthy Backend at an address where nothing
// listens.
func deadBackend(t *testing.T) *balance.Backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	ln.Close()
	b := balance.NewBackend("i-dead", "z", addr)
	b.SetHealthy(true)
	return b
}

// harness runs a Proxy behind a loopback listener.
type harness struct {
	t      *testing.T
	p      *Proxy
	ln     net.Listener
	addr   string
	cfg    atomic.Pointer[Config]
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	active atomic.Int32 // ServeConn calls running

	mu   sync.Mutex
	recs []Record

	// tls, when set, makes the listener serve TLS: ServeConn gets a
	// *tls.Conn, after its handshake unless lazy.
	tls  *tls.Config
	lazy bool
}

// newHarness serves cfg (Candidates defaulting to the given backends) with
// a Proxy built from opts.
func newHarness(t *testing.T, cfg Config, opts Options, backends ...*balance.Backend) *harness {
	t.Helper()
	return newTLSHarness(t, nil, false, cfg, opts, backends...)
}

// newTLSHarness is newHarness for an HTTPS listener with serverConf (HTTP
// if nil). Like the data plane, it completes the handshake before
// ServeConn, unless lazy.
func newTLSHarness(t *testing.T, serverConf *tls.Config, lazy bool, cfg Config, opts Options, backends ...*balance.Backend) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, p: New(opts), ln: ln, addr: ln.Addr().String(), tls: serverConf, lazy: lazy}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	if cfg.Candidates == nil {
		cands := append([]*balance.Backend(nil), backends...)
		cfg.Candidates = func() []*balance.Backend { return cands }
	}
	if cfg.OnRequest == nil {
		cfg.OnRequest = h.onRequest
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 5 * time.Second
	}
	h.cfg.Store(&cfg)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.wg.Add(1)
			h.active.Add(1)
			go func() {
				defer h.wg.Done()
				defer h.active.Add(-1)
				if h.tls != nil {
					tc := tls.Server(c, h.tls)
					if !h.lazy {
						tc.SetDeadline(time.Now().Add(5 * time.Second))
						if tc.Handshake() != nil {
							c.Close()
							return
						}
						tc.SetDeadline(time.Time{})
					}
					c = tc
				}
				h.p.ServeConn(h.ctx, c, h.cfg.Load)
			}()
		}
	}()
	t.Cleanup(h.close)
	return h
}

func (h *harness) close() {
	h.ln.Close()
	h.cancel()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		h.t.Errorf("ServeConn did not return within 10 s of cancellation")
	}
	h.p.CloseIdle()
}

func (h *harness) onRequest(r *Record) {
	c := *r
	c.Method = bytes.Clone(r.Method)
	c.URL = bytes.Clone(r.URL)
	c.Proto = bytes.Clone(r.Proto)
	c.UserAgent = bytes.Clone(r.UserAgent)
	c.Host = bytes.Clone(r.Host)
	h.mu.Lock()
	h.recs = append(h.recs, c)
	h.mu.Unlock()
}

func (h *harness) records() []Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Record(nil), h.recs...)
}

// waitRecords waits until n records have been reported.
func (h *harness) waitRecords(t *testing.T, n int) []Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if r := h.records(); len(r) >= n || time.Now().After(deadline) {
			if len(r) < n {
				t.Fatalf("got %d records, want %d", len(r), n)
			}
			return r
		}
		time.Sleep(time.Millisecond)
	}
}

// rawClient speaks raw bytes to the proxy.
type rawClient struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (h *harness) dial(t *testing.T) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawClient{t: t, c: c, br: bufio.NewReader(c)}
}

// dialTLS connects to an HTTPS harness with conf and completes the
// handshake.
func (h *harness) dialTLS(t *testing.T, conf *tls.Config) *rawClient {
	t.Helper()
	rc := h.dial(t)
	tc := tls.Client(rc.c, conf)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake with the proxy: %v", err)
	}
	rc.c, rc.br = tc, bufio.NewReader(tc)
	return rc
}

func (rc *rawClient) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// rawResponse is a response read by a rawClient, body included.
type rawResponse struct {
	*http.Response
	body []byte
}

// read reads one response; method is the request's (HEAD responses have
// no body).
func (rc *rawClient) read(method string) rawResponse {
	rc.t.Helper()
	resp, err := http.ReadResponse(rc.br, &http.Request{Method: method})
	if err != nil {
		rc.t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rc.t.Fatalf("reading response body: %v", err)
	}
	return rawResponse{Response: resp, body: body}
}

// roundTrip sends a request and reads its response.
func (rc *rawClient) roundTrip(req string) rawResponse {
	rc.t.Helper()
	rc.send(req)
	method, _, _ := strings.Cut(req, " ")
	return rc.read(method)
}

// expectClosed checks that the proxy closes the connection without
// sending anything more.
func (rc *rawClient) expectClosed() {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := rc.br.ReadByte()
	if err == nil {
		rest, _ := rc.br.Peek(rc.br.Buffered())
		rc.t.Fatalf("connection still open: read %q", append([]byte{b}, rest...))
	}
	if isTimeout(err) {
		rc.t.Fatalf("connection still open after 5 s")
	}
	if !errors.Is(err, io.EOF) && !isReset(err) {
		rc.t.Fatalf("read after close: %v, want EOF", err)
	}
}

// expectOpen checks that the connection still serves requests.
func (rc *rawClient) expectOpen() {
	rc.t.Helper()
	r := rc.roundTrip("GET /still-open HTTP/1.1\r\nHost: a\r\n\r\n")
	if r.StatusCode != 200 {
		rc.t.Fatalf("follow-up request: status %d, want 200", r.StatusCode)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// httpClient returns a keep-alive net/http client for the harness.
func (h *harness) httpClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// httpsClient returns a keep-alive net/http client for an HTTPS harness.
func (h *harness) httpsClient(t *testing.T, conf *tls.Config) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true, TLSClientConfig: conf}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

func (h *harness) url(path string) string {
	if h.tls != nil {
		return "https://" + h.addr + path
	}
	return "http://" + h.addr + path
}

// addrOf returns the AddrPort of a listener.
func addrOf(ln net.Listener) netip.AddrPort { return ln.Addr().(*net.TCPAddr).AddrPort() }

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
