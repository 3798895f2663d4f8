package httpproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/sticky"
)

// stickyKey is the HMAC key of the tests' tokens.
var stickyKey = []byte("0123456789abcdef0123456789abcdef")

// idBackend is a back end that answers with its instance id as the body
// and, on some paths, sets application cookies:
//
//	/set        APP=1; Max-Age=600; HttpOnly (and another cookie)
//	/set-secure APP=1; Expires=<far future>; Secure
//	/del        APP=; Max-Age=0
//	/trailing   APP=1; Path=/;   (ignored by ELB: trailing ";")
//	/other      OTHER=1
//	/two        OTHER=1 and OTHER2=2
func idBackend(t *testing.T) *testBackend {
	t.Helper()
	var tb *testBackend
	tb = newBackend(t, func(w *bufio.Writer, r *http.Request, body []byte) bool {
		id := tb.b.ID
		fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n", len(id))
		switch r.URL.Path {
		case "/set":
			io.WriteString(w, "Set-Cookie: OTHER=x; Path=/\r\nSet-Cookie: APP=1; Max-Age=600; HttpOnly\r\n")
		case "/set-secure":
			io.WriteString(w, "Set-Cookie: APP=1; Expires=Wed, 02 Jan 2036 03:04:05 GMT; Secure\r\n")
		case "/del":
			io.WriteString(w, "Set-Cookie: APP=; Max-Age=0\r\n")
		case "/trailing":
			io.WriteString(w, "Set-Cookie: APP=1; Path=/;\r\n")
		case "/other":
			io.WriteString(w, "Set-Cookie: OTHER=1\r\n")
		case "/two":
			io.WriteString(w, "Set-Cookie: OTHER=1\r\nSet-Cookie: OTHER2=2\r\n")
		}
		io.WriteString(w, "\r\n"+id)
		return true
	})
	tb.b.Token = sticky.Token(stickyKey, tb.b.ID, "80")
	return tb
}

// stickyHarness is a proxy over two idBackends with a sticky policy; its
// Lookup goes through a balance.Set as the data plane's does.
type stickyHarness struct {
	*harness
	a, b *testBackend
	set  *balance.Set
}

func newStickyHarness(t *testing.T, s Sticky, cfg Config) *stickyHarness {
	t.Helper()
	sh := &stickyHarness{a: idBackend(t), b: idBackend(t)}
	sh.set = balance.NewSet([]*balance.Backend{sh.a.b, sh.b.b})
	if s.Lookup == nil {
		s.Lookup = sh.set.ByToken
	}
	cfg.Sticky = &s
	sh.harness = newHarness(t, cfg, Options{}, sh.a.b, sh.b.b)
	return sh
}

// get sends GET path with the given Cookie field (none if empty) and
// returns the id of the back end that answered and the response's
// Set-Cookie values.
func (sh *stickyHarness) get(t *testing.T, rc *rawClient, path, cookie string) (string, []string) {
	t.Helper()
	req := "GET " + path + " HTTP/1.1\r\nHost: a\r\n"
	if cookie != "" {
		req += "Cookie: " + cookie + "\r\n"
	}
	r := rc.roundTrip(req + "\r\n")
	if r.StatusCode != 200 {
		t.Fatalf("GET %s (Cookie %q): status %d", path, cookie, r.StatusCode)
	}
	return string(r.body), r.Header.Values("Set-Cookie")
}

// awselb returns the AWSELB Set-Cookie value among set, or "".
func awselb(set []string) string {
	for _, s := range set {
		if strings.HasPrefix(s, "AWSELB=") {
			return s
		}
	}
	return ""
}

