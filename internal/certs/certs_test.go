package certs

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/model"
)

func TestParseValid(t *testing.T) {
	p := testPKI(t)
	rsaKey, ecKey := p.rsaLeaf.key, p.ecLeaf.key

	tests := []struct {
		name      string
		body, key string
		chain     string
		leaf      *x509.Certificate
		chainCert []*x509.Certificate
		alg       string
	}{
		{"rsa pkcs1", p.rsaLeaf.pem, pkcs1PEM(t, rsaKey), "", p.rsaLeaf.cert, nil, "RSA-2048"},
		{"rsa pkcs8", p.rsaLeaf.pem, pkcs8PEM(t, rsaKey), "", p.rsaLeaf.cert, nil, "RSA-2048"},
		{"ec sec1", p.ecLeaf.pem, sec1PEM(t, ecKey), "", p.ecLeaf.cert, nil, "EC-prime256v1"},
		{"ec pkcs8", p.ecLeaf.pem, pkcs8PEM(t, ecKey), "", p.ecLeaf.cert, nil, "EC-prime256v1"},
		{"ec with EC PARAMETERS block", p.ecLeaf.pem,
			pemOf("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}) + sec1PEM(t, ecKey),
			"", p.ecLeaf.cert, nil, "EC-prime256v1"},
		{"mislabelled pkcs8 as RSA PRIVATE KEY", p.rsaLeaf.pem,
			strings.Replace(pkcs8PEM(t, rsaKey), "PRIVATE KEY", "RSA PRIVATE KEY", 2), "", p.rsaLeaf.cert, nil, "RSA-2048"},
		{"p384", p.p384Leaf.pem, sec1PEM(t, p.p384Leaf.key), "", p.p384Leaf.cert, nil, "EC-secp384r1"},
		{"p521", p.p521Leaf.pem, pkcs8PEM(t, p.p521Leaf.key), "", p.p521Leaf.cert, nil, "EC-secp521r1"},
		{"rsa 1024", p.rsa1024Leaf.pem, pkcs1PEM(t, p.rsa1024Leaf.key), "", p.rsa1024Leaf.cert, nil, "RSA-1024"},
		{"expired accepted", p.expiredLeaf.pem, pkcs1PEM(t, rsaKey), "", p.expiredLeaf.cert, nil, "RSA-2048"},
		{"with chain", p.rsaLeaf.pem, pkcs1PEM(t, rsaKey), p.inter.pem + p.root.pem,
			p.rsaLeaf.cert, []*x509.Certificate{p.inter.cert, p.root.cert}, "RSA-2048"},
		{"chain order preserved", p.ecLeaf.pem, sec1PEM(t, ecKey), p.root.pem + p.inter.pem,
			p.ecLeaf.cert, []*x509.Certificate{p.root.cert, p.inter.cert}, "EC-prime256v1"},
		{"whitespace-only chain", p.ecLeaf.pem, sec1PEM(t, ecKey), " \r\n\t\n", p.ecLeaf.cert, nil, "EC-prime256v1"},
		{"CRLF", crlf(p.rsaLeaf.pem), crlf(pkcs1PEM(t, rsaKey)), crlf(p.inter.pem + p.root.pem),
			p.rsaLeaf.cert, []*x509.Certificate{p.inter.cert, p.root.cert}, "RSA-2048"},
		{"bare CR", strings.ReplaceAll(p.ecLeaf.pem, "\n", "\r"), strings.ReplaceAll(sec1PEM(t, ecKey), "\n", "\r"),
			strings.ReplaceAll(p.inter.pem, "\n", "\r"), p.ecLeaf.cert, []*x509.Certificate{p.inter.cert}, "EC-prime256v1"},
		{"indented with surrounding text", "Bag Attributes\n    friendlyName: x\n" + indent(p.ecLeaf.pem) + "\n\n",
			"\n" + indent(sec1PEM(t, ecKey)), "subject=/CN=inter\n" + p.inter.pem, p.ecLeaf.cert, []*x509.Certificate{p.inter.cert}, "EC-prime256v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Parse(tc.body, tc.key, tc.chain)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !b.Leaf.Equal(tc.leaf) {
				t.Errorf("Leaf is %s, want %s", b.Leaf.Subject, tc.leaf.Subject)
			}
			if want := pemOf("CERTIFICATE", tc.leaf.Raw); b.CertificatePEM != want {
				t.Errorf("CertificatePEM not canonical:\n%s", b.CertificatePEM)
			}
			if len(b.Chain) != len(tc.chainCert) {
				t.Fatalf("chain has %d certificates, want %d", len(b.Chain), len(tc.chainCert))
			}
			wantChain := ""
			for i, c := range tc.chainCert {
				if !b.Chain[i].Equal(c) {
					t.Errorf("chain[%d] is %s, want %s", i, b.Chain[i].Subject, c.Subject)
				}
				wantChain += pemOf("CERTIFICATE", c.Raw)
			}
			if b.ChainPEM != wantChain {
				t.Errorf("ChainPEM = %q, want %q", b.ChainPEM, wantChain)
			}
			if !b.NotBefore.Equal(tc.leaf.NotBefore) || !b.NotAfter.Equal(tc.leaf.NotAfter) {
				t.Errorf("validity %v..%v, want %v..%v", b.NotBefore, b.NotAfter, tc.leaf.NotBefore, tc.leaf.NotAfter)
			}
			if b.KeyAlgorithm != tc.alg {
				t.Errorf("KeyAlgorithm = %q, want %q", b.KeyAlgorithm, tc.alg)
			}
			blk, rest := pem.Decode([]byte(b.PrivateKeyPEM))
			if blk == nil || blk.Type != "PRIVATE KEY" || len(strings.TrimSpace(string(rest))) != 0 {
				t.Fatalf("PrivateKeyPEM is not one PKCS#8 block: %q", b.PrivateKeyPEM)
			}
			if _, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil {
				t.Errorf("PrivateKeyPEM does not parse as PKCS#8: %v", err)
			}
			// The canonical output is itself a valid, identical upload.
			again, err := Parse(b.CertificatePEM, b.PrivateKeyPEM, b.ChainPEM)
			if err != nil {
				t.Fatalf("re-parsing canonical output: %v", err)
			}
			if again.CertificatePEM != b.CertificatePEM || again.ChainPEM != b.ChainPEM || again.PrivateKeyPEM != b.PrivateKeyPEM {
				t.Errorf("canonical output is not stable")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	p := testPKI(t)
	rsaKey := pkcs1PEM(t, p.rsaLeaf.key)
	ecKey := sec1PEM(t, p.ecLeaf.key)
	encrypted := "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n" +
		strings.SplitN(rsaKey, "\n", 2)[1]
	truncatedCert := p.rsaLeaf.pem[:len(p.rsaLeaf.pem)-40] + "\n-----END CERTIFICATE-----\n"

	tests := []struct {
		name             string
		body, key, chain string
		kind             model.Kind
		msg              string // substring of the message
	}{
		{"empty body", "", rsaKey, "", model.KindMalformedCertificate, "Unable to parse certificate."},
		{"whitespace body", " \n\t", rsaKey, "", model.KindMalformedCertificate, "PEM format"},
		{"garbage body", "hello world", rsaKey, "", model.KindMalformedCertificate, "Unable to parse certificate."},
		{"raw base64 body", strings.Join(strings.Split(p.rsaLeaf.pem, "\n")[1:5], ""), rsaKey, "", model.KindMalformedCertificate, "PEM format"},
		{"body is a key", rsaKey, rsaKey, "", model.KindMalformedCertificate, "CERTIFICATE block"},
		{"body DER does not parse", pemOf("CERTIFICATE", []byte("not der")), rsaKey, "", model.KindMalformedCertificate, "Unable to parse certificate."},
		{"body DER with trailing data", pemOf("CERTIFICATE", append(append([]byte{}, p.rsaLeaf.cert.Raw...), 0)), rsaKey, "", model.KindMalformedCertificate, "Unable to parse certificate."},
		{"body truncated", truncatedCert, rsaKey, "", model.KindMalformedCertificate, "Unable to parse certificate."},
		{"two certs in body", p.rsaLeaf.pem + p.inter.pem, rsaKey, "", model.KindMalformedCertificate, "exactly one certificate"},
		{"cert and key in body", p.rsaLeaf.pem + rsaKey, rsaKey, "", model.KindMalformedCertificate, "exactly one certificate"},
		{"body with broken second block", p.rsaLeaf.pem + "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n", rsaKey, "", model.KindMalformedCertificate, "Unable to parse certificate."},

		{"garbage chain", p.rsaLeaf.pem, rsaKey, "garbage", model.KindMalformedCertificate, "Unable to parse certificate chain."},
		{"chain DER does not parse", p.rsaLeaf.pem, rsaKey, p.inter.pem + pemOf("CERTIFICATE", []byte{0x30, 0x03, 0x02, 0x01, 0x01}), model.KindMalformedCertificate, "invalid certificate is: 1"},
		{"chain holds a key", p.rsaLeaf.pem, rsaKey, rsaKey, model.KindMalformedCertificate, "invalid certificate is: 0"},
		{"chain with undecodable block", p.rsaLeaf.pem, rsaKey, p.inter.pem + "-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n" + p.root.pem, model.KindMalformedCertificate, "Unable to parse certificate chain."},

		{"empty key", p.rsaLeaf.pem, "", "", model.KindMalformedCertificate, "Unable to parse private key."},
		{"garbage key", p.rsaLeaf.pem, "garbage", "", model.KindMalformedCertificate, "Unable to parse private key."},
		{"key DER does not parse", p.rsaLeaf.pem, pemOf("RSA PRIVATE KEY", []byte("nope")), "", model.KindMalformedCertificate, "Unable to parse private key."},
		{"key block of wrong type", p.rsaLeaf.pem, p.rsaLeaf.pem, "", model.KindMalformedCertificate, "found \"CERTIFICATE\""},
		{"two keys", p.rsaLeaf.pem, rsaKey + rsaKey, "", model.KindMalformedCertificate, "exactly one key"},
		{"encrypted legacy key", p.rsaLeaf.pem, encrypted, "", model.KindMalformedCertificate, "encrypted private keys are not supported"},
		{"encrypted pkcs8 key", p.rsaLeaf.pem, pemOf("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x00}), "", model.KindMalformedCertificate, "encrypted private keys are not supported"},

		{"other rsa key", p.rsaLeaf.pem, pkcs1PEM(t, p.otherRSA), "", model.KindKeyPairMismatch, "Unable to validate certificate with provided private key."},
		{"other ec key", p.ecLeaf.pem, sec1PEM(t, p.otherEC), "", model.KindKeyPairMismatch, "provided private key"},
		{"ec key for rsa cert", p.rsaLeaf.pem, ecKey, "", model.KindKeyPairMismatch, "provided private key"},
		{"rsa key for ec cert", p.ecLeaf.pem, rsaKey, "", model.KindKeyPairMismatch, "provided private key"},
		{"p384 key for p256 cert", p.ecLeaf.pem, sec1PEM(t, p.p384Leaf.key), "", model.KindKeyPairMismatch, "provided private key"},

		{"rsa 512", p.rsa512Leaf.pem, rsaKey, "", model.KindInvalidInput, "512 bits"},
		{"rsa 8192", p.rsa8192Leaf.pem, rsaKey, "", model.KindInvalidInput, "8192 bits"},
		{"ed25519", p.ed25519Leaf.pem, pkcs8PEM(t, p.ed25519Leaf.key), "", model.KindInvalidInput, "Ed25519"},
		{"p224", p.p224Leaf.pem, pkcs8PEM(t, p.p224Leaf.key), "", model.KindInvalidInput, "P-224"},

		{"oversize body", p.rsaLeaf.pem + strings.Repeat("\n", MaxCertificateBodyLength), rsaKey, "", model.KindInvalidInput, "'certificateBody'"},
		{"oversize key", p.rsaLeaf.pem, rsaKey + strings.Repeat(" ", MaxPrivateKeyLength), "", model.KindInvalidInput, "'privateKey'"},
		{"oversize chain", p.rsaLeaf.pem, rsaKey, strings.Repeat(p.inter.pem, MaxCertificateChainLength/len(p.inter.pem)+1), model.KindInvalidInput, "'certificateChain'"},
		{"oversize multibyte body", strings.Repeat("é", MaxCertificateBodyLength+1), rsaKey, "", model.KindInvalidInput, "less than or equal to 16384"},
		{"body with NUL", p.rsaLeaf.pem + "\x00", rsaKey, "", model.KindInvalidInput, "'certificateBody' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"key with invalid UTF-8", p.rsaLeaf.pem, rsaKey + "\xff", "", model.KindInvalidInput, "'privateKey'"},
		{"chain with rune above U+00FF", p.rsaLeaf.pem, rsaKey, p.inter.pem + "€", model.KindInvalidInput, "'certificateChain'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Parse(tc.body, tc.key, tc.chain)
			if err == nil {
				t.Fatalf("Parse succeeded (%s), want kind %d", b.KeyAlgorithm, tc.kind)
			}
			var me *model.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not *model.Error", err, err)
			}
			if me.Kind != tc.kind {
				t.Errorf("kind = %d, want %d (%s)", me.Kind, tc.kind, me.Message)
			}
			if !strings.Contains(me.Message, tc.msg) {
				t.Errorf("message %q does not contain %q", me.Message, tc.msg)
			}
		})
	}
}

func TestParseAtLimits(t *testing.T) {
	p := testPKI(t)
	// Padding up to exactly the limit is accepted.
	pad := func(s string, max int) string { return s + strings.Repeat("\n", max-len(s)) }
	chain := pad(p.inter.pem, MaxCertificateChainLength)
	if _, err := Parse(pad(p.ecLeaf.pem, MaxCertificateBodyLength), pad(sec1PEM(t, p.ecLeaf.key), MaxPrivateKeyLength), chain); err != nil {
		t.Fatalf("Parse at the limits: %v", err)
	}
	// Latin-1 characters are within IAM's pattern and count as one each.
	if _, err := Parse("Issuer: © elbd\n"+p.ecLeaf.pem, sec1PEM(t, p.ecLeaf.key), ""); err != nil {
		t.Fatalf("Parse with Latin-1 preamble: %v", err)
	}
}

func TestTLSCertificateHandshake(t *testing.T) {
	p := testPKI(t)
	roots := x509.NewCertPool()
	roots.AddCert(p.root.cert)

	for _, leaf := range []issued{p.rsaLeaf, p.ecLeaf, p.p384Leaf, p.p521Leaf} {
		b, err := Parse(leaf.pem, pkcs8PEM(t, leaf.key), p.inter.pem)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		tc, err := TLSCertificate(b.CertificatePEM, b.ChainPEM, b.PrivateKeyPEM)
		if err != nil {
			t.Fatalf("TLSCertificate: %v", err)
		}
		if len(tc.Certificate) != 2 || tc.Leaf == nil || !tc.Leaf.Equal(leaf.cert) {
			t.Fatalf("tls.Certificate has %d certificates, leaf %v", len(tc.Certificate), tc.Leaf != nil)
		}
		for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(b.KeyAlgorithm+"/"+tls.VersionName(version), func(t *testing.T) {
				handshake(t, tc, roots, version)
			})
		}
	}
}

func handshake(t *testing.T, cert tls.Certificate, roots *x509.CertPool, version uint16) {
	t.Helper()
	sc, cc := net.Pipe()
	defer sc.Close()
	defer cc.Close()
	deadline := time.Now().Add(30 * time.Second)
	_ = sc.SetDeadline(deadline)
	_ = cc.SetDeadline(deadline)

	server := tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version})
	client := tls.Client(cc, &tls.Config{RootCAs: roots, ServerName: leafDNS, MinVersion: version, MaxVersion: version})

	errc := make(chan error, 1)
	go func() {
		err := server.Handshake()
		if err == nil {
			_, err = server.Write([]byte("ok"))
		}
		errc <- err
	}()
	if err := client.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	buf := make([]byte, 2)
	if _, err := client.Read(buf); err != nil || string(buf) != "ok" {
		t.Fatalf("read %q: %v", buf, err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server: %v", err)
	}
	st := client.ConnectionState()
	if st.Version != version {
		t.Errorf("negotiated %s, want %s", tls.VersionName(st.Version), tls.VersionName(version))
	}
	if len(st.VerifiedChains) != 1 || len(st.VerifiedChains[0]) != 3 {
		t.Fatalf("verified chains %v, want one chain leaf->intermediate->root", st.VerifiedChains)
	}
	if !st.VerifiedChains[0][0].Equal(cert.Leaf) {
		t.Errorf("verified chain does not start with the leaf")
	}
}

func TestTLSCertificateErrors(t *testing.T) {
	p := testPKI(t)
	key := pkcs8PEM(t, p.rsaLeaf.key)
	for _, tc := range []struct {
		name             string
		cert, chain, key string
		kind             model.Kind
	}{
		{"garbage cert", "x", "", key, model.KindMalformedCertificate},
		{"garbage chain", p.rsaLeaf.pem, "x", key, model.KindMalformedCertificate},
		{"garbage key", p.rsaLeaf.pem, "", "x", model.KindMalformedCertificate},
		{"mismatch", p.ecLeaf.pem, "", key, model.KindKeyPairMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TLSCertificate(tc.cert, tc.chain, tc.key)
			if model.KindOf(err) != tc.kind || err == nil {
				t.Fatalf("err = %v (kind %d), want kind %d", err, model.KindOf(err), tc.kind)
			}
		})
	}
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l + "  "
	}
	return strings.Join(lines, "\n")
}
