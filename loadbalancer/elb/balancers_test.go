package elb_test

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// describePages serves page 1 without a Marker and page 2 with page 1's
// NextMarker.
func describePages(p url.Values) reply {
	switch p.Get("Marker") {
	case "":
		return reply{Status: 200, File: "describe_load_balancers_page1.xml"}
	case "d2ViLWxi":
		return reply{Status: 200, File: "describe_load_balancers_page2.xml"}
	}
	return errorReply(400, "ValidationError", "bad marker")
}

func TestListProtocolsAndAlgorithms(t *testing.T) {
	d := newFixtureServer(t, nil).driver()
	ps, err := d.ListProtocols(bg)
	if err != nil || !reflect.DeepEqual(ps, []string{"tcp", "ssl", "http", "https"}) {
		t.Errorf("ListProtocols = %v, %v", ps, err)
	}
	as, err := d.ListSupportedAlgorithms(bg)
	if err != nil || !reflect.DeepEqual(as, []loadbalancer.Algorithm{loadbalancer.LeastConnections, loadbalancer.RoundRobin}) {
		t.Errorf("ListSupportedAlgorithms = %v, %v", as, err)
	}
	if d.Name() != "Amazon Elastic Load Balancing" {
		t.Errorf("Name = %q", d.Name())
	}
	for _, tc := range []struct {
		proto string
		want  loadbalancer.Algorithm
		ok    bool
	}{{"http", loadbalancer.LeastConnections, true}, {"HTTPS", loadbalancer.LeastConnections, true},
		{"tcp", loadbalancer.RoundRobin, true}, {"ssl", loadbalancer.RoundRobin, true}, {"udp", 0, false}} {
		if got, ok := elb.AlgorithmFor(tc.proto); got != tc.want || ok != tc.ok {
			t.Errorf("AlgorithmFor(%q) = %v, %v", tc.proto, got, ok)
		}
	}
}

