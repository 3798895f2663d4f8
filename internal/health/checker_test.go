package health

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/elbd/elbd/internal/model"
)

// The four states a checked instance can be in, spelled out rather than
// taken from model's constants, so that a change to those shows up here.
var (
	stRegistering = model.InstanceState{State: "OutOfService", ReasonCode: "ELB", Description: "Instance registration is still in progress."}
	stInService   = model.InstanceState{State: "InService", ReasonCode: "N/A", Description: "N/A"}
	stFailed      = model.InstanceState{State: "OutOfService", ReasonCode: "Instance", Description: "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."}
	stRecovering  = model.InstanceState{State: "OutOfService", ReasonCode: "Instance", Description: "Instance has not passed the configured HealthyThreshold number of health checks consecutively."}
)

func named(st model.InstanceState, id string) model.InstanceState {
	st.InstanceID = id
	return st
}

// fakeProber is a Prober whose result per address the test controls. It
// records when each probe starts and ends and whether probes overlap.
type fakeProber struct {
	mu       sync.Mutex
	behave   map[netip.Addr]func(context.Context) error
	starts   map[netip.Addr][]time.Time
	ends     map[netip.Addr][]time.Time
	errs     map[netip.Addr][]error // ctx.Err() when each probe returned
	inflight map[netip.Addr]int
	overlap  bool
	cur      int
	peak     int
	// calls, if not nil, receives each probe's address before it runs:
	// the test then steps the checker one probe at a time.
	calls chan netip.Addr
}

func newFakeProber() *fakeProber {
	return &fakeProber{
		behave:   map[netip.Addr]func(context.Context) error{},
		starts:   map[netip.Addr][]time.Time{},
		ends:     map[netip.Addr][]time.Time{},
		errs:     map[netip.Addr][]error{},
		inflight: map[netip.Addr]int{},
	}
}

var (
	pass  = func(context.Context) error { return nil }
	fail  = func(context.Context) error { return errors.New("refused") }
	hang  = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	takes = func(d time.Duration) func(context.Context) error {
		return func(ctx context.Context) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
)

func (f *fakeProber) set(a netip.Addr, b func(context.Context) error) {
	f.mu.Lock()
	f.behave[a] = b
	f.mu.Unlock()
}

func (f *fakeProber) Probe(ctx context.Context, a netip.Addr, _ Target, _ time.Duration) error {
	if f.calls != nil {
		f.calls <- a
	}
	f.mu.Lock()
	f.starts[a] = append(f.starts[a], time.Now())
	f.inflight[a]++
	if f.inflight[a] > 1 {
		f.overlap = true
	}
	f.cur++
	f.peak = max(f.peak, f.cur)
	b := f.behave[a]
	f.mu.Unlock()
	if b == nil {
		b = pass
	}
	err := b(ctx)
	f.mu.Lock()
	f.inflight[a]--
	f.cur--
	f.ends[a] = append(f.ends[a], time.Now())
	f.errs[a] = append(f.errs[a], ctx.Err())
	f.mu.Unlock()
	return err
}

func (f *fakeProber) count(a netip.Addr) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.starts[a])
}

// waitInFlight sleeps until a probe of a is in flight.
func (f *fakeProber) waitInFlight(a netip.Addr) {
	for {
		f.mu.Lock()
		n := f.inflight[a]
		f.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// changes records OnChange calls.
type changes struct {
	mu  sync.Mutex
	log []change
}

type change struct {
	key Key
	st  model.InstanceState
}

func (c *changes) onChange(k Key, st model.InstanceState) {
	c.mu.Lock()
	c.log = append(c.log, change{k, st})
	c.mu.Unlock()
}

func (c *changes) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.log)
}

func (c *changes) of(k Key) []model.InstanceState {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []model.InstanceState
	for _, ch := range c.log {
		if ch.key == k {
			out = append(out, ch.st)
		}
	}
	return out
}

func ip(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }

func key(i int) Key { return Key{Balancer: "lb", Instance: fmt.Sprintf("i-%08x", i)} }

