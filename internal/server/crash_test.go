package server_test

// Crash and restart tests against the real elbd binary: build cmd/elbd,
// run it as a subprocess on a data directory, kill it (SIGKILL) in the
// middle of a burst of writes or stop it cleanly (SIGTERM), start it again
// on the same directory and check what survived.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"

	"github.com/elbd/elbd/internal/auth"
	"github.com/elbd/elbd/internal/config"
	"github.com/elbd/elbd/internal/elbdtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	elbdtest.RemoveBinaries()
	os.Exit(code)
}

// binary builds cmd/elbd once per test binary.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the elbd binary; skipped with -short")
	}
	return elbdtest.Binary(t, "github.com/elbd/elbd/cmd/elbd")
}

// proc is one running elbd subprocess.
type proc struct {
	cmd      *exec.Cmd
	endpoint string
	out      *elbdtest.SyncBuffer
	done     chan struct{} // closed when the process has exited
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig and waits (bounded) for the process to exit.
func (p *proc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if p.exited() {
		t.Fatalf("elbd exited before %v:\n%s", sig, p.out.String())
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("elbd did not exit within 20s of %v:\n%s", sig, p.out.String())
	}
}

func (p *proc) elb() *elbsdk.Client { return p.elbAs(elbdtest.Admin) }

func (p *proc) elbAs(key auth.Key) *elbsdk.Client {
	return elbsdk.NewFromConfig(awsConfig(key), func(o *elbsdk.Options) {
		o.BaseEndpoint = aws.String(p.endpoint)
	})
}

func (p *proc) iam() *iam.Client {
	return iam.NewFromConfig(awsConfig(elbdtest.Admin), func(o *iam.Options) {
		o.BaseEndpoint = aws.String(p.endpoint)
	})
}

// awsConfig is elbdtest's configuration (retries off, and a client that
// works around aws/aws-sdk-go-v2#2737).
func awsConfig(key auth.Key) aws.Config { return elbdtest.AWSConfig(key) }

// crashLimits lets the burst create more load balancers than the default
// quota of 20.
const crashLimits = `
limits:
  load_balancers: 5000
`

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// childEnv is the test's environment without ELBD_* settings, plus the
// administrator key of the test topology.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ELBD_") {
			env = append(env, kv)
		}
	}
	return append(env,
		config.EnvAccessKeyID+"="+elbdtest.AdminKeyID,
		config.EnvSecretAccessKey+"="+elbdtest.AdminSecret,
		config.EnvAccountID+"="+elbdtest.AdminAccount)
}

// startElbd runs elbd on dir (config file dir/elbd.yaml, data dir/data) on
// a free loopback port and waits until it answers API calls.
func startElbd(t *testing.T, dir string) *proc {
	t.Helper()
	bin := binary(t)
	cfgPath := filepath.Join(dir, "elbd.yaml")
	if err := os.WriteFile(cfgPath, []byte(elbdtest.ConfigYAML+crashLimits), 0o600); err != nil {
		t.Fatal(err)
	}
	// The port is free when chosen but may be taken before elbd binds it;
	// try again with another one in that case.
	for attempt := 0; ; attempt++ {
		p, err := tryStart(t, bin, cfgPath, filepath.Join(dir, "data"))
		if err == nil {
			return p
		}
		if attempt >= 2 || !strings.Contains(p.out.String(), "address already in use") {
			t.Fatal(err)
		}
	}
}