func TestListBalancersFollowsAllPages(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{"DescribeLoadBalancers": describePages})
	bs, err := f.driver().ListBalancers(bg)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); !reflect.DeepEqual(got, []string{"DescribeLoadBalancers", "DescribeLoadBalancers"}) {
		t.Fatalf("requests = %v, want two pages", got)
	}
	if m := f.requests()[1].Params.Get("Marker"); m != "d2ViLWxi" {
		t.Errorf("page 2 Marker = %q", m)
	}
	if len(bs) != 2 {
		t.Fatalf("got %d balancers, want 2", len(bs))
	}
	web, tcp := bs[0], bs[1]
	// libcloud reads DNSName and LoadBalancerPort from the wrong depth and
	// gets None for both; the driver must read them from the real shape.
	for _, tc := range []struct {
		b                          loadbalancer.Balancer
		name, addr, proto          string
		port, memberPort, nMembers int
	}{
		{web, "web-lb", "web-lb-1234567890.us-east-1.elb.amazonaws.com", "http", 80, 8080, 2},
		{tcp, "tcp-lb", "internal-tcp-lb-987654321.us-east-1.elb.amazonaws.com", "tcp", 5432, 5433, 0},
	} {
		b := tc.b
		if b.ID != tc.name || b.Name != tc.name || b.Address != tc.addr || b.Port != tc.port || b.Protocol != tc.proto || b.State != loadbalancer.StateRunning {
			t.Errorf("balancer = %+v, want %s at %s:%d/%s running", b, tc.name, tc.addr, tc.port, tc.proto)
		}
		if len(b.Members) != tc.nMembers {
			t.Errorf("%s: %d members, want %d", tc.name, len(b.Members), tc.nMembers)
		}
		for _, m := range b.Members {
			if m.Port != tc.memberPort {
				t.Errorf("%s: member %+v port, want %d", tc.name, m, tc.memberPort)
			}
		}
	}
	if web.Members[0].ID != "i-0123456789abcdef0" || web.Members[1].ID != "i-0fedcba9876543210" {
		t.Errorf("members = %+v", web.Members)
	}
	det := elb.DetailsOf(web)
	if det == nil {
		t.Fatal("no Details in Extra")
	}
	wantListeners := []elb.Listener{
		{Protocol: "http", LoadBalancerPort: 80, InstanceProtocol: "http", InstancePort: 8080, PolicyNames: []string{"web-sticky"}},
		{Protocol: "https", LoadBalancerPort: 443, InstanceProtocol: "http", InstancePort: 8080,
			SSLCertificateID: "arn:aws:iam::123456789012:server-certificate/web-cert", PolicyNames: []string{"ELBSecurityPolicy-2016-08"}},
	}
	if !reflect.DeepEqual(det.Listeners, wantListeners) {
		t.Errorf("listeners = %+v", det.Listeners)
	}
	if det.HealthCheck != (elb.HealthCheck{Target: "HTTP:8080/health", Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 3}) {
		t.Errorf("health check = %+v", det.HealthCheck)
	}
	if !reflect.DeepEqual(det.Policies.LBCookieStickiness, []elb.LBCookieStickinessPolicy{{PolicyName: "web-sticky", CookieExpirationPeriod: 60}}) ||
		!reflect.DeepEqual(det.Policies.Other, []string{"ELBSecurityPolicy-2016-08"}) || len(det.Policies.AppCookieStickiness) != 0 {
		t.Errorf("policies = %+v", det.Policies)
	}
	if !reflect.DeepEqual(det.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) || det.Scheme != "internet-facing" ||
		det.CanonicalHostedZoneNameID != "Z35SXDOTRQ7X7K" || det.SourceSecurityGroup.GroupName != "amazon-elb-sg" ||
		det.CreatedTime.IsZero() || det.Subnets == nil || len(det.Subnets) != 0 {
		t.Errorf("details = %+v", det)
	}
	tdet := elb.DetailsOf(tcp)
	if tdet.VPCID != "vpc-0a1b2c3d" || tdet.Scheme != "internal" || !reflect.DeepEqual(tdet.Subnets, []string{"subnet-0c000001"}) ||
		!reflect.DeepEqual(tdet.SecurityGroups, []string{"sg-0123456789abcdef0"}) ||
		!reflect.DeepEqual(tdet.BackendServers, []elb.BackendServer{{InstancePort: 5433, PolicyNames: []string{"tcp-proxy"}}}) ||
		tdet.SourceSecurityGroup.OwnerAlias != "123456789012" {
		t.Errorf("tcp-lb details = %+v", tdet)
	}
}

func TestGetBalancer(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"DescribeLoadBalancers": func(p url.Values) reply {
			if p.Get("LoadBalancerNames.member.1") == "missing" {
				return reply{Status: 400, File: "error_load_balancer_not_found.xml"}
			}
			return reply{Status: 200, File: "describe_load_balancers_page1.xml"}
		},
	})
	d := f.driver()
	b, err := d.GetBalancer(bg, "web-lb")
	if err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DescribeLoadBalancers"), map[string]string{"LoadBalancerNames.member.1": "web-lb", "Version": "2012-06-01"})
	if b.Address != "web-lb-1234567890.us-east-1.elb.amazonaws.com" || b.Port != 80 {
		t.Errorf("GetBalancer = %+v", b)
	}
	_, err = d.GetBalancer(bg, "missing")
	var pe *loadbalancer.ProviderError
	if !errors.Is(err, loadbalancer.ErrNotFound) || !errors.As(err, &pe) || pe.Code != "LoadBalancerNotFound" || pe.StatusCode != 400 ||
		pe.Op != "DescribeLoadBalancers" || pe.Message != "There is no ACTIVE Load Balancer named 'missing'" {
		t.Errorf("GetBalancer(missing) error = %#v", err)
	}
	// A balancer with another name in the reply is not the one asked for.
	if _, err := d.GetBalancer(bg, "other"); !errors.Is(err, loadbalancer.ErrNotFound) {
		t.Errorf("GetBalancer(other) error = %v, want ErrNotFound", err)
	}
	if _, err := d.GetBalancer(bg, ""); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("GetBalancer(\"\") error = %v", err)
	}
}

