package api_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// ---------------------------------------------------------------------------
// A test PKI: root CA -> intermediate -> leaves.
// ---------------------------------------------------------------------------

type issued struct {
	Cert    *x509.Certificate
	CertPEM string
	Key     crypto.Signer
	KeyPEM  string // PKCS#1 for RSA, SEC1 for ECDSA, as openssl writes them
	PKCS8   []byte // the key's PKCS#8 DER, the form elbd stores
}

type testPKI struct {
	Root, Intermediate *issued
	RSALeaf, ECLeaf    *issued
}

var (
	pkiOnce      sync.Once
	pkiVal       *testPKI
	certSerial   int64 = 1000
	certSerialMu sync.Mutex
)

func nextSerial() *big.Int {
	certSerialMu.Lock()
	defer certSerialMu.Unlock()
	certSerial++
	return big.NewInt(certSerial)
}

func newKey(t testing.TB, alg string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case "rsa":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ec":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("unknown key algorithm %q", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue creates a certificate for key signed by parent (self-signed when
// parent is nil).
func issue(t testing.TB, cn string, key crypto.Signer, parent *issued, ca bool) *issued {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"elbd tests"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(90 * 24 * time.Hour).UTC(),
	}
	if ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		tmpl.NotAfter = now.Add(5 * 365 * 24 * time.Hour).UTC()
	} else {
		tmpl.DNSNames = []string{cn}
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	out := &issued{Cert: cert, Key: key,
		CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		out.KeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	case *ecdsa.PrivateKey:
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		out.KeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b}))
	}
	if out.PKCS8, err = x509.MarshalPKCS8PrivateKey(key); err != nil {
		t.Fatal(err)
	}
	return out
}

// pki returns the shared test PKI (RSA key generation is slow, so it is
// built once).
func pki(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		p := &testPKI{}
		p.Root = issue(t, "elbd test root CA", newKey(t, "ec"), nil, true)
		p.Intermediate = issue(t, "elbd test intermediate CA", newKey(t, "ec"), p.Root, true)
		p.RSALeaf = issue(t, "rsa.example.test", newKey(t, "rsa"), p.Intermediate, false)
		p.ECLeaf = issue(t, "ec.example.test", newKey(t, "ec"), p.Intermediate, false)
		pkiVal = p
	})
	if pkiVal == nil {
		t.Fatal("test PKI could not be built")
	}
	return pkiVal
}

// ecLeaf issues a fresh ECDSA leaf from the intermediate (cheap).
func ecLeaf(t testing.TB, cn string) *issued {
	return issue(t, cn, newKey(t, "ec"), pki(t).Intermediate, false)
}

// uploadCert uploads leaf under name and path with the given chain.
func uploadCert(t testing.TB, c *iam.Client, name, path string, leaf *issued, chain string) *iamtypes.ServerCertificateMetadata {
	t.Helper()
	in := &iam.UploadServerCertificateInput{ServerCertificateName: aws.String(name),
		CertificateBody: aws.String(leaf.CertPEM), PrivateKey: aws.String(leaf.KeyPEM)}
	if path != "" {
		in.Path = aws.String(path)
	}
	if chain != "" {
		in.CertificateChain = aws.String(chain)
	}
	out, err := c.UploadServerCertificate(context.Background(), in)
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	if out.ServerCertificateMetadata == nil {
		t.Fatalf("upload %s: no metadata", name)
	}
	return out.ServerCertificateMetadata
}

// pemDERs decodes every PEM block of s.
func pemDERs(t testing.TB, s string) [][]byte {
	t.Helper()
	var out [][]byte
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			t.Errorf("unexpected PEM block %q", b.Type)
		}
		out = append(out, b.Bytes)
	}
	if strings.TrimSpace(string(rest)) != "" {
		t.Errorf("trailing non-PEM data: %q", rest)
	}
	return out
}

