package tlspolicy_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/policy"
	"github.com/elbd/elbd/internal/tlspolicy"
)

const serverName = "elbd.test"

// testPKI is an ECDSA P-256 and an RSA 2048 certificate for serverName,
// both self-signed, and a pool trusting them.
type testPKI struct {
	certs []tls.Certificate
	roots *x509.CertPool
}

var pki = sync.OnceValues(func() (*testPKI, error) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	p := &testPKI{roots: x509.NewCertPool()}
	for i, key := range []crypto.Signer{ec, rs} {
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(int64(i + 1)),
			Subject:               pkix.Name{CommonName: serverName},
			DNSNames:              []string{serverName},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			return nil, err
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		p.roots.AddCert(leaf)
		p.certs = append(p.certs, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf})
	}
	return p, nil
})

// serverConfig builds the listener's config from r, with both certificates:
// crypto/tls picks the one the client's suites can use.
func serverConfig(t *testing.T, r tlspolicy.Result) *tls.Config {
	t.Helper()
	p, err := pki()
	if err != nil {
		t.Fatal(err)
	}
	// Session tickets off: a TLS 1.3 server would otherwise write a ticket
	// after the handshake that nobody reads from the pipe.
	return r.Config(&tls.Config{Certificates: p.certs, SessionTicketsDisabled: true})
}

// handshake runs a client with the given versions and suites (nil: every
// TLS 1.0–1.2 suite crypto/tls implements) against server over net.Pipe
// and returns the client's view of the connection.
func handshake(t *testing.T, server *tls.Config, minV, maxV uint16, suites []uint16) (tls.ConnectionState, error) {
	t.Helper()
	p, err := pki()
	if err != nil {
		t.Fatal(err)
	}
	if suites == nil {
		for _, cs := range goSuites() {
			if !slices.Contains(cs.SupportedVersions, tls.VersionTLS13) {
				suites = append(suites, cs.ID)
			}
		}
	}
	client := &tls.Config{ServerName: serverName, RootCAs: p.roots, MinVersion: minV, MaxVersion: maxV, CipherSuites: suites}
	cc, sc := net.Pipe()
	deadline := time.Now().Add(10 * time.Second)
	cc.SetDeadline(deadline)
	sc.SetDeadline(deadline)
	srv := tls.Server(sc, server)
	done := make(chan error, 1)
	go func() {
		err := srv.Handshake()
		sc.Close()
		done <- err
	}()
	cli := tls.Client(cc, client)
	cerr := cli.Handshake()
	cc.Close()
	serr := <-done
	if cerr == nil && serr != nil {
		t.Fatalf("client succeeded but server failed: %v", serr)
	}
	if cerr != nil {
		return tls.ConnectionState{}, cerr
	}
	return cli.ConnectionState(), nil
}

// expectation is what a policy's attributes say, computed from the
// attributes and crypto/tls's own suite descriptions, independently of
// Resolve.
type expectation struct {
	versions map[uint16]bool             // enabled TLS 1.0–1.2 versions
	suites   map[uint16]*tls.CipherSuite // enabled ciphers crypto/tls implements
}

func expect(t *testing.T, p policy.Policy) expectation {
	t.Helper()
	impl := openssl(t)
	e := expectation{versions: map[uint16]bool{}, suites: map[uint16]*tls.CipherSuite{}}
	protocols := map[string]uint16{"Protocol-TLSv1": tls.VersionTLS10, "Protocol-TLSv1.1": tls.VersionTLS11, "Protocol-TLSv1.2": tls.VersionTLS12}
	for _, a := range p.Attributes {
		if a.Value != "true" {
			continue
		}
		if v, ok := protocols[a.Name]; ok {
			e.versions[v] = true
		}
		if cs, ok := impl[a.Name]; ok {
			e.suites[cs.ID] = cs
		}
	}
	return e
}

// highest returns the highest enabled version up to TLS 1.2.
func (e expectation) highest() uint16 {
	var h uint16
	for v := range e.versions {
		h = max(h, v)
	}
	return h
}