func TestCreateBalancer(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"CreateLoadBalancer":                file("create_load_balancer.xml"),
		"RegisterInstancesWithLoadBalancer": file("register_instances_with_load_balancer.xml"),
		"DescribeLoadBalancers":             file("describe_load_balancers_page1.xml"),
	})
	b, err := f.driver().CreateBalancer(bg, loadbalancer.CreateRequest{
		Name: "web-lb", Port: 80, Protocol: "http", MemberPort: 8080, Algorithm: loadbalancer.LeastConnections,
		Members: []loadbalancer.Member{{ID: "i-0123456789abcdef0", Port: 8080}, {ID: "i-0fedcba9876543210"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); !reflect.DeepEqual(got, []string{"CreateLoadBalancer", "RegisterInstancesWithLoadBalancer", "DescribeLoadBalancers"}) {
		t.Errorf("actions = %v", got)
	}
	create := f.last("CreateLoadBalancer")
	wantParams(t, create, map[string]string{
		"LoadBalancerName":                    "web-lb",
		"Listeners.member.1.Protocol":         "HTTP",
		"Listeners.member.1.LoadBalancerPort": "80",
		"Listeners.member.1.InstancePort":     "8080",
		"AvailabilityZones.member.1":          "us-east-1a",
	})
	noParamsWithPrefix(t, create, "Subnets")
	if create.Method != "POST" || !strings.Contains(create.Auth, "/us-east-1/elasticloadbalancing/aws4_request") {
		t.Errorf("request %s signed %q", create.Method, create.Auth)
	}
	wantParams(t, f.last("RegisterInstancesWithLoadBalancer"), map[string]string{
		"LoadBalancerName":              "web-lb",
		"Instances.member.1.InstanceId": "i-0123456789abcdef0",
		"Instances.member.2.InstanceId": "i-0fedcba9876543210",
	})
	if b.Name != "web-lb" || b.Address != "web-lb-1234567890.us-east-1.elb.amazonaws.com" || b.Port != 80 || b.State != loadbalancer.StateRunning || len(b.Members) != 2 {
		t.Errorf("CreateBalancer = %+v", b)
	}
}

func TestCreateBalancerValidation(t *testing.T) {
	f := newFixtureServer(t, nil)
	d := f.driver()
	for _, tc := range []struct {
		name string
		req  loadbalancer.CreateRequest
	}{
		{"zero algorithm (Random)", loadbalancer.CreateRequest{Name: "a"}},
		{"round robin on http", loadbalancer.CreateRequest{Name: "a", Protocol: "http", Algorithm: loadbalancer.RoundRobin}},
		{"least connections on tcp", loadbalancer.CreateRequest{Name: "a", Protocol: "tcp", Algorithm: loadbalancer.LeastConnections}},
		{"weighted", loadbalancer.CreateRequest{Name: "a", Protocol: "tcp", Algorithm: loadbalancer.WeightedRoundRobin}},
		{"udp", loadbalancer.CreateRequest{Name: "a", Protocol: "udp", Algorithm: loadbalancer.RoundRobin}},
		{"member port", loadbalancer.CreateRequest{Name: "a", Algorithm: loadbalancer.LeastConnections, MemberPort: 8080,
			Members: []loadbalancer.Member{{ID: "i-1", Port: 8000}}}},
		{"member port vs default", loadbalancer.CreateRequest{Name: "a", Algorithm: loadbalancer.LeastConnections,
			Members: []loadbalancer.Member{{IP: "192.168.88.1", Port: 8000}}}},
		{"member without id", loadbalancer.CreateRequest{Name: "a", Algorithm: loadbalancer.LeastConnections, Members: []loadbalancer.Member{{Port: 80}}}},
		{"port range", loadbalancer.CreateRequest{Name: "a", Algorithm: loadbalancer.LeastConnections, Port: 70000}},
		{"no name", loadbalancer.CreateRequest{Algorithm: loadbalancer.LeastConnections}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.CreateBalancer(bg, tc.req); !errors.Is(err, loadbalancer.ErrInvalidInput) {
				t.Errorf("error = %v, want ErrInvalidInput", err)
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input: %v", n, f.actions())
	}
}

func TestCreateBalancerDefaultsAndIPMembers(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"CreateLoadBalancer":    file("create_load_balancer.xml"),
		"DescribeLoadBalancers": file("describe_load_balancers_page2.xml"),
	})
	_, err := f.driver().CreateBalancer(bg, loadbalancer.CreateRequest{Name: "tcp-lb", Protocol: "TCP", Algorithm: loadbalancer.RoundRobin,
		Members: []loadbalancer.Member{{IP: "192.168.88.1", Port: 80}}})
	if err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("CreateLoadBalancer"), map[string]string{
		"Listeners.member.1.Protocol": "TCP", "Listeners.member.1.LoadBalancerPort": "80", "Listeners.member.1.InstancePort": "80",
	})
	wantParams(t, f.last("RegisterInstancesWithLoadBalancer"), map[string]string{"Instances.member.1.InstanceId": "192.168.88.1"})
}

func TestCreateBalancerRollsBackWhenRegisterFails(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"CreateLoadBalancer": file("create_load_balancer.xml"),
		"RegisterInstancesWithLoadBalancer": func(url.Values) reply {
			return errorReply(400, "InvalidInstance", "Could not find EC2 instance i-nope.")
		},
	})
	_, err := f.driver().CreateBalancer(bg, loadbalancer.CreateRequest{Name: "web-lb", Algorithm: loadbalancer.LeastConnections,
		Members: []loadbalancer.Member{{ID: "i-nope"}}})
	var pe *loadbalancer.ProviderError
	if !errors.As(err, &pe) || pe.Code != "InvalidInstance" || !errors.Is(err, loadbalancer.ErrNotFound) {
		t.Errorf("error = %v", err)
	}
	if got := f.actions(); !reflect.DeepEqual(got, []string{"CreateLoadBalancer", "RegisterInstancesWithLoadBalancer", "DeleteLoadBalancer"}) {
		t.Errorf("actions = %v, want the balancer deleted again", got)
	}
}

