package accesslog

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

const docHTTP = `2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`

func TestParseLine(t *testing.T) {
	base := Fields{
		Time:          time.Date(2015, 5, 13, 23, 39, 43, 945958000, time.UTC),
		LoadBalancer:  "my-loadbalancer",
		Client:        netip.MustParseAddrPort("192.168.131.39:2817"),
		Backend:       netip.MustParseAddrPort("10.0.0.1:80"),
		RequestTime:   us(73),
		BackendTime:   us(1048),
		ResponseTime:  us(57),
		ELBStatus:     200,
		BackendStatus: 200,
		SentBytes:     29,
		Request:       "GET http://www.example.com:80/ HTTP/1.1",
		Method:        "GET",
		URL:           "http://www.example.com:80/",
		Proto:         "HTTP/1.1",
		UserAgent:     "curl/7.38.0",
	}
	for _, tt := range []struct {
		name string
		line string
		edit func(*Fields)
	}{
		{"documented HTTP", docHTTP, func(*Fields) {}},
		{"with newline", docHTTP + "\n", func(*Fields) {}},
		{"documented TCP",
			`2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -`,
			func(f *Fields) {
				f.RequestTime, f.BackendTime, f.ResponseTime = us(1069), us(28), us(41)
				f.ELBStatus, f.BackendStatus = 0, 0
				f.ReceivedBytes, f.SentBytes = 82, 305
				f.Request, f.Method, f.URL, f.Proto, f.UserAgent = "- - - ", "", "", "", ""
			}},
		{"IPv6 and not dispatched",
			`2015-05-13T23:39:43.945958Z my-loadbalancer 2001:db8::1:443 - -1 -1 -1 503 - 0 0 "GET https://[2001:db8::9]:443/ HTTP/1.1" "-" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2`,
			func(f *Fields) {
				f.Client = netip.MustParseAddrPort("[2001:db8::1]:443")
				f.Backend = netip.AddrPort{}
				f.RequestTime, f.BackendTime, f.ResponseTime = -1, -1, -1
				f.ELBStatus, f.BackendStatus, f.SentBytes = 503, 0, 0
				f.Request = "GET https://[2001:db8::9]:443/ HTTP/1.1"
				f.URL = "https://[2001:db8::9]:443/"
				f.UserAgent = ""
				f.SSLCipher, f.SSLProtocol = "ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2"
			}},
		{"escapes, either case",
			`2015-05-13T23:39:43.945958Z my\x20lb 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/a\x22b\x5C HTTP/1.1" "x\x0Ay\xc3\xa9" - -`,
			func(f *Fields) {
				f.LoadBalancer = "my lb"
				f.Request = `GET http://www.example.com:80/a"b\ HTTP/1.1`
				f.URL = `http://www.example.com:80/a"b\`
				f.UserAgent = "x\nyé"
			}},
		{"space in the target",
			strings.Replace(docHTTP, "80/ HTTP", "80/a b HTTP", 1),
			func(f *Fields) {
				f.Request = "GET http://www.example.com:80/a b HTTP/1.1"
				f.URL = "http://www.example.com:80/a b"
			}},
		{"request without version",
			strings.Replace(docHTTP, " HTTP/1.1", "", 1),
			func(f *Fields) {
				f.Request = "GET http://www.example.com:80/"
				f.Method, f.URL, f.Proto = "", "", ""
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			tt.edit(&want)
			got, err := ParseLine(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("ParseLine(%q)\n got %+v\nwant %+v", tt.line, got, want)
			}
		})
	}
}

func TestParseLineErrors(t *testing.T) {
	// Each case replaces old with new in docHTTP (or is the whole line)
	// and names the field the error must mention.
	for _, tt := range []struct {
		old, new string
		field    string
	}{
		{docHTTP, "", "timestamp"},
		{docHTTP, docHTTP[:60], "line ends before backend:port"},
		{docHTTP, docHTTP + " extra", "after ssl_protocol"},
		{docHTTP, docHTTP + "\n\n", "ssl_protocol"},
		{docHTTP, docHTTP + "\r\n", "ssl_protocol"},
		{"curl/7.38.0", "curl\x01", "user_agent"},
		{" my-loadbalancer", "  my-loadbalancer", "elb"},
		{"2015-05-13T23:39:43.945958Z", "2015-05-13 23:39:43.945958Z", "timestamp"},
		{"2015-05-13T23:39:43.945958Z", "2015-05-13T23:39:43.945958", "timestamp"},
		{"2015-05-13T23:39:43.945958Z", "2015-05-13T23:39:43.94595Z", "timestamp"},
		{"2015-05-13T23:39:43.945958Z", "2015-02-30T23:39:43.945958Z", "timestamp"},
		{"my-loadbalancer", `my\x2`, "elb"},
		{"192.168.131.39:2817", "192.168.131.39", "client:port"},
		{"192.168.131.39:2817", "192.168.131.39:65536", "client:port"},
		{"192.168.131.39:2817", "192.168.131.39:", "client:port"},
		{"192.168.131.39:2817", "host:80", "client:port"},
		{"10.0.0.1:80", "[10.0.0.1]:80", "backend:port"},
		{"0.000073", "0.00007", "request_processing_time"},
		{"0.000073", "-2", "request_processing_time"},
		{"0.001048", "1.0000000", "backend_processing_time"},
		{"0.001048", "x.000000", "backend_processing_time"},
		{"0.000057", "9999999999.000000", "response_processing_time"},
		{" 200 200", " 2x0 200", "elb_status_code"},
		{" 200 200", " 200 -5", "backend_status_code"},
		{" 0 29", " -1 29", "received_bytes"},
		{" 0 29", " 0 99999999999999999999", "sent_bytes"},
		{`"GET`, `GET`, "request"},
		{`HTTP/1.1"`, `HTTP/1.1`, "request"},
		{`/ HTTP`, `/\q HTTP`, "request"},
		{`"curl/7.38.0"`, `curl/7.38.0`, "user_agent"},
		{`"curl/7.38.0"`, `"curl\x"`, "user_agent"},
		{`" - -`, `" \x - -`, "ssl_cipher"},
		{`" - -`, `" - \xz`, "ssl_protocol"},
		{`" - -`, `" -`, "ssl_protocol"},
	} {
		line := strings.Replace(docHTTP, tt.old, tt.new, 1)
		_, err := ParseLine(line)
		if err == nil {
			t.Errorf("ParseLine(%q) succeeded", line)
			continue
		}
		if !strings.Contains(err.Error(), tt.field) {
			t.Errorf("ParseLine(%q) = %v, want an error about %s", line, err, tt.field)
		}
	}
}

func TestParseSecondsLimits(t *testing.T) {
	max := time.Duration(1<<63 - 1)
	line := AppendEntry(nil, &Entry{RequestTime: max, BackendTime: 0, ResponseTime: -1, TCP: true})
	f, err := ParseLine(string(line))
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if want := max.Truncate(time.Microsecond); f.RequestTime != want {
		t.Errorf("RequestTime = %d, want %d", f.RequestTime, want)
	}
	if _, err := parseSeconds("9223372036.854776"); err == nil {
		t.Error("parseSeconds accepted a duration beyond time.Duration")
	}
}
