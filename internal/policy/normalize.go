package policy

import (
	"math"
	"strconv"
	"strings"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/tlspolicy"
)

// attrIndex maps type name -> attribute name -> position in Type.Attributes.
var attrIndex = func() map[string]map[string]int {
	m := make(map[string]map[string]int, len(types))
	for _, t := range types {
		a := make(map[string]int, len(t.Attributes))
		for i, at := range t.Attributes {
			a[at.Name] = i
		}
		m[t.Name] = a
	}
	return m
}()

// Normalize validates attrs for a new policy of type typeName and returns
// the attribute list to store and report in DescribeLoadBalancerPolicies.
// The input slice is not modified.
//
// lookup resolves another policy on the same load balancer by name and
// returns that policy's type name; it is consulted only for PolicyName
// attributes (BackendServerAuthenticationPolicyType's PublicKeyPolicyName)
// and may be nil, in which case every reference is unresolved.
//
// Checks, in order: the type exists (KindPolicyTypeNotFound); every attribute
// name belongs to the type, matched case-sensitively
// (KindInvalidConfiguration); cardinalities hold (KindInvalidConfiguration);
// values have the right shape (KindInvalidConfiguration; an invalid cookie
// name is KindValidation; an unresolvable policy reference is
// KindPolicyNotFound).
//
// Result shape:
//   - Booleans are stored as "true"/"false" whatever case was given; Long and
//     Integer values in canonical decimal form; strings as given.
//   - Attributes come out in the type's attribute order; repeated attributes
//     (ONE_OR_MORE) keep their given order.
//   - LBCookieStickinessPolicyType always carries CookieExpirationPeriod
//     ("0", a session cookie, when absent): Terraform reads attribute 0.
//   - SSLNegotiationPolicyType: see normalizeSSL.
func Normalize(typeName string, attrs []Attribute, lookup func(policyName string) (typeName string, ok bool)) ([]Attribute, error) {
	ti, ok := typeIndex[typeName]
	if !ok {
		return nil, model.Errorf(model.KindPolicyTypeNotFound,
			"One or more of the specified policy types do not exist: %q.", typeName)
	}
	t := &types[ti]
	index := attrIndex[typeName]

	// Group the given values by attribute, rejecting unknown names.
	values := make(map[string][]string, len(attrs))
	for _, a := range attrs {
		if _, ok := index[a.Name]; !ok {
			return nil, model.Errorf(model.KindInvalidConfiguration,
				"Attribute %q is not valid for policy type %s.", a.Name, typeName)
		}
		values[a.Name] = append(values[a.Name], a.Value)
	}

	// Cardinality.
	for _, at := range t.Attributes {
		n := len(values[at.Name])
		switch at.Cardinality {
		case cardOne:
			if n == 0 {
				return nil, model.Errorf(model.KindInvalidConfiguration,
					"Attribute %s is required for policy type %s.", at.Name, typeName)
			}
			fallthrough
		case cardZeroOrOne:
			if n > 1 {
				return nil, model.Errorf(model.KindInvalidConfiguration,
					"Attribute %s may be specified only once for policy type %s.", at.Name, typeName)
			}
		case cardOneOrMore:
			if n == 0 {
				return nil, model.Errorf(model.KindInvalidConfiguration,
					"At least one %s attribute is required for policy type %s.", at.Name, typeName)
			}
		}
	}

	// Values.
	for _, at := range t.Attributes {
		vs := values[at.Name]
		for i, v := range vs {
			nv, err := checkValue(at, v, lookup)
			if err != nil {
				return nil, err
			}
			vs[i] = nv
		}
	}

	switch typeName {
	case SSLNegotiationType:
		return normalizeSSL(values)
	case LBCookieStickinessType:
		if len(values[attrCookieExpirationPeriod]) == 0 {
			values[attrCookieExpirationPeriod] = []string{"0"}
		}
	}

	out := make([]Attribute, 0, len(attrs)+1)
	for _, at := range t.Attributes {
		for _, v := range values[at.Name] {
			out = append(out, Attribute{Name: at.Name, Value: v})
		}
	}
	return out, nil
}

