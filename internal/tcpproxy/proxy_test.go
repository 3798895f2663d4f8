package tcpproxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/proxyproto"
)

// idle is the idle timeout of the tests that exercise it: short, but long
// enough to tell from scheduling delays under -race on a loaded machine.
const idle = 200 * time.Millisecond

// slack bounds how much later than expected an event may happen (a close
// after the idle timeout, a reset after a cancel) on a slow machine.
const slack = 2 * time.Second

// jiffy is how much earlier than expected the kernel may see an idle
// timeout: tcp_info reports milliseconds counted in jiffies (up to 10 ms).
const jiffy = 15 * time.Millisecond

func TestMain(m *testing.M) {
	base := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if err := waitGoroutines(base); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// waitGoroutines polls until at most n goroutines run, for up to 5 s.
func waitGoroutines(n int) error {
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			return fmt.Errorf("%d goroutines running, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// checkGoroutines fails t unless the goroutines t started have exited by
// the end of its cleanups. Call it first, so that its cleanup runs last.
func checkGoroutines(t testing.TB) {
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		if err := waitGoroutines(base); err != nil {
			t.Error(err)
		}
	})
}

// forEachCopy runs f once with the kernel-assisted splice copy (where the
// platform has it) and once with the tracked user-space copy, checking
// that each connection uses the copy named. (A connection with a TLS side
// copies in user space in both; "splice" then means that the idle
// watchdog asks the kernel.)
func forEachCopy(t *testing.T, f func(t *testing.T)) {
	for _, tracked := range []bool{false, true} {
		name := "splice"
		if tracked {
			name = "tracked"
		}
		t.Run(name, func(t *testing.T) {
			if !tracked && !kernelActivity {
				t.Skip("the kernel cannot report socket activity on this platform")
			}
			forceTrackedCopy = tracked
			testHookPipe = func(p *pipe) {
				if p.kernel == tracked {
					t.Errorf("connection uses kernel=%v, want %v", p.kernel, !tracked)
				}
			}
			t.Cleanup(func() { forceTrackedCopy, testHookPipe = false, nil })
			f(t)
		})
	}
}

// logBuf collects log output.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// proxy is a listener that hands its connections to Proxy.
type proxy struct {
	addr   netip.AddrPort
	cancel context.CancelFunc
	stats  chan Stats
	log    *logBuf
}

// startProxy listens on laddr ("127.0.0.1:0" if empty) and proxies with
// cfg. Unless set, cfg's Logger records into p.log and OnDone sends to
// p.stats. Everything stops at the end of t.
func startProxy(t testing.TB, laddr string, cfg *Config) *proxy {
	t.Helper()
	return startProxyConn(t, laddr, cfg, nil)
}

// startProxyConn is startProxy with wrap, if not nil, turning each accepted
// connection into what ProxyConn is given (a *tls.Conn, say); without wrap
// connections go to Proxy.
func startProxyConn(t testing.TB, laddr string, cfg *Config, wrap func(*net.TCPConn) net.Conn) *proxy {
	t.Helper()
	if laddr == "" {
		laddr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", laddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &proxy{addr: addrPort(ln.Addr()), cancel: cancel, stats: make(chan Stats, 100), log: &logBuf{}}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(p.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.OnDone == nil {
		cfg.OnDone = func(st Stats) { p.stats <- st }
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if wrap == nil {
				wg.Go(func() { Proxy(ctx, c.(*net.TCPConn), cfg) })
			} else {
				wg.Go(func() { ProxyConn(ctx, wrap(c.(*net.TCPConn)), cfg) })
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
		if t.Failed() {
			t.Logf("proxy log:\n%s", p.log)
		}
	})
	return p
}

// next returns the Stats of the next connection to end.
func (p *proxy) next(t *testing.T) Stats {
	t.Helper()
	select {
	case st := <-p.stats:
		return st
	case <-time.After(5 * time.Second):
		t.Fatal("no connection ended within 5 s")
		return Stats{}
	}
}

// dial connects to the proxy.
func (p *proxy) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(p.addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// startBackend serves each connection with handle (which need not close
// it) and returns a healthy backend for it. Everything stops at the end of t.
func startBackend(t testing.TB, id string, handle func(*net.TCPConn)) *balance.Backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				handle(c.(*net.TCPConn))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return healthy(id, addrPort(ln.Addr()))
}

func healthy(id string, addr netip.AddrPort) *balance.Backend {
	b := balance.NewBackend(id, "zone-a", addr)
	b.SetHealthy(true)
	return b
}

// refusedBackend returns a backend whose address refuses connections.
func refusedBackend(t *testing.T, id string) *balance.Backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := addrPort(ln.Addr())
	ln.Close()
	return healthy(id, addr)
}

