package elb

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/store"
)

// Config is the environment the service works in.
type Config struct {
	Region    string
	Zones     []string
	DNSDomain string
	Subnets   []model.Subnet
	Groups    []model.SecurityGroup
	Limits    model.Limits
	// Accounts are the known account ids; instances may be restricted to
	// one of them.
	Accounts []string
	// AddressPool and AddressPool6 are the ranges load balancer node
	// addresses come from; an invalid (zero) prefix disables allocation.
	AddressPool  netip.Prefix
	AddressPool6 netip.Prefix
	// Static resolves instances declared in the config file; may be nil.
	Static InstanceSource
	// Health reports data-plane health; nil means no data plane yet.
	Health HealthSource
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// InstanceSource resolves statically declared instances.
type InstanceSource interface {
	Instance(id string) (model.Instance, bool)
}

// Key names an account-scoped object.
type Key struct{ Account, Name string }

// State is one immutable snapshot of the desired state. Nothing reachable
// from a published State is ever modified.
type State struct {
	// Revision increases by one with every committed change.
	Revision      uint64
	LoadBalancers map[Key]*model.LoadBalancer
	Certificates  map[Key]*model.Certificate
	// Instances are those added through the admin API.
	Instances map[string]*model.Instance
	// StickyKey is the secret that sticky-session cookies are signed
	// with: 32 random bytes made when the store is first opened and kept
	// in it, so that cookies stay valid across restarts and cluster
	// members. Never shown through the API.
	StickyKey []byte
}

// Service applies actions to the state.
type Service struct {
	cfg     Config
	st      store.Store
	subnets map[string]model.Subnet
	groups  map[string]model.SecurityGroup
	zones   map[string]bool
	log     *slog.Logger

	mu    sync.Mutex // serialises writers
	state atomic.Pointer[State]

	subMu sync.Mutex
	subs  map[chan *State]struct{}
}

// Store key prefixes.
const (
	prefixLB   = "lb/"
	prefixCert = "cert/"
	prefixInst = "instance/"
	// keySticky holds State.StickyKey.
	keySticky = "secret/sticky-key"
)

func lbKey(k Key) string   { return prefixLB + k.Account + "/" + k.Name }
func certKey(k Key) string { return prefixCert + k.Account + "/" + k.Name }

// New loads the state from st.
func New(ctx context.Context, cfg Config, st store.Store) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Limits == (model.Limits{}) {
		cfg.Limits = model.DefaultLimits()
	}
	s := &Service{cfg: cfg, st: st, log: cfg.Logger,
		subnets: map[string]model.Subnet{}, groups: map[string]model.SecurityGroup{}, zones: map[string]bool{},
		subs: map[chan *State]struct{}{}}
	for _, sn := range cfg.Subnets {
		s.subnets[sn.ID] = sn
	}
	for _, g := range cfg.Groups {
		s.groups[g.ID] = g
	}
	for _, z := range cfg.Zones {
		s.zones[z] = true
	}
	kv, err := st.Load(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("elb: load state: %w", err)
	}
	state := &State{LoadBalancers: map[Key]*model.LoadBalancer{}, Certificates: map[Key]*model.Certificate{},
		Instances: map[string]*model.Instance{}}
	for k, v := range kv {
		switch {
		case strings.HasPrefix(k, prefixLB):
			var lb model.LoadBalancer
			if err := json.Unmarshal(v, &lb); err != nil {
				return nil, fmt.Errorf("elb: decode %s: %w", k, err)
			}
			state.LoadBalancers[Key{lb.Account, lb.Name}] = &lb
		case strings.HasPrefix(k, prefixCert):
			var c model.Certificate
			if err := json.Unmarshal(v, &c); err != nil {
				return nil, fmt.Errorf("elb: decode %s: %w", k, err)
			}
			state.Certificates[Key{c.Account, c.Name}] = &c
		case k == keySticky:
			state.StickyKey = v
		case strings.HasPrefix(k, prefixInst):
			var in model.Instance
			if err := json.Unmarshal(v, &in); err != nil {
				return nil, fmt.Errorf("elb: decode %s: %w", k, err)
			}
			state.Instances[in.ID] = &in
		}
	}
	if len(state.StickyKey) == 0 {
		key := make([]byte, 32)
		rand.Read(key)
		if err := st.Commit(ctx, []store.Op{store.Put(keySticky, key)}); err != nil {
			return nil, fmt.Errorf("elb: store the sticky-session key: %w", err)
		}
		state.StickyKey = key
	}
	s.state.Store(state)
	if err := s.assignMissingNodes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// assignMissingNodes gives addresses to load balancers stored without them
// (created before a pool was configured, or by an older elbd).
func (s *Service) assignMissingNodes(ctx context.Context) error {
	return s.update(ctx, func(t *txn) error {
		for _, cur := range t.base.LoadBalancers {
			lb := cur.Clone()
			if err := s.assignNodes(t.next.orBase(t.base), lb); err != nil {
				s.log.Warn("cannot assign addresses", "load_balancer", lb.Name, "err", err)
				continue
			}
			if !slices.Equal(lb.Nodes, cur.Nodes) {
				t.putLB(lb)
			}
		}
		return nil
	})
}

// orBase returns a view with the txn's pending load balancers, so that
// allocations made earlier in the same txn count as used.
func (n *State) orBase(base *State) *State {
	if n.LoadBalancers == nil {
		return base
	}
	return &State{LoadBalancers: n.LoadBalancers}
}

// Snapshot returns the current state. Callers must not modify it.
func (s *Service) Snapshot() *State { return s.state.Load() }

// Subscribe returns a channel that receives the newest state after every
// change (older undelivered states are dropped), starting with the current
// one. It is closed when ctx ends.
func (s *Service) Subscribe(ctx context.Context) <-chan *State {
	ch := make(chan *State, 1)
	ch <- s.state.Load()
	s.subMu.Lock()
	s.subs[ch] = struct{}{}
	s.subMu.Unlock()
	go func() {
		<-ctx.Done()
		s.subMu.Lock()
		delete(s.subs, ch)
		close(ch)
		s.subMu.Unlock()
	}()
	return ch
}

func (s *Service) publish(st *State) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for ch := range s.subs {
		select {
		case <-ch: // drop the stale one
		default:
		}
		ch <- st
	}
}

