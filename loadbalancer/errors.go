package loadbalancer

import "errors"

// Sentinel errors. Driver errors wrap one of these (test with errors.Is)
// and are usually also a *ProviderError carrying the provider's code
// (test with errors.As).
var (
	// ErrNotFound: the balancer, member, listener or policy does not
	// exist.
	ErrNotFound = errors.New("loadbalancer: not found")
	// ErrDuplicate: something with that name or port already exists.
	ErrDuplicate = errors.New("loadbalancer: already exists")
	// ErrInvalidInput: the request is malformed or not valid for the
	// balancer's configuration, including unsupported algorithms and
	// member ports.
	ErrInvalidInput = errors.New("loadbalancer: invalid input")
	// ErrAuth: the credentials were refused.
	ErrAuth = errors.New("loadbalancer: authentication failed")
	// ErrNotSupported: the driver cannot do this.
	ErrNotSupported = errors.New("loadbalancer: not supported by this driver")
	// ErrLimitExceeded: a quota was reached.
	ErrLimitExceeded = errors.New("loadbalancer: limit exceeded")
)

// ProviderError is an error reported by the provider's API.
type ProviderError struct {
	// Op is the operation, e.g. "CreateLoadBalancer".
	Op string
	// Code is the provider's error code, e.g. "LoadBalancerNotFound".
	Code string
	// Message is the provider's message.
	Message string
	// StatusCode is the HTTP status, 0 if unknown.
	StatusCode int
	// Kind is the sentinel this error matches (ErrNotFound, ...), or nil.
	Kind error
}

// Error returns "Op: Code: Message".
func (e *ProviderError) Error() string {
	s := e.Op + ": " + e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap lets errors.Is match the sentinel Kind.
func (e *ProviderError) Unwrap() error { return e.Kind }
