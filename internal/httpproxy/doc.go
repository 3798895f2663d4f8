// Package httpproxy owns the HTTP/1.x path of HTTP and HTTPS listeners: it
// reads requests from an accepted client connection, classifies and
// rewrites them as Classic ELB does, sends them to a back end chosen by
// least outstanding requests over pooled keep-alive connections, and
// streams the responses back.
//
// # Why it is written by hand
//
// Two reasons rule out net/http's server and httputil.ReverseProxy.
//
// Desync mitigation has to see the request head exactly as it arrived. By
// the time a net/http handler runs, equal duplicate Content-Length fields
// have been merged, obs-fold lines joined, whitespace before colons and bare
// LF line endings forgotten, and some malformed heads have already been
// answered with net/http's own 400. This engine frames each head from the
// raw bytes, hands it to desync.Classify before anything else touches it,
// and only then parses it, in place.
//
// Cost. HAProxy spends 20-25 µs of CPU per proxied keep-alive request on the
// reference machine; net/http's server plus ReverseProxy spends 93-130 µs:
// per request it allocates a Request, a Header map and its strings, a
// response writer, a context, and the transport's per-request state. Here a
// request is parsed as byte slices into a reused header array, the back-end
// head is appended into a reused buffer, I/O goes through buffers that live
// with the connection (client side) or with the pooled back-end connection,
// and nothing on the steady-state keep-alive path allocates (see
// TestKeepAliveAllocs and BenchmarkProxyKeepAliveGET).
//
// # What a request goes through
//
//  1. Framing: bytes up to the first empty line, after skipping empty lines
//     before the request line; at most Options.MaxHeadBytes (else 400). A
//     head that does not arrive in full within the head timeout is answered
//     408; a keep-alive connection idle for Config.IdleTimeout without a
//     byte is closed silently.
//  2. desync.Classify on the raw head, then desync.Decide with
//     Config.DesyncMode: Block answers 400 and closes; AllowThenClose
//     forwards and then closes both the client and the back-end connection.
//  3. Parsing in place (parseRequest). Independently of the mode, the
//     engine refuses what it cannot frame or forward unambiguously: a body
//     length it cannot determine (bad or conflicting Content-Length,
//     Transfer-Encoding without a final chunked), a malformed request line,
//     CONNECT, HTTP/0.9, HTTP/1.1 without Host, more than Options.MaxHeaders
//     header lines: 400; a method longer than 127 bytes: 405. Everything it
//     forwards is re-serialised: CRLF line endings, obs-fold replaced by
//     spaces, header lines without a colon or whose name is not a token
//     dropped, NUL and CR in header values (possible only in monitor mode)
//     replaced by spaces, and bytes that are not allowed in a
//     request-target (space, controls) percent-encoded. With both
//     Transfer-Encoding and Content-Length the Content-Length is dropped and
//     both connections are closed after the response, as RFC 9112 §6.1
//     requires, in every mode; likewise for Transfer-Encoding on HTTP/1.0.
//  4. Rewriting (appendRequest): HTTP/1.1 to the back end;
//     X-Forwarded-For appended (created if absent), X-Forwarded-Proto and
//     X-Forwarded-Port set from the listener, replacing client values;
//     Host: <listener IP> added to HTTP/1.0 requests without one;
//     hop-by-hop headers removed (Connection and the fields it names,
//     Keep-Alive, Proxy-Connection, TE, Trailer, and Upgrade unless the
//     request is an upgrade). Proxy-Authorization is kept: ELB forwards it
//     and the back end is the only party that can check it. Host,
//     Content-Length and Transfer-Encoding cannot be removed through
//     Connection. Expect: 100-continue is answered at once with
//     "100 Continue" and removed, as ELB does.
//  5. Routing: the back end named by a valid AWSELB cookie when sticky
//     sessions are on (see below), else Config.Picker over
//     Config.Candidates(); Acquire before the request is sent, Release when
//     its response is done. Failures are retried as described under
//     "Failures, retries and passive health". Before a reused connection
//     carries a request body, a non-blocking peek checks that the back end
//     has not closed it.
//  6. Bodies are streamed both ways, never buffered whole: fixed-length
//     bodies through a pooled 32 KiB buffer, chunked bodies verbatim with
//     their framing validated as they pass (hex sizes, CRLFs, trailer
//     lines), so a malformed chunked body is cut off, not smuggled. A
//     request body is sent from a second goroutine while the response is
//     read, so back ends that answer while still reading (echo servers,
//     early errors) cannot deadlock the exchange; when the whole body is
//     already buffered it is sent with the head in one write instead.
//  7. Responses: Content-Length, chunked (passed through to HTTP/1.1
//     clients, de-chunked for HTTP/1.0 clients, which are then closed) or
//     read until the back end closes (the client connection is then closed
//     too). HEAD, 1xx, 204 and 304 responses have no body. Interim 100
//     responses are absorbed, other 1xx are forwarded to HTTP/1.1 clients.
//     A back-end connection goes back to its pool only after a complete
//     response without Connection: close whose request body was sent in
//     full. When the response is complete before the request body (an
//     early 413, say), the rest of the body is read and dropped for up to
//     two seconds so that the client connection stays usable; after that
//     it is closed.
//  8. Upgrades: a request with Connection: upgrade and an Upgrade header is
//     forwarded with both; on 101 the connections become a tunnel copying
//     both ways (half-closes propagated) until both directions end, or no
//     byte moved either way for Config.IdleTimeout. The keep-alive loop
//     ends. The back end counts as having one outstanding request for as
//     long as the tunnel lasts. Upgrades are HTTP/1.1 only and carry no
//     request body.
//
// # HTTPS
//
// An HTTPS listener hands ServeConn the *tls.Conn of a client, usually
// after the handshake (if not, the first read does it, under the idle
// timeout). The engine touches the connection only through net.Conn and
// its own buffers, so everything above works unchanged over TLS; the
// cost is crypto/tls's, which allocates one small object per record read
// (TestKeepAliveAllocs pins the budget). What TLS changes:
//
//   - Record.TLSVersion and Record.TLSCipher carry the client's negotiated
//     version and cipher suite, read once per connection, for the access
//     log's ssl_protocol and ssl_cipher. X-Forwarded-Proto is
//     Config.Scheme, "https" on an HTTPS listener.
//   - Config.BackendTLS (an HTTPS instance protocol) makes the handshake
//     part of the connect, within Options.DialTimeout: a key the
//     configuration's VerifyConnection rejects, a back end that does not
//     speak TLS or does not answer is a connect error like a refused
//     connection (ConnectErrors, OnBackendFailure, another instance). TLS
//     connections are pooled and reused like plain ones; the liveness peek
//     looks at the socket beneath.
//   - Endings: close_notify is TLS's way of saying "that was everything",
//     so a connection is closed with it only when it ended properly. A cut
//     (a response the back end broke off, a request body abandoned, a
//     retired back end, a tunnel error) closes the socket beneath without
//     it, which also avoids tls.Conn.Close's wait of up to 5 s to send it
//     to a peer that does not read. A response delimited by the end of the
//     connection is the case where this lets a client tell a truncated
//     body from a whole one. Tunnels pass half-closes on as close_notify
//     followed by a TCP FIN.
//
// Generated responses (400, 405, 408, 502, 503, 504) carry a small HTML
// body (none for HEAD) and Connection: close whenever the client
// connection is closed after them: always for 400, 405 and 408, and for
// 502/503/504 when the request had a body that was not read, the client is
// HTTP/1.0 or asked to close, or the listener is shutting down. A back end
// that refuses the connection gives 502 (504 if the connect times out); an
// unparseable response head gives 502; no response byte within
// Config.IdleTimeout, or a back end that closes the connection before
// answering, gives 504, as ELB documents; no candidate at all gives 503.
// Like package balance, the engine fails open: when candidates exist but
// none is healthy it still forwards. A caller that wants 503 then returns no
// candidates.
//
// # Sticky sessions
//
// With Config.Sticky, a request whose Cookie fields carry an AWSELB cookie
// (package sticky) goes to the back end Sticky.Lookup maps it to, if that
// back end is usable (healthy, not ejected) and below MaxPerBackend, and
// gets no new cookie: ELB does not refresh the cookie's expiry. Lookup is a
// map lookup of the value as it stands in the head, and the cookie is
// added to the response head from a per-connection buffer, so stickiness
// allocates nothing per request (TestStickyAllocs). Otherwise the request
// is routed normally and:
//
//   - duration-based policy: the response sets AWSELB to the Token of the
//     back end that answered, with MAX-AGE=Sticky.Expiration (a session
//     cookie when zero);
//   - application-cookie policy: AWSELB is set only when the back end's
//     response sets the application cookie (Sticky.AppCookie), and then
//     follows that cookie's Max-Age/Expires and Secure/HttpOnly, removal
//     included; and, a choice of this implementation, a request that
//     carried an AWSELB cookie it could not follow gets a session AWSELB
//     for where it went, so that the session re-sticks there (ELB's "stays
//     even if the old instance recovers") instead of wandering until the
//     application next sets its cookie.
//
// A request whose cookie's back end failed to connect, or was retried
// elsewhere, re-sticks to where it went. Two deliberate exceptions keep a
// session where it is: when no candidate is usable (the pickers fail open),
// the cookie is followed anyway; and a request that found its back end at
// MaxPerBackend goes elsewhere without a new cookie, a cap being a
// moment's overload rather than a verdict on the instance. Application
// Set-Cookie fields are passed through untouched; one with a trailing ";"
// is ignored, as ELB ignores it.
//
// # Failures, retries and passive health
//
// A request is sent again only when that cannot run it twice:
//
//   - a refused or failed connect (nothing was sent) is retried once on
//     another candidate, for any method;
//   - a pooled connection that turns out to have been closed by the back
//     end while idle (the write fails, or it ends before the first response
//     byte) is replaced by a new connection to the same back end when the
//     method is idempotent or no body byte has been sent;
//   - a new connection reset or closed before any response byte, for an
//     idempotent method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE: RFC 9110
//     §9.2.2, the set nginx also retries) whose body, if any, was buffered
//     whole and not streamed, is retried once on another candidate. This is
//     what a crashing instance looks like, and it makes killing one of
//     several back ends cost no client request (TestKillBackendUnderLoad).
//     POST and PATCH are not retried even with a buffered body: the dead
//     back end may have acted on them before dying.
//
// Nothing is retried after a response byte arrived, after a streamed body
// started, or on a timeout; at most one other back end is tried per
// request. Record.Retries counts the extra attempts. Config.OnBackendFailure
// hears about the failures that point at the back end: failed connects,
// new connections reset or closed before any response byte, and response
// heads not received within the idle timeout. The data plane ejects the
// back end through balance.Set.TryEject, so the pickers avoid it until an
// active health check readmits it.
//
// # Retired back ends
//
// Every back-end connection is tied to its back end's
// balance.Backend.Retired context with context.AfterFunc when it is
// dialled, so the registration is paid once per connection, not per
// request. When the data plane retires a back end (connection draining
// over, or a deregistration without draining) its idle pooled connections
// are closed and its pool dropped, requests in flight on it are cut (the
// client gets 504, or a truncated response), and tunnels to it end. Such a
// cut is neither reported as a back-end failure nor retried: ELB does not
// complete those requests either. A request that picked the back end from
// candidates loaded just before it was retired goes to another candidate,
// or gets 503.
//
// # Timeouts
//
// Config.IdleTimeout applies to both sides: no byte read or written for
// that long closes the connection (408 if a request head had started, 504
// if a back-end response was awaited). To avoid a deadline system call per
// request, deadlines are extended lazily, only once they have less than
// 15/16 of the timeout left, so an idle connection is closed between
// 15/16 × IdleTimeout and IdleTimeout after its last byte. The whole request
// head must arrive within Options.HeadTimeout of its first byte (default:
// the listener's IdleTimeout, so by default the rule is ELB's "a request not
// received within the idle timeout gets 408"); set it lower to shed
// slow-header clients sooner.
//
// # Lifetime
//
// ServeConn runs on the goroutine that calls it and returns only when the
// client connection is closed and every goroutine it started (request body
// copier, tunnel direction) has returned. Cancelling its context is a
// graceful close: a request in progress completes and its response carries
// Connection: close; an idle connection is closed at once; a tunnel is
// closed at once. Closing the net.Conn from outside forces an immediate
// end. Idle back-end connections are kept per *balance.Backend (so that
// retiring one closes exactly its connections, even when another load
// balancer uses the same address), most recently used first, at most
// Options.MaxIdlePerBackend each, and closed
// after IdleTimeout idle by a timer that runs only while some are idle;
// CloseIdle closes them all. A back end's pool is forgotten when the back
// end is retired, so whoever drops a *balance.Backend for good must retire
// it.
package httpproxy
