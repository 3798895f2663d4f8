package model

import (
	"errors"
	"fmt"
)

// Kind classifies a domain failure independently of any wire protocol.
// The API layer maps each Kind to an AWS error code and HTTP status in one
// table (internal/api/errors.go); nothing below the API layer knows codes.
type Kind int

// The failure kinds. Each names the AWS code it becomes on the wire.
const (
	KindInternal                      Kind = iota // InternalFailure 500
	KindValidation                                // ValidationError 400
	KindLoadBalancerNotFound                      // LoadBalancerNotFound 400
	KindDuplicateLoadBalancerName                 // DuplicateLoadBalancerName 400
	KindTooManyLoadBalancers                      // TooManyLoadBalancers 400
	KindCertificateNotFound                       // CertificateNotFound 400
	KindInvalidConfiguration                      // InvalidConfigurationRequest 409
	KindSubnetNotFound                            // SubnetNotFound 400
	KindInvalidSubnet                             // InvalidSubnet 400
	KindInvalidSecurityGroup                      // InvalidSecurityGroup 400
	KindInvalidScheme                             // InvalidScheme 400
	KindTooManyTags                               // TooManyTags 400
	KindDuplicateTagKeys                          // DuplicateTagKeys 400
	KindUnsupportedProtocol                       // UnsupportedProtocol 400
	KindOperationNotPermitted                     // OperationNotPermitted 400
	KindDuplicateListener                         // DuplicateListener 400
	KindListenerNotFound                          // ListenerNotFound 400
	KindDuplicatePolicyName                       // DuplicatePolicyName 400
	KindTooManyPolicies                           // TooManyPolicies 400
	KindPolicyNotFound                            // PolicyNotFound 400
	KindPolicyTypeNotFound                        // PolicyTypeNotFound 400
	KindInvalidInstance                           // InvalidInstance 400
	KindLoadBalancerAttributeNotFound             // LoadBalancerAttributeNotFound 400
	KindDependencyThrottle                        // DependencyThrottle 400

	// IAM (2010-05-08) kinds.
	KindNoSuchEntity         // NoSuchEntity 404
	KindEntityAlreadyExists  // EntityAlreadyExists 409
	KindMalformedCertificate // MalformedCertificate 400
	KindKeyPairMismatch      // KeyPairMismatch 400
	KindDeleteConflict       // DeleteConflict 409
	KindLimitExceeded        // LimitExceeded 409
	KindInvalidInput         // InvalidInput 400
)

// Error is a domain failure: a Kind plus a message meant for the API caller.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error of the same Kind, so that
// errors.Is(err, &model.Error{Kind: model.KindPolicyNotFound}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, or KindInternal if err carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
