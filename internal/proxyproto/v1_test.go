package proxyproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
)

var ap = netip.MustParseAddrPort

func TestAppendV1(t *testing.T) {
	tests := []struct {
		name     string
		src, dst netip.AddrPort
		want     string
	}{
		// elb-api.md §4.7, first example.
		{"contract TCP4", ap("198.51.100.22:35646"), ap("203.0.113.7:80"), "PROXY TCP4 198.51.100.22 203.0.113.7 35646 80\r\n"},
		// elb-api.md §4.7, second example; written in canonical form (RFC 5952).
		{"contract TCP6", ap("[2001:DB8::21f:5bff:febf:ce22:8a2e]:35646"), ap("[2001:DB8::12f:8baa:eafc:ce29:6b2e]:80"),
			"PROXY TCP6 2001:db8:0:21f:5bff:febf:ce22:8a2e 2001:db8:0:12f:8baa:eafc:ce29:6b2e 35646 80\r\n"},
		{"loopback", ap("127.0.0.1:50000"), ap("127.100.0.1:443"), "PROXY TCP4 127.0.0.1 127.100.0.1 50000 443\r\n"},
		{"IPv6 loopback", ap("[::1]:1"), ap("[::1]:2"), "PROXY TCP6 ::1 ::1 1 2\r\n"},
		{"ports 0 and 65535", ap("10.0.0.1:0"), ap("10.0.0.2:65535"), "PROXY TCP4 10.0.0.1 10.0.0.2 0 65535\r\n"},
		{"4-in-6 both", ap("[::ffff:192.0.2.1]:1234"), ap("[::ffff:192.0.2.2]:80"), "PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n"},
		{"4-in-6 source only", ap("[::ffff:192.0.2.1]:1234"), ap("192.0.2.2:80"), "PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n"},
		{"4-in-6 and IPv6", ap("[::ffff:192.0.2.1]:1234"), ap("[2001:db8::1]:80"), "PROXY TCP6 ::ffff:192.0.2.1 2001:db8::1 1234 80\r\n"},
		{"zones dropped", ap("[fe80::1%eth0]:1234"), ap("[fe80::2%eth0]:80"), "PROXY TCP6 fe80::1 fe80::2 1234 80\r\n"},
		{"families differ", ap("192.0.2.1:1234"), ap("[2001:db8::1]:80"), "PROXY UNKNOWN\r\n"},
		{"invalid source", netip.AddrPort{}, ap("192.0.2.2:80"), "PROXY UNKNOWN\r\n"},
		{"invalid both", netip.AddrPort{}, netip.AddrPort{}, "PROXY UNKNOWN\r\n"},
		{"longest", ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:65535"), ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:65535"),
			"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe 65535 65535\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendV1(nil, tt.src, tt.dst)); got != tt.want {
				t.Errorf("AppendV1(nil, %v, %v) = %q, want %q", tt.src, tt.dst, got, tt.want)
			}
			prefix := []byte("xyz")
			if got := string(AppendV1(prefix, tt.src, tt.dst)); got != "xyz"+tt.want {
				t.Errorf("AppendV1(%q, %v, %v) = %q, want %q", prefix, tt.src, tt.dst, got, "xyz"+tt.want)
			}
			if len(tt.want) > MaxV1Len {
				t.Errorf("header is %d bytes, more than MaxV1Len", len(tt.want))
			}
		})
	}
}

func TestAppendV1Allocs(t *testing.T) {
	buf := make([]byte, 0, MaxV1Len)
	src, dst := ap("[2001:db8::21f:5bff:febf:ce22:8a2e]:35646"), ap("[2001:db8::12f:8baa:eafc:ce29:6b2e]:80")
	if n := testing.AllocsPerRun(100, func() { buf = AppendV1(buf[:0], src, dst) }); n != 0 {
		t.Errorf("AppendV1 allocates %v times per call with capacity available, want 0", n)
	}
}

