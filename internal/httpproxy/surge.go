package httpproxy

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/balance"
)

// DefaultSurgeQueue is ELB's surge queue length per load balancer.
const DefaultSurgeQueue = 1024

// Surge is a load balancer's surge queue, shared by all its listeners:
// a request that finds every candidate instance at its concurrency cap
// waits here for a slot, at most Max requests at a time; the next one is
// refused with 503 (ELB's spillover). The zero value is not usable; use
// NewSurge.
type Surge struct {
	max     int64
	waiting atomic.Int64
	mu      sync.Mutex
	wakeup  chan struct{} // closed and replaced when a slot frees
}

// NewSurge returns a queue of max requests (0 means DefaultSurgeQueue).
func NewSurge(max int64) *Surge {
	if max <= 0 {
		max = DefaultSurgeQueue
	}
	return &Surge{max: max, wakeup: make(chan struct{})}
}

// Len is the number of requests waiting (SurgeQueueLength).
func (s *Surge) Len() int64 { return s.waiting.Load() }

// freed wakes the waiters after a slot freed up. It costs one atomic load
// when nobody waits, so it can sit on every request's release path.
func (s *Surge) freed() {
	if s == nil || s.waiting.Load() == 0 {
		return
	}
	s.mu.Lock()
	close(s.wakeup)
	s.wakeup = make(chan struct{})
	s.mu.Unlock()
}

func (s *Surge) channel() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wakeup
}

// underCap returns a usable candidate below limit, preferring pick.
func underCap(pick *balance.Backend, cands []*balance.Backend, limit int64) *balance.Backend {
	if pick != nil && pick.Outstanding() < limit {
		return pick
	}
	var best *balance.Backend
	for _, b := range cands {
		if b.Outstanding() < limit && (best == nil || b.Outstanding() < best.Outstanding()) {
			best = b
		}
	}
	return best
}

// queueResult says how a wait in the surge queue ended.
type queueResult int

const (
	queueGot      queueResult = iota // a candidate is below its cap
	queueSpilled                     // the queue was full
	queueTimedOut                    // no slot within the idle timeout
	queueCanceled                    // the proxy is shutting down
)

// await waits in s until some candidate is below limit, returning it.
func (s *Surge) await(ctx context.Context, pick func() *balance.Backend, cands []*balance.Backend, limit int64, wait time.Duration) (*balance.Backend, queueResult) {
	if s.waiting.Add(1) > s.max {
		s.waiting.Add(-1)
		return nil, queueSpilled
	}
	defer s.waiting.Add(-1)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		// Take the channel before looking, so that a slot freed in
		// between still wakes this waiter.
		ch := s.channel()
		if b := underCap(pick(), cands, limit); b != nil {
			return b, queueGot
		}
		select {
		case <-ch:
		case <-timer.C:
			return nil, queueTimedOut
		case <-ctx.Done():
			return nil, queueCanceled
		}
	}
}
