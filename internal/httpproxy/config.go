package httpproxy

import (
	"crypto/tls"
	"log/slog"
	"net/netip"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/desync"
)

// Config is what one HTTP or HTTPS listener serves. It is immutable once
// handed to ServeConn: a listener that changes publishes a new *Config (for
// example behind an atomic.Pointer) and ServeConn picks it up at the start
// of the next request on each connection.
type Config struct {
	// Candidates returns the back ends this node may send the next request
	// to: the healthy-or-not instances of its zone, or of every enabled
	// zone with cross-zone load balancing. It is called once per request
	// and must not allocate on the hot path (balance.Set.Candidates does
	// not). An empty slice makes the request fail with 503.
	Candidates func() []*balance.Backend
	// Picker chooses among the candidates. Nil uses a LeastOutstanding
	// shared by the Proxy.
	Picker *balance.LeastOutstanding
	// Scheme is "http" or "https": the X-Forwarded-Proto value.
	Scheme string
	// Port is the listener port: the X-Forwarded-Port value.
	Port int
	// IdleTimeout closes a client or back-end connection on which no byte
	// was sent or received for this long (ELB's ConnectionSettings
	// IdleTimeout, 1-3600 s). Zero means 60 s.
	IdleTimeout time.Duration
	// DesyncMode is the load balancer's elb.http.desyncmitigationmode.
	DesyncMode desync.Mode
	// BackendTLS, when non-nil, makes connections to instances use TLS with
	// this configuration (an HTTPS instance protocol). The handshake is part
	// of the connect: bounded by Options.DialTimeout, and a failure (a key
	// VerifyConnection rejects, say) is a connect error, reported to
	// OnBackendFailure and retried on another instance. The configuration
	// is used as it is for every instance (see Proxy.dial for the one
	// exception). Idle connections are pooled per back end and per
	// TLS-or-not, not per configuration: one made under a previous
	// BackendTLS (before the pinned keys changed, say) carries requests
	// until it closes; CloseIdle closes those that are idle.
	BackendTLS *tls.Config
	// Logger receives debug records about back-end and client errors. Nil
	// logs nothing.
	Logger *slog.Logger
	// OnRequest, when non-nil, is called once per request after its
	// response has been sent (or the request abandoned), on the
	// connection's goroutine. The Record and the byte slices in it are
	// reused for the next request: copy what must outlive the call.
	OnRequest func(*Record)
	// MaxPerBackend caps the requests in flight to one instance; a
	// request that finds every candidate at the cap waits in Surge. 0
	// means no cap (and no queueing).
	MaxPerBackend int64
	// Surge is the load balancer's surge queue, shared by its listeners;
	// nil with a cap means requests over the cap are refused with 503.
	Surge *Surge
	// Sticky, when non-nil, enables sticky sessions on this listener (an
	// LBCookieStickinessPolicyType or AppCookieStickinessPolicyType
	// policy). See the package documentation.
	Sticky *Sticky
	// OnBackendFailure, when non-nil, is called when a back end fails a
	// request in a way that says something about the back end rather than
	// the client: connecting to it failed (refused, unreachable, timed
	// out, TLS handshake failed), a new connection to it was reset or
	// closed before any response byte, or a response head did not arrive
	// within the idle timeout. A pooled connection found closed is not a
	// failure (back ends close idle connections), nor is a connection cut
	// because its back end was retired. It runs on the connection's
	// goroutine, possibly on many at once, and should return quickly; the
	// data plane passes the failure to balance.Set.TryEject.
	OnBackendFailure func(b *balance.Backend, err error)
}

// Sticky configures sticky sessions: the AWSELB cookie (package sticky)
// routes a client's requests to the instance it was first sent to.
type Sticky struct {
	// Lookup returns the back end named by an AWSELB cookie value if it
	// is one this node may route to (a registered instance of the node's
	// zone, or of any enabled zone with cross-zone load balancing), else
	// nil. The data plane passes a closure over balance.Set.ByToken plus
	// the zone check. token points into the request head: Lookup must
	// not keep it, and must not allocate.
	Lookup func(token []byte) *balance.Backend
	// AppCookie is the application cookie's name
	// (AppCookieStickinessPolicyType's CookieName); empty selects the
	// duration-based policy (LBCookieStickinessPolicyType).
	AppCookie string
	// Expiration is the duration-based policy's CookieExpirationPeriod;
	// zero makes AWSELB a session cookie.
	Expiration time.Duration
}

