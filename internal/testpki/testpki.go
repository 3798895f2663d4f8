package testpki

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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/health"
)

// CA is a root CA and an intermediate CA that signs leaves.
type CA struct {
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

// ErrKeyNotPinned is the error of a PinnedConfig handshake with a server
// whose key is not pinned.
var ErrKeyNotPinned = health.ErrKeyNotPinned

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(serial.Add(1) + time.Now().UnixNano()) }

var (
	sharedOnce sync.Once
	shared     *CA
	sharedErr  error
)

// Shared returns a CA made once per test process, for tests that need no
// CA of their own.
func Shared(tb testing.TB) *CA {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = newCA() })
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

// New makes a root and an intermediate CA (ECDSA P-256).
func New(tb testing.TB) *CA {
	tb.Helper()
	ca, err := newCA()
	if err != nil {
		tb.Fatal(err)
	}
	return ca
}

func newCA() (*CA, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	root := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "elbd test root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	rootCert, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, err
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	inter := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "elbd test intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	interDER, err := x509.CreateCertificate(rand.Reader, inter, rootCert, interKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	interCert, err := x509.ParseCertificate(interDER)
	if err != nil {
		return nil, err
	}
	ca := &CA{Roots: x509.NewCertPool(), RootPEM: pemOf("CERTIFICATE", rootDER),
		inter: interCert, interKey: interKey, interPEM: pemOf("CERTIFICATE", interDER)}
	ca.Roots.AddCert(rootCert)
	return ca, nil
}

// Leaf issues a server certificate for names (DNS names or IP addresses)
// and the loopback addresses 127.0.0.1 and ::1, with an ECDSA P-256 key,
// or an RSA 2048 one when rsaKey.
func (ca *CA) Leaf(tb testing.TB, rsaKey bool, names ...string) Leaf {
	tb.Helper()
	var key crypto.Signer
	var err error
	if rsaKey {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "elbd test leaf"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}}
	if len(names) > 0 {
		tmpl.Subject.CommonName = names[0]
	}
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
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.inter, key.Public(), ca.interKey)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return Leaf{CertPEM: pemOf("CERTIFICATE", der), KeyPEM: pemOf("PRIVATE KEY", pk), ChainPEM: ca.interPEM,
		TLS:  tls.Certificate{Certificate: [][]byte{der, ca.inter.Raw}, PrivateKey: key, Leaf: cert},
		Cert: cert, SPKI: cert.RawSubjectPublicKeyInfo}
}

// ClientConfig trusts the CA and expects serverName.
func (ca *CA) ClientConfig(serverName string) *tls.Config {
	return &tls.Config{RootCAs: ca.Roots, ServerName: serverName, MinVersion: tls.VersionTLS12}
}

// ServerConfig serves cert.
func ServerConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// PinnedConfig is a back-end TLS configuration as the data plane builds
// it: no chain verification, and the server's public key checked against
// those of certs (a handshake with another key fails with
// ErrKeyNotPinned).
func PinnedConfig(certs ...tls.Certificate) *tls.Config {
	keys := make([][]byte, len(certs))
	for i, c := range certs {
		keys[i] = c.Leaf.RawSubjectPublicKeyInfo
	}
	return &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // the key is pinned instead
		MinVersion:         tls.VersionTLS12,
		VerifyConnection:   health.VerifyPins(health.Pins(keys)),
	}
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
