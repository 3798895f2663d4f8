// Package interop drives a real elbd binary with the clients people use
// against AWS: the AWS CLI, boto3 and Apache libcloud, all from Debian's
// packages (awscli, python3-boto3, python3-libcloud).
//
// Each test builds elbd once (with -race when the tests run with -race),
// starts it as a subprocess on a free loopback port with the elbdtest
// topology and its own data directory, and runs one client against it.
// Without the clients the tests skip with a message naming the missing
// package; with ELBD_REQUIRE_INTEROP=1 (set by CI) a missing client fails.
package interop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/elbdtest"
)

// Debian's packages install their programs here. The python3 and aws on
// PATH may be other installations (pyenv shims, pip) without the packages.
const (
	awsBin    = "/usr/bin/aws"
	pythonBin = "/usr/bin/python3"
)

// requireEnv makes a missing client a failure instead of a skip.
const requireEnv = "ELBD_REQUIRE_INTEROP"

var (
	tmpRoot string // removed by TestMain

)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "elbd-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	elbdtest.RemoveBinaries()
	os.Exit(code)
}

// repoRoot is the module root: the parent of this file's directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		candidates = append(candidates, filepath.Dir(filepath.Dir(file)))
	}
	if wd, err := os.Getwd(); err == nil { // go test runs in the package directory
		candidates = append(candidates, filepath.Dir(wd))
	}
	for _, dir := range candidates {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/elbd/elbd")) {
			return dir
		}
	}
	t.Fatalf("cannot find the elbd module root from %v", candidates)
	return ""
}

// requireClients skips (or, under ELBD_REQUIRE_INTEROP=1, fails) unless
// the named clients are installed. Names: "aws", "boto3", "libcloud".
func requireClients(t *testing.T, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		switch n {
		case "aws":
			if fi, err := os.Stat(awsBin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				missing = append(missing, "awscli ("+awsBin+" not found)")
			}
		case "boto3", "libcloud":
			pkg := map[string]string{"boto3": "python3-boto3", "libcloud": "python3-libcloud"}[n]
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			out, err := exec.CommandContext(ctx, pythonBin, "-c", "import "+n).CombinedOutput()
			cancel()
			if err != nil {
				missing = append(missing, fmt.Sprintf("%s (%s -c 'import %s': %v %s)", pkg, pythonBin, n, err, bytes.TrimSpace(lastLines(out, 1))))
			}
		default:
			t.Fatalf("unknown client %q", n)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "interop client missing: " + strings.Join(missing, "; ") +
		" — install with: apt-get install awscli python3-boto3 python3-libcloud"
	if os.Getenv(requireEnv) == "1" {
		t.Fatal(msg + " (" + requireEnv + "=1, so this is a failure)")
	}
	t.Skip(msg)
}

// buildElbd builds ./cmd/elbd once per test binary (with -race when the
// tests run with -race, so real client traffic is checked for races too).
func buildElbd(t *testing.T) string {
	t.Helper()
	return elbdtest.Binary(t, "github.com/elbd/elbd/cmd/elbd")
}

// elbdProc is a running elbd subprocess.
type elbdProc struct {
	t        *testing.T
	cmd      *exec.Cmd
	Endpoint string
	DataDir  string
	stdout   elbdtest.SyncBuffer
	stderr   elbdtest.SyncBuffer
	done     chan struct{} // closed when the process has exited
	waitErr  error
	stopOnce sync.Once
	discard  bool // failed to start: Stop only cleans up
}

// startElbd runs elbd with the test topology in dataDir. withCreds sets
// the administrator key from the environment (ELBD_ACCESS_KEY_ID etc.);
// without it elbd uses, or generates, the key stored in dataDir.
func startElbd(t *testing.T, dataDir string, withCreds bool) *elbdProc {
	t.Helper()
	bin := buildElbd(t)
	cfgDir := t.TempDir()
	cfgPath := filepath.Join(cfgDir, "elbd.yaml")
	if err := os.WriteFile(cfgPath, []byte(elbdtest.ConfigYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		p := &elbdProc{t: t, Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), DataDir: dataDir, done: make(chan struct{})}
		p.cmd = exec.Command(bin, "serve", "--config", cfgPath, "--data-dir", dataDir,
			"--api-listen", fmt.Sprintf("127.0.0.1:%d", port), "--log-level", "debug")
		p.cmd.Dir = cfgDir
		p.cmd.Env = elbdEnv(withCreds)
		p.cmd.Stdout = &p.stdout
		p.cmd.Stderr = &p.stderr
		start := time.Now()
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("start elbd: %v", err)
		}
		go func() { p.waitErr = p.cmd.Wait(); close(p.done) }()
		t.Cleanup(func() { p.Stop() })
		if err := p.waitReady(port, 30*time.Second); err != nil {
			p.discard = true // reported below, or retried
			p.Stop()
			lastErr = err
			if strings.Contains(p.stderr.String(), "address already in use") {
				continue // someone took the port between freePort and Listen
			}
			break
		}
		t.Logf("elbd pid %d ready at %s in %v (data dir %s)", p.cmd.Process.Pid, p.Endpoint, time.Since(start).Round(time.Millisecond), dataDir)
		return p
	}
	t.Fatalf("elbd did not start: %v", lastErr)
	return nil
}

