// Package tcpproxy is the data path of TCP and SSL listeners: it takes one
// accepted client connection, connects it to a backend, and moves bytes
// both ways until the connection ends. [Proxy] (and [ProxyConn] for a
// client that is not a bare *net.TCPConn, such as an SSL listener's
// *tls.Conn) owns everything about that one connection: backend choice
// (round robin over the candidates the listener gives it, one retry on
// another backend when a dial fails), the backend's outstanding count, the
// optional PROXY protocol v1 line, TLS towards the backend, half-close,
// the idle timeout, closing both sockets, and cutting the connection when
// its backend is retired. It does not accept connections, enforce security
// groups, choose candidates, or build TLS configurations; the listener
// does.
//
// # Splice: no wrappers on the copy path
//
// Each direction is copied with (*net.TCPConn).ReadFrom on the two bare
// *net.TCPConns. On Linux that reaches net/splice_linux.go, which moves
// the bytes socket → pipe → socket with splice(2) and never copies them
// into the process, as HAProxy does with "option splice-auto". Anything
// that hides the concrete type (a byte-counting or deadline-refreshing
// io.Reader, bufio, TLS) makes the standard library fall back to a 32 KiB
// user-space copy, two more copies per byte and more CPU (see
// BenchmarkTCPProxyThroughput). So the package counts bytes from
// ReadFrom's result, learns about activity from the kernel rather than
// from the copy, and signals half-close with CloseWrite.
//
// A plain io.Copy between the sockets would block inside splice while the
// connection is quiet, holding one of the standard library's pipes per
// direction: four more descriptors per established connection, and pipe
// buffers counted against the user's fs.pipe-user-pages-soft, beyond which
// the kernel gives new pipes 8 KiB instead of 1 MiB. Instead each
// direction waits for its source to be readable through
// syscall.RawConn.Read, without a pipe, asks the kernel how many bytes are
// queued (ioctl TIOCINQ), and splices exactly that many with ReadFrom and
// an *io.LimitedReader, which still splices and returns without blocking
// on the source again. A quiet connection thus holds its two sockets only;
// a busy one borrows a pipe per direction while bytes move. (A process
// without CAP_SYS_RESOURCE that moves data on more than about 32
// connections at once still exceeds the default soft limit of 16384 pages;
// raise it for heavy TCP traffic.)
//
// # Idle timeout
//
// ELB closes a connection when no data has been sent or received on it,
// in either direction, for IdleTimeout; TCP keep-alives do not count. A
// connection with bytes flowing only one way is not idle.
//
// Splice gives the process no byte-by-byte view of activity, and refreshing
// read deadlines around bounded chunks (io.CopyN, which still splices)
// only approximates it: a chunk that ends on its deadline does not say when
// its last byte moved, so the connection would be closed between one and
// two timeouts after it went quiet, and a direction blocked writing to a
// peer that reads slowly looks the same as one whose peer reads nothing.
// Instead each connection has one watchdog timer (time.AfterFunc; no
// goroutine while it waits). When it fires, it reads struct tcp_info for
// both sockets (getsockopt TCP_INFO: tcpi_last_data_recv and
// tcpi_last_data_sent, which the kernel updates for every data segment and
// not for keep-alive probes or bare ACKs), takes the most recent activity
// on either socket in either direction, and closes the connection if that
// is IdleTimeout old; otherwise it re-arms for the moment it would be. A
// busy connection thus costs two getsockopt calls per IdleTimeout, and an
// idle one is closed within a few milliseconds (the kernel's jiffy) of
// IdleTimeout after its last data segment. A peer that stops reading is
// idle once the kernel stops sending to it (zero window probes carry no
// data); a peer that reads slowly is not.
//
// Where the kernel cannot be asked (platforms other than Linux, which have
// no splice anyway, and linux/386), the directions are copied in user space
// with a loop that records the time of every completed read and write in
// an atomic the watchdog reads instead. That view is coarser: a write
// blocked on a peer that reads slowly shows no progress until the kernel
// has drained half the send buffer, so such a peer is closed as idle if it
// takes longer than the idle timeout to do so. The tests run both
// variants.
//
// # Half-close, errors and cancellation
//
// When one side ends its stream (a read returns EOF), the proxy passes the
// FIN on with CloseWrite on the other socket and keeps copying the other
// direction until it ends too, or the connection goes idle. A read, write
// or CloseWrite error on either side (a reset, for instance) resets both
// sockets, as does cancelling the context passed to Proxy; an idle
// timeout closes both normally. Proxy returns only after both directions
// have ended, both sockets are closed and the backend is released.
//
// # TLS: SSL listeners and SSL instance ports
//
// Encrypted bytes have to pass through the process to be decrypted and
// encrypted again, so splice is out of the question: a connection with a
// TLS side copies both directions in user space, through 32 KiB buffers
// from a pool (nothing per connection beyond what crypto/tls allocates
// itself). The idle watchdog still asks the kernel about the TCP sockets
// beneath, where TLS records are data segments like any others, so a
// slow reader is still told from an idle one.
//
// The data plane completes the client's handshake (or leaves it to
// ProxyConn, bounded by the idle timeout) and reports the negotiated
// version and cipher suite through Stats, read once, for the access log.
// Towards the backend, Config.BackendTLS makes the handshake part of the
// connect attempt, within DialTimeout: a backend that presents a key the
// configuration's VerifyConnection rejects, does not speak TLS, or does
// not answer fails like one that refuses the connection, is reported, and
// the next candidate is tried. The PROXY line goes first, in the clear, as
// HAProxy's send-proxy does over SSL and as servers that accept both
// expect.
//
// An end of stream crosses TLS both ways: a close_notify alert or a FIN at
// a record boundary ends a direction, and is passed on as a close_notify
// followed by a FIN, which both TLS and plain TCP peers understand. A cut
// (a reset, a cancelled context, a retired backend) closes the socket
// beneath a TLS connection with SO_LINGER 0 and no close_notify: the alert
// would tell the peer that the stream ended cleanly, and tls.Conn.Close may
// block for up to 5 s to send it to a peer that does not read.
//
// # Failed backends and retirement
//
// A connect attempt that fails (the TCP connect, the PROXY line's write,
// or the TLS handshake) is reported to Config.OnBackendFailure (the data
// plane feeds it to passive health, balance.Set.TryEject) and retried
// once on another candidate: no byte has been read from the client yet, so
// the client cannot tell. Failures after the connection is established are
// neither retried nor reported: a TCP stream cannot be replayed.
//
// Each connection is tied to its backend's balance.Backend.Retired
// context with context.AfterFunc (one registration per connection, none
// per byte): retiring the backend, which the data plane does when a
// connection-draining period ends, or at once when draining is disabled,
// resets both sockets, with ErrBackendRetired as Stats.Err. Until then a
// deregistered backend's connections run on; new connections do not reach
// it because it is no longer among the candidates (a retired backend
// picked from candidates loaded just before is skipped like a failed dial,
// without counting as one).
package tcpproxy
