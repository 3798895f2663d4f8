package health

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// server is a real listener on loopback whose connections are handled by
// handle, each in its own goroutine; Cleanup closes it and waits.
type server struct {
	ln   net.Listener
	port int
	wg   sync.WaitGroup
}

func serve(t *testing.T, network, addr string, cfg *tls.Config, handle func(net.Conn)) *server {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln, port: ln.Addr().(*net.TCPAddr).Port}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		s.ln.Close()
		s.wg.Wait()
	})
	return s
}

// readHead reads an HTTP request head and returns it.
func readHead(c net.Conn) string {
	br := bufio.NewReader(c)
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil || line == "\r\n" {
			return b.String()
		}
	}
}

// respond returns a handler that reads the request and writes resp.
func respond(resp string) func(net.Conn) {
	return func(c net.Conn) {
		readHead(c)
		_, _ = io.WriteString(c, resp)
	}
}

// waitClose blocks until the peer closes or resets c.
func waitClose(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// testCert returns a self-signed ECDSA certificate for 127.0.0.1.
func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "instance"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func probe(t *testing.T, p *NetProber, proto string, port int, path string, timeout time.Duration) error {
	t.Helper()
	return p.Probe(context.Background(), loopback, Target{Protocol: proto, Port: port, Path: path}, timeout)
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestProbeTCP(t *testing.T) {
	s := serve(t, "tcp", "127.0.0.1:0", nil, waitClose)
	p := &NetProber{}
	if err := probe(t, p, "TCP", s.port, "", 2*time.Second); err != nil {
		t.Fatalf("TCP check of a listener = %v, want pass", err)
	}
	if err := probe(t, p, "TCP", closedPort(t), "", 2*time.Second); err == nil {
		t.Fatal("TCP check of a closed port passed")
	}
	if err := probe(t, p, "UDP", s.port, "", 2*time.Second); err == nil {
		t.Fatal("check with protocol UDP passed")
	}
}

func TestProbeSSL(t *testing.T) {
	cert := testCert(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	handshake := func(c net.Conn) {
		if c.(*tls.Conn).Handshake() == nil {
			waitClose(c)
		}
	}
	s := serve(t, "tcp", "127.0.0.1:0", cfg, handshake)

	if err := probe(t, &NetProber{}, "SSL", s.port, "", 2*time.Second); err != nil {
		t.Fatalf("SSL check of a TLS server with a self-signed certificate = %v, want pass (no verification)", err)
	}

	pinned := func(want *x509.Certificate) *NetProber {
		return &NetProber{VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !cs.PeerCertificates[0].PublicKey.(*ecdsa.PublicKey).Equal(want.PublicKey) {
				return errors.New("public key not pinned")
			}
			return nil
		}}
	}
	if err := probe(t, pinned(cert.Leaf), "SSL", s.port, "", 2*time.Second); err != nil {
		t.Fatalf("SSL check with the instance's key pinned = %v, want pass", err)
	}
	if err := probe(t, pinned(testCert(t).Leaf), "SSL", s.port, "", 2*time.Second); err == nil {
		t.Fatal("SSL check with another key pinned passed")
	}

	// Pins in the target: the policy's keys, as the data plane sets them.
	other := testCert(t).Leaf
	for _, tc := range []struct {
		name string
		keys [][]byte
		pass bool
	}{
		{"instance key pinned", [][]byte{cert.Leaf.RawSubjectPublicKeyInfo}, true},
		{"instance key among others", [][]byte{other.RawSubjectPublicKeyInfo, cert.Leaf.RawSubjectPublicKeyInfo}, true},
		{"another key pinned", [][]byte{other.RawSubjectPublicKeyInfo}, false},
	} {
		err := (&NetProber{}).Probe(context.Background(), loopback, Target{Protocol: "SSL", Port: s.port, Pins: Pins(tc.keys)}, 2*time.Second)
		if tc.pass != (err == nil) {
			t.Errorf("%s: SSL check = %v, want pass %v", tc.name, err, tc.pass)
		}
		if !tc.pass && !errors.Is(err, ErrKeyNotPinned) {
			t.Errorf("%s: error %v is not ErrKeyNotPinned", tc.name, err)
		}
	}

	plain := serve(t, "tcp", "127.0.0.1:0", nil, func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
	})
	if err := probe(t, &NetProber{}, "SSL", plain.port, "", 2*time.Second); err == nil {
		t.Fatal("SSL check of a plain-text server passed")
	}
	silent := serve(t, "tcp", "127.0.0.1:0", nil, waitClose)
	start := time.Now()
	if err := probe(t, &NetProber{}, "SSL", silent.port, "", 200*time.Millisecond); err == nil {
		t.Fatal("SSL check of a server that never answers passed")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("SSL check with a 200ms timeout took %v", d)
	}
}

func TestProbeHTTPRequest(t *testing.T) {
	got := make(chan string, 1)
	s := serve(t, "tcp", "127.0.0.1:0", nil, func(c net.Conn) {
		got <- readHead(c)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
	})
	if err := probe(t, &NetProber{}, "HTTP", s.port, "/health?deep=1", 2*time.Second); err != nil {
		t.Fatalf("HTTP check = %v, want pass", err)
	}
	want := "GET /health?deep=1 HTTP/1.1\r\n" +
		"Host: 127.0.0.1:" + strconv.Itoa(s.port) + "\r\n" +
		"User-Agent: ELB-HealthChecker/1.0\r\n" +
		"Accept: */*\r\n" +
		"Connection: close\r\n\r\n"
	if req := <-got; req != want {
		t.Fatalf("request = %q, want %q", req, want)
	}
}

func TestProbeHTTPIPv6Host(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	got := make(chan string, 1)
	s := serve(t, "tcp", "[::1]:0", nil, func(c net.Conn) {
		got <- readHead(c)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	err = (&NetProber{}).Probe(context.Background(), netip.IPv6Loopback(), Target{Protocol: "HTTP", Port: s.port, Path: "/"}, 2*time.Second)
	if err != nil {
		t.Fatalf("HTTP check over IPv6 = %v, want pass", err)
	}
	if req := <-got; !strings.Contains(req, "\r\nHost: [::1]:"+strconv.Itoa(s.port)+"\r\n") {
		t.Fatalf("request %q lacks Host: [::1]:%d", req, s.port)
	}
}

// TestProbeHTTPResponses runs HTTP checks against servers answering in
// every way that matters to the contract: pass only on a complete 200
// within the timeout.
func TestProbeHTTPResponses(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name    string
		handle  func(net.Conn)
		timeout time.Duration
		pass    bool
		status  int // for failures with a status
	}{
		{name: "200 with Content-Length", handle: respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"), pass: true},
		{name: "200 empty", handle: respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), pass: true},
		{name: "200 HTTP/1.0", handle: respond("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK"), pass: true},
		{name: "200 without reason phrase", handle: respond("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), pass: true},
		{name: "200 bare LF", handle: respond("HTTP/1.1 200 OK\nContent-Length: 2\n\nOK"), pass: true},
		{name: "200 chunked", handle: respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n"), pass: true},
		{name: "200 chunked, body beyond MaxBody", handle: respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n" + big), pass: true},
		{name: "200 Content-Length, body beyond MaxBody", handle: respond("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + big), pass: true},
		{name: "200 without framing or body", handle: respond("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"), pass: true},
		{name: "103 Early Hints then 200", handle: respond("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), pass: true},
		{name: "404", handle: respond("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"), status: 404},
		{name: "301", handle: respond("HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n"), status: 301},
		{name: "204", handle: respond("HTTP/1.1 204 No Content\r\n\r\n"), status: 204},
		{name: "500", handle: respond("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"), status: 500},
		{name: "200 body without framing", handle: respond("HTTP/1.1 200 OK\r\n\r\nOK")},
		{name: "200 Transfer-Encoding not chunked", handle: respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nOK")},
		{name: "200 truncated body", handle: respond("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK")},
		{name: "200 truncated chunked body", handle: respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")},
		{name: "200 bad chunk size", handle: respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")},
		{name: "200 conflicting Content-Length", handle: respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nOKK")},
		{name: "not HTTP", handle: respond("SSH-2.0-OpenSSH_9.6\r\n")},
		{name: "status 2000", handle: respond("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n")},
		{name: "head too long", handle: respond("HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 8<<10) + "\r\nContent-Length: 0\r\n\r\n")},
		{name: "closed without response", handle: func(c net.Conn) { readHead(c) }},
		{name: "reset after the request", handle: func(c net.Conn) { readHead(c); reset(c) }},
		{name: "reset at once", handle: reset},
		{name: "reset after the head", handle: func(c net.Conn) {
			readHead(c)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
			time.Sleep(50 * time.Millisecond)
			reset(c)
		}},
		{name: "no response within the timeout", timeout: 300 * time.Millisecond, handle: func(c net.Conn) { readHead(c); waitClose(c) }},
		{name: "200 head in time, body not", timeout: 300 * time.Millisecond, handle: func(c net.Conn) {
			readHead(c)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK")
			waitClose(c)
		}},
		{name: "200 unframed, never closed", timeout: 300 * time.Millisecond, handle: func(c net.Conn) {
			readHead(c)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n")
			waitClose(c)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, "tcp", "127.0.0.1:0", nil, tt.handle)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			start := time.Now()
			err := probe(t, &NetProber{}, "HTTP", s.port, "/", timeout)
			elapsed := time.Since(start)
			if tt.pass != (err == nil) {
				t.Fatalf("HTTP check = %v, want pass %v", err, tt.pass)
			}
			if tt.status != 0 {
				var se *StatusError
				if !errors.As(err, &se) || se.Code != tt.status {
					t.Fatalf("HTTP check = %v, want StatusError %d", err, tt.status)
				}
			}
			// Loose bound: the check gives up at its timeout, not at the
			// server's 10 s deadline.
			if tt.timeout != 0 && elapsed > tt.timeout+3*time.Second {
				t.Fatalf("check with timeout %v took %v", tt.timeout, elapsed)
			}
		})
	}
}

// TestProbeNetHTTP checks against net/http servers, HTTP and HTTPS.
func TestProbeNetHTTP(t *testing.T) {
	var (
		mu    sync.Mutex
		seen  []*http.Request
		mux   = http.NewServeMux()
		flush = func(w http.ResponseWriter, r *http.Request) {
			// Flushing before the end makes net/http answer chunked.
			_, _ = io.WriteString(w, "still ")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "alive")
		}
	)
	record := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r)
			mu.Unlock()
			h(w, r)
		}
	}
	mux.HandleFunc("/ok", record(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "OK") }))
	mux.HandleFunc("/chunked", record(flush))
	mux.HandleFunc("/down", record(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }))

	plain := httptest.NewServer(mux)
	defer plain.Close()
	secure := httptest.NewUnstartedServer(mux)
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{testCert(t)}}
	secure.Config.ErrorLog = log.New(io.Discard, "", 0) // the plain-text request below
	secure.StartTLS()
	defer secure.Close()

	port := func(s *httptest.Server) int { return s.Listener.Addr().(*net.TCPAddr).Port }
	p := &NetProber{}
	for _, tt := range []struct {
		proto string
		srv   *httptest.Server
		path  string
		pass  bool
	}{
		{"HTTP", plain, "/ok", true},
		{"HTTP", plain, "/chunked", true},
		{"HTTP", plain, "/down", false},
		{"HTTP", plain, "/missing", false},
		{"HTTPS", secure, "/ok", true},
		{"HTTPS", secure, "/chunked", true},
		{"HTTPS", secure, "/down", false},
		{"HTTPS", plain, "/ok", false}, // TLS to a plain-text port
		{"HTTP", secure, "/ok", false}, // plain text to a TLS port
	} {
		err := probe(t, p, tt.proto, port(tt.srv), tt.path, 5*time.Second)
		if tt.pass != (err == nil) {
			t.Errorf("%s check of %s%s = %v, want pass %v", tt.proto, tt.srv.URL, tt.path, err, tt.pass)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range seen {
		if r.Method != "GET" || r.Proto != "HTTP/1.1" || r.UserAgent() != UserAgent || !r.Close ||
			r.Host != "127.0.0.1:"+strconv.Itoa(r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr).Port) {
			t.Errorf("request %s %s %s, Host %q, User-Agent %q, Close %v", r.Method, r.URL, r.Proto, r.Host, r.UserAgent(), r.Close)
		}
	}
	if len(seen) != 6 {
		t.Errorf("servers saw %d requests, want 6", len(seen))
	}
}

// TestProbeCancel checks that cancelling the context ends a probe at once.
func TestProbeCancel(t *testing.T) {
	s := serve(t, "tcp", "127.0.0.1:0", nil, func(c net.Conn) { readHead(c); waitClose(c) })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := (&NetProber{}).Probe(ctx, loopback, Target{Protocol: "HTTP", Port: s.port, Path: "/"}, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled check = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancelled check returned after %v", d)
	}
}
