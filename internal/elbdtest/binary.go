package elbdtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	binMu   sync.Mutex
	binDir  string
	binPath = map[string]string{}
)

// Binary builds the command with import path pkg (e.g.
// "github.com/elbd/elbd/cmd/elbd") once per test process and returns the
// executable's path. It builds with -race when the test binary has the
// race detector, so that subprocesses are checked too. Call
// RemoveBinaries from TestMain to delete the build directory.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binPath[pkg]; ok {
		return p
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "elbdtest-bin-")
		if err != nil {
			t.Fatal(err)
		}
		binDir = dir
	}
	out := filepath.Join(binDir, path.Base(pkg))
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, pkg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, buf.String())
	}
	binPath[pkg] = out
	return out
}

// RemoveBinaries deletes what Binary built.
func RemoveBinaries() {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir != "" {
		os.RemoveAll(binDir)
		binDir, binPath = "", map[string]string{}
	}
}

// SyncBuffer collects a subprocess's output while it runs; exec copies
// into it from its own goroutine.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ fmt.Stringer = (*SyncBuffer)(nil)

// RequireInterop reports whether tests must fail, rather than skip, when a
// client program they drive (awscli, boto3, libcloud, openssl, curl) is
// missing: CI sets ELBD_REQUIRE_INTEROP=1 after installing them.
func RequireInterop() bool { return os.Getenv("ELBD_REQUIRE_INTEROP") == "1" }
