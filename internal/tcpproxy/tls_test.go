package tcpproxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/proxyproto"
	"github.com/elbd/elbd/internal/testpki"
)

// tlsSetup is what a TLS test needs: the proxy's certificate and the
// back end's, and the configurations that go with them.
type tlsSetup struct {
	pki          *testpki.CA
	proxyCert    tls.Certificate
	backendCert  tls.Certificate
	clientConf   *tls.Config // a client of the proxy
	backendConf  *tls.Config // the back end's server side
	backendPins  *tls.Config // the proxy's client side towards the back end
	proxyServing *tls.Config // the proxy's server side
}

func newTLSSetup(t testing.TB) *tlsSetup {
	t.Helper()
	p := testpki.Shared(t)
	s := &tlsSetup{pki: p, proxyCert: p.Leaf(t, false, "proxy.test").TLS, backendCert: p.Leaf(t, false, "backend.test").TLS}
	s.clientConf = p.ClientConfig("proxy.test")
	s.backendConf = testpki.ServerConfig(s.backendCert)
	s.backendPins = testpki.PinnedConfig(s.backendCert)
	s.proxyServing = testpki.ServerConfig(s.proxyCert)
	return s
}

// tlsServer wraps the proxy's accepted connections in TLS. With handshake
// it completes the handshake first, as the data plane does; otherwise
// ProxyConn has to.
func tlsServer(conf *tls.Config, handshake bool) func(*net.TCPConn) net.Conn {
	return func(c *net.TCPConn) net.Conn {
		tc := tls.Server(c, conf)
		if handshake {
			tc.SetDeadline(time.Now().Add(slack))
			tc.Handshake() // a failure is ProxyConn's to report
			tc.SetDeadline(time.Time{})
		}
		return tc
	}
}

// dialTLS connects to the proxy and completes a TLS handshake.
func (p *proxy) dialTLS(t *testing.T, conf *tls.Config) *tls.Conn {
	t.Helper()
	c := p.dial(t)
	tc := tls.Client(c, conf)
	tc.SetDeadline(time.Now().Add(slack))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake with the proxy: %v", err)
	}
	tc.SetDeadline(time.Time{})
	return tc
}

// startConnBackend is startBackend with handle given the connection as
// the proxy speaks to it: a *tls.Conn after a completed handshake when conf
// is set, else the *net.TCPConn.
func startConnBackend(t testing.TB, id string, conf *tls.Config, handle func(net.Conn)) *balance.Backend {
	t.Helper()
	return startBackend(t, id, func(c *net.TCPConn) {
		if conf == nil {
			handle(c)
			return
		}
		tc := tls.Server(c, conf)
		tc.SetDeadline(time.Now().Add(slack))
		if tc.Handshake() != nil {
			return
		}
		tc.SetDeadline(time.Time{})
		handle(tc)
	})
}

// closeWrite ends c's outgoing stream: a close_notify alert alone for a
// *tls.Conn (no TCP FIN), a FIN for a *net.TCPConn.
func closeWrite(c net.Conn) error {
	switch c := c.(type) {
	case *tls.Conn:
		return c.CloseWrite()
	case *net.TCPConn:
		return c.CloseWrite()
	}
	return errors.ErrUnsupported
}

// echoConn sends back what it reads, in user space.
func echoConn(c net.Conn) {
	io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 32<<10))
}

// tlsModes are the combinations of TLS on the client and back-end sides.
var tlsModes = []struct {
	name                  string
	clientTLS, backendTLS bool
	lazy                  bool // ProxyConn does the client handshake
}{
	{"TLS client, plain backend", true, false, false},
	{"TLS client left to ProxyConn", true, false, true},
	{"plain client, TLS backend", false, true, false},
	{"TLS both sides", true, true, false},
}

