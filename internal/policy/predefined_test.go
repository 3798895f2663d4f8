package policy

import (
	"strings"
	"testing"
)

// publishedTable is the enabled-attribute table of the reference (§3.3),
// transcribed as a matrix so it checks the set-based data in predefined.go
// independently. Columns: 2016-08, TLS-1-1-2017-01, TLS-1-2-2017-01,
// 2015-05, 2015-03, 2015-02, 2014-10, 2014-01, 2011-08. 'x' = true.
// Attributes not listed are false in every policy.
var publishedColumns = []string{
	"ELBSecurityPolicy-2016-08",
	"ELBSecurityPolicy-TLS-1-1-2017-01",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-2015-05",
	"ELBSecurityPolicy-2015-03",
	"ELBSecurityPolicy-2015-02",
	"ELBSecurityPolicy-2014-10",
	"ELBSecurityPolicy-2014-01",
	"ELBSecurityPolicy-2011-08",
}

var publishedTable = map[string]string{
	"Protocol-SSLv2":                ".........",
	"Protocol-TLSv1":                "x..xxxxxx",
	"Protocol-SSLv3":                ".......xx",
	"Protocol-TLSv1.1":              "xx.xxxxx.",
	"Protocol-TLSv1.2":              "xxxxxxxx.",
	"Server-Defined-Cipher-Order":   "xxxxxxxx.",
	"ECDHE-ECDSA-AES128-GCM-SHA256": "xxxxxxxx.",
	"ECDHE-RSA-AES128-GCM-SHA256":   "xxxxxxxx.",
	"ECDHE-ECDSA-AES128-SHA256":     "xxxxxxxx.",
	"ECDHE-RSA-AES128-SHA256":       "xxxxxxxx.",
	"ECDHE-ECDSA-AES128-SHA":        "xx.xxxxx.",
	"ECDHE-RSA-AES128-SHA":          "xx.xxxxx.",
	"DHE-RSA-AES128-SHA":            "....xxxxx",
	"ECDHE-ECDSA-AES256-GCM-SHA384": "xxxxxxxx.",
	"ECDHE-RSA-AES256-GCM-SHA384":   "xxxxxxxx.",
	"ECDHE-ECDSA-AES256-SHA384":     "xxxxxxxx.",
	"ECDHE-RSA-AES256-SHA384":       "xxxxxxxx.",
	"ECDHE-RSA-AES256-SHA":          "xx.xxxxx.",
	"ECDHE-ECDSA-AES256-SHA":        "xx.xxxxx.",
	"AES128-GCM-SHA256":             "xxxxxxxx.",
	"AES128-SHA256":                 "xxxxxxxx.",
	"AES128-SHA":                    "xx.xxxxxx",
	"AES256-GCM-SHA384":             "xxxxxxxx.",
	"AES256-SHA256":                 "xxxxxxxx.",
	"AES256-SHA":                    "xx.xxxxxx",
	"DHE-DSS-AES128-SHA":            "....xxxxx",
	"CAMELLIA128-SHA":               "........x",
	"EDH-RSA-DES-CBC3-SHA":          "........x",
	"DES-CBC3-SHA":                  "...xx...x",
	"ECDHE-RSA-RC4-SHA":             "......xx.",
	"RC4-SHA":                       "......xxx",
	"DHE-RSA-AES256-SHA":            "........x",
	"DHE-DSS-AES256-SHA":            "........x",
	"DHE-RSA-CAMELLIA256-SHA":       "........x",
	"DHE-DSS-CAMELLIA256-SHA":       "........x",
	"CAMELLIA256-SHA":               "........x",
	"EDH-DSS-DES-CBC3-SHA":          "........x",
	"DHE-RSA-CAMELLIA128-SHA":       "........x",
	"DHE-DSS-CAMELLIA128-SHA":       "........x",
}

func attrMap(t *testing.T, p Policy) map[string]string {
	t.Helper()
	m := make(map[string]string, len(p.Attributes))
	for _, a := range p.Attributes {
		if _, dup := m[a.Name]; dup {
			t.Fatalf("%s: attribute %s repeated", p.Name, a.Name)
		}
		m[a.Name] = a.Value
	}
	return m
}

