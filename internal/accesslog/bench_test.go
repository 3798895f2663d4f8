package accesslog

import "testing"

func BenchmarkAppendEntry(b *testing.B) {
	for _, bc := range []struct {
		name string
		e    *Entry
	}{
		{"HTTP", httpEntry()},
		{"TCP", tcpEntry()},
		{"IPv6", ipv6Entry()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := AppendEntry(nil, bc.e)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendEntry(buf[:0], bc.e)
			}
		})
	}
}

func ipv6Entry() *Entry {
	for _, tc := range goldenCases {
		if tc.name == "ipv6" {
			return goldenEntry(tc.name, tc.edit)
		}
	}
	panic("no ipv6 case")
}

// benchSink is a Sink on the real clock that flushes every second.
func benchSink(b *testing.B) *Sink {
	cfg := testConfig(b.TempDir(), nil)
	cfg.FlushInterval = 0
	s, err := NewSink(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkLog measures Log, the request path's cost.
//
//   - queued: lines that are queued; the writer is made to catch up every
//     1024 lines with the timer stopped.
//   - end-to-end: the same with the catching up timed: Log plus the
//     writer's work per line, written to the file.
//   - queue-full: a line dropped because the queue is full.
//   - parallel-end-to-end: end-to-end from every P.
//   - parallel-overload: Log from every P as fast as it goes; the writer
//     falls behind and most lines are dropped (dropped/op).
func BenchmarkLog(b *testing.B) {
	e := httpEntry()
	b.Run("queued", func(b *testing.B) {
		s := benchSink(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i++; i%1024 == 0 {
				b.StopTimer()
				s.Flush()
				b.StartTimer()
			}
			s.Log(e)
		}
		b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
	})
	b.Run("end-to-end", func(b *testing.B) {
		s := benchSink(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i++; i%1024 == 0 {
				s.Flush()
			}
			s.Log(e)
		}
		s.Flush()
		b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
	})
	b.Run("queue-full", func(b *testing.B) {
		cfg := testConfig(b.TempDir(), nil)
		cfg.QueueSize = 1
		s, err := newSink(cfg) // no writer: the queue stays full
		if err != nil {
			b.Fatal(err)
		}
		s.Log(e)
		b.ReportAllocs()
		for b.Loop() {
			s.Log(e)
		}
	})
	b.Run("parallel-end-to-end", func(b *testing.B) {
		s := benchSink(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if i++; i%1024 == 0 {
					s.Flush()
				}
				s.Log(e)
			}
		})
		s.Flush()
		b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
	})
	b.Run("parallel-overload", func(b *testing.B) {
		s := benchSink(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.Log(e)
			}
		})
		b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
	})
}

func TestLogAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	clk := newClock(at("2014-02-15 23:39:10"))
	s, err := NewSink(testConfig(t.TempDir(), clk))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := httpEntry()
	e.Time = clk.Now()
	// Fill the pool with as many buffers as the measured loop can have in
	// flight when the writer falls behind (it also creates the file).
	const runs = 2000
	for range runs + 1 {
		s.Log(e)
	}
	s.Flush()
	// The writer's work counts too; allow for a GC emptying the pool.
	if n := testing.AllocsPerRun(runs, func() { s.Log(e) }); n > 0.05 {
		t.Errorf("Log allocates %v times per line", n)
	}
}
