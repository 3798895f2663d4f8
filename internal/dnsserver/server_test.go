package dnsserver

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestAnswers(t *testing.T) {
	s := startServer(t, Options{})
	ns := "NS ns.elb.internal."
	cases := []struct {
		name   string
		qname  string
		qtype  uint16
		qclass uint16 // 0 = IN
		rcode  int
		answer []string // exact, in order
		soa    bool     // SOA expected in authority
	}{
		{"A on name", lbName, dns.TypeA, 0, dns.RcodeSuccess, []string{"A 10.0.0.1", "A 10.0.0.2"}, false},
		{"ANY on name", lbName, dns.TypeANY, 0, dns.RcodeSuccess, []string{"A 10.0.0.1", "A 10.0.0.2"}, false},
		{"AAAA under ipv6.", "ipv6." + lbName, dns.TypeAAAA, 0, dns.RcodeSuccess, []string{"AAAA 2001:db8::1"}, false},
		{"ANY under ipv6.", "ipv6." + lbName, dns.TypeANY, 0, dns.RcodeSuccess, []string{"AAAA 2001:db8::1"}, false},
		{"A under dualstack.", "dualstack." + lbName, dns.TypeA, 0, dns.RcodeSuccess, []string{"A 10.0.0.1", "A 10.0.0.2"}, false},
		{"AAAA under dualstack.", "dualstack." + lbName, dns.TypeAAAA, 0, dns.RcodeSuccess, []string{"AAAA 2001:db8::1"}, false},
		{"ANY under dualstack.", "dualstack." + lbName, dns.TypeANY, 0, dns.RcodeSuccess, []string{"A 10.0.0.1", "A 10.0.0.2", "AAAA 2001:db8::1"}, false},
		{"upper case", strings.ToUpper(lbName), dns.TypeA, 0, dns.RcodeSuccess, []string{"A 10.0.0.1", "A 10.0.0.2"}, false},
		{"mixed case dualstack", "DualStack.My-LB-1234567890.us-EAST-1.Elb.Internal", dns.TypeANY, 0, dns.RcodeSuccess, []string{"A 10.0.0.1", "A 10.0.0.2", "AAAA 2001:db8::1"}, false},
		{"class ANY", lbName, dns.TypeA, dns.ClassANY, dns.RcodeSuccess, []string{"A 10.0.0.1", "A 10.0.0.2"}, false},
		{"internal- name", v4Only, dns.TypeA, 0, dns.RcodeSuccess, []string{"A 10.0.1.1"}, false},

		{"NODATA AAAA on name", lbName, dns.TypeAAAA, 0, dns.RcodeSuccess, nil, true},
		{"NODATA A under ipv6.", "ipv6." + lbName, dns.TypeA, 0, dns.RcodeSuccess, nil, true},
		{"NODATA AAAA dualstack. without IPv6", "dualstack." + v4Only, dns.TypeAAAA, 0, dns.RcodeSuccess, nil, true},
		{"NODATA AAAA ipv6. without IPv6", "ipv6." + v4Only, dns.TypeAAAA, 0, dns.RcodeSuccess, nil, true},
		{"NODATA TXT", lbName, dns.TypeTXT, 0, dns.RcodeSuccess, nil, true},
		{"NODATA HTTPS", "dualstack." + lbName, dns.TypeHTTPS, 0, dns.RcodeSuccess, nil, true},
		{"NODATA no addresses A", emptyLB, dns.TypeA, 0, dns.RcodeSuccess, nil, true},
		{"NODATA no addresses ANY", "dualstack." + emptyLB, dns.TypeANY, 0, dns.RcodeSuccess, nil, true},
		{"NODATA no addresses AAAA", "ipv6." + emptyLB, dns.TypeAAAA, 0, dns.RcodeSuccess, nil, true},
		{"NODATA empty non-terminal", "us-east-1." + testZone, dns.TypeA, 0, dns.RcodeSuccess, nil, true},
		{"NODATA empty non-terminal upper", "EU-WEST-1." + testZone, dns.TypeAAAA, 0, dns.RcodeSuccess, nil, true},

		{"NXDOMAIN unknown", "nope-1." + testZone, dns.TypeA, 0, dns.RcodeNameError, nil, true},
		{"NXDOMAIN unknown region", "my-lb-1234567890.us-west-2." + testZone, dns.TypeA, 0, dns.RcodeNameError, nil, true},
		{"NXDOMAIN below name", "www." + lbName, dns.TypeA, 0, dns.RcodeNameError, nil, true},
		{"NXDOMAIN double prefix", "ipv6.ipv6." + lbName, dns.TypeAAAA, 0, dns.RcodeNameError, nil, true},
		{"NXDOMAIN NS host without NSAddr", "ns." + testZone, dns.TypeA, 0, dns.RcodeNameError, nil, true},

		{"SOA at apex", testZone, dns.TypeSOA, 0, dns.RcodeSuccess, []string{"SOA 7"}, false},
		{"NS at apex", testZone, dns.TypeNS, 0, dns.RcodeSuccess, []string{ns}, false},
		{"ANY at apex", "ELB.internal", dns.TypeANY, 0, dns.RcodeSuccess, []string{"SOA 7", ns}, false},
		{"NODATA A at apex", testZone, dns.TypeA, 0, dns.RcodeSuccess, nil, true},

		{"REFUSED outside zone", "example.com", dns.TypeA, 0, dns.RcodeRefused, nil, false},
		{"REFUSED zone as label suffix", "xelb.internal", dns.TypeA, 0, dns.RcodeRefused, nil, false},
		{"REFUSED parent of zone", "internal", dns.TypeSOA, 0, dns.RcodeRefused, nil, false},
		{"REFUSED zone inside other name", lbName + ".example.com", dns.TypeA, 0, dns.RcodeRefused, nil, false},
		{"REFUSED escaped dot", `a\.elb.internal`, dns.TypeA, 0, dns.RcodeRefused, nil, false},
		{"REFUSED class CH", lbName, dns.TypeA, dns.ClassCHAOS, dns.RcodeRefused, nil, false},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range cases {
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				q := query(tc.qname, tc.qtype)
				q.RecursionDesired = true
				if tc.qclass != 0 {
					q.Question[0].Qclass = tc.qclass
				}
				r := exchange(t, network, serverAddr(s, network), q)
				if r.Rcode != tc.rcode {
					t.Fatalf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
				}
				authoritative := tc.rcode == dns.RcodeSuccess || tc.rcode == dns.RcodeNameError
				if r.Authoritative != authoritative {
					t.Errorf("AA = %v, want %v", r.Authoritative, authoritative)
				}
				if !r.RecursionDesired || r.RecursionAvailable || !r.Response || r.Truncated || r.Id != q.Id {
					t.Errorf("header: RD %v RA %v QR %v TC %v id %d/%d", r.RecursionDesired, r.RecursionAvailable, r.Response, r.Truncated, r.Id, q.Id)
				}
				if len(r.Question) != 1 || r.Question[0] != q.Question[0] {
					t.Errorf("question %v, want %v", r.Question, q.Question)
				}
				if got := rrStrings(r.Answer); !slices.Equal(got, tc.answer) {
					t.Errorf("answer %q, want %q", got, tc.answer)
				}
				for _, rr := range r.Answer {
					h := rr.Header()
					if h.Name != q.Question[0].Name || h.Ttl != DefaultTTL || h.Class != dns.ClassINET {
						t.Errorf("answer header %v: want owner %q (question's case), TTL 60, class IN", h, q.Question[0].Name)
					}
				}
				soa := soaAuthority(t, r)
				if (soa != nil) != tc.soa {
					t.Fatalf("SOA in authority: %v, want %v (%v)", soa != nil, tc.soa, r.Ns)
				}
				if soa != nil {
					if soa.Hdr.Name != "elb.internal." || soa.Serial != 7 || soa.Minttl != DefaultNegativeTTL || soa.Hdr.Ttl != DefaultNegativeTTL {
						t.Errorf("negative SOA %v", soa)
					}
				}
				if len(r.Extra) != 0 {
					t.Errorf("additional section %v, want empty", r.Extra)
				}
			})
		}
	}
}

