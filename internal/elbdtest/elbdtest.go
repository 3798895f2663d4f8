// Package elbdtest starts a real elbd on loopback for tests, with a
// fixed topology (zones, subnets, security groups, a second account,
// instances) and aws-sdk-go-v2 clients pointed at it.
package elbdtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/elbd/elbd/internal/auth"
	"github.com/elbd/elbd/internal/config"
	"github.com/elbd/elbd/internal/server"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// Identities of the test topology.
const (
	Region        = "us-east-1"
	AdminAccount  = "123456789012"
	AdminKeyID    = "AKIDADMINEXAMPLE0001"
	AdminSecret   = "admin-secret-key-for-tests"
	OtherAccount  = "210987654321"
	OtherKeyID    = "AKIDOTHEREXAMPLE0002"
	OtherSecret   = "other-secret-key-for-tests"
	VPC           = "vpc-0test0001"
	OtherVPC      = "vpc-0test0002"
	SubnetA       = "subnet-0a000001"
	SubnetA2      = "subnet-0a000002" // second subnet in zone a
	SubnetB       = "subnet-0b000001"
	SubnetC       = "subnet-0c000001"
	SubnetPrivate = "subnet-0p000001" // no internet gateway, zone b
	SubnetOther   = "subnet-0o000001" // other VPC, zone c
	GroupDefault  = "sg-0default0001"
	GroupWeb      = "sg-0web000001"
	GroupOther    = "sg-0other00001" // other VPC
)

// Instances declared in the config file.
const (
	InstanceA       = "i-0aaaaaaaaaaaaaaa1"
	InstanceB       = "i-0bbbbbbbbbbbbbbb1"
	InstanceC       = "i-0ccccccccccccccc1"
	InstanceStopped = "i-0dddddddddddddd01"
	InstanceGone    = "i-0eeeeeeeeeeeeee01" // terminated
	InstanceOther   = "i-0fffffffffffffff1" // belongs to OtherAccount
)

// ConfigYAML is the test topology. Each test process gets its own /24
// address pool in 127/8 and kernel-chosen DNS and metrics ports, so that
// elbds started by test packages running in parallel do not collide
// (Server.DNSAddr and Server.MetricsAddr tell the ports).
var ConfigYAML = `
region: us-east-1
dns_domain: elb.test
dns_listen: "127.0.0.1:0"
metrics_listen: "127.0.0.1:0"
health_check_speedup: 20
address_pool: ` + AddressPool + `
` + topologyYAML

// AddressPool is this test process's load balancer address pool.
var AddressPool = fmt.Sprintf("127.%d.%d.0/24", 128+rand.IntN(120), rand.IntN(256))

const topologyYAML = `subnets:
  - {id: subnet-0a000001, zone: us-east-1a, vpc: vpc-0test0001, cidr: 10.0.1.0/24, ipv6_cidr: "fd00:1::/64"}
  - {id: subnet-0a000002, zone: us-east-1a, vpc: vpc-0test0001, cidr: 10.0.4.0/24}
  - {id: subnet-0b000001, zone: us-east-1b, vpc: vpc-0test0001, cidr: 10.0.2.0/24}
  - {id: subnet-0c000001, zone: us-east-1c, vpc: vpc-0test0001, cidr: 10.0.3.0/24}
  - {id: subnet-0p000001, zone: us-east-1b, vpc: vpc-0test0001, cidr: 10.0.5.0/24, public: false}
  - {id: subnet-0o000001, zone: us-east-1c, vpc: vpc-0test0002, cidr: 10.1.3.0/24}
security_groups:
  - {id: sg-0default0001, name: default, vpc: vpc-0test0001}
  - id: sg-0web000001
    name: web
    vpc: vpc-0test0001
    ingress: [{protocol: tcp, from_port: 80, to_port: 443, cidrs: [0.0.0.0/0]}]
  - {id: sg-0other00001, name: other, vpc: vpc-0test0002}
accounts:
  - id: "210987654321"
    name: other
    keys: [{access_key_id: AKIDOTHEREXAMPLE0002, secret_access_key: other-secret-key-for-tests}]
instances:
  - {id: i-0aaaaaaaaaaaaaaa1, zone: us-east-1a, ipv4: 127.0.1.1}
  - {id: i-0bbbbbbbbbbbbbbb1, zone: us-east-1b, ipv4: 127.0.1.2}
  - {id: i-0ccccccccccccccc1, zone: us-east-1c, ipv4: 127.0.1.3, ipv6: "::1"}
  - {id: i-0dddddddddddddd01, zone: us-east-1a, ipv4: 127.0.1.4, state: stopped}
  - {id: i-0eeeeeeeeeeeeee01, zone: us-east-1a, ipv4: 127.0.1.5, state: terminated}
  - {id: i-0fffffffffffffff1, zone: us-east-1a, ipv4: 127.0.1.6, account: "210987654321"}
`

