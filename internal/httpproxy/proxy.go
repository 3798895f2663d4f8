package httpproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/desync"
)

// Proxy is the HTTP/1.x proxy engine shared by a node's HTTP listeners. It
// owns the back-end connection pools (keyed by back-end address) and the
// buffer pools. It is safe for concurrent use.
type Proxy struct {
	opts   Options
	picker balance.LeastOutstanding // for Configs without a Picker

	mu    sync.RWMutex
	pools map[poolKey]*hostPool

	reapMu    sync.Mutex
	reapTimer *time.Timer
	reapArmed atomic.Bool

	clients sync.Pool // *clientConn
}

// New returns a Proxy with opts, zero fields taking their defaults.
func New(opts Options) *Proxy {
	opts.setDefaults()
	return &Proxy{opts: opts, pools: make(map[poolKey]*hostPool)}
}

// ServeConn serves HTTP/1.0 and HTTP/1.1 requests on c until the client
// closes it, a request or response requires closing it, it stays idle for
// the listener's IdleTimeout, or ctx is cancelled (then after the response
// in progress; see the package documentation). Requests are served one at
// a time in the order they arrive, so pipelined requests are answered in
// order. cfg is called at the start of each request for the listener's
// current configuration. ServeConn closes c before it returns.
func (p *Proxy) ServeConn(ctx context.Context, c net.Conn, cfg func() *Config) {
	cc, _ := p.clients.Get().(*clientConn)
	if cc == nil {
		cc = &clientConn{body: bodyCopy{done: make(chan struct{}, 1)}}
	}
	cc.init(p, c, ctx)
	if ctx.Done() != nil {
		st := &connState{c: c}
		cc.st = st
		stop := context.AfterFunc(ctx, st.cancel)
		defer stop()
	}
	for cc.serve(cfg) {
	}
	cc.close()
	p.clients.Put(cc)
}

// connState is what a context cancellation touches: it lives apart from the
// pooled clientConn, because the cancellation may run after ServeConn
// returned.
type connState struct {
	c        net.Conn
	mu       sync.Mutex
	draining bool // the context was cancelled
	idle     bool // ServeConn is waiting for a request head
}

// aLongTimeAgo is a deadline in the past, to interrupt a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

func (s *connState) cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draining = true
	if s.idle {
		s.c.SetReadDeadline(aLongTimeAgo)
	}
}

// clientConn is the state of one client connection; pooled between
// connections so that its buffers and header arrays are reused.
type clientConn struct {
	p   *Proxy
	c   net.Conn
	ctx context.Context
	st  *connState // nil when ctx cannot be cancelled

	br    reader
	dl    deadlines
	out   []byte   // heads (and small bodies) being written
	hdrs  []header // request fields
	rhdrs []header // response fields
	req   request
	resp  response

	rec    Record
	recBuf []byte // copies of the request-line parts for rec

	cookieBuf []byte // the AWSELB Set-Cookie field line being added

	fi        forwardInfo
	localPort int
	ipBuf     [64]byte
	hostBuf   [64]byte

	now         time.Time // the last time read; deadlines are extended from it
	linger      bool      // drain the client before closing (a response may be in flight)
	cut         bool      // a response was cut short: no TLS close_notify at the close
	respHeadLen int       // length of the response head in the back end's buffer

	body bodyCopy

	tls                   *tls.Conn // c, if it is TLS
	tlsVersion, tlsCipher uint16    // its negotiated version and suite, once known
}

// bodyCopy is the request-body copier's state.
type bodyCopy struct {
	done    chan struct{} // receives when the copier has returned
	started bool          // a copier was started for this request
	running bool          // and has not been waited for yet
	discard atomic.Bool   // drop the rest of the body instead of forwarding it
	aborted atomic.Bool   // the main goroutine interrupted the copy
	// progress is when the copier last moved bytes to the back end (Unix
	// ns): while a body streams, waiting for the response is not idle.
	progress    atomic.Int64
	err         error // nil: the body was read to its end
	clientSide  bool  // err came from reading the client
	clientFault bool  // and not because the main goroutine interrupted it
	discarded   bool  // some of the body was dropped
	n           int64 // body bytes read from the client
}