// startTLSProxy starts a proxy for mode: TLS towards clients when
// clientTLS, cfg.BackendTLS set when backendTLS (unless already set).
func (s *tlsSetup) startProxy(t testing.TB, cfg *Config, clientTLS, backendTLS, lazy bool) *proxy {
	t.Helper()
	if backendTLS && cfg.BackendTLS == nil {
		cfg.BackendTLS = s.backendPins
	}
	if !clientTLS {
		return startProxyConn(t, "", cfg, func(c *net.TCPConn) net.Conn { return c })
	}
	return startProxyConn(t, "", cfg, tlsServer(s.proxyServing, !lazy))
}

// dial connects to p as mode's client.
func (s *tlsSetup) dial(t *testing.T, p *proxy, clientTLS bool) net.Conn {
	t.Helper()
	if clientTLS {
		return p.dialTLS(t, s.clientConf)
	}
	return p.dial(t)
}

// backendConf returns the back end's TLS configuration for mode.
func (s *tlsSetup) backendFor(backendTLS bool) *tls.Config {
	if backendTLS {
		return s.backendConf
	}
	return nil
}

// checkCopy makes the connections of a test report whether they splice.
func checkCopy(t *testing.T, wantSplice bool) {
	hook := testHookPipe
	testHookPipe = func(p *pipe) {
		if hook != nil {
			hook(p)
		}
		if p.splice != wantSplice {
			t.Errorf("connection splices: %v, want %v", p.splice, wantSplice)
		}
	}
	t.Cleanup(func() { testHookPipe = hook })
}

// wantTLSStats checks that st reports what client negotiated: nothing
// for a plain client.
func wantTLSStats(t *testing.T, st Stats, client net.Conn) {
	t.Helper()
	var want tls.ConnectionState
	if tc, ok := client.(*tls.Conn); ok {
		want = tc.ConnectionState()
	}
	if st.TLSVersion != want.Version || st.TLSCipher != want.CipherSuite {
		t.Errorf("Stats TLS %s %s, want %s %s", tls.VersionName(st.TLSVersion), tls.CipherSuiteName(st.TLSCipher),
			tls.VersionName(want.Version), tls.CipherSuiteName(want.CipherSuite))
	}
}

// 1 MiB each way, at once, through every combination of TLS sides.
func TestTLSBothDirections(t *testing.T) {
	s := newTLSSetup(t)
	for _, mode := range tlsModes {
		t.Run(mode.name, func(t *testing.T) {
			forEachCopy(t, func(t *testing.T) {
				checkGoroutines(t)
				checkCopy(t, false)
				const size = 1 << 20
				up, down := make([]byte, size), make([]byte, size)
				rand.Read(up)
				rand.Read(down)
				gotUp := make(chan [32]byte, 1)
				b := startConnBackend(t, "i-1", s.backendFor(mode.backendTLS), func(c net.Conn) {
					var wg sync.WaitGroup
					wg.Go(func() {
						c.Write(down)
						closeWrite(c)
					})
					h := sha256.New()
					io.Copy(h, c)
					gotUp <- [32]byte(h.Sum(nil))
					wg.Wait()
				})
				p := s.startProxy(t, &Config{Candidates: candidates(b)}, mode.clientTLS, mode.backendTLS, mode.lazy)
				c := s.dial(t, p, mode.clientTLS)
				var wg sync.WaitGroup
				var werr error
				wg.Go(func() {
					if _, werr = c.Write(up); werr == nil {
						werr = closeWrite(c)
					}
				})
				h := sha256.New()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				n, err := io.Copy(h, c)
				wg.Wait()
				if err != nil || werr != nil {
					t.Fatalf("client: read %d bytes, error %v; write error %v", n, err, werr)
				}
				if got, want := [32]byte(h.Sum(nil)), sha256.Sum256(down); got != want || n != size {
					t.Errorf("client received %d bytes with sha256 %x, want %d bytes with %x", n, got, size, want)
				}
				if got, want := <-gotUp, sha256.Sum256(up); got != want {
					t.Errorf("backend received sha256 %x, want %x", got, want)
				}
				st := p.next(t)
				if st.Err != nil || st.BytesIn != size || st.BytesOut != size || st.BackendID != "i-1" {
					t.Errorf("Stats = %+v, want Err nil, BytesIn and BytesOut %d, backend i-1", st, size)
				}
				if st.Client != addrPort(c.LocalAddr()) || st.ConnectTime <= 0 {
					t.Errorf("Stats = %+v, want Client %v and a ConnectTime", st, c.LocalAddr())
				}
				wantTLSStats(t, st, c)
				checkOutstanding(t, b)
			})
		})
	}
}