func tryStart(t *testing.T, bin, cfgPath, dataDir string) (*proc, error) {
	addr := freePort(t)
	cmd := exec.Command(bin, "serve", "--config", cfgPath, "--data-dir", dataDir, "--api-listen", addr, "--log-level", "warn")
	cmd.Env = childEnv()
	p := &proc{cmd: cmd, endpoint: "http://" + addr, out: &elbdtest.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return p, fmt.Errorf("start elbd: %v", err)
	}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("elbd output (%s):\n%s", addr, p.out.String())
		}
	})
	c := p.elb()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if p.exited() {
			return p, fmt.Errorf("elbd exited during start-up (%v):\n%s", cmd.ProcessState, p.out.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{})
		cancel()
		if err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			return p, fmt.Errorf("elbd not ready after 30s: %v\n%s", err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------
// Kill -9 during a burst of writes.

// group is a set of changes written in one call: after a crash either all
// of them are present or none.
type group struct {
	sent, acked bool
}

// lbRecord is what one worker did to one load balancer. It is written only
// by its worker while a burst runs and read by the test afterwards.
type lbRecord struct {
	name   string
	create group
	// tagGroups[i] added tags "a<i>" and "b<i>" with value "v<i>-<name>".
	tagGroups []group
	// instGroups[i] registered instGroupIDs(i).
	instGroups []group
	// attrs set draining on with timeout 42 and an idle timeout of 77.
	attrs group
}

var creationTags = []string{"owner", "cycle"}

func instGroupIDs(worker, lbIndex, i int) []string {
	// IP-literal instances: any address is a valid instance id.
	return []string{fmt.Sprintf("127.%d.%d.%d", 10+worker, lbIndex%250, 2*i+1), fmt.Sprintf("127.%d.%d.%d", 10+worker, lbIndex%250, 2*i+2)}
}

type burst struct {
	cycle  int
	killed atomic.Bool
	acks   atomic.Int64
	// inFlight counts calls sent and not yet answered.
	inFlight atomic.Int64
	// ackedEnough is closed once acks reaches the kill threshold.
	ackedEnough chan struct{}
	threshold   int64
	once        sync.Once
	errs        chan error
}

// call runs one write and records its outcome in g. It returns false when
// the worker should stop.
func (b *burst) call(g *group, fn func(ctx context.Context) error) bool {
	if b.killed.Load() {
		return false
	}
	g.sent = true
	b.inFlight.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	err := fn(ctx)
	cancel()
	b.inFlight.Add(-1)
	if err != nil {
		if !b.killed.Load() {
			b.errs <- err
		}
		return false
	}
	g.acked = true
	if b.acks.Add(1) >= b.threshold {
		b.once.Do(func() { close(b.ackedEnough) })
	}
	return true
}

func (b *burst) worker(c *elbsdk.Client, w int, recs *[]*lbRecord) {
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("c%d-w%d-lb%d", b.cycle, w, i)
		r := &lbRecord{name: name}
		*recs = append(*recs, r)
		ok := b.call(&r.create, func(ctx context.Context) error {
			_, err := c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
				LoadBalancerName: aws.String(name),
				Listeners: []elbtypes.Listener{
					{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)},
					{Protocol: aws.String("TCP"), LoadBalancerPort: 1024, InstancePort: aws.Int32(1024)},
				},
				AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
				Tags: []elbtypes.Tag{
					{Key: aws.String("owner"), Value: aws.String(fmt.Sprintf("w%d", w))},
					{Key: aws.String("cycle"), Value: aws.String(fmt.Sprint(b.cycle))},
				},
			})
			return err
		})
		for step := 0; ok && step < 2; step++ {
			r.tagGroups = append(r.tagGroups, group{})
			ok = b.call(&r.tagGroups[step], func(ctx context.Context) error {
				v := fmt.Sprintf("v%d-%s", step, name)
				_, err := c.AddTags(ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{name}, Tags: []elbtypes.Tag{
					{Key: aws.String(fmt.Sprintf("a%d", step)), Value: aws.String(v)},
					{Key: aws.String(fmt.Sprintf("b%d", step)), Value: aws.String(v)},
				}})
				return err
			})
			if !ok {
				break
			}
			r.instGroups = append(r.instGroups, group{})
			ok = b.call(&r.instGroups[step], func(ctx context.Context) error {
				var ins []elbtypes.Instance
				for _, id := range instGroupIDs(w, i, step) {
					ins = append(ins, elbtypes.Instance{InstanceId: aws.String(id)})
				}
				_, err := c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
					LoadBalancerName: aws.String(name), Instances: ins})
				return err
			})
			if ok && step == 0 {
				ok = b.call(&r.attrs, func(ctx context.Context) error {
					_, err := c.ModifyLoadBalancerAttributes(ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
						LoadBalancerName: aws.String(name),
						LoadBalancerAttributes: &elbtypes.LoadBalancerAttributes{
							ConnectionDraining: &elbtypes.ConnectionDraining{Enabled: true, Timeout: aws.Int32(42)},
							ConnectionSettings: &elbtypes.ConnectionSettings{IdleTimeout: aws.Int32(77)},
						},
					})
					return err
				})
			}
		}
		if !ok {
			return
		}
	}
}

