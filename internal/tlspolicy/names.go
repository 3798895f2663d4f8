package tlspolicy

import (
	"crypto/tls"
	"fmt"
	"slices"
)

// suite is one cipher suite crypto/tls implements, by its OpenSSL name.
// elb says whether the name is also an SSLNegotiationPolicyType cipher
// attribute; the other entries exist only to name negotiated suites.
type suite struct {
	name string
	id   uint16
	elb  bool
}

// suites lists every cipher suite of tls.CipherSuites and
// tls.InsecureCipherSuites (Go 1.26) with its OpenSSL name. ELB attributes
// come first, in the order AWS lists them. The tests check every ID against
// crypto/tls's own names.
var suites = []suite{
	{"ECDHE-ECDSA-AES128-GCM-SHA256", tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
	{"ECDHE-RSA-AES128-GCM-SHA256", tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, true},
	{"ECDHE-ECDSA-AES128-SHA256", tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, true},
	{"ECDHE-RSA-AES128-SHA256", tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, true},
	{"ECDHE-ECDSA-AES128-SHA", tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, true},
	{"ECDHE-RSA-AES128-SHA", tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, true},
	{"ECDHE-ECDSA-AES256-GCM-SHA384", tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, true},
	{"ECDHE-RSA-AES256-GCM-SHA384", tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, true},
	{"ECDHE-RSA-AES256-SHA", tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, true},
	{"ECDHE-ECDSA-AES256-SHA", tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, true},
	{"AES128-GCM-SHA256", tls.TLS_RSA_WITH_AES_128_GCM_SHA256, true},
	{"AES128-SHA256", tls.TLS_RSA_WITH_AES_128_CBC_SHA256, true},
	{"AES128-SHA", tls.TLS_RSA_WITH_AES_128_CBC_SHA, true},
	{"AES256-GCM-SHA384", tls.TLS_RSA_WITH_AES_256_GCM_SHA384, true},
	{"AES256-SHA", tls.TLS_RSA_WITH_AES_256_CBC_SHA, true},
	{"DES-CBC3-SHA", tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, true},
	{"ECDHE-RSA-RC4-SHA", tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, true},
	{"RC4-SHA", tls.TLS_RSA_WITH_RC4_128_SHA, true},
	{"ECDHE-ECDSA-RC4-SHA", tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, true},

	// Implemented by crypto/tls but not selectable by an ELB policy.
	{"ECDHE-RSA-DES-CBC3-SHA", tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, false},
	{"ECDHE-RSA-CHACHA20-POLY1305", tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, false},
	{"ECDHE-ECDSA-CHACHA20-POLY1305", tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, false},

	// TLS 1.3 suites keep their RFC 8446 names, as OpenSSL prints them.
	{"TLS_AES_128_GCM_SHA256", tls.TLS_AES_128_GCM_SHA256, false},
	{"TLS_AES_256_GCM_SHA384", tls.TLS_AES_256_GCM_SHA384, false},
	{"TLS_CHACHA20_POLY1305_SHA256", tls.TLS_CHACHA20_POLY1305_SHA256, false},
}

// goSuites maps the ID of every suite this crypto/tls implements to its
// description, which carries the versions it can be used with.
var goSuites = func() map[uint16]*tls.CipherSuite {
	m := make(map[uint16]*tls.CipherSuite)
	for _, cs := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
		m[cs.ID] = cs
	}
	return m
}()

// suiteByName maps the ELB cipher attributes crypto/tls can serve to their
// suite IDs. A suite missing from this Go's crypto/tls (should a future
// release drop RC4, say) is left out and so becomes unservable.
var suiteByName = func() map[string]uint16 {
	m := make(map[string]uint16)
	for _, s := range suites {
		if s.elb && goSuites[s.id] != nil {
			m[s.name] = s.id
		}
	}
	return m
}()

var nameBySuite = func() map[uint16]string {
	m := make(map[uint16]string, len(suites))
	for _, s := range suites {
		m[s.id] = s.name
	}
	return m
}()

// suiteSupports reports whether the suite can be negotiated at version v.
func suiteSupports(id, v uint16) bool {
	cs := goSuites[id]
	return cs != nil && slices.Contains(cs.SupportedVersions, v)
}

// CipherName returns the name an ELB access log gives the cipher suite id in
// its ssl_cipher field: the OpenSSL name for TLS 1.0–1.2 suites
// ("ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA", "DES-CBC3-SHA") and the
// RFC 8446 name for TLS 1.3 suites ("TLS_AES_128_GCM_SHA256"). Every suite
// crypto/tls implements has a name; any other id is returned as
// crypto/tls.CipherSuiteName does, in hexadecimal ("0x00FF").
func CipherName(id uint16) string {
	if n, ok := nameBySuite[id]; ok {
		return n
	}
	return fmt.Sprintf("0x%04X", id)
}

// ProtocolName returns the name an ELB access log gives the protocol version
// v in its ssl_protocol field: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
// (and "SSLv3" for completeness, though elbd never negotiates it). Any
// other value is returned in hexadecimal ("0x0200").
func ProtocolName(v uint16) string {
	switch v {
	case 0x0300: // tls.VersionSSL30, deprecated in crypto/tls
		return "SSLv3"
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04X", v)
}
