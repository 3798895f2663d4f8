package model_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/model"
)

// checkErr fails unless err is nil when want is nil, or a *model.Error of
// want's Kind otherwise.
func checkErr(t *testing.T, err error, want *model.Kind) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want kind %d", *want)
	}
	var me *model.Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v is a %T, not *model.Error", err, err)
	}
	if !errors.Is(err, &model.Error{Kind: *want}) || model.KindOf(err) != *want {
		t.Fatalf("error %q has kind %d, want %d", err, me.Kind, *want)
	}
	if me.Message == "" {
		t.Fatal("error has an empty message")
	}
}

func kind(k model.Kind) *model.Kind { return &k }

var (
	ok           *model.Kind
	invalid      = kind(model.KindValidation)
	unsupported  = kind(model.KindUnsupportedProtocol)
	invalidConfg = kind(model.KindInvalidConfiguration)
)

func TestErrorIsAndKindOf(t *testing.T) {
	err := model.Errorf(model.KindPolicyNotFound, "policy %s", "p")
	if err.Error() != "policy p" {
		t.Fatalf("Error() = %q", err.Error())
	}
	if !errors.Is(err, &model.Error{Kind: model.KindPolicyNotFound}) {
		t.Fatal("errors.Is with the same kind")
	}
	if errors.Is(err, &model.Error{Kind: model.KindValidation}) {
		t.Fatal("errors.Is with another kind")
	}
	wrapped := errors.Join(errors.New("context"), err)
	if model.KindOf(wrapped) != model.KindPolicyNotFound {
		t.Fatal("KindOf through a wrapper")
	}
	if model.KindOf(errors.New("plain")) != model.KindInternal || model.KindOf(nil) != model.KindInternal {
		t.Fatal("KindOf of a plain error is KindInternal")
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		want *model.Kind
	}{
		{"a", ok},
		{"my-lb-1", ok},
		{"MyLB", ok},
		{strings.Repeat("a", 32), ok},
		{"a" + strings.Repeat("-", 30) + "b", ok},
		{strings.Repeat("a", 33), invalid},
		{"", invalid},
		{"-lb", invalid},
		{"lb-", invalid},
		{"-", invalid},
		{"my_lb", invalid},
		{"my.lb", invalid},
		{"my lb", invalid},
		{"lb/x", invalid},
		{"été", invalid},
		{"lb\x00", invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, model.ValidateName(tt.name), tt.want) })
	}
}

func TestValidatePolicyName(t *testing.T) {
	for _, tt := range []struct {
		name string
		want *model.Kind
	}{
		{"p", ok}, {"my-Policy-1", ok}, {strings.Repeat("p", 255), ok},
		{"", invalid}, {strings.Repeat("p", 256), invalid}, {"p_1", invalid}, {"p.1", invalid},
	} {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, model.ValidatePolicyName(tt.name), tt.want) })
	}
}

