package health

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/elbd/elbd/internal/model"
)

// Target is what a health check probes on an instance: the parsed form of a
// HealthCheck Target such as "TCP:80", "SSL:443", "HTTP:8080/health" or
// "HTTPS:443/ping?deep=1".
type Target struct {
	// Protocol is TCP, SSL, HTTP or HTTPS (upper case).
	Protocol string
	// Port is the instance port, 1–65535.
	Port int
	// Path is the request target of HTTP and HTTPS checks, starting with
	// "/" and possibly carrying a query; empty for TCP and SSL.
	Path string
	// Pins, for SSL and HTTPS targets, lists the public keys the
	// instance's certificate must have one of (see Pins); empty accepts
	// any certificate, as ELB does without a back-end authentication
	// policy. ParseTarget leaves it empty.
	Pins string
}

// ParseTarget parses a HealthCheck Target. The grammar is exactly the one
// model.ValidateHealthCheck enforces (it is checked there, so the two
// cannot drift): PROTOCOL:PORT for TCP and SSL, PROTOCOL:PORT/PATH for HTTP
// and HTTPS, the protocol case-insensitive, at most 1024 UTF-16 units, no
// spaces or control characters in the path. Errors are the model's
// ValidationErrors.
func ParseTarget(s string) (Target, error) {
	// Only the target matters here; the other fields are valid defaults.
	hc, err := model.ValidateHealthCheck(model.HealthCheck{
		Target: s, Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10,
	})
	if err != nil {
		return Target{}, err
	}
	// hc.Target is now canonical: PROTO:PORT[/PATH] with PROTO upper-cased.
	proto, rest, _ := strings.Cut(hc.Target, ":")
	portStr, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		portStr, path = rest[:i], rest[i:]
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return Target{}, fmt.Errorf("health: target %q: %w", s, err) // unreachable after validation
	}
	return Target{Protocol: proto, Port: port, Path: path}, nil
}

// String returns the canonical form of t, as ParseTarget accepts it.
func (t Target) String() string {
	return t.Protocol + ":" + strconv.Itoa(t.Port) + t.Path
}

func (t Target) validate() error {
	switch t.Protocol {
	case "TCP", "SSL":
		if t.Path != "" {
			return fmt.Errorf("health: %s target with a path", t.Protocol)
		}
	case "HTTP", "HTTPS":
		if !strings.HasPrefix(t.Path, "/") {
			return fmt.Errorf("health: %s target path %q does not start with /", t.Protocol, t.Path)
		}
		for i := 0; i < len(t.Path); i++ {
			if c := t.Path[i]; c < 0x21 || c == 0x7f {
				return fmt.Errorf("health: %s target path contains a space or control character", t.Protocol)
			}
		}
	default:
		return fmt.Errorf("health: unknown target protocol %q", t.Protocol)
	}
	if t.Port < 1 || t.Port > 65535 {
		return fmt.Errorf("health: target port %d out of range", t.Port)
	}
	return nil
}

// Spec is one load balancer's health check as the checker runs it.
type Spec struct {
	// Target is what is probed.
	Target Target
	// Interval is the time between the starts of two checks of one
	// instance (before jitter). ELB allows 5–300 s; the checker accepts
	// any positive duration, so test harnesses can run short ones.
	Interval time.Duration
	// Timeout bounds one check; a check that has not passed by then
	// fails. ELB allows 2–60 s, below Interval; the checker accepts any
	// positive duration and never overlaps two checks of one instance,
	// even when Timeout is not below Interval.
	Timeout time.Duration
	// Healthy is HealthyThreshold: consecutive passing checks that bring
	// an instance that failed back InService (ELB: 2–10).
	Healthy int
	// Unhealthy is UnhealthyThreshold: consecutive failing checks that
	// take an instance OutOfService (ELB: 2–10).
	Unhealthy int
}

// SpecFrom converts the API's HealthCheck (seconds, target string) into a
// Spec, validating it with model.ValidateHealthCheck.
func SpecFrom(hc model.HealthCheck) (Spec, error) {
	hc, err := model.ValidateHealthCheck(hc)
	if err != nil {
		return Spec{}, err
	}
	t, err := ParseTarget(hc.Target)
	if err != nil {
		return Spec{}, err
	}
	return Spec{
		Target:    t,
		Interval:  time.Duration(hc.Interval) * time.Second,
		Timeout:   time.Duration(hc.Timeout) * time.Second,
		Healthy:   hc.HealthyThreshold,
		Unhealthy: hc.UnhealthyThreshold,
	}, nil
}

func (s Spec) validate() error {
	if err := s.Target.validate(); err != nil {
		return err
	}
	switch {
	case s.Interval <= 0:
		return errors.New("health: Interval must be positive")
	case s.Timeout <= 0:
		return errors.New("health: Timeout must be positive")
	case s.Healthy < 1:
		return errors.New("health: Healthy threshold must be at least 1")
	case s.Unhealthy < 1:
		return errors.New("health: Unhealthy threshold must be at least 1")
	}
	return nil
}
