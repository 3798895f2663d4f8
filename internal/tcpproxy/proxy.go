package tcpproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/proxyproto"
)

// Defaults for the zero values of Config's timeouts.
const (
	// DefaultIdleTimeout is ELB's default ConnectionSettings.IdleTimeout.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultDialTimeout bounds each attempt to connect to a backend.
	DefaultDialTimeout = 10 * time.Second
)

var (
	// ErrNoBackend is the Stats.Err of a connection refused because
	// Config.Candidates returned no backend.
	ErrNoBackend = errors.New("tcpproxy: no backend to send the connection to")
	// ErrIdleTimeout is the Stats.Err of a connection closed because no data
	// was sent or received on it for the idle timeout.
	ErrIdleTimeout = errors.New("tcpproxy: idle timeout")
	// ErrBackendRetired is the Stats.Err of a connection reset because its
	// backend was retired (balance.Backend.Retire: the end of connection
	// draining, or a deregistration without it).
	ErrBackendRetired = errors.New("tcpproxy: backend retired")
	// ErrClientHandshake wraps the Stats.Err of a connection whose
	// client-side TLS handshake, left to ProxyConn, failed: no backend was
	// picked. (Scanners and clients with no cipher in common end this way;
	// access logs may want to skip them.)
	ErrClientHandshake = errors.New("tcpproxy: client TLS handshake failed")
)

// Config is what Proxy needs to know about the listener a connection came
// in on. One Config is shared by all the listener's connections and must
// not change while any of them uses it; to reconfigure, build a new Config
// for new connections.
type Config struct {
	// Candidates returns the backends this connection may use: the
	// healthy instances of the node's zone, or of all enabled zones with
	// cross-zone load balancing. It is called once per connection; nil, or
	// an empty result, refuses the connection.
	Candidates func() []*balance.Backend
	// Picker rotates over the candidates. Share one per listener and node
	// address so that its connections take turns. Nil uses a package-wide
	// RoundRobin.
	Picker *balance.RoundRobin
	// ProxyProtocol sends a PROXY protocol v1 line to the backend before
	// any of the client's bytes: set when a ProxyProtocolPolicyType policy
	// is attached to the instance port.
	ProxyProtocol bool
	// IdleTimeout closes a connection on which no data has been sent or
	// received, in either direction, for this long (ELB's
	// ConnectionSettings.IdleTimeout, 1–4000 s). Zero means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// DialTimeout bounds each attempt to connect to a backend: the TCP
	// connect, the PROXY line and, with BackendTLS, the TLS handshake.
	// Zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// BackendTLS, when set, makes the connection to the instance a TLS
	// client connection with this configuration (an SSL instance
	// protocol). A failed handshake counts as a failed connect: it is
	// reported to OnBackendFailure and another candidate is tried. The
	// configuration is used as it is for every backend, not cloned: the
	// data plane pins instance keys with InsecureSkipVerify and
	// VerifyConnection, which need no server name. Only a configuration
	// that verifies certificates the standard way and names no server is
	// cloned per connection, with ServerName set to the backend's IP
	// address, as tls.Dial would. With a ClientSessionCache and no
	// ServerName, sessions are cached per backend address.
	BackendTLS *tls.Config
	// Logger receives refused connections and failed dials (Warn) and the
	// end of every connection (Debug). Nil means slog.Default().
	Logger *slog.Logger
	// OnDone, if set, is called once per connection, after both of its
	// sockets are closed and the backend released, with what happened to
	// it, for access logs and metrics. It runs on the connection's
	// goroutine and should return quickly.
	OnDone func(Stats)
	// OnBackendFailure, if set, is called when connecting to a backend
	// fails (refused, unreachable, timed out), but not when the attempt
	// was cut short by ctx. It runs on the connection's goroutine, on many
	// at once, and should return quickly; the data plane passes the
	// failure to balance.Set.TryEject.
	OnBackendFailure func(b *balance.Backend, err error)
}

