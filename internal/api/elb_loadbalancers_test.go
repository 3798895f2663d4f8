package api_test

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// elbDNSRE matches <prefix><name>-<digits>.us-east-1.elb.test.
func elbDNSRE(prefix, name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(prefix+name) + `-[0-9]{10}\.us-east-1\.elb\.test$`)
}

// elbCheckCommon asserts the fields every description carries.
func elbCheckCommon(t *testing.T, d types.LoadBalancerDescription, name, dns, scheme string, before, after time.Time) {
	t.Helper()
	elbCheckString(t, "LoadBalancerName", d.LoadBalancerName, name)
	elbCheckString(t, "DNSName", d.DNSName, dns)
	elbCheckString(t, "CanonicalHostedZoneName", d.CanonicalHostedZoneName, dns)
	elbCheckString(t, "CanonicalHostedZoneNameID", d.CanonicalHostedZoneNameID, elbHostedZoneID)
	elbCheckString(t, "Scheme", d.Scheme, scheme)
	if d.CreatedTime == nil {
		t.Errorf("CreatedTime = nil, want set")
	} else if ct := *d.CreatedTime; ct.Before(before.Add(-time.Second)) || ct.After(after.Add(time.Second)) {
		t.Errorf("CreatedTime = %v, want between %v and %v", ct, before, after)
	}
	if d.Policies == nil {
		t.Errorf("Policies = nil, want the (empty) structure")
	}
}

func TestELBCreateLoadBalancerClassic(t *testing.T) {
	f := startELB(t, "")
	before := time.Now()
	out, err := f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("Classic-LB"),
		Listeners: []types.Listener{
			elbListener("http", 80, "", 8080),   // lower case in, InstanceProtocol defaulted
			elbListener("tcp", 1025, "ssl", 25), // explicit instance protocol
		},
		AvailabilityZones: []string{usEast1b, usEast1a, usEast1b},
	})
	after := time.Now()
	elbOK(t, "CreateLoadBalancer", err)
	dns := aws.ToString(out.DNSName)
	// DNS names are lower case.
	if !elbDNSRE("", "classic-lb").MatchString(dns) {
		t.Errorf("CreateLoadBalancer().DNSName = %q, want classic-lb-<10 digits>.us-east-1.elb.test", dns)
	}
	d := f.describe("Classic-LB")
	elbCheckCommon(t, d, "Classic-LB", dns, "internet-facing", before, after)
	elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(d.ListenerDescriptions), []string{
		"HTTP:80->HTTP:8080 cert= policies=[]",
		"TCP:1025->SSL:25 cert= policies=[]",
	})
	elbCheckStrings(t, "AvailabilityZones", d.AvailabilityZones, []string{usEast1a, usEast1b})
	elbCheckStrings(t, "Subnets", d.Subnets, nil)
	elbCheckNil(t, "VPCId", d.VPCId)
	elbCheckStrings(t, "SecurityGroups", d.SecurityGroups, nil)
	elbCheckStrings(t, "Instances", elbInstanceIDs(d.Instances), nil)
	if len(d.BackendServerDescriptions) != 0 {
		t.Errorf("BackendServerDescriptions = %+v, want empty", d.BackendServerDescriptions)
	}
	if p := d.Policies; p != nil && (len(p.AppCookieStickinessPolicies)+len(p.LBCookieStickinessPolicies)+len(p.OtherPolicies) != 0) {
		t.Errorf("Policies = %+v, want all empty", p)
	}
	if g := d.SourceSecurityGroup; g == nil {
		t.Errorf("SourceSecurityGroup = nil, want amazon-elb/amazon-elb-sg")
	} else {
		elbCheckString(t, "SourceSecurityGroup.OwnerAlias", g.OwnerAlias, "amazon-elb")
		elbCheckString(t, "SourceSecurityGroup.GroupName", g.GroupName, "amazon-elb-sg")
	}
	// Default health check: TCP to the first elbListener's instance port.
	if hc := d.HealthCheck; hc == nil {
		t.Errorf("HealthCheck = nil, want the default")
	} else {
		elbCheckString(t, "HealthCheck.Target", hc.Target, "TCP:8080")
		elbCheckInt32(t, "HealthCheck.Interval", hc.Interval, 30)
		elbCheckInt32(t, "HealthCheck.Timeout", hc.Timeout, 5)
		elbCheckInt32(t, "HealthCheck.UnhealthyThreshold", hc.UnhealthyThreshold, 2)
		elbCheckInt32(t, "HealthCheck.HealthyThreshold", hc.HealthyThreshold, 10)
	}
}

