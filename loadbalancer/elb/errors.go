package elb

import (
	"errors"
	"fmt"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/elbd/elbd/loadbalancer"
)

// errorRule maps an AWS error code, or a code prefix, to a sentinel.
type errorRule struct {
	code   string
	prefix bool
	kind   error
}

// errorRules is the one table from AWS (ELB, IAM and elbd admin) error
// codes to loadbalancer sentinels. Exact codes are listed before the
// prefix rules that would otherwise catch them; the first match wins.
var errorRules = []errorRule{
	// Not found.
	{code: "LoadBalancerNotFound", kind: loadbalancer.ErrNotFound},
	{code: "ListenerNotFound", kind: loadbalancer.ErrNotFound},
	{code: "PolicyNotFound", kind: loadbalancer.ErrNotFound},
	{code: "PolicyTypeNotFound", kind: loadbalancer.ErrNotFound},
	{code: "LoadBalancerAttributeNotFound", kind: loadbalancer.ErrNotFound},
	{code: "InvalidInstance", kind: loadbalancer.ErrNotFound},
	{code: "NoSuchEntity", kind: loadbalancer.ErrNotFound},
	{code: "CertificateNotFound", kind: loadbalancer.ErrNotFound},
	{code: "SubnetNotFound", kind: loadbalancer.ErrNotFound},
	{code: "NotFound", kind: loadbalancer.ErrNotFound},
	// Already exists.
	{code: "EntityAlreadyExists", kind: loadbalancer.ErrDuplicate},
	{code: "Duplicate", prefix: true, kind: loadbalancer.ErrDuplicate},
	// Authentication and authorisation.
	{code: "InvalidClientTokenId", kind: loadbalancer.ErrAuth},
	{code: "SignatureDoesNotMatch", kind: loadbalancer.ErrAuth},
	{code: "MissingAuthenticationToken", kind: loadbalancer.ErrAuth},
	{code: "IncompleteSignature", kind: loadbalancer.ErrAuth},
	{code: "AccessDenied", kind: loadbalancer.ErrAuth},
	{code: "AccessDeniedException", kind: loadbalancer.ErrAuth},
	{code: "NotAuthorized", kind: loadbalancer.ErrAuth},
	{code: "RequestExpired", kind: loadbalancer.ErrAuth},
	{code: "ExpiredToken", kind: loadbalancer.ErrAuth},
	// Limits.
	{code: "LimitExceeded", kind: loadbalancer.ErrLimitExceeded},
	{code: "TooMany", prefix: true, kind: loadbalancer.ErrLimitExceeded},
	// Invalid input.
	{code: "ValidationError", kind: loadbalancer.ErrInvalidInput},
	{code: "InvalidConfigurationRequest", kind: loadbalancer.ErrInvalidInput},
	{code: "UnsupportedProtocol", kind: loadbalancer.ErrInvalidInput},
	{code: "MalformedCertificate", kind: loadbalancer.ErrInvalidInput},
	{code: "KeyPairMismatch", kind: loadbalancer.ErrInvalidInput},
	{code: "DeleteConflict", kind: loadbalancer.ErrInvalidInput},
	{code: "OperationNotPermitted", kind: loadbalancer.ErrInvalidInput},
	{code: "MissingParameter", kind: loadbalancer.ErrInvalidInput},
	{code: "MissingAction", kind: loadbalancer.ErrInvalidInput},
	{code: "MalformedQueryString", kind: loadbalancer.ErrInvalidInput},
	{code: "MethodNotAllowed", kind: loadbalancer.ErrInvalidInput},
	{code: "Invalid", prefix: true, kind: loadbalancer.ErrInvalidInput},
}

// ErrorKind returns the loadbalancer sentinel an AWS error code maps to
// (loadbalancer.ErrNotFound, ErrDuplicate, ErrInvalidInput, ErrAuth or
// ErrLimitExceeded), or nil for codes with no kind such as
// InternalFailure or Throttling.
func ErrorKind(code string) error {
	for _, r := range errorRules {
		if code == r.code || r.prefix && strings.HasPrefix(code, r.code) {
			return r.kind
		}
	}
	return nil
}

// wrapErr turns an SDK error from operation op into a
// *loadbalancer.ProviderError; other errors (network, context) are
// returned unchanged.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	pe := &loadbalancer.ProviderError{Op: op, Code: ae.ErrorCode(), Message: ae.ErrorMessage(), Kind: ErrorKind(ae.ErrorCode())}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		pe.StatusCode = re.HTTPStatusCode()
	}
	return pe
}

// invalid returns a client-side validation error, detected before any
// request is sent, matching loadbalancer.ErrInvalidInput.
func invalid(op, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", op, fmt.Sprintf(format, args...), loadbalancer.ErrInvalidInput)
}

// unsupported returns an error matching loadbalancer.ErrNotSupported.
func unsupported(op, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", op, fmt.Sprintf(format, args...), loadbalancer.ErrNotSupported)
}
