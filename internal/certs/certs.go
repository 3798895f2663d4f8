package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/elbd/elbd/internal/model"
)

// IAM's length limits for UploadServerCertificate parameters, in characters.
const (
	MaxCertificateBodyLength  = 16384
	MaxPrivateKeyLength       = 16384
	MaxCertificateChainLength = 2097152
)

// RSA key sizes accepted, in bits (inclusive).
const (
	MinRSABits = 1024
	MaxRSABits = 4096
)

// PEM block types.
const (
	blockCertificate  = "CERTIFICATE"
	blockPKCS1        = "RSA PRIVATE KEY"
	blockSEC1         = "EC PRIVATE KEY"
	blockPKCS8        = "PRIVATE KEY"
	blockEncPKCS8     = "ENCRYPTED PRIVATE KEY"
	blockECParameters = "EC PARAMETERS"
)

// Messages, modelled on IAM's.
const (
	msgBadCertificate = "Unable to parse certificate. Please ensure the certificate is in PEM format."
	msgBadChain       = "Unable to parse certificate chain. Please ensure the certificate chain is in PEM format."
	msgBadKey         = "Unable to parse private key. Please ensure the private key is in PEM format."
	msgMismatch       = "Unable to validate certificate with provided private key."
	supportedKeys     = "supported key types are RSA (1024 to 4096 bits) and ECDSA (prime256v1, secp384r1, secp521r1)"
)

// Bundle is a validated upload.
type Bundle struct {
	// CertificatePEM is the leaf, re-encoded canonically as one PEM block.
	CertificatePEM string
	// ChainPEM holds the intermediate certificates as PEM blocks in upload
	// order, or "" if there are none.
	ChainPEM string
	// PrivateKeyPEM is the key re-encoded as a PKCS#8 "PRIVATE KEY" block.
	// Callers store it and never return it over the API.
	PrivateKeyPEM string

	Leaf  *x509.Certificate
	Chain []*x509.Certificate

	// NotBefore and NotAfter come from the leaf; NotAfter is IAM's
	// Expiration. Expired certificates are accepted.
	NotBefore, NotAfter time.Time

	// KeyAlgorithm names the leaf's key: "RSA-2048", "RSA-4096",
	// "EC-prime256v1", "EC-secp384r1", "EC-secp521r1".
	KeyAlgorithm string

	key crypto.Signer
}

// Parse validates an upload: body is the PEM leaf certificate, privateKey
// its PEM private key (PKCS#1, SEC1 or PKCS#8, unencrypted) and chain the
// optional PEM intermediates. Errors are *model.Error; see the package
// documentation for the kinds.
func Parse(body, privateKey, chain string) (*Bundle, error) {
	if err := checkParam("certificateBody", body, MaxCertificateBodyLength); err != nil {
		return nil, err
	}
	if err := checkParam("privateKey", privateKey, MaxPrivateKeyLength); err != nil {
		return nil, err
	}
	if err := checkParam("certificateChain", chain, MaxCertificateChainLength); err != nil {
		return nil, err
	}
	return parse(body, privateKey, chain)
}

// TLSCertificate builds a crypto/tls.Certificate (leaf, then the chain in
// stored order, and the key, with Leaf set) from stored PEM. It applies the
// same checks as Parse except the API parameter limits.
func TLSCertificate(certPEM, chainPEM, keyPEM string) (tls.Certificate, error) {
	b, err := parse(certPEM, keyPEM, chainPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	der := make([][]byte, 0, 1+len(b.Chain))
	der = append(der, b.Leaf.Raw)
	for _, c := range b.Chain {
		der = append(der, c.Raw)
	}
	return tls.Certificate{Certificate: der, PrivateKey: b.key, Leaf: b.Leaf}, nil
}

// checkParam enforces IAM's length limit and character pattern
// [\u0009\u000A\u000D\u0020-\u00FF]* on a parameter.
func checkParam(name, v string, max int) error {
	if len(v) > 4*max || utf8.RuneCountInString(v) > max {
		return model.Errorf(model.KindInvalidInput,
			"1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", name, max)
	}
	for _, r := range v {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF) {
			continue
		}
		return model.Errorf(model.KindInvalidInput,
			"1 validation error detected: Value at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", name)
	}
	return nil
}

func parse(body, privateKey, chain string) (*Bundle, error) {
	leaf, err := parseLeaf(body)
	if err != nil {
		return nil, err
	}
	alg, err := keyAlgorithm(leaf)
	if err != nil {
		return nil, err
	}
	intermediates, err := parseChain(chain)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(privateKey)
	if err != nil {
		return nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return nil, model.Errorf(model.KindKeyPairMismatch, msgMismatch)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, model.Errorf(model.KindMalformedCertificate, msgBadKey)
	}

	b := &Bundle{
		CertificatePEM: encode(blockCertificate, leaf.Raw),
		PrivateKeyPEM:  encode(blockPKCS8, pkcs8),
		Leaf:           leaf,
		Chain:          intermediates,
		NotBefore:      leaf.NotBefore,
		NotAfter:       leaf.NotAfter,
		KeyAlgorithm:   alg,
		key:            key,
	}
	if len(intermediates) > 0 {
		var sb strings.Builder
		for _, c := range intermediates {
			sb.WriteString(encode(blockCertificate, c.Raw))
		}
		b.ChainPEM = sb.String()
	}
	return b, nil
}

func encode(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// normalise turns CRLF and CR line endings into LF and strips leading and
// trailing blanks from every line, so pasted or indented PEM decodes.
func normalise(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Trim(l, " \t")
	}
	return strings.Join(lines, "\n")
}

