// Package store defines the durable key/value interface that elbd's desired
// state lives in, independent of the backing database. Implementations:
// boltstore (embedded bbolt, the default) and, for clusters, etcd.
//
// The interface is deliberately small: the control plane keeps the whole
// desired state in memory as immutable snapshots and only needs to load it
// at start and to commit each change atomically and durably before it
// acknowledges the change. Writers are serialised by the caller (in a
// cluster, by the elected leader), so no compare-and-swap is needed here.
package store

import (
	"context"
	"errors"
)

// Op is one write in a batch: a put, or a delete when Value is nil.
type Op struct {
	Key   string
	Value []byte
}

// Put returns a put op.
func Put(key string, value []byte) Op { return Op{Key: key, Value: value} }

// Delete returns a delete op.
func Delete(key string) Op { return Op{Key: key} }

// Store is a durable, ordered key/value store.
type Store interface {
	// Load returns every key with the given prefix and its value.
	Load(ctx context.Context, prefix string) (map[string][]byte, error)
	// Commit applies ops atomically: after it returns nil every op is on
	// stable storage; after an error (or a crash during the call) either
	// all ops or none are applied.
	Commit(ctx context.Context, ops []Op) error
	// Close releases the store.
	Close() error
}

// ErrClosed is returned by operations on a closed store.
var ErrClosed = errors.New("store: closed")