func TestNormalizeProtocol(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      *model.Kind
	}{
		{"HTTP", "HTTP", ok}, {"http", "HTTP", ok}, {"Https", "HTTPS", ok}, {"tcp", "TCP", ok}, {"ssl", "SSL", ok},
		{" tcp ", "TCP", ok},
		{"", "", unsupported}, {"UDP", "", unsupported}, {"HTTP2", "", unsupported}, {"TLS", "", unsupported},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := model.NormalizeProtocol("Protocol", tt.in)
			checkErr(t, err, tt.err)
			if got != tt.want {
				t.Fatalf("NormalizeProtocol(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if _, err := model.NormalizeProtocol("InstanceProtocol", "ftp"); !strings.Contains(err.Error(), "InstanceProtocol") {
		t.Fatalf("message %q does not name the field", err)
	}
}

const certARN = "arn:aws:iam::123456789012:server-certificate/c"

func TestNormalizeListener(t *testing.T) {
	l := func(proto string, lbPort int, instProto string, instPort int, cert string) model.Listener {
		return model.Listener{Protocol: proto, LoadBalancerPort: lbPort, InstanceProtocol: instProto, InstancePort: instPort, SSLCertificateID: cert}
	}
	tests := []struct {
		name    string
		in      model.Listener
		classic bool
		want    *model.Kind
		// wantProto/wantInst are the normalised protocols on success.
		wantProto, wantInst string
	}{
		{name: "http defaults instance protocol", in: l("http", 80, "", 8080, ""), wantProto: "HTTP", wantInst: "HTTP"},
		{name: "tcp defaults instance protocol", in: l("tcp", 5000, "", 5000, ""), wantProto: "TCP", wantInst: "TCP"},
		{name: "https defaults to HTTPS behind", in: l("https", 443, "", 443, certARN), wantProto: "HTTPS", wantInst: "HTTPS"},
		{name: "https to http", in: l("HTTPS", 443, "http", 80, certARN), wantProto: "HTTPS", wantInst: "HTTP"},
		{name: "http to https", in: l("HTTP", 80, "HTTPS", 443, ""), wantProto: "HTTP", wantInst: "HTTPS"},
		{name: "ssl to tcp", in: l("ssl", 443, "tcp", 80, certARN), wantProto: "SSL", wantInst: "TCP"},
		{name: "tcp to ssl", in: l("tcp", 443, "ssl", 443, ""), wantProto: "TCP", wantInst: "SSL"},
		{name: "layer mismatch HTTP to TCP", in: l("HTTP", 80, "TCP", 80, ""), want: invalid},
		{name: "layer mismatch TCP to HTTP", in: l("TCP", 80, "HTTP", 80, ""), want: invalid},
		{name: "layer mismatch HTTPS to SSL", in: l("HTTPS", 443, "SSL", 443, certARN), want: invalid},
		{name: "secure front end without cert (HTTPS)", in: l("HTTPS", 443, "HTTP", 80, ""), want: invalid},
		{name: "secure front end without cert (SSL)", in: l("SSL", 443, "", 80, ""), want: invalid},
		{name: "cert on HTTP", in: l("HTTP", 80, "", 80, certARN), want: invalid},
		{name: "cert on TCP", in: l("TCP", 80, "", 80, certARN), want: invalid},
		{name: "unknown protocol", in: l("UDP", 53, "", 53, ""), want: unsupported},
		{name: "unknown instance protocol", in: l("HTTP", 80, "FTP", 21, ""), want: unsupported},
		{name: "empty protocol", in: l("", 80, "", 80, ""), want: unsupported},
		{name: "lb port 0", in: l("TCP", 0, "", 80, ""), want: invalid},
		{name: "lb port 65536", in: l("TCP", 65536, "", 80, ""), want: invalid},
		{name: "lb port -1", in: l("TCP", -1, "", 80, ""), want: invalid},
		{name: "lb port 1 in VPC", in: l("TCP", 1, "", 80, ""), wantProto: "TCP", wantInst: "TCP"},
		{name: "lb port 81 in VPC", in: l("HTTP", 81, "", 80, ""), wantProto: "HTTP", wantInst: "HTTP"},
		{name: "lb port 65535 in VPC", in: l("TCP", 65535, "", 80, ""), wantProto: "TCP", wantInst: "TCP"},
		{name: "instance port 0", in: l("TCP", 80, "", 0, ""), want: invalid},
		{name: "instance port 65536", in: l("TCP", 80, "", 65536, ""), want: invalid},
		{name: "instance port 1", in: l("TCP", 80, "", 1, ""), wantProto: "TCP", wantInst: "TCP"},
		{name: "instance port 65535", in: l("TCP", 80, "", 65535, ""), wantProto: "TCP", wantInst: "TCP"},
	}
	for _, port := range []int{25, 80, 443, 465, 587, 1024, 8080, 65535} {
		tests = append(tests, struct {
			name                string
			in                  model.Listener
			classic             bool
			want                *model.Kind
			wantProto, wantInst string
		}{name: "classic port " + strconv.Itoa(port), in: l("TCP", port, "", 80, ""), classic: true, wantProto: "TCP", wantInst: "TCP"})
	}
	for _, port := range []int{1, 21, 24, 26, 81, 442, 444, 464, 466, 586, 588, 1023, 65536} {
		tests = append(tests, struct {
			name                string
			in                  model.Listener
			classic             bool
			want                *model.Kind
			wantProto, wantInst string
		}{name: "classic port " + strconv.Itoa(port) + " rejected", in: l("TCP", port, "", 80, ""), classic: true, want: invalid})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := model.NormalizeListener(tt.in, tt.classic)
			checkErr(t, err, tt.want)
			if err != nil {
				return
			}
			if got.Protocol != tt.wantProto || got.InstanceProtocol != tt.wantInst {
				t.Fatalf("protocols = %s→%s, want %s→%s", got.Protocol, got.InstanceProtocol, tt.wantProto, tt.wantInst)
			}
			if got.LoadBalancerPort != tt.in.LoadBalancerPort || got.InstancePort != tt.in.InstancePort || got.SSLCertificateID != tt.in.SSLCertificateID {
				t.Fatalf("ports or certificate changed: %+v", got)
			}
		})
	}
	// The classic port message is AWS's verbatim text.
	_, err := model.NormalizeListener(l("HTTP", 81, "", 80, ""), true)
	if err == nil || err.Error() != "EC2-Classic load balancer port must be either 25, 80, 443, 465, 587 or 1024~65535 inclusive" {
		t.Fatalf("classic port message = %v", err)
	}
	_, err = model.NormalizeListener(l("HTTPS", 443, "", 80, ""), false)
	if err == nil || err.Error() != "Secure Listeners need to specify a SSLCertificateId" {
		t.Fatalf("secure listener message = %v", err)
	}
}

