package health

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/elbd/elbd/internal/model"
)

// Defaults for Options.
const (
	DefaultJitter        = 0.1
	DefaultMaxConcurrent = 256
	maxJitter            = 0.5

	// maxTick is the spacing of the grid that checks' start times are
	// rounded up to, so that checks coming due together share one
	// wake-up of the process; see the package documentation. Intervals
	// shorter than 32 ticks use Interval/32.
	maxTick = 100 * time.Millisecond
)

// ErrClosed is returned by Set after Close.
var ErrClosed = errors.New("health: checker closed")

// errLate fails a check whose prober reported a pass after the timeout.
var errLate = errors.New("health: probe passed after the timeout")

// Key names one state machine: an instance as registered with one load
// balancer. An instance registered with two load balancers is checked by
// each, with each one's health check, as in ELB.
type Key struct {
	Balancer string
	Instance string
}

// Entry is one instance to check: its key, the address its target port is
// reached at, and the balancer's health check.
type Entry struct {
	Key  Key
	Addr netip.Addr
	Spec Spec
}

// Options configure a Checker. The zero value is usable.
type Options struct {
	// Prober runs the checks; nil means a &NetProber{}.
	Prober Prober
	// Jitter is the fraction of Interval by which each interval after the
	// first is randomly lengthened or shortened (uniformly in
	// ±Jitter×Interval), as HAProxy's spread-checks. 0 means
	// DefaultJitter (10 %); a negative value disables it; values above
	// 0.5 are capped at 0.5.
	Jitter float64
	// MaxConcurrent bounds the probes in flight at once; checks that come
	// due while all slots are busy wait in a FIFO queue. 0 means
	// DefaultMaxConcurrent.
	MaxConcurrent int
	// OnChange, if not nil, is called after each state transition of a
	// key with the new state: not on every check, not when a key is added
	// (it starts registering; see State) or removed. Calls for one key are
	// made one at a time and in order; calls for different keys may run
	// concurrently. OnChange runs on the probing goroutine and holds its
	// probe slot, so it should be quick; it may call State and Set
	// but must not call Close. A call may race with a Set that removes
	// the key; none is made once Close has returned.
	OnChange func(key Key, st model.InstanceState)
	// OnCheck, if not nil, is called after every check of a key that is
	// still wanted, with whether it passed, after OnChange for the same
	// check. The data plane uses it to readmit an instance that passive
	// health ejected as soon as an active check passes. The same rules
	// as for OnChange apply.
	OnCheck func(key Key, pass bool)
}

// phase is where a state machine is; each maps to one DescribeInstanceHealth
// answer.
type phase uint8

const (
	registering phase = iota // new: no pass, fewer than Unhealthy failures
	inService
	failed     // failed Unhealthy consecutive checks
	recovering // passed some checks since, fewer than Healthy
)

func (p phase) state(instance string) model.InstanceState {
	switch p {
	case inService:
		return model.InstanceState{InstanceID: instance, State: model.InService, ReasonCode: model.ReasonNA, Description: model.DescNA}
	case failed:
		return model.InstanceState{InstanceID: instance, State: model.OutOfService, ReasonCode: model.ReasonInstance, Description: model.DescFailedUnhealthy}
	case recovering:
		return model.InstanceState{InstanceID: instance, State: model.OutOfService, ReasonCode: model.ReasonInstance, Description: model.DescNotYetHealthy}
	default:
		return model.InstanceState{InstanceID: instance, State: model.OutOfService, ReasonCode: model.ReasonELB, Description: model.DescRegistering}
	}
}

// machine is the state of one key. All fields are guarded by Checker.mu.
type machine struct {
	key  Key
	addr netip.Addr
	spec Spec
	// gen changes when addr or the target changes; a result of a probe
	// started under another gen is dropped.
	gen uint64
	// epoch marks the machine as present in the latest Set.
	epoch uint64

	phase  phase
	passed bool // some check has passed since the key was added
	ok     int  // consecutive passes
	fail   int  // consecutive failures

	timer   *time.Timer
	due     time.Time          // when the timer was set to fire (the check's planned start)
	armed   bool               // timer set and not yet fired; never while queued or probing
	cancel  context.CancelFunc // of the probe in flight
	removed bool
}

// record applies one result and reports whether the phase changed.
func (m *machine) record(pass bool) bool {
	old := m.phase
	if pass {
		m.fail = 0
		m.ok++
		switch {
		case m.phase == inService:
		case !m.passed:
			// "A newly registered instance is considered healthy after
			// it passes the first health check."
			m.phase = inService
		case m.ok >= m.spec.Healthy:
			m.phase = inService
		default:
			m.phase = recovering
		}
		m.passed = true
	} else {
		m.ok = 0
		m.fail++
		if m.fail >= m.spec.Unhealthy {
			m.phase = failed
		}
	}
	return m.phase != old
}

