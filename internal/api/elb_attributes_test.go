package api_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// elbAttrString renders attributes compactly; nil pointers show as "-".
func elbAttrString(a *types.LoadBalancerAttributes) string {
	if a == nil {
		return "<nil>"
	}
	i32 := func(p *int32) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	str := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	s := ""
	if c := a.CrossZoneLoadBalancing; c != nil {
		s += fmt.Sprintf("crosszone=%t", c.Enabled)
	} else {
		s += "crosszone=<nil>"
	}
	if l := a.AccessLog; l != nil {
		s += fmt.Sprintf(" accesslog=%t/%s/%s/%s", l.Enabled, str(l.S3BucketName), str(l.S3BucketPrefix), i32(l.EmitInterval))
	} else {
		s += " accesslog=<nil>"
	}
	if d := a.ConnectionDraining; d != nil {
		s += fmt.Sprintf(" draining=%t/%s", d.Enabled, i32(d.Timeout))
	} else {
		s += " draining=<nil>"
	}
	if c := a.ConnectionSettings; c != nil {
		s += " idle=" + i32(c.IdleTimeout)
	} else {
		s += " idle=<nil>"
	}
	s += fmt.Sprintf(" additional=%v", elbAdditional(a.AdditionalAttributes))
	return s
}

func TestELBAttributesDefaults(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("attrs", []string{usEast1a})
	got := elbAttrString(f.attributes("attrs"))
	want := "crosszone=false accesslog=false/-/-/- draining=false/300 idle=60 additional=[" + elbDesyncKey + "=defensive]"
	if got != want {
		t.Errorf("DescribeLoadBalancerAttributes() = %s, want %s", got, want)
	}
}