func TestCrashDuringWrites(t *testing.T) {
	const (
		cycles  = 3
		workers = 8
	)
	dir := t.TempDir()
	// all lists the load balancers of every cycle so far, each normalised
	// after verification to what survived.
	var all []*lbRecord
	p := startElbd(t, dir)
	for cycle := 1; cycle <= cycles; cycle++ {
		// Kill after 30, 60 and 90 acknowledged writes, so that each kind
		// of write is in flight in some cycle.
		threshold := int64(30 * cycle)
		b := &burst{cycle: cycle, ackedEnough: make(chan struct{}), threshold: threshold, errs: make(chan error, workers)}
		recs := make([][]*lbRecord, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.worker(p.elb(), w, &recs[w])
			}()
		}
		select {
		case <-b.ackedEnough:
		case err := <-b.errs:
			b.killed.Store(true)
			p.stop(t, syscall.SIGKILL)
			wg.Wait()
			t.Fatalf("cycle %d: a write failed before the crash: %v", cycle, err)
		case <-time.After(60 * time.Second):
			b.killed.Store(true)
			p.stop(t, syscall.SIGKILL)
			wg.Wait()
			t.Fatalf("cycle %d: only %d writes acknowledged in 60s", cycle, b.acks.Load())
		}
		b.killed.Store(true)
		inFlight := b.inFlight.Load()
		p.stop(t, syscall.SIGKILL)
		waitBounded(t, &wg, 30*time.Second, "workers after SIGKILL")
		close(b.errs)
		for err := range b.errs {
			t.Errorf("cycle %d: a write failed before the crash: %v", cycle, err)
		}
		var sent int
		for _, rs := range recs {
			all = append(all, rs...)
			sent += len(rs)
		}
		t.Logf("cycle %d: killed after %d acknowledged writes with %d in flight (%d load balancers attempted)",
			cycle, b.acks.Load(), inFlight, sent)

		p = startElbd(t, dir)
		verifyCrash(t, p.elb(), all)
		if t.Failed() {
			return
		}
	}
}

func waitBounded(t *testing.T, wg *sync.WaitGroup, d time.Duration, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v", what, d)
	}
}

// verifyCrash checks that every acknowledged write survived, that every
// multi-part write is all there or not at all, that nothing appears that
// was never sent, and that every load balancer is complete and
// describable. It then normalises the records to what survived, for the
// next cycle.
func verifyCrash(t *testing.T, c *elbsdk.Client, recs []*lbRecord) {
	t.Helper()
	ctx := context.Background()
	present := map[string]elbtypes.LoadBalancerDescription{}
	pg := elbsdk.NewDescribeLoadBalancersPaginator(c, &elbsdk.DescribeLoadBalancersInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeLoadBalancers after restart: %v", err)
		}
		for _, d := range out.LoadBalancerDescriptions {
			present[aws.ToString(d.LoadBalancerName)] = d
		}
	}
	known := map[string]*lbRecord{}
	for _, r := range recs {
		known[r.name] = r
	}
	for name := range present {
		if r, ok := known[name]; !ok || !r.create.sent {
			t.Errorf("load balancer %s exists but was never created", name)
		}
	}
	var lost int
	for _, r := range recs {
		d, ok := present[r.name]
		if !ok {
			if r.create.acked {
				t.Errorf("acknowledged CreateLoadBalancer %s was lost", r.name)
			}
			for _, g := range slices.Concat(r.tagGroups, r.instGroups, []group{r.attrs}) {
				if g.acked {
					t.Errorf("%s: acknowledged writes to it were lost with it", r.name)
				}
			}
			if r.create.sent && !r.create.acked {
				lost++
			}
			*r = lbRecord{name: r.name}
			continue
		}
		verifyLB(t, c, r, d)
	}
	t.Logf("verified %d load balancers (%d unacknowledged creates not applied)", len(present), lost)
}