func TestPredefinedOrderAndShape(t *testing.T) {
	want := []struct {
		name  string
		count int
		sslv2 bool
	}{
		{"ELBSecurityPolicy-2016-08", 93, false},
		{"ELBSecurityPolicy-TLS-1-2-2017-01", 93, false},
		{"ELBSecurityPolicy-TLS-1-1-2017-01", 93, false},
		{"ELBSecurityPolicy-2015-05", 94, true},
		{"ELBSecurityPolicy-2015-03", 94, true},
		{"ELBSecurityPolicy-2015-02", 94, true},
		{"ELBSecurityPolicy-2014-10", 94, true},
		{"ELBSecurityPolicy-2014-01", 94, true},
		{"ELBSecurityPolicy-2011-08", 94, true},
		{"ELBSample-ELBDefaultCipherPolicy", 94, true},
		{"ELBSample-OpenSSLDefaultCipherPolicy", 94, true},
	}
	got := Predefined()
	if len(got) != len(want) {
		t.Fatalf("Predefined() has %d policies, want %d", len(got), len(want))
	}
	order := append([]string{"Protocol-SSLv2", "Protocol-TLSv1", "Protocol-SSLv3", "Protocol-TLSv1.1", "Protocol-TLSv1.2", "Server-Defined-Cipher-Order"}, Ciphers()...)
	for i, w := range want {
		p := got[i]
		if p.Name != w.name || p.TypeName != SSLNegotiationType {
			t.Errorf("Predefined()[%d] = %s/%s, want %s/%s", i, p.Name, p.TypeName, w.name, SSLNegotiationType)
			continue
		}
		if len(p.Attributes) != w.count {
			t.Errorf("%s: %d attributes, want %d", p.Name, len(p.Attributes), w.count)
		}
		m := attrMap(t, p)
		if _, ok := m["Protocol-SSLv2"]; ok != w.sslv2 {
			t.Errorf("%s: Protocol-SSLv2 present = %v, want %v", p.Name, ok, w.sslv2)
		}
		// AWS order, skipping Protocol-SSLv2 where absent.
		exp := order
		if !w.sslv2 {
			exp = order[1:]
		}
		for j, a := range p.Attributes {
			if j < len(exp) && a.Name != exp[j] {
				t.Errorf("%s: attribute %d = %s, want %s", p.Name, j, a.Name, exp[j])
				break
			}
			if a.Value != "true" && a.Value != "false" {
				t.Errorf("%s: %s = %q", p.Name, a.Name, a.Value)
			}
		}
		lp, ok := LookupPredefined(w.name)
		if !ok || lp.Name != w.name || len(lp.Attributes) != w.count {
			t.Errorf("LookupPredefined(%s) = %v, %v", w.name, lp.Name, ok)
		}
	}
	if _, ok := LookupPredefined("elbsecuritypolicy-2016-08"); ok {
		t.Error("LookupPredefined is case-insensitive")
	}
	if _, ok := LookupPredefined("ELBSecurityPolicy-2099-01"); ok {
		t.Error("LookupPredefined found a nonexistent policy")
	}
	if DefaultSecurityPolicy != got[0].Name {
		t.Errorf("DefaultSecurityPolicy = %s", DefaultSecurityPolicy)
	}
}

func TestPredefinedMatchesPublishedTable(t *testing.T) {
	for col, name := range publishedColumns {
		p, ok := LookupPredefined(name)
		if !ok {
			t.Fatalf("missing %s", name)
		}
		for attr, v := range attrMap(t, p) {
			want := "false"
			if row, ok := publishedTable[attr]; ok && row[col] == 'x' {
				want = "true"
			}
			if v != want {
				t.Errorf("%s: %s = %s, want %s", name, attr, v, want)
			}
		}
	}
}

