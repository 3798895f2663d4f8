package desync

import "testing"

// BenchmarkClassify measures the hot path: a typical browser GET (about 400
// bytes) and a small API POST, both Compliant.
func BenchmarkClassify(b *testing.B) {
	for _, bm := range []struct{ name, head string }{
		{"browser-get", browserGET},
		{"api-post", apiPOST},
	} {
		head := []byte(bm.head)
		b.Run(bm.name, func(b *testing.B) {
			if v := Classify(head); v.Class != Compliant {
				b.Fatalf("Classify = %v, want Compliant", v)
			}
			b.SetBytes(int64(len(head)))
			b.ReportAllocs()
			for b.Loop() {
				Classify(head)
			}
		})
	}
}
