package controller_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/elbdtest"
)

// TestDataplaneSecurityGroups: the security groups of a VPC load balancer
// decide, before elbd reads a byte, which connections its listeners take;
// ApplySecurityGroupsToLoadBalancer changes that for new connections as
// soon as the change is applied, while established connections carry on.
func TestDataplaneSecurityGroups(t *testing.T) {
	ports := newPortSeq()
	high := ports.take() // outside the web group's 80-443
	// Groups beyond the topology's web and default ones: the config file
	// declares them, so elbd starts with the topology plus these.
	groups := fmt.Sprintf(`security_groups:
  - id: sg-0high00001
    name: high
    vpc: vpc-0test0001
    ingress: [{protocol: tcp, from_port: %d, to_port: %d, cidrs: [127.0.0.0/8]}]
  - id: sg-0ten000001
    name: ten
    vpc: vpc-0test0001
    ingress: [{protocol: tcp, from_port: 0, to_port: 65535, cidrs: [10.0.0.0/8]}]
  - id: sg-0udp000001
    name: udp
    vpc: vpc-0test0001
    ingress: [{protocol: udp, from_port: 0, to_port: 65535, cidrs: [0.0.0.0/0]}]
  - id: sg-0any000001
    name: any
    vpc: vpc-0test0001
    ingress: [{protocol: "-1", from_port: 0, to_port: 0, cidrs: [127.0.0.1/32]}]
`, high, high)
	if strings.Count(elbdtest.ConfigYAML, "security_groups:\n") != 1 {
		t.Fatal("elbdtest.ConfigYAML no longer has one security_groups: line")
	}
	cfg := filepath.Join(t.TempDir(), "sg.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(elbdtest.ConfigYAML, "security_groups:\n", groups, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	h := dpStart(t, "", elbdtest.WithArgs("--config", cfg))

	port := dpCommonPort(t, "127.0.1.1")
	be := dpHTTPBackend(t, "a", at127(1, port))
	listeners := []types.Listener{dpListener("HTTP", high, port)}
	// Port 80 (inside the web group's range) needs privileges to bind.
	root := os.Geteuid() == 0
	if root {
		listeners = append(listeners, dpListener("HTTP", 80, port))
	} else {
		t.Log("not root: no listener on port 80, so the web group's allowed range is not exercised")
	}
	h.create(&elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("walled"),
		Listeners:        listeners,
		Subnets:          []string{elbdtest.SubnetA},
		SecurityGroups:   []string{elbdtest.GroupWeb},
	})
	h.register("walled", elbdtest.InstanceA)
	h.applied()
	node := h.lb("walled").node(t, "us-east-1a")
	addr := at(node, high)

	refused := func(why string) {
		t.Helper()
		before := be.hits.Load()
		if err := dpResetBeforeRead(addr); err != nil {
			t.Errorf("%s: %v", why, err)
		}
		// A client that sends its request at once gets no response and
		// the request reaches no instance.
		if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
			r := &dpRaw{c: c, br: bufio.NewReader(c)}
			if resp, _, err := r.do("GET /refused HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
				t.Errorf("%s: got %s", why, resp.Status)
			}
			c.Close()
		} else if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%s: dial: %v", why, err)
		}
		if be.hits.Load() != before {
			t.Errorf("%s: a refused connection's request reached the instance", why)
		}
	}
	served := func(why string) *dpRaw {
		t.Helper()
		r := dpDial(t, addr)
		if resp, body, err := r.do("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil || resp.StatusCode != 200 || body != "a" {
			t.Fatalf("%s: %v %q, %v; want 200 from the instance", why, resp, body, err)
		}
		return r
	}
	apply := func(ids ...string) {
		t.Helper()
		_, err := h.c.ApplySecurityGroupsToLoadBalancer(h.ctx, &elbsdk.ApplySecurityGroupsToLoadBalancerInput{
			LoadBalancerName: aws.String("walled"), SecurityGroups: ids})
		h.must(err)
		h.applied()
	}

	refused("web group (tcp 80-443) on a high port")
	if root {
		if code, body, err := dpGet(fmt.Sprintf("http://%s/", at(node, 80))); err != nil || code != 200 || body != "a" {
			t.Errorf("web group on port 80: %d %q, %v; want 200", code, body, err)
		}
	}

	apply("sg-0high00001")
	established := served("group opening the high port to 127.0.0.0/8")

	apply("sg-0ten000001")
	refused("group opening every port to 10.0.0.0/8 only")
	// Connection tracking, as in EC2: the connection accepted under the
	// old groups carries on.
	if resp, _, err := established.do("GET /still HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil || resp.StatusCode != 200 {
		t.Errorf("established keep-alive connection after the groups changed: %v, %v; want 200", resp, err)
	}

	apply("sg-0udp000001")
	refused("group with a UDP rule only")

	apply("sg-0any000001")
	served(`group with a protocol "-1" rule from 127.0.0.1/32`)

	apply(elbdtest.GroupDefault, elbdtest.GroupWeb)
	refused("default and web groups")

	apply(elbdtest.GroupDefault, "sg-0high00001")
	served("default group plus the high-port group (rules are a union)")
}
