package elb_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/auth"
	"github.com/elbd/elbd/internal/elbdtest"
	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// startELBD runs a real elbd and returns a driver for key aimed at it.
func startELBD(t *testing.T, extraYAML string) (*elbdtest.Env, *elb.Driver) {
	t.Helper()
	env := elbdtest.Start(t, extraYAML)
	return env, driverFor(t, env, elbdtest.Admin, elb.Options{})
}

func driverFor(t *testing.T, env *elbdtest.Env, key auth.Key, o elb.Options) *elb.Driver {
	t.Helper()
	o.AccessKeyID, o.SecretAccessKey = key.AccessKeyID, key.SecretAccessKey
	o.Region, o.Endpoint, o.RetryMaxAttempts = elbdtest.Region, env.Endpoint, 1
	d, err := elb.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wantKind fails unless err matches kind and, when code is given, is a
// *loadbalancer.ProviderError with that code.
func wantKind(t *testing.T, what string, err, kind error, code string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: error %v, want %v", what, err, kind)
		return
	}
	if code == "" {
		return
	}
	var pe *loadbalancer.ProviderError
	if !errors.As(err, &pe) || pe.Code != code || pe.StatusCode == 0 {
		t.Errorf("%s: error %#v, want code %s with a status", what, err, code)
	}
}

