package sigv4

import (
	"fmt"
	"slices"
	"time"
)

const (
	algorithm = "AWS4-HMAC-SHA256"
	terminal  = "aws4_request"

	// amzDateLayout is the ISO 8601 basic format of X-Amz-Date.
	amzDateLayout = "20060102T150405Z"
	// scopeDateLayout is the date element of the credential scope.
	scopeDateLayout = "20060102"

	// MaxSkew is how far a request's signing time may be from the server's
	// clock, in either direction.
	MaxSkew = 15 * time.Minute
	// MaxPresignExpires is the largest X-Amz-Expires AWS accepts (one week).
	MaxPresignExpires = 7 * 24 * time.Hour
	// DefaultPresignExpires applies to presigned requests that carry no
	// X-Amz-Expires; non-S3 services then honour the normal clock window.
	DefaultPresignExpires = MaxSkew
)

// Auth is what a request claims: parsed from the Authorization header
// ("AWS4-HMAC-SHA256 Credential=AK/20261124/us-east-1/elasticloadbalancing/aws4_request,
// SignedHeaders=a;b, Signature=hex") or from presigned query parameters
// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Security-Token).
type Auth struct {
	AccessKeyID   string
	Date          string        // YYYYMMDD from the credential scope
	Region        string        // region from the credential scope
	Service       string        // service from the credential scope
	SignedHeaders []string      // lower-case, as listed
	Signature     string        // lower-case hex
	Time          time.Time     // from X-Amz-Date header/param (or Date header as fallback), UTC
	Presigned     bool          // credentials came in the query string
	Expires       time.Duration // presigned only
	SecurityToken string        // X-Amz-Security-Token header or query param, if any

	// amzDate is the request date exactly as it enters the string to sign.
	// Empty when the Auth was not built by Parse; Time is formatted instead.
	amzDate string
}

// scope is the credential scope string "date/region/service/aws4_request".
func (a *Auth) scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/" + terminal
}

// requestDate is the X-Amz-Date value the client signed.
func (a *Auth) requestDate() string {
	if a.amzDate != "" {
		return a.amzDate
	}
	return a.Time.UTC().Format(amzDateLayout)
}

// CheckScope verifies that the credential scope names service and, when any
// regions are given, one of them. With no regions every region is accepted,
// since clients sign with whatever region they were configured for.
func (a *Auth) CheckScope(service string, regions ...string) error {
	if a == nil {
		return errMissingAuth()
	}
	if a.Service != service {
		return errMismatch(fmt.Sprintf("Credential should be scoped to correct service: '%s'.", service))
	}
	if len(regions) > 0 && !slices.Contains(regions, a.Region) {
		return errMismatch(fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", a.Region))
	}
	return nil
}

// CheckTime enforces the clock window at now. Header-signed requests must be
// within MaxSkew of now. Presigned requests must not be more than MaxSkew in
// the future and must not be past Time+Expires, with Expires in 1s..7 days.
func (a *Auth) CheckTime(now time.Time) error {
	if a == nil {
		return errMissingAuth()
	}
	now = now.UTC()
	t := a.Time.UTC()
	signed := t.Format(amzDateLayout)

	if a.Presigned && (a.Expires < time.Second || a.Expires > MaxPresignExpires) {
		return errIncomplete(fmt.Sprintf(
			"X-Amz-Expires must be between 1 and %d seconds, got %d.",
			int64(MaxPresignExpires/time.Second), int64(a.Expires/time.Second)))
	}

	if t.Sub(now) > MaxSkew {
		return errExpired(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			signed, now.Add(MaxSkew).Format(amzDateLayout), now.Format(amzDateLayout)))
	}

	if a.Presigned {
		if end := t.Add(a.Expires); now.After(end) {
			return errExpired(fmt.Sprintf(
				"Request has expired. Presigned request signed at %s with X-Amz-Expires=%d expired at %s; it is now %s.",
				signed, int64(a.Expires/time.Second), end.Format(amzDateLayout), now.Format(amzDateLayout)))
		}
		return nil
	}

	if now.Sub(t) > MaxSkew {
		return errExpired(fmt.Sprintf("Request has expired. Signature date %s is earlier than %s (%s - 15 min.)",
			signed, now.Add(-MaxSkew).Format(amzDateLayout), now.Format(amzDateLayout)))
	}
	return nil
}
