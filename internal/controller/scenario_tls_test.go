package controller_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/elbd/elbd/internal/accesslog"
	"github.com/elbd/elbd/internal/elbdtest"
	"github.com/elbd/elbd/internal/policy"
	"github.com/elbd/elbd/internal/testpki"
	"github.com/elbd/elbd/internal/tlspolicy"
)

const (
	tlsName = "www.example.test"
	sniName = "api.example.test"
)

// tlsHarness is an elbd with uploaded certificates and an HTTPS load
// balancer in front of one plain HTTP instance.
type tlsHarness struct {
	*dpHarness
	pki      *testpki.CA
	certs    map[string]testpki.Leaf // by IAM name
	arns     map[string]string
	backend  *scBackend
	instPort int32
	logRoot  string
}

func startTLS(t *testing.T) *tlsHarness {
	t.Helper()
	root := t.TempDir()
	th := &tlsHarness{dpHarness: dpStart(t, "", elbdtest.WithArgs("--access-log-dir", root)), pki: testpki.New(t),
		certs: map[string]testpki.Leaf{}, arns: map[string]string{}, logRoot: root}
	th.instPort = dpCommonPort(t, "127.0.8.1")
	th.backend = scHTTPBackend(t, "plain", at127x(8, 1, th.instPort))
	return th
}

// upload issues a leaf for names and uploads it under name and path.
func (th *tlsHarness) upload(name, path string, rsaKey bool, names ...string) string {
	th.t.Helper()
	leaf := th.pki.Leaf(th.t, rsaKey, names...)
	out, err := th.env.IAM(elbdtest.Admin).UploadServerCertificate(th.ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String(name), Path: aws.String(path),
		CertificateBody: aws.String(leaf.CertPEM), PrivateKey: aws.String(leaf.KeyPEM), CertificateChain: aws.String(leaf.ChainPEM)})
	th.must(err)
	th.certs[name] = leaf
	th.arns[name] = aws.ToString(out.ServerCertificateMetadata.Arn)
	return th.arns[name]
}

// httpsLB creates an HTTPS listener on a new port with the certificate
// arn, in front of the plain instance, and returns its address.
func (th *tlsHarness) httpsLB(name, arn string) (string, int32) {
	th.t.Helper()
	lp := newPortSeq().take()
	th.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String(name),
		Listeners: []types.Listener{{Protocol: aws.String("HTTPS"), LoadBalancerPort: lp, InstanceProtocol: aws.String("HTTP"),
			InstancePort: aws.Int32(th.instPort), SSLCertificateId: aws.String(arn)}},
		AvailabilityZones: []string{"us-east-1a"}})
	th.register(name, "127.0.8.1")
	th.applied()
	return at(th.lb(name).node(th.t, "us-east-1a"), lp), lp
}

// dialTLS connects to addr with cfg (RootCAs and ServerName defaulted).
func (th *tlsHarness) dialTLS(addr string, cfg *tls.Config) (*tls.Conn, error) {
	if cfg.RootCAs == nil {
		cfg.RootCAs = th.pki.Roots
	}
	if cfg.ServerName == "" {
		cfg.ServerName = tlsName
	}
	d := &net.Dialer{Timeout: 2 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(dpWait))
	return c, nil
}

// httpsClient returns a client that trusts the test PKI and sends every
// request for tlsName to addr.
func (th *tlsHarness) httpsClient(addr string, h2 bool, keepAlive bool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: th.pki.Roots},
		ForceAttemptHTTP2: h2,
		DisableKeepAlives: !keepAlive,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr, Timeout: dpWait}
}

