package desync

import "strconv"

// Class is how dangerous a request head is to forward, from Compliant to
// Severe. The order is meaningful: a higher Class is worse.
type Class int

const (
	// Compliant requests follow RFC 9110/9112 (RFC 7230 in ELB's wording).
	Compliant Class = iota
	// Acceptable requests break the RFC in ways that do not affect where
	// one request ends and the next begins.
	Acceptable
	// Ambiguous requests may be framed or routed differently by another
	// HTTP implementation in the chain.
	Ambiguous
	// Severe requests are malformed or built to confuse parsers: their
	// boundaries cannot be trusted at all.
	Severe
)

var classNames = [...]string{"Compliant", "Acceptable", "Ambiguous", "Severe"}

// String returns the class name as ELB writes it in access logs, e.g.
// "Ambiguous".
func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Reason says why a request was given its Class. Each Reason belongs to
// exactly one Class (Reason.Class). The names are ELB's classification
// reasons (aws/http-desync-guardian docs/README.md) except where marked as
// elbd additions.
type Reason int

const (
	// NoReason is the reason of a Compliant request.
	NoReason Reason = iota

	// Acceptable.

	// NonCompliantHeader: a header other than Content-Length and
	// Transfer-Encoding whose name has a non-token byte (space before the
	// colon, non-ASCII, a control character, a separator) or whose value has
	// a control character; also a Content-Type value continued with obs-fold.
	NonCompliantHeader
	// SpaceInUri: an unencoded space in the request-target.
	SpaceInUri
	// NonCompliantVersion: HTTP/1.2 to HTTP/1.9, HTTP/0.9 (explicit or a
	// request line without a version), or whitespace after the version.
	NonCompliantVersion
	// GetHeadZeroContentLength: GET or HEAD with "Content-Length: 0".
	GetHeadZeroContentLength
	// NonCrLfLineTermination: lines end in a bare LF (every line of the
	// head: a head that mixes CRLF and bare LF is MixedLineTermination).
	NonCrLfLineTermination

	// Ambiguous.

	// EmptyHeader: a header line with an empty name (": x") or a line of
	// whitespace only, which some parsers take for the end of the head.
	EmptyHeader
	// AmbiguousUri: the request-target has a control character other than
	// NUL and CR (HTAB included), or (elbd) is not in one of RFC 9112's four
	// forms, has malformed percent-encoding in its path, or has an authority
	// (absolute-form, CONNECT) that URI parsers would split differently.
	AmbiguousUri
	// UndefinedContentLengthSemantics: GET or HEAD with a non-zero
	// Content-Length, or Content-Length on HTTP/0.9.
	UndefinedContentLengthSemantics
	// UndefinedTransferEncodingSemantics: Transfer-Encoding on GET or HEAD,
	// or on HTTP/1.0 and HTTP/0.9, which do not define it.
	UndefinedTransferEncodingSemantics
	// DuplicateContentLength: more than one Content-Length field, all with
	// the same value.
	DuplicateContentLength
	// BothTeClPresent: both Transfer-Encoding and Content-Length.
	BothTeClPresent
	// SuspiciousHeader: a header name that is not Transfer-Encoding or
	// Content-Length but becomes one under common normalisations: case
	// folding (including "ı" and "ſ", and fullwidth letters), and dropping
	// whitespace, delimiters and control characters ("Transfer-Encoding :",
	// "Transfer_Encoding", "\x01Content-Length", "ContentLength").
	SuspiciousHeader
	// MultilineHeader: an obs-fold continuation line (a line starting with
	// SP or HTAB), except a plain continuation of Content-Type.
	MultilineHeader
	// PartialHeaderLine: the head ends inside a line (no LF).
	PartialHeaderLine
	// MissingLastEmptyLine: every line is terminated but the empty line
	// that ends the head is missing.
	MissingLastEmptyLine
	// MissingHeaderColon: a header line without a colon.
	MissingHeaderColon
	// MissingUri: the request line has no request-target.
	MissingUri
	// MixedLineTermination (elbd): some lines end in CRLF and others in a
	// bare LF, so a hop that only splits on CRLF sees different header lines
	// from one that also splits on LF.
	MixedLineTermination
	// MultipleHost (elbd): more than one Host field. RFC 9112 §3.2 requires a
	// 400; hops that keep the first and hops that keep the last route and
	// cache the request differently.
	MultipleHost

	// Severe.

	// BadHeader: NUL or CR inside a header line (a bare CR is not a line
	// terminator).
	BadHeader
	// BadUri: NUL or CR in the request-target.
	BadUri
	// BadVersion: a version that is not HTTP/d.d with major 1 (or HTTP/0.9):
	// "HTTP/1.10", "http/1.1", "HTTP/2.0", NUL or CR in the version.
	BadVersion
	// MultipleContentLength: Content-Length fields with different values.
	MultipleContentLength
	// BadContentLength: a Content-Length value that is not 1*DIGIT within
	// int64 range: empty, signed, a list ("1000,1000", "1000 1000"),
	// control characters.
	BadContentLength
	// MultipleTransferEncodingChunked: chunked applied more than once.
	MultipleTransferEncodingChunked
	// BadTransferEncoding: a Transfer-Encoding that does not end in exactly
	// one chunked: an unknown or empty coding, parameters, control
	// characters, or chunked not the final coding (RFC 9112 §6.3: the body
	// length cannot be determined).
	BadTransferEncoding
	// BadMethod: an empty method or one with a non-token byte.
	BadMethod

	reasonCount // number of reasons, for tests
)