// Stats describes one proxied connection once it has ended.
type Stats struct {
	// Client is the client's address (IPv4-mapped addresses unmapped).
	Client netip.AddrPort
	// Backend and BackendID are the backend the connection went to, or the
	// last one tried if no connection could be made; zero if none was
	// picked.
	Backend   netip.AddrPort
	BackendID string
	// Start is when Proxy was called, shortly after the accept.
	Start time.Time
	// ConnectTime is from Start until the backend connection was
	// established (with BackendTLS, its handshake done), failed attempts
	// and a client handshake left to ProxyConn included (ELB's
	// backend_processing_time for TCP listeners); zero if none was.
	ConnectTime time.Duration
	// ConnectErrors counts the failed attempts to connect to a backend
	// (ELB's BackendConnectionErrors); attempts cut short by ctx are not
	// counted.
	ConnectErrors int
	// BytesIn counts the bytes received from the client and sent to the
	// backend, BytesOut those received from the backend and sent to the
	// client: payload bytes, without TLS framing, handshakes or the PROXY
	// protocol line.
	BytesIn, BytesOut int64
	// TLSVersion and TLSCipher are the client connection's negotiated
	// TLS version and cipher suite (tls.VersionTLS12,
	// tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ...) when it is a
	// *tls.Conn whose handshake completed, for access logs' ssl_protocol
	// and ssl_cipher; zero otherwise.
	TLSVersion, TLSCipher uint16
	// Err is why the connection ended: nil when both sides closed their
	// half normally; ErrNoBackend; a dial error; ErrIdleTimeout; the
	// context's cause when ctx was cancelled; or the first read, write or
	// shutdown error on either socket (a reset, for instance).
	Err error
}

// defaultPicker rotates for Configs without a Picker.
var defaultPicker balance.RoundRobin

// Test hooks: forceTrackedCopy makes new connections use the tracked
// user-space copy even where the kernel can report activity, so that tests
// cover both paths; testHookPipe sees each connection's pipe before it runs.
var (
	forceTrackedCopy = false
	testHookPipe     func(*pipe)
)

// Proxy forwards client to a backend chosen by cfg until both directions
// have ended, the connection has been idle for the idle timeout, either
// side fails, or ctx is cancelled. It owns client and closes it, and it
// returns only once both of the connection's sockets are closed and the
// goroutine it starts has exited. ctx cancellation (a listener removed, or
// the end of its draining period) resets both sockets.
//
// Proxy picks a backend from cfg.Candidates (none: the client is closed at
// once), holds it with Acquire until the connection ends, and dials it;
// if that fails it tries one other candidate before closing the client.
// Retiring the backend (balance.Backend.Retire) resets both sockets.
// Then it writes the PROXY v1 line if configured and copies in both
// directions on the bare sockets, so that Linux moves the bytes with
// splice(2). See the package documentation.
func Proxy(ctx context.Context, client *net.TCPConn, cfg *Config) {
	ProxyConn(ctx, client, cfg)
}

// ProxyConn is Proxy for any client connection, in particular the
// *tls.Conn of an SSL listener (the client's bytes are then the decrypted
// stream). A *net.TCPConn is proxied exactly as by Proxy. For a *tls.Conn
// whose handshake has not been done yet, ProxyConn does it first, within
// the idle timeout; if it fails the connection ends with an error wrapping
// ErrClientHandshake before any backend is picked. The PROXY line names
// client.RemoteAddr and client.LocalAddr, which for a *tls.Conn are those
// of the TCP connection beneath.
//
// When either side is TLS (a TLS client, or cfg.BackendTLS) the bytes are
// copied in user space through pooled buffers; everything else (idle
// timeout, half-close, retirement, failover, Stats) behaves as with Proxy.
func ProxyConn(ctx context.Context, client net.Conn, cfg *Config) {
	st := Stats{Start: time.Now(), Client: addrPort(client.RemoteAddr())}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	ce := newEnd(client)
	if ce.tls != nil {
		if err := handshakeClient(ctx, ce.tls, cfg, &st); err != nil {
			// Not a reset: it would discard the alert that tells the
			// client why.
			ce.close(false)
			st.Err = fmt.Errorf("%w: %w", ErrClientHandshake, err)
			finish(ctx, cfg, log, &st)
			return
		}
	}
	be, b, err := connect(ctx, cfg, log, &st, addrPort(client.LocalAddr()))
	if err != nil {
		ce.close(false)
		st.Err = err
		finish(ctx, cfg, log, &st)
		return
	}
	p := newPipe(ce, be, cfg.IdleTimeout)
	if testHookPipe != nil {
		testHookPipe(p)
	}
	p.run(ctx, b.Retired())
	b.Release()
	st.BytesIn, st.BytesOut, st.Err = p.in, p.out, p.cause
	finish(ctx, cfg, log, &st)
}