func TestStickyLBCookie(t *testing.T) {
	type state struct{ aHealthy, aEjected, bHealthy bool }
	healthy := state{true, false, true}
	for _, tc := range []struct {
		name       string
		expiration time.Duration
		st         state
		capA       bool   // A has one request in flight and MaxPerBackend is 1
		cookie     string // %A and %B stand for the back ends' tokens
		wantBE     string // "A", "B", or "" for either
		wantSet    string // expected AWSELB Set-Cookie; %T is the answering back end's token; "" for none
	}{
		{"no cookie", time.Minute, healthy, false, "", "", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"no cookie, session", 0, healthy, false, "", "", "AWSELB=%T;PATH=/"},
		{"other cookies only", time.Minute, healthy, false, "a=1; b=2", "", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"valid A", time.Minute, healthy, false, "AWSELB=%A", "A", ""},
		{"valid B", time.Minute, healthy, false, "AWSELB=%B", "B", ""},
		{"valid B among others", time.Minute, healthy, false, "x=1; AWSELB=%B ; y=2", "B", ""},
		{"valid B quoted", time.Minute, healthy, false, `AWSELB="%B"`, "B", ""},
		{"forged", time.Minute, healthy, false, "AWSELB=0123456789ABCDEF0123456789ABCDEF", "", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"lower-cased token", time.Minute, healthy, false, "AWSELB=%a", "", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"empty value", time.Minute, healthy, false, "AWSELB=", "", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"A unhealthy", time.Minute, state{false, false, true}, false, "AWSELB=%A", "B", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"A ejected", time.Minute, state{true, true, true}, false, "AWSELB=%A", "B", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"all unhealthy: fail open, still stuck", time.Minute, state{false, false, false}, false, "AWSELB=%A", "A", ""},
		{"A unhealthy and ejected, B unhealthy", time.Minute, state{false, true, false}, false, "AWSELB=%A", "B", "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"A at its cap: elsewhere, session kept", time.Minute, healthy, true, "AWSELB=%A", "B", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{}
			if tc.capA {
				cfg.MaxPerBackend = 1
			}
			sh := newStickyHarness(t, Sticky{Expiration: tc.expiration}, cfg)
			sh.a.b.SetHealthy(tc.st.aHealthy)
			sh.b.b.SetHealthy(tc.st.bHealthy)
			if tc.st.aEjected {
				sh.set.TryEject(sh.a.b)
			}
			if tc.capA {
				sh.a.b.Acquire()
				defer sh.a.b.Release()
			}
			ids := map[string]*balance.Backend{"A": sh.a.b, "B": sh.b.b}
			cookie := strings.NewReplacer("%A", sh.a.b.Token, "%B", sh.b.b.Token, "%a", strings.ToLower(sh.a.b.Token)).Replace(tc.cookie)
			rc := sh.dial(t)
			for range 10 { // several times: the picker alone would not stick
				id, set := sh.get(t, rc, "/", cookie)
				if tc.wantBE != "" && id != ids[tc.wantBE].ID {
					t.Fatalf("answered by %s, want %s", id, ids[tc.wantBE].ID)
				}
				var served *balance.Backend
				for _, b := range ids {
					if b.ID == id {
						served = b
					}
				}
				want := strings.ReplaceAll(tc.wantSet, "%T", served.Token)
				if got := awselb(set); got != want || want == "" && len(set) != 0 {
					t.Fatalf("Set-Cookie %q, want AWSELB %q", set, want)
				}
			}
		})
	}
}

func TestStickyAppCookie(t *testing.T) {
	for _, tc := range []struct {
		name    string
		aDown   bool
		path    string
		cookie  string
		wantBE  string
		wantSet string   // AWSELB value; %T the answering back end's token
		alsoSet []string // other Set-Cookie values passed through
	}{
		{"no cookies, no app cookie", false, "/", "", "", "", nil},
		{"other app cookie", false, "/other", "", "", "", []string{"OTHER=1"}},
		{"new app cookie", false, "/set", "", "", "AWSELB=%T;PATH=/;MAX-AGE=600;HTTPONLY", []string{"OTHER=x; Path=/", "APP=1; Max-Age=600; HttpOnly"}},
		{"new app cookie, Expires and Secure", false, "/set-secure", "", "", "AWSELB=%T;PATH=/;EXPIRES=Wed, 02 Jan 2036 03:04:05 GMT;SECURE", []string{"APP=1; Expires=Wed, 02 Jan 2036 03:04:05 GMT; Secure"}},
		{"app cookie renewed on a stuck request", false, "/set", "AWSELB=%A; APP=1", "A", "AWSELB=%T;PATH=/;MAX-AGE=600;HTTPONLY", nil},
		{"app cookie removed", false, "/del", "AWSELB=%B; APP=1", "B", "AWSELB=;PATH=/;MAX-AGE=0", []string{"APP=; Max-Age=0"}},
		{"trailing semicolon ignored", false, "/trailing", "", "", "", []string{"APP=1; Path=/;"}},
		{"stuck, no new app cookie", false, "/", "AWSELB=%A; APP=1", "A", "", nil},
		{"instance down: re-stick to the new one", true, "/", "AWSELB=%A; APP=1", "B", "AWSELB=%T;PATH=/", nil},
		{"instance down, new app cookie", true, "/set", "AWSELB=%A; APP=1", "B", "AWSELB=%T;PATH=/;MAX-AGE=600;HTTPONLY", nil},
		{"forged: re-stick", false, "/", "AWSELB=nonsense; APP=1", "", "AWSELB=%T;PATH=/", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := newStickyHarness(t, Sticky{AppCookie: "APP"}, Config{})
			if tc.aDown {
				sh.a.b.SetHealthy(false)
			}
			ids := map[string]*balance.Backend{"A": sh.a.b, "B": sh.b.b}
			cookie := strings.NewReplacer("%A", sh.a.b.Token, "%B", sh.b.b.Token).Replace(tc.cookie)
			rc := sh.dial(t)
			for range 6 {
				id, set := sh.get(t, rc, tc.path, cookie)
				if tc.wantBE != "" && id != ids[tc.wantBE].ID {
					t.Fatalf("answered by %s, want %s", id, ids[tc.wantBE].ID)
				}
				token := sh.a.b.Token
				if id == sh.b.b.ID {
					token = sh.b.b.Token
				}
				want := strings.ReplaceAll(tc.wantSet, "%T", token)
				if got := awselb(set); got != want {
					t.Fatalf("Set-Cookie %q, want AWSELB %q", set, want)
				}
				n := len(tc.alsoSet)
				if want != "" {
					n++
				}
				if tc.alsoSet != nil && len(set) != n {
					t.Fatalf("Set-Cookie %q, want %q and AWSELB", set, tc.alsoSet)
				}
				for i, s := range tc.alsoSet {
					if set[i] != s {
						t.Fatalf("Set-Cookie %d = %q, want %q (passed through in order)", i, set[i], s)
					}
				}
			}
		})
	}
}