func TestApexRecords(t *testing.T) {
	s := startServer(t, Options{})
	r := exchange(t, "udp", serverAddr(s, "udp"), query(testZone, dns.TypeSOA))
	soa := r.Answer[0].(*dns.SOA)
	want := dns.SOA{
		Hdr:     dns.RR_Header{Name: "elb.internal.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
		Ns:      "ns.elb.internal.",
		Mbox:    "hostmaster.elb.internal.",
		Serial:  7,
		Refresh: DefaultRefresh, Retry: DefaultRetry, Expire: DefaultExpire, Minttl: 60,
	}
	soa.Hdr.Rdlength = 0
	if *soa != want {
		t.Errorf("SOA\n got %v\nwant %v", soa, &want)
	}
}

func TestOptions(t *testing.T) {
	s := mustNew(t, Options{
		TTL: 30, NegativeTTL: 10, NS: "NS1.Example.NET", Mbox: "dns-admin.example.net.",
		Refresh: 1, Retry: 2, Expire: 3,
	})
	if err := s.Set(mustRecords(t, testEntries()), 42); err != nil {
		t.Fatal(err)
	}
	start(t, s, "127.0.0.1:0")
	addr := serverAddr(s, "udp")

	r := exchange(t, "udp", addr, query(lbName, dns.TypeA))
	if r.Answer[0].Header().Ttl != 30 {
		t.Errorf("TTL %d, want 30", r.Answer[0].Header().Ttl)
	}
	r = exchange(t, "udp", addr, query(testZone, dns.TypeANY))
	want := []string{"SOA 42", "NS ns1.example.net."}
	if got := rrStrings(r.Answer); !slices.Equal(got, want) {
		t.Fatalf("apex ANY %q, want %q", got, want)
	}
	soa := r.Answer[0].(*dns.SOA)
	if soa.Ns != "ns1.example.net." || soa.Mbox != "dns-admin.example.net." || soa.Refresh != 1 || soa.Retry != 2 || soa.Expire != 3 || soa.Minttl != 10 || soa.Hdr.Ttl != 30 {
		t.Errorf("SOA %v", soa)
	}
	r = exchange(t, "udp", addr, query("nope."+testZone, dns.TypeA))
	if soa := soaAuthority(t, r); soa == nil || soa.Hdr.Ttl != 10 || soa.Minttl != 10 {
		t.Errorf("negative SOA %v, want TTL and MINIMUM 10", soa)
	}
	// An out-of-zone NS name is not answered here.
	r = exchange(t, "udp", addr, query("ns1.example.net", dns.TypeA))
	if r.Rcode != dns.RcodeRefused {
		t.Errorf("NS host outside zone: %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
}

func TestNSAddr(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		qtype uint16
		want  string
	}{
		{"127.0.0.1", dns.TypeA, "A 127.0.0.1"},
		{"::1", dns.TypeAAAA, "AAAA ::1"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			s := mustNew(t, Options{NS: "ns1.dns.elb.internal", NSAddr: netip.MustParseAddr(tc.addr)})
			if err := s.Set(mustRecords(t, testEntries()), 1); err != nil {
				t.Fatal(err)
			}
			start(t, s, "127.0.0.1:0")
			addr := serverAddr(s, "udp")
			other := uint16(dns.TypeAAAA + dns.TypeA - tc.qtype)

			r := exchange(t, "udp", addr, query("NS1.dns.elb.internal", tc.qtype))
			if got := rrStrings(r.Answer); r.Rcode != dns.RcodeSuccess || !r.Authoritative || !slices.Equal(got, []string{tc.want}) {
				t.Errorf("NS host %s: %s %q", dns.TypeToString[tc.qtype], dns.RcodeToString[r.Rcode], got)
			}
			if r.Answer[0].Header().Name != "NS1.dns.elb.internal." {
				t.Errorf("owner %q not echoed", r.Answer[0].Header().Name)
			}
			r = exchange(t, "udp", addr, query("ns1.dns.elb.internal", other))
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || soaAuthority(t, r) == nil {
				t.Errorf("NS host other type: want NODATA, got %v", r)
			}
			// The parent of the NS host is an empty non-terminal.
			r = exchange(t, "udp", addr, query("dns.elb.internal", dns.TypeA))
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
				t.Errorf("NS host parent: want NODATA, got %v", r)
			}
			// Plain "ns.<zone>" is now unknown.
			r = exchange(t, "udp", addr, query("ns.elb.internal", dns.TypeA))
			if r.Rcode != dns.RcodeNameError {
				t.Errorf("ns.<zone>: %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
			}
			// NS answers carry the glue; with EDNS the OPT record follows it.
			q := query(testZone, dns.TypeNS)
			q.SetEdns0(1232, false)
			r = exchange(t, "tcp", serverAddr(s, "tcp"), q)
			if got := rrStrings(r.Answer); !slices.Equal(got, []string{"NS ns1.dns.elb.internal."}) {
				t.Errorf("NS answer %q", got)
			}
			if got := rrStrings(r.Extra); !slices.Equal(got, []string{tc.want}) || r.IsEdns0() == nil {
				t.Errorf("NS glue %q (OPT %v)", got, r.IsEdns0())
			}
			// The shared glue slice was not modified by the appended OPT.
			r = exchange(t, "udp", addr, query(testZone, dns.TypeNS))
			if len(r.Extra) != 1 || r.IsEdns0() != nil {
				t.Errorf("NS without EDNS: additional %v", r.Extra)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	s := startServer(t, Options{})
	for _, network := range []string{"udp", "tcp"} {
		addr := serverAddr(s, network)
		t.Run(network, func(t *testing.T) {
			noQ := new(dns.Msg)
			noQ.Id = dns.Id()
			two := query(lbName, dns.TypeA)
			two.Question = append(two.Question, dns.Question{Name: "x." + testZone + ".", Qtype: dns.TypeA, Qclass: dns.ClassINET})
			update := new(dns.Msg).SetUpdate(testZone + ".")
			update.Insert([]dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "x.elb.internal.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(1, 2, 3, 4)}})
			notify := new(dns.Msg).SetNotify(testZone + ".")
			axfr := new(dns.Msg).SetAxfr(testZone + ".")
			for _, tc := range []struct {
				name  string
				m     *dns.Msg
				rcode int
			}{
				{"no question", noQ, dns.RcodeFormatError},
				{"two questions", two, dns.RcodeFormatError},
				{"UPDATE", update, dns.RcodeNotImplemented},
				{"NOTIFY", notify, dns.RcodeNotImplemented},
				{"AXFR", axfr, dns.RcodeRefused},
			} {
				r := exchange(t, network, addr, tc.m)
				if r.Rcode != tc.rcode || r.Authoritative || len(r.Answer) != 0 {
					t.Errorf("%s: rcode %s AA %v answers %d, want %s", tc.name, dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer), dns.RcodeToString[tc.rcode])
				}
			}
		})
	}
}

// TestMalformed sends bytes that are not a DNS message with one question.
func TestMalformed(t *testing.T) {
	s := startServer(t, Options{})
	conn, err := net.Dial("udp", serverAddr(s, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Header: id 0x1234, RD, QDCOUNT 1, then a name that runs off the end.
	bad := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'a', 'b'}
	var r *dns.Msg
	for try := 0; try < 3 && r == nil; try++ {
		if _, err := conn.Write(bad); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 512)
		n, err := conn.Read(buf)
		if err != nil {
			continue
		}
		r = new(dns.Msg)
		if err := r.Unpack(buf[:n]); err != nil {
			t.Fatal(err)
		}
	}
	if r == nil {
		t.Fatal("no reply to malformed query")
	}
	if r.Id != 0x1234 || r.Rcode != dns.RcodeFormatError {
		t.Errorf("reply id %#x rcode %s, want 0x1234 FORMERR", r.Id, dns.RcodeToString[r.Rcode])
	}
}

func TestServfailBeforeSet(t *testing.T) {
	s := mustNew(t, Options{})
	start(t, s, "127.0.0.1:0")
	addr := serverAddr(s, "udp")
	r := exchange(t, "udp", addr, query(lbName, dns.TypeA))
	if r.Rcode != dns.RcodeServerFailure || r.Authoritative {
		t.Errorf("before Set: %s AA %v, want SERVFAIL", dns.RcodeToString[r.Rcode], r.Authoritative)
	}
	if r := exchange(t, "udp", addr, query("example.com", dns.TypeA)); r.Rcode != dns.RcodeRefused {
		t.Errorf("outside zone before Set: %s", dns.RcodeToString[r.Rcode])
	}
	if err := s.Set(mustRecords(t, testEntries()), 1); err != nil {
		t.Fatal(err)
	}
	if r := exchange(t, "udp", addr, query(lbName, dns.TypeA)); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 2 {
		t.Errorf("after Set: %v", r)
	}
}

func TestTruncation(t *testing.T) {
	s := startServer(t, Options{})
	udp, tcp := serverAddr(s, "udp"), serverAddr(s, "tcp")

	edns := func(m *dns.Msg, size uint16) *dns.Msg { m.SetEdns0(size, false); return m }
	for _, tc := range []struct {
		name     string
		network  string
		m        *dns.Msg
		total    int
		tc       bool
		maxBytes int
	}{
		{"100 over UDP without EDNS", "udp", query(bigLB, dns.TypeA), 100, true, 512},
		{"100 over TCP", "tcp", query(bigLB, dns.TypeA), 100, false, 0},
		{"100 over TCP with EDNS", "tcp", edns(query(bigLB, dns.TypeA), 512), 100, false, 0},
		{"100 over UDP EDNS 4096 capped at 1232", "udp", edns(query(bigLB, dns.TypeA), 4096), 100, true, 1232},
		{"30 over UDP without EDNS", "udp", query(midLB, dns.TypeA), 30, true, 512},
		{"30 over UDP EDNS 1232", "udp", edns(query(midLB, dns.TypeA), 1232), 30, false, 1232},
		{"30 over UDP EDNS 300 is 512", "udp", edns(query(midLB, dns.TypeA), 300), 30, true, 512},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := udp
			if tc.network == "tcp" {
				addr = tcp
			}
			// Without EDNS the client reads with a 64 KiB buffer, so an
			// oversized datagram would show.
			c := &dns.Client{Net: tc.network, Timeout: 2 * time.Second, UDPSize: dns.MaxMsgSize}
			r, _, err := c.Exchange(tc.m, addr)
			if err != nil {
				t.Fatal(err)
			}
			if r.Rcode != dns.RcodeSuccess || r.Truncated != tc.tc {
				t.Fatalf("rcode %s TC %v, want NOERROR TC %v", dns.RcodeToString[r.Rcode], r.Truncated, tc.tc)
			}
			if tc.tc {
				if len(r.Answer) == 0 || len(r.Answer) >= tc.total {
					t.Errorf("truncated answer has %d records", len(r.Answer))
				}
			} else if len(r.Answer) != tc.total {
				t.Errorf("answer has %d records, want %d", len(r.Answer), tc.total)
			}
			if tc.maxBytes > 0 {
				r.Compress = true // as sent
				if n := r.Len(); n > tc.maxBytes {
					t.Errorf("response is %d bytes, limit %d", n, tc.maxBytes)
				}
			}
			if (tc.m.IsEdns0() != nil) != (r.IsEdns0() != nil) {
				t.Errorf("OPT in response %v, in query %v", r.IsEdns0() != nil, tc.m.IsEdns0() != nil)
			}
		})
	}
}

func TestEDNS(t *testing.T) {
	s := startServer(t, Options{})
	addr := serverAddr(s, "udp")

	q := query(lbName, dns.TypeA)
	q.SetEdns0(4096, true)
	r := exchange(t, "udp", addr, q)
	opt := r.IsEdns0()
	if opt == nil || opt.UDPSize() != DefaultMaxUDPSize || !opt.Do() || opt.Version() != 0 {
		t.Fatalf("OPT %v, want size %d, DO copied, version 0", opt, DefaultMaxUDPSize)
	}
	if len(r.Answer) != 2 {
		t.Errorf("answers %v", r.Answer)
	}

	q = query(lbName, dns.TypeA)
	q.SetEdns0(1232, false)
	q.IsEdns0().SetVersion(1)
	r = exchange(t, "udp", addr, q)
	if r.Rcode != dns.RcodeBadVers || len(r.Answer) != 0 || r.IsEdns0() == nil || r.IsEdns0().Version() != 0 {
		t.Errorf("EDNS version 1: rcode %s OPT %v, want BADVERS with OPT version 0", dns.RcodeToString[r.Rcode], r.IsEdns0())
	}

	q = query(lbName, dns.TypeA)
	q.SetEdns0(1232, false)
	q.Extra = append(q.Extra, q.Extra[0])
	r = exchange(t, "tcp", serverAddr(s, "tcp"), q)
	if r.Rcode != dns.RcodeFormatError {
		t.Errorf("two OPT records: %s, want FORMERR", dns.RcodeToString[r.Rcode])
	}
}

// TestSetAtomic flips between two record sets while queries run; every
// answer must be exactly one of the sets.
func TestSetAtomic(t *testing.T) {
	setA := []Entry{{Name: lbName, IPv4: addrs("10.0.0.1", "10.0.0.2"), IPv6: addrs("2001:db8::a")}}
	setB := []Entry{{Name: lbName, IPv4: addrs("10.9.9.9"), IPv6: addrs("2001:db8::b", "2001:db8::c")}}
	ra, rb := mustRecords(t, setA), mustRecords(t, setB)
	keyA := "A 10.0.0.1,A 10.0.0.2,AAAA 2001:db8::a"
	keyB := "A 10.9.9.9,AAAA 2001:db8::b,AAAA 2001:db8::c"

	s := mustNew(t, Options{})
	if err := s.Set(ra, 1); err != nil {
		t.Fatal(err)
	}
	start(t, s, "127.0.0.1:0")

	const workers, perWorker = 4, 100
	stop := make(chan struct{})
	setterDone := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				setterDone <- n
				return
			default:
			}
			r := ra
			if n%2 == 0 {
				r = rb
			}
			if err := s.Set(r, uint32(n)); err != nil {
				t.Error(err)
			}
			n++
			time.Sleep(50 * time.Microsecond)
		}
	}()

	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for w := range workers {
		network := "udp"
		if w%2 == 1 {
			network = "tcp"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: network, Timeout: 2 * time.Second}
			conn, err := c.Dial(serverAddr(s, network))
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			for i := 0; i < perWorker; i++ {
				r, _, err := c.ExchangeWithConn(query("dualstack."+lbName, dns.TypeANY), conn)
				if err != nil {
					t.Error(err)
					return
				}
				key := sortedKey(r.Answer)
				if key != keyA && key != keyB {
					t.Errorf("inconsistent answer %q", key)
					return
				}
				mu.Lock()
				seen[key]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stop)
	sets := <-setterDone
	t.Logf("%d Set calls; answers seen: %v", sets, seen)
}

func TestSetReplaces(t *testing.T) {
	s := startServer(t, Options{})
	addr := serverAddr(s, "udp")
	r := exchange(t, "udp", addr, query(lbName, dns.TypeA))
	if len(r.Answer) != 2 {
		t.Fatalf("answers %v", r.Answer)
	}
	// The controller withdraws one address.
	if err := s.Set(mustRecords(t, []Entry{{Name: lbName, IPv4: addrs("10.0.0.2")}}), 8); err != nil {
		t.Fatal(err)
	}
	r = exchange(t, "udp", addr, query(lbName, dns.TypeA))
	if got := rrStrings(r.Answer); !slices.Equal(got, []string{"A 10.0.0.2"}) {
		t.Errorf("after Set: %q", got)
	}
	r = exchange(t, "udp", addr, query(v4Only, dns.TypeA))
	if r.Rcode != dns.RcodeNameError || soaAuthority(t, r).Serial != 8 {
		t.Errorf("removed entry: %v", r)
	}
	// nil withdraws every entry.
	if err := s.Set(nil, 9); err != nil {
		t.Fatal(err)
	}
	r = exchange(t, "udp", addr, query(lbName, dns.TypeA))
	if r.Rcode != dns.RcodeNameError {
		t.Errorf("after Set(nil): %s", dns.RcodeToString[r.Rcode])
	}
	r = exchange(t, "udp", addr, query(testZone, dns.TypeSOA))
	if got := rrStrings(r.Answer); !slices.Equal(got, []string{"SOA 9"}) {
		t.Errorf("apex after Set(nil): %q", got)
	}
	// Records of another zone are refused and change nothing.
	other, err := NewRecords("elb.example", []Entry{{Name: "a.elb.example", IPv4: addrs("192.0.2.1")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(other, 10); err == nil {
		t.Error("Set with another zone's records succeeded")
	}
	r = exchange(t, "udp", addr, query(testZone, dns.TypeSOA))
	if got := rrStrings(r.Answer); !slices.Equal(got, []string{"SOA 9"}) {
		t.Errorf("apex after failed Set: %q", got)
	}
}

func TestShutdownReleasesPorts(t *testing.T) {
	s := mustNew(t, Options{})
	if err := s.Set(mustRecords(t, testEntries()), 1); err != nil {
		t.Fatal(err)
	}
	if s.UDPAddr() != nil || s.TCPAddr() != nil {
		t.Error("addresses before Start")
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ua, ta := s.UDPAddr().(*net.UDPAddr), s.TCPAddr().(*net.TCPAddr)
	if ua.Port == 0 || ua.Port != ta.Port || !ua.IP.Equal(ta.IP) {
		t.Fatalf("UDP %v and TCP %v differ", ua, ta)
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start succeeded")
	}
	addr := ua.String()
	// An idle TCP connection must not hold Shutdown up.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if r := exchange(t, "tcp", addr, query(lbName, dns.TypeA)); len(r.Answer) != 2 {
		t.Fatalf("answers %v", r.Answer)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if s.UDPAddr() != nil || s.TCPAddr() != nil {
		t.Error("addresses after Shutdown")
	}
	// Both ports are free again: the same server (and then the same
	// address) can be started again.
	start(t, s, addr)
	if got := s.UDPAddr().String(); got != addr {
		t.Errorf("restarted on %s, want %s", got, addr)
	}
	for _, network := range []string{"udp", "tcp"} {
		if r := exchange(t, network, addr, query(lbName, dns.TypeA)); len(r.Answer) != 2 {
			t.Errorf("%s after restart: %v", network, r.Answer)
		}
	}
}

func TestStartErrors(t *testing.T) {
	s := mustNew(t, Options{})
	for _, addr := range []string{"no-port", "127.0.0.1:notaport", "192.0.2.1:0"} {
		if err := s.Start(addr); err == nil {
			s.Shutdown(context.Background())
			t.Errorf("Start(%q) succeeded", addr)
		}
	}
	// A TCP port taken by someone else: Start fails and leaves the UDP
	// port free.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := s.Start(addr); err == nil {
		s.Shutdown(context.Background())
		t.Fatalf("Start on a taken TCP port succeeded")
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP port not released after failed Start: %v", err)
	}
	// And a UDP port taken: Start fails too.
	if err := s.Start(addr); err == nil {
		s.Shutdown(context.Background())
		t.Fatalf("Start on a taken UDP port succeeded")
	}
	pc.Close()
	if s.UDPAddr() != nil {
		t.Error("failed Start left the server running")
	}
	// The server is still usable.
	start(t, s, "127.0.0.1:0")
}

func TestShutdownContextExpired(t *testing.T) {
	s := mustNew(t, Options{})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// With nothing in flight the servers stop anyway; an error, if any,
	// must be the context's.
	if err := s.Shutdown(ctx); err != nil && !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Errorf("Shutdown: %v", err)
	}
	if s.UDPAddr() != nil {
		t.Error("still running")
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		zone string
		opts Options
		ok   bool
	}{
		{"defaults", "elb.internal", Options{}, true},
		{"trailing dot and case", "ELB.Internal.", Options{}, true},
		{"root zone", ".", Options{}, false},
		{"empty zone", "", Options{}, false},
		{"bad zone", "elb..internal", Options{}, false},
		{"underscore zone", "e_lb.internal", Options{}, false},
		{"bad NS", "elb.internal", Options{NS: "-ns.elb.internal"}, false},
		{"NS outside zone", "elb.internal", Options{NS: "ns.example.net"}, true},
		{"NSAddr with NS outside zone", "elb.internal", Options{NS: "ns.example.net", NSAddr: netip.MustParseAddr("127.0.0.1")}, false},
		{"NSAddr", "elb.internal", Options{NSAddr: netip.MustParseAddr("127.0.0.1")}, true},
		{"bad Mbox", "elb.internal", Options{Mbox: "a..b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.zone, tc.opts)
			if (err == nil) != tc.ok {
				t.Fatalf("New(%q, %+v) error %v, want ok=%v", tc.zone, tc.opts, err, tc.ok)
			}
			if err == nil && s.Zone() != "elb.internal." {
				t.Errorf("Zone() = %q", s.Zone())
			}
		})
	}
}
