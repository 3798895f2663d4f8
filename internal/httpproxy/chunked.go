package httpproxy

import "errors"

// errChunked reports a chunked body whose framing is malformed.
var errChunked = errors.New("httpproxy: malformed chunked body")

const (
	// maxChunkLine bounds a chunk-size line (size, whitespace, extensions).
	maxChunkLine = 4 << 10
	// maxTrailer bounds the trailer section of a chunked body.
	maxTrailer = 64 << 10
	// maxChunkDigits bounds the hex digits of a chunk size, leading zeros
	// included (as Go's own reader does): 15 keep it below 2^60.
	maxChunkDigits = 15
)

type chunkState uint8

const (
	csSize         chunkState = iota // chunk-size digits
	csSizeBWS                        // whitespace after the size, before ";"
	csExt                            // chunk extensions, up to CR
	csSizeLF                         // LF ending the size line
	csData                           // chunk data
	csDataCR                         // CR after the data
	csDataLF                         // LF after the data
	csTrailerStart                   // start of a trailer line or of the final CRLF
	csTrailerName                    // trailer field name
	csTrailerValue                   // trailer field value, up to CR
	csTrailerLF                      // LF ending a trailer line
	csEndLF                          // LF of the final empty line
	csDone                           // the body has ended
)

// chunkScanner validates the framing of a chunked body (RFC 9112 §7.1) as
// it streams past, so that it can be forwarded verbatim: bytes are passed on
// only once the scanner has accepted them, and the body ends exactly where
// the scanner says, leaving what follows (a pipelined request) unread. Line
// endings must be CRLF: a bare LF, accepted by some parsers and not others,
// is exactly what a smuggling attack needs. The zero value is ready for the
// start of a body.
type chunkScanner struct {
	state   chunkState
	digits  int   // digits of the size, leading zeros included
	size    int64 // size of the current chunk, then data bytes left in it
	line    int   // bytes in the current size line
	trailer int   // bytes in the trailer section
}

func (s *chunkScanner) done() bool { return s.state == csDone }

// inData reports how many bytes of chunk data follow before the next
// framing byte: the caller may copy that many bytes without scanning them
// (and then calls skipData).
func (s *chunkScanner) inData() int64 {
	if s.state == csData {
		return s.size
	}
	return 0
}

// skipData records that n bytes (at most inData()) of chunk data passed.
func (s *chunkScanner) skipData(n int64) {
	s.size -= n
	if s.size == 0 {
		s.state = csDataCR
	}
}

// next consumes a prefix of b: either a run of chunk data (data is true) or
// a run of framing bytes that ends where data begins or where the body
// ends. It returns how many bytes it consumed; after the body has ended it
// consumes nothing.
func (s *chunkScanner) next(b []byte) (n int, data bool, err error) {
	switch s.state {
	case csDone:
		return 0, false, nil
	case csData:
		k := int64(len(b))
		if k > s.size {
			k = s.size
		}
		s.skipData(k)
		return int(k), true, nil
	}
	for n < len(b) {
		c := b[n]
		n++
		switch s.state {
		case csSize, csSizeBWS, csExt:
			if s.line++; s.line > maxChunkLine {
				return n, false, errChunked
			}
			if !s.sizeLine(c) {
				return n, false, errChunked
			}
		case csSizeLF:
			if c != '\n' {
				return n, false, errChunked
			}
			if s.size == 0 {
				s.state = csTrailerStart
				continue
			}
			s.state = csData
			return n, false, nil
		case csDataCR:
			if c != '\r' {
				return n, false, errChunked
			}
			s.state = csDataLF
		case csDataLF:
			if c != '\n' {
				return n, false, errChunked
			}
			*s = chunkScanner{state: csSize}
		case csTrailerStart, csTrailerName, csTrailerValue, csTrailerLF, csEndLF:
			if s.trailer++; s.trailer > maxTrailer {
				return n, false, errChunked
			}
			if !s.trailerByte(c) {
				return n, false, errChunked
			}
			if s.state == csDone {
				return n, false, nil
			}
		}
	}
	return n, false, nil
}

// sizeLine takes one byte of a chunk-size line:
// chunk-size [ BWS ";" chunk-ext ] CRLF.
func (s *chunkScanner) sizeLine(c byte) bool {
	switch s.state {
	case csSize:
		if v := unhex(c); v >= 0 {
			if s.digits++; s.digits > maxChunkDigits {
				return false
			}
			s.size = s.size<<4 | int64(v)
			return true
		}
		if s.digits == 0 {
			return false
		}
		switch c {
		case ' ', '\t':
			s.state = csSizeBWS
		case ';':
			s.state = csExt
		case '\r':
			s.state = csSizeLF
		default:
			return false
		}
	case csSizeBWS:
		switch c {
		case ' ', '\t':
		case ';':
			s.state = csExt
		default:
			return false
		}
	case csExt:
		switch {
		case c == '\r':
			s.state = csSizeLF
		case c < ' ' && c != '\t', c == 0x7f:
			return false
		}
	}
	return true
}

// trailerByte takes one byte of the trailer section:
// *( field-line CRLF ) CRLF, with field lines name ":" value, no obs-fold.
func (s *chunkScanner) trailerByte(c byte) bool {
	switch s.state {
	case csTrailerStart:
		switch {
		case c == '\r':
			s.state = csEndLF
		case tokenTable[c]:
			s.state = csTrailerName
		default:
			return false
		}
	case csTrailerName:
		switch {
		case c == ':':
			s.state = csTrailerValue
		case !tokenTable[c]:
			return false
		}
	case csTrailerValue:
		switch {
		case c == '\r':
			s.state = csTrailerLF
		case c < ' ' && c != '\t', c == 0x7f:
			return false
		}
	case csTrailerLF:
		if c != '\n' {
			return false
		}
		s.state = csTrailerStart
	case csEndLF:
		if c != '\n' {
			return false
		}
		s.state = csDone
	}
	return true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// scanBuffered runs a fresh scanner over b and reports the length of the
// chunked body at its start if b holds all of it.
func scanBuffered(b []byte) (n int, complete bool, err error) {
	var s chunkScanner
	for n < len(b) && !s.done() {
		k, _, err := s.next(b[n:])
		n += k
		if err != nil {
			return n, false, err
		}
	}
	return n, s.done(), nil
}