func TestSameListener(t *testing.T) {
	a := model.Listener{Protocol: "HTTPS", LoadBalancerPort: 443, InstanceProtocol: "HTTP", InstancePort: 80, SSLCertificateID: certARN, PolicyNames: []string{"p"}}
	b := a
	b.PolicyNames = nil
	if !model.SameListener(a, b) {
		t.Fatal("policies must not matter")
	}
	for _, change := range []func(*model.Listener){
		func(l *model.Listener) { l.Protocol = "SSL" },
		func(l *model.Listener) { l.LoadBalancerPort = 444 },
		func(l *model.Listener) { l.InstanceProtocol = "HTTPS" },
		func(l *model.Listener) { l.InstancePort = 81 },
		func(l *model.Listener) { l.SSLCertificateID = certARN + "2" },
	} {
		c := a
		change(&c)
		if model.SameListener(a, c) {
			t.Fatalf("listeners %+v and %+v reported the same", a, c)
		}
	}
}

func TestCheckInstancePortProtocols(t *testing.T) {
	l := func(lbPort int, instProto string, instPort int) model.Listener {
		return model.Listener{LoadBalancerPort: lbPort, InstanceProtocol: instProto, InstancePort: instPort}
	}
	tests := []struct {
		name string
		ls   []model.Listener
		want *model.Kind
	}{
		{"none", nil, ok},
		{"one", []model.Listener{l(80, "HTTP", 80)}, ok},
		{"HTTP and TCP share a port", []model.Listener{l(80, "HTTP", 8080), l(81, "TCP", 8080)}, ok},
		{"HTTPS and SSL share a port", []model.Listener{l(443, "HTTPS", 8443), l(444, "SSL", 8443)}, ok},
		{"different ports may differ", []model.Listener{l(80, "HTTP", 8080), l(443, "HTTPS", 8443)}, ok},
		{"HTTP and HTTPS share a port", []model.Listener{l(80, "HTTP", 8080), l(443, "HTTPS", 8080)}, invalidConfg},
		{"TCP and SSL share a port", []model.Listener{l(80, "TCP", 8080), l(443, "SSL", 8080)}, invalidConfg},
		{"third listener conflicts", []model.Listener{l(80, "HTTP", 8080), l(81, "HTTP", 8080), l(82, "SSL", 8080)}, invalidConfg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, model.CheckInstancePortProtocols(tt.ls), tt.want) })
	}
}