func TestELBCreateLoadBalancerInstanceProtocolDefault(t *testing.T) {
	f := startELB(t, "")
	arn := f.uploadCert("default-proto")
	for _, tc := range []struct {
		in   types.Listener
		want string
	}{
		{elbListener("http", 80, "", 80), "HTTP:80->HTTP:80 cert= policies=[]"},
		{elbListener("tcp", 1024, "", 1024), "TCP:1024->TCP:1024 cert= policies=[]"},
		{elbSecureListener("https", 443, "", 443, arn), "HTTPS:443->HTTPS:443 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"},
		{elbSecureListener("ssl", 465, "", 465, arn), "SSL:465->SSL:465 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"},
		{elbSecureListener("HTTPS", 8443, "http", 80, arn), "HTTPS:8443->HTTP:80 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]"},
		{elbListener("TcP", 25, "tcp", 2525), "TCP:25->TCP:2525 cert= policies=[]"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			name := "proto-" + strconv.Itoa(int(tc.in.LoadBalancerPort))
			f.createClassic(name, []string{usEast1a}, tc.in)
			d := f.describe(name)
			elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(d.ListenerDescriptions), []string{tc.want})
		})
	}
}

func TestELBCreateLoadBalancerVPC(t *testing.T) {
	f := startELB(t, "")
	for _, tc := range []struct {
		name      string
		subnets   []string
		groups    []string
		wantZones []string
		wantSGs   []string
		wantSG    string
	}{
		{"vpc-default-sg", []string{elbdtest.SubnetB, elbdtest.SubnetA}, nil, []string{usEast1a, usEast1b}, []string{elbdtest.GroupDefault}, "default"},
		{"vpc-web-sg", []string{elbdtest.SubnetC}, []string{elbdtest.GroupWeb, elbdtest.GroupDefault}, []string{usEast1c}, []string{elbdtest.GroupWeb, elbdtest.GroupDefault}, "web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now()
			out, err := f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
				LoadBalancerName: aws.String(tc.name), Subnets: tc.subnets, SecurityGroups: tc.groups,
				Listeners: []types.Listener{elbListener("HTTP", 80, "HTTP", 8080)}})
			after := time.Now()
			elbOK(t, "CreateLoadBalancer", err)
			dns := aws.ToString(out.DNSName)
			if !elbDNSRE("", tc.name).MatchString(dns) {
				t.Errorf("CreateLoadBalancer().DNSName = %q, want %s-<digits>.us-east-1.elb.test", dns, tc.name)
			}
			d := f.describe(tc.name)
			elbCheckCommon(t, d, tc.name, dns, "internet-facing", before, after)
			elbCheckString(t, "VPCId", d.VPCId, elbdtest.VPC)
			elbCheckStrings(t, "AvailabilityZones", d.AvailabilityZones, tc.wantZones)
			got := slices.Clone(d.Subnets)
			slices.Sort(got)
			want := slices.Clone(tc.subnets)
			slices.Sort(want)
			elbCheckStrings(t, "Subnets (sorted)", got, want)
			elbCheckStrings(t, "SecurityGroups", d.SecurityGroups, tc.wantSGs)
			if g := d.SourceSecurityGroup; g == nil {
				t.Errorf("SourceSecurityGroup = nil")
			} else {
				elbCheckString(t, "SourceSecurityGroup.OwnerAlias", g.OwnerAlias, elbdtest.AdminAccount)
				elbCheckString(t, "SourceSecurityGroup.GroupName", g.GroupName, tc.wantSG)
			}
		})
	}
}