// The plain path still splices.
func TestPlainStillSplices(t *testing.T) {
	if !kernelActivity {
		t.Skip("no splice on this platform")
	}
	for _, entry := range []string{"Proxy", "ProxyConn"} {
		t.Run(entry, func(t *testing.T) {
			checkGoroutines(t)
			checkCopy(t, true)
			b := startBackend(t, "i-1", echo)
			var p *proxy
			if entry == "Proxy" {
				p = startProxy(t, "", &Config{Candidates: candidates(b)})
			} else {
				p = startProxyConn(t, "", &Config{Candidates: candidates(b)}, func(c *net.TCPConn) net.Conn { return c })
			}
			c := p.dial(t)
			roundTrip(t, c, "splice me")
			c.CloseWrite()
			waitClosed(t, c, slack)
			if st := p.next(t); st.Err != nil || st.TLSVersion != 0 {
				t.Errorf("Stats = %+v, want Err nil and no TLS", st)
			}
		})
	}
}

// Half-close passes through TLS: a close_notify becomes a FIN and the
// other way round, and the other direction goes on.
func TestTLSHalfClose(t *testing.T) {
	s := newTLSSetup(t)
	reply := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, mode := range tlsModes {
		t.Run(mode.name, func(t *testing.T) {
			forEachCopy(t, func(t *testing.T) {
				t.Run("client first", func(t *testing.T) {
					checkGoroutines(t)
					got := make(chan string, 1)
					b := startConnBackend(t, "i-1", s.backendFor(mode.backendTLS), func(c net.Conn) {
						req, _ := io.ReadAll(c)
						got <- string(req)
						c.Write(reply)
						closeWrite(c)
					})
					p := s.startProxy(t, &Config{Candidates: candidates(b)}, mode.clientTLS, mode.backendTLS, mode.lazy)
					c := s.dial(t, p, mode.clientTLS)
					c.Write([]byte("request"))
					closeWrite(c)
					select {
					case req := <-got:
						if req != "request" {
							t.Errorf("backend read %q before EOF, want %q", req, "request")
						}
					case <-time.After(slack):
						t.Fatal("the backend did not see the client's end of stream")
					}
					c.SetReadDeadline(time.Now().Add(10 * time.Second))
					resp, err := io.ReadAll(c)
					if err != nil || !bytes.Equal(resp, reply) {
						t.Errorf("client read %d bytes, %v; want the %d-byte reply then EOF", len(resp), err, len(reply))
					}
					if st := p.next(t); st.Err != nil || st.BytesIn != 7 || st.BytesOut != int64(len(reply)) {
						t.Errorf("Stats = %+v, want Err nil, BytesIn 7, BytesOut %d", st, len(reply))
					}
				})
				t.Run("backend first", func(t *testing.T) {
					checkGoroutines(t)
					got := make(chan string, 1)
					b := startConnBackend(t, "i-1", s.backendFor(mode.backendTLS), func(c net.Conn) {
						c.Write([]byte("hello"))
						closeWrite(c)
						req, _ := io.ReadAll(c)
						got <- string(req)
					})
					p := s.startProxy(t, &Config{Candidates: candidates(b)}, mode.clientTLS, mode.backendTLS, mode.lazy)
					c := s.dial(t, p, mode.clientTLS)
					c.SetReadDeadline(time.Now().Add(slack))
					if greeting, err := io.ReadAll(c); err != nil || string(greeting) != "hello" {
						t.Fatalf("client read %q, %v; want hello then EOF", greeting, err)
					}
					c.Write([]byte("after the backend's EOF"))
					closeWrite(c)
					select {
					case req := <-got:
						if req != "after the backend's EOF" {
							t.Errorf("backend read %q, want %q", req, "after the backend's EOF")
						}
					case <-time.After(slack):
						t.Fatal("the backend did not see the client's end of stream")
					}
					if st := p.next(t); st.Err != nil {
						t.Errorf("Stats.Err = %v, want nil", st.Err)
					}
				})
			})
		})
	}
}