func TestValidateHealthCheck(t *testing.T) {
	base := model.HealthCheck{Target: "TCP:80", Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10}
	with := func(f func(h *model.HealthCheck)) model.HealthCheck { h := base; f(&h); return h }
	target := func(s string) model.HealthCheck { return with(func(h *model.HealthCheck) { h.Target = s }) }
	longPath := "/" + strings.Repeat("a", 1023)
	tests := []struct {
		name       string
		in         model.HealthCheck
		want       *model.Kind
		wantTarget string
	}{
		{"defaults", base, ok, "TCP:80"},
		{"interval 5", with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 5, 2 }), ok, "TCP:80"},
		{"interval 300", with(func(h *model.HealthCheck) { h.Interval = 300 }), ok, "TCP:80"},
		{"interval 4", with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 4, 2 }), invalid, ""},
		{"interval 301", with(func(h *model.HealthCheck) { h.Interval = 301 }), invalid, ""},
		{"interval 0", with(func(h *model.HealthCheck) { h.Interval = 0 }), invalid, ""},
		{"timeout 2", with(func(h *model.HealthCheck) { h.Timeout = 2 }), ok, "TCP:80"},
		{"timeout 60", with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 61, 60 }), ok, "TCP:80"},
		{"timeout 1", with(func(h *model.HealthCheck) { h.Timeout = 1 }), invalid, ""},
		{"timeout 61", with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 100, 61 }), invalid, ""},
		{"timeout equal to interval", with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 10, 10 }), invalid, ""},
		{"timeout above interval", with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 10, 11 }), invalid, ""},
		{"timeout just below interval", with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 10, 9 }), ok, "TCP:80"},
		{"unhealthy 2", with(func(h *model.HealthCheck) { h.UnhealthyThreshold = 2 }), ok, "TCP:80"},
		{"unhealthy 10", with(func(h *model.HealthCheck) { h.UnhealthyThreshold = 10 }), ok, "TCP:80"},
		{"unhealthy 1", with(func(h *model.HealthCheck) { h.UnhealthyThreshold = 1 }), invalid, ""},
		{"unhealthy 11", with(func(h *model.HealthCheck) { h.UnhealthyThreshold = 11 }), invalid, ""},
		{"healthy 2", with(func(h *model.HealthCheck) { h.HealthyThreshold = 2 }), ok, "TCP:80"},
		{"healthy 10", with(func(h *model.HealthCheck) { h.HealthyThreshold = 10 }), ok, "TCP:80"},
		{"healthy 1", with(func(h *model.HealthCheck) { h.HealthyThreshold = 1 }), invalid, ""},
		{"healthy 11", with(func(h *model.HealthCheck) { h.HealthyThreshold = 11 }), invalid, ""},
		{"TCP:80", target("TCP:80"), ok, "TCP:80"},
		{"SSL:443", target("SSL:443"), ok, "SSL:443"},
		{"tcp lower case", target("tcp:5000"), ok, "TCP:5000"},
		{"TCP with a path", target("TCP:80/x"), invalid, ""},
		{"SSL with a path", target("SSL:443/"), invalid, ""},
		{"HTTP without a path", target("HTTP:80"), invalid, ""},
		{"HTTPS without a path", target("HTTPS:443"), invalid, ""},
		{"HTTP:80/", target("HTTP:80/"), ok, "HTTP:80/"},
		{"http lower case upper-cased", target("http:8080/health"), ok, "HTTP:8080/health"},
		{"https mixed case", target("hTTps:443/a/b?c=d"), ok, "HTTPS:443/a/b?c=d"},
		{"path case kept", target("HTTP:80/Index.HTML"), ok, "HTTP:80/Index.HTML"},
		{"FTP", target("FTP:21"), invalid, ""},
		{"UDP", target("UDP:53"), invalid, ""},
		{"no colon", target("TCP80"), invalid, ""},
		{"empty", target(""), invalid, ""},
		{"port 0", target("TCP:0"), invalid, ""},
		{"port 65536", target("TCP:65536"), invalid, ""},
		{"port 1", target("TCP:1"), ok, "TCP:1"},
		{"port 65535", target("HTTP:65535/"), ok, "HTTP:65535/"},
		{"port missing", target("TCP:"), invalid, ""},
		{"port missing with path", target("HTTP:/x"), invalid, ""},
		{"port with sign", target("TCP:+80"), invalid, ""},
		{"negative port", target("TCP:-80"), invalid, ""},
		{"port not a number", target("TCP:http"), invalid, ""},
		{"space in the path", target("HTTP:80/a b"), invalid, ""},
		{"control character in the path", target("HTTP:80/a\tb"), invalid, ""},
		{"target of 1024 characters", target("HTTP:80" + longPath[:1024-len("HTTP:80")]), ok, "HTTP:80" + longPath[:1024-len("HTTP:80")]},
		{"path of 1024 characters (target over 1024)", target("HTTP:80" + longPath), invalid, ""},
		{"target of 1025 characters", target("HTTP:80" + longPath[:1025-len("HTTP:80")]), invalid, ""},
		// U+1F600 counts as two UTF-16 units.
		{"astral characters count twice", target("HTTP:80/" + strings.Repeat("\U0001F600", 509)), invalid, ""},
		{"astral characters within the limit", target("HTTP:80/" + strings.Repeat("\U0001F600", 508)), ok, "HTTP:80/" + strings.Repeat("\U0001F600", 508)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := model.ValidateHealthCheck(tt.in)
			checkErr(t, err, tt.want)
			if err != nil {
				return
			}
			if got.Target != tt.wantTarget {
				t.Fatalf("Target = %q, want %q", got.Target, tt.wantTarget)
			}
			if got.Interval != tt.in.Interval || got.Timeout != tt.in.Timeout ||
				got.UnhealthyThreshold != tt.in.UnhealthyThreshold || got.HealthyThreshold != tt.in.HealthyThreshold {
				t.Fatalf("numbers changed: %+v", got)
			}
		})
	}
	_, err := model.ValidateHealthCheck(with(func(h *model.HealthCheck) { h.Interval, h.Timeout = 5, 5 }))
	if err == nil || err.Error() != "Health check interval must be greater than the timeout." {
		t.Fatalf("timeout ≥ interval message = %v", err)
	}
}