func (cc *clientConn) init(p *Proxy, c net.Conn, ctx context.Context) {
	cc.p, cc.c, cc.ctx, cc.st = p, c, ctx, nil
	cc.tls, _ = c.(*tls.Conn)
	cc.tlsVersion, cc.tlsCipher = 0, 0
	cc.br.init()
	cc.dl = deadlines{}
	if cc.out == nil {
		cc.out = make([]byte, 0, 4<<10)
	}
	if cap(cc.hdrs) < p.opts.MaxHeaders {
		cc.hdrs = make([]header, 0, p.opts.MaxHeaders)
		cc.rhdrs = make([]header, 0, p.opts.MaxHeaders)
	}
	client := addrPortOf(c.RemoteAddr())
	cc.rec = Record{Client: client}
	cc.fi.clientIP = nil
	if client.Addr().IsValid() {
		cc.fi.clientIP = client.Addr().WithZone("").AppendTo(cc.ipBuf[:0])
	}
	local := addrPortOf(c.LocalAddr())
	cc.localPort = int(local.Port())
	h := cc.hostBuf[:0]
	if a := local.Addr(); a.IsValid() {
		if a.Is6() {
			h = append(h, '[')
			h = a.WithZone("").AppendTo(h)
			h = append(h, ']')
		} else {
			h = a.AppendTo(h)
		}
	}
	cc.fi.localHost = h
	cc.now = time.Now()
	cc.linger, cc.cut = false, false
}

// addrPortOf returns the address of a TCP (or UDP) endpoint, IPv4-mapped
// IPv6 addresses unmapped; the zero AddrPort for anything else.
func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	case nil:
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// close closes the client connection, first draining what the client
// still sends (for a second at most) when closing now could reset a
// response it has not read yet. A TLS connection whose last response was
// cut short is closed without close_notify, so that the client can tell.
func (cc *clientConn) close() {
	switch {
	case cc.cut && cc.tls != nil:
		closeNow(cc.c)
	case cc.linger || len(cc.br.buffered()) > 0:
		lingerClose(cc.c)
	default:
		cc.c.Close()
	}
	cc.br.release()
	if cap(cc.out) > 64<<10 {
		cc.out = nil
	}
	cc.c, cc.ctx, cc.st, cc.p, cc.tls = nil, nil, nil, nil, nil
	cc.req, cc.resp = request{}, response{}
	cc.rec = Record{}
	cc.fi = forwardInfo{}
}

const lingerTime = time.Second

// lingerClose half-closes c and reads until the client closes (or a
// second passes, or 256 KiB arrived), so that unread request bytes do not
// make the kernel reset the connection before the client read the response.
func lingerClose(c net.Conn) {
	if closeWrite(c) != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Now().Add(lingerTime))
	bp := copyBufs.Get().(*[copyBufSize]byte)
	for total := 0; total < 256<<10; {
		n, err := c.Read(bp[:])
		total += n
		if err != nil {
			break
		}
	}
	copyBufs.Put(bp)
	c.Close()
}

// enterIdle marks the connection idle (waiting for a head with nothing
// buffered); it reports false if the connection is draining.
func (cc *clientConn) enterIdle() bool {
	if cc.st == nil {
		return true
	}
	cc.st.mu.Lock()
	defer cc.st.mu.Unlock()
	if cc.st.draining {
		return false
	}
	cc.st.idle = true
	return true
}

func (cc *clientConn) leaveIdle() {
	if cc.st == nil {
		return
	}
	cc.st.mu.Lock()
	cc.st.idle = false
	d := cc.st.draining
	cc.st.mu.Unlock()
	if d {
		// The cancellation may have set a past read deadline: forget
		// the cached one so the next read sets it again.
		cc.dl.rd = time.Time{}
	}
}

func (cc *clientConn) draining() bool {
	if cc.st == nil {
		return false
	}
	// The context says so as soon as it is cancelled; st.cancel runs
	// on a goroutine of its own and may not have run yet.
	if cc.ctx.Err() != nil {
		return true
	}
	cc.st.mu.Lock()
	defer cc.st.mu.Unlock()
	return cc.st.draining
}