func TestPredefinedSpotValues(t *testing.T) {
	tests := []struct {
		policy, attr, want string // want "" = absent
	}{
		{"ELBSecurityPolicy-2016-08", "ECDHE-RSA-AES128-GCM-SHA256", "true"},
		{"ELBSecurityPolicy-2016-08", "DES-CBC3-SHA", "false"},
		{"ELBSecurityPolicy-2016-08", "Protocol-TLSv1", "true"},
		{"ELBSecurityPolicy-2016-08", "Protocol-SSLv2", ""},
		{"ELBSecurityPolicy-TLS-1-2-2017-01", "Protocol-TLSv1", "false"},
		{"ELBSecurityPolicy-TLS-1-2-2017-01", "Protocol-TLSv1.1", "false"},
		{"ELBSecurityPolicy-TLS-1-2-2017-01", "ECDHE-RSA-AES128-SHA", "false"},
		{"ELBSecurityPolicy-TLS-1-2-2017-01", "AES256-SHA256", "true"},
		{"ELBSecurityPolicy-TLS-1-1-2017-01", "Protocol-TLSv1", "false"},
		{"ELBSecurityPolicy-TLS-1-1-2017-01", "Protocol-TLSv1.1", "true"},
		{"ELBSecurityPolicy-2015-05", "DES-CBC3-SHA", "true"},
		{"ELBSecurityPolicy-2015-05", "Protocol-SSLv2", "false"},
		{"ELBSecurityPolicy-2015-02", "DES-CBC3-SHA", "false"},
		{"ELBSecurityPolicy-2014-10", "RC4-SHA", "true"},
		{"ELBSecurityPolicy-2014-01", "Protocol-SSLv3", "true"},
		{"ELBSecurityPolicy-2011-08", "Protocol-SSLv3", "true"},
		{"ELBSecurityPolicy-2011-08", "Server-Defined-Cipher-Order", "false"},
		{"ELBSecurityPolicy-2011-08", "Protocol-TLSv1.2", "false"},
		{"ELBSecurityPolicy-2011-08", "CAMELLIA256-SHA", "true"},
		{"ELBSample-ELBDefaultCipherPolicy", "Protocol-SSLv3", "true"},
		{"ELBSample-OpenSSLDefaultCipherPolicy", "AES128-SHA", "true"},
	}
	for _, tt := range tests {
		p, ok := LookupPredefined(tt.policy)
		if !ok {
			t.Fatalf("missing %s", tt.policy)
		}
		got, present := attrMap(t, p)[tt.attr]
		if tt.want == "" {
			if present {
				t.Errorf("%s: %s present (%s), want absent", tt.policy, tt.attr, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s: %s = %q, want %q", tt.policy, tt.attr, got, tt.want)
		}
	}
}

func TestPredefinedReturnsCopies(t *testing.T) {
	a := Predefined()
	orig := a[0].Attributes[0]
	a[0].Attributes[0].Value = "mutated"
	a[0].Name = "mutated"
	a[1] = Policy{}
	b := Predefined()
	if b[0].Name != DefaultSecurityPolicy || b[0].Attributes[0] != orig || b[1].Name == "" {
		t.Fatal("mutating Predefined() result changed shared data")
	}
	p, _ := LookupPredefined(DefaultSecurityPolicy)
	p.Attributes[0].Value = "mutated"
	if q, _ := LookupPredefined(DefaultSecurityPolicy); q.Attributes[0] != orig {
		t.Fatal("mutating LookupPredefined() result changed shared data")
	}
}

func TestCiphersAndProtocols(t *testing.T) {
	c := Ciphers()
	if len(c) != 88 || c[0] != "ECDHE-ECDSA-AES128-GCM-SHA256" || c[87] != "EXP-KRB5-RC4-MD5" {
		t.Fatalf("Ciphers() = %d names, first %s, last %s", len(c), c[0], c[len(c)-1])
	}
	seen := map[string]bool{}
	for _, n := range c {
		if seen[n] {
			t.Errorf("cipher %s repeated", n)
		}
		seen[n] = true
	}
	p := Protocols()
	if strings.Join(p, ",") != "Protocol-SSLv2,Protocol-TLSv1,Protocol-SSLv3,Protocol-TLSv1.1,Protocol-TLSv1.2" {
		t.Errorf("Protocols() = %v", p)
	}
	c[0], p[0] = "x", "x"
	if Ciphers()[0] == "x" || Protocols()[0] == "x" {
		t.Error("Ciphers/Protocols return shared slices")
	}
}

func TestHasReservedPrefix(t *testing.T) {
	for name, want := range map[string]bool{
		"ELBSecurityPolicy-2016-08":        true,
		"ELBSample-ELBDefaultCipherPolicy": true,
		"my-policy":                        false,
		"elbsecuritypolicy-x":              false,
	} {
		if got := HasReservedPrefix(name); got != want {
			t.Errorf("HasReservedPrefix(%s) = %v", name, got)
		}
	}
}