func TestTLSIdleTimeout(t *testing.T) {
	s := newTLSSetup(t)
	for _, mode := range tlsModes {
		if mode.lazy {
			continue // the same connection once the handshake is done
		}
		t.Run(mode.name, func(t *testing.T) {
			forEachCopy(t, func(t *testing.T) {
				t.Run("idle connection closed", func(t *testing.T) {
					checkGoroutines(t)
					backendEOF := make(chan error, 1)
					b := startConnBackend(t, "i-1", s.backendFor(mode.backendTLS), func(c net.Conn) {
						_, err := io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c})
						backendEOF <- err
					})
					p := s.startProxy(t, &Config{Candidates: candidates(b), IdleTimeout: idle}, mode.clientTLS, mode.backendTLS, mode.lazy)
					c := s.dial(t, p, mode.clientTLS)
					sent := time.Now()
					roundTrip(t, c, "x")
					if _, err := waitClosed(t, c, idle+slack); err != nil {
						t.Errorf("client read error %v, want EOF (an idle timeout closes normally)", err)
					}
					if waited := time.Since(sent); waited < idle-jiffy {
						t.Errorf("idle connection closed %v after its last byte, before the %v idle timeout", waited, idle)
					}
					select {
					case err := <-backendEOF:
						if err != nil {
							t.Errorf("backend read error %v, want EOF", err)
						}
					case <-time.After(slack):
						t.Fatal("the backend's connection is still open")
					}
					if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) || st.BytesIn != 1 || st.BytesOut != 1 {
						t.Errorf("Stats = %+v, want ErrIdleTimeout with 1 byte each way", st)
					}
					checkOutstanding(t, b)
				})
				// Bytes flowing one way keep the connection open for
				// several idle timeouts.
				t.Run("backend to client only", func(t *testing.T) {
					checkGoroutines(t)
					const n = 15 // one byte every idle/5: 3 idle timeouts
					b := startConnBackend(t, "i-1", s.backendFor(mode.backendTLS), func(c net.Conn) {
						tick := time.NewTicker(idle / 5)
						defer tick.Stop()
						for range n {
							<-tick.C
							if _, err := c.Write([]byte("x")); err != nil {
								return
							}
						}
						io.Copy(io.Discard, c) // until the proxy closes
					})
					p := s.startProxy(t, &Config{Candidates: candidates(b), IdleTimeout: idle}, mode.clientTLS, mode.backendTLS, mode.lazy)
					c := s.dial(t, p, mode.clientTLS)
					c.SetReadDeadline(time.Now().Add(n*idle/5 + slack))
					if got, err := io.ReadFull(c, make([]byte, n)); err != nil {
						t.Fatalf("client read %d of %d bytes: %v (closed while the backend was sending?)", got, n, err)
					}
					waitClosed(t, c, idle+slack)
					if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) || st.BytesOut != n {
						t.Errorf("Stats = %+v, want ErrIdleTimeout, BytesOut %d", st, n)
					}
				})
				// A client that reads slowly but steadily is not idle even
				// when the proxy's writes to it block for longer than the
				// idle timeout: the kernel sees the TLS records go out.
				t.Run("slow reader", func(t *testing.T) {
					if forceTrackedCopy || !mode.clientTLS || !mode.backendTLS {
						t.Skip("the tracked copy cannot see a blocked write's progress; one TLS mode is enough")
					}
					checkGoroutines(t)
					const size = 4 << 20
					b := startConnBackend(t, "i-1", s.backendFor(mode.backendTLS), func(c net.Conn) {
						c.Write(make([]byte, size))
						closeWrite(c)
						io.Copy(io.Discard, c)
					})
					p := s.startProxy(t, &Config{Candidates: candidates(b), IdleTimeout: idle}, mode.clientTLS, mode.backendTLS, mode.lazy)
					raw := p.dial(t)
					raw.SetReadBuffer(64 << 10)
					c := tls.Client(raw, s.clientConf)
					got := readSlowly(t, c, idle, slack, size)
					if got != size {
						t.Errorf("slow reader received %d bytes, want %d (closed as idle?)", got, size)
					}
					closeWrite(c)
					if st := p.next(t); st.Err != nil {
						t.Errorf("Stats.Err = %v, want nil", st.Err)
					}
				})
				// After a half-close the remaining direction still times
				// out.
				t.Run("half-closed", func(t *testing.T) {
					checkGoroutines(t)
					release := make(chan struct{})
					b := startConnBackend(t, "i-1", s.backendFor(mode.backendTLS), func(c net.Conn) {
						io.Copy(io.Discard, c) // reads the client's EOF
						<-release              // and keeps its own half open, sending nothing
					})
					t.Cleanup(func() { close(release) })
					p := s.startProxy(t, &Config{Candidates: candidates(b), IdleTimeout: idle}, mode.clientTLS, mode.backendTLS, mode.lazy)
					c := s.dial(t, p, mode.clientTLS)
					closeWrite(c)
					waitClosed(t, c, idle+slack)
					if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) {
						t.Errorf("Stats.Err = %v, want ErrIdleTimeout", st.Err)
					}
				})
			})
		})
	}
}

