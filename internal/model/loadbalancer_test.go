package model_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/elbd/elbd/internal/model"
)

// fullLB has every nested slice populated.
func fullLB() *model.LoadBalancer {
	return &model.LoadBalancer{
		Account:     "123456789012",
		Name:        "lb",
		DNSName:     "lb-1234567890.us-east-1.elb.test",
		CreatedTime: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC),
		Scheme:      model.SchemeInternetFacing,
		Listeners: []model.Listener{
			{Protocol: "HTTP", LoadBalancerPort: 80, InstanceProtocol: "HTTP", InstancePort: 8080, PolicyNames: []string{"sticky"}},
			{Protocol: "HTTPS", LoadBalancerPort: 443, InstanceProtocol: "HTTP", InstancePort: 8080, SSLCertificateID: certARN, PolicyNames: []string{"ssl", "sticky2"}},
		},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
		Subnets:           []string{"subnet-a", "subnet-b"},
		VPCID:             "vpc-1",
		SecurityGroups:    []string{"sg-1", "sg-2"},
		Instances:         []string{"i-1", "i-2"},
		HealthCheck:       model.DefaultHealthCheck(nil),
		Attributes:        model.DefaultAttributes(),
		Policies: []model.Policy{
			{Name: "sticky", TypeName: "LBCookieStickinessPolicyType", Attributes: []model.Attribute{{Name: "CookieExpirationPeriod", Value: "60"}}},
			{Name: "ssl", TypeName: "SSLNegotiationPolicyType", Attributes: []model.Attribute{{Name: "Reference-Security-Policy", Value: "ELBSecurityPolicy-2016-08"}}},
		},
		BackendServers: []model.BackendServer{{InstancePort: 8080, PolicyNames: []string{"pk"}}},
		Tags:           []model.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "a"}},
	}
}

func TestCloneIsEqual(t *testing.T) {
	orig := fullLB()
	c := orig.Clone()
	if c == orig {
		t.Fatal("Clone returned the same pointer")
	}
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, orig)
	}
	a, _ := json.Marshal(orig)
	b, _ := json.Marshal(c)
	if string(a) != string(b) {
		t.Fatalf("clone encodes differently:\n%s\n%s", a, b)
	}
}

// Every change to any nested slice of the clone leaves the original alone.
func TestCloneIsDeep(t *testing.T) {
	mutations := map[string]func(lb *model.LoadBalancer){
		"Listeners[i]":                func(lb *model.LoadBalancer) { lb.Listeners[0].InstancePort = 1 },
		"Listeners[i].PolicyNames[j]": func(lb *model.LoadBalancer) { lb.Listeners[1].PolicyNames[0] = "x" },
		"Listeners append": func(lb *model.LoadBalancer) {
			lb.Listeners = append(lb.Listeners[:1], model.Listener{LoadBalancerPort: 9})
		},
		"Listeners[i].PolicyNames append": func(lb *model.LoadBalancer) {
			lb.Listeners[1].PolicyNames = append(lb.Listeners[1].PolicyNames[:1], "y")
		},
		"AvailabilityZones[i]":      func(lb *model.LoadBalancer) { lb.AvailabilityZones[0] = "x" },
		"AvailabilityZones append":  func(lb *model.LoadBalancer) { lb.AvailabilityZones = append(lb.AvailabilityZones[:1], "z") },
		"Subnets[i]":                func(lb *model.LoadBalancer) { lb.Subnets[1] = "x" },
		"SecurityGroups[i]":         func(lb *model.LoadBalancer) { lb.SecurityGroups[0] = "x" },
		"Instances[i]":              func(lb *model.LoadBalancer) { lb.Instances[0] = "x" },
		"Instances append":          func(lb *model.LoadBalancer) { lb.Instances = append(lb.Instances[:1], "i-9") },
		"Policies[i]":               func(lb *model.LoadBalancer) { lb.Policies[0].TypeName = "x" },
		"Policies[i].Attributes[j]": func(lb *model.LoadBalancer) { lb.Policies[1].Attributes[0].Value = "x" },
		"Policies[i].Attributes append": func(lb *model.LoadBalancer) {
			lb.Policies[0].Attributes = append(lb.Policies[0].Attributes[:0], model.Attribute{Name: "n"})
		},
		"BackendServers[i]": func(lb *model.LoadBalancer) { lb.BackendServers[0].InstancePort = 1 },
		"BackendServers[i].PolicyNames[j]": func(lb *model.LoadBalancer) {
			lb.BackendServers[0].PolicyNames[0] = "x"
		},
		"Tags[i]":         func(lb *model.LoadBalancer) { lb.Tags[0].Value = "x" },
		"Tags append":     func(lb *model.LoadBalancer) { lb.Tags = append(lb.Tags[:1], model.Tag{Key: "new"}) },
		"HealthCheck":     func(lb *model.LoadBalancer) { lb.HealthCheck.Target = "TCP:1" },
		"Attributes":      func(lb *model.LoadBalancer) { lb.Attributes.AccessLog.S3BucketName = "x" },
		"scalar Name":     func(lb *model.LoadBalancer) { lb.Name = "x" },
		"scalar DNSName":  func(lb *model.LoadBalancer) { lb.DNSName = "x" },
		"scalar CreatedT": func(lb *model.LoadBalancer) { lb.CreatedTime = time.Time{} },
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			orig := fullLB()
			c := orig.Clone()
			mutate(c)
			if !reflect.DeepEqual(orig, fullLB()) {
				t.Fatalf("mutating the clone's %s changed the original:\n%+v", name, orig)
			}
			if reflect.DeepEqual(c, fullLB()) {
				t.Fatalf("mutation %s had no effect on the clone", name)
			}
		})
	}
}

