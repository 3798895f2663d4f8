package controller_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// stickySetup makes an HTTP load balancer over two healthy instances in
// one zone, with the given stickiness policy on its listener.
func stickySetup(t *testing.T, h *dpHarness, name string, policy func(name string)) (a, b *scBackend, addr string) {
	t.Helper()
	port := dpCommonPort(t, "127.0.5.1", "127.0.5.2")
	a = scHTTPBackend(t, "a", at127x(5, 1, port))
	b = scHTTPBackend(t, "b", at127x(5, 2, port))
	lp := newPortSeq().take()
	h.create(&elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String(name),
		Listeners: []types.Listener{dpListener("HTTP", lp, port)}, AvailabilityZones: []string{"us-east-1a"}})
	h.scHealth(name, fmt.Sprintf("HTTP:%d/health", port))
	policy(name)
	_, err := h.c.SetLoadBalancerPoliciesOfListener(h.ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
		LoadBalancerName: aws.String(name), LoadBalancerPort: lp, PolicyNames: []string{"sticky"}})
	h.must(err)
	h.register(name, "127.0.5.1", "127.0.5.2")
	h.waitHealth(name, "127.0.5.1", hInService, dpWait)
	h.waitHealth(name, "127.0.5.2", hInService, dpWait)
	h.applied()
	return a, b, at(h.lb(name).node(t, "us-east-1a"), lp)
}

// stickyRun sends n GETs with cookie and returns the back ends they
// reached and whether any response set a cookie.
func stickyRun(t *testing.T, c *http.Client, u, cookie string, n int) (map[string]int, []string) {
	t.Helper()
	seen := map[string]int{}
	var set []string
	for range n {
		st, be, sc, err := scGet(c, u, cookie)
		if err != nil || st != 200 {
			t.Fatalf("GET %s = %d, %v", u, st, err)
		}
		seen[be]++
		set = append(set, sc...)
	}
	return seen, set
}

// TestScenarioStickyLBCookie checks the duration-based policy: the first
// response sets AWSELB with the policy's MAX-AGE; requests carrying it
// stick to one instance and get no new cookie; forged or altered values
// are ignored and replaced; when the instance fails its health check the
// session moves to the other and sticks there, even after the first one
// recovers.
func TestScenarioStickyLBCookie(t *testing.T) {
	h := dpStart(t, "")
	a, b, addr := stickySetup(t, h, "sticky-lb", func(name string) {
		_, err := h.c.CreateLBCookieStickinessPolicy(h.ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
			LoadBalancerName: aws.String(name), PolicyName: aws.String("sticky"), CookieExpirationPeriod: aws.Int64(60)})
		h.must(err)
	})
	c := scClient()
	u := url(addr, "/")
	st, first, sc, err := scGet(c, u, "")
	if err != nil || st != 200 {
		t.Fatalf("first GET = %d, %v", st, err)
	}
	cookie, ok := cookieOf(sc, "AWSELB")
	if !ok || len(sc) != 1 || !strings.HasSuffix(sc[0], ";PATH=/;MAX-AGE=60") {
		t.Fatalf("first response Set-Cookie = %q, want AWSELB=...;PATH=/;MAX-AGE=60", sc)
	}
	seen, set := stickyRun(t, c, u, cookie, 30)
	if seen[first] != 30 || len(set) != 0 {
		t.Errorf("with the cookie: %v, new cookies %q; want all 30 on %s and none", seen, set, first)
	}

	// Each instance has one genuine cookie; without a cookie both
	// instances are used.
	genuine := map[string]string{first: cookie}
	for i := 0; i < 200 && len(genuine) < 2; i++ {
		_, be, sc, err := scGet(c, u, "")
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := cookieOf(sc, "AWSELB"); ok {
			genuine[be] = got
		}
	}
	if len(genuine) != 2 || genuine["a"] == genuine["b"] {
		t.Fatalf("genuine cookies: %v", genuine)
	}
	// A forged value and an altered real one are both ignored: the
	// request is routed normally and gets a genuine cookie.
	value := strings.TrimPrefix(cookie, "AWSELB=")
	last := strings.IndexByte("0123456789abcdefABCDEF", value[len(value)-1])
	altered := value[:len(value)-1] + string("1234567890bcdefaBCDEFA"[max(last, 0)])
	for _, bad := range []string{"AWSELB=forged", "AWSELB=" + altered, "AWSELB=", "AWSELB=" + value + "x"} {
		_, be, sc, err := scGet(c, u, bad)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := cookieOf(sc, "AWSELB"); !ok || got != genuine[be] {
			t.Errorf("cookie %q: response from %s sets %q, want %q", bad, be, sc, genuine[be])
		}
	}

	// The sticky instance fails: the session moves and re-sticks.
	stuck, other, ip := a, b, "127.0.5.1"
	if first == "b" {
		stuck, other, ip = b, a, "127.0.5.2"
	}
	stuck.healthStatus.Store(500)
	h.waitHealth("sticky-lb", ip, hFailed, dpWait)
	st, moved, sc, err := scGet(c, u, cookie)
	if err != nil || st != 200 || moved != other.id {
		t.Fatalf("GET with the failed instance's cookie = %d %q, %v; want 200 from %s", st, moved, err, other.id)
	}
	newCookie, ok := cookieOf(sc, "AWSELB")
	if !ok || newCookie == cookie {
		t.Fatalf("no new cookie after falling back: %q", sc)
	}
	stuck.healthStatus.Store(200)
	h.waitHealth("sticky-lb", ip, hInService, dpWait)
	if seen, _ := stickyRun(t, c, u, newCookie, 20); seen[other.id] != 20 {
		t.Errorf("after the first instance recovered: %v, want all on %s", seen, other.id)
	}
	// And the old cookie sticks to the recovered instance again.
	if seen, _ := stickyRun(t, c, u, cookie, 10); seen[stuck.id] != 10 {
		t.Errorf("old cookie after recovery: %v, want all on %s", seen, stuck.id)
	}
}