// checkNoKey asserts that nothing of leaf's private key appears in body: no
// PRIVATE KEY block and no base64 line of either the uploaded encoding or
// the PKCS#8 form elbd stores.
func checkNoKey(t testing.TB, what string, body []byte, leaf *issued) {
	t.Helper()
	s := string(body)
	if strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, "PrivateKey") {
		t.Errorf("%s: response mentions a private key:\n%s", what, s)
	}
	var lines []string
	for _, l := range strings.Split(leaf.KeyPEM, "\n") {
		if len(l) >= 32 && !strings.HasPrefix(l, "-----") {
			lines = append(lines, l)
		}
	}
	p8 := base64.StdEncoding.EncodeToString(leaf.PKCS8)
	for i := 0; i+64 <= len(p8); i += 64 {
		lines = append(lines, p8[i:i+64])
	}
	if len(lines) == 0 {
		t.Fatal("no key material to look for")
	}
	for _, l := range lines {
		if strings.Contains(s, l) {
			t.Fatalf("%s: response contains private key material %q", what, l)
		}
	}
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

// TestIAMUploadGetDelete uploads RSA and ECDSA leaves (with and without a
// chain, with and without a path) and checks the metadata, the bodies
// returned by GetServerCertificate and deletion.
func TestIAMUploadGetDelete(t *testing.T) {
	env := elbdtest.Start(t, "")
	c := env.IAM(elbdtest.Admin)
	ctx := context.Background()
	p := pki(t)
	chain := p.Intermediate.CertPEM + p.Root.CertPEM

	before := time.Now().Add(-time.Second)
	rsaMeta := uploadCert(t, c, "rsa-cert", "/elb/", p.RSALeaf, chain)
	ecMeta := uploadCert(t, c, "ec-cert", "", p.ECLeaf, "")
	after := time.Now().Add(time.Second)

	for _, tc := range []struct {
		meta *iamtypes.ServerCertificateMetadata
		name string
		path string
		arn  string
		leaf *issued
	}{
		{rsaMeta, "rsa-cert", "/elb/", "arn:aws:iam::123456789012:server-certificate/elb/rsa-cert", p.RSALeaf},
		{ecMeta, "ec-cert", "/", "arn:aws:iam::123456789012:server-certificate/ec-cert", p.ECLeaf},
	} {
		m := tc.meta
		if aws.ToString(m.ServerCertificateName) != tc.name || aws.ToString(m.Path) != tc.path || aws.ToString(m.Arn) != tc.arn {
			t.Errorf("%s: name %q path %q arn %q", tc.name, aws.ToString(m.ServerCertificateName), aws.ToString(m.Path), aws.ToString(m.Arn))
		}
		id := aws.ToString(m.ServerCertificateId)
		if !strings.HasPrefix(id, "ASCA") || len(id) != 21 || strings.ToUpper(id) != id {
			t.Errorf("%s: ServerCertificateId %q, want ASCA + 17 upper-case characters", tc.name, id)
		}
		if m.Expiration == nil || !m.Expiration.Equal(tc.leaf.Cert.NotAfter) {
			t.Errorf("%s: Expiration %v, want leaf NotAfter %v", tc.name, m.Expiration, tc.leaf.Cert.NotAfter)
		}
		if m.UploadDate == nil || m.UploadDate.Before(before) || m.UploadDate.After(after) {
			t.Errorf("%s: UploadDate %v not within [%v, %v]", tc.name, m.UploadDate, before, after)
		}
	}
	if aws.ToString(rsaMeta.ServerCertificateId) == aws.ToString(ecMeta.ServerCertificateId) {
		t.Error("two certificates share an id")
	}

	// GetServerCertificate returns the body and chain as uploaded.
	got, err := c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("rsa-cert")})
	if err != nil {
		t.Fatal(err)
	}
	sc := got.ServerCertificate
	if ders := pemDERs(t, aws.ToString(sc.CertificateBody)); len(ders) != 1 || string(ders[0]) != string(p.RSALeaf.Cert.Raw) {
		t.Errorf("CertificateBody is not the uploaded leaf:\n%s", aws.ToString(sc.CertificateBody))
	}
	ders := pemDERs(t, aws.ToString(sc.CertificateChain))
	if len(ders) != 2 || string(ders[0]) != string(p.Intermediate.Cert.Raw) || string(ders[1]) != string(p.Root.Cert.Raw) {
		t.Errorf("CertificateChain is not intermediate+root in upload order (%d certificates)", len(ders))
	}
	gm := sc.ServerCertificateMetadata
	if aws.ToString(gm.Arn) != aws.ToString(rsaMeta.Arn) || aws.ToString(gm.ServerCertificateId) != aws.ToString(rsaMeta.ServerCertificateId) ||
		!gm.Expiration.Equal(*rsaMeta.Expiration) || !gm.UploadDate.Equal(*rsaMeta.UploadDate) || aws.ToString(gm.Path) != "/elb/" {
		t.Errorf("Get metadata %+v differs from Upload metadata %+v", gm, rsaMeta)
	}

	got, err = c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("ec-cert")})
	if err != nil {
		t.Fatal(err)
	}
	if ders := pemDERs(t, aws.ToString(got.ServerCertificate.CertificateBody)); len(ders) != 1 || string(ders[0]) != string(p.ECLeaf.Cert.Raw) {
		t.Errorf("EC CertificateBody is not the uploaded leaf")
	}
	if ch := aws.ToString(got.ServerCertificate.CertificateChain); ch != "" {
		t.Errorf("EC certificate uploaded without chain has chain %q", ch)
	}

	// Delete, then it is gone for get and delete alike.
	if _, err := c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("ec-cert")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("ec-cert")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	_, err = c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("ec-cert")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	_, err = c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("never-uploaded")})
	wantAPIError(t, err, "NoSuchEntity", 404)

	// The name is free again.
	uploadCert(t, c, "ec-cert", "/", p.ECLeaf, "")
}