// A sticky request whose back end refuses the connection is retried on
// another one, and the response re-sticks the session there.
func TestStickyRetriedElsewhere(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       Sticky
		wantSet string
	}{
		{"LB cookie", Sticky{Expiration: time.Minute}, "AWSELB=%T;PATH=/;MAX-AGE=60"},
		{"app cookie", Sticky{AppCookie: "APP"}, "AWSELB=%T;PATH=/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := idBackend(t)
			dead := deadBackend(t)
			dead.Token = sticky.Token(stickyKey, dead.ID, "80")
			set := balance.NewSet([]*balance.Backend{dead, live.b})
			s := tc.s
			s.Lookup = set.ByToken
			var failed []*balance.Backend
			h := newHarness(t, Config{Sticky: &s, OnBackendFailure: func(b *balance.Backend, err error) { failed = append(failed, b) }},
				Options{}, dead, live.b)
			rc := h.dial(t)
			r := rc.roundTrip("GET / HTTP/1.1\r\nHost: a\r\nCookie: AWSELB=" + dead.Token + "\r\n\r\n")
			if r.StatusCode != 200 || string(r.body) != live.b.ID {
				t.Fatalf("status %d from %q, want 200 from %s", r.StatusCode, r.body, live.b.ID)
			}
			if got, want := awselb(r.Header.Values("Set-Cookie")), strings.ReplaceAll(tc.wantSet, "%T", live.b.Token); got != want {
				t.Errorf("Set-Cookie AWSELB %q, want %q", got, want)
			}
			rec := h.waitRecords(t, 1)[0]
			if rec.Retries != 1 || rec.ConnectErrors != 1 || rec.Backend != live.b {
				t.Errorf("record: Retries %d ConnectErrors %d Backend %v; want 1 1 %s", rec.Retries, rec.ConnectErrors, rec.Backend.ID, live.b.ID)
			}
			if len(failed) != 1 || failed[0] != dead {
				t.Errorf("OnBackendFailure calls %v, want one for the dead back end", failed)
			}
		})
	}
}

// Without tokens (the data plane did not set any) nothing is added.
func TestStickyWithoutToken(t *testing.T) {
	be := newBackend(t, okHandler)
	h := newHarness(t, Config{Sticky: &Sticky{Expiration: time.Minute}}, Options{}, be.b)
	r := h.dial(t).roundTrip("GET / HTTP/1.1\r\nHost: a\r\nCookie: AWSELB=x\r\n\r\n")
	if r.StatusCode != 200 || len(r.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("status %d Set-Cookie %q, want 200 and none", r.StatusCode, r.Header.Values("Set-Cookie"))
	}
}

