package health

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Prober runs one check of target t on the instance at addr. It returns nil
// when the check passes and an error saying why it failed otherwise. It
// must return by the earlier of ctx's deadline and timeout from the call;
// the checker counts a pass reported later than timeout as a failure.
// Probe is called concurrently for different instances.
type Prober interface {
	Probe(ctx context.Context, addr netip.Addr, t Target, timeout time.Duration) error
}

// UserAgent is the User-Agent of HTTP and HTTPS checks. ELB's documentation
// does not name it; ELB-HealthChecker/1.0 is the value commonly reported in
// instances' access logs, and log filters look for it.
const UserAgent = "ELB-HealthChecker/1.0"

// DefaultMaxBody is how much of a 200 response's body NetProber reads when
// MaxBody is zero.
const DefaultMaxBody = 16 << 10

const (
	lineBuf       = 4 << 10  // longest status or header line, and read buffer size
	maxHead       = 64 << 10 // longest response head, informational responses included
	maxInterim    = 8        // 1xx responses skipped before the final one
	maxChunkDigit = 15       // hex digits of a chunk size (below 2^60)
)

// NetProber is the Prober that does real I/O, with a small HTTP/1.1 client
// of its own rather than net/http: no connection pool, no goroutines, and a
// read buffer and request buffer reused across checks (about 30 small
// allocations a check, most of them in the net package's dialer).
//
//   - TCP passes when the TCP connection is established.
//   - SSL passes when the TLS handshake completes. The instance's
//     certificate is not verified, as ELB does not without a back-end
//     authentication policy; VerifyConnection, if set, can pin keys.
//   - HTTP and HTTPS (over TCP or TLS as above) send
//     "GET <path> HTTP/1.1" with Host <addr>:<port>, User-Agent
//     [UserAgent] and Connection: close, and pass only when the final
//     response is 200 and complete within the timeout. "Complete" follows
//     ELB's framing rule: a body must be delimited by Content-Length or
//     chunked Transfer-Encoding; a response without either passes only if
//     the server closes the connection with no body bytes. At most MaxBody
//     bytes of the body are read: a longer body passes once MaxBody bytes
//     have arrived. Interim 1xx responses (103 Early Hints) are skipped.
//
// Every connection is closed with an RST (SO_LINGER 0) rather than a FIN,
// as HAProxy closes its check connections. A checker that closes first
// keeps each check's socket in TIME_WAIT for a minute: at 400 checks a
// second that is 24,000 sockets of kernel memory and a crowded ephemeral
// port range that lengthens every connect's port search (and, when all
// checks go to one address and port, as in a test, runs out of ports).
// The instance sees a reset once the exchange is over.
//
// The zero value is ready to use. Set the fields before the first Probe and
// do not change them afterwards; a NetProber must not be copied after first
// use.
type NetProber struct {
	// VerifyConnection, if not nil, is called after the TLS handshake of
	// SSL and HTTPS checks (crypto/tls's Config.VerifyConnection, with the
	// instance's certificates in PeerCertificates even though they are
	// not verified); an error fails the check. It is the hook for ELB's
	// BackendServerAuthenticationPolicy (public key pinning).
	VerifyConnection func(tls.ConnectionState) error
	// MaxBody bounds the bytes of a response body that are read;
	// 0 means DefaultMaxBody.
	MaxBody int

	once sync.Once
	tls  *tls.Config
}

var _ Prober = (*NetProber)(nil)

// probeBuf is the per-check scratch state, pooled across checks.
type probeBuf struct {
	br  *bufio.Reader
	req []byte
}

var bufPool = sync.Pool{New: func() any {
	return &probeBuf{br: bufio.NewReaderSize(nil, lineBuf), req: make([]byte, 0, 256)}
}}

// longAgo is a deadline in the past, which interrupts blocked I/O.
var longAgo = time.Unix(1, 0)

func (p *NetProber) tlsConfig() *tls.Config {
	p.once.Do(func() {
		p.tls = &tls.Config{
			// ELB does not authenticate instances unless a back-end
			// authentication policy says so; VerifyConnection does that.
			InsecureSkipVerify: true, //nolint:gosec // see above
			VerifyConnection:   p.VerifyConnection,
			// Classical key exchange only: a check protects no secret,
			// and the hybrid post-quantum default costs more CPU per
			// handshake on both ends.
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256},
		}
	})
	return p.tls
}

