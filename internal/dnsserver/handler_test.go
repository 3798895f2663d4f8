package dnsserver

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// serve calls the handler directly and returns the written message.
func serve(t testing.TB, s *Server, network string, req *dns.Msg) *dns.Msg {
	t.Helper()
	w := newRecorder(network)
	s.ServeDNS(w, req)
	if w.writes != 1 {
		t.Fatalf("%d writes, want 1", w.writes)
	}
	return w.msg
}

func handlerServer(t testing.TB) *Server {
	s := mustNew(t, Options{})
	if err := s.Set(mustRecords(t, testEntries()), 7); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHandlerDirect(t *testing.T) {
	s := handlerServer(t)

	// Responses are never answered.
	resp := query(lbName, dns.TypeA)
	resp.Response = true
	w := newRecorder("udp")
	s.ServeDNS(w, resp)
	if w.writes != 0 {
		t.Error("answered a response")
	}

	// The checks the miekg server's accept function also makes hold
	// when the handler is called directly.
	noQ := new(dns.Msg)
	if r := serve(t, s, "udp", noQ); r.Rcode != dns.RcodeFormatError {
		t.Errorf("no question: %s", dns.RcodeToString[r.Rcode])
	}
	upd := new(dns.Msg).SetUpdate(testZone + ".")
	if r := serve(t, s, "udp", upd); r.Rcode != dns.RcodeNotImplemented || r.Opcode != dns.OpcodeUpdate {
		t.Errorf("UPDATE: %s opcode %d", dns.RcodeToString[r.Rcode], r.Opcode)
	}

	// A name without trailing dot (never on the wire) is still matched.
	r := serve(t, s, "udp", &dns.Msg{Question: []dns.Question{{Name: lbName, Qtype: dns.TypeA, Qclass: dns.ClassINET}}})
	if len(r.Answer) != 2 {
		t.Errorf("non-FQDN question: %v", r)
	}

	// An unknown transport gets the UDP size limit.
	w = newRecorder("udp")
	w.remote = nil
	s.ServeDNS(w, query(bigLB, dns.TypeA))
	if !w.msg.Truncated || w.n > dns.MinMsgSize {
		t.Errorf("unknown transport: TC %v, %d bytes", w.msg.Truncated, w.n)
	}
}

// TestSharedRecordsUntouched checks that answering (case echo, OPT,
// truncation) never modifies the records shared between queries.
func TestSharedRecordsUntouched(t *testing.T) {
	s := handlerServer(t)
	snap := s.snap.Load()
	before := sortedKey(snap.owners["big-3333333333.us-east-1.elb.internal."].a)

	for _, name := range []string{strings.ToUpper(bigLB), bigLB} {
		for _, network := range []string{"udp", "tcp"} {
			q := query(name, dns.TypeA)
			q.SetEdns0(1232, false)
			serve(t, s, network, q)
			serve(t, s, network, query(name, dns.TypeA))
		}
	}
	rs := snap.owners["big-3333333333.us-east-1.elb.internal."]
	if got := sortedKey(rs.a); got != before || len(rs.a) != 100 || cap(rs.a) != 100 {
		t.Errorf("shared A set changed: len %d cap %d", len(rs.a), cap(rs.a))
	}
	for _, rr := range rs.a {
		if rr.Header().Name != "big-3333333333.us-east-1.elb.internal." {
			t.Fatalf("shared owner name changed to %q", rr.Header().Name)
		}
	}
	if len(snap.soa) != 1 || snap.soa[0].Header().Name != "elb.internal." {
		t.Errorf("shared SOA changed: %v", snap.soa)
	}
}

func TestAcceptMsg(t *testing.T) {
	const qr = 1 << 15
	for _, tc := range []struct {
		name string
		h    dns.Header
		want dns.MsgAcceptAction
	}{
		{"query", dns.Header{Qdcount: 1, Arcount: 1}, dns.MsgAccept},
		{"response", dns.Header{Bits: qr, Qdcount: 1}, dns.MsgIgnore},
		{"notify", dns.Header{Bits: dns.OpcodeNotify << 11, Qdcount: 1}, dns.MsgRejectNotImplemented},
		{"update", dns.Header{Bits: dns.OpcodeUpdate << 11, Qdcount: 1, Nscount: 5}, dns.MsgRejectNotImplemented},
		{"no question", dns.Header{}, dns.MsgReject},
		{"two questions", dns.Header{Qdcount: 2}, dns.MsgReject},
		{"answers", dns.Header{Qdcount: 1, Ancount: 2}, dns.MsgReject},
		{"authority", dns.Header{Qdcount: 1, Nscount: 2}, dns.MsgReject},
		{"additional", dns.Header{Qdcount: 1, Arcount: 3}, dns.MsgReject},
	} {
		if got := acceptMsg(tc.h); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDebugLog(t *testing.T) {
	var buf bytes.Buffer
	s := mustNew(t, Options{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err := s.Set(mustRecords(t, testEntries()), 3); err != nil {
		t.Fatal(err)
	}
	serve(t, s, "udp", query("nope."+testZone, dns.TypeAAAA))
	out := buf.String()
	for _, want := range []string{"dns records installed", "serial=3", "dns query", "name=nope.elb.internal.", "type=AAAA", "rcode=NXDOMAIN"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// BenchmarkServeDNS measures the handler path including packing the
// response, without sockets.
func BenchmarkServeDNS(b *testing.B) {
	s := handlerServer(b)
	edns := func(m *dns.Msg) *dns.Msg { m.SetEdns0(1232, false); return m }
	for _, bc := range []struct {
		name    string
		network string
		req     *dns.Msg
	}{
		{"A", "udp", query(lbName, dns.TypeA)},
		{"A-mixed-case", "udp", query(strings.ToUpper(lbName), dns.TypeA)},
		{"dualstack-ANY-edns", "udp", edns(query("dualstack."+lbName, dns.TypeANY))},
		{"NODATA", "udp", query(lbName, dns.TypeAAAA)},
		{"NXDOMAIN", "udp", query("nope-1.us-east-1."+testZone, dns.TypeA)},
		{"REFUSED", "udp", query("example.com", dns.TypeA)},
		{"100A-udp-truncated", "udp", query(bigLB, dns.TypeA)},
		{"100A-tcp", "tcp", query(bigLB, dns.TypeA)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := newRecorder(bc.network)
			b.ReportAllocs()
			for b.Loop() {
				s.ServeDNS(w, bc.req)
			}
			if w.msg == nil {
				b.Fatal("no response")
			}
		})
	}
}
