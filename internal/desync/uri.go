package desync

// validForm reports whether request-target t (non-empty, leading spaces
// removed, its bytes already checked) has one of RFC 9112 §3.2's forms:
// origin-form ("/path?query"), absolute-form ("scheme:..."), authority-form
// ("host:port", CONNECT only) or asterisk-form ("*", OPTIONS only). Within
// those, it rejects what URI parsers are known to read differently:
// malformed percent-encoding in the path, and an authority with userinfo, a
// bad port, an IP literal that is not IPv6, or a byte outside reg-name.
//
// The rest of the grammar is deliberately not enforced: like ELB, the
// classifier accepts any byte above SP except DEL in the path and query
// (e.g. "|", "{", "\", obs-text), which some clients send unencoded and
// which do not move request boundaries.
func (p *parser) validForm(t []byte) bool {
	if p.connect {
		return validAuthority(t, true)
	}
	if t[0] == '/' {
		return validPath(t)
	}
	if len(t) == 1 && t[0] == '*' {
		return p.options
	}
	// absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
	if c := t[0] | 0x20; c < 'a' || c > 'z' {
		return false
	}
	i := 1
	for i < len(t) && chars[t[i]]&cScheme != 0 {
		i++
	}
	if i == len(t) || t[i] != ':' {
		return false
	}
	scheme, rest := t[:i], t[i+1:]
	web := equalFold(scheme, "http") || equalFold(scheme, "https")
	if !hasPrefix(rest, "//") {
		// An http(s) URI without an authority has no host to route on.
		return !web && validPath(rest)
	}
	rest = rest[2:]
	j := 0
	for j < len(rest) && rest[j] != '/' && rest[j] != '?' {
		j++
	}
	authority := rest[:j]
	if web && len(authority) == 0 {
		return false
	}
	return validAuthority(authority, false) && validPath(rest[j:])
}

// validPath reports whether every "%" before the query is followed by two
// hex digits.
func validPath(t []byte) bool {
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '?':
			return true
		case '%':
			if i+2 >= len(t) || chars[t[i+1]]&cHex == 0 || chars[t[i+2]]&cHex == 0 {
				return false
			}
			i += 2
		}
	}
	return true
}

// validAuthority reports whether a is host [":" port] with host an IPv6
// literal in brackets or a reg-name/IPv4 address of unreserved and
// sub-delims bytes, and port digits. authorityForm (CONNECT) requires a
// non-empty host and port. Userinfo is refused: RFC 9110 §4.2.4 forbids it
// in http(s) targets, and parsers disagree on which "@" ends it.
func validAuthority(a []byte, authorityForm bool) bool {
	var host, port []byte
	hasPort := false
	if len(a) > 0 && a[0] == '[' {
		end := -1
		for i := 1; i < len(a); i++ {
			if a[i] == ']' {
				end = i
				break
			}
		}
		if end < 0 || !validIPv6(a[1:end]) {
			return false
		}
		host = a[1:end]
		if rest := a[end+1:]; len(rest) > 0 {
			if rest[0] != ':' {
				return false
			}
			port, hasPort = rest[1:], true
		}
	} else {
		host = a
		for i, c := range a {
			if c == ':' {
				host, port, hasPort = a[:i], a[i+1:], true
				break
			}
		}
		for _, c := range host {
			if chars[c]&cHost == 0 {
				return false
			}
		}
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
	}
	if authorityForm {
		return len(host) > 0 && hasPort && len(port) > 0
	}
	return true
}

// validIPv6 reports whether s is an RFC 3986 IPv6address (no zone, no
// IPvFuture): eight 16-bit groups of 1-4 hex digits, at most one "::"
// standing for one or more zero groups, and optionally a dotted-quad IPv4
// address in place of the last two groups.
func validIPv6(s []byte) bool {
	groups := 0
	ellipsis := false
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = true
		i = 2
	}
	for i < len(s) {
		j := i
		for j < len(s) && chars[s[j]]&cHex != 0 {
			j++
		}
		if j < len(s) && s[j] == '.' {
			if !validIPv4(s[i:]) {
				return false
			}
			groups += 2
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		i = j
		if i == len(s) {
			break
		}
		if s[i] != ':' || i+1 == len(s) {
			return false
		}
		i++
		if s[i] == ':' {
			if ellipsis {
				return false
			}
			ellipsis = true
			i++
		}
	}
	if ellipsis {
		return groups < 8
	}
	return groups == 8
}

// validIPv4 reports whether s is a dotted-quad of decimal octets 0-255
// without leading zeros.
func validIPv4(s []byte) bool {
	octets := 0
	for len(s) > 0 {
		j := 0
		v := 0
		for j < len(s) && '0' <= s[j] && s[j] <= '9' && j < 3 {
			v = v*10 + int(s[j]-'0')
			j++
		}
		if j == 0 || v > 255 || j > 1 && s[0] == '0' {
			return false
		}
		octets++
		s = s[j:]
		if len(s) == 0 {
			break
		}
		if s[0] != '.' || octets == 4 {
			return false
		}
		s = s[1:]
		if len(s) == 0 {
			return false
		}
	}
	return octets == 4
}
