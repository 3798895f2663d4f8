package elb_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func TestListeners(t *testing.T) {
	f := newFixtureServer(t, nil)
	d := f.driver()
	cert := "arn:aws:iam::123456789012:server-certificate/servercert"
	// The libcloud tutorial's listener, which libcloud never sends.
	if err := d.CreateBalancerListeners(bg, "web-lb", elb.Listener{Protocol: "https", LoadBalancerPort: 1024, InstancePort: 65533, SSLCertificateID: cert},
		elb.Listener{Protocol: "tcp", LoadBalancerPort: 2000, InstanceProtocol: "tcp", InstancePort: 2001}); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("CreateLoadBalancerListeners"), map[string]string{
		"LoadBalancerName":                    "web-lb",
		"Listeners.member.1.Protocol":         "HTTPS",
		"Listeners.member.1.LoadBalancerPort": "1024",
		"Listeners.member.1.InstancePort":     "65533",
		"Listeners.member.1.SSLCertificateId": cert,
		"Listeners.member.2.Protocol":         "TCP",
		"Listeners.member.2.InstanceProtocol": "TCP",
	})
	if err := d.DeleteBalancerListeners(bg, "web-lb", 1024, 2000); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("DeleteLoadBalancerListeners"), map[string]string{"LoadBalancerPorts.member.1": "1024", "LoadBalancerPorts.member.2": "2000"})
	if err := d.SetListenerCertificate(bg, "web-lb", 443, cert); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("SetLoadBalancerListenerSSLCertificate"), map[string]string{"LoadBalancerPort": "443", "SSLCertificateId": cert})
	if err := d.CreateBalancerListeners(bg, "web-lb"); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("no listeners: %v", err)
	}
	if err := d.DeleteBalancerListeners(bg, "web-lb"); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("no ports: %v", err)
	}
}

func TestConfigureHealthCheck(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"ConfigureHealthCheck": func(p url.Values) reply {
			return reply{Status: 200, Body: `<ConfigureHealthCheckResponse xmlns="` + elbNS + `"><ConfigureHealthCheckResult><HealthCheck>
<Interval>30</Interval><Target>HTTP:80/index.html</Target><HealthyThreshold>10</HealthyThreshold><Timeout>5</Timeout><UnhealthyThreshold>2</UnhealthyThreshold>
</HealthCheck></ConfigureHealthCheckResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ConfigureHealthCheckResponse>`}
		},
	})
	want := elb.HealthCheck{Target: elb.HealthTarget("http", 80, "index.html"), Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10}
	got, err := f.driver().ConfigureHealthCheck(bg, "web-lb", want)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("health check = %+v, want %+v", got, want)
	}
	wantParams(t, f.last("ConfigureHealthCheck"), map[string]string{
		"HealthCheck.Target": "HTTP:80/index.html", "HealthCheck.Interval": "30", "HealthCheck.Timeout": "5",
		"HealthCheck.UnhealthyThreshold": "2", "HealthCheck.HealthyThreshold": "10",
	})
	if s := elb.HealthTarget("tcp", 22, "/ignored"); s != "TCP:22" {
		t.Errorf("HealthTarget(tcp) = %q", s)
	}
}

