package accesslog

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// received is the timestamp of ELB's documented examples.
var received = time.Date(2015, 5, 13, 23, 39, 43, 945958123, time.UTC)

func us(n int64) time.Duration { return time.Duration(n) * time.Microsecond }

// httpEntry is ELB's documented HTTP example.
func httpEntry() *Entry {
	return &Entry{
		Time:          received,
		LoadBalancer:  "my-loadbalancer",
		Client:        netip.MustParseAddrPort("192.168.131.39:2817"),
		Backend:       netip.MustParseAddrPort("10.0.0.1:80"),
		RequestTime:   us(73),
		BackendTime:   us(1048),
		ResponseTime:  us(57),
		ELBStatus:     200,
		BackendStatus: 200,
		SentBytes:     29,
		Method:        []byte("GET"),
		Host:          []byte("www.example.com"),
		URL:           []byte("/"),
		Proto:         []byte("HTTP/1.1"),
		UserAgent:     []byte("curl/7.38.0"),
		Scheme:        "http",
		Port:          80,
	}
}

// tcpEntry is ELB's documented TCP example.
func tcpEntry() *Entry {
	return &Entry{
		Time:          received,
		LoadBalancer:  "my-loadbalancer",
		Client:        netip.MustParseAddrPort("192.168.131.39:2817"),
		Backend:       netip.MustParseAddrPort("10.0.0.1:80"),
		RequestTime:   us(1069),
		BackendTime:   us(28),
		ResponseTime:  us(41),
		ReceivedBytes: 82,
		SentBytes:     305,
		TCP:           true,
	}
}

func TestDocumentedExamples(t *testing.T) {
	for _, tt := range []struct {
		e    *Entry
		want string
	}{
		{httpEntry(), `2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -` + "\n"},
		{tcpEntry(), `2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -` + "\n"},
	} {
		if got := string(AppendEntry(nil, tt.e)); got != tt.want {
			t.Errorf("AppendEntry:\n got %q\nwant %q", got, tt.want)
		}
	}
}

// goldenCases are checked against testdata/<name>.log; go test -update
// rewrites those files.
var goldenCases = []struct {
	name string
	edit func(*Entry)
}{
	{"http", func(*Entry) {}},
	{"tcp", nil},
	{"https", func(e *Entry) {
		e.Scheme, e.Port = "https", 443
		e.Host = []byte("www.example.com:443")
		e.SSLCipher, e.SSLProtocol = "ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2"
	}},
	{"ipv6", func(e *Entry) {
		e.Client = netip.MustParseAddrPort("[2001:db8::1]:50123")
		e.Backend = netip.MustParseAddrPort("[2001:db8:1::20]:8080")
		e.Host = []byte("[2001:db8::100]:8080")
		e.Port = 8080
	}},
	{"ipv4-mapped-and-zone", func(e *Entry) {
		e.Client = netip.MustParseAddrPort("[::ffff:192.0.2.7]:1234")
		e.Backend = netip.MustParseAddrPort("[fe80::1%eth0]:80")
	}},
	{"not-dispatched", func(e *Entry) {
		e.Backend = netip.AddrPort{}
		e.RequestTime, e.BackendTime, e.ResponseTime = -1, -1, -1
		e.ELBStatus, e.BackendStatus = 503, 0
		e.SentBytes = 0
	}},
	{"client-gone", func(e *Entry) {
		e.ELBStatus, e.BackendStatus = 0, 0
		e.ResponseTime = -1
	}},
	{"unparsed-request", func(e *Entry) {
		e.Backend = netip.AddrPort{}
		e.RequestTime, e.BackendTime, e.ResponseTime = -1, -1, -1
		e.ELBStatus, e.BackendStatus = 400, 0
		e.Method, e.URL, e.Proto, e.Host, e.UserAgent = nil, nil, nil, nil, nil
	}},
	{"no-user-agent", func(e *Entry) { e.UserAgent = nil }},
	{"absolute-form", func(e *Entry) {
		e.URL = []byte("http://other.example.com:8080/x?y=1")
	}},
	{"http10-no-host", func(e *Entry) {
		e.Proto = []byte("HTTP/1.0")
		e.Host = []byte("203.0.113.10") // the node address, as the caller passes it
	}},
	{"query-and-long-times", func(e *Entry) {
		e.URL = []byte("/search?q=a+b&lang=en")
		e.Method = []byte("POST")
		e.RequestTime = 3*time.Second + us(5)
		e.BackendTime = 3600*time.Second + 999999999
		e.ReceivedBytes = 1 << 40
	}},
	{"escaping", func(e *Entry) {
		e.URL = []byte("/a b\"c\\d\x00\x7f\xff")
		e.UserAgent = []byte("Mozilla \"quoted\" back\\slash\ttab\r\nnewline \xc3\xa9")
		e.LoadBalancer = "odd name"
		e.SSLCipher = "-"
	}},
	{"long-user-agent", func(e *Entry) {
		e.UserAgent = []byte(strings.Repeat("abcdefgh", MaxUserAgent/8) + "truncated")
	}},
}

func goldenEntry(name string, edit func(*Entry)) *Entry {
	if edit == nil {
		return tcpEntry()
	}
	e := httpEntry()
	edit(e)
	return e
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got := AppendEntry(nil, goldenEntry(tc.name, tc.edit))
			path := filepath.Join("testdata", tc.name+".log")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("line differs from %s:\n got %q\nwant %q", path, got, want)
			}
			if bytes.Count(got, []byte("\n")) != 1 || got[len(got)-1] != '\n' {
				t.Errorf("not exactly one line: %q", got)
			}
			for _, c := range got[:len(got)-1] {
				if c < 0x20 || c >= 0x7f {
					t.Fatalf("byte %#x in line %q", c, got)
				}
			}
		})
	}
}

