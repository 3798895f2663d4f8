package sigv4

import (
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// queryPair is one decoded key=value of a query string.
type queryPair struct{ key, value string }

var errMalformedQuery = errors.New("malformed query string")

// parseQuery decodes a raw query string as form encoding does: pairs are
// separated by '&', '+' is a space and percent escapes are decoded. Empty
// segments are skipped, as every signer does. Pairs that fail to decode are
// left out and reported through the error, so callers can choose to be
// strict (Verify) or merely look for keys (Parse).
func parseQuery(raw string) ([]queryPair, error) {
	var pairs []queryPair
	var firstErr error
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			if firstErr == nil {
				firstErr = errMalformedQuery
			}
			continue
		}
		pairs = append(pairs, queryPair{dk, dv})
	}
	return pairs, firstErr
}

// isUnreserved reports whether c is in RFC 3986's unreserved set, the only
// bytes SigV4 leaves unescaped.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// uriEncode percent-encodes every byte outside the unreserved set (and '/'
// when keepSlash), with upper-case hex. Unlike url.QueryEscape a space
// becomes "%20", never "+".
func uriEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// canonicalURI is the request's escaped path, encoded a second time for
// every service except S3 (which signs the path as sent), as AWS's own
// signers do.
func canonicalURI(u *url.URL, service string) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if service == "s3" {
		return p
	}
	return uriEncode(p, true)
}

// canonicalQueries returns the canonical query string of pairs; presigned
// requests drop X-Amz-Signature. The first result follows the SigV4
// specification: keys and values are encoded, then sorted by encoded key and
// encoded value. Clients that sort before encoding (libcloud 3.4.1) can
// disagree when a key or value holds bytes that encode out of order, so the
// second result, present only when it differs, is that ordering.
func canonicalQueries(pairs []queryPair, presigned bool) []string {
	type enc struct{ rawK, rawV, k, v string }
	list := make([]enc, 0, len(pairs))
	for _, p := range pairs {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		list = append(list, enc{p.key, p.value, uriEncode(p.key, false), uriEncode(p.value, false)})
	}
	join := func() string {
		var b strings.Builder
		for i, e := range list {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(e.k)
			b.WriteByte('=')
			b.WriteString(e.v)
		}
		return b.String()
	}
	slices.SortStableFunc(list, func(x, y enc) int {
		if c := strings.Compare(x.k, y.k); c != 0 {
			return c
		}
		return strings.Compare(x.v, y.v)
	})
	spec := join()
	slices.SortStableFunc(list, func(x, y enc) int {
		if c := strings.Compare(x.rawK, y.rawK); c != 0 {
			return c
		}
		return strings.Compare(x.rawV, y.rawV)
	})
	if legacy := join(); legacy != spec {
		return []string{spec, legacy}
	}
	return []string{spec}
}

// headerValues returns all values of the header name (lower-case), whatever
// case the map key has. Go's server canonicalises keys, but requests built
// by hand may not be.
func headerValues(h http.Header, name string) []string {
	if v, ok := h[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return v
	}
	var vals []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vals = append(vals, v...)
		}
	}
	return vals
}

// normalizeValue trims a header value and collapses runs of spaces to one.
func normalizeValue(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// canonicalHeaders renders "name:value\n" for each of names (lower-case,
// sorted) from r. host comes from r.Host because Go's server moves the Host
// header there; content-length falls back to r.ContentLength because
// requests built in-process often carry the length only there.
func canonicalHeaders(r *http.Request, names []string) (string, error) {
	var b strings.Builder
	for _, name := range names {
		var vals []string
		switch name {
		case "host":
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			if host != "" {
				vals = []string{host}
			}
		default:
			vals = headerValues(r.Header, name)
			if len(vals) == 0 && name == "content-length" && r.ContentLength >= 0 {
				vals = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		}
		if len(vals) == 0 {
			return "", errMismatch("The request signature we calculated does not match the signature you provided. " +
				"Header '" + clip(name) + "' is listed in SignedHeaders but is not present in the request.")
		}
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(normalizeValue(v))
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// clip makes client-supplied text safe and short enough to quote in an
// error message.
func clip(s string) string {
	const max = 128
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