func TestAttributes(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{"DescribeLoadBalancerAttributes": file("describe_load_balancer_attributes.xml")})
	d := f.driver()
	a, err := d.GetAttributes(bg, "web-lb")
	if err != nil {
		t.Fatal(err)
	}
	want := elb.Attributes{
		CrossZoneLoadBalancing: true,
		ConnectionDraining:     elb.ConnectionDraining{Enabled: false, Timeout: 300},
		IdleTimeout:            120,
		AccessLog:              elb.AccessLog{Enabled: true, S3BucketName: "my-logs", S3BucketPrefix: "web", EmitInterval: 5},
		DesyncMitigationMode:   "strictest",
		Additional:             map[string]string{},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("attributes = %+v", a)
	}
	on, idle, mode := true, 90, elb.DesyncDefensive
	if _, err := d.ModifyAttributes(bg, "web-lb", elb.AttributesUpdate{
		CrossZoneLoadBalancing: &on, ConnectionDraining: &elb.ConnectionDraining{Enabled: true, Timeout: 60},
		IdleTimeout: &idle, AccessLog: &elb.AccessLog{Enabled: true, S3BucketName: "b", EmitInterval: 60}, DesyncMitigationMode: &mode,
	}); err != nil {
		t.Fatal(err)
	}
	r := f.last("ModifyLoadBalancerAttributes")
	wantParams(t, r, map[string]string{
		"LoadBalancerAttributes.CrossZoneLoadBalancing.Enabled":      "true",
		"LoadBalancerAttributes.ConnectionDraining.Enabled":          "true",
		"LoadBalancerAttributes.ConnectionDraining.Timeout":          "60",
		"LoadBalancerAttributes.ConnectionSettings.IdleTimeout":      "90",
		"LoadBalancerAttributes.AccessLog.Enabled":                   "true",
		"LoadBalancerAttributes.AccessLog.S3BucketName":              "b",
		"LoadBalancerAttributes.AccessLog.EmitInterval":              "60",
		"LoadBalancerAttributes.AdditionalAttributes.member.1.Key":   "elb.http.desyncmitigationmode",
		"LoadBalancerAttributes.AdditionalAttributes.member.1.Value": "defensive",
	})
	noParamsWithPrefix(t, r, "LoadBalancerAttributes.AccessLog.S3BucketPrefix")
	if got := f.actions(); got[len(got)-1] != "DescribeLoadBalancerAttributes" {
		t.Errorf("ModifyAttributes did not re-read: %v", got)
	}
	if _, err := d.ModifyAttributes(bg, "web-lb", elb.AttributesUpdate{}); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("empty update: %v", err)
	}
}

func TestZonesSubnetsSecurityGroups(t *testing.T) {
	list := func(action, elem string, items ...string) func(url.Values) reply {
		return func(url.Values) reply {
			var b strings.Builder
			for _, it := range items {
				b.WriteString("<member>" + it + "</member>")
			}
			return reply{Status: 200, Body: "<" + action + "Response xmlns=\"" + elbNS + "\"><" + action + "Result><" + elem + ">" + b.String() +
				"</" + elem + "></" + action + "Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></" + action + "Response>"}
		}
	}
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"EnableAvailabilityZonesForLoadBalancer":  list("EnableAvailabilityZonesForLoadBalancer", "AvailabilityZones", "us-east-1a", "us-east-1b"),
		"DisableAvailabilityZonesForLoadBalancer": list("DisableAvailabilityZonesForLoadBalancer", "AvailabilityZones", "us-east-1a"),
		"AttachLoadBalancerToSubnets":             list("AttachLoadBalancerToSubnets", "Subnets", "subnet-1", "subnet-2"),
		"DetachLoadBalancerFromSubnets":           list("DetachLoadBalancerFromSubnets", "Subnets", "subnet-1"),
		"ApplySecurityGroupsToLoadBalancer":       list("ApplySecurityGroupsToLoadBalancer", "SecurityGroups", "sg-1"),
	})
	d := f.driver()
	for _, tc := range []struct {
		action, key, arg string
		call             func() ([]string, error)
		want             []string
	}{
		{"EnableAvailabilityZonesForLoadBalancer", "AvailabilityZones.member.1", "us-east-1b", func() ([]string, error) { return d.EnableZones(bg, "web-lb", "us-east-1b") }, []string{"us-east-1a", "us-east-1b"}},
		{"DisableAvailabilityZonesForLoadBalancer", "AvailabilityZones.member.1", "us-east-1b", func() ([]string, error) { return d.DisableZones(bg, "web-lb", "us-east-1b") }, []string{"us-east-1a"}},
		{"AttachLoadBalancerToSubnets", "Subnets.member.1", "subnet-2", func() ([]string, error) { return d.AttachSubnets(bg, "web-lb", "subnet-2") }, []string{"subnet-1", "subnet-2"}},
		{"DetachLoadBalancerFromSubnets", "Subnets.member.1", "subnet-2", func() ([]string, error) { return d.DetachSubnets(bg, "web-lb", "subnet-2") }, []string{"subnet-1"}},
		{"ApplySecurityGroupsToLoadBalancer", "SecurityGroups.member.1", "sg-1", func() ([]string, error) { return d.ApplySecurityGroups(bg, "web-lb", "sg-1") }, []string{"sg-1"}},
	} {
		got, err := tc.call()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s = %v, %v; want %v", tc.action, got, err, tc.want)
		}
		wantParams(t, f.last(tc.action), map[string]string{"LoadBalancerName": "web-lb", tc.key: tc.arg})
	}
	for name, call := range map[string]func() ([]string, error){
		"EnableZones": func() ([]string, error) { return d.EnableZones(bg, "x") }, "DisableZones": func() ([]string, error) { return d.DisableZones(bg, "x") },
		"AttachSubnets": func() ([]string, error) { return d.AttachSubnets(bg, "x") }, "DetachSubnets": func() ([]string, error) { return d.DetachSubnets(bg, "x") },
		"ApplySecurityGroups": func() ([]string, error) { return d.ApplySecurityGroups(bg, "x") },
	} {
		if _, err := call(); !errors.Is(err, loadbalancer.ErrInvalidInput) {
			t.Errorf("%s with nothing: %v", name, err)
		}
	}
}