// TestIAMPrivateKeyNeverReturned checks the raw HTTP responses of every IAM
// action for the private key, whatever its encoding.
func TestIAMPrivateKeyNeverReturned(t *testing.T) {
	env := elbdtest.Start(t, "")
	p := pki(t)
	for _, leaf := range []*issued{p.RSALeaf, p.ECLeaf} {
		name := "k-" + leaf.Cert.Subject.CommonName
		r := post(t, env, "Action", "UploadServerCertificate", "Version", "2010-05-08", "ServerCertificateName", name,
			"Path", "/keys/", "CertificateBody", leaf.CertPEM, "PrivateKey", leaf.KeyPEM, "CertificateChain", p.Intermediate.CertPEM)
		root := checkSuccess(t, r, iamNS, "UploadServerCertificate")
		if root.path("UploadServerCertificateResult", "ServerCertificateMetadata", "Arn").text() != "arn:aws:iam::123456789012:server-certificate/keys/"+name {
			t.Errorf("upload response:\n%s", r.Body)
		}
		checkNoKey(t, "UploadServerCertificate", r.Body, leaf)

		for _, get := range []queryReq{
			{Body: form("Action", "GetServerCertificate", "Version", "2010-05-08", "ServerCertificateName", name)},
			{Method: "GET", Query: form("Action", "GetServerCertificate", "Version", "2010-05-08", "ServerCertificateName", name)},
		} {
			get.Key, get.Service = &elbdtest.Admin, iamService
			r = get.do(t, env)
			root = checkSuccess(t, r, iamNS, "GetServerCertificate")
			sc := root.path("GetServerCertificateResult", "ServerCertificate")
			if sc.child("CertificateBody").text() == "" || sc.child("CertificateChain").text() == "" {
				t.Errorf("GetServerCertificate lacks body or chain:\n%s", r.Body)
			}
			checkNoKey(t, get.Method+" GetServerCertificate", r.Body, leaf)
		}

		r = post(t, env, "Action", "ListServerCertificates", "Version", "2010-05-08")
		checkSuccess(t, r, iamNS, "ListServerCertificates")
		checkNoKey(t, "ListServerCertificates", r.Body, leaf)
	}
}