// TestParseGolden reads every golden line back and compares the fields
// with the Entry it was written from.
func TestParseGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			e := goldenEntry(tc.name, tc.edit)
			line, err := os.ReadFile(filepath.Join("testdata", tc.name+".log"))
			if err != nil {
				t.Fatal(err)
			}
			f, err := ParseLine(string(line))
			if err != nil {
				t.Fatal(err)
			}
			if want := expectFields(e); f != want {
				t.Errorf("ParseLine(%q)\n got %+v\nwant %+v", line, f, want)
			}
		})
	}
}

// expectFields is what ParseLine should return for the line of e,
// computed independently of AppendEntry.
func expectFields(e *Entry) Fields {
	dash := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	dur := func(d time.Duration) time.Duration {
		if d < 0 {
			return -1
		}
		return d.Truncate(time.Microsecond)
	}
	addr := func(ap netip.AddrPort) netip.AddrPort {
		if !ap.Addr().IsValid() {
			return netip.AddrPort{}
		}
		return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
	}
	status := func(c int) int {
		if c < 0 || e.TCP {
			return 0
		}
		return c
	}
	f := Fields{
		Time:          e.Time.UTC().Truncate(time.Microsecond),
		LoadBalancer:  dash(e.LoadBalancer),
		Client:        addr(e.Client),
		Backend:       addr(e.Backend),
		RequestTime:   dur(e.RequestTime),
		BackendTime:   dur(e.BackendTime),
		ResponseTime:  dur(e.ResponseTime),
		ELBStatus:     status(e.ELBStatus),
		BackendStatus: status(e.BackendStatus),
		ReceivedBytes: max(e.ReceivedBytes, 0),
		SentBytes:     max(e.SentBytes, 0),
		Request:       "- - - ",
		SSLCipher:     dash(e.SSLCipher),
		SSLProtocol:   dash(e.SSLProtocol),
	}
	if e.TCP {
		return f
	}
	f.UserAgent = dash(string(e.UserAgent[:min(len(e.UserAgent), MaxUserAgent)]))
	if len(e.Method) > 0 && len(e.URL) > 0 && len(e.Proto) > 0 {
		url := string(e.URL)
		if !absoluteForm(e.URL) {
			scheme := e.Scheme
			if scheme == "" {
				scheme = "http"
			}
			host, _, _ := strings.Cut(string(e.Host), ":")
			if strings.HasPrefix(string(e.Host), "[") {
				host = string(e.Host)
				if h, _, ok := strings.Cut(host, "]"); ok {
					host = h + "]"
				}
			}
			url = scheme + "://" + host + ":" + strconv.Itoa(e.Port) + url
		}
		f.Request = string(e.Method) + " " + url + " " + string(e.Proto)
		i, j := strings.IndexByte(f.Request, ' '), strings.LastIndexByte(f.Request, ' ')
		f.Method, f.URL, f.Proto = f.Request[:i], f.Request[i+1:j], f.Request[j+1:]
	}
	return f
}

func TestAbsoluteForm(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"/", false},
		{"http://a/", true},
		{"HTTPS://a", true},
		{"svn+ssh://a", true},
		{"*", false},
		{"example.com:443", false},
		{"/http://a", false},
		{"1http://a", false},
		{"http:/a", false},
		{"http:", false},
		{"", false},
	} {
		if got := absoluteForm([]byte(tt.url)); got != tt.want {
			t.Errorf("absoluteForm(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

func TestHostOnly(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"www.example.com", "www.example.com"},
		{"www.example.com:8080", "www.example.com"},
		{"[2001:db8::1]:80", "[2001:db8::1]"},
		{"[2001:db8::1]", "[2001:db8::1]"},
		{"[broken", "[broken"},
		{"", ""},
	} {
		if got := string(hostOnly([]byte(tt.in))); got != tt.want {
			t.Errorf("hostOnly(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendTimeAndSeconds(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2014, 2, 15, 23, 39, 43, 0, time.UTC), "2014-02-15T23:39:43.000000Z"},
		{time.Date(2014, 2, 15, 23, 39, 43, 999, time.UTC), "2014-02-15T23:39:43.000000Z"},
		{time.Date(2014, 2, 15, 23, 39, 43, 999999999, time.UTC), "2014-02-15T23:39:43.999999Z"},
		{time.Date(2014, 2, 16, 1, 0, 0, 1000, time.FixedZone("x", 2*3600)), "2014-02-15T23:00:00.000001Z"},
		{time.Time{}, "0001-01-01T00:00:00.000000Z"},
	} {
		if got := string(appendTime(nil, tt.t)); got != tt.want {
			t.Errorf("appendTime(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000000"},
		{999, "0.000000"},
		{us(1), "0.000001"},
		{time.Second, "1.000000"},
		{90*time.Second + us(123456), "90.123456"},
		{-1, "-1"},
		{-time.Hour, "-1"},
	} {
		if got := string(appendSeconds(nil, tt.d)); got != tt.want {
			t.Errorf("appendSeconds(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestAppendEntryAllocs(t *testing.T) {
	e := httpEntry()
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf = AppendEntry(buf[:0], e) }); n != 0 {
		t.Errorf("AppendEntry allocates %v times per line", n)
	}
	for _, tc := range goldenCases {
		if tc.name == "escaping" {
			e = goldenEntry(tc.name, tc.edit)
		}
	}
	if n := testing.AllocsPerRun(100, func() { buf = AppendEntry(buf[:0], e) }); n != 0 {
		t.Errorf("AppendEntry with escapes allocates %v times per line", n)
	}
}
