package httpproxy

import "bytes"

// header is one field line of a parsed head. Name and value are slices of
// the head buffer; the value has its surrounding whitespace removed.
type header struct {
	name, value []byte
	kind        hdrKind
}

// hdrKind names the fields the proxy treats specially.
type hdrKind uint8

const (
	hOther hdrKind = iota
	hHost
	hContentLength
	hTransferEncoding
	hConnection
	hKeepAlive
	hProxyConnection
	hTE
	hTrailer
	hUpgrade
	hExpect
	hXForwardedFor
	hXForwardedProto
	hXForwardedPort
	hUserAgent
	hCookie
	hSetCookie
)

// kindOf returns the kind of field name, which must be a token.
func kindOf(name []byte) hdrKind {
	switch len(name) {
	case 2:
		if equalFold(name, "te") {
			return hTE
		}
	case 4:
		if equalFold(name, "host") {
			return hHost
		}
	case 6:
		switch {
		case equalFold(name, "expect"):
			return hExpect
		case equalFold(name, "cookie"):
			return hCookie
		}
	case 7:
		switch {
		case equalFold(name, "upgrade"):
			return hUpgrade
		case equalFold(name, "trailer"):
			return hTrailer
		}
	case 10:
		switch {
		case equalFold(name, "connection"):
			return hConnection
		case equalFold(name, "user-agent"):
			return hUserAgent
		case equalFold(name, "keep-alive"):
			return hKeepAlive
		case equalFold(name, "set-cookie"):
			return hSetCookie
		}
	case 14:
		if equalFold(name, "content-length") {
			return hContentLength
		}
	case 15:
		if equalFold(name, "x-forwarded-for") {
			return hXForwardedFor
		}
	case 16:
		switch {
		case equalFold(name, "x-forwarded-port"):
			return hXForwardedPort
		case equalFold(name, "proxy-connection"):
			return hProxyConnection
		}
	case 17:
		switch {
		case equalFold(name, "transfer-encoding"):
			return hTransferEncoding
		case equalFold(name, "x-forwarded-proto"):
			return hXForwardedProto
		}
	}
	return hOther
}

// framing is how a message body is delimited.
type framing uint8

const (
	bodyNone    framing = iota // no body
	bodyLength                 // Content-Length bytes
	bodyChunked                // chunked transfer coding
	bodyEOF                    // until the connection closes (responses only)
)

// message is what requests and responses have in common after parsing.
type message struct {
	headers []header
	minor   int // HTTP/1.minor; 1.2-1.9 count as 1

	framing       framing
	contentLength int64 // when framing == bodyLength
	hasCL, hasTE  bool

	connClose, connKeepAlive, connUpgrade bool
	// connOther: Connection names a field other than close, keep-alive
	// and upgrade, which must then be removed before forwarding.
	connOther bool
	xff       int // number of X-Forwarded-For fields
}

// request is a parsed request head. Its slices point into the head.
type request struct {
	message
	method, target, proto []byte
	// encodeTarget: the target has bytes that must be percent-encoded
	// before it is forwarded (space, controls).
	encodeTarget   bool
	hosts          int
	isHead         bool // HEAD: the response has no body
	idempotent     bool // RFC 9110 §9.2.2: may be sent again after a failure
	upgrade        bool // an upgrade request: Connection: upgrade and Upgrade
	expectContinue bool
	userAgent      []byte
	host           []byte // the first Host value
}

// response is a parsed response head.
type response struct {
	message
	status int
	// statusText is the status line from the code on ("200 OK").
	statusText []byte
}

func (m *message) reset(hdrs []header) {
	*m = message{headers: hdrs[:0], contentLength: -1}
}

// keepAlive reports whether the sender of m asked to keep the connection.
func (m *message) keepAlive() bool {
	if m.minor >= 1 {
		return !m.connClose
	}
	return m.connKeepAlive && !m.connClose
}

// Parse errors carry the status to answer with.
const (
	stOK               = 0
	stBadRequest       = 400
	stMethodNotAllowed = 405
)

