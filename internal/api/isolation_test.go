package api_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestIsolationLoadBalancers: the Other account can neither see nor change
// the Admin account's load balancers, and both may use the same names.
func TestIsolationLoadBalancers(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	admin, other := env.ELB(elbdtest.Admin), env.ELB(elbdtest.Other)

	mustCreate(t, admin, "admin-lb", "us-east-1a", "us-east-1b")
	if _, err := admin.AddTags(ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"admin-lb"},
		Tags: []elbtypes.Tag{{Key: aws.String("owner"), Value: aws.String("admin")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateLBCookieStickinessPolicy(ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{
		LoadBalancerName: aws.String("admin-lb"), PolicyName: aws.String("sticky")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String("admin-lb"), Instances: []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceA)}}}); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		t.Helper()
		d, err := admin.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"admin-lb"}})
		if err != nil {
			t.Fatalf("Admin's load balancer: %v", err)
		}
		lb := d.LoadBalancerDescriptions[0]
		tags, err := admin.DescribeTags(ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{"admin-lb"}})
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := admin.DescribeLoadBalancerAttributes(ctx, &elbsdk.DescribeLoadBalancerAttributesInput{LoadBalancerName: aws.String("admin-lb")})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString(aws.ToString(lb.DNSName) + " " + aws.ToString(lb.HealthCheck.Target) + " zones=" + strings.Join(lb.AvailabilityZones, ","))
		for _, l := range lb.ListenerDescriptions {
			b.WriteString(" listener=" + aws.ToString(l.Listener.Protocol) + strings.Join(l.PolicyNames, "+"))
		}
		for _, in := range lb.Instances {
			b.WriteString(" instance=" + aws.ToString(in.InstanceId))
		}
		for _, p := range lb.Policies.LBCookieStickinessPolicies {
			b.WriteString(" policy=" + aws.ToString(p.PolicyName))
		}
		for _, tg := range tags.TagDescriptions[0].Tags {
			b.WriteString(" tag=" + aws.ToString(tg.Key) + "=" + aws.ToString(tg.Value))
		}
		a := attrs.LoadBalancerAttributes
		b.WriteString(" crosszone=" + strconv.FormatBool(a.CrossZoneLoadBalancing.Enabled) +
			" idle=" + strconv.Itoa(int(aws.ToInt32(a.ConnectionSettings.IdleTimeout))))
		return b.String()
	}
	before := snapshot()

	// Other sees none of Admin's load balancers.
	d, err := other.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.LoadBalancerDescriptions) != 0 {
		t.Errorf("Other lists %d load balancers", len(d.LoadBalancerDescriptions))
	}

	name := aws.String("admin-lb")
	instA := []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceA)}}
	instOther := []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceOther)}}
	calls := map[string]func() error{
		"DescribeLoadBalancers": func() error {
			_, err := other.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{"admin-lb"}})
			return err
		},
		"DescribeTags": func() error {
			_, err := other.DescribeTags(ctx, &elbsdk.DescribeTagsInput{LoadBalancerNames: []string{"admin-lb"}})
			return err
		},
		"AddTags": func() error {
			_, err := other.AddTags(ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"admin-lb"},
				Tags: []elbtypes.Tag{{Key: aws.String("owner"), Value: aws.String("other")}}})
			return err
		},
		"RemoveTags": func() error {
			_, err := other.RemoveTags(ctx, &elbsdk.RemoveTagsInput{LoadBalancerNames: []string{"admin-lb"},
				Tags: []elbtypes.TagKeyOnly{{Key: aws.String("owner")}}})
			return err
		},
		"DescribeLoadBalancerPolicies": func() error {
			_, err := other.DescribeLoadBalancerPolicies(ctx, &elbsdk.DescribeLoadBalancerPoliciesInput{LoadBalancerName: name})
			return err
		},
		"DescribeLoadBalancerAttributes": func() error {
			_, err := other.DescribeLoadBalancerAttributes(ctx, &elbsdk.DescribeLoadBalancerAttributesInput{LoadBalancerName: name})
			return err
		},
		"ModifyLoadBalancerAttributes": func() error {
			_, err := other.ModifyLoadBalancerAttributes(ctx, &elbsdk.ModifyLoadBalancerAttributesInput{LoadBalancerName: name,
				LoadBalancerAttributes: &elbtypes.LoadBalancerAttributes{ConnectionSettings: &elbtypes.ConnectionSettings{IdleTimeout: aws.Int32(999)}}})
			return err
		},
		"DescribeInstanceHealth": func() error {
			_, err := other.DescribeInstanceHealth(ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: name})
			return err
		},
		"RegisterInstancesWithLoadBalancer": func() error {
			_, err := other.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: name, Instances: instOther})
			return err
		},
		"DeregisterInstancesFromLoadBalancer": func() error {
			_, err := other.DeregisterInstancesFromLoadBalancer(ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{LoadBalancerName: name, Instances: instA})
			return err
		},
		"ConfigureHealthCheck": func() error {
			_, err := other.ConfigureHealthCheck(ctx, &elbsdk.ConfigureHealthCheckInput{LoadBalancerName: name,
				HealthCheck: &elbtypes.HealthCheck{Target: aws.String("TCP:22"), Interval: aws.Int32(10), Timeout: aws.Int32(5),
					UnhealthyThreshold: aws.Int32(2), HealthyThreshold: aws.Int32(2)}})
			return err
		},
		"CreateLoadBalancerListeners": func() error {
			_, err := other.CreateLoadBalancerListeners(ctx, &elbsdk.CreateLoadBalancerListenersInput{LoadBalancerName: name,
				Listeners: []elbtypes.Listener{{Protocol: aws.String("TCP"), LoadBalancerPort: 2222, InstancePort: aws.Int32(22)}}})
			return err
		},
		"DeleteLoadBalancerListeners": func() error {
			_, err := other.DeleteLoadBalancerListeners(ctx, &elbsdk.DeleteLoadBalancerListenersInput{LoadBalancerName: name, LoadBalancerPorts: []int32{80}})
			return err
		},
		"CreateLoadBalancerPolicy": func() error {
			_, err := other.CreateLoadBalancerPolicy(ctx, &elbsdk.CreateLoadBalancerPolicyInput{LoadBalancerName: name,
				PolicyName: aws.String("pp"), PolicyTypeName: aws.String("ProxyProtocolPolicyType"),
				PolicyAttributes: []elbtypes.PolicyAttribute{{AttributeName: aws.String("ProxyProtocol"), AttributeValue: aws.String("true")}}})
			return err
		},
		"CreateLBCookieStickinessPolicy": func() error {
			_, err := other.CreateLBCookieStickinessPolicy(ctx, &elbsdk.CreateLBCookieStickinessPolicyInput{LoadBalancerName: name, PolicyName: aws.String("other-sticky")})
			return err
		},
		"DeleteLoadBalancerPolicy": func() error {
			_, err := other.DeleteLoadBalancerPolicy(ctx, &elbsdk.DeleteLoadBalancerPolicyInput{LoadBalancerName: name, PolicyName: aws.String("sticky")})
			return err
		},
		"SetLoadBalancerPoliciesOfListener": func() error {
			_, err := other.SetLoadBalancerPoliciesOfListener(ctx, &elbsdk.SetLoadBalancerPoliciesOfListenerInput{LoadBalancerName: name,
				LoadBalancerPort: 80, PolicyNames: []string{"sticky"}})
			return err
		},
		"EnableAvailabilityZonesForLoadBalancer": func() error {
			_, err := other.EnableAvailabilityZonesForLoadBalancer(ctx, &elbsdk.EnableAvailabilityZonesForLoadBalancerInput{LoadBalancerName: name,
				AvailabilityZones: []string{"us-east-1c"}})
			return err
		},
		"DisableAvailabilityZonesForLoadBalancer": func() error {
			_, err := other.DisableAvailabilityZonesForLoadBalancer(ctx, &elbsdk.DisableAvailabilityZonesForLoadBalancerInput{LoadBalancerName: name,
				AvailabilityZones: []string{"us-east-1b"}})
			return err
		},
	}
	var names []string
	for n := range calls {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			wantAPIError(t, calls[n](), "LoadBalancerNotFound", 400)
		})
	}

	// DeleteLoadBalancer of an unknown name succeeds in ELB; for Other,
	// Admin's load balancer is unknown, so the call is a no-op.
	if _, err := other.DeleteLoadBalancer(ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: name}); err != nil {
		t.Errorf("Other's DeleteLoadBalancer: %v", err)
	}
	if after := snapshot(); after != before {
		t.Errorf("Admin's load balancer changed by Other's calls:\nbefore %s\nafter  %s", before, after)
	}

	// The same name in both accounts: independent load balancers.
	mustCreate(t, other, "admin-lb", "us-east-1c")
	od, err := other.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(od.LoadBalancerDescriptions) != 1 || od.LoadBalancerDescriptions[0].AvailabilityZones[0] != "us-east-1c" ||
		len(od.LoadBalancerDescriptions[0].Instances) != 0 {
		t.Errorf("Other's admin-lb: %+v", od.LoadBalancerDescriptions)
	}
	if aws.ToString(od.LoadBalancerDescriptions[0].DNSName) == strings.Fields(before)[0] {
		t.Error("both accounts' load balancers share a DNS name")
	}
	// Other's tag on its own LB does not show on Admin's.
	if _, err := other.AddTags(ctx, &elbsdk.AddTagsInput{LoadBalancerNames: []string{"admin-lb"},
		Tags: []elbtypes.Tag{{Key: aws.String("owner"), Value: aws.String("other")}}}); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(); after != before {
		t.Errorf("Admin's load balancer changed by Other's same-name LB:\nbefore %s\nafter  %s", before, after)
	}
	// Admin creating the name again is still a duplicate for Admin only.
	_, err = admin.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: name,
		Listeners:         []elbtypes.Listener{{Protocol: aws.String("TCP"), LoadBalancerPort: 25, InstancePort: aws.Int32(25)}},
		AvailabilityZones: []string{"us-east-1a"}})
	wantAPIError(t, err, "DuplicateLoadBalancerName", 400)

	// Deleting Other's does not touch Admin's.
	if _, err := other.DeleteLoadBalancer(ctx, &elbsdk.DeleteLoadBalancerInput{LoadBalancerName: name}); err != nil {
		t.Fatal(err)
	}
	if od, _ := other.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{}); len(od.LoadBalancerDescriptions) != 0 {
		t.Error("Other's load balancer survived its deletion")
	}
	if after := snapshot(); after != before {
		t.Errorf("Admin's load balancer changed:\nbefore %s\nafter  %s", before, after)
	}
	ad, err := admin.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ad.LoadBalancerDescriptions) != 1 {
		t.Errorf("Admin lists %d load balancers, want 1", len(ad.LoadBalancerDescriptions))
	}
}