// echo sends back what it reads. It copies in user space: io.Copy(c, c)
// would splice, and hold a pipe while it waits, which would blur the pipe
// counts of TestQuietConnectionsHoldNoPipes.
func echo(c *net.TCPConn) {
	io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 32<<10))
}

func candidates(bs ...*balance.Backend) func() []*balance.Backend {
	return func() []*balance.Backend { return bs }
}

// roundTrip sends msg through c and checks that it comes back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(slack))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo of %q = %q, %v", msg, got, err)
	}
	c.SetReadDeadline(time.Time{})
}

// waitClosed reads from c until it returns EOF or an error other than a
// timeout, and fails t if that takes more than within. It returns how long
// it waited and the error (nil for EOF). Bytes read are discarded.
func waitClosed(t *testing.T, c net.Conn, within time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(within))
	_, err := io.Copy(io.Discard, c)
	waited := time.Since(start)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after %v", within)
	}
	return waited, err
}

func checkOutstanding(t *testing.T, bs ...*balance.Backend) {
	t.Helper()
	for _, b := range bs {
		if n := b.Outstanding(); n != 0 {
			t.Errorf("backend %s has %d outstanding connections after the connections ended, want 0", b.ID, n)
		}
	}
}

func TestBothDirections(t *testing.T) {
	forEachCopy(t, func(t *testing.T) {
		checkGoroutines(t)
		const size = 1 << 20
		up, down := make([]byte, size), make([]byte, size)
		rand.Read(up)
		rand.Read(down)
		gotUp := make(chan [32]byte, 1)
		b := startBackend(t, "i-1", func(c *net.TCPConn) {
			var wg sync.WaitGroup
			wg.Go(func() {
				c.Write(down)
				c.CloseWrite()
			})
			h := sha256.New()
			io.Copy(h, c)
			gotUp <- [32]byte(h.Sum(nil))
			wg.Wait()
		})
		p := startProxy(t, "", &Config{Candidates: candidates(b), Picker: new(balance.RoundRobin)})

		c := p.dial(t)
		var wg sync.WaitGroup
		var werr error
		wg.Go(func() {
			if _, werr = c.Write(up); werr == nil {
				werr = c.CloseWrite()
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
		if st.Err != nil || st.BytesIn != size || st.BytesOut != size || st.BackendID != "i-1" || st.Backend != b.Addr {
			t.Errorf("Stats = %+v, want Err nil, BytesIn and BytesOut %d, backend i-1 at %v", st, size, b.Addr)
		}
		if st.Client != addrPort(c.LocalAddr()) || st.ConnectTime <= 0 || st.Start.IsZero() {
			t.Errorf("Stats = %+v, want Client %v, a ConnectTime and a Start", st, c.LocalAddr())
		}
		checkOutstanding(t, b)
	})
}

func TestHalfClose(t *testing.T) {
	forEachCopy(t, func(t *testing.T) {
		t.Run("client first", func(t *testing.T) {
			checkGoroutines(t)
			// The backend answers only after the client's end of stream, with
			// more than the socket buffers hold, then closes.
			reply := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
			got := make(chan string, 1)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				req, _ := io.ReadAll(c)
				got <- string(req)
				c.Write(reply)
			})
			p := startProxy(t, "", &Config{Candidates: candidates(b)})
			c := p.dial(t)
			c.Write([]byte("request"))
			c.CloseWrite()
			if req := <-got; req != "request" {
				t.Errorf("backend read %q before EOF, want %q", req, "request")
			}
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := io.ReadAll(c)
			if err != nil || !bytes.Equal(resp, reply) {
				t.Errorf("client read %d bytes, %v; want the %d-byte reply then EOF", len(resp), err, len(reply))
			}
			if st := p.next(t); st.Err != nil || st.BytesIn != 7 || st.BytesOut != int64(len(reply)) {
				t.Errorf("Stats = %+v, want Err nil, BytesIn 7, BytesOut %d", st, len(reply))
			}
			checkOutstanding(t, b)
		})
		t.Run("backend first", func(t *testing.T) {
			checkGoroutines(t)
			// The backend sends a greeting and its end of stream at once, then
			// reads what the client sends afterwards.
			got := make(chan string, 1)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				c.Write([]byte("hello"))
				c.CloseWrite()
				req, _ := io.ReadAll(c)
				got <- string(req)
			})
			p := startProxy(t, "", &Config{Candidates: candidates(b)})
			c := p.dial(t)
			c.SetReadDeadline(time.Now().Add(slack))
			if greeting, err := io.ReadAll(c); err != nil || string(greeting) != "hello" {
				t.Fatalf("client read %q, %v; want hello then EOF", greeting, err)
			}
			c.Write([]byte("after the backend's EOF"))
			c.CloseWrite()
			if req := <-got; req != "after the backend's EOF" {
				t.Errorf("backend read %q, want %q", req, "after the backend's EOF")
			}
			if st := p.next(t); st.Err != nil {
				t.Errorf("Stats.Err = %v, want nil", st.Err)
			}
		})
	})
}