// A clone of a clone is still independent, and mutating the original does
// not reach the clone either.
func TestCloneBothDirections(t *testing.T) {
	orig := fullLB()
	c := orig.Clone()
	orig.Listeners[0].PolicyNames[0] = "changed"
	orig.Policies[0].Attributes[0].Value = "changed"
	orig.BackendServers[0].PolicyNames[0] = "changed"
	orig.Tags[0].Key = "changed"
	if !reflect.DeepEqual(c, fullLB()) {
		t.Fatalf("mutating the original changed the clone: %+v", c)
	}
	cc := c.Clone()
	cc.Instances[0] = "changed"
	if c.Instances[0] != "i-1" {
		t.Fatal("clone of clone shares Instances")
	}
}

func TestCloneEmpty(t *testing.T) {
	lb := &model.LoadBalancer{Name: "empty"}
	c := lb.Clone()
	if c.Name != "empty" || len(c.Listeners) != 0 || len(c.Policies) != 0 || len(c.BackendServers) != 0 ||
		len(c.Tags) != 0 || len(c.Instances) != 0 {
		t.Fatalf("clone of an empty LB = %+v", c)
	}
}

func TestListenerAndPolicyLookup(t *testing.T) {
	lb := fullLB()
	l, i, ok := lb.Listener(443)
	if !ok || i != 1 || l.Protocol != "HTTPS" {
		t.Fatalf("Listener(443) = %+v, %d, %v", l, i, ok)
	}
	if _, i, ok := lb.Listener(8080); ok || i != -1 {
		t.Fatalf("Listener(8080) found by instance port: %d, %v", i, ok)
	}
	if p, ok := lb.Policy("ssl"); !ok || p.TypeName != "SSLNegotiationPolicyType" {
		t.Fatalf("Policy(ssl) = %+v, %v", p, ok)
	}
	if _, ok := lb.Policy("SSL"); ok {
		t.Fatal("policy names are case-sensitive")
	}
}

func TestListenerSecure(t *testing.T) {
	for proto, want := range map[string]bool{"HTTP": false, "HTTPS": true, "TCP": false, "SSL": true, "https": false} {
		if got := (model.Listener{Protocol: proto}).Secure(); got != want {
			t.Errorf("Secure(%s) = %v, want %v (protocols are stored upper-case)", proto, got, want)
		}
	}
}

func TestDefaultLimits(t *testing.T) {
	want := model.Limits{LoadBalancersPerAccount: 20, ListenersPerLoadBalancer: 100, InstancesPerLoadBalancer: 1000,
		PoliciesPerLoadBalancer: 100, TagsPerLoadBalancer: 50}
	if got := model.DefaultLimits(); got != want {
		t.Fatalf("DefaultLimits = %+v", got)
	}
}

func TestDescInstanceState(t *testing.T) {
	if got := model.DescInstanceState(model.InstanceStopped); got != "Instance is in stopped state." {
		t.Fatalf("DescInstanceState = %q", got)
	}
}