var tcp80 = Target{Protocol: "TCP", Port: 80}

func spec(interval, timeout time.Duration, healthy, unhealthy int) Spec {
	return Spec{Target: tcp80, Interval: interval, Timeout: timeout, Healthy: healthy, Unhealthy: unhealthy}
}

func entries(n int, s Spec) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{Key: key(i), Addr: ip(i), Spec: s}
	}
	return es
}

func mustSet(t *testing.T, c *Checker, es []Entry) {
	t.Helper()
	if err := c.Set(es); err != nil {
		t.Fatalf("Set: %v", err)
	}
}

func wantState(t *testing.T, c *Checker, k Key, want model.InstanceState) {
	t.Helper()
	got, ok := c.State(k)
	want.InstanceID = k.Instance
	if !ok || got != want {
		t.Fatalf("State(%v) = %+v, %v, want %+v", k, got, ok, want)
	}
}

// TestStateMachine drives one instance through scripted check results, one
// check at a time, and checks the state after each and the OnChange calls.
func TestStateMachine(t *testing.T) {
	type step struct {
		pass bool
		want model.InstanceState
	}
	P := func(want model.InstanceState) step { return step{true, want} }
	F := func(want model.InstanceState) step { return step{false, want} }
	tests := []struct {
		name               string
		healthy, unhealthy int
		steps              []step
		changes            []model.InstanceState
	}{
		{
			name: "first passing check makes a new instance InService", healthy: 10, unhealthy: 2,
			steps:   []step{P(stInService), P(stInService), P(stInService)},
			changes: []model.InstanceState{stInService},
		},
		{
			name: "UnhealthyThreshold consecutive failures take it out", healthy: 10, unhealthy: 3,
			steps: []step{
				P(stInService), F(stInService), F(stInService), P(stInService), // a pass resets the count
				F(stInService), F(stInService), F(stFailed), F(stFailed),
			},
			changes: []model.InstanceState{stInService, stFailed},
		},
		{
			name: "recovery needs HealthyThreshold consecutive passes", healthy: 3, unhealthy: 2,
			steps: []step{
				P(stInService), F(stInService), F(stFailed),
				P(stRecovering), P(stRecovering), F(stRecovering), // one failure does not undo recovery's description
				P(stRecovering), P(stRecovering), P(stInService), P(stInService),
			},
			changes: []model.InstanceState{stInService, stFailed, stRecovering, stInService},
		},
		{
			name: "a recovering instance failing UnhealthyThreshold times is failed again", healthy: 5, unhealthy: 2,
			steps: []step{
				P(stInService), F(stInService), F(stFailed), P(stRecovering), F(stRecovering), F(stFailed),
			},
			changes: []model.InstanceState{stInService, stFailed, stRecovering, stFailed},
		},
		{
			name: "a new instance failing stays registering until UnhealthyThreshold", healthy: 10, unhealthy: 2,
			steps:   []step{F(stRegistering), F(stFailed), F(stFailed)},
			changes: []model.InstanceState{stFailed},
		},
		{
			name: "a new instance that failed is InService at its first pass", healthy: 10, unhealthy: 2,
			steps:   []step{F(stRegistering), F(stFailed), P(stInService), F(stInService), F(stFailed), P(stRecovering)},
			changes: []model.InstanceState{stFailed, stInService, stFailed, stRecovering},
		},
		{
			name: "thresholds of 1", healthy: 1, unhealthy: 1,
			steps:   []step{P(stInService), F(stFailed), P(stInService)},
			changes: []model.InstanceState{stInService, stFailed, stInService},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeProber()
				f.calls = make(chan netip.Addr)
				var ch changes
				c := New(Options{Prober: f, OnChange: ch.onChange})
				defer c.Close()
				k := key(1)
				const interval = 30 * time.Second
				set := time.Now()
				mustSet(t, c, []Entry{{Key: k, Addr: ip(1), Spec: spec(interval, 5*time.Second, tt.healthy, tt.unhealthy)}})
				wantState(t, c, k, stRegistering)
				if got := ch.of(k); len(got) != 0 {
					t.Fatalf("OnChange called on Set: %v", got)
				}
				prev := time.Time{}
				for i, s := range tt.steps {
					if s.pass {
						f.set(ip(1), pass)
					} else {
						f.set(ip(1), fail)
					}
					<-f.calls // time advances to the next check
					now := time.Now()
					if i == 0 {
						if d := now.Sub(set); d < 0 || d >= interval {
							t.Fatalf("first check %v after Set, want within [0, %v)", d, interval)
						}
					} else if d := now.Sub(prev); d < interval*9/10 || d > interval*11/10 {
						t.Fatalf("check %d came %v after the previous one, want %v ± 10%%", i, d, interval)
					}
					prev = now
					synctest.Wait() // the result is recorded
					wantState(t, c, k, s.want)
				}
				var want []model.InstanceState
				for _, st := range tt.changes {
					want = append(want, named(st, k.Instance))
				}
				if got := ch.of(k); !slices.Equal(got, want) {
					t.Fatalf("OnChange calls:\n got %v\nwant %v", got, want)
				}
			})
		})
	}
}