func TestIntegrationBaseAPI(t *testing.T) {
	env, d := startELBD(t, "")
	ctx := context.Background()

	if d.Name() != elb.ProviderName {
		t.Errorf("Name = %q", d.Name())
	}
	if ps, _ := d.ListProtocols(ctx); len(ps) != 4 {
		t.Errorf("ListProtocols = %v", ps)
	}
	if as, _ := d.ListSupportedAlgorithms(ctx); len(as) != 2 {
		t.Errorf("ListSupportedAlgorithms = %v", as)
	}
	if bs, err := d.ListBalancers(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("ListBalancers on empty elbd = %v, %v", bs, err)
	}

	// The tutorial's create_balancer, with what ELB really does: members
	// are instances, all on the listener's instance port.
	b, err := d.CreateBalancer(ctx, loadbalancer.CreateRequest{
		Name: "MyLB", Port: 80, Protocol: "http", MemberPort: 8080, Algorithm: loadbalancer.LeastConnections,
		Members: []loadbalancer.Member{{ID: "127.0.0.1", Port: 8080}, {ID: elbdtest.InstanceA}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "MyLB" || b.State != loadbalancer.StateRunning || b.Port != 80 || b.Protocol != "http" || b.Address == "" || len(b.Members) != 2 {
		t.Errorf("CreateBalancer = %+v", b)
	}
	det := elb.DetailsOf(b)
	if det.DNSName != b.Address || !reflect.DeepEqual(det.AvailabilityZones, []string{"us-east-1a"}) || det.Listeners[0].InstancePort != 8080 {
		t.Errorf("details = %+v", det)
	}

	_, err = d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "MyLB", Algorithm: loadbalancer.LeastConnections})
	wantKind(t, "duplicate", err, loadbalancer.ErrDuplicate, "DuplicateLoadBalancerName")
	_, err = d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "rr", Protocol: "http", Algorithm: loadbalancer.RoundRobin})
	wantKind(t, "round robin on http", err, loadbalancer.ErrInvalidInput, "")
	_, err = d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "port", Algorithm: loadbalancer.LeastConnections,
		Members: []loadbalancer.Member{{ID: elbdtest.InstanceA, Port: 9999}}})
	wantKind(t, "member port", err, loadbalancer.ErrInvalidInput, "")
	_, err = d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "bad-member", Algorithm: loadbalancer.LeastConnections,
		Members: []loadbalancer.Member{{ID: elbdtest.InstanceGone}}})
	wantKind(t, "terminated member", err, loadbalancer.ErrNotFound, "InvalidInstance")
	if _, err := d.GetBalancer(ctx, "bad-member"); !errors.Is(err, loadbalancer.ErrNotFound) {
		t.Errorf("balancer with unregistrable member was left behind: %v", err)
	}
	_, err = d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "bad name!", Algorithm: loadbalancer.LeastConnections})
	wantKind(t, "bad name", err, loadbalancer.ErrInvalidInput, "ValidationError")

	got, err := d.GetBalancer(ctx, "MyLB")
	if err != nil || got.Address != b.Address || got.Port != 80 {
		t.Errorf("GetBalancer = %+v, %v", got, err)
	}
	_, err = d.GetBalancer(ctx, "missing")
	wantKind(t, "GetBalancer(missing)", err, loadbalancer.ErrNotFound, "LoadBalancerNotFound")

	tcp, err := d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "tcp-lb", Protocol: "tcp", Port: 5432, Algorithm: loadbalancer.RoundRobin})
	if err != nil || tcp.Protocol != "tcp" || tcp.Port != 5432 || len(tcp.Members) != 0 {
		t.Fatalf("tcp CreateBalancer = %+v, %v", tcp, err)
	}
	bs, err := d.ListBalancers(ctx)
	if err != nil || len(bs) != 2 {
		t.Fatalf("ListBalancers = %+v, %v", bs, err)
	}

	// Members.
	ms, err := d.ListMembers(ctx, b)
	if err != nil || len(ms) != 2 {
		t.Fatalf("ListMembers = %+v, %v", ms, err)
	}
	for _, m := range ms {
		if h := elb.HealthOf(m); h == nil || h.InstanceID != m.ID || h.State == "" || m.Port != 8080 {
			t.Errorf("member %+v health %+v", m, h)
		}
	}
	if ms[0].ID != "127.0.0.1" || ms[0].IP != "127.0.0.1" {
		t.Errorf("IP member = %+v", ms[0])
	}
	m, err := d.AttachMember(ctx, b, loadbalancer.Member{ID: elbdtest.InstanceB, Port: 8080})
	if err != nil || m.ID != elbdtest.InstanceB || m.Port != 8080 {
		t.Errorf("AttachMember = %+v, %v", m, err)
	}
	_, err = d.AttachMember(ctx, b, loadbalancer.Member{ID: elbdtest.InstanceC, Port: 80})
	wantKind(t, "AttachMember wrong port", err, loadbalancer.ErrInvalidInput, "")
	_, err = d.AttachMember(ctx, b, loadbalancer.Member{ID: elbdtest.InstanceOther})
	wantKind(t, "AttachMember other account's instance", err, loadbalancer.ErrNotFound, "InvalidInstance")
	m, err = d.AttachComputeNode(ctx, b, loadbalancer.Node{ID: elbdtest.InstanceC})
	if err != nil || m.ID != elbdtest.InstanceC {
		t.Errorf("AttachComputeNode(id) = %+v, %v", m, err)
	}
	m, err = d.AttachComputeNode(ctx, b, loadbalancer.Node{Name: "ip-only", PrivateIPs: []string{"127.0.0.2"}})
	if err != nil || m.ID != "127.0.0.2" || m.IP != "127.0.0.2" {
		t.Errorf("AttachComputeNode(ip) = %+v, %v", m, err)
	}
	ms, _ = d.ListMembers(ctx, b)
	if ids := memberIDs(ms); !reflect.DeepEqual(ids, []string{"127.0.0.1", elbdtest.InstanceA, elbdtest.InstanceB, elbdtest.InstanceC, "127.0.0.2"}) {
		t.Errorf("members after attach = %v", ids)
	}
	if err := d.DetachMember(ctx, b, loadbalancer.Member{ID: elbdtest.InstanceB}); err != nil {
		t.Error(err)
	}
	if err := d.DetachMember(ctx, b, loadbalancer.Member{IP: "127.0.0.2"}); err != nil {
		t.Error(err)
	}
	err = d.DetachMember(ctx, b, loadbalancer.Member{ID: "i-0000000000000dead"})
	wantKind(t, "DetachMember unknown", err, loadbalancer.ErrNotFound, "InvalidInstance")
	ms, _ = d.ListMembers(ctx, b)
	if ids := memberIDs(ms); !reflect.DeepEqual(ids, []string{"127.0.0.1", elbdtest.InstanceA, elbdtest.InstanceC}) {
		t.Errorf("members after detach = %v", ids)
	}
	_, err = d.ListMembers(ctx, loadbalancer.Balancer{ID: "missing"})
	wantKind(t, "ListMembers(missing)", err, loadbalancer.ErrNotFound, "LoadBalancerNotFound")

	// Update: port and protocol by replacing the listener; no renames.
	port := 8081
	up, err := d.UpdateBalancer(ctx, b, loadbalancer.UpdateRequest{Port: &port})
	if err != nil || up.Port != 8081 || up.Protocol != "http" || elb.DetailsOf(up).Listeners[0].InstancePort != 8080 || len(elb.DetailsOf(up).Listeners) != 1 {
		t.Errorf("UpdateBalancer(port) = %+v, %v", up, err)
	}
	proto, rr := "tcp", loadbalancer.RoundRobin
	up, err = d.UpdateBalancer(ctx, up, loadbalancer.UpdateRequest{Protocol: &proto, Algorithm: &rr})
	if err != nil || up.Port != 8081 || up.Protocol != "tcp" || elb.DetailsOf(up).Listeners[0].InstanceProtocol != "tcp" {
		t.Errorf("UpdateBalancer(protocol) = %+v, %v", up, err)
	}
	name := "Renamed"
	_, err = d.UpdateBalancer(ctx, up, loadbalancer.UpdateRequest{Name: &name})
	wantKind(t, "rename", err, loadbalancer.ErrNotSupported, "")
	lc := loadbalancer.LeastConnections
	_, err = d.UpdateBalancer(ctx, up, loadbalancer.UpdateRequest{Algorithm: &lc})
	wantKind(t, "least connections on tcp", err, loadbalancer.ErrNotSupported, "")
	_, err = d.UpdateBalancer(ctx, loadbalancer.Balancer{ID: "missing"}, loadbalancer.UpdateRequest{Port: &port})
	wantKind(t, "update missing", err, loadbalancer.ErrNotFound, "LoadBalancerNotFound")

	// Other accounts see nothing; bad keys are refused.
	other := driverFor(t, env, elbdtest.Other, elb.Options{})
	_, err = other.GetBalancer(ctx, "MyLB")
	wantKind(t, "other account", err, loadbalancer.ErrNotFound, "LoadBalancerNotFound")
	bad := driverFor(t, env, auth.Key{AccessKeyID: elbdtest.AdminKeyID, SecretAccessKey: "wrong"}, elb.Options{})
	_, err = bad.ListBalancers(ctx)
	wantKind(t, "wrong secret", err, loadbalancer.ErrAuth, "SignatureDoesNotMatch")
	unknown := driverFor(t, env, auth.Key{AccessKeyID: "AKIDUNKNOWN000000000", SecretAccessKey: "x"}, elb.Options{})
	_, err = unknown.ListBalancers(ctx)
	wantKind(t, "unknown key", err, loadbalancer.ErrAuth, "InvalidClientTokenId")

	for _, x := range []loadbalancer.Balancer{up, tcp} {
		if err := d.DestroyBalancer(ctx, x); err != nil {
			t.Error(err)
		}
	}
	if bs, _ := d.ListBalancers(ctx); len(bs) != 0 {
		t.Errorf("balancers left: %+v", bs)
	}
}