// handshakeClient completes c's server-side handshake if the caller has not
// (bounded by the idle timeout and ctx) and records the negotiated version
// and cipher suite in st.
func handshakeClient(ctx context.Context, c *tls.Conn, cfg *Config, st *Stats) error {
	cs := c.ConnectionState()
	if !cs.HandshakeComplete {
		idle := cfg.IdleTimeout
		if idle <= 0 {
			idle = DefaultIdleTimeout
		}
		c.SetDeadline(st.Start.Add(idle))
		err := c.HandshakeContext(ctx)
		c.SetDeadline(time.Time{})
		if err != nil {
			return err
		}
		cs = c.ConnectionState()
	}
	st.TLSVersion, st.TLSCipher = cs.Version, cs.CipherSuite
	return nil
}

// connect picks a backend and connects to it (TCP connect, PROXY line,
// TLS handshake), trying one other backend if the first attempt fails. On
// success the backend is returned Acquired. proxyAddr is the address the
// client connected to, for the PROXY line.
func connect(ctx context.Context, cfg *Config, log *slog.Logger, st *Stats, proxyAddr netip.AddrPort) (end, *balance.Backend, error) {
	var cands []*balance.Backend
	if cfg.Candidates != nil {
		cands = cfg.Candidates()
	}
	picker := cfg.Picker
	if picker == nil {
		picker = &defaultPicker
	}
	b := picker.Pick(cands)
	if b == nil {
		if log.Enabled(ctx, slog.LevelWarn) {
			log.LogAttrs(ctx, slog.LevelWarn, "tcpproxy: no backend, closing the connection",
				slog.String("client", st.Client.String()))
		}
		return end{}, nil, ErrNoBackend
	}
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	for attempt := 1; ; attempt++ {
		st.Backend, st.BackendID = b.Addr, b.ID
		var err error
		if retired(b) {
			// Picked from candidates loaded just before it was
			// retired: not a connect error, but go elsewhere.
			err = ErrBackendRetired
		} else {
			b.Acquire()
			var e end
			e, err = dial(ctx, cfg, b, time.Now().Add(timeout), st.Client, proxyAddr)
			if err == nil {
				st.ConnectTime = time.Since(st.Start)
				return e, b, nil
			}
			b.Release()
			if ctx.Err() == nil {
				st.ConnectErrors++
				if cfg.OnBackendFailure != nil {
					cfg.OnBackendFailure(b, err)
				}
			}
		}
		if log.Enabled(ctx, slog.LevelWarn) {
			log.LogAttrs(ctx, slog.LevelWarn, "tcpproxy: cannot connect to backend",
				slog.String("client", st.Client.String()),
				slog.String("backend", b.ID), slog.String("addr", b.Addr.String()),
				slog.Int("attempt", attempt), slog.Any("err", err))
		}
		if attempt == 2 || ctx.Err() != nil {
			return end{}, nil, err
		}
		if b = another(picker, cands, b); b == nil {
			return end{}, nil, err
		}
	}
}

