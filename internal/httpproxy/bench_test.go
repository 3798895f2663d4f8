package httpproxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
)

// fastResponse is what the benchmark back end answers: 13 bytes of body,
// like the HAProxy measurements.
const fastResponse = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, world!"

// fastBackend answers every GET head it reads with fastResponse, without
// allocating per request, so that allocation counts measure the proxy.
func fastBackend(tb testing.TB) *balance.Backend {
	tb.Helper()
	return fastTLSBackend(tb, nil)
}

// fastTLSBackend is fastBackend serving TLS with conf (plain if nil).
func fastTLSBackend(tb testing.TB, conf *tls.Config) *balance.Backend {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := addrOf(ln)
	if conf != nil {
		ln = tls.NewListener(ln, conf)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 64<<10)
				resp := make([]byte, 0, 64*len(fastResponse))
				n := 0
				for {
					k, err := c.Read(buf[n:])
					if err != nil {
						return
					}
					n += k
					// Answer every complete head in the buffer.
					resp = resp[:0]
					for {
						i := bytes.Index(buf[:n], []byte("\r\n\r\n"))
						if i < 0 {
							break
						}
						resp = append(resp, fastResponse...)
						n = copy(buf, buf[i+4:n])
					}
					if len(resp) > 0 {
						if _, err := c.Write(resp); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	b := balance.NewBackend("i-fast", "z", addr)
	b.SetHealthy(true)
	return b
}

// serveProxy runs p on a loopback listener until the test ends.
func serveProxy(tb testing.TB, p *Proxy, cfg *Config) string {
	tb.Helper()
	return serveProxyTLS(tb, p, cfg, nil)
}

// serveProxyTLS is serveProxy for an HTTPS listener with conf (HTTP if
// nil): like the data plane, it completes each handshake before ServeConn.
func serveProxyTLS(tb testing.TB, p *Proxy, cfg *Config, conf *tls.Config) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if conf != nil {
					tc := tls.Server(c, conf)
					if tc.Handshake() != nil {
						c.Close()
						return
					}
					c = tc
				}
				p.ServeConn(ctx, c, func() *Config { return cfg })
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		cancel()
		wg.Wait()
		p.CloseIdle()
	})
	return ln.Addr().String()
}

// benchClient sends a fixed GET and reads a response of a length learned
// from the first one, without allocating.
type benchClient struct {
	c    net.Conn
	req  []byte
	buf  []byte
	size int
}

func newBenchClient(tb testing.TB, addr string) *benchClient {
	tb.Helper()
	return newTLSBenchClient(tb, addr, nil)
}

// newTLSBenchClient is newBenchClient over TLS with conf (plain if nil).
func newTLSBenchClient(tb testing.TB, addr string, conf *tls.Config) *benchClient {
	tb.Helper()
	var c net.Conn
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	if conf != nil {
		tc := tls.Client(c, conf)
		if err := tc.Handshake(); err != nil {
			tb.Fatal(err)
		}
		c = tc
	}
	bc := &benchClient{
		c:   c,
		req: []byte("GET /bench HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n"),
		buf: make([]byte, 4096),
	}
	// Learn the response size (ReverseProxy adds Date and Content-Type).
	if _, err := c.Write(bc.req); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for {
		k, err := c.Read(bc.buf[n:])
		if err != nil {
			tb.Fatal(err)
		}
		n += k
		if i := bytes.Index(bc.buf[:n], []byte("\r\n\r\n")); i >= 0 {
			j := bytes.Index(bc.buf[:i], []byte("Content-Length: "))
			if j < 0 {
				tb.Fatalf("no Content-Length in %q", bc.buf[:n])
			}
			e := bytes.IndexByte(bc.buf[j:i+2], '\r')
			cl, err := strconv.Atoi(string(bc.buf[j+16 : j+e]))
			if err != nil {
				tb.Fatal(err)
			}
			bc.size = i + 4 + cl
			break
		}
	}
	if _, err := io.ReadFull(c, bc.buf[n:bc.size]); err != nil && n < bc.size {
		tb.Fatal(err)
	}
	if !bytes.HasPrefix(bc.buf, []byte("HTTP/1.1 200 OK\r\n")) {
		tb.Fatalf("response %q", bc.buf[:bc.size])
	}
	return bc
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs do in a b.Loop and reports the process CPU per request
// (client, proxy and back end together) as cpu-ns/op.
func loopCPU(b *testing.B, do func() error) {
	b.ReportAllocs()
	start, n := cpuTime(), 0
	for b.Loop() {
		if err := do(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
}

func (bc *benchClient) do() error {
	if _, err := bc.c.Write(bc.req); err != nil {
		return err
	}
	_, err := io.ReadFull(bc.c, bc.buf[:bc.size])
	return err
}

func fastConfig(b *balance.Backend, onRequest func(*Record)) *Config {
	cands := []*balance.Backend{b}
	return &Config{
		Candidates: func() []*balance.Backend { return cands },
		Picker:     &balance.LeastOutstanding{},
		Scheme:     "http",
		Port:       80,
		OnRequest:  onRequest,
	}
}

// TestKeepAliveAllocs pins the allocation budget of the steady-state
// keep-alive GET path: pooled client state, pooled back-end connection,
// small response. Client and back end allocate nothing, so the count is the
// proxy's.
func TestKeepAliveAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end allocation count")
	}
	s := newTLSSetup(t)
	for _, tc := range []struct {
		name      string
		onRequest func(*Record)
		tls       bool
		budget    float64
	}{
		{"no hook", nil, false, 0},
		{"with OnRequest", func(*Record) {}, false, 0},
		// crypto/tls allocates once per record read (an atLeastReader
		// in readFromUntil): the client's read of the response and the
		// proxy's read of the request. The proxy adds nothing.
		{"HTTPS listener", func(*Record) {}, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := fastBackend(t)
			var serving, client *tls.Config
			if tc.tls {
				serving, client = s.proxyServing, s.clientConf
			}
			addr := serveProxyTLS(t, New(Options{}), fastConfig(be, tc.onRequest), serving)
			c := newTLSBenchClient(t, addr, client)
			for range 100 { // warm the pools
				if err := c.do(); err != nil {
					t.Fatal(err)
				}
			}
			// testing.AllocsPerRun rounds down to a whole number;
			// count exactly instead.
			const n = 5000
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for range n {
				if err := c.do(); err != nil {
					t.Fatal(err)
				}
			}
			runtime.ReadMemStats(&m1)
			allocs := float64(m1.Mallocs-m0.Mallocs) / n
			t.Logf("%.4f allocations, %.1f bytes per proxied request (%d in %d requests)",
				allocs, float64(m1.TotalAlloc-m0.TotalAlloc)/n, m1.Mallocs-m0.Mallocs, n)
			// The race detector's instrumentation allocates on its own;
			// the budget is checked without it.
			if !raceEnabled && allocs > tc.budget+0.05 {
				t.Errorf("%.3f allocations per keep-alive GET, want %v", allocs, tc.budget)
			}
		})
	}
}

