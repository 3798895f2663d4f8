package httpproxy

import (
	"io"
	"net"
	"sync/atomic"
	"time"
)

// copier moves a body from src (whose unread bytes are in sr) to dst,
// extending each side's deadline from the idle timeout as bytes move.
type copier struct {
	src  net.Conn
	sr   *reader
	sdl  *deadlines
	dst  net.Conn
	ddl  *deadlines
	idle time.Duration
	// discard, when set, makes the copier drop the rest of the body
	// instead of writing it (the response is already complete).
	discard   *atomic.Bool
	discarded bool
	// progress, if set, records the time of each write (Unix ns).
	progress *atomic.Int64
}

func (d *copier) write(p []byte, now time.Time) error {
	if d.discard != nil && d.discard.Load() {
		d.discarded = true
		return nil
	}
	err := d.ddl.write(d.dst, now, d.idle)
	if err == nil {
		_, err = d.dst.Write(p)
	}
	if err == nil && d.progress != nil {
		d.progress.Store(time.Now().UnixNano())
	}
	if err != nil && d.discard != nil && d.discard.Load() {
		// Told to discard while writing: the write was interrupted.
		d.discarded = true
		return nil
	}
	return err
}

// read reads from src into p, directly: the caller has consumed what sr
// held.
func (d *copier) read(p []byte) (int, time.Time, error) {
	now := time.Now()
	if err := d.sdl.read(d.src, now, d.idle); err != nil {
		return 0, now, err
	}
	n, err := d.src.Read(p)
	return n, now, err
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// copyFixed copies remaining body bytes, first those buffered in sr, then
// straight from src through a pooled buffer. n counts the bytes copied.
// srcErr reports a failure to read the body (including an early EOF),
// dstErr a failure to write it.
func (d *copier) copyFixed(remaining int64, n *int64) (srcErr, dstErr error) {
	if b := d.sr.buffered(); len(b) > 0 && remaining > 0 {
		k := min(int64(len(b)), remaining)
		if err := d.write(b[:k], time.Now()); err != nil {
			return nil, err
		}
		d.sr.discard(int(k))
		remaining -= k
		*n += k
	}
	if remaining == 0 {
		return nil, nil
	}
	bp := copyBufs.Get().(*[copyBufSize]byte)
	defer copyBufs.Put(bp)
	for remaining > 0 {
		k, now, err := d.read(bp[:min(remaining, copyBufSize)])
		if k > 0 {
			if werr := d.write(bp[:k], now); werr != nil {
				return nil, werr
			}
			remaining -= int64(k)
			*n += int64(k)
		}
		if err != nil && remaining > 0 {
			return unexpectedEOF(err), nil
		}
	}
	return nil, nil
}

// copyUntilEOF copies everything src sends until it closes.
func (d *copier) copyUntilEOF(n *int64) (srcErr, dstErr error) {
	if b := d.sr.buffered(); len(b) > 0 {
		if err := d.write(b, time.Now()); err != nil {
			return nil, err
		}
		d.sr.discard(len(b))
		*n += int64(len(b))
	}
	bp := copyBufs.Get().(*[copyBufSize]byte)
	defer copyBufs.Put(bp)
	for {
		k, now, err := d.read(bp[:])
		if k > 0 {
			if werr := d.write(bp[:k], now); werr != nil {
				return nil, werr
			}
			*n += int64(k)
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return err, nil
		}
	}
}

// copyChunked copies a chunked body, validating its framing as it goes
// (see chunkScanner), and stops right after its end, leaving what follows
// in sr. With dechunk it writes only the chunk data. A malformed body is a
// srcErr (errChunked); nothing after the malformed byte is written.
func (d *copier) copyChunked(dechunk bool, n *int64) (srcErr, dstErr error) {
	var s chunkScanner
	var bp *[copyBufSize]byte
	defer func() {
		if bp != nil {
			copyBufs.Put(bp)
		}
	}()
	for !s.done() {
		b := d.sr.buffered()
		if len(b) == 0 {
			if k := s.inData(); k > 0 {
				// Chunk data with nothing buffered: read it straight
				// into the large buffer, no scanning needed.
				if bp == nil {
					bp = copyBufs.Get().(*[copyBufSize]byte)
				}
				m, now, err := d.read(bp[:min(k, copyBufSize)])
				if m > 0 {
					if werr := d.write(bp[:m], now); werr != nil {
						return nil, werr
					}
					s.skipData(int64(m))
					*n += int64(m)
				}
				if err != nil && !s.done() {
					return unexpectedEOF(err), nil
				}
				continue
			}
			now := time.Now()
			if err := d.sdl.read(d.src, now, d.idle); err != nil {
				return err, nil
			}
			m, err := d.sr.fill(d.src, len(d.sr.buf))
			if m == 0 && err != nil {
				return unexpectedEOF(err), nil
			}
			continue
		}
		now := time.Now()
		i := 0
		for i < len(b) && !s.done() {
			k, data, err := s.next(b[i:])
			if err != nil {
				return errChunked, nil
			}
			if dechunk && data {
				if werr := d.write(b[i:i+k], now); werr != nil {
					return nil, werr
				}
				*n += int64(k)
			}
			i += k
		}
		if !dechunk {
			if werr := d.write(b[:i], now); werr != nil {
				return nil, werr
			}
			*n += int64(i)
		}
		d.sr.discard(i)
	}
	return nil, nil
}

// The request body copier runs on its own goroutine while the main one
// reads the response, so that a back end that answers before it has read
// the whole body (an echo, an early error) cannot deadlock the exchange.

func (cc *clientConn) startRequestBody(bc *backConn, idle time.Duration) {
	b := &cc.body
	b.running, b.started = true, true
	b.err, b.clientSide, b.clientFault, b.discarded, b.n = nil, false, false, false, 0
	b.discard.Store(false)
	b.aborted.Store(false)
	b.progress.Store(time.Now().UnixNano())
	go cc.copyRequestBody(bc, idle)
}

func (cc *clientConn) copyRequestBody(bc *backConn, idle time.Duration) {
	b := &cc.body
	d := copier{src: cc.c, sr: &cc.br, sdl: &cc.dl, dst: bc.conn, ddl: &bc.dl, idle: idle, discard: &b.discard, progress: &b.progress}
	var srcErr, dstErr error
	if cc.req.framing == bodyChunked {
		srcErr, dstErr = d.copyChunked(false, &b.n)
	} else {
		srcErr, dstErr = d.copyFixed(cc.req.contentLength, &b.n)
	}
	switch {
	case srcErr != nil:
		b.err, b.clientSide = srcErr, true
		b.clientFault = !b.aborted.Load()
		// The back end must not take a truncated body for a whole
		// one, and the main goroutine may be waiting for its answer.
		closeNow(bc.conn)
	case dstErr != nil:
		b.err = dstErr
	}
	b.discarded = d.discarded
	b.done <- struct{}{}
}

// abortRequestBody stops a running copier: it closes the back-end
// connection and interrupts a read from the client, then waits. If the
// copier had failed on its own because of the client, it returns the status
// to answer with (400 for a malformed body, 408 for a stalled one, 0 when
// the client went away) and true.
func (cc *clientConn) abortRequestBody(bc *backConn) (status int, clientFault bool) {
	b := &cc.body
	select {
	case <-b.done: // it had finished on its own
	default:
		cc.interruptRequestBody(bc)
	}
	b.running = false
	cc.rec.ReceivedBytes += b.n
	if b.err != nil {
		cc.linger = true
	}
	if !b.clientSide || !b.clientFault {
		return 0, false
	}
	switch {
	case b.err == errChunked:
		return stBadRequest, true
	case isTimeout(b.err):
		return 408, true
	}
	return 0, true
}

// interruptRequestBody makes a running copier return and waits for it.
func (cc *clientConn) interruptRequestBody(bc *backConn) {
	b := &cc.body
	b.aborted.Store(true)
	closeNow(bc.conn)
	cc.c.SetReadDeadline(aLongTimeAgo)
	<-b.done
	cc.dl.rd = time.Time{} // not the deadline we chose: set it again before the next read
}

// discardWait bounds how long the client may go on sending a request body
// after the response has been sent in full.
const discardWait = 2 * time.Second

// endRequestBody waits for the copier, if one ran, once the response is
// complete. If the body is still arriving it is read and dropped for up to
// discardWait, so that the connection can serve the next request. inSync
// reports that the client connection is positioned at the next request,
// bodySent that the back end received the whole body.
func (cc *clientConn) endRequestBody(bc *backConn, bodyInOut bool) (inSync, bodySent bool) {
	b := &cc.body
	if bodyInOut || !b.running {
		return true, true
	}
	select {
	case <-b.done:
	default:
		// Stop forwarding; a write the back end is not reading
		// is interrupted and the copier goes on discarding.
		b.discard.Store(true)
		bc.conn.SetWriteDeadline(aLongTimeAgo)
		t := time.NewTimer(discardWait)
		select {
		case <-b.done:
			t.Stop()
		case <-t.C:
			cc.interruptRequestBody(bc)
		}
		// The copier has returned. The deadline just set is not one bc.dl
		// knows: if the copier had written the whole body already, the
		// connection is reused, and its next write must set the deadline
		// again rather than fail on this one.
		bc.dl.wd = time.Time{}
	}
	b.running = false
	cc.rec.ReceivedBytes += b.n
	if b.err != nil {
		return false, false
	}
	return true, !b.discarded
}
