//go:build unix

package health

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes TestHelperListener serve instead of skipping.
const helperEnv = "ELBD_HEALTH_HELPER"

// TestHelperListener is not a test: BenchmarkCheckCost runs the test binary
// again with it as the only test, so that the instances' side of the checks
// runs in another process and the benchmark's CPU figures are the
// checker's alone. It listens on loopback, prints "ADDR host:port", and
// serves until its standard input is closed.
func TestHelperListener(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for BenchmarkCheckCost")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		ln.Close()
	}()
	os.Stdout.WriteString("ADDR " + ln.Addr().String() + "\n")
	switch mode {
	case "TCP":
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	case "HTTP":
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "OK")
		})}
		_ = srv.Serve(ln)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}

// startHelper runs TestHelperListener in a child process and returns the
// port it listens on and a function that stops it and returns its CPU time.
func startHelper(b *testing.B, mode string) (port int, stop func() time.Duration) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperListener$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			ap, err := netip.ParseAddrPort(addr)
			if err != nil {
				b.Fatal(err)
			}
			port = int(ap.Port())
			break
		}
	}
	if port == 0 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		b.Fatal("helper did not report its address")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return port, func() time.Duration {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Logf("helper: %v", err)
		}
		ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if ru == nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
}

// processCPU returns this process's user and system CPU time.
func processCPU() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

var portRE = regexp.MustCompile(`:[0-9]+`)

// countingProber counts the probes and passes of the prober it wraps. Probes
// cancelled by Close count as passes.
type countingProber struct {
	p              Prober
	probes, passed atomic.Int64
	closing        atomic.Bool // failures from now on are Close's doing
	mu             sync.Mutex
	errs           map[string]int // failures by message, without ports
}

func (c *countingProber) Probe(ctx context.Context, a netip.Addr, t Target, timeout time.Duration) error {
	c.probes.Add(1)
	err := c.p.Probe(ctx, a, t, timeout)
	if err == nil || c.closing.Load() {
		c.passed.Add(1)
	} else {
		c.mu.Lock()
		if c.errs == nil {
			c.errs = map[string]int{}
		}
		c.errs[portRE.ReplaceAllString(err.Error(), ":port")]++
		c.mu.Unlock()
	}
	return err
}

// BenchmarkCheckCost measures what health checking costs, with the real
// prober against a listener in a child process:
//
//   - TCP and HTTP: 2,000 instances checked every 5 s (ELB's shortest
//     interval) for 10 s of real time, about 4,000 checks;
//   - TCP-1000x30s: 1,000 instances at ELB's default interval of 30 s for
//     30 s, about 1,000 checks;
//   - HTTP-1000x5s: 1,000 instances with HTTP checks every 5 s for 10 s,
//     about 2,000 checks.
//
// It reports this process's CPU time (getrusage: user + system) per minute
// of checking and per check, heap allocations per check, and the
// listener process's CPU separately (the instances' side; on loopback some
// of the kernel's work for the listener's half of each connection is still
// charged to the checker).
//
//	go test -run '^$' -bench CheckCost -benchtime 1x ./internal/health/
func BenchmarkCheckCost(b *testing.B) {
	tcp := func(port int) Target { return Target{Protocol: "TCP", Port: port} }
	http := func(port int) Target { return Target{Protocol: "HTTP", Port: port, Path: "/health"} }
	for _, tt := range []struct {
		name, mode       string
		target           func(port int) Target
		instances        int
		interval, window time.Duration
	}{
		{"TCP", "TCP", tcp, 2000, 5 * time.Second, 10 * time.Second},
		{"HTTP", "HTTP", http, 2000, 5 * time.Second, 10 * time.Second},
		{"TCP-1000x30s", "TCP", tcp, 1000, 30 * time.Second, 30 * time.Second},
		{"HTTP-1000x5s", "HTTP", http, 1000, 5 * time.Second, 10 * time.Second},
	} {
		instances, window := tt.instances, tt.window
		b.Run(tt.name, func(b *testing.B) {
			for range b.N {
				port, stop := startHelper(b, tt.mode)
				cp := &countingProber{p: &NetProber{}}
				c := New(Options{Prober: cp})
				es := make([]Entry, instances)
				s := Spec{Target: tt.target(port), Interval: tt.interval, Timeout: 2 * time.Second, Healthy: 2, Unhealthy: 2}
				for i := range es {
					es[i] = Entry{Key: key(i), Addr: loopback, Spec: s}
				}
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				user0, sys0 := processCPU()
				t0 := time.Now()
				if err := c.Set(es); err != nil {
					b.Fatal(err)
				}
				time.Sleep(window)
				cp.closing.Store(true)
				c.Close()
				user1, sys1 := processCPU()
				user, sys, wall := user1-user0, sys1-sys0, time.Since(t0)
				cpu := user + sys
				runtime.ReadMemStats(&ms1)
				helperCPU := stop()

				probes, passed := cp.probes.Load(), cp.passed.Load()
				if probes == 0 {
					b.Fatal("no checks ran")
				}
				perMin := cpu.Seconds() / wall.Minutes()
				b.ReportMetric(perMin, "cpu-s/min")
				b.ReportMetric(float64(cpu.Microseconds())/float64(probes), "cpu-µs/check")
				b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(probes), "allocs/check")
				b.ReportMetric(float64(probes), "checks")
				b.ReportMetric(helperCPU.Seconds()/wall.Minutes(), "listener-cpu-s/min")
				b.Logf("%s: %d instances every %v, %v: %d checks (%d passed), checker CPU %v (user %v, system %v) = %.2f CPU-s per minute (%.1f%% of one core), listener CPU %v",
					tt.mode, instances, tt.interval, wall.Round(time.Millisecond), probes, passed, cpu.Round(time.Millisecond),
					user.Round(time.Millisecond), sys.Round(time.Millisecond), perMin, 100*perMin/60, helperCPU.Round(time.Millisecond))
				if passed != probes {
					b.Errorf("%d of %d checks failed: %v", probes-passed, probes, cp.errs)
				}
			}
		})
	}
}

// BenchmarkProbe measures one check of each kind, back to back, against a
// listener in a child process: the prober's own cost, without the
// scheduling that BenchmarkCheckCost adds. cpu-µs/op is this process's
// user + system time per check.
func BenchmarkProbe(b *testing.B) {
	for _, mode := range []string{"TCP", "HTTP"} {
		b.Run(mode, func(b *testing.B) {
			port, stop := startHelper(b, mode)
			defer stop()
			t := Target{Protocol: mode, Port: port}
			if mode == "HTTP" {
				t.Path = "/health"
			}
			p := &NetProber{}
			ctx := context.Background()
			b.ReportAllocs()
			user0, sys0 := processCPU()
			b.ResetTimer()
			for b.Loop() {
				if err := p.Probe(ctx, loopback, t, 2*time.Second); err != nil {
					b.Fatal(err)
				}
			}
			user1, sys1 := processCPU()
			b.ReportMetric(float64((user1-user0+sys1-sys0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
