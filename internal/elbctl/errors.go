package elbctl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer"
)

// Exit codes, documented in the root command's help.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitNotFound    = 3
	ExitInvalid     = 4
	ExitAuth        = 5
	ExitUnreachable = 6
)

// usageError is a malformed command line: exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErr marks err as a usage error; nil stays nil.
func usageErr(err error) error {
	if err == nil {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	return &usageError{err}
}

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// unreachableError is a failure to connect to the endpoint: exit code 6.
type unreachableError struct {
	endpoint string
	err      error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v", e.endpoint, rootCause(e.err))
}
func (e *unreachableError) Unwrap() error { return e.err }

// credentialsError means no usable credentials were found: exit code 5.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

// hints tell the user what to do about an AWS error code. %[1]s is the
// endpoint.
var hints = map[string]string{
	"LoadBalancerNotFound":          "run 'elbctl balancers list' to see existing load balancers",
	"AccessPointNotFound":           "run 'elbctl balancers list' to see existing load balancers",
	"DuplicateLoadBalancerName":     "choose another name, or run 'elbctl balancers get NAME' to see the existing one",
	"DuplicateAccessPointName":      "choose another name, or run 'elbctl balancers get NAME' to see the existing one",
	"TooManyLoadBalancers":          "delete an unused load balancer, or run 'elbctl limits' to see the quota",
	"TooManyAccessPoints":           "delete an unused load balancer, or run 'elbctl limits' to see the quota",
	"TooManyPolicies":               "delete an unused policy, or run 'elbctl limits' to see the quota",
	"TooManyTags":                   "remove a tag first; a load balancer has at most 10 tags",
	"DuplicateTagKeys":              "give each tag key only once",
	"ListenerNotFound":              "run 'elbctl balancers get BALANCER' to see its listeners",
	"DuplicateListener":             "delete the existing listener on that port first with 'elbctl listeners delete'",
	"PolicyNotFound":                "run 'elbctl policies list BALANCER' to see its policies",
	"DuplicatePolicyName":           "choose another policy name, or delete the existing one with 'elbctl policies delete'",
	"PolicyTypeNotFound":            "run 'elbctl policies types' to see the policy types",
	"InvalidInstance":               "run 'elbctl inventory list' to see the instances elbd knows",
	"InvalidEndPoint":               "run 'elbctl inventory list' to see the instances elbd knows",
	"CertificateNotFound":           "run 'elbctl certificates list' to see uploaded certificates and their ARNs",
	"NoSuchEntity":                  "run 'elbctl certificates list' to see uploaded certificates",
	"EntityAlreadyExists":           "choose another certificate name, or delete the existing one with 'elbctl certificates delete'",
	"MalformedCertificate":          "check that --body, --key and --chain are PEM files",
	"KeyPairMismatch":               "check that --key is the private key of the certificate in --body",
	"DeleteConflict":                "detach the certificate from every listener before deleting it",
	"SubnetNotFound":                "check the subnet ids; elbd's subnets are listed in its configuration file",
	"InvalidSubnet":                 "check the subnet ids; elbd's subnets are listed in its configuration file",
	"InvalidSecurityGroup":          "check the security group ids; elbd's groups are listed in its configuration file",
	"InvalidConfigurationRequest":   "run 'elbctl balancers get BALANCER' to check its current configuration",
	"UnsupportedProtocol":           "run 'elbctl protocols' to see the supported protocols",
	"ValidationError":               "check the arguments; run the command with --help for their format",
	"InvalidParameterValue":         "check the arguments; run the command with --help for their format",
	"InvalidParameterCombination":   "check the arguments; run the command with --help for their format",
	"MissingParameter":              "check the arguments; run the command with --help for their format",
	"InvalidInput":                  "check the arguments; run the command with --help for their format",
	"LimitExceeded":                 "delete something unused, or run 'elbctl limits' to see the quotas",
	"LoadBalancerAttributeNotFound": "run 'elbctl attributes get BALANCER' to see the supported attributes",
	"OperationNotPermitted":         "run 'elbctl balancers get BALANCER' to check its current configuration",
	"SignatureDoesNotMatch":         "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the --profile credentials) and --region",
	"InvalidClientTokenId":          "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the --profile credentials)",
	"IncompleteSignature":           "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the --profile credentials)",
	"MissingAuthenticationToken":    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose a profile with --profile",
	"ExpiredToken":                  "refresh the session credentials (AWS_SESSION_TOKEN) and try again",
	"RequestExpired":                "check the system clock; the request signature is too old",
	"AccessDenied":                  "use credentials that are allowed to do this (the admin API needs elbd's administrator key)",
	"UnauthorizedOperation":         "use credentials that are allowed to do this",
	"Throttling":                    "wait a moment and try again",
	"DependencyThrottle":            "wait a moment and try again",
	"InternalFailure":               "retry; if it keeps failing, check elbd's log",
	"ServiceUnavailable":            "retry; if it keeps failing, check elbd's log",
}

// codeExits classifies AWS codes whose error does not carry a
// loadbalancer sentinel.
var codeExits = map[string]int{
	"LoadBalancerNotFound":        ExitNotFound,
	"AccessPointNotFound":         ExitNotFound,
	"ListenerNotFound":            ExitNotFound,
	"PolicyNotFound":              ExitNotFound,
	"PolicyTypeNotFound":          ExitNotFound,
	"CertificateNotFound":         ExitNotFound,
	"NoSuchEntity":                ExitNotFound,
	"SubnetNotFound":              ExitNotFound,
	"NotFound":                    ExitNotFound,
	"SignatureDoesNotMatch":       ExitAuth,
	"InvalidClientTokenId":        ExitAuth,
	"IncompleteSignature":         ExitAuth,
	"MissingAuthenticationToken":  ExitAuth,
	"ExpiredToken":                ExitAuth,
	"RequestExpired":              ExitAuth,
	"AccessDenied":                ExitAuth,
	"UnauthorizedOperation":       ExitAuth,
	"InvalidAccessKeyId":          ExitAuth,
	"ValidationError":             ExitInvalid,
	"InvalidParameterValue":       ExitInvalid,
	"InvalidParameterCombination": ExitInvalid,
	"MissingParameter":            ExitInvalid,
	"InvalidInput":                ExitInvalid,
	"InvalidConfigurationRequest": ExitInvalid,
	"LimitExceeded":               ExitInvalid,
	"EntityAlreadyExists":         ExitInvalid,
	"DeleteConflict":              ExitInvalid,
	"MalformedCertificate":        ExitInvalid,
	"KeyPairMismatch":             ExitInvalid,
}

// exitCode classifies err.
func exitCode(err error) int {
	var ue *usageError
	var ure *unreachableError
	var ce *credentialsError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &ure):
		return ExitUnreachable
	case errors.As(err, &ce), errors.Is(err, loadbalancer.ErrAuth):
		return ExitAuth
	case errors.Is(err, loadbalancer.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, loadbalancer.ErrInvalidInput), errors.Is(err, loadbalancer.ErrDuplicate),
		errors.Is(err, loadbalancer.ErrLimitExceeded):
		return ExitInvalid
	}
	if pe := providerError(err); pe != nil {
		if c, ok := codeExits[pe.Code]; ok {
			return c
		}
		if strings.HasSuffix(pe.Code, "NotFound") {
			return ExitNotFound
		}
		if strings.HasPrefix(pe.Code, "Duplicate") || strings.HasPrefix(pe.Code, "TooMany") || strings.HasPrefix(pe.Code, "Invalid") {
			return ExitInvalid
		}
	}
	if isUnreachable(err) {
		return ExitUnreachable
	}
	return ExitFailure
}