func verifyLB(t *testing.T, c *elbsdk.Client, r *lbRecord, d elbtypes.LoadBalancerDescription) {
	t.Helper()
	ctx := context.Background()
	name := r.name
	// Created atomically: both listeners, default health check, both tags.
	var ls []string
	for _, l := range d.ListenerDescriptions {
		ls = append(ls, fmt.Sprintf("%s:%d->%s:%d", aws.ToString(l.Listener.Protocol), l.Listener.LoadBalancerPort,
			aws.ToString(l.Listener.InstanceProtocol), aws.ToInt32(l.Listener.InstancePort)))
	}
	if want := []string{"HTTP:80->HTTP:8080", "TCP:1024->TCP:1024"}; !slices.Equal(ls, want) {
		t.Errorf("%s: listeners %v, want %v", name, ls, want)
	}
	if hc := d.HealthCheck; hc == nil || aws.ToString(hc.Target) != "TCP:8080" || aws.ToInt32(hc.Interval) != 30 {
		t.Errorf("%s: health check %+v", name, hc)
	}
	if !slices.Equal(d.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) {
		t.Errorf("%s: zones %v", name, d.AvailabilityZones)
	}

	// Tags: creation tags always; each AddTags group entirely or not at all.
	to, err := c.DescribeTags(ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{name}})
	if err != nil || len(to.TagDescriptions) != 1 {
		t.Errorf("%s: DescribeTags: %v", name, err)
		return
	}
	tags := map[string]string{}
	for _, tg := range to.TagDescriptions[0].Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	for _, k := range creationTags {
		if _, ok := tags[k]; !ok {
			t.Errorf("%s: creation tag %s missing: %v", name, k, tags)
		}
		delete(tags, k)
	}
	for i := range r.tagGroups {
		g := &r.tagGroups[i]
		v := fmt.Sprintf("v%d-%s", i, name)
		a, aok := tags[fmt.Sprintf("a%d", i)]
		bv, bok := tags[fmt.Sprintf("b%d", i)]
		delete(tags, fmt.Sprintf("a%d", i))
		delete(tags, fmt.Sprintf("b%d", i))
		switch {
		case aok != bok:
			t.Errorf("%s: AddTags group %d half applied: %v", name, i, to.TagDescriptions[0].Tags)
		case aok && (a != v || bv != v):
			t.Errorf("%s: AddTags group %d values %q %q, want %q", name, i, a, bv, v)
		case !aok && g.acked:
			t.Errorf("%s: acknowledged AddTags group %d lost", name, i)
		}
		*g = group{sent: aok, acked: aok}
	}
	if len(tags) > 0 {
		t.Errorf("%s: unexpected tags %v", name, tags)
	}

	// Instances: each RegisterInstances pair entirely or not at all.
	var ids []string
	for _, in := range d.Instances {
		ids = append(ids, aws.ToString(in.InstanceId))
	}
	var w, lbIndex int
	fmt.Sscanf(name[strings.Index(name, "-w")+1:], "w%d-lb%d", &w, &lbIndex)
	expected := 0
	for i := range r.instGroups {
		g := &r.instGroups[i]
		pair := instGroupIDs(w, lbIndex, i)
		a, b := slices.Contains(ids, pair[0]), slices.Contains(ids, pair[1])
		switch {
		case a != b:
			t.Errorf("%s: RegisterInstances group %d half applied: %v", name, i, ids)
		case !a && g.acked:
			t.Errorf("%s: acknowledged RegisterInstances group %d lost: %v", name, i, ids)
		}
		if a && b {
			expected += 2
		}
		*g = group{sent: a && b, acked: a && b}
	}
	if len(ids) != expected {
		t.Errorf("%s: instances %v include ones never registered", name, ids)
	}
	if _, err := c.DescribeInstanceHealth(ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: aws.String(name)}); err != nil {
		t.Errorf("%s: DescribeInstanceHealth: %v", name, err)
	}

	// Attributes: draining and idle timeout changed together or not at all.
	ao, err := c.DescribeLoadBalancerAttributes(ctx, &elbsdk.DescribeLoadBalancerAttributesInput{LoadBalancerName: aws.String(name)})
	if err != nil {
		t.Errorf("%s: DescribeLoadBalancerAttributes: %v", name, err)
		return
	}
	a := ao.LoadBalancerAttributes
	if a == nil || a.ConnectionDraining == nil || a.ConnectionSettings == nil || a.CrossZoneLoadBalancing == nil || a.AccessLog == nil {
		t.Errorf("%s: incomplete attributes %+v", name, a)
		return
	}
	cd, idle := a.ConnectionDraining, aws.ToInt32(a.ConnectionSettings.IdleTimeout)
	changed := cd.Enabled && aws.ToInt32(cd.Timeout) == 42 && idle == 77
	unchanged := !cd.Enabled && aws.ToInt32(cd.Timeout) == 300 && idle == 60
	switch {
	case !changed && !unchanged:
		t.Errorf("%s: attributes half applied: draining %v/%d idle %d", name, cd.Enabled, aws.ToInt32(cd.Timeout), idle)
	case unchanged && r.attrs.acked:
		t.Errorf("%s: acknowledged ModifyLoadBalancerAttributes lost", name)
	case changed && !r.attrs.sent:
		t.Errorf("%s: attributes changed but never sent", name)
	}
	if a.CrossZoneLoadBalancing.Enabled || a.AccessLog.Enabled {
		t.Errorf("%s: attributes never changed are not defaults: %+v %+v", name, a.CrossZoneLoadBalancing, a.AccessLog)
	}
	r.attrs = group{sent: changed, acked: changed}
	if _, err := c.DescribeLoadBalancerPolicies(ctx, &elbsdk.DescribeLoadBalancerPoliciesInput{LoadBalancerName: aws.String(name)}); err != nil {
		t.Errorf("%s: DescribeLoadBalancerPolicies: %v", name, err)
	}
	r.create = group{sent: true, acked: true}
}