// Probe implements Prober.
func (p *NetProber) Probe(ctx context.Context, addr netip.Addr, t Target, timeout time.Duration) (err error) {
	defer func() {
		// I/O interrupted by cancellation reports a timeout; say why.
		if err != nil && errors.Is(ctx.Err(), context.Canceled) && !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("health: %s: %w", t.Protocol, context.Cause(ctx))
		}
	}()
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	switch t.Protocol {
	case "TCP", "SSL", "HTTP", "HTTPS":
	default:
		return fmt.Errorf("health: unknown protocol %q", t.Protocol)
	}
	ap := netip.AddrPortFrom(addr, uint16(t.Port))
	d := net.Dialer{Deadline: deadline, KeepAlive: -1}
	// Not Dialer.DialTCP: it turns the zero local AddrPort into 0.0.0.0:0
	// and binds to it before connecting, an extra system call that also
	// picks the ephemeral port without regard to the destination.
	c, err := d.DialContext(ctx, "tcp", ap.String())
	if err != nil {
		return fmt.Errorf("health: %s: connect: %w", t.Protocol, err)
	}
	tc := c.(*net.TCPConn)
	defer func() {
		_ = tc.SetLinger(0)
		_ = tc.Close()
	}()
	if t.Protocol == "TCP" {
		return nil
	}
	if err := tc.SetDeadline(deadline); err != nil {
		return err
	}
	// Cancelling ctx (the checker closing, the instance removed)
	// interrupts whatever I/O is blocked.
	stop := context.AfterFunc(ctx, func() { _ = tc.SetDeadline(longAgo) })
	defer stop()

	var rw io.ReadWriter = tc
	if t.Protocol == "SSL" || t.Protocol == "HTTPS" {
		tlc := tls.Client(tc, p.tlsConfig())
		if err := tlc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("health: %s: TLS handshake: %w", t.Protocol, err)
		}
		if verify := VerifyPins(t.Pins); verify != nil {
			if err := verify(tlc.ConnectionState()); err != nil {
				return fmt.Errorf("health: %s: %w", t.Protocol, err)
			}
		}
		if t.Protocol == "SSL" {
			return nil
		}
		rw = tlc
	}

	b := bufPool.Get().(*probeBuf)
	defer func() {
		b.br.Reset(nil)
		bufPool.Put(b)
	}()
	b.req = appendRequest(b.req[:0], t.Path, ap)
	if _, err := rw.Write(b.req); err != nil {
		return fmt.Errorf("health: %s: sending request: %w", t.Protocol, err)
	}
	b.br.Reset(rw)
	maxBody := p.MaxBody
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	if err := readResponse(b.br, maxBody); err != nil {
		return fmt.Errorf("health: %s: %w", t.Protocol, err)
	}
	return nil
}

func appendRequest(b []byte, path string, host netip.AddrPort) []byte {
	b = append(b, "GET "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = host.AppendTo(b)
	b = append(b, "\r\nUser-Agent: "+UserAgent+"\r\nAccept: */*\r\nConnection: close\r\n\r\n"...)
	return b
}

// StatusError is the failure of an HTTP or HTTPS check that got a complete
// response head with a status other than 200.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return "status " + strconv.Itoa(e.Code) + ", want 200"
}

var (
	errHeadTooLong = errors.New("response head too long")
	errMalformed   = errors.New("malformed response")
	errUnframed    = errors.New("response body has neither Content-Length nor chunked Transfer-Encoding")
)

// readResponse reads one response from br and returns nil if it is a
// complete 200 (body read up to maxBody bytes).
func readResponse(br *bufio.Reader, maxBody int) error {
	head := 0
	for interim := 0; ; interim++ {
		line, err := readLine(br, &head)
		if err != nil {
			return err
		}
		code, ok := parseStatusLine(line)
		if !ok {
			return fmt.Errorf("%w: status line %q", errMalformed, truncate(line))
		}
		framing, err := readHeaders(br, &head)
		if err != nil {
			return err
		}
		if code >= 100 && code < 200 && code != 101 && interim < maxInterim {
			continue
		}
		if code != 200 {
			return &StatusError{Code: code}
		}
		return readBody(br, framing, maxBody)
	}
}

