package httpproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
)

// scriptBackend is a back end whose connections run a script: serve is
// called for each accepted connection with its 1-based number. kill makes
// it die like a crashed instance: the listener closes (new connections
// are refused) and every open connection is reset.
type scriptBackend struct {
	ln       net.Listener
	b        *balance.Backend
	accepted atomic.Int32

	mu     sync.Mutex
	conns  map[net.Conn]bool
	killed bool
	wg     sync.WaitGroup
}

func newScriptBackend(t *testing.T, id string, serve func(n int32, c net.Conn, br *bufio.Reader)) *scriptBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sb := &scriptBackend{ln: ln, conns: map[net.Conn]bool{}}
	sb.b = balance.NewBackend(id, "z", addrOf(ln))
	sb.b.SetHealthy(true)
	sb.wg.Add(1)
	go func() {
		defer sb.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := sb.accepted.Add(1)
			sb.mu.Lock()
			if sb.killed {
				sb.mu.Unlock()
				reset(c)
				continue
			}
			sb.conns[c] = true
			sb.mu.Unlock()
			sb.wg.Add(1)
			go func() {
				defer sb.wg.Done()
				defer func() {
					sb.mu.Lock()
					delete(sb.conns, c)
					sb.mu.Unlock()
					c.Close()
				}()
				serve(n, c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() {
		sb.kill()
		sb.wg.Wait()
	})
	return sb
}

// kill closes the listener and resets every connection.
func (sb *scriptBackend) kill() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.killed = true
	sb.ln.Close()
	for c := range sb.conns {
		reset(c)
	}
}

func (sb *scriptBackend) open() int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return len(sb.conns)
}

// reset closes c with a TCP reset.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// serveOK answers every request on the connection with 200 and the
// instance id, keeping it alive.
func serveOK(id string) func(int32, net.Conn, *bufio.Reader) {
	return func(_ int32, c net.Conn, br *bufio.Reader) {
		for {
			r, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, r.Body)
			if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(id), id); err != nil {
				return
			}
		}
	}
}

// failureLog records OnBackendFailure calls.
type failureLog struct {
	mu   sync.Mutex
	ids  []string
	errs []error
}

func (f *failureLog) record(b *balance.Backend, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, b.ID)
	f.errs = append(f.errs, err)
}

func (f *failureLog) get() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ids...)
}

