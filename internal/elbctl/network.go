package elbctl

import (
	"context"

	"github.com/spf13/cobra"
)

// networkOp is one placement change: it applies items to a balancer and
// returns the balancer's resulting list.
type networkOp func(ctx context.Context, c *client, balancer string, items ...string) ([]string, error)

// networkCmd builds a placement subcommand such as "zones enable". key is
// the JSON field and title the table heading of the resulting list.
func (a *app) networkCmd(use, item, short, example, key, title string, op networkOp) *cobra.Command {
	return &cobra.Command{
		Use:               use + " BALANCER " + item + "...",
		Short:             short,
		Example:           example,
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var out []string
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				out, err = op(ctx, c, args[0], args[1:]...)
				return err
			})
			if err != nil {
				return err
			}
			t := &table{header: []string{title}, empty: "(none)"}
			for _, s := range out {
				t.add(s)
			}
			return a.print(map[string]any{"balancer": args[0], key: orEmpty(out)}, t)
		},
	}
}

func (a *app) zonesCmd() *cobra.Command {
	c := groupCmd("zones", "Enable and disable availability zones of a load balancer",
		"Availability zones of a load balancer that is not in a VPC. Both\ncommands print the zones enabled afterwards.")
	c.Aliases = []string{"zone"}
	c.AddCommand(
		a.networkCmd("enable", "ZONE", "Enable availability zones", "  elbctl zones enable web us-east-1b us-east-1c",
			"availability_zones", "ZONE", func(ctx context.Context, c *client, b string, z ...string) ([]string, error) {
				return c.EnableZones(ctx, b, z...)
			}),
		a.networkCmd("disable", "ZONE", "Disable availability zones (not the last one)", "  elbctl zones disable web us-east-1c",
			"availability_zones", "ZONE", func(ctx context.Context, c *client, b string, z ...string) ([]string, error) {
				return c.DisableZones(ctx, b, z...)
			}),
	)
	return c
}

func (a *app) subnetsCmd() *cobra.Command {
	c := groupCmd("subnets", "Attach and detach VPC subnets of a load balancer",
		"Subnets of a load balancer in a VPC, at most one per availability zone.\nBoth commands print the subnets attached afterwards.")
	c.Aliases = []string{"subnet"}
	c.AddCommand(
		a.networkCmd("attach", "SUBNET", "Attach subnets", "  elbctl subnets attach api subnet-0c000001",
			"subnets", "SUBNET", func(ctx context.Context, c *client, b string, s ...string) ([]string, error) {
				return c.AttachSubnets(ctx, b, s...)
			}),
		a.networkCmd("detach", "SUBNET", "Detach subnets (not the last one)", "  elbctl subnets detach api subnet-0c000001",
			"subnets", "SUBNET", func(ctx context.Context, c *client, b string, s ...string) ([]string, error) {
				return c.DetachSubnets(ctx, b, s...)
			}),
	)
	return c
}

func (a *app) securityGroupsCmd() *cobra.Command {
	c := groupCmd("security-groups", "Set the security groups of a VPC load balancer",
		"Security groups of a load balancer in a VPC.")
	c.Aliases = []string{"security-group", "sg"}
	c.AddCommand(a.networkCmd("apply", "GROUP",
		"Replace the security groups of a VPC load balancer", "  elbctl security-groups apply api sg-0web000001 sg-0default0001",
		"security_groups", "SECURITY GROUP", func(ctx context.Context, c *client, b string, g ...string) ([]string, error) {
			return c.ApplySecurityGroups(ctx, b, g...)
		}))
	return c
}
