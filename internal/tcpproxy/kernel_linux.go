//go:build linux && !386

package tcpproxy

import (
	"net"
	"syscall"
	"time"
	"unsafe"
)

// kernelActivity reports whether this platform can ask the kernel when a
// socket last carried data (lastData) and how much it has queued
// (readiness), which the splice path needs; probeKernel checks that it
// answers.
const kernelActivity = true

// lastData returns how long ago the socket behind rc last sent or received
// data (not keep-alive probes, not bare ACKs), as the kernel accounts it in
// struct tcp_info (tcpi_last_data_sent and tcpi_last_data_recv, in
// milliseconds with jiffy resolution). It is how the idle timeout sees
// bytes that splice(2) moves without the process touching them.
func lastData(rc syscall.RawConn) (time.Duration, error) {
	var (
		info  syscall.TCPInfo
		errno syscall.Errno
	)
	err := rc.Control(func(fd uintptr) {
		size := uint32(unsafe.Sizeof(info))
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
		if errno == 0 && uintptr(size) < unsafe.Offsetof(info.Last_data_recv)+unsafe.Sizeof(info.Last_data_recv) {
			errno = syscall.EINVAL // a kernel too old to fill the fields in
		}
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, &net.OpError{Op: "getsockopt", Net: "tcp", Err: errno}
	}
	return time.Duration(min(info.Last_data_sent, info.Last_data_recv)) * time.Millisecond, nil
}

// readiness is the syscall.RawConn.Read callback with which a splicing
// direction waits for its source socket to have something to deliver
// before it takes a pipe: a splice blocked in a read would hold its pipe
// (two descriptors and up to 1 MiB of pipe buffer, counted against the
// user's fs.pipe-user-pages-soft) for as long as the connection is quiet.
type readiness struct {
	// avail is the number of bytes queued on the socket when check
	// returned true, or 0 when it returned for an end of stream or an
	// error. err is that error: reading it clears it from the socket,
	// so the caller must report it.
	avail int64
	err   error
	check func(fd uintptr) bool // ready, as a func value made once
	peek  [1]byte
}

func newReadiness() *readiness {
	r := new(readiness)
	r.check = r.ready
	return r
}

// ready reports whether the socket fd has bytes, an end of stream or an
// error to deliver; when it returns false, the poller waits for the socket
// to become readable and calls it again.
func (r *readiness) ready(fd uintptr) bool {
	r.avail, r.err = 0, nil
	for {
		n, errno := inq(fd)
		if errno != 0 {
			r.err = &net.OpError{Op: "ioctl", Net: "tcp", Err: errno}
			return true
		}
		if n > 0 {
			r.avail = n
			return true
		}
		// Nothing queued: an end of stream, an error, or nothing yet. A
		// one-byte MSG_PEEK tells them apart without consuming anything.
		k, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&r.peek[0])), 1,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return false
		case errno != 0:
			r.err = &net.OpError{Op: "read", Net: "tcp", Err: errno} // ECONNRESET, for instance
			return true
		case k > 0:
			continue // bytes arrived since inq: count them
		}
		return true // the end of stream
	}
}

// inq returns the number of bytes in the receive queue of socket fd.
func inq(fd uintptr) (int64, syscall.Errno) {
	var n int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	return int64(n), errno
}

// probeKernel returns an error unless the kernel answers both questions the
// splice path asks about the socket behind rc: lastData and inq.
func probeKernel(rc syscall.RawConn) error {
	if _, err := lastData(rc); err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) { _, errno = inq(fd) }); err != nil {
		return err
	}
	if errno != 0 {
		return &net.OpError{Op: "ioctl", Net: "tcp", Err: errno}
	}
	return nil
}