// TestIAMListServerCertificates covers PathPrefix and MaxItems/Marker
// pagination, by hand and with the SDK paginator.
func TestIAMListServerCertificates(t *testing.T) {
	env := elbdtest.Start(t, "")
	c := env.IAM(elbdtest.Admin)
	ctx := context.Background()

	out, err := c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ServerCertificateMetadataList) != 0 || out.IsTruncated {
		t.Fatalf("empty account lists %d certificates, truncated %v", len(out.ServerCertificateMetadataList), out.IsTruncated)
	}

	all := []struct{ name, path string }{
		{"cert-a", "/elb/"}, {"cert-b", "/other/"}, {"cert-c", "/elb/prod/"}, {"cert-d", "/"}, {"cert-e", "/elb/"},
	}
	for _, cc := range all {
		uploadCert(t, c, cc.name, cc.path, ecLeaf(t, cc.name+".example.test"), "")
	}
	names := func(ms []iamtypes.ServerCertificateMetadata) []string {
		var out []string
		for _, m := range ms {
			out = append(out, aws.ToString(m.ServerCertificateName))
		}
		return out
	}

	for _, tc := range []struct {
		prefix string
		want   string
	}{
		{"", "cert-a,cert-b,cert-c,cert-d,cert-e"},
		{"/", "cert-a,cert-b,cert-c,cert-d,cert-e"},
		{"/elb/", "cert-a,cert-c,cert-e"},
		{"/elb/prod/", "cert-c"},
		{"/other/", "cert-b"},
		{"/nothing/", ""},
	} {
		in := &iam.ListServerCertificatesInput{}
		if tc.prefix != "" {
			in.PathPrefix = aws.String(tc.prefix)
		}
		out, err := c.ListServerCertificates(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(out.ServerCertificateMetadataList), ","); got != tc.want || out.IsTruncated {
			t.Errorf("PathPrefix %q: %q (truncated %v), want %q", tc.prefix, got, out.IsTruncated, tc.want)
		}
	}

	// By hand: MaxItems 2 over 5 certificates gives pages of 2, 2, 1.
	var pages [][]string
	var marker *string
	for i := 0; ; i++ {
		if i > 5 {
			t.Fatal("pagination does not end")
		}
		out, err := c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, names(out.ServerCertificateMetadataList))
		if !out.IsTruncated {
			if out.Marker != nil && *out.Marker != "" {
				t.Errorf("last page carries Marker %q", *out.Marker)
			}
			break
		}
		if aws.ToString(out.Marker) == "" {
			t.Fatal("IsTruncated without Marker")
		}
		if marker != nil && *marker == *out.Marker {
			t.Fatal("the same Marker was returned twice")
		}
		marker = out.Marker
	}
	if len(pages) != 3 || strings.Join(pages[0], ",") != "cert-a,cert-b" || strings.Join(pages[1], ",") != "cert-c,cert-d" || strings.Join(pages[2], ",") != "cert-e" {
		t.Errorf("pages %v", pages)
	}

	// The same with the SDK paginator, also under a PathPrefix.
	for _, tc := range []struct {
		prefix string
		pages  int
		want   string
	}{
		{"/", 3, "cert-a,cert-b,cert-c,cert-d,cert-e"},
		{"/elb/", 2, "cert-a,cert-c,cert-e"},
	} {
		pg := iam.NewListServerCertificatesPaginator(c, &iam.ListServerCertificatesInput{PathPrefix: aws.String(tc.prefix), MaxItems: aws.Int32(2)})
		var got []string
		n := 0
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.ServerCertificateMetadataList) > 2 {
				t.Errorf("page of %d > MaxItems 2", len(out.ServerCertificateMetadataList))
			}
			got = append(got, names(out.ServerCertificateMetadataList)...)
			if n++; n > 10 {
				t.Fatal("paginator does not end")
			}
		}
		if n != tc.pages || strings.Join(got, ",") != tc.want {
			t.Errorf("paginator %q: %d pages %v, want %d pages %s", tc.prefix, n, got, tc.pages, tc.want)
		}
	}

	for _, bad := range []string{"elb/", "/e lb/", "/" + strings.Repeat("p", 512)} {
		_, err := c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{PathPrefix: aws.String(bad)})
		wantAPIError(t, err, "ValidationError", 400)
	}
	for _, bad := range []int32{0, -1, 1001} {
		_, err := c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{MaxItems: aws.Int32(bad)})
		wantAPIError(t, err, "ValidationError", 400)
	}
}

