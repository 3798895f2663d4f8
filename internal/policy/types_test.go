package policy

import "testing"

func TestTypesOrderAndAttributes(t *testing.T) {
	type attr struct{ name, typ, card string }
	want := []struct {
		name  string
		attrs []attr // for SSLNegotiation only the first and last are checked
	}{
		{SSLNegotiationType, []attr{{"Protocol-SSLv2", "Boolean", "ZERO_OR_ONE"}, {"Reference-Security-Policy", "String", "ZERO_OR_ONE"}}},
		{BackendServerAuthenticationType, []attr{{"PublicKeyPolicyName", "PolicyName", "ONE_OR_MORE"}}},
		{PublicKeyType, []attr{{"PublicKey", "String", "ONE"}}},
		{AppCookieStickinessType, []attr{{"CookieName", "String", "ONE"}}},
		{LBCookieStickinessType, []attr{{"CookieExpirationPeriod", "Long", "ZERO_OR_ONE"}}},
		{ProxyProtocolType, []attr{{"ProxyProtocol", "Boolean", "ONE"}}},
	}
	got := Types()
	if len(got) != len(want) {
		t.Fatalf("Types() has %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name {
			t.Fatalf("Types()[%d] = %s, want %s", i, g.Name, w.name)
		}
		if g.Description == "" {
			t.Errorf("%s: empty description", g.Name)
		}
		check := func(a AttributeType, e attr) {
			if a.Name != e.name || a.Type != e.typ || a.Cardinality != e.card {
				t.Errorf("%s: attribute %+v, want %+v", g.Name, a, e)
			}
		}
		if g.Name == SSLNegotiationType {
			if len(g.Attributes) != 5+1+88+1 {
				t.Errorf("SSLNegotiation has %d attributes", len(g.Attributes))
			}
			check(g.Attributes[0], w.attrs[0])
			check(g.Attributes[len(g.Attributes)-1], w.attrs[1])
			for _, a := range g.Attributes[:len(g.Attributes)-1] {
				if a.Type != "Boolean" || a.Cardinality != "ZERO_OR_ONE" {
					t.Errorf("SSL attribute %+v", a)
				}
			}
			if g.Attributes[0].DefaultValue != "false" || g.Attributes[1].Name != "Protocol-TLSv1" || g.Attributes[1].DefaultValue != "true" {
				t.Errorf("SSL protocol defaults: %+v %+v", g.Attributes[0], g.Attributes[1])
			}
			if g.Attributes[5].Name != "Server-Defined-Cipher-Order" || g.Attributes[6].Name != Ciphers()[0] {
				t.Errorf("SSL attribute order: %s, %s", g.Attributes[5].Name, g.Attributes[6].Name)
			}
			continue
		}
		if len(g.Attributes) != len(w.attrs) {
			t.Fatalf("%s: %d attributes", g.Name, len(g.Attributes))
		}
		for j := range w.attrs {
			check(g.Attributes[j], w.attrs[j])
		}
	}

	pp, ok := LookupType(ProxyProtocolType)
	if !ok || pp.Description != "Policy that controls whether to include the IP address and port of the originating request for TCP messages. This policy operates on TCP/SSL listeners only" {
		t.Errorf("LookupType(ProxyProtocol) = %q, %v", pp.Description, ok)
	}
	if _, ok := LookupType("proxyprotocolpolicytype"); ok {
		t.Error("LookupType is case-insensitive")
	}
	if _, ok := LookupType("NoSuchType"); ok {
		t.Error("LookupType found NoSuchType")
	}
}

func TestTypesReturnsCopies(t *testing.T) {
	a := Types()
	a[0].Attributes[0].Name = "mutated"
	a[1].Description = "mutated"
	b := Types()
	if b[0].Attributes[0].Name != "Protocol-SSLv2" || b[1].Description == "mutated" {
		t.Fatal("mutating Types() result changed shared data")
	}
	l, _ := LookupType(SSLNegotiationType)
	l.Attributes[0].Name = "mutated"
	if l2, _ := LookupType(SSLNegotiationType); l2.Attributes[0].Name != "Protocol-SSLv2" {
		t.Fatal("mutating LookupType() result changed shared data")
	}
}

func TestIsCookieStickiness(t *testing.T) {
	for typ, want := range map[string]bool{
		AppCookieStickinessType:         true,
		LBCookieStickinessType:          true,
		SSLNegotiationType:              false,
		ProxyProtocolType:               false,
		BackendServerAuthenticationType: false,
		PublicKeyType:                   false,
		"":                              false,
	} {
		if got := IsCookieStickiness(typ); got != want {
			t.Errorf("IsCookieStickiness(%q) = %v", typ, got)
		}
	}
}

func TestAttachableToListener(t *testing.T) {
	tests := []struct {
		typ   string
		proto string
		want  bool
	}{
		{AppCookieStickinessType, "HTTP", true},
		{AppCookieStickinessType, "HTTPS", true},
		{AppCookieStickinessType, "TCP", false},
		{AppCookieStickinessType, "SSL", false},
		{LBCookieStickinessType, "http", true},
		{LBCookieStickinessType, "HTTPS", true},
		{LBCookieStickinessType, "SSL", false},
		{SSLNegotiationType, "HTTPS", true},
		{SSLNegotiationType, "ssl", true},
		{SSLNegotiationType, "HTTP", false},
		{SSLNegotiationType, "TCP", false},
		{ProxyProtocolType, "TCP", false},
		{ProxyProtocolType, "HTTP", false},
		{BackendServerAuthenticationType, "HTTPS", false},
		{PublicKeyType, "HTTPS", false},
		{"Unknown", "HTTP", false},
	}
	for _, tt := range tests {
		if got := AttachableToListener(tt.typ, tt.proto); got != tt.want {
			t.Errorf("AttachableToListener(%s, %s) = %v, want %v", tt.typ, tt.proto, got, tt.want)
		}
	}
}

func TestAttachableToBackend(t *testing.T) {
	tests := []struct {
		typ    string
		protos []string
		want   bool
	}{
		{ProxyProtocolType, []string{"TCP"}, true},
		{ProxyProtocolType, []string{"SSL"}, true},
		{ProxyProtocolType, []string{"HTTP"}, true},
		{ProxyProtocolType, nil, true},
		{BackendServerAuthenticationType, []string{"HTTPS"}, true},
		{BackendServerAuthenticationType, []string{"SSL", "https"}, true},
		{BackendServerAuthenticationType, []string{"HTTPS", "HTTP"}, false},
		{BackendServerAuthenticationType, []string{"TCP"}, false},
		{BackendServerAuthenticationType, nil, false},
		{PublicKeyType, []string{"HTTPS"}, false},
		{AppCookieStickinessType, []string{"HTTP"}, false},
		{LBCookieStickinessType, []string{"HTTP"}, false},
		{SSLNegotiationType, []string{"SSL"}, false},
		{"Unknown", []string{"TCP"}, false},
	}
	for _, tt := range tests {
		if got := AttachableToBackend(tt.typ, tt.protos); got != tt.want {
			t.Errorf("AttachableToBackend(%s, %v) = %v, want %v", tt.typ, tt.protos, got, tt.want)
		}
	}
}
