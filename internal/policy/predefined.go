package policy

import "strings"

// DefaultSecurityPolicy is the predefined policy AWS attaches to HTTPS/SSL
// listeners created without an SSL negotiation policy.
const DefaultSecurityPolicy = "ELBSecurityPolicy-2016-08"

// Attribute is one policy attribute (PolicyAttributeDescription).
type Attribute struct {
	Name  string
	Value string
}

// Policy is a named policy of some type with its attributes
// (PolicyDescription).
type Policy struct {
	Name       string
	TypeName   string
	Attributes []Attribute
}

func (p Policy) clone() Policy {
	p.Attributes = append([]Attribute(nil), p.Attributes...)
	return p
}

// predefinedSpec describes one predefined SSLNegotiationPolicyType policy by
// the set of attributes that are "true". Every other SSL flag is returned as
// "false". withSSLv2 says whether the Protocol-SSLv2 attribute is present at
// all: captures of AWS output for 2016-08 and the 2017 TLS policies omit it
// (93 attributes), older policies list it as false (94 attributes).
type predefinedSpec struct {
	name      string
	withSSLv2 bool
	enabled   []string
}

// Shared enabled sets, spelled out once so the table below reads like the
// published one.
var (
	tls12Ciphers = []string{
		"ECDHE-ECDSA-AES128-GCM-SHA256",
		"ECDHE-RSA-AES128-GCM-SHA256",
		"ECDHE-ECDSA-AES128-SHA256",
		"ECDHE-RSA-AES128-SHA256",
		"ECDHE-ECDSA-AES256-GCM-SHA384",
		"ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-ECDSA-AES256-SHA384",
		"ECDHE-RSA-AES256-SHA384",
		"AES128-GCM-SHA256",
		"AES128-SHA256",
		"AES256-GCM-SHA384",
		"AES256-SHA256",
	}
	// cbcSHACiphers are the CBC-SHA1 suites that 2016-08 and TLS-1-1 add on
	// top of tls12Ciphers.
	cbcSHACiphers = []string{
		"ECDHE-ECDSA-AES128-SHA",
		"ECDHE-RSA-AES128-SHA",
		"ECDHE-RSA-AES256-SHA",
		"ECDHE-ECDSA-AES256-SHA",
		"AES128-SHA",
		"AES256-SHA",
	}
	dheAES128Ciphers = []string{"DHE-RSA-AES128-SHA", "DHE-DSS-AES128-SHA"}
	rc4Ciphers       = []string{"ECDHE-RSA-RC4-SHA", "RC4-SHA"}

	// legacy2011 is ELBSecurityPolicy-2011-08: TLSv1 and SSLv3 only, no
	// server cipher order.
	legacy2011 = []string{
		"Protocol-TLSv1",
		"Protocol-SSLv3",
		"DHE-RSA-AES128-SHA",
		"AES128-SHA",
		"AES256-SHA",
		"DHE-DSS-AES128-SHA",
		"CAMELLIA128-SHA",
		"EDH-RSA-DES-CBC3-SHA",
		"DES-CBC3-SHA",
		"RC4-SHA",
		"DHE-RSA-AES256-SHA",
		"DHE-DSS-AES256-SHA",
		"DHE-RSA-CAMELLIA256-SHA",
		"DHE-DSS-CAMELLIA256-SHA",
		"CAMELLIA256-SHA",
		"EDH-DSS-DES-CBC3-SHA",
		"DHE-RSA-CAMELLIA128-SHA",
		"DHE-DSS-CAMELLIA128-SHA",
	}
)

func join(sets ...[]string) []string {
	var out []string
	for _, s := range sets {
		out = append(out, s...)
	}
	return out
}

