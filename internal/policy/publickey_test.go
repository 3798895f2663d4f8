package policy

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// TestPublicKeyDER checks that every accepted spelling of a key gives the
// same SubjectPublicKeyInfo, the one the data plane pins.
func TestPublicKeyDER(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "i"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	for name, in := range map[string]string{
		"PEM public key":     string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})),
		"PEM certificate":    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})),
		"base64 public key":  b64(spki),
		"base64 certificate": b64(cert),
		"unpadded, wrapped":  base64.RawStdEncoding.EncodeToString(spki)[:20] + "\n " + base64.RawStdEncoding.EncodeToString(spki)[20:],
	} {
		got, err := PublicKeyDER(in)
		if err != nil || !bytes.Equal(got, spki) {
			t.Errorf("%s: %x, %v; want the key's SPKI", name, got, err)
		}
	}
	for name, in := range map[string]string{
		"empty":      "",
		"not base64": "!!!",
		"other PEM":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: spki})),
		"random DER": b64([]byte{0x30, 0x03, 0x02, 0x01, 0x01}),
	} {
		if got, err := PublicKeyDER(in); err == nil {
			t.Errorf("%s: accepted as %x", name, got)
		}
	}
}
