package policy

// Policy type names, as they appear in PolicyTypeName.
const (
	ProxyProtocolType               = "ProxyProtocolPolicyType"
	PublicKeyType                   = "PublicKeyPolicyType"
	BackendServerAuthenticationType = "BackendServerAuthenticationPolicyType"
	AppCookieStickinessType         = "AppCookieStickinessPolicyType"
	LBCookieStickinessType          = "LBCookieStickinessPolicyType"
	SSLNegotiationType              = "SSLNegotiationPolicyType"
)

// Attribute value types (PolicyAttributeTypeDescription.AttributeType).
const (
	typeBoolean    = "Boolean"
	typeString     = "String"
	typeLong       = "Long"
	typeInteger    = "Integer"
	typePolicyName = "PolicyName"
)

// Cardinalities (PolicyAttributeTypeDescription.Cardinality).
const (
	cardOne        = "ONE"
	cardZeroOrOne  = "ZERO_OR_ONE"
	cardZeroOrMore = "ZERO_OR_MORE"
	cardOneOrMore  = "ONE_OR_MORE"
)

// Attribute names with special meaning.
const (
	attrProxyProtocol          = "ProxyProtocol"
	attrPublicKey              = "PublicKey"
	attrPublicKeyPolicyName    = "PublicKeyPolicyName"
	attrCookieName             = "CookieName"
	attrCookieExpirationPeriod = "CookieExpirationPeriod"
	attrServerCipherOrder      = "Server-Defined-Cipher-Order"
	attrReferencePolicy        = "Reference-Security-Policy"
)

// AttributeType describes one attribute a policy type accepts
// (PolicyAttributeTypeDescription). Type is one of Boolean, String, Long,
// Integer or PolicyName; Cardinality is one of ONE, ZERO_OR_ONE, ZERO_OR_MORE
// or ONE_OR_MORE. Description and DefaultValue are empty where AWS's published
// output gives none.
type AttributeType struct {
	Name         string
	Type         string
	Description  string
	DefaultValue string
	Cardinality  string
}

// Type is a policy type (PolicyTypeDescription).
type Type struct {
	Name        string
	Description string
	Attributes  []AttributeType
}

// protocols are the SSLNegotiationPolicyType protocol flags in the order AWS
// returns them.
var protocols = []string{
	"Protocol-SSLv2",
	"Protocol-TLSv1",
	"Protocol-SSLv3",
	"Protocol-TLSv1.1",
	"Protocol-TLSv1.2",
}

// ciphers are the 88 SSLNegotiationPolicyType cipher flags (OpenSSL names) in
// the order AWS returns them.
var ciphers = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES128-SHA256",
	"ECDHE-RSA-AES128-SHA256",
	"ECDHE-ECDSA-AES128-SHA",
	"ECDHE-RSA-AES128-SHA",
	"DHE-RSA-AES128-SHA",
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-AES256-SHA384",
	"ECDHE-RSA-AES256-SHA384",
	"ECDHE-RSA-AES256-SHA",
	"ECDHE-ECDSA-AES256-SHA",
	"AES128-GCM-SHA256",
	"AES128-SHA256",
	"AES128-SHA",
	"AES256-GCM-SHA384",
	"AES256-SHA256",
	"AES256-SHA",
	"DHE-DSS-AES128-SHA",
	"CAMELLIA128-SHA",
	"EDH-RSA-DES-CBC3-SHA",
	"DES-CBC3-SHA",
	"ECDHE-RSA-RC4-SHA",
	"RC4-SHA",
	"ECDHE-ECDSA-RC4-SHA",
	"DHE-DSS-AES256-GCM-SHA384",
	"DHE-RSA-AES256-GCM-SHA384",
	"DHE-RSA-AES256-SHA256",
	"DHE-DSS-AES256-SHA256",
	"DHE-RSA-AES256-SHA",
	"DHE-DSS-AES256-SHA",
	"DHE-RSA-CAMELLIA256-SHA",
	"DHE-DSS-CAMELLIA256-SHA",
	"CAMELLIA256-SHA",
	"EDH-DSS-DES-CBC3-SHA",
	"DHE-DSS-AES128-GCM-SHA256",
	"DHE-RSA-AES128-GCM-SHA256",
	"DHE-RSA-AES128-SHA256",
	"DHE-DSS-AES128-SHA256",
	"DHE-RSA-CAMELLIA128-SHA",
	"DHE-DSS-CAMELLIA128-SHA",
	"ADH-AES128-GCM-SHA256",
	"ADH-AES128-SHA",
	"ADH-AES128-SHA256",
	"ADH-AES256-GCM-SHA384",
	"ADH-AES256-SHA",
	"ADH-AES256-SHA256",
	"ADH-CAMELLIA128-SHA",
	"ADH-CAMELLIA256-SHA",
	"ADH-DES-CBC3-SHA",
	"ADH-DES-CBC-SHA",
	"ADH-RC4-MD5",
	"ADH-SEED-SHA",
	"DES-CBC-SHA",
	"DHE-DSS-SEED-SHA",
	"DHE-RSA-SEED-SHA",
	"EDH-DSS-DES-CBC-SHA",
	"EDH-RSA-DES-CBC-SHA",
	"IDEA-CBC-SHA",
	"RC4-MD5",
	"SEED-SHA",
	"DES-CBC3-MD5",
	"DES-CBC-MD5",
	"RC2-CBC-MD5",
	"PSK-AES256-CBC-SHA",
	"PSK-3DES-EDE-CBC-SHA",
	"KRB5-DES-CBC3-SHA",
	"KRB5-DES-CBC3-MD5",
	"PSK-AES128-CBC-SHA",
	"PSK-RC4-SHA",
	"KRB5-RC4-SHA",
	"KRB5-RC4-MD5",
	"KRB5-DES-CBC-SHA",
	"KRB5-DES-CBC-MD5",
	"EXP-EDH-RSA-DES-CBC-SHA",
	"EXP-EDH-DSS-DES-CBC-SHA",
	"EXP-ADH-DES-CBC-SHA",
	"EXP-DES-CBC-SHA",
	"EXP-RC2-CBC-MD5",
	"EXP-KRB5-RC2-CBC-SHA",
	"EXP-KRB5-DES-CBC-SHA",
	"EXP-KRB5-RC2-CBC-MD5",
	"EXP-KRB5-DES-CBC-MD5",
	"EXP-ADH-RC4-MD5",
	"EXP-RC4-MD5",
	"EXP-KRB5-RC4-SHA",
	"EXP-KRB5-RC4-MD5",
}

