package dnsserver

import (
	"context"
	"log/slog"
	"strings"

	"github.com/miekg/dns"
)

// ServeDNS implements dns.Handler; Start installs it on both transports and
// it may be called directly (tests, benchmarks, other muxes). It answers
// from the snapshot installed by the latest Set:
//
//   - Responses (QR set) are ignored. Opcodes other than QUERY: NOTIMP.
//     Not exactly one question, or more than one OPT record: FORMERR. EDNS
//     version other than 0: BADVERS. (When served by Start, the miekg
//     server already answers unparsable messages FORMERR.)
//   - Names outside the zone, classes other than IN and ANY, and zone
//     transfers (AXFR, IXFR): REFUSED. Before the first Set: SERVFAIL.
//   - Everything else is authoritative (AA set): at the apex SOA, NS (with
//     the NS address as glue when Options.NSAddr is set) and ANY (SOA and
//     NS); on an entry's name A, on ipv6.name AAAA, on dualstack.name A
//     and AAAA; ANY returns all of the owner's address records; the NS
//     host with Options.NSAddr answers its A or AAAA. An existing name
//     without records of the asked type (including an entry whose
//     addresses were all withdrawn, and empty non-terminals) is
//     NOERROR/NODATA, an unknown name NXDOMAIN, both with the SOA in the
//     authority section (TTL Options.NegativeTTL).
//
// Names match case-insensitively and answers carry the owner name spelled
// as in the question. RD and CD are copied, RA is clear. With EDNS(0) the
// response has an OPT record (UDP size Options.MaxUDPSize, DO copied).
// Over UDP the response is cut to the client's EDNS(0) size (at most
// Options.MaxUDPSize) or 512 bytes without EDNS(0), with TC set when
// records were dropped; over TCP it is complete.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := s.respond(req, isUDP(w))
	if m == nil {
		return
	}
	err := w.WriteMsg(m)
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		var name, qtype string
		if len(req.Question) > 0 {
			name, qtype = req.Question[0].Name, dns.TypeToString[req.Question[0].Qtype]
		}
		s.log.Debug("dns query", "remote", w.RemoteAddr(), "name", name, "type", qtype,
			"rcode", dns.RcodeToString[m.Rcode], "answers", len(m.Answer), "tc", m.Truncated, "err", err)
	}
}

// isUDP reports whether w is a datagram transport; unknown transports get
// the (stricter) UDP size rules.
func isUDP(w dns.ResponseWriter) bool {
	a := w.RemoteAddr()
	return a == nil || !strings.HasPrefix(a.Network(), "tcp")
}

// respond builds the response to req, or returns nil when req must not be
// answered.
func (s *Server) respond(req *dns.Msg, udp bool) *dns.Msg {
	if req.Response {
		return nil
	}
	m := new(dns.Msg)
	m.SetReply(req)
	var opt *dns.OPT
	nopt := 0
	for _, rr := range req.Extra {
		if o, ok := rr.(*dns.OPT); ok {
			opt = o
			nopt++
		}
	}
	switch {
	case req.Opcode != dns.OpcodeQuery:
		m.Rcode = dns.RcodeNotImplemented
	case nopt > 1 || len(req.Question) != 1:
		m.Rcode = dns.RcodeFormatError
	case opt != nil && opt.Version() != 0:
		m.Rcode = dns.RcodeBadVers
	default:
		s.answer(m, req.Question[0])
	}
	return s.finish(m, opt, udp)
}

// answer fills m for question q.
func (s *Server) answer(m *dns.Msg, q dns.Question) {
	name := strings.ToLower(dns.Fqdn(q.Name))
	if !s.inZone(name) || (q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY) ||
		q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR {
		m.Rcode = dns.RcodeRefused
		return
	}
	snap := s.snap.Load()
	if snap == nil {
		m.Rcode = dns.RcodeServerFailure
		return
	}
	m.Authoritative = true

	var rrs []dns.RR
	switch {
	case name == s.zone:
		switch q.Qtype {
		case dns.TypeSOA:
			rrs = snap.soa
		case dns.TypeNS:
			rrs, m.Extra = s.nsRR, s.nsGlue
		case dns.TypeANY:
			rrs = snap.apexAny
		}
	case s.nsGlue != nil && name == s.nsHost:
		if q.Qtype == s.nsGlueQT || q.Qtype == dns.TypeANY {
			rrs = s.nsGlue
		}
	default:
		rs := snap.owners[name]
		if rs == nil {
			if _, ent := snap.ents[name]; !ent && !s.nsENTs[name] {
				m.Rcode = dns.RcodeNameError
				m.Ns = snap.negSOA
				return
			}
			break
		}
		switch q.Qtype {
		case dns.TypeA:
			rrs = rs.a
		case dns.TypeAAAA:
			rrs = rs.aaaa
		case dns.TypeANY:
			rrs = rs.any
		}
	}
	if len(rrs) == 0 {
		m.Extra = nil
		m.Ns = snap.negSOA // NODATA
		return
	}
	if q.Name != name {
		rrs = withOwner(rrs, q.Name)
	}
	m.Answer = rrs
}

// inZone reports whether name (canonical) is the apex or below it. A dot
// preceded by an odd number of backslashes is part of a label, not a
// label boundary.
func (s *Server) inZone(name string) bool {
	if name == s.zone {
		return true
	}
	if !strings.HasSuffix(name, s.dotZone) {
		return false
	}
	bs := 0
	for i := len(name) - len(s.dotZone) - 1; i >= 0 && name[i] == '\\'; i-- {
		bs++
	}
	return bs%2 == 0
}

// withOwner returns copies of rrs whose owner name of an answer RR is
// replaced by name (the question's spelling). Only answers at the
// question's name pass through here, so every RR gets the new name.
func withOwner(rrs []dns.RR, name string) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		switch v := rr.(type) {
		case *dns.A:
			c := *v
			c.Hdr.Name = name
			out[i] = &c
		case *dns.AAAA:
			c := *v
			c.Hdr.Name = name
			out[i] = &c
		default:
			c := dns.Copy(rr)
			c.Header().Name = name
			out[i] = c
		}
	}
	return out
}

// finish adds the OPT record for EDNS(0) clients and applies the size
// limit of the transport.
func (s *Server) finish(m *dns.Msg, opt *dns.OPT, udp bool) *dns.Msg {
	size := dns.MaxMsgSize
	if udp {
		size = dns.MinMsgSize
	}
	if opt != nil {
		o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		o.SetUDPSize(s.maxUDP)
		if opt.Do() {
			o.SetDo()
		}
		// m.Extra may be a shared glue slice: its cap equals its len, so
		// append copies.
		m.Extra = append(m.Extra, o)
		if udp {
			size = int(min(max(opt.UDPSize(), dns.MinMsgSize), s.maxUDP))
		}
	}
	m.Truncate(size)
	return m
}