func TestELBAttributesTerraformSequence(t *testing.T) {
	f := startELB(t, "")
	f.createVPC("tf", []string{"subnet-0a000001"})
	modify := func(a *types.LoadBalancerAttributes) (*elbsdk.ModifyLoadBalancerAttributesOutput, error) {
		return f.elb.ModifyLoadBalancerAttributes(f.ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
			LoadBalancerName: aws.String("tf"), LoadBalancerAttributes: a})
	}
	steps := []struct {
		name  string
		attrs *types.LoadBalancerAttributes
		want  string
	}{
		{"main update", &types.LoadBalancerAttributes{
			CrossZoneLoadBalancing: &types.CrossZoneLoadBalancing{Enabled: true},
			ConnectionSettings:     &types.ConnectionSettings{IdleTimeout: aws.Int32(400)},
			AccessLog:              &types.AccessLog{Enabled: false},
			AdditionalAttributes:   []types.AdditionalAttribute{{Key: aws.String(elbDesyncKey), Value: aws.String("strictest")}},
		}, "crosszone=true accesslog=false/-/-/- draining=false/300 idle=400 additional=[" + elbDesyncKey + "=strictest]"},
		{"draining on with timeout", &types.LoadBalancerAttributes{
			ConnectionDraining: &types.ConnectionDraining{Enabled: true, Timeout: aws.Int32(120)},
		}, "crosszone=true accesslog=false/-/-/- draining=true/120 idle=400 additional=[" + elbDesyncKey + "=strictest]"},
		{"draining off keeps timeout", &types.LoadBalancerAttributes{
			ConnectionDraining: &types.ConnectionDraining{Enabled: false},
		}, "crosszone=true accesslog=false/-/-/- draining=false/120 idle=400 additional=[" + elbDesyncKey + "=strictest]"},
		{"draining on without timeout keeps it", &types.LoadBalancerAttributes{
			ConnectionDraining: &types.ConnectionDraining{Enabled: true},
		}, "crosszone=true accesslog=false/-/-/- draining=true/120 idle=400 additional=[" + elbDesyncKey + "=strictest]"},
		{"cross-zone off alone", &types.LoadBalancerAttributes{
			CrossZoneLoadBalancing: &types.CrossZoneLoadBalancing{Enabled: false},
		}, "crosszone=false accesslog=false/-/-/- draining=true/120 idle=400 additional=[" + elbDesyncKey + "=strictest]"},
		{"Terraform alias key", &types.LoadBalancerAttributes{
			AdditionalAttributes: []types.AdditionalAttribute{{Key: aws.String(elbDesyncAliasKey), Value: aws.String("monitor")}},
		}, "crosszone=false accesslog=false/-/-/- draining=true/120 idle=400 additional=[" + elbDesyncKey + "=monitor " + elbDesyncAliasKey + "=monitor]"},
		{"canonical key again", &types.LoadBalancerAttributes{
			AdditionalAttributes: []types.AdditionalAttribute{{Key: aws.String(elbDesyncKey), Value: aws.String("defensive")}},
		}, "crosszone=false accesslog=false/-/-/- draining=true/120 idle=400 additional=[" + elbDesyncKey + "=defensive]"},
		{"idle timeout 4000 (user guide/Terraform maximum)", &types.LoadBalancerAttributes{
			ConnectionSettings: &types.ConnectionSettings{IdleTimeout: aws.Int32(4000)},
		}, "crosszone=false accesslog=false/-/-/- draining=true/120 idle=4000 additional=[" + elbDesyncKey + "=defensive]"},
		{"access log on", &types.LoadBalancerAttributes{
			AccessLog: &types.AccessLog{Enabled: true, S3BucketName: aws.String("my-logs"), S3BucketPrefix: aws.String("prod/web"), EmitInterval: aws.Int32(5)},
		}, "crosszone=false accesslog=true/my-logs/prod/web/5 draining=true/120 idle=4000 additional=[" + elbDesyncKey + "=defensive]"},
		{"access log interval 60 only", &types.LoadBalancerAttributes{
			AccessLog: &types.AccessLog{Enabled: true, EmitInterval: aws.Int32(60)},
		}, "crosszone=false accesslog=true/my-logs/prod/web/60 draining=true/120 idle=4000 additional=[" + elbDesyncKey + "=defensive]"},
		{"access log off keeps the bucket", &types.LoadBalancerAttributes{
			AccessLog: &types.AccessLog{Enabled: false},
		}, "crosszone=false accesslog=false/my-logs/prod/web/60 draining=true/120 idle=4000 additional=[" + elbDesyncKey + "=defensive]"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, err := modify(s.attrs)
			elbOK(t, "ModifyLoadBalancerAttributes", err)
			elbCheckString(t, "ModifyLoadBalancerAttributes().LoadBalancerName", out.LoadBalancerName, "tf")
			if got := elbAttrString(out.LoadBalancerAttributes); got != s.want {
				t.Errorf("ModifyLoadBalancerAttributes() = %s, want %s", got, s.want)
			}
			if got := elbAttrString(f.attributes("tf")); got != s.want {
				t.Errorf("DescribeLoadBalancerAttributes() = %s, want %s", got, s.want)
			}
		})
	}
}