// TestPredefinedHandshakes resolves every predefined policy and checks with
// real handshakes that exactly the protocol versions and cipher suites its
// attributes enable (minus those crypto/tls lacks) are accepted.
func TestPredefinedHandshakes(t *testing.T) {
	all := goSuites()
	for _, p := range policy.Predefined() {
		t.Run(p.Name, func(t *testing.T) {
			e := expect(t, p)
			for _, tls13 := range []bool{false, true} {
				r, err := tlspolicy.Resolve(fromPolicy(p.Attributes), tlspolicy.Options{TLS13: tls13})
				if err != nil {
					t.Fatal(err)
				}
				server := serverConfig(t, r)

				// Each protocol version alone, the client offering every suite.
				for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
					want := e.versions[v]
					if v == tls.VersionTLS13 {
						want = tls13 && e.versions[tls.VersionTLS12]
					}
					if want && v <= tls.VersionTLS12 {
						// The version also needs an enabled suite it can use.
						want = slices.ContainsFunc(all, func(cs *tls.CipherSuite) bool {
							return e.suites[cs.ID] != nil && slices.Contains(cs.SupportedVersions, v)
						})
					}
					st, err := handshake(t, server, v, v, nil)
					switch {
					case want && err != nil:
						t.Errorf("TLS13=%v %s: refused: %v", tls13, tlspolicy.ProtocolName(v), err)
					case !want && err == nil:
						t.Errorf("TLS13=%v %s: accepted (%s)", tls13, tlspolicy.ProtocolName(v), tlspolicy.CipherName(st.CipherSuite))
					case want && st.Version != v:
						t.Errorf("TLS13=%v %s: negotiated %s", tls13, tlspolicy.ProtocolName(v), tlspolicy.ProtocolName(st.Version))
					case want && v == tls.VersionTLS13 && !slices.Contains([]string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}, tlspolicy.CipherName(st.CipherSuite)):
						t.Errorf("TLS 1.3 suite %s", tlspolicy.CipherName(st.CipherSuite))
					}
				}
				if tls13 {
					continue // the suite checks below do not depend on TLS 1.3
				}

				// Each TLS 1.0–1.2 suite alone, the client offering TLS 1.0–1.2:
				// the server negotiates its highest version, where the suite must
				// be usable.
				top := e.highest()
				for _, cs := range all {
					if slices.Contains(cs.SupportedVersions, tls.VersionTLS13) {
						continue
					}
					want := e.suites[cs.ID] != nil && slices.Contains(cs.SupportedVersions, top)
					st, err := handshake(t, server, tls.VersionTLS10, tls.VersionTLS12, []uint16{cs.ID})
					switch {
					case want && err != nil:
						t.Errorf("%s: refused: %v", tlspolicy.CipherName(cs.ID), err)
					case !want && err == nil:
						t.Errorf("%s: accepted (%s)", tlspolicy.CipherName(cs.ID), tlspolicy.ProtocolName(st.Version))
					case want && (st.CipherSuite != cs.ID || st.Version != top):
						t.Errorf("%s: negotiated %s with %s, want %s", tlspolicy.CipherName(cs.ID),
							tlspolicy.CipherName(st.CipherSuite), tlspolicy.ProtocolName(st.Version), tlspolicy.ProtocolName(top))
					}
				}
			}
		})
	}
}

// TestGapHandshakes checks that a policy with TLS 1.0 and 1.2 but not 1.1
// never negotiates TLS 1.1: a TLS 1.1-only client is refused and a client
// capable of 1.0 and 1.1 gets 1.0.
func TestGapHandshakes(t *testing.T) {
	r, err := tlspolicy.Resolve(attrs("Protocol-TLSv1", "true", "Protocol-TLSv1.2", "true",
		"ECDHE-RSA-AES128-SHA", "true", "ECDHE-ECDSA-AES128-GCM-SHA256", "true"), tlspolicy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	server := serverConfig(t, r)
	for _, tt := range []struct {
		minV, maxV uint16
		want       uint16 // 0: refused
	}{
		{tls.VersionTLS10, tls.VersionTLS13, tls.VersionTLS12},
		{tls.VersionTLS10, tls.VersionTLS12, tls.VersionTLS12},
		{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS10},
		{tls.VersionTLS11, tls.VersionTLS11, 0},
		{tls.VersionTLS10, tls.VersionTLS10, tls.VersionTLS10},
		{tls.VersionTLS13, tls.VersionTLS13, 0},
	} {
		st, err := handshake(t, server, tt.minV, tt.maxV, nil)
		name := tlspolicy.ProtocolName(tt.minV) + ".." + tlspolicy.ProtocolName(tt.maxV)
		switch {
		case tt.want == 0 && err == nil:
			t.Errorf("client %s: accepted with %s", name, tlspolicy.ProtocolName(st.Version))
		case tt.want != 0 && err != nil:
			t.Errorf("client %s: refused: %v", name, err)
		case tt.want != 0 && st.Version != tt.want:
			t.Errorf("client %s: negotiated %s, want %s", name, tlspolicy.ProtocolName(st.Version), tlspolicy.ProtocolName(tt.want))
		}
	}
}

// TestTLS13Handshake checks the opt-in with a client that prefers TLS 1.3.
func TestTLS13Handshake(t *testing.T) {
	in := attrs("Protocol-TLSv1.2", "true", "ECDHE-RSA-AES128-GCM-SHA256", "true")
	for _, tt := range []struct {
		opts tlspolicy.Options
		want uint16
	}{
		{tlspolicy.Options{}, tls.VersionTLS12},
		{tlspolicy.Options{TLS13: true}, tls.VersionTLS13},
	} {
		r, err := tlspolicy.Resolve(in, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		st, err := handshake(t, serverConfig(t, r), tls.VersionTLS12, tls.VersionTLS13, nil)
		if err != nil {
			t.Fatalf("TLS13=%v: %v", tt.opts.TLS13, err)
		}
		if st.Version != tt.want {
			t.Errorf("TLS13=%v: negotiated %s, want %s", tt.opts.TLS13, tlspolicy.ProtocolName(st.Version), tlspolicy.ProtocolName(tt.want))
		}
	}
}