// headTimeout is how long a request head may take from its first byte.
func (p *Proxy) headTimeout(idle time.Duration) time.Duration {
	if t := p.opts.HeadTimeout; t > 0 && t < idle {
		return t
	}
	return idle
}

// readHead returns the next request head, a slice of the read buffer, or
// nil when the connection is to be closed (after answering 400 or 408 if a
// head had started).
func (cc *clientConn) readHead(cfg *Config, idle time.Duration) []byte {
	max := cc.p.opts.MaxHeadBytes
	scan, skipped := 0, 0
	var start time.Time
	for {
		b := cc.br.buffered()
		// RFC 9112 §2.2: ignore empty lines before the request line.
		for len(b) > 0 && (b[0] == '\n' || b[0] == '\r' && len(b) > 1 && b[1] == '\n') {
			k := 1
			if b[0] == '\r' {
				k = 2
			}
			cc.br.discard(k)
			skipped += k
			scan = 0
			b = cc.br.buffered()
		}
		if skipped > max {
			return cc.failHead(cfg, stBadRequest, idle)
		}
		if len(b) > 0 {
			if end := findHeadEnd(b, &scan); end >= 0 {
				cc.now = time.Now()
				return b[:end]
			}
		}
		idleWait := len(b) == 0 && start.IsZero()
		if idleWait {
			if !cc.enterIdle() {
				return nil
			}
			if cc.dl.read(cc.c, cc.now, idle) != nil {
				cc.leaveIdle()
				return nil
			}
		} else if start.IsZero() {
			start = time.Now()
			if cc.dl.setRead(cc.c, start.Add(cc.p.headTimeout(idle))) != nil {
				return nil
			}
		}
		n, err := cc.br.fill(cc.c, max)
		if idleWait {
			cc.leaveIdle()
		}
		if n > 0 {
			continue
		}
		switch {
		case err == nil:
			continue
		case err == errFull:
			return cc.failHead(cfg, stBadRequest, idle)
		case len(cc.br.buffered()) == 0 || cc.draining():
			return nil // nothing started: close quietly
		case isTimeout(err):
			return cc.failHead(cfg, 408, idle)
		case err == io.EOF:
			return cc.failHead(cfg, stBadRequest, idle) // half-closed inside a head
		}
		return nil
	}
}

// failHead answers a head that could not be read.
func (cc *clientConn) failHead(cfg *Config, status int, idle time.Duration) []byte {
	cc.now = time.Now()
	cc.req = request{}
	cc.resetRecord()
	cc.fail(cfg, status, true, idle)
	return nil
}

func (cc *clientConn) resetRecord() *Record {
	if cc.tls != nil && cc.tlsVersion == 0 {
		cc.loadTLS()
	}
	cc.rec = Record{
		Time:                   cc.now,
		Client:                 cc.rec.Client,
		RequestProcessingTime:  -1,
		BackendProcessingTime:  -1,
		ResponseProcessingTime: -1,
		TLSVersion:             cc.tlsVersion,
		TLSCipher:              cc.tlsCipher,
	}
	return &cc.rec
}

// loadTLS reads the client connection's TLS version and cipher suite, once
// its handshake is complete: by the first request head, if the caller left
// the handshake to the first read.
func (cc *clientConn) loadTLS() {
	if cs := cc.tls.ConnectionState(); cs.HandshakeComplete {
		cc.tlsVersion, cc.tlsCipher = cs.Version, cs.CipherSuite
	}
}

