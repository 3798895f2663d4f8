package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
)

const (
	headerContentSHA256 = "X-Amz-Content-Sha256"
	unsignedPayload     = "UNSIGNED-PAYLOAD"
)

// Verify recomputes the signature of r with secret and compares it with
// a.Signature in constant time. body is the full request body, already read
// by the caller (r.Body is not touched). Verify does not check scope or
// time; call CheckScope and CheckTime as well.
func Verify(r *http.Request, body []byte, a *Auth, secret string) error {
	if a == nil {
		return errMissingAuth()
	}
	candidates, err := canonicalRequests(r, body, a)
	if err != nil {
		return err
	}
	key := signingKey(secret, a.Date, a.Region, a.Service)
	want := []byte(strings.ToLower(a.Signature))
	match := false
	// Every candidate is computed, so timing does not reveal which matched;
	// how many there are depends only on the request's shape.
	for _, cr := range candidates {
		if hmac.Equal([]byte(signature(key, stringToSign(a, cr))), want) {
			match = true
		}
	}
	if !match {
		return errMismatch(msgSignatureMismatch)
	}
	return nil
}

// canonicalRequests builds the canonical request(s) the client may have
// signed: normally one, at most four when the query ordering (see
// canonicalQueries) or the payload hash (see payloadHashes) is ambiguous.
func canonicalRequests(r *http.Request, body []byte, a *Auth) ([]string, error) {
	if r == nil || r.URL == nil {
		return nil, errMismatch(msgSignatureMismatch)
	}
	names := make([]string, len(a.SignedHeaders))
	for i, n := range a.SignedHeaders {
		names[i] = strings.ToLower(n)
	}
	// SignedHeaders must be sorted; be lenient with clients that list them
	// in another order, as the canonical request is built from the sorted set.
	slices.Sort(names)
	if !slices.Contains(names, "host") {
		return nil, errIncomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}

	pairs, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errMismatch("The request signature we calculated does not match the signature you provided. " +
			"The query string is not validly percent-encoded.")
	}
	payloads, perr := payloadHashes(r, body, a, pairs)
	if perr != nil {
		return nil, perr
	}
	headers, herr := canonicalHeaders(r, names)
	if herr != nil {
		return nil, herr
	}

	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	prefix := method + "\n" + canonicalURI(r.URL, a.Service) + "\n"
	suffix := "\n" + headers + "\n" + strings.Join(names, ";") + "\n"
	var out []string
	for _, q := range canonicalQueries(pairs, a.Presigned) {
		for _, p := range payloads {
			out = append(out, prefix+q+suffix+p)
		}
	}
	return out, nil
}

// payloadHashes returns the payload hash(es) the client may have signed.
// A claimed X-Amz-Content-Sha256 must equal the real hash of body;
// UNSIGNED-PAYLOAD is accepted only without a body, because for the Query
// API the body carries the action and must be authenticated. Presigned URLs
// without a body may have been signed with either the empty-body hash or
// UNSIGNED-PAYLOAD (the S3 convention), so both are offered.
func payloadHashes(r *http.Request, body []byte, a *Auth, pairs []queryPair) ([]string, *Error) {
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])

	claimed := strings.TrimSpace(r.Header.Get(headerContentSHA256))
	if claimed == "" && a.Presigned {
		claimed, _ = single(pairs, headerContentSHA256)
	}
	switch {
	case claimed == "":
		if a.Presigned && len(body) == 0 {
			return []string{actual, unsignedPayload}, nil
		}
		return []string{actual}, nil
	case claimed == unsignedPayload:
		if len(body) > 0 {
			return nil, errMismatch("The request signature we calculated does not match the signature you provided. " +
				"'x-amz-content-sha256: UNSIGNED-PAYLOAD' is not accepted for a request with a body.")
		}
		return []string{unsignedPayload}, nil
	case strings.EqualFold(claimed, actual):
		// The client signed its header value verbatim.
		return []string{claimed}, nil
	default:
		return nil, errMismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
}

// stringToSign builds the SigV4 string to sign for a canonical request.
func stringToSign(a *Auth, canonicalRequest string) string {
	h := sha256.Sum256([]byte(canonicalRequest))
	return algorithm + "\n" + a.requestDate() + "\n" + a.scope() + "\n" + hex.EncodeToString(h[:])
}

// signature is the lower-case hex HMAC-SHA256 of the string to sign.
func signature(key []byte, sts string) string {
	return hex.EncodeToString(hmacSHA256(key, sts))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