func TestParseV1(t *testing.T) {
	tests := []struct {
		name, line string
		want       Header
	}{
		{"contract TCP4", "PROXY TCP4 198.51.100.22 203.0.113.7 35646 80\r\n",
			Header{TCP4, ap("198.51.100.22:35646"), ap("203.0.113.7:80")}},
		{"contract TCP6", "PROXY TCP6 2001:DB8::21f:5bff:febf:ce22:8a2e 2001:DB8::12f:8baa:eafc:ce29:6b2e 35646 80\r\n",
			Header{TCP6, ap("[2001:db8:0:21f:5bff:febf:ce22:8a2e]:35646"), ap("[2001:db8:0:12f:8baa:eafc:ce29:6b2e]:80")}},
		{"ports 0 and 65535", "PROXY TCP4 10.0.0.1 10.0.0.2 0 65535\r\n", Header{TCP4, ap("10.0.0.1:0"), ap("10.0.0.2:65535")}},
		{"IPv6 loopback", "PROXY TCP6 ::1 ::1 1 2\r\n", Header{TCP6, ap("[::1]:1"), ap("[::1]:2")}},
		{"IPv6 with embedded IPv4", "PROXY TCP6 ::ffff:192.0.2.1 64:ff9b::192.0.2.2 1 2\r\n",
			Header{TCP6, ap("[::ffff:192.0.2.1]:1"), ap("[64:ff9b::c000:202]:2")}},
		{"unknown", "PROXY UNKNOWN\r\n", Header{}},
		{"unknown with addresses", "PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n", Header{}},
		{"unknown, 107 bytes", "PROXY UNKNOWN " + strings.Repeat("x", MaxV1Len-16) + "\r\n", Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseV1([]byte(tt.line))
			if err != nil || got != tt.want {
				t.Errorf("ParseV1(%q) = %+v, %v, want %+v, nil", tt.line, got, err, tt.want)
			}
			got, err = ReadV1(bufio.NewReader(strings.NewReader(tt.line + "payload")))
			if err != nil || got != tt.want {
				t.Errorf("ReadV1(%q) = %+v, %v, want %+v, nil", tt.line, got, err, tt.want)
			}
		})
	}
}

