package api

import (
	"errors"
	"net/http"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/query"
	"github.com/elbd/elbd/internal/sigv4"
)

type wireCode struct {
	code   string
	status int
}

// codes maps each domain error kind to its AWS error code and status.
var codes = map[model.Kind]wireCode{
	model.KindInternal:                      {"InternalFailure", http.StatusInternalServerError},
	model.KindValidation:                    {"ValidationError", http.StatusBadRequest},
	model.KindLoadBalancerNotFound:          {"LoadBalancerNotFound", http.StatusBadRequest},
	model.KindDuplicateLoadBalancerName:     {"DuplicateLoadBalancerName", http.StatusBadRequest},
	model.KindTooManyLoadBalancers:          {"TooManyLoadBalancers", http.StatusBadRequest},
	model.KindCertificateNotFound:           {"CertificateNotFound", http.StatusBadRequest},
	model.KindInvalidConfiguration:          {"InvalidConfigurationRequest", http.StatusConflict},
	model.KindSubnetNotFound:                {"SubnetNotFound", http.StatusBadRequest},
	model.KindInvalidSubnet:                 {"InvalidSubnet", http.StatusBadRequest},
	model.KindInvalidSecurityGroup:          {"InvalidSecurityGroup", http.StatusBadRequest},
	model.KindInvalidScheme:                 {"InvalidScheme", http.StatusBadRequest},
	model.KindTooManyTags:                   {"TooManyTags", http.StatusBadRequest},
	model.KindDuplicateTagKeys:              {"DuplicateTagKeys", http.StatusBadRequest},
	model.KindUnsupportedProtocol:           {"UnsupportedProtocol", http.StatusBadRequest},
	model.KindOperationNotPermitted:         {"OperationNotPermitted", http.StatusBadRequest},
	model.KindDuplicateListener:             {"DuplicateListener", http.StatusBadRequest},
	model.KindListenerNotFound:              {"ListenerNotFound", http.StatusBadRequest},
	model.KindDuplicatePolicyName:           {"DuplicatePolicyName", http.StatusBadRequest},
	model.KindTooManyPolicies:               {"TooManyPolicies", http.StatusBadRequest},
	model.KindPolicyNotFound:                {"PolicyNotFound", http.StatusBadRequest},
	model.KindPolicyTypeNotFound:            {"PolicyTypeNotFound", http.StatusBadRequest},
	model.KindInvalidInstance:               {"InvalidInstance", http.StatusBadRequest},
	model.KindLoadBalancerAttributeNotFound: {"LoadBalancerAttributeNotFound", http.StatusBadRequest},
	model.KindDependencyThrottle:            {"DependencyThrottle", http.StatusBadRequest},
	model.KindNoSuchEntity:                  {"NoSuchEntity", http.StatusNotFound},
	model.KindEntityAlreadyExists:           {"EntityAlreadyExists", http.StatusConflict},
	model.KindMalformedCertificate:          {"MalformedCertificate", http.StatusBadRequest},
	model.KindKeyPairMismatch:               {"KeyPairMismatch", http.StatusBadRequest},
	model.KindDeleteConflict:                {"DeleteConflict", http.StatusConflict},
	model.KindLimitExceeded:                 {"LimitExceeded", http.StatusConflict},
	model.KindInvalidInput:                  {"InvalidInput", http.StatusBadRequest},
}

// toQueryError maps any error to its wire form. Unknown errors become
// InternalFailure without leaking their text.
func toQueryError(err error) *query.Error {
	var qe *query.Error
	if errors.As(err, &qe) {
		return qe
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		return &query.Error{Code: se.Code, Status: se.Status, Message: se.Message}
	}
	var me *model.Error
	if errors.As(err, &me) {
		wc, ok := codes[me.Kind]
		if !ok {
			wc = codes[model.KindInternal]
		}
		return &query.Error{Code: wc.code, Status: wc.status, Message: me.Message}
	}
	return &query.Error{Code: "InternalFailure", Status: http.StatusInternalServerError,
		Message: "The request processing has failed because of an unknown error."}
}

func missing(name string) *query.Error {
	return &query.Error{Code: "MissingParameter", Status: http.StatusBadRequest,
		Message: "The request must contain the parameter " + name}
}
