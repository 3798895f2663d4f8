package tlspolicy

import (
	"crypto/tls"
	"slices"
	"strings"

	"github.com/elbd/elbd/internal/model"
)

// Attribute names with a special meaning.
const (
	attrServerOrder = "Server-Defined-Cipher-Order"
	attrReference   = "Reference-Security-Policy"
	protocolPrefix  = "Protocol-"
)

// IgnoredClientOrder is the [Result.Ignored] entry of a policy that asks for
// the client's cipher preference (Server-Defined-Cipher-Order false or
// absent), which crypto/tls cannot follow.
const IgnoredClientOrder = attrServerOrder + "=false"

// servableProtocols are the protocol attributes crypto/tls serves, by
// version, lowest first.
var servableProtocols = []struct {
	name    string
	version uint16
}{
	{"Protocol-TLSv1", tls.VersionTLS10},
	{"Protocol-TLSv1.1", tls.VersionTLS11},
	{"Protocol-TLSv1.2", tls.VersionTLS12},
}

func protocolVersion(name string) (uint16, bool) {
	for _, p := range servableProtocols {
		if p.name == name {
			return p.version, true
		}
	}
	return 0, false
}

func protocolAttr(v uint16) string {
	for _, p := range servableProtocols {
		if p.version == v {
			return p.name
		}
	}
	return ProtocolName(v)
}

// Options are elbd-wide choices beyond the policy.
type Options struct {
	// TLS13 lets listeners negotiate TLS 1.3 when the policy enables TLS
	// 1.2. It is an opt-in: Classic ELB never negotiates TLS 1.3. TLS 1.3
	// cipher suites are chosen by crypto/tls, not by the policy.
	TLS13 bool
}

// Result is what a policy becomes. Build it with [Resolve]; the zero value
// serves nothing.
type Result struct {
	// MinVersion and MaxVersion are the crypto/tls versions (tls.VersionTLS10
	// …) bounding what is served: the lowest and highest entry of Versions.
	MinVersion, MaxVersion uint16
	// Versions are the protocol versions served, lowest first: those the
	// policy enables among TLS 1.0–1.2, plus TLS 1.3 with Options.TLS13.
	// When the policy leaves a gap (TLS 1.0 and 1.2 without 1.1), the gap is
	// not in Versions and [Result.Config] keeps clients out of it.
	Versions []uint16
	// CipherSuites are the crypto/tls IDs of the enabled cipher attributes
	// crypto/tls implements, in the policy's attribute order. They are TLS
	// 1.0–1.2 suites; some of them (GCM, SHA-256) only work with TLS 1.2.
	CipherSuites []uint16
	// Unservable lists, in the policy's attribute order, the enabled
	// attributes crypto/tls cannot serve: Protocol-SSLv2, Protocol-SSLv3 and
	// ciphers it does not implement (ECDHE-RSA-AES256-SHA384, DHE-*,
	// CAMELLIA*, …). These are simply not offered.
	Unservable []string
	// Ignored lists settings of the policy that cannot be honoured although
	// everything they govern is served, as "Name=value". The only such
	// setting is Server-Defined-Cipher-Order=false (see
	// [IgnoredClientOrder]): crypto/tls always chooses the cipher suite by
	// its own preference order, never the client's.
	Ignored []string
}