func TestParseV1Invalid(t *testing.T) {
	tests := []struct{ name, line string }{
		{"empty", ""},
		{"no CRLF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2"},
		{"LF only", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"},
		{"CR only", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"},
		{"bytes after CRLF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET"},
		{"CR inside", "PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n"},
		{"lowercase signature", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"},
		{"no space after signature", "PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n"},
		{"v2 signature", "\r\n\r\n\x00\r\nQUIT\n"},
		{"HTTP request", "GET / HTTP/1.1\r\n"},
		{"lowercase protocol", "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n"},
		{"UDP4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"},
		{"unknown glued", "PROXY UNKNOWNX\r\n"},
		{"protocol only", "PROXY TCP4\r\n"},
		{"protocol and space", "PROXY TCP4 \r\n"},
		{"three fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"},
		{"five fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"},
		{"trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"},
		{"double space", "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"},
		{"double space after signature", "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n"},
		{"tab separator", "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n"},
		{"TCP4 with IPv6", "PROXY TCP4 ::1 ::1 1 2\r\n"},
		{"TCP6 with IPv4", "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"},
		{"TCP4 mixed", "PROXY TCP4 1.2.3.4 ::1 1 2\r\n"},
		{"IPv4 leading zero", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n"},
		{"IPv4 octet too big", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"},
		{"IPv4 three parts", "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n"},
		{"hostname", "PROXY TCP4 localhost 5.6.7.8 1 2\r\n"},
		{"IPv6 zone", "PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n"},
		{"IPv6 brackets", "PROXY TCP6 [::1] [::1] 1 2\r\n"},
		{"port leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"},
		{"port 00", "PROXY TCP4 1.2.3.4 5.6.7.8 00 2\r\n"},
		{"port too big", "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n"},
		{"port six digits", "PROXY TCP4 1.2.3.4 5.6.7.8 1 100000\r\n"},
		{"port sign", "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n"},
		{"port negative", "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"},
		{"port hex", "PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n"},
		{"108 bytes", "PROXY UNKNOWN " + strings.Repeat("x", MaxV1Len-15) + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := ParseV1([]byte(tt.line)); !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseV1(%q) = %+v, %v, want an error matching ErrInvalid", tt.line, h, err)
			}
		})
	}
}

func TestReadV1(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  error
		rest     string // what r still holds afterwards
	}{
		{"header then payload", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET / HTTP/1.1\r\n", nil, "GET / HTTP/1.1\r\n"},
		{"two headers", "PROXY UNKNOWN\r\nPROXY UNKNOWN\r\n", nil, "PROXY UNKNOWN\r\n"},
		{"empty", "", io.EOF, ""},
		{"truncated", "PROXY TCP4 1.2.3.4", io.ErrUnexpectedEOF, ""},
		// Fails at the first byte that breaks the signature, without waiting for more.
		{"not PROXY", "GET / HTTP/1.1\r\n", ErrInvalid, "ET / HTTP/1.1\r\n"},
		{"PROXY without space", "PROXYX", ErrInvalid, ""},
		{"CR without LF", "PROXY UNKNOWN\rX more", ErrInvalid, " more"},
		{"LF without CR", "PROXY UNKNOWN\nmore", ErrInvalid, "more"},
		{"no CRLF in 107 bytes", "PROXY UNKNOWN " + strings.Repeat("x", 200), ErrInvalid, strings.Repeat("x", 200-(MaxV1Len-14))},
		{"invalid line", "PROXY TCP4 ::1 ::1 1 2\r\nrest", ErrInvalid, "rest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.in))
			_, err := ReadV1(r)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("ReadV1(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			rest, _ := io.ReadAll(r)
			if string(rest) != tt.rest {
				t.Errorf("after ReadV1(%q) the reader holds %q, want %q", tt.in, rest, tt.rest)
			}
		})
	}
}

// TestReadV1DoesNotWait checks that ReadV1 rejects a stream that is not a
// PROXY header without reading past the offending byte, so a back end that
// expects the header does not hang on a client that never sends one.
func TestReadV1DoesNotWait(t *testing.T) {
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("HELLO")) }() // then blocks forever: no more data, no EOF
	defer pw.Close()
	if _, err := ReadV1(bufio.NewReaderSize(pr, 16)); !errors.Is(err, ErrInvalid) {
		t.Errorf("ReadV1(HELLO...) error = %v, want ErrInvalid", err)
	}
}

func TestHeaderAppendTo(t *testing.T) {
	for _, line := range []string{
		"PROXY TCP4 198.51.100.22 203.0.113.7 35646 80\r\n",
		"PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n",
		"PROXY UNKNOWN\r\n",
	} {
		h, err := ParseV1([]byte(line))
		if err != nil {
			t.Fatalf("ParseV1(%q): %v", line, err)
		}
		if got := string(h.AppendTo(nil)); got != line {
			t.Errorf("ParseV1(%q).AppendTo(nil) = %q, want the input", line, got)
		}
	}
	if got, want := (Header{TCP6, ap("[::ffff:1.2.3.4]:1"), ap("[::ffff:5.6.7.8]:2")}).AppendTo(nil), "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"; string(got) != want {
		t.Errorf("AppendTo of a TCP6 header with IPv4-mapped addresses = %q, want %q", got, want)
	}
}

func TestProtocolString(t *testing.T) {
	for p, want := range map[Protocol]string{Unknown: "UNKNOWN", TCP4: "TCP4", TCP6: "TCP6", 9: "UNKNOWN"} {
		if got := p.String(); got != want {
			t.Errorf("Protocol(%d).String() = %q, want %q", p, got, want)
		}
	}
}

// FuzzParseV1 checks that ParseV1 and ReadV1 never panic and agree, and
// that a TCP4 or TCP6 header that parses encodes back to the same bytes
// when its addresses were written in canonical form, the only form the
// encoder produces (IPv4 text that parses is always canonical; IPv6 text may
// not be, like the example in ELB's documentation). Every encoding must
// parse back to the same header, except that TCP6 between two IPv4-mapped
// addresses becomes TCP4.
func FuzzParseV1(f *testing.F) {
	for _, s := range []string{
		"PROXY TCP4 198.51.100.22 203.0.113.7 35646 80\r\n",
		"PROXY TCP6 2001:DB8::21f:5bff:febf:ce22:8a2e 2001:DB8::12f:8baa:eafc:ce29:6b2e 35646 80\r\n",
		"PROXY TCP6 ::1 ::1 1 2\r\n",
		"PROXY TCP6 ::ffff:1.2.3.4 ::ffff:1.2.3.5 1 2\r\n",
		"PROXY UNKNOWN\r\n",
		"PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
		"PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n",
		"\r\n\r\n\x00\r\nQUIT\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		h, err := ParseV1(line)
		rh, rerr := ReadV1(bufio.NewReader(bytes.NewReader(line)))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseV1(%q) error %v does not match ErrInvalid", line, err)
			}
			return
		}
		if rerr != nil || rh != h {
			t.Fatalf("ParseV1(%q) = %+v but ReadV1 = %+v, %v", line, h, rh, rerr)
		}
		if len(line) > MaxV1Len {
			t.Fatalf("ParseV1 accepted %d bytes", len(line))
		}
		if h.Protocol == Unknown {
			if h != (Header{}) {
				t.Fatalf("ParseV1(%q) = %+v: UNKNOWN with addresses", line, h)
			}
			return
		}
		// What the header should encode as: the same, except that a TCP6
		// header between two IPv4-mapped addresses becomes TCP4.
		want := h
		if h.Src.Addr().Is4In6() && h.Dst.Addr().Is4In6() {
			want = Header{TCP4,
				netip.AddrPortFrom(h.Src.Addr().Unmap(), h.Src.Port()),
				netip.AddrPortFrom(h.Dst.Addr().Unmap(), h.Dst.Port())}
		}
		out := AppendV1(nil, h.Src, h.Dst)
		canonical := bytes.Contains(line, []byte(" "+h.Src.Addr().String()+" "+h.Dst.Addr().String()+" "))
		if h.Protocol == TCP4 && !canonical {
			t.Fatalf("ParseV1(%q) = %+v: IPv4 addresses not in canonical form", line, h)
		}
		if canonical && want == h && !bytes.Equal(out, line) {
			t.Fatalf("ParseV1(%q) = %+v, which encodes as %q", line, h, out)
		}
		back, err := ParseV1(out)
		if err != nil || back != want {
			t.Fatalf("ParseV1(%q) = %+v, which encodes as %q, which parses as %+v, %v; want %+v", line, h, out, back, err, want)
		}
	})
}