// TestIAMUploadErrors covers the upload failures with their codes and
// statuses.
func TestIAMUploadErrors(t *testing.T) {
	env := elbdtest.Start(t, "")
	c := env.IAM(elbdtest.Admin)
	ctx := context.Background()
	p := pki(t)
	up := func(name, path, body, key, chain string) error {
		in := &iam.UploadServerCertificateInput{ServerCertificateName: aws.String(name),
			CertificateBody: aws.String(body), PrivateKey: aws.String(key)}
		if path != "" {
			in.Path = aws.String(path)
		}
		if chain != "" {
			in.CertificateChain = aws.String(chain)
		}
		_, err := c.UploadServerCertificate(ctx, in)
		return err
	}
	rsa, ec := p.RSALeaf, p.ECLeaf
	garbagePEM := "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"

	cases := []struct {
		name                   string
		cname, path, body, key string
		chain                  string
		code                   string
		status                 int
	}{
		{"garbage body", "x1", "", "this is not a certificate", rsa.KeyPEM, "", "MalformedCertificate", 400},
		{"garbage DER in PEM body", "x2", "", garbagePEM, rsa.KeyPEM, "", "MalformedCertificate", 400},
		{"garbage key", "x3", "", rsa.CertPEM, "this is not a key", "", "MalformedCertificate", 400},
		{"key PEM with garbage DER", "x4", "", rsa.CertPEM, "-----BEGIN RSA PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END RSA PRIVATE KEY-----\n", "", "MalformedCertificate", 400},
		{"garbage chain", "x5", "", rsa.CertPEM, rsa.KeyPEM, garbagePEM, "MalformedCertificate", 400},
		{"RSA leaf with EC key", "x6", "", rsa.CertPEM, ec.KeyPEM, "", "KeyPairMismatch", 400},
		{"EC leaf with RSA key", "x7", "", ec.CertPEM, rsa.KeyPEM, "", "KeyPairMismatch", 400},
		{"EC leaf with another EC key", "x8", "", ec.CertPEM, p.Intermediate.KeyPEM, "", "KeyPairMismatch", 400},
		{"name with space", "bad name", "", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
		{"name with slash", "bad/name", "", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
		{"name too long", strings.Repeat("n", 129), "", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
		{"path without leading slash", "x9", "elb/", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
		{"path without trailing slash", "x10", "/elb", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
		{"path with space", "x11", "/e lb/", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
		{"empty path segment only", "x13", "//", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
		{"path too long", "x12", "/" + strings.Repeat("p", 511) + "/", ec.CertPEM, ec.KeyPEM, "", "ValidationError", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, up(tc.cname, tc.path, tc.body, tc.key, tc.chain), tc.code, tc.status)
		})
	}
	// Nothing was stored by the failures.
	out, err := c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ServerCertificateMetadataList) != 0 {
		t.Errorf("failed uploads stored %d certificates", len(out.ServerCertificateMetadataList))
	}

	// Limits of the accepted names and paths.
	if err := up(strings.Repeat("n", 128), "", ec.CertPEM, ec.KeyPEM, ""); err != nil {
		t.Errorf("128-character name: %v", err)
	}
	if err := up("a+b=c,d.e@f_g-h", "/a//b-c~!/", ec.CertPEM, ec.KeyPEM, ""); err != nil {
		t.Errorf("name with every allowed punctuation: %v", err)
	}

	// EntityAlreadyExists, also across paths; the first stays intact.
	meta := uploadCert(t, c, "dup", "/one/", ec, "")
	wantAPIError(t, up("dup", "/one/", ec.CertPEM, ec.KeyPEM, ""), "EntityAlreadyExists", 409)
	wantAPIError(t, up("dup", "/two/", rsa.CertPEM, rsa.KeyPEM, ""), "EntityAlreadyExists", 409)
	got, err := c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("dup")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ServerCertificate.ServerCertificateMetadata.ServerCertificateId) != aws.ToString(meta.ServerCertificateId) {
		t.Error("a rejected duplicate replaced the certificate")
	}

	// Raw errors carry the IAM namespace.
	r := post(t, env, "Action", "UploadServerCertificate", "Version", "2010-05-08", "ServerCertificateName", "raw",
		"CertificateBody", "junk", "PrivateKey", "junk")
	checkError(t, r, iamNS, 400, "MalformedCertificate")
	r = post(t, env, "Action", "GetServerCertificate", "Version", "2010-05-08", "ServerCertificateName", "missing")
	checkError(t, r, iamNS, 404, "NoSuchEntity")
	r = post(t, env, "Action", "UploadServerCertificate", "Version", "2010-05-08", "ServerCertificateName", "nokey",
		"CertificateBody", ec.CertPEM)
	checkError(t, r, iamNS, 400, "MissingParameter")
	r = post(t, env, "Action", "NoSuchIAMAction", "Version", "2010-05-08")
	checkError(t, r, iamNS, 400, "InvalidAction")
}

// TestIAMCertificateOnListener uses an uploaded certificate's ARN as an
// HTTPS listener's SSLCertificateId, then checks DeleteConflict and
// CertificateNotFound.
func TestIAMCertificateOnListener(t *testing.T) {
	env := elbdtest.Start(t, "")
	ic := env.IAM(elbdtest.Admin)
	ec := env.ELB(elbdtest.Admin)
	ctx := context.Background()
	p := pki(t)
	meta := uploadCert(t, ic, "site", "/elb/", p.RSALeaf, p.Intermediate.CertPEM)
	arn := aws.ToString(meta.Arn)

	https := func(certARN string) []elbtypes.Listener {
		return []elbtypes.Listener{
			{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)},
			{Protocol: aws.String("HTTPS"), LoadBalancerPort: 443, InstanceProtocol: aws.String("HTTP"), InstancePort: aws.Int32(8080),
				SSLCertificateId: aws.String(certARN)},
		}
	}
	_, err := ec.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("tls-lb"),
		Listeners: https(arn), AvailabilityZones: []string{"us-east-1a"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := ec.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"tls-lb"}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ld := range d.LoadBalancerDescriptions[0].ListenerDescriptions {
		if ld.Listener.LoadBalancerPort == 443 {
			found = aws.ToString(ld.Listener.SSLCertificateId) == arn
		}
	}
	if !found {
		t.Errorf("HTTPS listener does not carry %s", arn)
	}

	// In use: DeleteConflict 409, and the certificate survives.
	_, err = ic.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("site")})
	if msg := wantAPIError(t, err, "DeleteConflict", 409); !strings.Contains(msg, "tls-lb") {
		t.Errorf("DeleteConflict message %q does not name the load balancer", msg)
	}
	if _, err := ic.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("site")}); err != nil {
		t.Fatalf("certificate gone after DeleteConflict: %v", err)
	}

	// Unknown ARNs are CertificateNotFound (400) wherever an ARN is taken.
	for _, bad := range []string{
		"arn:aws:iam::123456789012:server-certificate/elb/nope",
		"arn:aws:iam::123456789012:server-certificate/site", // right name, wrong path
		"arn:aws:acm:us-east-1:123456789012:certificate/0000",
	} {
		_, err = ec.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("bad-cert"),
			Listeners: https(bad), AvailabilityZones: []string{"us-east-1a"}})
		wantAPIError(t, err, "CertificateNotFound", 400)
	}
	_, err = ec.SetLoadBalancerListenerSSLCertificate(ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
		LoadBalancerName: aws.String("tls-lb"), LoadBalancerPort: 443, SSLCertificateId: aws.String("arn:aws:iam::123456789012:server-certificate/elb/nope")})
	wantAPIError(t, err, "CertificateNotFound", 400)
	if _, err := ec.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"bad-cert"}}); err == nil {
		t.Error("a load balancer was created with an unknown certificate")
	}

	// Move the listener to a second certificate: the first becomes free.
	meta2 := uploadCert(t, ic, "site2", "", p.ECLeaf, "")
	if _, err := ec.SetLoadBalancerListenerSSLCertificate(ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
		LoadBalancerName: aws.String("tls-lb"), LoadBalancerPort: 443, SSLCertificateId: meta2.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("site")}); err != nil {
		t.Fatalf("delete unused certificate: %v", err)
	}
	_, err = ic.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("site2")})
	wantAPIError(t, err, "DeleteConflict", 409)

	// Deleting the load balancer frees the certificate.
	if _, err := ec.DeleteLoadBalancer(ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String("tls-lb")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("site2")}); err != nil {
		t.Fatalf("delete after the load balancer is gone: %v", err)
	}
	if r := post(t, env, "Action", "ListServerCertificates", "Version", "2010-05-08"); r.Status != http.StatusOK {
		t.Fatalf("list: %s", r)
	}
}