func TestELBCreateLoadBalancerVPCPorts(t *testing.T) {
	f := startELB(t, "")
	// Any port 1-65535 in a VPC; EC2-Classic style allows only 25, 80,
	// 443, 465, 587 and 1024-65535 (see TestELBErrors).
	f.createVPC("vpc-ports", []string{elbdtest.SubnetA},
		elbListener("TCP", 1, "TCP", 1), elbListener("HTTP", 81, "HTTP", 81), elbListener("TCP", 65535, "TCP", 65535))
	elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(f.describe("vpc-ports").ListenerDescriptions), []string{
		"TCP:1->TCP:1 cert= policies=[]", "HTTP:81->HTTP:81 cert= policies=[]", "TCP:65535->TCP:65535 cert= policies=[]"})
	f.createClassic("classic-ports", []string{usEast1a},
		elbListener("TCP", 25, "TCP", 25), elbListener("TCP", 465, "TCP", 465), elbListener("TCP", 587, "TCP", 587), elbListener("TCP", 1024, "TCP", 1))
	if n := len(f.describe("classic-ports").ListenerDescriptions); n != 4 {
		t.Errorf("classic-ports has %d listeners, want 4", n)
	}
}

func TestELBCreateLoadBalancerInternal(t *testing.T) {
	f := startELB(t, "")
	before := time.Now()
	// The private subnet has no internet gateway, which is fine for an
	// internal load balancer.
	out, err := f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("inner"), Scheme: aws.String("internal"),
		Subnets:   []string{elbdtest.SubnetPrivate, elbdtest.SubnetA},
		Listeners: []types.Listener{elbListener("TCP", 5432, "TCP", 5432)}})
	after := time.Now()
	elbOK(t, "CreateLoadBalancer", err)
	dns := aws.ToString(out.DNSName)
	if !elbDNSRE("internal-", "inner").MatchString(dns) {
		t.Errorf("CreateLoadBalancer().DNSName = %q, want internal-inner-<digits>.us-east-1.elb.test", dns)
	}
	d := f.describe("inner")
	elbCheckCommon(t, d, "inner", dns, "internal", before, after)
	elbCheckStrings(t, "AvailabilityZones", d.AvailabilityZones, []string{usEast1a, usEast1b})
	elbCheckString(t, "VPCId", d.VPCId, elbdtest.VPC)
}

func TestELBCreateLoadBalancerHTTPS(t *testing.T) {
	f := startELB(t, "")
	arn := f.uploadCert("site")
	f.createClassic("secure", []string{usEast1a},
		elbSecureListener("https", 443, "http", 8080, arn),
		elbSecureListener("ssl", 465, "", 8465, arn),
		elbListener("http", 80, "", 8080))
	d := f.describe("secure")
	elbCheckStrings(t, "ListenerDescriptions", elbListenerStrings(d.ListenerDescriptions), []string{
		"HTTPS:443->HTTP:8080 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]",
		"SSL:465->SSL:8465 cert=" + arn + " policies=[" + elbDefaultSSLPolicy + "]",
		"HTTP:80->HTTP:8080 cert= policies=[]",
	})
	if d.Policies == nil {
		t.Fatalf("Policies = nil")
	}
	// The default policy is created once, however many secure listeners.
	elbCheckStrings(t, "Policies.OtherPolicies", d.Policies.OtherPolicies, []string{elbDefaultSSLPolicy})
	ps := f.policies("secure")
	if len(ps) != 1 {
		t.Fatalf("DescribeLoadBalancerPolicies(secure) = %d policies, want 1", len(ps))
	}
	elbCheckString(t, "PolicyName", ps[0].PolicyName, elbDefaultSSLPolicy)
	elbCheckString(t, "PolicyTypeName", ps[0].PolicyTypeName, "SSLNegotiationPolicyType")
	attrs := ps[0].PolicyAttributeDescriptions
	if len(attrs) == 0 || aws.ToString(attrs[0].AttributeName) != "Reference-Security-Policy" || aws.ToString(attrs[0].AttributeValue) != elbDefaultSSLPolicy {
		t.Errorf("first attribute = %+v, want Reference-Security-Policy=%s", attrs[:min(1, len(attrs))], elbDefaultSSLPolicy)
	}
	m := elbAttrMap(attrs)
	for k, want := range map[string]string{"Protocol-TLSv1.2": "true", "Protocol-SSLv3": "false", "ECDHE-RSA-AES128-GCM-SHA256": "true", "RC4-SHA": "false"} {
		if m[k] != want {
			t.Errorf("attribute %s = %q, want %q", k, m[k], want)
		}
	}
}