// serve handles one request; it reports whether to read another. The
// configuration current when the wait for a request starts sets the idle
// timeout of that wait; the one current when its head has arrived serves it.
func (cc *clientConn) serve(load func() *Config) bool {
	cfg := load()
	if cfg == nil {
		return false
	}
	head := cc.readHead(cfg, cfg.idleTimeout())
	if head == nil {
		return false
	}
	if cfg = load(); cfg == nil {
		return false
	}
	idle := cfg.idleTimeout()
	rec := cc.resetRecord()
	v := desync.Classify(head)
	act := desync.Decide(cfg.DesyncMode, v.Class)
	rec.Desync, rec.DesyncAction = v, act
	st := parseRequest(head, &cc.req, cc.hdrs, cc.p.opts.MaxHeaders)
	if cfg.OnRequest != nil {
		cc.keepRequestLine()
	}
	cc.br.discard(len(head))
	if act == desync.Block {
		return cc.fail(cfg, stBadRequest, true, idle)
	}
	if st != stOK {
		return cc.fail(cfg, st, true, idle)
	}
	return cc.forward(cfg, act, idle)
}

// keepRequestLine copies the request-line parts, User-Agent and Host into
// recBuf for the Record: the head they point into is overwritten once the
// body is read.
func (cc *clientConn) keepRequestLine() {
	r := &cc.req
	b := append(cc.recBuf[:0], r.method...)
	m := len(b)
	b = append(b, r.target...)
	t := len(b)
	b = append(b, r.proto...)
	v := len(b)
	b = append(b, r.userAgent...)
	u := len(b)
	b = append(b, r.host...)
	cc.recBuf = b
	cc.rec.Method, cc.rec.URL, cc.rec.Proto, cc.rec.UserAgent, cc.rec.Host = b[:m:m], b[m:t:t], b[t:v:v], b[v:u:u], b[u:]
}

// fail answers a request with a generated response. It reports whether the
// connection stays open: only when close is false, the request's body (if
// any) was consumed, and the client wants to keep it.
func (cc *clientConn) fail(cfg *Config, status int, close bool, idle time.Duration) bool {
	g := generatedResponses[status]
	cc.now = time.Now() // there may have been a long wait for a back end
	// HTTP/1.0 clients are closed: the prebuilt responses do not carry
	// the Connection: keep-alive they would need.
	close = close || !cc.req.keepAlive() || cc.req.minor == 0 || cc.draining()
	out := cc.out[:0]
	if close {
		out = append(out, g.close...)
	} else {
		out = append(out, g.keep...)
	}
	if !cc.req.isHead {
		out = append(out, g.body...)
	}
	cc.out = out
	if cc.writeClient(out, idle) == nil {
		cc.rec.ELBStatusCode = status
	} else {
		close = true
	}
	cc.finish(cfg)
	if close {
		cc.linger = true
	}
	return !close
}

func (cc *clientConn) finish(cfg *Config) {
	if cfg.OnRequest != nil {
		cfg.OnRequest(&cc.rec)
	}
}

func (cc *clientConn) writeClient(b []byte, idle time.Duration) error {
	if err := cc.dl.write(cc.c, cc.now, idle); err != nil {
		return err
	}
	_, err := cc.c.Write(b)
	return err
}

func (cc *clientConn) debug(cfg *Config, msg string, err error, b *balance.Backend) {
	l := cfg.Logger
	if l == nil || !l.Enabled(cc.ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("client", cc.rec.Client.String()), slog.Any("err", err)}
	if b != nil {
		attrs = append(attrs, slog.String("backend", b.ID), slog.String("addr", b.Addr.String()))
	}
	l.LogAttrs(cc.ctx, slog.LevelDebug, msg, attrs...)
}

// Exchange failures.
var (
	errBadResponse = errors.New("httpproxy: malformed response from back end")
	errNoResponse  = errors.New("httpproxy: back end closed the connection before responding")
	errUnexpected1 = errors.New("httpproxy: unexpected 101 or too many 1xx responses")
)

