package desync

import (
	"bytes"
	"math"
)

// Classify classifies one HTTP/1.x request head: the request line and the
// header lines up to and including the empty line that ends them. Bytes
// after that empty line (a body, a pipelined request) are ignored. The head
// must start at the request line: skipping empty lines sent before it (RFC
// 9112 §2.2) is the caller's job. HTTP/2 (the "PRI * HTTP/2.0" preface) must
// be recognised before calling Classify; here it is a BadVersion.
//
// Line endings: LF ends a line and one CR before it is part of the line
// ending. A head whose lines all end in a bare LF is Acceptable
// (NonCrLfLineTermination), as in ELB and nginx: every line is still seen
// and judged here. That is harmless only if the proxy forwards a head it
// re-serialised with CRLF, never the raw bytes. A head that
// mixes CRLF and bare LF is Ambiguous (MixedLineTermination), because a hop
// that splits only on CRLF sees other header lines than one that also splits
// on LF. A CR anywhere else is a BadHeader (or BadUri, BadMethod, BadVersion
// on the request line).
//
// Classify scans the head once, in order: method, request-target, version,
// then each header line, then the checks that need every line (framing
// headers against method and version, Host count, line endings). The
// Verdict's Reason is the first one found of the worst class. Classify does
// not allocate and does not retain head.
func Classify(head []byte) Verdict {
	var p parser
	p.run(head)
	return p.v
}

// parser holds the state of one Classify call. It lives on the stack.
type parser struct {
	v Verdict

	crlf, lf bool // some line ended in CRLF; some in a bare LF
	end      int  // offset just past the empty line; -1 if there is none

	getHead bool // method is exactly GET or HEAD (methods are case-sensitive)
	connect bool
	options bool
	version int // 9 (HTTP/0.9 or none), 10, 11, 12-19 (HTTP/1.2-1.9)

	clCount  int    // Content-Length fields
	clValue  uint64 // their value, once one parsed
	teFields int    // Transfer-Encoding fields
	codings  int    // transfer codings in them
	chunked  bool   // chunked seen (it must be the final coding)
	hosts    int
	prevCT   bool // the previous field line was Content-Type (for obs-fold)
}

// note records reason r if its class is worse than the verdict so far.
func (p *parser) note(r Reason) {
	if c := r.Class(); c > p.v.Class {
		p.v = Verdict{Class: c, Reason: r}
	}
}

func (p *parser) severe() bool { return p.v.Class == Severe }

// nextLine splits the first line off b. It returns the line without its
// terminator, what follows, and whether the line was terminated by LF.
func (p *parser) nextLine(b []byte) (line, rest []byte, terminated bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		// Cut off: a final CR is the start of a CRLF, not a CR inside
		// the line.
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
		return b, nil, false
	}
	line, rest = b[:i], b[i+1:]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
		p.crlf = true
	} else {
		p.lf = true
		p.note(NonCrLfLineTermination)
	}
	return line, rest, true
}

func (p *parser) run(head []byte) {
	p.end = -1
	line, rest, terminated := p.nextLine(head)
	p.requestLine(line)
	if p.severe() {
		return
	}
	if !terminated {
		p.note(PartialHeaderLine)
		return
	}
	for {
		if len(rest) == 0 {
			p.note(MissingLastEmptyLine)
			break
		}
		line, rest, terminated = p.nextLine(rest)
		if !terminated {
			// The head is cut inside its last line (or inside the CRLF
			// of the empty line).
			if len(line) > 0 {
				p.headerLine(line)
			}
			p.note(PartialHeaderLine)
			break
		}
		if len(line) == 0 {
			p.end = len(head) - len(rest)
			break
		}
		p.headerLine(line)
		if p.severe() {
			return
		}
	}
	if !p.severe() {
		p.finish()
	}
}

