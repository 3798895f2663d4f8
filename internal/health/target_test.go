package health

import (
	"strings"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/model"
)

func TestParseTarget(t *testing.T) {
	long := "/" + strings.Repeat("a", 1023)
	tests := []struct {
		in      string
		want    Target
		wantErr bool
	}{
		{in: "TCP:80", want: Target{Protocol: "TCP", Port: 80}},
		{in: "tcp:5000", want: Target{Protocol: "TCP", Port: 5000}},
		{in: "SSL:443", want: Target{Protocol: "SSL", Port: 443}},
		{in: "ssl:1", want: Target{Protocol: "SSL", Port: 1}},
		{in: "HTTP:80/", want: Target{Protocol: "HTTP", Port: 80, Path: "/"}},
		{in: "http:8080/health", want: Target{Protocol: "HTTP", Port: 8080, Path: "/health"}},
		{in: "HTTP:80/weather/us/wa/seattle", want: Target{Protocol: "HTTP", Port: 80, Path: "/weather/us/wa/seattle"}},
		{in: "hTTps:443/a/b?c=d", want: Target{Protocol: "HTTPS", Port: 443, Path: "/a/b?c=d"}},
		{in: "HTTPS:65535/Index.HTML", want: Target{Protocol: "HTTPS", Port: 65535, Path: "/Index.HTML"}},
		{in: "HTTP:80" + long[:1024-len("HTTP:80")], want: Target{Protocol: "HTTP", Port: 80, Path: long[:1024-len("HTTP:80")]}},
		{in: "HTTP:80" + long, wantErr: true},
		{in: "TCP:80/x", wantErr: true},
		{in: "SSL:443/", wantErr: true},
		{in: "HTTP:80", wantErr: true},
		{in: "HTTPS:443", wantErr: true},
		{in: "FTP:21", wantErr: true},
		{in: "UDP:53", wantErr: true},
		{in: "TCP80", wantErr: true},
		{in: "", wantErr: true},
		{in: "TCP:0", wantErr: true},
		{in: "TCP:65536", wantErr: true},
		{in: "TCP:", wantErr: true},
		{in: "HTTP:/x", wantErr: true},
		{in: "TCP:+80", wantErr: true},
		{in: "TCP:-80", wantErr: true},
		{in: "TCP:http", wantErr: true},
		{in: "HTTP:80/a b", wantErr: true},
		{in: "HTTP:80/a\tb", wantErr: true},
		{in: "HTTP:80/" + strings.Repeat("\U0001F600", 509), wantErr: true},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		t.Run(name, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTarget(%q) = %+v, want an error", tt.in, got)
				}
			} else if err != nil || got != tt.want {
				t.Fatalf("ParseTarget(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
			}

			// Same grammar as the API's validation, and String gives back
			// the canonical target.
			hc, verr := model.ValidateHealthCheck(model.HealthCheck{Target: tt.in, Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10})
			if (verr == nil) != (err == nil) {
				t.Fatalf("ParseTarget error %v, model.ValidateHealthCheck error %v", err, verr)
			}
			if err == nil {
				if got.String() != hc.Target {
					t.Fatalf("String() = %q, want %q", got.String(), hc.Target)
				}
				if verr := got.validate(); verr != nil {
					t.Fatalf("validate() = %v for a parsed target", verr)
				}
			}
		})
	}
}

func TestSpecFrom(t *testing.T) {
	got, err := SpecFrom(model.HealthCheck{Target: "http:8080/ping", Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10})
	want := Spec{Target: Target{Protocol: "HTTP", Port: 8080, Path: "/ping"}, Interval: 30 * time.Second, Timeout: 5 * time.Second, Healthy: 10, Unhealthy: 2}
	if err != nil || got != want {
		t.Fatalf("SpecFrom = %+v, %v, want %+v", got, err, want)
	}
	if _, err := SpecFrom(model.HealthCheck{Target: "TCP:80", Interval: 5, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 2}); err == nil {
		t.Fatal("SpecFrom accepted Timeout = Interval")
	}
}

func TestSpecValidate(t *testing.T) {
	ok := Spec{Target: Target{Protocol: "TCP", Port: 80}, Interval: time.Millisecond, Timeout: time.Millisecond, Healthy: 1, Unhealthy: 1}
	if err := ok.validate(); err != nil {
		t.Fatalf("validate(%+v) = %v", ok, err)
	}
	bad := []func(*Spec){
		func(s *Spec) { s.Interval = 0 },
		func(s *Spec) { s.Timeout = -1 },
		func(s *Spec) { s.Healthy = 0 },
		func(s *Spec) { s.Unhealthy = 0 },
		func(s *Spec) { s.Target.Port = 0 },
		func(s *Spec) { s.Target.Port = 70000 },
		func(s *Spec) { s.Target.Protocol = "tcp" },
		func(s *Spec) { s.Target.Path = "/x" },
		func(s *Spec) { s.Target.Protocol = "HTTP" },
		func(s *Spec) { s.Target = Target{Protocol: "HTTP", Port: 80, Path: "/a b"} },
	}
	for i, f := range bad {
		s := ok
		f(&s)
		if err := s.validate(); err == nil {
			t.Errorf("case %d: validate(%+v) = nil, want an error", i, s)
		}
	}
}