func TestELBCreateLoadBalancerIdempotent(t *testing.T) {
	f := startELB(t, "")
	in := func(proto string, port int32, zones ...string) *elbsdk.CreateLoadBalancerInput {
		return &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("again"), AvailabilityZones: zones,
			Listeners: []types.Listener{elbListener(proto, port, "", 8080)}}
	}
	first, err := f.elb.CreateLoadBalancer(f.ctx, in("HTTP", 80, usEast1a, usEast1b))
	elbOK(t, "CreateLoadBalancer", err)
	for _, tc := range []struct {
		name string
		in   *elbsdk.CreateLoadBalancerInput
	}{
		{"identical", in("HTTP", 80, usEast1a, usEast1b)},
		{"protocol case and zone order", in("http", 80, usEast1b, usEast1a)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.elb.CreateLoadBalancer(f.ctx, tc.in)
			elbOK(t, "CreateLoadBalancer", err)
			if got, want := aws.ToString(out.DNSName), aws.ToString(first.DNSName); got != want {
				t.Errorf("CreateLoadBalancer().DNSName = %q, want the first one %q", got, want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		in   *elbsdk.CreateLoadBalancerInput
	}{
		{"other port", in("HTTP", 8080, usEast1a, usEast1b)},
		{"other protocol", in("TCP", 80, usEast1a, usEast1b)},
		{"other zones", in("HTTP", 80, usEast1a)},
		{"VPC instead", &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("again"), Subnets: []string{elbdtest.SubnetA},
			Listeners: []types.Listener{elbListener("HTTP", 80, "", 8080)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.elb.CreateLoadBalancer(f.ctx, tc.in)
			wantELBErr(t, "CreateLoadBalancer", err, "DuplicateLoadBalancerName")
		})
	}
	all, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{})
	elbOK(t, "DescribeLoadBalancers", err)
	if len(all.LoadBalancerDescriptions) != 1 {
		t.Errorf("DescribeLoadBalancers() = %d load balancers, want 1", len(all.LoadBalancerDescriptions))
	}
}

func TestELBCreateLoadBalancerWithTags(t *testing.T) {
	f := startELB(t, "")
	_, err := f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("tagged"), AvailabilityZones: []string{usEast1a},
		Listeners: []types.Listener{elbListener("HTTP", 80, "", 80)},
		Tags:      []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("empty")}},
	})
	elbOK(t, "CreateLoadBalancer", err)
	out, err := f.elb.DescribeTags(f.ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{"tagged"}})
	elbOK(t, "DescribeTags", err)
	if len(out.TagDescriptions) != 1 {
		t.Fatalf("DescribeTags(tagged) = %d descriptions, want 1", len(out.TagDescriptions))
	}
	elbCheckString(t, "LoadBalancerName", out.TagDescriptions[0].LoadBalancerName, "tagged")
	elbCheckStrings(t, "Tags", elbTagStrings(out.TagDescriptions[0].Tags), []string{"env=prod", "empty="})
}

