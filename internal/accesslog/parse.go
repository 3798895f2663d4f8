package accesslog

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Fields are the fields of one access-log line, as ParseLine reads them.
// A field written "-" reads as the zero value, and so does a string field
// that was literally "-".
type Fields struct {
	Time         time.Time // UTC
	LoadBalancer string
	// Client and Backend are the zero netip.AddrPort for "-".
	Client, Backend netip.AddrPort
	// RequestTime, BackendTime and ResponseTime are -1 for "-1".
	RequestTime, BackendTime, ResponseTime time.Duration
	// ELBStatus and BackendStatus are 0 for "-".
	ELBStatus, BackendStatus int
	ReceivedBytes, SentBytes int64
	// Request is the request field unescaped, such as
	// "GET http://www.example.com:80/ HTTP/1.1" or "- - - ". Method, URL
	// and Proto are its parts: up to the first space, between it and the
	// last space, after the last space; all three are empty for "- - - "
	// or when Request has fewer than two spaces.
	Request, Method, URL, Proto string
	// UserAgent is the user agent unescaped, empty for "-".
	UserAgent string
	// SSLCipher and SSLProtocol are empty for "-".
	SSLCipher, SSLProtocol string
}

// ParseLine parses one line written by AppendEntry, with or without its
// final newline, and reverses its escaping. It is strict: single spaces
// between fields, well-formed numbers, times and addresses, and no raw
// byte that AppendEntry would have escaped. The error names the first
// field that is wrong.
func ParseLine(line string) (Fields, error) {
	var f Fields
	parsers := [...]func(string) error{
		func(s string) (err error) { f.Time, err = time.Parse(timeLayout, s); return },
		func(s string) (err error) { f.LoadBalancer, err = unescapeToken(s); return },
		func(s string) (err error) { f.Client, err = parseAddrPort(s); return },
		func(s string) (err error) { f.Backend, err = parseAddrPort(s); return },
		func(s string) (err error) { f.RequestTime, err = parseSeconds(s); return },
		func(s string) (err error) { f.BackendTime, err = parseSeconds(s); return },
		func(s string) (err error) { f.ResponseTime, err = parseSeconds(s); return },
		func(s string) (err error) { f.ELBStatus, err = parseStatus(s); return },
		func(s string) (err error) { f.BackendStatus, err = parseStatus(s); return },
		func(s string) (err error) { f.ReceivedBytes, err = parseUint(s, math.MaxInt64); return },
		func(s string) (err error) { f.SentBytes, err = parseUint(s, math.MaxInt64); return },
		func(s string) (err error) { f.Request, err = unescape(s); return },
		func(s string) (err error) { f.UserAgent, err = unescapeToken(s); return },
		func(s string) (err error) { f.SSLCipher, err = unescapeToken(s); return },
		func(s string) (err error) { f.SSLProtocol, err = unescapeToken(s); return },
	}
	rest := strings.TrimSuffix(line, "\n")
	for i, parse := range parsers {
		var raw string
		var err error
		if raw, rest, err = cutField(rest, i); err != nil {
			return Fields{}, err
		}
		if parse(raw) != nil {
			return Fields{}, fmt.Errorf("accesslog: bad %s %q", fieldNames[i], raw)
		}
	}
	if rest != "" {
		return Fields{}, fmt.Errorf("accesslog: text after %s", fieldNames[len(fieldNames)-1])
	}
	if f.Request != "- - - " {
		i, j := strings.IndexByte(f.Request, ' '), strings.LastIndexByte(f.Request, ' ')
		if i < j {
			f.Method, f.URL, f.Proto = f.Request[:i], f.Request[i+1:j], f.Request[j+1:]
		}
	}
	return f, nil
}

// fieldNames names a line's fields in order, for errors.
var fieldNames = [...]string{
	"timestamp", "elb", "client:port", "backend:port",
	"request_processing_time", "backend_processing_time", "response_processing_time",
	"elb_status_code", "backend_status_code", "received_bytes", "sent_bytes",
	"request", "user_agent", "ssl_cipher", "ssl_protocol",
}

// cutField cuts field i, preceded by a space unless it is the first, from
// the front of s. The request and user agent (fields 11 and 12) are quoted;
// their contents are returned without the quotes.
func cutField(s string, i int) (field, rest string, err error) {
	if i > 0 {
		if !strings.HasPrefix(s, " ") {
			if s == "" {
				return "", "", fmt.Errorf("accesslog: line ends before %s", fieldNames[i])
			}
			return "", "", fmt.Errorf("accesslog: no space after %s", fieldNames[i-1])
		}
		s = s[1:]
	}
	if i == 11 || i == 12 {
		if !strings.HasPrefix(s, `"`) {
			return "", "", fmt.Errorf("accesslog: %s not quoted", fieldNames[i])
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", "", fmt.Errorf("accesslog: %s has no closing quote", fieldNames[i])
		}
		return s[1 : 1+end], s[end+2:], nil
	}
	end := strings.IndexByte(s, ' ')
	if end < 0 {
		end = len(s)
	}
	return s[:end], s[end:], nil
}

// unescapeToken unescapes s, and reads "-" as empty. Unquoted fields
// cannot be empty.
func unescapeToken(s string) (string, error) {
	v, err := unescape(s)
	if err != nil || v == "-" {
		return "", err
	}
	if v == "" {
		return "", strconv.ErrSyntax
	}
	return v, nil
}

// parseAddrPort parses address:port, split at the last colon, or "-".
func parseAddrPort(s string) (netip.AddrPort, error) {
	if s == "-" {
		return netip.AddrPort{}, nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, strconv.ErrSyntax
	}
	addr, err := netip.ParseAddr(s[:i])
	if err != nil {
		return netip.AddrPort{}, err
	}
	if addr.Zone() != "" || addr.Is4In6() {
		// AppendEntry writes neither.
		return netip.AddrPort{}, strconv.ErrSyntax
	}
	port, err := parseUint(s[i+1:], math.MaxUint16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// parseSeconds parses seconds with exactly six decimals, or -1.
func parseSeconds(s string) (time.Duration, error) {
	if s == "-1" {
		return -1, nil
	}
	i := strings.IndexByte(s, '.')
	if i < 0 || len(s)-i-1 != 6 {
		return 0, strconv.ErrSyntax
	}
	sec, err := parseUint(s[:i], math.MaxInt64/int64(time.Second))
	if err != nil {
		return 0, err
	}
	us, err := parseUint(s[i+1:], 999999)
	if err != nil {
		return 0, err
	}
	ns := sec * int64(time.Second)
	if us*int64(time.Microsecond) > math.MaxInt64-ns {
		return 0, strconv.ErrRange
	}
	return time.Duration(ns + us*int64(time.Microsecond)), nil
}

// parseStatus parses a status code or "-".
func parseStatus(s string) (int, error) {
	if s == "-" {
		return 0, nil
	}
	n, err := parseUint(s, math.MaxInt)
	return int(n), err
}

// parseUint parses decimal digits, and nothing else, up to limit.
func parseUint(s string, limit int64) (int64, error) {
	if s == "" {
		return 0, strconv.ErrSyntax
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, strconv.ErrSyntax
		}
		if n > (limit-int64(c-'0'))/10 {
			return 0, strconv.ErrRange
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}