func TestIdleTimeout(t *testing.T) {
	forEachCopy(t, func(t *testing.T) {
		t.Run("idle connection closed", func(t *testing.T) {
			checkGoroutines(t)
			backendEOF := make(chan error, 1)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				_, err := io.Copy(c, c)
				backendEOF <- err
			})
			p := startProxy(t, "", &Config{Candidates: candidates(b), IdleTimeout: idle})
			c := p.dial(t)
			// Lower bounds on the idle time are measured from before the last
			// byte is sent, so that a slow machine cannot make them fail.
			sent := time.Now()
			roundTrip(t, c, "x")
			_, err := waitClosed(t, c, idle+slack)
			if err != nil {
				t.Errorf("client read error %v, want EOF (an idle timeout closes normally)", err)
			}
			if waited := time.Since(sent); waited < idle-jiffy {
				t.Errorf("idle connection closed %v after its last byte, before the %v idle timeout", waited, idle)
			}
			if err := <-backendEOF; err != nil {
				t.Errorf("backend read error %v, want EOF", err)
			}
			if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) || st.BytesIn != 1 || st.BytesOut != 1 {
				t.Errorf("Stats = %+v, want ErrIdleTimeout with 1 byte each way", st)
			}
			checkOutstanding(t, b)
		})
		t.Run("never used", func(t *testing.T) {
			checkGoroutines(t)
			b := startBackend(t, "i-1", echo)
			p := startProxy(t, "", &Config{Candidates: candidates(b), IdleTimeout: idle})
			c := p.dial(t)
			waitClosed(t, c, idle+slack)
			if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) {
				t.Errorf("Stats.Err = %v, want ErrIdleTimeout", st.Err)
			}
		})
		// Bytes flowing one way keep the connection open for several idle
		// timeouts; once they stop, it closes after one more.
		t.Run("backend to client only", func(t *testing.T) {
			checkGoroutines(t)
			const n = 25 // one byte every idle/5: 5 idle timeouts
			lastSent := make(chan time.Time, 1)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				tick := time.NewTicker(idle / 5)
				defer tick.Stop()
				var sent time.Time
				for range n {
					<-tick.C
					sent = time.Now()
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
				lastSent <- sent
				io.Copy(io.Discard, c) // until the proxy closes
			})
			p := startProxy(t, "", &Config{Candidates: candidates(b), IdleTimeout: idle})
			c := p.dial(t)
			c.SetReadDeadline(time.Now().Add(n*idle/5 + slack))
			got, err := io.ReadFull(c, make([]byte, n))
			if err != nil {
				t.Fatalf("client read %d of %d bytes: %v (closed while the backend was sending?)", got, n, err)
			}
			waitClosed(t, c, idle+slack)
			if waited := time.Since(<-lastSent); waited < idle-jiffy {
				t.Errorf("closed %v after the last byte, before the %v idle timeout", waited, idle)
			}
			if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) || st.BytesOut != n || st.BytesIn != 0 {
				t.Errorf("Stats = %+v, want ErrIdleTimeout, BytesOut %d, BytesIn 0", st, n)
			}
		})
		t.Run("client to backend only", func(t *testing.T) {
			checkGoroutines(t)
			const n = 25
			received := make(chan int64, 1)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				k, _ := io.Copy(io.Discard, c)
				received <- k
			})
			p := startProxy(t, "", &Config{Candidates: candidates(b), IdleTimeout: idle})
			c := p.dial(t)
			tick := time.NewTicker(idle / 5)
			defer tick.Stop()
			for i := range n {
				<-tick.C
				if _, err := c.Write([]byte("x")); err != nil {
					t.Fatalf("write %d: %v (closed while the client was sending?)", i, err)
				}
			}
			waitClosed(t, c, idle+slack)
			if k := <-received; k != n {
				t.Errorf("backend received %d bytes, want %d", k, n)
			}
			if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) || st.BytesIn != n {
				t.Errorf("Stats = %+v, want ErrIdleTimeout, BytesIn %d", st, n)
			}
		})
		// A client that reads slowly but steadily is receiving data: it is not
		// idle even when the proxy's writes to it block for longer than the
		// idle timeout.
		t.Run("slow reader", func(t *testing.T) {
			if forceTrackedCopy {
				// A write blocks until the peer has drained half the send
				// buffer (several MiB on loopback), and user space sees no
				// progress until then.
				t.Skip("the tracked copy cannot see a blocked write's progress: it closes if the peer drains less than half the send buffer in the idle timeout")
			}
			checkGoroutines(t)
			const size = 4 << 20
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				c.Write(make([]byte, size))
				c.CloseWrite()
				io.Copy(io.Discard, c)
			})
			p := startProxy(t, "", &Config{Candidates: candidates(b), IdleTimeout: idle})
			c := p.dial(t)
			c.SetReadBuffer(64 << 10)
			got := readSlowly(t, c, idle, slack, size)
			if got != size {
				t.Errorf("slow reader received %d bytes, want %d (closed as idle?)", got, size)
			}
			c.CloseWrite()
			if st := p.next(t); st.Err != nil {
				t.Errorf("Stats.Err = %v, want nil", st.Err)
			}
		})
		// A client that neither sends nor reads is idle even though the
		// backend has more to send: nothing moves once the buffers are full.
		t.Run("stalled reader", func(t *testing.T) {
			checkGoroutines(t)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				c.Write(make([]byte, 64<<20)) // until the proxy closes
			})
			p := startProxy(t, "", &Config{Candidates: candidates(b), IdleTimeout: idle})
			p.dial(t)
			if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) {
				t.Errorf("Stats.Err = %v, want ErrIdleTimeout", st.Err)
			}
		})
		// After a half-close the remaining direction still times out.
		t.Run("half-closed", func(t *testing.T) {
			checkGoroutines(t)
			release := make(chan struct{})
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				io.Copy(io.Discard, c) // reads the client's EOF
				<-release              // and keeps its own half open, sending nothing
			})
			t.Cleanup(func() { close(release) })
			p := startProxy(t, "", &Config{Candidates: candidates(b), IdleTimeout: idle})
			c := p.dial(t)
			c.CloseWrite()
			waitClosed(t, c, idle+slack)
			if st := p.next(t); !errors.Is(st.Err, ErrIdleTimeout) {
				t.Errorf("Stats.Err = %v, want ErrIdleTimeout", st.Err)
			}
		})
	})
}

