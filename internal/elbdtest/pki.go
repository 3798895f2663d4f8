package elbdtest

// A test PKI: a root CA, an intermediate CA and leaf certificates for
// HTTPS/SSL listeners and TLS instances, generated per test.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// PKI is a root CA and an intermediate CA that signs leaves.
type PKI struct {
	// Roots trusts the root CA: a client's RootCAs.
	Roots *x509.CertPool
	// RootPEM is the root CA certificate, for tools such as curl.
	RootPEM string

	inter    *x509.Certificate
	interKey crypto.Signer
	interPEM string
}

// Leaf is a server certificate with what the IAM API and clients need.
type Leaf struct {
	// CertPEM, KeyPEM (PKCS#8) and ChainPEM (the intermediate) are the
	// UploadServerCertificate parameters.
	CertPEM, KeyPEM, ChainPEM string
	// TLS is the certificate with its chain, for a TLS server.
	TLS tls.Certificate
	// Cert is the parsed leaf; SPKI its DER SubjectPublicKeyInfo.
	Cert *x509.Certificate
	SPKI []byte
}

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(serial.Add(1) + time.Now().UnixNano()) }

// NewPKI makes a root and an intermediate CA (ECDSA P-256).
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	rootKey := ecKey(t)
	now := time.Now()
	root := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "elbd test root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	rootCert, _ := x509.ParseCertificate(rootDER)
	interKey := ecKey(t)
	inter := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "elbd test intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	interDER, err := x509.CreateCertificate(rand.Reader, inter, rootCert, interKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	interCert, _ := x509.ParseCertificate(interDER)
	p := &PKI{Roots: x509.NewCertPool(), RootPEM: pemOf("CERTIFICATE", rootDER),
		inter: interCert, interKey: interKey, interPEM: pemOf("CERTIFICATE", interDER)}
	p.Roots.AddCert(rootCert)
	return p
}

// Leaf issues a server certificate for names (DNS names or IP
// addresses) with an ECDSA P-256 key, or an RSA 2048 one when rsaKey.
func (p *PKI) Leaf(t testing.TB, rsaKey bool, names ...string) Leaf {
	t.Helper()
	var key crypto.Signer = ecKey(t)
	if rsaKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if rsaKey {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.inter, key.Public(), p.interKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return Leaf{CertPEM: pemOf("CERTIFICATE", der), KeyPEM: pemOf("PRIVATE KEY", pk), ChainPEM: p.interPEM,
		TLS:  tls.Certificate{Certificate: [][]byte{der, p.inter.Raw}, PrivateKey: key, Leaf: cert},
		Cert: cert, SPKI: cert.RawSubjectPublicKeyInfo}
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
