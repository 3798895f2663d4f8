package accesslog

import (
	"bytes"
	"net/netip"
	"strconv"
	"time"
)

// MaxUserAgent is how much of a User-Agent value is logged, as in ELB.
const MaxUserAgent = 8 << 10

// Entry is what is logged about one HTTP request or one TCP connection.
// The byte slices are only read during AppendEntry or Sink.Log, so they may
// point into buffers that are reused afterwards.
type Entry struct {
	// Time is when the request (HTTP) or connection (TCP) was received.
	Time time.Time
	// LoadBalancer is the load balancer's name.
	LoadBalancer string
	// Client is the client's address; Backend the instance the request or
	// connection was sent to, the zero value if none (written "-").
	Client, Backend netip.AddrPort
	// RequestTime, BackendTime and ResponseTime are ELB's three processing
	// times; a negative value (not dispatched, no response) is written -1.
	RequestTime, BackendTime, ResponseTime time.Duration
	// ELBStatus is the status code sent to the client and BackendStatus
	// the back end's; 0 means none and is written "-". Ignored for TCP.
	ELBStatus, BackendStatus int
	// ReceivedBytes and SentBytes count bytes from and to the client:
	// bodies only for HTTP, everything for TCP.
	ReceivedBytes, SentBytes int64
	// Method, URL (the request-target) and Proto are the request line's
	// parts as received; if any of them is empty the request is logged as
	// "- - - ". Host is the Host header's value; for a request without one
	// pass the address the client connected to (the Host that elbd adds
	// to HTTP/1.0 requests without one). UserAgent
	// is the User-Agent header's value, empty if there is none.
	Method, Host, URL, Proto, UserAgent []byte
	// Scheme is the listener's protocol in URL form, "http" or "https";
	// empty means "http". Port is the listener's port.
	Scheme string
	Port   int
	// TCP marks a TCP or SSL listener's connection: no status codes,
	// request or user agent.
	TCP bool
	// SSLCipher and SSLProtocol describe the client's TLS connection on
	// HTTPS and SSL listeners (ECDHE-RSA-AES128-GCM-SHA256, TLSv1.2);
	// empty otherwise.
	SSLCipher, SSLProtocol string
}

// AppendEntry appends e to dst as one access-log line ending in "\n" and
// returns the extended buffer. It does not allocate when dst has room.
func AppendEntry(dst []byte, e *Entry) []byte {
	dst = appendTime(dst, e.Time)
	dst = append(dst, ' ')
	dst = appendToken(dst, e.LoadBalancer)
	dst = append(dst, ' ')
	dst = appendAddrPort(dst, e.Client)
	dst = append(dst, ' ')
	dst = appendAddrPort(dst, e.Backend)
	dst = append(dst, ' ')
	dst = appendSeconds(dst, e.RequestTime)
	dst = append(dst, ' ')
	dst = appendSeconds(dst, e.BackendTime)
	dst = append(dst, ' ')
	dst = appendSeconds(dst, e.ResponseTime)
	dst = append(dst, ' ')
	if e.TCP {
		dst = append(dst, `- - `...)
	} else {
		dst = appendStatus(dst, e.ELBStatus)
		dst = append(dst, ' ')
		dst = appendStatus(dst, e.BackendStatus)
		dst = append(dst, ' ')
	}
	dst = strconv.AppendInt(dst, max(e.ReceivedBytes, 0), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, max(e.SentBytes, 0), 10)
	dst = append(dst, ' ')
	if e.TCP {
		dst = append(dst, `"- - - " "-" `...)
	} else {
		dst = appendRequest(dst, e)
		dst = append(dst, ` "`...)
		if len(e.UserAgent) == 0 {
			dst = append(dst, '-')
		} else {
			dst = appendEscaped(dst, e.UserAgent[:min(len(e.UserAgent), MaxUserAgent)], true)
		}
		dst = append(dst, `" `...)
	}
	dst = appendToken(dst, e.SSLCipher)
	dst = append(dst, ' ')
	dst = appendToken(dst, e.SSLProtocol)
	return append(dst, '\n')
}

// appendRequest appends the quoted request field of an HTTP entry.
func appendRequest(dst []byte, e *Entry) []byte {
	if len(e.Method) == 0 || len(e.URL) == 0 || len(e.Proto) == 0 {
		return append(dst, `"- - - "`...)
	}
	dst = append(dst, '"')
	dst = appendEscaped(dst, e.Method, true)
	dst = append(dst, ' ')
	if !absoluteForm(e.URL) {
		scheme := e.Scheme
		if scheme == "" {
			scheme = "http"
		}
		dst = appendEscaped(dst, scheme, true)
		dst = append(dst, "://"...)
		dst = appendEscaped(dst, hostOnly(e.Host), true)
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, int64(e.Port), 10)
	}
	dst = appendEscaped(dst, e.URL, true)
	dst = append(dst, ' ')
	dst = appendEscaped(dst, e.Proto, true)
	return append(dst, '"')
}

// absoluteForm reports whether a request-target starts with a URI scheme
// followed by "://" (RFC 3986 §3.1), as "http://example.com/" does.
func absoluteForm(u []byte) bool {
	for i, c := range u {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return bytes.HasPrefix(u[i+1:], []byte("//"))
		default:
			return false
		}
	}
	return false
}

// hostOnly removes the port from a Host header value: after the closing
// bracket of an IPv6 literal, else from the first colon.
func hostOnly(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		if i := bytes.IndexByte(h, ']'); i >= 0 {
			return h[:i+1]
		}
		return h
	}
	if i := bytes.IndexByte(h, ':'); i >= 0 {
		return h[:i]
	}
	return h
}

// appendTime appends t in UTC as 2015-05-13T23:39:43.945958Z.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		// Not a time a request arrives at; keep the line readable.
		return t.AppendFormat(dst, timeLayout)
	}
	hour, minute, sec := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, t.Nanosecond()/1000, 6)
	return append(dst, 'Z')
}

// timeLayout is the timestamp's layout for time.Parse and AppendFormat.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// appendDigits appends v, which must not be negative, zero-padded to
// width digits.
func appendDigits(dst []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || i > len(buf)-width {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[i:]...)
}

// appendSeconds appends d in seconds with six decimals, or -1 if d is
// negative.
func appendSeconds(dst []byte, d time.Duration) []byte {
	if d < 0 {
		return append(dst, "-1"...)
	}
	us := int64(d / time.Microsecond)
	dst = strconv.AppendInt(dst, us/1e6, 10)
	dst = append(dst, '.')
	return appendDigits(dst, int(us%1e6), 6)
}

func appendStatus(dst []byte, code int) []byte {
	if code <= 0 {
		return append(dst, '-')
	}
	return strconv.AppendInt(dst, int64(code), 10)
}

// appendAddrPort appends ap as address:port, without brackets for IPv6,
// or "-" if ap is not valid.
func appendAddrPort(dst []byte, ap netip.AddrPort) []byte {
	addr := ap.Addr()
	if !addr.IsValid() {
		return append(dst, '-')
	}
	dst = addr.Unmap().WithZone("").AppendTo(dst)
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(ap.Port()), 10)
}