// elbdEnv is the environment for elbd: ours minus any ELBD_* settings,
// plus the test topology's administrator key if withCreds.
func elbdEnv(withCreds bool) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ELBD_") && !strings.HasPrefix(kv, "GORACE=") {
			env = append(env, kv)
		}
	}
	// Report races but keep serving; Stop fails the test on a report.
	env = append(env, "GORACE=halt_on_error=0")
	if withCreds {
		env = append(env,
			"ELBD_ACCESS_KEY_ID="+elbdtest.AdminKeyID,
			"ELBD_SECRET_ACCESS_KEY="+elbdtest.AdminSecret,
			"ELBD_ACCOUNT_ID="+elbdtest.AdminAccount)
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the API port until it accepts connections, the process
// exits, or the deadline passes.
func (p *elbdProc) waitReady(port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		select {
		case <-p.done:
			return fmt.Errorf("elbd exited before listening (%v); stderr:\n%s", p.waitErr, p.stderr.String())
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 250*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("elbd not listening on %s after %v; stderr:\n%s", addr, timeout, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop sends SIGTERM and waits (bounded) for a clean exit; it kills elbd
// if it does not stop in time. It fails the test on an unclean exit or a
// data race report.
func (p *elbdProc) Stop() {
	p.stopOnce.Do(func() {
		t := p.t
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(20 * time.Second):
				t.Errorf("elbd pid %d did not stop within 20s of SIGTERM; killing it", p.cmd.Process.Pid)
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		}
		if p.discard {
			return
		}
		stderr := p.stderr.String()
		if p.waitErr != nil {
			t.Errorf("elbd exited uncleanly: %v", p.waitErr)
		}
		if strings.Contains(stderr, "WARNING: DATA RACE") {
			t.Errorf("the race detector reported a data race in elbd")
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("elbd stderr (last 40 lines):\n%s", lastLines([]byte(stderr), 40))
		}
	})
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}

// clientEnv is a clean environment for a client process: no ambient AWS
// configuration, a private HOME, no proxies for loopback.
func clientEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + home,
		"LANG=C.UTF-8",
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1",
		"NO_PROXY=127.0.0.1,localhost",
		"no_proxy=127.0.0.1,localhost",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_DEFAULT_REGION=" + elbdtest.Region,
		"AWS_PAGER=",
		"AWS_DEFAULT_OUTPUT=json",
		// One attempt per call: errors surface at once.
		"AWS_RETRY_MODE=standard",
		"AWS_MAX_ATTEMPTS=1",
	}
	return append(env, extra...)
}

type cmdResult struct {
	stdout, stderr string
	code           int
	dur            time.Duration
	timedOut       bool
}

// runCmd runs a client with a timeout. Callers check timedOut.
func runCmd(t *testing.T, timeout time.Duration, env []string, name string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := cmdResult{stdout: stdout.String(), stderr: stderr.String(), dur: time.Since(start)}
	if ctx.Err() != nil {
		r.timedOut, r.code = true, -1
		return r
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// testCerts writes a self-signed RSA-2048 certificate and key (PKCS#1) and
// a self-signed ECDSA P-256 certificate and key (SEC1) as PEM files.
type testCerts struct {
	RSACert, RSAKey, ECCert, ECKey string
}

func writeTestCerts(t *testing.T) testCerts {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	selfSign := func(cn string, pub, priv any) []byte {
		serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
		tmpl := &x509.Certificate{
			SerialNumber: serial,
			Subject:      pkix.Name{CommonName: cn, Organization: []string{"elbd interop"}},
			DNSNames:     []string{cn},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(90 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ekDER, err := x509.MarshalECPrivateKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	return testCerts{
		RSACert: write("rsa-cert.pem", "CERTIFICATE", selfSign("www.example.test", &rk.PublicKey, rk)),
		RSAKey:  write("rsa-key.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)),
		ECCert:  write("ec-cert.pem", "CERTIFICATE", selfSign("api.example.test", &ek.PublicKey, ek)),
		ECKey:   write("ec-key.pem", "EC PRIVATE KEY", ekDER),
	}
}

// pythonEnv is what the Python scripts read.
func pythonEnv(t *testing.T, p *elbdProc, certs testCerts) []string {
	return clientEnv(t,
		"INTEROP_ENDPOINT="+p.Endpoint,
		"INTEROP_REGION="+elbdtest.Region,
		"INTEROP_ACCOUNT_ID="+elbdtest.AdminAccount,
		"INTEROP_ACCESS_KEY_ID="+elbdtest.AdminKeyID,
		"INTEROP_SECRET_ACCESS_KEY="+elbdtest.AdminSecret,
		"INTEROP_OTHER_ACCESS_KEY_ID="+elbdtest.OtherKeyID,
		"INTEROP_OTHER_SECRET_ACCESS_KEY="+elbdtest.OtherSecret,
		"INTEROP_INSTANCE_A="+elbdtest.InstanceA,
		"INTEROP_INSTANCE_B="+elbdtest.InstanceB,
		"INTEROP_INSTANCE_C="+elbdtest.InstanceC,
		"INTEROP_INSTANCE_GONE="+elbdtest.InstanceGone,
		"INTEROP_INSTANCE_OTHER="+elbdtest.InstanceOther,
		"INTEROP_SUBNET_A="+elbdtest.SubnetA,
		"INTEROP_SUBNET_A2="+elbdtest.SubnetA2,
		"INTEROP_SUBNET_B="+elbdtest.SubnetB,
		"INTEROP_SUBNET_C="+elbdtest.SubnetC,
		"INTEROP_VPC="+elbdtest.VPC,
		"INTEROP_GROUP_DEFAULT="+elbdtest.GroupDefault,
		"INTEROP_GROUP_WEB="+elbdtest.GroupWeb,
		"INTEROP_RSA_CERT="+certs.RSACert,
		"INTEROP_RSA_KEY="+certs.RSAKey,
		"INTEROP_EC_CERT="+certs.ECCert,
		"INTEROP_EC_KEY="+certs.ECKey,
	)
}

// runPython runs one of the Python scripts next to this file and fails
// the test if it exits non-zero. Its output is logged either way.
func runPython(t *testing.T, script string, env []string) {
	t.Helper()
	path := filepath.Join(repoRoot(t), "interop", script)
	r := runCmd(t, 4*time.Minute, env, pythonBin, "-u", path)
	if r.timedOut {
		t.Errorf("%s timed out after %v", script, r.dur.Round(time.Second))
	}
	t.Logf("%s finished in %v with exit code %d\n--- stdout ---\n%s--- stderr ---\n%s", script, r.dur.Round(time.Millisecond), r.code, r.stdout, r.stderr)
	if r.code != 0 {
		t.Fatalf("%s failed (exit code %d); see the output above", script, r.code)
	}
}

func TestBoto3(t *testing.T) {
	requireClients(t, "boto3")
	p := startElbd(t, filepath.Join(t.TempDir(), "data"), true)
	runPython(t, "boto3_test.py", pythonEnv(t, p, writeTestCerts(t)))
}

func TestLibcloud(t *testing.T) {
	requireClients(t, "libcloud")
	p := startElbd(t, filepath.Join(t.TempDir(), "data"), true)
	runPython(t, "libcloud_test.py", pythonEnv(t, p, writeTestCerts(t)))
}

// awsCLI runs /usr/bin/aws against one elbd.
type awsCLI struct {
	t        *testing.T
	endpoint string
	env      []string
	calls    int
}

func newAWSCLI(t *testing.T, endpoint, keyID, secret string) *awsCLI {
	return &awsCLI{t: t, endpoint: endpoint, env: clientEnv(t,
		"AWS_ACCESS_KEY_ID="+keyID, "AWS_SECRET_ACCESS_KEY="+secret)}
}

func (c *awsCLI) run(timeout time.Duration, args ...string) cmdResult {
	c.t.Helper()
	c.calls++
	full := append(slices.Clone(args), "--endpoint-url", c.endpoint, "--output", "json")
	r := runCmd(c.t, timeout, c.env, awsBin, full...)
	c.t.Logf("$ aws %s  # exit %d, %v", shellQuote(args), r.code, r.dur.Round(time.Millisecond))
	return r
}

// ok runs a command that must succeed and returns its parsed JSON output
// (nil for commands that print nothing).
func (c *awsCLI) ok(args ...string) any {
	c.t.Helper()
	r := c.run(time.Minute, args...)
	if r.timedOut || r.code != 0 {
		c.t.Fatalf("aws %s: exit code %d (timed out: %v)\nstdout:\n%s\nstderr:\n%s", shellQuote(args), r.code, r.timedOut, r.stdout, r.stderr)
	}
	if strings.TrimSpace(r.stdout) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		c.t.Fatalf("aws %s: output is not JSON: %v\n%s", shellQuote(args), err, r.stdout)
	}
	return v
}

// fail runs a command that must fail with the AWS CLI's service-error exit
// code (254; 255 for older versions) and an error naming code.
func (c *awsCLI) fail(code string, args ...string) string {
	c.t.Helper()
	r := c.run(time.Minute, args...)
	if r.timedOut || (r.code != 254 && r.code != 255) {
		c.t.Fatalf("aws %s: exit code %d, want 254 or 255\nstdout:\n%s\nstderr:\n%s", shellQuote(args), r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "("+code+")") {
		c.t.Fatalf("aws %s: stderr does not name error %s:\n%s", shellQuote(args), code, r.stderr)
	}
	return r.stderr
}

func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \"'{}[]$*") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// jget walks parsed JSON by object keys (string) and array indexes (int).
func jget(t *testing.T, v any, path ...any) any {
	t.Helper()
	cur := v
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("jget %v: element %d is %T, not an object", path, i, cur)
			}
			if cur, ok = m[k]; !ok {
				t.Fatalf("jget %v: no key %q in %v", path, k, m)
			}
		case int:
			a, ok := cur.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("jget %v: element %d is %T of length %d, no index %d", path, i, cur, len(a), k)
			}
			cur = a[k]
		}
	}
	return cur
}

func jstr(t *testing.T, v any, path ...any) string {
	t.Helper()
	s, ok := jget(t, v, path...).(string)
	if !ok {
		t.Fatalf("jget %v: not a string: %v", path, jget(t, v, path...))
	}
	return s
}

func jnum(t *testing.T, v any, path ...any) int {
	t.Helper()
	f, ok := jget(t, v, path...).(float64)
	if !ok {
		t.Fatalf("jget %v: not a number: %v", path, jget(t, v, path...))
	}
	return int(f)
}

// jstrings collects field (or the element itself if field is "") of each
// element of the array at path.
func jstrings(t *testing.T, v any, field string, path ...any) []string {
	t.Helper()
	a, ok := jget(t, v, path...).([]any)
	if !ok {
		t.Fatalf("jget %v: not an array: %v", path, jget(t, v, path...))
	}
	out := []string{}
	for _, e := range a {
		if field != "" {
			e = jget(t, e, field)
		}
		s, ok := e.(string)
		if !ok {
			t.Fatalf("jget %v: element %v is not a string", path, e)
		}
		out = append(out, s)
	}
	return out
}

func wantStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func wantSet(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		t.Fatalf("%s = %q, want (in any order) %q", what, got, want)
	}
}

func TestAWSCLI(t *testing.T) {
	requireClients(t, "aws")
	started := time.Now()
	p := startElbd(t, filepath.Join(t.TempDir(), "data"), true)
	certs := writeTestCerts(t)
	aws := newAWSCLI(t, p.Endpoint, elbdtest.AdminKeyID, elbdtest.AdminSecret)
	const (
		lb       = "cli-web"
		certName = "cli-web-cert"
	)
	a, b := elbdtest.InstanceA, elbdtest.InstanceB
	certARN := "arn:aws:iam::" + elbdtest.AdminAccount + ":server-certificate/interop/" + certName

	// IAM: upload the certificate from files, as users do.
	up := aws.ok("iam", "upload-server-certificate", "--server-certificate-name", certName, "--path", "/interop/",
		"--certificate-body", "file://"+certs.RSACert, "--private-key", "file://"+certs.RSAKey)
	if got := jstr(t, up, "ServerCertificateMetadata", "Arn"); got != certARN {
		t.Fatalf("uploaded Arn = %q, want %q", got, certARN)
	}
	if exp, err := time.Parse(time.RFC3339, jstr(t, up, "ServerCertificateMetadata", "Expiration")); err != nil ||
		exp.Sub(time.Now().Add(90*24*time.Hour)).Abs() > 24*time.Hour {
		t.Fatalf("Expiration = %v (%v), want the certificate's NotAfter, 90 days from now", exp, err)
	}
	got := aws.ok("iam", "get-server-certificate", "--server-certificate-name", certName)
	if body := jstr(t, got, "ServerCertificate", "CertificateBody"); !strings.HasPrefix(body, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("CertificateBody = %q", body)
	}
	if _, leaked := jget(t, got, "ServerCertificate").(map[string]any)["PrivateKey"]; leaked {
		t.Fatal("get-server-certificate returned the private key")
	}
	list := aws.ok("iam", "list-server-certificates", "--path-prefix", "/interop/")
	wantStrings(t, "listed certificates", jstrings(t, list, "ServerCertificateName", "ServerCertificateMetadataList"), certName)
	aws.fail("EntityAlreadyExists", "iam", "upload-server-certificate", "--server-certificate-name", certName,
		"--certificate-body", "file://"+certs.RSACert, "--private-key", "file://"+certs.RSAKey)

	// A load balancer with HTTP and HTTPS listeners, two zones and tags.
	created := aws.ok("elb", "create-load-balancer", "--load-balancer-name", lb,
		"--listeners", "Protocol=HTTP,LoadBalancerPort=80,InstanceProtocol=HTTP,InstancePort=8080",
		"Protocol=HTTPS,LoadBalancerPort=443,InstanceProtocol=HTTP,InstancePort=8080,SSLCertificateId="+certARN,
		"--availability-zones", "us-east-1a", "us-east-1b",
		"--tags", "Key=env,Value=interop", "Key=owner,Value=cli")
	dns := jstr(t, created, "DNSName")
	if !strings.HasPrefix(dns, lb+"-") || !strings.HasSuffix(dns, ".us-east-1.elb.test") {
		t.Fatalf("DNSName = %q, want %s-<id>.us-east-1.elb.test", dns, lb)
	}
	for _, n := range []string{"cli-b1", "cli-b2", "cli-b3"} {
		aws.ok("elb", "create-load-balancer", "--load-balancer-name", n,
			"--listeners", "Protocol=TCP,LoadBalancerPort=25,InstancePort=2525", "--availability-zones", "us-east-1c")
	}
	all := []string{lb, "cli-b1", "cli-b2", "cli-b3"}

	// Describe: everything, then paged.
	d := aws.ok("elb", "describe-load-balancers")
	wantSet(t, "load balancers", jstrings(t, d, "LoadBalancerName", "LoadBalancerDescriptions"), all...)
	// Quirk of the AWS CLI (pinned for awscli 2.9): --page-size on
	// "aws elb describe-load-balancers" turns auto-pagination OFF, because
	// ELB's own PageSize parameter is also the paginator's limit_key, so
	// the CLI treats it as a manual paging argument
	// (awscli/customizations/paginate.py check_should_enable_pagination).
	// The CLI then prints one page and the server's NextMarker; we walk
	// the pages with --marker ourselves. boto3's paginator does the real
	// auto-pagination with PageSize (boto3_test.py).
	var paged []string
	marker, pages := "", 0
	for {
		args := []string{"elb", "describe-load-balancers", "--page-size", "2"}
		if marker != "" {
			args = append(args, "--marker", marker)
		}
		page := aws.ok(args...)
		pages++
		names := jstrings(t, page, "LoadBalancerName", "LoadBalancerDescriptions")
		if len(names) == 0 || len(names) > 2 {
			t.Fatalf("page %d has %d load balancers, want 1..2", pages, len(names))
		}
		paged = append(paged, names...)
		next, _ := page.(map[string]any)["NextMarker"].(string)
		if next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		marker = next
	}
	if pages != 2 {
		t.Fatalf("--page-size 2 over 4 load balancers took %d pages, want 2", pages)
	}
	wantSet(t, "paged load balancers", paged, all...)
	// The CLI's own pagination (--max-items / --starting-token) works.
	first := aws.ok("elb", "describe-load-balancers", "--max-items", "3")
	token := jstr(t, first, "NextToken")
	rest := aws.ok("elb", "describe-load-balancers", "--max-items", "3", "--starting-token", token)
	wantSet(t, "--max-items pages", append(jstrings(t, first, "LoadBalancerName", "LoadBalancerDescriptions"),
		jstrings(t, rest, "LoadBalancerName", "LoadBalancerDescriptions")...), all...)

	describe := func() any {
		t.Helper()
		return jget(t, aws.ok("elb", "describe-load-balancers", "--load-balancer-names", lb), "LoadBalancerDescriptions", 0)
	}
	desc := describe()
	wantStrings(t, "zones", jstrings(t, desc, "", "AvailabilityZones"), "us-east-1a", "us-east-1b")
	if s := jstr(t, desc, "Scheme"); s != "internet-facing" {
		t.Fatalf("Scheme = %q", s)
	}
	if jstr(t, desc, "DNSName") != dns || jstr(t, desc, "CanonicalHostedZoneNameID") == "" {
		t.Fatalf("DNS fields: %v", desc)
	}
	if l := jget(t, desc, "ListenerDescriptions", 1, "Listener"); jstr(t, l, "Protocol") != "HTTPS" || jnum(t, l, "LoadBalancerPort") != 443 ||
		jstr(t, l, "SSLCertificateId") != certARN {
		t.Fatalf("HTTPS listener = %v", l)
	}
	// New HTTPS listeners get the default security policy (elb-api.md §3.4).
	wantStrings(t, "HTTPS listener policies", jstrings(t, desc, "", "ListenerDescriptions", 1, "PolicyNames"), "ELBSecurityPolicy-2016-08")
	wantStrings(t, "OtherPolicies", jstrings(t, desc, "", "Policies", "OtherPolicies"), "ELBSecurityPolicy-2016-08")

	aws.ok("elb", "create-load-balancer-listeners", "--load-balancer-name", lb,
		"--listeners", "Protocol=TCP,LoadBalancerPort=3306,InstanceProtocol=TCP,InstancePort=3306")
	aws.fail("DuplicateListener", "elb", "create-load-balancer-listeners", "--load-balancer-name", lb,
		"--listeners", "Protocol=TCP,LoadBalancerPort=80,InstancePort=9999")

	hc := aws.ok("elb", "configure-health-check", "--load-balancer-name", lb,
		"--health-check", "Target=HTTP:8080/health,Interval=10,Timeout=5,UnhealthyThreshold=2,HealthyThreshold=3")
	if jstr(t, hc, "HealthCheck", "Target") != "HTTP:8080/health" || jnum(t, hc, "HealthCheck", "Interval") != 10 ||
		jnum(t, hc, "HealthCheck", "HealthyThreshold") != 3 {
		t.Fatalf("configure-health-check = %v", hc)
	}

	reg := aws.ok("elb", "register-instances-with-load-balancer", "--load-balancer-name", lb, "--instances", a, b)
	wantSet(t, "registered", jstrings(t, reg, "InstanceId", "Instances"), a, b)
	health := aws.ok("elb", "describe-instance-health", "--load-balancer-name", lb)
	states := jget(t, health, "InstanceStates").([]any)
	if len(states) != 2 {
		t.Fatalf("instance states = %v", states)
	}
	for _, s := range states {
		if st := jstr(t, s, "State"); st != "InService" && st != "OutOfService" && st != "Unknown" {
			t.Fatalf("instance state %q", st)
		}
	}
	aws.fail("InvalidInstance", "elb", "register-instances-with-load-balancer", "--load-balancer-name", lb, "--instances", "i-0123456789abcdef9")

	attrs := `{"ConnectionDraining":{"Enabled":true,"Timeout":60},"CrossZoneLoadBalancing":{"Enabled":true},` +
		`"ConnectionSettings":{"IdleTimeout":120},"AccessLog":{"Enabled":false}}`
	mod := aws.ok("elb", "modify-load-balancer-attributes", "--load-balancer-name", lb, "--load-balancer-attributes", attrs)
	if jstr(t, mod, "LoadBalancerName") != lb {
		t.Fatalf("modify-load-balancer-attributes = %v", mod)
	}
	da := aws.ok("elb", "describe-load-balancer-attributes", "--load-balancer-name", lb)
	if jget(t, da, "LoadBalancerAttributes", "ConnectionDraining", "Enabled") != true || jnum(t, da, "LoadBalancerAttributes", "ConnectionDraining", "Timeout") != 60 ||
		jget(t, da, "LoadBalancerAttributes", "CrossZoneLoadBalancing", "Enabled") != true ||
		jnum(t, da, "LoadBalancerAttributes", "ConnectionSettings", "IdleTimeout") != 120 ||
		jget(t, da, "LoadBalancerAttributes", "AccessLog", "Enabled") != false {
		t.Fatalf("describe-load-balancer-attributes = %v", da)
	}

	// Stickiness on the HTTP listener, then cleared with the CLI's "[]"
	// shorthand, which sends an empty PolicyNames list ("PolicyNames=").
	aws.ok("elb", "create-lb-cookie-stickiness-policy", "--load-balancer-name", lb, "--policy-name", "cli-sticky", "--cookie-expiration-period", "60")
	aws.ok("elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", lb, "--load-balancer-port", "80", "--policy-names", "cli-sticky")
	desc = describe()
	wantStrings(t, "port 80 policies", jstrings(t, desc, "", "ListenerDescriptions", 0, "PolicyNames"), "cli-sticky")
	if sp := jget(t, desc, "Policies", "LBCookieStickinessPolicies", 0); jstr(t, sp, "PolicyName") != "cli-sticky" || jnum(t, sp, "CookieExpirationPeriod") != 60 {
		t.Fatalf("LBCookieStickinessPolicies = %v", sp)
	}
	aws.ok("elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", lb, "--load-balancer-port", "80", "--policy-names", "[]")
	wantStrings(t, "port 80 policies after []", jstrings(t, describe(), "", "ListenerDescriptions", 0, "PolicyNames"))

	// Proxy protocol on the TCP listener's instance port.
	aws.ok("elb", "create-load-balancer-policy", "--load-balancer-name", lb, "--policy-name", "cli-proxy",
		"--policy-type-name", "ProxyProtocolPolicyType", "--policy-attributes", "AttributeName=ProxyProtocol,AttributeValue=true")
	aws.ok("elb", "set-load-balancer-policies-for-backend-server", "--load-balancer-name", lb, "--instance-port", "3306", "--policy-names", "cli-proxy")
	desc = describe()
	if bs := jget(t, desc, "BackendServerDescriptions", 0); jnum(t, bs, "InstancePort") != 3306 {
		t.Fatalf("BackendServerDescriptions = %v", bs)
	}
	wantStrings(t, "backend 3306 policies", jstrings(t, desc, "", "BackendServerDescriptions", 0, "PolicyNames"), "cli-proxy")
	wantSet(t, "OtherPolicies", jstrings(t, desc, "", "Policies", "OtherPolicies"), "ELBSecurityPolicy-2016-08", "cli-proxy")
	pol := aws.ok("elb", "describe-load-balancer-policies", "--load-balancer-name", lb, "--policy-names", "cli-proxy")
	if pd := jget(t, pol, "PolicyDescriptions", 0); jstr(t, pd, "PolicyTypeName") != "ProxyProtocolPolicyType" ||
		jstr(t, pd, "PolicyAttributeDescriptions", 0, "AttributeName") != "ProxyProtocol" ||
		jstr(t, pd, "PolicyAttributeDescriptions", 0, "AttributeValue") != "true" {
		t.Fatalf("describe-load-balancer-policies cli-proxy = %v", pd)
	}
	aws.fail("InvalidConfigurationRequest", "elb", "delete-load-balancer-policy", "--load-balancer-name", lb, "--policy-name", "cli-proxy")
	aws.fail("PolicyNotFound", "elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", lb, "--load-balancer-port", "80", "--policy-names", "cli-nope")

	// Predefined policies (no load balancer name) and policy types.
	pre := aws.ok("elb", "describe-load-balancer-policies")
	preNames := jstrings(t, pre, "PolicyName", "PolicyDescriptions")
	for _, n := range []string{"ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-2011-08"} {
		if !slices.Contains(preNames, n) {
			t.Fatalf("predefined policies %q lack %s", preNames, n)
		}
	}
	for _, pt := range jstrings(t, pre, "PolicyTypeName", "PolicyDescriptions") {
		if pt != "SSLNegotiationPolicyType" {
			t.Fatalf("predefined policy of type %s", pt)
		}
	}
	types := aws.ok("elb", "describe-load-balancer-policy-types")
	wantSet(t, "policy types", jstrings(t, types, "PolicyTypeName", "PolicyTypeDescriptions"),
		"SSLNegotiationPolicyType", "BackendServerAuthenticationPolicyType", "PublicKeyPolicyType",
		"AppCookieStickinessPolicyType", "LBCookieStickinessPolicyType", "ProxyProtocolPolicyType")
	pp := aws.ok("elb", "describe-load-balancer-policy-types", "--policy-type-names", "ProxyProtocolPolicyType")
	if ad := jget(t, pp, "PolicyTypeDescriptions", 0, "PolicyAttributeTypeDescriptions", 0); jstr(t, ad, "AttributeName") != "ProxyProtocol" ||
		jstr(t, ad, "AttributeType") != "Boolean" || jstr(t, ad, "Cardinality") != "ONE" {
		t.Fatalf("ProxyProtocol attribute type = %v", ad)
	}

	// Tags. remove-tags takes bare keys in shorthand ("--tags cost"): its
	// element has the single member Key, and for single-member structures
	// the CLI shorthand is the value alone; "Key=cost" would remove a tag
	// literally named "Key=cost".
	aws.ok("elb", "add-tags", "--load-balancer-names", lb, "--tags", "Key=team,Value=web", "Key=cost,Value=42")
	tags := aws.ok("elb", "describe-tags", "--load-balancer-names", lb)
	wantSet(t, "tag keys", jstrings(t, tags, "Key", "TagDescriptions", 0, "Tags"), "env", "owner", "team", "cost")
	aws.ok("elb", "remove-tags", "--load-balancer-names", lb, "--tags", "cost", "owner")
	tags = aws.ok("elb", "describe-tags", "--load-balancer-names", lb, "cli-b1")
	wantStrings(t, "tagged load balancers", jstrings(t, tags, "LoadBalancerName", "TagDescriptions"), lb, "cli-b1")
	wantSet(t, "tag keys after remove", jstrings(t, tags, "Key", "TagDescriptions", 0, "Tags"), "env", "team")
	wantStrings(t, "cli-b1 tags", jstrings(t, tags, "Key", "TagDescriptions", 1, "Tags"))

	// Zones.
	z := aws.ok("elb", "enable-availability-zones-for-load-balancer", "--load-balancer-name", lb, "--availability-zones", "us-east-1c")
	wantSet(t, "zones after enable", jstrings(t, z, "", "AvailabilityZones"), "us-east-1a", "us-east-1b", "us-east-1c")
	z = aws.ok("elb", "disable-availability-zones-for-load-balancer", "--load-balancer-name", lb, "--availability-zones", "us-east-1a")
	wantSet(t, "zones after disable", jstrings(t, z, "", "AvailabilityZones"), "us-east-1b", "us-east-1c")

	limits := aws.ok("elb", "describe-account-limits")
	wantSet(t, "limits", jstrings(t, limits, "Name", "Limits"), "classic-load-balancers", "classic-listeners", "classic-registered-instances")
	for _, l := range jget(t, limits, "Limits").([]any) {
		if n, err := strconv.Atoi(jstr(t, l, "Max")); err != nil || n <= 0 {
			t.Fatalf("limit %v: Max is not a positive number", l)
		}
	}

	// Deregister, then wait for it with the CLI's waiter. The waiter polls
	// DescribeInstanceHealth every 15 s; it is only exercised when the first
	// poll already succeeds (which it should: the instance is deregistered).
	dereg := aws.ok("elb", "deregister-instances-from-load-balancer", "--load-balancer-name", lb, "--instances", a)
	wantStrings(t, "remaining instances", jstrings(t, dereg, "InstanceId", "Instances"), b)
	ih := aws.ok("elb", "describe-instance-health", "--load-balancer-name", lb, "--instances", a)
	if st := jstr(t, ih, "InstanceStates", 0, "State"); st != "OutOfService" {
		t.Fatalf("deregistered instance state = %q, want OutOfService", st)
	}
	switch r := aws.run(10*time.Second, "elb", "wait", "instance-deregistered", "--load-balancer-name", lb, "--instances", a); {
	case r.timedOut:
		t.Logf("skipped: aws elb wait instance-deregistered did not finish within 10s (its next poll is 15 s after the first)")
	case r.code != 0:
		t.Fatalf("aws elb wait instance-deregistered: exit %d\n%s", r.code, r.stderr)
	}

	// Undo the back-end policy and remove the TCP listener.
	aws.ok("elb", "set-load-balancer-policies-for-backend-server", "--load-balancer-name", lb, "--instance-port", "3306", "--policy-names", "[]")
	aws.ok("elb", "delete-load-balancer-policy", "--load-balancer-name", lb, "--policy-name", "cli-proxy")
	aws.ok("elb", "delete-load-balancer-listeners", "--load-balancer-name", lb, "--load-balancer-ports", "3306")
	desc = describe()
	if n := len(jget(t, desc, "ListenerDescriptions").([]any)); n != 2 {
		t.Fatalf("%d listeners after deleting 3306, want 2", n)
	}
	if n := len(jget(t, desc, "BackendServerDescriptions").([]any)); n != 0 {
		t.Fatalf("BackendServerDescriptions after [] = %v", jget(t, desc, "BackendServerDescriptions"))
	}

	// Errors.
	stderr := aws.fail("LoadBalancerNotFound", "elb", "describe-load-balancers", "--load-balancer-names", "cli-nope")
	if !strings.Contains(stderr, "LoadBalancerNotFound") {
		t.Fatalf("stderr = %q", stderr)
	}
	aws.fail("DeleteConflict", "iam", "delete-server-certificate", "--server-certificate-name", certName)
	bad := newAWSCLI(t, p.Endpoint, elbdtest.AdminKeyID, "not-the-secret")
	bad.fail("SignatureDoesNotMatch", "elb", "describe-load-balancers")
	other := newAWSCLI(t, p.Endpoint, elbdtest.OtherKeyID, elbdtest.OtherSecret)
	wantStrings(t, "other account's load balancers", jstrings(t, other.ok("elb", "describe-load-balancers"), "LoadBalancerName", "LoadBalancerDescriptions"))

	// Clean up: delete is idempotent, and the certificate is free again.
	for _, n := range all {
		aws.ok("elb", "delete-load-balancer", "--load-balancer-name", n)
	}
	aws.ok("elb", "delete-load-balancer", "--load-balancer-name", lb)
	wantStrings(t, "load balancers after delete", jstrings(t, aws.ok("elb", "describe-load-balancers"), "LoadBalancerName", "LoadBalancerDescriptions"))
	aws.ok("iam", "delete-server-certificate", "--server-certificate-name", certName)
	aws.fail("NoSuchEntity", "iam", "get-server-certificate", "--server-certificate-name", certName)
	t.Logf("TestAWSCLI: %d aws invocations in %v", aws.calls+bad.calls+other.calls, time.Since(started).Round(time.Millisecond))
}

func TestFirstStartBanner(t *testing.T) {
	requireClients(t, "aws")
	dataDir := filepath.Join(t.TempDir(), "data")

	p := startElbd(t, dataDir, false)
	var banner string
	deadline := time.Now().Add(15 * time.Second)
	for banner = p.stdout.String(); !strings.Contains(banner, "aws elb describe-load-balancers --endpoint-url"); banner = p.stdout.String() {
		if time.Now().After(deadline) {
			t.Fatalf("no first-start banner on stdout within 15s; stdout:\n%s\nstderr:\n%s", banner, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the rest of the banner arrive (it is one write, but be safe).
	time.Sleep(100 * time.Millisecond)
	banner = p.stdout.String()
	t.Logf("banner:\n%s", banner)

	exports := map[string]string{}
	var example []string
	sc := bufio.NewScanner(strings.NewReader(banner))
	exportRE := regexp.MustCompile(`^\s*export ([A-Z_]+)=(\S+)\s*$`)
	for sc.Scan() {
		line := sc.Text()
		if m := exportRE.FindStringSubmatch(line); m != nil {
			exports[m[1]] = m[2]
		}
		if f := strings.Fields(line); len(f) >= 4 && f[0] == "aws" && f[1] == "elb" && f[2] == "describe-load-balancers" {
			example = f
		}
	}
	keyID, secret := exports["AWS_ACCESS_KEY_ID"], exports["AWS_SECRET_ACCESS_KEY"]
	if keyID == "" || secret == "" {
		t.Fatalf("banner lacks 'export AWS_ACCESS_KEY_ID=' / 'export AWS_SECRET_ACCESS_KEY=' lines:\n%s", banner)
	}
	if !regexp.MustCompile(`^[A-Z0-9]{16,128}$`).MatchString(keyID) {
		t.Fatalf("generated access key id %q is not [A-Z0-9]{16,128}", keyID)
	}
	if example == nil || !slices.Contains(example, "--endpoint-url") || example[len(example)-1] != p.Endpoint {
		t.Fatalf("banner's example command %q does not end in --endpoint-url %s", example, p.Endpoint)
	}
	if strings.Contains(p.stderr.String(), secret) {
		t.Fatal("the generated secret appears in elbd's log (stderr)")
	}

	// The key is stored in the data directory with mode 0600.
	keyFile := findKeyFile(t, dataDir, keyID, secret)
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", keyFile, fi.Mode().Perm())
	}

	// Paste the banner: its exports plus its example command.
	env := clientEnv(t)
	for k, v := range exports {
		env = append(env, k+"="+v)
	}
	r := runCmd(t, time.Minute, env, awsBin, example[1:]...)
	if r.timedOut || r.code != 0 {
		t.Fatalf("banner example %q: exit %d\n%s", example, r.code, r.stderr)
	}
	var out struct{ LoadBalancerDescriptions []any }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.LoadBalancerDescriptions == nil {
		t.Fatalf("banner example printed %q (%v)", r.stdout, err)
	}
	p.Stop()

	// Restart on the same data directory: no banner, the same key works.
	p2 := startElbd(t, dataDir, false)
	aws := newAWSCLI(t, p2.Endpoint, keyID, secret)
	aws.ok("elb", "create-load-balancer", "--load-balancer-name", "banner-check",
		"--listeners", "Protocol=HTTP,LoadBalancerPort=80,InstancePort=80", "--availability-zones", "us-east-1a")
	wantStrings(t, "load balancers", jstrings(t, aws.ok("elb", "describe-load-balancers"), "LoadBalancerName", "LoadBalancerDescriptions"), "banner-check")
	p2.Stop() // all output is in once the process has exited
	if s := p2.stdout.String(); strings.Contains(s, "AWS_SECRET_ACCESS_KEY") || strings.Contains(s, secret) {
		t.Fatalf("second start printed the banner / secret again:\n%s", s)
	}
	if strings.Contains(p2.stderr.String(), secret) {
		t.Fatal("the stored secret appears in elbd's log (stderr) on restart")
	}
	if findKeyFile(t, dataDir, keyID, secret) != keyFile {
		t.Fatal("the key file moved on restart")
	}
}

// findKeyFile returns the one file under dataDir holding keyID and secret.
func findKeyFile(t *testing.T, dataDir, keyID, secret string) string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if fi, err := d.Info(); err != nil || fi.Size() > 1<<20 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(keyID)) && bytes.Contains(b, []byte(secret)) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("files in %s holding the generated key: %q, want exactly one", dataDir, found)
	}
	return found[0]
}
