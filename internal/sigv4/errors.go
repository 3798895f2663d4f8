package sigv4

import "net/http"

// AWS error codes returned by this package.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeRequestExpired             = "RequestExpired"
)

// msgSignatureMismatch is AWS's wording for a signature that does not verify.
const msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// Error is an authentication failure with the AWS error code and HTTP status
// it maps to. Message is client-facing text in AWS's wording.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string {
	return "sigv4: " + e.Code + ": " + e.Message
}

func errMissingAuth() *Error {
	return &Error{Code: CodeMissingAuthenticationToken, Status: http.StatusForbidden,
		Message: "Request is missing Authentication Token"}
}

func errIncomplete(msg string) *Error {
	return &Error{Code: CodeIncompleteSignature, Status: http.StatusBadRequest, Message: msg}
}

func errMismatch(msg string) *Error {
	return &Error{Code: CodeSignatureDoesNotMatch, Status: http.StatusForbidden, Message: msg}
}

func errExpired(msg string) *Error {
	return &Error{Code: CodeRequestExpired, Status: http.StatusBadRequest, Message: msg}
}