// TestScenarioHTTPS uploads a certificate with its chain, serves it on an
// HTTPS listener and checks the served chain, the proxied request with
// X-Forwarded-Proto https, an SSL listener (TLS then TCP), and the
// ssl_cipher and ssl_protocol fields of the access log.
func TestScenarioHTTPS(t *testing.T) {
	th := startTLS(t)
	arn := th.upload("www", "/", false, tlsName)
	addr, lp := th.httpsLB("https", arn)
	th.attrs("https", &types.LoadBalancerAttributes{AccessLog: &types.AccessLog{Enabled: true, S3BucketName: aws.String("logs"), EmitInterval: aws.Int32(5)}})
	th.applied()

	c, err := th.dialTLS(addr, &tls.Config{})
	if err != nil {
		t.Fatalf("TLS to the HTTPS listener: %v", err)
	}
	st := c.ConnectionState()
	if len(st.PeerCertificates) != 2 || !st.PeerCertificates[0].Equal(th.certs["www"].Cert) ||
		st.PeerCertificates[1].Subject.CommonName != "elbd test intermediate" {
		t.Errorf("served chain: %d certificates, leaf %v", len(st.PeerCertificates), st.PeerCertificates[0].Subject)
	}
	if st.Version != tls.VersionTLS12 {
		t.Errorf("negotiated %x, want TLS 1.2 (Classic ELB never negotiates TLS 1.3)", st.Version)
	}
	io.WriteString(c, "GET /x HTTP/1.1\r\nHost: "+tlsName+"\r\nConnection: close\r\n\r\n")
	resp, err := io.ReadAll(c)
	if err != nil || !strings.HasPrefix(string(resp), "HTTP/1.1 200 ") || !strings.HasSuffix(string(resp), "plain") {
		t.Fatalf("HTTPS request: %q, %v", resp, err)
	}
	c.Close()

	// The SSL listener: TLS in front of a TCP instance.
	tcpPort := dpCommonPort(t, "127.0.8.2")
	dpTCPBackend(t, "t", at127x(8, 2, tcpPort))
	sp := newPortSeq().take()
	th.addListeners("https", types.Listener{Protocol: aws.String("SSL"), LoadBalancerPort: sp, InstanceProtocol: aws.String("TCP"),
		InstancePort: aws.Int32(tcpPort), SSLCertificateId: aws.String(arn)})
	th.register("https", "127.0.8.2")
	th.applied()
	sc, err := th.dialTLS(at(th.lb("https").node(t, "us-east-1a"), sp), &tls.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	buf := make([]byte, 2)
	if _, err := io.ReadFull(sc, buf); err != nil || string(buf) != "t\n" {
		t.Fatalf("SSL listener hello = %q, %v", buf, err)
	}
	io.WriteString(sc, "echo\n")
	line := make([]byte, 5)
	if _, err := io.ReadFull(sc, line); err != nil || string(line) != "echo\n" {
		t.Fatalf("SSL listener echo = %q, %v", line, err)
	}

	// The access log names the cipher and protocol.
	dir := filepath.Join(th.logRoot, "logs", "AWSLogs", elbdtest.AdminAccount, "elasticloadbalancing", elbdtest.Region)
	var f accesslog.Fields
	waitUntil(t, "an HTTPS access-log line", func() bool {
		for _, l := range readLogs(t, dir) {
			if p, err := accesslog.ParseLine(l); err == nil && p.Request != "- - - " {
				f = p
				return true
			}
		}
		return false
	})
	if f.Request != fmt.Sprintf("GET https://%s:%d/x HTTP/1.1", tlsName, lp) || f.SSLProtocol != "TLSv1.2" ||
		!strings.HasPrefix(f.SSLCipher, "ECDHE-ECDSA-") {
		t.Errorf("access-log line: request %q, cipher %q, protocol %q", f.Request, f.SSLCipher, f.SSLProtocol)
	}
	if seen := th.backend.lastProto(); seen != "https" {
		t.Errorf("X-Forwarded-Proto = %q, want https", seen)
	}
}

// TestScenarioTLSPolicies attaches every predefined security policy to an
// HTTPS listener (with an RSA certificate) and checks, through elbd, which
// protocol versions and which RSA cipher suites each accepts and refuses:
// exactly those its attributes enable, less what Go cannot serve (see
// docs/tls.md). It also checks that refused handshakes are counted and
// that TLS 1.3 needs the opt-in.
func TestScenarioTLSPolicies(t *testing.T) {
	th := startTLS(t)
	arn := th.upload("www", "/", true, tlsName)
	addr, lp := th.httpsLB("policies", arn)
	versions := map[string]uint16{"Protocol-TLSv1": tls.VersionTLS10, "Protocol-TLSv1.1": tls.VersionTLS11, "Protocol-TLSv1.2": tls.VersionTLS12}
	for _, p := range policy.Predefined() {
		t.Run(p.Name, func(t *testing.T) {
			enabled := map[string]bool{}
			for _, a := range p.Attributes {
				enabled[a.Name] = a.Value == "true"
			}
			name := "p-" + strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(p.Name, "ELBSecurityPolicy-"), "ELBSample-"))
			_, err := th.c.CreateLoadBalancerPolicy(th.ctx, &elbsdk.CreateLoadBalancerPolicyInput{
				LoadBalancerName: aws.String("policies"), PolicyName: aws.String(name), PolicyTypeName: aws.String("SSLNegotiationPolicyType"),
				PolicyAttributes: []types.PolicyAttribute{{AttributeName: aws.String("Reference-Security-Policy"), AttributeValue: aws.String(p.Name)}}})
			th.must(err)
			_, err = th.c.SetLoadBalancerPoliciesOfListener(th.ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
				LoadBalancerName: aws.String("policies"), LoadBalancerPort: lp, PolicyNames: []string{name}})
			th.must(err)
			th.applied()
			var top uint16
			for attr, v := range versions {
				c, err := th.dialTLS(addr, &tls.Config{MinVersion: v, MaxVersion: v, CipherSuites: everySuite()})
				if c != nil {
					c.Close()
				}
				if enabled[attr] != (err == nil) {
					t.Errorf("%s: handshake = %v, want accepted %v", attr, err, enabled[attr])
				}
				if enabled[attr] {
					top = max(top, v)
				}
			}
			for _, id := range everySuite() {
				cs := tlspolicy.CipherName(id)
				if !strings.HasPrefix(cs, "ECDHE-RSA-") && strings.Contains(cs, "ECDHE") {
					continue // the listener's certificate is RSA
				}
				c, err := th.dialTLS(addr, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: top, CipherSuites: []uint16{id}})
				if c != nil {
					c.Close()
				}
				want := enabled[cs] && suiteWorksAt(id, top)
				if want != (err == nil) {
					t.Errorf("%s (up to %s): handshake = %v, want accepted %v", cs, tlspolicy.ProtocolName(top), err, want)
				}
			}
			// TLS 1.3 is not offered without the opt-in.
			if c, err := th.dialTLS(addr, &tls.Config{MinVersion: tls.VersionTLS13}); err == nil {
				c.Close()
				t.Error("TLS 1.3 accepted without elbd.tls.tls13.enabled")
			}
		})
	}
	metricsURL := "http://" + th.env.Server.MetricsAddr().String() + "/metrics"
	key := `elbd_tls_handshake_errors_total{account="` + elbdtest.AdminAccount + `",load_balancer="policies",zone="us-east-1a"}`
	elbdtest.WaitScrape(t, metricsURL, "handshake errors counted", func(f map[string]float64) bool { return f[key] >= 5 })

	// With the opt-in, TLS 1.3 is negotiated.
	th.attrs("policies", &types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{
		{Key: aws.String("elbd.tls.tls13.enabled"), Value: aws.String("true")}}})
	th.applied()
	_, err := th.c.SetLoadBalancerPoliciesOfListener(th.ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
		LoadBalancerName: aws.String("policies"), LoadBalancerPort: lp, PolicyNames: []string{"p-2016-08"}})
	th.must(err)
	th.applied()
	c, err := th.dialTLS(addr, &tls.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("with elbd.tls.tls13.enabled: version %x, want TLS 1.3", v)
	}
	c.Close()
}

