package tlspolicy_test

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/policy"
	"github.com/elbd/elbd/internal/tlspolicy"
)

// goSuites returns every cipher suite this crypto/tls implements.
func goSuites() []*tls.CipherSuite {
	return slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites())
}

// opensslName derives the OpenSSL name of a TLS 1.0–1.2 suite from its IANA
// name by OpenSSL's naming rules, independently of the package's table:
// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → ECDHE-RSA-AES128-GCM-SHA256,
// TLS_RSA_WITH_AES_128_CBC_SHA → AES128-SHA, TLS_RSA_WITH_3DES_EDE_CBC_SHA →
// DES-CBC3-SHA. TLS 1.3 suites keep their IANA names.
func opensslName(t *testing.T, iana string) string {
	t.Helper()
	kex, rest, ok := strings.Cut(strings.TrimPrefix(iana, "TLS_"), "_WITH_")
	if !ok {
		return iana // TLS 1.3: no key exchange in the name
	}
	var parts []string
	switch kex {
	case "RSA":
	case "ECDHE_RSA", "ECDHE_ECDSA":
		parts = append(parts, strings.ReplaceAll(kex, "_", "-"))
	default:
		t.Fatalf("%s: unexpected key exchange %s", iana, kex)
	}
	switch {
	case strings.HasPrefix(rest, "AES_"):
		// AES_128_GCM_SHA256, AES_128_CBC_SHA, AES_128_CBC_SHA256
		f := strings.Split(rest, "_")
		if len(f) != 4 {
			t.Fatalf("%s: unexpected AES suite", iana)
		}
		parts = append(parts, "AES"+f[1])
		if f[2] == "GCM" {
			parts = append(parts, "GCM")
		}
		parts = append(parts, f[3])
	case rest == "3DES_EDE_CBC_SHA":
		parts = append(parts, "DES-CBC3-SHA")
	case rest == "RC4_128_SHA":
		parts = append(parts, "RC4-SHA")
	case rest == "CHACHA20_POLY1305_SHA256":
		parts = append(parts, "CHACHA20-POLY1305")
	default:
		t.Fatalf("%s: unexpected cipher %s", iana, rest)
	}
	return strings.Join(parts, "-")
}

// openssl maps the OpenSSL name of every TLS 1.0–1.2 suite crypto/tls
// implements to the suite, derived from crypto/tls's own names.
func openssl(t *testing.T) map[string]*tls.CipherSuite {
	t.Helper()
	m := map[string]*tls.CipherSuite{}
	for _, cs := range goSuites() {
		if !slices.Contains(cs.SupportedVersions, tls.VersionTLS13) {
			m[opensslName(t, cs.Name)] = cs
		}
	}
	return m
}

func TestCipherNameEveryGoSuite(t *testing.T) {
	suites := goSuites()
	if len(suites) < 25 {
		t.Fatalf("crypto/tls lists %d suites; expected the 25 of Go 1.26", len(suites))
	}
	for _, cs := range suites {
		want := opensslName(t, cs.Name)
		if got := tlspolicy.CipherName(cs.ID); got != want {
			t.Errorf("CipherName(%s) = %q, want %q", cs.Name, got, want)
		}
	}
	for id, want := range map[uint16]string{
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:   "ECDHE-RSA-AES128-GCM-SHA256",
		tls.TLS_RSA_WITH_AES_128_CBC_SHA:            "AES128-SHA",
		tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA:           "DES-CBC3-SHA",
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: "ECDHE-ECDSA-AES128-SHA256",
		tls.TLS_AES_128_GCM_SHA256:                  "TLS_AES_128_GCM_SHA256",
		tls.TLS_CHACHA20_POLY1305_SHA256:            "TLS_CHACHA20_POLY1305_SHA256",
		0x00ff:                                      "0x00FF",
		0:                                           "0x0000",
	} {
		if got := tlspolicy.CipherName(id); got != want {
			t.Errorf("CipherName(%#04x) = %q, want %q", id, got, want)
		}
	}
}

func TestProtocolName(t *testing.T) {
	for v, want := range map[uint16]string{
		0x0300:           "SSLv3",
		tls.VersionTLS10: "TLSv1",
		tls.VersionTLS11: "TLSv1.1",
		tls.VersionTLS12: "TLSv1.2",
		tls.VersionTLS13: "TLSv1.3",
		0x0200:           "0x0200",
		0:                "0x0000",
	} {
		if got := tlspolicy.ProtocolName(v); got != want {
			t.Errorf("ProtocolName(%#04x) = %q, want %q", v, got, want)
		}
	}
}

// servableELBCiphers are the cipher attributes the reference (§3.3, "Go
// data-plane note") says crypto/tls implements, in AWS order.
var servableELBCiphers = []string{
	"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
	"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA",
	"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA",
	"AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA",
	"AES256-GCM-SHA384", "AES256-SHA",
	"DES-CBC3-SHA", "ECDHE-RSA-RC4-SHA", "RC4-SHA", "ECDHE-ECDSA-RC4-SHA",
}

// TestCipherAttributes resolves each of the 88 cipher attributes alone and
// checks that exactly the ones crypto/tls implements (by crypto/tls's own
// names) are served, with the right suite.
func TestCipherAttributes(t *testing.T) {
	impl := openssl(t)
	ciphers := policy.Ciphers()
	if len(ciphers) != 88 {
		t.Fatalf("policy.Ciphers() has %d names, want 88", len(ciphers))
	}
	var served []string
	for _, c := range ciphers {
		r, err := tlspolicy.Resolve(attrs("Protocol-TLSv1.2", "true", c, "true"), tlspolicy.Options{})
		cs, ok := impl[c]
		if !ok {
			if err == nil {
				t.Errorf("%s: resolved to %v, want an error (not implemented by crypto/tls)", c, r.CipherSuites)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c, err)
			continue
		}
		served = append(served, c)
		if !slices.Equal(r.CipherSuites, []uint16{cs.ID}) || len(r.Unservable) != 0 {
			t.Errorf("%s: CipherSuites %x Unservable %v, want [%x] (%s) and none", c, r.CipherSuites, r.Unservable, cs.ID, cs.Name)
		}
	}
	if !slices.Equal(served, servableELBCiphers) {
		t.Errorf("servable cipher attributes:\n got %v\nwant %v", served, servableELBCiphers)
	}
}
