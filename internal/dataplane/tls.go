package dataplane

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/elbd/elbd/internal/health"
)

// This file holds the TLS side of listeners: the tls.Config a route's
// handshakes use, the back-end TLS configurations (kept across snapshots so
// that their session caches last), and the session-ticket keys that every
// listener shares and the plane rotates.

const (
	// handshakeTimeout bounds a client's TLS handshake.
	handshakeTimeout = 10 * time.Second
	// ticketRotation is how often a new session-ticket key is made;
	// ticketKeys how many are kept, so a ticket resumes for up to
	// ticketRotation × ticketKeys.
	ticketRotation = time.Hour
	ticketKeys     = 4
)

// errNoCertificate marks an HTTPS or SSL listener whose certificate is
// missing (deleted from the store, or unreadable).
var errNoCertificate = errors.New("HTTPS/SSL listener has no usable certificate")

// tickets holds the session-ticket keys, newest first.
type tickets struct {
	mu      sync.Mutex
	keys    [][32]byte
	rotated time.Time
}

// current returns the keys, rotating them when the newest is older than
// ticketRotation.
func (t *tickets) current(now time.Time) [][32]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.keys) == 0 || now.Sub(t.rotated) >= ticketRotation {
		var k [32]byte
		rand.Read(k[:])
		t.keys = append([][32]byte{k}, t.keys...)
		if len(t.keys) > ticketKeys {
			t.keys = t.keys[:ticketKeys]
		}
		t.rotated = now
	}
	return slices.Clone(t.keys)
}

// frontTLS builds the tls.Config of an HTTPS or SSL listener's handshakes.
func (p *Plane) frontTLS(l Listener) (*tls.Config, error) {
	ft := l.TLS
	if ft == nil || len(ft.Certificates) == 0 {
		return nil, errNoCertificate
	}
	if ft.Err != nil {
		return nil, ft.Err
	}
	base := &tls.Config{Certificates: ft.Certificates}
	if l.Protocol == "HTTPS" {
		base.NextProtos = []string{"http/1.1"}
		if ft.HTTP2 {
			base.NextProtos = []string{"h2", "http/1.1"}
		}
	}
	// Config may install a GetConfigForClient that clones cfg per
	// handshake; the ticket keys set below are part of each clone.
	cfg := ft.Negotiation.Config(base)
	if ft.SessionTickets {
		cfg.SetSessionTicketKeys(p.tickets.current(time.Now()))
	} else {
		cfg.SessionTicketsDisabled = true
	}
	return cfg, nil
}

// backendTLS returns the client configuration for TLS to b's instances,
// the same one across snapshots while the pins are unchanged; nil for
// plain instances. used collects the keys in use. p.mu is held.
func (p *Plane) backendTLS(b *Balancer, bt *BackendTLS, used map[string]bool) *tls.Config {
	if bt == nil {
		return nil
	}
	k := b.Key + "|" + bt.Pins
	used[k] = true
	if c := p.backendTLSConfigs[k]; c != nil {
		return c
	}
	c := &tls.Config{
		// ELB does not verify instances' certificates (they commonly
		// are self-signed) unless a back-end authentication policy
		// pins their keys; VerifyPins does that.
		InsecureSkipVerify: true, //nolint:gosec // see above
		VerifyConnection:   health.VerifyPins(bt.Pins),
		MinVersion:         tls.VersionTLS10,
		ClientSessionCache: tls.NewLRUClientSessionCache(256),
	}
	p.backendTLSConfigs[k] = c
	return c
}

// handshake runs the server side of a client's TLS handshake on c, bounded
// by handshakeTimeout; a failure is counted and logged, and c closed.
func (p *Plane) handshake(c net.Conn, r *route) (*tls.Conn, bool) {
	tc := tls.Server(c, r.tls)
	ctx, cancel := context.WithTimeout(p.ctx, handshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		if r.metrics != nil {
			r.metrics.HandshakeError()
		}
		p.log.Debug("TLS handshake failed", "balancer", r.balancer, "listener", r.port, "client", c.RemoteAddr(), "err", err)
		reset(c)
		return nil, false
	}
	return tc, true
}

// logTLSPolicy says, when a listener starts, what of its policy it does
// not serve as written.
func (p *Plane) logTLSPolicy(balancer string, l Listener) {
	ft := l.TLS
	if ft == nil || len(ft.Negotiation.Unservable) == 0 && len(ft.Negotiation.Ignored) == 0 {
		return
	}
	p.log.Info("TLS listener serves its policy without what Go's TLS cannot do", "balancer", balancer,
		"listener", l.Port, "policy", ft.Policy, "serves", ft.Negotiation.String())
}

// pruneBackendTLS forgets the back-end TLS configurations no listener
// uses any more. Pooled connections were authenticated under the old ones
// (the pins changed, or TLS to instances stopped), so idle ones are closed
// rather than reused with keys no longer pinned. p.mu is held.
func (p *Plane) pruneBackendTLS(used map[string]bool) {
	var gone []*tls.Config
	for k, c := range p.backendTLSConfigs {
		if !used[k] {
			gone = append(gone, c)
			delete(p.backendTLSConfigs, k)
		}
	}
	if len(gone) == 0 {
		return
	}
	p.http.CloseIdle()
	p.h2.mu.Lock()
	for _, c := range gone {
		if tr := p.h2.transports[c]; tr != nil {
			tr.CloseIdleConnections()
			delete(p.h2.transports, c)
		}
	}
	p.h2.mu.Unlock()
}