// ---------------------------------------------------------------------
// Clean restart restores everything.

func selfSignedCert(t *testing.T, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     []string{cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	return certPEM, keyPEM
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// buildState creates a varied state through the public API.
func buildState(t *testing.T, p *proc) {
	t.Helper()
	ctx := context.Background()
	c, ic := p.elb(), p.iam()
	certPEM, keyPEM := selfSignedCert(t, "restart.example.test")
	up := must[*iam.UploadServerCertificateOutput](t, "UploadServerCertificate")(ic.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String("restart-cert"),
		Path:                  aws.String("/elbd/tests/"),
		CertificateBody:       aws.String(certPEM),
		PrivateKey:            aws.String(keyPEM),
	}))
	certARN := up.ServerCertificateMetadata.Arn

	// Classic load balancer: HTTP and HTTPS listeners, stickiness and SSL
	// policies, every attribute changed, a custom health check, tags and
	// instances.
	must[*elbsdk.CreateLoadBalancerOutput](t, "create classic")(c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("classic-web"),
		Listeners: []elbtypes.Listener{
			{Protocol: aws.String("http"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)},
		},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
		Tags:              []elbtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
	}))
	must[*elbsdk.CreateLoadBalancerListenersOutput](t, "HTTPS listener")(c.CreateLoadBalancerListeners(ctx, &elbsdk.CreateLoadBalancerListenersInput{
		LoadBalancerName: aws.String("classic-web"),
		Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTPS"), LoadBalancerPort: 443, InstanceProtocol: aws.String("HTTP"),
			InstancePort: aws.Int32(8080), SSLCertificateId: certARN}},
	}))
	must[*elbsdk.CreateLBCookieStickinessPolicyOutput](t, "LB cookie policy")(c.CreateLBCookieStickinessPolicy(ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
		LoadBalancerName: aws.String("classic-web"), PolicyName: aws.String("lb-cookie"), CookieExpirationPeriod: aws.Int64(600)}))
	must[*elbsdk.CreateAppCookieStickinessPolicyOutput](t, "app cookie policy")(c.CreateAppCookieStickinessPolicy(ctx, &elbsdk.CreateAppCookieStickinessPolicyInput{
		LoadBalancerName: aws.String("classic-web"), PolicyName: aws.String("app-cookie"), CookieName: aws.String("SESSIONID")}))
	must[*elbsdk.CreateLoadBalancerPolicyOutput](t, "SSL policy")(c.CreateLoadBalancerPolicy(ctx, &elbsdk.CreateLoadBalancerPolicyInput{
		LoadBalancerName: aws.String("classic-web"), PolicyName: aws.String("tls12"), PolicyTypeName: aws.String("SSLNegotiationPolicyType"),
		PolicyAttributes: []elbtypes.PolicyAttribute{{AttributeName: aws.String("Reference-Security-Policy"), AttributeValue: aws.String("ELBSecurityPolicy-TLS-1-2-2017-01")}},
	}))
	must[*elbsdk.SetLoadBalancerPoliciesOfListenerOutput](t, "policies of :80")(c.SetLoadBalancerPoliciesOfListener(ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
		LoadBalancerName: aws.String("classic-web"), LoadBalancerPort: 80, PolicyNames: []string{"lb-cookie"}}))
	must[*elbsdk.SetLoadBalancerPoliciesOfListenerOutput](t, "policies of :443")(c.SetLoadBalancerPoliciesOfListener(ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
		LoadBalancerName: aws.String("classic-web"), LoadBalancerPort: 443, PolicyNames: []string{"app-cookie", "tls12"}}))
	must[*elbsdk.ModifyLoadBalancerAttributesOutput](t, "attributes")(c.ModifyLoadBalancerAttributes(ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
		LoadBalancerName: aws.String("classic-web"),
		LoadBalancerAttributes: &elbtypes.LoadBalancerAttributes{
			CrossZoneLoadBalancing: &elbtypes.CrossZoneLoadBalancing{Enabled: true},
			AccessLog: &elbtypes.AccessLog{Enabled: true, S3BucketName: aws.String("elbd-logs"), S3BucketPrefix: aws.String("web/prod"),
				EmitInterval: aws.Int32(5)},
			ConnectionDraining:   &elbtypes.ConnectionDraining{Enabled: true, Timeout: aws.Int32(120)},
			ConnectionSettings:   &elbtypes.ConnectionSettings{IdleTimeout: aws.Int32(300)},
			AdditionalAttributes: []elbtypes.AdditionalAttribute{{Key: aws.String("elb.http.desyncmitigationmode"), Value: aws.String("strictest")}},
		},
	}))
	must[*elbsdk.ConfigureHealthCheckOutput](t, "health check")(c.ConfigureHealthCheck(ctx, &elbsdk.ConfigureHealthCheckInput{
		LoadBalancerName: aws.String("classic-web"),
		HealthCheck: &elbtypes.HealthCheck{Target: aws.String("HTTP:8080/healthz"), Interval: aws.Int32(10), Timeout: aws.Int32(3),
			UnhealthyThreshold: aws.Int32(3), HealthyThreshold: aws.Int32(4)},
	}))
	must[*elbsdk.AddTagsOutput](t, "tags")(c.AddTags(ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"classic-web"},
		Tags: []elbtypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}, {Key: aws.String("empty")}}}))
	must[*elbsdk.RegisterInstancesWithLoadBalancerOutput](t, "register")(c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("classic-web"),
		Instances:        []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceA)}, {InstanceId: aws.String(elbdtest.InstanceB)}},
	}))

	// VPC load balancer: internal, two subnets, a security group, a
	// back-end proxy-protocol policy, an instance by IP address.
	must[*elbsdk.CreateLoadBalancerOutput](t, "create VPC")(c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("vpc-internal"),
		Listeners: []elbtypes.Listener{
			{Protocol: aws.String("TCP"), LoadBalancerPort: 5432, InstancePort: aws.Int32(5432)},
			{Protocol: aws.String("SSL"), LoadBalancerPort: 6432, InstanceProtocol: aws.String("TCP"), InstancePort: aws.Int32(5432), SSLCertificateId: certARN},
		},
		Subnets:        []string{elbdtest.SubnetA, elbdtest.SubnetB},
		SecurityGroups: []string{elbdtest.GroupWeb},
		Scheme:         aws.String("internal"),
		Tags:           []elbtypes.Tag{{Key: aws.String("tier"), Value: aws.String("db")}},
	}))
	must[*elbsdk.CreateLoadBalancerPolicyOutput](t, "proxy policy")(c.CreateLoadBalancerPolicy(ctx, &elbsdk.CreateLoadBalancerPolicyInput{
		LoadBalancerName: aws.String("vpc-internal"), PolicyName: aws.String("proxy"), PolicyTypeName: aws.String("ProxyProtocolPolicyType"),
		PolicyAttributes: []elbtypes.PolicyAttribute{{AttributeName: aws.String("ProxyProtocol"), AttributeValue: aws.String("true")}},
	}))
	must[*elbsdk.SetLoadBalancerPoliciesForBackendServerOutput](t, "backend policy")(c.SetLoadBalancerPoliciesForBackendServer(ctx, &elbsdk.SetLoadBalancerPoliciesForBackendServerInput{
		LoadBalancerName: aws.String("vpc-internal"), InstancePort: aws.Int32(5432), PolicyNames: []string{"proxy"}}))
	must[*elbsdk.RegisterInstancesWithLoadBalancerOutput](t, "register VPC")(c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("vpc-internal"),
		Instances:        []elbtypes.Instance{{InstanceId: aws.String("10.0.1.10")}, {InstanceId: aws.String(elbdtest.InstanceB)}},
	}))

	// A load balancer that was changed back and forth, and one that was
	// deleted: neither the intermediate nor the deleted state may return.
	must[*elbsdk.CreateLoadBalancerOutput](t, "create churn")(c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("churn"),
		Listeners:         []elbtypes.Listener{{Protocol: aws.String("TCP"), LoadBalancerPort: 25, InstancePort: aws.Int32(25)}},
		AvailabilityZones: []string{"us-east-1c"},
	}))
	must[*elbsdk.RegisterInstancesWithLoadBalancerOutput](t, "churn register")(c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("churn"), Instances: []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceC)}}}))
	must[*elbsdk.DeregisterInstancesFromLoadBalancerOutput](t, "churn deregister")(c.DeregisterInstancesFromLoadBalancer(ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{
		LoadBalancerName: aws.String("churn"), Instances: []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceC)}}}))
	must[*elbsdk.EnableAvailabilityZonesForLoadBalancerOutput](t, "churn zones")(c.EnableAvailabilityZonesForLoadBalancer(ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{
		LoadBalancerName: aws.String("churn"), AvailabilityZones: []string{"us-east-1a"}}))
	must[*elbsdk.CreateLoadBalancerOutput](t, "create doomed")(c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("doomed"),
		Listeners:         []elbtypes.Listener{{Protocol: aws.String("TCP"), LoadBalancerPort: 80, InstancePort: aws.Int32(80)}},
		AvailabilityZones: []string{"us-east-1a"},
	}))
	must[*elbsdk.DeleteLoadBalancerOutput](t, "delete doomed")(c.DeleteLoadBalancer(ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String("doomed")}))

	// The other account has a load balancer of the same name.
	must[*elbsdk.CreateLoadBalancerOutput](t, "create other")(p.elbAs(elbdtest.Other).CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("classic-web"),
		Listeners:         []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 8080, InstancePort: aws.Int32(80)}},
		AvailabilityZones: []string{"us-east-1c"},
		Tags:              []elbtypes.Tag{{Key: aws.String("owner"), Value: aws.String("other")}},
	}))
}

