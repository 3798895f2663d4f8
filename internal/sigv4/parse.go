package sigv4

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Presigned (query-string) authentication parameters.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
)

// maxExpiresSeconds caps a parsed X-Amz-Expires so the time.Duration cannot
// overflow; anything this large is rejected by CheckTime anyway.
const maxExpiresSeconds = 1 << 30

// Parse extracts the authentication r claims, from its Authorization header
// or from presigned query parameters. It checks syntax only; scope, time and
// signature are checked by CheckScope, CheckTime and Verify. Errors are
// always *Error.
func Parse(r *http.Request) (*Auth, error) {
	if r == nil {
		return nil, errMissingAuth()
	}
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	// Decode errors are ignored here: Parse only looks for its own keys, and
	// Verify rejects a malformed query outright.
	pairs, _ := parseQuery(rawQuery)
	presigned := hasAny(pairs, paramAlgorithm, paramCredential, paramSignature)

	headers := r.Header.Values("Authorization")
	hasHeader := len(headers) > 0 && strings.TrimSpace(strings.Join(headers, "")) != ""

	switch {
	case hasHeader && presigned:
		return nil, errIncomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter " +
			"or the Authorization header should be specified.")
	case hasHeader:
		if len(headers) > 1 {
			return nil, errIncomplete("Only one Authorization header may be specified.")
		}
		return parseHeader(r, headers[0], pairs)
	case presigned:
		return parsePresigned(pairs)
	default:
		return nil, errMissingAuth()
	}
}

// parseHeader parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
func parseHeader(r *http.Request, header string, pairs []queryPair) (*Auth, error) {
	header = strings.TrimSpace(header)
	alg, rest, _ := strings.Cut(header, " ")
	if alg != algorithm {
		return nil, errIncomplete(fmt.Sprintf(
			"Unsupported Authorization algorithm '%s'; only '%s' (Signature Version 4) is supported.", clip(alg), algorithm))
	}

	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, errIncomplete(fmt.Sprintf(
				"Authorization header requires each component to be of the form key=value, got '%s'.", clip(part)))
		}
		if _, dup := fields[k]; dup {
			return nil, errIncomplete(fmt.Sprintf("Authorization header has a duplicate '%s' component.", clip(k)))
		}
		fields[k] = v
	}

	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if fields[k] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", k))
		}
	}
	amzDates := r.Header.Values("X-Amz-Date")
	var rawDate string
	switch {
	case len(amzDates) > 1:
		return nil, errIncomplete("Only one X-Amz-Date header may be specified.")
	case len(amzDates) == 1:
		rawDate = strings.TrimSpace(amzDates[0])
	default:
		if d := r.Header.Get("Date"); d != "" {
			t, err := http.ParseTime(d)
			if err != nil {
				return nil, errIncomplete(fmt.Sprintf("Date header '%s' is not a valid HTTP date.", clip(d)))
			}
			rawDate = t.UTC().Format(amzDateLayout)
		}
	}
	if rawDate == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, errIncomplete(strings.Join(missing, " "))
	}

	a := &Auth{}
	if err := a.fill(fields["Credential"], fields["SignedHeaders"], fields["Signature"], rawDate); err != nil {
		return nil, err
	}
	a.SecurityToken = strings.TrimSpace(r.Header.Get("X-Amz-Security-Token"))
	if a.SecurityToken == "" {
		a.SecurityToken, _ = single(pairs, paramSecurityToken)
	}
	return a, nil
}

// parsePresigned parses query-string authentication.
func parsePresigned(pairs []queryPair) (*Auth, error) {
	vals := map[string]string{}
	for _, k := range []string{paramAlgorithm, paramCredential, paramDate, paramExpires,
		paramSignedHeaders, paramSignature, paramSecurityToken} {
		v, err := single(pairs, k)
		if err != nil {
			return nil, err
		}
		vals[k] = v
	}
	for _, k := range []string{paramAlgorithm, paramCredential, paramSignature, paramSignedHeaders, paramDate} {
		if vals[k] == "" {
			return nil, errIncomplete("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', " +
				"'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'. Re-examine the query-string parameters.")
		}
	}
	if vals[paramAlgorithm] != algorithm {
		return nil, errIncomplete(fmt.Sprintf(
			"X-Amz-Algorithm only supports '%s', got '%s'.", algorithm, clip(vals[paramAlgorithm])))
	}

	a := &Auth{Presigned: true, Expires: DefaultPresignExpires, SecurityToken: vals[paramSecurityToken]}
	if e := vals[paramExpires]; e != "" {
		n, err := strconv.ParseUint(e, 10, 64)
		if err != nil && !isDigits(e) {
			return nil, errIncomplete(fmt.Sprintf("X-Amz-Expires should be a number, got '%s'.", clip(e)))
		}
		// A digit string too large for uint64 fails to parse; clamp it too.
		if err != nil || n > maxExpiresSeconds {
			n = maxExpiresSeconds
		}
		a.Expires = time.Duration(n) * time.Second
	}
	if err := a.fill(vals[paramCredential], vals[paramSignedHeaders], vals[paramSignature], vals[paramDate]); err != nil {
		return nil, err
	}
	return a, nil
}