// dial makes one attempt to connect to b by deadline: the TCP connect,
// then the PROXY line if configured (in the clear, before any TLS, as
// HAProxy's send-proxy does and as servers that accept both expect), then
// the TLS handshake if configured. A new socket's send buffer is empty, so
// the line's write does not block; a failure to write it means the backend
// reset the new connection and counts, like a failed handshake, as a
// failed connect.
func dial(ctx context.Context, cfg *Config, b *balance.Backend, deadline time.Time, client, proxyAddr netip.AddrPort) (end, error) {
	// DialContext with the address as a string, not Dialer.DialTCP: the
	// latter binds the socket to 0.0.0.0:0 before connecting when given
	// no local address, which costs a syscall and makes the kernel pick an
	// ephemeral port unique across all destinations.
	d := net.Dialer{Deadline: deadline}
	c, err := d.DialContext(ctx, "tcp", b.Addr.String())
	if err != nil {
		return end{}, err
	}
	tc := c.(*net.TCPConn)
	if cfg.ProxyProtocol {
		var buf [proxyproto.MaxV1Len]byte
		if _, err := tc.Write(proxyproto.AppendV1(buf[:0], client, proxyAddr)); err != nil {
			tc.Close()
			return end{}, err
		}
	}
	if cfg.BackendTLS == nil {
		return end{conn: tc, tcp: tc}, nil
	}
	conf := cfg.BackendTLS
	if conf.ServerName == "" && !conf.InsecureSkipVerify {
		conf = conf.Clone()
		conf.ServerName = b.Addr.Addr().String()
	}
	tlc := tls.Client(tc, conf)
	tc.SetDeadline(deadline)
	if err := tlc.HandshakeContext(ctx); err != nil {
		tc.Close()
		return end{}, err
	}
	tc.SetDeadline(time.Time{})
	return end{conn: tlc, tcp: tc, tls: tlc}, nil
}

// another returns the candidate to try after failed: the picker's next
// choice if that is a different backend, else the first other usable
// candidate, else nil.
func another(picker *balance.RoundRobin, cands []*balance.Backend, failed *balance.Backend) *balance.Backend {
	if b := picker.Pick(cands); b != failed {
		return b
	}
	for _, b := range cands {
		if b != failed && b.Usable() {
			return b
		}
	}
	return nil
}

// retired reports whether b has been retired.
func retired(b *balance.Backend) bool {
	select {
	case <-b.Retired().Done():
		return true
	default:
		return false
	}
}

// finish logs the end of a connection and reports it to OnDone.
func finish(ctx context.Context, cfg *Config, log *slog.Logger, st *Stats) {
	if log.Enabled(ctx, slog.LevelDebug) {
		log.LogAttrs(ctx, slog.LevelDebug, "tcpproxy: connection closed",
			slog.String("client", st.Client.String()), slog.String("backend", st.BackendID),
			slog.Int64("bytes_in", st.BytesIn), slog.Int64("bytes_out", st.BytesOut),
			slog.Duration("duration", time.Since(st.Start)), slog.Any("err", st.Err))
	}
	if cfg.OnDone != nil {
		cfg.OnDone(*st)
	}
}

