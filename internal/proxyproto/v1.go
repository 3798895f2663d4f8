package proxyproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strconv"
)

// MaxV1Len is the longest valid version 1 header, CRLF included: "PROXY
// UNKNOWN" followed by two full-length IPv6 addresses and two five-digit
// ports.
const MaxV1Len = 107

// Protocol is the INET_PROTOCOL field of a version 1 header.
type Protocol uint8

const (
	// Unknown is "UNKNOWN": the proxy did not know or could not express the
	// connection's addresses; the receiver uses the connection's own.
	Unknown Protocol = iota
	// TCP4 is "TCP4": TCP over IPv4.
	TCP4
	// TCP6 is "TCP6": TCP over IPv6.
	TCP6
)

// String returns the protocol as it appears in a header.
func (p Protocol) String() string {
	switch p {
	case TCP4:
		return "TCP4"
	case TCP6:
		return "TCP6"
	}
	return "UNKNOWN"
}

// Header is a parsed version 1 header.
type Header struct {
	// Protocol is the announced protocol.
	Protocol Protocol
	// Src is the client's address and port: where the proxied connection
	// came from. Zero when Protocol is Unknown.
	Src netip.AddrPort
	// Dst is the address and port the client connected to, the proxy's
	// (for elbd, the listener's). Zero when Protocol is Unknown.
	Dst netip.AddrPort
}

// AppendTo appends h encoded as a version 1 header to b. An Unknown header
// is written as "PROXY UNKNOWN\r\n"; others as [AppendV1] writes them, so a
// TCP6 header whose two addresses are both IPv4-mapped comes out as TCP4.
func (h Header) AppendTo(b []byte) []byte {
	if h.Protocol == Unknown {
		return append(b, unknownLine...)
	}
	return AppendV1(b, h.Src, h.Dst)
}

// ErrInvalid is matched (with [errors.Is]) by every error [ParseV1] and
// [ReadV1] return for input that is not a valid version 1 header.
var ErrInvalid = errors.New("proxyproto: invalid PROXY v1 header")

// syntaxError describes why a header is invalid; it unwraps to ErrInvalid.
// Its values are constants, so returning one does not allocate.
type syntaxError string

func (e syntaxError) Error() string { return ErrInvalid.Error() + ": " + string(e) }
func (e syntaxError) Unwrap() error { return ErrInvalid }

const (
	signature   = "PROXY "
	unknownLine = "PROXY UNKNOWN\r\n"
)

// AppendV1 appends the version 1 header for a connection from src to dst to
// b and returns the extended slice. It does not allocate when b has room
// for the header ([MaxV1Len] bytes always suffice).
//
// When both addresses are IPv4 once IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 peer) are
// unmapped, the header is TCP4 with plain IPv4 addresses, so a connection
// between two IPv4 endpoints is always TCP4. Otherwise two IPv6 addresses
// (a mapped one included) give TCP6, in the canonical RFC 5952 text form
// and with any zone dropped (the format has no place for it). When one
// address is IPv4 and the other IPv6, or either is invalid, AppendV1
// writes "PROXY UNKNOWN\r\n", as the specification asks of a proxy that
// cannot express the addresses.
func AppendV1(b []byte, src, dst netip.AddrPort) []byte {
	sa, da := src.Addr().WithZone(""), dst.Addr().WithZone("")
	var proto string
	switch {
	case sa.Unmap().Is4() && da.Unmap().Is4():
		proto = "TCP4 "
		sa, da = sa.Unmap(), da.Unmap()
	case sa.Is6() && da.Is6():
		proto = "TCP6 "
	default:
		return append(b, unknownLine...)
	}
	b = append(b, signature...)
	b = append(b, proto...)
	b = sa.AppendTo(b)
	b = append(b, ' ')
	b = da.AppendTo(b)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(src.Port()), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(dst.Port()), 10)
	return append(b, '\r', '\n')
}

