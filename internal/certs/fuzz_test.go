package certs

import (
	"errors"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/model"
)

// FuzzParse checks that Parse never panics, that every failure is a
// *model.Error of one of the package's kinds, and that every success yields
// a usable Bundle. Run it with a bounded minimisation budget, since lazily
// initialised crypto tables make coverage slightly non-deterministic and
// the engine otherwise spends its time minimising multi-kilobyte inputs:
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s -fuzzminimizetime 200x ./internal/certs/
func FuzzParse(f *testing.F) {
	p := testPKI(f)
	rsaKey, ecKey := pkcs1PEM(f, p.rsaLeaf.key), sec1PEM(f, p.ecLeaf.key)
	f.Add(p.rsaLeaf.pem, rsaKey, "")
	f.Add(p.rsaLeaf.pem, pkcs8PEM(f, p.rsaLeaf.key), p.inter.pem+p.root.pem)
	f.Add(p.ecLeaf.pem, ecKey, p.inter.pem)
	f.Add(crlf(p.ecLeaf.pem), crlf(ecKey), crlf(p.inter.pem))
	f.Add(p.ecLeaf.pem, rsaKey, "")
	f.Add(p.ed25519Leaf.pem, pkcs8PEM(f, p.ed25519Leaf.key), "")
	f.Add(p.rsa512Leaf.pem, rsaKey, "")
	f.Add(p.rsaLeaf.pem+p.inter.pem, rsaKey, "x")
	f.Add("", "", "")
	f.Add("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "-----BEGIN EC PARAMETERS-----\n-----END EC PARAMETERS-----\n", "-----BEGIN X-----")

	f.Fuzz(func(t *testing.T, body, key, chain string) {
		b, err := Parse(body, key, chain)
		if err != nil {
			if b != nil {
				t.Fatal("non-nil Bundle with an error")
			}
			var me *model.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not *model.Error", err, err)
			}
			switch me.Kind {
			case model.KindMalformedCertificate, model.KindKeyPairMismatch, model.KindInvalidInput:
			default:
				t.Fatalf("unexpected kind %d: %v", me.Kind, err)
			}
			if me.Message == "" {
				t.Fatal("empty message")
			}
			return
		}
		if b.Leaf == nil || b.CertificatePEM == "" || b.PrivateKeyPEM == "" || b.KeyAlgorithm == "" {
			t.Fatalf("incomplete Bundle: %+v", b)
		}
		if (b.ChainPEM == "") != (len(b.Chain) == 0) {
			t.Fatalf("ChainPEM and Chain disagree")
		}
		if !strings.HasPrefix(b.PrivateKeyPEM, "-----BEGIN PRIVATE KEY-----\n") {
			t.Fatalf("key not PKCS#8: %q", b.PrivateKeyPEM)
		}
		tc, err := TLSCertificate(b.CertificatePEM, b.ChainPEM, b.PrivateKeyPEM)
		if err != nil {
			t.Fatalf("TLSCertificate of a valid Bundle: %v", err)
		}
		if len(tc.Certificate) != 1+len(b.Chain) {
			t.Fatalf("tls.Certificate has %d certificates, want %d", len(tc.Certificate), 1+len(b.Chain))
		}
	})
}