// forward sends the parsed request to a back end and relays the response.
// It reports whether to read another request.
func (cc *clientConn) forward(cfg *Config, act desync.Action, idle time.Duration) bool {
	p, req, rec := cc.p, &cc.req, &cc.rec
	// RFC 9112 §6.1: close after a request with both Transfer-Encoding
	// and Content-Length, or with Transfer-Encoding in HTTP/1.0.
	closeAfter := act == desync.AllowThenClose || req.hasTE && (req.hasCL || req.minor == 0)
	keepClient := req.keepAlive() && !closeAfter

	if req.expectContinue {
		if cc.writeClient(continue100, idle) != nil {
			return false
		}
	}
	var cands []*balance.Backend
	if cfg.Candidates != nil {
		cands = cfg.Candidates()
	}
	picker := cfg.Picker
	if picker == nil {
		picker = &p.picker
	}
	var (
		b  *balance.Backend
		ss stickState
	)
	if cfg.Sticky != nil {
		b, ss = stickyRoute(cfg, req, cands)
	}
	if b == nil {
		b = picker.Pick(cands)
	}
	if b == nil {
		return cc.fail(cfg, 503, req.framing != bodyNone, idle)
	}
	if cfg.MaxPerBackend > 0 && b != ss.home {
		if b = underCap(b, cands, cfg.MaxPerBackend); b == nil {
			if cfg.Surge == nil {
				rec.Spillover = true
				return cc.fail(cfg, 503, req.framing != bodyNone, idle)
			}
			var res queueResult
			b, res = cfg.Surge.await(cc.ctx, func() *balance.Backend { return picker.Pick(cands) }, cands, cfg.MaxPerBackend, idle)
			rec.Queued = res != queueSpilled
			switch res {
			case queueSpilled:
				rec.Spillover = true
				return cc.fail(cfg, 503, req.framing != bodyNone, idle)
			case queueTimedOut, queueCanceled:
				return cc.fail(cfg, 503, req.framing != bodyNone, idle)
			}
		}
	}

	cc.fi.scheme = cfg.Scheme
	if cc.fi.scheme == "" {
		cc.fi.scheme = "http"
	}
	cc.fi.port = cfg.Port
	if cc.fi.port == 0 {
		cc.fi.port = cc.localPort
	}
	out := appendRequest(cc.out[:0], req, &cc.fi)
	// A body that is already buffered in full goes out with the head, in
	// one write, and can be sent again on a fresh connection.
	bodyInOut := req.framing == bodyNone
	switch buf := cc.br.buffered(); req.framing {
	case bodyLength:
		if req.contentLength <= coalesceMax && int64(len(buf)) >= req.contentLength {
			n := int(req.contentLength)
			out = append(out, buf[:n]...)
			cc.br.discard(n)
			rec.ReceivedBytes = int64(n)
			bodyInOut = true
		}
	case bodyChunked:
		n, complete, err := scanBuffered(buf)
		if err != nil {
			cc.out = out
			return cc.fail(cfg, stBadRequest, true, idle)
		}
		if complete && n <= coalesceMax {
			out = append(out, buf[:n]...)
			cc.br.discard(n)
			rec.ReceivedBytes = int64(n)
			bodyInOut = true
		}
	}
	cc.out = out
	// Before a reused connection carries a body that could not be sent
	// again, check that the back end has not closed it.
	peek := req.framing != bodyNone && (!bodyInOut || !req.idempotent)

	var (
		bc       *backConn
		switched bool // the request moved to another back end once
		fresh    bool // the next attempt uses a new connection
		t1       time.Time
	)
	for {
		b.Acquire()
		rec.Backend = b
		var err error
		bc, err = p.getConn(b, cfg, cc.now, fresh, peek)
		if err != nil {
			cc.release(cfg, b)
			if err != errRetired {
				rec.ConnectErrors++
				cc.backendFailed(cfg, b, err)
			}
			cc.debug(cfg, "back-end connect failed", err, b)
			// Nothing was sent: any request may go to another back end.
			if !switched {
				if alt := pickOther(picker, cands, b); alt != nil {
					switched, fresh, b = true, false, alt
					rec.Retries++
					continue
				}
			}
			status := 502
			switch {
			case isTimeout(err):
				status = 504
			case err == errRetired:
				status = 503 // as if it had not been a candidate
			}
			return cc.fail(cfg, status, !bodyInOut, idle)
		}
		if cfg.OnRequest != nil {
			t1 = time.Now()
			rec.RequestProcessingTime = t1.Sub(rec.Time)
		}
		status, retry, fault, err := cc.exchange(bc, idle, bodyInOut)
		if err == nil {
			break
		}
		bc.close()
		cc.release(cfg, b)
		// A back end retired while the request was in flight had its
		// connections cut on purpose: not its failure, and the request
		// is not sent again (ELB does not complete it either).
		retired := isRetired(b)
		if retry && bc.reused && !fresh && !retired {
			// Most likely the back end closed the pooled connection
			// while it was idle: try a new one.
			fresh = true
			rec.Retries++
			continue
		}
		if fault != faultNone && !retired && (!bc.reused || fault == faultTimeout) {
			cc.backendFailed(cfg, b, err)
		}
		if retry && fault == faultClosed && !bc.reused && req.idempotent && !switched && !retired {
			// A new connection reset or closed before any response
			// byte, the request not consumed from the client: the back
			// end is going away. An idempotent request may be sent to
			// another one (RFC 9110 §9.2.2).
			if alt := pickOther(picker, cands, b); alt != nil {
				switched, fresh, b = true, false, alt
				rec.Retries++
				continue
			}
		}
		cc.debug(cfg, "back-end request failed", err, b)
		if status == 0 {
			// The client went away or broke its body: nothing to
			// answer, or the copier already knows what.
			cc.linger = true
			cc.finish(cfg)
			return false
		}
		return cc.fail(cfg, status, !cc.bodyConsumed(bodyInOut), idle)
	}

	// The final response head is parsed in cc.resp.
	resp := &cc.resp
	t2 := time.Now()
	cc.now = t2
	rec.BackendStatusCode = resp.status
	if cfg.OnRequest != nil {
		rec.BackendProcessingTime = t2.Sub(t1)
	}
	var extra []byte
	if cfg.Sticky != nil {
		extra = cc.stickyCookie(cfg.Sticky, ss, b)
	}
	if resp.status == 101 {
		cc.tunnel(cfg, bc, b, extra, idle)
		return false
	}
	framing := resp.framing
	if req.isHead || resp.status < 200 || resp.status == 204 || resp.status == 304 {
		framing = bodyNone
	}
	dechunk := framing == bodyChunked && req.minor == 0
	keep := keepClient && framing != bodyEOF && !dechunk && !cc.draining()
	out = appendResponse(cc.out[:0], resp, respHead{keep: keep, minor: req.minor, dechunk: dechunk, extra: extra})
	bc.br.discard(cc.respHeadLen)
	if cfg.OnRequest != nil {
		rec.ResponseProcessingTime = time.Since(t2)
	}
	complete, clientOK := cc.sendResponse(bc, out, framing, resp.contentLength, dechunk, idle)
	if clientOK {
		rec.ELBStatusCode = resp.status
	}
	cc.cut = !complete
	inSync, bodySent := cc.endRequestBody(bc, bodyInOut)
	reuse := complete && bodySent && !closeAfter && resp.keepAlive() &&
		!(resp.hasTE && resp.hasCL) && len(bc.br.buffered()) == 0
	cc.now = time.Now()
	if reuse {
		p.putIdle(bc, cc.now, idle)
	} else {
		bc.close()
	}
	cc.release(cfg, b)
	cc.finish(cfg)
	if !inSync {
		cc.linger = true
	}
	return keep && complete && clientOK && inSync
}