func TestValidateTag(t *testing.T) {
	tests := []struct {
		name string
		tag  model.Tag
		want *model.Kind
	}{
		{"simple", model.Tag{Key: "env", Value: "prod"}, ok},
		{"empty value", model.Tag{Key: "k"}, ok},
		{"all allowed punctuation", model.Tag{Key: "a_b.c:d/e=f+g-h@i j", Value: "_.:/=+-@ "}, ok},
		{"unicode letters and numbers", model.Tag{Key: "clé", Value: "値٣"}, ok},
		{"unicode space separator", model.Tag{Key: "a\u00a0b", Value: "x\u2003y"}, ok},
		{"key of 128 runes", model.Tag{Key: strings.Repeat("k", 128)}, ok},
		{"key of 128 multi-byte runes", model.Tag{Key: strings.Repeat("é", 128)}, ok},
		{"key of 129 runes", model.Tag{Key: strings.Repeat("k", 129)}, invalid},
		{"empty key", model.Tag{Key: "", Value: "v"}, invalid},
		{"value of 256 runes", model.Tag{Key: "k", Value: strings.Repeat("v", 256)}, ok},
		{"value of 256 multi-byte runes", model.Tag{Key: "k", Value: strings.Repeat("é", 256)}, ok},
		{"value of 257 runes", model.Tag{Key: "k", Value: strings.Repeat("v", 257)}, invalid},
		{"key with an asterisk", model.Tag{Key: "a*b"}, invalid},
		{"key with a comma", model.Tag{Key: "a,b"}, invalid},
		{"value with a hash", model.Tag{Key: "k", Value: "#1"}, invalid},
		{"value with a newline", model.Tag{Key: "k", Value: "a\nb"}, invalid},
		{"value with a tab", model.Tag{Key: "k", Value: "a\tb"}, invalid},
		{"key with invalid UTF-8", model.Tag{Key: "a\xffb"}, invalid},
		{"emoji", model.Tag{Key: "k", Value: "\U0001F600"}, invalid},
		{"aws: prefix", model.Tag{Key: "aws:cloudformation:stack-name", Value: "s"}, invalid},
		{"AWS: prefix any case", model.Tag{Key: "AWS:x"}, invalid},
		{"aws without colon", model.Tag{Key: "awsome"}, ok},
		{"aws: inside", model.Tag{Key: "x:aws:y"}, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, model.ValidateTag(tt.tag), tt.want) })
	}
}