func TestPassiveHealthAndRetry(t *testing.T) {
	// What the bad back end does with a connection after reading a
	// request head.
	behaviours := map[string]func(int32, net.Conn, *bufio.Reader){
		"reset": func(_ int32, c net.Conn, br *bufio.Reader) {
			http.ReadRequest(br)
			reset(c)
		},
		"close": func(_ int32, c net.Conn, br *bufio.Reader) {
			http.ReadRequest(br)
		},
		"silent": func(_ int32, c net.Conn, br *bufio.Reader) {
			http.ReadRequest(br)
			io.Copy(io.Discard, c) // until the proxy gives up
		},
		"partial": func(_ int32, c net.Conn, br *bufio.Reader) {
			http.ReadRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-")
			reset(c)
		},
		// Answers one request, then closes the connection the proxy
		// keeps in its pool; later connections are served normally.
		"answer then close": func(n int32, c net.Conn, br *bufio.Reader) {
			if n > 1 {
				serveOK("i-bad")(n, c, br)
				return
			}
			r, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, r.Body)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ni-bad")
		},
	}
	streamed := "PUT /s HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n" + strings.Repeat("x", 20000)
	for _, tc := range []struct {
		name     string
		bad      string // behaviour, or "refuse"
		alone    bool   // the bad back end is the only candidate
		warm     string // a request sent first, on its own
		req      string
		status   int
		served   string // body of a 200
		retries  int
		connErrs int
		failures int // OnBackendFailure calls for the bad back end
	}{
		{"refused: other back end", "refuse", false, "", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx", 200, "i-good", 1, 1, 1},
		{"refused, alone", "refuse", true, "", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 502, "", 0, 1, 1},
		{"GET reset: retried elsewhere", "reset", false, "", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "i-good", 1, 0, 1},
		{"GET closed: retried elsewhere", "close", false, "", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "i-good", 1, 0, 1},
		{"HEAD reset: retried elsewhere", "reset", false, "", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 1, 0, 1},
		{"OPTIONS reset: retried elsewhere", "reset", false, "", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 200, "i-good", 1, 0, 1},
		{"buffered PUT reset: retried elsewhere", "reset", false, "", "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 200, "i-good", 1, 0, 1},
		{"GET reset, alone", "reset", true, "", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 504, "", 0, 0, 1},
		{"POST reset: not retried", "reset", false, "", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 504, "", 0, 0, 1},
		{"POST without body reset: not retried", "reset", false, "", "POST / HTTP/1.1\r\nHost: a\r\n\r\n", 504, "", 0, 0, 1},
		{"streamed PUT reset: not retried", "reset", false, "", streamed, 504, "", 0, 0, 1},
		{"response head timeout", "silent", false, "", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 504, "", 0, 0, 1},
		{"reset after a response byte: not retried", "partial", false, "", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 502, "", 0, 0, 0},
		{"stale pooled connection: new one, no failure", "answer then close", false,
			"GET /warm HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "i-bad", 1, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := newScriptBackend(t, "i-good", serveOK("i-good"))
			// The good back end is unhealthy so that the picker always
			// chooses the bad one first; pickOther still takes it.
			good.b.SetHealthy(false)
			var (
				bad   *balance.Backend
				badSB *scriptBackend
			)
			if tc.bad == "refuse" {
				bad = deadBackend(t)
				bad.ID = "i-bad"
			} else {
				badSB = newScriptBackend(t, "i-bad", behaviours[tc.bad])
				bad = badSB.b
			}
			cands := []*balance.Backend{bad, good.b}
			if tc.alone {
				cands = cands[:1]
			}
			var f failureLog
			h := newHarness(t, Config{
				Candidates:       func() []*balance.Backend { return cands },
				IdleTimeout:      500 * time.Millisecond,
				OnBackendFailure: f.record,
			}, Options{})
			rc := h.dial(t)
			nrec := 1
			if tc.warm != "" {
				if r := rc.roundTrip(tc.warm); r.StatusCode != 200 {
					t.Fatalf("warm-up request: status %d", r.StatusCode)
				}
				// Let the back end's close reach the pooled connection.
				waitFor(t, "the back end to close its first connection", func() bool { return badSB.open() == 0 && h.p.idleConns(bad) == 1 })
				nrec++
			}
			rc.send(tc.req)
			method, _, _ := strings.Cut(tc.req, " ")
			r := rc.read(method)
			if r.StatusCode != tc.status || tc.served != "" && string(r.body) != tc.served {
				t.Fatalf("status %d body %q, want %d %q", r.StatusCode, r.body, tc.status, tc.served)
			}
			rec := h.waitRecords(t, nrec)[nrec-1]
			if rec.Retries != tc.retries || rec.ConnectErrors != tc.connErrs {
				t.Errorf("Retries %d ConnectErrors %d, want %d %d", rec.Retries, rec.ConnectErrors, tc.retries, tc.connErrs)
			}
			if got := f.get(); len(got) != tc.failures || len(got) > 0 && got[0] != "i-bad" {
				t.Errorf("OnBackendFailure calls for %v, want %d for i-bad", got, tc.failures)
			}
			if tc.bad == "silent" {
				if !isTimeout(f.errs[0]) {
					t.Errorf("failure error %v, want a timeout", f.errs[0])
				}
			}
			if bad.Outstanding() != 0 || good.b.Outstanding() != 0 {
				t.Errorf("outstanding %d %d, want 0 0", bad.Outstanding(), good.b.Outstanding())
			}
		})
	}
}

// TestKillBackendUnderLoad is the property passive health and retries
// exist for: killing one of two back ends (listener closed, open
// connections reset) under a steady keep-alive GET load costs no client
// request.
func TestKillBackendUnderLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		// Requests mostly reuse pooled connections: the dead ones are
		// replaced, the connect is refused, another back end answers.
		{"pooled connections", Options{}},
		// One idle connection kept per back end: most requests open a
		// new one, and those in flight at the kill are reset on it.
		{"new connections", Options{MaxIdlePerBackend: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) { killUnderLoad(t, tc.opts) })
	}
}

