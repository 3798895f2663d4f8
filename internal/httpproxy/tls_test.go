package httpproxy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/testpki"
)

// tlsSetup holds the certificates and configurations of the HTTPS tests.
type tlsSetup struct {
	pki          *testpki.CA
	proxyServing *tls.Config // the listener's server side
	clientConf   *tls.Config // a client of the listener
	backendCert  tls.Certificate
	backendConf  *tls.Config // an HTTPS instance's server side
	backendPins  *tls.Config // the proxy's client side, pinning backendCert's key
}

func newTLSSetup(t testing.TB) *tlsSetup {
	t.Helper()
	p := testpki.Shared(t)
	s := &tlsSetup{pki: p, backendCert: p.Leaf(t, false, "backend.test").TLS}
	s.proxyServing = testpki.ServerConfig(p.Leaf(t, false, "proxy.test").TLS)
	s.clientConf = p.ClientConfig("proxy.test")
	s.backendConf = testpki.ServerConfig(s.backendCert)
	s.backendPins = testpki.PinnedConfig(s.backendCert)
	return s
}

// backendFor returns the back end's server configuration: nil for HTTP.
func (s *tlsSetup) backendFor(https bool) *tls.Config {
	if https {
		return s.backendConf
	}
	return nil
}

// pinsFor returns Config.BackendTLS: nil for HTTP.
func (s *tlsSetup) pinsFor(https bool) *tls.Config {
	if https {
		return s.backendPins
	}
	return nil
}

// wantTLSRecord checks that rec reports what client negotiated.
func wantTLSRecord(t *testing.T, rec Record, cs tls.ConnectionState) {
	t.Helper()
	if rec.TLSVersion != cs.Version || rec.TLSCipher != cs.CipherSuite || rec.TLSVersion == 0 {
		t.Errorf("Record TLS %s %s, want %s %s", tls.VersionName(rec.TLSVersion), tls.CipherSuiteName(rec.TLSCipher),
			tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	}
}

var backendProtos = []struct {
	name  string
	https bool
}{{"HTTP backend", false}, {"HTTPS backend", true}}

// An HTTPS listener in front of HTTP and HTTPS instances: keep-alive on
// both sides (one back-end connection, so one back-end handshake, for all
// requests), X-Forwarded-Proto https, and the client's TLS parameters in
// every Record.
func TestHTTPSKeepAlive(t *testing.T) {
	s := newTLSSetup(t)
	for _, bp := range backendProtos {
		t.Run(bp.name, func(t *testing.T) {
			be := newTLSBackend(t, s.backendFor(bp.https), okHandler)
			h := newTLSHarness(t, s.proxyServing, false, Config{Scheme: "https", Port: 443, BackendTLS: s.pinsFor(bp.https)}, Options{}, be.b)
			rc := h.dialTLS(t, s.clientConf)
			// GETs, and POSTs whose bodies cannot be sent again: before
			// one of those goes on a pooled connection, the proxy peeks
			// at the socket beneath the TLS connection (alive), which
			// must not mistake it for a dead one.
			big := strings.Repeat("b", 64<<10) // streamed, not sent with the head
			const n = 12
			for i := range n {
				req := fmt.Sprintf("GET /r%d HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Proto: http\r\n\r\n", i)
				switch i % 3 {
				case 1:
					req = fmt.Sprintf("POST /r%d HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\n\r\nx", i)
				case 2:
					req = fmt.Sprintf("PUT /r%d HTTP/1.1\r\nHost: example.com\r\nContent-Length: %d\r\n\r\n%s", i, len(big), big)
				}
				r := rc.roundTrip(req)
				if r.StatusCode != 200 || string(r.body) != "ok" {
					t.Fatalf("request %d: %d %q, want 200 ok", i, r.StatusCode, r.body)
				}
			}
			seen := be.requests()
			if len(seen) != n {
				t.Fatalf("back end saw %d requests, want %d", len(seen), n)
			}
			got := seen[n-1].req.Header
			for k, v := range map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Port": "443", "X-Forwarded-For": "127.0.0.1"} {
				if vs := got.Values(k); len(vs) != 1 || vs[0] != v {
					t.Errorf("back end got %s = %q, want [%q]", k, vs, v)
				}
			}
			if a := be.accepted.Load(); a != 1 {
				t.Errorf("back end accepted %d connections, want 1 (pooled and reused)", a)
			}
			waitFor(t, "one pooled connection", func() bool { return h.p.idleConns(be.b) == 1 })
			cs := rc.c.(*tls.Conn).ConnectionState()
			for _, rec := range h.waitRecords(t, n) {
				wantTLSRecord(t, rec, cs)
				if rec.ConnectErrors != 0 || rec.Retries != 0 || rec.ELBStatusCode != 200 {
					t.Errorf("Record %+v, want 200 without connect errors", rec)
				}
			}
		})
	}
}