var reasonInfo = [reasonCount]struct {
	name  string
	class Class
}{
	NoReason:                           {"-", Compliant},
	NonCompliantHeader:                 {"NonCompliantHeader", Acceptable},
	SpaceInUri:                         {"SpaceInUri", Acceptable},
	NonCompliantVersion:                {"NonCompliantVersion", Acceptable},
	GetHeadZeroContentLength:           {"GetHeadZeroContentLength", Acceptable},
	NonCrLfLineTermination:             {"NonCrLfLineTermination", Acceptable},
	EmptyHeader:                        {"EmptyHeader", Ambiguous},
	AmbiguousUri:                       {"AmbiguousUri", Ambiguous},
	UndefinedContentLengthSemantics:    {"UndefinedContentLengthSemantics", Ambiguous},
	UndefinedTransferEncodingSemantics: {"UndefinedTransferEncodingSemantics", Ambiguous},
	DuplicateContentLength:             {"DuplicateContentLength", Ambiguous},
	BothTeClPresent:                    {"BothTeClPresent", Ambiguous},
	SuspiciousHeader:                   {"SuspiciousHeader", Ambiguous},
	MultilineHeader:                    {"MultilineHeader", Ambiguous},
	PartialHeaderLine:                  {"PartialHeaderLine", Ambiguous},
	MissingLastEmptyLine:               {"MissingLastEmptyLine", Ambiguous},
	MissingHeaderColon:                 {"MissingHeaderColon", Ambiguous},
	MissingUri:                         {"MissingUri", Ambiguous},
	MixedLineTermination:               {"MixedLineTermination", Ambiguous},
	MultipleHost:                       {"MultipleHost", Ambiguous},
	BadHeader:                          {"BadHeader", Severe},
	BadUri:                             {"BadUri", Severe},
	BadVersion:                         {"BadVersion", Severe},
	MultipleContentLength:              {"MultipleContentLength", Severe},
	BadContentLength:                   {"BadContentLength", Severe},
	MultipleTransferEncodingChunked:    {"MultipleTransferEncodingChunked", Severe},
	BadTransferEncoding:                {"BadTransferEncoding", Severe},
	BadMethod:                          {"BadMethod", Severe},
}

// String returns the reason as ELB writes it in the classification_reason
// access-log field: the constant's name, or "-" for NoReason.
func (r Reason) String() string {
	if r >= 0 && r < reasonCount {
		return reasonInfo[r].name
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Class returns the class a request with this reason has. An unknown Reason
// is Severe.
func (r Reason) Class() Class {
	if r >= 0 && r < reasonCount {
		return reasonInfo[r].class
	}
	return Severe
}

// Verdict is the result of classifying one request head. Class is the worst
// class found; Reason is the first reason found (in the order Classify scans
// the head) among those of that class. Class always equals Reason.Class().
type Verdict struct {
	Class  Class
	Reason Reason
}

// String returns "Class" for a compliant request and "Class/Reason"
// otherwise, e.g. "Ambiguous/BothTeClPresent".
func (v Verdict) String() string {
	if v.Reason == NoReason {
		return v.Class.String()
	}
	return v.Class.String() + "/" + v.Reason.String()
}
