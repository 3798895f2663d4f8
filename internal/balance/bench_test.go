package balance

import (
	"fmt"
	"testing"
)

// benchPick runs pick over n healthy backends (and, for n = 64, with half of
// them unhealthy, which exercises the pickers' skip and scan paths): serially,
// in parallel, and in parallel with Acquire/Release around each pick as the
// proxy does.
func benchPick(b *testing.B, pick func([]*Backend) *Backend) {
	for _, n := range []int{2, 8, 64} {
		cands := newBackends(n, "z", "a")
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pick(cands)
			}
		})
		b.Run(fmt.Sprintf("n=%d/parallel", n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					pick(cands)
				}
			})
		})
		b.Run(fmt.Sprintf("n=%d/parallel-acquire", n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					x := pick(cands)
					x.Acquire()
					x.Release()
				}
			})
		})
	}
	cands := newBackends(64, "z", "a")
	for i := 0; i < len(cands); i += 2 {
		cands[i].SetHealthy(false)
	}
	b.Run("n=64/half-unhealthy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pick(cands)
		}
	})
}

func BenchmarkRoundRobinPick(b *testing.B) {
	var rr RoundRobin
	benchPick(b, rr.Pick)
}

func BenchmarkLeastOutstandingPick(b *testing.B) {
	var lo LeastOutstanding
	benchPick(b, lo.Pick)
}

func BenchmarkCandidates(b *testing.B) {
	var bs []*Backend
	for _, z := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		bs = append(bs, newBackends(8, z, z)...)
	}
	var h Holder
	h.Store(NewSet(bs))
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Load().Candidates("us-east-1b", false)
	}
}