// TestStateStrings pins the test's literal strings to model's constants.
func TestStateStrings(t *testing.T) {
	for _, tt := range []struct {
		p    phase
		want model.InstanceState
	}{{registering, stRegistering}, {inService, stInService}, {failed, stFailed}, {recovering, stRecovering}} {
		if got := tt.p.state("i-1"); got != named(tt.want, "i-1") {
			t.Errorf("phase %d: %+v, want %+v", tt.p, got, tt.want)
		}
	}
}

// TestTimeoutBoundsCheck: a probe that does not answer fails at Timeout,
// and a pass reported after Timeout counts as a failure.
func TestTimeoutBoundsCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		f.set(ip(0), hang)
		f.set(ip(1), func(context.Context) error { time.Sleep(6 * time.Second); return nil }) // ignores ctx
		c := New(Options{Prober: f})
		defer c.Close()
		mustSet(t, c, entries(2, spec(30*time.Second, 5*time.Second, 2, 2)))
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		for i := range 2 {
			wantState(t, c, key(i), stFailed)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, e := range f.ends[ip(0)] { // the last start may still be running
			if d := e.Sub(f.starts[ip(0)][i]); d != 5*time.Second {
				t.Fatalf("hung probe %d lasted %v, want the 5s timeout", i, d)
			}
			if !errors.Is(f.errs[ip(0)][i], context.DeadlineExceeded) {
				t.Fatalf("hung probe %d ended with ctx error %v", i, f.errs[ip(0)][i])
			}
		}
		if n := len(f.starts[ip(0)]); n < 16 {
			t.Fatalf("%d checks in 10 minutes at 30s ± 3s, want about 20", n)
		}
	})
}

// TestChecksNeverOverlap: with Timeout above Interval and probes that use
// all of it, checks of one key follow each other without overlapping.
func TestChecksNeverOverlap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		for i := range 20 {
			f.set(ip(i), hang)
		}
		c := New(Options{Prober: f, Jitter: 0.5})
		defer c.Close()
		mustSet(t, c, entries(20, spec(5*time.Second, 20*time.Second, 2, 2)))
		time.Sleep(10 * time.Minute)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.overlap {
			t.Fatal("two checks of one key overlapped")
		}
		for i := range 20 {
			s, e := f.starts[ip(i)], f.ends[ip(i)]
			if len(s) < 25 {
				t.Fatalf("key %d: %d checks in 10 minutes of 20s checks", i, len(s))
			}
			for j := 1; j < len(s) && j < len(e); j++ {
				if s[j].Before(e[j-1]) {
					t.Fatalf("key %d: check %d started at %v, before check %d ended at %v", i, j, s[j], j-1, e[j-1])
				}
			}
		}
	})
}