func TestELBAttributesErrors(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("bad", []string{usEast1a})
	before := elbAttrString(f.attributes("bad"))
	for _, tc := range []struct {
		name  string
		attrs types.LoadBalancerAttributes
		code  string
	}{
		{"idle timeout 4001", types.LoadBalancerAttributes{ConnectionSettings: &types.ConnectionSettings{IdleTimeout: aws.Int32(4001)}}, "ValidationError"},
		{"idle timeout 0", types.LoadBalancerAttributes{ConnectionSettings: &types.ConnectionSettings{IdleTimeout: aws.Int32(0)}}, "ValidationError"},
		{"emit interval 10", types.LoadBalancerAttributes{AccessLog: &types.AccessLog{Enabled: true, S3BucketName: aws.String("logs"), EmitInterval: aws.Int32(10)}}, "ValidationError"},
		{"emit interval 42 while disabled", types.LoadBalancerAttributes{AccessLog: &types.AccessLog{Enabled: false, EmitInterval: aws.Int32(42)}}, "ValidationError"},
		{"access log without bucket", types.LoadBalancerAttributes{AccessLog: &types.AccessLog{Enabled: true}}, "InvalidConfigurationRequest"},
		{"prefix containing AWSLogs", types.LoadBalancerAttributes{AccessLog: &types.AccessLog{Enabled: true, S3BucketName: aws.String("logs"), S3BucketPrefix: aws.String("x/AWSLogs")}}, "InvalidConfigurationRequest"},
		{"bad bucket name", types.LoadBalancerAttributes{AccessLog: &types.AccessLog{Enabled: true, S3BucketName: aws.String("Bad_Bucket")}}, "ValidationError"},
		{"draining timeout 0", types.LoadBalancerAttributes{ConnectionDraining: &types.ConnectionDraining{Enabled: true, Timeout: aws.Int32(0)}}, "ValidationError"},
		{"draining timeout 3601", types.LoadBalancerAttributes{ConnectionDraining: &types.ConnectionDraining{Enabled: true, Timeout: aws.Int32(3601)}}, "ValidationError"},
		{"unknown additional attribute", types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{{Key: aws.String("elb.http.xff.mode"), Value: aws.String("append")}}}, "LoadBalancerAttributeNotFound"},
		{"bad desync mode", types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{{Key: aws.String(elbDesyncKey), Value: aws.String("lenient")}}}, "ValidationError"},
		{"elbd TLS attribute not a boolean", types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{{Key: aws.String("elbd.tls.sni.enabled"), Value: aws.String("yes")}}}, "ValidationError"},
		{"additional key pattern", types.LoadBalancerAttributes{AdditionalAttributes: []types.AdditionalAttribute{{Key: aws.String("elb_http"), Value: aws.String("x")}}}, "ValidationError"},
		{"more than 10 additional attributes", types.LoadBalancerAttributes{AdditionalAttributes: func() []types.AdditionalAttribute {
			var as []types.AdditionalAttribute
			for range 11 {
				as = append(as, types.AdditionalAttribute{Key: aws.String(elbDesyncKey), Value: aws.String("monitor")})
			}
			return as
		}()}, "ValidationError"},
		{"valid and invalid together", types.LoadBalancerAttributes{
			CrossZoneLoadBalancing: &types.CrossZoneLoadBalancing{Enabled: true},
			ConnectionSettings:     &types.ConnectionSettings{IdleTimeout: aws.Int32(5000)}}, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attrs := tc.attrs
			_, err := f.elb.ModifyLoadBalancerAttributes(f.ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
				LoadBalancerName: aws.String("bad"), LoadBalancerAttributes: &attrs})
			wantELBErr(t, "ModifyLoadBalancerAttributes", err, tc.code)
		})
	}
	// A failed modification changes nothing, not even its valid parts.
	if after := elbAttrString(f.attributes("bad")); after != before {
		t.Errorf("attributes after failed modifications = %s, want unchanged %s", after, before)
	}
}

// TestELBAttributesElbdTLS checks elbd's own TLS feature attributes: off
// and absent from Describe by default, listed once true, off again on
// "false".
func TestELBAttributesElbdTLS(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("tls", []string{usEast1a})
	keys := []string{"elbd.tls.tls13.enabled", "elbd.tls.sni.enabled", "elbd.tls.sessiontickets.enabled", "elbd.https.http2.enabled"}
	additional := func() map[string]string {
		m := map[string]string{}
		for _, kv := range f.attributes("tls").AdditionalAttributes {
			m[aws.ToString(kv.Key)] = aws.ToString(kv.Value)
		}
		return m
	}
	if got := additional(); len(got) != 1 {
		t.Fatalf("default AdditionalAttributes = %v, want only the desync mode", got)
	}
	for _, v := range []string{"true", "false"} {
		var kvs []types.AdditionalAttribute
		for _, k := range keys {
			kvs = append(kvs, types.AdditionalAttribute{Key: aws.String(k), Value: aws.String(v)})
		}
		if _, err := f.elb.ModifyLoadBalancerAttributes(f.ctx, &elbsdk.ModifyLoadBalancerAttributesInput{
			LoadBalancerName: aws.String("tls"), LoadBalancerAttributes: &types.LoadBalancerAttributes{AdditionalAttributes: kvs}}); err != nil {
			t.Fatal(err)
		}
		got := additional()
		for _, k := range keys {
			if (v == "true") != (got[k] == "true") {
				t.Errorf("after setting %s: %s = %q", v, k, got[k])
			}
		}
	}
}