func TestELBDescribeLoadBalancersPagination(t *testing.T) {
	f := startELB(t, "")
	var names []string
	for _, n := range []string{"lb-g", "lb-c", "lb-a", "lb-e", "lb-b", "lb-f", "lb-d"} {
		f.createClassic(n, []string{usEast1a})
		names = append(names, n)
	}
	slices.Sort(names)

	t.Run("Marker", func(t *testing.T) {
		var got []string
		var marker *string
		var pages []int
		for i := 0; ; i++ {
			if i > 5 {
				t.Fatalf("DescribeLoadBalancers did not finish after %d pages", i)
			}
			out, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{PageSize: aws.Int32(3), Marker: marker})
			elbOK(t, "DescribeLoadBalancers", err)
			pages = append(pages, len(out.LoadBalancerDescriptions))
			for _, d := range out.LoadBalancerDescriptions {
				got = append(got, aws.ToString(d.LoadBalancerName))
			}
			if aws.ToString(out.NextMarker) == "" {
				break
			}
			marker = out.NextMarker
		}
		if !slices.Equal(pages, []int{3, 3, 1}) {
			t.Errorf("page sizes = %v, want [3 3 1]", pages)
		}
		elbCheckStrings(t, "names", got, names)
	})

	t.Run("Paginator", func(t *testing.T) {
		p := elbsdk.NewDescribeLoadBalancersPaginator(f.elb, &elbsdk.DescribeLoadBalancersInput{PageSize: aws.Int32(3)},
			func(o *elbsdk.DescribeLoadBalancersPaginatorOptions) { o.StopOnDuplicateToken = true })
		var got []string
		n := 0
		for p.HasMorePages() {
			if n++; n > 5 {
				t.Fatalf("paginator did not finish after %d pages", n)
			}
			out, err := p.NextPage(f.ctx)
			elbOK(t, "NextPage", err)
			for _, d := range out.LoadBalancerDescriptions {
				got = append(got, aws.ToString(d.LoadBalancerName))
			}
		}
		if n != 3 {
			t.Errorf("pages = %d, want 3", n)
		}
		elbCheckStrings(t, "names", got, names)
	})

	t.Run("default page size", func(t *testing.T) {
		out, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{})
		elbOK(t, "DescribeLoadBalancers", err)
		if len(out.LoadBalancerDescriptions) != 7 || aws.ToString(out.NextMarker) != "" {
			t.Errorf("DescribeLoadBalancers() = %d, NextMarker %q, want 7 and none", len(out.LoadBalancerDescriptions), aws.ToString(out.NextMarker))
		}
	})

	t.Run("names filter", func(t *testing.T) {
		out, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"lb-e", "lb-b", "lb-e"}})
		elbOK(t, "DescribeLoadBalancers", err)
		var got []string
		for _, d := range out.LoadBalancerDescriptions {
			got = append(got, aws.ToString(d.LoadBalancerName))
		}
		elbCheckStrings(t, "names", got, []string{"lb-b", "lb-e"})
	})

	t.Run("names filter paged", func(t *testing.T) {
		out, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{
			LoadBalancerNames: []string{"lb-a", "lb-b", "lb-c"}, PageSize: aws.Int32(2)})
		elbOK(t, "DescribeLoadBalancers", err)
		if len(out.LoadBalancerDescriptions) != 2 || aws.ToString(out.NextMarker) == "" {
			t.Fatalf("page 1 = %d, NextMarker %q, want 2 and a marker", len(out.LoadBalancerDescriptions), aws.ToString(out.NextMarker))
		}
		out, err = f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{
			LoadBalancerNames: []string{"lb-a", "lb-b", "lb-c"}, PageSize: aws.Int32(2), Marker: out.NextMarker})
		elbOK(t, "DescribeLoadBalancers", err)
		if len(out.LoadBalancerDescriptions) != 1 || aws.ToString(out.LoadBalancerDescriptions[0].LoadBalancerName) != "lb-c" {
			t.Errorf("page 2 = %d descriptions, want only lb-c", len(out.LoadBalancerDescriptions))
		}
	})

	t.Run("unknown name fails the call", func(t *testing.T) {
		_, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"lb-a", "nope"}})
		wantELBErr(t, "DescribeLoadBalancers", err, "LoadBalancerNotFound")
	})

	t.Run("other account sees none", func(t *testing.T) {
		other := f.client(elbdtest.Other)
		out, err := other.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{})
		elbOK(t, "DescribeLoadBalancers", err)
		if len(out.LoadBalancerDescriptions) != 0 {
			t.Errorf("DescribeLoadBalancers() as other account = %d, want 0", len(out.LoadBalancerDescriptions))
		}
		_, err = other.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"lb-a"}})
		wantELBErr(t, "DescribeLoadBalancers", err, "LoadBalancerNotFound")
	})
}