// The PROXY line names the TCP connection beneath a TLS client, and goes
// to a TLS back end in the clear, before its handshake.
func TestTLSProxyProtocol(t *testing.T) {
	s := newTLSSetup(t)
	for _, mode := range tlsModes {
		t.Run(mode.name, func(t *testing.T) {
			checkGoroutines(t)
			lines := make(chan string, 1)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				r := bufio.NewReader(c)
				line, _ := r.ReadString('\n')
				lines <- line
				var conn net.Conn = &bufferedConn{Conn: c, r: r}
				if mode.backendTLS {
					tc := tls.Server(conn, s.backendConf)
					if tc.Handshake() != nil {
						return
					}
					conn = tc
				}
				echoConn(conn)
			})
			p := s.startProxy(t, &Config{Candidates: candidates(b), ProxyProtocol: true}, mode.clientTLS, mode.backendTLS, mode.lazy)
			c := s.dial(t, p, mode.clientTLS)
			roundTrip(t, c, "payload after the header")
			src := addrPort(c.LocalAddr())
			want := fmt.Sprintf("PROXY TCP4 127.0.0.1 127.0.0.1 %d %d\r\n", src.Port(), p.addr.Port())
			if line := <-lines; line != want {
				t.Errorf("backend received %q, want %q", line, want)
			} else if h, err := proxyproto.ParseV1([]byte(line)); err != nil || h.Src != src || h.Dst != p.addr {
				t.Errorf("ParseV1(%q) = %+v, %v; want source %v, destination %v", line, h, err, src, p.addr)
			}
			closeWrite(c)
			waitClosed(t, c, slack)
			if st := p.next(t); st.Err != nil || st.BytesIn != int64(len("payload after the header")) {
				t.Errorf("Stats = %+v, want Err nil, BytesIn not counting the header", st)
			}
		})
	}
}

