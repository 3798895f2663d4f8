package dataplane

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/httpproxy"
	"github.com/elbd/elbd/internal/sticky"
)

// HTTP/2 to clients (the elbd.https.http2.enabled attribute) is served by
// golang.org/x/net/http2 and net/http/httputil's ReverseProxy, which talks
// HTTP/1.1 to instances: a multiplexed protocol does not fit the
// hand-written HTTP/1.x engine, whose speed comes from owning one client
// connection end to end, and an opt-in feature does not justify a second
// engine. Each stream is one request: it follows the listener's current
// route (least outstanding requests over the node's candidates, the
// listener's stickiness policy, X-Forwarded-*), and is reported to metrics
// and access logs like an HTTP/1.1 request. What the HTTP/1.x engine adds
// beyond that — desync classification (it concerns HTTP/1 framing), the
// surge queue and the retry of a failed request on another instance — is
// not done for HTTP/2 streams.

// h2Target is the chosen instance of one stream, passed to the proxy
// through the request's context.
type h2Target struct {
	backend *balance.Backend
	cfg     *httpproxy.Config
	// setCookie is the AWSELB cookie to add to the response, if any.
	setCookie string
	// app is set when the listener follows an application cookie.
	app string
	// failed is set when no response came from the instance.
	failed bool
}

type h2TargetKey struct{}

// h2 is the plane's HTTP/2 machinery, made on first use.
type h2 struct {
	once   sync.Once
	server *http2.Server
	proxy  *httputil.ReverseProxy
	// transports holds one HTTP/1.1 transport per back-end TLS
	// configuration (nil key: plain instances).
	mu         sync.Mutex
	transports map[*tls.Config]*http.Transport
}

func (p *Plane) h2Init() {
	p.h2.once.Do(func() {
		p.h2.server = &http2.Server{}
		p.h2.transports = map[*tls.Config]*http.Transport{}
		p.h2.proxy = &httputil.ReverseProxy{
			Rewrite:        h2Rewrite,
			Transport:      http.RoundTripper(roundTripFunc(p.h2RoundTrip)),
			ModifyResponse: h2ModifyResponse,
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				if t, ok := r.Context().Value(h2TargetKey{}).(*h2Target); ok {
					t.failed = true
				}
				p.log.Debug("HTTP/2 stream: back-end request failed", "err", err)
				w.WriteHeader(http.StatusBadGateway)
			},
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// h2RoundTrip sends a stream's request over the transport that matches its
// route's back-end TLS.
func (p *Plane) h2RoundTrip(r *http.Request) (*http.Response, error) {
	t := r.Context().Value(h2TargetKey{}).(*h2Target)
	bt := t.cfg.BackendTLS
	p.h2.mu.Lock()
	tr := p.h2.transports[bt]
	if tr == nil {
		tr = &http.Transport{TLSClientConfig: bt, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
			DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext, ForceAttemptHTTP2: false}
		p.h2.transports[bt] = tr
	}
	p.h2.mu.Unlock()
	return tr.RoundTrip(r)
}

func h2Rewrite(pr *httputil.ProxyRequest) {
	t := pr.In.Context().Value(h2TargetKey{}).(*h2Target)
	pr.Out.URL.Scheme = "http"
	if t.cfg.BackendTLS != nil {
		pr.Out.URL.Scheme = "https"
	}
	pr.Out.URL.Host = t.backend.Addr.String()
	pr.Out.Host = pr.In.Host
	client, _, _ := net.SplitHostPort(pr.In.RemoteAddr)
	if prior := pr.In.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		client = strings.Join(prior, ", ") + ", " + client
	}
	pr.Out.Header.Set("X-Forwarded-For", client)
	pr.Out.Header.Set("X-Forwarded-Proto", "https")
	pr.Out.Header.Set("X-Forwarded-Port", strconv.Itoa(t.cfg.Port))
}

// h2ModifyResponse adds the AWSELB cookie of the listener's stickiness
// policy.
func h2ModifyResponse(resp *http.Response) error {
	t := resp.Request.Context().Value(h2TargetKey{}).(*h2Target)
	if t.app != "" {
		for _, line := range resp.Header.Values("Set-Cookie") {
			if c, ok := sticky.ParseSetCookie([]byte(line)); ok && string(c.Name) == t.app {
				resp.Header.Add("Set-Cookie", string(sticky.AppendAppCookie(nil, t.backend.Token, &c, time.Now())))
				return nil
			}
		}
	}
	if t.setCookie != "" {
		resp.Header.Add("Set-Cookie", t.setCookie)
	}
	return nil
}

// serveH2 serves an HTTPS connection that negotiated h2.
func (p *Plane) serveH2(tc *tls.Conn, l *listener, r *route) {
	p.h2Init()
	// ServeConn's Context is only its requests' parent: end the
	// connection itself when the plane closes.
	stop := context.AfterFunc(p.ctx, func() { tc.NetConn().Close() })
	defer stop()
	idle := r.http.IdleTimeout
	srv := &http.Server{IdleTimeout: idle, ReadHeaderTimeout: idle}
	p.h2.server.ServeConn(tc, &http2.ServeConnOpts{
		Context:    p.ctx,
		BaseConfig: srv,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			p.serveH2Stream(w, req, tc, l)
		}),
	})
}