// addrPort returns a's address and port with IPv4-mapped addresses
// unmapped, or the zero AddrPort if a is not a *net.TCPAddr.
func addrPort(a net.Addr) netip.AddrPort {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// end is one side of a connection.
type end struct {
	conn net.Conn        // where its bytes are read and written: tcp, a *tls.Conn over it, or any net.Conn
	tcp  *net.TCPConn    // the socket beneath conn, nil if unknown
	tls  *tls.Conn       // conn, if it is TLS
	raw  syscall.RawConn // tcp's, when the kernel reports activity
}

// newEnd describes c.
func newEnd(c net.Conn) end {
	e := end{conn: c}
	switch c := c.(type) {
	case *net.TCPConn:
		e.tcp = c
	case *tls.Conn:
		e.tls = c
		e.tcp, _ = c.NetConn().(*net.TCPConn)
	}
	return e
}

// plain reports whether the bytes are read and written on the socket
// itself, which splice needs.
func (e *end) plain() bool { return e.tcp != nil && e.tls == nil }

// closeWrite passes an end of stream on: a TLS close_notify alert, then
// the TCP FIN (tls.Conn.CloseWrite sends only the alert), so that TLS and
// TCP peers alike see the end of the stream. A connection that cannot be
// half-closed is left open for writing: the peer learns of the end when
// the connection closes.
func (e *end) closeWrite() error {
	c := e.conn
	if e.tls != nil {
		if err := e.tls.CloseWrite(); err != nil {
			return err
		}
		c = e.tls.NetConn()
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// close closes the connection. With abort it resets the TCP connection
// (SO_LINGER 0) and, for TLS, closes the socket beneath without a
// close_notify alert, which would tell the peer that the stream ended
// cleanly (and which tls.Conn.Close may wait up to 5 s to send).
func (e *end) close(abort bool) {
	if !abort {
		e.conn.Close()
		return
	}
	if e.tcp != nil {
		e.tcp.SetLinger(0)
	}
	if e.tls != nil {
		e.tls.NetConn().Close()
		return
	}
	e.conn.Close()
}

// pipe is one connection's pair of sockets while bytes flow.
type pipe struct {
	client, backend end
	idle            time.Duration

	// kernel is set when the kernel reports activity (see lastData): the
	// idle watchdog asks it. Otherwise the copies record activity in
	// last. splice is set when, moreover, both ends are bare sockets, so
	// that the directions are copied with splice rather than in user
	// space.
	kernel, splice bool
	start          time.Time    // monotonic base for last
	last           atomic.Int64 // without kernel: time since start of the latest byte moved

	timer *time.Timer // idle watchdog
	ended atomic.Bool // both directions have ended: the watchdog must stop

	once  sync.Once
	cause error // first reason to close; written once in shutdown

	in, out int64 // bytes client→backend and backend→client
}

func newPipe(client, backend end, idle time.Duration) *pipe {
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	p := &pipe{client: client, backend: backend, idle: idle, start: time.Now()}
	if kernelActivity && !forceTrackedCopy && client.tcp != nil && backend.tcp != nil {
		var err1, err2 error
		p.client.raw, err1 = client.tcp.SyscallConn()
		p.backend.raw, err2 = backend.tcp.SyscallConn()
		p.kernel = err1 == nil && err2 == nil && kernelWorks(p.client.raw)
	}
	p.splice = p.kernel && client.plain() && backend.plain()
	if !p.kernel {
		p.touch()
	}
	return p
}

// kernelState caches kernelWorks' answer: 0 not yet known, 1 yes, 2 no.
var kernelState atomic.Int32

// kernelWorks reports whether the kernel answers the splice path's
// questions (probeKernel), asking it on the first connection only. (It may
// not: a seccomp filter, an emulated kernel.) Without it, connections use
// the tracked copy.
func kernelWorks(rc syscall.RawConn) bool {
	switch kernelState.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	if err := probeKernel(rc); err != nil {
		slog.Warn("tcpproxy: the kernel does not report socket activity; TCP listeners copy in user space, without splice", "err", err)
		kernelState.Store(2)
		return false
	}
	kernelState.Store(1)
	return true
}

// run copies both directions, the backend→client one on a new goroutine,
// and returns when both have ended and both sockets are closed. Cancelling
// ctx or retired (the backend's Retired context) resets both sockets.
func (p *pipe) run(ctx, retired context.Context) {
	stopCtx := context.AfterFunc(ctx, func() { p.shutdown(context.Cause(ctx), true) })
	if retired.Done() != nil {
		stopRetired := context.AfterFunc(retired, func() { p.shutdown(ErrBackendRetired, true) })
		defer stopRetired()
	}
	// Arm the watchdog only once p.timer is set: checkIdle reads it, and
	// Reset (not AfterFunc) orders the assignment before the callback.
	p.timer = time.AfterFunc(math.MaxInt64, p.checkIdle)
	p.timer.Reset(p.idle)

	done := make(chan struct{})
	go func() {
		defer close(done)
		p.out = p.forward(&p.client, &p.backend)
	}()
	p.in = p.forward(&p.backend, &p.client)
	<-done

	p.ended.Store(true)
	p.timer.Stop()
	stopCtx()
	p.shutdown(nil, false)
}

// forward copies src to dst until src's end of stream, then passes the
// half-close on (closeWrite). On any error it resets both connections. It
// returns the number of bytes copied.
func (p *pipe) forward(dst, src *end) int64 {
	var n int64
	var err error
	if p.splice {
		n, err = spliceCopy(dst.tcp, src.tcp, src.raw)
	} else {
		n, err = p.copyUser(dst.conn, src.conn)
	}
	if err == nil {
		err = dst.closeWrite()
	}
	if err != nil {
		p.shutdown(err, true)
	}
	return n
}

// maxBatch bounds one splice call when the bytes queued are unknown, at an
// end of stream or an error. (Go's splice pipes hold 1 MiB.)
const maxBatch = 1 << 20

// spliceCopy copies src to dst with splice(2) until src's end of stream,
// which it reports as a nil error. It alternates between waiting, without a
// pipe, for src to have something to deliver and splicing exactly the
// bytes queued then: *net.TCPConn.ReadFrom given an *io.LimitedReader over
// a *net.TCPConn splices that many bytes (net/splice_linux.go) and returns
// without blocking on src again, so the pipe goes back to the pool.
func spliceCopy(dst, src *net.TCPConn, srcRaw syscall.RawConn) (written int64, err error) {
	r := newReadiness()
	lr := &io.LimitedReader{R: src}
	for {
		if err := srcRaw.Read(r.check); err != nil {
			return written, err
		}
		if r.err != nil {
			return written, r.err
		}
		want := r.avail
		if want == 0 {
			want = maxBatch // the end of stream: the splice returns at once
		}
		lr.N = want
		n, err := dst.ReadFrom(lr)
		written += n
		if err != nil {
			return written, err
		}
		if n < want {
			return written, nil // src's end of stream
		}
	}
}

// bufPool holds the user-space copy's buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyUser is io.Copy in user space through a pooled buffer, for TLS
// connections and where the kernel cannot splice; when the kernel cannot
// tell the idle watchdog about activity either, it records in p.last when
// bytes move. It returns a nil error at src's end of stream.
func (p *pipe) copyUser(dst, src net.Conn) (written int64, err error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	track := !p.kernel
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			if track {
				p.touch()
			}
			nw, werr := dst.Write(buf[:nr])
			written += int64(nw)
			if werr != nil {
				return written, werr
			}
			if track {
				p.touch()
			}
		}
		if rerr == io.EOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

// touch records activity now, for the tracked copy.
func (p *pipe) touch() { p.last.Store(int64(time.Since(p.start))) }

// idleFor returns how long the connection has carried no data in either
// direction. When the kernel cannot be asked (a socket already closed) it
// returns 0: the copies are about to end and the watchdog with them.
func (p *pipe) idleFor() time.Duration {
	if !p.kernel {
		return time.Since(p.start) - time.Duration(p.last.Load())
	}
	c, err := lastData(p.client.raw)
	if err != nil {
		return 0
	}
	b, err := lastData(p.backend.raw)
	if err != nil {
		return 0
	}
	return min(c, b)
}

// checkIdle is the idle watchdog, run by p.timer: it closes the connection
// if it has been idle for p.idle, or re-arms the timer for the moment it
// will have been if nothing moves until then.
func (p *pipe) checkIdle() {
	if p.ended.Load() {
		return
	}
	idle := p.idleFor()
	if idle >= p.idle {
		p.shutdown(ErrIdleTimeout, false)
		return
	}
	p.timer.Reset(max(p.idle-idle, time.Millisecond))
}

// shutdown closes both connections once, recording cause as the reason.
// With abort it resets them (end.close) so that neither peer mistakes the
// cut for a clean end of stream.
func (p *pipe) shutdown(cause error, abort bool) {
	p.once.Do(func() {
		p.cause = cause
		p.client.close(abort)
		p.backend.close(abort)
	})
}
