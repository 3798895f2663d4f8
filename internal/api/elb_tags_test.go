package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// elbTagDescriptions renders DescribeTags output as "lb: k=v k=v".
func elbTagDescriptions(ds []types.TagDescription) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = aws.ToString(d.LoadBalancerName) + ": " + strings.Join(elbTagStrings(d.Tags), " ")
	}
	return out
}

func TestELBTags(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("t1", []string{usEast1a})
	f.createClassic("t2", []string{usEast1a})
	add := func(lb string, kv ...string) error {
		_, err := f.elb.AddTags(f.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{lb}, Tags: elbTags(kv...)})
		return err
	}
	remove := func(lb string, keys ...string) error {
		var ks []types.TagKeyOnly
		for _, k := range keys {
			ks = append(ks, types.TagKeyOnly{Key: aws.String(k)})
		}
		_, err := f.elb.RemoveTags(f.ctx, &elbsdk.RemoveTagsInput{LoadBalancerNames: []string{lb}, Tags: ks})
		return err
	}
	describe := func(names ...string) []string {
		t.Helper()
		out, err := f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: names})
		elbOK(t, "DescribeTags", err)
		return elbTagDescriptions(out.TagDescriptions)
	}
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"add", func() error { return add("t1", "env", "prod", "team", "web", "cost center", "4711") },
			[]string{"t1: env=prod team=web cost center=4711", "t2: "}},
		{"update keeps order", func() error { return add("t1", "env", "dev", "new", "") },
			[]string{"t1: env=dev team=web cost center=4711 new=", "t2: "}},
		{"other load balancer", func() error { return add("t2", "env", "test") },
			[]string{"t1: env=dev team=web cost center=4711 new=", "t2: env=test"}},
		{"remove", func() error { return remove("t1", "team", "new") },
			[]string{"t1: env=dev cost center=4711", "t2: env=test"}},
		{"remove absent key is fine", func() error { return remove("t1", "nope") },
			[]string{"t1: env=dev cost center=4711", "t2: env=test"}},
		{"unicode and symbols", func() error { return add("t2", "Größe", "xl", "a:b/c=d+e-f@g_h.i", "ok") },
			[]string{"t1: env=dev cost center=4711", "t2: env=test Größe=xl a:b/c=d+e-f@g_h.i=ok"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			elbOK(t, s.name, s.do())
			elbCheckStrings(t, "DescribeTags(t1, t2)", describe("t1", "t2"), s.want)
		})
	}
	elbCheckStrings(t, "DescribeTags(t2, t1, t2)", describe("t2", "t1", "t2"), []string{"t2: env=test Größe=xl a:b/c=d+e-f@g_h.i=ok", "t1: env=dev cost center=4711"})

	for _, tc := range []struct {
		name string
		op   string
		err  error
		code string
	}{
		{"AddTags to two load balancers", "AddTags", func() error {
			_, err := f.elb.AddTags(f.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"t1", "t2"}, Tags: elbTags("k", "v")})
			return err
		}(), "ValidationError"},
		{"RemoveTags from two load balancers", "RemoveTags", func() error {
			_, err := f.elb.RemoveTags(f.ctx, &elbsdk.RemoveTagsInput{LoadBalancerNames: []string{"t1", "t2"}, Tags: []types.TagKeyOnly{{Key: aws.String("env")}}})
			return err
		}(), "ValidationError"},
		{"duplicate keys", "AddTags", add("t1", "k", "1", "k", "2"), "DuplicateTagKeys"},
		{"reserved aws: prefix", "AddTags", add("t1", "aws:cloudformation:stack", "x"), "ValidationError"},
		{"key too long", "AddTags", add("t1", strings.Repeat("k", 129), "x"), "ValidationError"},
		{"value too long", "AddTags", add("t1", "k", strings.Repeat("v", 257)), "ValidationError"},
		{"bad character", "AddTags", add("t1", "k!", "x"), "ValidationError"},
		{"empty key", "AddTags", add("t1", "", "x"), "ValidationError"},
		{"unknown load balancer in DescribeTags", "DescribeTags", func() error {
			_, err := f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{"t1", "nope"}})
			return err
		}(), "LoadBalancerNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantELBErr(t, tc.op, tc.err, tc.code) })
	}
	elbCheckStrings(t, "DescribeTags after errors", describe("t1"), []string{"t1: env=dev cost center=4711"})
}

func TestELBDescribeTagsLimits(t *testing.T) {
	f := startELB(t, "limits: {load_balancers: 25}\n")
	var names []string
	for i := range 21 {
		n := fmt.Sprintf("many-%02d", i)
		f.createClassic(n, []string{usEast1a})
		names = append(names, n)
	}
	out, err := f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: names[:20]})
	elbOK(t, "DescribeTags(20 names)", err)
	if len(out.TagDescriptions) != 20 {
		t.Errorf("DescribeTags(20 names) = %d descriptions, want 20", len(out.TagDescriptions))
	}
	_, err = f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: names})
	wantELBErr(t, "DescribeTags", err, "ValidationError")
	_, err = f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{}})
	wantELBErr(t, "DescribeTags", err, "ValidationError")
}

func TestELBTooManyTags(t *testing.T) {
	f := startELB(t, "limits: {tags: 3}\n")
	_, err := f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("few"), AvailabilityZones: []string{usEast1a},
		Listeners: []types.Listener{elbListener("HTTP", 80, "", 80)}, Tags: elbTags("a", "1", "b", "2", "c", "3", "d", "4")})
	wantELBErr(t, "CreateLoadBalancer", err, "TooManyTags")
	_, err = f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("few"), AvailabilityZones: []string{usEast1a},
		Listeners: []types.Listener{elbListener("HTTP", 80, "", 80)}, Tags: elbTags("a", "1", "b", "2")})
	elbOK(t, "CreateLoadBalancer with 2 tags", err)
	add := func(kv ...string) error {
		_, err := f.elb.AddTags(f.ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"few"}, Tags: elbTags(kv...)})
		return err
	}
	elbOK(t, "AddTags(third)", add("c", "3"))
	elbOK(t, "AddTags(update at the limit)", add("a", "one", "c", "three"))
	wantELBErr(t, "AddTags", add("d", "4"), "TooManyTags")
}
