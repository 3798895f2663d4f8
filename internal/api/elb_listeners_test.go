package api_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

func TestELBListeners(t *testing.T) {
	f := startELB(t, "")
	arn := f.uploadCert("listeners")
	f.createClassic("lst", []string{usEast1a})
	add := func(ls ...types.Listener) error {
		_, err := f.elb.CreateLoadBalancerListeners(f.ctx, &elbsdk.CreateLoadBalancerListenersInput{
			LoadBalancerName: aws.String("lst"), Listeners: ls})
		return err
	}
	del := func(ports ...int32) error {
		_, err := f.elb.DeleteLoadBalancerListeners(f.ctx, &elbsdk.DeleteLoadBalancerListenersInput{
			LoadBalancerName: aws.String("lst"), LoadBalancerPorts: ports})
		return err
	}
	http80 := "HTTP:80->HTTP:8080 cert= policies=[]"
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"add TCP and HTTPS", func() error {
			return add(elbListener("tcp", 1024, "", 1024), elbSecureListener("https", 443, "http", 8080, arn))
		}, []string{http80, "TCP:1024->TCP:1024 cert= policies=[]", "HTTPS:443->HTTP:8080 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"}},
		{"identical repeat is a no-op", func() error {
			return add(elbListener("TCP", 1024, "tcp", 1024), elbListener("http", 80, "HTTP", 8080))
		}, []string{http80, "TCP:1024->TCP:1024 cert= policies=[]", "HTTPS:443->HTTP:8080 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"}},
		{"delete with unknown port ignored", func() error { return del(1024, 9999) },
			[]string{http80, "HTTPS:443->HTTP:8080 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"}},
		{"delete only unknown ports", func() error { return del(1, 2) },
			[]string{http80, "HTTPS:443->HTTP:8080 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"}},
		{"delete HTTPS", func() error { return del(443) }, []string{http80}},
		{"re-add HTTPS reuses the default policy", func() error {
			return add(elbSecureListener("HTTPS", 443, "HTTP", 8080, arn))
		}, []string{http80, "HTTPS:443->HTTP:8080 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			elbOK(t, s.name, s.do())
			d := f.describe("lst")
			elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(d.ListenerDescriptions), s.want)
		})
	}
	// Deleting a listener keeps the policies the load balancer owns.
	elbCheckStrings(t, "Policies.OtherPolicies", f.describe("lst").Policies.OtherPolicies, []string{elbDefaultSSLPolicy})
}

// TestELBListenersKeepOtherListenersPolicies: the default SSL policy goes
// to new secure listeners only. Adding a listener must not re-attach it to
// an existing HTTPS listener whose policies were cleared on purpose.
func TestELBListenersKeepOtherListenersPolicies(t *testing.T) {
	f := startELB(t, "")
	arn := f.uploadCert("keep")
	f.createClassic("keep", []string{usEast1a}, elbSecureListener("HTTPS", 443, "HTTP", 80, arn))
	_, err := f.elb.SetLoadBalancerPoliciesOfListener(f.ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{
		LoadBalancerName: aws.String("keep"), LoadBalancerPort: 443, PolicyNames: []string{}})
	elbOK(t, "SetLoadBalancerPoliciesOfListener(443, [])", err)
	_, err = f.elb.CreateLoadBalancerListeners(f.ctx, &elbsdk.CreateLoadBalancerListenersInput{
		LoadBalancerName: aws.String("keep"), Listeners: []types.Listener{
			elbListener("TCP", 1024, "TCP", 1024), elbSecureListener("SSL", 465, "TCP", 25, arn)}})
	elbOK(t, "CreateLoadBalancerListeners", err)
	elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(f.describe("keep").ListenerDescriptions), []string{
		"HTTPS:443->HTTP:80 cert=" + arn + " policies=[]",
		"TCP:1024->TCP:1024 cert= policies=[]",
		"SSL:465->TCP:25 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]",
	})
}

func TestELBSetListenerSSLCertificate(t *testing.T) {
	f := startELB(t, "")
	first := f.uploadCert("first")
	second := f.uploadCert("second")
	f.createClassic("certs", []string{usEast1a},
		elbSecureListener("HTTPS", 443, "HTTP", 80, first),
		elbSecureListener("SSL", 465, "TCP", 25, first),
		elbListener("HTTP", 80, "HTTP", 80))
	set := func(port int32, arn string) error {
		_, err := f.elb.SetLoadBalancerListenerSSLCertificate(f.ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
			LoadBalancerName: aws.String("certs"), LoadBalancerPort: port, SSLCertificateId: aws.String(arn)})
		return err
	}
	elbOK(t, "SetLoadBalancerListenerSSLCertificate(443)", set(443, second))
	elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(f.describe("certs").ListenerDescriptions), []string{
		"HTTPS:443->HTTP:80 cert=" + second + " policies=[" + elbDefaultSSLPolicy + "]",
		"SSL:465->TCP:25 cert=" + first + " policies=[" + elbDefaultSSLPolicy + "]",
		"HTTP:80->HTTP:80 cert= policies=[]",
	})
	// Setting the same certificate again is fine.
	elbOK(t, "SetLoadBalancerListenerSSLCertificate(443) again", set(443, second))

	for _, tc := range []struct {
		name string
		port int32
		arn  string
		code string
	}{
		{"plain HTTP listener", 80, second, "InvalidConfigurationRequest"},
		{"no listener on port", 8443, second, "ListenerNotFound"},
		{"unknown IAM certificate", 443, "arn:aws:iam::123456789012:server-certificate/missing", "CertificateNotFound"},
		{"ACM certificate", 443, "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100", "CertificateNotFound"},
		{"other account's certificate ARN", 443, "arn:aws:iam::210987654321:server-certificate/first", "CertificateNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantELBErr(t, "SetLoadBalancerListenerSSLCertificate", set(tc.port, tc.arn), tc.code)
		})
	}
	// Nothing changed.
	elbCheckStrings(t, "ListenerDescriptions after errors", elbListenerStrings(f.describe("certs").ListenerDescriptions), []string{
		"HTTPS:443->HTTP:80 cert=" + second + " policies=[" + elbDefaultSSLPolicy + "]",
		"SSL:465->TCP:25 cert=" + first + " policies=[" + elbDefaultSSLPolicy + "]",
		"HTTP:80->HTTP:80 cert= policies=[]",
	})
}
