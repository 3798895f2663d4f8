// Command listener_policies follows the second half of section 6 of
// libcloud's ELB tutorial: it enables the MyDurationStickyPolicy
// stickiness policy on the port-80 listener, then disables it again with
// an empty list.
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
			Name: example.UniqueName("lpolicies"), Port: 80, Protocol: "http", Algorithm: loadbalancer.LeastConnections,
		})
		if err != nil {
			return err
		}
		cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })

		// A cookie that expires after 60 seconds.
		if err := driver.CreateLBCookieStickinessPolicy(ctx, b.Name, "MyDurationStickyPolicy", 60); err != nil {
			return err
		}
		if err := driver.SetBalancerPoliciesListener(ctx, b.Name, 80, []string{"MyDurationStickyPolicy"}); err != nil {
			return err
		}
		if err := show(ctx, driver, b.Name, "enabled"); err != nil {
			return err
		}
		if err := driver.SetBalancerPoliciesListener(ctx, b.Name, 80, []string{}); err != nil {
			return err
		}
		return show(ctx, driver, b.Name, "disabled")
	})
}

func show(ctx context.Context, driver *elb.Driver, name, what string) error {
	b, err := driver.GetBalancer(ctx, name)
	if err != nil {
		return err
	}
	for _, l := range elb.DetailsOf(b).Listeners {
		fmt.Printf("%s: listener %d policies %v\n", what, l.LoadBalancerPort, l.PolicyNames)
	}
	return nil
}
