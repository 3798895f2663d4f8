// Command create_policy follows section 4 of libcloud's ELB tutorial,
// "Creating Load Balancer Policy": it creates the EnableProxyProtocol
// policy with its ProxyProtocol=true attribute, which libcloud cannot
// send (its attribute loop crashes on Python 3 and mangles the keys).
// Proxy protocol is for TCP and SSL listeners, so the balancer listens on
// tcp.
package main

import (
	"context"
	"fmt"

	"github.com/elbd/elbd/examples/elb/internal/example"
	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func main() {
	example.Run(func(ctx context.Context, driver *elb.Driver, cleanup *example.Cleanup) error {
		b, err := driver.CreateBalancer(ctx, loadbalancer.CreateRequest{
			Name: example.UniqueName("policy"), Port: 80, Protocol: "tcp", Algorithm: loadbalancer.RoundRobin,
		})
		if err != nil {
			return err
		}
		cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })

		err = driver.CreateBalancerPolicy(ctx, b.Name, "EnableProxyProtocol", elb.ProxyProtocolPolicyType,
			elb.PolicyAttribute{Name: "ProxyProtocol", Value: "true"})
		if err != nil {
			return err
		}
		fmt.Println("created policy EnableProxyProtocol on", b.Name)

		policies, err := driver.ListBalancerPolicies(ctx, b.Name, "EnableProxyProtocol")
		if err != nil {
			return err
		}
		for _, p := range policies {
			fmt.Printf("policy %s (%s)", p.Name, p.Type)
			for _, a := range p.Attributes {
				fmt.Printf(" %s=%s", a.Name, a.Value)
			}
			fmt.Println()
		}
		return nil
	})
}
