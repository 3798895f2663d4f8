package accesslog

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzAppendEntry checks that every Entry makes one line of printable
// ASCII and that ParseLine gives back what was logged.
func FuzzAppendEntry(f *testing.F) {
	add := func(e *Entry) {
		f.Add(e.Time.UnixNano(), e.LoadBalancer,
			e.Client.Addr().AsSlice(), e.Client.Port(), e.Backend.Addr().AsSlice(), e.Backend.Port(),
			int64(e.RequestTime), int64(e.BackendTime), int64(e.ResponseTime),
			e.ELBStatus, e.BackendStatus, e.ReceivedBytes, e.SentBytes,
			e.Method, e.Host, e.URL, e.Proto, e.UserAgent, e.Scheme, e.Port, e.TCP,
			e.SSLCipher, e.SSLProtocol)
	}
	for _, tc := range goldenCases {
		add(goldenEntry(tc.name, tc.edit))
	}
	f.Fuzz(func(t *testing.T, nanos int64, lb string,
		client []byte, clientPort uint16, backend []byte, backendPort uint16,
		reqTime, backendTime, respTime int64,
		elbStatus, backendStatus int, received, sent int64,
		method, host, url, proto, ua []byte, scheme string, port int, tcp bool,
		cipher, protocol string) {
		e := &Entry{
			Time:          time.Unix(0, nanos),
			LoadBalancer:  lb,
			Client:        netip.AddrPortFrom(addrFrom(client), clientPort),
			Backend:       netip.AddrPortFrom(addrFrom(backend), backendPort),
			RequestTime:   time.Duration(reqTime),
			BackendTime:   time.Duration(backendTime),
			ResponseTime:  time.Duration(respTime),
			ELBStatus:     elbStatus,
			BackendStatus: backendStatus,
			ReceivedBytes: received,
			SentBytes:     sent,
			Method:        method,
			Host:          host,
			URL:           url,
			Proto:         proto,
			UserAgent:     ua,
			Scheme:        scheme,
			Port:          port,
			TCP:           tcp,
			SSLCipher:     cipher,
			SSLProtocol:   protocol,
		}
		line := AppendEntry(nil, e)
		if line[len(line)-1] != '\n' {
			t.Fatalf("no newline at the end of %q", line)
		}
		for _, c := range line[:len(line)-1] {
			if c < 0x20 || c >= 0x7f {
				t.Fatalf("byte %#x in %q", c, line)
			}
		}
		got, err := ParseLine(string(line))
		if err != nil {
			t.Fatalf("ParseLine(%q): %v", line, err)
		}
		if want := expectFields(e); got != want {
			t.Fatalf("ParseLine(%q)\n got %+v\nwant %+v", line, got, want)
		}
	})
}

// addrFrom makes an address of 4 or 16 bytes, else the invalid address.
func addrFrom(b []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a
}

// FuzzParseLine checks that ParseLine does not panic and that whatever it
// accepts, written out again, reads back the same.
func FuzzParseLine(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.log"))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(docHTTP)
	f.Add(`2015-05-13T23:39:43.945958Z my-loadbalancer 2001:db8::1:443 - -1 -1 -1 503 - 0 0 "GET https://[2001:db8::9]:443/ HTTP/1.1" "\x2d" \x2d TLSv1.2`)
	f.Add(`0000-01-01T00:00:00.000000Z a\x5C 0.0.0.0:0 :::0 0.000000 9223372036.854775 1.000000 0 007 0 00 "" "\x22" - -`)
	f.Fuzz(func(t *testing.T, line string) {
		fields, err := ParseLine(line)
		if err != nil {
			return
		}
		again := appendFields(nil, &fields)
		fields2, err := ParseLine(string(again))
		if err != nil {
			t.Fatalf("ParseLine(%q) = %+v, which reads back from %q as: %v", line, fields, again, err)
		}
		if fields2 != fields {
			t.Fatalf("ParseLine(%q)\n = %+v\nwritten as %q, reads back as\n   %+v", line, fields, again, fields2)
		}
	})
}

// appendFields writes f as AppendEntry would have written its Entry.
func appendFields(dst []byte, f *Fields) []byte {
	dst = appendTime(dst, f.Time)
	dst = append(dst, ' ')
	dst = appendToken(dst, f.LoadBalancer)
	dst = append(dst, ' ')
	dst = appendAddrPort(dst, f.Client)
	dst = append(dst, ' ')
	dst = appendAddrPort(dst, f.Backend)
	for _, d := range []time.Duration{f.RequestTime, f.BackendTime, f.ResponseTime} {
		dst = append(dst, ' ')
		dst = appendSeconds(dst, d)
	}
	dst = append(dst, ' ')
	dst = appendStatus(dst, f.ELBStatus)
	dst = append(dst, ' ')
	dst = appendStatus(dst, f.BackendStatus)
	dst = append(dst, ' ')
	dst = appendDigits(dst, int(f.ReceivedBytes), 1)
	dst = append(dst, ' ')
	dst = appendDigits(dst, int(f.SentBytes), 1)
	dst = append(dst, ` "`...)
	dst = appendEscaped(dst, f.Request, true)
	dst = append(dst, `" "`...)
	if f.UserAgent == "" {
		dst = append(dst, '-')
	} else {
		dst = appendEscaped(dst, f.UserAgent, true)
	}
	dst = append(dst, `" `...)
	dst = appendToken(dst, f.SSLCipher)
	dst = append(dst, ' ')
	dst = appendToken(dst, f.SSLProtocol)
	return append(dst, '\n')
}
