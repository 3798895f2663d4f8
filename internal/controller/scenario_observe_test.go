package controller_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/accesslog"
	"github.com/elbd/elbd/internal/elbdtest"
)

// TestScenarioAccessLogs enables the AccessLog attribute, sends HTTP
// requests and a TCP connection, and parses the lines back field by
// field from files laid out and named as ELB names its S3 objects.
func TestScenarioAccessLogs(t *testing.T) {
	root := t.TempDir()
	h := dpStart(t, "", elbdtest.WithArgs("--access-log-dir", root))
	port := dpCommonPort(t, "127.0.7.1")
	scHTTPBackend(t, "a", at127x(7, 1, port))
	tcpPort := dpCommonPort(t, "127.0.7.1")
	for tcpPort == port {
		tcpPort = dpCommonPort(t, "127.0.7.1")
	}
	dpTCPBackend(t, "t", at127x(7, 1, tcpPort))
	ports := newPortSeq()
	lp, tp := ports.take(), ports.take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("logged"),
		Listeners:         []types.Listener{dpListener("HTTP", lp, port), dpListener("TCP", tp, tcpPort)},
		AvailabilityZones: []string{"us-east-1a"}})
	h.register("logged", "127.0.7.1")
	h.attrs("logged", &types.LoadBalancerAttributes{AccessLog: &types.AccessLog{Enabled: true,
		S3BucketName: aws.String("logs"), S3BucketPrefix: aws.String("team/web"), EmitInterval: aws.Int32(5)}})
	h.applied()
	node := h.lb("logged").node(t, "us-east-1a")

	// Two HTTP requests on one connection, then a TCP connection.
	start := time.Now().UTC()
	c, err := net.Dial("tcp", at(node, lp))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(dpWait))
	br := bufio.NewReader(c)
	local := c.LocalAddr().String()
	for _, req := range []string{
		"GET /page?q=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: scenario \"agent\"/1.0\r\n\r\n",
		"POST /form HTTP/1.1\r\nHost: www.example.com:8080\r\nContent-Length: 5\r\n\r\nhello",
	} {
		io.WriteString(c, req)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if _, err := dpTCPHello(at(node, tp)); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(root, "logs", "team", "web", "AWSLogs", elbdtest.AdminAccount, "elasticloadbalancing", elbdtest.Region)
	var lines []string
	waitUntil(t, "three access-log lines", func() bool {
		lines = readLogs(t, dir)
		return len(lines) >= 3
	})
	name := regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/` + elbdtest.AdminAccount + `_elasticloadbalancing_` + elbdtest.Region +
		`_logged_\d{8}T\d{4}Z_` + regexp.QuoteMeta(node.String()) + `_[0-9a-z]+\.log$`)
	for _, f := range logFiles(t, dir) {
		if !name.MatchString(f) {
			t.Errorf("log file %s does not follow ELB's naming", f)
		}
	}
	var got []accesslog.Fields
	for _, l := range lines {
		f, err := accesslog.ParseLine(l)
		if err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, f)
	}
	slices.SortFunc(got, func(a, b accesslog.Fields) int { return a.Time.Compare(b.Time) })
	backend := fmt.Sprintf("127.0.7.1:%d", port)
	for i, want := range []struct {
		request, agent, backend string
		elb, be                 int
		recv, sent              int64
	}{
		{fmt.Sprintf("GET http://www.example.com:%d/page?q=1 HTTP/1.1", lp), `scenario "agent"/1.0`, backend, 200, 200, 0, 1},
		{fmt.Sprintf("POST http://www.example.com:%d/form HTTP/1.1", lp), "", backend, 200, 200, 5, 1},
		{"- - - ", "", fmt.Sprintf("127.0.7.1:%d", tcpPort), 0, 0, 0, 2},
	} {
		f := got[i]
		if f.LoadBalancer != "logged" || f.Request != want.request || f.UserAgent != want.agent ||
			f.Backend.String() != want.backend || f.ELBStatus != want.elb || f.BackendStatus != want.be ||
			f.ReceivedBytes != want.recv || f.SentBytes != want.sent {
			t.Errorf("line %d = %+v\nwant request %q agent %q backend %s status %d/%d bytes %d/%d",
				i, f, want.request, want.agent, want.backend, want.elb, want.be, want.recv, want.sent)
		}
		if f.Time.Before(start.Add(-time.Second)) || f.Time.After(time.Now().Add(time.Second)) {
			t.Errorf("line %d time %v, not during the test", i, f.Time)
		}
		if f.RequestTime < 0 || f.BackendTime < 0 || f.ResponseTime < 0 || f.BackendTime > 5*time.Second {
			t.Errorf("line %d times %v %v %v", i, f.RequestTime, f.BackendTime, f.ResponseTime)
		}
		if f.SSLCipher != "" || f.SSLProtocol != "" {
			t.Errorf("line %d has TLS fields on a plain listener", i)
		}
	}
	if got[0].Client.String() != local || got[1].Client.String() != local {
		t.Errorf("HTTP client fields %v, %v; want %s", got[0].Client, got[1].Client, local)
	}
	flat := elbdtest.Scrape(t, "http://"+h.env.Server.MetricsAddr().String()+"/metrics")
	if n, ok := flat["elbd_access_log_dropped_lines_total"]; !ok || n != 0 {
		t.Errorf("elbd_access_log_dropped_lines_total = %v (present %v), want 0", n, ok)
	}
}

// logFiles lists the .log files under dir, relative to it.
func logFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".log") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// readLogs returns every line of every log file under dir.
func readLogs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range logFiles(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.Lines(string(b)) {
			out = append(out, strings.TrimSuffix(l, "\n"))
		}
	}
	return out
}

// TestScenarioMetrics scrapes /metrics while instances change health and
// traffic flows, and checks the ELB metrics per load balancer and zone:
// host counts follow the health checks; requests, back-end and ELB status
// classes, latency and connection errors count what was sent.
func TestScenarioMetrics(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.7.2", "127.0.7.3")
	a := scHTTPBackend(t, "a", at127x(7, 2, port))
	scHTTPBackend(t, "b", at127x(7, 3, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("measured"),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, AvailabilityZones: []string{"us-east-1a", "us-east-1b"}})
	h.scHealth("measured", fmt.Sprintf("HTTP:%d/health", port))
	h.register("measured", "127.0.7.2", "127.0.7.3")
	metricsURL := "http://" + h.env.Server.MetricsAddr().String() + "/metrics"
	l := func(name string, extra ...string) string {
		ls := append([]string{`account="` + elbdtest.AdminAccount + `"`, `load_balancer="measured"`, `zone="us-east-1a"`}, extra...)
		slices.Sort(ls)
		return name + "{" + strings.Join(ls, ",") + "}"
	}
	elbdtest.WaitScrape(t, metricsURL, "two healthy hosts", func(f map[string]float64) bool {
		return f[l("elbd_healthy_host_count")] == 2 && f[l("elbd_unhealthy_host_count")] == 0
	})
	h.applied()
	node := at(h.lb("measured").node(t, "us-east-1a"), lp)
	c := scClient()
	for range 10 {
		if st, _, _, err := scGet(c, url(node, "/"), ""); err != nil || st != 200 {
			t.Fatalf("GET = %d, %v", st, err)
		}
	}
	r := dpDial(t, node)
	if resp, _, err := r.do("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"); err != nil || resp.StatusCode != 400 {
		t.Fatalf("malformed request = %v, %v; want 400", resp, err)
	}
	a.healthStatus.Store(503)
	elbdtest.WaitScrape(t, metricsURL, "one unhealthy host", func(f map[string]float64) bool {
		return f[l("elbd_healthy_host_count")] == 1 && f[l("elbd_unhealthy_host_count")] == 1
	})
	flat := elbdtest.WaitScrape(t, metricsURL, "requests counted", func(f map[string]float64) bool {
		return f[l("elbd_request_count_total")] >= 11
	})
	for k, want := range map[string]float64{
		l("elbd_request_count_total"):                                  11,
		l("elbd_httpcode_backend_total", `class="2XX"`):                10,
		l("elbd_httpcode_elb_total", `class="4XX"`):                    1,
		l("elbd_httpcode_elb_total", `class="5XX"`):                    0,
		l("elbd_latency_seconds_count"):                                10,
		l("elbd_backend_connection_errors_total"):                      0,
		l("elbd_spillover_count_total"):                                0,
		l("elbd_surge_queue_length"):                                   0,
		l("elbd_desync_noncompliant_requests_total", `class="Severe"`): 1,
	} {
		if got, ok := flat[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	// Zone b has a node and no instances: zero hosts, reported.
	zb := strings.ReplaceAll(l("elbd_healthy_host_count"), "us-east-1a", "us-east-1b")
	if got, ok := flat[zb]; !ok || got != 0 {
		t.Errorf("%s = %v (present %v), want 0", zb, got, ok)
	}
}
