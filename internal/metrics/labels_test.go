package metrics

import (
	"testing"
	"time"
)

// BenchmarkWithLabelValues is what Handles avoid: the observation of
// BenchmarkObserve with a label lookup per metric, as a data plane without
// pre-bound handles would do per request.
func BenchmarkWithLabelValues(b *testing.B) {
	m := New()
	m.Handles(Key{Account: "123456789012", LoadBalancer: "web", Zone: "us-east-1a"})
	b.ReportAllocs()
	for b.Loop() {
		m.requests.WithLabelValues("123456789012", "web", "us-east-1a").Inc()
		m.backendCodes.WithLabelValues("123456789012", "web", "us-east-1a", "2XX").Inc()
		m.latency.WithLabelValues("123456789012", "web", "us-east-1a").Observe((1500 * time.Microsecond).Seconds())
	}
}
