package httpproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestSurgeQueue pins ELB's surge queue: with one request allowed per
// instance, a second request waits until the first completes and then
// succeeds; when the queue is full, the next one is refused with 503.
func TestSurgeQueue(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/slow" {
			entered <- struct{}{}
			<-release
		}
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return true
	}
	surge := NewSurge(1)
	var mu sync.Mutex
	var recs []Record
	h := newHarness(t, Config{MaxPerBackend: 1, Surge: surge, IdleTimeout: 5 * time.Second,
		OnRequest: func(r *Record) {
			mu.Lock()
			recs = append(recs, Record{ELBStatusCode: r.ELBStatusCode, Spillover: r.Spillover, Queued: r.Queued})
			mu.Unlock()
		}},
		Options{}, be.b)

	type result struct {
		code int
		err  error
	}
	do := func(path string) <-chan result {
		ch := make(chan result, 1)
		go func() {
			c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := c.Get(h.url(path))
			if err != nil {
				ch <- result{err: err}
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ch <- result{code: resp.StatusCode}
		}()
		return ch
	}
	first := do("/slow")
	<-entered // the instance is now at its cap
	second := do("/fast")
	deadline := time.Now().Add(5 * time.Second)
	for surge.Len() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if surge.Len() != 1 {
		t.Fatalf("surge queue length = %d, want 1", surge.Len())
	}
	// The queue holds one request: a third spills over at once.
	if r := <-do("/fast"); r.err != nil || r.code != 503 {
		t.Fatalf("third request = %d, %v; want 503 spillover", r.code, r.err)
	}
	close(release)
	if r := <-first; r.err != nil || r.code != 200 {
		t.Fatalf("first request = %d, %v", r.code, r.err)
	}
	if r := <-second; r.err != nil || r.code != 200 {
		t.Fatalf("queued request = %d, %v; want 200 after the slot freed", r.code, r.err)
	}
	mu.Lock()
	defer mu.Unlock()
	var spilled, queued int
	for _, r := range recs {
		if r.Spillover {
			spilled++
		}
		if r.Queued {
			queued++
		}
	}
	if spilled != 1 || queued != 1 {
		t.Errorf("records: %d spilled, %d queued; want 1 and 1 (%+v)", spilled, queued, recs)
	}
}
