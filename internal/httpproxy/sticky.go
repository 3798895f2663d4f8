package httpproxy

import (
	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/sticky"
)

// stickState is what a request's AWSELB cookie decided.
type stickState struct {
	// home is the back end the cookie named and the request was sent to
	// first; nil when there was no valid cookie or it could not be
	// honoured.
	home *balance.Backend
	// cookie: the request carried an AWSELB cookie, valid or not.
	cookie bool
	// keep: the cookie named a back end that is fine but was at its
	// concurrency cap. The request went elsewhere, but the session stays
	// where it is: a cap is a moment's overload, not a verdict on the
	// instance.
	keep bool
}

// stickyRoute returns the back end that the request's AWSELB cookie sticks
// it to, or nil to route normally. The cookie is honoured when
// Sticky.Lookup knows its back end and that back end is usable (healthy
// and not ejected) and below the listener's cap. It is also honoured for a
// back end that is not usable when no candidate is better (the pickers
// fail open then; sticking keeps sessions together meanwhile, for example
// before the first health checks have passed). It looks at the first
// AWSELB cookie of the request's Cookie fields and does not allocate.
func stickyRoute(cfg *Config, req *request, cands []*balance.Backend) (*balance.Backend, stickState) {
	var ss stickState
	if len(cands) == 0 {
		return nil, ss // the caller wants a 503
	}
	for i := range req.headers {
		h := &req.headers[i]
		if h.kind != hCookie {
			continue
		}
		v, ok := sticky.CookieValue(h.value, sticky.CookieName)
		if !ok {
			continue
		}
		ss.cookie = true
		var b *balance.Backend
		if cfg.Sticky.Lookup != nil {
			b = cfg.Sticky.Lookup(v)
		}
		if b == nil || !b.Usable() && !bestRank(b, cands) {
			return nil, ss
		}
		if cfg.MaxPerBackend > 0 && b.Outstanding() >= cfg.MaxPerBackend {
			ss.keep = true
			return nil, ss
		}
		ss.home = b
		return b, ss
	}
	return nil, ss
}

// rank orders back ends as balance's pickers do: usable first, then
// healthy but ejected, unhealthy, unhealthy and ejected.
func rank(b *balance.Backend) int {
	r := 0
	if !b.Healthy() {
		r = 2
	}
	if b.Ejected() {
		r++
	}
	return r
}

// bestRank reports whether no candidate ranks before b.
func bestRank(b *balance.Backend, cands []*balance.Backend) bool {
	r := rank(b)
	for _, c := range cands {
		if rank(c) < r {
			return false
		}
	}
	return true
}

// stickyCookie returns the Set-Cookie field line to add to the response of
// a request that was last sent to b, or nil:
//
//   - Duration-based policy: AWSELB naming b whenever the request was not
//     stuck to b, i.e. it had no valid cookie, its cookie's back end could
//     not take it (unhealthy, ejected, deregistered), or it was retried on
//     b after its own back end failed. A request stuck to b gets none: ELB
//     does not refresh the cookie's expiry.
//   - Application-cookie policy: when b's response sets the application
//     cookie, AWSELB naming b with that cookie's lifetime and flags (or
//     removed with it). Otherwise, when the request carried an AWSELB
//     cookie but went to another back end than the one it named, a session
//     AWSELB naming b: the reference's "re-stick to the new healthy
//     instance, and stay even if the old one recovers". Without that the
//     application's session would keep being routed at random until the
//     application happened to set its cookie again.
//
// Nothing is added when b has no Token, and, short of a new application
// cookie, nothing when the request's session stays on a back end that was
// at its cap.
func (cc *clientConn) stickyCookie(s *Sticky, ss stickState, b *balance.Backend) []byte {
	if b.Token == "" {
		return nil
	}
	moved := b != ss.home && !ss.keep
	buf := append(cc.cookieBuf[:0], "Set-Cookie: "...)
	if s.AppCookie == "" {
		if !moved {
			return nil
		}
		buf = sticky.AppendLBCookie(buf, b.Token, s.Expiration)
	} else {
		var app sticky.SetCookie
		found := false
		for i := range cc.resp.headers {
			h := &cc.resp.headers[i]
			if h.kind != hSetCookie {
				continue
			}
			// The last one wins, as in the browser.
			if c, ok := sticky.ParseSetCookie(h.value); ok && string(c.Name) == s.AppCookie {
				app, found = c, true
			}
		}
		switch {
		case found:
			buf = sticky.AppendAppCookie(buf, b.Token, &app, cc.now)
		case ss.cookie && moved:
			buf = sticky.AppendLBCookie(buf, b.Token, 0)
		default:
			return nil
		}
	}
	buf = append(buf, '\r', '\n')
	cc.cookieBuf = buf
	return buf
}

// backendFailed reports a back-end failure to the listener's hook.
func (cc *clientConn) backendFailed(cfg *Config, b *balance.Backend, err error) {
	if cfg.OnBackendFailure != nil {
		cfg.OnBackendFailure(b, err)
	}
}
