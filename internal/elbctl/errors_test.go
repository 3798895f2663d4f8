package elbctl

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/elbd/elbd/loadbalancer"
)

func pe(code string, kind error) error {
	return &loadbalancer.ProviderError{Op: "Op", Code: code, Message: "msg", Kind: kind}
}

func TestExitCode(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("boom"), ExitFailure},
		{"usage", usageErrorf("bad"), ExitUsage},
		{"wrapped usage", fmt.Errorf("x: %w", usageErrorf("bad")), ExitUsage},
		{"not found kind", pe("LoadBalancerNotFound", loadbalancer.ErrNotFound), ExitNotFound},
		{"not found code only", pe("PolicyNotFound", nil), ExitNotFound},
		{"duplicate", pe("DuplicateLoadBalancerName", loadbalancer.ErrDuplicate), ExitInvalid},
		{"invalid", pe("ValidationError", loadbalancer.ErrInvalidInput), ExitInvalid},
		{"limit", pe("TooManyLoadBalancers", loadbalancer.ErrLimitExceeded), ExitInvalid},
		{"client-side invalid", fmt.Errorf("op: empty name: %w", loadbalancer.ErrInvalidInput), ExitInvalid},
		{"auth", pe("SignatureDoesNotMatch", loadbalancer.ErrAuth), ExitAuth},
		{"auth code only", pe("InvalidClientTokenId", nil), ExitAuth},
		{"credentials", &credentialsError{errors.New("none")}, ExitAuth},
		{"server error", pe("InternalFailure", nil), ExitFailure},
		{"refused", fmt.Errorf("operation error: %w", refused), ExitUnreachable},
		{"dns", &net.DNSError{Err: "no such host", Name: "elbd.invalid", IsNotFound: true}, ExitUnreachable},
		{"unreachable", &unreachableError{"http://x", refused}, ExitUnreachable},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestReport(t *testing.T) {
	tests := []struct {
		err  error
		want string
		code int
	}{
		{pe("LoadBalancerNotFound", loadbalancer.ErrNotFound),
			"elbctl: LoadBalancerNotFound: msg\nrun 'elbctl balancers list' to see existing load balancers\n", ExitNotFound},
		{pe("SignatureDoesNotMatch", loadbalancer.ErrAuth),
			"elbctl: SignatureDoesNotMatch: msg\ncheck AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the --profile credentials) and --region\n", ExitAuth},
		{pe("SomethingNew", nil), "elbctl: SomethingNew: msg\n", ExitFailure},
		{pe("SomethingNewNotFound", nil), "elbctl: SomethingNewNotFound: msg\ncheck the name or id; the list commands show what exists\n", ExitNotFound},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
			"elbctl: cannot reach http://elbd:9900: dial tcp: connection refused\nis elbd running at http://elbd:9900? set --endpoint-url or ELBD_ENDPOINT to use another endpoint\n", ExitUnreachable},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		a := &app{stderr: &stderr, opts: globalOptions{endpoint: "http://elbd:9900"}}
		if code := a.report(nil, tt.err); code != tt.code || stderr.String() != tt.want {
			t.Errorf("report(%v) = %d, %q; want %d, %q", tt.err, code, stderr.String(), tt.code, tt.want)
		}
	}
}

func TestClassifyCredentials(t *testing.T) {
	a := &app{}
	err := a.classify(errors.New("operation error Elastic Load Balancing: DescribeLoadBalancers, get identity: get credentials: failed to refresh cached credentials"))
	if exitCode(err) != ExitAuth {
		t.Errorf("credential failure classified as exit %d (%v)", exitCode(err), err)
	}
}
