// Command benchreport turns the raw measurements of bench/run.sh into the
// Markdown report: medians over rounds, each proxy's ratio to haproxy, the
// per-round figures, and the targets with whether they are met.
//
// It is a helper of bench/run.sh, not part of elbd.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// httpRun is one wrk run against one proxy.
type httpRun struct {
	proxy           string
	round           int
	requests        float64
	seconds         float64
	rps             float64
	p50, p99        float64 // µs
	non2xx, sockErr float64
	cpu             float64 // proxy CPU seconds during the run
	core            float64 // busy seconds of the proxy's core during the run
	ksoft           float64 // CPU seconds of ksoftirqd on the proxy's core
}

func (r httpRun) cpuPerReq() float64  { return r.cpu / r.requests * 1e6 } // µs
func (r httpRun) errors() float64     { return r.non2xx + r.sockErr }
func (r httpRun) cpuUse() float64     { return r.cpu / r.seconds * 100 } // % of one core
func (r httpRun) other() float64      { return otherUse(r.core, r.cpu+r.ksoft, r.seconds) }
func (r httpRun) cpuPerReqK() float64 { return (r.cpu + r.ksoft) / r.requests * 1e6 }
func (r httpRun) corePerReq() float64 { return r.core / r.requests * 1e6 }

// tcpRun is one bulk transfer through one proxy.
type tcpRun struct {
	proxy   string
	round   int
	bytes   float64
	seconds float64
	cpu     float64 // proxy CPU seconds during the run
	ok      bool
	core    float64 // busy seconds of the proxy's core during the run
	ksoft   float64 // CPU seconds of ksoftirqd on the proxy's core
}

func (r tcpRun) gbps() float64      { return r.bytes / 1e9 / r.seconds }
func (r tcpRun) cpuPerGB() float64  { return r.cpu / (r.bytes / 1e9) }
func (r tcpRun) cpuUse() float64    { return r.cpu / r.seconds * 100 }
func (r tcpRun) other() float64     { return otherUse(r.core, r.cpu+r.ksoft, r.seconds) }
func (r tcpRun) cpuPerGBK() float64 { return (r.cpu + r.ksoft) / (r.bytes / 1e9) }
func (r tcpRun) corePerGB() float64 { return r.core / (r.bytes / 1e9) }

// otherUse is the share (%) of the proxy's core that was busy but not
// charged to the proxy (or ksoftirqd) during a run: other processes, the
// hypervisor's steal, or kernel work that no process is charged for.
func otherUse(core, proxy, secs float64) float64 {
	return max(0, core-proxy) / secs * 100
}

// disturbed is the share of the proxy's core used by others above which a
// run is flagged.
const disturbed = 10

func main() {
	infoPath := flag.String("info", "", "key=value machine and run information")
	httpPath := flag.String("http", "", "HTTP measurements (TSV)")
	tcpPath := flag.String("tcp", "", "TCP measurements (TSV)")
	flag.Parse()
	info, err := readInfo(*infoPath)
	check(err)
	hr, err := readHTTP(*httpPath)
	check(err)
	tr, err := readTCP(*tcpPath)
	check(err)
	w := bufio.NewWriter(os.Stdout)
	report(w, info, hr, tr)
	check(w.Flush())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func readLines(path string) ([][]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, strings.Split(l, "\t"))
		}
	}
	return out, nil
}

func readInfo(path string) (map[string]string, error) {
	info := map[string]string{}
	if path == "" {
		return info, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			info[k] = v
		}
	}
	return info, nil
}

