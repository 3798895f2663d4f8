package httpproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/elbd/elbd/internal/balance"
)

// backConn is a connection to a back end with its read buffer. It belongs
// to one request at a time, or to its hostPool while idle.
type backConn struct {
	conn net.Conn
	br   reader
	dl   deadlines
	pool *hostPool
	// unretire unregisters the function that closes conn when its back
	// end is retired; nil if the back end can never be retired.
	unretire func() bool

	reused      bool          // it has carried a request before
	idleSince   time.Time     // when it was put back
	idleTimeout time.Duration // the listener's idle timeout when it was put back
}

func (bc *backConn) close() {
	if bc.unretire != nil {
		bc.unretire()
	}
	bc.conn.Close()
	bc.br.release()
}

// poolKey identifies a pool: the back end, and whether its connections
// are TLS. Pools are per *balance.Backend rather than per address so that
// retiring a back end closes exactly its connections, even when another
// load balancer sends requests to the same address.
type poolKey struct {
	b   *balance.Backend
	tls bool
}

// hostPool holds the idle connections to one back end, most recently used
// last.
type hostPool struct {
	mu      sync.Mutex
	idle    []*backConn
	retired bool // its back end was retired: pool nothing more
}

// errRetired is the error of getConn for a back end that has been retired.
var errRetired = errors.New("httpproxy: back end retired")

// isRetired reports whether b has been retired. It costs an atomic load and
// a non-blocking receive, so it can sit on every request's path.
func isRetired(b *balance.Backend) bool {
	select {
	case <-b.Retired().Done():
		return true
	default:
		return false
	}
}

func (p *Proxy) hostPool(k poolKey) *hostPool {
	p.mu.RLock()
	hp := p.pools[k]
	p.mu.RUnlock()
	if hp != nil {
		return hp
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if hp = p.pools[k]; hp == nil {
		hp = &hostPool{idle: make([]*backConn, 0, p.opts.MaxIdlePerBackend)}
		p.pools[k] = hp
		// When the back end is retired, forget its pool so that the map
		// does not keep retired back ends, and close what is idle in it.
		// (Runs at once, on its own goroutine, if it already was.)
		context.AfterFunc(k.b.Retired(), func() { p.dropPool(k, hp) })
	}
	return hp
}

// dropPool removes a retired back end's pool and closes its idle
// connections; connections in use are closed by their own retirement hook
// and are not pooled again.
func (p *Proxy) dropPool(k poolKey, hp *hostPool) {
	p.mu.Lock()
	if p.pools[k] == hp {
		delete(p.pools, k)
	}
	p.mu.Unlock()
	hp.mu.Lock()
	hp.retired = true
	idle := hp.idle
	hp.idle = nil
	hp.mu.Unlock()
	for _, bc := range idle {
		bc.close()
	}
}

// getIdle returns the most recently used idle connection to k that has not
// outlived its idle timeout, or nil.
func (p *Proxy) getIdle(k poolKey, now time.Time) *backConn {
	hp := p.hostPool(k)
	hp.mu.Lock()
	defer hp.mu.Unlock()
	n := len(hp.idle)
	if n == 0 {
		return nil
	}
	bc := hp.idle[n-1]
	hp.idle[n-1] = nil
	hp.idle = hp.idle[:n-1]
	if now.Sub(bc.idleSince) < bc.idleTimeout {
		return bc
	}
	// The most recent one expired; the others are older. (Timeouts may
	// differ between listeners; the reaper catches what this misses.)
	bc.close()
	for i, old := range hp.idle {
		old.close()
		hp.idle[i] = nil
	}
	hp.idle = hp.idle[:0]
	return nil
}

// putIdle returns bc to its pool, closing the least recently used
// connection if the pool is full.
func (p *Proxy) putIdle(bc *backConn, now time.Time, idle time.Duration) {
	bc.reused = true
	bc.idleSince, bc.idleTimeout = now, idle
	hp := bc.pool
	hp.mu.Lock()
	if hp.retired {
		hp.mu.Unlock()
		bc.close()
		return
	}
	var evicted *backConn
	if len(hp.idle) >= p.opts.MaxIdlePerBackend {
		evicted = hp.idle[0]
		copy(hp.idle, hp.idle[1:])
		hp.idle[len(hp.idle)-1] = nil
		hp.idle = hp.idle[:len(hp.idle)-1]
	}
	hp.idle = append(hp.idle, bc)
	hp.mu.Unlock()
	if evicted != nil {
		evicted.close()
	}
	p.armReaper()
}

// dial opens a new connection to k's back end and ties it to the back
// end's retirement: retiring the back end closes the connection, whether
// it is idle in the pool or carrying a request (which is thereby cut, as
// ELB cuts the requests still in flight when a draining period ends). The
// hook costs an allocation per connection, not per request.
//
// With tlsConf the connection is a TLS client connection, handshake
// included in the dial timeout. tlsConf is used as it is (the data plane
// pins keys with InsecureSkipVerify and VerifyConnection); only one that
// verifies certificates the standard way and names no server is cloned,
// with the back end's IP address as ServerName, as tls.Dial would.
func (p *Proxy) dial(k poolKey, tlsConf *tls.Config) (*backConn, error) {
	deadline := time.Now().Add(p.opts.DialTimeout)
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("tcp", k.b.Addr.String())
	if err != nil {
		return nil, err
	}
	if tlsConf != nil {
		if tlsConf.ServerName == "" && !tlsConf.InsecureSkipVerify {
			tlsConf = tlsConf.Clone()
			tlsConf.ServerName = k.b.Addr.Addr().String()
		}
		tc := tls.Client(c, tlsConf)
		c.SetDeadline(deadline)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return nil, err
		}
		c.SetDeadline(time.Time{})
		c = tc
	}
	bc := &backConn{conn: c, pool: p.hostPool(k)}
	if ctx := k.b.Retired(); ctx.Done() != nil {
		// A cut, not an end: no TLS close_notify.
		bc.unretire = context.AfterFunc(ctx, func() { closeNow(c) })
	}
	bc.br.init()
	return bc, nil
}

