package controller_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestDataplaneHTTPSemantics checks ELB's HTTP behaviour through a real
// elbd: generated 503 and 502, the X-Forwarded-* headers and Host for
// HTTP/1.0, each desync mitigation mode set through
// ModifyLoadBalancerAttributes, and the idle timeout from
// ConnectionSettings (client side, and 504 for a silent back end).
func TestDataplaneHTTPSemantics(t *testing.T) {
	h := dpStart(t, "")
	port := dpCommonPort(t, "127.0.1.1")
	be := dpHTTPBackend(t, "a", at127(1, port))
	// A port on instance A where nothing listens.
	refused := dpCommonPort(t, "127.0.1.1")
	for refused == port {
		refused = dpCommonPort(t, "127.0.1.1")
	}
	ports := newPortSeq()
	lp, lpRefused := ports.take(), ports.take()
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("http-sem"),
		Listeners: []types.Listener{
			dpListener("HTTP", lp, port),
			dpListener("HTTP", lpRefused, refused),
		},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	})
	// Only zone a has an instance.
	h.register("http-sem", elbdtest.InstanceA)
	h.applied()
	lb := h.lb("http-sem")
	nodeA, nodeB := lb.node(t, "us-east-1a"), lb.node(t, "us-east-1b")

	t.Run("503NoInstanceInZone", func(t *testing.T) {
		before := be.hits.Load()
		r := dpDial(t, at(nodeB, lp))
		resp, _, err := r.do("GET /z HTTP/1.1\r\nHost: x\r\n\r\n")
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("GET through zone b without instances = %v, %v; want 503", resp, err)
		}
		// 503 without a body to skip keeps the connection: the next
		// request on it gets 503 again.
		if resp, _, err = r.do("GET /z HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil || resp.StatusCode != 503 {
			t.Fatalf("second GET on the same connection = %v, %v; want 503", resp, err)
		}
		if be.hits.Load() != before {
			t.Error("a request through zone b reached the zone a instance without cross-zone")
		}
	})

	t.Run("502InstancePortRefuses", func(t *testing.T) {
		code, _, err := dpGet(fmt.Sprintf("http://%s/", at(nodeA, lpRefused)))
		if err != nil || code != 502 {
			t.Fatalf("GET to a refusing instance port = %d, %v; want 502", code, err)
		}
	})

	t.Run("ForwardedHeaders", func(t *testing.T) {
		r := dpDial(t, at(nodeA, lp))
		resp, body, err := r.do("GET /fwd HTTP/1.1\r\nHost: shop.example\r\n" +
			"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: 1\r\n\r\n")
		if err != nil || resp.StatusCode != 200 || body != "a" {
			t.Fatalf("GET = %v %q, %v", resp, body, err)
		}
		seen := be.last.Load()
		client := r.c.LocalAddr().(*net.TCPAddr).IP.String()
		if got, want := seen.Header.Get("X-Forwarded-For"), "203.0.113.9, "+client; got != want {
			t.Errorf("X-Forwarded-For = %q, want %q", got, want)
		}
		if got := seen.Header.Values("X-Forwarded-Proto"); len(got) != 1 || got[0] != "http" {
			t.Errorf("X-Forwarded-Proto = %q, want [http] (client value replaced)", got)
		}
		if got := seen.Header.Values("X-Forwarded-Port"); len(got) != 1 || got[0] != fmt.Sprint(lp) {
			t.Errorf("X-Forwarded-Port = %q, want [%d]", got, lp)
		}
		if seen.Host != "shop.example" || seen.Proto != "HTTP/1.1" {
			t.Errorf("back end saw Host %q over %s", seen.Host, seen.Proto)
		}
		// HTTP/1.0 without Host: the listener's IP is added as Host, and
		// the back end gets HTTP/1.1.
		r10 := dpDial(t, at(nodeA, lp))
		if resp, _, err := r10.do("GET /ten HTTP/1.0\r\n\r\n"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("HTTP/1.0 GET = %v, %v", resp, err)
		}
		if seen := be.last.Load(); seen.Host != nodeA.String() || seen.Proto != "HTTP/1.1" || seen.Header.Get("X-Forwarded-For") != client {
			t.Errorf("HTTP/1.0 request arrived as Host %q over %s with X-Forwarded-For %q; want Host %s over HTTP/1.1",
				seen.Host, seen.Proto, seen.Header.Get("X-Forwarded-For"), nodeA)
		}
	})

	t.Run("DesyncModes", func(t *testing.T) {
		type outcome int
		const (
			allow outcome = iota
			allowThenClose
			block
		)
		names := map[outcome]string{allow: "allow", allowThenClose: "allow-then-close", block: "block"}
		cases := []struct {
			name, head string
			uri        string // as the back end receives it
			check      func(*dpSeen) error
			want       map[string]outcome
		}{
			{name: "compliant", head: "GET /compliant HTTP/1.1\r\nHost: x\r\n\r\n", uri: "/compliant",
				want: map[string]outcome{"monitor": allow, "defensive": allow, "strictest": allow}},
			{name: "acceptable bare LF", head: "GET /bare-lf HTTP/1.1\nHost: x\n\n", uri: "/bare-lf",
				want: map[string]outcome{"monitor": allow, "defensive": allow, "strictest": block}},
			{name: "acceptable space in URI", head: "GET /my documents HTTP/1.1\r\nHost: x\r\n\r\n", uri: "/my%20documents",
				want: map[string]outcome{"monitor": allow, "defensive": allow, "strictest": block}},
			{name: "ambiguous obs-fold", head: "GET /fold HTTP/1.1\r\nHost: x\r\nX-Long: first\r\n\tsecond\r\n\r\n", uri: "/fold",
				check: func(s *dpSeen) error {
					if v := s.Header.Get("X-Long"); !strings.HasPrefix(v, "first") || !strings.HasSuffix(v, "second") || strings.ContainsAny(v, "\r\n") {
						return fmt.Errorf("folded X-Long arrived as %q", v)
					}
					return nil
				},
				want: map[string]outcome{"monitor": allow, "defensive": allowThenClose, "strictest": block}},
			{name: "severe NUL in header", head: "GET /nul HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", uri: "/nul",
				check: func(s *dpSeen) error {
					if v := s.Header.Get("X-A"); v != "a b" {
						return fmt.Errorf("X-A arrived as %q, want NUL replaced by a space", v)
					}
					return nil
				},
				want: map[string]outcome{"monitor": allow, "defensive": block, "strictest": block}},
		}
		for _, mode := range []string{"strictest", "monitor", "defensive"} {
			h.attrs("http-sem", dpDesync(mode))
			h.applied()
			for _, c := range cases {
				t.Run(mode+"/"+c.name, func(t *testing.T) {
					before := be.hitsFor(c.uri)
					r := dpDial(t, at(nodeA, lp))
					resp, _, err := r.do(c.head)
					if err != nil {
						t.Fatalf("no response: %v", err)
					}
					forwarded := be.hitsFor(c.uri) > before
					switch c.want[mode] {
					case block:
						if resp.StatusCode != 400 || forwarded {
							t.Fatalf("status %d, forwarded %v; want 400 and not forwarded", resp.StatusCode, forwarded)
						}
					default:
						if resp.StatusCode != 200 || !forwarded {
							t.Fatalf("status %d, forwarded %v; want 200 from the back end", resp.StatusCode, forwarded)
						}
						if c.check != nil {
							if err := c.check(be.last.Load()); err != nil {
								t.Error(err)
							}
						}
					}
					if c.want[mode] == allow {
						// The connection stays usable.
						if resp, _, err := r.do("GET /again HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil || resp.StatusCode != 200 {
							t.Fatalf("next request on the connection = %v, %v; want 200", resp, err)
						}
						return
					}
					if closed, _, err := r.closedWithin(dpWait); !closed {
						t.Fatalf("connection not closed after an %s request: %v", names[c.want[mode]], err)
					}
				})
			}
		}
	})

	t.Run("IdleTimeout", func(t *testing.T) {
		h.attrs("http-sem", dpIdle(1))
		h.applied()
		r := dpDial(t, at(nodeA, lp))
		if resp, _, err := r.do("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET = %v, %v", resp, err)
		}
		closed, took, err := r.closedWithin(dpWait)
		if !closed {
			t.Fatalf("idle keep-alive connection not closed within %v: %v", dpWait, err)
		}
		// The engine extends deadlines lazily: never before 15/16 of the
		// timeout after the last byte.
		if took < 900*time.Millisecond {
			t.Errorf("idle connection closed after %v, before the 1 s idle timeout", took)
		}
		t.Logf("idle keep-alive connection closed %v after its last response (idle timeout 1 s)", took)

		// A back end silent for longer than the idle timeout: 504.
		r = dpDial(t, at(nodeA, lp))
		start := time.Now()
		resp, _, err := r.do("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
		if err != nil || resp.StatusCode != 504 {
			t.Fatalf("GET /slow = %v, %v; want 504", resp, err)
		}
		t.Logf("504 after %v", time.Since(start))
	})
}
