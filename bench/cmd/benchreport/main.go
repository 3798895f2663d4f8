// Command benchreport turns the raw measurements of bench/run.sh into the
// Markdown report: medians over rounds, each proxy's ratio to haproxy, the
// per-round figures, and the issues' targets with whether they are met.
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

// tlsRun is one TLS run against one proxy: full handshakes (tls-ecdsa,
// tls-rsa; count is handshakes, each with one request) or HTTPS keep-alive
// requests (https; count is requests).
type tlsRun struct {
	test, proxy  string
	round        int
	count        float64
	seconds      float64
	rate         float64
	p50, p99     float64 // µs
	non2xx, errs float64
	resumed      string // "-" when the load generator cannot tell
	cpu, core    float64
	ksoft        float64
	negotiated   string
}

func (r tlsRun) cpuPerOp() float64  { return r.cpu / r.count * 1e6 }
func (r tlsRun) cpuPerOpK() float64 { return (r.cpu + r.ksoft) / r.count * 1e6 }
func (r tlsRun) corePerOp() float64 { return r.core / r.count * 1e6 }
func (r tlsRun) cpuUse() float64    { return r.cpu / r.seconds * 100 }
func (r tlsRun) other() float64     { return otherUse(r.core, r.cpu+r.ksoft, r.seconds) }
func (r tlsRun) errors() float64    { return r.non2xx + r.errs }

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
	tlsPath := flag.String("tls", "", "TLS measurements (TSV)")
	flag.Parse()
	info, err := readInfo(*infoPath)
	check(err)
	hr, err := readHTTP(*httpPath)
	check(err)
	tr, err := readTCP(*tcpPath)
	check(err)
	lr, err := readTLS(*tlsPath)
	check(err)
	w := bufio.NewWriter(os.Stdout)
	report(w, info, hr, tr, lr)
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