// TestScenarioCertificateRotation swaps an HTTPS listener's certificate
// during a bounded loop of new connections and keeps one keep-alive
// connection open across the swap: no request fails, new handshakes get
// the new certificate, and the established connection goes on.
func TestScenarioCertificateRotation(t *testing.T) {
	th := startTLS(t)
	oldARN := th.upload("old", "/", false, tlsName)
	newARN := th.upload("new", "/", true, tlsName)
	addr, lp := th.httpsLB("rotate", oldARN)
	keep := th.httpsClient(addr, false, true)
	get := func(c *http.Client) (*http.Response, error) {
		resp, err := c.Get("https://" + tlsName + "/")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	if _, err := get(keep); err != nil {
		t.Fatal(err)
	}
	var failed, sent atomic.Int64
	var sawNew atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		fresh := th.httpsClient(addr, false, false)
		onNew := 0
		deadline := time.Now().Add(dpWait)
		for i := 0; i < 2000 && time.Now().Before(deadline); i++ {
			sent.Add(1)
			resp, err := get(fresh)
			if err != nil || resp.StatusCode != 200 {
				failed.Add(1)
				continue
			}
			if resp.TLS.PeerCertificates[0].Equal(th.certs["new"].Cert) {
				sawNew.Store(true)
				if onNew++; onNew == 100 {
					return
				}
			}
		}
	}()
	waitUntil(t, "requests before the swap", func() bool { return sent.Load() > 20 })
	_, err := th.c.SetLoadBalancerListenerSSLCertificate(th.ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
		LoadBalancerName: aws.String("rotate"), LoadBalancerPort: lp, SSLCertificateId: aws.String(newARN)})
	th.must(err)
	<-done
	if failed.Load() != 0 || !sawNew.Load() {
		t.Errorf("%d of %d requests failed; new certificate seen: %v", failed.Load(), sent.Load(), sawNew.Load())
	}
	resp, err := get(keep)
	if err != nil || !resp.TLS.PeerCertificates[0].Equal(th.certs["old"].Cert) {
		t.Errorf("keep-alive connection across the swap: %v (want it still on the old certificate's connection)", err)
	}
	t.Logf("rotation: %d requests on new connections, %d failed", sent.Load(), failed.Load())
}

