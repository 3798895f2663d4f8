package accesslog_test

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/elbd/elbd/internal/accesslog"
)

func ExampleAppendEntry() {
	e := &accesslog.Entry{
		Time:          time.Date(2015, 5, 13, 23, 39, 43, 945958000, time.UTC),
		LoadBalancer:  "my-loadbalancer",
		Client:        netip.MustParseAddrPort("192.168.131.39:2817"),
		Backend:       netip.MustParseAddrPort("10.0.0.1:80"),
		RequestTime:   73 * time.Microsecond,
		BackendTime:   1048 * time.Microsecond,
		ResponseTime:  57 * time.Microsecond,
		ELBStatus:     200,
		BackendStatus: 200,
		SentBytes:     29,
		Method:        []byte("GET"),
		Host:          []byte("www.example.com"),
		URL:           []byte("/"),
		Proto:         []byte("HTTP/1.1"),
		UserAgent:     []byte("curl/7.38.0"),
		Port:          80,
	}
	fmt.Print(string(accesslog.AppendEntry(nil, e)))
	// Output:
	// 2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -
}

func ExampleParseLine() {
	f, err := accesslog.ParseLine(`2015-05-13T23:39:43.945958Z my-loadbalancer 2001:db8::1:2817 - -1 -1 -1 503 - 0 0 "GET http://www.example.com:80/a\x22b HTTP/1.1" "-" - -`)
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Client, f.Backend.IsValid(), f.BackendTime, f.ELBStatus, f.BackendStatus)
	fmt.Printf("%s %q %q\n", f.Method, f.URL, f.UserAgent)
	// Output:
	// [2001:db8::1]:2817 false -1ns 503 0
	// GET "http://www.example.com:80/a\"b" ""
}

// A data plane keeps one Sink per load balancer node with access logs
// enabled, and logs each request or connection to it when it ends.
func ExampleSink() {
	sink, err := accesslog.NewSink(accesslog.Config{
		Root:         "/var/lib/elbd/s3",
		Bucket:       "my-logs",
		Prefix:       "prod",
		AccountID:    "123456789012",
		Region:       "us-east-1",
		LoadBalancer: "my-loadbalancer",
		NodeIP:       netip.MustParseAddr("10.0.0.5"),
		Interval:     5 * time.Minute,
		Logger:       slog.Default(),
	})
	if err != nil {
		panic(err)
	}
	// On the request path, from any goroutine; e may be reused afterwards.
	e := &accesslog.Entry{Time: time.Now(), LoadBalancer: "my-loadbalancer", TCP: true}
	sink.Log(e)

	// When the load balancer's access-log settings change: open the new
	// Sink, switch to it, then close the old one, which writes what it
	// still holds.
	if err := sink.Close(); err != nil {
		slog.Warn("access log", "err", err)
	}
	fmt.Println("dropped:", sink.Dropped())
}
