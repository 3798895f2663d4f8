package httpproxy

import (
	"errors"
	"net"
	"sync"
	"time"
)

const (
	// readBufSize is the read buffer of a client or back-end connection:
	// HAProxy's default bufsize; any ordinary head arrives in one read.
	readBufSize = 16 << 10
	// copyBufSize is the buffer bodies are copied through.
	copyBufSize = 32 << 10
	// coalesceMax bounds what is appended to a head so that head and body
	// go out in one write.
	coalesceMax = 16 << 10
)

var (
	readBufs = sync.Pool{New: func() any { return new([readBufSize]byte) }}
	copyBufs = sync.Pool{New: func() any { return new([copyBufSize]byte) }}
)

// errFull reports a head that does not fit the largest allowed buffer.
var errFull = errors.New("httpproxy: head too large")

// reader is a read buffer over a connection, like bufio.Reader but with the
// buffered bytes exposed, so that heads are parsed where they were read and
// bodies are passed on without another copy. Buffers come from readBufs;
// one that had to grow for a large head is dropped when released.
type reader struct {
	buf  []byte
	r, w int
}

func (b *reader) init() {
	if b.buf == nil {
		b.buf = readBufs.Get().(*[readBufSize]byte)[:]
	}
	b.r, b.w = 0, 0
}

func (b *reader) release() {
	if len(b.buf) == readBufSize {
		readBufs.Put((*[readBufSize]byte)(b.buf))
	}
	b.buf, b.r, b.w = nil, 0, 0
}

// buffered returns the bytes read but not consumed.
func (b *reader) buffered() []byte { return b.buf[b.r:b.w] }

// discard consumes n buffered bytes.
func (b *reader) discard(n int) {
	b.r += n
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
}

// fill reads once from c, first making room at the end of the buffer by
// moving the unread bytes to the front or, when they fill it, by growing it
// up to max bytes. It returns errFull if the unread bytes already fill max.
func (b *reader) fill(c net.Conn, max int) (int, error) {
	if b.w == len(b.buf) {
		switch {
		case b.r > 0:
			b.w = copy(b.buf, b.buf[b.r:b.w])
			b.r = 0
		case len(b.buf) < max:
			nb := make([]byte, min(max, 2*len(b.buf)))
			copy(nb, b.buf[:b.w])
			if len(b.buf) == readBufSize {
				readBufs.Put((*[readBufSize]byte)(b.buf))
			}
			b.buf = nb
		default:
			return 0, errFull
		}
	}
	n, err := c.Read(b.buf[b.w:])
	b.w += n
	return n, err
}

// deadlines caches the read and write deadlines set on a connection, so
// that they are extended only once they have less than 15/16 of the timeout
// left: one deadline call every timeout/16 instead of one per operation.
// A deadline further away than the timeout (set under a longer one, by
// another listener sharing a pooled connection) is brought in at once.
type deadlines struct {
	rd, wd time.Time
}

// fresh reports whether deadline dl, seen at now, is within the tolerated
// window for timeout.
func fresh(dl, now time.Time, timeout time.Duration) bool {
	left := dl.Sub(now)
	return left >= timeout-timeout>>4 && left <= timeout
}

func (d *deadlines) read(c net.Conn, now time.Time, timeout time.Duration) error {
	if fresh(d.rd, now, timeout) {
		return nil
	}
	d.rd = now.Add(timeout)
	return c.SetReadDeadline(d.rd)
}

func (d *deadlines) write(c net.Conn, now time.Time, timeout time.Duration) error {
	if fresh(d.wd, now, timeout) {
		return nil
	}
	d.wd = now.Add(timeout)
	return c.SetWriteDeadline(d.wd)
}

// setRead sets an exact read deadline.
func (d *deadlines) setRead(c net.Conn, t time.Time) error {
	d.rd = t
	return c.SetReadDeadline(t)
}

// isTimeout reports a deadline error.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