func TestProxyProtocol(t *testing.T) {
	tests := []struct {
		name           string
		listen, client string // listen address, client's local address
		proto          string
		wantSrc        string // expected source address in the line
		wantDst        string
	}{
		{"IPv4", "127.0.0.2:0", "127.0.0.3", "TCP4", "127.0.0.3", "127.0.0.2"},
		{"IPv6", "[::1]:0", "::1", "TCP6", "::1", "::1"},
		{"IPv4 on a dual-stack listener", "[::]:0", "127.0.0.3", "TCP4", "127.0.0.3", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			if strings.HasPrefix(tt.listen, "[") {
				ln, err := net.Listen("tcp", "[::1]:0")
				if err != nil {
					t.Skipf("IPv6 loopback unavailable: %v", err)
				}
				ln.Close()
			}
			lines := make(chan string, 1)
			b := startBackend(t, "i-1", func(c *net.TCPConn) {
				r := bufio.NewReader(c)
				line, _ := r.ReadString('\n')
				lines <- line
				io.Copy(c, r) // echo what follows
			})
			p := startProxy(t, tt.listen, &Config{Candidates: candidates(b), ProxyProtocol: true})
			dst := p.addr
			if dst.Addr().IsUnspecified() {
				dst = netip.AddrPortFrom(netip.MustParseAddr(tt.wantDst), dst.Port())
			}
			c, err := net.DialTCP("tcp", &net.TCPAddr{IP: net.ParseIP(tt.client)}, net.TCPAddrFromAddrPort(dst))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			roundTrip(t, c, "payload after the header")

			src := addrPort(c.LocalAddr())
			want := fmt.Sprintf("PROXY %s %s %s %d %d\r\n", tt.proto, tt.wantSrc, tt.wantDst, src.Port(), dst.Port())
			line := <-lines
			if line != want {
				t.Errorf("backend received %q, want %q", line, want)
			}
			h, err := proxyproto.ParseV1([]byte(line))
			wantH := proxyproto.Header{Protocol: proxyproto.TCP4,
				Src: netip.AddrPortFrom(netip.MustParseAddr(tt.wantSrc), src.Port()),
				Dst: netip.AddrPortFrom(netip.MustParseAddr(tt.wantDst), dst.Port())}
			if tt.proto == "TCP6" {
				wantH.Protocol = proxyproto.TCP6
			}
			if err != nil || h != wantH {
				t.Errorf("ParseV1(%q) = %+v, %v, want %+v", line, h, err, wantH)
			}
			c.CloseWrite()
			if st := p.next(t); st.Err != nil || st.BytesIn != int64(len("payload after the header")) {
				t.Errorf("Stats = %+v, want Err nil, BytesIn not counting the header", st)
			}
		})
	}
}