// Reaper: a timer that runs only while some connection is idle and closes
// the ones that outlived their idle timeout.

const (
	reapMin = 10 * time.Millisecond
	reapMax = time.Second
)

func (p *Proxy) armReaper() {
	if p.reapArmed.Load() {
		return
	}
	p.reapMu.Lock()
	defer p.reapMu.Unlock()
	if p.reapArmed.Load() {
		return
	}
	p.reapArmed.Store(true)
	if p.reapTimer == nil {
		p.reapTimer = time.AfterFunc(reapMax, p.reap)
	} else {
		p.reapTimer.Reset(reapMax)
	}
}

func (p *Proxy) reap() {
	p.reapArmed.Store(false)
	now := time.Now()
	var next time.Time
	p.mu.RLock()
	for _, hp := range p.pools {
		hp.mu.Lock()
		kept := hp.idle[:0]
		for _, bc := range hp.idle {
			exp := bc.idleSince.Add(bc.idleTimeout)
			if !now.Before(exp) {
				bc.close()
				continue
			}
			if next.IsZero() || exp.Before(next) {
				next = exp
			}
			kept = append(kept, bc)
		}
		clear(hp.idle[len(kept):])
		hp.idle = kept
		hp.mu.Unlock()
	}
	p.mu.RUnlock()
	if next.IsZero() {
		return
	}
	p.reapMu.Lock()
	defer p.reapMu.Unlock()
	if !p.reapArmed.Load() {
		p.reapArmed.Store(true)
		p.reapTimer.Reset(min(max(next.Sub(now), reapMin), reapMax))
	}
}

// CloseIdle closes every idle back-end connection, for example when back
// ends were removed or on shutdown. Connections in use are not affected;
// they are closed or pooled when their request ends.
func (p *Proxy) CloseIdle() {
	p.reapMu.Lock()
	if p.reapTimer != nil {
		p.reapTimer.Stop()
	}
	p.reapArmed.Store(false)
	p.reapMu.Unlock()
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, hp := range p.pools {
		hp.mu.Lock()
		for i, bc := range hp.idle {
			bc.close()
			hp.idle[i] = nil
		}
		hp.idle = hp.idle[:0]
		hp.mu.Unlock()
	}
}

// idleConns returns the number of idle connections to b (for tests).
func (p *Proxy) idleConns(b *balance.Backend) int {
	n := 0
	for _, t := range []bool{false, true} {
		p.mu.RLock()
		hp := p.pools[poolKey{b, t}]
		p.mu.RUnlock()
		if hp != nil {
			hp.mu.Lock()
			n += len(hp.idle)
			hp.mu.Unlock()
		}
	}
	return n
}