func TestTags(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"DescribeTags":          file("describe_tags.xml"),
		"DescribeLoadBalancers": describePages,
	})
	d := f.driver()
	tags, err := d.ListTags(bg, "web-lb")
	if err != nil || !reflect.DeepEqual(tags, map[string]string{"project": "lima", "env": "prod"}) {
		t.Errorf("ListTags = %v, %v", tags, err)
	}
	wantParams(t, f.last("DescribeTags"), map[string]string{"LoadBalancerNames.member.1": "web-lb"})
	bs, err := d.ListBalancersWithTags(bg)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last("DescribeTags")
	wantParams(t, r, map[string]string{"LoadBalancerNames.member.1": "web-lb", "LoadBalancerNames.member.2": "tcp-lb"})
	if n := strings.Count(strings.Join(f.actions(), " "), "DescribeTags"); n != 2 {
		t.Errorf("%d DescribeTags requests, want 1 for ListTags + 1 for both balancers", n)
	}
	if got := elb.DetailsOf(bs[1]).Tags; !reflect.DeepEqual(got, map[string]string{"role": "db"}) {
		t.Errorf("tcp-lb tags = %v", got)
	}
	if err := d.AddTags(bg, "web-lb", map[string]string{"env": "prod", "team": "edge"}); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("AddTags"), map[string]string{"LoadBalancerNames.member.1": "web-lb", "Tags.member.1.Key": "env", "Tags.member.1.Value": "prod", "Tags.member.2.Key": "team"})
	if err := d.RemoveTags(bg, "web-lb", "env", "team"); err != nil {
		t.Fatal(err)
	}
	wantParams(t, f.last("RemoveTags"), map[string]string{"Tags.member.1.Key": "env", "Tags.member.2.Key": "team"})
	if err := d.AddTags(bg, "web-lb", nil); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("AddTags(nil): %v", err)
	}
	if err := d.RemoveTags(bg, "web-lb"); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("RemoveTags(): %v", err)
	}
	b, err := d.GetBalancerWithTags(bg, "web-lb")
	if err != nil || elb.DetailsOf(b).Tags["project"] != "lima" {
		t.Errorf("GetBalancerWithTags = %+v, %v", b, err)
	}
}

func TestCertificates(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"ListServerCertificates": func(p url.Values) reply {
			if p.Get("Marker") == "Y2VydC0y" {
				return reply{Status: 200, File: "iam_list_server_certificates_page2.xml"}
			}
			return reply{Status: 200, File: "iam_list_server_certificates_page1.xml"}
		},
		"GetServerCertificate": func(url.Values) reply { return reply{Status: 404, File: "iam_error_no_such_entity.xml"} },
	})
	d := f.driver()
	cs, err := d.ListCertificates(bg, "/company/")
	if err != nil {
		t.Fatal(err)
	}
	rs := f.requests()
	if len(rs) != 2 || rs[0].Params.Get("PathPrefix") != "/company/" || rs[1].Params.Get("Marker") != "Y2VydC0y" || rs[0].Params.Get("Version") != "2010-05-08" {
		t.Fatalf("requests = %+v", rs)
	}
	if !strings.Contains(rs[0].Auth, "/iam/aws4_request") {
		t.Errorf("IAM request signed %q", rs[0].Auth)
	}
	if len(cs) != 2 || cs[0].Name != "web-cert" || cs[1].Name != "api-cert" ||
		cs[0].ARN != "arn:aws:iam::123456789012:server-certificate/company/servercerts/web-cert" || cs[0].ID != "ASCACKCEVSQ6C2EXAMPLE" ||
		cs[0].Path != "/company/servercerts/" || cs[0].UploadDate.Year() != 2025 || cs[0].Expiration.Year() != 2026 {
		t.Errorf("certificates = %+v", cs)
	}
	_, err = d.GetCertificate(bg, "missing-cert")
	var pe *loadbalancer.ProviderError
	if !errors.Is(err, loadbalancer.ErrNotFound) || !errors.As(err, &pe) || pe.Code != "NoSuchEntity" || pe.StatusCode != 404 {
		t.Errorf("GetCertificate(missing) = %#v", err)
	}
	if _, err := d.UploadCertificate(bg, elb.CertificateUpload{Name: "x"}); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("UploadCertificate without body: %v", err)
	}
}