func TestValidateAttributes(t *testing.T) {
	base := model.DefaultAttributes()
	with := func(f func(a *model.Attributes)) model.Attributes { a := base; f(&a); return a }
	logTo := func(bucket, prefix string) model.Attributes {
		return with(func(a *model.Attributes) {
			a.AccessLog = model.AccessLog{Enabled: true, S3BucketName: bucket, S3BucketPrefix: prefix, EmitInterval: 60}
		})
	}
	tests := []struct {
		name string
		in   model.Attributes
		want *model.Kind
	}{
		{"defaults", base, ok},
		{"draining 1", with(func(a *model.Attributes) { a.DrainingTimeout = 1 }), ok},
		{"draining 3600", with(func(a *model.Attributes) { a.DrainingTimeout = 3600 }), ok},
		{"draining 0", with(func(a *model.Attributes) { a.DrainingTimeout = 0 }), invalid},
		{"draining 3601", with(func(a *model.Attributes) { a.DrainingTimeout = 3601 }), invalid},
		{"draining timeout checked while disabled", with(func(a *model.Attributes) { a.DrainingEnabled = false; a.DrainingTimeout = -1 }), invalid},
		{"idle 1", with(func(a *model.Attributes) { a.IdleTimeout = 1 }), ok},
		{"idle 3600", with(func(a *model.Attributes) { a.IdleTimeout = 3600 }), ok},
		{"idle 4000", with(func(a *model.Attributes) { a.IdleTimeout = 4000 }), ok},
		{"idle 4001", with(func(a *model.Attributes) { a.IdleTimeout = 4001 }), invalid},
		{"idle 0", with(func(a *model.Attributes) { a.IdleTimeout = 0 }), invalid},
		{"emit 5", with(func(a *model.Attributes) { a.AccessLog.EmitInterval = 5 }), ok},
		{"emit 60", with(func(a *model.Attributes) { a.AccessLog.EmitInterval = 60 }), ok},
		{"emit 0", with(func(a *model.Attributes) { a.AccessLog.EmitInterval = 0 }), invalid},
		{"emit 10", with(func(a *model.Attributes) { a.AccessLog.EmitInterval = 10 }), invalid},
		{"emit 30", with(func(a *model.Attributes) { a.AccessLog.EmitInterval = 30 }), invalid},
		{"emit 61", with(func(a *model.Attributes) { a.AccessLog.EmitInterval = 61 }), invalid},
		{"logging to a bucket", logTo("my-logs", "team/app"), ok},
		{"logging with an empty prefix", logTo("my-logs", ""), ok},
		{"prefix with AWSLogs", logTo("my-logs", "x/AWSLogs/y"), invalidConfg},
		{"prefix AWSLogs", logTo("my-logs", "AWSLogs"), invalidConfg},
		{"prefix with AWSLogs while disabled", with(func(a *model.Attributes) { a.AccessLog.S3BucketPrefix = "AWSLogs" }), invalidConfg},
		{"prefix with a .. segment", logTo("my-logs", "a/../b"), invalid},
		{"prefix with a . segment", logTo("my-logs", "./b"), invalid},
		{"prefix with dots in a name", logTo("my-logs", "a..b/c.d"), ok},
		{"enabled without a bucket", logTo("", ""), invalidConfg},
		{"bucket while disabled", with(func(a *model.Attributes) { a.AccessLog.S3BucketName = "my-logs" }), ok},
		{"bucket of 3 characters", logTo("abc", ""), ok},
		{"bucket of 63 characters", logTo(strings.Repeat("b", 63), ""), ok},
		{"bucket with dots and digits", logTo("logs.example.com-2", ""), ok},
		{"bucket of 2 characters", logTo("ab", ""), invalid},
		{"bucket of 64 characters", logTo(strings.Repeat("b", 64), ""), invalid},
		{"bucket with upper case", logTo("MyLogs", ""), invalid},
		{"bucket with an underscore", logTo("my_logs", ""), invalid},
		{"bucket with a slash", logTo("my/logs", ""), invalid},
		{"bucket with two adjacent dots", logTo("my..logs", ""), invalid},
		{"bucket starting with a dot", logTo(".mylogs", ""), invalid},
		{"bucket starting with a hyphen", logTo("-mylogs", ""), invalid},
		{"bucket ending with a dot", logTo("mylogs.", ""), invalid},
		{"bucket ending with a hyphen", logTo("mylogs-", ""), invalid},
		{"bucket of dots", logTo("...", ""), invalid},
		{"bucket formatted as an IP address", logTo("192.168.5.4", ""), invalid},
		{"bucket like an IP address with more labels", logTo("192.168.5.4.logs", ""), ok},
		{"desync monitor", with(func(a *model.Attributes) { a.DesyncMode = model.DesyncMonitor }), ok},
		{"desync defensive", with(func(a *model.Attributes) { a.DesyncMode = model.DesyncDefensive }), ok},
		{"desync strictest", with(func(a *model.Attributes) { a.DesyncMode = model.DesyncStrictest }), ok},
		{"desync empty", with(func(a *model.Attributes) { a.DesyncMode = "" }), invalid},
		{"desync upper case", with(func(a *model.Attributes) { a.DesyncMode = "Defensive" }), invalid},
		{"desync unknown", with(func(a *model.Attributes) { a.DesyncMode = "paranoid" }), invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, model.ValidateAttributes(tt.in), tt.want) })
	}
}