func TestNoProxyProtocol(t *testing.T) {
	checkGoroutines(t)
	first := make(chan string, 1)
	b := startBackend(t, "i-1", func(c *net.TCPConn) {
		buf := make([]byte, 5)
		io.ReadFull(c, buf)
		first <- string(buf)
	})
	p := startProxy(t, "", &Config{Candidates: candidates(b)})
	c := p.dial(t)
	c.Write([]byte("hello"))
	if got := <-first; got != "hello" {
		t.Errorf("backend's first bytes = %q, want the client's %q", got, "hello")
	}
}

func TestDialFailover(t *testing.T) {
	checkGoroutines(t)
	dead := refusedBackend(t, "i-dead")
	live := startBackend(t, "i-live", echo)
	p := startProxy(t, "", &Config{Candidates: candidates(dead, live), Picker: new(balance.RoundRobin)})
	c := p.dial(t)
	roundTrip(t, c, "ping")
	if n := live.Outstanding(); n != 1 {
		t.Errorf("live backend has %d outstanding connections during the connection, want 1", n)
	}
	c.CloseWrite()
	st := p.next(t)
	if st.Err != nil || st.BackendID != "i-live" || st.Backend != live.Addr || st.ConnectErrors != 1 {
		t.Errorf("Stats = %+v, want Err nil on i-live after 1 connect error", st)
	}
	if n := strings.Count(p.log.String(), "cannot connect to backend"); n != 1 {
		t.Errorf("logged %d dial failures, want 1:\n%s", n, p.log)
	}
	checkOutstanding(t, dead, live)
}