func readTLS(path string) ([]tlsRun, error) {
	rows, err := readLines(path)
	if err != nil {
		return nil, err
	}
	var out []tlsRun
	for _, f := range rows {
		if len(f) != 16 {
			return nil, fmt.Errorf("%s: bad row %q", path, f)
		}
		clk := num(f[12])
		out = append(out, tlsRun{test: f[0], proxy: f[1], round: int(num(f[2])), count: num(f[3]), seconds: num(f[4]),
			rate: num(f[5]), p50: num(f[6]), p99: num(f[7]), non2xx: num(f[8]), errs: num(f[9]), resumed: f[10],
			cpu: num(f[11]) / clk, core: num(f[13]) / clk, ksoft: num(f[14]) / clk, negotiated: f[15]})
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

func report(w io.Writer, info map[string]string, hr []httpRun, tr []tcpRun, lr []tlsRun) {
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

	ls := tlsReport(w, info, lr)

	var n, bad int
	for _, r := range lr {
		n++
		if r.other() > disturbed {
			bad++
		}
	}
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
	var tlsTargets [][2]tlsSummary
	var tlsNames []string
	for _, t := range tlsTests {
		e, eok := ls[t.name+"/elbd"]
		h, hok := ls[t.name+"/haproxy"]
		if eok && hok {
			tlsTargets = append(tlsTargets, [2]tlsSummary{e, h})
			tlsNames = append(tlsNames, t.target)
		}
	}
	if (eok && hok) || (teok && thok) || len(tlsTargets) > 0 {
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
		for i, eh := range tlsTargets {
			e, h := eh[0], eh[1]
			fmt.Fprintf(w, "| %s ≤ 1.2× haproxy | %s µs | %s µs | %s | %s |\n", tlsNames[i], f1(e.cpuOp), f1(h.cpuOp), ratio(e.cpuOp, h.cpuOp),
				yes(e.cpuOp <= 1.2*h.cpuOp && e.errors == 0))
			fmt.Fprintf(w, "| (same, whole core) | %s µs | %s µs | %s | %s |\n", f1(e.coreOp), f1(h.coreOp), ratio(e.coreOp, h.coreOp),
				yes(e.coreOp <= 1.2*h.coreOp && e.errors == 0))
		}
		fmt.Fprintln(w)
	}
	if v := info["elbd_log_warnings"]; v != "" {
		fmt.Fprintf(w, "elbd logged %s warning/error lines during the run.\n", v)
	}
}

// tlsTests are the TLS tests in report order.
var tlsTests = []struct{ name, title, unit, target string }{
	{"tls-ecdsa", "TLS full handshakes, ECDSA P-256 certificate", "handshake", "TLS handshake CPU, ECDSA P-256"},
	{"tls-rsa", "TLS full handshakes, RSA 2048 certificate", "handshake", "TLS handshake CPU, RSA 2048"},
	{"https", "HTTPS keep-alive (13-byte responses, ECDSA listener)", "req", "HTTPS CPU per request"},
}

type tlsSummary struct {
	rate, p50, p99, cpuOp, cpuOpK, coreOp, cpuUse, errors float64
	resumed                                               string
	negotiated                                            string
	rounds                                                int
}

// tlsReport writes the TLS section and returns the summaries by
// "test/proxy".
func tlsReport(w io.Writer, info map[string]string, lr []tlsRun) map[string]tlsSummary {
	out := map[string]tlsSummary{}
	if len(lr) == 0 && info["tls_note"] == "" {
		return out
	}
	fmt.Fprintf(w, "## TLS\n\n")
	fmt.Fprintf(w, "Full handshakes: `tlsbench load` opens a new TCP connection per request, runs a full TLS 1.2 handshake "+
		"(Go crypto/tls client without a session cache: no session ID or ticket is ever offered, so nothing can be resumed; "+
		"\"resumed\" counts handshakes the client saw resumed), sends one GET with `Connection: close` and reads the response "+
		"to the server's close. CPU µs/handshake is the proxy's CPU over the run divided by the completed handshakes, so it "+
		"includes accepting and closing the connection and proxying its one request. HTTPS keep-alive: wrk over TLS to the "+
		"ECDSA listener, as in the HTTP test. Every proxy serves the same two self-signed leaf certificates with "+
		"ELBSecurityPolicy-2016-08 (haproxy and nginx: the same cipher list, TLS 1.0–1.2, no session cache, no tickets). "+
		"\"others\" and ⚠ as in the HTTP test.\n\n")
	if v := info["tls_note"]; v != "" {
		fmt.Fprintf(w, "**Note:** %s\n\n", v)
	}

	// What was negotiated.
	var negKeys []string
	for k := range info {
		if strings.HasPrefix(k, "negotiated.") {
			negKeys = append(negKeys, k)
		}
	}
	slices.Sort(negKeys)
	if len(negKeys) > 0 || len(lr) > 0 {
		fmt.Fprintln(w, "Negotiated: by OpenSSL's `s_client -reconnect` (offering TLS 1.3 and OpenSSL's default groups and "+
			"signature algorithms, then reconnecting five times with the first session): protocol, cipher, key exchange, "+
			"server signature, and how many reconnections resumed; and by tlsbench's handshakes during the runs.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| proxy | certificate | openssl s_client | tlsbench (Go client, TLS ≤ 1.2) |")
		fmt.Fprintln(w, "|---|---|---|---|")
		seen := map[string]bool{}
		for _, r := range lr {
			if r.test == "https" || seen[r.proxy+r.test] {
				continue
			}
			seen[r.proxy+r.test] = true
			kind := strings.TrimPrefix(r.test, "tls-")
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.proxy, kind, orDash(info["negotiated."+r.proxy+"."+kind]), tlsNegotiated(lr, r.test, r.proxy))
		}
		for _, k := range negKeys {
			parts := strings.SplitN(k, ".", 3)
			if len(parts) == 3 && !seen[parts[1]+"tls-"+parts[2]] {
				fmt.Fprintf(w, "| %s | %s | %s | — |\n", parts[1], parts[2], info[k])
			}
		}
		fmt.Fprintln(w)
	}
	if v := info["haproxy_ssl_info"]; v != "" {
		fmt.Fprintf(w, "haproxy's `show info` after the runs: `%s`\n\n", strings.TrimSpace(v))
	}

	for _, t := range tlsTests {
		var runs []tlsRun
		for _, r := range lr {
			if r.test == t.name {
				runs = append(runs, r)
			}
		}
		if len(runs) == 0 {
			continue
		}
		names := proxies(runs, func(r tlsRun) string { return r.proxy })
		for _, n := range names {
			var rate, p50, p99, cpu, cpuK, core, use []float64
			s := tlsSummary{resumed: "-"}
			resumed := 0.0
			for _, r := range runs {
				if r.proxy != n {
					continue
				}
				rate, p50, p99 = append(rate, r.rate), append(p50, r.p50), append(p99, r.p99)
				cpu, cpuK, core, use = append(cpu, r.cpuPerOp()), append(cpuK, r.cpuPerOpK()), append(core, r.corePerOp()), append(use, r.cpuUse())
				s.errors += r.errors()
				if r.resumed != "-" {
					resumed += num(r.resumed)
					s.resumed = fmt.Sprintf("%.0f", resumed)
				}
				s.rounds++
			}
			s.rate, s.p50, s.p99, s.cpuOp, s.cpuOpK, s.coreOp, s.cpuUse = median(rate), median(p50), median(p99), median(cpu), median(cpuK), median(core), median(use)
			out[t.name+"/"+n] = s
		}
		base, ok := out[t.name+"/haproxy"]
		if !ok {
			base = tlsSummary{rate: math.NaN(), p99: math.NaN(), cpuOp: math.NaN(), coreOp: math.NaN()}
		}
		rateUnit := "handshakes/s"
		if t.unit == "req" {
			rateUnit = "req/s"
		}
		fmt.Fprintf(w, "### %s\n\nMedians over %d rounds; errors summed.\n\n", t.title, out[t.name+"/"+names[0]].rounds)
		fmt.Fprintf(w, "| proxy | %s | p50 | p99 | errors | resumed | CPU µs/%s | +ksoftirqd | whole core | CPU use | %s ÷ haproxy | CPU/%s ÷ haproxy | whole core ÷ haproxy |\n",
			rateUnit, t.unit, rateUnit, t.unit)
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, n := range names {
			s := out[t.name+"/"+n]
			fmt.Fprintf(w, "| %s | %.0f | %s | %s | %.0f | %s | %s | %s | %s | %.0f%% | %s | %s | %s |\n", n, s.rate, us(s.p50), us(s.p99), s.errors,
				s.resumed, f1(s.cpuOp), f1(s.cpuOpK), f1(s.coreOp), s.cpuUse, ratio(s.rate, base.rate), ratio(s.cpuOp, base.cpuOp), ratio(s.coreOp, base.coreOp))
		}
		fmt.Fprintln(w)
	}

	if len(lr) > 0 {
		fmt.Fprintf(w, "TLS runs, per round (ratios to haproxy in the same round and test):\n\n")
		fmt.Fprintln(w, "| test | round | proxy | count | per second | p50 | p99 | errors | resumed | CPU µs each | CPU use | others | CPU ÷ haproxy |")
		fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, t := range tlsTests {
			for _, r := range lr {
				if r.test != t.name {
					continue
				}
				b := tlsRun{cpu: math.NaN(), count: 1}
				for _, x := range lr {
					if x.proxy == "haproxy" && x.round == r.round && x.test == r.test {
						b = x
					}
				}
				fmt.Fprintf(w, "| %s | %d | %s | %.0f | %.0f | %s | %s | %.0f | %s | %s | %.0f%% | %s | %s |\n", r.test, r.round, r.proxy, r.count, r.rate,
					us(r.p50), us(r.p99), r.errors(), r.resumed, f1(r.cpuPerOp()), r.cpuUse(), othersCell(r.other()), ratio(r.cpuPerOp(), b.cpuPerOp()))
			}
		}
		fmt.Fprintln(w)
	}
	return out
}

// tlsNegotiated is what tlsbench's handshakes negotiated with proxy in
// test, over all rounds.
func tlsNegotiated(lr []tlsRun, test, proxy string) string {
	var seen []string
	for _, r := range lr {
		if r.test == test && r.proxy == proxy && r.negotiated != "-" && !slices.Contains(seen, r.negotiated) {
			seen = append(seen, r.negotiated)
		}
	}
	if len(seen) == 0 {
		return "—"
	}
	return strings.Join(seen, " / ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
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
