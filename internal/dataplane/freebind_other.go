//go:build !linux

package dataplane

import "syscall"

// freebind does nothing where IP_FREEBIND does not exist.
func freebind(_, _ string, _ syscall.RawConn) error { return nil }