// checkValue validates one value against its attribute type and returns the
// form to store.
func checkValue(at AttributeType, v string, lookup func(string) (string, bool)) (string, error) {
	invalid := func(why string) error {
		return model.Errorf(model.KindInvalidConfiguration,
			"Invalid value %q for attribute %s: %s.", v, at.Name, why)
	}
	switch at.Type {
	case typeBoolean:
		switch {
		case strings.EqualFold(v, "true"):
			return "true", nil
		case strings.EqualFold(v, "false"):
			return "false", nil
		}
		return "", invalid("must be true or false")
	case typeLong, typeInteger:
		limit := uint64(math.MaxInt64)
		if at.Type == typeInteger {
			limit = math.MaxInt32
		}
		if v == "" || strings.TrimFunc(v, isASCIIDigit) != "" {
			return "", invalid("must be a non-negative integer")
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n > limit {
			return "", invalid("out of range")
		}
		return strconv.FormatUint(n, 10), nil
	case typeString:
		if v == "" && (at.Cardinality == cardOne || at.Cardinality == cardOneOrMore) {
			return "", invalid("must not be empty")
		}
		switch at.Name {
		case attrPublicKey:
			if !validPublicKey(v) {
				return "", invalid("must be a base64-encoded (or PEM) public key or certificate")
			}
		case attrCookieName:
			if !isToken(v) {
				return "", model.Errorf(model.KindValidation,
					"Invalid value %q for attribute %s: a cookie name must be an RFC 6265 token.", v, at.Name)
			}
		}
		return v, nil
	case typePolicyName:
		var (
			refType string
			found   bool
		)
		if lookup != nil && v != "" {
			refType, found = lookup(v)
		}
		if !found {
			return "", model.Errorf(model.KindPolicyNotFound,
				"Policy %q named by attribute %s does not exist.", v, at.Name)
		}
		if refType != PublicKeyType {
			return "", model.Errorf(model.KindInvalidConfiguration,
				"Policy %q named by attribute %s is of type %s, not %s.", v, at.Name, refType, PublicKeyType)
		}
		return v, nil
	}
	return v, nil
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// isToken reports whether s is an RFC 6265 cookie-name, i.e. an RFC 2616
// token: one or more US-ASCII characters other than controls, space and the
// separators ()<>@,;:\"/[]?={}.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validPublicKey accepts what PublicKeyDER can read.
func validPublicKey(s string) bool {
	_, err := PublicKeyDER(s)
	return err == nil
}

// normalizeSSL builds the stored attribute list of an SSLNegotiationPolicyType
// policy from already validated values (each attribute at most once).
//
// With Reference-Security-Policy the result is that attribute first, then
// the referenced predefined policy's attributes in AWS order; attributes
// given explicitly alongside the reference override the predefined values
// (one given that the predefined policy lacks, i.e. Protocol-SSLv2 for the
// 2016+ policies, is inserted at its AWS position). Without a reference the
// result is every protocol, Server-Defined-Cipher-Order and cipher flag in AWS
// order, unspecified ones "false".
//
// Either way at least one protocol and one cipher must end up enabled
// (AWS's rule), and internal/tlspolicy must find something it can serve:
// a protocol and a cipher usable together that Go's crypto/tls implements.
// Both failures are KindInvalidConfiguration.
func normalizeSSL(values map[string][]string) ([]Attribute, error) {
	flags := make(map[string]string, len(sslFlags))
	ref, hasRef := values[attrReferencePolicy]
	if hasRef {
		p, ok := LookupPredefined(ref[0])
		if !ok {
			return nil, model.Errorf(model.KindInvalidConfiguration,
				"%s %q is not a predefined security policy.", attrReferencePolicy, ref[0])
		}
		for _, a := range p.Attributes {
			flags[a.Name] = a.Value
		}
	} else {
		for _, n := range sslFlags {
			flags[n] = "false"
		}
	}
	for n, vs := range values {
		if n != attrReferencePolicy {
			flags[n] = vs[0]
		}
	}

	out := make([]Attribute, 0, len(sslFlags)+1)
	if hasRef {
		out = append(out, Attribute{Name: attrReferencePolicy, Value: ref[0]})
	}
	var protocol, cipher bool
	for _, n := range sslFlags {
		v, ok := flags[n]
		if !ok {
			continue
		}
		out = append(out, Attribute{Name: n, Value: v})
		if v == "true" {
			protocol = protocol || isProtocol[n]
			cipher = cipher || isCipher[n]
		}
	}
	if !protocol || !cipher {
		return nil, model.Errorf(model.KindInvalidConfiguration,
			"Invalid SSL negotiation policy: you must enable at least one protocol and one cipher.")
	}
	// elbd must also be able to serve it with Go's crypto/tls.
	if _, err := tlspolicy.Resolve(toModel(out), tlspolicy.Options{}); err != nil {
		return nil, err
	}
	return out, nil
}

func toModel(attrs []Attribute) []model.Attribute {
	out := make([]model.Attribute, len(attrs))
	for i, a := range attrs {
		out[i] = model.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}
