package sticky

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"time"
)

// CookieName is the name of the load balancer's stickiness cookie, for
// both policies.
const CookieName = "AWSELB"

// TokenLen is the length of a [Token]: 16 bytes as hex digits.
const TokenLen = 32

const upperHex = "0123456789ABCDEF"

// Token returns the AWSELB cookie value that names the back end identified
// by parts (for example the instance id and the instance port) under key,
// a secret of the load balancer: the first 16 bytes of HMAC-SHA256(key,
// parts) as 32 upper-case hex digits. Each part is preceded by its length
// (8 bytes, big-endian) inside the MAC, so that parts cannot be shifted
// into one another: ("ab", "c") and ("a", "bc") give unrelated tokens.
//
// Without the key nobody can produce the token of a back end, or tell
// from a token which back end it names. The key should be at least 32
// random bytes; it must be the same on every node of a load balancer (and
// across restarts) for clients to stay stuck when DNS sends them to
// another node. Token is meant to run when a back end is set up, not per
// request: it allocates.
func Token(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		m.Write(n[:])
		io.WriteString(m, p)
	}
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	var out [TokenLen]byte
	for i, c := range sum[:TokenLen/2] {
		out[2*i], out[2*i+1] = upperHex[c>>4], upperHex[c&15]
	}
	return string(out[:])
}

// CookieValue returns the value of the cookie called name in the value of
// a Cookie request field ("a=b; c=d", RFC 6265 §4.2), and whether it is
// there. It is lenient as servers are: whitespace around names, values
// and separators is ignored, a pair without "=" is skipped, and a value in
// double quotes is returned without them. Names are compared exactly
// (cookie names are case-sensitive). When the name occurs more than once,
// the first occurrence wins: browsers send the cookie with the most
// specific path first. The value is a sub-slice of header; CookieValue
// does not allocate.
func CookieValue(header []byte, name string) (value []byte, ok bool) {
	if name == "" {
		return nil, false
	}
	for len(header) > 0 {
		pair := header
		if i := bytes.IndexByte(header, ';'); i >= 0 {
			pair, header = header[:i], header[i+1:]
		} else {
			header = nil
		}
		eq := bytes.IndexByte(pair, '=')
		if eq < 0 || string(trimWS(pair[:eq])) != name {
			continue
		}
		v := trimWS(pair[eq+1:])
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v, true
	}
	return nil, false
}

// SetCookie is what the load balancer needs to know about one Set-Cookie
// response field. The byte slices point into the parsed line.
type SetCookie struct {
	// Name and Value are the cookie's name and value, whitespace trimmed
	// (the value keeps any double quotes).
	Name, Value []byte
	// MaxAge is the Max-Age attribute in seconds, when HasMaxAge. A
	// Max-Age whose value is not an integer is ignored, as browsers do
	// (RFC 6265 §5.2.2); values beyond int64 are clamped.
	MaxAge    int64
	HasMaxAge bool
	// RawExpires is the Expires attribute's value as sent, nil when there
	// is none, and Expires that value parsed, or the zero Time when it is
	// in none of the formats http.ParseTime accepts (IMF-fixdate,
	// RFC 850, asctime) nor the Netscape form with dashes
	// ("Sun, 06-Nov-1994 08:49:37 GMT") that cookies commonly use.
	RawExpires []byte
	Expires    time.Time
	// Secure and HttpOnly report those attributes.
	Secure, HttpOnly bool
}