// TestJitterSpreadsChecks: first checks are spread uniformly over the
// first Interval, later ones come Interval ± Jitter apart.
func TestJitterSpreadsChecks(t *testing.T) {
	const n, interval = 1000, 30 * time.Second
	for _, tt := range []struct {
		name   string
		jitter float64
		lo, hi time.Duration
	}{
		{"default 10%", 0, 27 * time.Second, 33 * time.Second},
		{"25%", 0.25, 22500 * time.Millisecond, 37500 * time.Millisecond},
		{"none", -1, interval, interval},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeProber()
				c := New(Options{Prober: f, Jitter: tt.jitter})
				defer c.Close()
				t0 := time.Now()
				mustSet(t, c, entries(n, spec(interval, 5*time.Second, 2, 2)))
				time.Sleep(5 * time.Minute)
				c.Close()

				var buckets [10]int
				minGap, maxGap := time.Hour, time.Duration(0)
				f.mu.Lock()
				defer f.mu.Unlock()
				for i := range n {
					s := f.starts[ip(i)]
					if len(s) < 8 {
						t.Fatalf("key %d: %d checks in 5 minutes", i, len(s))
					}
					off := s[0].Sub(t0)
					if off < 0 || off >= interval {
						t.Fatalf("key %d: first check at %v, want within [0, %v)", i, off, interval)
					}
					buckets[off*10/interval]++
					for j := 1; j < len(s); j++ {
						g := s[j].Sub(s[j-1])
						minGap, maxGap = min(minGap, g), max(maxGap, g)
					}
				}
				// Uniform: 100 per 3 s bucket expected, standard deviation ≈ 9.5.
				for b, k := range buckets {
					if k < 50 || k > 150 {
						t.Errorf("first checks in [%ds, %ds): %d of %d, want about %d", b*3, b*3+3, k, n, n/10)
					}
				}
				if minGap < tt.lo || maxGap > tt.hi {
					t.Errorf("gaps between checks in [%v, %v], want within [%v, %v]", minGap, maxGap, tt.lo, tt.hi)
				}
				if tt.lo != tt.hi && (minGap > tt.lo+(interval-tt.lo)/2 || maxGap < tt.hi-(tt.hi-interval)/2) {
					t.Errorf("gaps between checks in [%v, %v]: jitter does not spread them over [%v, %v]", minGap, maxGap, tt.lo, tt.hi)
				}
				t.Logf("first-check buckets %v; gaps in [%v, %v]", buckets, minGap, maxGap)
			})
		})
	}
}

// TestMaxConcurrent: no more probes in flight than MaxConcurrent, and
// queued checks still run.
func TestMaxConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		for i := range 50 {
			f.set(ip(i), takes(2*time.Second))
		}
		c := New(Options{Prober: f, MaxConcurrent: 3})
		defer c.Close()
		mustSet(t, c, entries(50, spec(10*time.Second, 5*time.Second, 2, 2)))
		time.Sleep(5 * time.Minute)
		c.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.peak != 3 {
			t.Fatalf("peak probes in flight = %d, want 3", f.peak)
		}
		// 3 slots × 300 s / 2 s = 450 checks at most; 50 keys share them.
		for i := range 50 {
			if n := len(f.starts[ip(i)]); n < 6 {
				t.Fatalf("key %d checked %d times in 5 minutes", i, n)
			}
		}
		if f.overlap {
			t.Fatal("two checks of one key overlapped")
		}
	})
}

