package boltstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elbd/elbd/internal/store"
	"github.com/elbd/elbd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	paths := map[store.Store]string{}
	open := func(t *testing.T) store.Store {
		p := filepath.Join(t.TempDir(), "db", "elbd.db")
		s, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		paths[s] = p
		return s
	}
	reopen := func(t *testing.T, s store.Store) store.Store {
		p := paths[s]
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		return s2
	}
	storetest.Run(t, open, reopen)
}

func TestFileMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "elbd.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for path, want := range map[string]os.FileMode{p: 0o600, filepath.Dir(p): 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %o, want %o", path, got, want)
		}
	}
}
