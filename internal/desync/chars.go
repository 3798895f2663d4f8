package desync

// Byte classes, one bit each, looked up in chars.
const (
	cTchar  = 1 << iota // RFC 9110 tchar: token characters
	cValue              // field-vchar, SP, HTAB: VCHAR / obs-text / SP / HTAB
	cURI                // any byte above SP except DEL (obs-text included)
	cHost               // RFC 3986 unreserved / sub-delims (reg-name without %)
	cHex                // HEXDIG, either case
	cScheme             // ALPHA / DIGIT / "+" / "-" / "."
)

var chars = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		alpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		digit := '0' <= c && c <= '9'
		if alpha || digit || contains("!#$%&'*+-.^_`|~", c) {
			t[c] |= cTchar
		}
		if c > ' ' && c != 0x7f || c == ' ' || c == '\t' {
			t[c] |= cValue
		}
		if c > ' ' && c != 0x7f {
			t[c] |= cURI
		}
		if alpha || digit || contains("-._~!$&'()*+,;=", c) {
			t[c] |= cHost
		}
		if digit || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' {
			t[c] |= cHex
		}
		if alpha || digit || c == '+' || c == '-' || c == '.' {
			t[c] |= cScheme
		}
	}
	return t
}()

func contains(set string, c int) bool {
	for i := 0; i < len(set); i++ {
		if int(set[i]) == c {
			return true
		}
	}
	return false
}

// isBad reports the bytes that may never appear inside a line: NUL and CR
// (LF always ends a line).
func isBad(c byte) bool { return c == 0 || c == '\r' }

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// trimOWS removes optional whitespace (SP, HTAB) from both ends.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b equals lower, which must be lower-case ASCII,
// ignoring ASCII case in b.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// The letters and digits of the two framing header names, lower-case, for
// lookalike.
const (
	teLetters = "transferencoding"
	clLetters = "contentlength"
)

// lookalike reports whether name, which is not exactly Transfer-Encoding or
// Content-Length, normalises to one of them under the rewrites that HTTP
// implementations, WAFs and normalising libraries are known to apply: ASCII
// case folding; Unicode case mapping of U+0131 "ı" (to I) and U+017F "ſ" (to
// S); NFKC folding of fullwidth Latin letters (U+FF21–U+FF3A, U+FF41–U+FF5A);
// and dropping everything that is not a letter or digit (whitespace,
// delimiters such as "-" and "_", control characters, other non-ASCII).
func lookalike(name []byte) bool {
	te, cl := 0, 0 // letters of each name matched so far; -1 once it fails
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xc4 && i+1 < len(name) && name[i+1] == 0xb1: // ı
			c = 'i'
			i++
		case c == 0xc5 && i+1 < len(name) && name[i+1] == 0xbf: // ſ
			c = 's'
			i++
		case c == 0xef && i+2 < len(name) && name[i+1] == 0xbc && 0xa1 <= name[i+2] && name[i+2] <= 0xba: // Ａ-Ｚ
			c = 'a' + name[i+2] - 0xa1
			i += 2
		case c == 0xef && i+2 < len(name) && name[i+1] == 0xbd && 0x81 <= name[i+2] && name[i+2] <= 0x9a: // ａ-ｚ
			c = 'a' + name[i+2] - 0x81
			i += 2
		default:
			continue
		}
		if te >= 0 {
			if te < len(teLetters) && teLetters[te] == c {
				te++
			} else {
				te = -1
			}
		}
		if cl >= 0 {
			if cl < len(clLetters) && clLetters[cl] == c {
				cl++
			} else {
				cl = -1
			}
		}
		if te < 0 && cl < 0 {
			return false
		}
	}
	return te == len(teLetters) || cl == len(clLetters)
}
