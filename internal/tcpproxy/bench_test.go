//go:build unix

package tcpproxy

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
)

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTCPProxyThroughput sends 64 MiB per iteration over one
// connection from a client to a backend that discards it: "direct" without
// the proxy, "splice" through it with the kernel-assisted copy, "tracked"
// through it with the user-space copy (what any wrapper around the
// connections would cost). cpu-s/GB is the CPU time of the whole process
// (client, proxy and backend) per GB moved, so the proxy's own cost is the
// difference from "direct".
func BenchmarkTCPProxyThroughput(b *testing.B) {
	const size = 64 << 20
	for _, mode := range []string{"direct", "splice", "tracked"} {
		b.Run(mode, func(b *testing.B) {
			if mode == "splice" && !kernelActivity {
				b.Skip("no kernel-assisted copy on this platform")
			}
			forceTrackedCopy = mode == "tracked"
			b.Cleanup(func() { forceTrackedCopy = false })

			received := make(chan int64)
			backend := startBackend(b, "i-1", func(c *net.TCPConn) { countChunks(c, size, received) })
			addr := backend.Addr
			if mode != "direct" {
				p := startProxy(b, "", &Config{
					Candidates: candidates(backend),
					Logger:     slog.New(slog.DiscardHandler),
					OnDone:     func(Stats) {},
				})
				addr = p.addr
			}
			c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(addr))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			chunk := make([]byte, 1<<20)
			b.SetBytes(size)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				for range size / len(chunk) {
					if _, err := c.Write(chunk); err != nil {
						b.Fatal(err)
					}
				}
				<-received
			}
			cpu := cpuTime(b) - cpu0
			b.ReportMetric(cpu.Seconds()/(float64(b.N)*size/1e9), "cpu-s/GB")
		})
	}
}

// BenchmarkTCPProxyConnect measures connection setup through the proxy:
// per iteration a client connects, sends one byte, reads its echo and
// resets the connection (so no socket lingers in TIME_WAIT). "direct"
// connects to the echo backend without the proxy. Allocations and
// cpu-µs/conn (the whole process's CPU time) include the client's and the
// backend's: the proxy's share is the difference from "direct".
func BenchmarkTCPProxyConnect(b *testing.B) {
	for _, mode := range []string{"direct", "proxy"} {
		b.Run(mode, func(b *testing.B) {
			backend := startBackend(b, "i-1", func(c *net.TCPConn) {
				buf := make([]byte, 1)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			})
			addr := backend.Addr
			if mode == "proxy" {
				p := startProxy(b, "", &Config{
					Candidates: candidates(backend),
					Picker:     new(balance.RoundRobin),
					Logger:     slog.New(slog.DiscardHandler),
					OnDone:     func(Stats) {},
				})
				addr = p.addr
			}
			raddr := net.TCPAddrFromAddrPort(addr)
			buf := []byte{'x'}
			b.ReportAllocs()
			start, cpu0 := time.Now(), cpuTime(b)
			for b.Loop() {
				c, err := net.DialTCP("tcp", nil, raddr)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Write(buf); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
				c.SetLinger(0)
				c.Close()
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "conns/s")
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/conn")
		})
	}
}

// BenchmarkTCPProxyTLSThroughput is BenchmarkTCPProxyThroughput with TLS:
// "direct" is a TLS client writing to a TLS backend without the proxy;
// "client" terminates the client's TLS in the proxy (an SSL listener to a
// TCP instance port), "backend" originates TLS to the backend (TCP to
// SSL), "both" does both (SSL to SSL), each through the user-space copy
// with pooled buffers. cpu-s/GB is the whole process's CPU time per GB,
// encryption on every side included.
func BenchmarkTCPProxyTLSThroughput(b *testing.B) {
	const size = 64 << 20
	s := newTLSSetup(b)
	for _, mode := range []string{"direct", "client", "backend", "both"} {
		b.Run(mode, func(b *testing.B) {
			clientTLS := mode != "backend"
			backendTLS := mode != "client"
			received := make(chan int64)
			var conf *tls.Config
			if backendTLS {
				conf = s.backendConf
			}
			backend := startConnBackend(b, "i-1", conf, func(c net.Conn) { countChunks(c, size, received) })
			addr := backend.Addr
			if mode != "direct" {
				p := s.startProxy(b, &Config{
					Candidates: candidates(backend),
					Logger:     slog.New(slog.DiscardHandler),
					OnDone:     func(Stats) {},
				}, clientTLS, backendTLS, false)
				addr = p.addr
			}
			raw, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(addr))
			if err != nil {
				b.Fatal(err)
			}
			var c net.Conn = raw
			if clientTLS {
				conf := s.clientConf
				if mode == "direct" {
					conf = s.pki.ClientConfig("backend.test")
				}
				tc := tls.Client(raw, conf)
				if err := tc.Handshake(); err != nil {
					b.Fatal(err)
				}
				c = tc
			}
			defer c.Close()
			chunk := make([]byte, 1<<20)
			b.SetBytes(size)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				for range size / len(chunk) {
					if _, err := c.Write(chunk); err != nil {
						b.Fatal(err)
					}
				}
				<-received
			}
			cpu := cpuTime(b) - cpu0
			b.ReportMetric(cpu.Seconds()/(float64(b.N)*size/1e9), "cpu-s/GB")
		})
	}
}

// countChunks reads c until it ends and sends on received each time
// another size bytes have arrived: the benchmarks' sink.
func countChunks(c net.Conn, size int64, received chan<- int64) {
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, err := c.Read(buf)
		if n += int64(k); n >= size {
			received <- n
			n -= size
		}
		if err != nil {
			return
		}
	}
}