// defaultIdleTimeout is ELB's default ConnectionSettings IdleTimeout.
const defaultIdleTimeout = 60 * time.Second

func (c *Config) idleTimeout() time.Duration {
	if c.IdleTimeout > 0 {
		return c.IdleTimeout
	}
	return defaultIdleTimeout
}

// Record describes one request, modelled on the fields of ELB's access
// log. Durations that do not apply (the request was never sent to a back
// end, no response came) are -1, as ELB writes them.
type Record struct {
	// Time is when the request head had been received in full.
	Time time.Time
	// Client is the client's address and port.
	Client netip.AddrPort
	// Backend is the instance the request was last sent to, nil if none.
	Backend *balance.Backend
	// RequestProcessingTime runs from Time until the request head was
	// written to the back end.
	RequestProcessingTime time.Duration
	// BackendProcessingTime runs from then until the back end's response
	// head had been read.
	BackendProcessingTime time.Duration
	// ResponseProcessingTime runs from then until the response head was
	// written to the client.
	ResponseProcessingTime time.Duration
	// ELBStatusCode is the status code sent to the client, 0 if none was
	// sent (the client went away first).
	ELBStatusCode int
	// BackendStatusCode is the back end's status code, 0 when no response
	// came from a back end (ELB's "-").
	BackendStatusCode int
	// ReceivedBytes counts request body bytes received from the client
	// (chunked framing included).
	ReceivedBytes int64
	// SentBytes counts response body bytes sent to the client (chunked
	// framing included).
	SentBytes int64
	// Method, URL and Proto are the request line's three parts as received,
	// UserAgent the User-Agent value and Host the (first) Host value;
	// empty when the head could not be parsed that far or has no such
	// field. They are valid only during OnRequest.
	Method, URL, Proto, UserAgent, Host []byte
	// Desync is the classification of the raw request head and
	// DesyncAction what the mode made of it.
	Desync       desync.Verdict
	DesyncAction desync.Action
	// Retries counts extra back-end attempts: a stale pooled connection
	// replaced by a new one, or another back end tried after a failed
	// connect or after a new connection failed an idempotent request
	// before answering.
	Retries int
	// ConnectErrors counts attempts to connect to a back end (TCP connect
	// or TLS handshake) that failed: ELB's BackendConnectionErrors. A
	// pooled connection the back end had closed is not counted.
	ConnectErrors int
	// Spillover is set when the request was refused because the surge
	// queue was full (SpilloverCount); Queued when it waited there.
	Spillover, Queued bool
	// TLSVersion and TLSCipher are the client connection's negotiated TLS
	// version and cipher suite (tls.VersionTLS12,
	// tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ...) when ServeConn was
	// given a *tls.Conn, for access logs' ssl_protocol and ssl_cipher;
	// zero for a plain connection. They are read once per connection.
	TLSVersion, TLSCipher uint16
}

// Options tune a Proxy. The zero value selects every default.
type Options struct {
	// MaxIdlePerBackend bounds the idle connections kept per back-end
	// address. Default 64.
	MaxIdlePerBackend int
	// MaxHeadBytes bounds a request head (request line through the empty
	// line) and a response head. Larger request heads get 400, larger
	// response heads 502. Default 64 KiB.
	MaxHeadBytes int
	// MaxHeaders bounds the header lines of a request head (400) or
	// response head (502). Default 100.
	MaxHeaders int
	// HeadTimeout bounds the time from the first byte of a request head
	// to its end; a client that takes longer gets 408. Zero, or anything
	// above the listener's IdleTimeout, means the IdleTimeout.
	HeadTimeout time.Duration
	// DialTimeout bounds connecting to a back end, TLS handshake included.
	// Default 10 s.
	DialTimeout time.Duration
}

const (
	defaultMaxIdlePerBackend = 64
	defaultMaxHeadBytes      = 64 << 10
	defaultMaxHeaders        = 100
	defaultDialTimeout       = 10 * time.Second
	// maxMethod is ELB's limit: a longer method gets 405.
	maxMethod = 127
)

func (o *Options) setDefaults() {
	if o.MaxIdlePerBackend <= 0 {
		o.MaxIdlePerBackend = defaultMaxIdlePerBackend
	}
	if o.MaxHeadBytes <= 0 {
		o.MaxHeadBytes = defaultMaxHeadBytes
	}
	if o.MaxHeaders <= 0 {
		o.MaxHeaders = defaultMaxHeaders
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = defaultDialTimeout
	}
}