// fill validates and stores the parts shared by both forms of authentication.
func (a *Auth) fill(credential, signedHeaders, signature, rawDate string) error {
	scope := strings.Split(credential, "/")
	if len(scope) != 5 {
		return errIncomplete(fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, "+
			"e.g. keyid/date/region/service/term, got '%s'.", clip(credential)))
	}
	for _, s := range scope {
		if s == "" {
			return errIncomplete(fmt.Sprintf("Credential has an empty element: '%s'.", clip(credential)))
		}
	}
	if scope[4] != terminal {
		return errIncomplete(fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.",
			terminal, clip(scope[4])))
	}
	if !isDigits(scope[1]) || len(scope[1]) != 8 {
		return errIncomplete(fmt.Sprintf("Invalid credential date '%s'. Date is not the required format: yyyyMMdd.", clip(scope[1])))
	}
	if _, err := time.Parse(scopeDateLayout, scope[1]); err != nil {
		return errIncomplete(fmt.Sprintf("Invalid credential date '%s'. Date is not the required format: yyyyMMdd.", clip(scope[1])))
	}
	a.AccessKeyID, a.Date, a.Region, a.Service = scope[0], scope[1], scope[2], scope[3]

	seen := map[string]bool{}
	for name := range strings.SplitSeq(signedHeaders, ";") {
		name = strings.ToLower(strings.TrimSpace(name))
		if !isToken(name) {
			return errIncomplete(fmt.Sprintf("SignedHeaders has an invalid header name '%s'.", clip(name)))
		}
		if seen[name] {
			return errIncomplete(fmt.Sprintf("SignedHeaders lists header '%s' more than once.", clip(name)))
		}
		seen[name] = true
		a.SignedHeaders = append(a.SignedHeaders, name)
	}
	if !seen["host"] {
		return errIncomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}

	if signature == "" || !isHex(signature) {
		return errIncomplete(fmt.Sprintf("Signature must be a hexadecimal string, got '%s'.", clip(signature)))
	}
	a.Signature = strings.ToLower(signature)

	t, ok := parseAmzDate(rawDate)
	if !ok {
		return errIncomplete(fmt.Sprintf("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '%s'.", clip(rawDate)))
	}
	a.Time, a.amzDate = t, rawDate
	if rawDate[:8] != a.Date {
		return errMismatch(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "+
			"'%s' != '%s', from '%s'.", a.Date, rawDate[:8], rawDate))
	}
	return nil
}

// parseAmzDate accepts exactly YYYYMMDDTHHMMSSZ; time.Parse alone would
// also take some non-canonical forms (e.g. one-digit hours), and the raw
// string goes into the string to sign, so it must be canonical.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) || s[8] != 'T' || s[15] != 'Z' || !isDigits(s[:8]) || !isDigits(s[9:15]) {
		return time.Time{}, false
	}
	t, err := time.Parse(amzDateLayout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// single returns the only value of key in pairs ("" if absent); repeating an
// authentication parameter is ambiguous, so it is an error.
func single(pairs []queryPair, key string) (string, error) {
	var v string
	found := false
	for _, p := range pairs {
		if p.key == key {
			if found {
				return "", errIncomplete(fmt.Sprintf("Query-string parameter '%s' must appear only once.", key))
			}
			v, found = p.value, true
		}
	}
	return v, nil
}

func hasAny(pairs []queryPair, keys ...string) bool {
	for _, p := range pairs {
		for _, k := range keys {
			if p.key == k {
				return true
			}
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isToken reports whether s is a non-empty HTTP header field name (RFC 9110
// token). Anything else could smuggle separators into the canonical request.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