func TestCreateLoadBalancerSpec(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"CreateLoadBalancer":    file("create_load_balancer.xml"),
		"DescribeLoadBalancers": file("describe_load_balancers_page1.xml"),
	})
	_, err := f.driver().CreateLoadBalancer(bg, elb.LoadBalancerSpec{
		Name: "web-lb",
		Listeners: []elb.Listener{
			{Protocol: "http", LoadBalancerPort: 80, InstancePort: 8080},
			{Protocol: "https", LoadBalancerPort: 443, InstanceProtocol: "http", InstancePort: 8080, SSLCertificateID: "arn:aws:iam::123456789012:server-certificate/web-cert"},
		},
		Subnets: []string{"subnet-1", "subnet-2"}, SecurityGroups: []string{"sg-1"}, Scheme: "internal",
		Tags: map[string]string{"env": "prod", "app": "web"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last("CreateLoadBalancer")
	wantParams(t, r, map[string]string{
		"Listeners.member.2.Protocol":         "HTTPS",
		"Listeners.member.2.InstanceProtocol": "HTTP",
		"Listeners.member.2.SSLCertificateId": "arn:aws:iam::123456789012:server-certificate/web-cert",
		"Subnets.member.1":                    "subnet-1",
		"Subnets.member.2":                    "subnet-2",
		"SecurityGroups.member.1":             "sg-1",
		"Scheme":                              "internal",
		"Tags.member.1.Key":                   "app",
		"Tags.member.1.Value":                 "web",
		"Tags.member.2.Key":                   "env",
	})
	noParamsWithPrefix(t, r, "AvailabilityZones")
	noParamsWithPrefix(t, r, "Listeners.member.1.InstanceProtocol")
	if slices.Contains(f.actions(), "RegisterInstancesWithLoadBalancer") {
		t.Error("registered instances although none were given")
	}
}

func TestDestroyBalancer(t *testing.T) {
	f := newFixtureServer(t, nil)
	if err := f.driver().DestroyBalancer(bg, loadbalancer.Balancer{ID: "web-lb"}); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DeleteLoadBalancer"), map[string]string{"LoadBalancerName": "web-lb"})
	if err := f.driver().DestroyBalancer(bg, loadbalancer.Balancer{Name: "by-name"}); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DeleteLoadBalancer"), map[string]string{"LoadBalancerName": "by-name"})
	if err := f.driver().DestroyBalancer(bg, loadbalancer.Balancer{}); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("empty balancer: %v", err)
	}
}

func TestUpdateBalancerNotSupported(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{"DescribeLoadBalancers": file("describe_load_balancers_page1.xml")})
	d := f.driver()
	b := loadbalancer.Balancer{ID: "web-lb"}
	name := "renamed"
	if _, err := d.UpdateBalancer(bg, b, loadbalancer.UpdateRequest{Name: &name}); !errors.Is(err, loadbalancer.ErrNotSupported) {
		t.Errorf("rename error = %v", err)
	}
	rr := loadbalancer.RoundRobin
	if _, err := d.UpdateBalancer(bg, b, loadbalancer.UpdateRequest{Algorithm: &rr}); !errors.Is(err, loadbalancer.ErrNotSupported) {
		t.Errorf("algorithm error = %v", err)
	}
	lc := loadbalancer.LeastConnections
	if got, err := d.UpdateBalancer(bg, b, loadbalancer.UpdateRequest{Algorithm: &lc}); err != nil || got.Port != 80 {
		t.Errorf("no-op algorithm update = %+v, %v", got, err)
	}
	for _, a := range f.actions() {
		if a != "DescribeLoadBalancers" {
			t.Errorf("unexpected %s", a)
		}
	}
}