// Env is a running elbd.
type Env struct {
	Server     *server.Server
	Endpoint   string
	DataDir    string
	ConfigPath string
	Config     *config.Config
}

// Option adjusts the configuration before start.
type Option func(env map[string]string, args *[]string)

// WithArgs appends command-line flags.
func WithArgs(extra ...string) Option {
	return func(_ map[string]string, args *[]string) { *args = append(*args, extra...) }
}

// Start runs elbd with the test topology on a random loopback port and
// stops it when the test ends. extraYAML is appended to the config file.
func Start(t testing.TB, extraYAML string, opts ...Option) *Env {
	t.Helper()
	dir := t.TempDir()
	return StartIn(t, dir, extraYAML, opts...)
}

// StartIn is Start with a chosen data directory, for restart tests.
func StartIn(t testing.TB, dir, extraYAML string, opts ...Option) *Env {
	t.Helper()
	cfgPath := filepath.Join(dir, "elbd.yaml")
	if err := os.WriteFile(cfgPath, []byte(ConfigYAML+extraYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		config.EnvAccessKeyID:     AdminKeyID,
		config.EnvSecretAccessKey: AdminSecret,
		config.EnvAccountID:       AdminAccount,
	}
	args := []string{"--config", cfgPath, "--data-dir", filepath.Join(dir, "data"), "--api-listen", "127.0.0.1:0"}
	for _, o := range opts {
		o(env, &args)
	}
	cfg, err := config.Load(args, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := server.Start(context.Background(), cfg, log, io.Discard)
	if err != nil {
		t.Fatalf("start elbd: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &Env{Server: s, Endpoint: "http://" + s.Addr().String(), DataDir: cfg.DataDir, ConfigPath: cfgPath, Config: cfg}
}

// Admin and Other are the two accounts' keys.
var (
	Admin = auth.Key{AccountID: AdminAccount, AccessKeyID: AdminKeyID, SecretAccessKey: AdminSecret}
	Other = auth.Key{AccountID: OtherAccount, AccessKeyID: OtherKeyID, SecretAccessKey: OtherSecret}
)

// AWSConfig returns an aws.Config for key aimed at nothing in particular;
// the clients below set the endpoint. Retries are off so that each call is
// one request and errors surface at once.
func AWSConfig(key auth.Key) aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		// The driver's client works around aws/aws-sdk-go-v2#2737, which
		// otherwise fails large responses from a fast local elbd.
		HTTPClient: elb.NewHTTPClient(),
	}
}

// ELB returns an ELB client signed with key.
func (e *Env) ELB(key auth.Key) *elasticloadbalancing.Client {
	return elasticloadbalancing.NewFromConfig(AWSConfig(key), func(o *elasticloadbalancing.Options) {
		o.BaseEndpoint = aws.String(e.Endpoint)
	})
}

// IAM returns an IAM client signed with key.
func (e *Env) IAM(key auth.Key) *iam.Client {
	return iam.NewFromConfig(AWSConfig(key), func(o *iam.Options) {
		o.BaseEndpoint = aws.String(e.Endpoint)
	})
}
