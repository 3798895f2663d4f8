package elbctl

import (
	"errors"
	"testing"
)

func TestParseListener(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:server-certificate/web"
	tests := []struct {
		in      string
		want    listenerSpec
		wantErr bool
	}{
		{in: "http:80:8080", want: listenerSpec{Protocol: "HTTP", Port: 80, InstancePort: 8080}},
		{in: "TCP:25:2525", want: listenerSpec{Protocol: "TCP", Port: 25, InstancePort: 2525}},
		{in: "https:443:8080:" + arn, want: listenerSpec{Protocol: "HTTPS", Port: 443, InstancePort: 8080, CertificateID: arn}},
		{in: "https:443:http:8080:" + arn, want: listenerSpec{Protocol: "HTTPS", Port: 443, InstanceProtocol: "HTTP", InstancePort: 8080, CertificateID: arn}},
		{in: "ssl:465:tcp:25:" + arn, want: listenerSpec{Protocol: "SSL", Port: 465, InstanceProtocol: "TCP", InstancePort: 25, CertificateID: arn}},
		{in: "http:80", wantErr: true},
		{in: "ftp:21:21", wantErr: true},
		{in: "http:0:80", wantErr: true},
		{in: "http:80:65536", wantErr: true},
		{in: "http:80:http", wantErr: true},
		{in: "https:443:8080", wantErr: true},
		{in: "http:80:8080:not-an-arn", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseListener(tt.in)
		if tt.wantErr {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("parseListener(%q) error = %v, want a usage error", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseListener(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if back, err := parseListener(got.String()); err != nil || back != got {
			t.Errorf("round trip of %q via %q = %+v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestParseKeyValues(t *testing.T) {
	tests := []struct {
		in       []string
		optional bool
		want     []keyValue
		wantErr  bool
	}{
		{in: []string{"a=1", "b=", "c=x=y"}, want: []keyValue{{"a", "1"}, {"b", ""}, {"c", "x=y"}}},
		{in: []string{"env"}, optional: true, want: []keyValue{{"env", ""}}},
		{in: []string{"env"}, wantErr: true},
		{in: []string{"=v"}, optional: true, wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseKeyValues("tag", tt.in, tt.optional)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseKeyValues(%q) error = %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("parseKeyValues(%q) = %v, want %v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseKeyValues(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}