func killUnderLoad(t *testing.T, opts Options) {
	a := newScriptBackend(t, "i-a", serveOK("i-a"))
	b := newScriptBackend(t, "i-b", serveOK("i-b"))
	set := balance.NewSet([]*balance.Backend{a.b, b.b})
	var failA, failB atomic.Int32
	h := newHarness(t, Config{
		Candidates: func() []*balance.Backend { return set.Candidates("z", false) },
		OnBackendFailure: func(be *balance.Backend, err error) {
			if be == a.b {
				failA.Add(1)
			} else {
				failB.Add(1)
			}
			set.TryEject(be)
		},
	}, opts)

	const (
		workers   = 6
		perWorker = 5000 // bounds each loop; the run stops long before
		beforeAt  = 300  // requests before the kill
		afterAt   = 900  // requests in total before stopping
	)
	deadline := time.Now().Add(30 * time.Second)
	var (
		done, failed atomic.Int64
		killed       atomic.Bool
		servedAfter  [2]atomic.Int64 // by a, b after the kill started
		errMu        sync.Mutex
		errs         []string
		stop         = make(chan struct{})
		wg           sync.WaitGroup
	)
	fail := func(s string) {
		failed.Add(1)
		errMu.Lock()
		if len(errs) < 10 {
			errs = append(errs, s)
		}
		errMu.Unlock()
	}
	for w := range workers {
		wg.Go(func() {
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for i := range perWorker {
				select {
				case <-stop:
					return
				default:
				}
				if time.Now().After(deadline) {
					return
				}
				after := killed.Load()
				resp, err := client.Get(h.url(fmt.Sprintf("/w%d/%d", w, i)))
				if err != nil {
					fail(err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					fail(fmt.Sprintf("status %d body %q err %v", resp.StatusCode, body, err))
					continue
				}
				if after {
					if string(body) == "i-a" {
						servedAfter[0].Add(1)
					} else {
						servedAfter[1].Add(1)
					}
				}
				done.Add(1)
			}
		})
	}
	waitUntil := func(n int64) {
		for done.Load() < n && failed.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	waitUntil(beforeAt)
	killed.Store(true)
	a.kill()
	waitUntil(afterAt)
	close(stop)
	wg.Wait()

	if n := failed.Load(); n != 0 {
		t.Errorf("%d client requests failed, want 0; first: %q", n, errs)
	}
	if n := done.Load(); n < afterAt {
		t.Errorf("only %d requests completed by the deadline, want %d", n, afterAt)
	}
	if failA.Load() == 0 {
		t.Errorf("OnBackendFailure was not called for the killed back end")
	}
	if n := failB.Load(); n != 0 {
		t.Errorf("OnBackendFailure called %d times for the live back end", n)
	}
	if !a.b.Ejected() {
		t.Errorf("the killed back end was not ejected")
	}
	if servedAfter[1].Load() == 0 {
		t.Errorf("no request served by the live back end after the kill")
	}
	retries := 0
	for _, r := range h.records() {
		retries += r.Retries
	}
	t.Logf("%d requests, %d after the kill (%d answered by the killed back end before its connections died), %d retries, %d failures reported",
		done.Load(), servedAfter[0].Load()+servedAfter[1].Load(), servedAfter[0].Load(), retries, failA.Load())
}

// slowBackend answers each request only when release is closed (or the
// connection breaks), with 200 "done". started receives each request.
func slowBackend(t *testing.T, id string, started chan<- struct{}, release <-chan struct{}, connErr chan<- error) *scriptBackend {
	return newScriptBackend(t, id, func(_ int32, c net.Conn, br *bufio.Reader) {
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			started <- struct{}{}
			// Watch the connection while waiting: a close by the
			// proxy shows as a read error.
			closed := make(chan error, 1)
			go func() {
				_, err := br.ReadByte()
				closed <- err
			}()
			select {
			case <-release:
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")
				c.Close() // also ends the watcher
				<-closed
				return
			case err := <-closed:
				connErr <- err
				return
			}
		}
	})
}

func TestRetireInFlight(t *testing.T) {
	for _, tc := range []struct {
		name   string
		retire string // "", "self" or "other"
		status int
	}{
		{"not retired: completes", "", 200},
		{"other back end retired: completes", "other", 200},
		{"retired: cut", "self", 504},
	} {
		t.Run(tc.name, func(t *testing.T) {
			started := make(chan struct{}, 1)
			release := make(chan struct{})
			connErr := make(chan error, 1)
			slow := slowBackend(t, "i-slow", started, release, connErr)
			t.Cleanup(func() {
				select {
				case <-release:
				default:
					close(release)
				}
			})
			other := newScriptBackend(t, "i-other", serveOK("i-other"))
			var f failureLog
			cands := []*balance.Backend{slow.b}
			h := newHarness(t, Config{Candidates: func() []*balance.Backend { return cands }, OnBackendFailure: f.record}, Options{})
			// A pooled connection to the other back end, through
			// another listener of the same proxy.
			otherCfg := &Config{Candidates: func() []*balance.Backend { return []*balance.Backend{other.b} }, IdleTimeout: 5 * time.Second}
			if err := proxyOnce(h.p, otherCfg, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			rc := h.dial(t)
			rc.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatal("the request did not reach the back end")
			}
			switch tc.retire {
			case "self":
				slow.b.Retire()
				select {
				case <-connErr:
				case <-time.After(5 * time.Second):
					t.Fatal("the retired back end's connection is still open")
				}
			case "other":
				other.b.Retire()
				waitFor(t, "the other back end's idle connection to close", func() bool { return other.open() == 0 })
				close(release)
			default:
				close(release)
			}
			r := rc.read("GET")
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			rec := h.waitRecords(t, 1)[0]
			if rec.Retries != 0 || len(f.get()) != 0 {
				t.Errorf("Retries %d, failures %v; want none", rec.Retries, f.get())
			}
			if slow.b.Outstanding() != 0 {
				t.Errorf("outstanding %d after the request", slow.b.Outstanding())
			}
		})
	}
}

// proxyOnce serves one request on a pipe through p with cfg.
func proxyOnce(p *Proxy, cfg *Config, req string) error {
	c1, c2 := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.ServeConn(context.Background(), c2, func() *Config { return cfg })
	}()
	defer func() { c1.Close(); <-done }()
	c1.SetDeadline(time.Now().Add(5 * time.Second))
	go io.WriteString(c1, req)
	resp, err := http.ReadResponse(bufio.NewReader(c1), nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 {
		return errors.New(resp.Status)
	}
	return nil
}

// TestRetireDropsPooled checks that retiring a back end closes its idle
// pooled connections and that none is handed out again; a request that
// still finds the back end among its candidates goes elsewhere without a
// connect error (or gets 503 when there is nowhere else).
func TestRetireDropsPooled(t *testing.T) {
	for _, tc := range []struct {
		name   string
		others bool
		status int
		body   string
	}{
		{"another candidate", true, 200, "i-b"},
		{"no other candidate", false, 503, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newScriptBackend(t, "i-a", serveOK("i-a"))
			b := newScriptBackend(t, "i-b", serveOK("i-b"))
			b.b.SetHealthy(false) // a first
			cands := []*balance.Backend{a.b}
			if tc.others {
				cands = append(cands, b.b)
			}
			var f failureLog
			h := newHarness(t, Config{Candidates: func() []*balance.Backend { return cands }, OnBackendFailure: f.record}, Options{})
			rc := h.dial(t)
			if r := rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n"); r.StatusCode != 200 || string(r.body) != "i-a" {
				t.Fatalf("first request: %d %q", r.StatusCode, r.body)
			}
			waitFor(t, "a pooled connection", func() bool { return h.p.idleConns(a.b) == 1 })
			a.b.Retire()
			waitFor(t, "the pooled connection to close", func() bool { return a.open() == 0 && h.p.idleConns(a.b) == 0 })
			r := rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			if r.StatusCode != tc.status || tc.body != "" && string(r.body) != tc.body {
				t.Fatalf("after Retire: %d %q, want %d %q", r.StatusCode, r.body, tc.status, tc.body)
			}
			if got := a.accepted.Load(); got != 1 {
				t.Errorf("retired back end accepted %d connections, want 1", got)
			}
			rec := h.waitRecords(t, 2)[1]
			if rec.ConnectErrors != 0 || len(f.get()) != 0 {
				t.Errorf("ConnectErrors %d failures %v, want none", rec.ConnectErrors, f.get())
			}
			h.p.mu.RLock()
			_, kept := h.p.pools[poolKey{b: a.b}]
			h.p.mu.RUnlock()
			if kept {
				t.Errorf("the retired back end's pool is still in the map")
			}
		})
	}
}

