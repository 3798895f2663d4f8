package httpproxy

import (
	"crypto/tls"
	"net"
	"net/netip"
	"sync"
	"time"
)

// backConn is a connection to a back end with its read buffer. It belongs
// to one request at a time, or to its hostPool while idle.
type backConn struct {
	conn net.Conn
	br   reader
	dl   deadlines
	pool *hostPool

	reused      bool          // it has carried a request before
	idleSince   time.Time     // when it was put back
	idleTimeout time.Duration // the listener's idle timeout when it was put back
}

func (bc *backConn) close() {
	bc.conn.Close()
	bc.br.release()
}

// poolKey identifies a pool: back-end address, and whether its connections
// are TLS.
type poolKey struct {
	addr netip.AddrPort
	tls  bool
}

// hostPool holds the idle connections to one back-end address, most
// recently used last.
type hostPool struct {
	mu   sync.Mutex
	idle []*backConn
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
	}
	return hp
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

// dial opens a new connection to addr.
func (p *Proxy) dial(k poolKey, tlsConf *tls.Config) (*backConn, error) {
	d := net.Dialer{Timeout: p.opts.DialTimeout}
	var c net.Conn
	var err error
	if tlsConf != nil {
		c, err = tls.DialWithDialer(&d, "tcp", k.addr.String(), tlsConf)
	} else {
		c, err = d.Dial("tcp", k.addr.String())
	}
	if err != nil {
		return nil, err
	}
	bc := &backConn{conn: c, pool: p.hostPool(k)}
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

// idleConns returns the number of idle connections to addr (for tests).
func (p *Proxy) idleConns(addr netip.AddrPort) int {
	n := 0
	for _, t := range []bool{false, true} {
		p.mu.RLock()
		hp := p.pools[poolKey{addr, t}]
		p.mu.RUnlock()
		if hp != nil {
			hp.mu.Lock()
			n += len(hp.idle)
			hp.mu.Unlock()
		}
	}
	return n
}
