package elb_test

import (
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func membersServer(t *testing.T) *fixtureServer {
	return newFixtureServer(t, map[string]func(url.Values) reply{
		"DescribeLoadBalancers":             file("describe_load_balancers_page1.xml"),
		"DescribeInstanceHealth":            file("describe_instance_health.xml"),
		"RegisterInstancesWithLoadBalancer": file("register_instances_with_load_balancer.xml"),
		"DeregisterInstancesFromLoadBalancer": func(p url.Values) reply {
			if p.Get("Instances.member.1.InstanceId") == "i-unknown" {
				return errorReply(400, "InvalidInstance", "Could not find EC2 instance i-unknown.")
			}
			return emptyResult("DeregisterInstancesFromLoadBalancer")
		},
	})
}

func TestListMembersWithHealth(t *testing.T) {
	f := membersServer(t)
	ms, err := f.driver().ListMembers(bg, loadbalancer.Balancer{ID: "web-lb", Members: []loadbalancer.Member{{ID: "stale"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); !reflect.DeepEqual(got, []string{"DescribeLoadBalancers", "DescribeInstanceHealth"}) {
		t.Errorf("actions = %v", got)
	}
	if len(ms) != 2 || ms[0].ID != "i-0123456789abcdef0" || ms[0].Port != 8080 || ms[1].ID != "i-0fedcba9876543210" {
		t.Fatalf("members = %+v", ms)
	}
	h0, h1 := elb.HealthOf(ms[0]), elb.HealthOf(ms[1])
	if h0 == nil || h0.State != elb.InService || h1 == nil || h1.State != elb.OutOfService || h1.ReasonCode != "Instance" {
		t.Errorf("health = %+v, %+v", h0, h1)
	}
}

func TestDescribeInstanceHealth(t *testing.T) {
	f := membersServer(t)
	hs, err := f.driver().DescribeInstanceHealth(bg, "web-lb", "i-0123456789abcdef0", "i-0fedcba9876543210")
	if err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DescribeInstanceHealth"), map[string]string{
		"LoadBalancerName": "web-lb", "Instances.member.1.InstanceId": "i-0123456789abcdef0", "Instances.member.2.InstanceId": "i-0fedcba9876543210",
	})
	want := []elb.InstanceHealth{
		{InstanceID: "i-0123456789abcdef0", State: "InService", ReasonCode: "N/A", Description: "N/A"},
		{InstanceID: "i-0fedcba9876543210", State: "OutOfService", ReasonCode: "Instance", Description: "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."},
	}
	if !reflect.DeepEqual(hs, want) {
		t.Errorf("health = %+v", hs)
	}
	if s := hs[0].String(); s != "i-0123456789abcdef0 InService" {
		t.Errorf("String = %q", s)
	}
	if s := hs[1].String(); s != "i-0fedcba9876543210 OutOfService (Instance has failed at least the UnhealthyThreshold number of health checks consecutively.)" {
		t.Errorf("String = %q", s)
	}
}

func TestAttachMember(t *testing.T) {
	for _, tc := range []struct {
		name    string
		member  loadbalancer.Member
		wantID  string
		wantErr error
	}{
		{"instance id", loadbalancer.Member{ID: "i-0abc"}, "i-0abc", nil},
		{"instance port", loadbalancer.Member{ID: "i-0abc", Port: 8080}, "i-0abc", nil},
		{"ip only", loadbalancer.Member{IP: "10.0.0.5"}, "10.0.0.5", nil},
		{"wrong port", loadbalancer.Member{ID: "i-0abc", Port: 8000}, "", loadbalancer.ErrInvalidInput},
		{"empty", loadbalancer.Member{}, "", loadbalancer.ErrInvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := membersServer(t)
			m, err := f.driver().AttachMember(bg, loadbalancer.Balancer{ID: "web-lb"}, tc.member)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("error = %v, want %v", err, tc.wantErr)
				}
				for _, a := range f.actions() {
					if a == "RegisterInstancesWithLoadBalancer" {
						t.Error("registered despite invalid member")
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantParams(t, f.last("RegisterInstancesWithLoadBalancer"), map[string]string{"LoadBalancerName": "web-lb", "Instances.member.1.InstanceId": tc.wantID})
			if m.ID != tc.wantID || m.Port != 8080 {
				t.Errorf("member = %+v", m)
			}
		})
	}
}

func TestAttachComputeNode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		node   loadbalancer.Node
		wantID string
	}{
		{"id", loadbalancer.Node{ID: "i-0abc", PublicIPs: []string{"203.0.113.9"}}, "i-0abc"},
		{"public ip", loadbalancer.Node{PublicIPs: []string{"203.0.113.9"}, PrivateIPs: []string{"10.0.0.9"}}, "203.0.113.9"},
		{"private ip", loadbalancer.Node{PrivateIPs: []string{"10.0.0.9"}}, "10.0.0.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := membersServer(t)
			m, err := f.driver().AttachComputeNode(bg, loadbalancer.Balancer{ID: "web-lb"}, tc.node)
			if err != nil {
				t.Fatal(err)
			}
			wantParams(t, f.last("RegisterInstancesWithLoadBalancer"), map[string]string{"Instances.member.1.InstanceId": tc.wantID})
			if m.ID != tc.wantID || m.Port != 8080 {
				t.Errorf("member = %+v (libcloud returns None)", m)
			}
		})
	}
	f := membersServer(t)
	if _, err := f.driver().AttachComputeNode(bg, loadbalancer.Balancer{ID: "web-lb"}, loadbalancer.Node{Name: "bare"}); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("node without id or ip: %v", err)
	}
}

func TestDetachMember(t *testing.T) {
	f := membersServer(t)
	d := f.driver()
	if err := d.DetachMember(bg, loadbalancer.Balancer{ID: "web-lb"}, loadbalancer.Member{ID: "i-0123456789abcdef0"}); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DeregisterInstancesFromLoadBalancer"), map[string]string{"LoadBalancerName": "web-lb", "Instances.member.1.InstanceId": "i-0123456789abcdef0"})
	err := d.DetachMember(bg, loadbalancer.Balancer{ID: "web-lb"}, loadbalancer.Member{ID: "i-unknown"})
	if !errors.Is(err, loadbalancer.ErrNotFound) {
		t.Errorf("detach unknown: %v, want ErrNotFound", err)
	}
}
