package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	testZone = "elb.internal"
	lbName   = "my-lb-1234567890.us-east-1.elb.internal"
	v4Only   = "internal-v4only-1111111111.us-east-1.elb.internal"
	emptyLB  = "empty-2222222222.us-east-1.elb.internal"
	bigLB    = "big-3333333333.us-east-1.elb.internal"
	midLB    = "mid-4444444444.eu-west-1.elb.internal"
)

// addrs parses addresses or panics.
func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// seqV4 returns n addresses 10.1.x.y.
func seqV4(n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = netip.AddrFrom4([4]byte{10, 1, byte(i / 256), byte(i % 256)})
	}
	return out
}

// testEntries is the record set most tests serve.
func testEntries() []Entry {
	return []Entry{
		{Name: lbName, IPv4: addrs("10.0.0.2", "10.0.0.1"), IPv6: addrs("2001:db8::1")},
		{Name: v4Only + ".", IPv4: addrs("10.0.1.1")},
		{Name: emptyLB},
		{Name: bigLB, IPv4: seqV4(100)},
		{Name: midLB, IPv4: seqV4(30)},
	}
}

func mustRecords(t testing.TB, entries []Entry) *Records {
	t.Helper()
	r, err := NewRecords(testZone, entries)
	if err != nil {
		t.Fatalf("NewRecords: %v", err)
	}
	return r
}

func mustNew(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(testZone, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// startServer returns a running server on 127.0.0.1:0 serving
// testEntries with serial 7; it is shut down when the test ends.
func startServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := mustNew(t, opts)
	if err := s.Set(mustRecords(t, testEntries()), 7); err != nil {
		t.Fatal(err)
	}
	start(t, s, "127.0.0.1:0")
	return s
}

func start(t testing.TB, s *Server, addr string) {
	t.Helper()
	if err := s.Start(addr); err != nil {
		t.Fatalf("Start(%s): %v", addr, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}

// serverAddr returns the address of s for network ("udp" or "tcp").
func serverAddr(s *Server, network string) string {
	if network == "tcp" {
		return s.TCPAddr().String()
	}
	return s.UDPAddr().String()
}

// exchange sends m over network to addr, retrying a lost UDP datagram.
func exchange(t testing.TB, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	var err error
	for try := 0; try < 3; try++ {
		var r *dns.Msg
		r, _, err = c.Exchange(m, addr)
		if err == nil {
			return r
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			break
		}
	}
	t.Fatalf("exchange %s %s: %v", network, addr, err)
	return nil
}

func query(name string, qtype uint16) *dns.Msg {
	return new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
}

// rrStrings describes rrs compactly: "A 10.0.0.1", "AAAA 2001:db8::1",
// "NS ns.elb.internal.", "SOA <serial>".
func rrStrings(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, "A "+v.A.String())
		case *dns.AAAA:
			out = append(out, "AAAA "+v.AAAA.String())
		case *dns.NS:
			out = append(out, "NS "+v.Ns)
		case *dns.SOA:
			out = append(out, fmt.Sprintf("SOA %d", v.Serial))
		case *dns.OPT:
			// not data
		default:
			out = append(out, rr.String())
		}
	}
	return out
}

// soaAuthority returns the SOA of m's authority section, nil if absent,
// and fails if anything else is there.
func soaAuthority(t testing.TB, m *dns.Msg) *dns.SOA {
	t.Helper()
	if len(m.Ns) == 0 {
		return nil
	}
	if len(m.Ns) != 1 {
		t.Fatalf("authority has %d records: %v", len(m.Ns), m.Ns)
	}
	soa, ok := m.Ns[0].(*dns.SOA)
	if !ok {
		t.Fatalf("authority is %v, want SOA", m.Ns[0])
	}
	return soa
}

// recorder is a dns.ResponseWriter that keeps the written message and
// packs it like the real writer does.
type recorder struct {
	remote net.Addr
	msg    *dns.Msg
	buf    []byte
	n      int
	writes int
}

func newRecorder(network string) *recorder {
	r := &recorder{buf: make([]byte, dns.MaxMsgSize)}
	if network == "tcp" {
		r.remote = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	} else {
		r.remote = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	}
	return r
}

func (r *recorder) LocalAddr() net.Addr  { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (r *recorder) RemoteAddr() net.Addr { return r.remote }
func (r *recorder) WriteMsg(m *dns.Msg) error {
	r.msg = m
	r.writes++
	b, err := m.PackBuffer(r.buf)
	r.n = len(b)
	return err
}
func (r *recorder) Write(b []byte) (int, error) { r.writes++; return len(b), nil }
func (r *recorder) Close() error                { return nil }
func (r *recorder) TsigStatus() error           { return nil }
func (r *recorder) TsigTimersOnly(bool)         {}
func (r *recorder) Hijack()                     {}

// sortedKey joins the sorted descriptions of rrs.
func sortedKey(rrs []dns.RR) string {
	s := rrStrings(rrs)
	slices.Sort(s)
	return strings.Join(s, ",")
}
