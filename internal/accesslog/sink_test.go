package accesslog

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// clock is a settable time source for Config.Now.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := new(clock)
	c.set(t)
	return c
}

func (c *clock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

func at(hhmmss string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999", hhmmss)
	if err != nil {
		panic(err)
	}
	return t
}

// testConfig writes below root; its writer flushes only when told to, and
// its clock is clk, or time.Now if clk is nil.
func testConfig(root string, clk *clock) Config {
	cfg := Config{
		Root:          root,
		Bucket:        "my-bucket",
		Prefix:        "my-app/prod",
		AccountID:     "123456789012",
		Region:        "us-west-2",
		LoadBalancer:  "my-loadbalancer",
		NodeIP:        netip.MustParseAddr("172.16.1.192"),
		Interval:      5 * time.Minute,
		FlushInterval: time.Hour,
	}
	if clk != nil {
		cfg.Now = clk.Now
	}
	return cfg
}

// entryAt is the documented HTTP entry with a request path naming it.
func entryAt(t time.Time, path string) *Entry {
	e := httpEntry()
	e.Time = t
	e.URL = []byte(path)
	return e
}

// logFiles returns the files below root, by path relative to root, with
// the paths of the requests logged in each.
func logFiles(t *testing.T, root string) map[string][]string {
	t.Helper()
	files := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		var paths []string
		for line := range strings.Lines(string(b)) {
			f, err := ParseLine(line)
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				continue
			}
			paths = append(paths, strings.TrimPrefix(f.URL, "http://www.example.com:80"))
		}
		files[filepath.ToSlash(rel)] = paths
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// openFiles returns the files below root that this process has open.
func openFiles(t *testing.T, root string) []string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc/self/fd")
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, root+string(filepath.Separator)) {
			open = append(open, filepath.Base(target))
		}
	}
	return open
}

const dir = "my-bucket/my-app/prod/AWSLogs/123456789012/elasticloadbalancing/us-west-2/"

// checkFiles compares the files below root with want, which maps each
// file's directory and name without its random part to the requests in
// it.
func checkFiles(t *testing.T, root string, want map[string][]string) {
	t.Helper()
	name := regexp.MustCompile(`^(.*_172\.16\.1\.192_)[0-9a-z]{8}(\.log)$`)
	got := map[string][]string{}
	for path, reqs := range logFiles(t, root) {
		m := name.FindStringSubmatch(path)
		if m == nil {
			t.Errorf("unexpected file %s", path)
			continue
		}
		got[m[1]+"*"+m[2]] = reqs
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s holds %q, want %q", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s holding %q", k, v)
		}
	}
}