func TestAllBackendsRefuse(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		attempts int
	}{
		{"one backend", 1, 1},
		{"two backends", 2, 2},
		{"three backends", 3, 2}, // one retry only
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			var bs []*balance.Backend
			for i := range tt.n {
				bs = append(bs, refusedBackend(t, fmt.Sprintf("i-%d", i)))
			}
			p := startProxy(t, "", &Config{Candidates: candidates(bs...), Picker: new(balance.RoundRobin)})
			c := p.dial(t)
			waitClosed(t, c, slack)
			st := p.next(t)
			if !errors.Is(st.Err, syscall.ECONNREFUSED) || st.BackendID == "" || st.ConnectErrors != tt.attempts {
				t.Errorf("Stats = %+v, want a connection refused error naming the last backend tried after %d connect errors", st, tt.attempts)
			}
			if n := strings.Count(p.log.String(), "cannot connect to backend"); n != tt.attempts {
				t.Errorf("logged %d dial failures, want %d:\n%s", n, tt.attempts, p.log)
			}
			checkOutstanding(t, bs...)
		})
	}
}

func TestNoCandidates(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cands func() []*balance.Backend
	}{
		{"empty", candidates()},
		{"nil func", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			p := startProxy(t, "", &Config{Candidates: tt.cands})
			c := p.dial(t)
			waitClosed(t, c, slack)
			if st := p.next(t); !errors.Is(st.Err, ErrNoBackend) || st.BackendID != "" {
				t.Errorf("Stats = %+v, want ErrNoBackend and no backend", st)
			}
			if !strings.Contains(p.log.String(), "no backend") {
				t.Errorf("log does not give the reason:\n%s", p.log)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	forEachCopy(t, func(t *testing.T) {
		checkGoroutines(t)
		backendErr := make(chan error, 1)
		b := startBackend(t, "i-1", func(c *net.TCPConn) {
			_, err := io.Copy(c, c)
			backendErr <- err
		})
		p := startProxy(t, "", &Config{Candidates: candidates(b)})
		c := p.dial(t)
		roundTrip(t, c, "x")
		if n := b.Outstanding(); n != 1 {
			t.Errorf("backend has %d outstanding connections, want 1", n)
		}
		p.cancel()
		if _, err := waitClosed(t, c, slack); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("client read error after cancel = %v, want a reset", err)
		}
		if err := <-backendErr; !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("backend read error after cancel = %v, want a reset", err)
		}
		if st := p.next(t); !errors.Is(st.Err, context.Canceled) {
			t.Errorf("Stats.Err = %v, want context.Canceled", st.Err)
		}
		checkOutstanding(t, b)
	})
}