func TestUpdateBalancerReplacesListener(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{"DescribeLoadBalancers": file("describe_load_balancers_page1.xml")})
	port := 8081
	if _, err := f.driver().UpdateBalancer(bg, loadbalancer.Balancer{ID: "web-lb"}, loadbalancer.UpdateRequest{Port: &port}); err != nil {
		t.Fatal(err)
	}
	want := []string{"DescribeLoadBalancers", "CreateLoadBalancerListeners", "DeleteLoadBalancerListeners", "DescribeLoadBalancers"}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	wantParams(t, f.last("CreateLoadBalancerListeners"), map[string]string{
		"Listeners.member.1.LoadBalancerPort": "8081", "Listeners.member.1.InstancePort": "8080",
		"Listeners.member.1.Protocol": "HTTP", "Listeners.member.1.InstanceProtocol": "HTTP",
	})
	wantParams(t, f.last("DeleteLoadBalancerListeners"), map[string]string{"LoadBalancerPorts.member.1": "80"})
}

func TestUpdateBalancerProtocolRestoresListenerOnFailure(t *testing.T) {
	creates := 0
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"DescribeLoadBalancers": file("describe_load_balancers_page1.xml"),
		"CreateLoadBalancerListeners": func(url.Values) reply {
			creates++
			if creates == 1 {
				return errorReply(400, "ValidationError", "Secure Listeners need to specify a SSLCertificateId")
			}
			return emptyResult("CreateLoadBalancerListeners")
		},
	})
	proto := "ssl"
	_, err := f.driver().UpdateBalancer(bg, loadbalancer.Balancer{ID: "web-lb"}, loadbalancer.UpdateRequest{Protocol: &proto})
	if !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("error = %v", err)
	}
	want := []string{"DescribeLoadBalancers", "DeleteLoadBalancerListeners", "CreateLoadBalancerListeners", "CreateLoadBalancerListeners"}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	rs := f.requests()
	wantParams(t, rs[2], map[string]string{"Listeners.member.1.Protocol": "SSL", "Listeners.member.1.InstanceProtocol": "TCP", "Listeners.member.1.LoadBalancerPort": "80"})
	wantParams(t, rs[3], map[string]string{"Listeners.member.1.Protocol": "HTTP", "Listeners.member.1.InstanceProtocol": "HTTP", "Listeners.member.1.InstancePort": "8080"})
}
