package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/elbdtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// binary is the elbctl built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "elbctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "elbctl")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building elbctl:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the elbctl binary against one endpoint with a controlled
// environment: its own HOME and AWS config files, the given keys and no
// instance-metadata lookups. Requests keep the SDK's retries: it retries
// the "use of closed network connection" reads it sometimes reports for
// large responses (aws/aws-sdk-go-v2#2737).
type cli struct {
	t        *testing.T
	endpoint string
	env      map[string]string
}

// result is one elbctl run.
type result struct {
	stdout, stderr string
	code           int
}

func newCLI(t *testing.T, endpoint, keyID, secret string) *cli {
	t.Helper()
	home := t.TempDir()
	return &cli{t: t, endpoint: endpoint, env: map[string]string{
		"HOME":                        home,
		"AWS_CONFIG_FILE":             filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ACCESS_KEY_ID":           keyID,
		"AWS_SECRET_ACCESS_KEY":       secret,
	}}
}

// startCLI starts elbd and returns a cli with the administrator key.
func startCLI(t *testing.T) *cli {
	t.Helper()
	env := elbdtest.Start(t, "")
	return newCLI(t, env.Endpoint, elbdtest.Admin.AccessKeyID, elbdtest.Admin.SecretAccessKey)
}

// with returns a copy of c with environment changes; "" deletes a
// variable.
func (c *cli) with(kv ...string) *cli {
	n := &cli{t: c.t, endpoint: c.endpoint, env: map[string]string{}}
	for k, v := range c.env {
		n.env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(n.env, kv[i])
		} else {
			n.env[kv[i]] = kv[i+1]
		}
	}
	return n
}

// run runs elbctl with --endpoint-url and args.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	if c.endpoint != "" {
		args = append([]string{"--endpoint-url", c.endpoint}, args...)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{}
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		c.t.Fatalf("running elbctl %v: %v", args, err)
	}
	return r
}

