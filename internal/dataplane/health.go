package dataplane

import (
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/health"
	"github.com/elbd/elbd/internal/model"
)

// This file connects the plane to the active health checker and runs
// connection draining. Health verdicts flip flags on the shared
// *balance.Backend values, so a transition costs no new snapshot; a drain
// keeps an instance's backends alive, outside every Set, until nothing is
// in flight to it or its deadline passes, and then retires them, which
// closes whatever connections remain.

// healthIndex maps each checked (balancer, instance) to its backends, one
// per instance port. Immutable once published.
type healthIndex map[health.Key][]*balance.Backend

// drainState is one instance draining from one balancer. Guarded by
// Plane.mu, except ended, which InstanceHealth reads without it.
type drainState struct {
	until    time.Time
	backends []*balance.Backend
	ended    atomic.Bool
}

// drainPoll is how often drains are checked for their end. A drain ends
// at most this long after its last request completes.
const drainPoll = 100 * time.Millisecond

// onHealthChange applies a health transition to the instance's backends.
func (p *Plane) onHealthChange(k health.Key, st model.InstanceState) {
	up := st.State == model.InService
	for _, be := range (*p.index.Load())[k] {
		if be.SetHealthy(up) {
			p.log.Info("instance health changed", "balancer", k.Balancer, "instance", k.Instance,
				"state", st.State, "reason", st.Description)
		}
		if up {
			be.Readmit()
		}
	}
}

// onHealthCheck readmits an instance ejected by passive health as soon as
// an active check passes.
func (p *Plane) onHealthCheck(k health.Key, pass bool) {
	if !pass {
		return
	}
	for _, be := range (*p.index.Load())[k] {
		if be.Readmit() {
			p.log.Info("instance readmitted after a passing health check", "balancer", k.Balancer, "instance", k.Instance)
		}
	}
}

// healthy reports the checker's verdict for k, for a backend being
// created: true when the balancer has no health check.
func (p *Plane) healthy(b *Balancer, k health.Key) bool {
	if b.HealthCheck.Interval <= 0 {
		return true
	}
	st, ok := p.checker.State(k)
	return ok && st.State == model.InService
}

// InstanceHealth answers DescribeInstanceHealth for an instance of the
// balancer "account/name": the drain's state while the instance drains
// (InService, deregistration in progress, until it ends), else the active
// checker's verdict. ok is false when the plane has none.
func (p *Plane) InstanceHealth(balancer, instance string) (model.InstanceState, bool) {
	k := health.Key{Balancer: balancer, Instance: instance}
	p.mu.Lock()
	d := p.drains[k]
	p.mu.Unlock()
	if d != nil {
		if d.ended.Load() {
			return model.InstanceState{InstanceID: instance, State: model.OutOfService,
				ReasonCode: model.ReasonELB, Description: model.DescNotRegistered}, true
		}
		return model.InstanceState{InstanceID: instance, State: model.InService,
			ReasonCode: model.ReasonELB, Description: model.DescDeregistering}, true
	}
	return p.checker.State(k)
}

// applyHealth hands the checker the instances of cfg with a health check
// and publishes the index its callbacks use. p.mu is held.
func (p *Plane) applyHealth(cfg *Config, index healthIndex) {
	p.index.Store(&index)
	var entries []health.Entry
	for i := range cfg.Balancers {
		b := &cfg.Balancers[i]
		if b.HealthCheck.Interval <= 0 {
			continue
		}
		for _, in := range b.Instances {
			entries = append(entries, health.Entry{Key: health.Key{Balancer: b.Key, Instance: in.ID}, Addr: in.Addr, Spec: b.HealthCheck})
		}
	}
	if err := p.checker.Set(entries); err != nil {
		p.log.Error("health checks not updated", "err", err)
	}
	// A transition that happened between a backend's creation and the
	// index being published was not applied to it: sync every flag.
	for k, bes := range index {
		st, ok := p.checker.State(k)
		if !ok {
			continue
		}
		for _, be := range bes {
			be.SetHealthy(st.State == model.InService)
		}
	}
}

// applyDrains starts the drains cfg lists, forgets those it no longer
// lists, and retires every backend of the old snapshot that neither
// serves nor drains. used marks the backends that serve. p.mu is held.
func (p *Plane) applyDrains(cfg *Config, used map[backendKey]bool) {
	listed := map[health.Key]time.Time{}
	for i := range cfg.Balancers {
		b := &cfg.Balancers[i]
		for _, d := range b.Draining {
			listed[health.Key{Balancer: b.Key, Instance: d.ID}] = d.Until
		}
	}
	for k := range p.drains {
		if _, ok := listed[k]; !ok {
			p.endDrain(k, used)
		}
	}
	for k, until := range listed {
		d := p.drains[k]
		if d == nil {
			d = &drainState{until: until}
			for bk, be := range p.backends {
				if bk.balancer == k.Balancer && bk.instance == k.Instance && !used[bk] {
					d.backends = append(d.backends, be)
				}
			}
			p.drains[k] = d
			p.log.Info("connection draining started", "balancer", k.Balancer, "instance", k.Instance, "until", until)
		}
		for _, be := range d.backends {
			used[backendKey{k.Balancer, k.Instance, int(be.Addr.Port())}] = true
		}
	}
	for bk, be := range p.backends {
		if !used[bk] {
			be.Retire()
			delete(p.backends, bk)
		}
	}
	if len(p.drains) > 0 && !p.draining {
		p.draining = true
		p.conns.Add(1)
		go p.drainLoop()
	}
}

// endDrain forgets the drain of k, retiring its backends unless they
// serve again (the instance was registered again while it drained).
// p.mu is held.
func (p *Plane) endDrain(k health.Key, used map[backendKey]bool) {
	d := p.drains[k]
	for _, be := range d.backends {
		bk := backendKey{k.Balancer, k.Instance, int(be.Addr.Port())}
		if used[bk] && p.backends[bk] == be {
			continue
		}
		be.Retire()
		if p.backends[bk] == be {
			delete(p.backends, bk)
		}
	}
	delete(p.drains, k)
}

// drainLoop ends drains whose instance has nothing in flight or whose
// deadline has passed. It runs while any drain is in progress.
func (p *Plane) drainLoop() {
	defer p.conns.Done()
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		running := 0
		now := time.Now()
		for k, d := range p.drains {
			if d.ended.Load() {
				continue
			}
			busy := false
			for _, be := range d.backends {
				if be.Outstanding() > 0 {
					busy = true
				}
			}
			if busy && now.Before(d.until) {
				running++
				continue
			}
			for _, be := range d.backends {
				be.Retire()
				bk := backendKey{k.Balancer, k.Instance, int(be.Addr.Port())}
				if p.backends[bk] == be {
					delete(p.backends, bk)
				}
			}
			d.ended.Store(true)
			reason := "nothing in flight"
			if busy {
				reason = "timeout; open connections closed"
			}
			p.log.Info("connection draining ended", "balancer", k.Balancer, "instance", k.Instance, "why", reason)
		}
		if running == 0 {
			p.draining = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}
