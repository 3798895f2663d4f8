package elb

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/elbd/elbd/internal/model"
)

func newPoolService(t *testing.T, path, pool, pool6 string) *Service {
	t.Helper()
	cfg := Config{Region: "us-east-1", Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, DNSDomain: "elb.test",
		AddressPool: netip.MustParsePrefix(pool)}
	if pool6 != "" {
		cfg.AddressPool6 = netip.MustParsePrefix(pool6)
	}
	st := openBolt(t, path)
	t.Cleanup(func() { st.Close() })
	s, err := New(context.Background(), cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func nodes(t *testing.T, s *Service, account, name string) []model.Node {
	t.Helper()
	lb, err := s.DescribeLoadBalancer(account, name)
	if err != nil {
		t.Fatal(err)
	}
	return lb.Nodes
}

func TestAddressesPerZoneUniqueAndStable(t *testing.T) {
	s := newPoolService(t, filepath.Join(t.TempDir(), "db"), "127.100.0.0/16", "fd00:e1b::/64")
	ctx := context.Background()
	create := func(acct, name string, zones ...string) {
		t.Helper()
		if _, err := s.CreateLoadBalancer(ctx, acct, CreateInput{Name: name, Listeners: httpListener, AvailabilityZones: zones}); err != nil {
			t.Fatal(err)
		}
	}
	create("111111111111", "a", "us-east-1a", "us-east-1b")
	create("222222222222", "a", "us-east-1a")
	want := []model.Node{{Zone: "us-east-1a", IPv4: "127.100.0.1", IPv6: "fd00:e1b::1"}, {Zone: "us-east-1b", IPv4: "127.100.0.2", IPv6: "fd00:e1b::2"}}
	if got := nodes(t, s, "111111111111", "a"); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("nodes = %+v, want %+v", got, want)
	}
	if got := nodes(t, s, "222222222222", "a"); len(got) != 1 || got[0].IPv4 != "127.100.0.3" {
		t.Fatalf("second account's nodes = %+v, want 127.100.0.3", got)
	}
	// Enabling a zone adds a node and keeps the others.
	if _, err := s.EnableZones(ctx, "111111111111", "a", []string{"us-east-1c"}); err != nil {
		t.Fatal(err)
	}
	got := nodes(t, s, "111111111111", "a")
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2].IPv4 != "127.100.0.4" {
		t.Fatalf("after enabling c nodes = %+v", got)
	}
	// Disabling releases; the freed address is reused by the next LB.
	if _, err := s.DisableZones(ctx, "111111111111", "a", []string{"us-east-1b"}); err != nil {
		t.Fatal(err)
	}
	create("111111111111", "b", "us-east-1b")
	if got := nodes(t, s, "111111111111", "b"); got[0].IPv4 != "127.100.0.2" {
		t.Fatalf("freed address not reused: %+v", got)
	}
	// Deleting releases all of a load balancer's addresses.
	if err := s.DeleteLoadBalancer(ctx, "222222222222", "a"); err != nil {
		t.Fatal(err)
	}
	create("222222222222", "c", "us-east-1c")
	if got := nodes(t, s, "222222222222", "c"); got[0].IPv4 != "127.100.0.3" {
		t.Fatalf("deleted LB's address not reused: %+v", got)
	}
}

func TestAddressesSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s := newPoolService(t, path, "127.100.0.0/16", "")
	if _, err := s.CreateLoadBalancer(context.Background(), "111111111111", CreateInput{Name: "a", Listeners: httpListener, AvailabilityZones: []string{"us-east-1b"}}); err != nil {
		t.Fatal(err)
	}
	before := nodes(t, s, "111111111111", "a")
	s.st.Close()
	s2 := newPoolService(t, path, "127.100.0.0/16", "")
	if after := nodes(t, s2, "111111111111", "a"); len(after) != 1 || after[0] != before[0] {
		t.Fatalf("nodes after restart = %+v, want %+v", after, before)
	}
}

func TestAddressPoolExhausted(t *testing.T) {
	// A /30 has two assignable addresses: .1 and .2 (.0 and .3 are skipped).
	s := newPoolService(t, filepath.Join(t.TempDir(), "db"), "127.100.0.0/30", "")
	ctx := context.Background()
	if _, err := s.CreateLoadBalancer(ctx, "111111111111", CreateInput{Name: "a", Listeners: httpListener, AvailabilityZones: []string{"us-east-1a", "us-east-1b"}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateLoadBalancer(ctx, "111111111111", CreateInput{Name: "b", Listeners: httpListener, AvailabilityZones: []string{"us-east-1a"}})
	if model.KindOf(err) != model.KindInvalidConfiguration {
		t.Fatalf("create with an exhausted pool = %v, want InvalidConfiguration", err)
	}
	if _, err := s.EnableZones(ctx, "111111111111", "a", []string{"us-east-1c"}); model.KindOf(err) != model.KindInvalidConfiguration {
		t.Fatalf("enable zone with an exhausted pool = %v, want InvalidConfiguration", err)
	}
	if got := nodes(t, s, "111111111111", "a"); len(got) != 2 {
		t.Fatalf("failed enable changed nodes: %+v", got)
	}
}

func TestMissingNodesAssignedAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st := openBolt(t, path)
	old, err := New(context.Background(), Config{Region: "us-east-1", Zones: []string{"us-east-1a"}, DNSDomain: "elb.test"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.CreateLoadBalancer(context.Background(), "111111111111", CreateInput{Name: "a", Listeners: httpListener, AvailabilityZones: []string{"us-east-1a"}}); err != nil {
		t.Fatal(err)
	}
	if n := nodes(t, old, "111111111111", "a"); len(n) != 0 {
		t.Fatalf("nodes without a pool = %+v", n)
	}
	st.Close()
	s := newPoolService(t, path, "127.100.0.0/16", "")
	if n := nodes(t, s, "111111111111", "a"); len(n) != 1 || n[0].IPv4 != "127.100.0.1" {
		t.Fatalf("nodes after start with a pool = %+v", n)
	}
}
