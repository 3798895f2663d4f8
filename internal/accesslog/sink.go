package accesslog

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes a Sink: where its files go and how it runs.
type Config struct {
	// Root is the directory that stands for S3: buckets are directories
	// in it. It is created if needed.
	Root string
	// Bucket and Prefix are the load balancer's AccessLog S3BucketName and
	// S3BucketPrefix. The bucket must be one path element and the prefix
	// relative, with no "." or ".." elements; an empty prefix adds no
	// directory, and trailing slashes are ignored.
	Bucket, Prefix string
	// AccountID, Region and LoadBalancer name the load balancer; NodeIP is
	// the node's address (one Sink per node, as in ELB).
	AccountID, Region, LoadBalancer string
	NodeIP                          netip.Addr
	// Interval is the EmitInterval: 5 or 60 minutes; zero means 60.
	Interval time.Duration
	// QueueSize bounds the lines waiting for the writer; Log drops lines
	// beyond it. Zero means 8192.
	QueueSize int
	// FlushInterval bounds how long a line waits before it is written to
	// its file, and how late after its interval a file is closed. Zero
	// means one second.
	FlushInterval time.Duration
	// Logger receives write errors, at most one per interval. Nil discards
	// them.
	Logger *slog.Logger
	// Now is the clock that decides a line's interval and when a file's
	// interval is over; nil means time.Now. It is called concurrently.
	// Tests set it to cross interval boundaries without waiting.
	Now func() time.Time
}

const (
	defaultQueueSize = 8192
	batchSize        = 64 << 10 // bytes written to a file at once
	maxPooledBuf     = 64 << 10 // larger line buffers are left to the GC
)

// A Sink writes one load balancer node's access log: Log queues a line,
// a goroutine owned by the Sink writes it to the file of the current
// interval. Its methods may be called concurrently.
type Sink struct {
	layout     *layout
	interval   time.Duration
	flushEvery time.Duration
	now        func() time.Time
	log        *slog.Logger
	name       string // the load balancer's, for log records

	queue    chan queued
	nudge    int           // queue length at which Log wakes the writer
	wake     chan struct{} // capacity 1
	flushReq chan chan struct{}
	stop     chan struct{} // closed by Close
	done     chan struct{} // closed when run returns

	pool      sync.Pool // of *[]byte
	closed    atomic.Bool
	dropped   atomic.Uint64
	closeOnce sync.Once

	// Owned by run; read by Close after done is closed.
	f          *os.File
	fEnd       int64  // end of f's interval, Unix seconds
	lastEnd    int64  // newest interval end seen
	failEnd    int64  // interval whose file failed; its lines are dropped
	errEnd     int64  // interval for which an error was logged
	batch      []byte // lines not yet written to f
	batchLines int
	err        error // first error met
}

// queued is a formatted line and the end of the interval it belongs to.
type queued struct {
	end int64
	buf *[]byte
}

// NewSink checks cfg and starts the Sink's writer. No file or directory
// is created until the first line is written. Close stops it.
func NewSink(cfg Config) (*Sink, error) {
	s, err := newSink(cfg)
	if err != nil {
		return nil, err
	}
	go s.run()
	return s, nil
}

// newSink is NewSink without starting the writer.
func newSink(cfg Config) (*Sink, error) {
	l, err := newLayout(&cfg)
	if err != nil {
		return nil, err
	}
	s := &Sink{
		layout:     l,
		interval:   cfg.Interval,
		flushEvery: cfg.FlushInterval,
		now:        cfg.Now,
		log:        cfg.Logger,
		name:       cfg.LoadBalancer,
		wake:       make(chan struct{}, 1),
		flushReq:   make(chan chan struct{}),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	switch s.interval {
	case 0:
		s.interval = 60 * time.Minute
	case 5 * time.Minute, 60 * time.Minute:
	default:
		return nil, fmt.Errorf("accesslog: interval %v is not 5 or 60 minutes", cfg.Interval)
	}
	if cfg.QueueSize < 0 || cfg.FlushInterval < 0 {
		return nil, errors.New("accesslog: negative queue size or flush interval")
	}
	s.queue = make(chan queued, cmp.Or(cfg.QueueSize, defaultQueueSize))
	s.nudge = max(cap(s.queue)/4, 1)
	s.flushEvery = cmp.Or(s.flushEvery, time.Second)
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.pool.New = func() any {
		b := make([]byte, 0, 512)
		return &b
	}
	return s, nil
}

// Log queues e's line for the current interval's file and reports whether
// it was queued. It never blocks: when the queue is full, or the Sink is
// closed, the line is dropped and counted by Dropped. e is not retained.
// Log on a nil Sink does nothing and returns false.
func (s *Sink) Log(e *Entry) bool {
	if s == nil {
		return false
	}
	if s.closed.Load() || len(s.queue) == cap(s.queue) {
		s.dropped.Add(1)
		return false
	}
	buf := s.pool.Get().(*[]byte)
	*buf = AppendEntry((*buf)[:0], e)
	select {
	case s.queue <- queued{end: intervalEnd(s.now(), s.interval), buf: buf}:
		// The writer is not waiting on the queue, so a send wakes nobody
		// up; it is only woken when the queue starts to fill.
		if len(s.queue) >= s.nudge {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
		return true
	default:
		s.dropped.Add(1)
		s.putBuf(buf)
		return false
	}
}

// Dropped returns how many lines were lost: refused by Log because the
// queue was full or the Sink closed, or discarded because their file
// could not be created or written.
func (s *Sink) Dropped() uint64 {
	return s.dropped.Load()
}

// Dir returns the directory below which the Sink's files go:
// <root>/<bucket>[/<prefix>]/AWSLogs/<account-id>/elasticloadbalancing/<region>.
func (s *Sink) Dir() string {
	return s.layout.dir
}

// Flush returns once every line queued before the call has been written
// to its file (not synced), and the file of an interval that has ended
// has been closed. It is meant for tests and shutdown paths; the writer
// flushes on its own every FlushInterval.
func (s *Sink) Flush() {
	reply := make(chan struct{})
	select {
	case s.flushReq <- reply:
		<-reply
	case <-s.done:
	}
}

// Close writes the queued lines, closes the current file, stops the
// writer and waits for it. It returns the first error the writer met, if
// any; each was also logged. Lines logged after Close are dropped; a Log
// racing with Close may lose its line without counting it. Close may be
// called more than once.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		<-s.done
		for { // lines queued while the writer was finishing
			select {
			case q := <-s.queue:
				s.dropped.Add(1)
				s.putBuf(q.buf)
			default:
				return
			}
		}
	})
	return s.err
}

