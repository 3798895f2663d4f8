package tlspolicy_test

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/policy"
	"github.com/elbd/elbd/internal/tlspolicy"
)

func attrs(kv ...string) []model.Attribute {
	out := make([]model.Attribute, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, model.Attribute{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func fromPolicy(in []policy.Attribute) []model.Attribute {
	out := make([]model.Attribute, len(in))
	for i, a := range in {
		out[i] = model.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}

func TestResolveCustom(t *testing.T) {
	const (
		v10 = tls.VersionTLS10
		v11 = tls.VersionTLS11
		v12 = tls.VersionTLS12
		v13 = tls.VersionTLS13
	)
	order := tlspolicy.IgnoredClientOrder
	tests := []struct {
		name       string
		in         []model.Attribute
		opts       tlspolicy.Options
		versions   []uint16
		suites     []uint16
		unservable []string
		ignored    []string
	}{
		{
			name:     "TLS 1.2 and one cipher",
			in:       attrs("Protocol-TLSv1.2", "true", "ECDHE-RSA-AES128-GCM-SHA256", "true"),
			versions: []uint16{v12},
			suites:   []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			ignored:  []string{order},
		},
		{
			name: "server order, all TLS versions, false flags skipped",
			in: attrs("Protocol-SSLv2", "false", "Protocol-TLSv1", "true", "Protocol-SSLv3", "false", "Protocol-TLSv1.1", "true",
				"Protocol-TLSv1.2", "true", "Server-Defined-Cipher-Order", "true", "AES128-SHA", "true", "AES256-SHA", "false"),
			versions: []uint16{v10, v11, v12},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		},
		{
			name:     "values in any case",
			in:       attrs("Protocol-TLSv1.2", "TRUE", "Server-Defined-Cipher-Order", "True", "AES128-SHA", "tRuE", "AES256-SHA", "FALSE"),
			versions: []uint16{v12},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		},
		{
			name: "unservable protocols and ciphers listed in attribute order",
			in: attrs("Protocol-SSLv2", "true", "Protocol-TLSv1", "true", "Protocol-SSLv3", "true",
				"DHE-RSA-AES128-SHA", "true", "AES128-SHA", "true", "CAMELLIA128-SHA", "true", "RC4-MD5", "true", "RC4-SHA", "true"),
			versions:   []uint16{v10},
			suites:     []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_RC4_128_SHA},
			unservable: []string{"Protocol-SSLv2", "Protocol-SSLv3", "DHE-RSA-AES128-SHA", "CAMELLIA128-SHA", "RC4-MD5"},
			ignored:    []string{order},
		},
		{
			name:     "cipher suites keep the attribute order",
			in:       attrs("AES256-SHA", "true", "Protocol-TLSv1.2", "true", "ECDHE-ECDSA-AES128-GCM-SHA256", "true", "DES-CBC3-SHA", "true"),
			versions: []uint16{v12},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
			ignored:  []string{order},
		},
		{
			name:     "gap: TLS 1.0 and 1.2 without 1.1",
			in:       attrs("Protocol-TLSv1", "true", "Protocol-TLSv1.1", "false", "Protocol-TLSv1.2", "true", "AES128-SHA", "true"),
			versions: []uint16{v10, v12},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
			ignored:  []string{order},
		},
		{
			name:     "later attribute wins",
			in:       attrs("Protocol-TLSv1", "true", "Protocol-TLSv1.2", "true", "AES128-SHA", "true", "Protocol-TLSv1", "false"),
			versions: []uint16{v12},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
			ignored:  []string{order},
		},
		{
			name:     "TLS 1.3 opt-in with TLS 1.2",
			in:       attrs("Protocol-TLSv1.1", "true", "Protocol-TLSv1.2", "true", "AES128-SHA", "true"),
			opts:     tlspolicy.Options{TLS13: true},
			versions: []uint16{v11, v12, v13},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
			ignored:  []string{order},
		},
		{
			name:     "TLS 1.3 opt-in without TLS 1.2",
			in:       attrs("Protocol-TLSv1", "true", "Protocol-TLSv1.1", "true", "AES128-SHA", "true"),
			opts:     tlspolicy.Options{TLS13: true},
			versions: []uint16{v10, v11},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
			ignored:  []string{order},
		},
		{
			name:     "GCM enabled next to TLS 1.0: kept, usable once TLS 1.2 is",
			in:       attrs("Protocol-TLSv1", "true", "AES128-GCM-SHA256", "true", "AES128-SHA", "true"),
			versions: []uint16{v10},
			suites:   []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
			ignored:  []string{order},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tlspolicy.Resolve(tt.in, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Versions, tt.versions) || r.MinVersion != tt.versions[0] || r.MaxVersion != tt.versions[len(tt.versions)-1] {
				t.Errorf("versions %x min %x max %x, want %x", r.Versions, r.MinVersion, r.MaxVersion, tt.versions)
			}
			if !slices.Equal(r.CipherSuites, tt.suites) {
				t.Errorf("CipherSuites %x, want %x", r.CipherSuites, tt.suites)
			}
			if !slices.Equal(r.Unservable, tt.unservable) {
				t.Errorf("Unservable %q, want %q", r.Unservable, tt.unservable)
			}
			if !slices.Equal(r.Ignored, tt.ignored) {
				t.Errorf("Ignored %q, want %q", r.Ignored, tt.ignored)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []model.Attribute
		opts tlspolicy.Options
		want []string // substrings of the message
	}{
		{"nothing", nil, tlspolicy.Options{}, []string{"no protocol is enabled"}},
		{"no protocol", attrs("AES128-SHA", "true", "Protocol-TLSv1", "false"), tlspolicy.Options{},
			[]string{"no protocol is enabled", "Protocol-TLSv1.2"}},
		{"only SSL protocols", attrs("Protocol-SSLv2", "true", "Protocol-SSLv3", "true", "AES128-SHA", "true"), tlspolicy.Options{},
			[]string{"cannot serve Protocol-SSLv2, Protocol-SSLv3", "enable Protocol-TLSv1"}},
		{"no cipher", attrs("Protocol-TLSv1.2", "true", "Server-Defined-Cipher-Order", "true"), tlspolicy.Options{},
			[]string{"no cipher is enabled", "ECDHE-ECDSA-AES128-GCM-SHA256", "RC4-SHA"}},
		{"only ciphers Go lacks", attrs("Protocol-TLSv1.2", "true", "DHE-RSA-AES128-SHA", "true", "ECDHE-RSA-AES256-SHA384", "true"), tlspolicy.Options{},
			[]string{"DHE-RSA-AES128-SHA is not supported", "ECDHE-RSA-AES256-SHA384 is not supported", "Enable at least one of: ECDHE-ECDSA-AES128-GCM-SHA256"}},
		{"TLS 1.3 does not rescue a policy", attrs("Protocol-TLSv1.2", "true", "CAMELLIA256-SHA", "true"), tlspolicy.Options{TLS13: true},
			[]string{"CAMELLIA256-SHA is not supported"}},
		{"TLS 1.2 suites without TLS 1.2", attrs("Protocol-TLSv1", "true", "Protocol-TLSv1.1", "true", "AES128-GCM-SHA256", "true", "ECDHE-RSA-AES128-SHA256", "true"), tlspolicy.Options{},
			[]string{"(Protocol-TLSv1, Protocol-TLSv1.1)", "AES128-GCM-SHA256 needs Protocol-TLSv1.2", "ECDHE-RSA-AES128-SHA256 needs Protocol-TLSv1.2", "ECDHE-ECDSA-AES128-SHA"}},
		{"not a boolean", attrs("Protocol-TLSv1.2", "yes", "AES128-SHA", "true"), tlspolicy.Options{},
			[]string{`Invalid value "yes" for attribute Protocol-TLSv1.2`}},
		{"reference without its flags", attrs("Reference-Security-Policy", "ELBSecurityPolicy-2016-08"), tlspolicy.Options{},
			[]string{"ELBSecurityPolicy-2016-08", "not normalised"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tlspolicy.Resolve(tt.in, tt.opts)
			if err == nil {
				t.Fatalf("resolved to %v, want an error", r)
			}
			if k := model.KindOf(err); k != model.KindInvalidConfiguration {
				t.Errorf("kind %v, want KindInvalidConfiguration", k)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// The candidates offered for TLS 1.0 only are those usable with it.
	_, err := tlspolicy.Resolve(attrs("Protocol-TLSv1", "true", "AES128-GCM-SHA256", "true"), tlspolicy.Options{})
	if err == nil || strings.Contains(err.Error(), "Enable at least one of: ECDHE-ECDSA-AES128-GCM-SHA256") ||
		!strings.Contains(err.Error(), "Enable at least one of: ECDHE-ECDSA-AES128-SHA, ") {
		t.Errorf("TLSv1 with a GCM suite: %v, want candidates starting with ECDHE-ECDSA-AES128-SHA", err)
	}
}

// TestResolveReference resolves policies created with
// Reference-Security-Policy as policy.Normalize stores them.
func TestResolveReference(t *testing.T) {
	for _, p := range policy.Predefined() {
		stored, err := policy.Normalize(policy.SSLNegotiationType,
			[]policy.Attribute{{Name: "Reference-Security-Policy", Value: p.Name}}, nil)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		got, err := tlspolicy.Resolve(fromPolicy(stored), tlspolicy.Options{})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		want, err := tlspolicy.Resolve(fromPolicy(p.Attributes), tlspolicy.Options{})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if got.String() != want.String() {
			t.Errorf("%s by reference: %s\nwant %s", p.Name, got, want)
		}
	}

	// Overrides next to the reference are applied.
	stored, err := policy.Normalize(policy.SSLNegotiationType, []policy.Attribute{
		{Name: "Reference-Security-Policy", Value: "ELBSecurityPolicy-2016-08"},
		{Name: "Protocol-TLSv1", Value: "false"},
		{Name: "AES256-SHA256", Value: "false"},
		{Name: "Server-Defined-Cipher-Order", Value: "false"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tlspolicy.Resolve(fromPolicy(stored), tlspolicy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Versions, []uint16{tls.VersionTLS11, tls.VersionTLS12}) ||
		!slices.Equal(r.Unservable, []string{"ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384"}) ||
		!slices.Equal(r.Ignored, []string{tlspolicy.IgnoredClientOrder}) {
		t.Errorf("2016-08 without TLSv1, AES256-SHA256 and server order: %s", r)
	}
}

func TestString(t *testing.T) {
	r, err := tlspolicy.Resolve(attrs("Protocol-SSLv3", "true", "Protocol-TLSv1.2", "true",
		"ECDHE-RSA-AES128-GCM-SHA256", "true", "AES128-SHA", "true", "DHE-RSA-AES128-SHA", "true"), tlspolicy.Options{TLS13: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "protocols TLSv1.2,TLSv1.3; ciphers ECDHE-RSA-AES128-GCM-SHA256,AES128-SHA; not served: Protocol-SSLv3,DHE-RSA-AES128-SHA; ignored: Server-Defined-Cipher-Order=false"
	if got := r.String(); got != want {
		t.Errorf("String() =\n %s\nwant\n %s", got, want)
	}
	r, err = tlspolicy.Resolve(attrs("Protocol-TLSv1", "true", "Server-Defined-Cipher-Order", "true", "AES256-SHA", "true"), tlspolicy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.String(), "protocols TLSv1; ciphers AES256-SHA"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestConfigKeepsBase(t *testing.T) {
	r, err := tlspolicy.Resolve(attrs("Protocol-TLSv1", "true", "Protocol-TLSv1.1", "true", "AES128-SHA", "true"), tlspolicy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := &tls.Config{NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS13, SessionTicketsDisabled: true}
	c := r.Config(base)
	if c == base || base.MinVersion != tls.VersionTLS13 || base.CipherSuites != nil {
		t.Error("Config modified base")
	}
	if c.MinVersion != tls.VersionTLS10 || c.MaxVersion != tls.VersionTLS11 ||
		!slices.Equal(c.CipherSuites, []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}) {
		t.Errorf("Config: min %x max %x suites %x", c.MinVersion, c.MaxVersion, c.CipherSuites)
	}
	if !slices.Equal(c.NextProtos, base.NextProtos) || !c.SessionTicketsDisabled {
		t.Error("Config dropped base settings")
	}
	if c.GetConfigForClient != nil {
		t.Error("GetConfigForClient set without a protocol gap")
	}
	c.CipherSuites[0] = 0
	if r.CipherSuites[0] != tls.TLS_RSA_WITH_AES_128_CBC_SHA {
		t.Error("Config shares CipherSuites with the Result")
	}

	n := r.Config(nil)
	if n == nil || n.MaxVersion != tls.VersionTLS11 || n.MinVersion != tls.VersionTLS10 {
		t.Errorf("Config(nil) = %+v", n)
	}
}

// TestConfigGapHook checks the hook a protocol gap installs, directly on
// ClientHelloInfo values (the handshake tests cover it end to end).
func TestConfigGapHook(t *testing.T) {
	r, err := tlspolicy.Resolve(attrs("Protocol-TLSv1", "true", "Protocol-TLSv1.2", "true", "AES128-SHA", "true"), tlspolicy.Options{TLS13: true})
	if err != nil {
		t.Fatal(err)
	}
	innerCalls := 0
	base := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		innerCalls++
		return nil, nil
	}}
	c := r.Config(base)
	for _, tt := range []struct {
		client []uint16
		max    uint16 // 0: no adjustment
	}{
		{[]uint16{tls.VersionTLS13, tls.VersionTLS12, tls.VersionTLS11, tls.VersionTLS10}, 0},
		{[]uint16{tls.VersionTLS12, tls.VersionTLS11}, 0},
		{[]uint16{tls.VersionTLS11, tls.VersionTLS10}, tls.VersionTLS10},
		{[]uint16{tls.VersionTLS11}, tls.VersionTLS10}, // no common version: the handshake fails
		{[]uint16{tls.VersionTLS10}, 0},
		{[]uint16{0x0a0a, tls.VersionTLS11, tls.VersionTLS10}, tls.VersionTLS10}, // GREASE ignored
	} {
		got, err := c.GetConfigForClient(&tls.ClientHelloInfo{SupportedVersions: tt.client})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tt.max == 0 && got != nil:
			t.Errorf("client %x: got a config (max %x), want none", tt.client, got.MaxVersion)
		case tt.max != 0 && (got == nil || got.MaxVersion != tt.max || got.MinVersion != tls.VersionTLS10 || got.GetConfigForClient != nil):
			t.Errorf("client %x: got %+v, want MaxVersion %x", tt.client, got, tt.max)
		}
	}
	if innerCalls != 6 {
		t.Errorf("base GetConfigForClient called %d times, want 6", innerCalls)
	}
}