func memberIDs(ms []loadbalancer.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestIntegrationPlacementOptions(t *testing.T) {
	env, _ := startELBD(t, "")
	ctx := context.Background()
	zoned := driverFor(t, env, elbdtest.Admin, elb.Options{Zones: []string{"us-east-1b", "us-east-1c"}})
	b, err := zoned.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "zoned", Algorithm: loadbalancer.LeastConnections})
	if err != nil || !reflect.DeepEqual(elb.DetailsOf(b).AvailabilityZones, []string{"us-east-1b", "us-east-1c"}) {
		t.Errorf("zoned = %+v, %v", b, err)
	}
	vpc := driverFor(t, env, elbdtest.Admin, elb.Options{Subnets: []string{elbdtest.SubnetA, elbdtest.SubnetB},
		SecurityGroups: []string{elbdtest.GroupWeb}, Scheme: "internal"})
	b, err = vpc.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "in-vpc", Protocol: "tcp", Algorithm: loadbalancer.RoundRobin})
	if err != nil {
		t.Fatal(err)
	}
	det := elb.DetailsOf(b)
	if det.VPCID != elbdtest.VPC || det.Scheme != "internal" || !reflect.DeepEqual(det.Subnets, []string{elbdtest.SubnetA, elbdtest.SubnetB}) ||
		!reflect.DeepEqual(det.SecurityGroups, []string{elbdtest.GroupWeb}) {
		t.Errorf("vpc details = %+v", det)
	}
}

