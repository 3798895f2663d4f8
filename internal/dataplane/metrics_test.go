package dataplane

import (
	"net"
	"net/netip"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/elbd/elbd/internal/desync"
	"github.com/elbd/elbd/internal/httpproxy"
	"github.com/elbd/elbd/internal/metrics"
)

const testAccount = "123456789012"

// sample returns the value of the series of family name whose labels
// include want (a counter or gauge value, or a histogram's sample count),
// and whether it exists.
func sample(t *testing.T, m *metrics.Metrics, name string, want map[string]string) (float64, bool) {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range s.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue next
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(s.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// lbLabels are the labels of balancer name in zone z1 of testAccount.
func lbLabels(name string, extra ...string) map[string]string {
	l := map[string]string{"account": testAccount, "load_balancer": name, "zone": "z1"}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i]] = extra[i+1]
	}
	return l
}

// waitSample waits until the series has value want.
func waitSample(t *testing.T, m *metrics.Metrics, name string, labels map[string]string, want float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := sample(t, m, name, labels)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v, want %v", name, labels, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMetricsTCP(t *testing.T) {
	m := metrics.New()
	p := newPlane(t, Options{Metrics: m})
	be := echoBackend(t, "one")
	node := netip.MustParseAddr("127.0.0.1")
	port, deadPort := freePort(t), freePort(t)
	dead := tcpBalancer(testAccount+"/dead", node, deadPort, netip.AddrPortFrom(node, uint16(freePort(t))))
	dead.Name = "dead"
	cfg := &Config{Balancers: []Balancer{tcpBalancer(testAccount+"/lb", node, port, be), dead}}
	cfg.Balancers[0].Name = "lb"
	p.Apply(cfg)
	for i := range 3 {
		if got, err := roundTrip(netip.AddrPortFrom(node, uint16(port)), "a"); err != nil || got != "one:a\n" {
			t.Fatalf("connection %d = %q, %v", i, got, err)
		}
	}
	lb := lbLabels("lb")
	waitSample(t, m, "elbd_latency_seconds", lb, 3) // observed when each connection ends
	for name, want := range map[string]float64{
		"elbd_request_count_total":             3,
		"elbd_backend_connection_errors_total": 0,
		"elbd_healthy_host_count":              1,
		"elbd_unhealthy_host_count":            0,
		"elbd_surge_queue_length":              0,
		"elbd_spillover_count_total":           0,
	} {
		if got, ok := sample(t, m, name, lb); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if got, _ := sample(t, m, "elbd_listeners", lbLabels("lb", "state", "serving")); got != 1 {
		t.Errorf("serving listeners = %v, want 1", got)
	}

	// A refused back end: one connection error, no latency sample.
	c, err := net.Dial("tcp", netip.AddrPortFrom(node, uint16(deadPort)).String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	c.Read(make([]byte, 1))
	c.Close()
	dl := lbLabels("dead")
	waitSample(t, m, "elbd_backend_connection_errors_total", dl, 1)
	if got, _ := sample(t, m, "elbd_request_count_total", dl); got != 1 {
		t.Errorf("dead request count = %v, want 1", got)
	}
	if got, _ := sample(t, m, "elbd_latency_seconds", dl); got != 0 {
		t.Errorf("dead latency samples = %v, want 0", got)
	}

	// An unhealthy back end is counted as such at the next Apply.
	p.mu.Lock()
	p.backends[backendKey{testAccount + "/lb", "i-1", int(be.Port())}].SetHealthy(false)
	p.mu.Unlock()
	p.Apply(cfg)
	if h, _ := sample(t, m, "elbd_healthy_host_count", lb); h != 0 {
		t.Errorf("healthy = %v, want 0", h)
	}
	if u, _ := sample(t, m, "elbd_unhealthy_host_count", lb); u != 1 {
		t.Errorf("unhealthy = %v, want 1", u)
	}

	// Removing a balancer removes its series, and only its.
	p.Apply(&Config{Balancers: cfg.Balancers[:1]})
	for _, name := range []string{"elbd_request_count_total", "elbd_latency_seconds", "elbd_healthy_host_count", "elbd_listeners"} {
		if _, ok := sample(t, m, name, dl); ok {
			t.Errorf("%s of the removed balancer still exported", name)
		}
		if _, ok := sample(t, m, name, lb); !ok {
			t.Errorf("%s of the remaining balancer is gone", name)
		}
	}
}

func TestMetricsBindFailure(t *testing.T) {
	m := metrics.New()
	p := newPlane(t, Options{Metrics: m})
	be := echoBackend(t, "one")
	node := netip.MustParseAddr("127.0.0.1")
	blocker, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := blocker.Addr().(*net.TCPAddr).Port
	cfg := &Config{Balancers: []Balancer{tcpBalancer(testAccount+"/lb", node, port, be)}}
	cfg.Balancers[0].Name = "lb"
	addr := netip.AddrPortFrom(node, uint16(port)).String()
	for i := 1; i <= 2; i++ {
		p.Apply(cfg)
		if got, _ := sample(t, m, "elbd_listener_bind_failures_total", lbLabels("lb", "address", addr)); got != float64(i) {
			t.Errorf("after %d failed binds: bind failures = %v", i, got)
		}
		if got, _ := sample(t, m, "elbd_listeners", lbLabels("lb", "state", "failed")); got != 1 {
			t.Errorf("failed listeners = %v, want 1", got)
		}
	}
	blocker.Close()
	p.Apply(cfg)
	if got, _ := sample(t, m, "elbd_listeners", lbLabels("lb", "state", "serving")); got != 1 {
		t.Errorf("serving listeners = %v, want 1", got)
	}
	if got, _ := sample(t, m, "elbd_listeners", lbLabels("lb", "state", "failed")); got != 0 {
		t.Errorf("failed listeners = %v, want 0", got)
	}
	if got, _ := sample(t, m, "elbd_listener_bind_failures_total", lbLabels("lb", "address", addr)); got != 2 {
		t.Errorf("bind failures = %v, want 2 (a counter)", got)
	}
	p.Apply(&Config{})
	if _, ok := sample(t, m, "elbd_listener_bind_failures_total", lbLabels("lb")); ok {
		t.Error("bind failures of a removed balancer still exported")
	}
}

func TestObserveHTTP(t *testing.T) {
	m := metrics.New()
	h := m.Handles(metrics.Key{Account: testAccount, LoadBalancer: "web", Zone: "z1"})
	recs := []httpproxy.Record{
		{BackendStatusCode: 200, ELBStatusCode: 200, BackendProcessingTime: time.Millisecond},
		{BackendStatusCode: 404, ELBStatusCode: 404, BackendProcessingTime: time.Millisecond},
		{BackendStatusCode: 503, BackendProcessingTime: time.Millisecond}, // client gone: still the back end's 5XX
		{BackendStatusCode: 101, ELBStatusCode: 101, BackendProcessingTime: time.Millisecond},
		{ELBStatusCode: 502, BackendProcessingTime: -1, ConnectErrors: 2, Retries: 1},
		{ELBStatusCode: 503, BackendProcessingTime: -1},
		{ELBStatusCode: 400, BackendProcessingTime: -1, Desync: desync.Verdict{Class: desync.Severe}},
		{BackendStatusCode: 200, ELBStatusCode: 200, BackendProcessingTime: time.Millisecond, Desync: desync.Verdict{Class: desync.Acceptable}},
		{BackendStatusCode: 200, ELBStatusCode: 200, BackendProcessingTime: time.Millisecond, Desync: desync.Verdict{Class: desync.Ambiguous}},
		{BackendProcessingTime: -1}, // client gone before any response
	}
	for i := range recs {
		observeHTTP(h, &recs[i])
	}
	l := func(extra ...string) map[string]string {
		m := map[string]string{"account": testAccount, "load_balancer": "web", "zone": "z1"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"elbd_request_count_total", l(), 10},
		{"elbd_httpcode_backend_total", l("class", "2XX"), 3},
		{"elbd_httpcode_backend_total", l("class", "3XX"), 0},
		{"elbd_httpcode_backend_total", l("class", "4XX"), 1},
		{"elbd_httpcode_backend_total", l("class", "5XX"), 1},
		{"elbd_httpcode_elb_total", l("class", "4XX"), 1},
		{"elbd_httpcode_elb_total", l("class", "5XX"), 2},
		{"elbd_backend_connection_errors_total", l(), 2},
		{"elbd_latency_seconds", l(), 6},
		{"elbd_desync_noncompliant_requests_total", l("class", "Acceptable"), 1},
		{"elbd_desync_noncompliant_requests_total", l("class", "Ambiguous"), 1},
		{"elbd_desync_noncompliant_requests_total", l("class", "Severe"), 1},
	} {
		if got, ok := sample(t, m, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if n := testing.AllocsPerRun(1000, func() { observeHTTP(h, &recs[0]) }); n != 0 {
		t.Errorf("observeHTTP allocates %v times per request, want 0", n)
	}
}

// BenchmarkObserveHTTP is the metrics cost of one proxied HTTP request.
func BenchmarkObserveHTTP(b *testing.B) {
	h := metrics.New().Handles(metrics.Key{Account: testAccount, LoadBalancer: "web", Zone: "z1"})
	rec := httpproxy.Record{BackendStatusCode: 200, ELBStatusCode: 200, BackendProcessingTime: 1500 * time.Microsecond}
	b.ReportAllocs()
	for b.Loop() {
		observeHTTP(h, &rec)
	}
}