func num(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func readHTTP(path string) ([]httpRun, error) {
	rows, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var out []httpRun
	for _, f := range rows {
		if len(f) != 13 {
			return nil, fmt.Errorf("%s: bad row %q", path, f)
		}
		out = append(out, httpRun{proxy: f[0], round: int(num(f[1])), requests: num(f[2]), seconds: num(f[3]),
			rps: num(f[4]), p50: num(f[5]), p99: num(f[6]), non2xx: num(f[7]), sockErr: num(f[8]),
			cpu: num(f[9]) / num(f[10]), core: num(f[11]) / num(f[10]), ksoft: num(f[12]) / num(f[10])})
	}
	return out, nil
}

func readTCP(path string) ([]tcpRun, error) {
	rows, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var out []tcpRun
	for _, f := range rows {
		if len(f) != 9 {
			return nil, fmt.Errorf("%s: bad row %q", path, f)
		}
		out = append(out, tcpRun{proxy: f[0], round: int(num(f[1])), bytes: num(f[2]), seconds: num(f[3]),
			cpu: num(f[4]) / num(f[5]), ok: f[6] == "1", core: num(f[7]) / num(f[5]), ksoft: num(f[8]) / num(f[5])})
	}
	return out, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// proxies returns the proxies in the order they first appear.
func proxies[T any](runs []T, name func(T) string) []string {
	var out []string
	for _, r := range runs {
		if n := name(r); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func f1(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

func f2(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

func f3(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

func us(x float64) string {
	switch {
	case math.IsNaN(x):
		return "—"
	case x >= 10000:
		return fmt.Sprintf("%.1f ms", x/1000)
	case x >= 1000:
		return fmt.Sprintf("%.2f ms", x/1000)
	}
	return fmt.Sprintf("%.0f µs", x)
}

type httpSummary struct {
	rps, p50, p99, cpuReq, cpuReqK, coreReq, cpuUse, errors float64
	rounds                                                  int
}

type tcpSummary struct {
	gbps, cpuGB, cpuGBK, coreGB, cpuUse float64
	failed, rounds                      int
}

func report(w io.Writer, info map[string]string, hr []httpRun, tr []tcpRun) {
	fmt.Fprintf(w, "# elbd load benchmark — %s\n\n", info["date"])
	fmt.Fprintf(w, "- Machine: %s CPUs, %s, %s\n", info["nproc"], info["cpu"], info["kernel"])
	fmt.Fprintf(w, "- Software: elbd %s (%s), HAProxy %s, nginx %s, wrk %s\n", info["elbd"], info["go"], info["haproxy"], info["nginx"], info["wrk"])
	fmt.Fprintf(w, "- Command: `%s`\n", info["command"])
	fmt.Fprintf(w, "- Settings: %s\n\n", info["settings"])

	hs := map[string]httpSummary{}
	if len(hr) > 0 {
		names := proxies(hr, func(r httpRun) string { return r.proxy })
		for _, n := range names {
			var rps, p50, p99, cpu, cpuK, core, use []float64
			s := httpSummary{}
			for _, r := range hr {
				if r.proxy != n {
					continue
				}
				rps, p50, p99 = append(rps, r.rps), append(p50, r.p50), append(p99, r.p99)
				cpu, cpuK, use = append(cpu, r.cpuPerReq()), append(cpuK, r.cpuPerReqK()), append(use, r.cpuUse())
				core = append(core, r.corePerReq())
				s.errors += r.errors()
				s.rounds++
			}
			s.rps, s.p50, s.p99, s.cpuReq, s.cpuReqK, s.cpuUse = median(rps), median(p50), median(p99), median(cpu), median(cpuK), median(use)
			s.coreReq = median(core)
			hs[n] = s
		}
		base, haveBase := hs["haproxy"]
		if !haveBase {
			base = httpSummary{rps: math.NaN(), p50: math.NaN(), p99: math.NaN(), cpuReq: math.NaN(), cpuReqK: math.NaN(), coreReq: math.NaN()}
		}
		fmt.Fprintf(w, "## HTTP keep-alive (13-byte responses, two nginx back ends)\n\n")
		fmt.Fprintf(w, "Medians over %d rounds; errors are summed (non-2xx/3xx responses + socket errors). "+
			"CPU µs/req is the proxy's utime+stime (all threads and processes) over the run divided by the requests completed; "+
			"CPU use is that CPU time over the run's wall time (100%% = the proxy's whole core); "+
			"\"+ksoftirqd\" adds the CPU time of the kernel thread that ran deferred network processing on the proxy's core; "+
			"\"whole core\" is all busy time of the proxy's core per request (includes kernel work charged to no process, and any "+
			"interference).\n\n", hs[names[0]].rounds)
		fmt.Fprintln(w, "| proxy | req/s | p50 | p99 | errors | CPU µs/req | +ksoftirqd | whole core | CPU use | req/s ÷ haproxy | p50 ÷ haproxy | p99 ÷ haproxy | CPU/req ÷ haproxy | whole core ÷ haproxy |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, n := range names {
			s := hs[n]
			fmt.Fprintf(w, "| %s | %.0f | %s | %s | %.0f | %s | %s | %s | %.0f%% | %s | %s | %s | %s | %s |\n", n, s.rps, us(s.p50), us(s.p99), s.errors,
				f1(s.cpuReq), f1(s.cpuReqK), f1(s.coreReq), s.cpuUse, ratio(s.rps, base.rps), ratio(s.p50, base.p50), ratio(s.p99, base.p99),
				ratio(s.cpuReq, base.cpuReq), ratio(s.coreReq, base.coreReq))
		}
		fmt.Fprintf(w, "\nPer round (ratios to haproxy in the same round; \"others\" is the share of the proxy's core that was busy "+
			"but not charged to the proxy or ksoftirqd during the run: other processes, hypervisor steal, or kernel work charged to "+
			"no process; ⚠ above %d%%):\n\n", disturbed)
		fmt.Fprintln(w, "| round | proxy | requests | req/s | p50 | p99 | non-2xx | socket errors | CPU µs/req | CPU use | others | CPU/req ÷ haproxy | p99 ÷ haproxy |")
		fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range hr {
			b := httpRun{cpu: math.NaN(), requests: 1, p99: math.NaN()}
			for _, x := range hr {
				if x.proxy == "haproxy" && x.round == r.round {
					b = x
				}
			}
			fmt.Fprintf(w, "| %d | %s | %.0f | %.0f | %s | %s | %.0f | %.0f | %s | %.0f%% | %s | %s | %s |\n", r.round, r.proxy, r.requests, r.rps,
				us(r.p50), us(r.p99), r.non2xx, r.sockErr, f1(r.cpuPerReq()), r.cpuUse(), othersCell(r.other()), ratio(r.cpuPerReq(), b.cpuPerReq()), ratio(r.p99, b.p99))
		}
		fmt.Fprintln(w)
	}

	ts := map[string]tcpSummary{}
	if len(tr) > 0 {
		names := proxies(tr, func(r tcpRun) string { return r.proxy })
		for _, n := range names {
			var gbps, cpu, cpuK, core, use []float64
			s := tcpSummary{}
			for _, r := range tr {
				if r.proxy != n {
					continue
				}
				s.rounds++
				if !r.ok || r.seconds <= 0 {
					s.failed++
					continue
				}
				gbps, cpu, cpuK, use = append(gbps, r.gbps()), append(cpu, r.cpuPerGB()), append(cpuK, r.cpuPerGBK()), append(use, r.cpuUse())
				core = append(core, r.corePerGB())
			}
			s.gbps, s.cpuGB, s.cpuGBK, s.cpuUse = median(gbps), median(cpu), median(cpuK), median(use)
			s.coreGB = median(core)
			ts[n] = s
		}
		base, haveBase := ts["haproxy"]
		if !haveBase {
			base = tcpSummary{gbps: math.NaN(), cpuGB: math.NaN(), cpuGBK: math.NaN(), coreGB: math.NaN()}
		}
		fmt.Fprintf(w, "## TCP bulk throughput (back end → client)\n\n")
		fmt.Fprintf(w, "Medians over %d rounds; GB = 10⁹ bytes. The source sends with sendfile(2) and the client discards with "+
			"recv(MSG_TRUNC), so the load generator's copies do not limit the proxy. haproxy runs mode tcp with "+
			"option splice-request/splice-response; nginx runs its stream module (read/write, no splice).\n\n", ts[names[0]].rounds)
		if info["nginx_stream"] == "0" {
			fmt.Fprintf(w, "nginx's stream module is not installed: nginx is skipped in TCP mode.\n\n")
		}
		fmt.Fprintln(w, "| proxy | GB/s | CPU s/GB | +ksoftirqd | whole core | CPU use | failed runs | GB/s ÷ haproxy | CPU/GB ÷ haproxy | +ksoftirqd ÷ haproxy | whole core ÷ haproxy |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, n := range names {
			s := ts[n]
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.0f%% | %d | %s | %s | %s | %s |\n", n, f2(s.gbps), f3(s.cpuGB), f3(s.cpuGBK), f3(s.coreGB),
				s.cpuUse, s.failed, ratio(s.gbps, base.gbps), ratio(s.cpuGB, base.cpuGB), ratio(s.cpuGBK, base.cpuGBK), ratio(s.coreGB, base.coreGB))
		}
		fmt.Fprintf(w, "\nPer round:\n\n")
		fmt.Fprintln(w, "| round | proxy | GB | seconds | GB/s | CPU s/GB | +ksoftirqd | CPU use | others | ok |")
		fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
		for _, r := range tr {
			fmt.Fprintf(w, "| %d | %s | %.2f | %.2f | %s | %s | %s | %.0f%% | %s | %v |\n", r.round, r.proxy, r.bytes/1e9, r.seconds, f2(r.gbps()),
				f3(r.cpuPerGB()), f3(r.cpuPerGBK()), r.cpuUse(), othersCell(r.other()), r.ok)
		}
		fmt.Fprintln(w)
	}

	var n, bad int
	for _, r := range hr {
		n++
		if r.other() > disturbed {
			bad++
		}
	}
	for _, r := range tr {
		n++
		if r.other() > disturbed {
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(w, "**%d of %d runs were flagged** (⚠: more than %d%% of the proxy's core was busy with something not charged "+
			"to the proxy). If other processes ran, those runs understate the proxy and inflate its latency: rerun on a quiet "+
			"machine for firm figures. A proxy that leaves its core partly idle can also show kernel work charged to no process "+
			"here; \"whole core\" counts it.\n\n", bad, n, disturbed)
	}

	// Targets from the data-plane issue.
	e, eok := hs["elbd"]
	h, hok := hs["haproxy"]
	te, teok := ts["elbd"]
	th, thok := ts["haproxy"]
	if (eok && hok) || (teok && thok) {
		fmt.Fprintln(w, "## Targets")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| target | elbd | haproxy | ratio | met |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---|")
		if eok && hok {
			fmt.Fprintf(w, "| HTTP CPU per request ≤ 1.0× haproxy | %s µs | %s µs | %s | %s |\n", f1(e.cpuReq), f1(h.cpuReq), ratio(e.cpuReq, h.cpuReq), yes(e.cpuReq <= h.cpuReq))
			fmt.Fprintf(w, "| (same, + ksoftirqd on the proxy's core) | %s µs | %s µs | %s | %s |\n", f1(e.cpuReqK), f1(h.cpuReqK), ratio(e.cpuReqK, h.cpuReqK), yes(e.cpuReqK <= h.cpuReqK))
			fmt.Fprintf(w, "| (same, whole core) | %s µs | %s µs | %s | %s |\n", f1(e.coreReq), f1(h.coreReq), ratio(e.coreReq, h.coreReq), yes(e.coreReq <= h.coreReq))
			fmt.Fprintf(w, "| HTTP p99 ≤ haproxy's | %s | %s | %s | %s |\n", us(e.p99), us(h.p99), ratio(e.p99, h.p99), yes(e.p99 <= h.p99))
			fmt.Fprintf(w, "| HTTP 0 errors | %.0f | %.0f | | %s |\n", e.errors, h.errors, yes(e.errors == 0))
		}
		if teok && thok {
			fmt.Fprintf(w, "| TCP CPU per GB ≤ haproxy (splice) | %s s | %s s | %s | %s |\n", f3(te.cpuGB), f3(th.cpuGB), ratio(te.cpuGB, th.cpuGB), yes(te.cpuGB <= th.cpuGB && te.failed == 0))
			fmt.Fprintf(w, "| (same, + ksoftirqd on the proxy's core) | %s s | %s s | %s | %s |\n", f3(te.cpuGBK), f3(th.cpuGBK), ratio(te.cpuGBK, th.cpuGBK), yes(te.cpuGBK <= th.cpuGBK && te.failed == 0))
			fmt.Fprintf(w, "| (same, whole core) | %s s | %s s | %s | %s |\n", f3(te.coreGB), f3(th.coreGB), ratio(te.coreGB, th.coreGB), yes(te.coreGB <= th.coreGB && te.failed == 0))
			fmt.Fprintf(w, "| TCP throughput ≥ haproxy | %s GB/s | %s GB/s | %s | %s |\n", f2(te.gbps), f2(th.gbps), ratio(te.gbps, th.gbps), yes(te.gbps >= th.gbps && te.failed == 0))
		}
		fmt.Fprintln(w)
	}
	if v := info["elbd_log_warnings"]; v != "" {
		fmt.Fprintf(w, "elbd logged %s warning/error lines during the run.\n", v)
	}
}

func othersCell(other float64) string {
	if math.IsNaN(other) {
		return "—"
	}
	if other > disturbed {
		return fmt.Sprintf("⚠ %.0f%%", other)
	}
	return fmt.Sprintf("%.0f%%", other)
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}
