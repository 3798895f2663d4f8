// Package sigv4 owns server-side verification of AWS Signature Version 4
// (AWS4-HMAC-SHA256) requests: parsing what a request claims (Authorization
// header or presigned query parameters), checking the credential scope and
// clock window, and recomputing the signature from the request as received.
//
// The intended order for a caller is Parse, CheckScope, CheckTime, look up
// the secret for Auth.AccessKeyID (and validate Auth.SecurityToken), then
// Verify. Failures are *Error values that carry the AWS error code and HTTP
// status to send back.
//
// Why this is hand-written rather than built on aws-sdk-go-v2's signer: the
// SDK signer decides for itself which headers to sign (it always skips
// User-Agent, for example, and always adds content-length when it knows the
// length). A verifier has no such freedom: it must canonicalise exactly the
// headers the client listed in SignedHeaders, in the client's form. libcloud,
// for instance, signs user-agent and accept-encoding, so re-signing a
// received request with the SDK signer would produce a different canonical
// request and reject valid clients. The SDK signer is therefore used only in
// this package's tests, to produce genuinely signed requests to verify.
package sigv4