// TestScenarioStickySessionCookie checks that CookieExpirationPeriod 0
// gives a session cookie (no MAX-AGE).
func TestScenarioStickySessionCookie(t *testing.T) {
	h := dpStart(t, "")
	_, _, addr := stickySetup(t, h, "sticky-session", func(name string) {
		_, err := h.c.CreateLBCookieStickinessPolicy(h.ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
			LoadBalancerName: aws.String(name), PolicyName: aws.String("sticky")})
		h.must(err)
	})
	_, _, sc, err := scGet(scClient(), url(addr, "/"), "")
	if err != nil || len(sc) != 1 || !strings.HasPrefix(sc[0], "AWSELB=") || !strings.HasSuffix(sc[0], ";PATH=/") {
		t.Fatalf("Set-Cookie = %q, %v; want a session AWSELB cookie", sc, err)
	}
}

// TestScenarioStickyAppCookie checks the application-controlled policy:
// no AWSELB cookie until the application sets its cookie, then one with
// the application cookie's lifetime and flags, and requests carrying it
// stick.
func TestScenarioStickyAppCookie(t *testing.T) {
	h := dpStart(t, "")
	_, _, addr := stickySetup(t, h, "sticky-app", func(name string) {
		_, err := h.c.CreateAppCookieStickinessPolicy(h.ctx, &elbsdk.CreateAppCookieStickinessPolicyInput{
			LoadBalancerName: aws.String(name), PolicyName: aws.String("sticky"), CookieName: aws.String("APPSESSION")})
		h.must(err)
	})
	c := scClient()
	if _, set := stickyRun(t, c, url(addr, "/"), "", 10); len(set) != 0 {
		t.Errorf("responses without the application cookie set %q", set)
	}
	st, be, sc, err := scGet(c, url(addr, "/setcookie"), "")
	if err != nil || st != 200 {
		t.Fatalf("GET /setcookie = %d, %v", st, err)
	}
	if _, ok := cookieOf(sc, "APPSESSION"); !ok {
		t.Fatalf("application cookie not passed through: %q", sc)
	}
	cookie, ok := cookieOf(sc, "AWSELB")
	var line string
	for _, s := range sc {
		if strings.HasPrefix(s, "AWSELB=") {
			line = s
		}
	}
	if !ok || !strings.Contains(line, ";MAX-AGE=600") || !strings.Contains(line, ";HTTPONLY") {
		t.Fatalf("AWSELB cookie = %q, want the application cookie's MAX-AGE=600 and HttpOnly", line)
	}
	if seen, set := stickyRun(t, c, url(addr, "/"), cookie+"; APPSESSION=s-"+be, 20); seen[be] != 20 || len(set) != 0 {
		t.Errorf("with the cookies: %v, new cookies %q; want all on %s", seen, set, be)
	}
}
