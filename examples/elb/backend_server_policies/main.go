// Command backend_server_policies follows section 5 of libcloud's ELB
// tutorial, "Enable/Disable Policy on Backend server": it enables a
// policy on an instance port, then disables it by passing an empty list.
//
// libcloud's documented call (port=80) raises TypeError, and for an
// empty list it sends no PolicyNames at all; SetBalancerPoliciesBackendServer
// takes the instance port and sends "PolicyNames=" so the server clears
// the policies. ProxyProtocol is the policy ELB applies to back ends.
package main

import (
	"context"
	"fmt"

	"github.com/elbd/elbd/examples/elb/internal/example"
	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

const instancePort = 8080

func main() {
	example.Run(func(ctx context.Context, driver *elb.Driver, cleanup *example.Cleanup) error {
		b, err := driver.CreateBalancer(ctx, loadbalancer.CreateRequest{
			Name: example.UniqueName("backend"), Port: 80, Protocol: "tcp", MemberPort: instancePort,
			Algorithm: loadbalancer.RoundRobin, Members: example.Members(instancePort),
		})
		if err != nil {
			return err
		}
		cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })
		if err := driver.CreateBalancerPolicy(ctx, b.Name, "EnableProxyProtocol", elb.ProxyProtocolPolicyType,
			elb.PolicyAttribute{Name: "ProxyProtocol", Value: "true"}); err != nil {
			return err
		}

		if err := driver.SetBalancerPoliciesBackendServer(ctx, b.Name, instancePort, []string{"EnableProxyProtocol"}); err != nil {
			return err
		}
		if err := show(ctx, driver, b.Name, "enabled"); err != nil {
			return err
		}

		// To disable the policies, pass an empty list.
		if err := driver.SetBalancerPoliciesBackendServer(ctx, b.Name, instancePort, []string{}); err != nil {
			return err
		}
		return show(ctx, driver, b.Name, "disabled")
	})
}

// show prints the back-end policies of balancer name.
func show(ctx context.Context, driver *elb.Driver, name, what string) error {
	b, err := driver.GetBalancer(ctx, name)
	if err != nil {
		return err
	}
	backends := elb.DetailsOf(b).BackendServers
	if len(backends) == 0 {
		fmt.Printf("%s: no back-end server policies\n", what)
	}
	for _, s := range backends {
		fmt.Printf("%s: instance port %d policies %v\n", what, s.InstancePort, s.PolicyNames)
	}
	return nil
}
