package httpproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/balance"
)

// tunnel relays a 101 Switching Protocols response (parsed in cc.resp) to
// the client, with the extra field lines added, then copies bytes both ways until both directions have ended
// or nothing moved either way for the idle timeout. It closes bc, releases
// b and reports the request; the caller closes the client connection.
func (cc *clientConn) tunnel(cfg *Config, bc *backConn, b *balance.Backend, extra []byte, idle time.Duration) {
	defer cc.release(cfg, b)
	defer bc.close()
	out := appendResponse(cc.out[:0], &cc.resp, respHead{keep: true, minor: 1, upgrade: true, extra: extra})
	bc.br.discard(cc.respHeadLen)
	// Whatever followed the 101 already belongs to the new protocol.
	out = append(out, bc.br.buffered()...)
	bc.br.discard(len(bc.br.buffered()))
	cc.out = out
	if cc.writeClient(out, idle) != nil {
		cc.finish(cfg)
		return
	}
	cc.rec.ELBStatusCode = 101
	cc.finish(cfg)
	if rest := cc.br.buffered(); len(rest) > 0 {
		if bc.dl.write(bc.conn, cc.now, idle) != nil {
			return
		}
		if _, err := bc.conn.Write(rest); err != nil {
			return
		}
		cc.br.discard(len(rest))
	}
	// A cancelled context ends a tunnel at once: it has no response
	// boundary to wait for.
	if cc.ctx.Done() != nil {
		// The function may still run after the tunnel ended: it must
		// not touch cc or bc, which are reused.
		client, back := cc.c, bc.conn
		stop := context.AfterFunc(cc.ctx, func() {
			closeNow(client)
			closeNow(back)
		})
		defer stop()
	}
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	done := make(chan struct{})
	go func() {
		defer close(done)
		pipe(bc.conn, cc.c, &last, idle)
	}()
	pipe(cc.c, bc.conn, &last, idle)
	<-done
}

// pipe copies src to dst until src ends. On EOF it half-closes dst, so the
// other direction can finish; when neither direction moved a byte for
// idle it closes both, and on an error it cuts both (closeNow), which ends
// the other direction too.
func pipe(dst, src net.Conn, last *atomic.Int64, idle time.Duration) {
	bp := copyBufs.Get().(*[copyBufSize]byte)
	defer copyBufs.Put(bp)
	for {
		src.SetReadDeadline(time.Unix(0, last.Load()).Add(idle))
		n, err := src.Read(bp[:])
		if n > 0 {
			now := time.Now()
			last.Store(now.UnixNano())
			dst.SetWriteDeadline(now.Add(idle))
			if _, werr := dst.Write(bp[:n]); werr != nil {
				closeNow(src)
				closeNow(dst)
				return
			}
		}
		switch {
		case err == nil:
		case err == io.EOF:
			if closeWrite(dst) != nil {
				dst.Close()
			}
			return
		case isTimeout(err) && time.Since(time.Unix(0, last.Load())) < idle:
			// The other direction is active: keep waiting.
		case isTimeout(err):
			src.Close()
			dst.Close()
			return
		default:
			closeNow(src)
			closeNow(dst)
			return
		}
	}
}

// closeWrite ends c's outgoing stream and keeps its incoming one: for TLS a
// close_notify alert, then the TCP FIN beneath (tls.Conn.CloseWrite sends
// only the alert), so that TLS and TCP peers alike see the end.
func closeWrite(c net.Conn) error {
	if tc, ok := c.(*tls.Conn); ok {
		if err := tc.CloseWrite(); err != nil {
			return err
		}
		c = tc.NetConn()
	}
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		return errors.ErrUnsupported
	}
	return cw.CloseWrite()
}

// closeNow closes c at once. For TLS it closes the connection beneath
// without the close_notify alert tls.Conn.Close sends, which would tell the
// peer that the stream ended cleanly when it is being cut (and which may
// take up to 5 s to send to a peer that does not read).
func closeNow(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		tc.NetConn().Close()
		return
	}
	c.Close()
}
