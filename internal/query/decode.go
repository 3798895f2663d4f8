package query

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Limits bound what Decode accepts.
type Limits struct {
	// MaxBodyBytes is the largest request body read, in bytes. IAM's
	// certificate chain may be 2 MiB, so the default is 4 MiB.
	MaxBodyBytes int64
	// MaxParams is the largest number of parameters accepted. Default 5000.
	MaxParams int
	// MaxValueBytes bounds a single value's length. Default 2.5 MiB.
	MaxValueBytes int
}

// DefaultLimits are the limits used when a zero Limits is passed; each
// zero field of a partly filled Limits takes its default too.
var DefaultLimits = Limits{MaxBodyBytes: 4 << 20, MaxParams: 5000, MaxValueBytes: 5 << 19}

func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultLimits.MaxBodyBytes
	}
	if l.MaxParams <= 0 {
		l.MaxParams = DefaultLimits.MaxParams
	}
	if l.MaxValueBytes <= 0 {
		l.MaxValueBytes = DefaultLimits.MaxValueBytes
	}
	return l
}

// Request is a decoded Query request.
type Request struct {
	Params Params
	// Body is the raw body as received (needed for signature verification).
	Body []byte
}

// Decode reads the body of r (up to the limit) and merges the parameters of
// the URL query string and, for form-encoded bodies, the body. The same key
// in both with different values is rejected as ambiguous.
func Decode(r *http.Request, lim Limits) (*Request, error) {
	lim = lim.withDefaults()
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, lim.MaxBodyBytes+1))
		if err != nil {
			return nil, &Error{Code: "MalformedQueryString", Status: http.StatusNotFound, Message: "could not read the request body"}
		}
		if int64(len(body)) > lim.MaxBodyBytes {
			return nil, &Error{Code: "ValidationError", Status: http.StatusRequestEntityTooLarge,
				Message: "Request body exceeds the limit of " + itoa(lim.MaxBodyBytes) + " bytes"}
		}
	}
	m := make(map[string]string)
	if err := mergeQuery(m, r.URL.RawQuery, lim); err != nil {
		return nil, err
	}
	if len(body) > 0 && r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		mt, _, err := mime.ParseMediaType(ct)
		if ct != "" && err != nil {
			return nil, &Error{Code: "MalformedQueryString", Status: http.StatusNotFound, Message: "malformed Content-Type"}
		}
		if ct == "" || mt == "application/x-www-form-urlencoded" {
			if err := mergeQuery(m, string(body), lim); err != nil {
				return nil, err
			}
		}
	}
	return &Request{Params: NewParams(m), Body: body}, nil
}

// mergeQuery parses a query/form string into m. It mirrors url.ParseQuery
// but counts parameters before allocating and rejects conflicting repeats.
// The parameter limit applies to m as a whole, so to the query string and
// the body together.
func mergeQuery(m map[string]string, s string, lim Limits) error {
	if s == "" {
		return nil
	}
	tooMany := &Error{Code: "ValidationError", Status: http.StatusBadRequest,
		Message: "Request has more than " + itoa(int64(lim.MaxParams)) + " parameters"}
	if n := strings.Count(s, "&") + 1; n > lim.MaxParams {
		return tooMany
	}
	for part := range strings.SplitSeq(s, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || strings.ContainsRune(key, 0) {
			return &Error{Code: "MalformedQueryString", Status: http.StatusNotFound,
				Message: "Malformed query string: invalid escape in parameter " + quoteShort(k)}
		}
		if key == "" {
			return &Error{Code: "MalformedQueryString", Status: http.StatusNotFound, Message: "Malformed query string: empty parameter name"}
		}
		if len(val) > lim.MaxValueBytes {
			return &Error{Code: "ValidationError", Status: http.StatusBadRequest,
				Message: "Value of parameter " + quoteShort(key) + " is too long"}
		}
		if old, dup := m[key]; dup && old != val {
			return &Error{Code: "MalformedQueryString", Status: http.StatusNotFound,
				Message: "Malformed query string: parameter " + quoteShort(key) + " given twice with different values"}
		}
		m[key] = val
		if len(m) > lim.MaxParams {
			return tooMany
		}
	}
	return nil
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "'" + s + "'"
}