// Bodies streamed both ways through TLS on either side: a chunked request
// of unknown length echoed in a chunked response, by a net/http back end.
func TestHTTPSChunkedEcho(t *testing.T) {
	s := newTLSSetup(t)
	for _, bp := range backendProtos {
		t.Run(bp.name, func(t *testing.T) {
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.NewResponseController(w).EnableFullDuplex()
				io.Copy(w, r.Body)
			})}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := addrOf(ln)
			if bp.https {
				ln = tls.NewListener(ln, s.backendConf)
			}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })
			b := balance.NewBackend("i-echo", "z", addr)
			b.SetHealthy(true)
			h := newTLSHarness(t, s.proxyServing, false, Config{Scheme: "https", BackendTLS: s.pinsFor(bp.https)}, Options{}, b)
			client := h.httpsClient(t, s.clientConf)
			for _, size := range []int{0, 100 << 10, 3 << 20} {
				src := &patternReader{r: rand.New(rand.NewPCG(uint64(size), 2)), n: size}
				want := sha256.New()
				req, _ := http.NewRequest("POST", h.url("/echo"), io.TeeReader(io.NopCloser(src), want))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got := sha256.New()
				n, err := io.Copy(got, resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if n != int64(size) || !bytes.Equal(got.Sum(nil), want.Sum(nil)) || resp.TransferEncoding == nil && size > 0 {
					t.Fatalf("size %d: echoed %d bytes (checksum match %v, transfer encoding %v)", size, n,
						bytes.Equal(got.Sum(nil), want.Sum(nil)), resp.TransferEncoding)
				}
			}
			recs := h.waitRecords(t, 3)
			if last := recs[2]; last.ReceivedBytes < 3<<20 || last.SentBytes < 3<<20 || last.TLSVersion == 0 {
				t.Errorf("last record received %d sent %d bytes, TLS %#x; want ≥ 3 MiB each over TLS", last.ReceivedBytes, last.SentBytes, last.TLSVersion)
			}
		})
	}
}

// A 101 upgrade turns an HTTPS connection into a TLS tunnel: half-closes
// pass through both ways (close_notify and FIN), and so do the bytes.
func TestHTTPSUpgradeTunnel(t *testing.T) {
	s := newTLSSetup(t)
	for _, bp := range backendProtos {
		t.Run(bp.name, func(t *testing.T) {
			be := newTLSBackend(t, s.backendFor(bp.https), nil)
			be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
				io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhi ")
				w.Flush()
				io.Copy(c, c)
				return false
			}
			h := newTLSHarness(t, s.proxyServing, false, Config{Scheme: "https", BackendTLS: s.pinsFor(bp.https)}, Options{}, be.b)
			rc := h.dialTLS(t, s.clientConf)
			rc.send("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly ")
			r, err := http.ReadResponse(rc.br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != 101 || r.Header.Get("Upgrade") != "echo" {
				t.Fatalf("response %d %v, want 101 with Upgrade: echo", r.StatusCode, r.Header)
			}
			rc.send("hello")
			if err := rc.c.(*tls.Conn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc.br)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "hi early hello" {
				t.Errorf("through the tunnel: %q, want %q", got, "hi early hello")
			}
			rec := h.waitRecords(t, 1)[0]
			if rec.ELBStatusCode != 101 {
				t.Errorf("record status %d, want 101", rec.ELBStatusCode)
			}
			wantTLSRecord(t, rec, rc.c.(*tls.Conn).ConnectionState())
		})
	}
}