// Resolve turns the attributes of an SSLNegotiationPolicyType policy, as
// stored (policy.Normalize's output), into what crypto/tls serves.
//
// Attributes are read as follows. Values are "true" or "false", in any
// case; a later attribute of the same name overrides an earlier one.
// Protocol-* attributes are protocols; Server-Defined-Cipher-Order is the
// cipher-order setting; Reference-Security-Policy is informational, since
// stored policies carry the referenced policy's flags after it (a list with
// the reference but no protocol or cipher attribute is refused as not
// normalised); every other name is a cipher. An absent flag is false.
//
// Resolve fails with a *model.Error of kind model.KindInvalidConfiguration
// when a value is not a boolean, or when nothing can be served: no enabled
// protocol that crypto/tls implements, or no enabled cipher that crypto/tls
// implements and an enabled protocol can use. The message names what is
// missing. opts does not affect whether a policy is servable.
func Resolve(attrs []model.Attribute, opts Options) (Result, error) {
	var (
		names   []string // first-seen order
		enabled = make(map[string]bool, len(attrs))
		ref     string
		hasRef  bool
		flags   bool // a protocol or cipher attribute is present
	)
	for _, a := range attrs {
		if a.Name == attrReference {
			ref, hasRef = a.Value, true
			continue
		}
		var on bool
		switch {
		case strings.EqualFold(a.Value, "true"):
			on = true
		case strings.EqualFold(a.Value, "false"):
		default:
			return Result{}, invalid("Invalid value %q for attribute %s: must be true or false.", a.Value, a.Name)
		}
		if _, seen := enabled[a.Name]; !seen {
			names = append(names, a.Name)
		}
		enabled[a.Name] = on
		if a.Name != attrServerOrder {
			flags = true
		}
	}
	if hasRef && !flags {
		return Result{}, invalid("Invalid SSL negotiation policy: %s %q comes without the referenced policy's protocol and cipher attributes; the policy was not normalised.", attrReference, ref)
	}

	var (
		r                  Result
		protocolsOn        []string // every enabled protocol attribute
		ciphersOn          []string // every enabled cipher attribute
		versions           []uint16
		unservableCiphers  = map[string]bool{}
		unservableProtocol bool
	)
	for _, n := range names {
		if !enabled[n] || n == attrServerOrder {
			continue
		}
		if strings.HasPrefix(n, protocolPrefix) {
			protocolsOn = append(protocolsOn, n)
			if v, ok := protocolVersion(n); ok {
				versions = append(versions, v)
			} else {
				r.Unservable = append(r.Unservable, n)
				unservableProtocol = true
			}
			continue
		}
		ciphersOn = append(ciphersOn, n)
		if id, ok := suiteByName[n]; ok {
			if !slices.Contains(r.CipherSuites, id) {
				r.CipherSuites = append(r.CipherSuites, id)
			}
		} else {
			r.Unservable = append(r.Unservable, n)
			unservableCiphers[n] = true
		}
	}
	slices.Sort(versions)
	versions = slices.Compact(versions)

	if len(versions) == 0 {
		if unservableProtocol {
			return Result{}, invalid("Invalid SSL negotiation policy: elbd cannot serve %s (its TLS stack implements TLS 1.0 and later only); enable Protocol-TLSv1, Protocol-TLSv1.1 or Protocol-TLSv1.2.",
				strings.Join(protocolsOn, ", "))
		}
		return Result{}, invalid("Invalid SSL negotiation policy: no protocol is enabled; enable Protocol-TLSv1, Protocol-TLSv1.1 or Protocol-TLSv1.2.")
	}
	if !anyUsable(r.CipherSuites, versions) {
		return Result{}, noCipherError(ciphersOn, unservableCiphers, versions)
	}

	if !enabled[attrServerOrder] {
		r.Ignored = append(r.Ignored, IgnoredClientOrder)
	}
	if opts.TLS13 && slices.Contains(versions, tls.VersionTLS12) {
		versions = append(versions, tls.VersionTLS13)
	}
	r.Versions = versions
	r.MinVersion, r.MaxVersion = versions[0], versions[len(versions)-1]
	return r, nil
}

// anyUsable reports whether one of ids can be negotiated at one of versions.
func anyUsable(ids, versions []uint16) bool {
	for _, id := range ids {
		for _, v := range versions {
			if suiteSupports(id, v) {
				return true
			}
		}
	}
	return false
}

// noCipherError explains why none of the enabled ciphers can be served with
// the enabled protocol versions and lists the ciphers that could be.
func noCipherError(ciphersOn []string, unservable map[string]bool, versions []uint16) error {
	var protocols, candidates []string
	for _, v := range versions {
		protocols = append(protocols, protocolAttr(v))
	}
	for _, s := range suites {
		if _, ok := suiteByName[s.name]; ok && anyUsable([]uint16{s.id}, versions) {
			candidates = append(candidates, s.name)
		}
	}
	if len(ciphersOn) == 0 {
		return invalid("Invalid SSL negotiation policy: no cipher is enabled; enable at least one of: %s.",
			strings.Join(candidates, ", "))
	}
	var why []string
	for _, n := range ciphersOn {
		if unservable[n] {
			why = append(why, n+" is not supported by elbd's TLS stack")
			continue
		}
		var need []string
		for _, v := range goSuites[suiteByName[n]].SupportedVersions {
			if v <= tls.VersionTLS12 {
				need = append(need, protocolAttr(v))
			}
		}
		why = append(why, n+" needs "+strings.Join(need, " or "))
	}
	return invalid("Invalid SSL negotiation policy: elbd can serve none of the enabled ciphers with the enabled protocols (%s): %s. Enable at least one of: %s.",
		strings.Join(protocols, ", "), strings.Join(why, "; "), strings.Join(candidates, ", "))
}