// A tunnel to a retired back end is closed.
func TestRetireClosesTunnel(t *testing.T) {
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		w.Flush()
		io.Copy(c, c)
		return false
	}
	h := newHarness(t, Config{}, Options{}, be.b)
	rc := h.dial(t)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	if r := rc.read("GET"); r.StatusCode != 101 {
		t.Fatalf("status %d, want 101", r.StatusCode)
	}
	rc.send("ping")
	buf := make([]byte, 4)
	if _, err := io.ReadFull(rc.br, buf); err != nil {
		t.Fatal(err)
	}
	be.b.Retire()
	rc.expectClosed()
	waitFor(t, "the back end's connection to close", func() bool {
		be.mu.Lock()
		defer be.mu.Unlock()
		return len(be.conns) == 0
	})
}

func TestRecordHost(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{}, Options{}, be.b)
	for i, tc := range []struct {
		req, host string
	}{
		{"GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", "example.com:8080"},
		{"GET / HTTP/1.1\r\nHOST:  spaced \r\n\r\n", "spaced"},
		{"GET / HTTP/1.0\r\n\r\n", ""},
		{"GET http://abs/ HTTP/1.1\r\nUser-Agent: x\r\nHost: first\r\nX: y\r\n\r\n", "first"},
	} {
		rc := h.dial(t)
		rc.roundTrip(tc.req)
		rec := h.waitRecords(t, i+1)[i]
		if string(rec.Host) != tc.host {
			t.Errorf("%q: Record.Host = %q, want %q", tc.req, rec.Host, tc.host)
		}
	}
}
