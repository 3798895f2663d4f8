package balance

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// newBackends returns n healthy backends in zone named prefix0..prefixN-1.
func newBackends(n int, zone, prefix string) []*Backend {
	bs := make([]*Backend, n)
	for i := range bs {
		addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(len(zone)), byte(i)}), 80)
		bs[i] = NewBackend(fmt.Sprintf("%s%d", prefix, i), zone, addr)
		bs[i].SetHealthy(true)
	}
	return bs
}

// ids returns the IDs of bs, "<nil>" for nil entries.
func ids(bs []*Backend) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		if b == nil {
			out[i] = "<nil>"
			continue
		}
		out[i] = b.ID
	}
	return out
}

// picks calls pick n times and returns the picked IDs.
func picks(pick func([]*Backend) *Backend, cands []*Backend, n int) []string {
	out := make([]*Backend, n)
	for i := range out {
		out[i] = pick(cands)
	}
	return ids(out)
}

// counts calls pick n times and counts picks per ID.
func counts(pick func([]*Backend) *Backend, cands []*Backend, n int) map[string]int {
	m := make(map[string]int)
	for range n {
		b := pick(cands)
		if b == nil {
			m["<nil>"]++
			continue
		}
		m[b.ID]++
	}
	return m
}

// checkUniform fails unless counts has exactly the IDs want, each within tol
// (a fraction) of an equal share of total.
func checkUniform(t *testing.T, counts map[string]int, want []string, total int, tol float64) {
	t.Helper()
	if len(counts) != len(want) {
		t.Errorf("picked %v, want only %v", counts, want)
	}
	share := float64(total) / float64(len(want))
	for _, id := range want {
		got := float64(counts[id])
		if got < share*(1-tol) || got > share*(1+tol) {
			t.Errorf("%s picked %d times of %d, want %.0f ± %.0f%% (all: %v)", id, counts[id], total, share, tol*100, counts)
		}
	}
}

func TestBackendState(t *testing.T) {
	b := NewBackend("i-1", "z", netip.MustParseAddrPort("127.0.0.1:80"))
	if b.Healthy() || b.Ejected() || b.Usable() || b.Outstanding() != 0 {
		t.Fatalf("new backend: healthy=%v ejected=%v usable=%v outstanding=%d, want false false false 0",
			b.Healthy(), b.Ejected(), b.Usable(), b.Outstanding())
	}
	if !b.SetHealthy(true) || b.SetHealthy(true) || !b.Usable() {
		t.Errorf("SetHealthy(true) twice: want changed then unchanged, and usable")
	}
	b.Acquire()
	b.Acquire()
	b.Release()
	if got := b.Outstanding(); got != 1 {
		t.Errorf("Outstanding() = %d, want 1", got)
	}
	s := NewSet([]*Backend{b, NewBackend("i-2", "z", netip.AddrPort{})})
	if !s.TryEject(b) || !b.Ejected() || b.Usable() {
		t.Errorf("TryEject in a zone of 2: want ejected and not usable")
	}
	if s.TryEject(b) {
		t.Errorf("TryEject of an ejected backend = true, want false")
	}
	if !b.Readmit() || b.Readmit() || b.Ejected() {
		t.Errorf("Readmit: want true then false, and not ejected")
	}
}

func TestBackendLayout(t *testing.T) {
	var b Backend
	if size := unsafe.Sizeof(b); size%cacheLine != 0 {
		t.Errorf("Sizeof(Backend) = %d, want a multiple of %d", size, cacheLine)
	}
	if off := unsafe.Offsetof(b.ID); off != cacheLine {
		t.Errorf("Offsetof(Backend.ID) = %d, want %d (outstanding alone on the first line)", off, cacheLine)
	}
}