// observed is everything the API reports about the state, with
// ResultMetadata (request ids) cleared.
type observed struct {
	LoadBalancers *elbsdk.DescribeLoadBalancersOutput
	Attributes    map[string]*elbsdk.DescribeLoadBalancerAttributesOutput
	Policies      map[string]*elbsdk.DescribeLoadBalancerPoliciesOutput
	Tags          *elbsdk.DescribeTagsOutput
	Certificates  *iam.ListServerCertificatesOutput
	Certificate   *iam.GetServerCertificateOutput
	OtherLBs      *elbsdk.DescribeLoadBalancersOutput
	OtherTags     *elbsdk.DescribeTagsOutput
}

func observe(t *testing.T, p *proc) *observed {
	t.Helper()
	ctx := context.Background()
	c, ic := p.elb(), p.iam()
	o := &observed{Attributes: map[string]*elbsdk.DescribeLoadBalancerAttributesOutput{},
		Policies: map[string]*elbsdk.DescribeLoadBalancerPoliciesOutput{}}
	o.LoadBalancers = must[*elbsdk.DescribeLoadBalancersOutput](t, "DescribeLoadBalancers")(c.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{}))
	o.LoadBalancers.ResultMetadata = middleware.Metadata{}
	var names []string
	for _, d := range o.LoadBalancers.LoadBalancerDescriptions {
		n := aws.ToString(d.LoadBalancerName)
		names = append(names, n)
		a := must[*elbsdk.DescribeLoadBalancerAttributesOutput](t, "attributes of "+n)(c.DescribeLoadBalancerAttributes(ctx,
			&elbsdk.DescribeLoadBalancerAttributesInput{LoadBalancerName: aws.String(n)}))
		a.ResultMetadata = middleware.Metadata{}
		o.Attributes[n] = a
		pol := must[*elbsdk.DescribeLoadBalancerPoliciesOutput](t, "policies of "+n)(c.DescribeLoadBalancerPolicies(ctx,
			&elbsdk.DescribeLoadBalancerPoliciesInput{LoadBalancerName: aws.String(n)}))
		pol.ResultMetadata = middleware.Metadata{}
		o.Policies[n] = pol
	}
	if !slices.Equal(names, []string{"churn", "classic-web", "vpc-internal"}) {
		t.Fatalf("load balancers = %v", names)
	}
	o.Tags = must[*elbsdk.DescribeTagsOutput](t, "DescribeTags")(c.DescribeTags(ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: names}))
	o.Tags.ResultMetadata = middleware.Metadata{}
	o.Certificates = must[*iam.ListServerCertificatesOutput](t, "ListServerCertificates")(ic.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{}))
	o.Certificates.ResultMetadata = middleware.Metadata{}
	o.Certificate = must[*iam.GetServerCertificateOutput](t, "GetServerCertificate")(ic.GetServerCertificate(ctx, &iam.GetServerCertificateInput{
		ServerCertificateName: aws.String("restart-cert")}))
	o.Certificate.ResultMetadata = middleware.Metadata{}
	oc := p.elbAs(elbdtest.Other)
	o.OtherLBs = must[*elbsdk.DescribeLoadBalancersOutput](t, "other DescribeLoadBalancers")(oc.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{}))
	o.OtherLBs.ResultMetadata = middleware.Metadata{}
	o.OtherTags = must[*elbsdk.DescribeTagsOutput](t, "other DescribeTags")(oc.DescribeTags(ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{"classic-web"}}))
	o.OtherTags.ResultMetadata = middleware.Metadata{}
	return o
}

