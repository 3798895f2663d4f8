package policy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/model"
)

// testKeys returns base64 DER encodings of an ECDSA public key (SPKI), a
// self-signed certificate, and an EC private key.
func testKeys(t *testing.T) (spki, cert, priv []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spki, err = x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "backend.example"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Unix(0, 0).Add(24 * time.Hour),
	}
	cert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	priv, err = x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return spki, cert, priv
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func pemOf(typ string, b []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}))
}

// wrap inserts a newline every 64 characters, like a PEM body.
func wrap(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s)
	return b.String()
}

func lookupFrom(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		typ, ok := m[name]
		return typ, ok
	}
}

func attrs(kv ...string) []Attribute {
	out := make([]Attribute, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Attribute{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

const noErr = model.Kind(-1) // sentinel: no error expected

func TestNormalizeSimpleTypes(t *testing.T) {
	spki, cert, priv := testKeys(t)
	lookup := lookupFrom(map[string]string{
		"key-a":  PublicKeyType,
		"key-b":  PublicKeyType,
		"sticky": LBCookieStickinessType,
	})
	tests := []struct {
		name string
		typ  string
		in   []Attribute
		want []Attribute // checked when kind == noErr
		kind model.Kind
	}{
		{"unknown type", "NoSuchPolicyType", nil, nil, model.KindPolicyTypeNotFound},
		{"type case-sensitive", "proxyprotocolpolicytype", attrs("ProxyProtocol", "true"), nil, model.KindPolicyTypeNotFound},

		{"proxy true", ProxyProtocolType, attrs("ProxyProtocol", "true"), attrs("ProxyProtocol", "true"), noErr},
		{"proxy TRUE lowered", ProxyProtocolType, attrs("ProxyProtocol", "TRUE"), attrs("ProxyProtocol", "true"), noErr},
		{"proxy False lowered", ProxyProtocolType, attrs("ProxyProtocol", "False"), attrs("ProxyProtocol", "false"), noErr},
		{"proxy missing", ProxyProtocolType, nil, nil, model.KindInvalidConfiguration},
		{"proxy twice", ProxyProtocolType, attrs("ProxyProtocol", "true", "ProxyProtocol", "true"), nil, model.KindInvalidConfiguration},
		{"proxy not boolean", ProxyProtocolType, attrs("ProxyProtocol", "yes"), nil, model.KindInvalidConfiguration},
		{"proxy empty", ProxyProtocolType, attrs("ProxyProtocol", ""), nil, model.KindInvalidConfiguration},
		{"proxy attribute name case", ProxyProtocolType, attrs("proxyprotocol", "true"), nil, model.KindInvalidConfiguration},
		{"proxy unknown attribute", ProxyProtocolType, attrs("ProxyProtocol", "true", "Extra", "1"), nil, model.KindInvalidConfiguration},

		{"lb cookie absent", LBCookieStickinessType, nil, attrs("CookieExpirationPeriod", "0"), noErr},
		{"lb cookie 60", LBCookieStickinessType, attrs("CookieExpirationPeriod", "60"), attrs("CookieExpirationPeriod", "60"), noErr},
		{"lb cookie 0", LBCookieStickinessType, attrs("CookieExpirationPeriod", "0"), attrs("CookieExpirationPeriod", "0"), noErr},
		{"lb cookie canonical", LBCookieStickinessType, attrs("CookieExpirationPeriod", "007"), attrs("CookieExpirationPeriod", "7"), noErr},
		{"lb cookie max", LBCookieStickinessType, attrs("CookieExpirationPeriod", "9223372036854775807"), attrs("CookieExpirationPeriod", "9223372036854775807"), noErr},
		{"lb cookie overflow", LBCookieStickinessType, attrs("CookieExpirationPeriod", "9223372036854775808"), nil, model.KindInvalidConfiguration},
		{"lb cookie negative", LBCookieStickinessType, attrs("CookieExpirationPeriod", "-1"), nil, model.KindInvalidConfiguration},
		{"lb cookie plus", LBCookieStickinessType, attrs("CookieExpirationPeriod", "+5"), nil, model.KindInvalidConfiguration},
		{"lb cookie text", LBCookieStickinessType, attrs("CookieExpirationPeriod", "ten"), nil, model.KindInvalidConfiguration},
		{"lb cookie empty", LBCookieStickinessType, attrs("CookieExpirationPeriod", ""), nil, model.KindInvalidConfiguration},
		{"lb cookie twice", LBCookieStickinessType, attrs("CookieExpirationPeriod", "1", "CookieExpirationPeriod", "2"), nil, model.KindInvalidConfiguration},

		{"app cookie", AppCookieStickinessType, attrs("CookieName", "JSESSIONID"), attrs("CookieName", "JSESSIONID"), noErr},
		{"app cookie token chars", AppCookieStickinessType, attrs("CookieName", "a!#$%&'*+-.^_`|~9"), attrs("CookieName", "a!#$%&'*+-.^_`|~9"), noErr},
		{"app cookie missing", AppCookieStickinessType, nil, nil, model.KindInvalidConfiguration},
		{"app cookie empty", AppCookieStickinessType, attrs("CookieName", ""), nil, model.KindInvalidConfiguration},
		{"app cookie twice", AppCookieStickinessType, attrs("CookieName", "a", "CookieName", "b"), nil, model.KindInvalidConfiguration},
		{"app cookie space", AppCookieStickinessType, attrs("CookieName", "my cookie"), nil, model.KindValidation},
		{"app cookie separator", AppCookieStickinessType, attrs("CookieName", "a=b"), nil, model.KindValidation},
		{"app cookie semicolon", AppCookieStickinessType, attrs("CookieName", "a;b"), nil, model.KindValidation},
		{"app cookie control", AppCookieStickinessType, attrs("CookieName", "a\tb"), nil, model.KindValidation},
		{"app cookie non-ascii", AppCookieStickinessType, attrs("CookieName", "café"), nil, model.KindValidation},

		{"pubkey spki", PublicKeyType, attrs("PublicKey", b64(spki)), attrs("PublicKey", b64(spki)), noErr},
		{"pubkey spki wrapped", PublicKeyType, attrs("PublicKey", wrap(b64(spki))), attrs("PublicKey", wrap(b64(spki))), noErr},
		{"pubkey spki unpadded", PublicKeyType, attrs("PublicKey", base64.RawStdEncoding.EncodeToString(spki)), attrs("PublicKey", base64.RawStdEncoding.EncodeToString(spki)), noErr},
		{"pubkey pem", PublicKeyType, attrs("PublicKey", pemOf("PUBLIC KEY", spki)), attrs("PublicKey", pemOf("PUBLIC KEY", spki)), noErr},
		{"pubkey cert", PublicKeyType, attrs("PublicKey", b64(cert)), attrs("PublicKey", b64(cert)), noErr},
		{"pubkey cert pem", PublicKeyType, attrs("PublicKey", pemOf("CERTIFICATE", cert)), attrs("PublicKey", pemOf("CERTIFICATE", cert)), noErr},
		{"pubkey private key", PublicKeyType, attrs("PublicKey", b64(priv)), nil, model.KindInvalidConfiguration},
		{"pubkey private pem", PublicKeyType, attrs("PublicKey", pemOf("EC PRIVATE KEY", priv)), nil, model.KindInvalidConfiguration},
		{"pubkey not base64", PublicKeyType, attrs("PublicKey", "not a key!"), nil, model.KindInvalidConfiguration},
		{"pubkey base64 junk", PublicKeyType, attrs("PublicKey", b64([]byte("hello world"))), nil, model.KindInvalidConfiguration},
		{"pubkey truncated", PublicKeyType, attrs("PublicKey", b64(spki[:len(spki)-4])), nil, model.KindInvalidConfiguration},
		{"pubkey empty", PublicKeyType, attrs("PublicKey", ""), nil, model.KindInvalidConfiguration},
		{"pubkey missing", PublicKeyType, nil, nil, model.KindInvalidConfiguration},
		{"pubkey twice", PublicKeyType, attrs("PublicKey", b64(spki), "PublicKey", b64(spki)), nil, model.KindInvalidConfiguration},

		{"backend auth one", BackendServerAuthenticationType, attrs("PublicKeyPolicyName", "key-a"), attrs("PublicKeyPolicyName", "key-a"), noErr},
		{"backend auth many keep order", BackendServerAuthenticationType, attrs("PublicKeyPolicyName", "key-b", "PublicKeyPolicyName", "key-a"), attrs("PublicKeyPolicyName", "key-b", "PublicKeyPolicyName", "key-a"), noErr},
		{"backend auth missing", BackendServerAuthenticationType, nil, nil, model.KindInvalidConfiguration},
		{"backend auth unknown policy", BackendServerAuthenticationType, attrs("PublicKeyPolicyName", "nope"), nil, model.KindPolicyNotFound},
		{"backend auth empty name", BackendServerAuthenticationType, attrs("PublicKeyPolicyName", ""), nil, model.KindPolicyNotFound},
		{"backend auth wrong type", BackendServerAuthenticationType, attrs("PublicKeyPolicyName", "sticky"), nil, model.KindInvalidConfiguration},
		{"backend auth one bad of two", BackendServerAuthenticationType, attrs("PublicKeyPolicyName", "key-a", "PublicKeyPolicyName", "nope"), nil, model.KindPolicyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.typ, tt.in, lookup)
			checkResult(t, got, err, tt.want, tt.kind)
		})
	}
}

func checkResult(t *testing.T, got []Attribute, err error, want []Attribute, kind model.Kind) {
	t.Helper()
	if kind == noErr {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		if want != nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		return
	}
	var me *model.Error
	if !errors.As(err, &me) {
		t.Fatalf("got %v, %v; want *model.Error of kind %d", got, err, kind)
	}
	if me.Kind != kind {
		t.Fatalf("error kind %d (%q), want %d", me.Kind, me.Message, kind)
	}
	if me.Message == "" {
		t.Fatal("empty error message")
	}
}

func TestNormalizeNilLookup(t *testing.T) {
	_, err := Normalize(BackendServerAuthenticationType, attrs("PublicKeyPolicyName", "key-a"), nil)
	checkResult(t, nil, err, nil, model.KindPolicyNotFound)
}

func TestNormalizeErrorMessagesName(t *testing.T) {
	_, err := Normalize("FooPolicyType", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "FooPolicyType") || !strings.Contains(err.Error(), "policy types do not exist") {
		t.Errorf("unknown type message: %v", err)
	}
	_, err = Normalize(ProxyProtocolType, attrs("Bogus", "x"), nil)
	if err == nil || !strings.Contains(err.Error(), "Bogus") || !strings.Contains(err.Error(), ProxyProtocolType) {
		t.Errorf("unknown attribute message: %v", err)
	}
}

func TestNormalizeDoesNotMutateInput(t *testing.T) {
	in := attrs("Protocol-TLSv1.2", "TRUE", "AES128-SHA", "True")
	orig := append([]Attribute(nil), in...)
	if _, err := Normalize(SSLNegotiationType, in, nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Fatalf("input changed: %v", in)
	}
}

// sslValues maps attribute names to values, failing on repeats.
func sslValues(t *testing.T, got []Attribute) map[string]string {
	t.Helper()
	m := make(map[string]string, len(got))
	for _, a := range got {
		if _, dup := m[a.Name]; dup {
			t.Fatalf("attribute %s repeated", a.Name)
		}
		m[a.Name] = a.Value
	}
	return m
}

func TestNormalizeSSLCustom(t *testing.T) {
	got, err := Normalize(SSLNegotiationType, attrs(
		"ECDHE-ECDSA-AES128-GCM-SHA256", "TRUE",
		"Protocol-TLSv1.2", "true",
		"Protocol-TLSv1", "false",
	), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 94 {
		t.Fatalf("custom policy has %d attributes, want 94", len(got))
	}
	order := append(Protocols(), "Server-Defined-Cipher-Order")
	order = append(order, Ciphers()...)
	for i, a := range got {
		if a.Name != order[i] {
			t.Fatalf("attribute %d = %s, want %s", i, a.Name, order[i])
		}
		want := "false"
		if a.Name == "ECDHE-ECDSA-AES128-GCM-SHA256" || a.Name == "Protocol-TLSv1.2" {
			want = "true"
		}
		if a.Value != want {
			t.Errorf("%s = %s, want %s", a.Name, a.Value, want)
		}
	}
}

func TestNormalizeSSLReference(t *testing.T) {
	p2016, _ := LookupPredefined("ELBSecurityPolicy-2016-08")

	t.Run("plain", func(t *testing.T) {
		got, err := Normalize(SSLNegotiationType, attrs("Reference-Security-Policy", "ELBSecurityPolicy-2016-08"), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := append(attrs("Reference-Security-Policy", "ELBSecurityPolicy-2016-08"), p2016.Attributes...)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %d attributes %v", len(got), got[:3])
		}
	})
	t.Run("sample", func(t *testing.T) {
		got, err := Normalize(SSLNegotiationType, attrs("Reference-Security-Policy", "ELBSample-OpenSSLDefaultCipherPolicy"), nil)
		if err != nil || len(got) != 95 || got[0].Name != "Reference-Security-Policy" {
			t.Fatalf("got %d attributes, %v", len(got), err)
		}
	})
	t.Run("override", func(t *testing.T) {
		got, err := Normalize(SSLNegotiationType, attrs(
			"Protocol-TLSv1", "FALSE",
			"Reference-Security-Policy", "ELBSecurityPolicy-2016-08",
			"DES-CBC3-SHA", "true",
		), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 94 || got[0] != (Attribute{"Reference-Security-Policy", "ELBSecurityPolicy-2016-08"}) {
			t.Fatalf("got %d attributes, first %v", len(got), got[0])
		}
		m := sslValues(t, got)
		if m["Protocol-TLSv1"] != "false" || m["DES-CBC3-SHA"] != "true" || m["Protocol-TLSv1.2"] != "true" || m["AES128-SHA"] != "true" {
			t.Errorf("overrides not applied: %v", m)
		}
		if _, ok := m["Protocol-SSLv2"]; ok {
			t.Error("Protocol-SSLv2 added though not given")
		}
	})
	t.Run("override adds SSLv2 in AWS position", func(t *testing.T) {
		got, err := Normalize(SSLNegotiationType, attrs(
			"Reference-Security-Policy", "ELBSecurityPolicy-TLS-1-2-2017-01",
			"Protocol-SSLv2", "false",
		), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 95 || got[1] != (Attribute{"Protocol-SSLv2", "false"}) || got[2].Name != "Protocol-TLSv1" {
			t.Fatalf("got %d attributes, %v", len(got), got[:3])
		}
	})

	errs := []struct {
		name string
		in   []Attribute
		kind model.Kind
	}{
		{"unknown reference", attrs("Reference-Security-Policy", "ELBSecurityPolicy-1999-01"), model.KindInvalidConfiguration},
		{"reference case", attrs("Reference-Security-Policy", "elbsecuritypolicy-2016-08"), model.KindInvalidConfiguration},
		{"empty reference", attrs("Reference-Security-Policy", ""), model.KindInvalidConfiguration},
		{"reference twice", attrs("Reference-Security-Policy", "ELBSecurityPolicy-2016-08", "Reference-Security-Policy", "ELBSecurityPolicy-2015-05"), model.KindInvalidConfiguration},
		{"override disables only protocol", attrs("Reference-Security-Policy", "ELBSecurityPolicy-TLS-1-2-2017-01", "Protocol-TLSv1.2", "false"), model.KindInvalidConfiguration},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(SSLNegotiationType, tt.in, nil)
			checkResult(t, got, err, nil, tt.kind)
		})
	}
}

func TestNormalizeSSLErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []Attribute
		kind model.Kind
	}{
		{"nothing", nil, model.KindInvalidConfiguration},
		{"no protocol", attrs("AES128-SHA", "true"), model.KindInvalidConfiguration},
		{"no cipher", attrs("Protocol-TLSv1.2", "true", "Server-Defined-Cipher-Order", "true"), model.KindInvalidConfiguration},
		{"everything false", attrs("Protocol-TLSv1.2", "false", "AES128-SHA", "false"), model.KindInvalidConfiguration},
		{"unknown cipher", attrs("Protocol-TLSv1.2", "true", "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "true"), model.KindInvalidConfiguration},
		{"cipher name case", attrs("Protocol-TLSv1.2", "true", "aes128-sha", "true"), model.KindInvalidConfiguration},
		{"not boolean", attrs("Protocol-TLSv1.2", "1", "AES128-SHA", "true"), model.KindInvalidConfiguration},
		{"flag twice", attrs("Protocol-TLSv1.2", "true", "AES128-SHA", "true", "AES128-SHA", "false"), model.KindInvalidConfiguration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(SSLNegotiationType, tt.in, nil)
			checkResult(t, got, err, nil, tt.kind)
		})
	}
}

// TestNormalizeSSLServable checks that Normalize refuses SSL negotiation
// policies of which Go's crypto/tls could serve nothing (internal/tlspolicy
// decides), and keeps the attributes it cannot serve in policies it accepts.
func TestNormalizeSSLServable(t *testing.T) {
	errs := []struct {
		name string
		in   []Attribute
		want string // substring of the message
	}{
		{"only SSLv3", attrs("Protocol-SSLv3", "true", "AES128-SHA", "true"), "Protocol-SSLv3"},
		{"only ciphers Go lacks", attrs("Protocol-TLSv1.2", "true", "DHE-RSA-AES128-SHA", "true", "CAMELLIA128-SHA", "true"), "DHE-RSA-AES128-SHA"},
		{"only SHA-384 CBC suites", attrs("Protocol-TLSv1.2", "true", "ECDHE-RSA-AES256-SHA384", "true", "AES256-SHA256", "true"), "AES256-SHA256"},
		{"TLS 1.2 suite without TLS 1.2", attrs("Protocol-TLSv1", "true", "AES128-GCM-SHA256", "true"), "needs Protocol-TLSv1.2"},
		{"2011-08 without TLSv1", attrs("Reference-Security-Policy", "ELBSecurityPolicy-2011-08", "Protocol-TLSv1", "false"), "Protocol-SSLv3"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(SSLNegotiationType, tt.in, nil)
			checkResult(t, got, err, nil, model.KindInvalidConfiguration)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
		})
	}

	t.Run("unservable attributes kept next to servable ones", func(t *testing.T) {
		got, err := Normalize(SSLNegotiationType, attrs("Protocol-SSLv3", "true", "Protocol-TLSv1", "true",
			"DHE-RSA-AES128-SHA", "true", "AES128-SHA", "true"), nil)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, a := range got {
			m[a.Name] = a.Value
		}
		if m["Protocol-SSLv3"] != "true" || m["DHE-RSA-AES128-SHA"] != "true" || m["AES128-SHA"] != "true" {
			t.Errorf("stored SSLv3 %q DHE-RSA-AES128-SHA %q AES128-SHA %q, want all true",
				m["Protocol-SSLv3"], m["DHE-RSA-AES128-SHA"], m["AES128-SHA"])
		}
	})

	t.Run("every predefined policy by reference", func(t *testing.T) {
		for _, p := range Predefined() {
			if _, err := Normalize(SSLNegotiationType, attrs("Reference-Security-Policy", p.Name), nil); err != nil {
				t.Errorf("%s: %v", p.Name, err)
			}
		}
	})
}
