package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/elbdtest"
	"github.com/elbd/elbd/internal/metrics"
)

const acct = "123456789012"

func gather(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	return elbdtest.Flatten(fams)
}

func TestFamilies(t *testing.T) {
	m := metrics.New()
	k := metrics.Key{Account: acct, LoadBalancer: "web", Zone: "us-east-1a"}
	h := m.Handles(k)
	if m.Handles(k) != h {
		t.Error("Handles returned a new value for the same key")
	}
	// A fresh key exports every per-zone series at zero.
	l := func(extra ...string) string { return lbz(acct, "web", "us-east-1a", extra...) }
	zero := []string{
		"elbd_request_count_total" + l(),
		"elbd_httpcode_elb_total" + l(`class="4XX"`), "elbd_httpcode_elb_total" + l(`class="5XX"`),
		"elbd_httpcode_backend_total" + l(`class="2XX"`), "elbd_httpcode_backend_total" + l(`class="3XX"`),
		"elbd_httpcode_backend_total" + l(`class="4XX"`), "elbd_httpcode_backend_total" + l(`class="5XX"`),
		"elbd_backend_connection_errors_total" + l(), "elbd_spillover_count_total" + l(),
		"elbd_desync_noncompliant_requests_total" + l(`class="Acceptable"`),
		"elbd_desync_noncompliant_requests_total" + l(`class="Ambiguous"`),
		"elbd_desync_noncompliant_requests_total" + l(`class="Severe"`),
		"elbd_latency_seconds_count" + l(), "elbd_latency_seconds_sum" + l(),
		"elbd_healthy_host_count" + l(), "elbd_unhealthy_host_count" + l(), "elbd_surge_queue_length" + l(),
		"elbd_listeners" + l(`state="serving"`), "elbd_listeners" + l(`state="failed"`),
	}
	flat := gather(t, m)
	for _, s := range zero {
		if v, ok := flat[s]; !ok || v != 0 {
			t.Errorf("%s = %v (present %v), want 0", s, v, ok)
		}
	}

	for range 5 {
		h.Request()
	}
	h.ELBResponse(400)
	h.ELBResponse(408)
	h.ELBResponse(502)
	h.ELBResponse(200) // not an ELB error class: ignored
	for _, c := range []int{200, 204, 301, 404, 503, 101, 0, 600} {
		h.BackendResponse(c)
	}
	h.BackendConnectionErrors(2)
	h.BackendConnectionErrors(0)
	h.BackendConnectionErrors(-1)
	h.Spillover()
	h.NonCompliant(metrics.DesyncAcceptable)
	h.NonCompliant(metrics.DesyncSevere)
	h.NonCompliant(metrics.DesyncSevere)
	h.NonCompliant(metrics.DesyncClass(7))
	h.Latency(2 * time.Millisecond)
	h.Latency(300 * time.Millisecond)
	h.SetSurgeQueueLength(3)
	m.SetHosts(k, 2, 1)
	m.SetListeners(k, 4, 1)
	m.BindFailed(k, "127.100.0.1:80")
	m.BindFailed(k, "127.100.0.1:80")

	want := map[string]float64{
		"elbd_request_count_total" + l():                                    5,
		"elbd_httpcode_elb_total" + l(`class="4XX"`):                        2,
		"elbd_httpcode_elb_total" + l(`class="5XX"`):                        1,
		"elbd_httpcode_backend_total" + l(`class="2XX"`):                    2,
		"elbd_httpcode_backend_total" + l(`class="3XX"`):                    1,
		"elbd_httpcode_backend_total" + l(`class="4XX"`):                    1,
		"elbd_httpcode_backend_total" + l(`class="5XX"`):                    1,
		"elbd_backend_connection_errors_total" + l():                        2,
		"elbd_spillover_count_total" + l():                                  1,
		"elbd_desync_noncompliant_requests_total" + l(`class="Acceptable"`): 1,
		"elbd_desync_noncompliant_requests_total" + l(`class="Ambiguous"`):  0,
		"elbd_desync_noncompliant_requests_total" + l(`class="Severe"`):     2,
		"elbd_latency_seconds_count" + l():                                  2,
		"elbd_latency_seconds_bucket" + l(`le="0.001"`):                     0,
		"elbd_latency_seconds_bucket" + l(`le="0.0025"`):                    1,
		"elbd_latency_seconds_bucket" + l(`le="0.25"`):                      1,
		"elbd_latency_seconds_bucket" + l(`le="0.5"`):                       2,
		"elbd_latency_seconds_bucket" + l(`le="+Inf"`):                      2,
		"elbd_healthy_host_count" + l():                                     2,
		"elbd_unhealthy_host_count" + l():                                   1,
		"elbd_surge_queue_length" + l():                                     3,
		"elbd_listeners" + l(`state="serving"`):                             4,
		"elbd_listeners" + l(`state="failed"`):                              1,
		"elbd_listener_bind_failures_total" + l(`address="127.100.0.1:80"`): 2,
	}
	flat = gather(t, m)
	for s, v := range want {
		if got, ok := flat[s]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", s, got, ok, v)
		}
	}
	if got := flat["elbd_latency_seconds_sum"+l()]; got < 0.301 || got > 0.303 {
		t.Errorf("latency sum = %v, want 0.302", got)
	}
	// The registry has the runtime and process collectors too.
	for _, s := range []string{"go_goroutines", "process_start_time_seconds"} {
		if _, ok := flat[s]; !ok {
			t.Errorf("%s missing", s)
		}
	}
}