// release ends b's use by this request and wakes a request waiting in
// the surge queue for a slot.
func (cc *clientConn) release(cfg *Config, b *balance.Backend) {
	b.Release()
	cfg.Surge.freed()
}

// bodyConsumed reports whether the request body has been read in full, so
// that the client connection is positioned at the next request.
func (cc *clientConn) bodyConsumed(bodyInOut bool) bool {
	if bodyInOut {
		return true
	}
	b := &cc.body
	return b.started && !b.running && b.err == nil && !b.discarded
}

// getConn returns a pooled connection to b or a new one (always new when
// fresh), or errRetired if b has been retired. peek makes it check a
// pooled connection with alive first.
func (p *Proxy) getConn(b *balance.Backend, cfg *Config, now time.Time, fresh, peek bool) (*backConn, error) {
	if isRetired(b) {
		// Picked from candidates loaded just before b was retired:
		// never hand out (or open) a connection to it.
		return nil, errRetired
	}
	k := poolKey{b: b, tls: cfg.BackendTLS != nil}
	if !fresh {
		for {
			bc := p.getIdle(k, now)
			if bc == nil {
				break
			}
			if !peek || alive(bc.conn) {
				return bc, nil
			}
			bc.close()
		}
	}
	return p.dial(k, cfg.BackendTLS)
}