// ParseV1 parses line, which must be exactly one version 1 header: at most
// [MaxV1Len] bytes, starting with "PROXY " and ending with the first CRLF.
//
// For TCP4 and TCP6 the four fields after the protocol must be separated by
// single spaces, with no leading or trailing space; the addresses must be
// IPv4 dotted-quad (no leading zeros) for TCP4 and IPv6 text without a zone
// for TCP6 (any RFC 4291 form, IPv4-mapped included: the IPv6 example in
// ELB's documentation is not in canonical form); the ports decimal numbers
// in 0–65535 without leading zeros. For UNKNOWN the rest of the line is
// ignored, as the specification requires of receivers.
//
// An error matches [ErrInvalid].
func ParseV1(line []byte) (Header, error) {
	if len(line) > MaxV1Len {
		return Header{}, syntaxError("longer than 107 bytes")
	}
	body, ok := bytes.CutSuffix(line, []byte("\r\n"))
	if !ok {
		return Header{}, syntaxError("not terminated by CRLF")
	}
	if bytes.IndexByte(body, '\r') >= 0 || bytes.IndexByte(body, '\n') >= 0 {
		return Header{}, syntaxError("CR or LF inside the line")
	}
	rest, ok := bytes.CutPrefix(body, []byte(signature))
	if !ok {
		return Header{}, syntaxError(`does not start with "PROXY "`)
	}
	proto, rest, _ := bytes.Cut(rest, []byte(" "))
	var h Header
	switch string(proto) {
	case "UNKNOWN":
		return h, nil
	case "TCP4":
		h.Protocol = TCP4
	case "TCP6":
		h.Protocol = TCP6
	default:
		return Header{}, syntaxError("unknown protocol (want TCP4, TCP6 or UNKNOWN)")
	}
	var f [4][]byte
	for i := range f {
		var more bool
		f[i], rest, more = bytes.Cut(rest, []byte(" "))
		if len(f[i]) == 0 || more != (i < len(f)-1) {
			return Header{}, syntaxError("want four fields separated by single spaces after the protocol")
		}
	}
	src, err := parseAddr(f[0], h.Protocol)
	if err != nil {
		return Header{}, err
	}
	dst, err := parseAddr(f[1], h.Protocol)
	if err != nil {
		return Header{}, err
	}
	sport, err := parsePort(f[2])
	if err != nil {
		return Header{}, err
	}
	dport, err := parsePort(f[3])
	if err != nil {
		return Header{}, err
	}
	h.Src = netip.AddrPortFrom(src, sport)
	h.Dst = netip.AddrPortFrom(dst, dport)
	return h, nil
}

// parseAddr parses an address field of a TCP4 or TCP6 header.
func parseAddr(b []byte, p Protocol) (netip.Addr, error) {
	// netip.ParseAddr rejects IPv4 octets with leading zeros, which inet_pton
	// also rejects; it accepts zones, which the format cannot carry.
	a, err := netip.ParseAddr(string(b))
	switch {
	case err != nil:
		return netip.Addr{}, syntaxError("malformed address")
	case p == TCP4 && !a.Is4():
		return netip.Addr{}, syntaxError("TCP4 with an address that is not IPv4")
	case p == TCP6 && !a.Is6():
		return netip.Addr{}, syntaxError("TCP6 with an address that is not IPv6")
	case a.Zone() != "":
		return netip.Addr{}, syntaxError("address with a zone")
	}
	return a, nil
}

// parsePort parses a port field: 0–65535 in decimal, no leading zeros.
func parsePort(b []byte) (uint16, error) {
	if len(b) > 5 || len(b) > 1 && b[0] == '0' {
		return 0, syntaxError("port with leading zeros or too long")
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, syntaxError("port is not a decimal number")
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return 0, syntaxError("port above 65535")
	}
	return uint16(n), nil
}

// ReadV1 reads one version 1 header from r and parses it with [ParseV1]. It
// consumes the header and nothing after it, so r is left at the first byte
// of the proxied stream. It gives up as soon as the input cannot be a
// header: at the first byte that breaks the "PROXY " signature, at a CR not
// followed by LF, or after [MaxV1Len] bytes without CRLF; at most the
// bytes read so far are consumed. A stream that ends before the CRLF gives
// [io.EOF] if it was empty and [io.ErrUnexpectedEOF] otherwise.
func ReadV1(r *bufio.Reader) (Header, error) {
	var buf [MaxV1Len]byte
	n := 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && n > 0 {
				err = io.ErrUnexpectedEOF
			}
			return Header{}, err
		}
		buf[n] = c
		n++
		switch {
		case n <= len(signature) && c != signature[n-1]:
			return Header{}, syntaxError(`does not start with "PROXY "`)
		case c == '\n':
			return ParseV1(buf[:n])
		case n >= 2 && buf[n-2] == '\r':
			return Header{}, syntaxError("CR not followed by LF")
		case n == MaxV1Len:
			return Header{}, syntaxError("no CRLF within 107 bytes")
		}
	}
}