// parseRequest parses head (request line through the empty line, as framed
// by findHeadEnd) into req, reusing hdrs for the fields. It returns stOK or
// the status to answer with. It edits head in place: obs-fold line breaks
// and NUL or CR inside header values become spaces, so that the fields it
// returns can be forwarded as they are.
func parseRequest(head []byte, req *request, hdrs []header, maxHeaders int) int {
	*req = request{}
	req.reset(hdrs)

	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return stBadRequest
	}
	line := trimCR(head[:nl])
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return stBadRequest // no method, or HTTP/0.9 without a target
	}
	req.method = line[:sp]
	if len(req.method) > maxMethod {
		return stMethodNotAllowed
	}
	if !isToken(req.method) || string(req.method) == "CONNECT" {
		return stBadRequest
	}
	switch string(req.method) {
	case "HEAD":
		req.isHead, req.idempotent = true, true
	case "GET", "OPTIONS", "TRACE", "PUT", "DELETE":
		req.idempotent = true
	}
	rest := trimRightOWS(line[sp+1:])
	sp = bytes.LastIndexByte(rest, ' ')
	if sp < 0 {
		return stBadRequest // HTTP/0.9, or no target
	}
	req.target, req.proto = trimSP(rest[:sp]), rest[sp+1:]
	if len(req.target) == 0 {
		return stBadRequest
	}
	for _, c := range req.target {
		if c <= ' ' || c == 0x7f {
			req.encodeTarget = true
			break
		}
	}
	minor, ok := parseVersion(req.proto)
	if !ok {
		return stBadRequest
	}
	req.minor = minor

	if st := parseFields(head, nl+1, &req.message, maxHeaders, &req.hosts); st != stOK {
		return stBadRequest
	}
	m := &req.message
	for i := range m.headers {
		h := &m.headers[i]
		switch h.kind {
		case hUpgrade:
			req.upgrade = true
		case hExpect:
			if equalFold(h.value, "100-continue") {
				req.expectContinue = true
			}
		case hUserAgent:
			req.userAgent = h.value
		case hHost:
			if req.host == nil {
				req.host = h.value
			}
		}
	}
	req.upgrade = req.upgrade && m.connUpgrade && req.minor >= 1
	req.expectContinue = req.expectContinue && req.minor >= 1
	if req.minor >= 1 && req.hosts == 0 {
		return stBadRequest
	}
	switch {
	case m.framing == bodyEOF:
		// Transfer-Encoding without a final chunked: a request body's
		// length cannot be determined (RFC 9112 §6.3).
		return stBadRequest
	case m.framing == bodyLength && m.contentLength == 0:
		m.framing = bodyNone
	}
	if req.upgrade && m.framing != bodyNone {
		req.upgrade = false // no upgrade with a request body
	}
	return stOK
}

// parseResponse parses a response head (status line through the empty
// line). It reports false for a head the proxy will not forward (502).
// Like parseRequest it edits head in place.
func parseResponse(head []byte, resp *response, hdrs []header, maxHeaders int) bool {
	*resp = response{}
	resp.reset(hdrs)
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 {
		return false
	}
	line := trimCR(head[:nl])
	// HTTP/1.x SP 3DIGIT [SP reason]
	if len(line) < 12 || line[8] != ' ' {
		return false
	}
	minor, ok := parseVersion(line[:8])
	if !ok {
		return false
	}
	resp.minor = minor
	code := line[9:12]
	if !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) || code[0] == '0' {
		return false
	}
	resp.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	if len(line) > 12 && line[12] != ' ' {
		return false
	}
	resp.statusText = line[9:]
	for i, c := range resp.statusText {
		if c == 0 || c == '\r' {
			resp.statusText[i] = ' '
		}
	}
	if parseFields(head, nl+1, &resp.message, maxHeaders, nil) != stOK {
		return false
	}
	if resp.framing == bodyNone {
		// Neither Content-Length nor Transfer-Encoding: the body runs
		// until the connection closes (RFC 9112 §6.3).
		resp.framing = bodyEOF
	}
	return true
}