// ParseSetCookie parses the value of a Set-Cookie field (the part after
// "Set-Cookie:"). Attribute names are case-insensitive; when an attribute
// repeats, the last valid one counts. It reports false for a line that
// sets no cookie (no "=" in the first pair, or an empty name) and, as
// Classic ELB does, for a line that ends with ";": ELB ignores such an
// application cookie, so it never makes a session sticky. ParseSetCookie
// does not allocate.
func ParseSetCookie(line []byte) (c SetCookie, ok bool) {
	line = trimWS(line)
	if len(line) == 0 || line[len(line)-1] == ';' {
		return SetCookie{}, false
	}
	pair, rest, more := cutSemi(line)
	eq := bytes.IndexByte(pair, '=')
	if eq < 0 {
		return SetCookie{}, false
	}
	c.Name, c.Value = trimWS(pair[:eq]), trimWS(pair[eq+1:])
	if len(c.Name) == 0 {
		return SetCookie{}, false
	}
	for more {
		var av []byte
		av, rest, more = cutSemi(rest)
		name, val := av, []byte(nil)
		if eq := bytes.IndexByte(av, '='); eq >= 0 {
			name, val = av[:eq], trimWS(av[eq+1:])
		}
		switch name = trimWS(name); {
		case equalFold(name, "max-age"):
			if n, ok := parseMaxAge(val); ok {
				c.MaxAge, c.HasMaxAge = n, true
			}
		case equalFold(name, "expires"):
			if len(val) > 0 {
				c.RawExpires = val
				c.Expires, _ = parseDate(val)
			}
		case equalFold(name, "secure"):
			c.Secure = true
		case equalFold(name, "httponly"):
			c.HttpOnly = true
		}
	}
	return c, true
}

// Removed reports whether c deletes its cookie at time now rather than
// setting it: a Max-Age of zero or less, or, without Max-Age (which takes
// precedence), an Expires that is not after now.
func (c *SetCookie) Removed(now time.Time) bool {
	if c.HasMaxAge {
		return c.MaxAge <= 0
	}
	return !c.Expires.IsZero() && !c.Expires.After(now)
}

// AppendLBCookie appends to dst the Set-Cookie field value of the
// duration-based (LBCookieStickinessPolicyType) policy, spelt as ELB
// spells it: "AWSELB=<token>;PATH=/", plus ";MAX-AGE=<seconds>" when
// expiration (the policy's CookieExpirationPeriod) is positive; without it
// the cookie lasts for the browser session. ELB cannot mark this cookie
// Secure or HttpOnly, and neither does this. Sub-second expirations are
// rounded up to whole seconds.
func AppendLBCookie(dst []byte, token string, expiration time.Duration) []byte {
	dst = appendStart(dst, token)
	if expiration > 0 {
		dst = append(dst, ";MAX-AGE="...)
		dst = strconv.AppendInt(dst, int64((expiration+time.Second-1)/time.Second), 10)
	}
	return dst
}

// AppendAppCookie appends to dst the Set-Cookie field value of the
// application-controlled (AppCookieStickinessPolicyType) policy, for a
// response that sets the application cookie app: the AWSELB cookie takes
// app's lifetime (its Max-Age and its Expires, copied as sent, so that the
// browser expires both at the same moment whatever date formats it
// understands) and its Secure and HttpOnly flags. When app removes the
// application cookie (see [SetCookie.Removed] at now), AWSELB is removed
// the same way, with an empty value: the session is no longer sticky
// until the application sets a new cookie.
func AppendAppCookie(dst []byte, token string, app *SetCookie, now time.Time) []byte {
	if app.Removed(now) {
		token = ""
	}
	dst = appendStart(dst, token)
	if app.HasMaxAge {
		dst = append(dst, ";MAX-AGE="...)
		dst = strconv.AppendInt(dst, app.MaxAge, 10)
	}
	if len(app.RawExpires) > 0 {
		dst = append(dst, ";EXPIRES="...)
		dst = append(dst, app.RawExpires...)
	}
	if app.Secure {
		dst = append(dst, ";SECURE"...)
	}
	if app.HttpOnly {
		dst = append(dst, ";HTTPONLY"...)
	}
	return dst
}

func appendStart(dst []byte, token string) []byte {
	dst = append(dst, CookieName...)
	dst = append(dst, '=')
	dst = append(dst, token...)
	return append(dst, ";PATH=/"...)
}

// parseMaxAge parses a Max-Age value as RFC 6265 §5.2.2 does: an optional
// "-" and digits; anything else is not a Max-Age.
func parseMaxAge(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-9)/10 {
			n = math.MaxInt64 // keep scanning: a later non-digit still voids it
			continue
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n, true
	}
	return n, true
}

// cutSemi splits b at its first ';': before, after, and whether there was
// one.
func cutSemi(b []byte) (before, after []byte, found bool) {
	if i := bytes.IndexByte(b, ';'); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

func isWS(c byte) bool { return c == ' ' || c == '\t' }

func trimWS(b []byte) []byte {
	for len(b) > 0 && isWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b equals the lower-case ASCII string s,
// ignoring the case of b.
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