// TestScenarioBackendAuthentication puts an HTTPS listener in front of a
// TLS instance and checks ELB's back-end authentication: without a policy
// any certificate is accepted; with the instance's key pinned traffic and
// the HTTPS health check pass; with another key pinned both fail.
func TestScenarioBackendAuthentication(t *testing.T) {
	th := startTLS(t)
	arn := th.upload("www", "/", false, tlsName)
	instLeaf := th.pki.Leaf(t, false, "127.0.8.3")
	other := th.pki.Leaf(t, false, "127.0.8.3")
	port := dpCommonPort(t, "127.0.8.3")
	ln, err := tls.Listen("tcp", at127x(8, 3, port), &tls.Config{Certificates: []tls.Certificate{instLeaf.TLS}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	lp := newPortSeq().take()
	th.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("e2e"),
		Listeners: []types.Listener{{Protocol: aws.String("HTTPS"), LoadBalancerPort: lp, InstanceProtocol: aws.String("HTTPS"),
			InstancePort: aws.Int32(port), SSLCertificateId: aws.String(arn)}},
		AvailabilityZones: []string{"us-east-1a"}})
	th.scHealth("e2e", fmt.Sprintf("HTTPS:%d/health", port))
	th.register("e2e", "127.0.8.3")
	th.waitHealth("e2e", "127.0.8.3", hInService, dpWait)
	th.applied()
	addr := at(th.lb("e2e").node(t, "us-east-1a"), lp)
	client := th.httpsClient(addr, false, false)
	status := func() int {
		resp, err := client.Get("https://" + tlsName + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(); s != 200 {
		t.Fatalf("unauthenticated HTTPS instance: %d, want 200", s)
	}
	pin := func(spki []byte, name string) {
		_, err := th.c.CreateLoadBalancerPolicy(th.ctx, &elbsdk.CreateLoadBalancerPolicyInput{LoadBalancerName: aws.String("e2e"),
			PolicyName: aws.String(name + "-key"), PolicyTypeName: aws.String("PublicKeyPolicyType"),
			PolicyAttributes: []types.PolicyAttribute{{AttributeName: aws.String("PublicKey"), AttributeValue: aws.String(b64(spki))}}})
		th.must(err)
		_, err = th.c.CreateLoadBalancerPolicy(th.ctx, &elbsdk.CreateLoadBalancerPolicyInput{LoadBalancerName: aws.String("e2e"),
			PolicyName: aws.String(name + "-auth"), PolicyTypeName: aws.String("BackendServerAuthenticationPolicyType"),
			PolicyAttributes: []types.PolicyAttribute{{AttributeName: aws.String("PublicKeyPolicyName"), AttributeValue: aws.String(name + "-key")}}})
		th.must(err)
		_, err = th.c.SetLoadBalancerPoliciesForBackendServer(th.ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
			LoadBalancerName: aws.String("e2e"), InstancePort: aws.Int32(port), PolicyNames: []string{name + "-auth"}})
		th.must(err)
		th.applied()
	}
	pin(instLeaf.SPKI, "right")
	if s := status(); s != 200 {
		t.Errorf("instance key pinned: %d, want 200", s)
	}
	if got := th.health("e2e", "127.0.8.3"); got != hInService {
		t.Errorf("instance key pinned: health %q", got)
	}
	pin(other.SPKI, "wrong")
	th.waitHealth("e2e", "127.0.8.3", hFailed, dpWait)
	if s := status(); s == 200 {
		t.Error("instance with an unpinned key still served")
	}
}

// TestScenarioSNIAndHTTP2 enables elbd's SNI and HTTP/2 attributes: a
// client naming the second certificate's host gets it, others get the
// listener's; an HTTP/2 client is served over h2.
func TestScenarioSNIAndHTTP2(t *testing.T) {
	th := startTLS(t)
	arn := th.upload("www", "/sni/", false, tlsName)
	th.upload("api", "/sni/", true, sniName)
	th.upload("elsewhere", "/other/", false, "elsewhere.example.test")
	addr, _ := th.httpsLB("sni", arn)
	leafFor := func(name string) *tls.ConnectionState {
		c, err := th.dialTLS(addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("handshake for %s: %v", name, err)
		}
		defer c.Close()
		st := c.ConnectionState()
		return &st
	}
	if st := leafFor(sniName); !st.PeerCertificates[0].Equal(th.certs["www"].Cert) {
		t.Error("SNI off: the listener's certificate is not the one served")
	}
	th.attrs("sni", &types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{
		{Key: aws.String("elbd.tls.sni.enabled"), Value: aws.String("true")},
		{Key: aws.String("elbd.https.http2.enabled"), Value: aws.String("true")}}})
	th.applied()
	for name, want := range map[string]string{sniName: "api", tlsName: "www", "elsewhere.example.test": "www", "unknown.test": "www"} {
		if st := leafFor(name); !st.PeerCertificates[0].Equal(th.certs[want].Cert) {
			t.Errorf("SNI %s: served %v, want the %s certificate", name, st.PeerCertificates[0].DNSNames, want)
		}
	}
	resp, err := th.httpsClient(addr, true, true).Get("https://" + tlsName + "/h2")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 || string(body) != "plain" {
		t.Errorf("HTTP/2 request: %s %d %q", resp.Proto, resp.StatusCode, body)
	}
	if seen := th.backend.lastProto(); seen != "https" {
		t.Errorf("X-Forwarded-Proto over HTTP/2 = %q, want https", seen)
	}
}