// bufferedConn reads through r, which has buffered some of Conn.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// Back-end TLS: a pinned key is accepted; a wrong key, or a back end that
// does not speak TLS, fails the handshake, which counts as a failed connect:
// reported, and retried on another candidate.
func TestBackendTLSPinning(t *testing.T) {
	s := newTLSSetup(t)
	other := s.pki.Leaf(t, false, "backend.test").TLS // same CA and name, another key
	for _, tt := range []struct {
		name    string
		backs   []string // "pinned", "other-key", "plain" (no TLS), "silent" (accepts, never answers)
		wantErr bool
		want    []string // failures reported, in order
		wantID  string
	}{
		{"pinned key", []string{"pinned"}, false, nil, "i-0"},
		{"wrong key", []string{"other-key"}, true, []string{"i-0"}, "i-0"},
		{"wrong key, then pinned", []string{"other-key", "pinned"}, false, []string{"i-0"}, "i-1"},
		{"no TLS, then pinned", []string{"plain", "pinned"}, false, []string{"i-0"}, "i-1"},
		{"handshake timeout, then pinned", []string{"silent", "pinned"}, false, []string{"i-0"}, "i-1"},
		{"all fail, one retry", []string{"other-key", "plain", "pinned"}, true, []string{"i-0", "i-1"}, "i-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			var bs []*balance.Backend
			for i, kind := range tt.backs {
				id := fmt.Sprintf("i-%d", i)
				switch kind {
				case "pinned":
					bs = append(bs, startConnBackend(t, id, s.backendConf, echoConn))
				case "other-key":
					bs = append(bs, startConnBackend(t, id, testpki.ServerConfig(other), echoConn))
				case "plain":
					bs = append(bs, startConnBackend(t, id, nil, echoConn))
				case "silent":
					bs = append(bs, startBackend(t, id, func(c *net.TCPConn) { io.Copy(io.Discard, c) }))
				}
			}
			var f failures
			p := s.startProxy(t, &Config{Candidates: candidates(bs...), Picker: new(balance.RoundRobin),
				OnBackendFailure: f.record, DialTimeout: idle}, true, true, false)
			c := p.dialTLS(t, s.clientConf)
			if tt.wantErr {
				waitClosed(t, c, slack+idle)
			} else {
				roundTrip(t, c, "ping")
				closeWrite(c)
				waitClosed(t, c, slack)
			}
			st := p.next(t)
			if (st.Err != nil) != tt.wantErr || st.BackendID != tt.wantID || st.ConnectErrors != len(tt.want) {
				t.Errorf("Stats = %+v, want error %v on %s after %d connect errors", st, tt.wantErr, tt.wantID, len(tt.want))
			}
			if tt.name == "wrong key" && !errors.Is(st.Err, testpki.ErrKeyNotPinned) {
				t.Errorf("Stats.Err = %v, want the VerifyConnection error", st.Err)
			}
			if got := f.get(); !slicesEqual(got, tt.want) {
				t.Errorf("OnBackendFailure called for %v, want %v", got, tt.want)
			}
			checkOutstanding(t, bs...)
		})
	}
}

// A configuration that verifies certificates and names no server gets the
// back end's address as server name, as tls.Dial does.
func TestBackendTLSVerifiedByAddress(t *testing.T) {
	checkGoroutines(t)
	s := newTLSSetup(t)
	b := startConnBackend(t, "i-1", s.backendConf, echoConn)
	conf := &tls.Config{RootCAs: s.pki.Roots}
	p := s.startProxy(t, &Config{Candidates: candidates(b), BackendTLS: conf}, false, true, false)
	c := p.dial(t)
	roundTrip(t, c, "verified")
	c.CloseWrite()
	waitClosed(t, c, slack)
	if st := p.next(t); st.Err != nil || st.ConnectErrors != 0 {
		t.Errorf("Stats = %+v, want no error", st)
	}
	if conf.ServerName != "" {
		t.Errorf("the shared configuration was modified: ServerName %q", conf.ServerName)
	}
}