// BenchmarkProxyKeepAliveGET measures a keep-alive GET end to end through
// loopback: client write, proxy (read, classify, parse, rewrite, pooled
// back-end round trip, response relay), back end. One request in flight;
// ns/op is latency and includes client and back end CPU on the same cores.
func BenchmarkProxyKeepAliveGET(b *testing.B) {
	be := fastBackend(b)
	addr := serveProxy(b, New(Options{}), fastConfig(be, nil))
	c := newBenchClient(b, addr)
	loopCPU(b, c.do)
}

// BenchmarkProxyKeepAliveGETParallel keeps several connections busy, which
// measures throughput rather than latency.
func BenchmarkProxyKeepAliveGETParallel(b *testing.B) {
	be := fastBackend(b)
	addr := serveProxy(b, New(Options{}), fastConfig(be, func(*Record) {}))
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		c := newBenchClient(b, addr)
		for pb.Next() {
			if err := c.do(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkDirectKeepAliveGET is the same client against the back end
// directly: subtract its ns/op and cpu-ns/op from the proxied figures to
// get the proxy's share.
func BenchmarkDirectKeepAliveGET(b *testing.B) {
	be := fastBackend(b)
	c := newBenchClient(b, be.Addr.String())
	loopCPU(b, c.do)
}

// BenchmarkReverseProxyKeepAliveGET is the baseline the package replaces:
// net/http's server with httputil.ReverseProxy and a tuned transport.
func BenchmarkReverseProxyKeepAliveGET(b *testing.B) {
	be := fastBackend(b)
	target, _ := url.Parse("http://" + be.Addr.String())
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute, DisableCompression: true}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: rp}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	c := newBenchClient(b, ln.Addr().String())
	loopCPU(b, c.do)
}

// BenchmarkProxyKeepAliveGETTLS is BenchmarkProxyKeepAliveGET on an HTTPS
// listener: the client's requests and responses are encrypted, the
// handshake done once before the loop; the back end speaks HTTP.
// Allocations come from crypto/tls's record reads, not from the proxy
// (compare with BenchmarkDirectKeepAliveGETTLS).
func BenchmarkProxyKeepAliveGETTLS(b *testing.B) {
	s := newTLSSetup(b)
	be := fastBackend(b)
	addr := serveProxyTLS(b, New(Options{}), fastConfig(be, nil), s.proxyServing)
	c := newTLSBenchClient(b, addr, s.clientConf)
	loopCPU(b, c.do)
}

// BenchmarkProxyKeepAliveGETBackendTLS has TLS on both sides (an HTTPS
// listener to an HTTPS instance port, with a pinned back-end key), over a
// pooled back-end connection.
func BenchmarkProxyKeepAliveGETBackendTLS(b *testing.B) {
	s := newTLSSetup(b)
	be := fastTLSBackend(b, s.backendConf)
	cfg := fastConfig(be, nil)
	cfg.BackendTLS = s.backendPins
	addr := serveProxyTLS(b, New(Options{}), cfg, s.proxyServing)
	c := newTLSBenchClient(b, addr, s.clientConf)
	loopCPU(b, c.do)
}

// BenchmarkDirectKeepAliveGETTLS is a TLS client against a TLS back end
// directly: the baseline of the TLS benchmarks.
func BenchmarkDirectKeepAliveGETTLS(b *testing.B) {
	s := newTLSSetup(b)
	be := fastTLSBackend(b, s.backendConf)
	c := newTLSBenchClient(b, be.Addr.String(), s.pki.ClientConfig("backend.test"))
	loopCPU(b, c.do)
}
