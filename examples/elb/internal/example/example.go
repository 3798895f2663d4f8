// Package example holds what the ELB tutorial examples share: connecting
// from the environment, unique names, the instances to register, printing
// in libcloud's style and running a main with clean-up and exit codes.
package example

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// Defaults for the environment the examples read.
const (
	DefaultEndpoint  = "http://127.0.0.1:9900"
	DefaultRegion    = "us-east-1"
	DefaultInstances = "127.0.0.1"
)

// Getenv returns the variable k, or def if it is unset or empty.
func Getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Connect returns an ELB driver for ELBD_ENDPOINT (default
// http://127.0.0.1:9900), signed with AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (or, if those are unset, the default AWS
// credential chain) for AWS_REGION (default us-east-1). The
// create_connection example spells the same steps out.
func Connect(ctx context.Context) (*elb.Driver, error) {
	o := elb.Options{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Region:          Getenv("AWS_REGION", DefaultRegion),
		Endpoint:        Getenv("ELBD_ENDPOINT", DefaultEndpoint),
	}
	o.UseDefaultCredentials = o.AccessKeyID == ""
	return elb.New(ctx, o)
}

// Instances returns the instance ids in ELBD_EXAMPLE_INSTANCES (comma
// separated; default "127.0.0.1", an IP literal elbd accepts as an
// instance).
func Instances() []string {
	var out []string
	for _, s := range strings.Split(Getenv("ELBD_EXAMPLE_INSTANCES", DefaultInstances), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Members returns Instances as members on port.
func Members(port int) []loadbalancer.Member {
	var out []loadbalancer.Member
	for _, id := range Instances() {
		out = append(out, loadbalancer.Member{ID: id, Port: port})
	}
	return out
}

// UniqueName returns prefix plus a random suffix, a valid balancer name
// (at most 32 characters) that will not clash with other runs.
func UniqueName(prefix string) string {
	var b [3]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// Balancer formats b the way libcloud prints a LoadBalancer.
func Balancer(b loadbalancer.Balancer) string {
	return fmt.Sprintf("<LoadBalancer: id=%s, name=%s, state=%s, address=%s, port=%d>", b.ID, b.Name, b.State, b.Address, b.Port)
}

// Member formats m the way libcloud prints a Member.
func Member(m loadbalancer.Member) string {
	s := fmt.Sprintf("<Member: id=%s, address=%s:%d>", m.ID, m.IP, m.Port)
	if h := elb.HealthOf(m); h != nil {
		s += " " + h.State
	}
	return s
}

// Run runs body with a connected driver and exits: 0 on success, 1 with
// the error on stderr otherwise. Clean-ups registered with the returned
// Cleanup run in reverse order after body, also when it fails, and their
// failures make the exit code non-zero too.
func Run(body func(ctx context.Context, d *elb.Driver, c *Cleanup) error) {
	os.Exit(run(body))
}

func run(body func(ctx context.Context, d *elb.Driver, c *Cleanup) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Connect(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	code := 0
	c := &Cleanup{}
	if err := body(ctx, d, c); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		code = 1
	}
	if err := c.run(); err != nil {
		fmt.Fprintln(os.Stderr, "clean-up error:", err)
		code = 1
	}
	return code
}

// Cleanup collects clean-up steps.
type Cleanup struct {
	steps []step
}

type step struct {
	what string
	fn   func() error
}

// Add registers fn, described by what, to run after the example.
func (c *Cleanup) Add(what string, fn func() error) {
	c.steps = append(c.steps, step{what, fn})
}

func (c *Cleanup) run() error {
	var first error
	for i := len(c.steps) - 1; i >= 0; i-- {
		s := c.steps[i]
		if err := s.fn(); err != nil {
			if first == nil {
				first = fmt.Errorf("%s: %w", s.what, err)
			}
			continue
		}
		fmt.Println("cleaned up:", s.what)
	}
	return first
}

// SelfSignedCertificate returns a PEM certificate and private key for
// host, valid for a day, for examples that need an HTTPS listener.
func SelfSignedCertificate(host string) (certPEM, keyPEM string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), nil
}