// TestIsolationCertificates: certificates are per account, by name and by
// ARN.
func TestIsolationCertificates(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	adminIAM, otherIAM := env.IAM(elbdtest.Admin), env.IAM(elbdtest.Other)
	other := env.ELB(elbdtest.Other)
	p := pki(t)
	meta := uploadCert(t, adminIAM, "shared", "/elb/", p.ECLeaf, "")
	adminARN := aws.ToString(meta.Arn)

	_, err := otherIAM.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("shared")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	_, err = otherIAM.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("shared")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	l, err := otherIAM.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.ServerCertificateMetadataList) != 0 {
		t.Errorf("Other lists %d certificates", len(l.ServerCertificateMetadataList))
	}

	// Admin's ARN is not usable by Other.
	https := func(arn string) []elbtypes.Listener {
		return []elbtypes.Listener{{Protocol: aws.String("HTTPS"), LoadBalancerPort: 443, InstanceProtocol: aws.String("HTTP"),
			InstancePort: aws.Int32(80), SSLCertificateId: aws.String(arn)}}
	}
	_, err = other.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("o-tls"),
		Listeners: https(adminARN), AvailabilityZones: []string{"us-east-1a"}})
	wantAPIError(t, err, "CertificateNotFound", 400)

	// Other uploads a certificate with the same name: its own ARN.
	otherMeta := uploadCert(t, otherIAM, "shared", "/elb/", p.RSALeaf, "")
	if got := aws.ToString(otherMeta.Arn); got != "arn:aws:iam::210987654321:server-certificate/elb/shared" {
		t.Errorf("Other's ARN %q", got)
	}
	if _, err := other.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("o-tls"),
		Listeners: https(aws.ToString(otherMeta.Arn)), AvailabilityZones: []string{"us-east-1a"}}); err != nil {
		t.Fatalf("Other with its own certificate: %v", err)
	}
	// Nor can it move its listener to Admin's certificate.
	_, err = other.SetLoadBalancerListenerSSLCertificate(ctx, &elbsdk.SetLoadBalancerListenerSSLCertificateInput{
		LoadBalancerName: aws.String("o-tls"), LoadBalancerPort: 443, SSLCertificateId: aws.String(adminARN)})
	wantAPIError(t, err, "CertificateNotFound", 400)

	// Other's listener does not block Admin's same-named certificate.
	if _, err := adminIAM.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("shared")}); err != nil {
		t.Fatalf("Admin delete blocked by Other's listener: %v", err)
	}
	_, err = otherIAM.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("shared")})
	wantAPIError(t, err, "DeleteConflict", 409)
	got, err := otherIAM.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("shared")})
	if err != nil {
		t.Fatal(err)
	}
	if ders := pemDERs(t, aws.ToString(got.ServerCertificate.CertificateBody)); len(ders) != 1 || string(ders[0]) != string(p.RSALeaf.Cert.Raw) {
		t.Error("Other's certificate body is not its own upload")
	}
}

