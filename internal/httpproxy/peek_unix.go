//go:build linux || darwin || freebsd || netbsd || openbsd

package httpproxy

import (
	"crypto/tls"
	"net"
	"syscall"
)

// alive reports whether a pooled connection still looks usable: the peer
// has not closed it and sent nothing unsolicited. It peeks at the socket
// without blocking and without consuming anything. Used before a reused
// connection carries a request body, which could not be replayed if the
// connection turned out to be dead.
func alive(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	ok = true
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// EAGAIN: nothing to read, the normal state of an idle
		// connection. Anything else (data, EOF, an error) means it
		// cannot carry a new request.
		ok = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return ok && err == nil
}