// A reset on one side is passed on as a reset, not as a clean end of
// stream the client could mistake for a complete response.
func TestBackendReset(t *testing.T) {
	forEachCopy(t, func(t *testing.T) {
		checkGoroutines(t)
		b := startBackend(t, "i-1", func(c *net.TCPConn) {
			c.Read(make([]byte, 1)) // connected: a reset now is not a dial failure
			c.Write([]byte("partial"))
			c.SetLinger(0)
		})
		p := startProxy(t, "", &Config{Candidates: candidates(b)})
		c := p.dial(t)
		c.Write([]byte("x"))
		if _, err := waitClosed(t, c, slack); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("client read error = %v, want a reset", err)
		}
		if st := p.next(t); !errors.Is(st.Err, syscall.ECONNRESET) {
			t.Errorf("Stats.Err = %v, want a reset", st.Err)
		}
		checkOutstanding(t, b)
	})
}

// Many concurrent connections over two backends: round robin spreads them
// and every counter returns to zero.
func TestConcurrentConnections(t *testing.T) {
	forEachCopy(t, func(t *testing.T) {
		checkGoroutines(t)
		var served [2]atomic.Int64
		b0 := startBackend(t, "i-0", func(c *net.TCPConn) { served[0].Add(1); echo(c) })
		b1 := startBackend(t, "i-1", func(c *net.TCPConn) { served[1].Add(1); echo(c) })
		p := startProxy(t, "", &Config{Candidates: candidates(b0, b1), Picker: new(balance.RoundRobin)})
		const n = 50
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(p.addr))
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				msg := fmt.Sprintf("message %d", i)
				c.Write([]byte(msg))
				c.CloseWrite()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				if got, err := io.ReadAll(c); err != nil || string(got) != msg {
					t.Errorf("connection %d: echo = %q, %v; want %q", i, got, err, msg)
				}
			})
		}
		wg.Wait()
		for range n {
			if st := p.next(t); st.Err != nil {
				t.Errorf("Stats.Err = %v, want nil", st.Err)
			}
		}
		if served[0].Load() != n/2 || served[1].Load() != n/2 {
			t.Errorf("backends served %d and %d connections, want %d each", served[0].Load(), served[1].Load(), n/2)
		}
		checkOutstanding(t, b0, b1)
	})
}

// failures records OnBackendFailure calls.
type failures struct {
	mu  sync.Mutex
	ids []string
}

func (f *failures) record(b *balance.Backend, err error) {
	if err == nil {
		panic("OnBackendFailure without an error")
	}
	f.mu.Lock()
	f.ids = append(f.ids, b.ID)
	f.mu.Unlock()
}

func (f *failures) get() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ids...)
}