// job is one probe, with what it was started with.
type job struct {
	m       *machine
	gen     uint64
	addr    netip.Addr
	target  Target
	timeout time.Duration
	ctx     context.Context
	cancel  context.CancelFunc
}

// Checker runs the active health checks of every (load balancer, instance)
// pair it is given. See the package documentation for the design.
type Checker struct {
	prober   Prober
	jitter   float64
	slots    int // MaxConcurrent
	onChange func(Key, model.InstanceState)
	onCheck  func(Key, bool)

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	origin time.Time      // of the tick grid
	wg     sync.WaitGroup // running probe goroutines

	mu     sync.Mutex
	closed bool
	epoch  uint64
	keys   map[Key]*machine
	active int        // probe goroutines running (slots taken)
	queue  []*machine // due, waiting for a slot
}

// New returns a Checker with no keys. Call Set to give it instances and
// Close to stop it.
func New(opts Options) *Checker {
	c := &Checker{
		prober:   opts.Prober,
		jitter:   opts.Jitter,
		slots:    opts.MaxConcurrent,
		onChange: opts.OnChange,
		onCheck:  opts.OnCheck,
		keys:     make(map[Key]*machine),
	}
	if c.prober == nil {
		c.prober = &NetProber{}
	}
	switch {
	case c.jitter == 0:
		c.jitter = DefaultJitter
	case c.jitter < 0:
		c.jitter = 0
	case c.jitter > maxJitter:
		c.jitter = maxJitter
	}
	if c.slots <= 0 {
		c.slots = DefaultMaxConcurrent
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.origin = time.Now()
	return c
}

// Set makes entries the full set of instances to check.
//
//   - A new key starts OutOfService/ELB/"Instance registration is still in
//     progress." and is first checked at a random offset in [0, Interval),
//     so that instances added together are not checked together.
//   - A key not in entries is removed: its timer is stopped, a probe in
//     flight is cancelled and its result dropped, and State no longer
//     knows it. Adding it again later starts it afresh.
//   - A key already present keeps its state. If its address or target
//     changed, its consecutive counts restart from zero, a probe in flight
//     is cancelled and its result dropped, and the next check is scheduled
//     at a random offset in [0, Interval). If only Interval changed, the
//     counts are kept and the next check is rescheduled the same way. A
//     new Timeout applies from the next check and new thresholds from the
//     next result, compared against the counts so far.
//
// Set validates all entries first and changes nothing if one is invalid
// (an invalid spec, an invalid address, an empty instance ID, or a key
// given twice). It returns ErrClosed after Close.
func (c *Checker) Set(entries []Entry) error {
	seen := make(map[Key]struct{}, len(entries))
	for i := range entries {
		e := &entries[i]
		if e.Key.Instance == "" {
			return fmt.Errorf("health: entry %d: empty instance ID", i)
		}
		if !e.Addr.IsValid() {
			return fmt.Errorf("health: %v: invalid address", e.Key)
		}
		if err := e.Spec.validate(); err != nil {
			return fmt.Errorf("%w (%v)", err, e.Key)
		}
		if _, dup := seen[e.Key]; dup {
			return fmt.Errorf("health: %v given twice", e.Key)
		}
		seen[e.Key] = struct{}{}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.epoch++
	for i := range entries {
		e := &entries[i]
		m := c.keys[e.Key]
		if m == nil {
			m = &machine{key: e.Key, addr: e.Addr, spec: e.Spec, epoch: c.epoch}
			c.keys[e.Key] = m
			c.arm(m, c.firstCheck(e.Spec.Interval))
			continue
		}
		m.epoch = c.epoch
		old := m.spec
		m.spec = e.Spec
		reset := m.addr != e.Addr || old.Target != e.Spec.Target
		if reset {
			m.addr = e.Addr
			m.gen++
			m.ok, m.fail = 0, 0
			if m.cancel != nil {
				m.cancel()
			}
		}
		// A queued or probing machine is rescheduled when its probe
		// ends (with a random offset if its gen changed). An armed one
		// whose timer has already fired is about to probe with the new
		// spec.
		if (reset || old.Interval != e.Spec.Interval) && m.armed && m.timer.Stop() {
			c.arm(m, c.firstCheck(e.Spec.Interval))
		}
	}
	for k, m := range c.keys {
		if m.epoch != c.epoch {
			c.remove(m)
			delete(c.keys, k)
		}
	}
	return nil
}

// remove stops m. c.mu is held.
func (c *Checker) remove(m *machine) {
	m.removed = true
	m.armed = false
	if m.timer != nil {
		m.timer.Stop()
	}
	if m.cancel != nil {
		m.cancel()
	}
}

// State returns the DescribeInstanceHealth view of key, and false if key is
// not being checked.
func (c *Checker) State(key Key) (model.InstanceState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.keys[key]
	if m == nil {
		return model.InstanceState{}, false
	}
	return m.phase.state(key.Instance), true
}

// Close stops all checks: timers are stopped, probes in flight are
// cancelled, and Close returns once they have ended. After Close, no probe
// runs and OnChange is not called; State still reports the last states.
// Close is idempotent.
func (c *Checker) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		for _, m := range c.keys {
			if m.timer != nil {
				m.timer.Stop()
			}
			m.armed = false
		}
		c.queue = nil
	}
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
}

