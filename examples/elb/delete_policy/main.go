// Command delete_policy follows libcloud's ex_delete_balancer_policy
// example (tutorial section 4): it creates a balancer and the
// EnableProxyProtocol policy, deletes the policy and shows it is gone.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/elbd/elbd/examples/elb/internal/example"
	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func main() {
	example.Run(func(ctx context.Context, driver *elb.Driver, cleanup *example.Cleanup) error {
		b, err := driver.CreateBalancer(ctx, loadbalancer.CreateRequest{
			Name: example.UniqueName("delpolicy"), Port: 80, Protocol: "tcp", Algorithm: loadbalancer.RoundRobin,
		})
		if err != nil {
			return err
		}
		cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })
		if err := driver.CreateBalancerPolicy(ctx, b.Name, "EnableProxyProtocol", elb.ProxyProtocolPolicyType,
			elb.PolicyAttribute{Name: "ProxyProtocol", Value: "true"}); err != nil {
			return err
		}

		if err := driver.DeleteBalancerPolicy(ctx, b.Name, "EnableProxyProtocol"); err != nil {
			return err
		}
		fmt.Println("deleted policy EnableProxyProtocol from", b.Name)

		_, err = driver.ListBalancerPolicies(ctx, b.Name, "EnableProxyProtocol")
		if !errors.Is(err, loadbalancer.ErrNotFound) {
			return fmt.Errorf("policy still there? %v", err)
		}
		fmt.Println("policy EnableProxyProtocol is gone:", err)
		return nil
	})
}