// serveH2Stream proxies one HTTP/2 stream with the listener's current
// route.
func (p *Plane) serveH2Stream(w http.ResponseWriter, req *http.Request, tc *tls.Conn, l *listener) {
	r := l.route.Load()
	if l.removed.Load() || r.http == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	cfg := r.http
	rec := httpproxy.Record{Time: time.Now(), Client: addrPortOf(req.RemoteAddr),
		Method: []byte(req.Method), URL: []byte(req.RequestURI), Proto: []byte(req.Proto),
		UserAgent: []byte(req.UserAgent()), Host: []byte(req.Host),
		RequestProcessingTime: -1, BackendProcessingTime: -1, ResponseProcessingTime: -1}
	st := tc.ConnectionState()
	rec.TLSVersion, rec.TLSCipher = st.Version, st.CipherSuite
	defer func() {
		if cfg.OnRequest != nil {
			cfg.OnRequest(&rec)
		}
	}()
	var cands []*balance.Backend
	if cfg.Candidates != nil {
		cands = cfg.Candidates()
	}
	t := &h2Target{cfg: cfg}
	if s := cfg.Sticky; s != nil {
		t.app = s.AppCookie
		if c, err := req.Cookie(sticky.CookieName); err == nil && s.Lookup != nil {
			if b := s.Lookup([]byte(c.Value)); b != nil && b.Usable() {
				t.backend = b
			}
		}
	}
	if t.backend == nil {
		t.backend = cfg.Picker.Pick(cands)
		if t.backend != nil && cfg.Sticky != nil && cfg.Sticky.AppCookie == "" && t.backend.Token != "" {
			t.setCookie = string(sticky.AppendLBCookie(nil, t.backend.Token, cfg.Sticky.Expiration))
		}
	}
	if t.backend == nil {
		rec.ELBStatusCode = http.StatusServiceUnavailable
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	b := t.backend
	rec.Backend = b
	b.Acquire()
	defer b.Release()
	sw := &statusWriter{ResponseWriter: w}
	start := time.Now()
	rec.RequestProcessingTime = start.Sub(rec.Time)
	p.h2.proxy.ServeHTTP(sw, req.WithContext(context.WithValue(req.Context(), h2TargetKey{}, t)))
	rec.ELBStatusCode = sw.status
	if !t.failed {
		rec.BackendStatusCode = sw.status
		rec.BackendProcessingTime = sw.headAt.Sub(start)
		rec.ResponseProcessingTime = 0
	}
	rec.SentBytes = sw.bytes
	if req.ContentLength > 0 {
		rec.ReceivedBytes = req.ContentLength
	}
}

// statusWriter records what the proxy wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	headAt time.Time
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status, s.headAt = code, time.Now()
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Flush lets streamed responses through.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func addrPortOf(s string) netip.AddrPort {
	ap, _ := netip.ParseAddrPort(s)
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
