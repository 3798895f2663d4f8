// Package desync owns HTTP desync mitigation for HTTP listeners: the
// classification of a raw HTTP/1.x request head into Compliant, Acceptable,
// Ambiguous or Severe (with the reason), and the action each
// elb.http.desyncmitigationmode (monitor, defensive, strictest) takes for
// each class.
//
// The classes, reasons and mode table follow Classic ELB, which is built on
// aws/http-desync-guardian (docs/reference: elb-api.md §4.9, anchors.md
// §2.3). The reason names are the ones ELB writes to the classification_reason
// access-log field, plus a few parsing reasons the guardian documents and two
// elbd additions (MixedLineTermination, MultipleHost); see Reason.
//
// The classifier is written by hand and reads the bytes exactly as they
// arrived, because net/http cannot be trusted with this job: by the time a
// handler runs it has deduplicated equal Content-Length fields, joined folded
// lines, dropped the whitespace before a colon and forgotten which lines
// ended in a bare LF, and it rejects other requests with its own 400 before
// anyone can count them. Classify therefore runs on the accepted connection,
// in front of any HTTP parser, and so sits on the hot path: it makes one pass
// over the head, uses lookup tables, and does not allocate.
//
// Limits on the number and size of header lines are not this package's job;
// the caller frames the head (request line through the empty line) under its
// own limits and hands it over whole.
package desync