// Retiring the back end or cancelling the context resets both TLS
// connections: a reset, not a close_notify that would pass for a clean end.
func TestTLSRetireAndCancel(t *testing.T) {
	s := newTLSSetup(t)
	for _, how := range []string{"retire", "cancel"} {
		t.Run(how, func(t *testing.T) {
			forEachCopy(t, func(t *testing.T) {
				checkGoroutines(t)
				backendErr := make(chan error, 1)
				b := startConnBackend(t, "i-1", s.backendConf, func(c net.Conn) {
					_, err := io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c})
					backendErr <- err
				})
				p := s.startProxy(t, &Config{Candidates: candidates(b)}, true, true, false)
				c := p.dialTLS(t, s.clientConf)
				roundTrip(t, c, "x")
				var want error = ErrBackendRetired
				if how == "retire" {
					b.Retire()
				} else {
					p.cancel()
					want = context.Canceled
				}
				if _, err := waitClosed(t, c, slack); !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("client read error = %v, want a reset", err)
				}
				select {
				case err := <-backendErr:
					if !errors.Is(err, syscall.ECONNRESET) {
						t.Errorf("backend read error = %v, want a reset", err)
					}
				case <-time.After(slack):
					t.Fatal("the backend's connection is still open")
				}
				if st := p.next(t); !errors.Is(st.Err, want) {
					t.Errorf("Stats.Err = %v, want %v", st.Err, want)
				}
				checkOutstanding(t, b)
			})
		})
	}
}

// A client handshake left to ProxyConn that fails, or does not finish
// within the idle timeout, ends the connection before a backend is picked.
func TestClientHandshakeFailure(t *testing.T) {
	s := newTLSSetup(t)
	for _, tt := range []struct {
		name   string
		client func(t *testing.T, c *net.TCPConn)
	}{
		{"not TLS", func(t *testing.T, c *net.TCPConn) {
			c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
			waitClosed(t, c, slack)
		}},
		{"untrusted proxy", func(t *testing.T, c *net.TCPConn) {
			tc := tls.Client(c, &tls.Config{ServerName: "proxy.test"}) // system roots
			if err := tc.Handshake(); err == nil {
				t.Error("handshake with an untrusted certificate succeeded")
			}
			waitClosed(t, c, slack)
		}},
		{"silent", func(t *testing.T, c *net.TCPConn) { waitClosed(t, c, idle+slack) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			accepted := make(chan struct{}, 1)
			b := startBackend(t, "i-1", func(*net.TCPConn) { accepted <- struct{}{} })
			p := s.startProxy(t, &Config{Candidates: candidates(b), IdleTimeout: idle}, true, false, true)
			tt.client(t, p.dial(t))
			st := p.next(t)
			if !errors.Is(st.Err, ErrClientHandshake) || st.BackendID != "" || st.TLSVersion != 0 {
				t.Errorf("Stats = %+v, want ErrClientHandshake, no backend, no TLS version", st)
			}
			select {
			case <-accepted:
				t.Error("the backend was connected to")
			default:
			}
		})
	}
}

// The Stats of a TLS client name the address of its TCP connection.
func TestTLSStatsClient(t *testing.T) {
	checkGoroutines(t)
	s := newTLSSetup(t)
	b := startBackend(t, "i-1", echo)
	p := s.startProxy(t, &Config{Candidates: candidates(b)}, true, false, false)
	c := p.dialTLS(t, s.clientConf)
	roundTrip(t, c, "x")
	closeWrite(c)
	waitClosed(t, c, slack)
	st := p.next(t)
	wantClient := netip.MustParseAddrPort(c.LocalAddr().String())
	if st.Client != wantClient || !strings.HasPrefix(tls.VersionName(st.TLSVersion), "TLS 1.3") {
		t.Errorf("Stats = %+v, want client %v over TLS 1.3", st, wantClient)
	}
}
