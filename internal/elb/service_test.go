package elb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/store"
	"github.com/elbd/elbd/internal/store/boltstore"
)

// faultStore wraps a real store and fails commits on demand, to show that
// a failed commit changes nothing visible.
type faultStore struct {
	store.Store
	fail bool
}

func (f *faultStore) Commit(ctx context.Context, ops []store.Op) error {
	if f.fail {
		return errors.New("injected commit failure")
	}
	return f.Store.Commit(ctx, ops)
}

func newService(t *testing.T, st store.Store) *Service {
	t.Helper()
	s, err := New(context.Background(), Config{Region: "us-east-1", Zones: []string{"us-east-1a", "us-east-1b"},
		DNSDomain: "elb.test"}, st)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openBolt(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var httpListener = []model.Listener{{Protocol: "HTTP", LoadBalancerPort: 80, InstancePort: 8080}}

func TestSnapshotsArePublishedAfterCommitAndImmutable(t *testing.T) {
	st := openBolt(t, filepath.Join(t.TempDir(), "db"))
	defer st.Close()
	s := newService(t, st)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := s.Subscribe(ctx)
	first := <-sub
	if first.Revision != 0 || len(first.LoadBalancers) != 0 {
		t.Fatalf("initial snapshot = rev %d with %d LBs, want empty rev 0", first.Revision, len(first.LoadBalancers))
	}
	if _, err := s.CreateLoadBalancer(ctx, "111111111111", CreateInput{Name: "a", Listeners: httpListener, AvailabilityZones: []string{"us-east-1a"}}); err != nil {
		t.Fatal(err)
	}
	var snap *State
	select {
	case snap = <-sub:
	case <-time.After(5 * time.Second):
		t.Fatal("no snapshot after create")
	}
	if snap.Revision != 1 || len(snap.LoadBalancers) != 1 {
		t.Fatalf("snapshot after create = rev %d, %d LBs; want rev 1, 1 LB", snap.Revision, len(snap.LoadBalancers))
	}
	before := snap.LoadBalancers[Key{"111111111111", "a"}]
	if _, err := s.EnableZones(ctx, "111111111111", "a", []string{"us-east-1b"}); err != nil {
		t.Fatal(err)
	}
	if len(before.AvailabilityZones) != 1 || len(first.LoadBalancers) != 0 {
		t.Fatalf("published snapshots changed after a later write: zones %v", before.AvailabilityZones)
	}
	if got := s.Snapshot().LoadBalancers[Key{"111111111111", "a"}].AvailabilityZones; len(got) != 2 {
		t.Fatalf("current zones = %v, want both", got)
	}
}

func TestFailedCommitChangesNothing(t *testing.T) {
	fs := &faultStore{Store: openBolt(t, filepath.Join(t.TempDir(), "db"))}
	defer fs.Close()
	s := newService(t, fs)
	ctx := context.Background()
	if _, err := s.CreateLoadBalancer(ctx, "111111111111", CreateInput{Name: "a", Listeners: httpListener, AvailabilityZones: []string{"us-east-1a"}}); err != nil {
		t.Fatal(err)
	}
	rev := s.Snapshot().Revision
	fs.fail = true
	_, err := s.CreateLoadBalancer(ctx, "111111111111", CreateInput{Name: "b", Listeners: httpListener, AvailabilityZones: []string{"us-east-1a"}})
	if model.KindOf(err) != model.KindInternal {
		t.Fatalf("create with failing store = %v, want an internal error", err)
	}
	if _, err := s.EnableZones(ctx, "111111111111", "a", []string{"us-east-1b"}); err == nil {
		t.Fatal("modify with failing store succeeded")
	}
	snap := s.Snapshot()
	if snap.Revision != rev || len(snap.LoadBalancers) != 1 || len(snap.LoadBalancers[Key{"111111111111", "a"}].AvailabilityZones) != 1 {
		t.Fatalf("state changed by failed commits: rev %d→%d, %d LBs", rev, snap.Revision, len(snap.LoadBalancers))
	}
}

func TestStateSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st := openBolt(t, path)
	s := newService(t, st)
	ctx := context.Background()
	lb, err := s.CreateLoadBalancer(ctx, "111111111111", CreateInput{Name: "a", Listeners: httpListener,
		AvailabilityZones: []string{"us-east-1a"}, Tags: []model.Tag{{Key: "k", Value: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutInstance(ctx, model.Instance{ID: "i-0123", Zone: "us-east-1a", IPv4: "127.0.0.2", State: "running"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterInstances(ctx, "111111111111", "a", []string{"i-0123"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	s2 := newService(t, openBolt(t, path))
	got, err := s2.DescribeLoadBalancer("111111111111", "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.DNSName != lb.DNSName || !got.CreatedTime.Equal(lb.CreatedTime) || len(got.Tags) != 1 || len(got.Instances) != 1 {
		t.Fatalf("after reopen %+v, want %+v with the instance", got, lb)
	}
	if _, ok := s2.Instance("111111111111", "i-0123"); !ok {
		t.Fatal("admin instance lost on reopen")
	}
}

func TestAccountsAreIsolated(t *testing.T) {
	st := openBolt(t, filepath.Join(t.TempDir(), "db"))
	defer st.Close()
	s := newService(t, st)
	ctx := context.Background()
	for _, acct := range []string{"111111111111", "222222222222"} {
		if _, err := s.CreateLoadBalancer(ctx, acct, CreateInput{Name: "same", Listeners: httpListener, AvailabilityZones: []string{"us-east-1a"}}); err != nil {
			t.Fatalf("create for %s: %v", acct, err)
		}
	}
	if err := s.DeleteLoadBalancer(ctx, "222222222222", "same"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DescribeLoadBalancer("111111111111", "same"); err != nil {
		t.Fatalf("other account's delete removed this one: %v", err)
	}
	p, err := s.DescribeLoadBalancers("222222222222", nil, "", 0)
	if err != nil || len(p.LoadBalancers) != 0 {
		t.Fatalf("account 2 sees %d LBs (%v), want 0", len(p.LoadBalancers), err)
	}
}
