package dataplane

import (
	"strings"

	"github.com/elbd/elbd/internal/accesslog"
	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/desync"
	"github.com/elbd/elbd/internal/httpproxy"
	"github.com/elbd/elbd/internal/metrics"
	"github.com/elbd/elbd/internal/tcpproxy"
)

// This file connects the plane to internal/metrics: the proxies know
// nothing of Prometheus and metrics knows nothing of the proxies, so the
// translation from their per-request records to the ELB metrics lives
// here. Every function is a no-op when the plane has no Metrics.

// metricsKey returns the metrics key of balancer key bkey ("account/name")
// in zone.
func metricsKey(bkey, zone string) metrics.Key {
	account, name, ok := strings.Cut(bkey, "/")
	if !ok {
		account, name = "", bkey
	}
	return metrics.Key{Account: account, LoadBalancer: name, Zone: zone}
}

// instrument hooks r's proxy configuration to the metric handles of its
// balancer and zone (looked up once here, not per request) and to the
// node's access log sink (nil: none); name is the balancer's name.
func (p *Plane) instrument(r *route, sink *accesslog.Sink, name string) {
	var h *metrics.Handles
	if p.metrics != nil {
		h = p.metrics.Handles(metricsKey(r.balancer, r.zone))
		r.metrics = h
	}
	if h == nil && sink == nil {
		return
	}
	if r.http != nil {
		surge, port := r.http.Surge, r.port
		r.http.OnRequest = func(rec *httpproxy.Record) {
			if h != nil {
				observeHTTP(h, rec)
				if rec.Spillover {
					h.Spillover()
				}
				if surge != nil && (rec.Queued || rec.Spillover) {
					h.SetSurgeQueueLength(int(surge.Len()))
				}
			}
			if sink != nil {
				logHTTP(sink, name, port, rec)
			}
		}
	}
	if r.tcp != nil {
		r.tcp.OnDone = func(st tcpproxy.Stats) {
			if h != nil {
				observeTCP(h, &st)
			}
			if sink != nil {
				logTCP(sink, name, &st)
			}
		}
	}
}

// observeHTTP records one HTTP request. Latency is ELB's: from sending the
// request to the instance to receiving its response head.
func observeHTTP(h *metrics.Handles, rec *httpproxy.Record) {
	h.Request()
	switch {
	case rec.BackendStatusCode != 0:
		h.BackendResponse(rec.BackendStatusCode)
		if rec.BackendProcessingTime >= 0 {
			h.Latency(rec.BackendProcessingTime)
		}
	case rec.ELBStatusCode != 0:
		h.ELBResponse(rec.ELBStatusCode)
	}
	h.BackendConnectionErrors(rec.ConnectErrors)
	switch rec.Desync.Class {
	case desync.Acceptable:
		h.NonCompliant(metrics.DesyncAcceptable)
	case desync.Ambiguous:
		h.NonCompliant(metrics.DesyncAmbiguous)
	case desync.Severe:
		h.NonCompliant(metrics.DesyncSevere)
	}
}

// observeTCP records the end of one TCP connection; it was counted in
// RequestCount when accepted (serve). Latency is the time to connect to
// the instance.
func observeTCP(h *metrics.Handles, st *tcpproxy.Stats) {
	h.BackendConnectionErrors(st.ConnectErrors)
	if st.ConnectTime > 0 {
		h.Latency(st.ConnectTime)
	}
}

// bindFailed counts a failed bind of st's address.
func (p *Plane) bindFailed(st ListenerStatus) {
	if p.metrics != nil {
		p.metrics.BindFailed(metricsKey(st.Balancer, st.Zone), st.Addr.String())
	}
}

// observeHosts sets b's healthy and unhealthy host counts per zone, for
// every zone it has a node or an instance in. An instance is healthy when
// none of its back ends (one per instance port, in sets) is unhealthy.
// The zones are added to live.
func (p *Plane) observeHosts(b *Balancer, sets map[int]*balance.Set, live map[metrics.Key]bool) {
	if p.metrics == nil {
		return
	}
	hosts := map[string]*[2]int{} // zone → healthy, unhealthy
	for _, n := range b.Nodes {
		hosts[n.Zone] = &[2]int{}
	}
	for _, in := range b.Instances {
		c := hosts[in.Zone]
		if c == nil {
			c = &[2]int{}
			hosts[in.Zone] = c
		}
		i := 0
		for _, s := range sets {
			if be := s.Backend(in.ID); be != nil && !be.Healthy() {
				i = 1
			}
		}
		c[i]++
	}
	for zone, c := range hosts {
		k := metricsKey(b.Key, zone)
		live[k] = true
		p.metrics.SetHosts(k, c[0], c[1])
	}
}

// observeListeners sets the listener gauges of every live (balancer,
// zone) from the status of an Apply, then deletes the series of the
// balancers and zones no longer served.
func (p *Plane) observeListeners(status []ListenerStatus, live map[metrics.Key]bool) {
	if p.metrics == nil {
		return
	}
	type counts struct{ serving, failed int }
	byKey := make(map[metrics.Key]*counts, len(live))
	for k := range live {
		byKey[k] = &counts{}
	}
	for _, st := range status {
		k := metricsKey(st.Balancer, st.Zone)
		c := byKey[k]
		if c == nil {
			c = &counts{}
			byKey[k], live[k] = c, true
		}
		if st.Err == nil {
			c.serving++
		} else {
			c.failed++
		}
	}
	for k, c := range byKey {
		p.metrics.SetListeners(k, c.serving, c.failed)
	}
	p.metrics.Retain(func(k metrics.Key) bool { return live[k] })
}