// TestSetAddsAndRemoves: Set is the full desired set.
func TestSetAddsAndRemoves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		var ch changes
		c := New(Options{Prober: f, OnChange: ch.onChange})
		defer c.Close()
		s := spec(30*time.Second, 5*time.Second, 2, 2)
		a, b := Entry{key(1), ip(1), s}, Entry{key(2), ip(2), s}
		f.set(ip(2), hang)
		mustSet(t, c, []Entry{a, b})
		time.Sleep(90 * time.Second) // two checks of b: < 30 s + 33 s + 5 s

		wantState(t, c, a.Key, stInService)
		wantState(t, c, b.Key, stFailed)

		// Remove b while its probe hangs: the probe is cancelled at once.
		f.waitInFlight(ip(2))
		removed := time.Now()
		mustSet(t, c, []Entry{a})
		synctest.Wait()
		if _, ok := c.State(b.Key); ok {
			t.Fatal("State knows a removed key")
		}
		f.mu.Lock()
		last := len(f.ends[ip(2)]) - 1
		if f.ends[ip(2)][last] != removed || !errors.Is(f.errs[ip(2)][last], context.Canceled) {
			t.Fatalf("probe of the removed key ended at %v with %v, want at once with Canceled", f.ends[ip(2)][last].Sub(removed), f.errs[ip(2)][last])
		}
		f.mu.Unlock()
		nb := f.count(ip(2))
		time.Sleep(5 * time.Minute)
		if got := f.count(ip(2)); got != nb {
			t.Fatalf("removed key probed %d more times", got-nb)
		}
		if got := ch.of(b.Key); len(got) != 1 {
			t.Fatalf("OnChange for the removed key: %v, want only its failure", got)
		}

		// Adding b back starts it afresh; adding c starts c.
		f.set(ip(2), pass)
		cc := Entry{key(3), ip(3), s}
		mustSet(t, c, []Entry{a, b, cc})
		wantState(t, c, b.Key, stRegistering)
		wantState(t, c, cc.Key, stRegistering)
		wantState(t, c, a.Key, stInService)
		time.Sleep(30 * time.Second)
		wantState(t, c, b.Key, stInService)
		wantState(t, c, cc.Key, stInService)

		// Same key on two balancers: two state machines.
		other := Entry{Key{Balancer: "other", Instance: a.Key.Instance}, ip(1), s}
		f.set(ip(1), fail)
		mustSet(t, c, []Entry{a, other})
		wantState(t, c, other.Key, stRegistering)
		time.Sleep(2 * time.Minute)
		wantState(t, c, a.Key, stFailed)
		wantState(t, c, other.Key, stFailed)

		mustSet(t, c, nil)
		if _, ok := c.State(a.Key); ok {
			t.Fatal("State knows a key after Set(nil)")
		}
	})
}

// TestSetUpdatesSpec: state is kept; a new target restarts the counts; a
// new interval applies at once.
func TestSetUpdatesSpec(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		f.calls = make(chan netip.Addr)
		c := New(Options{Prober: f, Jitter: -1})
		defer c.Close()
		k := key(1)
		s := spec(30*time.Second, 5*time.Second, 2, 3)
		mustSet(t, c, []Entry{{k, ip(1), s}})
		step := func() time.Time { <-f.calls; synctest.Wait(); return time.Now() }
		step()
		wantState(t, c, k, stInService)
		f.set(ip(1), fail)
		step()
		step()
		wantState(t, c, k, stInService) // 2 of 3 failures

		// Only thresholds change: the counts are kept.
		s.Unhealthy = 2
		mustSet(t, c, []Entry{{k, ip(1), s}})
		wantState(t, c, k, stInService)
		t1 := step()
		wantState(t, c, k, stFailed) // 3 ≥ 2

		// A new interval applies from now (first check within it).
		s.Interval = 10 * time.Second
		mustSet(t, c, []Entry{{k, ip(1), s}})
		t2 := step()
		if d := t2.Sub(t1); d >= 10*time.Second {
			t.Fatalf("first check after the interval change came %v after the last, want < 10s", d)
		}
		if t3 := step(); t3.Sub(t2) != 10*time.Second {
			t.Fatalf("checks %v apart, want the new 10s interval", t3.Sub(t2))
		}

		// A new target keeps the state and restarts the counts.
		f.set(ip(1), pass)
		step()
		wantState(t, c, k, stRecovering) // 1 of 2 passes
		s.Target = Target{Protocol: "HTTP", Port: 8080, Path: "/health"}
		mustSet(t, c, []Entry{{k, ip(1), s}})
		wantState(t, c, k, stRecovering)
		step()
		wantState(t, c, k, stRecovering) // counting from zero: 1 of 2
		step()
		wantState(t, c, k, stInService)

		// A new address restarts the counts too.
		f.set(ip(1), fail)
		f.set(ip(9), fail)
		step()
		wantState(t, c, k, stInService) // 1 of 2 failures
		mustSet(t, c, []Entry{{k, ip(9), s}})
		if a := <-f.calls; a != ip(9) {
			t.Fatalf("probe after the address change went to %v", a)
		}
		synctest.Wait()
		wantState(t, c, k, stInService) // 1 of 2 again
		step()
		wantState(t, c, k, stFailed)
	})
}