func invalid(format string, args ...any) error {
	return model.Errorf(model.KindInvalidConfiguration, format, args...)
}

// Config returns a copy of base (a new Config when base is nil) that serves
// r: MinVersion, MaxVersion and CipherSuites are set from r, everything else
// (certificates, session tickets, …) is kept. TLS 1.3 cipher suites are not
// configurable in crypto/tls and stay Go's. CurvePreferences is left as it
// is (nil means crypto/tls's defaults).
//
// When r.Versions has a gap, Config also installs a GetConfigForClient
// hook: for a client whose best version would fall into the gap it
// returns a clone with MaxVersion lowered to the best enabled version below,
// so that exactly r.Versions are negotiated. A GetConfigForClient already
// set on base is called first and the adjustment applies to the Config it
// returns (or to this one if it returns nil). Without a gap, base's hook is
// kept untouched.
func (r Result) Config(base *tls.Config) *tls.Config {
	var c *tls.Config
	if base == nil {
		c = &tls.Config{}
	} else {
		c = base.Clone()
	}
	c.MinVersion, c.MaxVersion = r.MinVersion, r.MaxVersion
	c.CipherSuites = slices.Clone(r.CipherSuites)
	if !r.hasGap() {
		return c
	}
	versions := slices.Clone(r.Versions)
	minV, maxV := r.MinVersion, r.MaxVersion
	inner := c.GetConfigForClient
	self := c
	c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		var cfg *tls.Config
		if inner != nil {
			got, err := inner(hello)
			if err != nil {
				return nil, err
			}
			cfg = got
		}
		top := maxV
		for {
			best := highestCommon(hello.SupportedVersions, minV, top)
			if best == 0 || slices.Contains(versions, best) {
				break
			}
			top = best - 1
		}
		if top == maxV {
			return cfg, nil // nil: go on with this Config
		}
		if cfg == nil {
			cfg = self
		}
		cfg = cfg.Clone()
		cfg.MaxVersion = top
		cfg.GetConfigForClient = nil
		return cfg, nil
	}
	return c
}

// hasGap reports whether r.Versions skips a version between its ends.
func (r Result) hasGap() bool {
	for i := 1; i < len(r.Versions); i++ {
		if r.Versions[i] != r.Versions[i-1]+1 {
			return true
		}
	}
	return false
}

// highestCommon returns the highest of the client's versions within
// [lo, hi], which is what crypto/tls negotiates, or 0 if there is none.
func highestCommon(client []uint16, lo, hi uint16) uint16 {
	var best uint16
	for _, v := range client {
		if v >= lo && v <= hi && v > best {
			best = v
		}
	}
	return best
}

// String describes what is served, for a log line:
//
//	protocols TLSv1,TLSv1.1,TLSv1.2; ciphers ECDHE-ECDSA-AES128-GCM-SHA256,…; not served: ECDHE-ECDSA-AES256-SHA384,…; ignored: Server-Defined-Cipher-Order=false
//
// The "not served" and "ignored" parts appear only when non-empty.
func (r Result) String() string {
	var b strings.Builder
	b.WriteString("protocols ")
	for i, v := range r.Versions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(ProtocolName(v))
	}
	b.WriteString("; ciphers ")
	for i, id := range r.CipherSuites {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(CipherName(id))
	}
	if len(r.Unservable) > 0 {
		b.WriteString("; not served: ")
		b.WriteString(strings.Join(r.Unservable, ","))
	}
	if len(r.Ignored) > 0 {
		b.WriteString("; ignored: ")
		b.WriteString(strings.Join(r.Ignored, ","))
	}
	return b.String()
}