// The AWSELB cookie rides on a 101 as on any other response.
func TestStickyUpgrade(t *testing.T) {
	be := newBackend(t, nil)
	be.streamBody = func(c net.Conn, w *bufio.Writer, r *http.Request) bool {
		io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		w.Flush()
		io.Copy(c, c)
		return false
	}
	be.b.Token = "TOKEN"
	set := balance.NewSet([]*balance.Backend{be.b})
	h := newHarness(t, Config{Sticky: &Sticky{Lookup: set.ByToken}}, Options{}, be.b)
	rc := h.dial(t)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	r := rc.read("GET")
	if r.StatusCode != 101 || awselb(r.Header.Values("Set-Cookie")) != "AWSELB=TOKEN;PATH=/" {
		t.Fatalf("status %d Set-Cookie %q, want 101 with AWSELB=TOKEN;PATH=/", r.StatusCode, r.Header.Values("Set-Cookie"))
	}
	rc.send("ping")
	buf := make([]byte, 4)
	if _, err := io.ReadFull(rc.br, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("tunnel echo %q, %v", buf, err)
	}
}

// stickyBenchConfig is fastConfig with the LB-cookie policy.
func stickyBenchConfig(b *balance.Backend) *Config {
	cfg := fastConfig(b, func(*Record) {})
	b.Token = sticky.Token(stickyKey, b.ID, "80")
	set := balance.NewSet([]*balance.Backend{b})
	cfg.Sticky = &Sticky{Lookup: set.ByToken, Expiration: time.Hour}
	return cfg
}

// TestStickyAllocs pins the allocation budget with stickiness on: a
// request carrying a valid cookie, and one without a cookie (which gets a
// Set-Cookie).
func TestStickyAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end allocation count")
	}
	for _, tc := range []struct {
		name   string
		cookie bool
	}{
		{"stuck", true},
		{"new cookie", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := fastBackend(t)
			cfg := stickyBenchConfig(be)
			c := newStickyBenchClient(t, serveProxy(t, New(Options{}), cfg), be, tc.cookie)
			for range 100 {
				if err := c.do(); err != nil {
					t.Fatal(err)
				}
			}
			const n = 5000
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for range n {
				if err := c.do(); err != nil {
					t.Fatal(err)
				}
			}
			runtime.ReadMemStats(&m1)
			allocs := float64(m1.Mallocs-m0.Mallocs) / n
			t.Logf("%.4f allocations per request", allocs)
			if !raceEnabled && allocs > 0.05 {
				t.Errorf("%.3f allocations per sticky keep-alive GET, want 0", allocs)
			}
		})
	}
}

// newStickyBenchClient is a benchClient whose request carries be's AWSELB
// cookie (or, without cookie, none: every response then sets one).
func newStickyBenchClient(tb testing.TB, addr string, be *balance.Backend, cookie bool) *benchClient {
	c := newBenchClient(tb, addr)
	if cookie {
		c.req = []byte("GET /bench HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\nCookie: session=abc; AWSELB=" + be.Token + "\r\n\r\n")
	}
	// Learn the response size again: it differs with a Set-Cookie.
	c.size = len(c.buf)
	if _, err := c.c.Write(c.req); err != nil {
		tb.Fatal(err)
	}
	n, want := 0, -1
	for want < 0 || n < want {
		k, err := c.c.Read(c.buf[n:])
		if err != nil {
			tb.Fatal(err)
		}
		n += k
		if i := strings.Index(string(c.buf[:n]), "\r\n\r\n"); i >= 0 && want < 0 {
			head := string(c.buf[:i])
			if strings.Contains(head, "AWSELB") == cookie {
				tb.Fatalf("cookie %v: response head %q", cookie, head)
			}
			want = i + 4 + len("Hello, world!")
		}
	}
	c.size = want
	return c
}

// BenchmarkProxyKeepAliveGETSticky is BenchmarkProxyKeepAliveGET with the
// LB-cookie policy on: requests that carry a valid AWSELB cookie (the
// steady state of a sticky session), and requests without one, which get
// a Set-Cookie each.
func BenchmarkProxyKeepAliveGETSticky(b *testing.B) {
	for _, cookie := range []bool{true, false} {
		name := "stuck"
		if !cookie {
			name = "new-cookie"
		}
		b.Run(name, func(b *testing.B) {
			be := fastBackend(b)
			c := newStickyBenchClient(b, serveProxy(b, New(Options{}), stickyBenchConfig(be)), be, cookie)
			loopCPU(b, c.do)
		})
	}
}
