// Package proxyproto reads and writes version 1 of the PROXY protocol, the
// human-readable header a TCP proxy sends to a back end before any of the
// client's bytes so that the back end learns the client's address
// (haproxy/haproxy: doc/proxy-protocol.txt, §2.1). It is what an ELB sends
// on a TCP listener whose instance port has a ProxyProtocolPolicyType policy:
//
//	PROXY TCP4 198.51.100.22 203.0.113.7 35646 80\r\n
//
// with the client's address and port first and the load balancer's (the
// listener's) second.
//
// [AppendV1] writes a header without allocating, for the data plane.
// [ParseV1] and [ReadV1] read one strictly: a single header line of at most
// 107 bytes ending in CRLF, single spaces between fields, addresses that are
// valid for the announced family (no zones), and ports in 0–65535 written in
// decimal without leading zeros. They are for elbd's tests and for back ends
// written in Go; the data plane never parses the header.
//
// Version 2 (the binary form) is not implemented: Classic ELB only sends
// version 1.
package proxyproto