// parseFields parses the field lines of head from offset start up to the
// empty line into m. hosts, when non-nil, counts Host fields (requests).
// Lines the proxy will not forward (no colon, empty or non-token name, a
// continuation of such a line, a whitespace line before the first field)
// are dropped for requests and refused (stBadRequest) for responses, where
// hosts is nil.
func parseFields(head []byte, start int, m *message, maxHeaders int, hosts *int) int {
	strict := hosts == nil
	prev := -1 // index in m.headers of the field a continuation extends
	lines := 0
	var clSeen bool
	var chunkedSeen, afterChunked bool
	for pos := start; pos < len(head); {
		nl := bytes.IndexByte(head[pos:], '\n')
		if nl < 0 {
			return stBadRequest
		}
		line := trimCR(head[pos : pos+nl])
		pos += nl + 1
		if len(line) == 0 {
			break
		}
		if lines++; lines > maxHeaders {
			return stBadRequest
		}
		if isOWS(line[0]) {
			// obs-fold: replace the line break and the indentation
			// with spaces, which makes the continuation part of the
			// previous field's value (RFC 9112 §5.2).
			if prev < 0 {
				if strict {
					return stBadRequest
				}
				continue
			}
			h := &m.headers[prev]
			if h.kind == hContentLength || h.kind == hTransferEncoding {
				return stBadRequest // never guess at a folded framing field
			}
			sanitize(line)
			cont := trimOWS(line)
			if len(cont) == 0 {
				continue
			}
			// Everything between the value and the continuation's
			// text is OWS, CR and LF; blank it out.
			vStart := offsetIn(head, h.value)
			contStart := offsetIn(head, cont)
			for i := vStart + len(h.value); i < contStart; i++ {
				head[i] = ' '
			}
			if len(h.value) == 0 {
				h.value = cont
			} else {
				h.value = head[vStart : contStart+len(cont)]
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			if strict {
				return stBadRequest
			}
			prev = -1
			continue
		}
		sanitize(line[colon+1:])
		name, value := line[:colon], trimOWS(line[colon+1:])
		k := kindOf(name)
		m.headers = append(m.headers, header{name: name, value: value, kind: k})
		prev = len(m.headers) - 1
		switch k {
		case hHost:
			if hosts != nil {
				*hosts++
			}
		case hContentLength:
			n, ok := parseContentLength(value)
			if !ok || clSeen && n != m.contentLength {
				return stBadRequest
			}
			clSeen, m.hasCL, m.contentLength = true, true, n
		case hTransferEncoding:
			m.hasTE = true
			for v := value; ; {
				elem := v
				i := bytes.IndexByte(v, ',')
				if i >= 0 {
					elem, v = v[:i], v[i+1:]
				}
				elem = trimOWS(elem)
				if len(elem) > 0 {
					isChunked := equalFold(elem, "chunked")
					if chunkedSeen {
						afterChunked = true // chunked twice, or not last
					}
					if isChunked {
						chunkedSeen = true
					}
				}
				if i < 0 {
					break
				}
			}
		case hConnection:
			parseConnection(m, value)
		case hXForwardedFor:
			m.xff++
		}
	}
	switch {
	case m.hasTE && chunkedSeen && !afterChunked:
		m.framing = bodyChunked
	case m.hasTE:
		m.framing = bodyEOF
	case m.hasCL:
		m.framing = bodyLength
	}
	return stOK
}

// parseConnection records the options of one Connection field value.
func parseConnection(m *message, v []byte) {
	for {
		elem := v
		i := bytes.IndexByte(v, ',')
		if i >= 0 {
			elem, v = v[:i], v[i+1:]
		}
		elem = trimOWS(elem)
		switch {
		case len(elem) == 0:
		case equalFold(elem, "close"):
			m.connClose = true
		case equalFold(elem, "keep-alive"):
			m.connKeepAlive = true
		case equalFold(elem, "upgrade"):
			m.connUpgrade = true
		default:
			m.connOther = true
		}
		if i < 0 {
			return
		}
	}
}

// namedByConnection reports whether a Connection field of m lists name.
func (m *message) namedByConnection(name []byte) bool {
	for i := range m.headers {
		h := &m.headers[i]
		if h.kind != hConnection {
			continue
		}
		for v := h.value; ; {
			elem := v
			j := bytes.IndexByte(v, ',')
			if j >= 0 {
				elem, v = v[:j], v[j+1:]
			}
			if e := trimOWS(elem); len(e) == len(name) && equalFoldBytes(e, name) {
				return true
			}
			if j < 0 {
				break
			}
		}
	}
	return false
}

// parseVersion parses "HTTP/1.d" and returns the minor version, 1 for
// 1.1 through 1.9.
func parseVersion(v []byte) (minor int, ok bool) {
	if len(v) != 8 || string(v[:7]) != "HTTP/1." || !isDigit(v[7]) {
		return 0, false
	}
	if v[7] == '0' {
		return 0, true
	}
	return 1, true
}

// parseContentLength parses 1*DIGIT within int64 range.
func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		// 18 digits always fit in an int64; nobody sends an exabyte.
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// findHeadEnd returns the length of the head at the start of b (through
// the empty line that ends it), or -1 if b does not hold a whole head yet.
// A line ends at LF, with an optional CR before it, as desync.Classify
// reads it. *scan is where the previous call stopped; it starts at 0.
func findHeadEnd(b []byte, scan *int) int {
	i := *scan
	for {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			*scan = len(b)
			return -1
		}
		i += j
		switch {
		case i+1 >= len(b):
			*scan = i
			return -1
		case b[i+1] == '\n':
			return i + 2
		case b[i+1] == '\r':
			if i+2 >= len(b) {
				*scan = i
				return -1
			}
			if b[i+2] == '\n' {
				return i + 3
			}
		}
		i++
	}
}

// Byte helpers. Field names are matched case-insensitively against
// lower-case constants; both sides are tokens, so folding ASCII letters is
// enough.

var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenTable[c] {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// the case of b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

func equalFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isOWS(c byte) bool   { return c == ' ' || c == '\t' }

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	return trimRightOWS(b)
}

func trimRightOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func trimSP(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// sanitize replaces NUL and CR, which must never reach a back end inside a
// field value, with spaces.
func sanitize(v []byte) {
	for i, c := range v {
		if c == 0 || c == '\r' {
			v[i] = ' '
		}
	}
}

// offsetIn returns the offset of sub, a non-empty slice of buf, in buf.
func offsetIn(buf, sub []byte) int {
	return cap(buf) - cap(sub)
}