func TestDefaultAttributes(t *testing.T) {
	a := model.DefaultAttributes()
	want := model.Attributes{AccessLog: model.AccessLog{EmitInterval: 60}, DrainingTimeout: 300, IdleTimeout: 60, DesyncMode: "defensive"}
	if a != want {
		t.Fatalf("DefaultAttributes = %+v, want %+v", a, want)
	}
	checkErr(t, model.ValidateAttributes(a), ok)
}

func TestDefaultHealthCheck(t *testing.T) {
	want := model.HealthCheck{Target: "TCP:80", Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10}
	if got := model.DefaultHealthCheck(nil); got != want {
		t.Fatalf("DefaultHealthCheck(nil) = %+v, want %+v", got, want)
	}
	ls := []model.Listener{
		{Protocol: "HTTP", LoadBalancerPort: 80, InstanceProtocol: "HTTP", InstancePort: 8080},
		{Protocol: "TCP", LoadBalancerPort: 5000, InstanceProtocol: "TCP", InstancePort: 5001},
	}
	want.Target = "TCP:8080"
	got := model.DefaultHealthCheck(ls)
	if got != want {
		t.Fatalf("DefaultHealthCheck = %+v, want %+v (first listener's instance port)", got, want)
	}
	if v, err := model.ValidateHealthCheck(got); err != nil || v != got {
		t.Fatalf("the default check does not validate unchanged: %+v, %v", v, err)
	}
}
