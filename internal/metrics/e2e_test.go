package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/elbdtest"
)

// freePort returns a port free on addr.
func freePort(t *testing.T, addr string) int {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// rawRequest sends req on a new connection to addr and returns the
// response's status code.
func rawRequest(t *testing.T, addr, req string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("response to %q: %v", req, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestScrapeThroughElbd drives traffic through a real elbd and checks the
// ELB metrics scraped from its /metrics endpoint exactly.
func TestScrapeThroughElbd(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	c := env.ELB(elbdtest.Admin)
	metricsURL := "http://" + env.Server.MetricsAddr().String() + "/metrics"

	// The back end of instance A: /ok is 200, everything else 404.
	bePort := freePort(t, "127.0.1.1")
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.1.1:%d", bePort))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	})
	be := &http.Server{Handler: mux}
	go be.Serve(ln)
	t.Cleanup(func() { be.Close() })
	closedPort := freePort(t, "127.0.1.1") // nothing listens: connections are refused

	lbPort := int32(freePort(t, "127.0.0.1"))
	create := func(name string, instancePort int) string {
		if _, err := c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
			LoadBalancerName:  aws.String(name),
			Listeners:         []types.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: lbPort, InstancePort: aws.Int32(int32(instancePort))}},
			AvailabilityZones: []string{"us-east-1a"},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
			LoadBalancerName: aws.String(name),
			Instances:        []types.Instance{{InstanceId: aws.String(elbdtest.InstanceA)}},
		}); err != nil {
			t.Fatal(err)
		}
		lb := env.Server.Service.Snapshot().LoadBalancers[elb.Key{Account: elbdtest.AdminAccount, Name: name}]
		if lb == nil || len(lb.Nodes) != 1 {
			t.Fatalf("load balancer %s: %+v", name, lb)
		}
		return fmt.Sprintf("%s:%d", lb.Nodes[0].IPv4, lbPort)
	}
	web, broken := create("web", bePort), create("broken", closedPort)

	const acct = elbdtest.AdminAccount
	l := func(lb string, extra ...string) string { return lbz(acct, lb, "us-east-1a", extra...) }
	// Both listeners serving, as the gauge reports once the controller has
	// applied the state.
	elbdtest.WaitScrape(t, metricsURL, "both listeners serving", func(f map[string]float64) bool {
		return f["elbd_listeners"+l("web", `state="serving"`)] == 1 && f["elbd_listeners"+l("broken", `state="serving"`)] == 1
	})

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(url string, want int) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("GET %s = %d, want %d", url, resp.StatusCode, want)
		}
	}
	for range 6 {
		get("http://"+web+"/ok", 200)
	}
	for range 4 {
		get("http://"+web+"/missing", 404)
	}
	for range 3 {
		get("http://"+broken+"/", 502)
	}
	// Non-compliant heads (desync mitigation mode defensive): Content-Length
	// 0 on a GET is Acceptable and forwarded; a GET body is Ambiguous and
	// forwarded, then the connection closed; an empty Content-Length is
	// Severe and refused with the load balancer's 400.
	for _, r := range []struct {
		req  string
		want int
	}{
		{"GET /ok HTTP/1.1\r\nHost: web\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 200},
		{"GET /ok HTTP/1.1\r\nHost: web\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi", 200},
		{"GET /ok HTTP/1.1\r\nHost: web\r\nContent-Length: \r\nConnection: close\r\n\r\n", 400},
	} {
		if got := rawRequest(t, web, r.req); got != r.want {
			t.Fatalf("%q = %d, want %d", r.req, got, r.want)
		}
	}

	// Requests are counted once their response has been sent: wait for
	// the counts, then check every family exactly.
	flat := elbdtest.WaitScrape(t, metricsURL, "all requests counted", func(f map[string]float64) bool {
		return f["elbd_request_count_total"+l("web")] >= 13 && f["elbd_request_count_total"+l("broken")] >= 3 &&
			f["elbd_healthy_host_count"+l("web")] == 1 && f["elbd_unhealthy_host_count"+l("broken")] == 1
	})
	want := map[string]float64{
		"elbd_request_count_total" + l("web"):                                         13,
		"elbd_httpcode_backend_total" + l("web", `class="2XX"`):                       8,
		"elbd_httpcode_backend_total" + l("web", `class="3XX"`):                       0,
		"elbd_httpcode_backend_total" + l("web", `class="4XX"`):                       4,
		"elbd_httpcode_backend_total" + l("web", `class="5XX"`):                       0,
		"elbd_httpcode_elb_total" + l("web", `class="4XX"`):                           1,
		"elbd_httpcode_elb_total" + l("web", `class="5XX"`):                           0,
		"elbd_backend_connection_errors_total" + l("web"):                             0,
		"elbd_latency_seconds_count" + l("web"):                                       12,
		"elbd_latency_seconds_bucket" + l("web", `le="+Inf"`):                         12,
		"elbd_desync_noncompliant_requests_total" + l("web", `class="Acceptable"`):    1,
		"elbd_desync_noncompliant_requests_total" + l("web", `class="Ambiguous"`):     1,
		"elbd_desync_noncompliant_requests_total" + l("web", `class="Severe"`):        1,
		"elbd_spillover_count_total" + l("web"):                                       0,
		"elbd_surge_queue_length" + l("web"):                                          0,
		"elbd_healthy_host_count" + l("web"):                                          1,
		"elbd_unhealthy_host_count" + l("web"):                                        0,
		"elbd_listeners" + l("web", `state="serving"`):                                1,
		"elbd_listeners" + l("web", `state="failed"`):                                 0,
		"elbd_request_count_total" + l("broken"):                                      3,
		"elbd_httpcode_elb_total" + l("broken", `class="4XX"`):                        0,
		"elbd_httpcode_elb_total" + l("broken", `class="5XX"`):                        3,
		"elbd_httpcode_backend_total" + l("broken", `class="2XX"`):                    0,
		"elbd_httpcode_backend_total" + l("broken", `class="5XX"`):                    0,
		"elbd_backend_connection_errors_total" + l("broken"):                          3,
		"elbd_latency_seconds_count" + l("broken"):                                    0,
		"elbd_desync_noncompliant_requests_total" + l("broken", `class="Acceptable"`): 0,
		"elbd_healthy_host_count" + l("broken"):                                       0,
		"elbd_unhealthy_host_count" + l("broken"):                                     1,
	}
	for s, v := range want {
		if got, ok := flat[s]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", s, got, ok, v)
		}
	}
	// Latency: a local back end answers in well under a second.
	if sum := flat["elbd_latency_seconds_sum"+l("web")]; sum <= 0 || sum > 12 {
		t.Errorf("latency sum = %v s over 12 requests", sum)
	}
	// Only the balancers' enabled zone has series; no bind failures.
	for _, s := range series(flat, "elbd_", `load_balancer="`) {
		if !strings.Contains(s, `zone="us-east-1a"`) {
			t.Errorf("series outside the enabled zone: %s", s)
		}
	}
	if s := series(flat, "elbd_listener_bind_failures_total"); len(s) != 0 {
		t.Errorf("bind failures: %v", s)
	}

	// Deleting a balancer deletes its series; the other keeps its counts.
	if _, err := c.DeleteLoadBalancer(ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String("broken")}); err != nil {
		t.Fatal(err)
	}
	flat = elbdtest.WaitScrape(t, metricsURL, "the deleted balancer's series gone", func(f map[string]float64) bool {
		return len(series(f, "elbd_", `load_balancer="broken"`)) == 0
	})
	if got := flat["elbd_request_count_total"+l("web")]; got != 13 {
		t.Errorf("web request count after deleting broken = %v, want 13", got)
	}
	if n := len(series(flat, "elbd_", `load_balancer="web"`)); n != 37 {
		t.Errorf("web has %d series, want 37 (38 per zone less the absent bind failure series)", n)
	}
}
