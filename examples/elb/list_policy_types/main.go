// Command list_policy_types follows libcloud's
// ex_list_balancer_policy_types example (tutorial section 4): it lists
// the policy types ELB offers and their attributes.
package main

import (
	"context"
	"fmt"

	"github.com/elbd/elbd/examples/elb/internal/example"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func main() {
	example.Run(func(ctx context.Context, driver *elb.Driver, _ *example.Cleanup) error {
		types, err := driver.ListBalancerPolicyTypes(ctx)
		if err != nil {
			return err
		}
		fmt.Println("policy types:", elb.PolicyTypeNames(types))
		for _, t := range types {
			if len(t.Attributes) > 3 {
				fmt.Printf("%s: %d attributes\n", t.Name, len(t.Attributes))
				continue
			}
			for _, a := range t.Attributes {
				fmt.Printf("%s: %s (%s, %s)\n", t.Name, a.Name, a.Type, a.Cardinality)
			}
		}
		return nil
	})
}
