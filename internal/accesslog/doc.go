// Package accesslog owns Classic ELB access logs: the line format, the
// file layout that stands in for the S3 bucket, rotation at the emit
// interval, and getting lines to disk without slowing the request path.
//
// # Why it is written by hand
//
// No logging library writes ELB's format: a fixed sequence of space
// separated fields, two of them quoted, timestamps in UTC with
// microseconds, durations in seconds with six decimals or -1, and "-" for
// anything absent. Nor does one know ELB's object names, which encode the
// account, region, load balancer, end of the emit interval and node
// address. And the request path must not allocate or wait for a disk, which
// rules out log/slog and any encoder built on reflection or fmt.
//
// # Format
//
// AppendEntry appends one line for an Entry:
//
//	timestamp elb client:port backend:port request_processing_time
//	backend_processing_time response_processing_time elb_status_code
//	backend_status_code received_bytes sent_bytes "request" "user_agent"
//	ssl_cipher ssl_protocol
//
// (one line, single spaces, ending in "\n"). For example:
//
//	2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -
//	2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -
//
// Choices where ELB's documentation is silent:
//
//   - Timestamps and durations are truncated, not rounded, to the
//     microsecond.
//   - Addresses are written as the bare address, a colon and the port, also
//     for IPv6 (2001:db8::1:8080, no brackets), keeping ELB's address:port
//     shape; a reader splits at the last colon. IPv4-mapped IPv6 addresses are unmapped and zones
//     dropped. An invalid address (the zero netip.AddrPort) is written "-".
//   - Negative byte counts are written as 0, status codes below 1 as "-".
//   - The request is method, space, scheme "://" host ":" port, the
//     request-target, space, protocol version. The host is the Host header
//     with any port removed; the port is the listener's. A request-target
//     already in absolute-form (it starts with a scheme and "://") is
//     written as received, without scheme, host and port in front. When
//     the method, target or version is missing (the request line could not
//     be parsed) the request is "- - - ", as for TCP.
//   - The user agent is cut to its first 8 KiB (8192 bytes).
//   - Bytes that could break the line apart are written \xHH with two
//     lowercase hex digits: in every field, control characters, DEL, bytes
//     from 0x80 up, the double quote and the backslash; in the unquoted
//     fields also the space. Everything else is written as is, so the
//     escaping never touches ordinary requests, and a backslash in a line
//     is always the start of such an escape.
//
// ParseLine reads a line back into Fields; tests here and in other
// packages use it to check what the data plane logged.
//
// # Files
//
// A Sink writes the lines of one load balancer node, as ELB does, to
//
//	<root>/<bucket>[/<prefix>]/AWSLogs/<account-id>/elasticloadbalancing/<region>/yyyy/mm/dd/
//	    <account-id>_elasticloadbalancing_<region>_<lb-name>_<end-time>_<node-ip>_<random>.log
//
// where end-time (such as 20140215T2340Z) is the end of the emit interval
// in UTC, the date directories are those of the end time, and random is 8
// characters of [0-9a-z]. Intervals of 5 or 60 minutes are aligned to the
// clock. A file is created when the first line of its interval is written,
// so an interval without traffic leaves no file, and closed within
// FlushInterval of the end of its interval. A line belongs to the interval
// in which Log was called, which can be later than the Entry's Time (when
// the request arrived). Files are created with mode 0644 and directories
// with 0755, less the umask. A bucket or prefix that would lead out of the
// root is refused by NewSink.
//
// # Not blocking the request path
//
// Log formats the entry into a pooled buffer and puts it in a bounded
// queue; it does not allocate once the pool is warm. When the queue is
// full the line is dropped and counted (Sink.Dropped); Log never waits.
// The Sink's writer goroutine drains the queue every FlushInterval (1 s),
// or sooner when Log finds it a quarter full, so that queueing a line
// does not cost a goroutine wake-up, and writes the lines in batches:
// each line reaches its file within about FlushInterval, and at once on
// Flush and Close. Errors go to the Config's slog.Logger, at most one per
// interval; the lines of an interval whose file cannot be created or
// written are dropped and counted too.
//
// # Use
//
// The data plane creates one Sink per load balancer node with access logs
// enabled (NewSink), calls Sink.Log once per finished request or
// connection from any goroutine, and calls Sink.Close when the node goes
// away or the settings change. A Sink's settings are fixed: to change the
// bucket, prefix or interval, create a new Sink, switch the request path
// over to it, and then Close the old one, which writes what it still
// holds; lines logged to a closed Sink are dropped. Log on a nil *Sink
// does nothing, so a nil Sink can stand for access logs being disabled.
// Tests call Sink.Flush to get queued lines into their files and read them
// below Sink.Dir with ParseLine.
package accesslog
