package health

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"strings"
)

// ELB's BackendServerAuthenticationPolicyType accepts an HTTPS or SSL
// instance only if its certificate's public key is one of the listed
// PublicKeyPolicyType keys; the same rule fails the instance's SSL and
// HTTPS health checks. The keys travel as pins: the hex SHA-256 of each
// key's DER SubjectPublicKeyInfo, comma-separated, so that a Target stays
// a comparable value.

// ErrKeyNotPinned is the error of a connection whose instance presented a
// public key that is not among the pinned ones.
var ErrKeyNotPinned = errors.New("instance public key is not among the back-end authentication policy's keys")

// Pins returns the pin list of keys, each a DER SubjectPublicKeyInfo.
func Pins(keys [][]byte) string {
	ps := make([]string, 0, len(keys))
	for _, k := range keys {
		sum := sha256.Sum256(k)
		ps = append(ps, hex.EncodeToString(sum[:]))
	}
	return strings.Join(ps, ",")
}

// VerifyPins returns a crypto/tls VerifyConnection function that accepts a
// connection only if the peer's leaf certificate has a pinned public key;
// nil when pins is empty (nothing is verified, as in ELB without a policy).
func VerifyPins(pins string) func(tls.ConnectionState) error {
	if pins == "" {
		return nil
	}
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return ErrKeyNotPinned
		}
		sum := sha256.Sum256(cs.PeerCertificates[0].RawSubjectPublicKeyInfo)
		want := hex.EncodeToString(sum[:])
		for p := range strings.SplitSeq(pins, ",") {
			if p == want {
				return nil
			}
		}
		return ErrKeyNotPinned
	}
}
