//go:build !linux || 386

package tcpproxy

import (
	"errors"
	"syscall"
	"time"
)

// kernelActivity reports whether this platform can ask the kernel when a
// socket last carried data and how much it has queued. Elsewhere than Linux
// there is no splice(2) to keep out of user space, so connections use the
// tracked copy. (linux/386 has splice but package syscall has no direct
// getsockopt there.)
const kernelActivity = false

func lastData(syscall.RawConn) (time.Duration, error) {
	return 0, errors.ErrUnsupported
}

func probeKernel(syscall.RawConn) error { return errors.ErrUnsupported }

type readiness struct {
	avail int64
	err   error
	check func(fd uintptr) bool
}

func newReadiness() *readiness { panic("tcpproxy: no splice path on this platform") }