func TestIntegrationExtensions(t *testing.T) {
	_, d := startELBD(t, "")
	ctx := context.Background()
	b, err := d.CreateLoadBalancer(ctx, elb.LoadBalancerSpec{
		Name:      "ext",
		Listeners: []elb.Listener{{Protocol: "http", LoadBalancerPort: 80, InstancePort: 8080}, {Protocol: "tcp", LoadBalancerPort: 9000, InstancePort: 9001}},
		Subnets:   []string{elbdtest.SubnetA},
		Tags:      map[string]string{"project": "lima"},
		Instances: []string{elbdtest.InstanceA},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(elb.DetailsOf(b).Listeners) != 2 || len(b.Members) != 1 {
		t.Fatalf("CreateLoadBalancer = %+v", elb.DetailsOf(b))
	}
	_, err = d.CreateLoadBalancer(ctx, elb.LoadBalancerSpec{Name: "x", Listeners: []elb.Listener{{Protocol: "http", LoadBalancerPort: 80}}, Subnets: []string{"subnet-0nope0001"}})
	wantKind(t, "unknown subnet", err, loadbalancer.ErrNotFound, "SubnetNotFound")

	t.Run("policies", func(t *testing.T) {
		types, err := d.ListBalancerPolicyTypes(ctx)
		if err != nil || !slices.Contains(elb.PolicyTypeNames(types), elb.ProxyProtocolPolicyType) {
			t.Fatalf("ListBalancerPolicyTypes = %v, %v", elb.PolicyTypeNames(types), err)
		}
		one, err := d.ListBalancerPolicyTypes(ctx, elb.ProxyProtocolPolicyType)
		if err != nil || len(one) != 1 || one[0].Attributes[0].Name != "ProxyProtocol" {
			t.Errorf("ListBalancerPolicyTypes(ProxyProtocol) = %+v, %v", one, err)
		}
		_, err = d.ListBalancerPolicyTypes(ctx, "NoSuchPolicyType")
		wantKind(t, "unknown type", err, loadbalancer.ErrNotFound, "PolicyTypeNotFound")
		pre, err := d.ListPredefinedPolicies(ctx)
		if err != nil || !slices.Contains(elb.PolicyNames(pre), "ELBSecurityPolicy-2016-08") {
			t.Errorf("ListPredefinedPolicies = %v, %v", elb.PolicyNames(pre), err)
		}

		if err := d.CreateBalancerPolicy(ctx, "ext", "EnableProxyProtocol", elb.ProxyProtocolPolicyType, elb.AttributesFromMap(map[string]string{"ProxyProtocol": "true"})...); err != nil {
			t.Fatal(err)
		}
		err = d.CreateBalancerPolicy(ctx, "ext", "EnableProxyProtocol", elb.ProxyProtocolPolicyType, elb.PolicyAttribute{Name: "ProxyProtocol", Value: "true"})
		wantKind(t, "duplicate policy", err, loadbalancer.ErrDuplicate, "DuplicatePolicyName")
		err = d.CreateBalancerPolicy(ctx, "ext", "p2", "NoSuchPolicyType")
		wantKind(t, "unknown policy type", err, loadbalancer.ErrNotFound, "PolicyTypeNotFound")
		ps, err := d.ListBalancerPolicies(ctx, "ext", "EnableProxyProtocol")
		if err != nil || len(ps) != 1 || ps[0].Type != elb.ProxyProtocolPolicyType {
			t.Fatalf("ListBalancerPolicies = %+v, %v", ps, err)
		}
		if v, _ := ps[0].Attribute("ProxyProtocol"); v != "true" {
			t.Errorf("ProxyProtocol attribute = %q (libcloud cannot send it)", v)
		}
		_, err = d.ListBalancerPolicies(ctx, "ext", "nope")
		wantKind(t, "unknown policy", err, loadbalancer.ErrNotFound, "PolicyNotFound")

		// Back-end server policies: set, then clear with an empty list.
		if err := d.SetBalancerPoliciesBackendServer(ctx, "ext", 9001, []string{"EnableProxyProtocol"}); err != nil {
			t.Fatal(err)
		}
		got, _ := d.GetBalancer(ctx, "ext")
		if bsd := elb.DetailsOf(got).BackendServers; len(bsd) != 1 || bsd[0].InstancePort != 9001 || !reflect.DeepEqual(bsd[0].PolicyNames, []string{"EnableProxyProtocol"}) {
			t.Errorf("backend servers = %+v", bsd)
		}
		err = d.DeleteBalancerPolicy(ctx, "ext", "EnableProxyProtocol")
		wantKind(t, "delete policy in use", err, loadbalancer.ErrInvalidInput, "InvalidConfigurationRequest")
		if err := d.SetBalancerPoliciesBackendServer(ctx, "ext", 9001, nil); err != nil {
			t.Fatal(err)
		}
		got, _ = d.GetBalancer(ctx, "ext")
		if bsd := elb.DetailsOf(got).BackendServers; len(bsd) != 0 {
			t.Errorf("backend servers after clearing = %+v", bsd)
		}
		err = d.SetBalancerPoliciesBackendServer(ctx, "ext", 9001, []string{"nope"})
		wantKind(t, "backend unknown policy", err, loadbalancer.ErrNotFound, "PolicyNotFound")
		if err := d.DeleteBalancerPolicy(ctx, "ext", "EnableProxyProtocol"); err != nil {
			t.Fatal(err)
		}

		// Stickiness on the HTTP listener, then cleared.
		if err := d.CreateLBCookieStickinessPolicy(ctx, "ext", "lb-sticky", 60); err != nil {
			t.Fatal(err)
		}
		if err := d.CreateAppCookieStickinessPolicy(ctx, "ext", "app-sticky", "JSESSIONID"); err != nil {
			t.Fatal(err)
		}
		if err := d.SetBalancerPoliciesListener(ctx, "ext", 80, []string{"lb-sticky"}); err != nil {
			t.Fatal(err)
		}
		got, _ = d.GetBalancer(ctx, "ext")
		det := elb.DetailsOf(got)
		if !reflect.DeepEqual(det.Listeners[0].PolicyNames, []string{"lb-sticky"}) ||
			!reflect.DeepEqual(det.Policies.LBCookieStickiness, []elb.LBCookieStickinessPolicy{{PolicyName: "lb-sticky", CookieExpirationPeriod: 60}}) ||
			!reflect.DeepEqual(det.Policies.AppCookieStickiness, []elb.AppCookieStickinessPolicy{{PolicyName: "app-sticky", CookieName: "JSESSIONID"}}) {
			t.Errorf("listener policies = %+v, policies %+v", det.Listeners, det.Policies)
		}
		err = d.SetBalancerPoliciesListener(ctx, "ext", 81, []string{"lb-sticky"})
		wantKind(t, "no listener", err, loadbalancer.ErrNotFound, "ListenerNotFound")
		if err := d.SetBalancerPoliciesListener(ctx, "ext", 80, []string{}); err != nil {
			t.Fatal(err)
		}
		got, _ = d.GetBalancer(ctx, "ext")
		if pn := elb.DetailsOf(got).Listeners[0].PolicyNames; len(pn) != 0 {
			t.Errorf("listener policies after clearing = %v", pn)
		}
	})

	t.Run("listeners and certificates", func(t *testing.T) {
		certPEM, keyPEM := selfSigned(t, "ext.example.test")
		c, err := d.UploadCertificate(ctx, elb.CertificateUpload{Name: "ext-cert", Path: "/elbd/", Body: certPEM, PrivateKey: keyPEM})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "ext-cert" || c.ARN == "" || c.ID == "" || c.Path != "/elbd/" || c.Expiration.IsZero() {
			t.Errorf("UploadCertificate = %+v", c)
		}
		_, err = d.UploadCertificate(ctx, elb.CertificateUpload{Name: "ext-cert", Body: certPEM, PrivateKey: keyPEM})
		wantKind(t, "duplicate certificate", err, loadbalancer.ErrDuplicate, "EntityAlreadyExists")
		_, err = d.UploadCertificate(ctx, elb.CertificateUpload{Name: "junk", Body: "not a pem", PrivateKey: keyPEM})
		wantKind(t, "malformed certificate", err, loadbalancer.ErrInvalidInput, "MalformedCertificate")
		c2, err := d.UploadCertificate(ctx, elb.CertificateUpload{Name: "ext-cert-2", Body: certPEM, PrivateKey: keyPEM})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := d.ListCertificates(ctx, "")
		if err != nil || len(cs) != 2 {
			t.Errorf("ListCertificates = %+v, %v", cs, err)
		}
		cs, err = d.ListCertificates(ctx, "/elbd/")
		if err != nil || len(cs) != 1 || cs[0].Name != "ext-cert" {
			t.Errorf("ListCertificates(/elbd/) = %+v, %v", cs, err)
		}
		full, err := d.GetCertificate(ctx, "ext-cert")
		if err != nil || full.Body == "" || full.ARN != c.ARN {
			t.Errorf("GetCertificate = %+v, %v", full, err)
		}
		_, err = d.GetCertificate(ctx, "missing")
		wantKind(t, "GetCertificate(missing)", err, loadbalancer.ErrNotFound, "NoSuchEntity")

		// The tutorial's listener, which libcloud never sends.
		if err := d.CreateBalancerListeners(ctx, "ext", elb.Listener{Protocol: "https", LoadBalancerPort: 1024, InstancePort: 65533, SSLCertificateID: c.ARN}); err != nil {
			t.Fatal(err)
		}
		err = d.CreateBalancerListeners(ctx, "ext", elb.Listener{Protocol: "http", LoadBalancerPort: 1024, InstancePort: 1})
		wantKind(t, "duplicate listener", err, loadbalancer.ErrDuplicate, "DuplicateListener")
		err = d.CreateBalancerListeners(ctx, "ext", elb.Listener{Protocol: "https", LoadBalancerPort: 1025, InstancePort: 1, SSLCertificateID: "arn:aws:iam::123456789012:server-certificate/none"})
		wantKind(t, "unknown certificate", err, loadbalancer.ErrNotFound, "CertificateNotFound")
		if err := d.SetListenerCertificate(ctx, "ext", 1024, c2.ARN); err != nil {
			t.Fatal(err)
		}
		got, _ := d.GetBalancer(ctx, "ext")
		var found bool
		for _, l := range elb.DetailsOf(got).Listeners {
			if l.LoadBalancerPort == 1024 {
				found = l.SSLCertificateID == c2.ARN && l.Protocol == "https" && l.InstancePort == 65533
			}
		}
		if !found {
			t.Errorf("listeners = %+v", elb.DetailsOf(got).Listeners)
		}
		err = d.SetListenerCertificate(ctx, "ext", 1999, c2.ARN)
		wantKind(t, "certificate on missing listener", err, loadbalancer.ErrNotFound, "ListenerNotFound")
		err = d.DeleteCertificate(ctx, "ext-cert-2")
		wantKind(t, "delete certificate in use", err, loadbalancer.ErrInvalidInput, "DeleteConflict")
		if err := d.DeleteBalancerListeners(ctx, "ext", 1024); err != nil {
			t.Fatal(err)
		}
		got, _ = d.GetBalancer(ctx, "ext")
		if n := len(elb.DetailsOf(got).Listeners); n != 2 {
			t.Errorf("%d listeners after delete", n)
		}
		for _, n := range []string{"ext-cert", "ext-cert-2"} {
			if err := d.DeleteCertificate(ctx, n); err != nil {
				t.Error(err)
			}
		}
		err = d.DeleteCertificate(ctx, "ext-cert")
		wantKind(t, "delete missing certificate", err, loadbalancer.ErrNotFound, "NoSuchEntity")
	})

	t.Run("health", func(t *testing.T) {
		hc := elb.HealthCheck{Target: elb.HealthTarget("http", 8080, "/health"), Interval: 10, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 3}
		got, err := d.ConfigureHealthCheck(ctx, "ext", hc)
		if err != nil || got != hc {
			t.Errorf("ConfigureHealthCheck = %+v, %v", got, err)
		}
		b, _ := d.GetBalancer(ctx, "ext")
		if elb.DetailsOf(b).HealthCheck != hc {
			t.Errorf("stored health check = %+v", elb.DetailsOf(b).HealthCheck)
		}
		_, err = d.ConfigureHealthCheck(ctx, "ext", elb.HealthCheck{Target: "HTTP:80/", Interval: 5, Timeout: 10, UnhealthyThreshold: 2, HealthyThreshold: 2})
		wantKind(t, "timeout >= interval", err, loadbalancer.ErrInvalidInput, "ValidationError")
		hs, err := d.DescribeInstanceHealth(ctx, "ext")
		if err != nil || len(hs) != 1 || hs[0].InstanceID != elbdtest.InstanceA {
			t.Errorf("DescribeInstanceHealth = %+v, %v", hs, err)
		}
		hs, err = d.DescribeInstanceHealth(ctx, "ext", elbdtest.InstanceB)
		if err != nil || len(hs) != 1 || hs[0].State != elb.OutOfService {
			t.Errorf("DescribeInstanceHealth(unregistered) = %+v, %v", hs, err)
		}
		_, err = d.DescribeInstanceHealth(ctx, "ext", "i-0000000000000dead")
		wantKind(t, "health of unknown instance", err, loadbalancer.ErrNotFound, "InvalidInstance")
	})

	t.Run("attributes", func(t *testing.T) {
		a, err := d.GetAttributes(ctx, "ext")
		if err != nil || a.IdleTimeout != 60 || a.ConnectionDraining.Timeout != 300 || a.DesyncMitigationMode != elb.DesyncDefensive {
			t.Errorf("GetAttributes = %+v, %v", a, err)
		}
		on, idle, mode := true, 120, elb.DesyncStrictest
		a, err = d.ModifyAttributes(ctx, "ext", elb.AttributesUpdate{
			CrossZoneLoadBalancing: &on,
			ConnectionDraining:     &elb.ConnectionDraining{Enabled: true, Timeout: 30},
			IdleTimeout:            &idle,
			AccessLog:              &elb.AccessLog{Enabled: true, S3BucketName: "logs", S3BucketPrefix: "ext", EmitInterval: 5},
			DesyncMitigationMode:   &mode,
		})
		want := elb.Attributes{CrossZoneLoadBalancing: true, ConnectionDraining: elb.ConnectionDraining{Enabled: true, Timeout: 30}, IdleTimeout: 120,
			AccessLog: elb.AccessLog{Enabled: true, S3BucketName: "logs", S3BucketPrefix: "ext", EmitInterval: 5}, DesyncMitigationMode: "strictest", Additional: map[string]string{}}
		if err != nil || !reflect.DeepEqual(a, want) {
			t.Errorf("ModifyAttributes = %+v, %v", a, err)
		}
		bad := 0
		_, err = d.ModifyAttributes(ctx, "ext", elb.AttributesUpdate{IdleTimeout: &bad})
		wantKind(t, "idle timeout 0", err, loadbalancer.ErrInvalidInput, "")
		_, err = d.GetAttributes(ctx, "missing")
		wantKind(t, "attributes of missing", err, loadbalancer.ErrNotFound, "LoadBalancerNotFound")
	})

	t.Run("subnets and security groups", func(t *testing.T) {
		sn, err := d.AttachSubnets(ctx, "ext", elbdtest.SubnetB)
		if err != nil || !reflect.DeepEqual(sn, []string{elbdtest.SubnetA, elbdtest.SubnetB}) {
			t.Errorf("AttachSubnets = %v, %v", sn, err)
		}
		_, err = d.AttachSubnets(ctx, "ext", elbdtest.SubnetA2)
		wantKind(t, "second subnet in a zone", err, loadbalancer.ErrInvalidInput, "InvalidConfigurationRequest")
		_, err = d.AttachSubnets(ctx, "ext", "subnet-0nope0001")
		wantKind(t, "unknown subnet", err, loadbalancer.ErrNotFound, "SubnetNotFound")
		sn, err = d.DetachSubnets(ctx, "ext", elbdtest.SubnetB)
		if err != nil || !reflect.DeepEqual(sn, []string{elbdtest.SubnetA}) {
			t.Errorf("DetachSubnets = %v, %v", sn, err)
		}
		sg, err := d.ApplySecurityGroups(ctx, "ext", elbdtest.GroupWeb, elbdtest.GroupDefault)
		if err != nil || len(sg) != 2 {
			t.Errorf("ApplySecurityGroups = %v, %v", sg, err)
		}
		_, err = d.ApplySecurityGroups(ctx, "ext", "sg-0nope00001")
		wantKind(t, "unknown security group", err, loadbalancer.ErrInvalidInput, "InvalidSecurityGroup")
	})

	t.Run("zones", func(t *testing.T) {
		if _, err := d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "classic", Algorithm: loadbalancer.LeastConnections}); err != nil {
			t.Fatal(err)
		}
		zs, err := d.EnableZones(ctx, "classic", "us-east-1b")
		if err != nil || !reflect.DeepEqual(zs, []string{"us-east-1a", "us-east-1b"}) {
			t.Errorf("EnableZones = %v, %v", zs, err)
		}
		zs, err = d.DisableZones(ctx, "classic", "us-east-1a")
		if err != nil || !reflect.DeepEqual(zs, []string{"us-east-1b"}) {
			t.Errorf("DisableZones = %v, %v", zs, err)
		}
		_, err = d.DisableZones(ctx, "classic", "us-east-1b")
		wantKind(t, "disable last zone", err, loadbalancer.ErrInvalidInput, "")
	})

	t.Run("tags", func(t *testing.T) {
		tags, err := d.ListTags(ctx, "ext")
		if err != nil || !reflect.DeepEqual(tags, map[string]string{"project": "lima"}) {
			t.Errorf("ListTags = %v, %v", tags, err)
		}
		if err := d.AddTags(ctx, "ext", map[string]string{"env": "test", "project": "mesa"}); err != nil {
			t.Fatal(err)
		}
		if err := d.RemoveTags(ctx, "ext", "env"); err != nil {
			t.Fatal(err)
		}
		b, err := d.GetBalancerWithTags(ctx, "ext")
		if err != nil || !reflect.DeepEqual(elb.DetailsOf(b).Tags, map[string]string{"project": "mesa"}) {
			t.Errorf("GetBalancerWithTags = %v, %v", elb.DetailsOf(b).Tags, err)
		}
		bs, err := d.ListBalancersWithTags(ctx)
		if err != nil || len(bs) != 2 {
			t.Fatalf("ListBalancersWithTags = %v, %v", bs, err)
		}
		for _, b := range bs {
			if elb.DetailsOf(b).Tags == nil {
				t.Errorf("%s: tags not fetched", b.Name)
			}
		}
		bs, _ = d.ListBalancers(ctx)
		if err := d.FetchTags(ctx, bs); err != nil || elb.DetailsOf(bs[slices.IndexFunc(bs, func(b loadbalancer.Balancer) bool { return b.Name == "ext" })]).Tags["project"] != "mesa" {
			t.Errorf("FetchTags: %v", err)
		}
		err = d.AddTags(ctx, "missing", map[string]string{"a": "b"})
		wantKind(t, "tag missing balancer", err, loadbalancer.ErrNotFound, "LoadBalancerNotFound")
	})

	t.Run("limits", func(t *testing.T) {
		ls, err := d.DescribeAccountLimits(ctx)
		if err != nil || len(ls) < 3 || ls[0].Name != "classic-load-balancers" || ls[0].Max != "20" {
			t.Errorf("DescribeAccountLimits = %+v, %v", ls, err)
		}
	})
}

