// Package boltstore implements store.Store on an embedded bbolt file: one
// bucket of keys, one fsynced bbolt transaction per Commit.
package boltstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/elbd/elbd/internal/store"
)

var bucket = []byte("elbd")

// Store is a bbolt-backed store.Store.
type Store struct {
	db *bolt.DB
}

var _ store.Store = (*Store)(nil)

// Open opens or creates the database at path with mode 0600 (it holds
// private keys), creating the parent directory with mode 0700.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: init %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Load implements store.Store.
func (s *Store) Load(ctx context.Context, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
			out[string(k)] = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(err)
	}
	return out, ctx.Err()
}

// Commit implements store.Store.
func (s *Store) Commit(ctx context.Context, ops []store.Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, op := range ops {
			var err error
			if op.Value == nil {
				err = b.Delete([]byte(op.Key))
			} else {
				err = b.Put([]byte(op.Key), op.Value)
			}
			if err != nil {
				return fmt.Errorf("boltstore: %s: %w", op.Key, err)
			}
		}
		return nil
	})
	return mapErr(err)
}

// Close implements store.Store.
func (s *Store) Close() error { return s.db.Close() }

func mapErr(err error) error {
	if err == bolt.ErrDatabaseNotOpen {
		return store.ErrClosed
	}
	return err
}
