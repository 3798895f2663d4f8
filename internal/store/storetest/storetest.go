// Package storetest is the conformance suite every store.Store
// implementation runs in its own tests.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/elbd/elbd/internal/store"
)

// Run exercises s. reopen closes the store and opens it again on the same
// data, to check durability.
func Run(t *testing.T, open func(t *testing.T) store.Store, reopen func(t *testing.T, s store.Store) store.Store) {
	ctx := context.Background()
	t.Run("PutLoadDelete", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		must(t, s.Commit(ctx, []store.Op{store.Put("a/1", []byte("x")), store.Put("a/2", []byte("y")), store.Put("b/1", []byte("z"))}))
		got, err := s.Load(ctx, "a/")
		must(t, err)
		if len(got) != 2 || string(got["a/1"]) != "x" || string(got["a/2"]) != "y" {
			t.Fatalf("Load(a/) = %q, want a/1=x a/2=y", got)
		}
		must(t, s.Commit(ctx, []store.Op{store.Delete("a/1"), store.Put("a/2", []byte("w"))}))
		got, err = s.Load(ctx, "a/")
		must(t, err)
		if len(got) != 1 || string(got["a/2"]) != "w" {
			t.Fatalf("after delete Load(a/) = %q, want a/2=w", got)
		}
		all, err := s.Load(ctx, "")
		must(t, err)
		if len(all) != 2 {
			t.Fatalf("Load(\"\") has %d keys, want 2", len(all))
		}
	})
	t.Run("EmptyValueIsNotDelete", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		must(t, s.Commit(ctx, []store.Op{store.Put("k", []byte{})}))
		got, err := s.Load(ctx, "k")
		must(t, err)
		if v, ok := got["k"]; !ok || len(v) != 0 {
			t.Fatalf("Load(k) = %q, want present and empty", got)
		}
	})
	t.Run("Durable", func(t *testing.T) {
		s := open(t)
		must(t, s.Commit(ctx, []store.Op{store.Put("d/1", []byte("1"))}))
		s = reopen(t, s)
		defer s.Close()
		got, err := s.Load(ctx, "d/")
		must(t, err)
		if string(got["d/1"]) != "1" {
			t.Fatalf("after reopen Load(d/) = %q, want d/1=1", got)
		}
	})
	t.Run("ConcurrentCommits", func(t *testing.T) {
		s := open(t)
		defer s.Close()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 20 {
					if err := s.Commit(ctx, []store.Op{store.Put(fmt.Sprintf("c/%d/%d", i, j), []byte("v"))}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got, err := s.Load(ctx, "c/")
		must(t, err)
		if len(got) != 160 {
			t.Fatalf("Load(c/) has %d keys, want 160", len(got))
		}
	})
	t.Run("Closed", func(t *testing.T) {
		s := open(t)
		must(t, s.Close())
		if err := s.Commit(ctx, []store.Op{store.Put("x", []byte("1"))}); err == nil {
			t.Fatal("Commit on closed store succeeded")
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