// requestLine checks request-line = method SP request-target SP HTTP-version.
func (p *parser) requestLine(line []byte) {
	var method, rest []byte
	if sp := bytes.IndexByte(line, ' '); sp >= 0 {
		method, rest = line[:sp], line[sp+1:]
	} else {
		method = line
	}
	if len(method) == 0 {
		p.note(BadMethod)
		return
	}
	for _, c := range method {
		if chars[c]&cTchar == 0 {
			p.note(BadMethod)
			return
		}
	}
	switch string(method) {
	case "GET", "HEAD":
		p.getHead = true
	case "CONNECT":
		p.connect = true
	case "OPTIONS":
		p.options = true
	}

	// Whitespace after the version.
	n := len(rest)
	for n > 0 && isOWS(rest[n-1]) {
		n--
	}
	trailingWS := n < len(rest)
	rest = rest[:n]

	var target, version []byte
	hasVersion := true
	if sp := bytes.LastIndexByte(rest, ' '); sp >= 0 {
		target, version = rest[:sp], rest[sp+1:]
	} else if hasPrefix(rest, "HTTP/") {
		version = rest // "GET HTTP/1.1": the target is missing
	} else {
		target, hasVersion = rest, false // HTTP/0.9 "GET /"
	}

	p.requestTarget(target)
	if p.severe() {
		return
	}
	if hasVersion {
		p.httpVersion(version)
	} else {
		p.version = 9
		p.note(NonCompliantVersion)
	}
	if trailingWS {
		p.note(NonCompliantVersion)
	}
}

func (p *parser) httpVersion(v []byte) {
	switch {
	case string(v) == "HTTP/1.1":
		p.version = 11
	case string(v) == "HTTP/1.0":
		p.version = 10
	case len(v) == 8 && hasPrefix(v, "HTTP/1.") && '2' <= v[7] && v[7] <= '9':
		p.version = 10 + int(v[7]-'0')
		p.note(NonCompliantVersion)
	case string(v) == "HTTP/0.9":
		p.version = 9
		p.note(NonCompliantVersion)
	default:
		p.note(BadVersion)
	}
}

func (p *parser) requestTarget(t []byte) {
	var space, ctl bool
	for _, c := range t {
		if chars[c]&cURI != 0 {
			continue
		}
		switch {
		case isBad(c):
			p.note(BadUri)
			return
		case c == ' ':
			space = true
		default:
			ctl = true
		}
	}
	for len(t) > 0 && t[0] == ' ' {
		t = t[1:]
	}
	if len(t) == 0 {
		p.note(MissingUri)
		return
	}
	if ctl {
		p.note(AmbiguousUri)
	}
	if space {
		p.note(SpaceInUri)
	}
	if !p.validForm(t) {
		p.note(AmbiguousUri)
	}
}

// headerLine checks one field line (not the empty line).
func (p *parser) headerLine(line []byte) {
	if isOWS(line[0]) {
		p.continuation(line)
		return
	}
	p.prevCT = false
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		for _, c := range line {
			if isBad(c) {
				p.note(BadHeader)
				return
			}
		}
		p.note(MissingHeaderColon)
		return
	}
	name, value := line[:colon], trimOWS(line[colon+1:])

	nameOK := true
	for _, c := range name {
		if chars[c]&cTchar == 0 {
			if isBad(c) {
				p.note(BadHeader)
				return
			}
			nameOK = false
		}
	}
	valueOK := true
	for _, c := range value {
		if chars[c]&cValue == 0 {
			if isBad(c) {
				p.note(BadHeader)
				return
			}
			valueOK = false
		}
	}
	if len(name) == 0 {
		p.note(EmptyHeader)
		return
	}

	switch {
	case len(name) == 14 && equalFold(name, "content-length"):
		p.contentLength(value)
		return
	case len(name) == 17 && equalFold(name, "transfer-encoding"):
		p.transferEncoding(value)
		return
	case len(name) == 4 && equalFold(name, "host"):
		p.hosts++
	case len(name) == 12 && equalFold(name, "content-type"):
		p.prevCT = true
	case len(name) >= len(clLetters) && lookalike(name):
		p.note(SuspiciousHeader)
		return
	}
	if !nameOK || !valueOK {
		p.note(NonCompliantHeader)
	}
}

