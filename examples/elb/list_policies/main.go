// Command list_policies follows libcloud's ex_list_balancer_policies
// example (tutorial section 4): it lists a balancer's policies. It
// creates a balancer with one policy first and deletes it afterwards.
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
			Name: example.UniqueName("policies"), Port: 80, Protocol: "tcp", Algorithm: loadbalancer.RoundRobin,
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

		policies, err := driver.ListBalancerPolicies(ctx, b.Name)
		if err != nil {
			return err
		}
		fmt.Println(example.Balancer(b))
		fmt.Println("policies:", elb.PolicyNames(policies))
		return nil
	})
}
