package accesslog

import (
	"errors"
	"strings"
)

// plain[c] reports whether byte c is written as is inside a quoted field;
// a space is also plain there but not in an unquoted one.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendEscaped appends s with the bytes that could break a line written
// as \xHH. Spaces are escaped too when the field is not quoted.
func appendEscaped[T string | []byte](dst []byte, s T, quoted bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plain[c] && (quoted || c != ' ') {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// appendToken appends an unquoted field: s escaped, or "-" when empty.
func appendToken(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	return appendEscaped(dst, s, false)
}

var (
	errEscape = errors.New(`bad \x escape`)
	errRaw    = errors.New("byte that should have been escaped")
)

// unescape reverses appendEscaped. It refuses bytes that appendEscaped
// would have escaped, except the space, which only a caller can tell.
func unescape(s string) (string, error) {
	i := -1
	for j := 0; j < len(s); j++ {
		if c := s[j]; c == '\\' {
			if i < 0 {
				i = j
			}
		} else if !plain[c] {
			return "", errRaw
		}
	}
	if i < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		if len(s) < i+4 || s[i+1] != 'x' {
			return "", errEscape
		}
		hi, ok1 := unhex(s[i+2])
		lo, ok2 := unhex(s[i+3])
		if !ok1 || !ok2 {
			return "", errEscape
		}
		b.WriteByte(hi<<4 | lo)
		s = s[i+4:]
		i = strings.IndexByte(s, '\\')
	}
	b.WriteString(s)
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
