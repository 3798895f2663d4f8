package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/miekg/dns"
)

// Defaults for Options.
const (
	DefaultTTL         = 60      // answer TTL, ELB reference §4.8
	DefaultNegativeTTL = 60      // SOA MINIMUM and TTL of SOA in negative answers
	DefaultRefresh     = 7200    // SOA REFRESH (Route 53's default)
	DefaultRetry       = 900     // SOA RETRY (Route 53's default)
	DefaultExpire      = 1209600 // SOA EXPIRE, two weeks (Route 53's default)
	DefaultMaxUDPSize  = 1232    // largest UDP response, DNS flag day 2020
)

// Options configures a Server. The zero value is valid.
type Options struct {
	// Logger receives lifecycle messages (Info), serve errors (Error) and
	// one line per query (Debug). Nil discards everything.
	Logger *slog.Logger
	// TTL of positive answers (A, AAAA, NS, SOA). 0 means DefaultTTL.
	TTL uint32
	// NegativeTTL is the SOA MINIMUM field and the TTL of the SOA record
	// returned with NXDOMAIN and NODATA answers (RFC 2308). 0 means
	// DefaultNegativeTTL.
	NegativeTTL uint32
	// NS is the host name of the zone's name server (the NS record and
	// the SOA MNAME). Empty means "ns.<zone>".
	NS string
	// NSAddr, when valid, is served as the A (IPv4) or AAAA (IPv6)
	// record of NS and added as glue to NS answers; NS must then be inside
	// the zone. When not valid the NS name has no address records and, if
	// inside the zone, answers NXDOMAIN like any other unknown name. With
	// NSAddr the NS host takes precedence over an Entry of the same name.
	NSAddr netip.Addr
	// Mbox is the SOA RNAME (responsible mailbox, in domain form).
	// Empty means "hostmaster.<zone>".
	Mbox string
	// SOA timers; 0 means the corresponding Default.
	Refresh, Retry, Expire uint32
	// MaxUDPSize caps the UDP response size honoured for EDNS(0) clients
	// and is the size advertised in the response's OPT record. Clients
	// without EDNS(0) get at most 512 bytes. 0 means DefaultMaxUDPSize;
	// values below 512 are raised to 512.
	MaxUDPSize uint16
}

// Server is an authoritative DNS server for one zone. Create it with New,
// install records with Set (before or after Start; until the first Set
// every query for the zone is answered SERVFAIL so that nothing negative
// is cached), serve with Start and stop with Shutdown. Set and the handler
// are safe for concurrent use; Start and Shutdown are serialised.
type Server struct {
	zone     string // canonical apex
	dotZone  string // "." + zone
	ttl      uint32
	negTTL   uint32
	maxUDP   uint16
	log      *slog.Logger
	nsHost   string          // canonical NS host name
	nsRR     []dns.RR        // NS record of the apex
	nsGlue   []dns.RR        // address record of nsHost, if served
	nsGlueQT uint16          // its type (A or AAAA), 0 if none
	nsENTs   map[string]bool // empty non-terminals above nsHost (with glue only)
	soaTmpl  dns.SOA         // SOA without serial and TTL
	snap     atomic.Pointer[snapshot]

	mu  sync.Mutex // serialises Start and Shutdown; guards run
	run *running
}

// snapshot is what Set installs: the compiled answers of one Records plus
// the SOA records carrying its serial.
type snapshot struct {
	owners  map[string]*rrsets
	ents    map[string]struct{}
	soa     []dns.RR // SOA for answers, TTL = ttl
	apexAny []dns.RR // SOA and NS
	negSOA  []dns.RR // SOA for authority sections, TTL = negTTL
}

// rrsets holds an owner name's prebuilt answers, owner name in canonical
// case. The slices have len == cap so that appending copies.
type rrsets struct {
	a, aaaa, any []dns.RR
}

