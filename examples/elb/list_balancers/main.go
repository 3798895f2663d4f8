// Command list_balancers follows section 2 of libcloud's ELB tutorial,
// "Getting Existing Load Balancers". It creates one balancer first so
// that the list is not empty, and deletes it afterwards. ListBalancers
// follows every page (libcloud reads only the first) and reports each
// balancer's DNS name and port (libcloud reports None for both).
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
			Name: example.UniqueName("list"), Port: 80, Protocol: "http", Algorithm: loadbalancer.LeastConnections,
		})
		if err != nil {
			return err
		}
		cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })

		balancers, err := driver.ListBalancers(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("%d load balancers:\n", len(balancers))
		for _, b := range balancers {
			fmt.Println(example.Balancer(b))
		}
		return nil
	})
}