// ok runs elbctl and fails the test unless it exits 0.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("elbctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// json runs elbctl with -o json and decodes the output into v.
func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("elbctl %s -o json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// fail runs elbctl, wants exit code want, and checks that stderr has the
// "elbctl: " error line and contains every string in wantStderr.
func (c *cli) fail(want int, wantStderr []string, args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != want {
		c.t.Errorf("elbctl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "elbctl: ") || strings.Count(r.stderr, "\n") != 2 {
		c.t.Errorf("elbctl %s: stderr is not an error line plus a hint:\n%s", strings.Join(args, " "), r.stderr)
	}
	for _, s := range wantStderr {
		if !strings.Contains(r.stderr, s) {
			c.t.Errorf("elbctl %s: stderr lacks %q:\n%s", strings.Join(args, " "), s, r.stderr)
		}
	}
	if r.stdout != "" {
		c.t.Errorf("elbctl %s: failed but wrote to stdout:\n%s", strings.Join(args, " "), r.stdout)
	}
	return r
}

var (
	// dnsDigits are the generated digits of a DNS name.
	dnsDigits = regexp.MustCompile(`-(\d{6,})\.`)
	timestamp = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	certID    = regexp.MustCompile(`ASCA[A-Z0-9]{17}`)
)

// normalize replaces what changes between runs with same-length
// placeholders, keeping table columns aligned.
func normalize(s string) string {
	s = dnsDigits.ReplaceAllStringFunc(s, func(m string) string {
		return "-" + strings.Repeat("N", len(m)-2) + "."
	})
	s = timestamp.ReplaceAllString(s, "YYYY-MM-DDTHH:MM:SSZ")
	return certID.ReplaceAllString(s, "ASCAXXXXXXXXXXXXXXXXX")
}

// golden compares normalised output with testdata/name.golden, or
// rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = normalize(got)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run go test -update to accept):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t, "", "AKIDX", "secret")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus" for "elbctl"`},
		{[]string{"balancers", "bogus"}, `unknown command "bogus" for "elbctl balancers"`},
		{[]string{"balancers", "get"}, "accepts 1 arg(s), received 0"},
		{[]string{"balancers", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"balancers", "list", "-o", "xml"}, `invalid --output "xml"`},
		{[]string{"balancers", "create", "web"}, `"listener" not set`},
		{[]string{"balancers", "create", "web", "--listener", "ftp:21:21"}, "protocol must be http, https, tcp or ssl"},
		{[]string{"balancers", "create", "web", "--listener", "http:80:80", "--zones", "a", "--subnets", "b"}, "none of the others can be"},
		{[]string{"listeners", "delete", "web", "eighty"}, `"eighty" is not a port number`},
		{[]string{"health", "configure", "web"}, "nothing to configure"},
		{[]string{"attributes", "set", "web"}, "nothing to change"},
		{[]string{"inventory", "put", "i-1", "--zone", "us-east-1a", "--state", "asleep"}, `invalid --state "asleep"`},
		{[]string{"certificates", "upload", "web", "--body", "/nonexistent.pem", "--key", "/nonexistent.key"}, "--body: open /nonexistent.pem"},
		{[]string{"completion", "tcsh"}, `invalid argument "tcsh"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			sub := *c
			sub.t = t
			sub.fail(2, []string{tt.want, "--help' for usage"}, tt.args...)
		})
	}
}

func TestHelpAndCompletion(t *testing.T) {
	c := newCLI(t, "", "AKIDX", "secret")
	help := c.ok("--help")
	for _, s := range []string{"Exit codes:", "6  cannot reach the endpoint", "ELBD_ENDPOINT", "inventory", "certificates"} {
		if !strings.Contains(help, s) {
			t.Errorf("elbctl --help lacks %q", s)
		}
	}
	// Every command has help with an example.
	for _, args := range [][]string{
		{"balancers", "create"}, {"listeners", "create"}, {"members", "attach"}, {"inventory", "put"},
		{"health", "configure"}, {"policies", "create"}, {"attributes", "set"}, {"tags", "add"},
		{"zones", "enable"}, {"subnets", "attach"}, {"security-groups", "apply"},
		{"certificates", "upload"}, {"limits"}, {"protocols"}, {"completion"},
	} {
		out := c.ok(append(args, "--help")...)
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "elbctl "+strings.Join(args, " ")) {
			t.Errorf("elbctl %s --help lacks examples:\n%s", strings.Join(args, " "), out)
		}
	}
	for shell, want := range map[string]string{"bash": "bash completion V2 for elbctl", "zsh": "#compdef elbctl", "fish": "fish completion for elbctl"} {
		if out := c.ok("completion", shell); !strings.Contains(out, want) {
			t.Errorf("completion %s lacks %q", shell, want)
		}
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	// One attempt, so that the SDK does not back off and retry.
	c := newCLI(t, endpoint, "AKIDX", "secret").with("AWS_MAX_ATTEMPTS", "1")
	c.fail(6, []string{"cannot reach " + endpoint, "connection refused", "is elbd running at " + endpoint + "?"}, "balancers", "list")
	c.fail(6, []string{"is elbd running at " + endpoint + "?"}, "inventory", "list")
	// ELBD_ENDPOINT is the default for --endpoint-url.
	c.endpoint = ""
	c.with("ELBD_ENDPOINT", endpoint).fail(6, []string{"is elbd running at " + endpoint + "?"}, "limits")
}

func TestBadCredentials(t *testing.T) {
	c := startCLI(t)
	c.with("AWS_SECRET_ACCESS_KEY", "wrong-secret").fail(5,
		[]string{"elbctl: SignatureDoesNotMatch: ", "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"}, "balancers", "list")
	c.with("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN000000001").fail(5,
		[]string{"elbctl: InvalidClientTokenId: ", "check AWS_ACCESS_KEY_ID"}, "balancers", "list")
	c.with("AWS_SECRET_ACCESS_KEY", "").fail(5, []string{"AWS_SECRET_ACCESS_KEY is not"}, "balancers", "list")
	// The inventory admin API is for the administrator key only.
	c.with("AWS_ACCESS_KEY_ID", elbdtest.Other.AccessKeyID, "AWS_SECRET_ACCESS_KEY", elbdtest.Other.SecretAccessKey).fail(5,
		[]string{"elbctl: AccessDenied: ", "administrator key"}, "inventory", "list")
}

func TestProfiles(t *testing.T) {
	c := startCLI(t)
	creds := fmt.Sprintf("[elbd]\naws_access_key_id = %[1]s\naws_secret_access_key = %[2]s\n[wrongregion]\naws_access_key_id = %[1]s\naws_secret_access_key = %[2]s\n",
		elbdtest.Admin.AccessKeyID, elbdtest.Admin.SecretAccessKey)
	if err := os.WriteFile(c.env["AWS_SHARED_CREDENTIALS_FILE"], []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.env["AWS_CONFIG_FILE"], []byte("[profile elbd]\nregion = us-east-1\n[profile wrongregion]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnv := c.with("AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "")
	var bs []any
	noEnv.json(&bs, "--profile", "elbd", "balancers", "list")
	noEnv.with("AWS_PROFILE", "elbd").json(&bs, "balancers", "list")
	// --profile wins over environment keys.
	c.with("AWS_SECRET_ACCESS_KEY", "wrong").json(&bs, "--profile", "elbd", "balancers", "list")
	// An unknown profile is a credentials problem.
	noEnv.fail(5, []string{"nosuch"}, "--profile", "nosuch", "balancers", "list")
	// The region signs requests: elbd refuses the wrong one, whether it
	// comes from the profile, the flag or the environment; the flag wins.
	noEnv.fail(5, nil, "--profile", "wrongregion", "balancers", "list")
	noEnv.json(&bs, "--profile", "wrongregion", "--region", "us-east-1", "balancers", "list")
	c.fail(5, nil, "--region", "eu-west-1", "balancers", "list")
	c.with("AWS_REGION", "eu-west-1").fail(5, nil, "balancers", "list")
	c.with("AWS_DEFAULT_REGION", "eu-west-1").fail(5, nil, "balancers", "list")
	c.json(&bs, "--region", "us-east-1", "balancers", "list")
}

func TestBalancers(t *testing.T) {
	c := startCLI(t)
	golden(t, "balancers_list_empty", c.ok("balancers", "list"))
	out := c.ok("balancers", "create", "web", "--listener", "http:80:8080", "--listener", "tcp:2525:25",
		"--zones", "us-east-1a,us-east-1b", "--member", elbdtest.InstanceA, "--member", elbdtest.InstanceB, "--tag", "env=test", "--tag", "team=web")
	golden(t, "balancers_create", out)
	c.ok("balancers", "create", "api", "--listener", "http:80:http:8080", "--subnets", elbdtest.SubnetA+","+elbdtest.SubnetB,
		"--security-groups", elbdtest.GroupWeb, "--scheme", "internal")
	golden(t, "balancers_list", c.ok("balancers", "list"))
	golden(t, "balancers_get", c.ok("balancers", "get", "web"))

	var b struct {
		Name              string            `json:"name"`
		DNSName           string            `json:"dns_name"`
		Scheme            string            `json:"scheme"`
		VPCID             string            `json:"vpc_id"`
		AvailabilityZones []string          `json:"availability_zones"`
		Subnets           []string          `json:"subnets"`
		Instances         []string          `json:"instances"`
		Tags              map[string]string `json:"tags"`
		Listeners         []struct {
			Protocol     string `json:"protocol"`
			Port         int    `json:"port"`
			InstancePort int    `json:"instance_port"`
		} `json:"listeners"`
		HealthCheck struct {
			Target string `json:"target"`
		} `json:"health_check"`
	}
	c.json(&b, "balancers", "get", "web")
	if b.Name != "web" || !strings.HasPrefix(b.DNSName, "web-") || len(b.Instances) != 2 || b.Tags["team"] != "web" ||
		len(b.Listeners) != 2 || b.Listeners[0].Port != 80 || b.Listeners[0].InstancePort != 8080 || len(b.AvailabilityZones) != 2 {
		t.Errorf("balancers get web -o json = %+v", b)
	}
	c.json(&b, "balancers", "get", "api")
	if b.Scheme != "internal" || b.VPCID != elbdtest.VPC || len(b.Subnets) != 2 || len(b.Instances) != 0 {
		t.Errorf("balancers get api -o json = %+v", b)
	}
	// Shell completion offers balancer names.
	if out := c.ok("__complete", "balancers", "get", ""); !strings.Contains(out, "api\nweb\n") {
		t.Errorf("completion of balancer names = %q", out)
	}
	var list []map[string]any
	c.json(&list, "balancers", "list")
	if len(list) != 2 {
		t.Errorf("balancers list -o json has %d balancers, want 2", len(list))
	}

	r := c.fail(3, []string{"elbctl: LoadBalancerNotFound: ", "run 'elbctl balancers list' to see existing load balancers"}, "balancers", "get", "nosuch")
	golden(t, "error_not_found", r.stderr)
	c.fail(4, []string{"elbctl: DuplicateLoadBalancerName: "}, "balancers", "create", "web", "--listener", "http:80:8080")
	c.fail(4, []string{"elbctl: "}, "balancers", "create", "bad_name!", "--listener", "http:80:8080")

	var del map[string][]string
	c.json(&del, "balancers", "delete", "api")
	if len(del["deleted"]) != 1 {
		t.Errorf("balancers delete -o json = %v", del)
	}
	if got := c.ok("balancers", "delete", "web"); got != "Deleted load balancer web.\n" {
		t.Errorf("balancers delete web = %q", got)
	}
	golden(t, "balancers_list_empty", c.ok("balancers", "list"))
}

// writeCert writes a self-signed certificate and its key as PEM files
// and returns their paths.
func writeCert(t *testing.T, cn string) (certFile, keyFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     []string{cn},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, cn+".crt"), filepath.Join(dir, cn+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestListenersAndCertificates(t *testing.T) {
	c := startCLI(t)
	crt, key := writeCert(t, "web.example.test")
	crt2, key2 := writeCert(t, "web2.example.test")
	golden(t, "certificates_list_empty", c.ok("certificates", "list"))
	golden(t, "certificates_upload", c.ok("certificates", "upload", "web", "--body", crt, "--key", key))
	var cert struct {
		Name, ARN, Path, Expiration, Body string
	}
	c.json(&cert, "certificates", "upload", "web2", "--body", crt2, "--key", key2, "--path", "/elb/")
	if cert.Name != "web2" || !strings.HasPrefix(cert.ARN, "arn:aws:iam::") || cert.Path != "/elb/" || cert.Expiration != "2035-01-01T00:00:00Z" {
		t.Errorf("certificates upload -o json = %+v", cert)
	}
	arn2 := cert.ARN
	c.json(&cert, "certificates", "get", "web")
	if !strings.Contains(cert.Body, "BEGIN CERTIFICATE") {
		t.Errorf("certificates get -o json has no body: %+v", cert)
	}
	arn := cert.ARN
	if pemOut := c.ok("certificates", "get", "web", "--pem"); !strings.HasPrefix(pemOut, "-----BEGIN CERTIFICATE-----") {
		t.Errorf("certificates get --pem = %q", pemOut)
	}
	golden(t, "certificates_list", c.ok("certificates", "list"))
	var certs []map[string]any
	c.json(&certs, "certificates", "list", "--path-prefix", "/elb/")
	if len(certs) != 1 || certs[0]["name"] != "web2" {
		t.Errorf("certificates list --path-prefix /elb/ = %v", certs)
	}
	c.fail(4, []string{"elbctl: EntityAlreadyExists: "}, "certificates", "upload", "web", "--body", crt, "--key", key)
	c.fail(4, []string{"elbctl: KeyPairMismatch: ", "--key is the private key"}, "certificates", "upload", "mismatch", "--body", crt, "--key", key2)
	c.fail(3, []string{"elbctl: NoSuchEntity: ", "elbctl certificates list"}, "certificates", "get", "nosuch")

	c.ok("balancers", "create", "web", "--listener", "http:80:8080")
	out := c.ok("listeners", "create", "web", "https:443:http:8080:"+arn, "tcp:8443:8443")
	if out != "Added 2 listener(s) to web.\n" {
		t.Errorf("listeners create = %q", out)
	}
	golden(t, "listeners_list", c.ok("listeners", "list", "web"))
	c.fail(4, []string{"elbctl: DuplicateListener: "}, "listeners", "create", "web", "tcp:8443:9000")
	c.fail(3, []string{"elbctl: LoadBalancerNotFound: "}, "listeners", "create", "nosuch", "tcp:8443:9000")
	c.ok("listeners", "set-certificate", "web", "443", arn2)
	c.fail(3, []string{"elbctl: ListenerNotFound: "}, "listeners", "set-certificate", "web", "444", arn2)
	c.fail(4, []string{"elbctl: DeleteConflict: ", "detach the certificate"}, "certificates", "delete", "web2")
	c.ok("listeners", "delete", "web", "443", "8443")
	var ls []struct {
		Port int `json:"port"`
	}
	c.json(&ls, "listeners", "list", "web")
	if len(ls) != 1 || ls[0].Port != 80 {
		t.Errorf("listeners after delete = %+v", ls)
	}
	c.ok("certificates", "delete", "web2")
	c.ok("certificates", "delete", "web")
	golden(t, "certificates_list_empty", c.ok("certificates", "list"))
}

func TestMembersAndHealth(t *testing.T) {
	c := startCLI(t)
	c.ok("balancers", "create", "web", "--listener", "http:80:8080", "--zones", "us-east-1a,us-east-1b,us-east-1c")
	golden(t, "members_list_empty", c.ok("members", "list", "web"))
	c.ok("members", "attach", "web", elbdtest.InstanceA, elbdtest.InstanceB)
	var ms []struct {
		ID    string `json:"id"`
		Port  int    `json:"port"`
		State string `json:"state"`
	}
	c.json(&ms, "members", "list", "web")
	if len(ms) != 2 || ms[0].ID != elbdtest.InstanceA || ms[0].Port != 8080 || ms[0].State == "" {
		t.Errorf("members list -o json = %+v", ms)
	}
	var hs []struct {
		InstanceID string `json:"instance_id"`
		State      string `json:"state"`
	}
	c.json(&hs, "health", "show", "web")
	if len(hs) != 2 {
		t.Errorf("health show -o json = %+v", hs)
	}
	c.json(&hs, "health", "show", "web", elbdtest.InstanceB)
	if len(hs) != 1 || hs[0].InstanceID != elbdtest.InstanceB {
		t.Errorf("health show web %s -o json = %+v", elbdtest.InstanceB, hs)
	}
	if out := c.ok("health", "show", "web"); !strings.HasPrefix(out, "INSTANCE ") || !strings.Contains(out, elbdtest.InstanceA) {
		t.Errorf("health show table = %q", out)
	}
	golden(t, "health_configure", c.ok("health", "configure", "web", "--target", "HTTP:8080/health", "--interval", "10", "--timeout", "3"))
	var hc struct {
		Target           string `json:"target"`
		Interval         int    `json:"interval"`
		HealthyThreshold int    `json:"healthy_threshold"`
	}
	c.json(&hc, "health", "configure", "web", "--healthy-threshold", "3")
	if hc.Target != "HTTP:8080/health" || hc.Interval != 10 || hc.HealthyThreshold != 3 {
		t.Errorf("health configure keeps other settings: %+v", hc)
	}
	c.fail(4, []string{"elbctl: ValidationError: "}, "health", "configure", "web", "--interval", "1")
	c.fail(3, []string{"elbctl: InvalidInstance: ", "elbctl inventory list"}, "members", "attach", "web", "i-0000000000000bad1")
	c.fail(3, []string{"elbctl: LoadBalancerNotFound: "}, "members", "list", "nosuch")
	c.fail(3, []string{"elbctl: LoadBalancerNotFound: "}, "health", "show", "nosuch")
	c.ok("members", "detach", "web", elbdtest.InstanceB)
	c.json(&ms, "members", "list", "web")
	if len(ms) != 1 || ms[0].ID != elbdtest.InstanceA {
		t.Errorf("members after detach = %+v", ms)
	}
}

func TestPolicies(t *testing.T) {
	c := startCLI(t)
	c.ok("balancers", "create", "web", "--listener", "http:80:8080", "--listener", "tcp:9000:9000")
	golden(t, "policies_types", c.ok("policies", "types"))
	golden(t, "policies_types_proxy", c.ok("policies", "types", "ProxyProtocolPolicyType"))
	c.fail(3, []string{"elbctl: PolicyTypeNotFound: "}, "policies", "types", "NoSuchPolicyType")

	c.ok("policies", "create", "web", "proxy", "ProxyProtocolPolicyType", "--attr", "ProxyProtocol=true")
	c.ok("policies", "lb-cookie", "web", "sticky", "--expiration", "300")
	c.ok("policies", "app-cookie", "web", "app-sticky", "--cookie", "JSESSIONID")
	golden(t, "policies_list", c.ok("policies", "list", "web"))
	golden(t, "policies_list_named", c.ok("policies", "list", "web", "--name", "sticky"))
	var ps []struct {
		Name       string `json:"name"`
		Type       string `json:"type"`
		Attributes []struct{ Name, Value string }
	}
	c.json(&ps, "policies", "list", "web", "--name", "proxy")
	if len(ps) != 1 || ps[0].Type != "ProxyProtocolPolicyType" || len(ps[0].Attributes) != 1 || ps[0].Attributes[0].Value != "true" {
		t.Errorf("policies list --name proxy -o json = %+v", ps)
	}
	c.json(&ps, "policies", "list")
	if len(ps) == 0 || !strings.HasPrefix(ps[0].Name, "ELBSecurityPolicy-") {
		t.Errorf("predefined policies = %+v", ps)
	}
	c.fail(4, []string{"elbctl: DuplicatePolicyName: "}, "policies", "lb-cookie", "web", "sticky")

	c.ok("policies", "set-backend", "web", "9000", "proxy")
	c.ok("policies", "set-listener", "web", "80", "sticky")
	var b struct {
		Listeners []struct {
			Port     int      `json:"port"`
			Policies []string `json:"policies"`
		} `json:"listeners"`
		BackendServers []struct {
			InstancePort int      `json:"instance_port"`
			Policies     []string `json:"policies"`
		} `json:"backend_servers"`
	}
	c.json(&b, "balancers", "get", "web")
	if len(b.Listeners) == 0 || strings.Join(b.Listeners[0].Policies, ",") != "sticky" ||
		len(b.BackendServers) != 1 || b.BackendServers[0].InstancePort != 9000 {
		t.Errorf("policies not enabled: %+v", b)
	}
	c.fail(4, []string{"elbctl: InvalidConfigurationRequest: "}, "policies", "delete", "web", "proxy")
	c.fail(3, []string{"elbctl: PolicyNotFound: ", "elbctl policies list BALANCER"}, "policies", "set-listener", "web", "80", "nosuch")
	c.fail(3, []string{"elbctl: ListenerNotFound: "}, "policies", "set-listener", "web", "81", "sticky")
	if out := c.ok("policies", "set-backend", "web", "9000"); !strings.Contains(out, "Disabled all policies of instance port 9000") {
		t.Errorf("set-backend with no policies = %q", out)
	}
	c.ok("policies", "set-listener", "web", "80")
	c.json(&b, "balancers", "get", "web")
	if len(b.Listeners[0].Policies) != 0 || len(b.BackendServers) != 0 {
		t.Errorf("policies not disabled: %+v", b)
	}
	c.ok("policies", "delete", "web", "proxy")
	c.fail(3, []string{"elbctl: PolicyNotFound: "}, "policies", "list", "web", "--name", "proxy")
}

func TestAttributes(t *testing.T) {
	c := startCLI(t)
	c.ok("balancers", "create", "web", "--listener", "http:80:8080")
	golden(t, "attributes_get", c.ok("attributes", "get", "web"))
	golden(t, "attributes_set", c.ok("attributes", "set", "web", "--cross-zone", "--idle-timeout", "120",
		"--draining-timeout", "30", "--access-log-bucket", "logs", "--access-log-prefix", "web", "--access-log-interval", "5",
		"--desync-mode", "strictest"))
	var at struct {
		CrossZone          bool `json:"cross_zone_load_balancing"`
		IdleTimeout        int  `json:"idle_timeout"`
		ConnectionDraining struct {
			Enabled bool `json:"enabled"`
			Timeout int  `json:"timeout"`
		} `json:"connection_draining"`
		AccessLog struct {
			Enabled bool   `json:"enabled"`
			Bucket  string `json:"s3_bucket_name"`
		} `json:"access_log"`
		Desync string `json:"desync_mitigation_mode"`
	}
	c.json(&at, "attributes", "set", "web", "--draining=false", "--access-log=false")
	if !at.CrossZone || at.IdleTimeout != 120 || at.ConnectionDraining.Enabled || at.AccessLog.Enabled || at.Desync != "strictest" {
		t.Errorf("attributes set -o json = %+v", at)
	}
	c.json(&at, "attributes", "get", "web")
	if at.ConnectionDraining.Timeout != 30 {
		t.Errorf("draining timeout lost: %+v", at)
	}
	c.fail(4, []string{"elbctl: "}, "attributes", "set", "web", "--desync-mode", "paranoid")
	c.fail(4, []string{"elbctl: "}, "attributes", "set", "web", "--idle-timeout", "0")
	c.fail(3, []string{"elbctl: LoadBalancerNotFound: "}, "attributes", "get", "nosuch")
}

func TestTags(t *testing.T) {
	c := startCLI(t)
	c.ok("balancers", "create", "web", "--listener", "http:80:8080", "--tag", "env=test")
	c.ok("balancers", "create", "api", "--listener", "http:80:8080")
	c.ok("tags", "add", "web", "team=web", "owner=")
	c.ok("tags", "add", "api", "env=prod")
	golden(t, "tags_list", c.ok("tags", "list", "web", "api"))
	c.ok("tags", "remove", "web", "owner", "env")
	var tags map[string]map[string]string
	c.json(&tags, "tags", "list", "web", "api")
	if len(tags["web"]) != 1 || tags["web"]["team"] != "web" || tags["api"]["env"] != "prod" {
		t.Errorf("tags list -o json = %v", tags)
	}
	c.fail(2, []string{"invalid tag"}, "tags", "add", "web", "=x")
	c.fail(3, []string{"elbctl: LoadBalancerNotFound: "}, "tags", "list", "nosuch")
	c.fail(3, []string{"elbctl: LoadBalancerNotFound: "}, "tags", "add", "nosuch", "a=b")
}

func TestZonesSubnetsSecurityGroups(t *testing.T) {
	c := startCLI(t)
	c.ok("balancers", "create", "classic", "--listener", "http:80:8080", "--zones", "us-east-1a")
	var z struct {
		Zones []string `json:"availability_zones"`
	}
	c.json(&z, "zones", "enable", "classic", "us-east-1b", "us-east-1c")
	if len(z.Zones) != 3 {
		t.Errorf("zones enable -o json = %+v", z)
	}
	golden(t, "zones_disable", c.ok("zones", "disable", "classic", "us-east-1c"))
	c.fail(4, []string{"elbctl: "}, "zones", "disable", "classic", "us-east-1a", "us-east-1b")

	c.ok("balancers", "create", "vpc", "--listener", "http:80:8080", "--subnets", elbdtest.SubnetA)
	var s struct {
		Subnets []string `json:"subnets"`
	}
	c.json(&s, "subnets", "attach", "vpc", elbdtest.SubnetB)
	if len(s.Subnets) != 2 {
		t.Errorf("subnets attach -o json = %+v", s)
	}
	c.json(&s, "subnets", "detach", "vpc", elbdtest.SubnetB)
	if len(s.Subnets) != 1 || s.Subnets[0] != elbdtest.SubnetA {
		t.Errorf("subnets detach -o json = %+v", s)
	}
	c.fail(3, []string{"elbctl: SubnetNotFound: "}, "subnets", "attach", "vpc", "subnet-0nosuch00001")
	var g struct {
		Groups []string `json:"security_groups"`
	}
	c.json(&g, "security-groups", "apply", "vpc", elbdtest.GroupWeb, elbdtest.GroupDefault)
	if len(g.Groups) != 2 {
		t.Errorf("security-groups apply -o json = %+v", g)
	}
	c.fail(4, []string{"elbctl: InvalidSecurityGroup: "}, "security-groups", "apply", "vpc", elbdtest.GroupOther)
}

func TestInventory(t *testing.T) {
	c := startCLI(t)
	golden(t, "inventory_list", c.ok("inventory", "list"))
	golden(t, "inventory_put", c.ok("inventory", "put", "i-0123456789abcdef0", "--zone", "us-east-1b", "--ipv4", "127.0.2.1", "--state", "stopped"))
	var in struct {
		ID     string `json:"id"`
		Zone   string `json:"zone"`
		IPv4   string `json:"ipv4"`
		State  string `json:"state"`
		Source string `json:"source"`
	}
	c.json(&in, "inventory", "get", "i-0123456789abcdef0")
	if in.Zone != "us-east-1b" || in.IPv4 != "127.0.2.1" || in.State != "stopped" || in.Source != "api" {
		t.Errorf("inventory get -o json = %+v", in)
	}
	var all []map[string]string
	c.json(&all, "inventory", "list")
	if len(all) != 7 {
		t.Errorf("inventory list -o json has %d instances, want 7", len(all))
	}
	c.fail(4, []string{"elbctl: "}, "inventory", "put", "i-0123456789abcdef1", "--zone", "us-east-9z")
	// The new instance can be registered once it is running.
	c.ok("inventory", "put", "i-0123456789abcdef0", "--zone", "us-east-1b", "--ipv4", "127.0.2.1")
	c.ok("balancers", "create", "web", "--listener", "http:80:8080", "--zones", "us-east-1b", "--member", "i-0123456789abcdef0")
	c.ok("balancers", "delete", "web")
	c.ok("inventory", "delete", "i-0123456789abcdef0")
	c.fail(3, []string{"elbctl: InvalidInstance: "}, "inventory", "get", "i-0123456789abcdef0")
}

func TestLimitsAndProtocols(t *testing.T) {
	c := startCLI(t)
	golden(t, "limits", c.ok("limits"))
	golden(t, "protocols", c.ok("protocols"))
	var ls []struct{ Name, Max string }
	c.json(&ls, "limits")
	if len(ls) == 0 {
		t.Error("limits -o json is empty")
	}
	var ps []struct{ Protocol, Algorithm string }
	c.json(&ps, "protocols")
	if len(ps) != 4 {
		t.Errorf("protocols -o json = %+v", ps)
	}
}