func TestRotation(t *testing.T) {
	clk := newClock(at("2014-02-15 23:39:10"))
	cfg := testConfig(t.TempDir(), clk)
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := s.Dir(), filepath.Join(cfg.Root, filepath.FromSlash(dir)); got != want {
		t.Errorf("Dir() = %s, want %s", got, want)
	}
	const (
		f2340 = dir + "2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.16.1.192_*.log"
		f2345 = dir + "2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2345Z_172.16.1.192_*.log"
		f0000 = dir + "2014/02/16/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140216T0000Z_172.16.1.192_*.log"
	)

	checkFiles(t, cfg.Root, nil) // nothing before the first line
	s.Log(entryAt(clk.Now(), "/a"))
	s.Log(entryAt(clk.Now(), "/b"))
	s.Flush()
	checkFiles(t, cfg.Root, map[string][]string{f2340: {"/a", "/b"}})

	// On the boundary a line belongs to the next interval; and a request
	// received before it but logged after it too.
	clk.set(at("2014-02-15 23:40:00"))
	s.Log(entryAt(at("2014-02-15 23:39:59"), "/c"))
	clk.set(at("2014-02-15 23:44:59.999"))
	s.Log(entryAt(clk.Now(), "/d"))
	s.Flush()
	checkFiles(t, cfg.Root, map[string][]string{f2340: {"/a", "/b"}, f2345: {"/c", "/d"}})
	if open := openFiles(t, cfg.Root); len(open) != 1 || !strings.Contains(open[0], "T2345Z") {
		t.Errorf("open files %q, want the 23:45 one", open)
	}

	// Without traffic the file is closed once its interval is over, and
	// the quiet interval leaves no file.
	clk.set(at("2014-02-15 23:51:00"))
	s.Flush()
	if open := openFiles(t, cfg.Root); len(open) != 0 {
		t.Errorf("files %q still open after their interval", open)
	}

	// The date directories are those of the end time.
	clk.set(at("2014-02-15 23:58:00"))
	s.Log(entryAt(clk.Now(), "/e"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, cfg.Root, map[string][]string{f2340: {"/a", "/b"}, f2345: {"/c", "/d"}, f0000: {"/e"}})
	if open := openFiles(t, cfg.Root); len(open) != 0 {
		t.Errorf("files %q still open after Close", open)
	}
	if n := s.Dropped(); n != 0 {
		t.Errorf("Dropped() = %d", n)
	}
}

func TestHourlyInterval(t *testing.T) {
	clk := newClock(at("2014-02-15 23:00:00"))
	cfg := testConfig(t.TempDir(), clk)
	cfg.Interval = 0 // 60 minutes
	cfg.Prefix = ""
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Log(entryAt(clk.Now(), "/a"))
	clk.set(at("2014-02-15 23:59:59.999"))
	s.Log(entryAt(clk.Now(), "/b"))
	clk.set(at("2014-02-16 00:00:00"))
	s.Log(entryAt(clk.Now(), "/c"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	const d = "my-bucket/AWSLogs/123456789012/elasticloadbalancing/us-west-2/"
	checkFiles(t, cfg.Root, map[string][]string{
		d + "2014/02/16/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140216T0000Z_172.16.1.192_*.log": {"/a", "/b"},
		d + "2014/02/16/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140216T0100Z_172.16.1.192_*.log": {"/c"},
	})
}

func TestFileModes(t *testing.T) {
	clk := newClock(at("2014-02-15 23:39:10"))
	cfg := testConfig(t.TempDir(), clk)
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Log(entryAt(clk.Now(), "/a"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The modes asked for are 0644 and 0755; the umask may take bits away.
	err = filepath.WalkDir(filepath.Join(cfg.Root, "my-bucket"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o644)
		if d.IsDir() {
			want = 0o755
		}
		if perm := fi.Mode().Perm(); perm&^want != 0 || perm&0o700 != want&0o700 {
			t.Errorf("%s: mode %v, want %v less the umask", path, perm, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDropWhenFull(t *testing.T) {
	clk := newClock(at("2014-02-15 23:39:10"))
	cfg := testConfig(t.TempDir(), clk)
	cfg.QueueSize = 4
	s, err := newSink(cfg) // the writer is not running: the queue only fills
	if err != nil {
		t.Fatal(err)
	}
	var queued []bool
	for i := range 10 {
		queued = append(queued, s.Log(entryAt(clk.Now(), "/"+string(rune('a'+i)))))
	}
	if want := []bool{true, true, true, true, false, false, false, false, false, false}; !slices.Equal(queued, want) {
		t.Errorf("Log returned %v, want %v", queued, want)
	}
	if n := s.Dropped(); n != 6 {
		t.Errorf("Dropped() = %d, want 6", n)
	}
	go s.run()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Log(entryAt(clk.Now(), "/late")) {
		t.Error("Log after Close returned true")
	}
	if n := s.Dropped(); n != 7 {
		t.Errorf("Dropped() after Close = %d, want 7", n)
	}
	s.Flush() // returns at once on a closed Sink
	checkFiles(t, cfg.Root, map[string][]string{
		dir + "2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.16.1.192_*.log": {"/a", "/b", "/c", "/d"},
	})
}

func TestNilSink(t *testing.T) {
	var s *Sink
	if s.Log(httpEntry()) {
		t.Error("Log on a nil Sink returned true")
	}
}

func TestCloseFlushes(t *testing.T) {
	clk := newClock(at("2014-02-15 23:39:10"))
	cfg := testConfig(t.TempDir(), clk)
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 3000 { // several batches
		p := "/" + strings.Repeat("x", i%200)
		want = append(want, p)
		if !s.Log(entryAt(clk.Now(), p)) {
			t.Fatalf("line %d dropped", i)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	checkFiles(t, cfg.Root, map[string][]string{
		dir + "2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.16.1.192_*.log": want,
	})
}

// TestConcurrentLog checks under the race detector that every line is
// either written or counted as dropped.
func TestConcurrentLog(t *testing.T) {
	clk := newClock(at("2014-02-15 23:39:10"))
	cfg := testConfig(t.TempDir(), clk)
	cfg.QueueSize = 64
	cfg.FlushInterval = time.Millisecond
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const workers, lines = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range lines {
				if w == 0 && i == lines/2 {
					clk.set(at("2014-02-15 23:41:00"))
				}
				s.Log(entryAt(clk.Now(), "/x"))
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	written := 0
	for _, reqs := range logFiles(t, cfg.Root) {
		written += len(reqs)
	}
	if total := written + int(s.Dropped()); total != workers*lines {
		t.Errorf("%d written + %d dropped = %d, want %d", written, s.Dropped(), total, workers*lines)
	}
}

// TestWriterClock runs the writer on synctest's fake clock: lines reach
// the file within a second without Flush, and the file is closed when its
// interval ends.
func TestWriterClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// time.Now is the bubble's clock, from 2000-01-01 00:00 UTC, and
		// the writer goroutine is in the bubble too.
		cfg := testConfig(t.TempDir(), nil)
		cfg.FlushInterval = 0 // one second
		s, err := NewSink(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		const f0005 = dir + "2000/01/01/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20000101T0005Z_172.16.1.192_*.log"

		s.Log(entryAt(time.Now(), "/a"))
		synctest.Wait()
		checkFiles(t, cfg.Root, nil) // queued, not yet written
		time.Sleep(time.Second)
		synctest.Wait()
		checkFiles(t, cfg.Root, map[string][]string{f0005: {"/a"}})
		if open := openFiles(t, cfg.Root); len(open) != 1 {
			t.Errorf("open files %q, want one", open)
		}
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if open := openFiles(t, cfg.Root); len(open) != 0 {
			t.Errorf("files %q still open after their interval", open)
		}
	})
}

func TestCreateErrorLoggedOncePerInterval(t *testing.T) {
	clk := newClock(at("2014-02-15 23:39:10"))
	cfg := testConfig(t.TempDir(), clk)
	cfg.Root = filepath.Join(cfg.Root, "file")
	if err := os.WriteFile(cfg.Root, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer // written by the writer, read after Flush
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		s.Log(entryAt(clk.Now(), "/a"))
	}
	s.Flush()
	if n, records := s.Dropped(), strings.Count(logs.String(), "\n"); n != 3 || records != 1 {
		t.Errorf("after 3 lines: %d dropped, %d log records; want 3 and 1:\n%s", n, records, &logs)
	}
	clk.set(at("2014-02-15 23:40:10"))
	s.Log(entryAt(clk.Now(), "/b"))
	s.Flush()
	if n, records := s.Dropped(), strings.Count(logs.String(), "\n"); n != 4 || records != 2 {
		t.Errorf("next interval: %d dropped, %d log records; want 4 and 2:\n%s", n, records, &logs)
	}
	if !strings.Contains(logs.String(), "load_balancer=my-loadbalancer") {
		t.Errorf("log records do not name the load balancer:\n%s", &logs)
	}
	err = s.Close()
	if err == nil || !strings.Contains(err.Error(), "creating") {
		t.Errorf("Close() = %v, want the create error", err)
	}
}

// The tests below drive the writer's methods directly, without its
// goroutine.

func startedSink(t *testing.T) *Sink {
	t.Helper()
	s, err := newSink(testConfig(t.TempDir(), newClock(time.Time{})))
	if err != nil {
		t.Fatal(err)
	}
	s.batch = make([]byte, 0, batchSize)
	t.Cleanup(func() { s.closeFile() })
	return s
}

func (s *Sink) writeLine(end time.Time, path string) {
	buf := AppendEntry(nil, entryAt(end, path))
	s.write(queued{end: end.Unix(), buf: &buf})
}

func TestWriteErrorDropsBatch(t *testing.T) {
	s := startedSink(t)
	end := at("2014-02-15 23:40:00")
	s.writeLine(end, "/a")
	s.flush()
	s.writeLine(end, "/b")
	s.writeLine(end, "/c")
	s.f.Close() // the next write fails
	s.flush()
	if n := s.Dropped(); n != 2 {
		t.Errorf("Dropped() = %d, want 2", n)
	}
	s.writeLine(end, "/d") // same interval: dropped without trying
	if n := s.Dropped(); n != 3 || s.f != nil {
		t.Errorf("Dropped() = %d, file %v; want 3 and none", n, s.f)
	}
	s.writeLine(end.Add(5*time.Minute), "/e") // next interval: a new file
	s.closeFile()
	if !errors.Is(s.err, os.ErrClosed) {
		t.Errorf("first error %v, want os.ErrClosed", s.err)
	}
	checkFiles(t, rootOf(s), map[string][]string{
		dir + "2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.16.1.192_*.log": {"/a"},
		dir + "2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2345Z_172.16.1.192_*.log": {"/e"},
	})
}

// rootOf returns the Config.Root of s.
func rootOf(s *Sink) string {
	return strings.TrimSuffix(s.layout.dir, filepath.FromSlash(strings.TrimSuffix(dir, "/")))
}

func TestLateLineGoesToNewestFile(t *testing.T) {
	s := startedSink(t)
	s.writeLine(at("2014-02-15 23:45:00"), "/new")
	s.writeLine(at("2014-02-15 23:40:00"), "/late")
	s.closeFile()
	checkFiles(t, rootOf(s), map[string][]string{
		dir + "2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2345Z_172.16.1.192_*.log": {"/new", "/late"},
	})
}

func TestNameTaken(t *testing.T) {
	s := startedSink(t)
	names := []string{"aaaaaaaa", "aaaaaaaa", "bbbbbbbb"}
	s.layout.random = func() string {
		n := names[0]
		names = names[1:]
		return n
	}
	end := at("2014-02-15 23:40:00")
	taken := s.layout.path(end)
	if err := os.MkdirAll(filepath.Dir(taken), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(taken, []byte("someone else's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.writeLine(end, "/a")
	s.closeFile()
	if b, _ := os.ReadFile(taken); string(b) != "someone else's\n" {
		t.Errorf("existing file overwritten: %q", b)
	}
	b, err := os.ReadFile(strings.Replace(taken, "aaaaaaaa", "bbbbbbbb", 1))
	if err != nil {
		t.Fatal(err)
	}
	if f, err := ParseLine(string(b)); err != nil || f.URL != "http://www.example.com:80/a" {
		t.Errorf("new file holds %q (%v)", b, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Root = "" }, "root"},
		{func(c *Config) { c.Bucket = "" }, "empty bucket"},
		{func(c *Config) { c.Bucket = ".." }, `bucket ".."`},
		{func(c *Config) { c.Bucket = "." }, `bucket "."`},
		{func(c *Config) { c.Bucket = "a/b" }, "separator"},
		{func(c *Config) { c.Bucket = "a\x00b" }, "NUL"},
		{func(c *Config) { c.Prefix = "/abs" }, "absolute"},
		{func(c *Config) { c.Prefix = "../up" }, `".."`},
		{func(c *Config) { c.Prefix = "a/../../b" }, `".."`},
		{func(c *Config) { c.Prefix = "a/./b" }, `"."`},
		{func(c *Config) { c.Prefix = "a//b" }, "empty prefix element"},
		{func(c *Config) { c.Prefix = "a\x00" }, "NUL"},
		{func(c *Config) { c.AccountID = "../1" }, "account id"},
		{func(c *Config) { c.Region = "" }, "region"},
		{func(c *Config) { c.LoadBalancer = "a/b" }, "load balancer name"},
		{func(c *Config) { c.NodeIP = netip.Addr{} }, "node IP"},
		{func(c *Config) { c.Interval = 5 }, "interval"},
		{func(c *Config) { c.Interval = 15 * time.Minute }, "interval"},
		{func(c *Config) { c.QueueSize = -1 }, "negative"},
	} {
		cfg := testConfig(t.TempDir(), newClock(time.Time{}))
		tt.edit(&cfg)
		s, err := NewSink(cfg)
		if err == nil {
			s.Close()
			t.Errorf("NewSink accepted %+v", cfg)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewSink: %v, want an error about %s", err, tt.want)
		}
	}
}

func TestPrefixes(t *testing.T) {
	for _, tt := range []struct{ prefix, want string }{
		{"", "my-bucket/AWSLogs"},
		{"logs", "my-bucket/logs/AWSLogs"},
		{"logs/", "my-bucket/logs/AWSLogs"},
		{"a/b.c/..d", "my-bucket/a/b.c/..d/AWSLogs"},
	} {
		cfg := testConfig(t.TempDir(), newClock(time.Time{}))
		cfg.Prefix = tt.prefix
		s, err := newSink(cfg)
		if err != nil {
			t.Errorf("prefix %q: %v", tt.prefix, err)
			continue
		}
		want := filepath.Join(cfg.Root, filepath.FromSlash(tt.want), "123456789012", "elasticloadbalancing", "us-west-2")
		if s.Dir() != want {
			t.Errorf("prefix %q: Dir() = %s, want %s", tt.prefix, s.Dir(), want)
		}
	}
}