func TestOnBackendFailure(t *testing.T) {
	for _, tt := range []struct {
		name    string
		backs   []string // "dead" refuses, "live" echoes, "retired" is retired
		wantErr bool
		want    []string // failures reported, in order
		wantID  string   // backend in Stats
	}{
		{"live", []string{"live"}, false, nil, "i-0"},
		{"failover", []string{"dead", "live"}, false, []string{"i-0"}, "i-1"},
		{"one refuses", []string{"dead"}, true, []string{"i-0"}, "i-0"},
		{"all refuse, one retry", []string{"dead", "dead", "dead"}, true, []string{"i-0", "i-1"}, "i-1"},
		{"retired is skipped, not a failure", []string{"retired", "live"}, false, nil, "i-1"},
		{"only retired", []string{"retired"}, true, nil, "i-0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			var bs []*balance.Backend
			for i, kind := range tt.backs {
				id := fmt.Sprintf("i-%d", i)
				switch kind {
				case "dead":
					bs = append(bs, refusedBackend(t, id))
				case "live":
					bs = append(bs, startBackend(t, id, echo))
				case "retired":
					b := startBackend(t, id, echo)
					b.Retire()
					bs = append(bs, b)
				}
			}
			var f failures
			p := startProxy(t, "", &Config{Candidates: candidates(bs...), Picker: new(balance.RoundRobin), OnBackendFailure: f.record})
			c := p.dial(t)
			if tt.wantErr {
				waitClosed(t, c, slack)
			} else {
				roundTrip(t, c, "ping")
				c.CloseWrite()
				waitClosed(t, c, slack)
			}
			st := p.next(t)
			if (st.Err != nil) != tt.wantErr || st.BackendID != tt.wantID || st.ConnectErrors != len(tt.want) {
				t.Errorf("Stats = %+v, want error %v on %s after %d connect errors", st, tt.wantErr, tt.wantID, len(tt.want))
			}
			if tt.backs[0] == "retired" && !strings.Contains(p.log.String(), ErrBackendRetired.Error()) {
				t.Errorf("the retired backend was not picked first:\n%s", p.log)
			}
			if tt.wantErr && len(tt.want) == 0 && !errors.Is(st.Err, ErrBackendRetired) {
				t.Errorf("Stats.Err = %v, want ErrBackendRetired", st.Err)
			}
			if got := f.get(); !slicesEqual(got, tt.want) {
				t.Errorf("OnBackendFailure called for %v, want %v", got, tt.want)
			}
			checkOutstanding(t, bs...)
		})
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Retiring a backend resets the connections to it, both sides, and only
// those.
func TestRetireClosesConnections(t *testing.T) {
	forEachCopy(t, func(t *testing.T) {
		checkGoroutines(t)
		backendErr := make(chan error, 4)
		handle := func(c *net.TCPConn) {
			_, err := io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c})
			backendErr <- err
		}
		gone := startBackend(t, "i-gone", handle)
		stay := startBackend(t, "i-stay", handle)
		pGone := startProxy(t, "", &Config{Candidates: candidates(gone)})
		pStay := startProxy(t, "", &Config{Candidates: candidates(stay)})
		cGone, cStay := pGone.dial(t), pStay.dial(t)
		roundTrip(t, cGone, "a")
		roundTrip(t, cStay, "b")

		gone.Retire()
		if _, err := waitClosed(t, cGone, slack); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("client read error after Retire = %v, want a reset", err)
		}
		select {
		case err := <-backendErr:
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("backend read error after Retire = %v, want a reset", err)
			}
		case <-time.After(slack):
			t.Fatal("the retired backend's connection is still open")
		}
		if st := pGone.next(t); !errors.Is(st.Err, ErrBackendRetired) {
			t.Errorf("Stats.Err = %v, want ErrBackendRetired", st.Err)
		}
		// The other backend's connection is untouched.
		roundTrip(t, cStay, "still here")
		cStay.CloseWrite()
		waitClosed(t, cStay, slack)
		if st := pStay.next(t); st.Err != nil {
			t.Errorf("other connection: Stats.Err = %v, want nil", st.Err)
		}
		checkOutstanding(t, gone, stay)
	})
}

// A connection that ends normally is unaffected by a later Retire.
func TestRetireAfterEnd(t *testing.T) {
	checkGoroutines(t)
	b := startBackend(t, "i-1", echo)
	p := startProxy(t, "", &Config{Candidates: candidates(b)})
	c := p.dial(t)
	roundTrip(t, c, "x")
	c.CloseWrite()
	waitClosed(t, c, slack)
	if st := p.next(t); st.Err != nil {
		t.Errorf("Stats.Err = %v, want nil", st.Err)
	}
	b.Retire()
	checkOutstanding(t, b)
}

// readSlowly reads c in 64 KiB steps, one every idle/8, until the peer
// ends the stream, and returns the bytes read: a reader that is slow but
// never idle for a whole IdleTimeout.
func readSlowly(t *testing.T, c net.Conn, idle, slack time.Duration, size int) int {
	t.Helper()
	buf := make([]byte, 64<<10)
	var got int
	tick := time.NewTicker(idle / 8)
	defer tick.Stop()
	c.SetReadDeadline(time.Now().Add(time.Duration(size/len(buf))*idle/8 + 5*slack))
	for {
		<-tick.C
		n, err := io.ReadFull(c, buf)
		got += n
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return got
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
	}
}
