// Command create_balancer follows section 3 of libcloud's ELB tutorial,
// "Creating New Load Balancers".
//
// Unlike libcloud, CreateBalancer registers the members and honours the
// member port. ELB registers instances, not addresses and ports, so the
// members are instance ids (from ELBD_EXAMPLE_INSTANCES; elbd also
// accepts IP literals) on the listener's instance port, and the
// algorithm must be the one ELB uses for the protocol: least connections
// (least outstanding requests) for http.
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
		balancers, err := driver.ListBalancers(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("%d load balancers before\n", len(balancers))

		algorithm, _ := elb.AlgorithmFor("http")
		b, err := driver.CreateBalancer(ctx, loadbalancer.CreateRequest{
			Name:       example.UniqueName("MyLB"),
			Port:       80,
			Protocol:   "http",
			MemberPort: 8080,
			Algorithm:  algorithm,
			Members:    example.Members(8080),
		})
		if err != nil {
			return err
		}
		cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })
		fmt.Println("created", example.Balancer(b))
		fmt.Println("algorithm:", algorithm)

		members, err := driver.ListMembers(ctx, b)
		if err != nil {
			return err
		}
		for _, m := range members {
			fmt.Println("member", example.Member(m))
		}
		return nil
	})
}