func BenchmarkAppendV1(b *testing.B) {
	for _, bm := range []struct {
		name     string
		src, dst netip.AddrPort
	}{
		{"TCP4", ap("198.51.100.22:35646"), ap("203.0.113.7:80")},
		{"TCP6", ap("[2001:db8::21f:5bff:febf:ce22:8a2e]:35646"), ap("[2001:db8::12f:8baa:eafc:ce29:6b2e]:80")},
		{"4-in-6", ap("[::ffff:198.51.100.22]:35646"), ap("[::ffff:203.0.113.7]:80")},
	} {
		b.Run(bm.name, func(b *testing.B) {
			var buf [MaxV1Len]byte
			b.ReportAllocs()
			for b.Loop() {
				_ = AppendV1(buf[:0], bm.src, bm.dst)
			}
		})
	}
}

func BenchmarkParseV1(b *testing.B) {
	for _, bm := range []struct{ name, line string }{
		{"TCP4", "PROXY TCP4 198.51.100.22 203.0.113.7 35646 80\r\n"},
		{"TCP6", "PROXY TCP6 2001:db8::21f:5bff:febf:ce22:8a2e 2001:db8::12f:8baa:eafc:ce29:6b2e 35646 80\r\n"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			line := []byte(bm.line)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseV1(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