// checkObserved spot-checks that the state was built as intended, so that
// an equal comparison after restart means something.
func checkObserved(t *testing.T, o *observed) {
	t.Helper()
	var classic, vpc elbtypes.LoadBalancerDescription
	for _, d := range o.LoadBalancers.LoadBalancerDescriptions {
		switch aws.ToString(d.LoadBalancerName) {
		case "classic-web":
			classic = d
		case "vpc-internal":
			vpc = d
		}
	}
	if len(classic.ListenerDescriptions) != 2 || len(classic.Instances) != 2 || aws.ToString(classic.HealthCheck.Target) != "HTTP:8080/healthz" {
		t.Errorf("classic-web = %s", jsonOf(classic))
	}
	if p := classic.Policies; p == nil || len(p.LBCookieStickinessPolicies) != 1 || len(p.AppCookieStickinessPolicies) != 1 || !slices.Contains(p.OtherPolicies, "tls12") {
		t.Errorf("classic-web policies = %s", jsonOf(classic.Policies))
	}
	for _, ld := range classic.ListenerDescriptions {
		if len(ld.PolicyNames) == 0 {
			t.Errorf("classic-web listener %d has no policies", ld.Listener.LoadBalancerPort)
		}
	}
	if aws.ToString(vpc.VPCId) != elbdtest.VPC || aws.ToString(vpc.Scheme) != "internal" || len(vpc.Subnets) != 2 ||
		len(vpc.BackendServerDescriptions) != 1 || len(vpc.SecurityGroups) != 1 {
		t.Errorf("vpc-internal = %s", jsonOf(vpc))
	}
	a := o.Attributes["classic-web"].LoadBalancerAttributes
	if !a.CrossZoneLoadBalancing.Enabled || !a.AccessLog.Enabled || aws.ToInt32(a.ConnectionDraining.Timeout) != 120 ||
		aws.ToInt32(a.ConnectionSettings.IdleTimeout) != 300 {
		t.Errorf("classic-web attributes = %s", jsonOf(a))
	}
	if len(o.Certificates.ServerCertificateMetadataList) != 1 || len(o.OtherLBs.LoadBalancerDescriptions) != 1 {
		t.Errorf("certificates %s, other account's LBs %d", jsonOf(o.Certificates), len(o.OtherLBs.LoadBalancerDescriptions))
	}
}

