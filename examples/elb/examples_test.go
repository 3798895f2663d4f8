package examples_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/elbdtest"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// buildExamples compiles every example into a temporary directory.
func buildExamples(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found:", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "./...")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// exampleEnv is the process environment with the examples' variables set
// and every other AWS_* variable removed.
func exampleEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "ELBD_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

func runExample(t *testing.T, bin string, env []string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", bin, err)
	}
	return out.String(), errb.String(), code
}

func TestExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every example")
	}
	bins := buildExamples(t)
	srv := elbdtest.Start(t, "")
	env := exampleEnv(map[string]string{
		"ELBD_ENDPOINT":          srv.Endpoint,
		"AWS_ACCESS_KEY_ID":      elbdtest.AdminKeyID,
		"AWS_SECRET_ACCESS_KEY":  elbdtest.AdminSecret,
		"AWS_REGION":             elbdtest.Region,
		"ELBD_EXAMPLE_INSTANCES": "127.0.0.1," + elbdtest.InstanceA,
	})
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"create_connection", []string{"connected to " + srv.Endpoint, "in region us-east-1", "protocols: [tcp ssl http https]",
			"algorithms: [least-connections round-robin]", "credentials accepted: 0 load balancers"}},
		{"list_balancers", []string{"1 load balancers:", "<LoadBalancer: id=list-", "state=running", ".elb.test, port=80>", "cleaned up: load balancer list-"}},
		{"create_balancer", []string{"0 load balancers before", "created <LoadBalancer: id=MyLB-", "port=80>", "algorithm: least-connections",
			"member <Member: id=127.0.0.1, address=127.0.0.1:8080>", "member <Member: id=" + elbdtest.InstanceA + ", address=:8080>", "cleaned up: load balancer MyLB-"}},
		{"create_policy", []string{"created policy EnableProxyProtocol on policy-", "policy EnableProxyProtocol (ProxyProtocolPolicyType) ProxyProtocol=true"}},
		{"list_policies", []string{"<LoadBalancer: id=policies-", "policies: [EnableProxyProtocol]"}},
		{"list_policy_types", []string{"policy types: [", "ProxyProtocolPolicyType", "ProxyProtocolPolicyType: ProxyProtocol (Boolean, ONE)"}},
		{"delete_policy", []string{"deleted policy EnableProxyProtocol from delpolicy-", "policy EnableProxyProtocol is gone:", "PolicyNotFound"}},
		{"backend_server_policies", []string{"enabled: instance port 8080 policies [EnableProxyProtocol]", "disabled: no back-end server policies"}},
		{"create_listeners", []string{"uploaded certificate arn:aws:iam::123456789012:server-certificate/servercert-", "created listener 1024 on listeners-",
			"listener https:1024 -> http:65533 arn:aws:iam::", "listener http:80 -> http:80", "cleaned up: load balancer listeners-", "cleaned up: certificate servercert-"}},
		{"listener_policies", []string{"enabled: listener 80 policies [MyDurationStickyPolicy]", "disabled: listener 80 policies []"}},
		{"complete", []string{"step 1: 0 load balancers", "step 2: created <LoadBalancer: id=MyLB-", "with 2 members",
			"step 3: created policy EnableProxyProtocol; policies: [EnableProxyProtocol]", "step 3: deleted policy EnableProxyProtocol",
			"step 4: enabled MyProxyProtocol on instance port 8080", "step 4: disabled", "step 5: created listener 1024 with certificate arn:aws:iam::",
			"step 6: enabled MyDurationStickyPolicy on listener 80", "step 6: disabled", "final: listener https:1024 -> http:65533 policies [",
			"cleaned up: listener 1024", "cleaned up: certificate servercert-", "cleaned up: load balancer MyLB-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runExample(t, filepath.Join(bins, tc.name), env)
			t.Log(stdout)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
		})
	}

	// Every example cleaned up after itself.
	d := elb.NewFromConfig(elbdtest.AWSConfig(elbdtest.Admin), srv.Endpoint)
	ctx := context.Background()
	if bs, err := d.ListBalancers(ctx); err != nil || len(bs) != 0 {
		t.Errorf("balancers left behind: %v, %v", bs, err)
	}
	if cs, err := d.ListCertificates(ctx, ""); err != nil || len(cs) != 0 {
		t.Errorf("certificates left behind: %v, %v", cs, err)
	}
}

func TestExamplesFail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs examples")
	}
	bins := buildExamples(t)
	srv := elbdtest.Start(t, "")
	for _, tc := range []struct {
		name, example string
		vars          map[string]string
		want          string
	}{
		{"wrong secret", "create_connection", map[string]string{"ELBD_ENDPOINT": srv.Endpoint, "AWS_ACCESS_KEY_ID": elbdtest.AdminKeyID,
			"AWS_SECRET_ACCESS_KEY": "wrong"}, "SignatureDoesNotMatch"},
		{"unknown instance", "create_balancer", map[string]string{"ELBD_ENDPOINT": srv.Endpoint, "AWS_ACCESS_KEY_ID": elbdtest.AdminKeyID,
			"AWS_SECRET_ACCESS_KEY": elbdtest.AdminSecret, "ELBD_EXAMPLE_INSTANCES": elbdtest.InstanceGone}, "InvalidInstance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			tc.vars["AWS_CONFIG_FILE"] = filepath.Join(home, "config")
			tc.vars["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(home, "credentials")
			stdout, stderr, code := runExample(t, filepath.Join(bins, tc.example), exampleEnv(tc.vars))
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want 1 and %q (stdout %q)", code, stderr, tc.want, stdout)
			}
		})
	}
}