// TestSetDropsStaleResult: a probe of the old target that ends after a
// target change does not count, and the counts restart.
func TestSetDropsStaleResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		f.calls = make(chan netip.Addr)
		c := New(Options{Prober: f})
		defer c.Close()
		k := key(1)
		s := spec(30*time.Second, 5*time.Second, 2, 2)
		step := func() { <-f.calls; synctest.Wait() }
		mustSet(t, c, []Entry{{k, ip(1), s}})
		step()
		wantState(t, c, k, stInService)
		f.set(ip(1), fail)
		step() // one failure of two
		wantState(t, c, k, stInService)

		f.set(ip(1), hang)
		<-f.calls
		synctest.Wait() // the probe hangs
		s.Target.Port = 81
		mustSet(t, c, []Entry{{k, ip(1), s}}) // cancels it; its failure is dropped
		f.set(ip(1), fail)
		synctest.Wait()
		wantState(t, c, k, stInService)
		f.mu.Lock()
		if err := f.errs[ip(1)][2]; !errors.Is(err, context.Canceled) {
			t.Fatalf("probe of the old target ended with %v, want Canceled", err)
		}
		f.mu.Unlock()

		step() // one failure of two: counting restarted
		wantState(t, c, k, stInService)
		step()
		wantState(t, c, k, stFailed)
	})
}

func TestSetRejectsInvalid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New(Options{Prober: newFakeProber()})
		defer c.Close()
		good := Entry{key(1), ip(1), spec(30*time.Second, 5*time.Second, 2, 2)}
		mustSet(t, c, []Entry{good})
		for name, bad := range map[string]Entry{
			"no address":    {key(2), netip.Addr{}, good.Spec},
			"no instance":   {Key{Balancer: "lb"}, ip(2), good.Spec},
			"zero interval": {key(2), ip(2), spec(0, time.Second, 2, 2)},
			"bad target":    {key(2), ip(2), Spec{Target: Target{Protocol: "UDP", Port: 53}, Interval: time.Second, Timeout: time.Second, Healthy: 2, Unhealthy: 2}},
			"duplicate":     good,
		} {
			if err := c.Set([]Entry{good, bad}); err == nil {
				t.Errorf("%s: Set accepted %+v", name, bad)
			}
		}
		if _, ok := c.State(key(2)); ok {
			t.Fatal("a rejected Set changed the checker")
		}
		wantState(t, c, good.Key, stRegistering)
	})
}

// TestClose: Close cancels probes in flight, stops timers, waits, and no
// OnChange follows. synctest.Test itself fails if a goroutine is left.
func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		var ch changes
		c := New(Options{Prober: f, OnChange: ch.onChange, MaxConcurrent: 4})
		es := entries(100, spec(5*time.Second, 4*time.Second, 2, 2))
		for i := range es {
			f.set(es[i].Addr, hang)
		}
		mustSet(t, c, es)
		time.Sleep(7 * time.Second) // some in flight, some queued
		f.mu.Lock()
		inflight := f.cur
		f.mu.Unlock()
		if inflight != 4 {
			t.Fatalf("%d probes in flight before Close, want 4", inflight)
		}
		closed := time.Now()
		c.Close()
		if time.Since(closed) != 0 {
			t.Fatal("Close waited for probes' timeouts instead of cancelling them")
		}
		f.mu.Lock()
		if f.cur != 0 {
			t.Fatalf("%d probes in flight after Close", f.cur)
		}
		total := 0
		for _, s := range f.starts {
			total += len(s)
		}
		f.mu.Unlock()
		nch := ch.len()
		time.Sleep(10 * time.Minute)
		f.mu.Lock()
		after := 0
		for _, s := range f.starts {
			after += len(s)
		}
		f.mu.Unlock()
		if after != total {
			t.Fatalf("%d probes after Close", after-total)
		}
		if n := ch.len(); n != nch {
			t.Fatalf("OnChange called %d times after Close", n-nch)
		}
		if err := c.Set(es); !errors.Is(err, ErrClosed) {
			t.Fatalf("Set after Close = %v, want ErrClosed", err)
		}
		c.Close() // idempotent
	})
}