// pickOther picks a candidate other than failed, or nil if there is none.
func pickOther(picker *balance.LeastOutstanding, cands []*balance.Backend, failed *balance.Backend) *balance.Backend {
	if len(cands) < 2 {
		return nil
	}
	for range 3 {
		if b := picker.Pick(cands); b != failed && b != nil {
			return b
		}
	}
	var other *balance.Backend
	for _, b := range cands {
		if b == failed {
			continue
		}
		if b.Usable() {
			return b
		}
		if other == nil {
			other = b
		}
	}
	return other
}

// fault says whether an exchange failure tells something about the back
// end (see Config.OnBackendFailure).
type fault uint8

const (
	faultNone    fault = iota // the client's doing, or a response the proxy refused
	faultClosed               // the connection was reset or closed before any response byte
	faultTimeout              // no response head within the idle timeout
)

// exchange writes the request head in cc.out to bc, starts the body copier
// if the body is not in cc.out, and reads the final response head into
// cc.resp (forwarding interim 1xx responses). On failure it returns the
// status to answer with (0: none), whether the request may be sent again
// (nothing of it was consumed from the client, and the method or the lack
// of a body makes that safe), and what the failure says about the back end;
// the copier, if any, has then been stopped.
func (cc *clientConn) exchange(bc *backConn, idle time.Duration, bodyInOut bool) (status int, retry bool, f fault, err error) {
	req := &cc.req
	cc.body.started, cc.body.running = false, false
	if err := bc.dl.write(bc.conn, cc.now, idle); err != nil {
		return 502, true, faultClosed, err
	}
	if _, err := bc.conn.Write(cc.out); err != nil {
		// Nothing of a streamed body has been read yet, and a body in
		// cc.out can be sent again.
		return 502, true, faultClosed, err
	}
	if !bodyInOut {
		cc.startRequestBody(bc, idle)
	}
	// A stale connection shows as EOF or a reset before any response byte.
	// Retrying is safe when nothing of the body was consumed, and the
	// request is idempotent or had no body to send, and no interim
	// response has arrived.
	canRetry := !cc.body.running && (req.idempotent || req.framing == bodyNone)
	for interim := 0; ; interim++ {
		n, got, err := cc.readResponseHead(bc, idle)
		if err != nil {
			if cc.body.running {
				if st, ok := cc.abortRequestBody(bc); ok {
					return st, false, faultNone, err
				}
			}
			switch {
			case errors.Is(err, errBadResponse) || errors.Is(err, errFull):
				return 502, false, faultNone, err
			case isTimeout(err):
				st := 504
				if got {
					st = 502
				}
				return st, false, faultTimeout, err
			case got:
				return 502, false, faultNone, err
			case interim > 0:
				// Closed after an interim response: bytes came, and
				// cc.out no longer holds the request.
				return 504, false, faultNone, err
			}
			return 504, canRetry, faultClosed, err
		}
		cc.respHeadLen = n
		switch s := cc.resp.status; {
		case s >= 200:
			return 0, false, faultNone, nil
		case s == 101:
			if req.upgrade {
				return 0, false, faultNone, nil
			}
		case s == 100:
			bc.br.discard(n)
			continue
		case interim < 8:
			if req.minor >= 1 {
				cc.now = time.Now()
				out := appendResponse(cc.out[:0], &cc.resp, respHead{keep: true, minor: 1})
				cc.out = out
				if err := cc.writeClient(out, idle); err != nil {
					if cc.body.running {
						cc.abortRequestBody(bc)
					}
					return 0, false, faultNone, err
				}
			}
			bc.br.discard(n)
			continue
		}
		if cc.body.running {
			cc.abortRequestBody(bc)
		}
		return 502, false, faultNone, errUnexpected1
	}
}