func TestDescribeAccountLimitsFollowsPages(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"DescribeAccountLimits": func(p url.Values) reply {
			if p.Get("Marker") == "bGltaXRzLTI=" {
				return reply{Status: 200, File: "describe_account_limits_page2.xml"}
			}
			return reply{Status: 200, File: "describe_account_limits_page1.xml"}
		},
	})
	ls, err := f.driver().DescribeAccountLimits(bg)
	if err != nil {
		t.Fatal(err)
	}
	want := []elb.Limit{{Name: "classic-load-balancers", Max: "20"}, {Name: "classic-listeners", Max: "100"}, {Name: "classic-registered-instances", Max: "1000"}}
	if !reflect.DeepEqual(ls, want) || len(f.requests()) != 2 {
		t.Errorf("limits = %+v after %d requests", ls, len(f.requests()))
	}
}

func TestAuthErrors(t *testing.T) {
	f := newFixtureServer(t, map[string]func(url.Values) reply{
		"DescribeLoadBalancers": func(url.Values) reply { return reply{Status: 403, File: "error_signature_does_not_match.xml"} },
	})
	_, err := f.driver().ListBalancers(bg)
	var pe *loadbalancer.ProviderError
	if !errors.Is(err, loadbalancer.ErrAuth) || !errors.As(err, &pe) || pe.Code != "SignatureDoesNotMatch" || pe.StatusCode != http.StatusForbidden {
		t.Errorf("error = %#v", err)
	}
}

func TestInventoryUnit(t *testing.T) {
	var gotAuth, gotMethod, gotPath, gotBody string
	f := newFixtureServer(t, nil)
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotMethod, gotPath = r.Header.Get("Authorization"), r.Method, r.URL.Path
		body, _ := io.ReadAll(r.Body)
		gotBody = string(body)
		switch r.Method {
		case http.MethodGet:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":"InvalidInstance","message":"Could not find instance i-x."}`))
		case http.MethodPut:
			w.Write([]byte(`{"id":"i-new","zone":"us-east-1a","ipv4":"127.0.0.9","state":"running","source":"api"}`))
		}
	})
	d := f.driver()
	in, err := d.PutInventoryInstance(bg, elb.InventoryInstance{ID: "i-new", Zone: "us-east-1a", IPv4: "127.0.0.9"})
	if err != nil || in.Source != "api" || in.IPv4 != "127.0.0.9" {
		t.Errorf("Put = %+v, %v", in, err)
	}
	if gotMethod != http.MethodPut || gotPath != "/admin/v1/instances/i-new" || !strings.Contains(gotAuth, "/us-east-1/elbd/aws4_request") ||
		!strings.Contains(gotBody, `"ipv4":"127.0.0.9"`) {
		t.Errorf("request %s %s auth %q body %q", gotMethod, gotPath, gotAuth, gotBody)
	}
	_, err = d.GetInventoryInstance(bg, "i-x")
	var pe *loadbalancer.ProviderError
	if !errors.Is(err, loadbalancer.ErrNotFound) || !errors.As(err, &pe) || pe.Code != "InvalidInstance" || pe.StatusCode != 404 {
		t.Errorf("Get(i-x) = %#v", err)
	}
	// Without an endpoint (AWS) the admin API does not exist.
	onAWS := elb.NewFromConfig(awsConfigForTest(), "")
	if _, err := onAWS.ListInventory(bg); !errors.Is(err, loadbalancer.ErrNotSupported) {
		t.Errorf("ListInventory on AWS: %v", err)
	}
}
