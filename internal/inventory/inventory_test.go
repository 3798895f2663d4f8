package inventory

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/model"
)

func TestStaticLookup(t *testing.T) {
	s := NewStatic([]model.Instance{{ID: "i-2", Zone: "a"}, {ID: "i-1", Zone: "b"}})
	if in, ok := s.Instance("i-1"); !ok || in.Zone != "b" || !in.Static {
		t.Errorf("Instance(i-1) = %+v, %v", in, ok)
	}
	if _, ok := s.Instance("i-9"); ok {
		t.Error("Instance(i-9) found")
	}
	if l := s.List(); len(l) != 2 || l[0].ID != "i-1" {
		t.Errorf("List() = %+v, want sorted i-1, i-2", l)
	}
	var zero Static
	if _, ok := zero.Instance("x"); ok || zero.List() != nil {
		t.Error("zero Static not empty")
	}
}

func TestWatchReloadsOnChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("v1"), 0o600)
	s := NewStatic(nil)
	var fail atomic.Bool
	failed := make(chan struct{}, 1)
	load := func() ([]model.Instance, error) {
		if fail.Load() {
			select {
			case failed <- struct{}{}:
			default:
			}
			return nil, errors.New("broken")
		}
		b, _ := os.ReadFile(path)
		return []model.Instance{{ID: string(b)}}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Watch(ctx, path, 5*time.Millisecond, load, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	defer func() { cancel(); <-done }()
	waitFor := func(id string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if _, ok := s.Instance(id); ok {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("instance %s never appeared", id)
	}
	os.WriteFile(path, []byte("v2"), 0o600)
	waitFor("v2")
	fail.Store(true)
	os.WriteFile(path, []byte("v3"), 0o600)
	select {
	case <-failed:
	case <-time.After(5 * time.Second):
		t.Fatal("broken file was never loaded")
	}
	if _, ok := s.Instance("v2"); !ok {
		t.Fatal("broken reload dropped the previous instances")
	}
}