func jsonOf(v any) string {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

func TestRestartRestoresEverything(t *testing.T) {
	dir := t.TempDir()
	p := startElbd(t, dir)
	buildState(t, p)
	before := observe(t, p)
	checkObserved(t, before)

	p.stop(t, syscall.SIGTERM)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("elbd exited with %d after SIGTERM:\n%s", code, p.out.String())
	}

	p = startElbd(t, dir)
	after := observe(t, p)
	if !reflect.DeepEqual(before, after) {
		b, a := jsonOf(before), jsonOf(after)
		if b == a {
			// Differences invisible to JSON (e.g. time zones).
			t.Fatalf("state differs after restart in a way JSON does not show:\nbefore %+v\nafter  %+v", before, after)
		}
		t.Fatalf("state differs after restart:\n%s", firstDiff(b, a))
	}

	// A second restart straight after the first changes nothing either.
	p.stop(t, syscall.SIGTERM)
	p = startElbd(t, dir)
	if again := observe(t, p); !reflect.DeepEqual(before, again) {
		t.Fatalf("state differs after a second restart:\n%s", firstDiff(jsonOf(before), jsonOf(again)))
	}
}

// firstDiff shows the lines around the first difference of two texts.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		if i >= len(al) || i >= len(bl) || al[i] != bl[i] {
			lo := max(0, i-5)
			return fmt.Sprintf("before:\n%s\nafter:\n%s", strings.Join(al[lo:min(len(al), i+5)], "\n"),
				strings.Join(bl[lo:min(len(bl), i+5)], "\n"))
		}
	}
	return "(no textual difference)"
}