// continuation checks a line that starts with whitespace: obs-fold, or a
// line of whitespace only.
func (p *parser) continuation(line []byte) {
	for _, c := range line {
		if isBad(c) {
			p.note(BadHeader)
			return
		}
	}
	t := trimOWS(line)
	switch {
	case len(t) == 0:
		p.note(EmptyHeader)
	case p.prevCT && bytes.IndexByte(t, ':') < 0:
		// ELB exempts Content-Type from MultilineHeader: it frames
		// nothing. It is still obs-fold, so not Compliant. A
		// continuation that could pass for a field line of its own
		// gets no exemption.
		p.note(NonCompliantHeader)
	default:
		p.note(MultilineHeader)
	}
}

// contentLength checks one Content-Length field value (OWS trimmed).
func (p *parser) contentLength(v []byte) {
	var n uint64
	if len(v) == 0 {
		p.note(BadContentLength)
		return
	}
	for _, c := range v {
		d := uint64(c - '0')
		if c < '0' || c > '9' || n > (math.MaxInt64-d)/10 {
			p.note(BadContentLength)
			return
		}
		n = n*10 + d
	}
	if p.clCount > 0 {
		if n != p.clValue {
			p.note(MultipleContentLength)
			return
		}
		p.note(DuplicateContentLength)
	}
	p.clCount++
	p.clValue = n
}

// transferEncoding checks one Transfer-Encoding field value (OWS trimmed).
// The codings of all Transfer-Encoding fields form one list, in order, that
// must end in exactly one chunked.
func (p *parser) transferEncoding(v []byte) {
	p.teFields++
	for {
		elem := v
		i := bytes.IndexByte(v, ',')
		if i >= 0 {
			elem, v = v[:i], v[i+1:]
		}
		elem = trimOWS(elem)
		isChunked := equalFold(elem, "chunked")
		switch {
		case p.chunked && isChunked:
			p.note(MultipleTransferEncodingChunked)
			return
		case p.chunked || !isChunked && !knownCoding(elem):
			// A coding after chunked, or an unknown, empty or
			// parameterised one.
			p.note(BadTransferEncoding)
			return
		}
		p.chunked = isChunked
		p.codings++
		if i < 0 {
			return
		}
	}
}

// knownCoding reports the registered transfer codings other than chunked
// (RFC 9112 §7, including the x- aliases; "identity" is no longer one).
func knownCoding(c []byte) bool {
	switch len(c) {
	case 4:
		return equalFold(c, "gzip")
	case 6:
		return equalFold(c, "x-gzip")
	case 7:
		return equalFold(c, "deflate")
	case 8:
		return equalFold(c, "compress")
	case 10:
		return equalFold(c, "x-compress")
	}
	return false
}

// finish runs the checks that need the whole head.
func (p *parser) finish() {
	te, cl := p.teFields > 0, p.clCount > 0
	if te && !p.chunked {
		p.note(BadTransferEncoding) // chunked is not the final coding
		return
	}
	if te && p.version <= 10 {
		p.note(UndefinedTransferEncodingSemantics)
	}
	if cl && p.version == 9 {
		p.note(UndefinedContentLengthSemantics)
	}
	if p.getHead {
		if te {
			p.note(UndefinedTransferEncodingSemantics)
		}
		if cl && p.clValue == 0 {
			p.note(GetHeadZeroContentLength)
		} else if cl {
			p.note(UndefinedContentLengthSemantics)
		}
	}
	if te && cl {
		p.note(BothTeClPresent)
	}
	if p.hosts > 1 {
		p.note(MultipleHost)
	}
	if p.crlf && p.lf {
		p.note(MixedLineTermination)
	}
}