// Protocols returns the SSLNegotiationPolicyType protocol attribute names
// (Protocol-SSLv2 … Protocol-TLSv1.2) in AWS order.
func Protocols() []string { return append([]string(nil), protocols...) }

// Ciphers returns the 88 SSLNegotiationPolicyType cipher attribute names in
// AWS order.
func Ciphers() []string { return append([]string(nil), ciphers...) }

// sslFlags is the order of every boolean SSLNegotiationPolicyType attribute:
// protocols, Server-Defined-Cipher-Order, ciphers.
var sslFlags = func() []string {
	s := make([]string, 0, len(protocols)+1+len(ciphers))
	s = append(s, protocols...)
	s = append(s, attrServerCipherOrder)
	return append(s, ciphers...)
}()

// Set membership helpers for the SSL attribute names.
var (
	isProtocol = toSet(protocols)
	isCipher   = toSet(ciphers)
)

func toSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// sslDefaults are the DefaultValues AWS reports for SSLNegotiationPolicyType
// attributes in captured DescribeLoadBalancerPolicyTypes output. Attributes
// not listed report none.
var sslDefaults = map[string]string{
	"Protocol-SSLv2": "false",
	"Protocol-TLSv1": "true",
}

// types is the catalogue in the order AWS lists it.
var types = []Type{
	{
		Name:        SSLNegotiationType,
		Description: "Listener policy that defines the ciphers and protocols that will be accepted by the load balancer. This policy can be associated only with HTTPS/SSL listeners.",
		Attributes: func() []AttributeType {
			a := make([]AttributeType, 0, len(sslFlags)+1)
			for _, n := range sslFlags {
				a = append(a, AttributeType{Name: n, Type: typeBoolean, DefaultValue: sslDefaults[n], Cardinality: cardZeroOrOne})
			}
			return append(a, AttributeType{Name: attrReferencePolicy, Type: typeString, Cardinality: cardZeroOrOne})
		}(),
	},
	{
		Name:        BackendServerAuthenticationType,
		Description: "Policy that controls authentication to back-end server(s) and contains one or more policies, such as an instance of a PublicKeyPolicyType. This policy can be associated only with back-end servers that are using HTTPS/SSL.",
		Attributes:  []AttributeType{{Name: attrPublicKeyPolicyName, Type: typePolicyName, Cardinality: cardOneOrMore}},
	},
	{
		Name:        PublicKeyType,
		Description: "Policy containing a list of public keys to accept when authenticating the back-end server(s). This policy cannot be applied directly to back-end servers or listeners but must be part of a BackendServerAuthenticationPolicyType.",
		Attributes:  []AttributeType{{Name: attrPublicKey, Type: typeString, Cardinality: cardOne}},
	},
	{
		Name:        AppCookieStickinessType,
		Description: "Stickiness policy with session lifetimes controlled by the lifetime of the application-generated cookie. This policy can be associated only with HTTP/HTTPS listeners.",
		Attributes:  []AttributeType{{Name: attrCookieName, Type: typeString, Cardinality: cardOne}},
	},
	{
		Name:        LBCookieStickinessType,
		Description: "Stickiness policy with session lifetimes controlled by the browser (user-agent) or a specified expiration period. This policy can be associated only with HTTP/HTTPS listeners.",
		Attributes:  []AttributeType{{Name: attrCookieExpirationPeriod, Type: typeLong, Cardinality: cardZeroOrOne}},
	},
	{
		Name:        ProxyProtocolType,
		Description: "Policy that controls whether to include the IP address and port of the originating request for TCP messages. This policy operates on TCP/SSL listeners only",
		Attributes:  []AttributeType{{Name: attrProxyProtocol, Type: typeBoolean, Cardinality: cardOne}},
	},
}

// typeIndex maps a type name to its position in types.
var typeIndex = func() map[string]int {
	m := make(map[string]int, len(types))
	for i, t := range types {
		m[t.Name] = i
	}
	return m
}()

func (t Type) clone() Type {
	t.Attributes = append([]AttributeType(nil), t.Attributes...)
	return t
}

// Types returns every policy type in AWS's order: SSLNegotiation,
// BackendServerAuthentication, PublicKey, AppCookieStickiness,
// LBCookieStickiness, ProxyProtocol. The result is a fresh copy.
func Types() []Type {
	out := make([]Type, len(types))
	for i, t := range types {
		out[i] = t.clone()
	}
	return out
}

// LookupType returns a copy of the policy type with the given name
// (case-sensitive).
func LookupType(name string) (Type, bool) {
	i, ok := typeIndex[name]
	if !ok {
		return Type{}, false
	}
	return types[i].clone(), true
}

// IsCookieStickiness reports whether typeName is one of the two cookie
// stickiness policy types.
func IsCookieStickiness(typeName string) bool {
	return typeName == AppCookieStickinessType || typeName == LBCookieStickinessType
}