func TestRoundRobinOrder(t *testing.T) {
	tests := []struct {
		name      string
		unhealthy []int
		ejected   []int
		want      string
	}{
		{"all healthy", nil, nil, "a0 a1 a2 a3 a0 a1 a2 a3 a0 a1 a2 a3"},
		{"one unhealthy", []int{1}, nil, "a0 a2 a3 a0 a2 a3 a0 a2 a3 a0 a2 a3"},
		{"last unhealthy", []int{3}, nil, "a0 a1 a2 a0 a1 a2 a0 a1 a2 a0 a1 a2"},
		{"two unhealthy", []int{0, 2}, nil, "a1 a3 a1 a3 a1 a3 a1 a3 a1 a3 a1 a3"},
		{"one ejected", nil, []int{2}, "a0 a1 a3 a0 a1 a3 a0 a1 a3 a0 a1 a3"},
		{"one usable", []int{0, 1}, []int{3}, "a2 a2 a2 a2 a2 a2 a2 a2 a2 a2 a2 a2"},
		{"fail open", []int{0, 1, 2, 3}, nil, "a0 a1 a2 a3 a0 a1 a2 a3 a0 a1 a2 a3"},
		{"fail open prefers not ejected", []int{0, 1, 2, 3}, []int{1, 2}, "a0 a3 a0 a3 a0 a3 a0 a3 a0 a3 a0 a3"},
		{"all ejected", nil, []int{0, 1, 2, 3}, "a0 a1 a2 a3 a0 a1 a2 a3 a0 a1 a2 a3"},
		{"healthy ejected before unhealthy", []int{0, 1, 3}, []int{2}, "a2 a2 a2 a2 a2 a2 a2 a2 a2 a2 a2 a2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := newBackends(4, "z", "a")
			for _, i := range tt.unhealthy {
				bs[i].SetHealthy(false)
			}
			for _, i := range tt.ejected {
				bs[i].ejected.Store(true) // bypass the cap
			}
			var rr RoundRobin
			got := strings.Join(picks(rr.Pick, bs, 12), " ")
			if got != tt.want {
				t.Errorf("12 picks = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRoundRobinRecovery(t *testing.T) {
	bs := newBackends(3, "z", "a")
	var rr RoundRobin
	bs[1].SetHealthy(false)
	got := picks(rr.Pick, bs, 4)
	bs[1].SetHealthy(true)
	got = append(got, picks(rr.Pick, bs, 6)...)
	want := "a0 a2 a0 a2 a0 a1 a2 a0 a1 a2"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("picks across recovery = %s, want %s", g, want)
	}
}

func TestPickEmpty(t *testing.T) {
	var rr RoundRobin
	var lo LeastOutstanding
	for _, cands := range [][]*Backend{nil, {}} {
		if b := rr.Pick(cands); b != nil {
			t.Errorf("RoundRobin.Pick(%v) = %s, want nil", cands, b.ID)
		}
		if b := lo.Pick(cands); b != nil {
			t.Errorf("LeastOutstanding.Pick(%v) = %s, want nil", cands, b.ID)
		}
	}
}

func TestSingleCandidate(t *testing.T) {
	for _, healthy := range []bool{true, false} {
		b := newBackends(1, "z", "a")
		b[0].SetHealthy(healthy)
		var rr RoundRobin
		var lo LeastOutstanding
		if got := rr.Pick(b); got != b[0] {
			t.Errorf("healthy=%v: RoundRobin.Pick = %v, want a0", healthy, got)
		}
		if got := lo.Pick(b); got != b[0] {
			t.Errorf("healthy=%v: LeastOutstanding.Pick = %v, want a0", healthy, got)
		}
	}
}

func TestLeastOutstandingPicksLessLoadedOfTwo(t *testing.T) {
	for _, loads := range [][2]int{{5, 1}, {1, 5}, {1, 0}, {0, 1}, {100, 99}} {
		t.Run(fmt.Sprint(loads), func(t *testing.T) {
			bs := newBackends(2, "z", "a")
			for i, n := range loads {
				for range n {
					bs[i].Acquire()
				}
			}
			want := bs[0]
			if loads[1] < loads[0] {
				want = bs[1]
			}
			for _, lo := range []*LeastOutstanding{{}, NewSeededLeastOutstanding(1)} {
				for i := range 1000 {
					if got := lo.Pick(bs); got != want {
						t.Fatalf("pick %d with loads %v = %s, want %s", i, loads, got.ID, want.ID)
					}
				}
			}
		})
	}
}

// TestLeastOutstandingNeverPicksMostLoaded checks the P2C property over
// random load vectors: the most loaded backend loses every comparison, so it
// is never picked when it is the unique maximum.
func TestLeastOutstandingNeverPicksMostLoaded(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lo := NewSeededLeastOutstanding(3)
	for round := range 200 {
		n := 2 + r.IntN(15)
		bs := newBackends(n, "z", "a")
		maxi, maxLoad := 0, -1
		for i, b := range bs {
			load := r.IntN(20)
			for range load {
				b.Acquire()
			}
			if load > maxLoad {
				maxi, maxLoad = i, load
			}
		}
		bs[maxi].Acquire() // make the maximum unique
		for range 200 {
			if got := lo.Pick(bs); got == bs[maxi] {
				t.Fatalf("round %d: picked %s, the most loaded of %d (%d outstanding)", round, got.ID, n, got.Outstanding())
			}
		}
	}
}

func TestLeastOutstandingDistribution(t *testing.T) {
	const total = 60000
	tests := []struct {
		name      string
		n         int
		unhealthy []int
		want      []string
	}{
		{"3 equal", 3, nil, []string{"a0", "a1", "a2"}},
		{"5 equal", 5, nil, []string{"a0", "a1", "a2", "a3", "a4"}},
		{"2 of 3 usable", 3, []int{1}, []string{"a0", "a2"}},
		{"3 of 8 usable", 8, []int{0, 2, 3, 5, 6}, []string{"a1", "a4", "a7"}},
		{"1 of 4 usable", 4, []int{0, 1, 3}, []string{"a2"}},
		{"fail open", 4, []int{0, 1, 2, 3}, []string{"a0", "a1", "a2", "a3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := newBackends(tt.n, "z", "a")
			for _, i := range tt.unhealthy {
				bs[i].SetHealthy(false)
			}
			// Seeded: deterministic, so a tight tolerance cannot flake.
			checkUniform(t, counts(NewSeededLeastOutstanding(42).Pick, bs, total), tt.want, total, 0.03)
			// Runtime generator: 5% is > 8 standard deviations here.
			var lo LeastOutstanding
			checkUniform(t, counts(lo.Pick, bs, total), tt.want, total, 0.05)
		})
	}
}

// TestLeastOutstandingBalancesLoad drives P2C with requests that stay in
// flight and checks that it keeps the backends' loads close together.
func TestLeastOutstandingBalancesLoad(t *testing.T) {
	bs := newBackends(8, "z", "a")
	lo := NewSeededLeastOutstanding(7)
	for range 8000 {
		lo.Pick(bs).Acquire()
	}
	lo64, hi64 := bs[0].Outstanding(), bs[0].Outstanding()
	for _, b := range bs {
		lo64, hi64 = min(lo64, b.Outstanding()), max(hi64, b.Outstanding())
	}
	// Uniform random choice would spread these by tens; P2C keeps the
	// maximum within a few of the mean (log log n).
	if hi64-lo64 > 4 {
		t.Errorf("after 8000 acquired picks over 8 backends, outstanding ranges %d..%d, want a spread ≤ 4", lo64, hi64)
	}
}

func TestLeastOutstandingEjected(t *testing.T) {
	bs := newBackends(4, "z", "a")
	s := NewSet(bs)
	if !s.TryEject(bs[0]) || !s.TryEject(bs[3]) {
		t.Fatal("TryEject of 2 of 4 failed")
	}
	lo := NewSeededLeastOutstanding(11) // deterministic: no flaky tolerance
	checkUniform(t, counts(lo.Pick, bs, 20000), []string{"a1", "a2"}, 20000, 0.05)

	for _, b := range bs {
		b.ejected.Store(true) // bypass the cap: all ejected
	}
	checkUniform(t, counts(lo.Pick, bs, 20000), []string{"a0", "a1", "a2", "a3"}, 20000, 0.05)

	// An unhealthy backend ranks below a healthy ejected one.
	bs[1].ejected.Store(false)
	bs[1].SetHealthy(false)
	checkUniform(t, counts(lo.Pick, bs, 20000), []string{"a0", "a2", "a3"}, 20000, 0.05)
}

func TestCandidates(t *testing.T) {
	a := newBackends(3, "us-east-1a", "a")
	b := newBackends(2, "us-east-1b", "b")
	c := newBackends(1, "us-east-1c", "c")
	// Interleave zones; drop a nil and a repeated pointer.
	in := []*Backend{a[0], b[0], nil, a[1], c[0], b[1], a[2], a[0]}
	s := NewSet(in)

	tests := []struct {
		zone  string
		cross bool
		want  []string
	}{
		{"us-east-1a", false, []string{"a0", "a1", "a2"}},
		{"us-east-1b", false, []string{"b0", "b1"}},
		{"us-east-1c", false, []string{"c0"}},
		{"us-east-1d", false, []string{}},
		{"us-east-1a", true, []string{"a0", "b0", "a1", "c0", "b1", "a2"}},
		{"us-east-1d", true, []string{"a0", "b0", "a1", "c0", "b1", "a2"}},
	}
	for _, tt := range tests {
		got := s.Candidates(tt.zone, tt.cross)
		if !slices.Equal(ids(got), tt.want) {
			t.Errorf("Candidates(%q, %v) = %v, want %v", tt.zone, tt.cross, ids(got), tt.want)
		}
		if cap(got) != len(got) {
			t.Errorf("Candidates(%q, %v): cap %d > len %d; appends would write into the snapshot", tt.zone, tt.cross, cap(got), len(got))
		}
	}
	if got := s.Len(); got != 6 {
		t.Errorf("Len() = %d, want 6", got)
	}
	if got, want := s.Zones(), []string{"us-east-1a", "us-east-1b", "us-east-1c"}; !slices.Equal(got, want) {
		t.Errorf("Zones() = %v, want %v", got, want)
	}
	if got := s.Backend("b1"); got != b[1] {
		t.Errorf("Backend(b1) = %v, want b1", got)
	}
	if got := s.Backend("x"); got != nil {
		t.Errorf("Backend(x) = %v, want nil", got)
	}
	// The input slice is not retained.
	in[0] = c[0]
	if got := s.Candidates("us-east-1a", true)[0]; got != a[0] {
		t.Errorf("after modifying NewSet's input, first candidate = %s, want a0", got.ID)
	}
}

func TestNilSetAndHolder(t *testing.T) {
	var h Holder
	s := h.Load()
	if s != nil {
		t.Fatalf("zero Holder.Load() = %v, want nil", s)
	}
	b := newBackends(1, "z", "a")[0]
	if s.Candidates("z", false) != nil || s.Candidates("z", true) != nil || s.Len() != 0 ||
		s.Backends() != nil || s.Zones() != nil || s.Backend("a0") != nil || s.CanEject(b) || s.TryEject(b) {
		t.Errorf("nil *Set does not behave as empty")
	}
	want := NewSet([]*Backend{b})
	h.Store(want)
	if got := h.Load(); got != want {
		t.Errorf("Load() after Store = %p, want %p", got, want)
	}
}

func TestCanEjectCap(t *testing.T) {
	for n := 1; n <= 5; n++ {
		t.Run(fmt.Sprintf("zone of %d", n), func(t *testing.T) {
			zone := newBackends(n, "z", "a")
			other := newBackends(3, "y", "b")
			s := NewSet(append(slices.Clone(zone), other...))
			// Ejections in another zone do not count against this one.
			if !s.TryEject(other[0]) {
				t.Fatal("TryEject(b0) in a zone of 3 = false, want true")
			}
			ejected := 0
			for i, b := range zone {
				can := s.CanEject(b)
				if want := ejected+1 <= n/2; can != want {
					t.Errorf("with %d of %d ejected, CanEject(a%d) = %v, want %v", ejected, n, i, can, want)
				}
				if got := s.TryEject(b); got != can {
					t.Errorf("TryEject(a%d) = %v, CanEject said %v", i, got, can)
				}
				if b.Ejected() {
					ejected++
				}
			}
			if ejected != n/2 {
				t.Errorf("ejected %d of %d, want floor(n/2) = %d", ejected, n, n/2)
			}
			// An ejected backend stays within the cap; readmitting frees a slot.
			if n >= 2 {
				if !s.CanEject(zone[0]) {
					t.Errorf("CanEject(ejected a0) = false, want true")
				}
				zone[0].Readmit()
				if last := zone[n-1]; !s.TryEject(last) {
					t.Errorf("after Readmit(a0), TryEject(a%d) = false, want true", n-1)
				}
			}
		})
	}
	stranger := newBackends(1, "z", "x")[0]
	if s := NewSet(newBackends(4, "z", "a")); s.CanEject(stranger) || s.TryEject(stranger) {
		t.Errorf("CanEject/TryEject of a backend not in the set = true, want false")
	}
}

func TestTryEjectConcurrent(t *testing.T) {
	for n := 1; n <= 6; n++ {
		for range 50 {
			bs := newBackends(n, "z", "a")
			s := NewSet(bs)
			var wg sync.WaitGroup
			for _, b := range bs {
				wg.Go(func() { s.TryEject(b) })
			}
			wg.Wait()
			ejected := 0
			for _, b := range bs {
				if b.Ejected() {
					ejected++
				}
			}
			if ejected > n/2 {
				t.Fatalf("%d concurrent TryEject in a zone of %d left %d ejected, cap %d", n, n, ejected, n/2)
			}
		}
	}
}

// TestConcurrentPicks runs pickers from many goroutines while another flips
// health and ejection and publishes new sets, then checks that every pick
// found a backend and that every Acquire was released.
func TestConcurrentPicks(t *testing.T) {
	a := newBackends(4, "a", "a")
	b := newBackends(4, "b", "b")
	all := append(slices.Clone(a), b...)
	var h Holder
	h.Store(NewSet(all))

	var rr RoundRobin
	var lo LeastOutstanding
	seeded := NewSeededLeastOutstanding(9)
	pickers := []func([]*Backend) *Backend{rr.Pick, lo.Pick, seeded.Pick}

	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Go(func() {
		r := rand.New(rand.NewPCG(5, 6))
		for {
			select {
			case <-stop:
				return
			default:
			}
			x := all[r.IntN(len(all))]
			switch r.IntN(4) {
			case 0:
				x.SetHealthy(!x.Healthy())
			case 1:
				h.Load().TryEject(x)
			case 2:
				x.Readmit()
			case 3:
				// Publish a set without one backend (as when draining).
				drop := r.IntN(len(all))
				h.Store(NewSet(slices.Delete(slices.Clone(all), drop, drop+1)))
			}
		}
	})

	const goroutines, perG = 8, 5000
	var wg sync.WaitGroup
	nils := make([]int, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			pick := pickers[g%len(pickers)]
			var held []*Backend
			for i := range perG {
				cands := h.Load().Candidates([]string{"a", "b"}[i%2], i%3 == 0)
				x := pick(cands)
				if x == nil {
					nils[g]++
					continue
				}
				x.Acquire()
				held = append(held, x)
				if len(held) > 16 {
					held[0].Release()
					held = held[1:]
				}
			}
			for _, x := range held {
				x.Release()
			}
		})
	}
	wg.Wait()
	close(stop)
	churn.Wait()

	for g, n := range nils {
		if n > 0 {
			t.Errorf("goroutine %d: %d picks returned nil from a non-empty candidate slice", g, n)
		}
	}
	for _, x := range all {
		if got := x.Outstanding(); got != 0 {
			t.Errorf("%s: Outstanding() = %d after all releases, want 0", x.ID, got)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	a := newBackends(8, "a", "a")
	b := newBackends(8, "b", "b")
	var h Holder
	h.Store(NewSet(append(slices.Clone(a), b...)))
	var rr RoundRobin
	var lo LeastOutstanding
	seeded := NewSeededLeastOutstanding(1)

	states := []struct {
		name  string
		setup func()
	}{
		{"all healthy", func() {}},
		{"half unhealthy", func() {
			for _, x := range a[:4] {
				x.SetHealthy(false)
			}
		}},
		{"one usable", func() {
			for _, x := range a[:7] {
				x.SetHealthy(false)
			}
		}},
		{"fail open", func() {
			for _, x := range a {
				x.SetHealthy(false)
			}
		}},
	}
	for _, st := range states {
		st.setup()
		for _, tc := range []struct {
			name string
			f    func()
		}{
			{"Holder.Load+Candidates", func() { _ = h.Load().Candidates("a", false) }},
			{"Candidates cross-zone", func() { _ = h.Load().Candidates("a", true) }},
			{"RoundRobin.Pick", func() { rr.Pick(h.Load().Candidates("a", false)) }},
			{"LeastOutstanding.Pick", func() { lo.Pick(h.Load().Candidates("a", false)) }},
			{"seeded LeastOutstanding.Pick", func() { seeded.Pick(h.Load().Candidates("a", false)) }},
			{"Pick+Acquire+Release", func() {
				x := lo.Pick(h.Load().Candidates("a", true))
				x.Acquire()
				x.Release()
			}},
			{"Set.Backend", func() { _ = h.Load().Backend("a3") }},
		} {
			if got := testing.AllocsPerRun(1000, tc.f); got != 0 {
				t.Errorf("%s, %s: %v allocs per run, want 0", st.name, tc.name, got)
			}
		}
	}
}

func TestTokenAndRetire(t *testing.T) {
	a := NewBackend("i-a", "z1", netip.MustParseAddrPort("127.0.0.1:80"))
	a.Token = "tok-a"
	b := NewBackend("i-b", "z1", netip.MustParseAddrPort("127.0.0.2:80"))
	s := NewSet([]*Backend{a, b})
	if got := s.ByToken([]byte("tok-a")); got != a {
		t.Errorf("ByToken(tok-a) = %v, want a", got)
	}
	for _, tok := range []string{"", "tok-b", "TOK-A"} {
		if got := s.ByToken([]byte(tok)); got != nil {
			t.Errorf("ByToken(%q) = %v, want nil", tok, got)
		}
	}
	if n := testing.AllocsPerRun(100, func() { s.ByToken([]byte("tok-a")) }); n != 0 {
		t.Errorf("ByToken allocates %v times", n)
	}
	if a.Retired().Err() != nil {
		t.Fatal("new backend is retired")
	}
	a.Retire()
	a.Retire()
	if a.Retired().Err() == nil || b.Retired().Err() != nil {
		t.Error("Retire did not cancel exactly a's context")
	}
	var zero Backend
	zero.Retire()
	if zero.Retired().Err() != nil {
		t.Error("zero Backend's context cancelled")
	}
}