// run is the writer goroutine. Rather than receive each line as it is
// queued, which would cost Log a goroutine wake-up per line, it drains the
// queue every FlushInterval or when Log finds the queue a quarter full.
func (s *Sink) run() {
	defer close(s.done)
	tick := time.NewTicker(s.flushEvery)
	defer tick.Stop()
	s.batch = make([]byte, 0, batchSize)
	for {
		select {
		case <-s.wake:
			s.drain()
		case <-tick.C:
			s.drain()
			s.tick()
		case reply := <-s.flushReq:
			s.drain()
			s.tick()
			close(reply)
		case <-s.stop:
			s.drain()
			s.closeFile()
			return
		}
	}
}

// drain writes the lines waiting in the queue.
func (s *Sink) drain() {
	for {
		select {
		case q := <-s.queue:
			s.write(q)
		default:
			return
		}
	}
}

// tick closes the file once its interval has ended, else writes the batch.
func (s *Sink) tick() {
	if s.f != nil && s.now().Unix() >= s.fEnd {
		s.closeFile()
		return
	}
	s.flush()
}

// write adds one line to the batch of its interval's file, rotating or
// creating the file as needed. A line stamped with an interval older than
// the newest one seen (it lost a race at the boundary) goes to the newest.
func (s *Sink) write(q queued) {
	defer s.putBuf(q.buf)
	end := max(q.end, s.lastEnd)
	s.lastEnd = end
	if s.f != nil && s.fEnd != end {
		s.closeFile()
	}
	if s.f == nil && end != s.failEnd {
		s.open(end)
	}
	line := *q.buf
	if s.f != nil && len(s.batch) > 0 && len(s.batch)+len(line) > batchSize {
		s.flush()
	}
	if s.f == nil {
		s.dropped.Add(1)
		return
	}
	s.batch = append(s.batch, line...)
	s.batchLines++
}

// open creates the file for the interval ending at end.
func (s *Sink) open(end int64) {
	var path string
	var err error
	for range 3 { // a new random name if the first is taken
		path = s.layout.path(time.Unix(end, 0))
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			break
		}
		var f *os.File
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if err == nil {
			s.f, s.fEnd = f, end
			return
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	s.failEnd = end
	s.fail(end, "creating", err)
}

// flush writes the batch to the file. On error the batch's lines are
// counted as dropped and the file is given up until the next interval.
func (s *Sink) flush() {
	if s.f == nil || len(s.batch) == 0 {
		return
	}
	_, err := s.f.Write(s.batch)
	s.batch = s.batch[:0]
	if cap(s.batch) > batchSize { // grown by a huge line
		s.batch = make([]byte, 0, batchSize)
	}
	if err != nil {
		s.dropped.Add(uint64(s.batchLines))
		s.batchLines = 0
		s.fail(s.fEnd, "writing", err)
		s.f.Close()
		s.f, s.failEnd = nil, s.fEnd
		return
	}
	s.batchLines = 0
}

// closeFile writes the batch and closes the file.
func (s *Sink) closeFile() {
	s.flush()
	if s.f == nil {
		return
	}
	if err := s.f.Close(); err != nil {
		s.fail(s.fEnd, "closing", err)
	}
	s.f = nil
}

// fail records err and logs it unless an error was already logged for
// the interval ending at end.
// The error names the file (an *fs.PathError).
func (s *Sink) fail(end int64, op string, err error) {
	if s.err == nil {
		s.err = fmt.Errorf("accesslog: %s file: %w", op, err)
	}
	if s.errEnd == end {
		return
	}
	s.errEnd = end
	s.log.Warn("accesslog: "+op+" file failed",
		"load_balancer", s.name, "interval_end", time.Unix(end, 0).UTC(), "err", err)
}

func (s *Sink) putBuf(buf *[]byte) {
	if cap(*buf) <= maxPooledBuf {
		s.pool.Put(buf)
	}
}