// readResponseHead reads and parses a response head from bc. It returns the
// head's length and whether any byte arrived.
func (cc *clientConn) readResponseHead(bc *backConn, idle time.Duration) (n int, got bool, err error) {
	max := cc.p.opts.MaxHeadBytes
	got = len(bc.br.buffered()) > 0
	scan := 0
	for {
		if b := bc.br.buffered(); len(b) > 0 {
			if end := findHeadEnd(b, &scan); end >= 0 {
				if !parseResponse(b[:end], &cc.resp, cc.rhdrs, cc.p.opts.MaxHeaders) {
					return 0, true, errBadResponse
				}
				return end, true, nil
			}
		}
		if err := bc.dl.read(bc.conn, cc.now, idle); err != nil {
			return 0, got, err
		}
		k, err := bc.br.fill(bc.conn, max)
		if k > 0 {
			got = true
			continue
		}
		if isTimeout(err) && cc.body.running {
			// The back end has not answered, but the request body is
			// still moving: the connection is not idle. Wait until an
			// idle period has passed since the body's last progress.
			last := time.Unix(0, cc.body.progress.Load())
			if time.Since(last) < idle {
				cc.now = last
				bc.dl.setRead(bc.conn, last.Add(idle))
				continue
			}
		}
		switch {
		case err == nil:
			continue
		case err == io.EOF && !got:
			return 0, false, errNoResponse
		case err == io.EOF:
			return 0, true, errBadResponse
		}
		return 0, got, err
	}
}

// sendResponse writes the response head in out and the response body to
// the client. complete reports that the back end's body was read to its
// end; clientOK that the client was sent all of it.
func (cc *clientConn) sendResponse(bc *backConn, out []byte, framing framing, length int64, dechunk bool, idle time.Duration) (complete, clientOK bool) {
	rec := &cc.rec
	buf := bc.br.buffered()
	switch framing {
	case bodyNone:
		cc.out = out
		return true, cc.writeClient(out, idle) == nil
	case bodyLength:
		k := min(int64(len(buf)), length)
		if k <= coalesceMax {
			out = append(out, buf[:k]...)
			bc.br.discard(int(k))
			cc.out = out
			if cc.writeClient(out, idle) != nil {
				return false, false
			}
		} else {
			cc.out = out
			if cc.writeClient(out, idle) != nil {
				return false, false
			}
		}
		rec.SentBytes = k
		if length == k {
			return true, true
		}
		d := copier{src: bc.conn, sr: &bc.br, sdl: &bc.dl, dst: cc.c, ddl: &cc.dl, idle: idle}
		srcErr, dstErr := d.copyFixed(length-k, &rec.SentBytes)
		return srcErr == nil && dstErr == nil, dstErr == nil && srcErr == nil
	case bodyChunked:
		if !dechunk {
			if n, done, err := scanBuffered(buf); err == nil && done && n <= coalesceMax {
				out = append(out, buf[:n]...)
				bc.br.discard(n)
				cc.out = out
				rec.SentBytes = int64(n)
				ok := cc.writeClient(out, idle) == nil
				return ok, ok
			}
		}
		cc.out = out
		if cc.writeClient(out, idle) != nil {
			return false, false
		}
		d := copier{src: bc.conn, sr: &bc.br, sdl: &bc.dl, dst: cc.c, ddl: &cc.dl, idle: idle}
		srcErr, dstErr := d.copyChunked(dechunk, &rec.SentBytes)
		return srcErr == nil && dstErr == nil, dstErr == nil && srcErr == nil
	default: // bodyEOF
		out = append(out, buf...)
		rec.SentBytes = int64(len(buf))
		bc.br.discard(len(buf))
		cc.out = out
		if cc.writeClient(out, idle) != nil {
			return false, false
		}
		d := copier{src: bc.conn, sr: &bc.br, sdl: &bc.dl, dst: cc.c, ddl: &cc.dl, idle: idle}
		srcErr, dstErr := d.copyUntilEOF(&rec.SentBytes)
		return srcErr == nil && dstErr == nil, dstErr == nil && srcErr == nil
	}
}