func TestIntegrationLimitExceeded(t *testing.T) {
	_, d := startELBD(t, "limits: {load_balancers: 1}\n")
	ctx := context.Background()
	if _, err := d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "one", Algorithm: loadbalancer.LeastConnections}); err != nil {
		t.Fatal(err)
	}
	_, err := d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "two", Algorithm: loadbalancer.LeastConnections})
	wantKind(t, "second balancer", err, loadbalancer.ErrLimitExceeded, "TooManyLoadBalancers")
}

func TestIntegrationInventory(t *testing.T) {
	env, d := startELBD(t, "")
	ctx := context.Background()
	inv, err := d.ListInventory(ctx)
	if err != nil || len(inv) != 6 || inv[0].Source != "config" {
		t.Fatalf("ListInventory = %+v, %v", inv, err)
	}
	in, err := d.PutInventoryInstance(ctx, elb.InventoryInstance{ID: "i-0123456789abcdef9", Zone: "us-east-1b", IPv4: "127.0.2.9"})
	if err != nil || in.State != elb.InstanceRunning || in.Source != "api" || in.IPv4 != "127.0.2.9" {
		t.Fatalf("PutInventoryInstance = %+v, %v", in, err)
	}
	got, err := d.GetInventoryInstance(ctx, "i-0123456789abcdef9")
	if err != nil || got.Zone != "us-east-1b" {
		t.Errorf("GetInventoryInstance = %+v, %v", got, err)
	}
	// The new instance can be registered.
	b, err := d.CreateBalancer(ctx, loadbalancer.CreateRequest{Name: "inv", Algorithm: loadbalancer.LeastConnections,
		Members: []loadbalancer.Member{{ID: "i-0123456789abcdef9"}}})
	if err != nil || len(b.Members) != 1 {
		t.Errorf("CreateBalancer with inventory instance = %+v, %v", b, err)
	}
	_, err = d.PutInventoryInstance(ctx, elb.InventoryInstance{ID: "i-0badbadbadbadbad1", Zone: "mars-1a"})
	wantKind(t, "bad zone", err, loadbalancer.ErrInvalidInput, "")
	if err := d.DeleteInventoryInstance(ctx, "i-0123456789abcdef9"); err != nil {
		t.Error(err)
	}
	_, err = d.GetInventoryInstance(ctx, "i-0123456789abcdef9")
	wantKind(t, "deleted instance", err, loadbalancer.ErrNotFound, "")
	other := driverFor(t, env, elbdtest.Other, elb.Options{})
	_, err = other.ListInventory(ctx)
	wantKind(t, "non-admin key", err, loadbalancer.ErrAuth, "AccessDenied")
}

// selfSigned returns a PEM certificate and key for host.
func selfSigned(t *testing.T, host string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}
