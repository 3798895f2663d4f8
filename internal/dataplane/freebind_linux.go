//go:build linux

package dataplane

import "syscall"

// freebind sets IP_FREEBIND on a socket before it binds. Linux lets an
// IPv4 socket bind any address of a local route (an AnyIP route such as
// "ip route add local 127.100.0.0/16 dev lo"), but an IPv6 socket only an
// address configured on an interface, unless the socket has IP_FREEBIND
// or net.ipv6.ip_nonlocal_bind is 1. With it, the documented setup for
// --address-pool6 (an AnyIP route, "ip -6 route add local fd00:e1b::/64
// dev lo") is enough for IPv6 listeners and for the probes, which bind
// the node address as their source. An address with no route at all then
// binds too, but its listener fails its probe and stays out of DNS.
func freebind(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_IP, syscall.IP_FREEBIND, 1)
	}); err != nil {
		return err
	}
	return serr
}
