package query_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/query"
)

func TestParamsScalars(t *testing.T) {
	p := query.NewParams(map[string]string{"A": "x", "Empty": ""})
	if v, ok := p.String("A"); v != "x" || !ok {
		t.Fatalf("String(A) = %q, %v", v, ok)
	}
	if v, ok := p.String("Empty"); v != "" || !ok {
		t.Fatalf("String(Empty) = %q, %v; want present and empty", v, ok)
	}
	if v, ok := p.String("Missing"); v != "" || ok {
		t.Fatalf("String(Missing) = %q, %v; want absent", v, ok)
	}
	if !p.Has("Empty") || p.Has("Missing") || p.Has("a") {
		t.Fatal("Has: wrong presence (names are case-sensitive)")
	}
	if p.Get("A") != "x" || p.Get("Missing") != "" {
		t.Fatal("Get")
	}
}

func TestParamsList(t *testing.T) {
	tests := []struct {
		name   string
		m      map[string]string
		want   []string
		wantOK bool
	}{
		{name: "ordered", m: map[string]string{"L.member.1": "a", "L.member.2": "b"},
			want: []string{"a", "b"}, wantOK: true},
		{name: "sparse and unordered N sorted numerically",
			m:    map[string]string{"L.member.3": "three", "L.member.1": "one", "L.member.10": "ten"},
			want: []string{"one", "three", "ten"}, wantOK: true},
		{name: "empty list sent as Name=", m: map[string]string{"L": ""}, want: nil, wantOK: true},
		{name: "absent", m: map[string]string{"Other.member.1": "x"}, want: nil, wantOK: false},
		{name: "member.0 and non-numeric indexes ignored",
			m:    map[string]string{"L.member.0": "zero", "L.member.x": "x", "L.member.2": "two", "L.member.-1": "neg", "L.member.": "none"},
			want: []string{"two"}, wantOK: true},
		{name: "only ignored indexes: absent",
			m:    map[string]string{"L.member.0": "zero", "L.member.x": "x"},
			want: nil, wantOK: false},
		{name: "only ignored indexes plus Name=: present and empty",
			m:    map[string]string{"L": "", "L.member.0": "zero"},
			want: nil, wantOK: true},
		{name: "non-canonical indexes ignored (would alias member.3)",
			m:    map[string]string{"L.member.03": "x", "L.member.+3": "y", "L.member.3": "three"},
			want: []string{"three"}, wantOK: true},
		{name: "huge index ignored", m: map[string]string{"L.member.99999999999999999999999": "x", "L.member.7": "seven"},
			want: []string{"seven"}, wantOK: true},
		{name: "struct members are not scalars",
			m:    map[string]string{"L.member.1.Key": "k", "L.member.2": "two"},
			want: []string{"two"}, wantOK: true},
		{name: "other lists with a common prefix are separate",
			m:    map[string]string{"LB.member.1": "x", "L.member.1": "y", "Lx.member.1": "z"},
			want: []string{"y"}, wantOK: true},
		{name: "empty member values kept", m: map[string]string{"L.member.1": "", "L.member.2": "b"},
			want: []string{"", "b"}, wantOK: true},
		{name: "Name= together with members", m: map[string]string{"L": "", "L.member.1": "a"},
			want: []string{"a"}, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := query.NewParams(tt.m).List("L")
			if ok != tt.wantOK || !slices.Equal(got, tt.want) {
				t.Fatalf("List(L) = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParamsStructs(t *testing.T) {
	p := query.NewParams(map[string]string{
		"Listeners.member.2.Protocol":         "https",
		"Listeners.member.2.LoadBalancerPort": "443",
		"Listeners.member.2.SSLCertificateId": "arn:aws:iam::123456789012:server-certificate/c",
		"Listeners.member.10.Protocol":        "tcp",
		"Listeners.member.1.Protocol":         "http",
		"Listeners.member.1.LoadBalancerPort": "80",
		"Listeners.member.1.InstancePort":     "8080",
		"Listeners.member.0.Protocol":         "ignored",
		"Listeners.member.x.Protocol":         "ignored",
		"Listeners.member.3":                  "scalar, not a struct",
		"Listeners.member.04.Protocol":        "non-canonical",
		"Tags":                                "",
	})
	items, ok := p.Structs("Listeners")
	if !ok || len(items) != 3 {
		t.Fatalf("Structs(Listeners) = %d items, %v; want 3", len(items), ok)
	}
	wantProto := []string{"http", "https", "tcp"}
	for i, it := range items {
		if got := it.Get("Protocol"); got != wantProto[i] {
			t.Errorf("item %d Protocol = %q, want %q", i, got, wantProto[i])
		}
		if len(it.Keys()) == 0 {
			t.Errorf("item %d has no keys", i)
		}
	}
	if got := items[0].Keys(); !slices.Equal(got, []string{"InstancePort", "LoadBalancerPort", "Protocol"}) {
		t.Errorf("item 0 keys = %q", got)
	}
	if got := items[1].FullKey("SSLCertificateId"); got != "Listeners.member.2.SSLCertificateId" {
		t.Errorf("FullKey = %q", got)
	}
	if port, ok, err := items[0].Int("InstancePort"); port != 8080 || !ok || err != nil {
		t.Errorf("InstancePort = %d, %v, %v", port, ok, err)
	}
	if _, ok, err := items[2].Int("InstancePort"); ok || err != nil {
		t.Errorf("missing InstancePort: ok=%v err=%v", ok, err)
	}
	if items, ok := p.Structs("Tags"); !ok || len(items) != 0 {
		t.Errorf("Structs(Tags) with Tags= = %d, %v; want present and empty", len(items), ok)
	}
	if items, ok := p.Structs("Instances"); ok || items != nil {
		t.Errorf("Structs(Instances) = %v, %v; want absent", items, ok)
	}
}

func TestParamsNestedStruct(t *testing.T) {
	p := query.NewParams(map[string]string{
		"LoadBalancerName": "lb",
		"LoadBalancerAttributes.ConnectionDraining.Enabled":              "true",
		"LoadBalancerAttributes.ConnectionDraining.Timeout":              "300",
		"LoadBalancerAttributes.AccessLog.S3BucketPrefix":                "",
		"LoadBalancerAttributes.AdditionalAttributes.member.2.Key":       "b",
		"LoadBalancerAttributes.AdditionalAttributes.member.1.Key":       "elb.http.desyncmitigationmode",
		"LoadBalancerAttributes.AdditionalAttributes.member.1.Value":     "strictest",
		"LoadBalancerAttributesX.ConnectionSettings.IdleTimeout":         "1",
		"Other.LoadBalancerAttributes.ConnectionSettings.IdleTimeout":    "2",
		"LoadBalancerAttributes.CrossZoneLoadBalancingX.Enabled":         "true",
		"LoadBalancerAttributes.ConnectionDraining.Sub.Deeper.Structure": "x",
	})
	attrs, ok := p.Struct("LoadBalancerAttributes")
	if !ok {
		t.Fatal("LoadBalancerAttributes not present")
	}
	cd, ok := attrs.Struct("ConnectionDraining")
	if !ok {
		t.Fatal("ConnectionDraining not present")
	}
	if n, ok, err := cd.Int("Timeout"); n != 300 || !ok || err != nil {
		t.Fatalf("Timeout = %d, %v, %v", n, ok, err)
	}
	if b, ok, err := cd.Bool("Enabled"); !b || !ok || err != nil {
		t.Fatalf("Enabled = %v, %v, %v", b, ok, err)
	}
	deeper, ok := cd.Struct("Sub")
	if !ok {
		t.Fatal("Sub not present")
	}
	if d, ok := deeper.Struct("Deeper"); !ok || d.Get("Structure") != "x" || d.FullKey("Structure") != "LoadBalancerAttributes.ConnectionDraining.Sub.Deeper.Structure" {
		t.Fatalf("Deeper = %v %q", ok, d.Get("Structure"))
	}
	// A struct whose only member is an empty value is still present.
	if al, ok := attrs.Struct("AccessLog"); !ok || !al.Has("S3BucketPrefix") || al.Has("Enabled") {
		t.Fatal("AccessLog with an empty prefix must be present")
	}
	// Prefixes match whole path segments only.
	if _, ok := attrs.Struct("ConnectionSettings"); ok {
		t.Fatal("ConnectionSettings must be absent (only in LoadBalancerAttributesX and Other.…)")
	}
	if _, ok := attrs.Struct("CrossZoneLoadBalancing"); ok {
		t.Fatal("CrossZoneLoadBalancing must be absent (only CrossZoneLoadBalancingX sent)")
	}
	add, ok := attrs.Structs("AdditionalAttributes")
	if !ok || len(add) != 2 || add[0].Get("Key") != "elb.http.desyncmitigationmode" || add[0].Get("Value") != "strictest" || add[1].Get("Key") != "b" {
		t.Fatalf("AdditionalAttributes = %d items", len(add))
	}
	if v, ok := add[1].String("Value"); ok || v != "" {
		t.Fatal("item 2 Value must be absent")
	}
	if _, ok := p.Struct("HealthCheck"); ok {
		t.Fatal("HealthCheck must be absent")
	}
	// Keys lists everything below the view, relative to it, sorted.
	if got := cd.Keys(); !slices.Equal(got, []string{"Enabled", "Sub.Deeper.Structure", "Timeout"}) {
		t.Fatalf("Keys = %q", got)
	}
}

func TestParamsIntBool(t *testing.T) {
	p := query.NewParams(map[string]string{
		"HealthCheck.Interval": "30",
		"HealthCheck.Timeout":  " 5 ",
		"HealthCheck.Neg":      "-7",
		"HealthCheck.Bad":      "3x",
		"HealthCheck.Float":    "1.5",
		"HealthCheck.Empty":    "",
		"HealthCheck.Huge":     "99999999999999999999",
		"A.Enabled":            "true",
		"A.Off":                "FALSE",
		"A.Mixed":              "True",
		"A.Bad":                "yes",
		"A.One":                "1",
		"A.Empty":              "",
	})
	hc, _ := p.Struct("HealthCheck")
	for _, tt := range []struct {
		name string
		want int64
	}{{"Interval", 30}, {"Timeout", 5}, {"Neg", -7}} {
		if n, ok, err := hc.Int(tt.name); n != tt.want || !ok || err != nil {
			t.Errorf("Int(%s) = %d, %v, %v; want %d", tt.name, n, ok, err, tt.want)
		}
	}
	for _, name := range []string{"Bad", "Float", "Empty", "Huge"} {
		_, ok, err := hc.Int(name)
		if !ok {
			t.Errorf("Int(%s): ok = false for a sent value", name)
		}
		wantValidation(t, err, "HealthCheck."+name)
	}
	if _, ok, err := hc.Int("Missing"); ok || err != nil {
		t.Errorf("Int(Missing) = %v, %v", ok, err)
	}
	a, _ := p.Struct("A")
	for _, tt := range []struct {
		name string
		want bool
	}{{"Enabled", true}, {"Off", false}, {"Mixed", true}} {
		if b, ok, err := a.Bool(tt.name); b != tt.want || !ok || err != nil {
			t.Errorf("Bool(%s) = %v, %v, %v", tt.name, b, ok, err)
		}
	}
	for _, name := range []string{"Bad", "One", "Empty"} {
		_, ok, err := a.Bool(name)
		if !ok {
			t.Errorf("Bool(%s): ok = false for a sent value", name)
		}
		wantValidation(t, err, "A."+name)
	}
	if _, ok, err := a.Bool("Missing"); ok || err != nil {
		t.Errorf("Bool(Missing) = %v, %v", ok, err)
	}
}

// wantValidation checks that err is a 400 ValidationError naming the full key.
func wantValidation(t *testing.T, err error, key string) {
	t.Helper()
	var qe *query.Error
	if !errors.As(err, &qe) {
		t.Errorf("%s: err = %v, want *query.Error", key, err)
		return
	}
	if qe.Code != "ValidationError" || qe.Status != 400 || qe.Type() != "Sender" {
		t.Errorf("%s: err = %s/%d", key, qe.Code, qe.Status)
	}
	if !strings.Contains(qe.Message, "'"+key+"'") {
		t.Errorf("%s: message %q does not name the key", key, qe.Message)
	}
}
