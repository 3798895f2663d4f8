package httpproxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/balance"
	"github.com/elbd/elbd/internal/desync"
)

// FuzzServeConn feeds arbitrary client bytes to ServeConn in front of a
// real back end. ServeConn must not panic, must return once the client has
// gone, and must only ever write HTTP/1.1 responses.
func FuzzServeConn(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n",
		"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n\r\nGET / HTTP/1.0\n\n",
		"GET /\x00 HTTP/1.1\r\nHost: a\r\nX: \x00\r\n\r\n",
		"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n",
		"\r\n\r\nGET",
	} {
		f.Add([]byte(s), uint8(0))
	}
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\nCookie: AWSELB=0123456789ABCDEF0123456789ABCDEF\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1; AWSELB=\"x\"; APP=2\r\nCookie: AWSELB\r\n\r\n",
	} {
		f.Add([]byte(s), uint8(3))
		f.Add([]byte(s), uint8(4))
	}
	be := fastBackend(f)
	p := New(Options{MaxHeadBytes: 4096, MaxHeaders: 20})
	f.Cleanup(p.CloseIdle)
	cands := []*balance.Backend{be}
	be.Token = "0123456789ABCDEF0123456789ABCDEF"
	set := balance.NewSet(cands)
	var cfgs []*Config
	for _, m := range []desync.Mode{desync.Monitor, desync.Defensive, desync.Strictest} {
		cfgs = append(cfgs, &Config{
			Candidates:  func() []*balance.Backend { return cands },
			IdleTimeout: 50 * time.Millisecond,
			DesyncMode:  m,
		})
	}
	// Sticky sessions, both policies.
	for _, s := range []*Sticky{{Lookup: set.ByToken, Expiration: time.Minute}, {Lookup: set.ByToken, AppCookie: "APP"}} {
		cfgs = append(cfgs, &Config{
			Candidates:  func() []*balance.Backend { return cands },
			IdleTimeout: 50 * time.Millisecond,
			Sticky:      s,
		})
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		cfg := cfgs[int(mode)%len(cfgs)]
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.ServeConn(t.Context(), server, func() *Config { return cfg })
		}()
		go func() {
			client.Write(in)
		}()
		client.SetReadDeadline(time.Now().Add(2 * time.Second))
		out, _ := io.ReadAll(client)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("ServeConn still running 5 s after the client closed")
		}
		if len(out) > 0 && !bytes.HasPrefix(out, []byte("HTTP/1.1 ")) {
			t.Fatalf("wrote %q", out)
		}
	})
}