// TestScenarioSessionTickets checks that with elbd.tls.sessiontickets.enabled
// a second connection resumes the first one's session, and not without.
func TestScenarioSessionTickets(t *testing.T) {
	th := startTLS(t)
	arn := th.upload("www", "/", false, tlsName)
	addr, _ := th.httpsLB("tickets", arn)
	resumes := func() bool {
		cache := tls.NewLRUClientSessionCache(4)
		resumed := false
		for range 2 {
			c, err := th.dialTLS(addr, &tls.Config{ClientSessionCache: cache})
			if err != nil {
				t.Fatal(err)
			}
			// A TLS 1.2 ticket arrives in the handshake; read nothing.
			resumed = c.ConnectionState().DidResume
			c.Close()
		}
		return resumed
	}
	if resumes() {
		t.Error("session resumed with tickets off")
	}
	th.attrs("tickets", &types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{
		{Key: aws.String("elbd.tls.sessiontickets.enabled"), Value: aws.String("true")}}})
	th.applied()
	if !resumes() {
		t.Error("session not resumed with tickets on")
	}
}

// TestScenarioTLSClients checks the HTTPS listener with openssl s_client
// and curl from Debian's packages.
func TestScenarioTLSClients(t *testing.T) {
	openssl, err1 := exec.LookPath("openssl")
	curl, err2 := exec.LookPath("curl")
	if err1 != nil || err2 != nil {
		if elbdtest.RequireInterop() {
			t.Fatalf("openssl or curl missing: %v %v", err1, err2)
		}
		t.Skip("openssl and curl are needed (apt-get install openssl curl)")
	}
	th := startTLS(t)
	arn := th.upload("www", "/", false, tlsName)
	addr, lp := th.httpsLB("clients", arn)
	host, _, _ := net.SplitHostPort(addr)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, th.pki.RootPEM)
	run := func(name string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), dpWait)
		defer cancel()
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		return string(out), err
	}
	out, err := run(curl, "-sS", "--cacert", ca, "--resolve", fmt.Sprintf("%s:%d:%s", tlsName, lp, host),
		fmt.Sprintf("https://%s:%d/curl", tlsName, lp))
	if err != nil || out != "plain" {
		t.Errorf("curl: %q, %v", out, err)
	}
	for _, tc := range []struct {
		flag string
		ok   bool
	}{{"-tls1_2", true}, {"-tls1_3", false}} {
		out, err := run(openssl, "s_client", "-connect", addr, "-servername", tlsName, "-CAfile", ca, tc.flag, "-brief")
		ok := err == nil && strings.Contains(out, "Verification: OK")
		if ok != tc.ok {
			t.Errorf("openssl s_client %s: ok %v, want %v\n%s", tc.flag, ok, tc.ok, out)
		}
	}
}

// everySuite lists every TLS 1.0–1.2 suite Go implements, insecure ones
// included: Go clients do not offer RSA key exchange by default, which
// the oldest policies need.
func everySuite() []uint16 {
	var ids []uint16
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		ids = append(ids, cs.ID)
	}
	return ids
}

// suiteWorksAt reports whether a client limited to versions up to top can
// negotiate suite id: the GCM and SHA-256 suites need TLS 1.2.
func suiteWorksAt(id uint16, top uint16) bool {
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if cs.ID == id {
			return slices.Contains(cs.SupportedVersions, top)
		}
	}
	return false
}
