package policy

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"unicode"
)

// errPublicKey is PublicKeyDER's error for a value that holds no public key.
var errPublicKey = errors.New("not a public key or certificate (PEM, or base64 DER)")

// PublicKeyDER returns the DER SubjectPublicKeyInfo of a PublicKeyPolicyType
// PublicKey value: a PEM "PUBLIC KEY" or "CERTIFICATE" block, or the base64
// encoding (whitespace ignored, padding optional) of a DER
// SubjectPublicKeyInfo or certificate, provided crypto/x509 can parse the
// key. The data plane pins instances' keys by it.
func PublicKeyDER(s string) ([]byte, error) {
	der, cert := []byte(nil), false
	if block, _ := pem.Decode([]byte(strings.TrimSpace(s))); block != nil {
		switch block.Type {
		case "PUBLIC KEY":
			der = block.Bytes
		case "CERTIFICATE":
			der, cert = block.Bytes, true
		default:
			return nil, errPublicKey
		}
	} else {
		compact := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
		var err error
		if der, err = base64.StdEncoding.DecodeString(compact); err != nil {
			if der, err = base64.RawStdEncoding.DecodeString(compact); err != nil {
				return nil, errPublicKey
			}
		}
	}
	if !cert {
		if _, err := x509.ParsePKIXPublicKey(der); err == nil {
			return der, nil
		}
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errPublicKey
	}
	if _, err := x509.ParsePKIXPublicKey(c.RawSubjectPublicKeyInfo); err != nil {
		return nil, errPublicKey
	}
	return c.RawSubjectPublicKeyInfo, nil
}
