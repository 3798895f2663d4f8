package dataplane

import (
	"net/netip"
	"strings"

	"github.com/elbd/elbd/internal/accesslog"
	"github.com/elbd/elbd/internal/httpproxy"
	"github.com/elbd/elbd/internal/tcpproxy"
	"github.com/elbd/elbd/internal/tlspolicy"
)

// This file connects the plane to internal/accesslog: one Sink per
// balancer node address, as ELB writes one file per node, kept across
// snapshots while the balancer's AccessLog attribute is unchanged and
// replaced (the old one closed once no route uses it) when it changes.

// sinkKey names a node's access log.
type sinkKey struct {
	balancer string
	node     netip.Addr
}

// sinkEntry is a running sink and the configuration it was made from.
type sinkEntry struct {
	cfg  AccessLog
	sink *accesslog.Sink
}

// sinkFor returns the sink of balancer b's node address ip, creating it if
// needed, or nil when b has no access logs (or they cannot be written; the
// reason is logged). It marks the sink as used. p.mu is held.
func (p *Plane) sinkFor(b *Balancer, ip netip.Addr, used map[sinkKey]bool) *accesslog.Sink {
	if !b.AccessLog.Enabled || p.accessLogRoot == "" {
		return nil
	}
	k := sinkKey{b.Key, ip}
	used[k] = true
	if e := p.sinks[k]; e != nil && e.cfg == b.AccessLog {
		return e.sink
	}
	account, name, _ := strings.Cut(b.Key, "/")
	s, err := accesslog.NewSink(accesslog.Config{Root: p.accessLogRoot, Bucket: b.AccessLog.Bucket, Prefix: b.AccessLog.Prefix,
		AccountID: account, Region: p.region, LoadBalancer: name, NodeIP: ip, Interval: b.AccessLog.Interval, Logger: p.log})
	if err != nil {
		p.log.Warn("access log not written", "balancer", b.Key, "node", ip, "err", err)
		delete(used, k)
		return nil
	}
	if old := p.sinks[k]; old != nil {
		p.retiredSinks = append(p.retiredSinks, old.sink)
	}
	p.sinks[k] = &sinkEntry{cfg: b.AccessLog, sink: s}
	return s
}

// droppedLines is the access-log lines every sink, open or closed, has
// dropped.
func (p *Plane) droppedLines() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.closedDrops.Load()
	for _, e := range p.sinks {
		n += e.sink.Dropped()
	}
	for _, s := range p.retiredSinks {
		n += s.Dropped()
	}
	return float64(n)
}

// closeSinks closes the sinks no route uses any more, after the new
// routes are in place. p.mu is held; closing flushes the queued lines to
// disk, so it runs on its own goroutine.
func (p *Plane) closeSinks(used map[sinkKey]bool) {
	old := p.retiredSinks
	p.retiredSinks = nil
	for k, e := range p.sinks {
		if !used[k] {
			old = append(old, e.sink)
			delete(p.sinks, k)
		}
	}
	if len(old) == 0 {
		return
	}
	// Count their drops now, and what closing adds once closed, so
	// that the total never goes down.
	before := make([]uint64, len(old))
	for i, s := range old {
		before[i] = s.Dropped()
		p.closedDrops.Add(before[i])
	}
	p.conns.Add(1)
	go func() {
		defer p.conns.Done()
		for i, s := range old {
			if err := s.Close(); err != nil {
				p.log.Warn("access log: closing a file failed", "err", err)
			}
			p.closedDrops.Add(s.Dropped() - before[i])
		}
	}()
}

// logHTTP writes one HTTP request to sink.
func logHTTP(sink *accesslog.Sink, name string, port int, rec *httpproxy.Record) {
	e := accesslog.Entry{
		Time: rec.Time, LoadBalancer: name, Client: rec.Client,
		RequestTime: rec.RequestProcessingTime, BackendTime: rec.BackendProcessingTime, ResponseTime: rec.ResponseProcessingTime,
		ELBStatus: rec.ELBStatusCode, BackendStatus: rec.BackendStatusCode,
		ReceivedBytes: rec.ReceivedBytes, SentBytes: rec.SentBytes,
		Method: rec.Method, Host: rec.Host, URL: rec.URL, Proto: rec.Proto, UserAgent: rec.UserAgent,
		Scheme: "http", Port: port,
	}
	if rec.Backend != nil {
		e.Backend = rec.Backend.Addr
	}
	if rec.TLSVersion != 0 {
		e.Scheme = "https"
		e.SSLCipher, e.SSLProtocol = tlspolicy.CipherName(rec.TLSCipher), tlspolicy.ProtocolName(rec.TLSVersion)
	}
	sink.Log(&e)
}

// logTCP writes one TCP connection to sink. ELB's three times for TCP
// are: accept to the first byte sent to the instance, the instance's
// connect time, and first byte from it to the start of sending; elbd
// forwards bytes as they come, so it reports the connect time and zeros,
// or -1 for all three when no instance was reached.
func logTCP(sink *accesslog.Sink, name string, st *tcpproxy.Stats) {
	e := accesslog.Entry{
		Time: st.Start, LoadBalancer: name, Client: st.Client, TCP: true,
		RequestTime: -1, BackendTime: -1, ResponseTime: -1,
		ReceivedBytes: st.BytesIn, SentBytes: st.BytesOut,
	}
	if st.ConnectTime > 0 {
		e.Backend = st.Backend
		e.RequestTime, e.BackendTime, e.ResponseTime = 0, st.ConnectTime, 0
	}
	if st.TLSVersion != 0 {
		e.SSLCipher, e.SSLProtocol = tlspolicy.CipherName(st.TLSCipher), tlspolicy.ProtocolName(st.TLSVersion)
	}
	sink.Log(&e)
}
