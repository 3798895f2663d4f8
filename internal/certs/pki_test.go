package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"
)

// Test PKI, generated once per test binary.

const leafDNS = "leaf.example.test"

type issued struct {
	cert *x509.Certificate
	key  crypto.Signer // nil for certificates with a synthetic public key
	pem  string
}

type pki struct {
	root, inter                     issued
	rsaLeaf, ecLeaf                 issued // RSA-2048, P-256, issued by inter
	p384Leaf, p521Leaf, rsa1024Leaf issued // issued by inter
	expiredLeaf                     issued // RSA-2048 key of rsaLeaf, expired
	ed25519Leaf, p224Leaf           issued // unsupported key types
	rsa512Leaf, rsa8192Leaf         issued // synthetic moduli, no private key
	otherRSA                        *rsa.PrivateKey
	otherEC                         *ecdsa.PrivateKey
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

func testPKI(tb testing.TB) *pki {
	tb.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = buildPKI() })
	if pkiErr != nil {
		tb.Fatalf("building test PKI: %v", pkiErr)
	}
	return pkiVal
}

var serial int64

func nextSerial() *big.Int {
	serial++
	return big.NewInt(serial)
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func leafTemplate(notBefore, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: leafDNS},
		DNSNames:     []string{leafDNS},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

func sign(tmpl *x509.Certificate, parent issued, pub crypto.PublicKey, key crypto.Signer) (issued, error) {
	p, signer := tmpl, key
	if parent.cert != nil {
		p, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p, pub, signer)
	if err != nil {
		return issued{}, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return issued{}, err
	}
	return issued{cert: c, key: key, pem: pemOf("CERTIFICATE", der)}, nil
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func buildPKI() (*pki, error) {
	p := &pki{}
	now := time.Now()
	valid := func() *x509.Certificate { return leafTemplate(now.Add(-time.Hour), now.Add(24*time.Hour)) }

	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if p.root, err = sign(caTemplate("elbd test root"), issued{}, rootKey.Public(), rootKey); err != nil {
		return nil, err
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.inter, err = sign(caTemplate("elbd test intermediate"), p.root, interKey.Public(), interKey); err != nil {
		return nil, err
	}

	leaf := func(key crypto.Signer) (issued, error) {
		return sign(valid(), p.inter, key.Public(), key)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if p.rsaLeaf, err = leaf(rsaKey); err != nil {
		return nil, err
	}
	if p.expiredLeaf, err = sign(leafTemplate(now.Add(-48*time.Hour), now.Add(-24*time.Hour)), p.inter, rsaKey.Public(), rsaKey); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		curve elliptic.Curve
		dst   *issued
	}{{elliptic.P256(), &p.ecLeaf}, {elliptic.P384(), &p.p384Leaf}, {elliptic.P521(), &p.p521Leaf}, {elliptic.P224(), &p.p224Leaf}} {
		k, err := ecdsa.GenerateKey(c.curve, rand.Reader)
		if err != nil {
			return nil, err
		}
		if *c.dst, err = leaf(k); err != nil {
			return nil, err
		}
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return nil, err
	}
	if p.rsa1024Leaf, err = leaf(rsa1024); err != nil {
		return nil, err
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.ed25519Leaf, err = leaf(edKey); err != nil {
		return nil, err
	}
	// crypto/rsa refuses to generate keys outside its limits (and large
	// ones are slow), so certify synthetic public keys instead.
	for _, c := range []struct {
		bits int
		dst  *issued
	}{{512, &p.rsa512Leaf}, {8192, &p.rsa8192Leaf}} {
		n := new(big.Int).Lsh(big.NewInt(1), uint(c.bits-1))
		n.Add(n, big.NewInt(12345))
		if *c.dst, err = sign(valid(), p.inter, &rsa.PublicKey{N: n, E: 65537}, nil); err != nil {
			return nil, err
		}
	}

	if p.otherRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if p.otherEC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	return p, nil
}

func pkcs1PEM(tb testing.TB, k crypto.Signer) string {
	tb.Helper()
	return pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey)))
}

func sec1PEM(tb testing.TB, k crypto.Signer) string {
	tb.Helper()
	der, err := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
	if err != nil {
		tb.Fatal(err)
	}
	return pemOf("EC PRIVATE KEY", der)
}

func pkcs8PEM(tb testing.TB, k crypto.Signer) string {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	return pemOf("PRIVATE KEY", der)
}