// predefinedSpecs lists the predefined policies in the order AWS returns
// them. Values follow the AWS user guide tables and captured AWS output.
var predefinedSpecs = []predefinedSpec{
	{"ELBSecurityPolicy-2016-08", false, join(
		[]string{"Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers, cbcSHACiphers)},
	{"ELBSecurityPolicy-TLS-1-2-2017-01", false, join(
		[]string{"Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers)},
	{"ELBSecurityPolicy-TLS-1-1-2017-01", false, join(
		[]string{"Protocol-TLSv1.1", "Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers, cbcSHACiphers)},
	{"ELBSecurityPolicy-2015-05", true, join(
		[]string{"Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers, cbcSHACiphers, []string{"DES-CBC3-SHA"})},
	{"ELBSecurityPolicy-2015-03", true, join(
		[]string{"Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers, cbcSHACiphers, dheAES128Ciphers, []string{"DES-CBC3-SHA"})},
	{"ELBSecurityPolicy-2015-02", true, join(
		[]string{"Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers, cbcSHACiphers, dheAES128Ciphers)},
	{"ELBSecurityPolicy-2014-10", true, join(
		[]string{"Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers, cbcSHACiphers, dheAES128Ciphers, rc4Ciphers)},
	{"ELBSecurityPolicy-2014-01", true, join(
		[]string{"Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2", attrServerCipherOrder},
		tls12Ciphers, cbcSHACiphers, dheAES128Ciphers, rc4Ciphers)},
	{"ELBSecurityPolicy-2011-08", true, legacy2011},
	// The attribute values of the two ELBSample policies are not published
	// anywhere we could find (only their attribute names, which are the full
	// list), so both are modelled as the 2011-08 legacy set, with which they
	// share their era. Replace them with captured AWS values if any appear.
	{"ELBSample-ELBDefaultCipherPolicy", true, legacy2011},
	{"ELBSample-OpenSSLDefaultCipherPolicy", true, legacy2011},
}

// predefined holds the expanded policies, built once from predefinedSpecs.
var predefined = func() []Policy {
	out := make([]Policy, len(predefinedSpecs))
	for i, s := range predefinedSpecs {
		on := toSet(s.enabled)
		attrs := make([]Attribute, 0, len(sslFlags))
		for _, n := range sslFlags {
			if n == "Protocol-SSLv2" && !s.withSSLv2 {
				continue
			}
			attrs = append(attrs, Attribute{Name: n, Value: boolString(on[n])})
		}
		out[i] = Policy{Name: s.name, TypeName: SSLNegotiationType, Attributes: attrs}
	}
	return out
}()

var predefinedIndex = func() map[string]int {
	m := make(map[string]int, len(predefined))
	for i, p := range predefined {
		m[p.Name] = i
	}
	return m
}()

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// Predefined returns the predefined SSL negotiation policies in the order AWS
// lists them (ELBSecurityPolicy-2016-08 first, the two ELBSample policies
// last). Every policy carries every SSL flag it defines with a "true" or
// "false" value. The result is a fresh deep copy.
func Predefined() []Policy {
	out := make([]Policy, len(predefined))
	for i, p := range predefined {
		out[i] = p.clone()
	}
	return out
}

// LookupPredefined returns a copy of the predefined policy with the given
// name (case-sensitive).
func LookupPredefined(name string) (Policy, bool) {
	i, ok := predefinedIndex[name]
	if !ok {
		return Policy{}, false
	}
	return predefined[i].clone(), true
}

// Reserved name prefixes of the predefined policies.
const (
	securityPolicyPrefix = "ELBSecurityPolicy-"
	samplePolicyPrefix   = "ELBSample-"
)

// HasReservedPrefix reports whether name starts with ELBSecurityPolicy- or
// ELBSample-, the prefixes AWS reserves for predefined policies (custom
// policies may not use them). The API layer decides when to enforce this: the
// automatically attached default policy legitimately carries such a name.
func HasReservedPrefix(name string) bool {
	return strings.HasPrefix(name, securityPolicyPrefix) || strings.HasPrefix(name, samplePolicyPrefix)
}