func TestDeletion(t *testing.T) {
	m := metrics.New()
	a1 := metrics.Key{Account: acct, LoadBalancer: "web", Zone: "us-east-1a"}
	b1 := metrics.Key{Account: acct, LoadBalancer: "web", Zone: "us-east-1b"}
	other := metrics.Key{Account: "210987654321", LoadBalancer: "web", Zone: "us-east-1a"}
	api := metrics.Key{Account: acct, LoadBalancer: "api", Zone: "us-east-1a"}
	for _, k := range []metrics.Key{a1, b1, other, api} {
		m.Handles(k).Request()
		m.SetHosts(k, 1, 0)
		m.BindFailed(k, "127.100.0.9:80")
	}
	count := func(match ...string) int { return len(series(gather(t, m), "elbd_", match...)) }
	// Per key: request count 1, ELB codes 2, back-end codes 4, connection
	// errors 1, spillover 1, desync 3, latency 19 (16 buckets, +Inf, sum,
	// count), host counts 2, surge queue 1, listeners 2, bind failures 1,
	// TLS handshake errors 1.
	const perKey = 38
	if n := count(`account="`+acct+`"`, `load_balancer="api"`); n != perKey {
		t.Fatalf("api has %d series, want %d", n, perKey)
	}

	// Retain drops a zone that is no longer served.
	m.Retain(func(k metrics.Key) bool { return k != b1 })
	if n := count(`load_balancer="web"`, `zone="us-east-1b"`); n != 0 {
		t.Errorf("%d series left for the dropped zone", n)
	}
	if n := count(`account="`+acct+`"`, `load_balancer="web"`, `zone="us-east-1a"`); n != perKey {
		t.Errorf("web/us-east-1a has %d series, want %d", n, perKey)
	}
	// DeleteBalancer drops one account's balancer in every zone and
	// leaves the same name in another account alone.
	m.DeleteBalancer(acct, "web")
	if n := count(`account="`+acct+`"`, `load_balancer="web"`); n != 0 {
		t.Errorf("%d series left for the deleted balancer", n)
	}
	if n := count(`account="210987654321"`, `load_balancer="web"`); n != perKey {
		t.Errorf("other account's web has %d series, want %d", n, perKey)
	}
	if n := count(`load_balancer="api"`); n != perKey {
		t.Errorf("api has %d series, want %d", n, perKey)
	}
	// A deleted key comes back at zero.
	h := m.Handles(a1)
	if v := gather(t, m)["elbd_request_count_total"+lbz(acct, "web", "us-east-1a")]; v != 0 {
		t.Errorf("recreated request count = %v, want 0", v)
	}
	h.Request()
	if v := gather(t, m)["elbd_request_count_total"+lbz(acct, "web", "us-east-1a")]; v != 1 {
		t.Errorf("request count = %v, want 1", v)
	}
}

func TestHandler(t *testing.T) {
	m := metrics.New()
	m.Handles(metrics.Key{Account: acct, LoadBalancer: "web", Zone: "us-east-1a"}).Request()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := `elbd_request_count_total{account="123456789012",load_balancer="web",zone="us-east-1a"} 1`
	if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
		t.Errorf("GET /metrics = %d, body lacks %s:\n%s", resp.StatusCode, want, b)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
	}
}

// observe is what the data plane does for a typical proxied request.
func observe(h *metrics.Handles) {
	h.Request()
	h.BackendResponse(200)
	h.Latency(1500 * time.Microsecond)
}

func TestObservationAllocs(t *testing.T) {
	h := metrics.New().Handles(metrics.Key{Account: acct, LoadBalancer: "web", Zone: "us-east-1a"})
	if n := testing.AllocsPerRun(1000, func() {
		observe(h)
		h.ELBResponse(503)
		h.BackendConnectionErrors(1)
		h.NonCompliant(metrics.DesyncAmbiguous)
		h.Spillover()
		h.SetSurgeQueueLength(0)
	}); n != 0 {
		t.Errorf("an observation allocates %v times, want 0", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	h := metrics.New().Handles(metrics.Key{Account: acct, LoadBalancer: "web", Zone: "us-east-1a"})
	b.ReportAllocs()
	for b.Loop() {
		observe(h)
	}
}

func BenchmarkObserveParallel(b *testing.B) {
	h := metrics.New().Handles(metrics.Key{Account: acct, LoadBalancer: "web", Zone: "us-east-1a"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			observe(h)
		}
	})
}