// TestIsolationInstances: instances owned by an account are visible only to
// it; unowned instances to everyone.
func TestIsolationInstances(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	admin, other := env.ELB(elbdtest.Admin), env.ELB(elbdtest.Other)
	mustCreate(t, admin, "a-lb")
	mustCreate(t, other, "o-lb")
	reg := func(c *elbsdk.Client, lb, id string) error {
		_, err := c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{LoadBalancerName: aws.String(lb),
			Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
		return err
	}
	if err := reg(other, "o-lb", elbdtest.InstanceOther); err != nil {
		t.Fatalf("Other registering its own instance: %v", err)
	}
	wantAPIError(t, reg(admin, "a-lb", elbdtest.InstanceOther), "InvalidInstance", 400)
	_, err := admin.DescribeInstanceHealth(ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: aws.String("a-lb"),
		Instances: []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceOther)}}})
	wantAPIError(t, err, "InvalidInstance", 400)
	_, err = admin.DeregisterInstancesFromLoadBalancer(ctx, &elbsdk.DeregisterInstancesFromLoadBalancerInput{LoadBalancerName: aws.String("a-lb"),
		Instances: []elbtypes.Instance{{InstanceId: aws.String(elbdtest.InstanceOther)}}})
	wantAPIError(t, err, "InvalidInstance", 400)

	// Instances added through the admin API with an owner behave the same.
	const otherAPI = "i-0fff0000000000ap1"
	r := adminReq(t, env, &elbdtest.Admin, http.MethodPut, "/admin/v1/instances/"+otherAPI,
		`{"zone":"us-east-1a","ipv4":"127.0.2.7","account":"`+elbdtest.OtherAccount+`"}`)
	if r.Status != http.StatusOK {
		t.Fatalf("PUT: %s", r)
	}
	wantAPIError(t, reg(admin, "a-lb", otherAPI), "InvalidInstance", 400)
	if err := reg(other, "o-lb", otherAPI); err != nil {
		t.Fatalf("Other registering its admin-API instance: %v", err)
	}

	// Unowned config instances are shared.
	if err := reg(admin, "a-lb", elbdtest.InstanceA); err != nil {
		t.Fatal(err)
	}
	if err := reg(other, "o-lb", elbdtest.InstanceA); err != nil {
		t.Fatal(err)
	}
	h, err := other.DescribeInstanceHealth(ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: aws.String("o-lb")})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range h.InstanceStates {
		ids = append(ids, aws.ToString(s.InstanceId))
	}
	slices.Sort(ids)
	if strings.Join(ids, ",") != elbdtest.InstanceA+","+otherAPI+","+elbdtest.InstanceOther {
		t.Errorf("Other's health: %v", ids)
	}
}