// New returns a Server for zone (the DNS domain apex, for example
// "elb.internal"). It fails if the zone or Options.NS is not a valid host
// name, Options.Mbox not a valid domain name, or if Options.NSAddr is set
// while NS is outside the zone.
func New(zone string, opts Options) (*Server, error) {
	z, err := canonicalZone(zone)
	if err != nil {
		return nil, err
	}
	s := &Server{
		zone:    z,
		dotZone: "." + z,
		ttl:     orDefault(opts.TTL, DefaultTTL),
		negTTL:  orDefault(opts.NegativeTTL, DefaultNegativeTTL),
		maxUDP:  max(uint16(orDefault(uint32(opts.MaxUDPSize), DefaultMaxUDPSize)), dns.MinMsgSize),
		log:     opts.Logger,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.nsHost = "ns." + z
	if opts.NS != "" {
		s.nsHost = canonicalName(opts.NS)
	}
	if !isHostName(s.nsHost) {
		return nil, fmt.Errorf("dnsserver: NS %q is not a valid host name", opts.NS)
	}
	mbox := "hostmaster." + z
	if opts.Mbox != "" {
		mbox = canonicalName(opts.Mbox)
	}
	if _, ok := dns.IsDomainName(mbox); !ok {
		return nil, fmt.Errorf("dnsserver: Mbox %q is not a valid domain name", opts.Mbox)
	}
	s.nsRR = []dns.RR{&dns.NS{Hdr: s.hdr(z, dns.TypeNS, s.ttl), Ns: s.nsHost}}
	if opts.NSAddr.IsValid() {
		if !strings.HasSuffix(s.nsHost, s.dotZone) {
			return nil, fmt.Errorf("dnsserver: NSAddr given but NS %q is not below zone %q", s.nsHost, z)
		}
		a := opts.NSAddr.Unmap()
		if a.Is4() {
			s.nsGlueQT = dns.TypeA
			s.nsGlue = []dns.RR{&dns.A{Hdr: s.hdr(s.nsHost, dns.TypeA, s.ttl), A: a.AsSlice()}}
		} else {
			s.nsGlueQT = dns.TypeAAAA
			s.nsGlue = []dns.RR{&dns.AAAA{Hdr: s.hdr(s.nsHost, dns.TypeAAAA, s.ttl), AAAA: a.WithZone("").AsSlice()}}
		}
		s.nsENTs = make(map[string]bool)
		for p := parent(s.nsHost); p != z; p = parent(p) {
			s.nsENTs[p] = true
		}
	}
	s.soaTmpl = dns.SOA{
		Hdr:     dns.RR_Header{Name: z, Rrtype: dns.TypeSOA, Class: dns.ClassINET},
		Ns:      s.nsHost,
		Mbox:    mbox,
		Refresh: orDefault(opts.Refresh, DefaultRefresh),
		Retry:   orDefault(opts.Retry, DefaultRetry),
		Expire:  orDefault(opts.Expire, DefaultExpire),
		Minttl:  s.negTTL,
	}
	return s, nil
}

func orDefault(v, def uint32) uint32 {
	if v == 0 {
		return def
	}
	return v
}

func (s *Server) hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

// Zone returns the served zone apex in canonical form.
func (s *Server) Zone() string { return s.zone }

// Set installs r as the served record set, with serial as the SOA serial
// (derive it from the controller's revision). The swap is atomic: every
// query is answered entirely from either the previous or the new set. A
// nil r installs an empty set (every name in the zone but the apex and
// the NS host with Options.NSAddr is NXDOMAIN). Set fails, leaving the current set in place, if r was built
// for another zone.
func (s *Server) Set(r *Records, serial uint32) error {
	if r != nil && r.zone != s.zone {
		return fmt.Errorf("dnsserver: records are for zone %q, server serves %q", r.zone, s.zone)
	}
	snap := &snapshot{}
	soa := s.soaTmpl
	soa.Serial = serial
	soa.Hdr.Ttl = s.ttl
	neg := soa
	neg.Hdr.Ttl = s.negTTL
	snap.soa, snap.negSOA = []dns.RR{&soa}, []dns.RR{&neg}
	snap.apexAny = []dns.RR{&soa, s.nsRR[0]}
	entries := 0
	if r != nil {
		entries = r.entries
		snap.ents = r.ents
		snap.owners = make(map[string]*rrsets, len(r.owners))
		for name, o := range r.owners {
			rs := &rrsets{}
			for _, a := range o.v4 {
				rs.a = append(rs.a, &dns.A{Hdr: s.hdr(name, dns.TypeA, s.ttl), A: a.AsSlice()})
			}
			for _, a := range o.v6 {
				rs.aaaa = append(rs.aaaa, &dns.AAAA{Hdr: s.hdr(name, dns.TypeAAAA, s.ttl), AAAA: a.AsSlice()})
			}
			rs.a, rs.aaaa = clip(rs.a), clip(rs.aaaa)
			rs.any = clip(append(append([]dns.RR(nil), rs.a...), rs.aaaa...))
			snap.owners[name] = rs
		}
	}
	s.snap.Store(snap)
	s.log.Debug("dns records installed", "zone", s.zone, "serial", serial, "entries", entries)
	return nil
}

func clip(rrs []dns.RR) []dns.RR {
	if len(rrs) == 0 {
		return nil
	}
	return rrs[:len(rrs):len(rrs)]
}

// running is one Start..Shutdown cycle.
type running struct {
	udp, tcp *transport
}

// transport is one miekg server and the goroutine running it.
type transport struct {
	srv  *dns.Server
	addr net.Addr
	done chan struct{} // closed when the serving goroutine has returned
}

// maxPortTries bounds the attempts to find a port free for both UDP and
// TCP when Start is given port 0.
const maxPortTries = 10

// Start binds UDP and TCP on addr ("host:port"; with port 0 UDP picks a
// free port and TCP binds the same one, retrying with a new UDP port up to
// 10 times if it is taken for TCP) and serves queries until Shutdown. It returns once both
// transports are serving, or an error (with nothing left bound) if either
// fails to bind or start. Start on a running server fails; after Shutdown
// it may be called again.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		return errors.New("dnsserver: already started")
	}
	pc, ln, err := listenBoth(addr)
	if err != nil {
		return err
	}
	udp, err := s.serve("udp", &dns.Server{PacketConn: pc}, pc.LocalAddr())
	if err != nil {
		pc.Close()
		ln.Close()
		return err
	}
	tcp, err := s.serve("tcp", &dns.Server{Listener: ln}, ln.Addr())
	if err != nil {
		ln.Close()
		_ = shutdownAll(context.Background(), udp)
		return err
	}
	s.run = &running{udp: udp, tcp: tcp}
	s.log.Info("dns server listening", "zone", s.zone, "udp", udp.addr.String(), "tcp", tcp.addr.String())
	return nil
}

