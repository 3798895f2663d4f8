// Package inventory owns the instances declared in the config file: an
// immutable, atomically swapped set that the file watcher replaces when
// the file changes. Instances added through the admin API live in the
// elb service's state instead; this package only knows the static ones.
package inventory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/model"
)

// Static is the config-file inventory. The zero value is empty and ready.
type Static struct {
	set atomic.Pointer[map[string]model.Instance]
}

// NewStatic returns an inventory holding instances.
func NewStatic(instances []model.Instance) *Static {
	s := &Static{}
	s.Set(instances)
	return s
}

// Set replaces the whole inventory.
func (s *Static) Set(instances []model.Instance) {
	m := make(map[string]model.Instance, len(instances))
	for _, in := range instances {
		in.Static = true
		m[in.ID] = in
	}
	s.set.Store(&m)
}

// Instance implements elb.InstanceSource.
func (s *Static) Instance(id string) (model.Instance, bool) {
	m := s.set.Load()
	if m == nil {
		return model.Instance{}, false
	}
	in, ok := (*m)[id]
	return in, ok
}

// List returns every instance sorted by id.
func (s *Static) List() []model.Instance {
	m := s.set.Load()
	if m == nil {
		return nil
	}
	out := make([]model.Instance, 0, len(*m))
	for _, in := range *m {
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b model.Instance) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Watch polls path every interval and, when its content changes, calls
// load and installs the result. A file that fails to load is logged and
// the previous inventory kept. Watch returns when ctx ends.
func (s *Static) Watch(ctx context.Context, path string, interval time.Duration, load func() ([]model.Instance, error), log *slog.Logger) {
	// The first tick always loads, so a change made between startup and
	// the first poll is not missed.
	var last []byte
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d := digest(path)
		if bytes.Equal(d, last) {
			continue
		}
		last = d
		ins, err := load()
		if err != nil {
			log.Error("config file changed but cannot be loaded; keeping the previous instances", "path", path, "err", err)
			continue
		}
		s.Set(ins)
		log.Info("instances reloaded from config file", "path", path, "count", len(ins))
	}
}

func digest(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return sum[:]
}
