package balance

import (
	"math/rand/v2"
	"sync/atomic"
)

// worstRank is one past the highest value Backend.rank returns.
const worstRank = 4

// RoundRobin picks candidates in turn, for TCP and SSL listeners. The zero
// value is ready to use; a RoundRobin is safe for concurrent use and must
// not be copied after first use. Use one RoundRobin per candidate slice that
// should be rotated through, for example per listener and node address.
type RoundRobin struct {
	next atomic.Uint64
}

// Pick returns the next usable candidate after the previous pick, or nil if
// cands is empty.
//
// With every candidate usable, successive picks follow cands in order,
// wrapping around. Unusable candidates are skipped, and the position moves
// past them, so the usable ones keep an exact rotation (A, C, A, C for
// [A, B, C] with B unhealthy) instead of the backend after a skipped one
// taking its turns. When no candidate is usable Pick fails open: it rotates
// over the best-ranked ones (see the package documentation). The rotation is
// exact for sequential picks; concurrent picks may overlap on a position but
// never block or fail. Pick costs one atomic add and a scan that stops at
// the first usable candidate (O(n) only when none is usable).
func (p *RoundRobin) Pick(cands []*Backend) *Backend {
	n := len(cands)
	switch n {
	case 0:
		return nil
	case 1:
		return cands[0]
	}
	i := int((p.next.Add(1) - 1) % uint64(n))
	best, bestRank, bestSkip := -1, worstRank, 0
	for skip := range n {
		switch r := cands[i].rank(); {
		case r == 0:
			if skip > 0 {
				p.next.Add(uint64(skip))
			}
			return cands[i]
		case r < bestRank:
			best, bestRank, bestSkip = i, r, skip
		}
		if i++; i == n {
			i = 0
		}
	}
	if bestSkip > 0 {
		p.next.Add(uint64(bestSkip))
	}
	return cands[best]
}

// LeastOutstanding picks the candidate with fewer requests in flight out of
// two chosen at random ("power of two choices", as Envoy's least-request,
// HAProxy's random(2) and Caddy's random_choose do), for HTTP and HTTPS
// listeners. Sampling two instead of scanning for the minimum makes a pick
// O(1) and avoids every node herding onto the same momentarily idle backend.
//
// The zero value is ready to use and draws random numbers from the runtime's
// per-thread generator (math/rand/v2), which takes no lock and shares no
// memory between cores. [NewSeededLeastOutstanding] returns one whose
// sequence is reproducible, for tests. A LeastOutstanding is safe for
// concurrent use and must not be copied after first use.
type LeastOutstanding struct {
	seeded bool
	state  atomic.Uint64 // splitmix64 state when seeded
}

// NewSeededLeastOutstanding returns a LeastOutstanding whose random choices
// are a fixed function of seed when Pick is called from one goroutine. Its
// generator is one shared atomic counter: fine for tests, slower than the
// zero value's under contention.
func NewSeededLeastOutstanding(seed uint64) *LeastOutstanding {
	p := &LeastOutstanding{seeded: true}
	p.state.Store(seed)
	return p
}

// drawTries bounds how many random indexes Pick draws, for each of its two
// samples, in search of a usable candidate before it scans.
const drawTries = 4

// Pick returns the less loaded of two distinct usable candidates drawn
// uniformly at random, or nil if cands is empty. Ties go to either with equal
// probability. With one usable candidate Pick returns it; with none it fails
// open over the best-ranked candidates (see the package documentation).
//
// When both sampled candidates are usable (the normal case) Pick costs one
// random number and six atomic loads (plain loads on amd64 and arm64). An
// unusable sample is redrawn (rejection sampling, which keeps the choice
// uniform over the usable candidates); after drawTries misses Pick scans
// cands twice to choose among the best-ranked ones.
func (p *LeastOutstanding) Pick(cands []*Backend) *Backend {
	n := len(cands)
	switch n {
	case 0:
		return nil
	case 1:
		return cands[0]
	}
	i, j := pair(p.rand(), n)
	if cands[i].Usable() && cands[j].Usable() {
		return lessLoaded(cands[i], cands[j])
	}
	if n == 2 {
		return p.pickRanked(cands) // redrawing would sample the same pair
	}
	if !cands[i].Usable() {
		if i = p.drawUsable(cands, -1); i < 0 {
			return p.pickRanked(cands)
		}
		j = -1 // j was drawn to differ from the old i: draw it again
	}
	if j < 0 || !cands[j].Usable() {
		if j = p.drawUsable(cands, i); j < 0 {
			return p.pickRanked(cands)
		}
	}
	return lessLoaded(cands[i], cands[j])
}

// drawUsable draws up to drawTries indexes of cands uniformly at random,
// excluding not if not >= 0, and returns the first whose backend is usable,
// or -1.
func (p *LeastOutstanding) drawUsable(cands []*Backend, not int) int {
	m := len(cands)
	if not >= 0 {
		m--
	}
	for range drawTries / 2 {
		r := p.rand()
		for _, x := range [2]uint32{uint32(r), uint32(r >> 32)} {
			k := bounded(x, m)
			if not >= 0 && k >= not {
				k++
			}
			if cands[k].Usable() {
				return k
			}
		}
	}
	return -1
}

// pickRanked is Pick's slow path: power of two choices among the candidates
// of the best rank present.
func (p *LeastOutstanding) pickRanked(cands []*Backend) *Backend {
	minRank, count := worstRank, 0
	for _, c := range cands {
		switch r := c.rank(); {
		case r < minRank:
			minRank, count = r, 1
		case r == minRank:
			count++
		}
	}
	rnd := p.rand()
	x, y := 0, -1
	if count > 1 {
		x, y = pair(rnd, count)
	}
	var a, b *Backend
	k := 0
	for _, c := range cands {
		if c.rank() != minRank {
			continue
		}
		switch k {
		case x:
			a = c
		case y:
			b = c
		}
		k++
	}
	switch {
	case a != nil && b != nil:
		return lessLoaded(a, b)
	case a != nil:
		return a
	case b != nil:
		return b
	}
	// Health flags changed between the two scans; any candidate will do.
	return cands[bounded(uint32(rnd), len(cands))]
}

// rand returns 64 random bits.
func (p *LeastOutstanding) rand() uint64 {
	if !p.seeded {
		return rand.Uint64()
	}
	// splitmix64 (Steele, Lea and Flood): a Weyl sequence through a mixer.
	z := p.state.Add(0x9e3779b97f4a7c15)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// lessLoaded returns whichever of a and b has fewer requests outstanding, a
// on a tie. Callers pass a random ordered pair, so ties are broken randomly.
func lessLoaded(a, b *Backend) *Backend {
	if b.outstanding.Load() < a.outstanding.Load() {
		return b
	}
	return a
}

// pair maps 64 random bits to a uniformly random ordered pair of distinct
// indexes in [0, n), n >= 2: the first from the low 32 bits, the second from
// the high 32 bits.
func pair(r uint64, n int) (i, j int) {
	i = bounded(uint32(r), n)
	j = bounded(uint32(r>>32), n-1)
	if j >= i {
		j++
	}
	return i, j
}

// bounded maps 32 random bits to [0, n) by multiply-and-shift (Lemire),
// which avoids a division; the bias is below n/2^32.
func bounded(x uint32, n int) int {
	return int(uint64(x) * uint64(n) >> 32)
}
