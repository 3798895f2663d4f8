package httpproxy

import "strconv"

// forwardInfo is what the proxy adds to a request: where it came from and
// through which listener.
type forwardInfo struct {
	clientIP  []byte // X-Forwarded-For element: the client IP, IPv6 without brackets
	localHost []byte // Host for HTTP/1.0 requests without one: the listener's IP
	scheme    string // X-Forwarded-Proto
	port      int    // X-Forwarded-Port
}

// appendRequest appends the HTTP/1.1 head sent to the back end for req:
// the request line, the fields worth forwarding in their order, then
// Connection: Upgrade for upgrades, Host for HTTP/1.0 requests without one,
// X-Forwarded-For with the client appended, X-Forwarded-Proto and
// X-Forwarded-Port. See the package documentation for what is removed.
func appendRequest(out []byte, req *request, fi *forwardInfo) []byte {
	out = append(out, req.method...)
	out = append(out, ' ')
	if req.encodeTarget {
		out = appendEncodedTarget(out, req.target)
	} else {
		out = append(out, req.target...)
	}
	out = append(out, " HTTP/1.1\r\n"...)
	clDone := false
	for i := range req.headers {
		h := &req.headers[i]
		switch h.kind {
		case hConnection, hKeepAlive, hProxyConnection, hTE, hTrailer,
			hXForwardedFor, hXForwardedProto, hXForwardedPort:
			continue
		case hUpgrade:
			if !req.upgrade {
				continue
			}
		case hExpect:
			if equalFold(h.value, "100-continue") {
				continue
			}
			if req.connOther && req.namedByConnection(h.name) {
				continue
			}
		case hContentLength:
			// One Content-Length, and none next to Transfer-Encoding.
			if req.hasTE || clDone {
				continue
			}
			clDone = true
		case hHost, hTransferEncoding:
			// Framing and routing fields cannot be removed through
			// Connection.
		default:
			if req.connOther && req.namedByConnection(h.name) {
				continue
			}
		}
		out = appendField(out, h.name, h.value)
	}
	if req.upgrade {
		out = append(out, "Connection: Upgrade\r\n"...)
	}
	if req.hosts == 0 {
		out = append(out, "Host: "...)
		out = append(out, fi.localHost...)
		out = append(out, "\r\n"...)
	}
	out = append(out, "X-Forwarded-For: "...)
	if req.xff > 0 {
		for i := range req.headers {
			if h := &req.headers[i]; h.kind == hXForwardedFor && len(h.value) > 0 {
				out = append(out, h.value...)
				out = append(out, ", "...)
			}
		}
	}
	out = append(out, fi.clientIP...)
	out = append(out, "\r\nX-Forwarded-Proto: "...)
	out = append(out, fi.scheme...)
	out = append(out, "\r\nX-Forwarded-Port: "...)
	out = strconv.AppendInt(out, int64(fi.port), 10)
	out = append(out, "\r\n\r\n"...)
	return out
}

// respHead says how a response head is adapted for the client.
type respHead struct {
	keep    bool // the client connection stays open
	minor   int  // the client's HTTP/1.minor
	dechunk bool // the body is de-chunked (HTTP/1.0 client)
	upgrade bool // a 101 that starts a tunnel
	// extra holds complete field lines the proxy adds (the AWSELB
	// Set-Cookie), each ending with CRLF.
	extra []byte
}

// appendResponse appends the head sent to the client for resp: status line
// in HTTP/1.1, the end-to-end fields, the proxy's own fields (rh.extra),
// and the Connection field the client needs.
func appendResponse(out []byte, resp *response, rh respHead) []byte {
	out = append(out, "HTTP/1.1 "...)
	out = append(out, resp.statusText...)
	out = append(out, "\r\n"...)
	clDone := false
	for i := range resp.headers {
		h := &resp.headers[i]
		switch h.kind {
		case hConnection, hKeepAlive, hProxyConnection, hTE, hTrailer:
			continue
		case hUpgrade:
			if !rh.upgrade {
				continue
			}
		case hContentLength:
			if resp.hasTE || rh.dechunk || clDone {
				continue
			}
			clDone = true
		case hTransferEncoding:
			if rh.dechunk {
				continue
			}
		default:
			if resp.connOther && resp.namedByConnection(h.name) {
				continue
			}
		}
		out = appendField(out, h.name, h.value)
	}
	out = append(out, rh.extra...)
	switch {
	case rh.upgrade:
		out = append(out, "Connection: Upgrade\r\n"...)
	case !rh.keep:
		out = append(out, "Connection: close\r\n"...)
	case rh.minor == 0:
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	return append(out, "\r\n"...)
}

func appendField(out, name, value []byte) []byte {
	out = append(out, name...)
	out = append(out, ':', ' ')
	out = append(out, value...)
	return append(out, '\r', '\n')
}

const upperHex = "0123456789ABCDEF"

// appendEncodedTarget appends t with the bytes a request-target may not
// contain (controls, space, DEL) percent-encoded.
func appendEncodedTarget(out, t []byte) []byte {
	for _, c := range t {
		if c <= ' ' || c == 0x7f {
			out = append(out, '%', upperHex[c>>4], upperHex[c&15])
			continue
		}
		out = append(out, c)
	}
	return out
}