func TestELBDeleteLoadBalancer(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("doomed", []string{usEast1a})
	for i, name := range []string{"doomed", "doomed", "never-existed"} {
		_, err := f.elb.DeleteLoadBalancer(f.ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: aws.String(name)})
		elbOK(t, "DeleteLoadBalancer("+name+") #"+strconv.Itoa(i+1), err)
	}
	_, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"doomed"}})
	wantELBErr(t, "DescribeLoadBalancers", err, "LoadBalancerNotFound")
	// The name is free again, and the new load balancer gets a new DNS name.
	f.createClassic("doomed", []string{usEast1b})
	elbCheckStrings(t, "AvailabilityZones", f.describe("doomed").AvailabilityZones, []string{usEast1b})
}

func TestELBConfigureHealthCheck(t *testing.T) {
	f := startELB(t, "")
	f.createClassic("checked", []string{usEast1a})
	for _, tc := range []struct {
		target, want string
	}{
		{"http:8080/health?x=1", "HTTP:8080/health?x=1"},
		{"TCP:80", "TCP:80"},
		{"ssl:8443", "SSL:8443"},
		{"HTTPS:443/", "HTTPS:443/"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			out, err := f.elb.ConfigureHealthCheck(f.ctx, &elbsdk.ConfigureHealthCheckInput{
				LoadBalancerName: aws.String("checked"),
				HealthCheck: &types.HealthCheck{Target: aws.String(tc.target), Interval: aws.Int32(10),
					Timeout: aws.Int32(9), UnhealthyThreshold: aws.Int32(3), HealthyThreshold: aws.Int32(4)}})
			elbOK(t, "ConfigureHealthCheck", err)
			for _, hc := range []*types.HealthCheck{out.HealthCheck, f.describe("checked").HealthCheck} {
				if hc == nil {
					t.Fatalf("HealthCheck = nil")
				}
				elbCheckString(t, "HealthCheck.Target", hc.Target, tc.want)
				elbCheckInt32(t, "HealthCheck.Interval", hc.Interval, 10)
				elbCheckInt32(t, "HealthCheck.Timeout", hc.Timeout, 9)
				elbCheckInt32(t, "HealthCheck.UnhealthyThreshold", hc.UnhealthyThreshold, 3)
				elbCheckInt32(t, "HealthCheck.HealthyThreshold", hc.HealthyThreshold, 4)
			}
		})
	}
}

func TestELBDescribeAccountLimits(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"defaults", "", []string{"classic-load-balancers=20", "classic-listeners=100", "classic-registered-instances=1000"}},
		{"configured", "limits: {load_balancers: 5, listeners: 7, registered_instances: 9}\n",
			[]string{"classic-load-balancers=5", "classic-listeners=7", "classic-registered-instances=9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startELB(t, tc.yaml)
			render := func(ls []types.Limit) []string {
				var out []string
				for _, l := range ls {
					out = append(out, aws.ToString(l.Name)+"="+aws.ToString(l.Max))
				}
				return out
			}
			out, err := f.elb.DescribeAccountLimits(f.ctx, &elbsdk.DescribeAccountLimitsInput{})
			elbOK(t, "DescribeAccountLimits", err)
			elbCheckStrings(t, "Limits", render(out.Limits), tc.want)
			elbCheckNil(t, "NextMarker", out.NextMarker)

			var got []string
			var marker *string
			for i := 0; ; i++ {
				if i > len(tc.want) {
					t.Fatalf("DescribeAccountLimits(PageSize 1) did not finish after %d pages", i)
				}
				out, err := f.elb.DescribeAccountLimits(f.ctx, &elbsdk.DescribeAccountLimitsInput{PageSize: aws.Int32(1), Marker: marker})
				elbOK(t, "DescribeAccountLimits", err)
				if len(out.Limits) != 1 {
					t.Fatalf("DescribeAccountLimits(PageSize 1) page %d = %d limits, want 1", i, len(out.Limits))
				}
				got = append(got, render(out.Limits)...)
				if aws.ToString(out.NextMarker) == "" {
					if i != len(tc.want)-1 {
						t.Errorf("no NextMarker after page %d, want one until page %d", i, len(tc.want)-1)
					}
					break
				}
				marker = out.NextMarker
			}
			elbCheckStrings(t, "paged Limits", got, tc.want)
		})
	}
}
