// Package query owns the AWS Query protocol on the wire: decoding a request's
// parameters from the URL query string and a form body (with the protocol's
// list and structure flattening), and encoding XML success and error
// envelopes. It knows nothing about ELB or IAM semantics.
//
// It is written by hand because the AWS SDKs only implement the client half
// of this protocol; the server half is small and its edge cases (empty lists
// sent as "Name=", sparse member indexes, merged query and body) are
// protocol facts that a generic form decoder does not model.
package query