// listenBoth binds UDP and then TCP on the same address and port.
func listenBoth(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dnsserver: listen address: %w", err)
	}
	anyPort := port == "0" || port == ""
	for try := 1; ; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dnsserver: listen udp: %w", err)
		}
		p := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if !anyPort || !errors.Is(err, syscall.EADDRINUSE) || try >= maxPortTries {
			return nil, nil, fmt.Errorf("dnsserver: listen tcp: %w", err)
		}
	}
}

// serve runs srv (with its PacketConn or Listener set) in a goroutine and
// waits until it is serving or has failed.
func (s *Server) serve(network string, srv *dns.Server, addr net.Addr) (*transport, error) {
	started := make(chan struct{})
	var serveErr error
	srv.Handler = s
	srv.UDPSize = dns.DefaultMsgSize // read buffer for incoming queries
	srv.MsgAcceptFunc = acceptMsg
	srv.NotifyStartedFunc = func() { close(started) }
	t := &transport{srv: srv, addr: addr, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		serveErr = srv.ActivateAndServe()
		if serveErr != nil {
			s.log.Error("dns server stopped serving", "net", network, "addr", addr.String(), "err", serveErr)
		}
	}()
	select {
	case <-started:
		return t, nil
	case <-t.done:
		return nil, fmt.Errorf("dnsserver: serve %s: %w", network, serveErr)
	}
}

// acceptMsg is dns.DefaultMsgAcceptFunc except that every opcode other
// than QUERY (NOTIFY included) is answered NOTIMP.
func acceptMsg(dh dns.Header) dns.MsgAcceptAction {
	const qr = 1 << 15
	switch {
	case dh.Bits&qr != 0:
		return dns.MsgIgnore // a response: never answer it
	case int(dh.Bits>>11)&0xF != dns.OpcodeQuery:
		return dns.MsgRejectNotImplemented
	case dh.Qdcount != 1, dh.Ancount > 1, dh.Nscount > 1, dh.Arcount > 2:
		return dns.MsgReject
	}
	return dns.MsgAccept
}

// UDPAddr returns the bound UDP address, nil when not started.
func (s *Server) UDPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return nil
	}
	return s.run.udp.addr
}

// TCPAddr returns the bound TCP address, nil when not started.
func (s *Server) TCPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return nil
	}
	return s.run.tcp.addr
}

// Shutdown stops both transports: sockets are closed at once, then it
// waits for in-flight queries and the serving goroutines to finish, or
// for ctx to end (it then returns ctx's error; the remaining goroutines
// exit as soon as their current query is written). Shutdown of a server
// that is not running returns nil.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.run
	if r == nil {
		return nil
	}
	s.run = nil
	err := shutdownAll(ctx, r.udp, r.tcp)
	s.log.Info("dns server stopped", "zone", s.zone, "err", err)
	return err
}

func shutdownAll(ctx context.Context, ts ...*transport) error {
	var errs []error
	timedOut := false
	for _, t := range ts {
		if err := t.srv.ShutdownContext(ctx); err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				timedOut = true
			} else {
				errs = append(errs, err)
			}
		}
	}
	for _, t := range ts {
		select {
		case <-t.done:
			continue
		default:
		}
		select {
		case <-t.done:
		case <-ctx.Done():
			timedOut = true
		}
	}
	if timedOut {
		errs = append(errs, fmt.Errorf("dnsserver: shutdown: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}