// Record carries the client's TLS version and cipher suite, whether the
// caller completed the handshake or left it to ServeConn's first read, and
// nothing for plain HTTP.
func TestRecordTLS(t *testing.T) {
	s := newTLSSetup(t)
	tls12 := s.pki.ClientConfig("proxy.test")
	tls12.MaxVersion = tls.VersionTLS12
	tls12.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
	for _, tt := range []struct {
		name       string
		https      bool
		lazy       bool
		conf       *tls.Config
		wantCipher uint16
	}{
		{"plain", false, false, nil, 0},
		{"TLS 1.3", true, false, s.clientConf, 0},
		{"TLS 1.3, handshake left to ServeConn", true, true, s.clientConf, 0},
		{"TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305", true, false, tls12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
	} {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t, okHandler)
			var serving *tls.Config
			if tt.https {
				serving = s.proxyServing
			}
			h := newTLSHarness(t, serving, tt.lazy, Config{}, Options{}, be.b)
			var rc *rawClient
			if tt.https {
				rc = h.dialTLS(t, tt.conf)
			} else {
				rc = h.dial(t)
			}
			rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			rc.roundTrip("GET /bad\x00 HTTP/1.1\r\nHost: a\r\n\r\n") // a generated 400 is recorded too
			recs := h.waitRecords(t, 2)
			if recs[1].ELBStatusCode != 400 {
				t.Fatalf("second record status %d, want 400", recs[1].ELBStatusCode)
			}
			for _, rec := range recs {
				if !tt.https {
					if rec.TLSVersion != 0 || rec.TLSCipher != 0 {
						t.Errorf("plain HTTP record has TLS %#x %#x", rec.TLSVersion, rec.TLSCipher)
					}
					continue
				}
				wantTLSRecord(t, rec, rc.c.(*tls.Conn).ConnectionState())
				if tt.wantCipher != 0 && (rec.TLSCipher != tt.wantCipher || rec.TLSVersion != tls.VersionTLS12) {
					t.Errorf("Record TLS %s %s, want TLS 1.2 %s", tls.VersionName(rec.TLSVersion),
						tls.CipherSuiteName(rec.TLSCipher), tls.CipherSuiteName(tt.wantCipher))
				}
			}
		})
	}
}

// A failed back-end handshake is a failed connect: a wrong pinned key
// (VerifyConnection's error), a back end that does not speak TLS, or one
// that never answers the ClientHello count as ConnectErrors, are reported
// to OnBackendFailure, and the request goes to another instance.
func TestBackendTLSHandshakeFailure(t *testing.T) {
	s := newTLSSetup(t)
	other := s.pki.Leaf(t, false, "backend.test").TLS // same CA and name, another key
	for _, tt := range []struct {
		name       string
		bad        string // "other-key", "plain" or "silent"
		alone      bool   // no other candidate
		wantStatus int
	}{
		{"wrong key, retried", "other-key", false, 200},
		{"wrong key alone", "other-key", true, 502},
		{"not TLS, retried", "plain", false, 200},
		{"handshake timeout, retried", "silent", false, 200},
		{"handshake timeout alone", "silent", true, 504},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var bad *balance.Backend
			switch tt.bad {
			case "other-key":
				bad = newTLSBackend(t, testpki.ServerConfig(other), okHandler).b
			case "plain":
				bad = newBackend(t, okHandler).b
			case "silent":
				sb := newScriptBackend(t, "i-silent", func(_ int32, c net.Conn, _ *bufio.Reader) { io.Copy(io.Discard, c) })
				bad = sb.b
			}
			good := newTLSBackend(t, s.backendConf, okHandler)
			good.b.SetHealthy(false) // the bad one is picked first
			cands := []*balance.Backend{bad}
			if !tt.alone {
				cands = append(cands, good.b)
			}
			var f failureLog
			h := newTLSHarness(t, s.proxyServing, false, Config{
				Candidates:       func() []*balance.Backend { return cands },
				BackendTLS:       s.backendPins,
				OnBackendFailure: f.record,
			}, Options{DialTimeout: 200 * time.Millisecond})
			rc := h.dialTLS(t, s.clientConf)
			r := rc.roundTrip("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx")
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.wantStatus)
			}
			rec := h.waitRecords(t, 1)[0]
			wantBackend, wantRetries := good.b, 1
			if tt.alone {
				wantBackend, wantRetries = bad, 0
			}
			if rec.ConnectErrors != 1 || rec.Retries != wantRetries || rec.Backend != wantBackend {
				t.Errorf("Record: %d connect errors, %d retries, back end %v; want 1, %d, %s",
					rec.ConnectErrors, rec.Retries, rec.Backend.ID, wantRetries, wantBackend.ID)
			}
			f.mu.Lock()
			ids, errs := append([]string(nil), f.ids...), append([]error(nil), f.errs...)
			f.mu.Unlock()
			if len(ids) != 1 || ids[0] != bad.ID {
				t.Fatalf("OnBackendFailure for %v, want [%s]", ids, bad.ID)
			}
			if tt.bad == "other-key" && !errors.Is(errs[0], testpki.ErrKeyNotPinned) {
				t.Errorf("reported error %v, want VerifyConnection's", errs[0])
			}
			if bad.Outstanding() != 0 || good.b.Outstanding() != 0 {
				t.Errorf("outstanding after the request: %d and %d, want 0", bad.Outstanding(), good.b.Outstanding())
			}
		})
	}
}