// TestOnChangeMaySetAndState: OnChange can call back into the checker.
func TestOnChangeMaySetAndState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		var (
			c   *Checker
			mu  sync.Mutex
			got []model.InstanceState
		)
		c = New(Options{Prober: f, OnChange: func(k Key, st model.InstanceState) {
			s, _ := c.State(k)
			mu.Lock()
			got = append(got, s)
			mu.Unlock()
			_ = c.Set(nil) // remove everything from within the callback
		}})
		defer c.Close()
		mustSet(t, c, entries(1, spec(30*time.Second, 5*time.Second, 2, 2)))
		time.Sleep(time.Minute)
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0] != named(stInService, key(0).Instance) {
			t.Fatalf("OnChange saw %v", got)
		}
		if _, ok := c.State(key(0)); ok {
			t.Fatal("key still present after Set(nil) from OnChange")
		}
	})
}

// TestRealProberEndToEnd runs the checker with real time and the real
// prober against a TCP listener that goes away, with short intervals.
func TestRealProberEndToEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	accept := func(ln net.Listener) {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}
	go accept(ln)

	states := make(chan model.InstanceState, 16)
	c := New(Options{OnChange: func(_ Key, st model.InstanceState) { states <- st }})
	k := Key{Balancer: "lb", Instance: "i-1"}
	s := Spec{Target: Target{Protocol: "TCP", Port: port}, Interval: 50 * time.Millisecond, Timeout: 40 * time.Millisecond, Healthy: 2, Unhealthy: 2}
	mustSet(t, c, []Entry{{k, loopback, s}})
	expect := func(want model.InstanceState) {
		t.Helper()
		select {
		case got := <-states:
			if got != named(want, "i-1") {
				t.Fatalf("OnChange(%+v), want %+v", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no transition to %+v within 10s", want)
		}
	}
	expect(stInService)
	ln.Close()
	expect(stFailed)
	if ln, err = net.Listen("tcp", ln.Addr().String()); err == nil {
		go accept(ln)
		expect(stRecovering)
		expect(stInService)
		ln.Close()
	} else {
		t.Logf("port %d taken meanwhile; recovery not checked: %v", port, err)
	}
	c.Close()

	// No goroutine of the checker outlives Close (a timer callback that
	// fired concurrently may take a moment to return).
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestOnCheck checks that every check of a wanted key is reported with its
// result, after OnChange for the same check, and none after removal.
func TestOnCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeProber()
		var mu sync.Mutex
		var got []string
		c := New(Options{Prober: f, Jitter: -1,
			OnChange: func(k Key, st model.InstanceState) {
				mu.Lock()
				got = append(got, "change "+st.State)
				mu.Unlock()
			},
			OnCheck: func(k Key, pass bool) {
				mu.Lock()
				got = append(got, fmt.Sprintf("check %v", pass))
				mu.Unlock()
			}})
		defer c.Close()
		s := spec(10*time.Second, 2*time.Second, 2, 2)
		mustSet(t, c, entries(1, s))
		time.Sleep(10 * time.Second) // first check at a random offset in [0, 10 s)
		synctest.Wait()
		f.set(ip(0), fail)
		time.Sleep(20 * time.Second)
		synctest.Wait()
		mustSet(t, c, nil)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		want := []string{"change InService", "check true", "check false", "change OutOfService", "check false"}
		if !slices.Equal(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
	})
}