// txn collects the changes of one action on top of a base state.
type txn struct {
	base *State
	next State
	ops  []store.Op
	err  error
}

// cow returns the txn's own copy of a state map, cloning base on first
// write so that the published state is never modified.
func cow[K comparable, V any](m *map[K]V, base map[K]V) map[K]V {
	if *m == nil {
		*m = maps.Clone(base)
	}
	return *m
}

func (t *txn) putLB(lb *model.LoadBalancer) {
	k := Key{lb.Account, lb.Name}
	cow(&t.next.LoadBalancers, t.base.LoadBalancers)[k] = lb
	t.put(lbKey(k), lb)
}

func (t *txn) deleteLB(k Key) {
	delete(cow(&t.next.LoadBalancers, t.base.LoadBalancers), k)
	t.ops = append(t.ops, store.Delete(lbKey(k)))
}

func (t *txn) putCert(c *model.Certificate) {
	k := Key{c.Account, c.Name}
	cow(&t.next.Certificates, t.base.Certificates)[k] = c
	t.put(certKey(k), c)
}

func (t *txn) deleteCert(k Key) {
	delete(cow(&t.next.Certificates, t.base.Certificates), k)
	t.ops = append(t.ops, store.Delete(certKey(k)))
}

func (t *txn) putInstance(in *model.Instance) {
	cow(&t.next.Instances, t.base.Instances)[in.ID] = in
	t.put(prefixInst+in.ID, in)
}

func (t *txn) deleteInstance(id string) {
	delete(cow(&t.next.Instances, t.base.Instances), id)
	t.ops = append(t.ops, store.Delete(prefixInst+id))
}

func (t *txn) put(key string, v any) {
	b, err := json.Marshal(v)
	if err != nil && t.err == nil {
		t.err = err
	}
	t.ops = append(t.ops, store.Put(key, b))
}

// update runs fn against the current state and, if fn made changes,
// commits them durably and then publishes the new state. Nothing is
// visible to readers until the commit has succeeded.
func (s *Service) update(ctx context.Context, fn func(t *txn) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &txn{base: s.state.Load()}
	if err := fn(t); err != nil {
		return err
	}
	if t.err != nil {
		return model.Errorf(model.KindInternal, "encode state: %v", t.err)
	}
	if len(t.ops) == 0 {
		return nil
	}
	// The commit must not be abandoned halfway because a client went
	// away: it either happens entirely or not at all, and bbolt commits
	// are not interruptible anyway.
	if err := s.st.Commit(context.WithoutCancel(ctx), t.ops); err != nil {
		s.log.Error("commit failed", "err", err)
		return model.Errorf(model.KindInternal, "The change could not be stored; try again.")
	}
	next := t.next
	next.Revision = t.base.Revision + 1
	if next.LoadBalancers == nil {
		next.LoadBalancers = t.base.LoadBalancers
	}
	if next.Certificates == nil {
		next.Certificates = t.base.Certificates
	}
	if next.Instances == nil {
		next.Instances = t.base.Instances
	}
	next.StickyKey = t.base.StickyKey
	s.state.Store(&next)
	s.publish(&next)
	return nil
}

// lb returns the named load balancer of account or LoadBalancerNotFound.
func (st *State) lb(account, name string) (*model.LoadBalancer, error) {
	lb, ok := st.LoadBalancers[Key{account, name}]
	if !ok {
		return nil, notFound(name)
	}
	return lb, nil
}

func notFound(name string) error {
	return model.Errorf(model.KindLoadBalancerNotFound, "There is no ACTIVE Load Balancer named '%s'", name)
}

// modifyLB runs fn on a clone of the named load balancer and stores the
// result when fn succeeds.
func (s *Service) modifyLB(ctx context.Context, account, name string, fn func(lb *model.LoadBalancer) error) (*model.LoadBalancer, error) {
	var out *model.LoadBalancer
	err := s.update(ctx, func(t *txn) error {
		cur, err := t.base.lb(account, name)
		if err != nil {
			return err
		}
		lb := cur.Clone()
		if err := fn(lb); err != nil {
			return err
		}
		if err := s.assignNodes(t.base, lb); err != nil {
			return err
		}
		s.trackDrains(t.base, cur, lb)
		t.putLB(lb)
		out = lb
		return nil
	})
	return out, err
}

// Region returns the configured region.
func (s *Service) Region() string { return s.cfg.Region }

// Zones returns the configured zones.
func (s *Service) Zones() []string { return s.cfg.Zones }

// Limits returns the quotas.
func (s *Service) Limits() model.Limits { return s.cfg.Limits }

// Subnet returns a declared subnet.
func (s *Service) Subnet(id string) (model.Subnet, bool) { sn, ok := s.subnets[id]; return sn, ok }

// SecurityGroup returns a declared security group.
func (s *Service) SecurityGroup(id string) (model.SecurityGroup, bool) {
	g, ok := s.groups[id]
	return g, ok
}