// decodeAll returns every PEM block in s. ok is false when some
// "-----BEGIN" line did not yield a block (pem.Decode silently skips
// malformed blocks, which would otherwise drop certificates unnoticed).
func decodeAll(s string) (blocks []*pem.Block, ok bool) {
	s = normalise(s)
	begins := 0
	for l := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(l, "-----BEGIN ") {
			begins++
		}
	}
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	return blocks, len(blocks) == begins
}

func parseLeaf(body string) (*x509.Certificate, error) {
	blocks, ok := decodeAll(body)
	if !ok || len(blocks) == 0 {
		return nil, model.Errorf(model.KindMalformedCertificate, msgBadCertificate)
	}
	if len(blocks) > 1 {
		return nil, model.Errorf(model.KindMalformedCertificate,
			"%s The certificate body must contain exactly one certificate; put intermediate certificates in the certificate chain.", msgBadCertificate)
	}
	if blocks[0].Type != blockCertificate {
		return nil, model.Errorf(model.KindMalformedCertificate,
			"%s Expected a CERTIFICATE block, found %q.", msgBadCertificate, blocks[0].Type)
	}
	c, err := x509.ParseCertificate(blocks[0].Bytes)
	if err != nil {
		return nil, model.Errorf(model.KindMalformedCertificate, msgBadCertificate)
	}
	return c, nil
}

func parseChain(chain string) ([]*x509.Certificate, error) {
	if strings.TrimSpace(chain) == "" {
		return nil, nil
	}
	blocks, ok := decodeAll(chain)
	if len(blocks) == 0 {
		return nil, model.Errorf(model.KindMalformedCertificate, msgBadChain)
	}
	out := make([]*x509.Certificate, 0, len(blocks))
	for i, b := range blocks {
		var c *x509.Certificate
		var err error
		if b.Type == blockCertificate {
			c, err = x509.ParseCertificate(b.Bytes)
		}
		if b.Type != blockCertificate || err != nil {
			return nil, model.Errorf(model.KindMalformedCertificate,
				"%s The index within the chain of the invalid certificate is: %d", msgBadChain, i)
		}
		out = append(out, c)
	}
	if !ok {
		return nil, model.Errorf(model.KindMalformedCertificate,
			"%s The chain contains a PEM block that could not be decoded.", msgBadChain)
	}
	return out, nil
}

// keyAlgorithm applies the key policy to the leaf's public key and names it.
func keyAlgorithm(leaf *x509.Certificate) (string, error) {
	switch pub := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := pub.N.BitLen()
		if bits < MinRSABits || bits > MaxRSABits {
			return "", model.Errorf(model.KindInvalidInput,
				"Unsupported certificate key: RSA key size is %d bits; RSA keys must be %d to %d bits (%s).",
				bits, MinRSABits, MaxRSABits, supportedKeys)
		}
		return fmt.Sprintf("RSA-%d", bits), nil
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return "EC-prime256v1", nil
		case elliptic.P384():
			return "EC-secp384r1", nil
		case elliptic.P521():
			return "EC-secp521r1", nil
		}
		name := "unknown"
		if pub.Curve != nil && pub.Curve.Params() != nil {
			name = pub.Curve.Params().Name
		}
		return "", model.Errorf(model.KindInvalidInput,
			"Unsupported certificate key: ECDSA curve %s is not supported; %s.", name, supportedKeys)
	default:
		return "", model.Errorf(model.KindInvalidInput,
			"Unsupported certificate key algorithm %s; %s.", leaf.PublicKeyAlgorithm, supportedKeys)
	}
}

// parseKey decodes the private key. One key block is expected, optionally
// accompanied by "EC PARAMETERS" blocks, which are ignored.
func parseKey(s string) (crypto.Signer, error) {
	blocks, ok := decodeAll(s)
	if !ok {
		return nil, model.Errorf(model.KindMalformedCertificate, msgBadKey)
	}
	var keys []*pem.Block
	for _, b := range blocks {
		if b.Type != blockECParameters {
			keys = append(keys, b)
		}
	}
	if len(keys) != 1 {
		if len(keys) > 1 {
			return nil, model.Errorf(model.KindMalformedCertificate,
				"%s The private key must contain exactly one key.", msgBadKey)
		}
		return nil, model.Errorf(model.KindMalformedCertificate, msgBadKey)
	}
	b := keys[0]
	if b.Type == blockEncPKCS8 || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, model.Errorf(model.KindMalformedCertificate,
			"Unable to parse private key: encrypted private keys are not supported. Please upload the private key unencrypted in PEM format.")
	}

	// Try the parser the label names first, then the others, since
	// mislabelled keys are common and harmless.
	parsers := map[string]func([]byte) (any, error){
		blockPKCS1: func(d []byte) (any, error) { return x509.ParsePKCS1PrivateKey(d) },
		blockSEC1:  func(d []byte) (any, error) { return x509.ParseECPrivateKey(d) },
		blockPKCS8: x509.ParsePKCS8PrivateKey,
	}
	if _, known := parsers[b.Type]; !known {
		return nil, model.Errorf(model.KindMalformedCertificate,
			"%s Expected an RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY block, found %q.", msgBadKey, b.Type)
	}
	order := []string{b.Type}
	for _, t := range []string{blockPKCS8, blockPKCS1, blockSEC1} {
		if t != b.Type {
			order = append(order, t)
		}
	}
	for _, t := range order {
		k, err := parsers[t](b.Bytes)
		if err != nil {
			continue
		}
		if signer, ok := k.(crypto.Signer); ok {
			return signer, nil
		}
		// A parseable key that cannot sign (X25519): cannot match a
		// supported certificate.
		return nil, model.Errorf(model.KindKeyPairMismatch, msgMismatch)
	}
	return nil, model.Errorf(model.KindMalformedCertificate, msgBadKey)
}