func providerError(err error) *loadbalancer.ProviderError {
	var pe *loadbalancer.ProviderError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// isUnreachable reports whether err is a failure to connect (refused,
// unknown host, no route, timeout while dialling) rather than an answer
// from the endpoint.
func isUnreachable(err error) bool {
	if providerError(err) != nil {
		return false
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return true
	case errors.As(err, &dnsErr):
		return true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return true
	}
	var urlErr *url.Error
	return errors.As(err, &urlErr) && errors.Is(err, context.DeadlineExceeded)
}

// rootCause strips wrapping layers to the innermost message worth showing.
func rootCause(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr
	}
	return err
}

// report prints err as "elbctl: CODE: message" and a hint line to stderr
// and returns its exit code.
func (a *app) report(cmd *cobra.Command, err error) int {
	code := exitCode(err)
	if code == ExitUnreachable {
		var ure *unreachableError
		if !errors.As(err, &ure) {
			err = &unreachableError{endpoint: a.endpointOrDefault(), err: err}
		}
	}
	msg, hint := a.describe(cmd, err, code)
	fmt.Fprintf(a.stderr, "elbctl: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(a.stderr, "%s\n", hint)
	}
	return code
}

// describe returns the error line (without the "elbctl: " prefix) and the
// hint for err.
func (a *app) describe(cmd *cobra.Command, err error, code int) (msg, hint string) {
	if pe := providerError(err); pe != nil {
		msg = pe.Code
		if pe.Message != "" {
			msg += ": " + pe.Message
		}
		hint = hints[pe.Code]
		if hint == "" {
			hint = kindHint(code)
		}
		return msg, hint
	}
	switch code {
	case ExitUsage:
		path := "elbctl"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		return err.Error(), fmt.Sprintf("run '%s --help' for usage", path)
	case ExitUnreachable:
		return err.Error(), fmt.Sprintf("is elbd running at %s? set --endpoint-url or ELBD_ENDPOINT to use another endpoint", a.endpointOrDefault())
	case ExitAuth:
		return err.Error(), "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose a profile with --profile"
	}
	return err.Error(), kindHint(code)
}

// kindHint is the fallback advice for an exit class.
func kindHint(code int) string {
	switch code {
	case ExitNotFound:
		return "check the name or id; the list commands show what exists"
	case ExitInvalid:
		return "check the arguments; run the command with --help for their format"
	case ExitAuth:
		return "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the --profile credentials)"
	}
	return ""
}

func (a *app) endpointOrDefault() string {
	if a.opts.endpoint != "" {
		return a.opts.endpoint
	}
	return DefaultEndpoint
}