// firstCheck returns a random time for the first check of a key with
// interval iv, within [now, now+iv) once rounded up to the tick grid.
func (c *Checker) firstCheck(iv time.Duration) time.Time {
	span := iv - tick(iv)
	if span <= 0 {
		span = iv
	}
	return time.Now().Add(time.Duration(rand.Int64N(int64(span))))
}

// tick returns the grid spacing for interval iv.
func tick(iv time.Duration) time.Duration {
	return max(min(maxTick, iv/32), 1)
}

// arm schedules m's next check at due rounded up to the tick grid, or at
// the next tick if due has passed. c.mu is held.
func (c *Checker) arm(m *machine, due time.Time) {
	now := time.Now()
	if due.Before(now) {
		due = now
	}
	q := tick(m.spec.Interval)
	off := due.Sub(c.origin)
	due = c.origin.Add((off + q - 1) / q * q)
	d := due.Sub(now)
	m.due = due
	m.armed = true
	if m.timer == nil {
		m.timer = time.AfterFunc(d, func() { c.fire(m) })
	} else {
		m.timer.Reset(d)
	}
}

// fire runs when m's timer expires, in the timer's own goroutine: it takes
// a slot and probes on this goroutine, or queues m if none is free.
func (c *Checker) fire(m *machine) {
	c.mu.Lock()
	if c.closed || m.removed || !m.armed {
		c.mu.Unlock()
		return
	}
	m.armed = false
	if c.active >= c.slots {
		c.queue = append(c.queue, m)
		c.mu.Unlock()
		return
	}
	c.active++
	c.wg.Add(1)
	j := c.start(m)
	c.mu.Unlock()
	c.run(j)
}

// start prepares a probe of m. c.mu is held.
func (c *Checker) start(m *machine) job {
	ctx, cancel := context.WithTimeout(c.ctx, m.spec.Timeout)
	m.cancel = cancel
	return job{m: m, gen: m.gen, addr: m.addr, target: m.spec.Target, timeout: m.spec.Timeout, ctx: ctx, cancel: cancel}
}

// run probes j, records the result, schedules that key's next check, and
// goes on with queued keys while there are any. It holds one slot.
func (c *Checker) run(j job) {
	defer c.wg.Done()
	for {
		begin := time.Now()
		err := c.prober.Probe(j.ctx, j.addr, j.target, j.timeout)
		if err == nil && time.Since(begin) > j.timeout {
			err = errLate
		}
		j.cancel()

		m := j.m
		c.mu.Lock()
		m.cancel = nil
		var st model.InstanceState
		current := !c.closed && !m.removed && m.gen == j.gen
		changed := current && m.record(err == nil)
		if changed {
			st = m.phase.state(m.key.Instance)
		}
		c.mu.Unlock()

		// Before the next check is scheduled, so that calls for one
		// key never overlap.
		if changed && c.onChange != nil {
			c.onChange(m.key, st)
		}
		if current && c.onCheck != nil {
			c.onCheck(m.key, err == nil)
		}

		c.mu.Lock()
		if !c.closed && !m.removed {
			if m.gen != j.gen {
				c.arm(m, c.firstCheck(m.spec.Interval)) // target or address changed meanwhile
			} else {
				// From the planned start, so that lateness (a wait for
				// a slot, the timer's own delay) does not accumulate.
				c.arm(m, m.due.Add(c.interval(m.spec.Interval)))
			}
		}
		next := c.dequeue()
		if next == nil {
			c.active--
			c.mu.Unlock()
			return
		}
		j = c.start(next)
		c.mu.Unlock()
	}
}

// dequeue pops the first queued machine still wanted, or nil. c.mu is held.
func (c *Checker) dequeue() *machine {
	for len(c.queue) > 0 {
		m := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		if !c.closed && !m.removed {
			return m
		}
	}
	c.queue = nil // drop the emptied backing array
	return nil
}

// interval returns the time from the start of one check to the start of
// the next: Interval ± jitter.
func (c *Checker) interval(iv time.Duration) time.Duration {
	j := time.Duration(c.jitter * float64(iv))
	if j <= 0 {
		return iv
	}
	return iv - j + time.Duration(rand.Int64N(int64(2*j)+1))
}