// readLine returns the next line without its CRLF (or bare LF), counting
// its bytes in *head.
func readLine(br *bufio.Reader, head *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	*head += len(line)
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, errHeadTooLong
	case err == io.EOF && len(line) == 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	case *head > maxHead:
		return nil, errHeadTooLong
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// parseStatusLine parses "HTTP/1.x NNN[ reason]".
func parseStatusLine(l []byte) (int, bool) {
	if len(l) < 12 || string(l[:7]) != "HTTP/1." || l[7] < '0' || l[7] > '9' || l[8] != ' ' {
		return 0, false
	}
	if len(l) > 12 && l[12] != ' ' {
		return 0, false
	}
	code := 0
	for _, c := range l[9:12] {
		if c < '0' || c > '9' {
			return 0, false
		}
		code = code*10 + int(c-'0')
	}
	return code, code >= 100
}

// framing says how a response body is delimited.
type framing struct {
	chunked bool
	length  int64 // -1 when there is no Content-Length
}

func readHeaders(br *bufio.Reader, head *int) (framing, error) {
	f := framing{length: -1}
	var te []byte
	for {
		line, err := readLine(br, head)
		if err != nil {
			return f, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := cutByte(line, ':')
		if !ok {
			if line[0] == ' ' || line[0] == '\t' {
				continue // obsolete line folding of an earlier header
			}
			return f, fmt.Errorf("%w: header line %q", errMalformed, truncate(line))
		}
		value = trimOWS(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			n, ok := parseLength(value)
			if !ok || (f.length >= 0 && f.length != n) {
				return f, fmt.Errorf("%w: Content-Length %q", errMalformed, truncate(value))
			}
			f.length = n
		case asciiEqualFold(name, "Transfer-Encoding"):
			te = value // the last header's last coding decides
		}
	}
	if te != nil {
		last := te
		if i := lastIndexByte(te, ','); i >= 0 {
			last = trimOWS(te[i+1:])
		}
		if !asciiEqualFold(last, "chunked") {
			return f, errUnframed
		}
		f.chunked = true
	}
	return f, nil
}

func readBody(br *bufio.Reader, f framing, maxBody int) error {
	switch {
	case f.chunked:
		return readChunked(br, maxBody)
	case f.length >= 0:
		n := int(min(f.length, int64(maxBody)))
		if _, err := br.Discard(n); err != nil {
			return fmt.Errorf("reading body: %w", unexpected(err))
		}
		return nil
	default:
		// No framing: the body runs to the end of the connection, which
		// ELB's rule allows only if there is no body at all.
		if _, err := br.ReadByte(); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading body: %w", err)
		}
		return errUnframed
	}
}

func readChunked(br *bufio.Reader, maxBody int) error {
	var read int64
	head := 0
	for {
		line, err := readLine(br, &head)
		if err != nil {
			return fmt.Errorf("reading chunk: %w", unexpected(err))
		}
		if i := indexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		size, ok := parseHex(trimOWS(line))
		if !ok {
			return fmt.Errorf("%w: chunk size %q", errMalformed, truncate(line))
		}
		if size == 0 {
			for { // trailer section
				l, err := readLine(br, &head)
				if err != nil {
					return fmt.Errorf("reading trailers: %w", unexpected(err))
				}
				if len(l) == 0 {
					return nil
				}
			}
		}
		if read+size > int64(maxBody) {
			_, err := br.Discard(int(int64(maxBody) - read))
			return unexpected(err)
		}
		if _, err := br.Discard(int(size)); err != nil {
			return fmt.Errorf("reading chunk: %w", unexpected(err))
		}
		read += size
		if l, err := readLine(br, &head); err != nil {
			return fmt.Errorf("reading chunk: %w", unexpected(err))
		} else if len(l) != 0 {
			return fmt.Errorf("%w: chunk data longer than its size", errMalformed)
		}
		head = 0 // only lines count towards maxHead here
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > maxChunkDigit {
		return 0, false
	}
	var n int64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int64(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

func cutByte(b []byte, sep byte) (before, after []byte, ok bool) {
	if i := indexByte(b, sep); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// asciiEqualFold reports whether b equals s ignoring ASCII case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// truncate bounds a protocol element quoted in an error.
func truncate(b []byte) string {
	const limit = 64
	if len(b) > limit {
		return string(b[:limit]) + "..."
	}
	return string(b)
}