// Retiring an HTTPS back end closes its pooled TLS connections and cuts
// its TLS tunnels.
func TestRetireClosesTLSConnections(t *testing.T) {
	s := newTLSSetup(t)
	t.Run("pooled", func(t *testing.T) {
		be := newTLSBackend(t, s.backendConf, okHandler)
		h := newTLSHarness(t, s.proxyServing, false, Config{BackendTLS: s.backendPins}, Options{}, be.b)
		rc := h.dialTLS(t, s.clientConf)
		if r := rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n"); r.StatusCode != 200 {
			t.Fatalf("status %d", r.StatusCode)
		}
		waitFor(t, "a pooled connection", func() bool { return h.p.idleConns(be.b) == 1 })
		be.b.Retire()
		waitFor(t, "the back end's connection to close", func() bool {
			be.mu.Lock()
			defer be.mu.Unlock()
			return len(be.conns) == 0 && h.p.idleConns(be.b) == 0
		})
	})
	t.Run("tunnel", func(t *testing.T) {
		be := newTLSBackend(t, s.backendConf, nil)
		be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
			io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			w.Flush()
			io.Copy(c, c)
			return false
		}
		h := newTLSHarness(t, s.proxyServing, false, Config{BackendTLS: s.backendPins}, Options{}, be.b)
		rc := h.dialTLS(t, s.clientConf)
		rc.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		if r := rc.read("GET"); r.StatusCode != 101 {
			t.Fatalf("status %d, want 101", r.StatusCode)
		}
		rc.send("ping")
		if _, err := io.ReadFull(rc.br, make([]byte, 4)); err != nil {
			t.Fatal(err)
		}
		be.b.Retire()
		rc.expectClosed()
		waitFor(t, "the back end's connection to close", func() bool {
			be.mu.Lock()
			defer be.mu.Unlock()
			return len(be.conns) == 0
		})
	})
}

// recordConn records the bytes read from a connection.
type recordConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *recordConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.buf.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

// lastRecordType returns the content type of the last complete TLS record
// read: 21 for an alert (in TLS 1.2 alerts keep their type once
// encrypted), 23 for application data.
func (c *recordConn) lastRecordType(t *testing.T) byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buf.Bytes()
	var last byte
	for len(b) >= 5 {
		n := 5 + (int(b[3])<<8 | int(b[4]))
		if n > len(b) {
			break
		}
		last, b = b[0], b[n:]
	}
	return last
}

// A TLS client learns whether a response ended or was cut: after a
// response that ends with the connection, the close comes with a
// close_notify alert; after one the back end cut short, without.
func TestHTTPSCutResponseWithoutCloseNotify(t *testing.T) {
	s := newTLSSetup(t)
	conf := s.pki.ClientConfig("proxy.test")
	conf.MaxVersion = tls.VersionTLS12 // alerts recognisable on the wire
	for _, tt := range []struct {
		name      string
		cut       bool
		wantAlert bool
	}{
		{"complete response", false, true},
		{"cut response", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			received := make(chan struct{})
			sb := newScriptBackend(t, "i-1", func(_ int32, c net.Conn, br *bufio.Reader) {
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				// No length: the body ends with the connection.
				io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\npart of the body")
				select {
				case <-received: // by the client: the reset cannot overtake it
				case <-time.After(10 * time.Second):
				}
				if tt.cut {
					reset(c)
				}
			})
			h := newTLSHarness(t, s.proxyServing, false, Config{}, Options{}, sb.b)
			raw, err := net.Dial("tcp", h.addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			raw.SetDeadline(time.Now().Add(10 * time.Second))
			rec := &recordConn{Conn: raw}
			tc := tls.Client(rec, conf)
			io.WriteString(tc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
			if err != nil {
				t.Fatal(err)
			}
			body := make([]byte, len("part of the body"))
			if _, err := io.ReadFull(resp.Body, body); err != nil {
				t.Fatal(err)
			}
			close(received)
			if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) != 0 {
				t.Fatalf("after the body: %q, %v; want EOF", rest, err)
			}
			if alert := rec.lastRecordType(t) == 21; alert != tt.wantAlert {
				t.Errorf("connection ended with a close_notify: %v, want %v", alert, tt.wantAlert)
			}
		})
	}
}
